#!/usr/bin/env bash
# Cobble and Debian's pebble side by side: the same cobble-bench runs against each, alternately
# (cobble, pebble, cobble, pebble, ...) at each worker count, every server fresh on free loopback
# ports, and per mode a table of medians with the ratio cobble/pebble for each worker count.
# bench/README.md explains every figure.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: bench/compare.sh [options]
  --rounds N         rounds per mode (default 3): A B A B A B
  --modes LIST       comma-separated cobble-bench modes (default always,fail,nonce)
  --duration S       seconds per run, warmup included (default 20)
  --warmup S         seconds excluded from the figures (default 2)
  --workers-list L   comma-separated worker counts; every mode runs at each (default 16,64,256)
  --workers N        one worker count: the same as --workers-list N
  --pebble-safe S    both (default), pebble or none: which servers cobble-bench runs against with
                     --pebble-safe (never an authz POST-as-GET and a newOrder in flight together,
                     10 ms before the first order poll); Pebble 2.4.0 stalls at 64 workers without it
  --threads N        cobble-bench --threads (default 1)
  --cobble-key K     Cobble's CA keys: rsa (default: like Pebble 2.4.0) or ecdsa
  --build-dir DIR    where cobble and cobble-bench are (default build)
  --out DIR          keep the JSON lines and server logs here (default: a temp dir, removed)
  --servers LIST     which servers, in this order each round (default cobble,pebble):
                       pebble         Debian's pebble
                       cobble         Cobble, CA keys as --cobble-key, SQLite
                       cobble-ecdsa   Cobble with ECDSA CA keys (what `make run` uses)
                       cobble-pg      Cobble on PostgreSQL 15 (one instance; the script runs itself
                                      under scripts/with-postgres; the schema is emptied each run)
                       cobble-limits  Cobble with all six rate limits on at 10^9 (nothing refused,
                                      every check and spend made) and pausing on (its default)
                     every cobble* gets a ratio column against pebble
USAGE
}

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=3 modes=always,fail,nonce duration=20 warmup=2 workers_list=16,64,256 cobble_key=rsa build=$root/build out=""
servers=cobble,pebble pebble_safe=both threads=1
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --workers | --workers-list) workers_list=$2; shift 2 ;;
    --pebble-safe) pebble_safe=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --cobble-key) cobble_key=$2; shift 2 ;;
    --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

for kind in ${servers//,/ }; do
  case $kind in pebble | cobble | cobble-ecdsa | cobble-pg | cobble-limits) ;;
    *) echo "compare.sh: unknown server '$kind' in --servers" >&2; exit 2 ;; esac
done
if [[ ,$servers, == *,cobble-pg,* && -z ${COBBLE_TEST_POSTGRES:-} ]]; then
  exec "$root/scripts/with-postgres" "$0" --rounds "$rounds" --modes "$modes" --duration "$duration" \
    --warmup "$warmup" --workers-list "$workers_list" --pebble-safe "$pebble_safe" --threads "$threads" \
    --cobble-key "$cobble_key" --build-dir "$build" --servers "$servers" ${out:+--out "$out"}
fi
[[ $workers_list =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "compare.sh: --workers-list takes counts like 16,64,256" >&2; exit 2; }
case $pebble_safe in both | pebble | none) ;; *) echo "compare.sh: --pebble-safe is both, pebble or none" >&2; exit 2 ;; esac

COBBLE=$build/cobble BENCH=$build/cobble-bench
for tool in "$COBBLE" "$BENCH"; do [[ -x $tool ]] || { echo "compare.sh: $tool missing: build it first (ninja -C $build cobble cobble-bench)" >&2; exit 1; }; done
for tool in pebble pebble-challtestsrv openssl curl python3; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found (Debian: apt-get install $tool)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/cobble-compare.XXXXXX)
RESULTS=${out:-$WORK/results}
mkdir -p "$RESULTS"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# One DNS server for both: every name is 127.0.0.1, so http-01 goes to the loopback port each
# server is told (and in mode fail, nothing listens there).
DNS_PORT=$(free_port)
pebble-challtestsrv -dns01 "127.0.0.1:$DNS_PORT" -http01 "" -https01 "" -tlsalpn01 "" \
  -management "127.0.0.1:$(free_port)" -defaultIPv4 127.0.0.1 -defaultIPv6 "" >"$WORK/challtestsrv.log" 2>&1 &
PIDS+=($!)

# Debian's pebble ships no test certificate: a throw-away CA and a certificate for localhost.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=compare.sh CA" \
  -keyout "$WORK/pebble-ca-key.pem" -out "$WORK/pebble-ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$WORK/pebble-key.pem" -out "$WORK/pebble.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$WORK/san.ext"
openssl x509 -req -in "$WORK/pebble.csr" -CA "$WORK/pebble-ca.pem" -CAkey "$WORK/pebble-ca-key.pem" \
  -CAcreateserial -days 2 -extfile "$WORK/san.ext" -out "$WORK/pebble-cert.pem" 2>/dev/null

