#!/usr/bin/env bash
# diff_load.sh WITH_LIBBPF15 REF_DUMPER OUR_DUMPER [LOAD_DIFF ARGS...] OBJECT
#
# Differential test of bpf_object__load: load_diff built against upstream libbpf 1.5 (run under
# scripts/with-libbpf15) and the same source linked against liboxbpf load OBJECT with the same
# arguments; their dumps (what the kernel got: programs' instructions as translated by the
# verifier, bound maps, func/line info, maps and their contents, BTF, warnings) must be equal,
# the reference's errno text normalised by scripts/errno-normalise. Fails with a unified diff (- upstream libbpf 1.5, + oxbpf).
set -euo pipefail

if (($# < 4)); then
    echo "usage: $0 WITH_LIBBPF15 REF_DUMPER OUR_DUMPER [ARGS...] OBJECT" >&2
    exit 2
fi
with15="$1" ref="$2" ours="$3"
shift 3
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
    echo "FAIL: the reference (upstream libbpf 1.5) exited with $rc:" >&2
    cat "$tmp/ref.err" "$tmp/ref.txt" >&2
    exit 1
fi
if ! grep -q '^load: ok$' "$tmp/ref.txt" && [[ "${LOAD_DIFF_EXPECT_FAIL:-}" != 1 ]]; then
    echo "FAIL: upstream libbpf 1.5 did not load the object; a diff of two failures proves little:" >&2
    cat "$tmp/ref.txt" >&2
    exit 1
fi

rc=0
"$ours" "$@" >"$tmp/ours.txt" 2>"$tmp/ours.err" || rc=$?
if ((rc != 0)); then
    echo "FAIL: oxbpf exited with status $rc; its stderr:" >&2
    cat "$tmp/ours.err" >&2
    echo "start of the diff (- upstream libbpf 1.5, + oxbpf):" >&2
    diff -u --label "upstream libbpf 1.5" --label "oxbpf" "$tmp/ref.txt" "$tmp/ours.txt" | head -n 40 >&2 || true
    exit 1
fi
if ! diff -u --label "upstream libbpf 1.5" --label "oxbpf" "$tmp/ref.txt" "$tmp/ours.txt"; then
    echo "FAIL: load dumps differ (- upstream libbpf 1.5, + oxbpf): $*" >&2
    exit 1
fi
echo "identical load dumps ($(wc -l <"$tmp/ref.txt") lines): $*"
