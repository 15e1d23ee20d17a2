#!/usr/bin/env bash
# Durability: what a client was told is done survives kill -9. Issue with lego, kill -9 Cobble,
# restart it on the same data dir: same root, the certificate is still known and downloadable,
# the account still exists (lego renews without registering), and renewal works.
source "$(dirname "$0")/lib.sh"
PEBBLE_VA_ALWAYS_VALID=1 start_cobble
fetch_root
cp "$ROOT_PEM" "$WORK/root-before.pem"
export LEGO_CA_CERTIFICATES=$CA_CERT
lego_restart() { lego_run --http --http.port "$(lego_http_port)" --domains restart.example.com "$@"; }
lego_restart run
crt=$WORK/lego/certificates/restart.example.com.crt
serial=$(serial_of "$crt")
accounts_before=$(sqlite3 "$DATA_DIR/cobble.db" 'select count(*) from accounts')

kill -9 "$COBBLE_PID"
wait "$COBBLE_PID" 2>/dev/null || true
PEBBLE_VA_ALWAYS_VALID=1 start_cobble
fetch_root
cmp -s "$ROOT_PEM" "$WORK/root-before.pem" || fail "the root changed across restart"
status=$(cert_status "$serial")
[[ $(jq -r .Status <<<"$status") == Valid ]] || fail "certificate lost after kill -9: $status"
jq -r .Certificate <<<"$status" | openssl x509 -noout -serial >/dev/null || fail "certificate not downloadable"
pass "after kill -9 and restart: same root, certificate still there"

lego_restart renew --days 365 --no-random-sleep
grep -q "Server responded with a certificate" "$WORK/lego.out" || fail "renew after restart: $(cat "$WORK/lego.out")"
[[ $(sqlite3 "$DATA_DIR/cobble.db" 'select count(*) from accounts') == "$accounts_before" ]] \
  || fail "lego had to register a new account after the restart"
pass "after restart: the account is reused and renewal works"
