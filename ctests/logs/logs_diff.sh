#!/usr/bin/env bash
# logs_diff.sh WITH_LIBBPF15 ALLOWED REF_DRIVER OBJECT OUR_DRIVER
# logs_diff.sh WITH_LIBBPF15 ALLOWED REF_DRIVER OBJECT --preload LIBOXBPF
#
# Log parity: runs log_driver (open, load, close OBJECT with every libbpf log line at DEBUG
# level on stdout) on upstream libbpf 1.5 (REF_DRIVER under with-libbpf15) and on liboxbpf
# (OUR_DRIVER linked to it, or REF_DRIVER with LIBOXBPF preloaded), normalises fds, addresses,
# kernel ids, sizes of kernel-owned things and timings, and diffs. Every differing line must
# match one regex of ALLOWED (regex TAB reason); any other difference fails the test.
set -euo pipefail
# shellcheck source=ctests/preload_check.sh
. "$(dirname "$0")/../preload_check.sh"

if (($# == 5)); then
    mode=linked
elif (($# == 6)) && [[ "$5" == --preload ]]; then
    mode=preload
else
    echo "usage: $0 WITH_LIBBPF15 ALLOWED REF_DRIVER OBJECT {OUR_DRIVER | --preload LIBOXBPF}" >&2
    exit 2
fi
with15="$1" allowed="$2" ref="$3" obj="$4"
if (($(id -u) != 0)); then
    echo "SKIP: loading BPF objects needs root"
    exit 77
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

normalise() {
    sed -E \
        -e 's/\bfd[ =:]*[0-9]+/fd N/g' \
        -e 's/0x[0-9a-f]{6,}/0xADDR/g' \
        -e 's/\b(id|prog_id|map_id|btf_id|obj_id)[ =:]+[0-9]+/\1 N/g' \
        -e 's/[0-9]+(\.[0-9]+)? ?(us|ms|ns)\b/T\2/g' \
        -e "s#$obj#OBJ#g"
}

"$with15" "$ref" "$obj" 2>&1 | normalise >"$tmp/ref.txt"
case "$mode" in
linked)
    "$5" "$obj" 2>&1 | normalise >"$tmp/ours.txt"
    ;;
preload)
    lib="$(realpath "$6")"
    oxt_require_preload_covers "$ref" "$lib"
    "$with15" --preload "$lib" "$ref" "$obj" 2>&1 | normalise >"$tmp/ours.txt"
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
    echo "FAIL: log lines of $obj differ beyond ctests/logs/allowed-diffs (- libbpf 1.5, + oxbpf $mode):" >&2
    cat "$tmp/bad.txt" >&2
    echo "full diff:" >&2
    diff -u --label "upstream libbpf 1.5" --label "oxbpf ($mode)" "$tmp/ref.txt" "$tmp/ours.txt" >&2 || true
    exit 1
fi
echo "$obj: $(wc -l <"$tmp/ref.txt") log lines, $(wc -l <"$tmp/diff.txt") differing lines, all allowed ($mode)"
