#!/usr/bin/env bash
# run.sh LIBOXBPF SCENARIO [ARGS...]
#
# Runs a distribution program scenario (ctests/distro/s_*.sh) three times, each in a fresh
# network and mount namespace (unshare: both vanish with the process tree, whatever happens,
# together with every device, qdisc, pin and bpffs instance the scenario made):
#   distro    the programs as installed, on bookworm's libbpf 1.1
#   preload   LD_PRELOAD=LIBOXBPF over it
#   replace   liboxbpf as the only libbpf.so.1 (LD_LIBRARY_PATH to a directory where
#             libbpf.so.1 names it)
# The scenario checks the effects itself (exit status) and prints a transcript; the liboxbpf
# runs must succeed and print the same transcript as the distro run (its libbpf lines' errno text
# normalised by scripts/errno-normalise). Before the preload run,
# every libbpf symbol the programs import (listed by the scenario's `# needs:` line) must be
# defined by liboxbpf: otherwise libbpf 1.1 would quietly serve the rest and prove nothing.
# Exit 77 (skip) only when not root.
set -uo pipefail
lib="$1" scenario="$2"
shift 2
if ((EUID != 0)); then
    echo "SKIP: needs root (network namespaces, CAP_BPF, CAP_NET_ADMIN); running as uid $EUID"
    exit 77
fi
[[ "$lib" == /* && -f "$lib" ]] || { echo "FAIL: no liboxbpf at '$lib'" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/replace"
ln -s "$lib" "$tmp/replace/libbpf.so.1"
export OXD_LIB="$lib" OXD_REPLACE_DIR="$tmp/replace" OXD_TMP="$tmp"

fail=0
# Symbol coverage for the preload variant.
needs="$(sed -n 's/^# needs: //p' "$scenario")"
needs="${needs//\$1/${1:-}}" # `$1`: the scenario's first argument (a program built here)
missing=()
if [[ -n "$needs" ]]; then
    ours="$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u)"
    for bin in $needs; do
        [[ -e "$bin" ]] || { echo "FAIL: $bin is not installed" >&2; exit 1; }
        while read -r sym; do
            grep -qx "$sym" <<<"$ours" || missing+=("$sym")
        done < <(nm -D --undefined-only "$bin" | awk '/@LIBBPF_/ {print $2}' | sed 's/@.*//' | sort -u)
    done
fi
# The replace variant must really load liboxbpf as libbpf.so.1.
for bin in $needs; do
    [[ "$bin" == *.so* || -x "$bin" ]] || continue
    deps="$(LD_LIBRARY_PATH="$tmp/replace" ldd "$bin" 2>/dev/null)"
    if [[ "$deps" != *"libbpf.so.1 => $tmp/replace/"* ]]; then
        echo "FAIL: with LD_LIBRARY_PATH=$tmp/replace, $bin does not load liboxbpf as libbpf.so.1"
        fail=1
    fi
done
if ((${#missing[@]})); then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "FAIL: liboxbpf does not define ${#missing[@]} libbpf function(s) these programs import: ${missing[*]}"
    fail=1
fi

for v in distro preload replace; do
    unshare --net --mount --propagation private -- "$scenario" "$v" "$@" >"$tmp/$v.out" 2>"$tmp/$v.err"
    echo "$?" >"$tmp/$v.rc"
done
# libbpf 1.1's errno text in the distro run's libbpf lines in libbpf 1.7's form, as liboxbpf
# writes it (--force: the reference here is always bookworm's 1.1, whatever OXBPF_REFERENCE says).
"$(cd "$(dirname "$0")/../.." && pwd)/scripts/errno-normalise" --force <"$tmp/distro.out" >"$tmp/distro.norm" \
    && mv "$tmp/distro.norm" "$tmp/distro.out"
if [[ "$(cat "$tmp/distro.rc")" != 0 ]]; then
    echo "FAIL: the scenario fails on the distribution's libbpf (exit $(cat "$tmp/distro.rc")):"
    cat "$tmp/distro.out" "$tmp/distro.err"
    exit 1
fi
echo "---- distro libbpf 1.1 transcript"
cat "$tmp/distro.out"
for v in preload replace; do
    rc="$(cat "$tmp/$v.rc")"
    if ((rc >= 128)); then
        echo "FAIL ($v): killed by signal $((rc - 128)) (crash)"
        fail=1
    elif ((rc != 0)); then
        echo "FAIL ($v): exit status $rc"
        fail=1
    fi
    if ! diff -u --label distro --label "$v" "$tmp/distro.out" "$tmp/$v.out" >"$tmp/$v.diff"; then
        echo "FAIL ($v): transcript differs from the distro run:"
        cat "$tmp/$v.diff"
        fail=1
    fi
    if ((rc != 0)) || [[ -s "$tmp/$v.diff" ]]; then
        echo "---- $v stderr"
        tail -n 40 "$tmp/$v.err"
    fi
done
((fail)) && exit 1
echo "same transcript and effects on liboxbpf (preloaded, and as libbpf.so.1)"
