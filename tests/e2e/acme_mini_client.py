#!/usr/bin/python3
"""A minimal ACME client for what certbot 2.1 and lego 4.9 do not speak: the draft DNS challenges
(dns-account-01, dns-persist-01) and IP identifiers (RFC 8738, with http-01). It sets TXT records or
http-01 key authorizations through cobble-challsrv's management API, answers the challenge,
finalizes and writes the certificate. DOMAINs that are IP addresses become "ip" identifiers
(the IP identifier test itself uses node's acme-client, tests/e2e/acme-client/ip_identifier.mjs).

usage: acme_mini_client.py DIR_URL CA_CERT CHALLSRV_MGMT_URL CHALLENGE_TYPE OUT_PEM DOMAIN...
Exit status 0 with the chain in OUT_PEM; otherwise the problem document is printed on stderr.
"""
import base64, hashlib, ipaddress, json, ssl, sys, time, urllib.request, urllib.error

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

dir_url, ca_cert, challsrv, chall_type, out_pem, *domains = sys.argv[1:]
tls = ssl.create_default_context(cafile=ca_cert)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def http(url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, context=tls if url.startswith("https") else None) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


key = ec.generate_private_key(ec.SECP256R1())
numbers = key.public_key().public_numbers()
jwk = {"crv": "P-256", "kty": "EC", "x": b64(numbers.x.to_bytes(32, "big")), "y": b64(numbers.y.to_bytes(32, "big"))}
thumbprint = b64(hashlib.sha256(json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode()).digest())
directory = json.loads(http(dir_url)[2])
kid = None


def nonce():
    return http(directory["newNonce"], None)[1]["Replay-Nonce"]


def post(url, payload):
    protected = {"alg": "ES256", "nonce": nonce(), "url": url}
    protected.update({"kid": kid} if kid else {"jwk": jwk})
    body = "" if payload is None else b64(json.dumps(payload).encode())
    signing_input = (b64(json.dumps(protected).encode()) + "." + body).encode()
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    jws = {"protected": b64(json.dumps(protected).encode()), "payload": body,
           "signature": b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))}
    status, headers, data = http(url, json.dumps(jws).encode(), {"Content-Type": "application/jose+json"})
    if status >= 400:
        sys.stderr.write(data.decode() + "\n")
        sys.exit(1)
    return headers, (json.loads(data) if data and headers.get("Content-Type", "").endswith("json") else data)


def challsrv_call(endpoint, body):
    status, _, data = http(challsrv + "/" + endpoint, json.dumps(body).encode())
    assert status == 200, (endpoint, status, data)


def poll(url, done):
    for _ in range(100):
        _, obj = post(url, None)
        if obj["status"] in done:
            return obj
        time.sleep(0.1)
    sys.exit("timed out polling " + url)


headers, _ = post(directory["newAccount"], {"termsOfServiceAgreed": True})
kid = headers["Location"]


def ip_of(name):
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


headers, order = post(directory["newOrder"],
                      {"identifiers": [{"type": "ip" if ip_of(d) else "dns", "value": d} for d in domains]})
order_url = headers["Location"]
for authz_url in order["authorizations"]:
    _, authz = post(authz_url, None)
    challenge = next(c for c in authz["challenges"] if c["type"] == chall_type)
    domain = authz["identifier"]["value"]
    if chall_type == "http-01":
        challsrv_call("add-http01", {"token": challenge["token"], "content": challenge["token"] + "." + thumbprint})
    elif chall_type == "dns-account-01":
        label = base64.b32encode(hashlib.sha256(kid.encode()).digest()[:10]).decode().lower()
        digest = b64(hashlib.sha256((challenge["token"] + "." + thumbprint).encode()).digest())
        challsrv_call("set-txt", {"host": "_%s._acme-challenge.%s." % (label, domain), "value": digest})
    else:
        assert challenge["accounturi"] == kid, challenge
        record = "%s; accounturi=%s" % (challenge["issuer-domain-names"][0], kid)
        if authz.get("wildcard"):
            record += "; policy=wildcard"
        challsrv_call("set-txt", {"host": "_validation-persist.%s." % domain, "value": record})
    post(challenge["url"], {})
    if poll(authz_url, ("valid", "invalid"))["status"] != "valid":
        _, authz = post(authz_url, None)
        sys.exit("authorization failed: " + json.dumps(authz))

cert_key = ec.generate_private_key(ec.SECP256R1())
csr = (x509.CertificateSigningRequestBuilder()
       .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domains[0])]))
       .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip_of(d)) if ip_of(d) else x509.DNSName(d)
                                                   for d in domains]), critical=False)
       .sign(cert_key, hashes.SHA256()))
post(order["finalize"], {"csr": b64(csr.public_bytes(serialization.Encoding.DER))})
order = poll(order_url, ("valid", "invalid"))
if order["status"] != "valid":
    sys.exit("order failed: " + json.dumps(order))
_, chain = post(order["certificate"], None)
open(out_pem, "wb").write(chain)
