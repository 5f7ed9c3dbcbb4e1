#!/usr/bin/env bash
# bpftool_diff.sh TRIXIE_ROOT LIBOXBPF FILE
#
# `bpftool btf dump file FILE format c` (trixie's bpftool 7.5: sorted output, its own prelude)
# run on upstream libbpf 1.5, then again with LIBOXBPF preloaded over it; the outputs must be
# byte-identical. Checks first that liboxbpf defines every btf_dump__* symbol bpftool imports.
set -euo pipefail
root="$1" lib="$(realpath "$2")" file="$3"
libdir="$root/usr/lib/x86_64-linux-gnu"
bpftool="$root/usr/sbin/bpftool"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
syms="$(readelf --dyn-syms -W "$lib")"
for sym in btf_dump__new btf_dump__free btf_dump__dump_type btf_dump__emit_type_decl; do
    grep -q " $sym@@LIBBPF_" <<<"$syms" \
        || { echo "FAIL: $lib does not define $sym" >&2; exit 1; }
done
run() { "$libdir/ld-linux-x86-64.so.2" --library-path "$libdir" "$@" --argv0 bpftool "$bpftool" \
    btf dump file "$file" format c; }
run >"$tmp/ref.h" 2>"$tmp/ref.err" || { echo "FAIL: reference bpftool failed:" >&2; cat "$tmp/ref.err" >&2; exit 1; }
run --preload "$lib" >"$tmp/ours.h" 2>"$tmp/ours.err" || { echo "FAIL: bpftool over liboxbpf failed:" >&2; cat "$tmp/ours.err" >&2; exit 1; }
if ! diff -u --label "bpftool 7.5 on libbpf 1.5" --label "bpftool 7.5 on liboxbpf" "$tmp/ref.h" "$tmp/ours.h" | head -n 60; then
    echo "FAIL: format c of $file differs" >&2
    exit 1
fi
cmp -s "$tmp/ref.h" "$tmp/ours.h" || { echo "FAIL: format c of $file differs" >&2; exit 1; }
echo "$file: identical format c ($(wc -l <"$tmp/ref.h") lines)"
