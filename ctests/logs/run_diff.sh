#!/usr/bin/env bash
# run_diff.sh WITH_LIBBPF15 ALLOWED REF_BIN OX_BIN -- ARGS...
# run_diff.sh WITH_LIBBPF15 ALLOWED REF_BIN --preload LIBOXBPF -- ARGS...
#
# Log parity of a whole test program (one that logs through ctests/vm/vm_log.h, e.g. the
# struct_ops tests): REF_BIN runs on upstream libbpf 1.5 (under WITH_LIBBPF15) and OX_BIN linked
# to liboxbpf (or REF_BIN with LIBOXBPF preloaded), each with OXBPF_TEST_DEBUG_LOG naming a
# file that receives every libbpf log line; both must pass, and log_compare.sh must find their
# logs equal up to ALLOWED. Exit 77 (either run skipped) is a skip.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=ctests/preload_check.sh
. "$here/../preload_check.sh"

usage() {
    echo "usage: $0 WITH_LIBBPF15 ALLOWED REF_BIN {OX_BIN | --preload LIBOXBPF} -- ARGS..." >&2
    exit 2
}
(($# >= 5)) || usage
with15="$1" allowed="$2" ref="$3"
shift 3
if [[ "$1" == --preload ]]; then
    mode=preload lib="$(realpath "$2")" ours="$ref"
    shift 2
else
    mode=linked ours="$1"
    shift
fi
[[ "${1:-}" == -- ]] || usage
shift
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

rc=0
OXBPF_TEST_DEBUG_LOG="$tmp/ref.log" "$with15" "$ref" "$@" >"$tmp/ref.out" 2>&1 || rc=$?
if ((rc == 77)); then
    grep -m1 SKIP "$tmp/ref.out" || echo "SKIP: the libbpf 1.5 run skipped"
    exit 77
elif ((rc != 0)); then
    echo "FAIL: the libbpf 1.5 run of $ref $* exited $rc:" >&2
    cat "$tmp/ref.out" >&2
    exit 1
fi
rc=0
if [[ $mode == linked ]]; then
    OXBPF_TEST_DEBUG_LOG="$tmp/ours.log" "$ours" "$@" >"$tmp/ours.out" 2>&1 || rc=$?
else
    oxt_require_preload_covers "$ref" "$lib"
    OXBPF_TEST_DEBUG_LOG="$tmp/ours.log" "$with15" --preload "$lib" "$ref" "$@" >"$tmp/ours.out" 2>&1 || rc=$?
fi
if ((rc == 77)); then
    grep -m1 SKIP "$tmp/ours.out" || echo "SKIP: the liboxbpf run skipped"
    exit 77
elif ((rc != 0)); then
    echo "FAIL: the liboxbpf ($mode) run of $ours $* exited $rc:" >&2
    cat "$tmp/ours.out" >&2
    exit 1
fi
if [[ ! -s "$tmp/ref.log" ]]; then
    echo "FAIL: $ref wrote no log to OXBPF_TEST_DEBUG_LOG (does its print callback call oxt_debug_log?)" >&2
    exit 1
fi
touch "$tmp/ours.log"
"$here/log_compare.sh" "$allowed" "$tmp/ref.log" "$tmp/ours.log" "$(basename "$ref") $* ($mode)" "$ref" "$ours"
