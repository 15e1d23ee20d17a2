#!/usr/bin/env bash
# shellcheck disable=SC2154  # image_*, args_*, env_* come from compose_services.py (sourced below)
# `make image-test`: the container images as a client's CI uses Pebble's, with real clients.
#  1. The compose recipe (deploy/docker-compose.yml): its images, commands and environment, read from
#     the file, started with `podman run` in one network namespace of this test (loopback only, so no
#     port of the machine is taken; 10.30.50.x becomes 127.0.0.1). node's acme-client gets certificates
#     by http-01 and tls-alpn-01 through the challtestsrv container (its DNS answers 127.0.0.1, its
#     responders serve the key authorizations), lego by dns-01 through its /set-txt; every chain is
#     checked with `openssl verify` against /roots/0 of the management port. Also: the HEALTHCHECK,
#     the non-root user, Pebble's log line, the old `pebble -config /test/…` command form.
#  2. The `localhost/cobble` image: Cobble's own mode with its state in a /data volume; lego by http-01
#     (its own server, names from the challtestsrv container's DNS); after a restart the same root
#     and the issued certificate are still known.
# Prints start-up times (podman run → first /dir answer) and image sizes. Needs root (ip netns), podman,
# the images (make image), lego, node + tests/e2e/acme-client (scripts/install-deps --with-tests).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/deploy/podman.sh"
COMPOSE_FILE=${COMPOSE_FILE:-$root/deploy/docker-compose.yml}
ACME_CLIENT_DIR=$root/tests/e2e/acme-client
PEBBLE_IMAGE=${PEBBLE_IMAGE:-localhost/cobble-pebble:latest}
COBBLE_IMAGE=${COBBLE_IMAGE:-localhost/cobble:latest}

run_id=cobble-image-test-$$
NS=$run_id
WORK=$(mktemp -d "/tmp/$run_id.XXXXXX")
CONTAINERS=()
VOLUMES=()
passed=0
started=$SECONDS

cleanup() {
  local status=$?
  if [[ $status -ne 0 ]]; then
    for c in "${CONTAINERS[@]}"; do
      echo "---- podman logs $c (last 30 lines) ----"
      podman_cmd logs --tail 30 "$c" 2>&1 || true
    done
  fi
  for c in "${CONTAINERS[@]}"; do podman_cmd rm -f -t 2 "$c" >/dev/null 2>&1 || true; done
  for v in "${VOLUMES[@]}"; do podman_cmd volume rm -f "$v" >/dev/null 2>&1 || true; done
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
  echo "image test: $((SECONDS - started)) s"
  if [[ $status -eq 0 ]]; then echo "$passed passed, 0 failed"; else echo "$passed passed, 1 failed"; fi
  exit $status
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; passed=$((passed + 1)); }
inns() { ip netns exec "$NS" "$@"; }  # runs a host program (lego, node, curl) in the test's namespace
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_until SECONDS DESCRIPTION CMD...: polls CMD every 50 ms until it succeeds, with a deadline.
wait_until() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${seconds}s waiting until $what"
    sleep 0.05
  done
}

# start NAME IMAGE [podman run options --] ARGS...: a detached container in the test's namespace.
# (HEALTHCHECK timers need systemd, absent here: the test runs `podman healthcheck run` itself.)
start() {
  local name=$1 image=$2; shift 2
  local options=()
  if [[ " $* " == *" -- "* ]]; then
    while [[ $1 != -- ]]; do options+=("$1"); shift; done
    shift
  fi
  CONTAINERS+=("$name")
  podman_cmd run -d --name "$name" --network "ns:/run/netns/$NS" --health-interval disable \
    "${options[@]}" "$image" "$@" >"$WORK/$name.id" 2>"$WORK/$name.run.err" ||
    { cat "$WORK/$name.run.err" >&2; fail "podman run $name"; }
}

healthy() { podman_cmd healthcheck run "$1" >/dev/null 2>&1; }
# (podman logs that it cannot reach systemd to remove a healthcheck timer: harmless, kept out of sight.)
remove() { podman_cmd rm -f -t 5 "$1" >/dev/null 2>>"$WORK/podman.err"; }

for tool in podman lego node openssl curl jq python3 ip; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps --with-tests --with-image)"
done
[[ $(id -u) -eq 0 ]] || fail "needs root: the test makes its own network namespace (ip netns)"
python3 -c 'import yaml' 2>/dev/null || fail "python3-yaml is missing (scripts/install-deps --with-image)"
[[ -d $ACME_CLIENT_DIR/node_modules/acme-client ]] ||
  fail "acme-client is not installed: scripts/install-deps --with-tests (npm ci in $ACME_CLIENT_DIR)"
