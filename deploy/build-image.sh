#!/usr/bin/env bash
# `make image`: builds Cobble's container images from the binaries already built in BUILD_DIR (nothing is
# compiled here) on the base image deploy/base-image.sh makes once:
#   localhost/cobble-pebble:latest        (target pebble)        Pebble's image, entry point /app
#   localhost/cobble-challtestsrv:latest  (target challtestsrv)  pebble-challtestsrv's image
#   localhost/cobble:latest               (target cobble)        Cobble's defaults, /data volume
# All three share every layer but their metadata. Prints each image's size at the end.
#
# Usage: deploy/build-image.sh [--build-dir DIR] [--tag TAG]
# Environment: COBBLE_BASE_IMAGE, COBBLE_IMAGE_STRIP=0 (keep the binaries' symbol tables), and what
# deploy/podman.sh reads.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/deploy/podman.sh"
build_dir=$root/build
tag=latest
while [[ $# -gt 0 ]]; do
  case $1 in
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    *) echo "build-image: unknown argument $1 (--build-dir DIR, --tag TAG)" >&2; exit 2 ;;
  esac
done
base=${COBBLE_BASE_IMAGE:-localhost/cobble-base:bookworm}
export COBBLE_BASE_IMAGE=$base

for binary in cobble cobble-challsrv; do
  [[ -x $build_dir/$binary ]] || {
    echo "build-image: $build_dir/$binary is missing: build first (make build), the image copies the binaries" >&2
    exit 1
  }
done
command -v podman >/dev/null || { echo "build-image: podman missing (scripts/install-deps --with-image)" >&2; exit 1; }

start=$SECONDS
"$root/deploy/base-image.sh"

# The build context: only what the Containerfile copies (never the whole tree with build/).
context=$(mktemp -d /var/tmp/cobble-image-context.XXXXXX)
trap 'rm -rf "$context"' EXIT
mkdir "$context/bin"
cp "$build_dir/cobble" "$build_dir/cobble-challsrv" "$context/bin/"
if [[ ${COBBLE_IMAGE_STRIP:-1} != 0 ]]; then
  strip --strip-unneeded "$context/bin/cobble" "$context/bin/cobble-challsrv"
fi
"$root/deploy/runtime-packages.sh" "$build_dir/cobble" "$build_dir/cobble-challsrv" >"$context/runtime-packages.txt"
echo "build-image: runtime packages: $(tr '\n' ' ' <"$context/runtime-packages.txt")"
cp "$root/deploy/image/"{app,cobble-healthcheck,make-test-certs.sh,pebble-config.json,container.json} "$context/"

revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
version=$("$build_dir/cobble" --version | awk '{print $2}')
for target in pebble challtestsrv cobble; do
  case $target in
    pebble) name=localhost/cobble-pebble ;;
    challtestsrv) name=localhost/cobble-challtestsrv ;;
    cobble) name=localhost/cobble ;;
  esac
  echo "build-image: $name:$tag (target $target)"
  previous=$(podman_cmd image inspect --format '{{.Id}}' "$name:$tag" 2>/dev/null || true)
  podman_cmd build --network host --format docker --layers --pull=never --target "$target" \
    --build-arg "BASE=$base" --label "org.opencontainers.image.version=$version" \
    --label "org.opencontainers.image.revision=$revision" \
    -f "$root/deploy/Containerfile" -t "$name:$tag" "$context" >"$context/build-$target.log" 2>&1 || {
    tail -40 "$context/build-$target.log" >&2
    echo "build-image: podman build --target $target failed" >&2
    exit 1
  }
  # The image this tag named before, now untagged: removed (only that one; nothing else is pruned).
  if [[ -n $previous && $previous != $(podman_cmd image inspect --format '{{.Id}}' "$name:$tag") ]]; then
    podman_cmd rmi "$previous" >/dev/null 2>&1 || true
  fi
done
echo "build-image: done in $((SECONDS - start)) s"
for name in localhost/cobble-pebble localhost/cobble-challtestsrv localhost/cobble; do
  bytes=$(podman_cmd image inspect --format '{{.Size}}' "$name:$tag")
  echo "build-image: $name:$tag $((bytes / 1000000)) MB ($bytes bytes)"
done
