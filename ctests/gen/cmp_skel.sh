#!/usr/bin/env bash
# Compare the skeleton oxbpf generates for one object with bpftool 7.5's, byte for byte.
# Usage: cmp_skel.sh OXBPF BPFTOOL75 OBJ NAME
set -euo pipefail
oxbpf=$1 bpftool=$2 obj=$3 name=$4
case $oxbpf in
*/*) ;;
*) oxbpf=./$oxbpf ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$oxbpf" gen skeleton "$obj" name "$name" >"$tmp/ox.h"
"$bpftool" gen skeleton "$obj" name "$name" >"$tmp/ref.h"
if [ ! -s "$tmp/ref.h" ]; then
	echo "bpftool 7.5 printed nothing for $obj" >&2
	exit 1
fi
if cmp -s "$tmp/ox.h" "$tmp/ref.h"; then
	echo "PASS: $name skeleton byte-identical to bpftool 7.5 ($(wc -c <"$tmp/ref.h") bytes)"
	exit 0
fi
echo "FAIL: $name skeleton differs from bpftool 7.5:" >&2
diff -u "$tmp/ref.h" "$tmp/ox.h" | grep -v '^[-+ ]\\x' | head -60 >&2
exit 1
