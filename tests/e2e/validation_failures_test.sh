#!/usr/bin/env bash
# Failing validations end to end: each gives the client a problem a person can act on, and each
# is recorded in validation_attempts with its problem type.
source "$(dirname "$0")/lib.sh"
start_challsrv
HTTP_PORT=$(free_port)
start_cobble --http-port "$HTTP_PORT" --dns-server "127.0.0.1:$DNS_PORT"
mkdir -p "$WORK/webroot"
export LEGO_CA_CERTIFICATES=$CA_CERT
cat >"$WORK/exec-dns" <<HOOK
#!/usr/bin/env bash
[[ \$1 == present && -n "\${WRONG_TXT:-}" ]] &&
  curl -sf -X POST -d "{\"host\":\"\$2\",\"value\":\"\$WRONG_TXT\"}" http://127.0.0.1:$CHALLSRV_MGMT/set-txt
exit 0
HOOK
chmod +x "$WORK/exec-dns"

# expect_failure NAME PROBLEM_TYPE DETAIL_PATTERN lego-challenge-args...
expect_failure() {
  local name=$1 type=$2 pattern=$3; shift 3
  if lego --server "$DIR_URL" --email admin@example.com --accept-tos --path "$WORK/lego" --domains "$name" "$@" run \
    >"$WORK/lego.out" 2>&1; then
    fail "$name: lego succeeded"
  fi
  grep -q "urn:ietf:params:acme:error:$type" "$WORK/lego.out" || { cat "$WORK/lego.out"; fail "$name: no $type problem"; }
  grep -qE "$pattern" "$WORK/lego.out" || { cat "$WORK/lego.out"; fail "$name: detail does not match '$pattern'"; }
  local rows
  rows=$(attempts_for "$name")
  grep -q "|invalid|urn:ietf:params:acme:error:$type" <<<"$rows" || fail "$name: attempt not recorded: $rows"
  pass "$name: $type ($(grep -oE "$pattern" "$WORK/lego.out" | head -1))"
}

# Nothing listens on the port Cobble fetches from (lego serves elsewhere).
expect_failure nothing.example.com connection "Connection refused" --http --http.port "127.0.0.1:$(free_port)"

# A web server that answers with the wrong body, then one that redirects to a forbidden port.
start_bg "$WORK/fake.log" python3 "$(dirname "$0")/fake_http01.py" wrong "$HTTP_PORT"
fake=$LAST_PID
wait_until 10 "fake http-01 server" curl -sf "http://127.0.0.1:$HTTP_PORT/x"
expect_failure wrong.example.com unauthorized "did not match this challenge" --http --http.webroot "$WORK/webroot"
kill "$fake"; wait "$fake" 2>/dev/null || true
start_bg "$WORK/fake2.log" python3 "$(dirname "$0")/fake_http01.py" redirect "$HTTP_PORT"
wait_until 10 "fake redirecting server" curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/x"
expect_failure redirect.example.com connection "invalid port in redirect target" --http --http.webroot "$WORK/webroot"

# A name that resolves to a private address: refused before any connection.
challsrv add-a '{"host":"private.example.com","addresses":["10.0.0.1"]}'
expect_failure private.example.com connection "private-use address" --http --http.webroot "$WORK/webroot"
[[ $(sqlite3 "$DATA_DIR/cobble.db" "select addresses from validation_attempts where identifier_value='private.example.com'") == "" ]] \
  || fail "private.example.com: an address was contacted"

# dns-01: a wrong TXT record, no TXT record, NXDOMAIN and SERVFAIL.
EXEC_PATH=$WORK/exec-dns WRONG_TXT=not-the-digest expect_failure wrongtxt.example.com unauthorized \
  "Incorrect TXT record" --dns exec --dns.disable-cp
EXEC_PATH=$WORK/exec-dns expect_failure notxt.example.com unauthorized "No TXT record found" --dns exec --dns.disable-cp
challsrv set-nxdomain '{"host":"_acme-challenge.nx.example.com"}'
EXEC_PATH=$WORK/exec-dns expect_failure nx.example.com dns "NXDOMAIN" --dns exec --dns.disable-cp
challsrv set-servfail '{"host":"_acme-challenge.sf.example.com"}'
EXEC_PATH=$WORK/exec-dns expect_failure sf.example.com dns "SERVFAIL" --dns exec --dns.disable-cp

grep -q "validation http-01 of nothing.example.com for account" "$COBBLE_LOG" || fail "failures are not logged"
