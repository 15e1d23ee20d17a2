// An ARI renewal while the account is rate-limited (issue #15), with node's acme-client against a
// Cobble whose NewOrdersPerAccount is tiny. PHASE=issue: a certificate for NAME (written to
// STATE_DIR/cert.pem). PHASE=renew (inside the renewal window): two orders for other names use up
// the account's orders, a third is a 429, an order for NAME is a 429 too (its exact set is used
// up), and an order with "replaces": CERT_ID still gets a certificate. The account key is kept in STATE_DIR. Env: DIR_URL, STATE_DIR, PHASE, NAME, CERT_ID.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import acme from 'acme-client';

const { DIR_URL, STATE_DIR, PHASE, NAME, CERT_ID } = process.env;
const fail = (what) => { console.error(`FAIL: ${what}`); process.exit(1); };
const ok = (what) => console.log(`ok: ${what}`);
acme.axios.defaults.acmeSettings.retryMaxAttempts = 0;  // see a 429 instead of waiting it out

const keyFile = `${STATE_DIR}/account.pem`;
if (!existsSync(keyFile)) writeFileSync(keyFile, await acme.crypto.createPrivateEcdsaKey());
const client = new acme.Client({ directoryUrl: DIR_URL, accountKey: readFileSync(keyFile) });
await client.createAccount({ termsOfServiceAgreed: true });
const dns = (value) => ({ type: 'dns', value });

async function issue(payload) {
  const order = await client.createOrder(payload);
  for (const authz of await client.getAuthorizations(order)) {
    if (authz.status === 'valid') continue;
    const challenge = authz.challenges.find((c) => c.type === 'http-01');
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
  const [, csr] = await acme.crypto.createCsr({ altNames: payload.identifiers.map((i) => i.value) });
  const finalized = await client.finalizeOrder(order, csr);
  await client.waitForValidStatus(finalized);
  return { order, pem: await client.getCertificate(finalized) };
}

if (PHASE === 'issue') {
  writeFileSync(`${STATE_DIR}/cert.pem`, (await issue({ identifiers: [dns(NAME)] })).pem);
  ok(`a certificate for ${NAME}`);
} else {
  for (const other of ['drain-1.example.org', 'drain-2.example.net']) {
    await client.createOrder({ identifiers: [dns(other)] });
  }
  const refused = await client.api.apiResourceRequest('newOrder', { identifiers: [dns('drain-3.example.info')] });
  if (refused.status !== 429 || !refused.data.detail.includes('too many new orders')) {
    fail(`the account is not limited: ${refused.status} ${JSON.stringify(refused.data)}`);
  }
  // Without "replaces" the same names are refused (their exact set had its certificate).
  const plain = await client.api.apiResourceRequest('newOrder', { identifiers: [dns(NAME)] });
  if (plain.status !== 429) fail(`an order for ${NAME} without "replaces": ${plain.status} ${JSON.stringify(plain.data)}`);
  const renewal = await issue({ identifiers: [dns(NAME)], replaces: CERT_ID });
  if (renewal.order.replaces !== CERT_ID) fail(`the renewal order does not say what it replaces: ${JSON.stringify(renewal.order)}`);
  ok(`with NewOrdersPerAccount used up (${refused.data.detail.split(',')[0]}), the ARI renewal of ${NAME} got its certificate`);
}
