// An operator opens Cobble's dashboard in a real browser (Debian's chromium, driven by
// playwright-core), on a desktop and on a phone: the plots are drawn from the server's figures,
// the tables name the failing pair and the account, the window switch works, and nothing breaks
// the Content-Security-Policy or logs an error. Exits non-zero on any failure.
//
//   DASHBOARD_URL=https://localhost:15000/dashboard   (required)
//   EXPECT_PAIR=dns:flaky1.dashboard.test  EXPECT_ACCOUNT=1   (required unless TOKEN is set)
//   SCREENSHOT_DIR=/tmp/shots   (optional: dashboard-desktop.png and dashboard-phone.png)
//   TOKEN=s3cret                (optional: instead, check the token form of a server that wants it)
//   CHROMIUM=/usr/bin/chromium  TIMEOUT_MS=30000   (optional)
//
// Run `npm install` in this folder first (playwright-core only; it downloads no browser).
import { join } from 'node:path';
import { check, env, run, withChromium } from './chromium.mjs';

const PLOTS = ['validations', 'paused-pairs', 'pauses', 'denials'];
// The line colours of style.css (light scheme): valid, failed, paused pairs.
const COLOURS = { valid: [0x2e, 0x7d, 0x32], failed: [0xd3, 0x2f, 0x2f], 'paused pairs': [0x6a, 0x1b, 0x9a] };

// Records what the browser reports: console errors and warnings, uncaught exceptions and CSP
// violations (a listener added before the page's own script runs).
async function watch(page) {
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
  });
  return problems;
}

// Waits until the page has drawn the server's figures for `window` more than `after` times in
// all; returns how many times it has.
async function loaded(page, window = '24h', after = 0) {
  await page.waitForFunction(([w, n]) => document.body.dataset.window === w && Number(document.body.dataset.loads) > n,
                             [window, after]);
  return Number(await page.evaluate(() => document.body.dataset.loads));
}