# Sets services, image_<name>, args_<name> and env_<name> for each service of the compose file.
# shellcheck source=/dev/null
source <(python3 "$root/tests/image/compose_services.py" "$COMPOSE_FILE" 127.0.0.1)
for image in "$PEBBLE_IMAGE" "$COBBLE_IMAGE" "$image_pebble" "$image_challtestsrv"; do
  podman_cmd image exists "$image" || fail "image $image is missing: make image"
done

ip netns add "$NS"
inns ip link set lo up

# --- the images' configuration --------------------------------------------------------------------
config=$(podman_cmd image inspect "$PEBBLE_IMAGE" | jq -c '.[0].Config')
[[ $(jq -c .Entrypoint <<<"$config") == '["/app"]' ]] || fail "entry point is not /app: $(jq -c .Entrypoint <<<"$config")"
[[ $(jq -r .User <<<"$config") == cobble ]] || fail "the image runs as $(jq -r .User <<<"$config")"
[[ $(podman_cmd image inspect "$PEBBLE_IMAGE" | jq -c '.[0].Healthcheck.Test') == '["CMD","/usr/local/bin/cobble-healthcheck"]' ]] ||
  fail "no HEALTHCHECK (built without --format docker?)"
[[ $(jq -c '.ExposedPorts | keys' <<<"$config") == '["14000/tcp","15000/tcp"]' ]] || fail "pebble ports: $config"
ports=$(podman_cmd image inspect "$image_challtestsrv" | jq -c '.[0].Config.ExposedPorts | keys')
[[ $ports == '["5001/tcp","5002/tcp","8053/tcp","8053/udp","8055/tcp"]' ]] || fail "challtestsrv ports: $ports"
[[ $(podman_cmd image inspect "$COBBLE_IMAGE" | jq -c '.[0].Config.Volumes') == '{"/data":{}}' ]] ||
  fail "localhost/cobble has no /data volume"
pass "images: entry point /app, user cobble, HEALTHCHECK, Pebble's ports, /data volume on localhost/cobble"

# The test CA of the image (our own, made at build time), taken out as a user would.
podman_cmd run --rm --network none --no-healthcheck "$PEBBLE_IMAGE" cat /test/certs/pebble.minica.pem >"$WORK/ca.pem"
[[ $(openssl x509 -in "$WORK/ca.pem" -noout -subject) == *"Cobble image test CA"* ]] || fail "test CA: $(cat "$WORK/ca.pem")"
pass "the image's test CA comes out with 'podman run --rm IMAGE cat /test/certs/pebble.minica.pem'"

# --- 1. the compose recipe ------------------------------------------------------------------------
env_options() { local e; for e in "$@"; do printf '%s\0%s\0' -e "$e"; done; }
mapfile -d '' challtestsrv_env < <(env_options "${env_challtestsrv[@]}")
mapfile -d '' pebble_env < <(env_options "${env_pebble[@]}")
start "$run_id-challtestsrv" "$image_challtestsrv" "${challtestsrv_env[@]}" -- "${args_challtestsrv[@]}"
t0=$(now_ms)
start "$run_id-pebble" "$image_pebble" "${pebble_env[@]}" -- "${args_pebble[@]}"
DIR_URL=https://localhost:14000/dir
wait_until 30 "the pebble container answers $DIR_URL" inns curl -sf --cacert "$WORK/ca.pem" -o /dev/null "$DIR_URL"
pebble_start_ms=$(($(now_ms) - t0))
wait_until 10 "challtestsrv answers" inns curl -sf -X POST -d '{"host":"x.test"}' http://127.0.0.1:8055/dns-request-history
pass "compose services started: pebble ${args_pebble[*]@Q}; challtestsrv ${args_challtestsrv[*]@Q} (first /dir answer ${pebble_start_ms} ms after podman run)"

# (the log into a file first: `podman logs | grep -q` fails under pipefail when grep stops reading early)
podman_cmd logs "$run_id-pebble" >"$WORK/pebble.log" 2>&1
grep -q "ACME directory available at: https://0.0.0.0:14000/dir" "$WORK/pebble.log" ||
  fail "no Pebble start-up line in the log"
dir=$(inns curl -sf --cacert "$WORK/ca.pem" "$DIR_URL")
[[ $(jq -r .meta.termsOfService <<<"$dir") == "data:text/plain,Do%20what%20thou%20wilt" ]] || fail "not Pebble's directory: $dir"
for c in pebble challtestsrv; do
  [[ $(podman_cmd exec "$run_id-$c" id -u) == 10001 ]] || fail "$c does not run as uid 10001"
  pid=$(podman_cmd inspect --format '{{.State.Pid}}' "$run_id-$c")
  [[ $(stat -c %u "/proc/$pid") != 0 ]] || fail "$c's process runs as root"
done
pass "Pebble mode (log line, directory meta); both containers run as the non-root user cobble"

