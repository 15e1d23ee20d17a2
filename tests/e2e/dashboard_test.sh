#!/usr/bin/env bash
# The operator dashboard (issue #17) after real traffic, under the fake clock spread over a few
# hours: lego gets certificates and fails validations, a zombie pair is paused by its failures and
# unpaused by an operator, another pair is paused by the operator, a rate limit refuses an order.
# The JSON API has the figures once the recorder has flushed; then chromium (playwright-core) opens
# /dashboard on a desktop and on a phone and checks the plots, the tables, the window switch, the
# layout, the screenshots' pixels, and that nothing breaks the CSP or logs an error. A second server
# with managementToken shows the token form. DASHBOARD_SCREENSHOT_DIR keeps the screenshots
# (docs/dashboard.png is the desktop one).
source "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || fail "chromium is not installed (scripts/install-deps --with-tests)"
[[ -d "$COBBLE_SOURCE_DIR/tests/e2e/portal/node_modules/playwright-core" ]] \
  || fail "playwright-core is missing: npm ci in tests/e2e/portal (scripts/install-deps --with-tests)"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps --with-tests)"

start_challsrv
HTTP_PORT=$(free_port)
COBBLE_PAUSE_BURST=2 COBBLE_PAUSE_REFILL_PERIOD_HOURS=8760 \
  start_cobble --fake-clock --http-port "$HTTP_PORT" --dns-server "127.0.0.1:$DNS_PORT"
export LEGO_CA_CERTIFICATES=$CA_CERT
advance_minutes() { mgmt /clock -X POST -d "{\"advance\": $(($1 * 60))}" >/dev/null || fail "POST /clock"; }
# lego_ok NAME: a certificate (lego serves http-01 where Cobble looks). lego_fails NAME: a failed
# validation (lego listens elsewhere).
lego_ok() { lego_run --domains "$1" --http --http.port "127.0.0.1:$HTTP_PORT" run; }
lego_fails() { lego_try --domains "$1" --http --http.port "$(lego_http_port)" run && fail "$1 validated"; true; }
series() { mgmt "/dashboard/api/series?window=${1:-24h}"; }
total() { series | jq -r ".totals[\"$1\"] // 0"; }
# wait_for_flush NAME AT_LEAST: until the recorder (every 10 s) has written NAME's count.
recorded() { (($(total "$1") >= $2)); }
wait_for_flush() { wait_until 30 "the recorder writes $1 ≥ $2" recorded "$1" "$2"; }

for round in 1 2 3 4; do
  advance_minutes 35
  lego_ok "ok$round.dashboard.test"
  lego_fails "flaky$round.dashboard.test"
  ((round > 1)) && lego_fails zombie.dashboard.test
done
[[ $(mgmt "/paused?account=1" | jq -r '.paused | join(",")') == zombie.dashboard.test ]] \
  || fail "zombie.dashboard.test is not paused after 3 failures with burst 2"
wait_for_flush paused 1
pass "lego traffic over 2 h 20 min of fake time; the zombie pair is paused and the pause recorded"

advance_minutes 40
mgmt /unpause -X POST -d '{"account": 1}' >/dev/null || fail "POST /unpause"
lego_ok ok5.dashboard.test
wait_for_flush unpaused 1
advance_minutes 40
[[ $(mgmt /pause -X POST -d '{"account": 1, "identifier": "dns:ops.dashboard.test"}' | jq -r .result) == paused ]] \
  || fail "POST /pause"
mgmt /rate-limits/override -X POST \
  -d '{"key": "NewOrdersPerAccount:1", "burst": 1, "count": 1, "periodSeconds": 3600}' >/dev/null \
  || fail "POST /rate-limits/override"
lego_ok ok6.dashboard.test
lego_try --domains ok7.dashboard.test --http --http.port "127.0.0.1:$HTTP_PORT" run && fail "the rate limit let an order through"
grep -q "urn:ietf:params:acme:error:rateLimited" "$WORK/lego.out" || { cat "$WORK/lego.out"; fail "lego: no rateLimited"; }
wait_for_flush rate_limit_denied 1
wait_for_flush paused 2
pass "an operator unpauses and pauses; a rate limit refuses an order; the recorder has it all"

