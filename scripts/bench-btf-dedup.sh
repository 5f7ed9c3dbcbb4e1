#!/usr/bin/env bash
# bench-btf-dedup.sh [ITERATIONS] [OBJECT...]
# CPU time of btf__dedup, upstream libbpf 1.5 vs liboxbpf, on vmlinux-sized BTF:
#   vmlinux          /sys/kernel/btf/vmlinux as is
#   vmlinux-x2       vmlinux concatenated with itself (half the types merge away)
#   vmlinux+objects  vmlinux followed by the OBJECTs' BTF (default: build/ctests/**/*.bpf.o)
# Builds bench/btf_dedup_bench.c twice (libbpf 1.5 headers; linked to libbpf 1.5 and to
# liboxbpf from `cargo build --release`), runs both and prints ms of CPU per dedup and the
# ratio oxbpf / libbpf (below 1.00: oxbpf is faster).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
iters="${1:-5}"
shift || true
objs=("$@")
if ((${#objs[@]} == 0)); then
    mapfile -t objs < <(find "$root/build/ctests" -name '*.bpf.o' 2>/dev/null | sort)
fi
vmlinux=/sys/kernel/btf/vmlinux
trixie="$("$root/scripts/trixie-root")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$root" && cargo build --release --lib -q)
ln -s "$root/target/release/liboxbpf.so" "$tmp/liboxbpf.so.1"
cc=(cc -O2 -Wall -I"$trixie/usr/include" "$root/bench/btf_dedup_bench.c")
"${cc[@]}" -o "$tmp/bench_ref" -L"$trixie/usr/lib/x86_64-linux-gnu" -l:libbpf.so.1 -Wl,--allow-shlib-undefined
"${cc[@]}" -o "$tmp/bench_ox" -L"$tmp" -l:liboxbpf.so.1 -Wl,-rpath,"$tmp"

cases=(vmlinux "$vmlinux" -- vmlinux-x2 "$vmlinux" "$vmlinux")
if ((${#objs[@]} > 0)); then
    cases+=(-- vmlinux+objects "$vmlinux" "${objs[@]}")
fi
"$root/scripts/with-libbpf15" "$tmp/bench_ref" "$iters" "${cases[@]}" >"$tmp/ref.txt"
"$tmp/bench_ox" "$iters" "${cases[@]}" >"$tmp/ox.txt"

printf '%-16s %9s %9s %7s %10s %10s\n' case libbpf_ms oxbpf_ms ratio types_in types_out
join "$tmp/ref.txt" "$tmp/ox.txt" | while read -r name rms rin rout oms _oin oout; do
    if [[ "$rout" != "$oout" ]]; then
        echo "$name: type counts differ (libbpf $rout, oxbpf $oout)" >&2
        exit 1
    fi
    printf '%-16s %9.1f %9.1f %7.2f %10s %10s\n' "$name" "$rms" "$oms" "$(awk -v a="$oms" -v b="$rms" 'BEGIN { print a / b }')" "$rin" "$rout"
done
