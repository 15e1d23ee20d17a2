// Profiles (draft-ietf-acme-profiles), ARI (RFC 9773) and revocation through node's acme-client.
// acme-client 5.4.0 has no helpers for profiles or ARI: newOrder payloads carry "profile" and
// "replaces" as given, and its signed-request API (client.api) sends the rest, so every request
// is still the real client's JWS. Env: DIR_URL, NAME, OUT_DIR; NODE_EXTRA_CA_CERTS trusts Cobble.
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';
import acme from 'acme-client';

const { DIR_URL, NAME, OUT_DIR } = process.env;
const fail = (what) => { console.error(`FAIL: ${what}`); process.exit(1); };
const ok = (what) => console.log(`ok: ${what}`);
const b64u = (buf) => Buffer.from(buf).toString('base64url');

const client = new acme.Client({ directoryUrl: DIR_URL, accountKey: await acme.crypto.createPrivateEcdsaKey() });
await client.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:ari@example.com'] });

const profiles = await client.api.http.getMetaField('profiles');
if (!profiles || !profiles.shortlived || !profiles.classic) fail(`meta.profiles: ${JSON.stringify(profiles)}`);
ok(`directory meta.profiles lists ${Object.keys(profiles).join(', ')}`);

const identifiers = [{ type: 'dns', value: NAME }];
const rawOrder = (payload) => client.api.apiResourceRequest('newOrder', payload);

const unknown = await rawOrder({ identifiers, profile: 'no-such-profile' });
if (unknown.status !== 400 || unknown.data.type !== 'urn:ietf:params:acme:error:invalidProfile') {
  fail(`unknown profile: ${unknown.status} ${JSON.stringify(unknown.data)}`);
}
ok(`an unknown profile is refused: ${unknown.data.detail}`);

// Orders, validates (the CA runs with PEBBLE_VA_ALWAYS_VALID) and downloads a certificate.
async function issue(extra) {
  const order = await client.createOrder({ identifiers, ...extra });
  for (const authz of await client.getAuthorizations(order)) {
    if (authz.status === 'valid') continue;
    const challenge = authz.challenges.find((c) => c.type === 'http-01');
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
  const [, csr] = await acme.crypto.createCsr({ altNames: [NAME] });
  const finalized = await client.finalizeOrder(order, csr);
  await client.waitForValidStatus(finalized);
  return { order, pem: await client.getCertificate(finalized) };
}

const { order, pem } = await issue({ profile: 'shortlived' });
if (order.profile !== 'shortlived') fail(`order profile: ${order.profile}`);
const leafPem = acme.crypto.splitPemChain(pem)[0];
const leaf = new X509Certificate(leafPem);
const seconds = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 1000;
if (seconds !== 160 * 3600 - 1) fail(`shortlived validity is ${seconds} s`);
ok(`the shortlived order's certificate is valid for ${seconds} s (160 h - 1 s)`);
writeFileSync(`${OUT_DIR}/leaf.pem`, leafPem);
writeFileSync(`${OUT_DIR}/chain.pem`, pem);

// RFC 9773 §4.1: certID = base64url(AKI keyIdentifier) "." base64url(serial DER integer content).
const aki = new x509.X509Certificate(leafPem).getExtension(x509.AuthorityKeyIdentifierExtension);
let serialHex = leaf.serialNumber.length % 2 ? `0${leaf.serialNumber}` : leaf.serialNumber;
if (parseInt(serialHex.slice(0, 2), 16) >= 0x80) serialHex = `00${serialHex}`;
const certId = `${b64u(Buffer.from(aki.keyId, 'hex'))}.${b64u(Buffer.from(serialHex, 'hex'))}`;
writeFileSync(`${OUT_DIR}/certid`, certId);

const renewalInfoUrl = await client.api.http.getResourceUrl('renewalInfo');
async function renewalInfo() {
  const resp = await client.api.http.request(`${renewalInfoUrl}/${certId}`, 'get');
  if (resp.status !== 200) fail(`renewalInfo: ${resp.status} ${JSON.stringify(resp.data)}`);
  if (resp.headers['retry-after'] !== '21600') fail(`renewalInfo Retry-After: ${resp.headers['retry-after']}`);
  return { start: Date.parse(resp.data.suggestedWindow.start), end: Date.parse(resp.data.suggestedWindow.end) };
}
const window = await renewalInfo();
if (!(window.start >= Date.parse(leaf.validFrom) && window.end <= Date.parse(leaf.validTo) && window.start < window.end)) {
  fail(`window ${JSON.stringify(window)} not within the validity`);
}
ok(`renewalInfo suggests ${new Date(window.start).toISOString()} .. ${new Date(window.end).toISOString()}`);

const replacement = await client.createOrder({ identifiers, replaces: certId });
if (replacement.replaces !== certId) fail(`the replacement order shows replaces=${replacement.replaces}`);
ok('an order replacing the certificate shows "replaces"');
const again = await rawOrder({ identifiers, replaces: certId });
if (again.status !== 409 || again.data.type !== 'urn:ietf:params:acme:error:alreadyReplaced') {
  fail(`second replacement: ${again.status} ${JSON.stringify(again.data)}`);
}
ok(`a second replacement is refused: ${again.data.detail}`);

await client.revokeCertificate(pem, { reason: 4 });
const after = await renewalInfo();
if (!(after.end < Date.now())) fail(`a revoked certificate's window ends ${new Date(after.end).toISOString()}`);
ok('after revocation renewalInfo says renew now (a window in the past)');
