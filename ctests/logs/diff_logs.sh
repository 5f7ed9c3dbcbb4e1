#!/bin/sh
# Runs log_driver on libbpf 1.5 (reference) and on liboxbpf for one object, normalises fds,
# addresses, ids and timings, drops lines matched by allowed-diffs (regex<TAB>reason), and
# requires the rest to be identical. Usage: diff_logs.sh WITH_LIBBPF15 REF OX ALLOWED OBJ
set -eu
with15=$1 ref=$2 ox=$3 allowed=$4 obj=$5
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root"; exit 77; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
norm() {
	sed -E -e 's/0x[0-9a-fA-F]+/ADDR/g' -e 's/fd[ =:]*[0-9]+/fd N/g' \
		-e 's/(id|FD|fd)([ =:]+)[0-9]+/\1\2N/g' "$1" |
		grep -v -E -f "$tmp/patterns" || true
}
cut -f1 "$allowed" | grep -v -e '^#' -e '^$' >"$tmp/patterns" || true
[ -s "$tmp/patterns" ] || echo '^$' >"$tmp/patterns"
"$with15" "$ref" "$obj" >"$tmp/ref.raw" 2>&1
"$ox" "$obj" >"$tmp/ox.raw" 2>&1
norm "$tmp/ref.raw" >"$tmp/ref"
norm "$tmp/ox.raw" >"$tmp/ox"
diff -u "$tmp/ref" "$tmp/ox"
