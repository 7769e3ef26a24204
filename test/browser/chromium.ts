import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

/**
 * Debian's Chromium for the browser tests, driven by puppeteer-core (nothing downloads a browser). In CI its
 * absence is an error (.ci/run installs it); elsewhere the tests are skipped, saying why.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumFound = existsSync(chromiumPath);
if (!chromiumFound && (process.env.CI !== undefined || process.env.PANEL_REQUIRE_BROWSER === '1')) {
  throw new Error(`Chromium is not at ${chromiumPath}: .ci/run installs it (apt-get install chromium).`);
}

/** `describe` when Chromium is here, `describe.skip` (with a line on stderr) when it is not. */
export function describeInBrowser(title: string, define: () => void): void {
  if (chromiumFound) {
    describe(title, define);
    return;
  }
  process.stderr.write(`${title}: skipped, no Chromium at ${chromiumPath} (apt-get install chromium)\n`);
  describe.skip(title, define);
}

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
