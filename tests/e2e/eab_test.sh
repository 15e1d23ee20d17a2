#!/usr/bin/env bash
# External account binding (RFC 8555 §7.3.4) with lego and certbot, and revocation by an account
# that did not order the certificate but holds authorizations for its names (§7.6), with lego.
source "$(dirname "$0")/lib.sh"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps --with-tests)"

HMAC=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
cat >"$WORK/config.json" <<JSON
{"externalAccountBindingRequired": true, "externalAccountMACKeys": {"kid-1": "$HMAC", "kid-2": "c2Vjb25kLWtleQ"}}
JSON
PEBBLE_VA_ALWAYS_VALID=1 start_cobble --config "$WORK/config.json"
fetch_root
export LEGO_CA_CERTIFICATES=$CA_CERT
[[ $(curl -sf --cacert "$CA_CERT" "$DIR_URL" | jq -r .meta.externalAccountRequired) == true ]] ||
  fail "directory meta.externalAccountRequired is not true"
pass "directory: meta.externalAccountRequired true"

lego_in() {  # lego_in NAME ARGS...: lego with its own account dir; output in $WORK/lego.out
  local name=$1; shift
  LEGO_EMAIL=$name@example.com LEGO_DIR=$WORK/lego-$name lego_try --http --http.port "$(lego_http_port)" "$@"
}

lego_in nobinding --domains eab.example.com run && fail "lego without EAB got a certificate"
# lego reads meta.externalAccountRequired and stops before asking (the server's own refusal,
# externalAccountRequired 403, is covered by the unit tests).
grep -q "requires External Account Binding" "$WORK/lego.out" || { cat "$WORK/lego.out"; fail "lego did not see EAB required"; }
pass "lego without --eab: told the server requires External Account Binding"

lego_in wrongmac --eab --kid kid-1 --hmac "c2Vjb25kLWtleQ" --domains eab.example.com run &&
  fail "lego with a wrong HMAC got a certificate"
grep -q "unauthorized" "$WORK/lego.out" && grep -q "does not verify" "$WORK/lego.out" ||
  { cat "$WORK/lego.out"; fail "wrong HMAC: no unauthorized problem"; }
pass "lego with a wrong --hmac: refused with unauthorized, MAC does not verify"

lego_in unknownkid --eab --kid kid-9 --hmac "$HMAC" --domains eab.example.com run && fail "unknown kid accepted"
grep -q "kid-9" "$WORK/lego.out" || { cat "$WORK/lego.out"; fail "unknown kid not named"; }
pass "lego with an unknown --kid: refused naming it"

lego_in owner --eab --kid kid-1 --hmac "$HMAC" --domains eab.example.com run || { cat "$WORK/lego.out"; fail "lego --eab run"; }
owner_crt=$WORK/lego-owner/certificates/eab.example.com.crt
csplit -s -z -f "$WORK/part" "$owner_crt" '/-----BEGIN CERTIFICATE-----/' '{*}'
verify_chain "$WORK/part00" "$WORK/lego-owner/certificates/eab.example.com.issuer.crt"
[[ $(sqlite3 "$DATA_DIR/cobble.db" "select eab_key_id from accounts") == kid-1 ]] || fail "account not bound to kid-1"
pass "lego --eab --kid kid-1: account bound to kid-1, certificate verifies"

# (lego refuses by itself to run without --eab against this server, so the stored accounts are
# used with the flags; an existing key found again without a binding is a unit test.)
lego_in owner --eab --kid kid-1 --hmac "$HMAC" --domains eab.example.com renew --days 365 --no-random-sleep ||
  { cat "$WORK/lego.out"; fail "renew"; }
[[ $(sqlite3 "$DATA_DIR/cobble.db" "select count(*) from accounts") == 1 ]] || fail "renew made another account"
pass "lego renew: same bound account"

# A second account, bound with the same MAC key, with its own authorization for the name.
lego_in other --eab --kid kid-1 --hmac "$HMAC" --domains eab.example.com run || { cat "$WORK/lego.out"; fail "second account"; }
owner_serial=$(serial_of "$owner_crt")
# A third account without any authorization cannot revoke the owner's certificate.
lego_in stranger --eab --kid kid-2 --hmac "c2Vjb25kLWtleQ" --domains other.example.com run || { cat "$WORK/lego.out"; fail "stranger"; }
cp "$owner_crt" "$WORK/lego-stranger/certificates/eab.example.com.crt"
lego_in stranger --eab --kid kid-2 --hmac "c2Vjb25kLWtleQ" --domains eab.example.com revoke && fail "an account without authorizations revoked"
grep -q "unauthorized" "$WORK/lego.out" && grep -q "dns:eab.example.com" "$WORK/lego.out" ||
  { cat "$WORK/lego.out"; fail "stranger's revoke: no unauthorized naming the identifier"; }
[[ $(cert_status "$owner_serial" | jq -r .Status) == Valid ]] || fail "stranger revoked"
pass "lego revoke by an account without authorizations: unauthorized, naming dns:eab.example.com"
cp "$owner_crt" "$WORK/lego-other/certificates/eab.example.com.crt"
lego_in other --eab --kid kid-1 --hmac "$HMAC" --domains eab.example.com revoke || { cat "$WORK/lego.out"; fail "revoke by the authorized account"; }
[[ $(cert_status "$owner_serial" | jq -r .Status) == Revoked ]] || fail "not revoked: $(cert_status "$owner_serial")"
pass "lego revoke by another account holding an authorization for the name: Revoked"

if command -v certbot >/dev/null; then
  CB=$WORK/certbot
  REQUESTS_CA_BUNDLE=$CA_CERT certbot certonly --standalone --http-01-port "$(free_port)" --agree-tos \
    -m admin@example.com -d certbot-eab.example.com --eab-kid kid-2 --eab-hmac-key "c2Vjb25kLWtleQ" \
    --server "$DIR_URL" --config-dir "$CB/config" --work-dir "$CB/work" --logs-dir "$CB/logs" \
    --non-interactive >"$WORK/certbot.out" 2>&1 || { cat "$WORK/certbot.out"; fail "certbot --eab-kid"; }
  live=$CB/config/live/certbot-eab.example.com
  verify_chain "$live/cert.pem" "$live/chain.pem"
  [[ $(sqlite3 "$DATA_DIR/cobble.db" "select count(*) from accounts where eab_key_id = 'kid-2'") == 2 ]] ||
    fail "certbot's account is not bound to kid-2"
  pass "certbot --eab-kid --eab-hmac-key: bound account, certificate verifies"
fi
