import fc from 'fast-check';
import {
  attachmentDisposition,
  MAX_FILE_NAME_LENGTH,
  sanitiseFileName,
} from 'src/evidence/content/file-name';

describe('sanitiseFileName', () => {
  it.each([
    ['photo.jpg', 'photo.jpg'],
    ['C:\\Users\\amina\\Desktop\\photo.jpg', 'photo.jpg'],
    ['../../etc/passwd', 'passwd'],
    ['  relevé.pdf  ', 'relevé.pdf'],
    ['re\u0301sume\u0301.pdf', 'résumé.pdf'],
    ['bad\u0000name\u001f.png', 'badname.png'],
    ['photo\u202Egpj.exe', 'photogpj.exe'],
    ['ligne\nsuivante.pdf', 'lignesuivante.pdf'],
    ['صورة.jpg', 'صورة.jpg'],
    ['', 'evidence.jpg'],
    [undefined, 'evidence.jpg'],
    ['..', 'evidence.jpg'],
    ['dir/', 'evidence.jpg'],
  ])('makes %j into %j', (raw, expected) => {
    expect(sanitiseFileName(raw, 'image/jpeg')).toBe(expected);
  });

  it('names an unnamed file after its detected type', () => {
    expect(sanitiseFileName(undefined, 'application/pdf')).toBe('evidence.pdf');
  });

  it('cuts a long name to 200 characters, keeping its extension', () => {
    const name = sanitiseFileName(`${'é'.repeat(300)}.jpeg`, 'image/jpeg');
    expect(Array.from(name)).toHaveLength(MAX_FILE_NAME_LENGTH);
    expect(name.endsWith('é.jpeg')).toBe(true);
  });

  it('always gives a clean name of 1 to 200 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (raw) => {
        const name = sanitiseFileName(raw, 'image/png');
        expect(Array.from(name).length).toBeGreaterThan(0);
        expect(Array.from(name).length).toBeLessThanOrEqual(MAX_FILE_NAME_LENGTH);
        expect(name).not.toMatch(/[\\/\p{Cc}\p{Bidi_Control}]/u);
        expect(name).toBe(name.normalize('NFC'));
        expect(() => attachmentDisposition(name)).not.toThrow();
      }),
    );
  });
});

describe('attachmentDisposition', () => {
  it('gives an ASCII fallback and the exact name in UTF-8 (RFC 6266)', () => {
    expect(attachmentDisposition('Relevé "mai" 100%.pdf')).toBe(
      `attachment; filename="Releve _mai_ 100_.pdf"; filename*=UTF-8''Relev%C3%A9%20%22mai%22%20100%25.pdf`,
    );
  });

  it('keeps Arabic only in filename*', () => {
    expect(attachmentDisposition("صورة (1)'.jpg")).toBe(
      `attachment; filename="____ (1)'.jpg"; filename*=UTF-8''%D8%B5%D9%88%D8%B1%D8%A9%20%281%29%27.jpg`,
    );
  });

  it('writes only header-safe characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 }), (name) => {
        const header = attachmentDisposition(sanitiseFileName(name, 'image/png'));
        expect(header).toMatch(
          /^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%!#$&+\-.^_`|~]+$/,
        );
        const quoted = /filename="([^"]*)"/.exec(header)?.[1];
        expect(quoted).not.toMatch(/["\\]/);
      }),
    );
  });
});
