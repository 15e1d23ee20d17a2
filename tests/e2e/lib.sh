# Shared helpers for end-to-end tests: real binaries on free loopback ports, temp data dirs.
# Source it; it sets `set -euo pipefail`, a work dir ($WORK) removed on exit, and cleanup of
# every process started with `start_bg`.
set -euo pipefail
: "${COBBLE_BIN:?COBBLE_BIN must point at the cobble binary}"
: "${COBBLE_SOURCE_DIR:?COBBLE_SOURCE_DIR must point at the source tree}"
WORK=$(mktemp -d /tmp/cobble-e2e.XXXXXX)
BG_PIDS=()

cleanup() {
  local status=$?
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $status -ne 0 && -n "${COBBLE_LOG:-}" && -f "$COBBLE_LOG" ]]; then
    echo "---- cobble log (last 60 lines) ----"; tail -60 "$COBBLE_LOG"
  fi
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# A TCP port nobody listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start_bg() {  # start_bg LOGFILE CMD... ; sets LAST_PID
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  LAST_PID=$!
  BG_PIDS+=("$LAST_PID")
}

# start_cobble [extra args...]: starts cobble with a fresh data dir on free ports and waits until
# its directory answers. Sets ACME_PORT, MGMT_PORT, DATA_DIR, COBBLE_PID, COBBLE_LOG, CA_CERT, DIR_URL.
# A port free_port found may be taken by a test running beside this one before cobble binds it:
# then cobble is started again on two other ports (up to 3 times).
start_cobble() {
  ACME_PORT=${ACME_PORT:-$(free_port)}
  MGMT_PORT=${MGMT_PORT:-$(free_port)}
  DATA_DIR=${DATA_DIR:-$WORK/data}
  COBBLE_LOG=${COBBLE_LOG:-$WORK/cobble.log}
  CA_CERT=$DATA_DIR/https-ca.pem
  local attempt deadline
  for attempt in 1 2 3; do
    start_bg "$COBBLE_LOG" "$COBBLE_BIN" --listen "127.0.0.1:$ACME_PORT" --management-listen "127.0.0.1:$MGMT_PORT" \
      --data-dir "$DATA_DIR" "$@"
    COBBLE_PID=$LAST_PID
    DIR_URL=https://localhost:$ACME_PORT/dir
    deadline=$((SECONDS + 20))
    until curl -sf --cacert "$CA_CERT" -o /dev/null "$DIR_URL" 2>/dev/null; do
      kill -0 "$COBBLE_PID" 2>/dev/null || break
      ((SECONDS < deadline)) || fail "timed out after 20s waiting until cobble answers $DIR_URL"
      sleep 0.1
    done
    kill -0 "$COBBLE_PID" 2>/dev/null && return 0
    grep -q "Address already in use" "$COBBLE_LOG" || break
    echo "note: a port was taken before cobble bound it; starting it on other ports" >&2
    ACME_PORT=$(free_port) MGMT_PORT=$(free_port)
  done
  fail "cobble exited while waiting until it answers $DIR_URL"
}

stop_cobble() {
  kill -TERM "$COBBLE_PID" 2>/dev/null || true
  wait "$COBBLE_PID" 2>/dev/null || true
}

# wait_until SECONDS DESCRIPTION CMD...: polls CMD until it succeeds, with a deadline.
wait_until() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then fail "timed out after ${seconds}s waiting until $what"; fi
    if [[ -n "${COBBLE_PID:-}" ]] && ! kill -0 "$COBBLE_PID" 2>/dev/null; then fail "cobble exited while waiting until $what"; fi
    sleep 0.1
  done
}

# fetch_root: the CA's root from the management API, for `openssl verify`. Sets ROOT_PEM.
fetch_root() {
  ROOT_PEM=$WORK/root.pem
  curl -sf --cacert "$CA_CERT" "https://localhost:$MGMT_PORT/roots/0" -o "$ROOT_PEM" || fail "cannot fetch /roots/0"
}

