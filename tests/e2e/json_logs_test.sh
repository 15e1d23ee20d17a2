#!/usr/bin/env bash
# logFormat json (issue #17): Cobble started from a config file with "logFormat": "json" serves
# lego (one certificate, then a zombie account paused for one name and unpaused through the
# portal by a curl POST of the form) and a request with hostile bytes in its path. Then: every line
# of the log is one JSON object; request lines carry time, level, event, request_id, duration_ms
# and status; the events name the account and the identifier; the X-Request-Id curl got back leads
# to the line of that request; the unpause token is nowhere in the log.
source "$(dirname "$0")/lib.sh"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps --with-tests)"
start_challsrv
HTTP_PORT=$(free_port)
echo '{"logFormat": "json", "pauseBurst": 2, "pauseRefillPeriodHours": 8760}' >"$WORK/cobble.json"
start_cobble --config "$WORK/cobble.json" --http-port "$HTTP_PORT" --dns-server "127.0.0.1:$DNS_PORT"
export LEGO_CA_CERTIFICATES=$CA_CERT
LOG=$COBBLE_LOG
# lines JQ_FILTER: the filter over every line of the log, each parsed (fails on a line that is not JSON).
lines() { jq -R -c "fromjson | $1" "$LOG"; }
paused() { sqlite3 "$DATA_DIR/cobble.db" "select count(*) from paused where account_id = 2 and unpaused_at is null"; }

# Account 1 gets a certificate; account 2's three failed validations of zombie.example.com
# (burst 2) pause that pair.
lego_try --domains good.example.com --http --http.port "127.0.0.1:$HTTP_PORT" run ||
  { cat "$WORK/lego.out"; fail "lego run"; }
export LEGO_DIR=$WORK/zombie LEGO_EMAIL=zombie@example.com
for i in 1 2 3; do
  lego_try --domains zombie.example.com --http --http.port "$(lego_http_port)" run && fail "zombie order $i succeeded"
