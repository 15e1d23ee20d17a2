#!/usr/bin/env bash
# `cobble --letsencrypt` as a client sees it: lego and certbot (classic, the default profile) and node's
# acme-client (all three profiles, RSA keys) get certificates whose contents openssl checks against
# Let's Encrypt's profiles: validity, subject CN, KeyEncipherment, SKID, serverAuth only, no OCSP URL,
# the domain-validated policy OID.
# Then lego revokes its certificate and the CRL shard the certificate names lists it.
source "$(dirname "$0")/lib.sh"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps --with-tests)"
client_dir=$COBBLE_SOURCE_DIR/tests/e2e/acme-client
[[ -d $client_dir/node_modules/acme-client ]] \
  || fail "acme-client is not installed: run scripts/install-deps --with-tests (npm ci in $client_dir)"

PLAIN_PORT=$(free_port)
PEBBLE_VA_ALWAYS_VALID=1 COBBLE_CRL_REFRESH_SECONDS=1 start_cobble --letsencrypt --plain-listen "127.0.0.1:$PLAIN_PORT"
fetch_root

# check_leaf FILE PROFILE: the first certificate of FILE against the profile's values.
check_leaf() {
  local text seconds
  text=$(openssl x509 -in "$1" -noout -text)
  seconds=$(($(date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s) - \
    $(date -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s)))
  grep -A1 "Extended Key Usage" <<<"$text" | tail -1 | grep -qx " *TLS Web Server Authentication" \
    || fail "$2: extended key usage is not serverAuth alone"
  ! grep -q "OCSP" <<<"$text" || fail "$2: the certificate names an OCSP responder"
  grep -q "Policy: 2.23.140.1.2.1" <<<"$text" || fail "$2: no CA/B Forum domain-validated policy"
  case $2 in
    classic)
      [[ $seconds == $((90 * 86400 - 1)) ]] || fail "classic: validity $seconds s"
      grep -q "Subject: CN *= *$3" <<<"$text" || fail "classic: subject is not CN=$3"
      grep -A1 "Key Usage: critical" <<<"$text" | grep -q "Key Encipherment" || fail "classic: no keyEncipherment"
      grep -q "Subject Key Identifier" <<<"$text" || fail "classic: no SKID" ;;
    tlsserver | shortlived)
      local want=$((45 * 86400 - 1))
      [[ $2 == shortlived ]] && want=$((160 * 3600 - 1))
      [[ $seconds == "$want" ]] || fail "$2: validity $seconds s, not $want"
      grep -q "Subject: *$" <<<"$text" || ! grep -q "Subject:.*CN" <<<"$text" || fail "$2: has a subject CN"
      ! grep -A1 "Key Usage: critical" <<<"$text" | grep -q "Key Encipherment" || fail "$2: keyEncipherment"
      ! grep -q "Subject Key Identifier" <<<"$text" || fail "$2: has a SKID" ;;
  esac
  pass "$2 certificate: $seconds s, contents as Let's Encrypt's $2 profile"
}

export LEGO_CA_CERTIFICATES=$CA_CERT
domain=lego.le.example.com
LEGO_DIR=$WORK/lego lego_run --key-type rsa2048 --http --http.port "$(lego_http_port)" \
  --domains "$domain" --domains "www.$domain" run
crt=$WORK/lego/certificates/$domain.crt
verify_chain "$crt" "$WORK/lego/certificates/$domain.issuer.crt"
check_leaf "$crt" classic "$domain"

# certbot 2.1 (Debian) has no profile option: it gets classic, Let's Encrypt's default.
command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps --with-tests)"
REQUESTS_CA_BUNDLE=$CA_CERT certbot_run certonly --standalone --http-01-port "$(free_port)" --agree-tos \
  -m admin@example.com --key-type rsa -d certbot.le.example.com -d www.certbot.le.example.com
live=$WORK/certbot/config/live/certbot.le.example.com
verify_chain "$live/cert.pem" "$live/chain.pem"
check_leaf "$live/cert.pem" classic certbot.le.example.com

mkdir -p "$WORK/node"
DIR_URL=$DIR_URL OUT_DIR=$WORK/node NODE_EXTRA_CA_CERTS=$CA_CERT \
  node "$client_dir/letsencrypt_mode.mjs" || fail "acme-client run"
