#!/usr/bin/env bash
# The foundation over real sockets: directory, nonces, problem documents for 404/405/413/415/431,
# the management listener, the HTTPS CA kept across restarts, and graceful shutdown.
source "$(dirname "$0")/lib.sh"

start_cobble
curlc() { curl -s --cacert "$CA_CERT" "$@"; }

dir=$(curlc "$DIR_URL")
[[ $(jq -r .newNonce <<<"$dir") == "https://localhost:$ACME_PORT/acme/new-nonce" ]] || fail "directory: $dir"
[[ $(jq -r .meta.externalAccountRequired <<<"$dir") == false ]] || fail "directory meta: $dir"
[[ $(curlc "https://localhost:$ACME_PORT/directory" | jq -r .newOrder) == "https://localhost:$ACME_PORT/acme/new-order" ]] \
  || fail "/directory alias"
pass "directory at /dir and /directory"

nonce_url=$(jq -r .newNonce <<<"$dir")
head=$(curlc -I "$nonce_url")
grep -qi '^HTTP/1.1 200' <<<"$head" || fail "HEAD newNonce: $head"
n1=$(grep -i '^replay-nonce:' <<<"$head" | tr -d '\r' | awk '{print $2}')
[[ ${#n1} -eq 22 ]] || fail "nonce '$n1'"
grep -qi '^cache-control: no-store' <<<"$head" || fail "no Cache-Control on newNonce"
grep -qi '^link: <https://localhost:'"$ACME_PORT"'/dir>;rel="index"' <<<"$head" || fail "no index link"
get=$(curlc -D - -o /dev/null "$nonce_url")
grep -qi '^HTTP/1.1 204' <<<"$get" || fail "GET newNonce: $get"
n2=$(grep -i '^replay-nonce:' <<<"$get" | tr -d '\r' | awk '{print $2}')
[[ $n1 != "$n2" ]] || fail "nonces repeat"
pass "newNonce HEAD 200 / GET 204 with fresh nonces"

expect_problem() {  # expect_problem STATUS DESCRIPTION curl-args...
  local status=$1 what=$2; shift 2
  local out code
  out=$(curlc -w '\n%{http_code} %{content_type}' "$@")
  code=$(tail -1 <<<"$out")
  [[ $code == "$status application/problem+json" ]] || fail "$what: got '$code': $out"
  jq -e '.type | startswith("urn:ietf:params:acme:error:")' <<<"$(sed '$d' <<<"$out")" >/dev/null || fail "$what: $out"
}
expect_problem 404 "unknown path" "https://localhost:$ACME_PORT/nope"
expect_problem 405 "DELETE on newNonce" -X DELETE "$nonce_url"
expect_problem 415 "POST as text/plain" -X POST -H 'Content-Type: text/plain' --data '{}' "$nonce_url"
head -c 200000 /dev/zero | tr '\0' 'a' >"$WORK/big"
expect_problem 413 "200 kB body" -X POST -H 'Content-Type: application/jose+json' --data-binary @"$WORK/big" "$nonce_url"
expect_problem 431 "40 kB header" -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' 'b')" "$nonce_url"
[[ $(curlc -o /dev/null -w '%{http_code}' -X DELETE "$nonce_url" -D - | grep -i '^allow:' || true) ]] || true
curlc -D - -o /dev/null -X DELETE "$nonce_url" | grep -qi '^allow: GET, HEAD, POST, OPTIONS' || fail "405 without Allow"
pass "problem documents for 404, 405 (+Allow), 413, 415, 431"

# Garbage on the wire gets a 400 problem and the server keeps serving.
printf 'THIS IS NOT HTTP\r\n\r\n' | openssl s_client -quiet -connect "127.0.0.1:$ACME_PORT" 2>/dev/null | head -1 \
  | grep -q '400' || fail "garbage request not answered with 400"
curlc -sf -o /dev/null "$DIR_URL" || fail "server died after garbage"
pass "malformed HTTP answered with 400, server still up"

[[ $(curlc "https://localhost:$MGMT_PORT/healthz" | jq -r .status) == ok ]] || fail "healthz"
curlc "https://localhost:$MGMT_PORT/https-ca" | cmp -s - "$CA_CERT" || fail "management /https-ca differs from $CA_CERT"
pass "management listener: /healthz and /https-ca"

grep -q "HTTPS CA" "$COBBLE_LOG" && grep -q "$CA_CERT" "$COBBLE_LOG" || fail "start-up does not print the HTTPS CA path"
grep -q "GET /dir 200" "$COBBLE_LOG" || fail "no request log line"
pass "start-up prints the CA path; requests are logged"

# Graceful shutdown: SIGTERM while a keep-alive connection is idle; exits 0 promptly.
ca_before=$(sha256sum "$CA_CERT")
start=$SECONDS
stop_cobble
code=0; wait "$COBBLE_PID" 2>/dev/null || code=$?
grep -q "stopped" "$COBBLE_LOG" || fail "no clean stop in the log"
((SECONDS - start < 10)) || fail "shutdown took too long"
pass "SIGTERM stops cleanly"

# Restart on the same data dir: same HTTPS CA, same database.
COBBLE_LOG=$WORK/cobble2.log
start_cobble
[[ $(sha256sum "$CA_CERT") == "$ca_before" ]] || fail "HTTPS CA changed across restart"
pass "restart keeps the HTTPS CA"

# A bad configuration is refused with the key's name.
echo '{"listenAdress": "x"}' >"$WORK/bad.json"
out=$("$COBBLE_BIN" --config "$WORK/bad.json" 2>&1) && fail "bad config accepted"
grep -q "listenAdress" <<<"$out" || fail "bad config error does not name the key: $out"
pass "unknown config key refused with its name"
