#!/usr/bin/python3
"""ACME requests aimed at one chosen instance of a cluster, for what the clients cannot show:
nonces crossing instances, pausing seen through another instance, a validation left to a lease,
and reading back what clients were told, from instances other than the one that told them.

Every URL (account, order, challenge, certificate) is moved onto BASE, the instance's own base
URL (http://127.0.0.1:PORT of its plain listener), and each JWS names the moved URL, so the request
reaches that instance whatever instance or proxy the URL came from. An account's state is a JSON
file {"key": PEM, "account": URL}; --key/--account use a client's own key instead (PEM, or a JWK
file such as certbot's private_key.json) and account URL.

  nonce BASE                         print a fresh nonce from BASE
  new-account BASE STATE [--nonce N] newAccount (a new P-256 key) at BASE, signed with N if given
  order BASE STATE NAME              newOrder for NAME at BASE
  hold-challenge BASE STATE WEBROOT NAME
                                     newOrder for NAME; the http-01 key authorization goes into
                                     WEBROOT with a hold file (webroot_http01.py holds the request);
                                     the challenge is answered at BASE
  get BASE (STATE | --key FILE --account URL) URL...
                                     POST-as-GET of each URL at BASE

Each prints one JSON object per request on stdout: {"url", "status", "location", "body"} (body as
JSON when it is JSON, else text). The exit status is 0 whatever the HTTP status: the test decides.
"""
import base64, hashlib, json, os, sys, urllib.error, urllib.parse, urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def on_base(url, base):
    """url with its scheme and authority replaced by base's."""
    parts = urllib.parse.urlsplit(url)
    return base.rstrip("/") + urllib.parse.urlunsplit(("", "", parts.path, parts.query, ""))


def http(url, body=None, headers=None, method=None):
    req = urllib.request.Request(url, data=body, headers=headers or {}, method=method or ("POST" if body is not None else "GET"))
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class Key:
    def __init__(self, private):
        self.private = private
        if isinstance(private, ec.EllipticCurvePrivateKey):
            n = private.public_key().public_numbers()
            size = (private.curve.key_size + 7) // 8
            self.alg = {256: "ES256", 384: "ES384"}[private.curve.key_size]
            self.jwk = {"crv": "P-%d" % private.curve.key_size, "kty": "EC",
                        "x": b64(n.x.to_bytes(size, "big")), "y": b64(n.y.to_bytes(size, "big"))}
        elif isinstance(private, rsa.RSAPrivateKey):
            n = private.public_key().public_numbers()
            self.alg = "RS256"
            self.jwk = {"e": b64(n.e.to_bytes((n.e.bit_length() + 7) // 8, "big")), "kty": "RSA",
                        "n": b64(n.n.to_bytes((n.n.bit_length() + 7) // 8, "big"))}
        else:
            sys.exit("unsupported key type")

    def thumbprint(self):
        return b64(hashlib.sha256(json.dumps(self.jwk, sort_keys=True, separators=(",", ":")).encode()).digest())

    def sign(self, data):
        if self.alg == "RS256":
            return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256() if self.alg == "ES256" else hashes.SHA384())))
        size = (self.private.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    @staticmethod
    def load(text):
        text = text.strip()
        if text.startswith("{"):  # a JWK (certbot's private_key.json)
            j = json.loads(text)
            num = lambda k: int.from_bytes(unb64(j[k]), "big")
            if j["kty"] == "RSA":
                public = rsa.RSAPublicNumbers(num("e"), num("n"))
                return Key(rsa.RSAPrivateNumbers(num("p"), num("q"), num("d"), num("dp"), num("dq"), num("qi"), public).private_key())
            curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}[j["crv"]]
            public = ec.EllipticCurvePublicNumbers(num("x"), num("y"), curve)
            return Key(ec.EllipticCurvePrivateNumbers(num("d"), public).private_key())
        return Key(serialization.load_pem_private_key(text.encode(), None))


class Instance:
    def __init__(self, base, key, account=None):
        self.base, self.key = base.rstrip("/"), key
        self.account = on_base(account, base) if account else None
        self.directory = json.loads(http(self.base + "/dir")[2])

    def nonce(self):
        status, headers, _ = http(self.directory["newNonce"], method="HEAD")
        return headers["Replay-Nonce"]

    def post(self, url, payload, nonce=None):
        url = on_base(url, self.base)
        protected = {"alg": self.key.alg, "nonce": nonce or self.nonce(), "url": url}
        protected.update({"kid": self.account} if self.account else {"jwk": self.key.jwk})
        body = "" if payload is None else b64(json.dumps(payload).encode())
        signing_input = (b64(json.dumps(protected).encode()) + "." + body).encode()
        jws = {"protected": b64(json.dumps(protected).encode()), "payload": body, "signature": b64(self.key.sign(signing_input))}
        status, headers, data = http(url, json.dumps(jws).encode(), {"Content-Type": "application/jose+json"})
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = data.decode(errors="replace")
        return {"url": url, "status": status, "location": headers.get("Location"), "body": parsed}


def load_state(path):
    with open(path) as f:
        state = json.load(f)
    return Key.load(state["key"]), state["account"]


def save_state(path, key, account):
    pem = key.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with open(path, "w") as f:
        json.dump({"key": pem.decode(), "account": account}, f)


def emit(result):
    print(json.dumps(result))


def main(argv):
    command, base, *rest = argv
    if command == "nonce":
        print(Instance(base, None).nonce())
    elif command == "new-account":
        state, *options = rest
        nonce = options[1] if options[:1] == ["--nonce"] else None
        key = Key(ec.generate_private_key(ec.SECP256R1()))
        instance = Instance(base, key)
        result = instance.post(instance.directory["newAccount"], {"termsOfServiceAgreed": True, "contact": ["mailto:cluster@example.com"]}, nonce)
        if result["status"] in (200, 201):
            save_state(state, key, result["location"])
        emit(result)
    elif command == "order":
        state, name = rest
        instance = Instance(base, *load_state(state))
        emit(instance.post(instance.directory["newOrder"], {"identifiers": [{"type": "dns", "value": name}]}))
    elif command == "hold-challenge":
        state, webroot, name = rest
        key, account = load_state(state)
        instance = Instance(base, key, account)
        order = instance.post(instance.directory["newOrder"], {"identifiers": [{"type": "dns", "value": name}]})
        if order["status"] != 201:
            return emit(order)
        authz = instance.post(order["body"]["authorizations"][0], None)
        challenge = next(c for c in authz["body"]["challenges"] if c["type"] == "http-01")
        token = challenge["token"]
        with open(os.path.join(webroot, ".well-known", "acme-challenge", token), "w") as f:
            f.write(token + "." + key.thumbprint())
        open(os.path.join(webroot, "hold", token), "w").close()
        result = instance.post(challenge["url"], {})
        result["token"] = token
        emit(result)
    elif command == "get":
        if rest[0] == "--key":
            with open(rest[1]) as f:
                key = Key.load(f.read())
            account, urls = rest[3], rest[4:]
        else:
            (key, account), urls = load_state(rest[0]), rest[1:]
        instance = Instance(base, key, account)
        for url in urls:
            emit(instance.post(url, None))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
