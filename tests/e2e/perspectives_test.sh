#!/usr/bin/env bash
# Multi-perspective validation as a client author watches it: a primary and three named remotes
# (dadaist ARIN, surrealist RIPE, cubist APNIC) connect from 127.0.0.1 to .4, http-01 served by
# cobble-challsrv. With every answer right the order is issued and GET /validations shows four
# passing perspectives; after challsrv's /set-source-mismatch makes surrealist see a wrong key
# authorization, the challenge fails "During secondary validation" naming it, and /validations
# keeps each perspective's result. With quorum 2 of 3 the same mismatch is outvoted.
source "$(dirname "$0")/lib.sh"
HTTP_PORT=$(free_port) DNS_PORT=$(free_port) CHALLSRV_MGMT=$(free_port)
start_bg "$WORK/challsrv.log" "$CHALLSRV_BIN" --dns-address "127.0.0.1:$DNS_PORT" \
  --http01-address "127.0.0.1:$HTTP_PORT" --tlsalpn01-address "" --management-address "127.0.0.1:$CHALLSRV_MGMT"
wait_until 10 "cobble-challsrv answers" curl -sf -X POST -d '{"ip":"127.0.0.1"}' "http://127.0.0.1:$CHALLSRV_MGMT/set-default-ipv4"

# write_config QUORUM: the perspectives as an operator writes them.
write_config() {
  cat >"$WORK/perspectives.json" <<JSON
{
  "vaRemotePerspectives": [
    {"name": "dadaist", "rir": "ARIN", "sourceAddress": "127.0.0.2"},
    {"name": "surrealist", "rir": "RIPE", "sourceAddress": "127.0.0.3"},
    {"name": "cubist", "rir": "APNIC", "sourceAddress": "127.0.0.4"}
  ],
  "vaRemoteQuorum": $1
}
JSON
}
write_config 3
start_cobble --config "$WORK/perspectives.json" --http-port "$HTTP_PORT" --dns-server "127.0.0.1:$DNS_PORT"
fetch_root
client() {  # client OUT DOMAIN
  /usr/bin/python3 "$COBBLE_SOURCE_DIR/tests/e2e/acme_mini_client.py" "$DIR_URL" "$CA_CERT" \
    "http://127.0.0.1:$CHALLSRV_MGMT" http-01 "$@" 2>"$WORK/client.err"
}
# perspectives ACCOUNT NAME: "name:rir:status" of each perspective of NAME's latest validation.
perspectives() {
  mgmt "/validations?account=$1&identifier=dns:$2&limit=1" \
    | jq -r '.validations[0].perspectives[] | "\(.name):\(.rir // ""):\(.status)"' | paste -sd' '
}

client "$WORK/agree.pem" agree.example.com || { cat "$WORK/client.err"; fail "all perspectives agreeing"; }
verify_chain "$WORK/agree.pem" "$WORK/agree.pem"
seen=$(perspectives 1 agree.example.com)
[[ $seen == "primary::valid dadaist:ARIN:valid surrealist:RIPE:valid cubist:APNIC:valid" ]] || fail "perspectives: $seen"
pass "four perspectives fetched and agreed: $seen"

challsrv set-source-mismatch '{"source":"127.0.0.3"}'
client "$WORK/mismatch.pem" mismatch.example.com && fail "issued although surrealist saw a wrong answer"
grep -q 'During secondary validation: .*(1 of 3 remote perspectives did not corroborate: surrealist (RIPE); 3 must)' \
  "$WORK/client.err" || { cat "$WORK/client.err"; fail "the client's problem does not name the perspective"; }
seen=$(perspectives 2 mismatch.example.com)
[[ $seen == "primary::valid dadaist:ARIN:valid surrealist:RIPE:invalid cubist:APNIC:valid" ]] || fail "perspectives: $seen"
detail=$(mgmt "/validations?account=2&identifier=dns:mismatch.example.com" | jq -r '.validations[0].perspectives[2].problem.detail')
[[ $detail == *"did not match this challenge"*".seen-differe"* ]] || fail "surrealist's own problem not kept: $detail"
pass "surrealist (RIPE) answered wrongly: the client sees who did not corroborate; /validations keeps each result"

stop_cobble
write_config 2
start_cobble --config "$WORK/perspectives.json" --http-port "$HTTP_PORT" --dns-server "127.0.0.1:$DNS_PORT"
client "$WORK/outvoted.pem" outvoted.example.com || { cat "$WORK/client.err"; fail "quorum 2 of 3"; }
seen=$(perspectives 3 outvoted.example.com)
[[ $seen == "primary::valid dadaist:ARIN:valid surrealist:RIPE:invalid cubist:APNIC:valid" ]] || fail "perspectives: $seen"
pass "quorum 2 of 3: dadaist (ARIN) and cubist (APNIC) outvote surrealist; the certificate is issued"

challsrv clear-source-mismatch '{"source":"127.0.0.3"}'
client "$WORK/cleared.pem" cleared.example.com || { cat "$WORK/client.err"; fail "after clear-source-mismatch"; }
pass "clear-source-mismatch: all agree again"
