#!/usr/bin/env bash
# Scale-out figures (issue #16): cobble-bench's always-valid flows through HAProxy (TLS ended there)
# in front of 1, 2 and 3 Cobble instances on one PostgreSQL, and in front of one instance on SQLite.
# Every configuration runs `--rounds` times, alternating; the table gives medians of flows/s, p99,
# server CPU per flow (every Cobble, PostgreSQL and HAProxy process, from /proc; then Cobble's and
# PostgreSQL's shares; HAProxy is the rest) and database round trips per flow (the instances'
# cobble_database_round_trips_total). bench/README.md explains them.
#
#   bench/cluster.sh [--rounds N] [--duration S] [--workers N] [--configs LIST] [--out DIR]
#     --configs  comma-separated: sqlite1, pg1, pg2, pg3 (default all four)
#
# PostgreSQL comes from scripts/with-postgres (pg_virtualenv, fsync off: like Cobble's SQLite default,
# synchronous=NORMAL, a commit survives the process dying, not the machine).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=3 duration=15 warmup=2 workers=64 configs=sqlite1,pg1,pg2,pg3 out=""
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --configs) configs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -z ${COBBLE_TEST_POSTGRES:-} ]]; then
  exec "$root/scripts/with-postgres" "$0" --rounds "$rounds" --duration "$duration" --workers "$workers" \
    --configs "$configs" ${out:+--out "$out"}
fi

