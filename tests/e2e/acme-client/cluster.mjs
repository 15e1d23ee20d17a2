// node's acme-client against a cluster (tests/e2e/cluster_test.sh): one account, then certificates
// one after another (http-01 through the key authorization written into WEBROOT) until STOP_FILE
// exists. After each certificate OUT_DIR/manifest.json says what the CA acknowledged: the account's
// URL, each order's URL and its certificate's URL; OUT_DIR/account.pem is the account key and
// OUT_DIR/cert-<n>.pem each chain. Polling is quick but long enough to outlast a validation lease
// (an instance that dies while validating leaves the challenge to another within ~40 s).
// Env: DIR_URL, OUT_DIR, WEBROOT, STOP_FILE; NODE_EXTRA_CA_CERTS trusts the cluster.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import acme from 'acme-client';

const { DIR_URL, OUT_DIR, WEBROOT, STOP_FILE } = process.env;
const challengeDir = `${WEBROOT}/.well-known/acme-challenge`;
mkdirSync(challengeDir, { recursive: true });

const accountKey = await acme.crypto.createPrivateEcdsaKey();
writeFileSync(`${OUT_DIR}/account.pem`, accountKey);
const client = new acme.Client({
  directoryUrl: DIR_URL, accountKey, backoffAttempts: 60, backoffMin: 200, backoffMax: 1000,
});
await client.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:node@example.com'] });
const manifest = { account: client.getAccountUrl(), orders: [], certificates: [] };

for (let n = 1; !existsSync(STOP_FILE); n++) {
  const name = `n${n}.acme-client.cluster.example.com`;
  const order = await client.createOrder({ identifiers: [{ type: 'dns', value: name }] });
  for (const authz of await client.getAuthorizations(order)) {
    if (authz.status === 'valid') continue;
    const challenge = authz.challenges.find((c) => c.type === 'http-01');
    writeFileSync(`${challengeDir}/${challenge.token}`, await client.getChallengeKeyAuthorization(challenge));
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
  const [, csr] = await acme.crypto.createCsr({ altNames: [name] });
  const finalized = await client.finalizeOrder(order, csr);
  const done = await client.waitForValidStatus(finalized);
  writeFileSync(`${OUT_DIR}/cert-${n}.pem`, await client.getCertificate(done));
  manifest.orders.push(order.url);
  manifest.certificates.push(done.certificate);
  writeFileSync(`${OUT_DIR}/manifest.json`, JSON.stringify(manifest));
  console.log(`ok: certificate ${n} for ${name}`);
}
