#!/usr/bin/env bash
# diff_btf.sh WITH_LIBBPF15 REF_DRIVER {OUR_DRIVER | --preload LIBOXBPF} :: ARGS... [:: ARGS...]
#
# Differential test of BTF dedup/distill/relocate: every argument list (separated by `::`) is
# run through the btf_dedup driver built against upstream libbpf 1.5 (under with-libbpf15) and
# through ours (the driver linked to liboxbpf, or the reference driver with liboxbpf preloaded
# over libbpf 1.5). Outputs (type counts, sizes, hashes of the raw bytes) must be identical and
# both runs must succeed.
set -euo pipefail
# shellcheck source=ctests/preload_check.sh
. "$(dirname "$0")/../preload_check.sh"
with15="$1" ref="$2"
shift 2
if [[ "$1" == --preload ]]; then
    lib="$(realpath "$2")"
    ours=("$with15" --preload "$lib" "$ref")
    mode=preload
    shift 2
    oxt_require_preload_covers "$ref" "$lib"
else
    ours=("$1")
    mode=linked
    shift
fi
[[ "${1:-}" == "::" ]] || { echo "usage: $0 WITH15 REF OURS|--preload LIB :: ARGS..." >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

run_one() {
    local rc=0
    "$with15" "$ref" "$@" >"$tmp/ref.txt" 2>"$tmp/ref.err" || rc=$?
    if ((rc != 0)); then
        echo "FAIL: the reference (libbpf 1.5) failed ($rc) on: $*" >&2
        cat "$tmp/ref.err" "$tmp/ref.txt" >&2
        exit 1
    fi
    rc=0
    "${ours[@]}" "$@" >"$tmp/ours.txt" 2>"$tmp/ours.err" || rc=$?
    if ((rc != 0)); then
        echo "FAIL: oxbpf ($mode) failed ($rc) on: $*" >&2
        cat "$tmp/ours.err" >&2
        diff -u --label "libbpf 1.5" --label "oxbpf ($mode)" "$tmp/ref.txt" "$tmp/ours.txt" >&2 || true
        exit 1
    fi
    if ! diff -u --label "libbpf 1.5" --label "oxbpf ($mode)" "$tmp/ref.txt" "$tmp/ours.txt"; then
        echo "FAIL: results differ on: $*" >&2
        exit 1
    fi
    if ! grep -q . "$tmp/ref.txt"; then
        echo "FAIL: empty output on: $*" >&2
        exit 1
    fi
    echo "identical ($mode): $* — $(tr '\n' ';' <"$tmp/ref.txt" | cut -c1-300)"
}

args=()
shift
for a in "$@"; do
    if [[ "$a" == "::" ]]; then
        run_one "${args[@]}"
        args=()
    else
        args+=("$a")
    fi
done
((${#args[@]} == 0)) || run_one "${args[@]}"
