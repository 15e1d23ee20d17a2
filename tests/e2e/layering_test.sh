#!/usr/bin/env bash
# The layering check passes on the real tree and fails on a tree with a forbidden include.
set -euo pipefail
: "${COBBLE_SOURCE_DIR:?}"
bash "$COBBLE_SOURCE_DIR/scripts/check-layering" "$COBBLE_SOURCE_DIR"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/storage" "$tmp/src/api" "$tmp/scripts"
printf '#include <boost/beast/http.hpp>\n' >"$tmp/src/storage/leak.cpp"
printf '#include "storage/store.hpp"\n' >"$tmp/src/api/leak.cpp"
if out=$(bash "$COBBLE_SOURCE_DIR/scripts/check-layering" "$tmp"); then
  echo "FAIL: check-layering accepted forbidden includes"; exit 1
fi
grep -q "storage/leak.cpp.*boost/beast" <<<"$out" || { echo "FAIL: Beast in storage not reported: $out"; exit 1; }
grep -q "api/leak.cpp.*storage/store.hpp" <<<"$out" || { echo "FAIL: storage in api not reported: $out"; exit 1; }
echo "ok: layering check catches forbidden includes"
