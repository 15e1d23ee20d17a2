#!/usr/bin/env bash
# cobble-pause-table as an operator runs it: with no arguments it still prints Let's Encrypt's
# published tables; on a traffic CSV it simulates the pairs under several bursts, prints when each
# is paused and what pausing avoided, and writes an SVG plot that is well-formed XML; a bad CSV is
# refused with the file and line, and a non-zero exit status.
source "$(dirname "$0")/lib.sh"
PAUSE_TABLE_BIN=${PAUSE_TABLE_BIN:-$(dirname "$COBBLE_BIN")/cobble-pause-table}
[[ -x $PAUSE_TABLE_BIN ]] || fail "no cobble-pause-table at $PAUSE_TABLE_BIN"

# contains TEXT WANTED: fails unless TEXT holds the line fragment WANTED.
contains() { grep -qF -- "$2" <<<"$1" || fail "output lacks '$2':"$'\n'"$1"; }

tables=$("$PAUSE_TABLE_BIN") || fail "no-argument run exited with $?"
for row in "burst 3600, refill 1 per 24h" \
  "           2            3600.00                 7200" \
  "          40              92.31                 3693" \
  "         120              30.25                 3631" \
  "burst 1152, refill 1 per 24h" \
  "           2            1152.00                 2304" \
  "         120               9.68                 1162"; do
  contains "$tables" "$row"
done
pass "no arguments: the published tables for burst 3600 and 1152"

cat >"$WORK/traffic.csv" <<'EOF'
# a zombie fleet, a cron job, a client that sometimes succeeds, and a person who clicks the link
account,identifier,failures_per_day,successes_per_day,start_day,unpause_after_days
fleet,old.example.com,120,,,
fleet,www.old.example.com,120,,,
cron,expired.example.net,288,,,
flaky,shop.example.com,40,0.5,,
person,blog.example.com,120,,2,1
EOF
report=$("$PAUSE_TABLE_BIN" --traffic "$WORK/traffic.csv" --days 60 --burst 3600,1152 --svg "$WORK/plot.svg") ||
  fail "simulation exited with $?"
# Under 1152 a pair failing 120 times a day is paused by its 1,162nd failure on day 9.68 (as the
# table says) and avoids the other 60 × 120 − 1,162; the cron job's 288 a day is paused on day 4.01.
contains "$report" "burst 1152, refill 1 per 24h, grace 14d: 60 days, 5 pairs"
contains "$report" "fleet    old.example.com               120              0           9.68          1162    1162     6038"
contains "$report" "cron     expired.example.net           288              0           4.01          1157    1157    16123"
contains "$report" "flaky    shop.example.com               40            0.5              -             -    2400        0"
# The person's pair (from day 2, a click a day after each pause): under 1152 paused on day 11.68,
# re-paused each time the 14-day grace ends (days 26.68, 41.68, 56.68), a day each; under 3600 once.
contains "$report" "person   blog.example.com              120              0          11.68          1162    6484      476          3         4.00"
contains "$report" "person   blog.example.com              120              0          32.25          3631    6722      238          1         2.00"
contains "$report" "Compared:"
grep -E "^burst 3600, refill 1 per 24h, grace 14d +4/5 +12\.54 +19997 +21043 " <<<"$report" >/dev/null ||
  fail "no comparison row for burst 3600:"$'\n'"$report"
pass "traffic CSV: pauses, avoided validations and the comparison"

python3 - "$WORK/plot.svg" <<'EOF' || fail "the SVG is not what it should be"
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
lines = root.findall(f".//{ns}polyline")
assert len(lines) == 3, f"{len(lines)} polylines: the clients' attempts and one per burst"
texts = " ".join(t.text or "" for t in root.iter(ns + "text"))
for wanted in ("burst 3600, refill 1 per 24h", "burst 1152, refill 1 per 24h", "without pausing", "day",
               "failed validations (cumulative)", "traffic.csv"):
    assert wanted in texts, f"no text '{wanted}' in the plot"
EOF
pass "SVG: well-formed XML with a line per policy, axes and a legend"

printf 'account,identifier,failures_per_day\nfleet,old.example.com,120\nfleet,new.example.com,many\n' >"$WORK/bad.csv"
status=0
"$PAUSE_TABLE_BIN" --traffic "$WORK/bad.csv" >"$WORK/bad.out" 2>"$WORK/bad.err" || status=$?
[[ $status -eq 2 ]] || fail "a bad CSV exited with $status, not 2"
grep -qF "$WORK/bad.csv:3: failures_per_day 'many' is not a number" "$WORK/bad.err" ||
  fail "the error does not name the line: $(cat "$WORK/bad.err")"
[[ ! -s $WORK/bad.out ]] || fail "a refused CSV still printed a report"
status=0
"$PAUSE_TABLE_BIN" --traffic "$WORK/missing.csv" 2>"$WORK/missing.err" || status=$?
[[ $status -eq 2 ]] || fail "a missing file exited with $status, not 2"
grep -qF "missing.csv: no such file" "$WORK/missing.err" || fail "a missing file: $(cat "$WORK/missing.err")"
pass "a bad CSV and a missing file are refused with exit status 2 and the reason"

flags=$("$PAUSE_TABLE_BIN" --failures-per-day 120 --pairs 3 --days 28 --burst 1152 --summary) ||
  fail "the flags' mix exited with $?"
contains "$flags" "3 pairs, 3 paused (first on day 9.68), 0 re-pauses; failed validations: 3486 ran, 6594 avoided"
"$PAUSE_TABLE_BIN" --help | grep -qF "account,identifier,failures_per_day" || fail "--help does not show the CSV header"
pass "--failures-per-day --pairs and --help"