wait_until 15 "the pebble container is healthy" healthy "$run_id-pebble"
wait_until 15 "the challtestsrv container is healthy" healthy "$run_id-challtestsrv"
start "$run_id-idle" "$PEBBLE_IMAGE" sleep 60
! healthy "$run_id-idle" || fail "the healthcheck passes in a container that runs no server"
podman_cmd rm -f -t 0 "$run_id-idle" >/dev/null 2>>"$WORK/podman.err"
pass "HEALTHCHECK: healthy (pebble: GET /healthz on 15000; challtestsrv: its management API); unhealthy without a server"

inns curl -sf --cacert "$WORK/ca.pem" https://localhost:15000/roots/0 -o "$WORK/root.pem" || fail "/roots/0"
openssl x509 -in "$WORK/root.pem" -noout || fail "/roots/0 is not a certificate"
# split_chain PEM: the leaf in PEM.leaf, the rest in PEM.chain; both verify against /roots/0.
verify_chain() {
  local pem=$1 name=$2
  awk -v leaf="$pem.leaf" -v rest="$pem.chain" '/BEGIN CERT/{n++} {print > (n == 1 ? leaf : rest)}' "$pem"
  openssl verify -CAfile "$WORK/root.pem" -untrusted "$pem.chain" "$pem.leaf" >/dev/null ||
    fail "$name: the chain does not verify against /roots/0"
  [[ $(openssl x509 -in "$pem.leaf" -noout -ext subjectAltName) == *"DNS:$name"* ]] || fail "$name: SAN missing"
}

acme_client() {  # acme_client TYPE NAME
  inns env DIR_URL="$DIR_URL" CHALLSRV_URL=http://127.0.0.1:8055 ACME_CLIENT_DIR="$ACME_CLIENT_DIR" \
    NODE_EXTRA_CA_CERTS="$WORK/ca.pem" node "$root/tests/image/acme_client.mjs" "$1" "$WORK/$2.pem" "$2" ||
    fail "acme-client $1 for $2"
  verify_chain "$WORK/$2.pem" "$2"
}
acme_client http-01 http01.image.example.com
history=$(inns curl -sf -X POST -d '{"host":"http01.image.example.com"}' http://127.0.0.1:8055/http-request-history)
[[ $(jq length <<<"$history") -ge 1 ]] || fail "challtestsrv saw no http-01 request: $history"
dns=$(inns curl -sf -X POST -d '{"host":"http01.image.example.com"}' http://127.0.0.1:8055/dns-request-history)
[[ $(jq length <<<"$dns") -ge 1 ]] || fail "challtestsrv's DNS saw no query: $dns"
pass "acme-client http-01: the CA asked challtestsrv's DNS and fetched from its responder; chain verifies"

acme_client tls-alpn-01 tlsalpn.image.example.com
pass "acme-client tls-alpn-01 through challtestsrv's responder; chain verifies"

cat >"$WORK/challtestsrv-dns.sh" <<'SH'
#!/usr/bin/env bash
case $1 in
  present) curl -sf -X POST -d "{\"host\":\"$2\",\"value\":\"$3\"}" http://127.0.0.1:8055/set-txt ;;
  cleanup) curl -sf -X POST -d "{\"host\":\"$2\"}" http://127.0.0.1:8055/clear-txt ;;
esac
SH
chmod +x "$WORK/challtestsrv-dns.sh"
lego_run() {  # lego_run LABEL ARGS...: lego against $DIR_URL trusting $LEGO_CA, its state in $WORK/lego-LABEL
  local label=$1; shift
  inns env LEGO_CA_CERTIFICATES="$LEGO_CA" lego --server "$DIR_URL" --email image-test@example.com --accept-tos \
    --path "$WORK/lego-$label" "$@" run >"$WORK/lego.out" 2>&1 || { cat "$WORK/lego.out"; fail "lego $*"; }
}
LEGO_CA=$WORK/ca.pem
EXEC_PATH=$WORK/challtestsrv-dns.sh EXEC_SEQUENCE_INTERVAL=1 lego_run pebble --domains dns01.image.example.com \
  --domains '*.dns01.image.example.com' --dns exec --dns.resolvers 127.0.0.1:8053 --dns.disable-cp
cp "$WORK/lego-pebble/certificates/dns01.image.example.com.crt" "$WORK/dns01.pem"
verify_chain "$WORK/dns01.pem" dns01.image.example.com
[[ $(openssl x509 -in "$WORK/dns01.pem.leaf" -noout -ext subjectAltName) == *'DNS:*.dns01.image.example.com'* ]] ||
  fail "wildcard SAN"
pass "lego dns-01 (wildcard) through challtestsrv's /set-txt and DNS; chain verifies"

