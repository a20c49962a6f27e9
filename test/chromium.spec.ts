import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium';

describe('launchChromium', () => {
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
  });

  it('starts a headless Chromium that lays Arabic out right to left', async () => {
    browser = await launchChromium();
    expect(browser.isConnected()).toBe(true);
    const page = await browser.newPage();
    await page.setContent(
      '<html lang="ar" dir="rtl"><body><p id="t">شهادة المطابقة</p></body></html>',
    );
    // expressions, not functions: the project's TypeScript has no DOM library
    expect(await page.evaluate('getComputedStyle(document.getElementById("t")).direction')).toBe(
      'rtl',
    );
    expect(await page.evaluate('navigator.userAgent')).toMatch(/HeadlessChrome/);
  });
});
