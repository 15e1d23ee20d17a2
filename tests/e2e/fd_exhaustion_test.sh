#!/usr/bin/env bash
# Out of file descriptors (issue #12): with 64 of them, a flood of connections neither makes the
# accept loop spin nor floods the log; the connection caps refuse what is beyond them, /metrics
# counts it, and the server answers again once the flood is gone.
source "$(dirname "$0")/lib.sh"
printf '#!/bin/sh\nexec prlimit --nofile=64:64 "%s" "$@"\n' "$COBBLE_BIN" >"$WORK/cobble-64-files"
chmod +x "$WORK/cobble-64-files"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$COBBLE_PID/stat"; }
# hold N PORT SECONDS: opens N connections at once and keeps them open that long.
hold() {
  python3 - "$@" <<'PY'
import socket, sys, time
n, port, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
held = []
for _ in range(n):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    held.append(s)
time.sleep(seconds)
PY
}
metric() { curl -sf --cacert "$CA_CERT" "https://localhost:$MGMT_PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# 1. Caps far above what the descriptors allow: accept() itself fails with EMFILE.
COBBLE_MAX_CONNECTIONS=5000 COBBLE_MAX_CONNECTIONS_PER_ADDRESS=5000 COBBLE_BIN=$WORK/cobble-64-files start_cobble
before=$(cpu_ticks)
hold 200 "$ACME_PORT" 4
used=$(($(cpu_ticks) - before))
errors=$(grep -c "accept failed" "$COBBLE_LOG" || true)
((used < 100)) || fail "the server used $used CPU ticks in 4 s out of descriptors (spinning?)"
((errors >= 1 && errors <= 3)) || fail "expected 1-3 'accept failed' log lines in 4 s, got $errors"
wait_until 10 "the server answers again after the flood" curl -sf --cacert "$CA_CERT" -o /dev/null "$DIR_URL"
[[ $(metric 'cobble_accept_errors_total{listener="acme"}') -ge 1 ]] || fail "accept errors are not counted"
pass "EMFILE: $used CPU ticks in 4 s, $errors log line(s), serving again afterwards"
stop_cobble

# 2. Caps derived from the descriptors: connections beyond them are closed at once, and counted.
rm -rf "$DATA_DIR"
COBBLE_LOG=$WORK/cobble-caps.log COBBLE_BIN=$WORK/cobble-64-files start_cobble
cap=$(grep -oE "connections: at most [0-9]+ per ACME listener" "$WORK/cobble-caps.log" | grep -oE "[0-9]+")
[[ -n $cap ]] && ((cap >= 8 && cap <= 16)) || fail "caps not derived from 64 descriptors: '$cap'"
hold 40 "$ACME_PORT" 2
# All 40 come from 127.0.0.1, so the per-address cap (a quarter of the listener's, at least 8) is
# the one they meet first.
refused=$(($(metric 'cobble_connections_refused_total{listener="acme",cap="listener"}') +
  $(metric 'cobble_connections_refused_total{listener="acme",cap="address"}')))
((refused >= 40 - cap)) || fail "expected at least $((40 - cap)) of 40 connections refused by the caps, got $refused"
grep -q "connection(s) refused since the last report" "$WORK/cobble-caps.log" || fail "refusals were not logged"
(($(grep -c "connection(s) refused since the last report" "$WORK/cobble-caps.log") <= 2)) || fail "refusals logged too often"
wait_until 10 "the server answers after the flood" curl -sf --cacert "$CA_CERT" -o /dev/null "$DIR_URL"
pass "caps derived from 64 descriptors ($cap per listener): $refused of 40 refused at once, logged once, serving afterwards"
