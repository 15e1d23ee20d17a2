#!/usr/bin/env bash
# "Pebble CI recipe": the way client projects run Pebble in CI, word for word, with `pebble` and
# `pebble-challtestsrv` on PATH pointing at cobble and cobble-challsrv (the build's symlinks). Pebble's
# default ports (14000, 15000, 5001, 5002, 8053, 8055): ctest runs it under RESOURCE_LOCK pebble_ports.
# If this recipe needs a Pebble behaviour Cobble lacks, fix Cobble, not the recipe.
source "$(dirname "$0")/lib.sh"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps --with-tests)"
: "${CHALLSRV_BIN:?CHALLSRV_BIN must point at cobble-challsrv}"

mkdir -p "$WORK/bin" "$WORK/ci/test/certs/localhost" "$WORK/ci/test/config"
ln -s "$(dirname "$COBBLE_BIN")/pebble" "$WORK/bin/pebble"
ln -s "$(dirname "$CHALLSRV_BIN")/pebble-challtestsrv" "$WORK/bin/pebble-challtestsrv"
export PATH=$WORK/bin:$PATH
cd "$WORK/ci"

# Pebble ships test/certs/pebble.minica.pem and a localhost certificate it signed; make the same.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=minica root ca" \
  -keyout minica.key -out test/certs/pebble.minica.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout test/certs/localhost/key.pem -out localhost.csr 2>/dev/null
openssl x509 -req -in localhost.csr -CA test/certs/pebble.minica.pem -CAkey minica.key -CAcreateserial -days 30 \
  -extfile <(printf 'subjectAltName=DNS:localhost,DNS:pebble,IP:127.0.0.1') -out test/certs/localhost/cert.pem 2>/dev/null

# Pebble's test/config/pebble-config.json, as in Pebble's repository.
cat >test/config/pebble-config.json <<'JSON'
{
  "pebble": {
    "listenAddress": "0.0.0.0:14000",
    "managementListenAddress": "0.0.0.0:15000",
    "certificate": "test/certs/localhost/cert.pem",
    "privateKey": "test/certs/localhost/key.pem",
    "httpPort": 5002,
    "tlsPort": 5001,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false,
    "domainBlocklist": ["blocked-domain.example"],
    "retryAfter": {
        "authz": 3,
        "order": 5
    },
    "profiles": {
      "default": {
        "description": "The profile you know and love",
        "validityPeriod": 7776000
      },
      "shortlived": {
        "description": "A short-lived cert profile, without actual enforcement",
        "validityPeriod": 518400
      }
    },
    "keyAlgorithm": "ecdsa"
  }
}
JSON

# --- the recipe ---------------------------------------------------------------------------------
pebble-challtestsrv -defaultIPv6 "" -defaultIPv4 127.0.0.1 -http01 "" -https01 "" -doh "" >challtestsrv.log 2>&1 &
BG_PIDS+=($!)
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
  pebble -config test/config/pebble-config.json -dnsserver 127.0.0.1:8053 -strict >pebble.log 2>&1 &
COBBLE_PID=$!
BG_PIDS+=($!)
COBBLE_LOG=$WORK/ci/pebble.log
wait_until 20 "pebble logs its directory URL" grep -q "ACME directory available at: https://0.0.0.0:14000/dir" pebble.log
wait_until 10 "pebble answers /dir" curl -sf --cacert test/certs/pebble.minica.pem https://localhost:14000/dir
wait_until 10 "challtestsrv answers" curl -sf -X POST -d '{"ip":"127.0.0.1"}' http://localhost:8055/set-default-ipv4
pass "pebble and pebble-challtestsrv started from PATH (cobble answers as Pebble)"

grep -q "is not supported by this build\|not honoured\|Pebble setting" pebble.log &&
  echo "note: pebble.log warns about config keys: $(grep -o 'pebble\.[A-Za-z.]* is [^;]*' pebble.log | tr '\n' ';')"
[[ ! -e data ]] || fail "pebble left a data/ directory behind (Pebble keeps nothing on disk)"

curl -sf --cacert test/certs/pebble.minica.pem https://localhost:15000/roots/0 >root.pem || fail "/roots/0"
curl -sf --cacert test/certs/pebble.minica.pem https://localhost:15000/intermediates/0 >intermediate.pem ||
  fail "/intermediates/0"