// Pixels of each line colour in a PNG, counted by the browser itself (a canvas on a blank page).
async function colourCounts(context, png) {
  const blank = await context.newPage();
  try {
    return await blank.evaluate(async ({ data, colours }) => {
      const image = new Image();
      image.src = `data:image/png;base64,${data}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const g = canvas.getContext('2d');
      g.drawImage(image, 0, 0);
      const pixels = g.getImageData(0, 0, image.width, image.height).data;
      const counts = { width: image.width, height: image.height };
      for (const [name, [r, gr, b]] of Object.entries(colours)) {
        let n = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          if (Math.abs(pixels[i] - r) < 14 && Math.abs(pixels[i + 1] - gr) < 14 && Math.abs(pixels[i + 2] - b) < 14) n++;
        }
        counts[name] = n;
      }
      return counts;
    }, { data: png.toString('base64'), colours: COLOURS });
  } finally {
    await blank.close();
  }
}

async function figuresView(context, url, viewport, name) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const problems = await watch(page);
  const apiCalls = [];
  page.on('request', (r) => { if (r.url().includes('/dashboard/api/')) apiCalls.push(new URL(r.url())); });

  const opened = await page.goto(url, { waitUntil: 'load' });
  check(opened?.status() === 200, `${name}: the dashboard loads (HTTP ${opened?.status()})`);
  const csp = opened.headers()['content-security-policy'] || '';
  check(csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'),
        `${name}: served with a CSP that allows no inline script or style`);
  let loads = await loaded(page);
  const status = await page.locator('#status').innerText();
  check(/^Server time/.test(status), `${name}: the figures are drawn (${status})`);

  for (const id of PLOTS) {
    const svg = page.locator(`#${id} svg.plot`);
    const points = Number(await svg.getAttribute('data-points'));
    const path = (await svg.locator('path.line').first().getAttribute('d')) || '';
    const dots = await svg.locator('circle.dot').count();
    check(points > 0 && /^M[\d.]+ [\d.]+ [LMlHV]/.test(path) && dots > 0,
          `${name}: the ${id} plot has ${points} points with events, ${dots} dots and a drawn line`);
  }
  const pairs = await page.locator('#pairs tbody tr').allInnerTexts();
  check(pairs.some((row) => row.includes(env('EXPECT_PAIR'))),
        `${name}: the pairs table names ${env('EXPECT_PAIR')} (${pairs.length} rows)`);
  const firstAccount = (await page.locator('#accounts tbody tr:first-child td:first-child').innerText()).trim();
  check(firstAccount === env('EXPECT_ACCOUNT'), `${name}: account ${firstAccount} tops the failed validations`);
  const pausedNow = (await page.locator('#totals .tile .figure').first().innerText()).trim();
  check(pausedNow === '1', `${name}: one pair is paused now (${pausedNow})`);

  const layout = await page.evaluate(() => {
    const box = (id) => document.getElementById(id).getBoundingClientRect();
    return { a: box('validations'), b: box('paused-pairs'), scroll: document.documentElement.scrollWidth, width: innerWidth };
  });
  check(layout.scroll <= layout.width, `${name}: nothing wider than the screen (${layout.scroll} ≤ ${layout.width})`);
  if (viewport.width >= 900) {
    check(layout.a.top === layout.b.top && layout.a.left < layout.b.left, `${name}: plots side by side`);
  } else {
    check(layout.a.left === layout.b.left && layout.a.bottom <= layout.b.top, `${name}: one column`);
  }

  let shot = null;
  if (process.env.SCREENSHOT_DIR) {
    const file = join(process.env.SCREENSHOT_DIR, `dashboard-${name}.png`);
    shot = await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${file}`);
  } else {
    shot = await page.screenshot({ fullPage: true });
  }
  const counts = await colourCounts(context, shot);
  check(counts.width === viewport.width && Object.keys(COLOURS).every((c) => counts[c] >= 20),
        `${name}: the screenshot (${counts.width}×${counts.height}) shows each line colour: ` +
        Object.keys(COLOURS).map((c) => `${c} ${counts[c]} px`).join(', '));

  if (viewport.width >= 900) {
    await page.locator('button[data-window="30d"]').click();
    loads = await loaded(page, '30d', loads);
    check(await page.locator('button[data-window="30d"]').getAttribute('aria-pressed') === 'true' &&
          apiCalls.some((u) => u.searchParams.get('window') === '30d'),
          'the 30 d switch asks for the 30 d figures');
    check(Number(await page.locator('#validations svg.plot').getAttribute('data-points')) > 0,
          'the 30 d plot shows the validations too');
    await page.locator('button[data-window="24h"]').click();
    await loaded(page, '24h', loads);
  }

  const violations = await page.evaluate(() => window.cspViolations);
  check(problems.length === 0 && violations.length === 0,
        `${name}: no console error, page error or CSP violation (${[...problems, ...violations].join('; ')})`);
  // The listener works: an inline script added now is refused and reported.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.inlineRan = true';
    document.head.append(s);
  });
  await page.waitForFunction(() => window.cspViolations.length > 0);
  check(!(await page.evaluate(() => window.inlineRan)), `${name}: an inline script is refused and reported`);
  await page.close();
}

async function tokenView(context, url, token) {
  const page = await context.newPage();
  const problems = await watch(page);
  await page.goto(url, { waitUntil: 'load' });
  await page.locator('#token-form').waitFor({ state: 'visible' });
  check(await page.locator('#panels').isHidden(), 'without the token the page asks for it and shows no figures');
  await page.locator('#token').fill('wrong');
  await page.locator('#token-form button[type="submit"]').click();
  await page.waitForFunction(() => /refused/.test(document.getElementById('token-note').textContent));
  check(true, 'a wrong token is refused');
  await page.locator('#token').fill(token);
  await page.locator('#token-form button[type="submit"]').click();
  await loaded(page);
  check(await page.locator('#token-form').isHidden(), 'with the token the figures are drawn');
  check(await page.evaluate(() => sessionStorage.getItem('cobble-management-token')) === token,
        'the token is kept in sessionStorage');
  await page.reload({ waitUntil: 'load' });
  await loaded(page);
  check(await page.locator('#token-form').isHidden(), 'after a reload the tab still has the token');
  // The browser logs each refused fetch; nothing else may appear.
  const unexpected = problems.filter((p) => !/status of 401/.test(p));
  const violations = await page.evaluate(() => window.cspViolations);
  check(unexpected.length === 0 && violations.length === 0,
        `no error but the refused fetches (${[...unexpected, ...violations].join('; ')})`);
  await page.close();
}

run(async () => {
  const url = env('DASHBOARD_URL');
  await withChromium({ locale: 'en-GB', timezoneId: 'UTC', colorScheme: 'light' }, async (context) => {
    if (process.env.TOKEN) {
      await tokenView(context, url, process.env.TOKEN);
      console.log('PASS: the dashboard asks for the management token and keeps it');
      return;
    }
    await figuresView(context, url, { width: 1280, height: 900 }, 'desktop');
    await figuresView(context, url, { width: 390, height: 844 }, 'phone');
    console.log('PASS: the dashboard draws the figures in chromium, on a desktop and on a phone');
  });
});
