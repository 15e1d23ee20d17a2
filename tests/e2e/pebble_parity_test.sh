#!/usr/bin/env bash
# Pebble mode against Debian's pebble, side by side (issue #14): node's acme-client
# (acme-client/pebble_parity.mjs) reads the terms of service, is refused an account that does not
# agree to them, registers an RSA-1024 account, gets certificates for P-521 and RSA-1024 CSR keys,
# passes http-01 through a redirect to another port and downloads a certificate after revoking it;
# then lego and certbot each register, get a certificate through dns-01, renew (lego) and revoke.
# Both servers, each started from the same Pebble config file behind the same pebble-challtestsrv,
# must answer every step alike. Then acme-client against Cobble's default policy, which refuses
# what Let's Encrypt refuses, so the comparison can fail.
source "$(dirname "$0")/lib.sh"
for tool in pebble pebble-challtestsrv node jq openssl lego certbot; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps --with-tests)"
done
pebble_line=$("$(dirname "$COBBLE_BIN")/pebble" -version)
[[ $pebble_line =~ ^Pebble\ version:\ v[0-9]+\.[0-9]+\.[0-9]+\ \(cobble\ [0-9.]+\)$ ]] || fail "pebble -version: $pebble_line"
[[ $("$COBBLE_BIN" --version) =~ ^cobble\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "cobble --version: $("$COBBLE_BIN" --version)"
pass "pebble -version prints a Pebble-style line ($pebble_line); cobble --version its own"
client_dir=$COBBLE_SOURCE_DIR/tests/e2e/acme-client
[[ -d $client_dir/node_modules/acme-client ]] || fail "acme-client is not installed (scripts/install-deps --with-tests)"

# One pebble-challtestsrv for both: its DNS answers 127.0.0.1 for every name, its http-01 server
# serves the key authorizations and the redirects.
DNS_PORT=$(free_port) HTTP01_PORT=$(free_port) CHALLSRV_PORT=$(free_port)
start_bg "$WORK/challtestsrv.log" pebble-challtestsrv -dns01 "127.0.0.1:$DNS_PORT" -http01 ":$HTTP01_PORT" \
  -https01 "" -tlsalpn01 "" -management "127.0.0.1:$CHALLSRV_PORT" -defaultIPv4 127.0.0.1 -defaultIPv6 ""
export CHALLSRV_URL=http://127.0.0.1:$CHALLSRV_PORT
wait_until 10 "pebble-challtestsrv answers" curl -sf -X POST -d '{"ip":"127.0.0.1"}' "$CHALLSRV_URL/set-default-ipv4"

# Debian's pebble ships no certificate for its listener: one throw-away CA and a localhost
# certificate, used by both servers.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=parity CA" \
  -keyout "$WORK/ca-key.pem" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$WORK/key.pem" -out "$WORK/req.csr" 2>/dev/null
openssl x509 -req -in "$WORK/req.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca-key.pem" -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n') -out "$WORK/cert.pem" 2>/dev/null
export NODE_EXTRA_CA_CERTS=$WORK/ca.pem

# A dns-01 hook for both lego (exec provider: present|cleanup FQDN VALUE) and certbot (manual hooks:
# CERTBOT_DOMAIN, CERTBOT_VALIDATION), writing the TXT record into pebble-challtestsrv.
cat >"$WORK/dns-hook.sh" <<'SH'
#!/usr/bin/env bash
if [[ -n "${CERTBOT_DOMAIN:-}" ]]; then set -- "$1" "_acme-challenge.$CERTBOT_DOMAIN." "${CERTBOT_VALIDATION:-}"; fi
case $1 in
  present) jq -nc --arg host "$2" --arg value "$3" '{host: $host, value: $value}' | curl -sf -X POST -d @- "$CHALLSRV_URL/set-txt" ;;
  cleanup) jq -nc --arg host "$2" '{host: $host}' | curl -sf -X POST -d @- "$CHALLSRV_URL/clear-txt" ;;
esac
SH
chmod +x "$WORK/dns-hook.sh"

