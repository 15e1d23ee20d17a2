#!/bin/sh
# Makes the image's HTTPS test certificates at build time, in the layout of Pebble's test/certs (minica's
# layout): a test CA and a certificate for localhost it signed. Our own keys, new with every build:
#   DIR/pebble.minica.pem, DIR/pebble.minica.key.pem   the test CA ("Cobble image test CA"), 20 years
#   DIR/localhost/cert.pem, DIR/localhost/key.pem      localhost, pebble, cobble, challtestsrv, 127.0.0.1,
#                                                      ::1; 5 years; ECDSA P-256
# The names are Pebble's so that scripts reading test/certs/pebble.minica.pem find the CA to trust.
# The keys are test material, readable by everyone in the image: never trust this CA outside tests.
# Usage: make-test-certs.sh DIR
set -eu
dir=$1
mkdir -p "$dir/localhost"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/leaf.cnf" <<'CNF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, DNS:pebble, DNS:cobble, DNS:challtestsrv, IP:127.0.0.1, IP:::1
CNF
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7305 -sha256 \
  -subj "/CN=Cobble image test CA $(openssl rand -hex 4)" -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$dir/pebble.minica.key.pem" -out "$dir/pebble.minica.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$dir/localhost/key.pem" -out "$tmp/leaf.csr" 2>/dev/null
openssl x509 -req -in "$tmp/leaf.csr" -CA "$dir/pebble.minica.pem" -CAkey "$dir/pebble.minica.key.pem" \
  -set_serial "0x$(openssl rand -hex 16)" -days 1826 -sha256 -extfile "$tmp/leaf.cnf" \
  -out "$dir/localhost/cert.pem" 2>/dev/null
openssl verify -CAfile "$dir/pebble.minica.pem" "$dir/localhost/cert.pem" >/dev/null
chmod 0644 "$dir"/*.pem "$dir"/localhost/*.pem
cat >"$dir/README.md" <<'TXT'
# test/certs (Cobble image)

Made when the image was built, by Cobble's deploy/image/make-test-certs.sh; not Pebble's files.

- `pebble.minica.pem`: the test CA that signed the HTTPS certificate of ports 14000 and 15000. Trust it
  in your client (LEGO_CA_CERTIFICATES, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, curl --cacert).
  Take it out of the image with `podman run --rm IMAGE cat /test/certs/pebble.minica.pem > ca.pem`.
- `localhost/cert.pem`, `localhost/key.pem`: that HTTPS certificate, for localhost, pebble, cobble,
  challtestsrv, 127.0.0.1 and ::1.

The private keys are test material that anyone with the image can read: never trust this CA outside
tests. Each build makes a new CA; to keep one across builds, mount your own files over /test/certs.
TXT
