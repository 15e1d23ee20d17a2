#!/usr/bin/env bash
# `make bench`: every benchmark of the performance targets, then one table of the targets with the
# figure each run gave and whether it is met (bench/targets.py). Loopback only; stops by itself.
#   compare always: cobble (RSA CA, like Pebble), cobble-ecdsa, cobble-pg, pebble at 16, 64, 256 workers
#   compare fail:   cobble, cobble-limits (rate limits and pausing on), cobble-pg, pebble
#   compare nonce:  cobble, pebble with two bench threads
#   soak:           256 workers for --soak seconds
#   scale:          newOrder latency at 10 k and at 1 M accounts
# bench/README.md ("make bench") explains the table and has the figures of the last full run.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: bench/all.sh [options]
  --rounds N       compare.sh rounds per mode (default 3)
  --duration S     compare.sh seconds per run (default 20)
  --pebble-safe S  compare.sh --pebble-safe: pebble (default: the gate Pebble 2.4.0 needs at 64 workers
                   on Pebble only, Cobble at its own pace) or both (the same pacing for both)
  --soak S         soak.sh seconds (default 600)
  --scale SIZES    scale.sh --sizes (default 10000:100000,1000000:10000000; the 1 M row needs ~3.7 GB
                   of disk while it runs and ~4 minutes to populate)
  --quick          a look in ~8 minutes: --rounds 1 --duration 8 --soak 60 --scale 10000:100000,100000:1000000
  --only LIST      some of compare-always,compare-fail,compare-nonce,soak,scale (default all of them)
  --build-dir DIR  where the binaries are (default build)
  --out DIR        keep every result here (default: a directory under /tmp, printed at the end)
USAGE
}

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=3 duration=20 pebble_safe=pebble soak=600 scale=10000:100000,1000000:10000000 build=$root/build out=""
only=compare-always,compare-fail,compare-nonce,soak,scale
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --pebble-safe) pebble_safe=$2; shift 2 ;;
    --soak) soak=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --quick) rounds=1 duration=8 soak=60 scale=10000:100000,100000:1000000; shift ;;
    --only) only=$2; shift 2 ;;
    --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "all.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
out=${out:-$(mktemp -d /tmp/cobble-bench.XXXXXX)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
wanted() { [[ ,$only, == *,$1,* ]]; }

compare=("$root/bench/compare.sh" --build-dir "$build" --rounds "$rounds" --duration "$duration"
  --pebble-safe "$pebble_safe")
failed=()
# part NAME COMMAND...: runs one part when wanted, its output also in OUT/NAME.txt; a part that fails
# is reported and the others still run (targets.py marks what it lacks "not run").
part() {
  local name=$1
  shift
  wanted "$name" || return 0
  if ! "$@" | tee "$out/$name.txt"; then
    echo "all.sh: $name failed (its output: $out/$name.txt)" >&2
    failed+=("$name")
  fi
}
started=$SECONDS
part compare-always "${compare[@]}" --modes always --servers cobble,cobble-ecdsa,cobble-pg,pebble --out "$out/always"
part compare-fail "${compare[@]}" --modes fail --servers cobble,cobble-limits,cobble-pg,pebble --out "$out/fail"
part compare-nonce "${compare[@]}" --modes nonce --servers cobble,pebble --threads 2 --out "$out/nonce"
part soak "$root/bench/soak.sh" --build-dir "$build" --duration "$soak" --warmup $((soak < 150 ? soak / 5 : 30)) \
  --out "$out/soak"
part scale "$root/bench/scale.sh" --build-dir "$build" --sizes "$scale" --out "$out/scale"
echo "all.sh: benchmarks took $(((SECONDS - started) / 60)) min" >&2
python3 "$root/bench/targets.py" "$out" "$pebble_safe" | tee "$out/targets.txt"
echo "all.sh: every table, JSON line and server log is in $out" >&2
((${#failed[@]} == 0)) || { echo "all.sh: failed parts: ${failed[*]}" >&2; exit 1; }
