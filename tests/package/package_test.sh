#!/usr/bin/env bash
# `make package-test`: the Debian package installed and run as a system service, under a real systemd.
#  1. The .deb's contents: programs in /usr/bin (no /usr/bin/pebble), Pebble's names in
#     /usr/lib/cobble/pebble-compat, man pages, conffiles (/etc/cobble/*.json, /etc/default/cobble).
#  2. A podman container booting systemd (--systemd=always) from a Debian bookworm image (the
#     debootstrap base of deploy/base-image.sh + systemd + the package's dependencies, made once), in
#     a network namespace of this test (loopback only: no port of the machine is taken). `dpkg -i` there
#     runs the maintainer scripts under the running systemd: the user cobble is made, cobble.service is
#     enabled and started. Checked: the process runs as cobble with its packaged command line, no
#     capability, NoNewPrivs and a seccomp filter; its sandbox, from inside its own mount namespace
#     (read-only /usr and /etc, /home hidden, /var/lib/cobble writable; the container has CAP_SYS_ADMIN
#     so that systemd can build it, as on a host); state in /var/lib/cobble (0750, owned by cobble);
#     the journal's start-up lines; `pebble` found through /usr/lib/cobble/pebble-compat.
#  3. /etc/default/cobble gets COBBLE_ALWAYS_VALID=true, `systemctl restart cobble`; lego (on the host,
#     in the namespace) gets a certificate by http-01 (not validated: always valid), which `openssl
#     verify` checks against the root the management port serves (/roots/0), the same root as before
#     the restart (the CA is kept in /var/lib/cobble).
#  4. docs/ci.md's drop-in (ExecStart with /etc/cobble/staging.json, AmbientCapabilities=
#     CAP_NET_BIND_SERVICE, a listener on :443) serves staging's directory on :443.
#  5. `systemd-analyze security cobble.service`: the exposure figure, printed and bounded.
#  6. `dpkg --purge`: the service is stopped, /etc/cobble and /var/lib/cobble are gone.
# Needs root (ip netns, podman), podman + runc + debootstrap, lego, openssl, curl
# (scripts/install-deps --with-package) and a built package (make package).
#
# Usage: tests/package/package_test.sh [--deb FILE | --deb-dir DIR]   (default: build/package)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/deploy/podman.sh"
deb_dir=$root/build/package
deb=
while [[ $# -gt 0 ]]; do
  case $1 in
    --deb) deb=$2; shift 2 ;;
    --deb-dir) deb_dir=$2; shift 2 ;;
    *) echo "package_test: unknown argument $1 (--deb FILE, --deb-dir DIR)" >&2; exit 2 ;;
  esac
done
if [[ -z $deb ]]; then
  deb=$(find "$deb_dir" -maxdepth 1 -name 'cobble_*.deb' -printf '%T@ %p\n' 2>/dev/null | sort -rn | awk 'NR == 1 {print $2}')
  [[ -n $deb ]] || { echo "package_test: no cobble_*.deb in $deb_dir (make package)" >&2; exit 1; }
fi
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
[[ $(id -u) -eq 0 ]] || { echo "package_test: needs root (ip netns, podman)" >&2; exit 1; }
for tool in podman lego openssl curl ip; do
  command -v "$tool" >/dev/null || { echo "package_test: $tool missing (scripts/install-deps --with-package)" >&2; exit 1; }
done
IMAGE=${COBBLE_PACKAGE_TEST_IMAGE:-localhost/cobble-package-test:bookworm}

run_id=cobble-package-test-$$
NS=$run_id
CONTAINER=$run_id
WORK=$(mktemp -d "/tmp/$run_id.XXXXXX")
passed=0
started=$SECONDS

cleanup() {
  local status=$?
  if [[ $status -ne 0 ]] && podman_cmd container exists "$CONTAINER" 2>/dev/null; then
    echo "---- journalctl -u cobble (last 30 lines) ----"
    podman_cmd exec "$CONTAINER" journalctl -u cobble --no-pager -n 30 2>&1 || true
  fi
  podman_cmd rm -f -t 2 "$CONTAINER" >/dev/null 2>&1 || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
  echo "package test: $((SECONDS - started)) s"
  if [[ $status -eq 0 ]]; then echo "$passed passed, 0 failed"; else echo "$passed passed, 1 failed"; fi
  exit $status
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; passed=$((passed + 1)); }
inns() { ip netns exec "$NS" "$@"; }          # a host program (lego, curl) in the test's namespace
in_container() { podman_cmd exec "$CONTAINER" "$@"; }
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