# The older Docker Hub form (the program named first, the config by absolute path) with the DNS server
# given by host name, as compose files name the challtestsrv service (Cobble resolves the name at
# start-up).
remove "$run_id-pebble"
start "$run_id-pebble-old" "$PEBBLE_IMAGE" --add-host challtestsrv:127.0.0.1 -e PEBBLE_VA_NOSLEEP=1 -- \
  pebble -config /test/config/pebble-config.json -dnsserver challtestsrv:8053
wait_until 30 "'pebble -config /test/…' answers" inns curl -sf --cacert "$WORK/ca.pem" -o /dev/null "$DIR_URL"
podman_cmd logs "$run_id-pebble-old" >"$WORK/pebble-old.log" 2>&1
grep -q "dnsServer challtestsrv:8053 is 127.0.0.1:8053" "$WORK/pebble-old.log" || fail "cobble did not resolve challtestsrv"
inns curl -sf --cacert "$WORK/ca.pem" https://localhost:15000/roots/0 -o "$WORK/root.pem" || fail "/roots/0"
acme_client http-01 old.image.example.com
remove "$run_id-pebble-old"
pass "the older form 'pebble -config /test/config/pebble-config.json -dnsserver challtestsrv:8053': acme-client http-01"

# --- 2. localhost/cobble: Cobble's mode, state in the /data volume ------------------------------------
volume=$run_id-data
podman_cmd volume create "$volume" >/dev/null
VOLUMES+=("$volume")
cobble_options=(-v "$volume:/data")
t0=$(now_ms)
start "$run_id-cobble" "$COBBLE_IMAGE" "${cobble_options[@]}" -- --http-port 5003 --dns-server 127.0.0.1:8053
wait_until 30 "the cobble container wrote its HTTPS CA" podman_cmd exec "$run_id-cobble" test -s /data/https-ca.pem
podman_cmd exec "$run_id-cobble" cat /data/https-ca.pem >"$WORK/https-ca.pem"
wait_until 30 "the cobble container answers $DIR_URL" inns curl -sf --cacert "$WORK/https-ca.pem" -o /dev/null "$DIR_URL"
cobble_first_start_ms=$(($(now_ms) - t0))
wait_until 15 "the cobble container is healthy" healthy "$run_id-cobble"
owner=$(podman_cmd exec "$run_id-cobble" stat -c %u /data/cobble.db)
[[ $owner == 10001 ]] || fail "/data/cobble.db belongs to uid $owner"
pass "localhost/cobble: state in /data (owned by cobble), HTTPS CA /data/https-ca.pem, healthy (first start ${cobble_first_start_ms} ms)"

inns curl -sf --cacert "$WORK/https-ca.pem" https://localhost:15000/roots/0 -o "$WORK/root.pem" || fail "/roots/0"
LEGO_CA=$WORK/https-ca.pem
lego_run cobble --domains http01.cobble.example.com --http --http.port 127.0.0.1:5003
cp "$WORK/lego-cobble/certificates/http01.cobble.example.com.crt" "$WORK/cobble-http01.pem"
verify_chain "$WORK/cobble-http01.pem" http01.cobble.example.com
serial=$(openssl x509 -in "$WORK/cobble-http01.pem.leaf" -noout -serial | cut -d= -f2)
pass "lego http-01 (lego's own server, name from challtestsrv's DNS) against localhost/cobble; chain verifies"

podman_cmd stop -t 10 "$run_id-cobble" >/dev/null 2>>"$WORK/podman.err"
[[ $(podman_cmd inspect --format '{{.State.ExitCode}}' "$run_id-cobble") == 0 ]] || fail "cobble did not exit 0 on SIGTERM"
t0=$(now_ms)
podman_cmd start "$run_id-cobble" >/dev/null 2>&1
wait_until 30 "the restarted cobble container answers" inns curl -sf --cacert "$WORK/https-ca.pem" -o /dev/null "$DIR_URL"
cobble_restart_ms=$(($(now_ms) - t0))
cmp -s "$WORK/root.pem" <(inns curl -sf --cacert "$WORK/https-ca.pem" https://localhost:15000/roots/0) ||
  fail "the root changed across a restart"
status=$(inns curl -sf --cacert "$WORK/https-ca.pem" "https://localhost:15000/cert-status-by-serial/$serial") ||
  fail "the certificate is unknown after a restart"
[[ $(jq -r .Status <<<"$status") == Valid ]] || fail "status after restart: $status"
pass "restart (SIGTERM, exit 0): same root and the issued certificate still known from /data (${cobble_restart_ms} ms)"

echo "start-up, podman run → first /dir answer: cobble-pebble ${pebble_start_ms} ms;" \
  "cobble first start ${cobble_first_start_ms} ms (makes its CA), restart ${cobble_restart_ms} ms"
for image in "$image_pebble" "$image_challtestsrv" "$COBBLE_IMAGE"; do
  echo "size: $image $(($(podman_cmd image inspect --format '{{.Size}}' "$image") / 1000000)) MB"
done
