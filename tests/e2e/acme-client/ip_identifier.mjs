// IP identifiers (RFC 8738) through node's acme-client 5.4.0. Its `auto` mode always orders "dns"
// identifiers, so this uses the step-by-step API: createOrder sends {type: 'ip'} identifiers as
// given, http-01 key authorizations go to cobble-challsrv's management API, and
// acme.crypto.createCsr puts iPAddress SANs in the CSR for values that are addresses.
// usage: node ip_identifier.mjs OUT_PEM ADDRESS...  Env: DIR_URL, CHALLSRV_URL; NODE_EXTRA_CA_CERTS
// trusts Cobble. Exit status 0 with the chain in OUT_PEM; otherwise the CA's detail on stderr.
import { writeFileSync } from 'node:fs';
import acme from 'acme-client';

const { DIR_URL, CHALLSRV_URL } = process.env;
const [outPem, ...addresses] = process.argv.slice(2);

async function challsrv(endpoint, body) {
  const resp = await fetch(`${CHALLSRV_URL}/${endpoint}`, { method: 'POST', body: JSON.stringify(body) });
  if (!resp.ok) throw new Error(`challsrv ${endpoint}: ${resp.status}`);
}

try {
  // Polls every 100-500 ms instead of 5-30 s: the CA is on loopback and validates at once.
  const client = new acme.Client({ directoryUrl: DIR_URL, accountKey: await acme.crypto.createPrivateEcdsaKey(),
    backoffAttempts: 30, backoffMin: 100, backoffMax: 500 });
  await client.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:ip@example.com'] });
  const order = await client.createOrder({ identifiers: addresses.map((value) => ({ type: 'ip', value })) });
  for (const authz of await client.getAuthorizations(order)) {
    const challenge = authz.challenges.find((c) => c.type === 'http-01');
    await challsrv('add-http01', { token: challenge.token, content: await client.getChallengeKeyAuthorization(challenge) });
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
  const [, csr] = await acme.crypto.createCsr({ altNames: addresses });
  const finalized = await client.finalizeOrder(order, csr);
  await client.waitForValidStatus(finalized);
  writeFileSync(outPem, await client.getCertificate(finalized));
} catch (err) {
  console.error(`acme-client: ${err.message}`);
  process.exit(1);
}
