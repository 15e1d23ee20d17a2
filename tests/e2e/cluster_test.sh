#!/usr/bin/env bash
# Several instances on one PostgreSQL (issue #16), through the recipe users run: scripts/cluster
# starts PostgreSQL 15, three Cobble instances (real http-01 validation against a webroot responder,
# names resolved by cobble-challsrv's DNS) and HAProxy terminating TLS in front of them. Checked:
# - every instance serves the same root and HTTPS CA;
# - a nonce issued by instance 1 is accepted once by instance 2 and refused (badNonce) by 3 and 1;
# - a pair paused through instance 1's management API is refused by instance 2 (userActionRequired),
#   unpaused through the portal of instance 3 with instance 2's link, then ordered again;
# - certbot, lego and node's acme-client get certificates through HAProxy, one after another, while
#   instance 1 is killed with SIGKILL in the middle of their flows; they all go on and finish;
# - instance 1 was validating a challenge when it died (the responder held the request): another
#   instance finishes it once the lease runs out;
# - every certificate verifies against the shared root; every account, order and certificate the
#   clients were told about is read back from instances 2 and 3 (nothing acknowledged was lost);
# - instance 1 restarts on the same database and serves what was done while it was down;
# - HAProxy passing TLS through (make-config.sh --tls-passthrough) to the instances' HTTPS listeners.
source "$(dirname "$0")/lib.sh"
for tool in haproxy certbot lego node psql openssl jq curl; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps --with-tests)"
done
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || fail "PostgreSQL 15 is not installed (scripts/install-deps --with-tests)"
client_dir=$COBBLE_SOURCE_DIR/tests/e2e/acme-client
[[ -d $client_dir/node_modules/acme-client ]] ||
  fail "acme-client is not installed: run scripts/install-deps --with-tests (npm ci in $client_dir)"
/usr/bin/python3 -c 'import cryptography' 2>/dev/null || fail "python3-cryptography is missing (certbot's dependency)"

CLUSTER=$COBBLE_SOURCE_DIR/scripts/cluster
CDIR=$WORK/cluster
cluster_cleanup() {
  local status=$?
  if ((status != 0)) && [[ -d $CDIR ]]; then
    for log in "$CDIR"/cobble{1,2,3}.log "$CDIR/haproxy.log"; do
      [[ -f $log ]] && { echo "---- $(basename "$log") (last 25 lines) ----"; tail -25 "$log"; }
    done
  fi
  "$CLUSTER" stop --dir "$CDIR" >/dev/null 2>&1 || true
  (exit "$status")
  cleanup
}
trap cluster_cleanup EXIT
started=$SECONDS

start_challsrv
HTTP_PORT=$(free_port)
WEBROOT=$WORK/webroot
start_bg "$WORK/webroot.log" /usr/bin/python3 "$COBBLE_SOURCE_DIR/tests/e2e/webroot_http01.py" "$WEBROOT" "$HTTP_PORT"
wait_until 10 "the webroot responder answers" curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/"
"$CLUSTER" start --detach --dir "$CDIR" --port auto --bin "$COBBLE_BIN" -- \
  --http-port "$HTTP_PORT" --dns-server "127.0.0.1:$DNS_PORT" >"$WORK/cluster.out" 2>&1 ||
  { cat "$WORK/cluster.out"; fail "scripts/cluster start"; }
# shellcheck source=/dev/null
source "$CDIR/cluster.env"
P=(- "http://$COBBLE_1_PLAIN" "http://$COBBLE_2_PLAIN" "http://$COBBLE_3_PLAIN")
M=(- "https://$COBBLE_1_MGMT" "https://$COBBLE_2_MGMT" "https://$COBBLE_3_MGMT")
CA_CERT=$CLUSTER_CA
DIR_URL=$CLUSTER_URL
pass "scripts/cluster: PostgreSQL, 3 instances and HAProxy answer $DIR_URL in $((SECONDS - started)) s"

