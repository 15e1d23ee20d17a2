#!/usr/bin/env bash
# Crash cycles (make crash): cobble-bench drives complete issuances against Cobble, the server is
# killed with SIGKILL at a random moment, restarted on the same data, and every account, order (at
# its acknowledged status or later) and certificate (byte for byte) the bench was told about is
# checked in the database (bench/crash_verify.py). Prints the figures; exit status 1 on any loss.
#   bench/crash.sh [--build-dir build] [--cycles 100] [--workers 16] [--min-ms 200] [--max-ms 2000]
#                  [--sync-every-commit]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build cycles=100 workers=16 min_ms=200 max_ms=2000 extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
    --cycles) cycles=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --min-ms) min_ms=$2; shift 2 ;;
    --max-ms) max_ms=$2; shift 2 ;;
    --sync-every-commit) extra+=(--sync-every-commit); shift ;;
    *) echo "crash.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/cobble-crash.XXXXXX)
server_pid="" bench_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill -9 "$server_pid" 2>/dev/null || true
  [[ -n $bench_pid ]] && kill -9 "$bench_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
data=$work/data record=$work/acks.txt
touch "$record"

start_server() {
  COBBLE_ALWAYS_VALID=true COBBLE_LOG_LEVEL=warn "$build/cobble" --listen "127.0.0.1:$port" \
    --management-listen "" --data-dir "$data" "${extra[@]}" >>"$work/server.log" 2>&1 &
  server_pid=$!
  local t0=$(date +%s%N)
  until curl -sf --cacert "$data/https-ca.pem" -o /dev/null "https://localhost:$port/dir" 2>/dev/null; do
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$work/server.log"; echo "crash.sh: the server did not start" >&2; exit 1; }
    sleep 0.02
  done
  echo $((($(date +%s%N) - t0) / 1000000)) >>"$work/starts.txt"
}

verify() {
  if ! python3 "$root/bench/crash_verify.py" "$record" "$data/cobble.db" >"$work/verify.json" 2>"$work/lost.txt"; then
    cat "$work/verify.json" "$work/lost.txt"
    echo "crash.sh: acknowledged writes were lost after cycle $1" >&2
    exit 1
  fi
}

echo "crash.sh: $cycles cycles, $workers workers, kill -9 after ${min_ms}-${max_ms} ms of load ${extra[*]}"
started=$SECONDS
for ((cycle = 1; cycle <= cycles; ++cycle)); do
  start_server
  verify "$cycle"
  "$build/cobble-bench" "https://localhost:$port/dir" --ca-file "$data/https-ca.pem" --mode always \
    --workers "$workers" --duration 600 --warmup 0 --stall-seconds 600 --record "$record" >/dev/null 2>&1 &
  bench_pid=$!
  sleep "$(python3 -c "import random; print(random.uniform($min_ms, $max_ms) / 1000)")"
  kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true
  kill -9 "$bench_pid"; wait "$bench_pid" 2>/dev/null || true
  server_pid="" bench_pid=""
  if ((cycle % 10 == 0)); then echo "  cycle $cycle: $(cat "$work/verify.json")"; fi
done
start_server
verify "the last"
kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true
server_pid=""
python3 - "$work/verify.json" "$work/starts.txt" "$cycles" "$((SECONDS - started))" <<'PY'
import json, statistics, sys
counts = json.load(open(sys.argv[1]))
starts = sorted(int(x) for x in open(sys.argv[2]))
print("crash.sh: %s kill -9 cycles in %s s" % (sys.argv[3], sys.argv[4]))
print("  acknowledged and found again: %(accounts)d accounts, %(orders)d orders, %(certificates)d certificates" % counts)
print("  lost: %(lost)d" % counts)
print("  restart to first answer: median %d ms, max %d ms (%d starts)" % (statistics.median(starts), starts[-1], len(starts)))
PY
