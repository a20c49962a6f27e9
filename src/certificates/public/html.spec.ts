import { html, SafeHtml } from 'src/certificates/public/html';

describe('html', () => {
  it('escapes every interpolated value', () => {
    const name = `<script>alert("x")</script> & 'co'`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</p>',
    );
  });

  it('keeps nested templates and joins arrays', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    const list = html`<ul>
      ${items}
    </ul>`.value;
    expect(list.replace(/>\s+</g, '><')).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });

  it.each([null, undefined, false])('prints nothing for %p', (value) => {
    expect(html`<p>${value}</p>`.value).toBe('<p></p>');
  });

  it('prints numbers and keeps SafeHtml as is', () => {
    expect(html`${0} ${new SafeHtml('<br>')}`.value).toBe('0 <br>');
  });
});
