#!/usr/bin/env bash
# Hostile validation targets cannot stop the CA (issue #12): a TXT record whose shown part would be
# cut mid-character, an http-01 redirect to a raw byte that is not UTF-8, and such a target met
# again by a validation resumed after kill -9. Each ends the challenge invalid with a readable
# problem; the server keeps answering and does not crash at start-up.
source "$(dirname "$0")/lib.sh"
start_challsrv
HTTP_PORT=$(free_port)
start_cobble --http-port "$HTTP_PORT" --dns-server "127.0.0.1:$DNS_PORT"
export LEGO_CA_CERTIFICATES=$CA_CERT
mkdir -p "$WORK/webroot"

still_serving() {
  kill -0 "$COBBLE_PID" 2>/dev/null || fail "cobble exited after $1"
  curl -sf --cacert "$CA_CERT" -o /dev/null "$DIR_URL" || fail "cobble stopped answering after $1"
}

# 1. dns-01: a TXT record of 99 ASCII bytes and then "é"; the detail shows 100 characters.
record="$(printf 'a%.0s' {1..99})é-and-more"
cat >"$WORK/exec-dns" <<HOOK
#!/usr/bin/env bash
[[ \$1 == present ]] && curl -sf -X POST -d '{"host":"'"\$2"'","value":"$record"}' http://127.0.0.1:$CHALLSRV_MGMT/set-txt
exit 0
HOOK
chmod +x "$WORK/exec-dns"
if EXEC_PATH=$WORK/exec-dns lego_try --domains txt.example.com --dns exec --dns.disable-cp run; then
  fail "lego succeeded with a wrong TXT record"
fi
grep -q "$(printf 'a%.0s' {1..99})é\.\.\." "$WORK/lego.out" || { cat "$WORK/lego.out"; fail "the TXT record is not shown whole up to its 100th character"; }
still_serving "a TXT record cut mid-character"
pass "a TXT record with a multi-byte character at the cut: unauthorized, shown whole, server up"

# 2. http-01: a redirect to a path with the raw byte 0xff.
start_bg "$WORK/fake-raw.log" python3 "$(dirname "$0")/fake_http01.py" rawredirect "$HTTP_PORT"
fake=$LAST_PID
wait_until 10 "the fake http-01 server answers" curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/x"
if lego_try --domains raw.example.com --http --http.webroot "$WORK/webroot" run; then
  fail "lego succeeded against a redirect to a raw byte"
fi
grep -q "/x%FF: HTTP 404" "$WORK/lego.out" || { cat "$WORK/lego.out"; fail "the redirect target is not shown percent-encoded"; }
still_serving "a redirect to a raw byte"
[[ $(attempts_for raw.example.com) == "http-01|invalid|urn:ietf:params:acme:error:unauthorized" ]] ||
  fail "raw.example.com: attempt not recorded: $(attempts_for raw.example.com)"
pass "a redirect to /x\\xff: followed as /x%FF, problem recorded, server up"
kill "$fake"; wait "$fake" 2>/dev/null || true

# 3. A validation in flight when the server dies is resumed at start-up against the same target.
start_bg "$WORK/fake-hang.log" python3 "$(dirname "$0")/fake_http01.py" hang "$HTTP_PORT"
fake=$LAST_PID
wait_until 10 "the hanging server listens" bash -c "exec 3<>/dev/tcp/127.0.0.1/$HTTP_PORT"
start_bg "$WORK/lego3.out" lego --server "$DIR_URL" --email admin@example.com --accept-tos --path "$WORK/lego" \
  --domains loop.example.com --http --http.webroot "$WORK/webroot" run
lego_pid=$LAST_PID
wait_until 30 "cobble's validation reaches the hanging server" grep -q "GET /.well-known/acme-challenge/" "$WORK/fake-hang.log"
kill -9 "$COBBLE_PID"; wait "$COBBLE_PID" 2>/dev/null || true
COBBLE_PID=
kill "$lego_pid" "$fake"; wait "$lego_pid" "$fake" 2>/dev/null || true
challenge_status() {
  sqlite3 "$DATA_DIR/cobble.db" "select c.status from challenges c join authorizations a on a.id = c.authz_id
    where a.identifier_value = 'loop.example.com' and c.type = 'http-01'"
}
[[ $(challenge_status) == processing ]] || fail "the challenge was not left processing by kill -9: $(challenge_status)"
start_bg "$WORK/fake-raw2.log" python3 "$(dirname "$0")/fake_http01.py" rawredirect "$HTTP_PORT"
wait_until 10 "the fake http-01 server answers again" curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/x"
COBBLE_LOG=$WORK/cobble-restarted.log start_cobble --http-port "$HTTP_PORT" --dns-server "127.0.0.1:$DNS_PORT"
wait_until 20 "the resumed validation ends" bash -c "[[ \$(sqlite3 '$DATA_DIR/cobble.db' \"select c.status from challenges c join authorizations a on a.id = c.authz_id where a.identifier_value = 'loop.example.com' and c.type = 'http-01'\") == invalid ]]"
grep -q "resuming validation" "$WORK/cobble-restarted.log" || fail "the interrupted validation was not resumed"
sleep 1
still_serving "resuming a validation against a hostile target"
pass "a validation resumed after kill -9 meets the hostile target: challenge invalid, server up"
