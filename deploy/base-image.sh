#!/usr/bin/env bash
# Makes the base image of Cobble's container (localhost/cobble-base:bookworm) from Debian's archive, the
# way Debian's own slim image is made: `debootstrap --variant=minbase bookworm` with docs, man pages and
# locales left out, imported with `podman import`. No container registry is needed.
#
# Usage: deploy/base-image.sh [--rebuild]
# Does nothing when the image exists (unless --rebuild). Needs root (debootstrap) and podman.
# Environment: COBBLE_BASE_IMAGE (image name), COBBLE_DEBIAN_MIRROR (default: the first URIs of the
# host's apt sources, else http://deb.debian.org/debian), CONTAINERS_CONF (default deploy/containers.conf).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/deploy/podman.sh"
name=${COBBLE_BASE_IMAGE:-localhost/cobble-base:bookworm}

if [[ ${1:-} != --rebuild ]] && podman_cmd image exists "$name"; then
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { echo "base-image: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "base-image: debootstrap missing (scripts/install-deps --with-image)" >&2; exit 1; }

# The mirror apt uses here (deb822 or one-line sources), so the base comes from the same archive.
mirror=${COBBLE_DEBIAN_MIRROR:-}
if [[ -z $mirror ]]; then
  mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk 'NR == 1')
fi
if [[ -z $mirror ]]; then
  mirror=$(sed -n 's/^deb[[:space:]]\+\(http[^[:space:]]*\/debian\)[[:space:]]\+bookworm[[:space:]].*/\1/p' /etc/apt/sources.list 2>/dev/null | awk 'NR == 1')
fi
mirror=${mirror:-http://deb.debian.org/debian}
security=${mirror%/debian}/debian-security

rootfs=$(mktemp -d /var/tmp/cobble-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "base-image: debootstrap --variant=minbase bookworm from $mirror"
start=$SECONDS
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
  tail -30 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 1
}
rm -f "$rootfs.log"

# Slim, as Debian's bookworm-slim: no documentation, man pages or translations, now or from later
# installs (copyright files stay).
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$rootfs/usr/share/man/"* "$rootfs/usr/share/info/"*
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
# apt: no recommends, no caches kept; security updates as well as the release.
cat >"$rootfs/etc/apt/apt.conf.d/90slim" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
rm -rf "${rootfs:?}/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"*.bin "$rootfs/var/cache/apt/archives/"*.deb \
  "$rootfs/var/log/"*.log "$rootfs/var/log/apt/"* "${rootfs:?}/dev/"*

tar --numeric-owner -C "$rootfs" -c . |
  podman_cmd import --quiet --change 'CMD ["/bin/bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --message "debootstrap --variant=minbase bookworm ($mirror), slim" - "$name" >/dev/null
echo "base-image: $name made in $((SECONDS - start)) s"
