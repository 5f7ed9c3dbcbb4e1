#!/usr/bin/env bash
# diff17.sh WITH_LIBBPF17 REF_EXE OX_EXE ARGS...
# Runs REF_EXE ARGS on upstream libbpf 1.7 (under WITH_LIBBPF17) and OX_EXE ARGS (the same
# source, built against 1.7's headers, linked to liboxbpf); fails with a unified diff
# (- libbpf 1.7, + oxbpf) when the transcripts or exit codes differ. Skips (77) unprivileged.
set -uo pipefail
with17="$1" ref="$2" ox="$3"
shift 3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [[ "$(id -u)" != 0 ]] && ! capsh --has-p=cap_bpf 2>/dev/null; then
    echo "SKIP: loading BPF programs needs root or CAP_BPF"
    exit 77
fi
"$with17" "$ref" "$@" >"$tmp/ref.txt" 2>&1; rref=$?
"$ox" "$@" >"$tmp/ox.txt" 2>&1; rox=$?
echo "exit $rref" >>"$tmp/ref.txt"
echo "exit $rox" >>"$tmp/ox.txt"
cat "$tmp/ref.txt"
if ! diff -u --label "libbpf 1.7" --label oxbpf "$tmp/ref.txt" "$tmp/ox.txt"; then
    echo "FAIL: liboxbpf differs from libbpf 1.7" >&2
    exit 1
fi
((rref == 0)) || { echo "FAIL: the reference run failed ($rref)" >&2; exit 1; }
