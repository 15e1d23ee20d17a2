// A web page of another origin, open in a browser that trusts Cobble's HTTPS CA (as the README
// tells users to), tries what a malicious page would against the management API: wipe the
// database with a bodiless, a text/plain and a JSON POST, a form submission, and read the
// intermediate's private key. Prints what the page saw as JSON; the shell test checks the server.
//
//   ATTACK_URL=http://127.0.0.1:PORT/attack.html   (required: the page, with ?mgmt=<origin>)
//   CHROMIUM=/usr/bin/chromium   TIMEOUT_MS=30000   (optional)
import { run, withChromium } from './chromium.mjs';

run(async () => {
  const attackUrl = process.env.ATTACK_URL;
  if (!attackUrl) throw new Error('ATTACK_URL is not set');
  await withChromium({}, async (context) => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(attackUrl, { waitUntil: 'load' });
    await page.waitForFunction(() => document.title.startsWith('done '));
    console.log((await page.title()).slice(5));
  });
});
