// What this folder's browser scripts share: Debian's chromium driven by playwright-core (which
// downloads no browser), headless, in a throw-away profile, trusting Cobble's own HTTPS CA; and the
// scripts' small helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// The environment variable `name`, or `fallback`; throws when neither is set.
export function env(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

// Prints "ok: message", or throws it when the condition does not hold.
export function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`ok: ${message}`);
}

// Runs `use(context)` in a new browser whose pages have `options` (playwright's context options:
// locale, viewport, ...), each action waiting at most TIMEOUT_MS (30 s); closes the browser and
// removes its profile afterwards, however `use` ends. CHROMIUM names the browser.
export async function withChromium(options, use) {
  const timeout = Number(process.env.TIMEOUT_MS || 30000);
  const userDataDir = mkdtempSync(join(tmpdir(), 'cobble-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      ignoreHTTPSErrors: true,  // Cobble's certificate comes from its own local CA
      timeout,
      ...options,
    });
    context.setDefaultTimeout(timeout);
    return await use(context);
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

// Runs `main`, exiting non-zero with "FAIL: <message>" when it throws.
export function run(main) {
  main().catch((error) => {
    console.error(`FAIL: ${error.message}`);
    process.exit(1);
  });
}
