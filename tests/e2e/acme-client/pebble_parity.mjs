// What a client's Pebble-based test suite can notice about keys, redirects and revocation, through
// node's acme-client, as one JSON object of observations (run against Debian's pebble and against
// Cobble in Pebble mode by pebble_parity_test.sh, which compares the two):
//   rsa1024Account  an account with an RSA-1024 key
//   p521Csr         a certificate for a CSR with a P-521 key
//   rsa1024Csr      a certificate for a CSR with an RSA-1024 key
//   otherPortRedirect  http-01 through a redirect to a port other than httpPort
//   revokedDownload    downloading a certificate after revoking it
//   termsOfService     the directory's meta.termsOfService
//   noTosAccount       an account whose newAccount says termsOfServiceAgreed: false
// Each is "ok" or "refused" (acme-client reports only a problem's detail, whose words differ);
// the download is its HTTP status.
// usage: node pebble_parity.mjs NAME_PREFIX. Env: DIR_URL, CHALLSRV_URL (pebble-challtestsrv's
// management API); NODE_EXTRA_CA_CERTS trusts the server.
import http from 'node:http';
import acme from 'acme-client';

const { DIR_URL, CHALLSRV_URL } = process.env;
const prefix = process.argv[2];

async function challsrv(endpoint, body) {
  const resp = await fetch(`${CHALLSRV_URL}/${endpoint}`, { method: 'POST', body: JSON.stringify(body) });
  if (!resp.ok) throw new Error(`challsrv ${endpoint}: ${resp.status}`);
}

const details = [];  // what each server said when it refused, for the log
async function attempt(fn) {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    details.push(err.message);
    return 'refused';
  }
}

// A key authorization served on a port of its own, reached only through a redirect.
const served = new Map();
const elsewhere = http.createServer((req, res) => {
  const body = served.get(req.url);
  res.writeHead(body ? 200 : 404);
  res.end(body ?? '');
});
await new Promise((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
const elsewherePort = elsewhere.address().port;

// Orders `name`, answers http-01 (directly or through a redirect to `elsewhere`) and finalizes
// with a CSR under `certKey`. Returns [order, certificate PEM].
async function issue(client, name, certKey, { redirect = false } = {}) {
  const order = await client.createOrder({ identifiers: [{ type: 'dns', value: name }] });
  for (const authz of await client.getAuthorizations(order)) {
    const challenge = authz.challenges.find((c) => c.type === 'http-01');
    const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
    const path = `/.well-known/acme-challenge/${challenge.token}`;
    if (redirect) {
      served.set(path, keyAuthorization);
      await challsrv('add-redirect', { path, targetURL: `http://${name}:${elsewherePort}${path}` });
    } else {
      await challsrv('add-http01', { token: challenge.token, content: keyAuthorization });
    }
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
  const [, csr] = await acme.crypto.createCsr({ altNames: [name] }, certKey);
  const valid = await client.waitForValidStatus(await client.finalizeOrder(order, csr));
  return [valid, await client.getCertificate(valid)];
}

const options = { backoffAttempts: 30, backoffMin: 100, backoffMax: 500 };
const observed = {};
try {
  const directory = await (await fetch(DIR_URL)).json();
  observed.termsOfService = directory.meta?.termsOfService ?? 'none';
  const unagreed = new acme.Client({ directoryUrl: DIR_URL, accountKey: await acme.crypto.createPrivateEcdsaKey(), ...options });
  observed.noTosAccount = await attempt(() => unagreed.createAccount({ termsOfServiceAgreed: false }));

  const small = new acme.Client({ directoryUrl: DIR_URL, accountKey: await acme.crypto.createPrivateRsaKey(1024), ...options });
  observed.rsa1024Account = await attempt(() => small.createAccount({ termsOfServiceAgreed: true }));

  const client = new acme.Client({ directoryUrl: DIR_URL, accountKey: await acme.crypto.createPrivateEcdsaKey(), ...options });
  await client.createAccount({ termsOfServiceAgreed: true });
  const p521 = await acme.crypto.createPrivateEcdsaKey('P-521');
  observed.p521Csr = await attempt(() => issue(client, `${prefix}-p521.test`, p521));
  const rsa1024 = await acme.crypto.createPrivateRsaKey(1024);
  observed.rsa1024Csr = await attempt(() => issue(client, `${prefix}-rsa1024.test`, rsa1024));
  const p256 = await acme.crypto.createPrivateEcdsaKey();
  observed.otherPortRedirect = await attempt(() => issue(client, `${prefix}-redirect.test`, p256, { redirect: true }));

  const [order, pem] = await issue(client, `${prefix}-revoked.test`, p256);
  await client.revokeCertificate(pem);
  const download = await client.api.apiRequest(order.certificate, null, []);
  // The status only: Pebble's 404 has an empty body, Cobble's a problem document (pebble-compat.md).
  observed.revokedDownload = String(download.status);
  console.log(JSON.stringify(observed));
  if (details.length) console.error(`refusals: ${details.join(' | ')}`);
} catch (err) {
  console.error(`acme-client: ${err.message} (observed so far: ${JSON.stringify(observed)})`);
  process.exitCode = 1;
} finally {
  elsewhere.close();
}
