#!/usr/bin/env bash
# Behind a proxy (issue #16): Debian's HAProxy terminates TLS on a loopback port and forwards to
# Cobble's plain listener (deploy/haproxy/make-config.sh), connecting from 127.0.0.2, the one
# address in trustedProxies. lego gets a certificate through HAProxy; the directory's links are
# HAProxy's https URL; the log and the per-address request limits see each client's own address;
# the same headers from an untrusted peer count for nothing; Forwarded (RFC 7239) works too.
source "$(dirname "$0")/lib.sh"
command -v haproxy >/dev/null || fail "haproxy is not installed (scripts/install-deps --with-tests)"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps --with-tests)"

PLAIN_PORT=$(free_port)
PROXY_PORT=$(free_port)
HAPROXY_SOURCE=127.0.0.2
# revokeCert is limited per client address (2 at once, then 1 a second); nothing else is.
PEBBLE_VA_ALWAYS_VALID=1 COBBLE_TRUSTED_PROXIES=$HAPROXY_SOURCE \
  COBBLE_REQUEST_LIMITS='{"revokeCert": {"perSecond": 1, "burst": 2}}' \
  start_cobble --plain-listen "127.0.0.1:$PLAIN_PORT"
grep -q "acme-plain: forwarding headers (Forwarded, X-Forwarded-\*) believed from 127.0.0.2/32" "$COBBLE_LOG" ||
  fail "the start-up log does not say whose forwarding headers are believed"
fetch_root

# HAProxy serves Cobble's own HTTPS certificate (made for localhost by Cobble's HTTPS CA).
cat "$DATA_DIR/https-cert.pem" "$DATA_DIR/https-key.pem" >"$WORK/proxy.pem"
"$COBBLE_SOURCE_DIR/deploy/haproxy/make-config.sh" --bind "127.0.0.1:$PROXY_PORT" --cert "$WORK/proxy.pem" \
  --source "$HAPROXY_SOURCE" "127.0.0.1:$PLAIN_PORT" >"$WORK/haproxy.cfg"
haproxy -c -q -f "$WORK/haproxy.cfg" || fail "haproxy refuses deploy/haproxy/make-config.sh's configuration"
start_bg "$WORK/haproxy.log" haproxy -db -f "$WORK/haproxy.cfg"
HAPROXY_PID=$LAST_PID
PROXY_URL=https://localhost:$PROXY_PORT
proxy_get() { curl -sf --cacert "$CA_CERT" "$@"; }
wait_until 10 "HAProxy answers $PROXY_URL/dir" proxy_get -o /dev/null "$PROXY_URL/dir"
kill -0 "$HAPROXY_PID" || fail "haproxy exited: $(cat "$WORK/haproxy.log")"

# The directory, fetched through HAProxy, links to HAProxy's https URL and nowhere else.
directory=$(proxy_get "$PROXY_URL/dir")
links=$(jq -r '.newNonce, .newAccount, .newOrder, .revokeCert, .keyChange, .renewalInfo' <<<"$directory")
[[ $(wc -l <<<"$links") -eq 6 ]] || fail "directory: $directory"
while read -r link; do
  [[ $link == "$PROXY_URL/acme/"* ]] || fail "directory link $link is not on $PROXY_URL: $directory"
done <<<"$links"
link_header=$(proxy_get -D - -o /dev/null "$PROXY_URL/acme/new-nonce" | tr -d '\r' | grep -i '^link:')
[[ $link_header == *"<$PROXY_URL/dir>;rel=\"index\""* ]] || fail "newNonce index link: $link_header"
pass "the directory and Link headers through HAProxy use $PROXY_URL"

# lego through HAProxy: account, order, finalize and download all follow Cobble's links.
export LEGO_CA_CERTIFICATES=$CA_CERT
DIR_URL=$PROXY_URL/dir
domain=proxied.lego.example.com
started=$SECONDS
lego_run --http --http.port "$(lego_http_port)" --domains "$domain" run
crt=$WORK/lego/certificates/$domain.crt
csplit -s -z -f "$WORK/part" "$crt" '/-----BEGIN CERTIFICATE-----/' '{*}'
verify_chain "$WORK/part00" "$WORK/lego/certificates/$domain.issuer.crt"
pass "lego got a certificate through HAProxy in $((SECONDS - started)) s; it verifies against /roots/0"

# Every request lego made reached Cobble through HAProxy and was logged with lego's address.
lego_lines=$(grep -cE "acme-plain 127\.0\.0\.1 (GET|HEAD|POST) .* via=$HAPROXY_SOURCE$" "$COBBLE_LOG" || true)
((lego_lines >= 8)) || fail "expected lego's requests logged as 127.0.0.1 via $HAPROXY_SOURCE, found $lego_lines"
if grep -E "acme-plain 127\.0\.0\.1 (GET|HEAD|POST) " "$COBBLE_LOG" | grep -qv "via="; then
  fail "a request reached the plain listener without HAProxy: $(grep 'acme-plain 127.0.0.1' "$COBBLE_LOG" | grep -v via= | head -3)"
