#!/usr/bin/env bash
# A long run at high concurrency against one fresh Cobble: does it stall, fail or grow? Samples the
# server's RSS every --sample seconds while cobble-bench runs, then prints the bench's figures and
# the RSS series. bench/README.md explains it. Loopback only; stops by itself.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: bench/soak.sh [options]
  --workers N      concurrent flows (default 256)
  --duration S     seconds (default 600)
  --warmup S       seconds excluded from the figures and from the RSS baseline (default 30)
  --mode M         cobble-bench mode (default always)
  --sample S       seconds between RSS samples (default 10)
  --build-dir DIR  where cobble and cobble-bench are (default build)
  --out DIR        keep the JSON line, RSS series and server log here (default: a temp dir, removed)
USAGE
}

root=$(cd "$(dirname "$0")/.." && pwd)
workers=256 duration=600 warmup=30 mode=always sample=10 build=$root/build out=""
while (($#)); do
  case $1 in
    --workers) workers=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --sample) sample=$2; shift 2 ;;
    --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "soak.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

COBBLE=$build/cobble BENCH=$build/cobble-bench
for tool in "$COBBLE" "$BENCH"; do [[ -x $tool ]] || { echo "soak.sh: $tool missing: build it first" >&2; exit 1; }; done
WORK=$(mktemp -d /tmp/cobble-soak.XXXXXX)
RESULTS=${out:-$WORK/results}
mkdir -p "$RESULTS"
SERVER_PID=""
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
port=$(free_port)
always=0
[[ $mode == always ]] && always=1
# Many workers: more open files than the default soft limit of 1024 may be needed.
ulimit -n 65536 2>/dev/null || true
PEBBLE_VA_ALWAYS_VALID=$always COBBLE_KEY_ALGORITHM=ecdsa "$COBBLE" --listen "127.0.0.1:$port" \
  --management-listen "127.0.0.1:$(free_port)" --data-dir "$WORK/data" --log-level warn >"$RESULTS/server.log" 2>&1 &
SERVER_PID=$!
deadline=$((SECONDS + 30))
until [[ -f $WORK/data/https-ca.pem ]] && curl -sf --cacert "$WORK/data/https-ca.pem" -o /dev/null "https://127.0.0.1:$port/dir"; do
  ((SECONDS < deadline)) || { echo "soak.sh: cobble did not start; log: $RESULTS/server.log" >&2; exit 1; }
  sleep 0.1
done

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
echo "soak.sh: $workers workers, mode $mode, $duration s (warmup $warmup s) against pid $SERVER_PID" >&2
"$BENCH" "https://127.0.0.1:$port/dir" --ca-file "$WORK/data/https-ca.pem" --mode "$mode" --workers "$workers" \
  --duration "$duration" --warmup "$warmup" --server-pid "$SERVER_PID" --timeout 30 --stall-seconds 10 \
  >"$RESULTS/bench.json" 2>"$RESULTS/bench.err" &
bench_pid=$!
start=$SECONDS
: >"$RESULTS/rss.tsv"
while kill -0 "$bench_pid" 2>/dev/null; do
  printf '%d\t%s\n' $((SECONDS - start)) "$(rss_kb)" >>"$RESULTS/rss.tsv"
  sleep "$sample"
done
wait "$bench_pid" || { echo "soak.sh: cobble-bench failed: $(cat "$RESULTS/bench.err")" >&2; exit 1; }
kill -0 "$SERVER_PID" 2>/dev/null || { echo "soak.sh: cobble died; log: $RESULTS/server.log" >&2; exit 1; }
printf '%d\t%s\n' $((SECONDS - start)) "$(rss_kb)" >>"$RESULTS/rss.tsv"

python3 - "$RESULTS" "$warmup" "$workers" "$duration" <<'PY'
import json, sys
results, warmup, workers, duration = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(f"{results}/bench.json"))
rss = [(int(t), int(kb)) for t, kb in (line.split("\t") for line in open(f"{results}/rss.tsv") if line.strip())]
after = [kb for t, kb in rss if t >= warmup] or [kb for _, kb in rss]
print(f"flows/s {d['flows_per_s']:.1f}  flows {d['flows']}  stalled {d['stalled']}  stop {d['stop_reason']}")
print(f"flow p50/p99/max ms {d['flow_ms']['p50']:.0f}/{d['flow_ms']['p99']:.0f}/{d['flow_ms']['max']:.0f}  "
      f"newOrder p50/p99 ms {d['requests_ms']['newOrder']['p50']:.1f}/{d['requests_ms']['newOrder']['p99']:.1f}")
print(f"errors {d['error_count']} {d['errors']}  connections {d['connections']}  server CPU ms/flow {d['server_cpu_ms_per_flow']}")
print(f"RSS MB: after warmup {after[0]/1024:.1f}, max {max(after)/1024:.1f}, end {after[-1]/1024:.1f}; "
      f"growth after warmup {(after[-1]-after[0])/1024:+.1f} MB")
print("RSS series (s, MB): " + " ".join(f"{t}:{kb/1024:.0f}" for t, kb in rss))
json.dump({"workers": workers, "duration_s": duration, "flows_per_s": d["flows_per_s"], "flows": d["flows"],
           "stalled": d["stalled"], "error_count": d["error_count"], "errors": d["errors"],
           "flow_p99_ms": d["flow_ms"]["p99"], "newOrder_p99_ms": d["requests_ms"]["newOrder"]["p99"],
           "server_cpu_ms_per_flow": d["server_cpu_ms_per_flow"], "rss_after_warmup_mb": after[0] / 1024,
           "rss_max_mb": max(after) / 1024, "rss_end_mb": after[-1] / 1024, "window_s": d.get("window_s")},
          open(f"{results}/summary.json", "w"), indent=1)
PY
[[ -n $out ]] && echo "JSON line, RSS series and server log: $RESULTS" >&2
exit 0
