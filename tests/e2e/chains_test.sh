#!/usr/bin/env bash
# Alternate chains and chain length (Pebble's PEBBLE_ALTERNATE_ROOTS, PEBBLE_CHAIN_LENGTH): the
# management API serves every root, lego's --preferred-chain picks an alternate root's chain,
# every chain verifies up to its own root, and a restart keeps the roots.
source "$(dirname "$0")/lib.sh"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps --with-tests)"

PEBBLE_ALTERNATE_ROOTS=2 PEBBLE_CHAIN_LENGTH=2 PEBBLE_VA_ALWAYS_VALID=1 start_cobble
export LEGO_CA_CERTIFICATES=$CA_CERT
for n in 0 1 2; do
  mgmt "/roots/$n" >"$WORK/root$n.pem" || fail "/roots/$n"
  mgmt "/intermediates/$n" >/dev/null || fail "/intermediates/$n"
  mgmt "/root-keys/$n" | grep -q "PRIVATE KEY" || fail "/root-keys/$n"
done
code=$(curl -s --cacert "$CA_CERT" -o /dev/null -w '%{http_code}' "https://localhost:$MGMT_PORT/roots/3")
[[ $code == 404 ]] || fail "/roots/3 answered $code"
links=$(curl -sf --cacert "$CA_CERT" -D - -o /dev/null "https://localhost:$MGMT_PORT/roots/0" | grep -ci '^link:.*rel="alternate"')
[[ $links == 2 ]] || fail "/roots/0 has $links alternate links"
pass "management: /roots/0..2 with alternate links, /roots/3 is 404"

cn_of() { openssl x509 -in "$1" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p'; }
crt=$WORK/lego/certificates/chains.example.com.crt
for n in 0 2; do
  lego_run --http --http.port "$(lego_http_port)" --domains chains.example.com run --preferred-chain "$(cn_of "$WORK/root$n.pem")"
  count=$(grep -c 'BEGIN CERTIFICATE' "$crt")
  [[ $count == 3 ]] || fail "chain $n has $count certificates, expected leaf + 2 intermediates"
  csplit -s -z -f "$WORK/part" "$crt" '/-----BEGIN CERTIFICATE-----/' '{*}'
  cat "$WORK/part01" "$WORK/part02" >"$WORK/untrusted.pem"
  openssl verify -CAfile "$WORK/root$n.pem" -untrusted "$WORK/untrusted.pem" "$WORK/part00" >/dev/null ||
    fail "the chain lego chose does not verify to root $n"
  other=$(( (n + 1) % 3 ))
  if openssl verify -CAfile "$WORK/root$other.pem" -untrusted "$WORK/untrusted.pem" "$WORK/part00" >/dev/null 2>&1; then
    fail "chain $n also verifies to root $other"
  fi
  pass "lego --preferred-chain '$(cn_of "$WORK/root$n.pem")': leaf + 2 intermediates verifying to root $n only"
done

stop_cobble
PEBBLE_ALTERNATE_ROOTS=2 PEBBLE_CHAIN_LENGTH=2 start_cobble
for n in 0 1 2; do
  cmp -s <(mgmt "/roots/$n") "$WORK/root$n.pem" || fail "root $n changed across a restart"
done
pass "restart: the three roots are kept"