day=$(series 24h) || fail "GET /dashboard/api/series"
check_sum() {  # check_sum SERIES AT_LEAST
  local n
  n=$(jq -r ".series[\"$1\"].sum" <<<"$day")
  ((n >= $2)) || fail "$1: $n in the 24 h window, expected at least $2"
}
check_sum validations_valid 6
check_sum validations_invalid 7
check_sum paused 2
check_sum unpaused 1
check_sum rate_limit_denied 1
check_sum "rate_limit_denied:NewOrdersPerAccount" 1
[[ $(jq -r '.series.paused_pairs.latest' <<<"$day") == 1 ]] || fail "paused_pairs: $(jq -c .series.paused_pairs.latest <<<"$day")"
[[ $(jq -r '.series.validations_invalid.values | map(select(. > 0)) | length' <<<"$day") -ge 4 ]] \
  || fail "the failures are not spread over the minutes they happened in"
[[ $(jq -r '.buckets' <<<"$day") == 1441 && $(jq -r '.series.paused.values | length' <<<"$day") == 1441 ]] \
  || fail "the 24 h window is not 1,441 minutes"
month=$(series 30d) || fail "GET /dashboard/api/series?window=30d"
[[ $(jq -r '.series.validations_invalid.sum' <<<"$month") -ge 7 && $(jq -r '.buckets' <<<"$month") == 721 ]] \
  || fail "the 30 d window: $(jq -c '{buckets, invalid: .series.validations_invalid.sum}' <<<"$month")"
pairs=$(mgmt /dashboard/api/pairs) || fail "GET /dashboard/api/pairs"
jq -e '.pairs | any(.account == 1 and .identifier == "dns:flaky1.dashboard.test" and .failuresLeft == 1 and .burst == 2)' \
  <<<"$pairs" >/dev/null || fail "pairs: $pairs"
jq -e '.pairs | all(.identifier != "dns:ops.dashboard.test")' <<<"$pairs" >/dev/null || fail "a paused pair is listed: $pairs"
accounts=$(mgmt /dashboard/api/accounts) || fail "GET /dashboard/api/accounts"
jq -e '.accounts[0].account == 1 and .accounts[0].failedValidations >= 7' <<<"$accounts" >/dev/null || fail "accounts: $accounts"
[[ $(curl -s --cacert "$CA_CERT" -o /dev/null -w '%{http_code}' "https://localhost:$MGMT_PORT/dashboard/api/series?window=1y") == 400 ]] \
  || fail "a bad window is not 400"
pass "the JSON API: validations, pauses, unpauses, denials and the gauge per minute and hour; the pairs and accounts tables"

headers=$(curl -sf --cacert "$CA_CERT" -D - -o "$WORK/page.html" "https://localhost:$MGMT_PORT/dashboard") || fail "GET /dashboard"
grep -qi "^content-security-policy: default-src 'none'; script-src 'self'; style-src 'self'" <<<"$headers" \
  || fail "no strict CSP: $headers"
grep -qi "^x-content-type-options: nosniff" <<<"$headers" || fail "no nosniff"
grep -q "<script src=\"/dashboard/app.js\"" "$WORK/page.html" || fail "the page does not load its script"
shots=${DASHBOARD_SCREENSHOT_DIR:-$WORK/shots}
mkdir -p "$shots"
DASHBOARD_URL=https://localhost:$MGMT_PORT/dashboard EXPECT_PAIR=dns:flaky1.dashboard.test EXPECT_ACCOUNT=1 \
  SCREENSHOT_DIR=$shots node "$COBBLE_SOURCE_DIR/tests/e2e/portal/dashboard.mjs" || fail "the dashboard in chromium"
for view in desktop phone; do
  png=$shots/dashboard-$view.png
  [[ -f $png && $(head -c 8 "$png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "$png is not a PNG"
  size=$(stat -c %s "$png")
  ((size > 40000 && size < 5000000)) || fail "$png is $size bytes"
done
pass "chromium draws the plots and tables on a desktop and a phone (screenshots checked, pixels counted)"

# A server that wants the management token: the page is public, its figures are not.
stop_cobble
ACME_PORT=$(free_port) MGMT_PORT=$(free_port) DATA_DIR=$WORK/token-data COBBLE_LOG=$WORK/token.log
COBBLE_MANAGEMENT_TOKEN=dashboard-s3cret start_cobble
[[ $(curl -s --cacert "$CA_CERT" -o /dev/null -w '%{http_code}' "https://localhost:$MGMT_PORT/dashboard/api/pairs") == 401 ]] \
  || fail "the figures answer without the token"
DASHBOARD_URL=https://localhost:$MGMT_PORT/dashboard TOKEN=dashboard-s3cret \
  node "$COBBLE_SOURCE_DIR/tests/e2e/portal/dashboard.mjs" || fail "the token form in chromium"
pass "with managementToken, the page asks for the token, keeps it in the tab and draws the figures"
