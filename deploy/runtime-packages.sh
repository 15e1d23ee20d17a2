#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries the given binaries load, one a line,
# sorted: what the image must install for them to run. Derived each time from `ldd` and `dpkg -S`,
# so the list follows the build (a new library, a new soname after an upgrade) and never rots.
#
# Usage: deploy/runtime-packages.sh BINARY...
# Fails naming the library when one is missing (`not found`) or belongs to no package (a library
# built by hand would not be in the image either).
set -euo pipefail
[[ $# -gt 0 ]] || { echo "usage: $0 BINARY..." >&2; exit 2; }

# dpkg knows a file by the path its package ships; with merged /usr, ldd may print the other one.
owner_of() {
  local lib=$1 candidates=("$1") real
  real=$(readlink -f "$lib")
  candidates+=("$real")
  for path in "$lib" "$real"; do
    case $path in
      /usr/lib/*) candidates+=("${path#/usr}") ;;
      /lib/* | /lib64/*) candidates+=("/usr$path") ;;
    esac
  done
  for path in "${candidates[@]}"; do
    if out=$(dpkg-query -S "$path" 2>/dev/null); then
      # "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3" (diversions print other lines first)
      grep -v '^diversion by' <<<"$out" | awk -F: 'NR == 1 {print $1}'
      return 0
    fi
  done
  return 1
}

declare -A packages=()
for binary in "$@"; do
  [[ -x $binary ]] || { echo "runtime-packages: $binary is not an executable" >&2; exit 1; }
  listing=$(ldd "$binary") || { echo "runtime-packages: ldd $binary failed" >&2; exit 1; }
  if grep -q "not found" <<<"$listing"; then
    echo "runtime-packages: $binary: $(grep "not found" <<<"$listing" | tr -s ' \t' ' ')" >&2
    exit 1
  fi
  # "libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x…)" and the loader's own "/lib64/ld-linux… (0x…)"
  while read -r lib; do
    pkg=$(owner_of "$lib") || { echo "runtime-packages: no Debian package holds $lib ($binary)" >&2; exit 1; }
    packages[$pkg]=1
  done < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$listing")
done
printf '%s\n' "${!packages[@]}" | sort
