#!/usr/bin/env bash
# pin_paths_diff.sh WITH_LIBBPF15 REF OBJECT {OURS | --preload LIBOXBPF}
#
# Runs pin_paths (REF: built against upstream libbpf 1.5, run under with-libbpf15) and ours
# (OURS linked to liboxbpf, or REF with LIBOXBPF preloaded) on OBJECT and fails with a unified
# diff (- upstream libbpf 1.5, + oxbpf) when their outputs differ. Needs root to mount a BPF FS
# and load: skips (77) otherwise.
set -euo pipefail

if (($(id -u) != 0)); then
    echo "SKIP: needs root (mounts a BPF FS, loads programs)"
    exit 77
fi
with15="$1" ref="$2" obj="$(realpath "$3")"  # the program works from /
if [[ "$4" == --preload ]]; then
    ours=("$with15" --preload "$(realpath "$5")" "$ref")
else
    ours=("$4")
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if ! "$with15" "$ref" "$obj" >"$tmp/ref.txt" 2>"$tmp/ref.err"; then
    echo "FAIL: the reference (upstream libbpf 1.5) failed:" >&2
    cat "$tmp/ref.err" "$tmp/ref.txt" >&2
    exit 1
fi
rc=0
"${ours[@]}" "$obj" >"$tmp/ours.txt" 2>"$tmp/ours.err" || rc=$?
if ((rc != 0)); then
    echo "FAIL: oxbpf exited with status $rc; its stderr:" >&2
    cat "$tmp/ours.err" >&2
fi
if ! diff -u --label "upstream libbpf 1.5" --label "oxbpf" "$tmp/ref.txt" "$tmp/ours.txt"; then
    echo "FAIL: pin path handling differs (- upstream libbpf 1.5, + oxbpf)" >&2
    exit 1
fi
((rc == 0)) || exit 1
echo "identical output ($(wc -l <"$tmp/ref.txt") lines)"