COBBLE=$root/build/cobble BENCH=$root/build/cobble-bench
for tool in "$COBBLE" "$BENCH"; do [[ -x $tool ]] || { echo "cluster.sh: $tool missing: make build" >&2; exit 1; }; done
for tool in haproxy openssl curl python3; do
  command -v "$tool" >/dev/null || { echo "cluster.sh: $tool not found (scripts/install-deps --with-tests)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/cobble-cluster-bench.XXXXXX)
RESULTS=${out:-$WORK/results}
mkdir -p "$RESULTS"
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
# CPU seconds (user + system) of the given processes so far.
cpu_seconds() {
  python3 - "$@" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
total = 0
for pid in sys.argv[1:]:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    except OSError:
        pass
print(total / tick)
PY
}
round_trips() {  # the sum of every instance's cobble_database_round_trips_total
  local sum=0 n
  for m in "$@"; do
    n=$(curl -sk "https://127.0.0.1:$m/metrics" | awk '$1 == "cobble_database_round_trips_total" {print $2}')
    sum=$((sum + ${n:-0}))
  done
  echo "$sum"
}

# HAProxy's certificate: any will do, cobble-bench is told to trust it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$WORK/proxy-key.pem" -out "$WORK/proxy.pem" 2>/dev/null
cat "$WORK/proxy.pem" "$WORK/proxy-key.pem" >"$WORK/proxy-bundle.pem"
DB="postgresql://${PGUSER}:${PGPASSWORD}@${PGHOST:-localhost}:${PGPORT:-5432}/postgres"

run_config() {  # run_config NAME ROUND
  local name=$1 round=$2 n backend database port mport i proxy_port
  n=${name#sqlite}; n=${n#pg}
  local plain_ports=() mports=() cobble_pids=()
  if [[ $name == pg* ]]; then
    psql -q -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null 2>&1
  fi
  for ((i = 1; i <= n; i++)); do
    port=$(free_port) mport=$(free_port)
    if [[ $name == pg* ]]; then database=$DB; else database=$WORK/$name-$round-$i/cobble.db; fi
    env PEBBLE_VA_ALWAYS_VALID=1 COBBLE_TRUSTED_PROXIES=127.0.0.1 "$COBBLE" --data-dir "$WORK/$name-$round-$i" \
      --database "$database" --listen "127.0.0.1:$(free_port)" --plain-listen "127.0.0.1:$port" \
      --management-listen "127.0.0.1:$mport" --log-level warn >"$RESULTS/$name-$round-$i.log" 2>&1 &
    PIDS+=($!) cobble_pids+=($!) plain_ports+=("127.0.0.1:$port") mports+=("$mport")
    # One at a time: the first publishes the CA, the others take it (they could start together).
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/dir" >/dev/null && break; sleep 0.1; done
  done
  proxy_port=$(free_port)
  "$root/deploy/haproxy/make-config.sh" --bind "127.0.0.1:$proxy_port" --cert "$WORK/proxy-bundle.pem" \
    "${plain_ports[@]}" >"$WORK/haproxy.cfg"
  haproxy -db -f "$WORK/haproxy.cfg" >"$RESULTS/$name-$round-haproxy.log" 2>&1 &
  local haproxy_pid=$!
  PIDS+=("$haproxy_pid")
  for _ in $(seq 100); do curl -sf --cacert "$WORK/proxy.pem" "https://localhost:$proxy_port/dir" >/dev/null && break; sleep 0.1; done
  local pg_pids=() watched
  [[ $name == pg* ]] && mapfile -t pg_pids < <(pgrep -x postgres || true)
  watched=("${cobble_pids[@]}" "$haproxy_pid" "${pg_pids[@]}")
  local cpu0 trips0 cpu1 trips1 line cobble0 cobble1 pg0 pg1
  trips0=$(round_trips "${mports[@]}")
  cpu0=$(cpu_seconds "${watched[@]}")
  cobble0=$(cpu_seconds "${cobble_pids[@]}")
  pg0=$(cpu_seconds "${pg_pids[@]}")
  line=$("$BENCH" --workers "$workers" --duration "$duration" --warmup "$warmup" --ca-file "$WORK/proxy.pem" \
    "https://localhost:$proxy_port/dir")
  [[ $name == pg* ]] && mapfile -t pg_pids < <(pgrep -x postgres || true)  # backends opened meanwhile
  cpu1=$(cpu_seconds "${cobble_pids[@]}" "$haproxy_pid" "${pg_pids[@]}")
  cobble1=$(cpu_seconds "${cobble_pids[@]}")
  pg1=$(cpu_seconds "${pg_pids[@]}")
  trips1=$(round_trips "${mports[@]}")
  python3 - "$line" "$name" "$round" "$cpu0" "$cpu1" "$trips0" "$trips1" "$cobble0" "$cobble1" "$pg0" "$pg1" \
    >>"$RESULTS/cluster.jsonl" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
name, rnd = sys.argv[2], int(sys.argv[3])
cpu = float(sys.argv[5]) - float(sys.argv[4])
trips = int(sys.argv[7]) - int(sys.argv[6])
cobble = float(sys.argv[9]) - float(sys.argv[8])
pg = float(sys.argv[11]) - float(sys.argv[10])  # backends that ended meanwhile are not counted
flows = max(r["flows_total"], 1)
print(json.dumps({"config": name, "round": rnd, "flows_per_s": r["flows_per_s"], "p99_ms": r["flow_ms"]["p99"],
                  "errors": r["error_count"], "cpu_ms_per_flow": 1000 * cpu / flows,
                  "cobble_cpu_ms_per_flow": 1000 * cobble / flows, "postgres_cpu_ms_per_flow": 1000 * pg / flows,
                  "round_trips_per_flow": trips / flows, "flows_total": r["flows_total"]}))
PY
  stop_all
}

IFS=, read -ra config_list <<<"$configs"
for ((round = 1; round <= rounds; round++)); do
  for name in "${config_list[@]}"; do
    echo "cluster.sh: round $round, $name" >&2
    run_config "$name" "$round"
  done
done

python3 - "$RESULTS/cluster.jsonl" "$workers" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
order = []
for r in rows:
    if r["config"] not in order: order.append(r["config"])
label = {"sqlite1": "1 instance, SQLite", "pg1": "1 instance, PostgreSQL", "pg2": "2 instances, PostgreSQL",
         "pg3": "3 instances, PostgreSQL"}
print(f"through HAProxy (TLS ended there), {sys.argv[2]} workers, always-valid flows; medians of {len(rows)//len(order)} rounds")
print(f"{'configuration':26} {'flows/s':>8} {'p99 ms':>8} {'CPU ms/flow':>12} {'cobble':>7} {'postgres':>9} "
      f"{'DB trips/flow':>14} {'errors':>7}")
for name in order:
    rs = [r for r in rows if r["config"] == name]
    med = lambda k: statistics.median(r[k] for r in rs)
    print(f"{label.get(name, name):26} {med('flows_per_s'):8.1f} {med('p99_ms'):8.1f} {med('cpu_ms_per_flow'):12.2f} "
          f"{med('cobble_cpu_ms_per_flow'):7.2f} {med('postgres_cpu_ms_per_flow'):9.2f} "
          f"{med('round_trips_per_flow'):14.1f} {sum(r['errors'] for r in rs):7d}")
PY
