import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import type { CertificateResponse } from 'src/certificates/certificates.dto';
import type { User } from 'src/members/user.entity';
import { launchChromium } from '../chromium';
import { createTestApp, type TestApp } from '../app';
import { authAs, givenCertifiableSite, givenOrganisation, givenUser } from '../factories';

/** `WRITE_SCREENSHOT=1` writes the French page, as a phone shows it, for the README. */
const SCREENSHOT = join(__dirname, '..', '..', 'docs', 'verify-page.png');
const PHONE = { width: 390, height: 844 };

/** The verification page in a real headless Chromium, on a phone-sized screen. */
describe('the verification page in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let phone: BrowserContext;
  let baseUrl: string;
  let certificate: CertificateResponse;
  let siteName: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.getHttpServer().address();
    if (typeof address !== 'object' || !address) {
      throw new Error('the application does not listen');
    }
    baseUrl = `http://127.0.0.1:${address.port}`;

    const admin: User = await givenUser(t.db, 'admin');
    const auditor: User = await givenUser(t.db, 'auditor');
    const organisation = await givenOrganisation(t.db, { name: 'Atlas Relation Client SA' });
    const site = await givenCertifiableSite(t, { admin, auditor }, organisation, {
      name: 'Plateau Anfa',
      address: '12 boulevard Zerktouni',
      city: 'Casablanca',
    });
    siteName = site.name;
    const issued = await t.request({
      method: 'POST',
      url: `/api/v1/sites/${site.id}/certificates`,
      headers: await authAs(t, admin),
    });
    expect(issued.statusCode).toBe(201);
    certificate = issued.json<CertificateResponse>();

    browser = await launchChromium();
    phone = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      locale: 'fr-MA',
    });
  });

  afterAll(async () => {
    await phone?.close();
    await browser?.close();
    await t?.close();
  });

  /** The page the QR code opens, on this server. */
  const qrPath = (lang?: string) => {
    const url = new URL(certificate.verifyUrl);
    if (lang) {
      url.searchParams.set('lang', lang);
    }
    return `${baseUrl}${url.pathname}${url.search}`;
  };

  it('shows the status and the site in French, and fits a phone’s width', async () => {
    const page = await phone.newPage();
    const response = await page.goto(qrPath());
    expect(response?.status()).toBe(200);
    expect(await page.getByText('Valide', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByText(siteName, { exact: true }).first().isVisible()).toBe(true);
    expect(await page.getByText(/Code QR authentique/).isVisible()).toBe(true);
    expect(await page.getByText(/condition préalable au déconfinement/).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: /Télécharger le certificat/ }).isVisible()).toBe(
      true,
    );
    const layout = await page.evaluate<unknown>(`({
      dir: getComputedStyle(document.documentElement).direction,
      scrollWidth: document.documentElement.scrollWidth,
      scripts: document.scripts.length,
    })`);
    expect(layout).toEqual({ dir: 'ltr', scrollWidth: PHONE.width, scripts: 0 });
    if (process.env.WRITE_SCREENSHOT === '1') {
      await mkdir(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
    }
    await page.close();
  });

  it('shows the status and the site in Arabic, right to left', async () => {
    const page = await phone.newPage();
    const response = await page.goto(qrPath('ar'));
    expect(response?.status()).toBe(200);
    expect(await page.getByText('صالحة', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByText(siteName, { exact: true }).first().isVisible()).toBe(true);
    const layout = await page.evaluate<unknown>(`({
      lang: document.documentElement.lang,
      dir: getComputedStyle(document.documentElement).direction,
      bannerDir: getComputedStyle(document.querySelector('.banner')).direction,
      scrollWidth: document.documentElement.scrollWidth,
    })`);
    expect(layout).toEqual({ lang: 'ar', dir: 'rtl', bannerDir: 'rtl', scrollWidth: PHONE.width });
    await page.close();
  });

  it('follows the language links and the Accept-Language of the browser', async () => {
    const english = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
    const page = await english.newPage();
    await page.goto(qrPath());
    expect(await page.getByText('Valid', { exact: true }).isVisible()).toBe(true);
    await page.getByRole('link', { name: 'العربية' }).click();
    expect(await page.getByText('صالحة', { exact: true }).isVisible()).toBe(true);
    expect(new URL(page.url()).searchParams.get('t')).toBe(
      new URL(certificate.verifyUrl).searchParams.get('t'),
    );
    expect(await page.getByText(/رمز QR أصلي/).isVisible()).toBe(true);
    await english.close();
  });

  it('says plainly, in red, when the code does not match', async () => {
    const page = await phone.newPage();
    await page.goto(`${baseUrl}/verify/${certificate.number}?t=forged.token.here`);
    const alert = page.getByRole('alert');
    expect(await alert.isVisible()).toBe(true);
    expect(await alert.textContent()).toContain('Ce code ne correspond pas à ce certificat.');
    expect(
      await page.evaluate<string>(
        "getComputedStyle(document.querySelector('[role=alert]')).borderTopColor",
      ),
    ).toBe('rgb(185, 28, 28)');
    await page.close();
  });
});
