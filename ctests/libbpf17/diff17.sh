#!/usr/bin/env bash
# diff17.sh WITH_LIBBPF17 REF_EXE OX_EXE ARGS...
# Runs REF_EXE ARGS on upstream libbpf 1.7 (under WITH_LIBBPF17) and OX_EXE ARGS (the same
# source, built against 1.7's headers, linked to liboxbpf); fails with a unified diff
# (- libbpf 1.7, + oxbpf) when the transcripts or exit codes differ. With OXBPF_PRELOAD set to
# liboxbpf.so.1, REF_EXE also runs with it preloaded over libbpf 1.7 and must give the same
# transcript again. Skips (77) unprivileged.
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
if [[ -n "${OXBPF_PRELOAD:-}" ]]; then
    "$with17" --preload "$OXBPF_PRELOAD" "$ref" "$@" >"$tmp/pre.txt" 2>&1; rpre=$?
    echo "exit $rpre" >>"$tmp/pre.txt"
    if ! diff -u --label "libbpf 1.7" --label "oxbpf preloaded over 1.7" "$tmp/ref.txt" "$tmp/pre.txt"; then
        echo "FAIL: liboxbpf preloaded over libbpf 1.7 differs from libbpf 1.7" >&2
        exit 1
    fi
    echo "same transcript with liboxbpf preloaded over libbpf 1.7"
fi
((rref == 0)) || { echo "FAIL: the reference run failed ($rref)" >&2; exit 1; }
