#!/usr/bin/env bash
# Regenerates link/hot-text.ld, the list of liboxbpf.so's hot functions that build.rs hands
# the linker (scripts/hot_text.py explains why). Profiles with callgrind what users run:
# bench/bench_load opening, loading and closing the benchmark's tracepoint, struct_ops and
# global-data objects and the tcp_cc fixture, and the demo (ctests/demo_cc: a skeleton whose
# struct_ops is registered, used by TCP traffic and unregistered). Rerun it after large
# changes to the load path; the meson test hot-text fails once over a tenth of the list names
# no function. Needs root (the runs load programs) and the meson build dir.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
# shellcheck source=scripts/kernel-fs.sh
. scripts/kernel-fs.sh
oxbpf_apt_ensure valgrind || { echo "gen-hot-text: installing valgrind failed" >&2; exit 1; }
if ((EUID != 0)); then
    echo "gen-hot-text: the profiled runs load BPF programs and need root" >&2
    exit 1
fi
build="${OXBPF_BUILD_DIR:-build}"
setup=(meson setup "$build" "-Dtrixie_root=$OXBPF_TRIXIE_ROOT")
[[ -f "$build/meson-private/coredata.dat" ]] && setup+=(--reconfigure)
"${setup[@]}" >/dev/null
meson compile -C "$build" >/dev/null
scripts/bench.sh --build-only
work="$(realpath "$build/bench")"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

profile() { # NAME CMD...
    local name="$1"
    shift
    valgrind --tool=callgrind --demangle=no --compress-strings=no \
        --callgrind-out-file="$out/$name.cg" "$@" >"$out/$name.log" 2>&1 || {
        echo "gen-hot-text: profiling $name failed:" >&2
        cat "$out/$name.log" >&2
        exit 1
    }
}
# bench_load is linked to libbpf 1.5: run it as scripts/with-libbpf15 does, under trixie's
# loader (called directly: valgrind does not follow the script's exec)
lib15="$OXBPF_TRIXIE_ROOT/usr/lib/x86_64-linux-gnu"
for obj in tp10 so12 data64k "$build/ctests/tcp_cc"; do
    name="$(basename "$obj")"
    [[ "$obj" == */* ]] || obj="$work/$obj"
    profile "$name" "$lib15/ld-linux-x86-64.so.2" --library-path "$lib15" \
        --preload "$work/liboxbpf.so.1" "$work/bench_load" "$obj.bpf.o" load 2
done
profile demo "$build/ctests/demo_cc" --alt --register 4
python3 scripts/hot_text.py gen "$work/liboxbpf.so.1" "$out"/*.cg >link/hot-text.ld.tmp
mv link/hot-text.ld.tmp link/hot-text.ld
echo "gen-hot-text: link/hot-text.ld lists $(grep -c '^    \*(' link/hot-text.ld) functions;" \
    "rebuild (cargo build --release) to link with it"
