// node's acme-client (tests/e2e/acme-client's pinned copy) against the container images, the way a
// client's CI uses Pebble + pebble-challtestsrv: acme-client's `auto` flow, its challengeCreateFn
// handing the key authorization to challtestsrv's management API (/add-http01 or /add-tlsalpn01), so
// the CA validates against the challtestsrv container (its DNS answers every name with 127.0.0.1).
// usage: node acme_client.mjs http-01|tls-alpn-01 OUT_PEM NAME...
// Env: DIR_URL, CHALLSRV_URL, ACME_CLIENT_DIR (where node_modules/acme-client is); NODE_EXTRA_CA_CERTS
// trusts the image's test CA. Exit status 0 with the certificate and its chain in OUT_PEM.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const { DIR_URL, CHALLSRV_URL, ACME_CLIENT_DIR } = process.env;
const acme = createRequire(`${ACME_CLIENT_DIR}/`)('acme-client');
const [type, outPem, ...names] = process.argv.slice(2);

async function challsrv(endpoint, body) {
  const resp = await fetch(`${CHALLSRV_URL}/${endpoint}`, { method: 'POST', body: JSON.stringify(body) });
  if (!resp.ok) throw new Error(`challtestsrv ${endpoint}: ${resp.status} ${await resp.text()}`);
}

const responders = {
  'http-01': {
    add: (authz, c, keyAuthorization) => challsrv('add-http01', { token: c.token, content: keyAuthorization }),
    remove: (authz, c) => challsrv('del-http01', { token: c.token }),
  },
  'tls-alpn-01': {
    add: (authz, c, keyAuthorization) =>
      challsrv('add-tlsalpn01', { host: authz.identifier.value, content: keyAuthorization }),
    remove: (authz) => challsrv('del-tlsalpn01', { host: authz.identifier.value }),
  },
};

try {
  const responder = responders[type];
  if (!responder) throw new Error(`unknown challenge type ${type}`);
  // Polls every 100-500 ms: the CA is on loopback and PEBBLE_VA_NOSLEEP is set.
  const client = new acme.Client({ directoryUrl: DIR_URL, accountKey: await acme.crypto.createPrivateEcdsaKey(),
    backoffAttempts: 60, backoffMin: 100, backoffMax: 500 });
  const [key, csr] = await acme.crypto.createCsr({ altNames: names }, await acme.crypto.createPrivateEcdsaKey());
  const pem = await client.auto({
    csr,
    email: 'image-test@example.com',
    termsOfServiceAgreed: true,
    challengePriority: [type],
    // acme-client would first fetch the challenge itself through the system resolver; the names
    // exist only in challtestsrv's DNS.
    skipChallengeVerification: true,
    challengeCreateFn: responder.add,
    challengeRemoveFn: responder.remove,
  });
  writeFileSync(outPem, pem);
  writeFileSync(`${outPem}.key`, key);
} catch (err) {
  console.error(`acme-client (${type}): ${err.message}`);
  process.exit(1);
}