# mgmt_at N PATH [curl args...]: instance N's management API.
mgmt_at() {
  local n=$1 path=$2; shift 2
  curl -sf --cacert "$CA_CERT" -H 'Content-Type: application/json' "$@" "${M[$n]}$path"
}
acme() { /usr/bin/python3 "$COBBLE_SOURCE_DIR/tests/e2e/cluster_acme.py" "$@"; }
field() { jq -r "$1" <<<"$2"; }

# ---- one CA for all -----------------------------------------------------------------------------
for i in 1 2 3; do
  mgmt_at "$i" /roots/0 -o "$WORK/root$i.pem" || fail "instance $i: /roots/0"
  cmp -s "$WORK/root1.pem" "$WORK/root$i.pem" || fail "instance $i serves another root than instance 1"
  cmp -s "$CA_CERT" "$CDIR/cobble$i/https-ca.pem" || fail "instance $i has an HTTPS CA of its own"
done
ROOT_PEM=$WORK/root1.pem
pass "the three instances serve one root ($(openssl x509 -in "$ROOT_PEM" -noout -subject)) and one HTTPS CA"

# ---- nonces cross instances ---------------------------------------------------------------------
nonce=$(acme nonce "${P[1]}")
r=$(acme new-account "${P[2]}" "$WORK/nonce-account.json" --nonce "$nonce")
[[ $(field .status "$r") == 201 ]] || fail "instance 2 refused instance 1's nonce: $r"
for i in 3 1; do
  r=$(acme new-account "${P[$i]}" "$WORK/nonce-again.json" --nonce "$nonce")
  [[ $(field .status "$r") == 400 && $(field .body.type "$r") == urn:ietf:params:acme:error:badNonce ]] ||
    fail "instance $i accepted a nonce instance 2 had already redeemed: $r"
done
pass "a nonce from instance 1 is accepted once by instance 2, then badNonce at instances 3 and 1"