check_leaf "$WORK/node/classic.pem" classic www.le.example.com
check_leaf "$WORK/node/tlsserver.pem" tlsserver
check_leaf "$WORK/node/shortlived.pem" shortlived
openssl x509 -in "$WORK/node/shortlived.pem" -noout -ext subjectAltName | grep -q "IP Address:127.0.0.1" \
  || fail "shortlived: no IP address SAN"
pass "shortlived carries the IP address SAN"

# Several intermediates per key type (3 in the preset), one picked at random per issuance: RSA leafs
# under an "Intermediate R<n>", ECDSA leafs under an "E<n>", each chain verifying up to one of the two
# roots that /roots/0 bundles; twelve ECDSA issuances land on more than one intermediate.
issuer_cn() { openssl x509 -in "$1" -noout -issuer | sed -n 's/.*CN *= *//p'; }
split_chain() { awk -v out="$2" '/BEGIN CERT/{n++} n>1{print > out}' "$1"; }
for leaf in "$crt" "$live/cert.pem" "$WORK"/node/{classic,tlsserver,shortlived}.pem; do
  [[ $(issuer_cn "$leaf") == *"Intermediate R"[1-3]" "* ]] || fail "$leaf (RSA key) issued by '$(issuer_cn "$leaf")'"
done
declare -A ecdsa_issuers=()
for n in $(seq 1 12); do
  leaf=$WORK/node/ecdsa-$n.pem
  name=$(issuer_cn "$leaf")
  [[ $name == *"Intermediate E"[1-3]" "* ]] || fail "$leaf (P-256 key) issued by '$name'"
  split_chain "$leaf" "$WORK/node/ecdsa-$n.chain"
  verify_chain "$leaf" "$WORK/node/ecdsa-$n.chain"
  ecdsa_issuers[$name]=1
done
(( ${#ecdsa_issuers[@]} >= 2 )) || fail "twelve ECDSA issuances all under ${!ecdsa_issuers[*]}"
[[ $(grep -c "BEGIN CERT" "$ROOT_PEM") == 2 ]] || fail "/roots/0 does not bundle the RSA and the ECDSA root"
pass "RSA leafs under R intermediates, ECDSA leafs under ${#ecdsa_issuers[@]} different E intermediates"


# Sharded CRLs (10 shards, as Boulder's test configuration): the certificate names its intermediate's
# shard (serial mod 10) + 1; that CRL carries an Issuing Distribution Point naming the same URL and, one
# refresh after lego's revocation, lists the serial.
serial=$(serial_of "$crt")
shard=$(( $(python3 -c "print(int('$serial', 16) % 10)") + 1 ))
crl_url=$(openssl x509 -in "$crt" -noout -ext crlDistributionPoints | grep -o 'URI:[^ ]*' | cut -c5-)
issuer_id=$(sed -n 's|.*/crl/\(r[1-3]\)/.*|\1|p' <<<"$crl_url")
[[ $crl_url == "http://localhost:$PLAIN_PORT/crl/$issuer_id/$shard.crl" ]] \
  || fail "CRL distribution point '$crl_url', shard $shard of an RSA intermediate expected"
cp "$WORK/lego/certificates/$domain.issuer.crt" "$WORK/issuer.pem"  # lego archives both on revoke
LEGO_DIR=$WORK/lego lego_run --domains "$domain" revoke
sleep 1.1
curl -sf "$crl_url" -o "$WORK/shard.der" || fail "cannot fetch $crl_url"
openssl crl -inform DER -in "$WORK/shard.der" -CAfile "$WORK/issuer.pem" -noout 2>&1 \
  | grep -q "verify OK" || fail "the shard is not signed by the intermediate"
crl_text=$(openssl crl -inform DER -in "$WORK/shard.der" -noout -text)
grep -qi "Serial Number: 0*$serial" <<<"$crl_text" || { echo "$crl_text"; fail "serial $serial is not in shard $shard"; }
grep -A3 "Issuing Distribution Point: critical" <<<"$crl_text" | grep -q "URI:$crl_url" \
  || { echo "$crl_text"; fail "shard $shard has no critical Issuing Distribution Point naming $crl_url"; }
other=$(( shard % 10 + 1 ))
curl -sf "http://localhost:$PLAIN_PORT/crl/$issuer_id/$other.crl" -o "$WORK/other.der" || fail "cannot fetch shard $other"
! openssl crl -inform DER -in "$WORK/other.der" -noout -text | grep -qi "Serial Number: 0*$serial" \
  || fail "serial $serial is listed in shard $other too"
pass "revoked: shard $shard ($crl_url) lists $serial with its Issuing Distribution Point; shard $other does not"
