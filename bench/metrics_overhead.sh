#!/usr/bin/env bash
# What metrics cost (issue #17): cobble-bench's always-valid flows against one Cobble on SQLite with
# `metrics: true` (every request, validation and transaction counted and timed) and with
# `metrics: false`, rounds alternating, one fresh server per round; a scrape of /metrics every second
# during the "on" rounds, as Prometheus would (faster than its usual 15 s). Prints each round's JSON
# figures and the medians: flows/s, p99 and server CPU per flow, and the overhead in per cent.
#
#   bench/metrics_overhead.sh [--rounds N] [--duration S] [--workers N]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=3 duration=15 workers=64
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "metrics_overhead.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
COBBLE=$root/build/cobble BENCH=$root/build/cobble-bench
for tool in "$COBBLE" "$BENCH"; do
  [[ -x $tool ]] || { echo "metrics_overhead.sh: $tool missing: make build" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/cobble-metrics-bench.XXXXXX)
PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap 'stop_all; rm -rf "$WORK"' EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

run_round() {  # run_round on|off ROUND
  local mode=$1 round=$2 acme mgmt data=$WORK/data-$1-$2 scraper=""
  acme=$(free_port) mgmt=$(free_port)
  echo "{\"metrics\": $([[ $mode == on ]] && echo true || echo false)}" >"$WORK/config-$mode.json"
  PEBBLE_VA_ALWAYS_VALID=1 "$COBBLE" --config "$WORK/config-$mode.json" --listen "127.0.0.1:$acme" \
    --management-listen "127.0.0.1:$mgmt" --data-dir "$data" --log-level warn >"$WORK/cobble-$mode-$round.log" 2>&1 &
  PIDS+=($!)
  local pid=$!
  for _ in $(seq 100); do curl -sk -o /dev/null "https://127.0.0.1:$acme/dir" && break; sleep 0.1; done
  if [[ $mode == on ]]; then
    (while sleep 1; do curl -sk -o /dev/null "https://127.0.0.1:$mgmt/metrics"; done) &
    scraper=$!
  fi
  "$BENCH" "https://127.0.0.1:$acme/dir" --ca-file "$data/https-ca.pem" --mode always --workers "$workers" \
    --duration "$duration" --server-pid "$pid" >"$WORK/$mode-$round.json"
  [[ -n $scraper ]] && { kill "$scraper"; wait "$scraper" 2>/dev/null || true; }
  echo "$mode round $round: $(cat "$WORK/$mode-$round.json")" >&2
  stop_all
}

for round in $(seq "$rounds"); do
  run_round on "$round"
  run_round off "$round"
done

python3 - "$WORK" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def figures(mode):
    runs = [json.load(open(f"{work}/{mode}-{r}.json")) for r in range(1, rounds + 1)]
    return {
        "flows_per_s": statistics.median(r["flows_per_s"] for r in runs),
        "p99_ms": statistics.median(r["flow_ms"]["p99"] for r in runs),
        "server_cpu_ms_per_flow": statistics.median(r["server_cpu_ms_per_flow"] for r in runs),
        "errors": sum(sum(r["errors"].values()) for r in runs),
    }
on, off = figures("on"), figures("off")
print(f"| metrics | flows/s | flow p99 ms | server CPU ms/flow | errors |")
print(f"|---|---|---|---|---|")
for name, f in (("on", on), ("off", off)):
    print(f"| {name} | {f['flows_per_s']:.1f} | {f['p99_ms']:.1f} | {f['server_cpu_ms_per_flow']:.3f} | {f['errors']} |")
print(f"overhead: flows/s {100 * (1 - on['flows_per_s'] / off['flows_per_s']):+.1f} %, "
      f"CPU per flow {100 * (on['server_cpu_ms_per_flow'] / off['server_cpu_ms_per_flow'] - 1):+.1f} % "
      f"(medians of {rounds} alternating rounds; positive = metrics cost that much)")
PY