# ---- 1. the .deb's contents ----
echo "package test: $deb ($(stat -c %s "$deb") bytes)"
dpkg-deb -c "$deb" | awk '{print $6 ($7 ? " " $7 " " $8 : "")}' | sed 's|^\./|/|' >"$WORK/contents"
for path in /usr/bin/cobble /usr/bin/cobble-challsrv /usr/bin/cobble-pause-table \
  "/usr/lib/cobble/pebble-compat/pebble -> ../../../bin/cobble" \
  "/usr/lib/cobble/pebble-compat/pebble-challtestsrv -> ../../../bin/cobble-challsrv" \
  /usr/share/man/man1/cobble.1.gz /usr/share/man/man1/cobble-challsrv.1.gz \
  /usr/share/man/man1/cobble-pause-table.1.gz /lib/systemd/system/cobble.service \
  /usr/lib/sysusers.d/cobble.conf /etc/default/cobble /etc/cobble/cobble.json /etc/cobble/staging.json; do
  grep -qxF "$path" "$WORK/contents" || fail "the package has no $path"
done
if grep -E '^/usr/(local/)?bin/pebble|unit_tests|cobble-bench|fuzz' "$WORK/contents"; then
  fail "the package installs a Pebble name in bin/ or a test/bench program"
fi
dpkg-deb -I "$deb" conffiles >"$WORK/conffiles"
diff <(sort "$WORK/conffiles") <(printf '%s\n' /etc/cobble/cobble.json /etc/cobble/staging.json /etc/default/cobble) ||
  fail "conffiles differ from the expected three"
pass "the .deb holds the programs, Pebble's names in /usr/lib/cobble/pebble-compat, man pages, unit, sysusers, conffiles"

# ---- 2. a systemd container, the package installed under it ----
"$root/deploy/base-image.sh"
# The runtime dependencies of the package, preinstalled so the test needs no network after the first
# run: Depends without versions, the first of each alternative.
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -v '^$' | sort -u | tr '\n' ' ')
cat >"$WORK/Containerfile" <<EOF
FROM ${COBBLE_BASE_IMAGE:-localhost/cobble-base:bookworm}
RUN apt-get update -q && apt-get install -y -q systemd systemd-sysv $depends && \\
    rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