done
lego_try --domains zombie.example.com --http --http.port "$(lego_http_port)" run && fail "a paused pair got an order"
[[ $(paused) == 1 ]] || fail "account 2 is not paused"
url=$(grep -oE "https://localhost:$ACME_PORT/sfe/v1/unpause\?jwt=[A-Za-z0-9._-]+" "$WORK/lego.out" | head -1)
[[ -n $url ]] || { cat "$WORK/lego.out"; fail "lego's output has no unpause URL"; }
token=${url#*jwt=}
pass "lego issued one certificate, and the zombie pair was paused (lego printed the unpause link)"

# The portal: its page (token in the query), then the button as a form POST (token in the body).
curl -sf --cacert "$CA_CERT" -D "$WORK/page.headers" -o /dev/null "$url" || fail "portal page"
curl -s --cacert "$CA_CERT" -D "$WORK/post.headers" -o /dev/null --data-urlencode "jwt=$token" \
  "https://localhost:$ACME_PORT/sfe/v1/do-unpause"
grep -q "^HTTP/1.1 302" "$WORK/post.headers" || fail "the unpause POST: $(head -1 "$WORK/post.headers")"
[[ $(paused) == 0 ]] || fail "still paused after the POST"
header_id() { tr -d '\r' <"$1" | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p'; }
page_id=$(header_id "$WORK/page.headers")
post_id=$(header_id "$WORK/post.headers")
[[ $page_id =~ ^[0-9a-f]{16}$ && $post_id =~ ^[0-9a-f]{16}$ && $page_id != "$post_id" ]] ||
  fail "X-Request-Id headers: '$page_id' '$post_id'"
pass "the portal unpaused (GET with the token in the query, POST with it in the form); each reply has its X-Request-Id"

# A path with a quote, a backslash and bytes that are not UTF-8 (raw, over TLS; Beast refuses controls).
python3 - "$ACME_PORT" "$CA_CERT" <<'EOF' || fail "hostile request"
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[2])
with context.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost") as s:
    s.sendall(b'GET /acme/"quote\\back\xff\xc3 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
    while s.recv(4096):
        pass
EOF
wait_until 5 "the hostile request is logged" grep -q 'quote' "$LOG"
stop_cobble

# Every line is one JSON object, from start-up to shutdown.
bad=$(jq -R -r 'try (fromjson | if type == "object" then empty else . end) catch .' "$LOG" | head -3)
[[ -z $bad ]] || fail "lines that are not JSON objects: $bad"
[[ $(lines '.event' | grep -c .) -eq $(wc -l <"$LOG") ]] || fail "a line has no event"
lines 'select(.message == "stopped")' | grep -q . || fail "the shutdown line is missing"
lines 'select((.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$") | not) or (.level | type) != "string" or (.message | type) != "string")' |
  head -3 | grep . && fail "lines without an RFC 3339 time, a level or a message"
pass "all $(wc -l <"$LOG") lines of the log are JSON objects with time, level, event and message"

requests=$(lines 'select(.event == "request")' | wc -l)
((requests > 30)) || fail "only $requests request lines"
lines 'select(.event == "request" and (has("request_id") and has("duration_ms") and has("status") and has("method") and has("path") | not))' |
  head -3 | grep . && fail "request lines without request_id, duration_ms, status, method or path"
[[ $(lines 'select(.event == "request") | .request_id' | sort | uniq -d | head -1) == "" ]] || fail "a request id was used twice"
lines 'select(.event == "request" and .path == "/acme/new-order" and .account == 1 and .status == 201)' | grep -q . ||
  fail "no newOrder line with the account"
lines 'select(.event == "request" and .path == "/acme/\"quote\\back\\xff\\xc3" and .status == 404)' | grep -q . ||
  fail "the hostile path is not in its line: $(grep quote "$LOG")"
pass "$requests request lines, each with request_id, duration_ms, status, method and path (the hostile one too)"

post=$(lines "select(.request_id == \"$post_id\")")
[[ $(jq -r '[.event, .path, .status, .account] | @tsv' <<<"$post") == $'request\t/sfe/v1/do-unpause\t302\t2' ]] ||
  fail "the POST's X-Request-Id $post_id leads to: $post"
lines "select(.request_id == \"$page_id\" and .path == \"/sfe/v1/unpause\")" | grep -q . ||
  fail "the page's X-Request-Id $page_id is not in the log"
pass "the X-Request-Id curl got back leads to that request's line (path, status, account)"

event() { lines "select(.event == \"$1\" and .account == $2 and .identifier == \"$3\")" | grep -q . ||
  fail "no $1 line for account $2 and $3: $(grep "\"$1\"" "$LOG" | head -2)"; }
lines 'select(.event == "account_created" and .account == 1 and (.request_id | length) == 16)' | grep -q . ||
  fail "no account_created line with its request id"
event challenge_answered 1 good.example.com
event validation_failed 2 zombie.example.com
event pause_notice 2 zombie.example.com
event order_refused 2 zombie.example.com
lines 'select(.event == "order_refused" and .problem == "urn:ietf:params:acme:error:userActionRequired")' |
  grep -q . || fail "the paused order's refusal does not name userActionRequired"
lines 'select(.event == "unpaused" and .account == 2 and .identifiers == 1)' | grep -q . || fail "no unpaused line"
pass "account_created, challenge_answered, validation_failed, pause_notice, order_refused and unpaused name the account and identifier"

! grep -qF "$token" "$LOG" || fail "the unpause token is in the log"
! grep -qF "${token##*.}" "$LOG" || fail "the unpause token's signature is in the log"
! grep -q "jwt=" "$LOG" || fail "a jwt= is in the log: $(grep jwt= "$LOG" | head -2)"
# Any other link's token (each link has its own: the pause notice's, the refused orders').
! grep -qE "eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\." "$LOG" || fail "a token is in the log: $(grep -oE "eyJ[^ ]{0,40}" "$LOG" | head -2)"
pass "the unpause token is nowhere in the log"
