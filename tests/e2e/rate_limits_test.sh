#!/usr/bin/env bash
# Let's Encrypt's rate limits as real clients meet them (issue #15), under the fake clock: lego and
# certbot each hit CertificatesPerDomain and NewOrdersPerAccount and show the 429's detail and retry
# time (lego in its output, certbot in its log); `cobble admin limits` shows the empty bucket; after
# POST /clock moves past the wait, both get their certificate. Then node's acme-client renews
# through ARI ("replaces", inside the renewal window) while its account's orders are used up.
source "$(dirname "$0")/lib.sh"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps --with-tests)"
command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps --with-tests)"
cat >"$WORK/limits.json" <<'JSON'
{"rateLimits": {"NewOrdersPerAccount": {"burst": 2, "count": 2, "periodSeconds": 3600},
                "CertificatesPerDomain": {"burst": 1, "count": 1, "periodSeconds": 604800},
                "CertificatesPerFQDNSet": {"burst": 1, "count": 1, "periodSeconds": 7776000}}}
JSON
PEBBLE_VA_ALWAYS_VALID=1 start_cobble --fake-clock --config "$WORK/limits.json"
advance() { mgmt /clock -X POST -d "{\"advance\": $1}" >/dev/null || fail "POST /clock"; }
export LEGO_CA_CERTIFICATES=$CA_CERT REQUESTS_CA_BUNDLE=$CA_CERT

# lego: one certificate for example.com's registered domain, then a second name under it is refused.
lego_run --http --http.port "$(lego_http_port)" --domains a.limits.example.com run
if lego_try --http --http.port "$(lego_http_port)" --domains b.limits.example.com run; then
  fail "lego got a second certificate for example.com past CertificatesPerDomain"
fi
grep -q "urn:ietf:params:acme:error:rateLimited" "$WORK/lego.out" || fail "lego: no rateLimited: $(cat "$WORK/lego.out")"
grep -q "too many certificates for this registered domain (1 per 168h0m0s), retry after" "$WORK/lego.out" ||
  fail "lego does not show the limit and the retry time: $(cat "$WORK/lego.out")"
pass "lego shows the refusal: $(grep -o 'too many certificates for this registered domain[^:]*' "$WORK/lego.out" | head -1)"
"$COBBLE_BIN" admin --data-dir "$DATA_DIR" limits --config "$WORK/limits.json" >"$WORK/admin.out" ||
  fail "cobble admin limits: $(cat "$WORK/admin.out")"
grep -q "^CertificatesPerDomain:example.com  0 of 1 left, full at " "$WORK/admin.out" ||
  fail "cobble admin limits does not show the empty bucket: $(cat "$WORK/admin.out")"
pass "cobble admin limits: $(head -1 "$WORK/admin.out")"
advance 604800
lego_run --http --http.port "$(lego_http_port)" --domains b.limits.example.com run
pass "after the clock moves a week, lego gets the certificate"

# certbot: two orders an hour; the third (another registered domain each time) is refused.
certbot_try() {
  certbot certonly --standalone --http-01-port "$(free_port)" --agree-tos -m certbot@example.com \
    --server "$DIR_URL" --config-dir "$WORK/certbot/config" --work-dir "$WORK/certbot/work" \
    --logs-dir "$WORK/certbot/logs" --non-interactive -d "$1" >"$WORK/certbot.out" 2>&1
}
certbot_try one.example.org || fail "certbot one.example.org: $(cat "$WORK/certbot.out")"
certbot_try two.example.net || fail "certbot two.example.net: $(cat "$WORK/certbot.out")"
if certbot_try three.example.info; then fail "certbot got a third order within the hour"; fi
# Debian's certbot 2.1 on Python 3.11 prints "AttributeError: can't set attribute" for every ACME
# error (certbot#9539, fixed in 2.2); the problem itself is in its log, as any user would find it.
certbot_log=$WORK/certbot/logs/letsencrypt.log
grep -q "urn:ietf:params:acme:error:rateLimited :: .* :: too many new orders from this account (2 per 1h0m0s), retry after" \
  "$certbot_log" || fail "certbot does not show the limit and the retry time: $(cat "$WORK/certbot.out")"
pass "certbot logs the refusal: $(grep -o 'too many new orders[^:]*' "$certbot_log" | head -1)"
advance 1800
certbot_try three.example.info || fail "certbot after the refill: $(cat "$WORK/certbot.out")"
pass "half an hour later (one order back), certbot gets the certificate"

# Each client meets the other limit too: lego NewOrdersPerAccount (names under three registered
# domains of their own), certbot CertificatesPerDomain (example.com had lego's certificate this week).
lego_run --http --http.port "$(lego_http_port)" --domains x.lego-one.test run
if lego_try --http --http.port "$(lego_http_port)" --domains x.lego-two.test run &&
  lego_try --http --http.port "$(lego_http_port)" --domains x.lego-three.test run; then
  fail "lego got three orders within the hour"
fi
grep -q "too many new orders from this account (2 per 1h0m0s), retry after" "$WORK/lego.out" ||
  fail "lego does not show NewOrdersPerAccount: $(cat "$WORK/lego.out")"
pass "lego shows the refusal: $(grep -o 'too many new orders[^:]*' "$WORK/lego.out" | head -1)"
if certbot_try four.limits.example.com; then fail "certbot got a second certificate for example.com this week"; fi
grep -q "too many certificates for this registered domain (1 per 168h0m0s), retry after" "$certbot_log" ||
  fail "certbot does not show CertificatesPerDomain: $(tail -5 "$certbot_log")"
pass "certbot logs the refusal: $(grep -o 'too many certificates for this registered domain[^:]*' "$certbot_log" | tail -1)"

# ARI: a renewal inside its window skips every new-order limit.
client_dir=$COBBLE_SOURCE_DIR/tests/e2e/acme-client
[[ -d $client_dir/node_modules/acme-client ]] || fail "acme-client is not installed (scripts/install-deps --with-tests)"
mkdir -p "$WORK/ari"
ari() { DIR_URL=$DIR_URL STATE_DIR=$WORK/ari NAME=ari.cobble-ari.test NODE_EXTRA_CA_CERTS=$CA_CERT \
  PHASE=$1 CERT_ID=${2:-} node "$client_dir/ari_renewal.mjs" || fail "acme-client ARI $1"; }
ari issue
b64url() { xxd -r -p | base64 -w0 | tr '+/' '-_' | tr -d '='; }
aki=$(openssl x509 -in "$WORK/ari/cert.pem" -noout -ext authorityKeyIdentifier | sed -n '2s/[ :]//gp' | sed 's/^keyid//')
serial=$(openssl x509 -in "$WORK/ari/cert.pem" -noout -serial | cut -d= -f2)
((${#serial} % 2 == 0)) || serial=0$serial
# The serial's DER content: a leading 00 when the top bit is set.
[[ ${serial:0:1} =~ [89A-Fa-f] ]] && serial=00$serial
cert_id="$(b64url <<<"$aki").$(b64url <<<"$serial")"
advance $((60 * 86400))  # two thirds of 90 days, less a day: inside the window
ari renew "$cert_id" >"$WORK/ari.out"
pass "$(tail -1 "$WORK/ari.out" | sed 's/^ok: //')"
