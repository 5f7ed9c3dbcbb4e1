#!/usr/bin/env bash
# diff_run.sh WITH_LIBBPF15 REF_EXE {OX_EXE | --preload LIBOXBPF} ARGS...
#
# Runs REF_EXE ARGS on upstream libbpf 1.5 (under WITH_LIBBPF15) and the same test on oxbpf
# (OX_EXE, the same source linked to liboxbpf; or REF_EXE again with LIBOXBPF preloaded over
# libbpf 1.5), and fails with a unified diff (- libbpf 1.5, + oxbpf) when the transcripts
# differ (the reference's errno text normalised by scripts/errno-normalise). Exit 77 (skip) when the reference skips, i.e. when not privileged.
set -uo pipefail
with15="$1" ref="$2"
shift 2
want_lib=liboxbpf
if [[ "$1" == --preload ]]; then
    [[ "$2" == /* && -f "$2" ]] || { echo "FAIL: --preload needs an absolute path to liboxbpf: $2" >&2; exit 1; }
    ours=("$with15" --preload "$2" "$ref")
    shift 2
else
    ours=("$1")
    shift
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$with15" "$ref" "$@" >"$tmp/ref.raw" 2>"$tmp/ref.err"
rc=$?
# The reference's warnings with their errno text in libbpf 1.7's form, as liboxbpf writes it.
"$(cd "$(dirname "$0")/../.." && pwd)/scripts/errno-normalise" <"$tmp/ref.raw" >"$tmp/ref.txt"
if ((rc == 77)); then
    cat "$tmp/ref.txt"
    exit 77
fi
if ((rc != 0)); then
    echo "FAIL: the reference run (libbpf 1.5) failed with $rc:" >&2
    cat "$tmp/ref.err" "$tmp/ref.txt" >&2
    exit 1
fi
"${ours[@]}" "$@" >"$tmp/ox.txt" 2>"$tmp/ox.err"
rc=$?
if ! diff -u --label libbpf-1.5 --label oxbpf "$tmp/ref.txt" "$tmp/ox.txt"; then
    echo "FAIL: transcripts differ (exit status of the oxbpf run: $rc)" >&2
    cat "$tmp/ox.err" >&2
    exit 1
fi
# The calls under test must have gone to the library meant (a failed preload is silent).
if ! grep -q "^library: .*/libbpf\.so" "$tmp/ref.err"; then
    echo "FAIL: the reference run did not use libbpf.so.1:" >&2; cat "$tmp/ref.err" >&2; exit 1
fi
if ! grep -q "^library: .*/$want_lib" "$tmp/ox.err"; then
    echo "FAIL: the oxbpf run did not use $want_lib:" >&2; cat "$tmp/ox.err" >&2; exit 1
fi
if ((rc != 0)); then
    echo "FAIL: the oxbpf run failed with $rc" >&2
    cat "$tmp/ox.err" >&2
    exit 1
fi
echo "identical transcripts ($(wc -l <"$tmp/ref.txt") lines)"