fi
pass "Cobble logged $lego_lines of lego's requests as 127.0.0.1 via $HAPROXY_SOURCE"

# A client that writes its own X-Forwarded-For (and Forwarded) through HAProxy is still itself:
# HAProxy drops Forwarded and appends the real address, and Cobble walks the list from the right.
curl -s --cacert "$CA_CERT" --interface 127.0.0.3 -H 'X-Forwarded-For: 6.6.6.6' \
  -H 'Forwarded: for=7.7.7.7;proto=http' -o /dev/null "$PROXY_URL/acme/renewal-info" || fail "curl through HAProxy"
grep -qE "acme-plain 127\.0\.0\.3 GET /acme/renewal-info .* via=$HAPROXY_SOURCE$" "$COBBLE_LOG" ||
  fail "the spoofing client was not logged as 127.0.0.3: $(grep renewal-info "$COBBLE_LOG" | tail -2)"
! grep -qE "6\.6\.6\.6|7\.7\.7\.7" "$COBBLE_LOG" || fail "a client-written address reached the log"
pass "client-written X-Forwarded-For and Forwarded do not change the client's address"

# Per-address request limits count each client behind HAProxy on its own: 127.0.0.1 uses up its
# revokeCert allowance; 127.0.0.3, through the same HAProxy, still has its own.
revoke() {
  curl -s --cacert "$CA_CERT" -o "$WORK/revoke.json" -w '%{http_code}' "$@" \
    -H 'Content-Type: application/jose+json' -d '{}' "$PROXY_URL/acme/revoke-cert"
}
refused=0
for _ in 1 2 3 4 5 6; do
  if [[ $(revoke) == 503 ]]; then refused=1; break; fi
done
((refused)) || fail "127.0.0.1 was never limited on revokeCert"
jq -r .detail "$WORK/revoke.json" | grep -q "too many revokeCert requests from 127.0.0.1 " ||
  fail "the limit did not name the client behind HAProxy: $(cat "$WORK/revoke.json")"
status=$(revoke --interface 127.0.0.3)
[[ $status != 503 ]] || fail "127.0.0.3 was limited with 127.0.0.1's bucket: $(cat "$WORK/revoke.json")"
pass "requestLimits count 127.0.0.1 and 127.0.0.3 apart behind HAProxy (second client: $status)"

# The same forwarding headers sent straight to the plain listener by an untrusted peer (127.0.0.1)
# count for nothing: links on the listener's own scheme and Host, the client is the peer.
PLAIN_URL=http://127.0.0.1:$PLAIN_PORT
spoofed=$(curl -sf -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Host: evil.example' \
  -H 'X-Forwarded-For: 6.6.6.6' -H 'Forwarded: for=7.7.7.7;proto=https;host=evil.example' "$PLAIN_URL/dir")
[[ $(jq -r .newOrder <<<"$spoofed") == "$PLAIN_URL/acme/new-order" ]] ||
  fail "an untrusted peer's headers changed the links: $spoofed"
! grep -qE "6\.6\.6\.6|7\.7\.7\.7" "$COBBLE_LOG" || fail "an untrusted peer's forwarded address reached the log"
pass "forwarding headers from an untrusted peer are ignored"

# From the trusted address, RFC 7239 Forwarded is read too, IPv6 client quoted with its port.
forwarded=$(curl -sf --interface "$HAPROXY_SOURCE" \
  -H 'Forwarded: for="[2001:db8::17]:4711";proto=https;host="acme.example.test:8443"' "$PLAIN_URL/dir")
[[ $(jq -r .newOrder <<<"$forwarded") == "https://acme.example.test:8443/acme/new-order" ]] ||
  fail "Forwarded from the trusted proxy did not set the links: $forwarded"
grep -qE "acme-plain 2001:db8::17 GET /dir .* via=$HAPROXY_SOURCE$" "$COBBLE_LOG" ||
  fail "Forwarded's client was not logged: $(grep 'GET /dir' "$COBBLE_LOG" | tail -2)"
hostile=$(curl -sf --interface "$HAPROXY_SOURCE" -H 'X-Forwarded-Proto: https' \
  -H 'X-Forwarded-Host: evil.example/phish?' "$PLAIN_URL/dir")
[[ $(jq -r .newOrder <<<"$hostile") == "https://127.0.0.1:$PLAIN_PORT/acme/new-order" ]] ||
  fail "a hostile X-Forwarded-Host reached the links: $hostile"
pass "Forwarded with a quoted IPv6 client works; a hostile X-Forwarded-Host falls back to Host"
