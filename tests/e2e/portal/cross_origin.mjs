// A web page of another origin, open in a browser that trusts Cobble's HTTPS CA (as the README
// tells users to), tries what a malicious page would against the management API: wipe the
// database with a bodiless, a text/plain and a JSON POST, a form submission, and read the
// intermediate's private key. Prints what the page saw as JSON; the shell test checks the server.
//
//   ATTACK_URL=http://127.0.0.1:PORT/attack.html   (required: the page, with ?mgmt=<origin>)
//   CHROMIUM=/usr/bin/chromium   TIMEOUT_MS=30000   (optional)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const attackUrl = process.env.ATTACK_URL;
if (!attackUrl) throw new Error('ATTACK_URL is not set');
const timeout = Number(process.env.TIMEOUT_MS || 30000);
const userDataDir = mkdtempSync(join(tmpdir(), 'cobble-csrf-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ignoreHTTPSErrors: true,  // the user trusts Cobble's HTTPS CA
    timeout,
  });
  context.setDefaultTimeout(timeout);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(attackUrl, { waitUntil: 'load' });
  await page.waitForFunction(() => document.title.startsWith('done '), null, { timeout });
  console.log((await page.title()).slice(5));
} finally {
  if (context) await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