# chain_length PEM: how many certificates the file holds.
chain_length() { grep -c -- '-----BEGIN CERTIFICATE-----' "$1"; }

# other_clients NAME: lego and certbot against the server at $DIR_URL; one JSON object of what
# they could notice: each step ok or failed, the chain's length, the wildcard SAN.
other_clients() {
  local name=$1 lego_dir=$WORK/$1-lego cb=$WORK/$1-certbot obs='{}' crt
  step() { obs=$(jq -c --arg k "$1" --arg v "$2" '.[$k] = $v' <<<"$obs"); }
  # The wildcard and the bare name share one TXT name: lego answers them one after the other,
  # EXEC_SEQUENCE_INTERVAL apart (60 s by default).
  export LEGO_CA_CERTIFICATES=$WORK/ca.pem REQUESTS_CA_BUNDLE=$WORK/ca.pem EXEC_SEQUENCE_INTERVAL=1 EXEC_POLLING_INTERVAL=1
  local lego_dns=(--dns exec --dns.resolvers "127.0.0.1:$DNS_PORT" --dns.disable-cp)
  if EXEC_PATH=$WORK/dns-hook.sh LEGO_DIR=$lego_dir lego_try --key-type ec384 --domains "$name-lego.test" \
    --domains "*.$name-lego.test" "${lego_dns[@]}" run; then
    step legoIssue ok
    crt=$lego_dir/certificates/$name-lego.test.crt
    step legoChain "$(chain_length "$crt")"
    openssl x509 -in "$crt" -noout -ext subjectAltName | grep -q "DNS:\*.$name-lego.test" && step legoWildcard ok
    EXEC_PATH=$WORK/dns-hook.sh LEGO_DIR=$lego_dir lego_try --key-type ec384 --domains "$name-lego.test" \
      --domains "*.$name-lego.test" "${lego_dns[@]}" renew --days 100000 --no-random-sleep && step legoRenew ok || step legoRenew failed
    LEGO_DIR=$lego_dir lego_try --domains "$name-lego.test" revoke && step legoRevoke ok || step legoRevoke failed
  else
    step legoIssue failed; echo "lego against $name: $(tail -5 "$WORK/lego.out")"
  fi
  if certbot certonly --server "$DIR_URL" --config-dir "$cb/config" --work-dir "$cb/work" --logs-dir "$cb/logs" \
    --non-interactive --agree-tos -m certbot@example.com --manual --preferred-challenges dns \
    --manual-auth-hook "$WORK/dns-hook.sh present" --manual-cleanup-hook "$WORK/dns-hook.sh cleanup" \
    -d "$name-certbot.test" --cert-name parity >"$WORK/certbot.out" 2>&1; then
    step certbotIssue ok
    step certbotChain "$(chain_length "$cb/config/live/parity/fullchain.pem")"
    certbot revoke --server "$DIR_URL" --config-dir "$cb/config" --work-dir "$cb/work" --logs-dir "$cb/logs" \
      --non-interactive --cert-path "$cb/config/live/parity/cert.pem" --no-delete-after-revoke >>"$WORK/certbot.out" 2>&1 &&
      step certbotRevoke ok || step certbotRevoke failed
  else
    step certbotIssue failed; echo "certbot against $name: $(tail -5 "$WORK/certbot.out")"
  fi
  echo "$obs" >"$WORK/$name.clients"
}

