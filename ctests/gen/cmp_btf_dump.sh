#!/usr/bin/env bash
# Compare `oxbpf btf dump ARGS...` with `bpftool 7.5 btf dump ARGS...` byte for byte.
# Usage: cmp_btf_dump.sh OXBPF BPFTOOL75 ARGS...
set -euo pipefail
oxbpf=$1 bpftool=$2
shift 2
case $oxbpf in
*/*) ;;
*) oxbpf=./$oxbpf ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$oxbpf" btf dump "$@" >"$tmp/ox"
"$bpftool" btf dump "$@" >"$tmp/ref"
if [ ! -s "$tmp/ref" ]; then
	echo "bpftool 7.5 printed nothing for btf dump $*" >&2
	exit 1
fi
if cmp -s "$tmp/ox" "$tmp/ref"; then
	echo "PASS: btf dump $* byte-identical to bpftool 7.5 ($(wc -l <"$tmp/ref") lines)"
	exit 0
fi
echo "FAIL: btf dump $* differs from bpftool 7.5:" >&2
diff -u "$tmp/ref" "$tmp/ox" | head -60 >&2
exit 1