# verify_chain CERT CHAIN: the leaf verifies against the root through the chain's intermediates.
verify_chain() {
  openssl verify -CAfile "$ROOT_PEM" -untrusted "$2" "$1" >/dev/null || fail "openssl verify failed for $1"
}

# cert_status SERIAL_HEX: Pebble-style status JSON from the management API.
cert_status() {
  curl -sf --cacert "$CA_CERT" "https://localhost:$MGMT_PORT/cert-status-by-serial/$1"
}

serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'; }

# start_challsrv: cobble-challsrv with DNS and management on free ports (http-01 and tls-alpn-01
# off: clients serve their own). Sets DNS_PORT, CHALLSRV_MGMT.
start_challsrv() {
  : "${CHALLSRV_BIN:?CHALLSRV_BIN must point at cobble-challsrv}"
  DNS_PORT=$(free_port)
  CHALLSRV_MGMT=$(free_port)
  start_bg "$WORK/challsrv.log" "$CHALLSRV_BIN" --dns-address "127.0.0.1:$DNS_PORT" --http01-address "" \
    --tlsalpn01-address "" --management-address "127.0.0.1:$CHALLSRV_MGMT" "$@"
  wait_until 10 "cobble-challsrv answers" curl -sf -X POST -d '{"ip":"127.0.0.1"}' "http://127.0.0.1:$CHALLSRV_MGMT/set-default-ipv4"
}

# challsrv ENDPOINT JSON: one management call.
challsrv() { curl -sf -X POST -d "$2" "http://127.0.0.1:$CHALLSRV_MGMT/$1" >/dev/null || fail "challsrv $1 $2"; }

# attempts_for NAME: the validation_attempts rows for NAME as "method|result|problem_type".
attempts_for() {
  sqlite3 "$DATA_DIR/cobble.db" "select method, result, problem_type from validation_attempts where identifier_value = '$1'"
}

# mgmt PATH [curl args...]: one call to the management API; the body on stdout, non-zero status
# on an HTTP error.
mgmt() {
  local path=$1; shift
  curl -sf --cacert "$CA_CERT" -H 'Content-Type: application/json' "$@" "https://localhost:$MGMT_PORT$path"
}

# The clients, against this test's cobble (start_cobble's DIR_URL; the caller exports
# LEGO_CA_CERTIFICATES / REQUESTS_CA_BUNDLE). Output goes to $WORK/lego.out or $WORK/certbot.out.
# lego_try ARGS...: lego with its account in $LEGO_DIR (default $WORK/lego), e-mail $LEGO_EMAIL
# (default admin@example.com); returns lego's status, for runs that must fail.
lego_try() {
  lego --server "$DIR_URL" --email "${LEGO_EMAIL:-admin@example.com}" --accept-tos --path "${LEGO_DIR:-$WORK/lego}" \
    "$@" >"$WORK/lego.out" 2>&1
}
# lego_run ARGS...: the same; the test fails, showing lego's output, unless lego succeeds.
lego_run() { lego_try "$@" || { cat "$WORK/lego.out"; fail "lego $*"; }; }
# lego_http_port: where lego's own http-01 server listens (a free port: Cobble validates on
# the port its configuration names, so validations against this one pass only when always valid).
lego_http_port() { echo "127.0.0.1:$(free_port)"; }

# certbot_run ARGS...: certbot with its state in $CB (default $WORK/certbot); the test fails,
# showing certbot's output, unless it succeeds.
certbot_run() {
  local cb=${CB:-$WORK/certbot}
  certbot "$@" --server "$DIR_URL" --config-dir "$cb/config" --work-dir "$cb/work" --logs-dir "$cb/logs" \
    --non-interactive >"$WORK/certbot.out" 2>&1 || { cat "$WORK/certbot.out"; fail "certbot $1"; }
}
