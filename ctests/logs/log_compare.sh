#!/usr/bin/env bash
# log_compare.sh ALLOWED REF_LOG OURS_LOG LABEL [PATH...]: compare a libbpf 1.5 log with
# liboxbpf's, the one comparison of ctests/logs (logs_diff.sh) and of the VM lane
# (ctests/vm/guest.sh). Both are normalised by log_normalise.sh (each PATH becomes OBJ), the
# reference's errno text by scripts/errno-normalise, and diffed; every differing line (diff
# -U0: '-' only libbpf 1.5 printed it, '+' only liboxbpf) must match, whole, one regex of ALLOWED (regex TAB reason). Exit 0 with a summary line on
# stdout, or 1 with the offending lines and the full diff on stderr (LABEL names the run).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if (($# < 4)); then
    echo "usage: $0 ALLOWED REF_LOG OURS_LOG LABEL [PATH...]" >&2
    exit 2
fi
allowed="$1" ref_log="$2" ours_log="$3" label="$4"
shift 4
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The reference's errno text in libbpf 1.7's form (-EINVAL), as liboxbpf writes it. Logs that
# are already equal skip that step: it only rewrites the reference, and starting Python costs
# seconds under the VM lane's emulated CPU. (A liboxbpf line in 1.5's errno form would pass
# here but not scripts/diff-suite-17.sh, whose reference prints 1.7's form.)
"$here/log_normalise.sh" "$@" <"$ref_log" >"$tmp/ref.raw"
"$here/log_normalise.sh" "$@" <"$ours_log" >"$tmp/ours.txt"
if cmp -s "$tmp/ref.raw" "$tmp/ours.txt"; then
    mv "$tmp/ref.raw" "$tmp/ref.txt"
else
    # The distribution's interpreter when there is one: a version manager's python3 shim on
    # PATH forks several processes per start (seconds in the VM lane).
    py=python3
    [[ -x /usr/bin/python3 ]] && py=/usr/bin/python3
    "$py" "$here/../../scripts/errno-normalise" <"$tmp/ref.raw" >"$tmp/ref.txt"
fi
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
    echo "FAIL: log lines of $label differ beyond ctests/logs/allowed-diffs (- libbpf 1.5, + oxbpf):" >&2
    cat "$tmp/bad.txt" >&2
    echo "full diff:" >&2
    diff -u --label "upstream libbpf 1.5" --label "oxbpf" "$tmp/ref.txt" "$tmp/ours.txt" >&2 || true
    exit 1
fi
echo "$label: $(wc -l <"$tmp/ref.txt") log lines, $(wc -l <"$tmp/diff.txt") differing lines, all allowed"
