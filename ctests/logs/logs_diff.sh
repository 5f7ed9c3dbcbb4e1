#!/usr/bin/env bash
# logs_diff.sh WITH_LIBBPF15 ALLOWED REF_DRIVER OUR_DRIVER -- [DRIVER_ARGS...] OBJECT
# logs_diff.sh WITH_LIBBPF15 ALLOWED REF_DRIVER --preload LIBOXBPF -- [DRIVER_ARGS...] OBJECT
#
# Log parity: runs log_driver (open, load, optionally attach, close OBJECT with every libbpf
# log line at DEBUG level on stdout) on upstream libbpf 1.5 (REF_DRIVER under with-libbpf15)
# and on liboxbpf (OUR_DRIVER linked to it, or REF_DRIVER with LIBOXBPF preloaded), normalises
# them (log_normalise.sh: fds, addresses, kernel ids, timings) and diffs. Every differing line
# must match one regex of ALLOWED (regex TAB reason); any other difference fails the test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=ctests/preload_check.sh
. "$here/../preload_check.sh"

usage() {
    echo "usage: $0 WITH_LIBBPF15 ALLOWED REF_DRIVER {OUR_DRIVER | --preload LIBOXBPF} -- [DRIVER_ARGS...] OBJECT" >&2
    exit 2
}
(($# >= 6)) || usage
with15="$1" allowed="$2" ref="$3"
shift 3
if [[ "$1" == --preload ]]; then
    mode=preload lib="$(realpath "$2")"
    shift 2
else
    mode=linked ours="$1"
    shift
fi
[[ "${1:-}" == -- ]] || usage
shift
(($# >= 1)) || usage
driver_args=("$@")
obj="${driver_args[-1]}"
if (($(id -u) != 0)); then
    echo "SKIP: loading BPF objects needs root"
    exit 77
fi
tmp="$(mktemp -d)"
# Maps pinned by name go to a directory of this run (emptied between the two libraries), not
# to /sys/fs/bpf where other tests pin the same names: both runs find no pin and create it.
pins="$(mktemp -d /sys/fs/bpf/oxlg_XXXXXX)"
trap 'rm -rf "$tmp" "$pins"' EXIT
driver_args=(--pin-root "$pins" "${driver_args[@]}")

"$with15" "$ref" "${driver_args[@]}" 2>&1 | "$here/log_normalise.sh" "$obj" >"$tmp/ref.txt"
rm -rf "${pins:?}"/*
case "$mode" in
linked)
    "$ours" "${driver_args[@]}" 2>&1 | "$here/log_normalise.sh" "$obj" >"$tmp/ours.txt"
    ;;
preload)
    oxt_require_preload_covers "$ref" "$lib"
    "$with15" --preload "$lib" "$ref" "${driver_args[@]}" 2>&1 | "$here/log_normalise.sh" "$obj" >"$tmp/ours.txt"
    ;;
esac

# The allowed regexes, one per line, without their reasons.
grep -vE '^(#|$)' "$allowed" | cut -f1 >"$tmp/allowed.re" || true
diff -U0 --label ref --label ours "$tmp/ref.txt" "$tmp/ours.txt" \
    | grep -E '^[-+]' | grep -vE '^(---|\+\+\+) ' >"$tmp/diff.txt" || true
if [[ -s "$tmp/allowed.re" ]]; then
    grep -vxEf "$tmp/allowed.re" "$tmp/diff.txt" >"$tmp/bad.txt" || true
else
    cp "$tmp/diff.txt" "$tmp/bad.txt"
fi
if [[ -s "$tmp/bad.txt" ]]; then
    echo "FAIL: log lines of ${driver_args[*]} differ beyond ctests/logs/allowed-diffs (- libbpf 1.5, + oxbpf $mode):" >&2
    cat "$tmp/bad.txt" >&2
    echo "full diff:" >&2
    diff -u --label "upstream libbpf 1.5" --label "oxbpf ($mode)" "$tmp/ref.txt" "$tmp/ours.txt" >&2 || true
    exit 1
fi
echo "${driver_args[*]}: $(wc -l <"$tmp/ref.txt") log lines, $(wc -l <"$tmp/diff.txt") differing lines, all allowed ($mode)"
