import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/*
 * Headless Chromium for the tests and benchmarks that need a real browser: Debian's `chromium`
 * (which `.ci/run` installs when missing) driven by playwright-core, which downloads no browser
 * of its own. Each launch gets a new, empty profile in a temporary folder, removed on close.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start. No GPU, and
 * nothing that reaches the network on its own (QUIC, component updates, sync, background
 * requests), so that a run depends only on what the test serves.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts headless Chromium; the caller closes it (`browser.close()`). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: the browser tests need Debian's chromium ` +
        '(apt-get install -y --no-install-recommends chromium; .ci/run installs it)',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    headless: true,
    timeout: 60_000,
  });
}
