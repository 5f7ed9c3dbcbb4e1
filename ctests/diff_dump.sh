#!/usr/bin/env bash
# diff_dump.sh WITH_LIBBPF15 REF_DUMPER OBJECT OUR_DUMPER
# diff_dump.sh WITH_LIBBPF15 REF_DUMPER OBJECT --preload LIBOXBPF
#
# Differential test of the open path. The reference is REF_DUMPER (open_dump built against
# upstream libbpf 1.5) run under scripts/with-libbpf15. Ours is either
#   - OUR_DUMPER, the same source linked against liboxbpf, run directly, or
#   - --preload: REF_DUMPER again, under with-libbpf15 with LIBOXBPF preloaded, the way a
#     user replaces a distro libbpf. This mode first checks that liboxbpf defines every
#     libbpf symbol REF_DUMPER imports: otherwise libbpf 1.5 would quietly serve the rest and
#     the comparison would prove nothing.
# The reference's errno text in log lines is normalised by scripts/errno-normalise (libbpf 1.7's
# form, as liboxbpf writes it). Fails with a unified diff (- upstream libbpf 1.5, + oxbpf) when
# the dumps differ. A reference
# dumper that exits 77 (skipped: not privileged) skips the test.
set -euo pipefail
# shellcheck source=ctests/preload_check.sh
. "$(dirname "$0")/preload_check.sh"

if (($# == 4)); then
    mode=linked
elif (($# == 5)) && [[ "$4" == --preload ]]; then
    mode=preload
else
    echo "usage: $0 WITH_LIBBPF15 REF_DUMPER OBJECT {OUR_DUMPER | --preload LIBOXBPF}" >&2
    exit 2
fi
with15="$1" ref="$2" obj="$3"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The reference's warnings with their errno text in libbpf 1.7's form, as liboxbpf writes it.
errno_normalise="$(cd "$(dirname "$0")/.." && pwd)/scripts/errno-normalise"

ref_rc=0
"$with15" "$ref" "$obj" >"$tmp/ref.raw" 2>"$tmp/ref.err" || ref_rc=$?
"$errno_normalise" <"$tmp/ref.raw" >"$tmp/ref.txt"
if ((ref_rc == 77)); then
    cat "$tmp/ref.txt"  # the dumper skipped itself ("SKIP: reason": not privileged)
    exit 77
fi
if ((ref_rc != 0)); then
    echo "FAIL: the reference (upstream libbpf 1.5) could not dump $obj:" >&2
    cat "$tmp/ref.err" "$tmp/ref.txt" >&2
    exit 1
fi

case "$mode" in
linked)
    ours=("$4")
    ;;
preload)
    lib="$(realpath "$5")"  # ld.so searches its library path for a name without a slash
    oxt_require_preload_covers "$ref" "$lib"
    ours=("$with15" --preload "$lib" "$ref")
    ;;
esac

rc=0
"${ours[@]}" "$obj" >"$tmp/ours.txt" 2>"$tmp/ours.err" || rc=$?
if ((rc != 0)); then
    echo "FAIL: oxbpf ($mode) exited with status $rc on $obj; its stderr:" >&2
    cat "$tmp/ours.err" >&2
    echo "start of the diff (- upstream libbpf 1.5, + oxbpf $mode):" >&2
    diff -u --label "upstream libbpf 1.5" --label "oxbpf ($mode)" "$tmp/ref.txt" "$tmp/ours.txt" \
        | head -n 30 >&2 || true
    exit 1
fi
if ! diff -u --label "upstream libbpf 1.5" --label "oxbpf ($mode)" "$tmp/ref.txt" "$tmp/ours.txt"; then
    echo "FAIL: dumps of $obj differ (- upstream libbpf 1.5, + oxbpf $mode)" >&2
    exit 1
fi
echo "$obj: identical dumps ($(wc -l <"$tmp/ref.txt") lines, $mode)"
