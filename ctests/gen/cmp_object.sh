#!/usr/bin/env bash
# Link the same inputs with `oxbpf gen object` and bpftool 7.5's, and compare the outputs.
# Usage: cmp_object.sh OXBPF BPFTOOL75 INPUT...
set -euo pipefail
oxbpf=$1 bpftool=$2
shift 2
case $oxbpf in
*/*) ;;
*) oxbpf=./$oxbpf ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$oxbpf" gen object "$tmp/ox.o" "$@"
"$bpftool" gen object "$tmp/ref.o" "$@"
if cmp -s "$tmp/ox.o" "$tmp/ref.o"; then
	echo "PASS: gen object of $* byte-identical to bpftool 7.5 ($(wc -c <"$tmp/ref.o") bytes)"
	exit 0
fi
echo "FAIL: gen object of $* differs from bpftool 7.5" >&2
cmp "$tmp/ox.o" "$tmp/ref.o" >&2 || true
exit 1
