#!/usr/bin/env bash
# certbot (Debian's package) against Cobble in always-valid mode: certonly --standalone, renew
# --force-renewal, revoke, unregister; every chain verified against /roots/0.
source "$(dirname "$0")/lib.sh"
command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps --with-tests)"

PEBBLE_VA_ALWAYS_VALID=1 start_cobble
fetch_root
export REQUESTS_CA_BUNDLE=$CA_CERT
CB=$WORK/certbot
live=$CB/config/live/certbot.example.com

certbot_run certonly --standalone --http-01-port "$(free_port)" --agree-tos -m admin@example.com \
  -d certbot.example.com -d www.certbot.example.com
verify_chain "$live/cert.pem" "$live/chain.pem"
sans=$(openssl x509 -in "$live/cert.pem" -noout -ext subjectAltName)
grep -q "DNS:certbot.example.com" <<<"$sans" && grep -q "DNS:www.certbot.example.com" <<<"$sans" || fail "SANs: $sans"
first_serial=$(serial_of "$live/cert.pem")
pass "certbot certonly: SAN certificate verifies against /roots/0"

certbot_run renew --force-renewal --no-random-sleep-on-renew --http-01-port "$(free_port)"
renewed_serial=$(serial_of "$live/cert.pem")
[[ $renewed_serial != "$first_serial" ]] || fail "renew did not replace the certificate"
verify_chain "$live/cert.pem" "$live/chain.pem"
pass "certbot renew --force-renewal: a new certificate that verifies"

certbot_run revoke --cert-name certbot.example.com --reason keycompromise --no-delete-after-revoke
status=$(cert_status "$renewed_serial")
[[ $(jq -r .Status <<<"$status") == Revoked ]] || fail "status after revoke: $status"
[[ $(jq -r .Reason <<<"$status") == 1 ]] || fail "reason after revoke: $status"
[[ $(jq -r .Status <<<"$(cert_status "$first_serial")") == Valid ]] || fail "the first certificate changed status"
pass "certbot revoke: /cert-status-by-serial shows Revoked (keyCompromise)"

certbot_run unregister
grep -qi "deactivated" "$WORK/certbot.out" || fail "unregister: $(cat "$WORK/certbot.out")"
[[ $(sqlite3 "$DATA_DIR/cobble.db" "select group_concat(status) from accounts") == deactivated ]] \
  || fail "account not deactivated in the database"
pass "certbot unregister deactivates the account"
