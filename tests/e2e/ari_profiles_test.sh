#!/usr/bin/env bash
# Profiles, ARI and CRLs end to end with node's acme-client (tests/e2e/acme-client): the directory
# lists the profiles, an unknown one is invalidProfile, a shortlived order gets a 160-hour
# certificate, renewalInfo answers for it, a replacing order shows "replaces" and a second one is
# alreadyReplaced, revocation makes ARI say renew now. Then the CRL named in the certificate's CRL
# distribution point (plain-HTTP listener) lists the serial with its reason, as `openssl crl` reads it.
source "$(dirname "$0")/lib.sh"
client_dir=$COBBLE_SOURCE_DIR/tests/e2e/acme-client
[[ -d $client_dir/node_modules/acme-client ]] \
  || fail "acme-client is not installed: run scripts/install-deps --with-tests (npm ci in $client_dir)"
PLAIN_PORT=$(free_port)
PEBBLE_VA_ALWAYS_VALID=1 COBBLE_CRL_REFRESH_SECONDS=1 COBBLE_OCSP_RESPONDER_URL=http://ocsp.example.test/ \
  COBBLE_PROFILES='{"classic": {"description": "90 days with a CN", "validityPeriod": 7776000, "promoteCommonName": true},
                    "shortlived": {"description": "160 hours", "validityPeriod": 576000}}' \
  COBBLE_DEFAULT_PROFILE=classic start_cobble --plain-listen "127.0.0.1:$PLAIN_PORT"
fetch_root

DIR_URL=$DIR_URL NAME=ari.example.com OUT_DIR=$WORK NODE_EXTRA_CA_CERTS=$CA_CERT \
  node "$client_dir/ari_profiles.mjs" || fail "acme-client run"
verify_chain "$WORK/leaf.pem" "$WORK/chain.pem"
pass "the shortlived certificate verifies against the root"

text=$(openssl x509 -in "$WORK/leaf.pem" -noout -text)
crl_url=$(grep -A3 "CRL Distribution Points" <<<"$text" | grep -o 'URI:[^ ]*' | cut -c5-)
[[ $crl_url == "http://localhost:$PLAIN_PORT/crl/0" ]] || fail "CRL distribution point is '$crl_url'"
grep -q "OCSP - URI:http://ocsp.example.test/" <<<"$text" || fail "no AIA OCSP URL"
pass "the certificate names the CRL ($crl_url) and the configured OCSP URL"

serial=$(serial_of "$WORK/leaf.pem")
sleep 1.1  # one crlRefreshSeconds after the revocation the CRL lists it
curl -sf "$crl_url" -o "$WORK/crl.der" || fail "cannot fetch $crl_url"
awk '/BEGIN/{n++} n==2' "$WORK/chain.pem" >"$WORK/intermediate.pem"
openssl crl -inform DER -in "$WORK/crl.der" -CAfile "$WORK/intermediate.pem" -noout 2>&1 | grep -q "verify OK" \
  || fail "the CRL is not signed by the intermediate"
crl_text=$(openssl crl -inform DER -in "$WORK/crl.der" -noout -text)
grep -qi "Serial Number: 0*$serial" <<<"$crl_text" || { echo "$crl_text"; fail "serial $serial is not in the CRL"; }
grep -q "Superseded" <<<"$crl_text" || fail "the CRL lacks the reason (superseded)"
grep -q "X509v3 CRL Number" <<<"$crl_text" || fail "the CRL has no number"
pass "openssl crl: signed by the intermediate, lists $serial as superseded"

[[ $(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$PLAIN_PORT/crl/7") == 404 ]] || fail "/crl/7 is not 404"
pass "other CRL numbers are 404"
