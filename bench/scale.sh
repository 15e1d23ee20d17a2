#!/usr/bin/env bash
# Scale figures: Cobble with a large database. For each size, cobble-populate fills a fresh data
# dir through storage::Store (N accounts, their orders, M validation attempts), Cobble starts on it
# (free loopback ports, alwaysValid), and we record start-up time, RSS, and newOrder / authz
# latency from one cobble-bench run; then a table with growth ratios against the first size.
# bench/README.md ("Scale") explains every column.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: bench/scale.sh [options]
  --sizes LIST       accounts:attempts pairs, in order; ratios are against the first
                     (default 10000:100000,100000:1000000; repeat the first at the end to see drift)
  --max              also 1000000:10000000 (the populate alone takes minutes and ~3 GB of disk)
  --duration S       cobble-bench seconds per size, warmup included (default 15)
  --workers N        cobble-bench workers (default 16)
  --build-dir DIR    where cobble, cobble-bench and cobble-populate are (default build)
  --out DIR          keep JSON lines, populate output and server logs here (default: a temp dir, removed)
  --keep-data        keep the data dirs (under --out, or the temp dir's path is printed)
USAGE
}

root=$(cd "$(dirname "$0")/.." && pwd)
sizes=10000:100000,100000:1000000 duration=15 workers=16 build=$root/build out="" keep=0
while (($#)); do
  case $1 in
    --sizes) sizes=$2; shift 2 ;;
    --max) sizes+=,1000000:10000000; shift ;;
    --duration) duration=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep-data) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "scale.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

COBBLE=$build/cobble BENCH=$build/cobble-bench POPULATE=$build/cobble-populate
for tool in "$COBBLE" "$BENCH" "$POPULATE"; do
  [[ -x $tool ]] || { echo "scale.sh: $tool missing: build it first (ninja -C $build cobble cobble-bench cobble-populate)" >&2; exit 1; }
done
for tool in curl python3; do command -v "$tool" >/dev/null || { echo "scale.sh: $tool not found" >&2; exit 1; }; done

WORK=$(mktemp -d /tmp/cobble-scale.XXXXXX)
RESULTS=${out:-$WORK/results}
mkdir -p "$RESULTS"
SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if ((keep)); then echo "scale.sh: data dirs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

PORT="" MPORT=""
# start_cobble DATA_DIR LOG: Cobble on fresh free ports; returns once /healthz answers and sets
# SERVER_PID and STARTUP_MS (exec to the first /healthz answer, polled every 10 ms).
start_cobble() {
  local dir=$1 log=$2 t0 http_port
  PORT=$(free_port) MPORT=$(free_port) http_port=$(free_port)
  t0=$(now_ms)
  PEBBLE_VA_ALWAYS_VALID=1 COBBLE_KEY_ALGORITHM=ecdsa \
    "$COBBLE" --listen "127.0.0.1:$PORT" --management-listen "127.0.0.1:$MPORT" --data-dir "$dir" \
    --http-port "$http_port" --log-level warn >"$log" 2>&1 &
  SERVER_PID=$!
  until curl -skf -o /dev/null "https://127.0.0.1:$MPORT/healthz"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "scale.sh: cobble exited; log: $log" >&2; tail -5 "$log" >&2; exit 1; }
    (($(now_ms) - t0 < 600000)) || { echo "scale.sh: cobble did not answer /healthz in 600 s" >&2; exit 1; }
    sleep 0.01
  done
  STARTUP_MS=$(($(now_ms) - t0))
}

stop_cobble() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