CMD ["/sbin/init"]
EOF
previous=$(podman_cmd image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
t0=$(now_ms)
podman_cmd build --network host --pull=never --layers -t "$IMAGE" -f "$WORK/Containerfile" "$WORK" \
  >"$WORK/image-build.log" 2>&1 || { tail -30 "$WORK/image-build.log" >&2; fail "podman build $IMAGE"; }
# The image this tag named before (other dependencies), now untagged: removed, nothing else.
if [[ -n $previous && $previous != $(podman_cmd image inspect --format '{{.Id}}' "$IMAGE") ]]; then
  podman_cmd rmi "$previous" >/dev/null 2>&1 || true
fi
echo "package test: image $IMAGE ready in $(($(now_ms) - t0)) ms (systemd, $depends)"

ip netns add "$NS"
inns ip link set lo up
t0=$(now_ms)
# CAP_SYS_ADMIN: systemd builds each unit's namespaces (ProtectSystem=, PrivateTmp=, ...) as on a
# host. Without it, systemd in a container skips them silently and the sandbox checks below fail.
podman_cmd run -d --name "$CONTAINER" --systemd=always --cap-add SYS_ADMIN --network "ns:/run/netns/$NS" "$IMAGE" \
  >"$WORK/container.id" 2>"$WORK/container.err" || { cat "$WORK/container.err" >&2; fail "podman run"; }
booted() { [[ $(in_container systemctl is-system-running 2>/dev/null) =~ ^(running|degraded)$ ]]; }
wait_until 60 "systemd in the container has booted" booted
echo "package test: systemd booted in $(($(now_ms) - t0)) ms ($(in_container systemctl is-system-running || true))"

podman_cmd cp "$deb" "$CONTAINER:/tmp/cobble.deb"
t0=$(now_ms)
in_container dpkg -i /tmp/cobble.deb >"$WORK/dpkg-i.log" 2>&1 || { cat "$WORK/dpkg-i.log" >&2; fail "dpkg -i"; }
echo "package test: dpkg -i in $(($(now_ms) - t0)) ms"
[[ $(in_container systemctl is-enabled cobble) == enabled ]] || fail "cobble.service is not enabled after dpkg -i"
# The HTTPS CA the service made on its first start; clients trust it for :14000 and :15000.
wait_until 30 "cobble has written its HTTPS CA" in_container test -s /var/lib/cobble/https-ca.pem
in_container cat /var/lib/cobble/https-ca.pem >"$WORK/https-ca.pem"
wait_until 30 "https://localhost:14000/dir answers" inns curl -sf --cacert "$WORK/https-ca.pem" https://localhost:14000/dir
[[ $(in_container systemctl is-active cobble) == active ]] || fail "cobble.service is not active"
pass "dpkg -i under systemd: cobble.service enabled, started, /dir answers in $(($(now_ms) - t0)) ms"

passwd=$(in_container getent passwd cobble) || fail "no user cobble"
[[ $passwd =~ ^cobble:x:([0-9]+):[0-9]+:[^:]*:/var/lib/cobble:/(usr/)?s?bin/nologin$ ]] || fail "user cobble: $passwd"
uid=${BASH_REMATCH[1]}
((uid < 1000)) || fail "cobble is not a system user (uid $uid)"
pid=$(in_container systemctl show -P MainPID cobble)
in_container cat "/proc/$pid/status" >"$WORK/status"
in_container cat "/proc/$pid/cmdline" | tr '\0' ' ' >"$WORK/cmdline"
[[ $(cat "$WORK/cmdline") == "/usr/bin/cobble --config /etc/cobble/cobble.json --data-dir /var/lib/cobble " ]] ||
  fail "command line: $(cat "$WORK/cmdline")"
grep -qE "^Uid:[[:space:]]+${uid}[[:space:]]+${uid}[[:space:]]+${uid}[[:space:]]+${uid}\$" "$WORK/status" || fail "not running as cobble: $(grep Uid "$WORK/status")"
grep -qE '^CapEff:[[:space:]]+0+$' "$WORK/status" || fail "effective capabilities: $(grep CapEff "$WORK/status")"
grep -qE '^CapBnd:[[:space:]]+0+400$' "$WORK/status" || fail "bounding set is not CAP_NET_BIND_SERVICE alone: $(grep CapBnd "$WORK/status")"
grep -qE '^NoNewPrivs:[[:space:]]+1$' "$WORK/status" || fail "NoNewPrivs not set"
grep -qE '^Seccomp:[[:space:]]+2$' "$WORK/status" || fail "no seccomp filter"
in_container test ! -e /usr/bin/pebble || fail "/usr/bin/pebble exists"
version=$(in_container env PATH=/usr/lib/cobble/pebble-compat:/usr/bin:/bin pebble -version)
[[ $version == "Pebble version: "*"(cobble "*")" ]] || fail "pebble -version through pebble-compat: $version"
pass "cobble runs as the system user cobble (uid $uid) with its packaged command line, no capability, NoNewPrivs, seccomp; pebble-compat in PATH gives pebble"

# The sandbox, seen from inside the service's mount namespace.
# (nsenter needs more capabilities than podman exec gives by default: --privileged for these.)
sandbox() { podman_cmd exec --privileged "$CONTAINER" nsenter -t "$pid" -m -- "$@"; }
sandbox true || fail "cannot enter the service's mount namespace"
[[ $(in_container readlink /proc/1/ns/mnt) != $(podman_cmd exec --privileged "$CONTAINER" readlink "/proc/$pid/ns/mnt") ]] ||
  fail "the service runs in systemd's own mount namespace: no sandbox"
sandbox sh -c 'touch /usr/bin/x' 2>/dev/null && fail "the service's /usr is writable"
sandbox sh -c 'touch /etc/cobble/x' 2>/dev/null && fail "the service's /etc is writable"
sandbox sh -c 'touch /var/lib/cobble/.write-test && rm /var/lib/cobble/.write-test' || fail "/var/lib/cobble is not writable"
in_container mkdir -p /home/someone && in_container touch /home/someone/secret
sandbox test -e /home/someone/secret && fail "the service sees /home"
pass "sandbox: /usr and /etc read-only, /home hidden, /var/lib/cobble writable"

state=$(in_container stat -c '%U:%G %a' /var/lib/cobble)
[[ $state == "cobble:cobble 750" ]] || fail "/var/lib/cobble is $state"
for f in cobble.db https-ca.pem ca; do
  in_container test -e "/var/lib/cobble/$f" || fail "no /var/lib/cobble/$f"
done
pem=$(in_container stat -c '%U:%G %a' /var/lib/cobble/https-ca.pem)
[[ $pem == "cobble:cobble 640" ]] || fail "/var/lib/cobble/https-ca.pem is $pem (UMask=0027: 640)"
in_container journalctl -u cobble --no-pager -o cat >"$WORK/journal"
grep -q 'acme listening on https://' "$WORK/journal" || fail "the journal has no start-up line: $(cat "$WORK/journal")"
pass "state in /var/lib/cobble (cobble:cobble 750: cobble.db, ca/, https-ca.pem 640); start-up lines in the journal"

# ---- 3. a certificate from the service, alwaysValid set in /etc/default/cobble ----
inns curl -sf --cacert "$WORK/https-ca.pem" https://localhost:15000/roots/0 >"$WORK/root-before.pem"
in_container sh -c 'echo COBBLE_ALWAYS_VALID=true >>/etc/default/cobble'
in_container systemctl restart cobble
wait_until 30 "cobble answers after the restart" inns curl -sf --cacert "$WORK/https-ca.pem" https://localhost:14000/dir
pid=$(in_container systemctl show -P MainPID cobble)
in_container cat "/proc/$pid/environ" | tr '\0' '\n' | grep -qx COBBLE_ALWAYS_VALID=true ||
  fail "COBBLE_ALWAYS_VALID from /etc/default/cobble is not in the service's environment"
t0=$(now_ms)
# http-01 is not validated (always valid): lego's server on :5002 is never asked.
LEGO_CA_CERTIFICATES=$WORK/https-ca.pem inns lego --server https://localhost:14000/dir --path "$WORK/lego" \
  --email package-test@example.com --accept-tos --domains www.package-test.example --http --http.port :5002 \
  run >"$WORK/lego.log" 2>&1 || { cat "$WORK/lego.log" >&2; fail "lego run"; }
cert=$WORK/lego/certificates/www.package-test.example
inns curl -sf --cacert "$WORK/https-ca.pem" https://localhost:15000/roots/0 >"$WORK/root.pem"
cmp -s "$WORK/root.pem" "$WORK/root-before.pem" || fail "the root changed across the restart"
openssl verify -CAfile "$WORK/root.pem" -untrusted "$cert.issuer.crt" "$cert.crt" >"$WORK/verify.log" 2>&1 ||
  { cat "$WORK/verify.log" >&2; fail "openssl verify"; }
openssl x509 -in "$cert.crt" -noout -ext subjectAltName | grep -q 'DNS:www.package-test.example' || fail "SAN"
pass "lego got a certificate for www.package-test.example in $(($(now_ms) - t0)) ms; it verifies against /roots/0 (same root after the restart)"

# ---- 4. docs/ci.md's drop-in: staging.json, a port below 1024 ----
in_container mkdir -p /etc/systemd/system/cobble.service.d
podman_cmd exec -i "$CONTAINER" sh -c 'cat >/etc/systemd/system/cobble.service.d/override.conf' <<'EOF'
[Service]
ExecStart=
ExecStart=/usr/bin/cobble --config /etc/cobble/staging.json --data-dir /var/lib/cobble $COBBLE_OPTS
Environment=COBBLE_LISTEN_ADDRESS=127.0.0.1:443
AmbientCapabilities=CAP_NET_BIND_SERVICE
EOF
in_container systemctl daemon-reload
in_container systemctl restart cobble
wait_until 30 "https://localhost:443/dir answers" inns curl -sf --cacert "$WORK/https-ca.pem" https://localhost:443/dir
inns curl -sf --cacert "$WORK/https-ca.pem" https://localhost:443/dir | grep -q cobble-staging-terms ||
  fail "the directory on :443 is not staging.json's (no termsOfService)"
pid=$(in_container systemctl show -P MainPID cobble)
in_container grep -qE '^CapEff:[[:space:]]+0+400$' "/proc/$pid/status" || fail "CAP_NET_BIND_SERVICE not effective with the drop-in"
pass "drop-in (ExecStart with staging.json, AmbientCapabilities=CAP_NET_BIND_SERVICE, COBBLE_LISTEN_ADDRESS=127.0.0.1:443): staging's directory on :443"

# ---- 5. exposure ----
in_container systemd-analyze security --no-pager cobble.service >"$WORK/security" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for cobble.service: \([0-9.]*\) \(.*\)$/\1 \2/p' "$WORK/security")
[[ -n $exposure ]] || { cat "$WORK/security" >&2; fail "systemd-analyze security printed no exposure level"; }
echo "package test: systemd-analyze security cobble.service (with the drop-in): $exposure"
in_container rm /etc/systemd/system/cobble.service.d/override.conf
in_container systemctl daemon-reload
in_container systemd-analyze security --no-pager cobble.service >"$WORK/security" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for cobble.service: \([0-9.]*\) \(.*\)$/\1 \2/p' "$WORK/security")
echo "package test: systemd-analyze security cobble.service (as packaged): $exposure"
awk -v e="${exposure%% *}" 'BEGIN { exit !(e <= 2.0) }' || { cat "$WORK/security"; fail "exposure $exposure above 2.0"; }
pass "systemd-analyze security: $exposure"

# ---- 6. purge ----
in_container dpkg --purge cobble >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log" >&2; fail "dpkg --purge"; }
in_container systemctl is-active cobble >/dev/null 2>&1 && fail "cobble.service still active after purge"
in_container test -e /var/lib/cobble && fail "/var/lib/cobble left after purge"
in_container test -e /etc/cobble && fail "/etc/cobble left after purge"
in_container test -e /etc/default/cobble && fail "/etc/default/cobble left after purge"
inns curl -s -o /dev/null --max-time 2 -k https://localhost:14000/dir && fail "something still answers on :14000"
pass "dpkg --purge: service stopped, /etc/cobble, /etc/default/cobble and /var/lib/cobble removed"
