#!/usr/bin/env bash
# logs_diff.sh WITH_LIBBPF15 ALLOWED REF_DRIVER OUR_DRIVER -- [DRIVER_ARGS...] OBJECT
# logs_diff.sh WITH_LIBBPF15 ALLOWED REF_DRIVER --preload LIBOXBPF -- [DRIVER_ARGS...] OBJECT
#
# Log parity: runs log_driver (open, load, optionally attach, close OBJECT with every libbpf
# log line at DEBUG level on stdout) on upstream libbpf 1.5 (REF_DRIVER under with-libbpf15)
# and on liboxbpf (OUR_DRIVER linked to it, or REF_DRIVER with LIBOXBPF preloaded) and compares
# the logs with log_compare.sh (normalised by log_normalise.sh: fds, addresses, kernel ids,
# timings, OBJECT's path); every differing line must match one regex of ALLOWED (regex TAB
# reason), any other difference fails the test.
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

"$with15" "$ref" "${driver_args[@]}" >"$tmp/ref.log" 2>&1
rm -rf "${pins:?}"/*
case "$mode" in
linked)
    "$ours" "${driver_args[@]}" >"$tmp/ours.log" 2>&1
    ;;
preload)
    oxt_require_preload_covers "$ref" "$lib"
    "$with15" --preload "$lib" "$ref" "${driver_args[@]}" >"$tmp/ours.log" 2>&1
    ;;
esac
"$here/log_compare.sh" "$allowed" "$tmp/ref.log" "$tmp/ours.log" "${driver_args[*]} ($mode)" "$obj"
