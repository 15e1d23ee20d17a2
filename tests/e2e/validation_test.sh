#!/usr/bin/env bash
# Real domain control validation with real clients: names resolve through cobble-challsrv's DNS,
# certbot and lego answer http-01 / tls-alpn-01 themselves and set dns-01 TXT records through
# cobble-challsrv's management API. A SAN and a wildcard certificate among them.
source "$(dirname "$0")/lib.sh"
start_challsrv
HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
start_cobble --http-port "$HTTP_PORT" --tls-port "$TLS_PORT" --dns-server "127.0.0.1:$DNS_PORT"
fetch_root
export REQUESTS_CA_BUNDLE=$CA_CERT LEGO_CA_CERTIFICATES=$CA_CERT

# --- certbot: standalone http-01, SAN certificate
CB=$WORK/certbot
certbot_run certonly --agree-tos -m admin@example.com --standalone --http-01-port "$HTTP_PORT" -d san.example.com -d www.san.example.com
live=$CB/config/live/san.example.com
verify_chain "$live/cert.pem" "$live/chain.pem"
[[ $(attempts_for www.san.example.com) == "http-01|valid|" ]] || fail "attempt not recorded: $(attempts_for www.san.example.com)"
pass "certbot standalone http-01: SAN certificate, validated for real and recorded"

# --- certbot: manual dns-01 with hooks setting TXT records in cobble-challsrv; a wildcard
cat >"$WORK/auth-hook" <<HOOK
#!/usr/bin/env bash
curl -sf -X POST -d "{\"host\":\"_acme-challenge.\$CERTBOT_DOMAIN.\",\"value\":\"\$CERTBOT_VALIDATION\"}" \
  http://127.0.0.1:$CHALLSRV_MGMT/set-txt
HOOK
cat >"$WORK/cleanup-hook" <<HOOK
#!/usr/bin/env bash
curl -sf -X POST -d "{\"host\":\"_acme-challenge.\$CERTBOT_DOMAIN.\"}" http://127.0.0.1:$CHALLSRV_MGMT/clear-txt
HOOK
chmod +x "$WORK/auth-hook" "$WORK/cleanup-hook"
certbot_run certonly --agree-tos -m admin@example.com --manual --preferred-challenges dns --manual-auth-hook "$WORK/auth-hook" \
  --manual-cleanup-hook "$WORK/cleanup-hook" -d wild.example.com -d '*.wild.example.com'
live=$CB/config/live/wild.example.com
verify_chain "$live/cert.pem" "$live/chain.pem"
openssl x509 -in "$live/cert.pem" -noout -ext subjectAltName | grep -q 'DNS:\*.wild.example.com' || fail "no wildcard SAN"
pass "certbot manual dns-01 with hooks: wildcard certificate"

# --- lego: --http, --tls, --dns exec
lego_run --http --http.port "127.0.0.1:$HTTP_PORT" --domains http.example.com run
verify_chain <(csplit -s -z -f "$WORK/h" "$WORK/lego/certificates/http.example.com.crt" '/-----BEGIN/' '{*}'; cat "$WORK/h00") \
  "$WORK/lego/certificates/http.example.com.issuer.crt"
pass "lego --http"
lego_run --tls --tls.port "127.0.0.1:$TLS_PORT" --domains tls.example.com run
[[ $(attempts_for tls.example.com) == "tls-alpn-01|valid|" ]] || fail "tls-alpn-01 attempt: $(attempts_for tls.example.com)"
pass "lego --tls (tls-alpn-01)"
cat >"$WORK/exec-dns" <<HOOK
#!/usr/bin/env bash
# lego's exec provider: \$1 = present|cleanup, \$2 = FQDN, \$3 = value
case \$1 in
  present) curl -sf -X POST -d "{\"host\":\"\$2\",\"value\":\"\$3\"}" http://127.0.0.1:$CHALLSRV_MGMT/set-txt ;;
  cleanup) curl -sf -X POST -d "{\"host\":\"\$2\"}" http://127.0.0.1:$CHALLSRV_MGMT/clear-txt ;;
esac
HOOK
chmod +x "$WORK/exec-dns"
EXEC_PATH=$WORK/exec-dns lego_run --dns exec --dns.disable-cp --domains '*.lego.example.com' --domains lego.example.com run
openssl x509 -in "$WORK/lego/certificates/_.lego.example.com.crt" -noout -ext subjectAltName | grep -q 'DNS:\*.lego.example.com' \
  || fail "lego wildcard SAN"
[[ $(attempts_for lego.example.com | sort -u) == "dns-01|valid|" ]] || fail "dns-01 attempts: $(attempts_for lego.example.com)"
pass "lego --dns exec: wildcard certificate through dns-01"