dir=$(curl -sf --cacert test/certs/pebble.minica.pem https://localhost:14000/dir)
[[ $(jq -r .meta.termsOfService <<<"$dir") == "data:text/plain,Do%20what%20thou%20wilt" ]] ||
  fail "directory meta is not Pebble's: $dir"
pass "management /roots/0 and /intermediates/0; Pebble's directory meta"

export LEGO_CA_CERTIFICATES=$WORK/ci/test/certs/pebble.minica.pem
lego_run() {
  lego --server https://localhost:14000/dir --email ci@example.com --accept-tos --path "$WORK/ci/lego" \
    "$@" >lego.out 2>&1
}
check_cert() {  # check_cert NAME: the leaf verifies against /roots/0 + /intermediates/0
  local crt=$WORK/ci/lego/certificates/$1.crt
  openssl verify -CAfile root.pem -untrusted intermediate.pem "$crt" >/dev/null ||
    fail "$1: chain does not verify against /roots/0 + /intermediates/0"
  openssl x509 -in "$crt" -noout -ext subjectAltName | grep -q "DNS:$1" || fail "$1: SAN missing"
}

# http-01: lego answers on Pebble's httpPort; the name resolves through challtestsrv (/add-a).
curl -sf -X POST -d '{"host":"http01.example.test","addresses":["127.0.0.1"]}' http://localhost:8055/add-a
lego_run --domains http01.example.test --http --http.port :5002 run || { cat lego.out; fail "lego http-01"; }
check_cert http01.example.test
pass "lego http-01 through challtestsrv DNS: certificate verifies"

# dns-01: lego's exec provider calls challtestsrv's /set-txt and /clear-txt, as lego's own e2e does.
cat >challtestsrv-dns.sh <<'SH'
#!/usr/bin/env bash
case $1 in
  present) curl -sf -X POST -d "{\"host\":\"$2\",\"value\":\"$3\"}" http://localhost:8055/set-txt ;;
  cleanup) curl -sf -X POST -d "{\"host\":\"$2\"}" http://localhost:8055/clear-txt ;;
esac
SH
chmod +x challtestsrv-dns.sh
EXEC_PATH=$WORK/ci/challtestsrv-dns.sh EXEC_SEQUENCE_INTERVAL=1 lego_run --domains dns01.example.test --domains '*.dns01.example.test' \
  --dns exec --dns.resolvers 127.0.0.1:8053 --dns.disable-cp run || { cat lego.out; fail "lego dns-01"; }
check_cert dns01.example.test
openssl x509 -in lego/certificates/dns01.example.test.crt -noout -ext subjectAltName | grep -q 'DNS:\*.dns01.example.test' ||
  fail "wildcard SAN missing"
pass "lego dns-01 (wildcard) through challtestsrv /set-txt: certificate verifies"

# Pebble's test config blocks blocked-domain.example: lego sees rejectedIdentifier.
if lego_run --domains www.blocked-domain.example --http --http.port :5002 run; then
  fail "a blocklisted name was issued"
fi
grep -q "rejectedIdentifier" lego.out || { cat lego.out; fail "lego did not report rejectedIdentifier"; }
pass "domainBlocklist: lego reports rejectedIdentifier"

# --- beyond Pebble: what Pebble users ask for, on the same running server -------------------------
mgmt() { curl -s --cacert test/certs/pebble.minica.pem -o "$WORK/ci/mgmt.out" -w '%{http_code}' "$@"; }
[[ $(mgmt -X POST -H 'Content-Type: application/json' -d '{"directory":{"unavailable":1,"retryAfterSeconds":2}}' \
  https://localhost:15000/chaos) == 200 ]] || fail "POST /chaos: $(cat mgmt.out)"
headers=$(curl -s --cacert test/certs/pebble.minica.pem -D - -o "$WORK/ci/dir.out" https://localhost:14000/dir)
grep -q "^HTTP/1.1 503" <<<"$headers" && grep -qi "^Retry-After: 2" <<<"$headers" ||
  fail "chaos did not answer 503 + Retry-After: $headers"
mgmt -X POST -H 'Content-Type: application/json' -d '{}' https://localhost:15000/chaos >/dev/null
curl -sf --cacert test/certs/pebble.minica.pem -o /dev/null https://localhost:14000/dir || fail "chaos off: /dir"
pass "chaos: /dir answers 503 with Retry-After while set, normally after"

serial=$(openssl x509 -in lego/certificates/http01.example.test.crt -noout -serial | cut -d= -f2)
[[ $(mgmt "https://localhost:15000/cert-status-by-serial/$serial") == 200 ]] || fail "cert-status before reset"
[[ $(mgmt https://localhost:15000/reset) == 405 ]] || fail "GET /reset was not refused with 405"
[[ $(mgmt -X POST https://localhost:15000/reset) == 415 ]] || fail "a bodiless POST /reset was not refused: $(cat mgmt.out)"
[[ $(mgmt -X POST -H 'Content-Type: application/json' -d '{}' https://localhost:15000/reset) == 204 ]] ||
  fail "POST /reset: $(cat mgmt.out)"
[[ $(mgmt "https://localhost:15000/cert-status-by-serial/$serial") == 404 ]] || fail "cert still known after reset"
cmp -s root.pem <(curl -sf --cacert test/certs/pebble.minica.pem https://localhost:15000/roots/0) ||
  fail "the root changed on reset"
rm -rf lego
lego_run --domains http01.example.test --http --http.port :5002 run || { cat lego.out; fail "lego after reset"; }
check_cert http01.example.test
pass "POST /reset: state wiped without a restart, same root, lego issues again"

[[ $(mgmt -X POST -H 'Content-Type: application/json' -d '{"level":"debug"}' https://localhost:15000/log-level) == 200 ]] ||
  fail "POST /log-level"
[[ $(mgmt -X POST -H 'Content-Type: application/json' -d '{"level":"chatty"}' https://localhost:15000/log-level) == 400 ]] ||
  fail "an unknown log level was accepted"
pass "log level set at run time; unknown level refused"