# run_client NAME CMD...: starts the server CMD (its config in $WORK/NAME.json), runs acme-client
# (and, unless ONLY_ACME_CLIENT is set, lego and certbot) against it, stops it; the observations
# land in $WORK/NAME.out and $WORK/NAME.clients.
run_client() {
  local name=$1 port mport; shift
  port=$(free_port) mport=$(free_port)
  cat >"$WORK/$name.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$port", "managementListenAddress": "127.0.0.1:$mport",
  "certificate": "$WORK/cert.pem", "privateKey": "$WORK/key.pem", "httpPort": $HTTP01_PORT,
  "tlsPort": $(free_port), "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
  COBBLE_LOG=$WORK/$name.log
  (cd "$WORK" && PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
    exec "$@" -config "$WORK/$name.json" -dnsserver "127.0.0.1:$DNS_PORT") >"$COBBLE_LOG" 2>&1 &
  COBBLE_PID=$!
  BG_PIDS+=("$COBBLE_PID")
  wait_until 20 "$name answers /dir" curl -sf --cacert "$WORK/ca.pem" "https://localhost:$port/dir"
  DIR_URL=https://localhost:$port/dir node "$client_dir/pebble_parity.mjs" "$name" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" || { cat "$WORK/$name.err"; fail "acme-client against $name"; }
  [[ -n ${ONLY_ACME_CLIENT:-} ]] || DIR_URL=https://localhost:$port/dir other_clients "$name"
  kill "$COBBLE_PID"
  wait "$COBBLE_PID" 2>/dev/null || true
  echo "$name: $(cat "$WORK/$name.out") $(cat "$WORK/$name.clients" 2>/dev/null)"
}

run_client pebble pebble
run_client cobble "$(dirname "$COBBLE_BIN")/pebble"
pebble_said=$(jq -S . "$WORK/pebble.out") cobble_said=$(jq -S . "$WORK/cobble.out")
[[ $(jq -r .rsa1024Account "$WORK/pebble.out") == ok ]] || fail "Debian's pebble refused an RSA-1024 account"
[[ $pebble_said == "$cobble_said" ]] ||
  fail "Pebble mode differs from Debian's pebble: $(diff <(echo "$pebble_said") <(echo "$cobble_said") | tr '\n' ' ')"
pass "Pebble mode answers as Debian's pebble: terms of service required, RSA-1024 account, P-521 and RSA-1024 CSRs, a redirect to another port, a revoked certificate's download ($(jq -r .revokedDownload "$WORK/pebble.out"))"
[[ $(jq -r .noTosAccount "$WORK/pebble.out") == refused ]] || fail "Debian's pebble took an account without the terms agreed"
[[ $(jq -c . "$WORK/pebble.clients") == '{"legoIssue":"ok","legoChain":"2","legoWildcard":"ok","legoRenew":"ok","legoRevoke":"ok","certbotIssue":"ok","certbotChain":"2","certbotRevoke":"ok"}' ]] ||
  fail "lego or certbot did not get through Debian's pebble: $(cat "$WORK/pebble.clients")"
[[ $(jq -Sc . "$WORK/pebble.clients") == "$(jq -Sc . "$WORK/cobble.clients")" ]] ||
  fail "lego or certbot noticed a difference: pebble $(cat "$WORK/pebble.clients"), cobble $(cat "$WORK/cobble.clients")"
pass "lego (dns-01 wildcard, renew, revoke) and certbot (dns-01, revoke) see the same from both servers"

# The same steps with the three settings back at Cobble's defaults (keyPolicy cobble, standard
# redirect ports, revoked certificates served), through the environment: each step must change.
ONLY_ACME_CLIENT=1 COBBLE_KEY_POLICY=cobble COBBLE_HTTP01_REDIRECT_PORTS=standard COBBLE_SERVE_REVOKED_CERTIFICATES=true \
  run_client defaults "$(dirname "$COBBLE_BIN")/pebble"
expected='{"noTosAccount":"refused","otherPortRedirect":"refused","p521Csr":"refused","revokedDownload":"200","rsa1024Account":"refused","rsa1024Csr":"refused","termsOfService":"data:text/plain,Do%20what%20thou%20wilt"}'
[[ $(jq -Sc . "$WORK/defaults.out") == "$expected" ]] || fail "Cobble's defaults: $(cat "$WORK/defaults.out"), expected $expected"
grep -q "at least 2048 bits" "$WORK/defaults.err" || fail "the RSA-1024 refusal does not say the minimum: $(cat "$WORK/defaults.err")"
grep -q "invalid port in redirect target" "$WORK/defaults.err" || fail "the redirect refusal does not name the port rule"
pass "with keyPolicy cobble, standard redirect ports and revoked certificates served, every step answers as Let's Encrypt"
