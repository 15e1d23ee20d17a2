#!/usr/bin/env bash
# cobble-bench end to end: ~3 s of complete flows (mode always; then again through the
# --pebble-safe gate on 2 threads, and until --flows on 2 threads), of newNonce (mode nonce) and of
# newOrders against rate limits (mode limited) against a real cobble; the JSON line must report
# flows and no errors.
source "$(dirname "$0")/lib.sh"
: "${BENCH_BIN:?BENCH_BIN must point at cobble-bench}"

export PEBBLE_VA_ALWAYS_VALID=1
start_cobble --log-level warn

# bench MODE [OPTION...]: runs cobble-bench for 3 s with 4 workers and prints its JSON line.
bench() {
  timeout 60 "$BENCH_BIN" "$DIR_URL" --ca-file "$CA_CERT" --mode "$1" --workers 4 --duration 3 --warmup 0.5 \
    --server-pid "$COBBLE_PID" --stall-seconds 5 "${@:2}"
}

check() {  # check MODE JSON
  local mode=$1 json=$2
  jq -e '.flows > 0' <<<"$json" >/dev/null || fail "$mode: no flows in $json"
  jq -e '.error_count == 0 and .errors == {}' <<<"$json" >/dev/null || fail "$mode: errors in $json"
  jq -e '.stalled == false and .stop_reason == "duration"' <<<"$json" >/dev/null || fail "$mode: stalled: $json"
  jq -e '.server_cpu_s > 0 and .client_cpu_s > 0' <<<"$json" >/dev/null || fail "$mode: no CPU figures: $json"
  pass "$mode: $(jq -c '{flows, flows_per_s, p50: .flow_ms.p50}' <<<"$json")"
}

json=$(bench always) || fail "cobble-bench always exited with $?"
check always "$json"
for kind in newOrder authz challenge finalize cert; do
  jq -e --arg k "$kind" '.requests_ms[$k].count > 0' <<<"$json" >/dev/null || fail "always: no $kind samples: $json"
done
# Every measured flow ended with a certificate the CA issued.
issued=$(sqlite3 "$DATA_DIR/cobble.db" "select count(*) from certificates")
((issued >= $(jq .flows <<<"$json"))) || fail "cobble issued $issued certificates for $(jq .flows <<<"$json") flows"
pass "cobble issued $issued certificates"

# The gate and two event loops: the same flows, the gate's waits reported apart from the latencies.
json=$(bench always --pebble-safe --threads 2) || fail "cobble-bench --pebble-safe --threads 2 exited with $?"
check "always --pebble-safe --threads 2" "$json"
jq -e '.pebble_safe == true and .threads == 2 and .first_order_poll_ms == 10' <<<"$json" >/dev/null ||
  fail "--pebble-safe --threads 2 not stated in $json"
jq -e '.gate_wait_ms.count > 0 and .gate_wait_ms.count <= .requests_ms.newOrder.count + .requests_ms.authz.count
       + .requests_ms.poll.count + 3 * 4' <<<"$json" >/dev/null ||
  fail "gate_wait_ms should count the gated requests (newOrder, authz, poll): $json"
jq -e '.connections == 4' <<<"$json" >/dev/null || fail "4 workers over 2 threads should keep 4 connections: $json"
pass "--pebble-safe --threads 2: $(jq -c '{gate_wait_ms: .gate_wait_ms.p99}' <<<"$json")"
# --flows ends the run from whichever thread completes the last flow.
json=$(timeout 60 "$BENCH_BIN" "$DIR_URL" --ca-file "$CA_CERT" --workers 4 --threads 2 --duration 0 --flows 40 \
  --warmup 0) || fail "cobble-bench --flows 40 --threads 2 exited with $?"
jq -e '.stop_reason == "flows" and .flows >= 40 and .flows <= 44 and .error_count == 0' <<<"$json" >/dev/null ||
  fail "--flows 40 over 2 threads: $json"
pass "--flows 40 over 2 threads: $(jq -c '{flows, stop_reason}' <<<"$json")"

json=$(bench nonce) || fail "cobble-bench nonce exited with $?"
check nonce "$json"
jq -e ".requests_ms.newNonce.count > 0" <<<"$json" >/dev/null ||
  fail "nonce: no newNonce samples: $json"

# Mode limited against a second cobble whose NewOrdersPerAccount is 5 per hour: each of the four
# workers gets 5 orders, every other newOrder is a 429 counted as rate_limited, not an error.
stop_cobble
ACME_PORT='' MGMT_PORT='' DATA_DIR=$WORK/limited COBBLE_LOG=$WORK/limited.log \
  COBBLE_RATE_LIMITS='{"NewOrdersPerAccount": {"burst": 5, "count": 5, "periodSeconds": 3600}}' start_cobble --log-level warn
json=$(bench limited) || fail "cobble-bench limited exited with $?"
check limited "$json"
jq -e '.rate_limited > 0 and .rate_limited == .flows_total - 20' <<<"$json" >/dev/null ||
  fail "limited: expected every newOrder past 5 per worker refused: $json"
pass "limited: $(jq -c '{flows_total, rate_limited}' <<<"$json")"

# A refusal is a usage message, not a run.
if "$BENCH_BIN" "$DIR_URL" --mode zombie --insecure 2>"$WORK/err"; then fail "--mode zombie accepted"; fi
grep -q "unknown --mode 'zombie'" "$WORK/err" || fail "unhelpful refusal: $(cat "$WORK/err")"
pass "bad --mode refused"
