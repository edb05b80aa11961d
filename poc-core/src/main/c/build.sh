#!/bin/sh
# Compiles a C helper (poc-init, poc-oci-front, poc-front) statically: musl-gcc when present (a ~60 KB helper), else static glibc.
set -eu
src=$1; out=$2
mkdir -p "$(dirname "$out")"
flags="-O2 -Wall -Wextra -Werror -std=gnu11 -static"
if command -v musl-gcc >/dev/null 2>&1; then cc=musl-gcc; else cc=${CC:-cc}; fi
$cc $flags -o "$out.tmp" "$src"
strip "$out.tmp" 2>/dev/null || true
mv "$out.tmp" "$out"
