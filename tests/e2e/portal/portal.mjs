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
import { check, env, run, withChromium } from './chromium.mjs';

function doneScreenshotPath(path) {
  return /\.png$/i.test(path) ? path.replace(/\.png$/i, '-done.png') : `${path}-done.png`;
}

run(async () => {
  const portalUrl = env('PORTAL_URL');
  const identifier = env('EXPECT_IDENTIFIER');
  const screenshot = process.env.SCREENSHOT || '';
  const expectCount = process.env.EXPECT_COUNT || '';
  // A phone: the page must be readable there.
  await withChromium({ locale: 'en-US', viewport: { width: 390, height: 844 } }, async (context) => {
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
  });
});
