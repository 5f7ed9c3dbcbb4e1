#!/usr/bin/env bash
# bench-btf-dump.sh [FILE] [ROUNDS]
#
# CPU time of the BTF-to-C dump of FILE (default /sys/kernel/btf/vmlinux) on upstream libbpf 1.5
# and on liboxbpf, side by side in one run: bench/btf_dump_bench.c is built against each, both
# run ROUNDS times (default 20) in alternation, and the fastest round of each is compared.
# Prints both CPU times and the ratio liboxbpf / libbpf (<= 1.0: liboxbpf is no slower).
# Needs the release library (cargo build --release) and the trixie cache (scripts/deps.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
file="${1:-/sys/kernel/btf/vmlinux}"
rounds="${2:-20}"
root="$("$here/scripts/trixie-root")"
lib="$root/usr/lib/x86_64-linux-gnu"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cargo build --release --quiet --manifest-path "$here/Cargo.toml" -p oxbpf --lib
cp "$here/target/release/liboxbpf.so" "$tmp/liboxbpf.so.1"
ln -s liboxbpf.so.1 "$tmp/liboxbpf.so"
cc -O2 -o "$tmp/bench_ref" "$here/bench/btf_dump_bench.c" -I"$root/usr/include" \
    -L"$lib" -l:libbpf.so.1 -Wl,--allow-shlib-undefined
cc -O2 -o "$tmp/bench_ox" "$here/bench/btf_dump_bench.c" -I"$root/usr/include" \
    -L"$tmp" -loxbpf -Wl,-rpath,"$tmp"

ref_best="" ox_best=""
# Alternate short batches so that both see the same machine load.
for _ in 1 2 3 4; do
    r="$("$here/scripts/with-libbpf15" "$tmp/bench_ref" "$file" $(((rounds + 3) / 4)))"
    o="$("$tmp/bench_ox" "$file" $(((rounds + 3) / 4)))"
    r_us="$(awk '{print $2}' <<<"$r")" o_us="$(awk '{print $2}' <<<"$o")"
    r_bytes="$(awk '{print $4}' <<<"$r")" o_bytes="$(awk '{print $4}' <<<"$o")"
    [[ -z "$ref_best" || "$r_us" -lt "$ref_best" ]] && ref_best="$r_us"
    [[ -z "$ox_best" || "$o_us" -lt "$ox_best" ]] && ox_best="$o_us"
done
if [[ "$r_bytes" != "$o_bytes" ]]; then
    echo "FAIL: the two dumps printed different amounts ($r_bytes vs $o_bytes bytes)" >&2
    exit 1
fi
echo "btf_dump C dump of $file ($r_bytes bytes), fastest of $rounds rounds, CPU time:"
printf '  libbpf 1.5  %8.2f ms\n' "$(bc -l <<<"$ref_best / 1000")"
printf '  liboxbpf    %8.2f ms\n' "$(bc -l <<<"$ox_best / 1000")"
printf '  ratio liboxbpf/libbpf = %.3f\n' "$(bc -l <<<"$ox_best / $ref_best")"
