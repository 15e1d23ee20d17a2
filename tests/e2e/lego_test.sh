#!/usr/bin/env bash
# lego (Debian's package) against Cobble in always-valid mode: run, renew, revoke, with an EC and
# an RSA key; every chain verified against /roots/0.
source "$(dirname "$0")/lib.sh"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps --with-tests)"

PEBBLE_VA_ALWAYS_VALID=1 start_cobble
fetch_root
export LEGO_CA_CERTIFICATES=$CA_CERT

for key_type in ec256 rsa2048; do
  domain=$key_type.lego.example.com
  dir=$WORK/lego-$key_type
  lego_key() { LEGO_DIR=$dir lego_run --key-type "$key_type" --http --http.port "$(lego_http_port)" "$@"; }
  crt=$dir/certificates/$domain.crt
  lego_key --domains "$domain" --domains "alt.$domain" run
  csplit -s -z -f "$WORK/part" "$crt" '/-----BEGIN CERTIFICATE-----/' '{*}'
  verify_chain "$WORK/part00" "$dir/certificates/$domain.issuer.crt"
  openssl x509 -in "$crt" -noout -ext subjectAltName | grep -q "DNS:alt.$domain" || fail "SAN missing"
  case $key_type in
    ec256) openssl x509 -in "$crt" -noout -text | grep -q "id-ecPublicKey" || fail "not an EC certificate" ;;
    rsa2048) openssl x509 -in "$crt" -noout -text | grep -q "rsaEncryption" || fail "not an RSA certificate" ;;
  esac
  first=$(serial_of "$crt")
  pass "lego run ($key_type): certificate verifies against /roots/0"

  lego_key --domains "$domain" --domains "alt.$domain" renew --days 365 --no-random-sleep
  second=$(serial_of "$crt")
  [[ $first != "$second" ]] || fail "lego renew did not renew"
  pass "lego renew ($key_type)"

  lego_key --domains "$domain" revoke
  [[ $(cert_status "$second" | jq -r .Status) == Revoked ]] || fail "lego revoke: $(cert_status "$second")"
  pass "lego revoke ($key_type): status Revoked"
done
