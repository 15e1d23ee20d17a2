#!/usr/bin/env bash
# The layering check passes on the real tree and fails on a tree with forbidden includes: edges
# CMake does not link (api -> storage, pause -> storage, a tool -> storage) and Beast in storage.
set -euo pipefail
: "${COBBLE_SOURCE_DIR:?}"
check=$COBBLE_SOURCE_DIR/scripts/check-layering
bash "$check" "$COBBLE_SOURCE_DIR"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$COBBLE_SOURCE_DIR/CMakeLists.txt" "$tmp/"
mkdir -p "$tmp/src/storage" "$tmp/src/api" "$tmp/src/pause" "$tmp/tools/bench"
printf '#include <boost/beast/http.hpp>\n' >"$tmp/src/storage/leak.cpp"
printf '#include "storage/store.hpp"\n' >"$tmp/src/api/leak.cpp"
printf '#include "storage/store.hpp"\n' >"$tmp/src/pause/leak.cpp"
printf '#include "storage/store.hpp"\n' >"$tmp/tools/bench/leak.cpp"
if out=$(bash "$check" "$tmp"); then
  echo "FAIL: check-layering accepted forbidden includes"; exit 1
fi
for expected in "src/storage/leak.cpp.*boost/beast" "src/api/leak.cpp.*storage/store.hpp" \
  "src/pause/leak.cpp.*storage/store.hpp" "tools/bench/leak.cpp.*storage/store.hpp"; do
  grep -q "$expected" <<<"$out" || { echo "FAIL: not reported: $expected in: $out"; exit 1; }
done
echo "ok: layering check catches forbidden includes in src/ and tools/"
