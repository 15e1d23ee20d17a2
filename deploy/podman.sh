# shellcheck shell=bash
# Sourced by the deploy/ and tests/image/ scripts: how podman is called here.
# Debian's runc (crun fails on this machine's hybrid cgroups) and deploy/containers.conf (cgroupfs, no
# default ulimits). Elsewhere set COBBLE_PODMAN_RUNTIME="" to keep podman's own runtime, and
# CONTAINERS_CONF to your own file.
COBBLE_PODMAN_RUNTIME=${COBBLE_PODMAN_RUNTIME-/usr/sbin/runc}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/containers.conf}

podman_cmd() {
  if [[ -n $COBBLE_PODMAN_RUNTIME ]]; then
    podman --runtime "$COBBLE_PODMAN_RUNTIME" "$@"
  else
    podman "$@"
  fi
}
