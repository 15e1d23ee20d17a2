#!/usr/bin/env bash
# /metrics is valid Prometheus text (issue #17: `promtool check metrics` on a live server's output)
# with every family filled by real traffic: lego gets a certificate with the rate limits on (requests
# by endpoint and status, the validation by method and outcome, transactions timed), an operator
# pauses and unpauses a pair, and the pause figures outlive a restart (they are the database's); once on SQLite, once on PostgreSQL (where the deployment-wide
# gauges and the database round trips appear too). /readyz answers 200 on both.
if [[ -z ${COBBLE_TEST_POSTGRES:-} ]]; then
  exec "$(dirname "$0")/../../scripts/with-postgres" bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || fail "promtool is not installed (scripts/install-deps --with-tests: Debian's prometheus)"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps --with-tests)"
cat >"$WORK/limits.json" <<'JSON'
{"rateLimits": {"NewOrdersPerAccount": {"burst": 50, "count": 50, "periodSeconds": 3600}}}
JSON

check_instance() {  # check_instance NAME [cobble args...]
  local name=$1; shift
  ACME_PORT=$(free_port) MGMT_PORT=$(free_port) DATA_DIR=$WORK/$name COBBLE_LOG=$WORK/$name.log
  PEBBLE_VA_ALWAYS_VALID=1 start_cobble --config "$WORK/limits.json" "$@"
  export LEGO_CA_CERTIFICATES=$CA_CERT
  LEGO_DIR=$WORK/lego-$name lego_run --http --http.port "$(lego_http_port)" --domains "$name.metrics.test" run
  mgmt /pause -X POST -d '{"account": 1, "identifier": "dns:paused.metrics.test"}' >/dev/null || fail "POST /pause"
  mgmt /unpause -X POST -d '{"account": 1}' >/dev/null || fail "POST /unpause"
  mgmt /pause -X POST -d '{"account": 1, "identifier": "dns:still.metrics.test"}' >/dev/null || fail "POST /pause"
  mgmt /metrics >"$WORK/$name.metrics" || fail "GET /metrics ($name)"
  promtool check metrics <"$WORK/$name.metrics" >"$WORK/$name.promtool" 2>&1 || {
    cat "$WORK/$name.promtool"
    fail "promtool check metrics refuses $name's /metrics"
  }
  pass "promtool check metrics accepts $name's /metrics ($(grep -vc '^#' "$WORK/$name.metrics") samples)"
  grep -q '^cobble_rate_limit_decisions_total{limit="NewOrdersPerAccount",decision="allowed"} [1-9]' \
    "$WORK/$name.metrics" || fail "$name: no allowed NewOrdersPerAccount decision counted"
  grep -q '^cobble_pause_unpaused_total [1-9]' "$WORK/$name.metrics" || fail "$name: the unpause is not counted"
  grep -q '^cobble_deployment_paused_pairs 1$' "$WORK/$name.metrics" || fail "$name: paused pairs not counted"
  grep -q '^cobble_deployment_certificates 1$' "$WORK/$name.metrics" || fail "$name: certificates not counted"
  grep -q '^cobble_http_requests_total{listener="acme",endpoint="/acme/new-order",method="POST",status="201"} 1$' \
    "$WORK/$name.metrics" || fail "$name: the new-order request is not counted by endpoint and status"
  grep -q '^cobble_http_request_duration_seconds_bucket{listener="acme",endpoint="/acme/chall/",method="POST",status="200",le="+Inf"} [1-9]' \
    "$WORK/$name.metrics" || fail "$name: no latency histogram for challenge POSTs"
  grep -q '^cobble_validations_total{method="http-01",outcome="valid",problem=""} 1$' "$WORK/$name.metrics" \
    || fail "$name: the validation is not counted by method and outcome"
  grep -q '^cobble_validation_duration_seconds_count{method="http-01",outcome="valid"} 1$' "$WORK/$name.metrics" \
    || fail "$name: the validation is not timed"
  grep -qE "^cobble_database_transaction_duration_seconds_count\{database=\"$name\",outcome=\"commit\"\} [1-9]" \
    "$WORK/$name.metrics" || fail "$name: database transactions are not timed"
  mgmt /readyz >/dev/null || fail "$name: /readyz is not 200"
  stop_cobble
  # The pause figures are the database's: a restarted server still counts the pause and unpause.
  start_cobble --config "$WORK/limits.json" "$@"
  mgmt /metrics >"$WORK/$name-restarted.metrics" || fail "GET /metrics after a restart ($name)"
  grep -q '^cobble_pause_unpaused_total 1$' "$WORK/$name-restarted.metrics" \
    || fail "$name: the unpause was forgotten at the restart: $(grep '^cobble_pause' "$WORK/$name-restarted.metrics")"
  grep -q '^cobble_pause_paused_total 2$' "$WORK/$name-restarted.metrics" \
    || fail "$name: the pauses were forgotten at the restart: $(grep '^cobble_pause' "$WORK/$name-restarted.metrics")"
  stop_cobble
}

check_instance sqlite
pass "SQLite instance"
check_instance postgresql --database postgresql://
grep -q '^cobble_database_round_trips_total [1-9]' "$WORK/postgresql.metrics" || fail "no database round trips counted"
grep -q '^cobble_deployment_validations_leased' "$WORK/postgresql.metrics" && fail "no validation should be leased at the end"
pass "PostgreSQL instance"
