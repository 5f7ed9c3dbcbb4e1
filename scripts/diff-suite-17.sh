#!/usr/bin/env bash
# diff-suite-17.sh [BUILD [TEST...]]: the whole meson differential suite rerun with upstream
# libbpf 1.7 as the reference. Every test that runs a program "on libbpf 1.5" goes through
# scripts/with-libbpf15, which OXBPF_REFERENCE=1.7 sends to libbpf 1.7 (Debian sid's, through its
# own loader) instead; the programs are the same binaries (built against 1.5's headers: 1.7 is a
# superset of that ABI). The tests that then fail are the places where liboxbpf and libbpf 1.7
# differ; each must be listed, with the reason, in ctests/libbpf17/suite17-expected (reasons
# explained in ctests/libbpf17/DIFFERENCES.md). Fails when a test fails that the list does not
# name, or a listed test passes (the list is stale). Prints "suite17: ..." summary lines.
# Needs a built BUILD (default build/); skips (exit 77) when sid's libbpf 1.7 is unavailable.
# With TEST names after BUILD (diff-suite-17.sh BUILD TEST...), only those tests run, and only
# their lines of the list are checked (a named test the list names must still differ, one it
# does not name must agree).
set -uo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$src" || exit 1
build="${1:-${OXBPF_BUILD_DIR:-build}}"
(($# > 0)) && shift
only=("$@")
expected=ctests/libbpf17/suite17-expected

if ! why="$(scripts/sid-root 2>&1 >/dev/null)"; then
    echo "suite17: SKIP: libbpf 1.7 (Debian sid) is unavailable: $why"
    exit 77
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# The suite's own log stays build/meson-logs/testlog.txt; this run writes testlog-17.*.
OXBPF_REFERENCE=1.7 meson test -C "$build" --no-rebuild --logbase testlog-17 "${only[@]}" >"$log" 2>&1
# "N/M suite / name  RESULT ..." lines: the names of the tests that failed or timed out.
failed="$(awk '$1 ~ /^[0-9]+\/[0-9]+$/ { for (k = 1; k < NF; k++) if ($k == "/") { name = $(k + 1); res = $(k + 2); break }
              if (res == "FAIL" || res == "TIMEOUT") print name }' "$log" | sort -u)"
listed="$(grep -v '^[[:space:]]*\(#\|$\)' "$expected" | awk '{ print $1 }' | sort -u)"
if ((${#only[@]})); then
    listed="$(comm -12 <(echo "$listed") <(printf '%s\n' "${only[@]}" | sort -u))"
fi
total="$(awk '$1 ~ /^[0-9]+\/[0-9]+$/' "$log" | wc -l)"
rc=0
unexpected="$(comm -23 <(echo "$failed") <(echo "$listed") | sed '/^$/d')"
stale="$(comm -13 <(echo "$failed") <(echo "$listed") | sed '/^$/d')"
if [[ -n "$unexpected" ]]; then
    echo "suite17: FAIL: differ from libbpf 1.7 but are not listed in $expected:"
    sed 's/^/  /' <<<"$unexpected"
    echo "  (logs: $build/meson-logs/testlog-17.txt)"
    rc=1
fi
if [[ -n "$stale" ]]; then
    echo "suite17: FAIL: listed in $expected but now agree with libbpf 1.7 (remove them):"
    sed 's/^/  /' <<<"$stale"
    rc=1
fi
if ((total == 0)); then
    echo "suite17: FAIL: no test ran"
    tail -n 20 "$log"
    rc=1
fi
echo "suite17: $total tests with libbpf 1.7 as the reference, $(sed '/^$/d' <<<"$failed" | wc -l) differ, all listed: $([[ $rc == 0 ]] && echo yes || echo no)"
exit "$rc"
