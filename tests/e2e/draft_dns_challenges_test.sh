#!/usr/bin/env bash
# dns-account-01 and dns-persist-01 (drafts; off by default) driven by a small ACME client that sets
# TXT records through cobble-challsrv's management API; then CAA (RFC 8659/8657) refusing issuance.
# The DNS server is named by host name (localhost:PORT), resolved once at start-up.
source "$(dirname "$0")/lib.sh"
start_challsrv
COBBLE_DNS_ACCOUNT01_ENABLED=true COBBLE_DNS_PERSIST01_ENABLED=true COBBLE_CAA_ENABLED=true \
  COBBLE_CAA_IDENTITIES=ca.cobble.example start_cobble --dns-server "localhost:$DNS_PORT"  # a name, as compose files give it
fetch_root
client() {  # client TYPE OUT DOMAIN...
  /usr/bin/python3 "$COBBLE_SOURCE_DIR/tests/e2e/acme_mini_client.py" "$DIR_URL" "$CA_CERT" \
    "http://127.0.0.1:$CHALLSRV_MGMT" "$@"
}

for type in dns-account-01 dns-persist-01; do
  client "$type" "$WORK/$type.pem" "$type.example.com" "*.$type.example.com" 2>"$WORK/client.err" \
    || { cat "$WORK/client.err"; fail "$type"; }
  csplit -s -z -f "$WORK/$type-part" "$WORK/$type.pem" '/-----BEGIN CERTIFICATE-----/' '{*}'
  verify_chain "$WORK/$type-part00" "$WORK/$type-part01"
  openssl x509 -in "$WORK/$type.pem" -noout -ext subjectAltName | grep -q "DNS:\*.$type.example.com" || fail "$type: no wildcard SAN"
  [[ $(attempts_for "$type.example.com" | sort -u) == "$type|valid|" ]] || fail "$type attempts: $(attempts_for "$type.example.com")"
  pass "$type: wildcard certificate verifies; validated for real and recorded"
done

# CAA naming another CA: the authorization fails with a caa problem naming the record.
challsrv add-caa '{"host":"caa.example.com","policies":[{"tag":"issue","value":"other.ca.example"}]}'
client dns-account-01 "$WORK/caa.pem" www.caa.example.com 2>"$WORK/client.err" && fail "CAA did not refuse"
grep -q 'urn:ietf:params:acme:error:caa' "$WORK/client.err" || { cat "$WORK/client.err"; fail "no caa problem"; }
grep -q 'CAA record for www.caa.example.com prevents issuance: caa.example.com CAA 0 issue' "$WORK/client.err" \
  || { cat "$WORK/client.err"; fail "caa detail"; }
pass "CAA for another CA refuses with a caa problem naming the record"

# CAA for this CA limited to dns-persist-01 (RFC 8657 validationmethods).
challsrv add-caa '{"host":"methods.example.com","policies":[{"tag":"issue","value":"ca.cobble.example; validationmethods=dns-persist-01"}]}'
client dns-account-01 "$WORK/m1.pem" methods.example.com 2>"$WORK/client.err" && fail "validationmethods did not refuse"
grep -q 'validationmethods do not include dns-account-01' "$WORK/client.err" || { cat "$WORK/client.err"; fail "methods detail"; }
client dns-persist-01 "$WORK/m2.pem" methods.example.com 2>"$WORK/client.err" || { cat "$WORK/client.err"; fail "dns-persist-01 under validationmethods"; }
pass "CAA validationmethods: dns-account-01 refused, dns-persist-01 issued"