# ---- pausing crosses instances ------------------------------------------------------------------
paused_name=paused.cluster.example.com
r=$(acme new-account "${P[1]}" "$WORK/pauser.json")
[[ $(field .status "$r") == 201 ]] || fail "newAccount: $r"
pauser=$(field .location "$r")
pauser_id=${pauser##*/}
[[ $(mgmt_at 1 /pause -X POST -d "{\"account\": $pauser_id, \"identifier\": \"dns:$paused_name\"}" | jq -r .result) == paused ]] ||
  fail "instance 1's management API did not pause account $pauser_id"
[[ $(mgmt_at 3 "/paused?account=$pauser_id" | jq '.paused | length') == 1 ]] || fail "instance 3 does not list the pause"
r=$(acme order "${P[2]}" "$WORK/pauser.json" "$paused_name")
[[ $(field .status "$r") == 403 && $(field .body.type "$r") == urn:ietf:params:acme:error:userActionRequired ]] ||
  fail "instance 2 let a pair paused through instance 1 order: $r"
link=$(field .body.instance "$r")
[[ $link == "${P[2]}/sfe/v1/unpause?jwt="* ]] || fail "instance 2's unpause link: $link"
link3=${P[3]}${link#"${P[2]}"}
page=$(curl -sf "$link3") || fail "instance 3 does not show the portal page for instance 2's link"
grep -q "$paused_name" <<<"$page" || fail "instance 3's portal page does not name $paused_name"
answer=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -X POST \
  -H 'Content-Type: application/x-www-form-urlencoded' --data '' "${link3/\/unpause\?/\/do-unpause?}")
[[ $answer == "302 "*"unpause-status?count=1" ]] || fail "unpausing through instance 3: $answer"
[[ $(mgmt_at 2 "/paused?account=$pauser_id" | jq '.paused | length') == 0 ]] || fail "instance 2 still lists the pause"
r=$(acme order "${P[1]}" "$WORK/pauser.json" "$paused_name")
[[ $(field .status "$r") == 201 ]] || fail "newOrder after unpausing: $r"
pauser_order=$(field .location "$r")
pass "paused through instance 1, refused by instance 2, unpaused at instance 3 with 2's link, ordered at 1"

# ---- three clients through HAProxy; instance 1 dies in the middle -------------------------------
export LEGO_CA_CERTIFICATES=$CA_CERT REQUESTS_CA_BUNDLE=$CA_CERT NODE_EXTRA_CA_CERTS=$CA_CERT
CB=$WORK/certbot LEGO=$WORK/lego NODE_OUT=$WORK/node
mkdir -p "$NODE_OUT"
certbot_loop() {
  local cb=(--server "$DIR_URL" --config-dir "$CB/config" --work-dir "$CB/work" --logs-dir "$CB/logs" --non-interactive)
  certbot register "${cb[@]}" --agree-tos -m certbot@example.com || return 1
  for ((n = 1; ; n++)); do
    [[ -e $WORK/stop-certbot ]] && return 0
    certbot certonly "${cb[@]}" --webroot -w "$WEBROOT" --cert-name "n$n" -d "n$n.certbot.cluster.example.com" || return 1
  done
}
lego_loop() {
  for ((n = 1; ; n++)); do
    [[ -e $WORK/stop-lego ]] && return 0
    lego --server "$DIR_URL" --email lego@example.com --accept-tos --path "$LEGO" --domains "n$n.lego.cluster.example.com" \
      --http --http.webroot "$WEBROOT" run || return 1
  done
}
start_bg "$WORK/certbot.out" certbot_loop
certbot_pid=$LAST_PID
start_bg "$WORK/lego.out" lego_loop
lego_pid=$LAST_PID
start_bg "$WORK/node.out" env DIR_URL="$DIR_URL" OUT_DIR="$NODE_OUT" WEBROOT="$WEBROOT" STOP_FILE="$WORK/stop-node" \
  node "$client_dir/cluster.mjs"
node_pid=$LAST_PID
count_certbot() { find "$CB/config/live" -name fullchain.pem 2>/dev/null | wc -l; }
count_lego() { find "$LEGO/certificates" -name '*.issuer.crt' 2>/dev/null | wc -l; }
count_node() { find "$NODE_OUT" -name 'cert-*.pem' | wc -l; }
declare -A client_pids
client_pids=([certbot]=$certbot_pid [lego]=$lego_pid [node]=$node_pid)
# wait_for_certificates CLIENT N SECONDS: until the client has N certificates; fails at once if the
# client stopped before.
wait_for_certificates() {
  local client=$1 n=$2 deadline=$((SECONDS + $3)) status=0
  until (($("count_$client") >= n)); do
    if ! kill -0 "${client_pids[$client]}" 2>/dev/null; then
      wait "${client_pids[$client]}" || status=$?
      tail -40 "$WORK/$client.out"
      fail "$client stopped (status $status) with $("count_$client") certificate(s), before having $n"
    fi
    ((SECONDS < deadline)) || { tail -40 "$WORK/$client.out"; fail "$client has no $n certificates after $3 s"; }
    sleep 0.2
  done
}
for client in certbot lego node; do wait_for_certificates "$client" 1 60; done

# Instance 1 starts validating a challenge; the responder holds its request, so the validation is
# still running (the challenge processing, leased to instance 1) when instance 1 dies.
r=$(acme new-account "${P[1]}" "$WORK/lease.json")
[[ $(field .status "$r") == 201 ]] || fail "newAccount: $r"
r=$(acme hold-challenge "${P[1]}" "$WORK/lease.json" "$WEBROOT" lease.cluster.example.com)
[[ $(field .status "$r") == 200 && $(field .body.status "$r") == processing ]] || fail "challenge at instance 1: $r"
lease_challenge=$(field .url "$r")
token=$(field .token "$r")
wait_until 10 "instance 1 validates (the responder holds its request)" grep -q "held $token" "$WORK/webroot.log"

declare -A before
for client in certbot lego node; do before[$client]=$("count_$client"); done
kill -9 "$(cat "$CDIR/cobble1.pid")"
killed=$SECONDS
rm "$WEBROOT/hold/$token"  # whoever validates next gets its answer at once
pass "instance 1 killed with SIGKILL while validating; certbot, lego and acme-client had ${before[certbot]}, ${before[lego]}, ${before[node]} certificate(s)"

for client in certbot lego node; do
  wait_for_certificates "$client" $((before[$client] + 2)) 100
  touch "$WORK/stop-$client"
done
for client in certbot lego node; do
  wait "${client_pids[$client]}" || { cat "$WORK/$client.out"; fail "$client failed after instance 1 died"; }
done
# HAProxy's answers to the clients (status after the timers in each request line of its log):
# what the clients had to cope with while instance 1 died.
statuses=$(awk '/ acme~ /{for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9]+\/-?[0-9]+\/-?[0-9]+\/-?[0-9]+\/[0-9]+$/) {print $(i + 1); break}}' \
  "$CDIR/haproxy.log" | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep = ", "}')
redispatched=$(grep -c ' acme~ .*/+[0-9]* [0-9]*/[0-9]* "' "$CDIR/haproxy.log" || true)
pass "the three clients went on through instances 2 and 3: $(count_certbot), $(count_lego) and $(count_node) certificates"
pass "HAProxy answered them $statuses; $redispatched request(s) went to another instance after a failed attempt"

# The held validation: another instance takes the challenge over once instance 1's lease runs out.
lease_status() {
  [[ $(acme get "${P[2]}" "$WORK/lease.json" "$lease_challenge" | jq -r .body.status) != processing ]]
}
lease_wait=$((killed + 50 - SECONDS))
wait_until $((lease_wait > 1 ? lease_wait : 1)) "another instance finishes instance 1's validation" lease_status
took=$((SECONDS - killed))
r=$(acme get "${P[3]}" "$WORK/lease.json" "$lease_challenge")
[[ $(field .body.status "$r") == valid ]] || fail "the challenge left to the lease: $r"
challenge_id=${lease_challenge##*/}
resumed_by=$(grep -l "resuming validation of challenge $challenge_id (interrupted on an instance whose lease ran out)" \
  "$CDIR/cobble2.log" "$CDIR/cobble3.log") || fail "no instance logged taking over challenge $challenge_id"
(($(grep -c "GET /.well-known/acme-challenge/$token" "$WORK/webroot.log") >= 2)) || fail "the challenge was not validated again"
pass "$(basename "$resumed_by" .log) took over instance 1's validation and found it valid ${took} s after the kill"

# ---- every certificate chains to the shared root ------------------------------------------------
chains=("$CB"/config/live/*/fullchain.pem "$LEGO"/certificates/*.lego.cluster.example.com.crt "$NODE_OUT"/cert-*.pem)
serials=()
for chain in "${chains[@]}"; do
  openssl verify -CAfile "$ROOT_PEM" -untrusted "$chain" "$chain" >/dev/null || fail "openssl verify failed for $chain"
  serials+=("$(serial_of "$chain")")
done
pass "all ${#chains[@]} certificates verify against the shared root"

# ---- nothing acknowledged was lost: read it all back from instances 2 and 3 ----------------------
certbot_account=$(jq -r .uri "$(find "$CB/config/accounts" -name regr.json)")
certbot_key=$(find "$CB/config/accounts" -name private_key.json)
lego_account=$(jq -r .registration.uri "$(find "$LEGO/accounts" -name account.json)")
lego_key=$(find "$LEGO/accounts" -name '*.key')
node_account=$(jq -r .account "$NODE_OUT/manifest.json")
mapfile -t node_orders < <(jq -r '.orders[]' "$NODE_OUT/manifest.json")
mapfile -t node_certs < <(jq -r '.certificates[]' "$NODE_OUT/manifest.json")
# all_ok STATUS JQ_TEST RESULTS: every result line has STATUS and passes JQ_TEST.
all_ok() {
  jq -e --argjson s "$1" -s "length > 0 and all(.[]; .status == \$s and ($2))" <<<"$3" >/dev/null
}
for i in 2 3; do
  for pair in "$certbot_key $certbot_account" "$lego_key $lego_account" "$NODE_OUT/account.pem $node_account"; do
    read -r key account <<<"$pair"
    r=$(acme get "${P[$i]}" --key "$key" --account "$account" "$account")
    all_ok 200 '.body.status == "valid"' "$r" || fail "instance $i: account $account: $r"
  done
  r=$(acme get "${P[$i]}" --key "$NODE_OUT/account.pem" --account "$node_account" "${node_orders[@]}")
  all_ok 200 '.body.status == "valid" and (.body.certificate | length > 0)' "$r" || fail "instance $i: acme-client's orders: $r"
  r=$(acme get "${P[$i]}" --key "$NODE_OUT/account.pem" --account "$node_account" "${node_certs[@]}")
  n=0
  while read -r line; do
    n=$((n + 1))
    [[ $(field .status "$line") == 200 ]] || fail "instance $i: certificate ${node_certs[$((n - 1))]}: $line"
    [[ $(field .body "$line" | openssl x509 -noout -serial) == $(openssl x509 -in "$NODE_OUT/cert-$n.pem" -noout -serial) ]] ||
      fail "instance $i serves another certificate at ${node_certs[$((n - 1))]}"
  done <<<"$r"
  for state in nonce-account pauser lease; do
    r=$(acme get "${P[$i]}" "$WORK/$state.json" "$(jq -r .account "$WORK/$state.json")")
    all_ok 200 '.body.status == "valid"' "$r" || fail "instance $i: the $state account: $r"
  done
  r=$(acme get "${P[$i]}" "$WORK/pauser.json" "$pauser_order")
  all_ok 200 'true' "$r" || fail "instance $i: the order made after unpausing: $r"
  for serial in "${serials[@]}"; do
    [[ $(mgmt_at "$i" "/cert-status-by-serial/$serial" | jq -r .Status) == Valid ]] ||
      fail "instance $i does not know certificate $serial"
  done
done
pass "instances 2 and 3 serve every account (${#node_orders[@]} orders, ${#node_certs[@]} certificates of acme-client; all ${#serials[@]} serials)"

# ---- instance 1 comes back ------------------------------------------------------------------------
"$CLUSTER" restart 1 --dir "$CDIR" >"$WORK/restart.out" 2>&1 || { cat "$WORK/restart.out"; fail "scripts/cluster restart 1"; }
mgmt_at 1 /roots/0 -o "$WORK/root1-again.pem" || fail "the restarted instance 1: /roots/0"
cmp -s "$ROOT_PEM" "$WORK/root1-again.pem" || fail "the restarted instance 1 serves another root"
r=$(acme get "${P[1]}" --key "$NODE_OUT/account.pem" --account "$node_account" "${node_orders[-1]}")
all_ok 200 '.body.status == "valid"' "$r" || fail "the restarted instance 1 does not see what happened while it was down: $r"
pass "instance 1 restarts on the same database and serves the orders made while it was down"

# ---- HAProxy passing TLS through to the instances' own HTTPS listeners --------------------------
PT_PORT=$(free_port)
"$COBBLE_SOURCE_DIR/deploy/haproxy/make-config.sh" --tls-passthrough --bind "127.0.0.1:$PT_PORT" \
  "$COBBLE_1_HTTPS" "$COBBLE_2_HTTPS" "$COBBLE_3_HTTPS" >"$WORK/passthrough.cfg"
haproxy -c -q -f "$WORK/passthrough.cfg" || fail "haproxy refuses make-config.sh --tls-passthrough's configuration"
start_bg "$WORK/passthrough.log" haproxy -db -f "$WORK/passthrough.cfg"
DIR_URL=https://localhost:$PT_PORT/dir
wait_until 10 "HAProxy (passthrough) answers $DIR_URL" curl -sf --cacert "$CA_CERT" -o /dev/null "$DIR_URL"
[[ $(curl -sf --cacert "$CA_CERT" "$DIR_URL" | jq -r .newOrder) == "https://localhost:$PT_PORT/acme/new-order" ]] ||
  fail "the directory through the passthrough does not link to https://localhost:$PT_PORT"
domain=passthrough.lego.cluster.example.com
LEGO_DIR=$WORK/lego-passthrough lego_run --http --http.webroot "$WEBROOT" --domains "$domain" run
chain=$WORK/lego-passthrough/certificates/$domain.crt
openssl verify -CAfile "$ROOT_PEM" -untrusted "$chain" "$chain" >/dev/null || fail "openssl verify failed for $chain"
pass "lego got a certificate through HAProxy passing TLS through; it verifies against the shared root"
pass "cluster test done in $((SECONDS - started)) s"
