import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, driven by Playwright. No browser is downloaded: the binary comes from the `chromium`
 * package that `npm test` installs. The background-networking flags keep it from calling out of this
 * closed network at every start.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
