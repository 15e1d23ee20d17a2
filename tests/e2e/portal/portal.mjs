// A person in a real browser (Debian's chromium, driven by playwright-core) uses Cobble's unpause
// portal: opens the link from a paused client's error, sees the identifier, clicks the button and
// sees the success page. Exits non-zero on any failure.
//
//   PORTAL_URL=https://localhost:14000/sfe/v1/unpause?jwt=...  (required)
//   EXPECT_IDENTIFIER=zombie.example                           (required: listed on the form)
//   SCREENSHOT=/tmp/portal.png   (optional: the form; the result goes next to it as *-done.png)
//   EXPECT_COUNT=1               (optional: the number the success page must state)
//   CHROMIUM=/usr/bin/chromium   (optional)   TIMEOUT_MS=30000 (optional)
//
// Run `npm install` in this folder first (playwright-core only; it downloads no browser).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`ok: ${message}`);
}

function doneScreenshotPath(path) {
  return /\.png$/i.test(path) ? path.replace(/\.png$/i, '-done.png') : `${path}-done.png`;
}

async function main() {
  const portalUrl = env('PORTAL_URL');
  const identifier = env('EXPECT_IDENTIFIER');
  const screenshot = process.env.SCREENSHOT || '';
  const expectCount = process.env.EXPECT_COUNT || '';
  const timeout = Number(process.env.TIMEOUT_MS || 30000);
  const userDataDir = mkdtempSync(join(tmpdir(), 'cobble-portal-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: env('CHROMIUM', '/usr/bin/chromium'),
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      ignoreHTTPSErrors: true,  // Cobble's certificate comes from its own local CA
      locale: 'en-US',
      viewport: { width: 390, height: 844 },  // a phone: the page must be readable there
      timeout,
    });
    context.setDefaultTimeout(timeout);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));

    const opened = await page.goto(portalUrl, { waitUntil: 'load' });
    check(opened !== null && opened.status() === 200, `the unpause page loads (HTTP ${opened?.status()})`);
    const headers = opened.headers();
    check((headers['content-security-policy'] || '').includes("default-src 'none'"),
          'the page is served with a strict Content-Security-Policy');
    check(headers['x-frame-options'] === 'DENY', 'the page may not be framed');
    const heading = (await page.locator('h1').first().innerText()).trim();
    check(/unpause your account/i.test(heading), `the heading asks for action ("${heading}")`);
    const listed = await page.locator('ul.ids li').allInnerTexts();
    check(listed.map((s) => s.trim()).includes(identifier),
          `the page lists ${identifier} (listed: ${listed.join(', ')})`);
    const button = page.locator('form[method="post"] button[type="submit"]');
    check((await button.count()) === 1, 'the page has exactly one unpause button');
    check(await button.isVisible(), 'the button is visible on a phone-sized screen');
    if (screenshot) {
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`screenshot: ${screenshot}`);
    }

    const statusLoaded = page.waitForResponse(
        (r) => r.request().isNavigationRequest() && new URL(r.url()).pathname === '/sfe/v1/unpause-status');
    await button.click();
    const response = await statusLoaded;
    await page.waitForLoadState('load');
    check(response !== null && response.status() === 200, `the status page loads (HTTP ${response?.status()})`);
    const url = new URL(page.url());
    check(url.pathname === '/sfe/v1/unpause-status', `the button leads to the status page (${url.pathname})`);
    const result = (await page.locator('h1').first().innerText()).trim();
    check(/^Successfully unpaused (all \d+ identifiers|1 identifier)$/.test(result),
          `the status page reports success ("${result}")`);
    if (expectCount) {
      check(url.searchParams.get('count') === expectCount, `the count is ${expectCount}`);
    }
    if (screenshot) {
      const done = doneScreenshotPath(screenshot);
      await page.screenshot({ path: done, fullPage: true });
      console.log(`screenshot: ${done}`);
    }
    console.log('PASS: unpaused through the portal in chromium');
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`FAIL: ${error.message}`);
  process.exit(1);
});