echo "scale.sh: sizes ${sizes}; cobble-bench --mode always --workers $workers --duration $duration; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
IFS=, read -ra size_list <<<"$sizes"
for i in "${!size_list[@]}"; do
  size=${size_list[$i]}
  accounts=${size%%:*} attempts=${size##*:} id=scale-$i-$accounts
  dir=$WORK/$id
  # A first start on the empty dir makes the CA keys and HTTPS certificate, so the measured start
  # below is the database's cost, not key generation.
  start_cobble "$dir" "$RESULTS/$id.prime.log"
  stop_cobble
  echo "  $id: populating $accounts accounts, $attempts attempts" >&2
  t0=$(now_ms)
  "$POPULATE" --db "$dir/cobble.db" --accounts "$accounts" --attempts "$attempts" 2>"$RESULTS/$id.populate.err" \
    | tee "$RESULTS/$id.populate.txt" >&2
  populate_s=$(python3 -c "print(round(($(now_ms) - $t0) / 1000, 1))")
  db_mb=$(($(du -k "$dir/cobble.db" | cut -f1) / 1024))
  start_cobble "$dir" "$RESULTS/$id.log"
  startup_ms=$STARTUP_MS rss_start=$(rss_kb "$SERVER_PID")
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "  $id: up in $startup_ms ms, RSS $((rss_start / 1024)) MB; cobble-bench for $duration s (load average $load)" >&2
  if ! "$BENCH" "https://127.0.0.1:$PORT/dir" --ca-file "$dir/https-ca.pem" --mode always --workers "$workers" \
    --duration "$duration" --server-pid "$SERVER_PID" --timeout 10 --stall-seconds 5 \
    >"$RESULTS/$id.json" 2>"$RESULTS/$id.err"; then
    echo "    cobble-bench failed: $(cat "$RESULTS/$id.err")" >&2
  fi
  rss_end=$(rss_kb "$SERVER_PID")
  stop_cobble
  printf '{"accounts": %s, "attempts": %s, "populate_s": %s, "db_mb": %s, "startup_ms": %s, "rss_start_kb": %s, "rss_end_kb": %s, "load": %s}\n' \
    "$accounts" "$attempts" "$populate_s" "$db_mb" "$startup_ms" "$rss_start" "$rss_end" "$load" >"$RESULTS/$id.meta.json"
  ((keep)) || rm -rf "$dir"
done

python3 - "$RESULTS" "$sizes" <<'PY'
import json, sys, os
results, sizes = sys.argv[1], sys.argv[2].split(",")
rows = []
for i, size in enumerate(sizes):
    accounts = size.split(":")[0]
    meta = json.load(open(os.path.join(results, f"scale-{i}-{accounts}.meta.json")))
    try:
        bench = json.load(open(os.path.join(results, f"scale-{i}-{accounts}.json")))
    except (OSError, ValueError):
        bench = {}
    req = bench.get("requests_ms", {})
    meta.update({
        "newOrder_p50": req.get("newOrder", {}).get("p50"), "newOrder_p99": req.get("newOrder", {}).get("p99"),
        "authz_p50": req.get("authz", {}).get("p50"), "authz_p99": req.get("authz", {}).get("p99"),
        "flows_per_s": bench.get("flows_per_s"), "errors": bench.get("errors", {}),
    })
    rows.append(meta)
cols = [("accounts", "accounts"), ("attempts", "attempts"), ("db_mb", "DB MB"), ("populate_s", "populate s"),
        ("startup_ms", "start-up ms"), ("rss_start_kb", "RSS start MB"), ("rss_end_kb", "RSS after MB"),
        ("newOrder_p50", "newOrder p50"), ("newOrder_p99", "newOrder p99"), ("authz_p50", "authz p50"),
        ("authz_p99", "authz p99"), ("flows_per_s", "flows/s"), ("load", "load")]
def fmt(key, v):
    if v is None: return "-"
    if key.endswith("_kb"): return f"{v / 1024:.1f}"
    if isinstance(v, float): return f"{v:.2f}"
    return str(v)
base = rows[0] if rows else {}
def ratio(key, row):
    a, b = base.get(key), row.get(key)
    return "" if not a or b is None or key in ("accounts", "attempts", "load") else f" (×{b / a:.2f})"
print("| " + " | ".join(c[1] for c in cols) + " |")
print("|" + "---|" * len(cols))
for row in rows:
    print("| " + " | ".join(fmt(k, row.get(k)) + (ratio(k, row) if row is not base else "") for k, _ in cols) + " |")
for row in rows:
    if row["errors"]: print(f"errors at {row['accounts']} accounts: {row['errors']}")
json.dump(rows, open(os.path.join(results, "summary.json"), "w"), indent=1)
PY
[[ -n $out ]] && echo "JSON lines, populate output and server logs: $RESULTS" >&2
exit 0