# Every limit on and checked, none ever refusing: what the bookkeeping costs.
NO_REFUSAL_LIMITS=$(python3 -c 'import json; big = {"burst": 10**9, "count": 10**9, "periodSeconds": 3600}
print(json.dumps({n: big for n in ("NewRegistrationsPerIPAddress", "NewRegistrationsPerIPv6Range",
  "NewOrdersPerAccount", "FailedAuthorizationsPerDomainPerAccount", "CertificatesPerDomain",
  "CertificatesPerFQDNSet")}))')
PG_URL=""
[[ -n ${COBBLE_TEST_POSTGRES:-} ]] && PG_URL="postgresql://${PGUSER}:${PGPASSWORD}@${PGHOST:-localhost}:${PGPORT:-5432}/postgres"

SERVER_PID="" DIR_URL="" CA_FILE=""
# start_server KIND MODE RUN_ID: a fresh server on free ports; sets SERVER_PID, DIR_URL, CA_FILE.
start_server() {
  local kind=$1 mode=$2 id=$3 port mport http_port always=0
  port=$(free_port) mport=$(free_port) http_port=$(free_port)
  [[ $mode == always ]] && always=1
  if [[ $kind == cobble* ]]; then
    local settings=(COBBLE_KEY_ALGORITHM="$cobble_key")
    case $kind in
      cobble-ecdsa) settings=(COBBLE_KEY_ALGORITHM=ecdsa) ;;
      cobble-pg)
        psql -q -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null 2>&1
        settings+=(COBBLE_DATABASE="$PG_URL") ;;
      cobble-limits) settings+=(COBBLE_RATE_LIMITS="$NO_REFUSAL_LIMITS" COBBLE_PAUSE_ENABLED=true) ;;
    esac
    env PEBBLE_VA_ALWAYS_VALID=$always "${settings[@]}" \
      "$COBBLE" --listen "127.0.0.1:$port" --management-listen "127.0.0.1:$mport" --data-dir "$WORK/$id" \
      --http-port "$http_port" --dns-server "127.0.0.1:$DNS_PORT" --log-level warn >"$RESULTS/$id.log" 2>&1 &
    CA_FILE=$WORK/$id/https-ca.pem
  else
    cat >"$WORK/$id.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$port", "managementListenAddress": "127.0.0.1:$mport",
  "certificate": "$WORK/pebble-cert.pem", "privateKey": "$WORK/pebble-key.pem",
  "httpPort": $http_port, "tlsPort": $(free_port), "ocspResponderURL": "",
  "externalAccountBindingRequired": false}}
JSON
    env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 PEBBLE_VA_ALWAYS_VALID=$always \
      pebble -config "$WORK/$id.json" -dnsserver "127.0.0.1:$DNS_PORT" >"$RESULTS/$id.log" 2>&1 &
    CA_FILE=$WORK/pebble-ca.pem
  fi
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  DIR_URL=https://127.0.0.1:$port/dir
  local deadline=$((SECONDS + 30))
  until [[ -f $CA_FILE ]] && curl -sf --cacert "$CA_FILE" -o /dev/null "$DIR_URL"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "compare.sh: $kind exited; log: $RESULTS/$id.log" >&2; tail -5 "$RESULTS/$id.log" >&2; exit 1; }
    ((SECONDS < deadline)) || { echo "compare.sh: $kind did not answer $DIR_URL in 30 s" >&2; exit 1; }
    sleep 0.1
  done
}

# CPU seconds of every postgres process (its children that ended included), for cobble-pg's
# database share.
postgres_cpu_s() {
  python3 - $(pgrep -x postgres) <<'PY'
import os, sys
total = 0
for pid in sys.argv[1:]:
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        total += sum(int(x) for x in f[11:15])
    except OSError:
        pass
print(total / os.sysconf("SC_CLK_TCK"))
PY
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}

IFS=, read -ra mode_list <<<"$modes"
IFS=, read -ra server_list <<<"$servers"
IFS=, read -ra worker_counts <<<"$workers_list"
echo "compare.sh: modes ${modes} at ${workers_list} workers, ${rounds} rounds, ${duration} s each (warmup ${warmup} s), --pebble-safe on ${pebble_safe}, ${threads} bench thread(s), Cobble CA keys ${cobble_key}; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for mode in "${mode_list[@]}"; do
  for n in "${worker_counts[@]}"; do
    for round in $(seq "$rounds"); do
      for kind in "${server_list[@]}"; do
        id=$mode-w$n-$kind-$round
        gate=()
        [[ $pebble_safe == both || ($pebble_safe == pebble && $kind == pebble) ]] && gate=(--pebble-safe)
        start_server "$kind" "$mode" "$id"
        echo "  $id: $n workers${gate:+ (--pebble-safe)} against $DIR_URL (pid $SERVER_PID)" >&2
        db_cpu0=""
        [[ $kind == cobble-pg ]] && db_cpu0=$(postgres_cpu_s)
        # A bench that cannot run still leaves a line, so the table shows the gap.
        if ! "$BENCH" "$DIR_URL" --ca-file "$CA_FILE" --mode "$mode" --workers "$n" --threads "$threads" \
          "${gate[@]}" --duration "$duration" --warmup "$warmup" --server-pid "$SERVER_PID" --timeout 10 \
          --stall-seconds 5 >"$RESULTS/$id.json" 2>"$RESULTS/$id.err"; then
          echo "    cobble-bench failed: $(cat "$RESULTS/$id.err")" >&2
        fi
        [[ -n $db_cpu0 ]] && echo "{\"database_cpu_s\": $(python3 -c "print($(postgres_cpu_s) - $db_cpu0)"), \"run_s\": $duration}" >"$RESULTS/$id.db.json"
        stop_server
      done
    done
  done
done

python3 "$root/bench/compare_table.py" "$RESULTS" "$modes" "$servers" "$workers_list" "$pebble_safe" "$threads"
[[ -n $out ]] && echo "JSON lines and server logs: $RESULTS" >&2
exit 0
