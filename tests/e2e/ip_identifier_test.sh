#!/usr/bin/env bash
# IP identifiers (RFC 8738). lego 4.9.1 (Debian) sends addresses as "dns" identifiers, which RFC 8738
# does not allow: the refusal must tell the user what to do. node's acme-client
# (tests/e2e/acme-client/ip_identifier.mjs, "ip" identifiers) then gets a certificate for 127.0.0.1
# (and ::1) with http-01 served by cobble-challsrv on the address; the certificate carries iPAddress
# SANs and verifies.
source "$(dirname "$0")/lib.sh"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps --with-tests)"
client_dir=$COBBLE_SOURCE_DIR/tests/e2e/acme-client
[[ -d $client_dir/node_modules/acme-client ]] \
  || fail "acme-client is not installed: run scripts/install-deps --with-tests (npm ci in $client_dir)"
HTTP_PORT=$(free_port)
start_cobble --http-port "$HTTP_PORT"
fetch_root
export LEGO_CA_CERTIFICATES=$CA_CERT

lego --server "$DIR_URL" --email admin@example.com --accept-tos --path "$WORK/lego" \
  --http --http.port ":$HTTP_PORT" --domains 127.0.0.1 run >"$WORK/lego.out" 2>&1 && fail "lego got a dns identifier for an address"
grep -q 'rejectedIdentifier.*Invalid DNS name "127.0.0.1": an IP address is not a DNS name; ask for it as an "ip" identifier (RFC 8738)' \
  "$WORK/lego.out" || { cat "$WORK/lego.out"; fail "lego: no helpful refusal"; }
pass "lego 4.9.1 (addresses as dns identifiers): rejectedIdentifier pointing at RFC 8738"

http01=127.0.0.1:$HTTP_PORT addresses=(127.0.0.1)
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
  http01+=",[::1]:$HTTP_PORT" addresses+=(::1)
fi
CHALLSRV_MGMT=$(free_port)
start_bg "$WORK/challsrv.log" "$CHALLSRV_BIN" --dns-address "127.0.0.1:$(free_port)" --http01-address "$http01" \
  --tlsalpn01-address "" --management-address "127.0.0.1:$CHALLSRV_MGMT"
wait_until 10 "cobble-challsrv answers" curl -sf -X POST -d '{"ip":"127.0.0.1"}' "http://127.0.0.1:$CHALLSRV_MGMT/set-default-ipv4"
acme_client() {  # acme_client OUT_PEM ADDRESS...
  DIR_URL=$DIR_URL CHALLSRV_URL=http://127.0.0.1:$CHALLSRV_MGMT NODE_EXTRA_CA_CERTS=$CA_CERT \
    node "$client_dir/ip_identifier.mjs" "$@"
}
acme_client "$WORK/ip.pem" "${addresses[@]}" 2>"$WORK/client.err" || { cat "$WORK/client.err"; fail "acme-client (ip identifiers)"; }
csplit -s -z -f "$WORK/part" "$WORK/ip.pem" '/-----BEGIN CERTIFICATE-----/' '{*}'
verify_chain "$WORK/part00" "$WORK/part01"
sans=$(openssl x509 -in "$WORK/part00" -noout -ext subjectAltName)
grep -q "IP Address:127.0.0.1" <<<"$sans" || fail "no IP SAN 127.0.0.1: $sans"
if ((${#addresses[@]} > 1)); then grep -q "IP Address:0:0:0:0:0:0:0:1" <<<"$sans" || fail "no IP SAN ::1: $sans"; fi
grep -q "DNS:" <<<"$sans" && fail "unexpected DNS SAN: $sans"
[[ $(attempts_for 127.0.0.1) == "http-01|valid|" ]] || fail "attempt not recorded: $(attempts_for 127.0.0.1)"
pass "http-01 for ${addresses[*]}: certificate with IP SANs verifies against /roots/0"

# A private address is refused at validation (the address policy still applies).
acme_client "$WORK/private.pem" 10.0.0.1 2>"$WORK/client.err" && fail "10.0.0.1 was issued"
grep -q "10.0.0.1 is a private-use address" "$WORK/client.err" || { cat "$WORK/client.err"; fail "no private-address refusal"; }
pass "10.0.0.1: refused as a private-use address"
