// Cobble's --letsencrypt preset through node's acme-client: each profile's certificate with an RSA
// key (written to OUT_DIR/<profile>.pem for openssl to read), IP addresses only in shortlived,
// tlsserver's 25-identifier limit, notAfter refused; then twelve classic certificates with P-256 keys
// (OUT_DIR/ecdsa-<n>.pem) for the test to see them spread over the ECDSA intermediates; then Let's
// Encrypt's rate limit of five certificates per exact set of names: the sixth newOrder is a 429
// with Retry-After. Env: DIR_URL, OUT_DIR; NODE_EXTRA_CA_CERTS
// trusts Cobble, which runs with PEBBLE_VA_ALWAYS_VALID.
import { writeFileSync } from 'node:fs';
import acme from 'acme-client';

const { DIR_URL, OUT_DIR } = process.env;
const fail = (what) => { console.error(`FAIL: ${what}`); process.exit(1); };
const ok = (what) => console.log(`ok: ${what}`);

const client = new acme.Client({ directoryUrl: DIR_URL, accountKey: await acme.crypto.createPrivateEcdsaKey() });
await client.createAccount({ termsOfServiceAgreed: true });
const rawOrder = (payload) => client.api.apiResourceRequest('newOrder', payload);
const dns = (value) => ({ type: 'dns', value });

const profiles = await client.api.http.getMetaField('profiles');
const names = Object.keys(profiles ?? {}).sort().join(',');
if (names !== 'classic,shortlived,tlsserver') fail(`meta.profiles: ${JSON.stringify(profiles)}`);
ok(`meta.profiles: ${names}`);

async function issue(profile, identifiers, keyType = 'rsa') {
  const order = await client.createOrder({ identifiers, ...(profile ? { profile } : {}) });
  for (const authz of await client.getAuthorizations(order)) {
    if (authz.status === 'valid') continue;
    const challenge = authz.challenges.find((c) => c.type === 'http-01');
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
  const key = keyType === 'rsa' ? await acme.crypto.createPrivateRsaKey(2048)
    : await acme.crypto.createPrivateEcdsaKey('P-256');
  const dnsNames = identifiers.filter((i) => i.type === 'dns').map((i) => i.value);
  const ips = identifiers.filter((i) => i.type === 'ip').map((i) => i.value);
  const [, csr] = await acme.crypto.createCsr({ altNames: [...dnsNames, ...ips] }, key);
  const finalized = await client.finalizeOrder(order, csr);
  await client.waitForValidStatus(finalized);
  return { order, pem: await client.getCertificate(finalized) };
}

const classic = await issue(null, [dns('www.le.example.com'), dns('le.example.com')]);
if (classic.order.profile !== 'classic') fail(`default profile: ${classic.order.profile}`);
writeFileSync(`${OUT_DIR}/classic.pem`, classic.pem);
const tlsserver = await issue('tlsserver', [dns('www.le.example.com')]);
writeFileSync(`${OUT_DIR}/tlsserver.pem`, tlsserver.pem);
const shortlived = await issue('shortlived', [dns('ip.le.example.com'), { type: 'ip', value: '127.0.0.1' }]);
writeFileSync(`${OUT_DIR}/shortlived.pem`, shortlived.pem);
ok('classic (the default), tlsserver and shortlived (with an IP address) issued with RSA keys');

const ipClassic = await rawOrder({ identifiers: [{ type: 'ip', value: '127.0.0.1' }] });
if (ipClassic.status !== 400 || ipClassic.data.type !== 'urn:ietf:params:acme:error:rejectedIdentifier'
    || !ipClassic.data.detail.includes('"shortlived"')) {
  fail(`an IP address in classic: ${ipClassic.status} ${JSON.stringify(ipClassic.data)}`);
}
ok(`an IP address in classic is refused: ${ipClassic.data.detail}`);

const many = Array.from({ length: 26 }, (_, i) => dns(`n${i}.le.example.com`));
const tooMany = await rawOrder({ identifiers: many, profile: 'tlsserver' });
if (tooMany.status !== 400 || !tooMany.data.detail.includes('at most 25')) {
  fail(`26 identifiers in tlsserver: ${tooMany.status} ${JSON.stringify(tooMany.data)}`);
}
ok(`26 identifiers in tlsserver are refused: ${tooMany.data.detail}`);

const validity = await rawOrder({ identifiers: [dns('le.example.com')], notAfter: '2030-01-01T00:00:00Z' });
if (validity.status !== 400 || validity.data.type !== 'urn:ietf:params:acme:error:malformed') {
  fail(`notAfter: ${validity.status} ${JSON.stringify(validity.data)}`);
}
ok(`notAfter is refused: ${validity.data.detail}`);

for (let n = 1; n <= 12; n++) {
  // One name each: Let's Encrypt's limit of 5 certificates per exact set of names per week applies here.
  const { pem } = await issue(null, [dns(`ecdsa${n}.le.example.com`)], 'ecdsa');
  writeFileSync(`${OUT_DIR}/ecdsa-${n}.pem`, pem);
}
ok('twelve classic certificates issued with P-256 keys');

// acme-client waits out a 429's Retry-After and retries (days, here): turned off to see the answer.
acme.axios.defaults.acmeSettings.retryMaxAttempts = 0;
for (let n = 1; n <= 5; n++) await issue(null, [dns('same.le.example.com')], 'ecdsa');
const sixth = await rawOrder({ identifiers: [dns('same.le.example.com')] });
const retryAfter = Number(sixth.headers['retry-after']);
if (sixth.status !== 429 || sixth.data.type !== 'urn:ietf:params:acme:error:rateLimited'
    || !sixth.data.detail.includes('exact set') || !(retryAfter > 0)
    || !String(sixth.headers.link).includes('rel="help"')) {
  fail(`a sixth certificate for one set: ${sixth.status} ${JSON.stringify(sixth.headers)} ${JSON.stringify(sixth.data)}`);
}
ok(`a sixth certificate for one set of names in a week: 429, Retry-After ${retryAfter}: ${sixth.data.detail}`);
