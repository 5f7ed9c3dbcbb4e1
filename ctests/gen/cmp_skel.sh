#!/usr/bin/env bash
# Compare the skeleton (or subskeleton) oxbpf generates for one object with bpftool 7.5's, byte
# for byte.
# Usage: cmp_skel.sh OXBPF BPFTOOL75 { skeleton | subskeleton } OBJ NAME
set -euo pipefail
oxbpf=$1 bpftool=$2 kind=$3 obj=$4 name=$5
case $oxbpf in
*/*) ;;
*) oxbpf=./$oxbpf ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$oxbpf" gen "$kind" "$obj" name "$name" >"$tmp/ox.h"
"$bpftool" gen "$kind" "$obj" name "$name" >"$tmp/ref.h"
if [ ! -s "$tmp/ref.h" ]; then
	echo "bpftool 7.5 printed nothing for $obj" >&2
	exit 1
fi
if cmp -s "$tmp/ox.h" "$tmp/ref.h"; then
	echo "PASS: $name $kind byte-identical to bpftool 7.5 ($(wc -c <"$tmp/ref.h") bytes)"
	exit 0
fi
echo "FAIL: $name $kind differs from bpftool 7.5:" >&2
diff -u "$tmp/ref.h" "$tmp/ox.h" | grep -v '^[-+ ]\\x' | head -60 >&2
exit 1
