#!/usr/bin/env bash
# diff_btf.sh WITH_LIBBPF15 REF OURS ARGS...
# diff_btf.sh WITH_LIBBPF15 REF --preload LIBOXBPF ARGS...
#
# Differential test of BTF construction: REF (btf_write.c built against upstream libbpf 1.5) runs
# under scripts/with-libbpf15; ours is OURS (the same source linked to liboxbpf) or, with
# --preload, REF again with LIBOXBPF preloaded over libbpf 1.5 (after checking that liboxbpf
# defines every libbpf symbol REF imports). Both get ARGS; their outputs (return values, errno,
# warnings, raw BTF bytes; the reference's errno text normalised by scripts/errno-normalise)
# must be identical. Exit 77 (skip) when the reference skips.
set -euo pipefail
# shellcheck source=ctests/preload_check.sh
. "$(dirname "$0")/../preload_check.sh"
(($# >= 4)) || { echo "usage: $0 WITH_LIBBPF15 REF {OURS | --preload LIB} ARGS..." >&2; exit 2; }
with15="$1" ref="$2"
shift 2
if [[ "$1" == --preload ]]; then
    lib="$(realpath "$2")"
    shift 2
    mode=preload
    oxt_require_preload_covers "$ref" "$lib"
    ours=("$with15" --preload "$lib" "$ref")
else
    ours=("$1")
    shift
    mode=linked
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The reference's warnings with their errno text in libbpf 1.7's form, as liboxbpf writes it.
errno_normalise="$(cd "$(dirname "$0")/../.." && pwd)/scripts/errno-normalise"

rc=0
"$with15" "$ref" "$@" >"$tmp/ref.raw" 2>"$tmp/ref.err" || rc=$?
"$errno_normalise" <"$tmp/ref.raw" >"$tmp/ref.txt"
if ((rc == 77)); then
    cat "$tmp/ref.txt"
    exit 77
fi
if ((rc != 0)); then
    echo "FAIL: the reference (upstream libbpf 1.5) failed with status $rc on $*:" >&2
    cat "$tmp/ref.err" "$tmp/ref.txt" >&2
    exit 1
fi
rc=0
"${ours[@]}" "$@" >"$tmp/ours.txt" 2>"$tmp/ours.err" || rc=$?
if ((rc != 0)); then
    echo "FAIL: oxbpf ($mode) exited with status $rc on $*; its stderr:" >&2
    cat "$tmp/ours.err" >&2
fi
if ! diff -u --label "upstream libbpf 1.5" --label "oxbpf ($mode)" "$tmp/ref.txt" "$tmp/ours.txt"; then
    echo "FAIL: outputs for '$*' differ (- upstream libbpf 1.5, + oxbpf $mode)" >&2
    exit 1
fi
((rc == 0)) || exit 1
echo "$*: identical output ($(wc -l <"$tmp/ref.txt") lines, $mode)"
