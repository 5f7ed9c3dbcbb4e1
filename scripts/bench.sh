#!/usr/bin/env bash
# Benchmark liboxbpf against upstream libbpf 1.5, side by side in one run (issue: "faster than
# libbpf where users feel it"). Prints, for each object, both libraries' figures and the ratio
# oxbpf/libbpf:
#   fresh   CPU of a whole process that opens, loads and closes the object once (dynamic
#           loading included; median of A/B-alternated runs)
#   open    CPU of one open+close, median over many in one process
#   steady  CPU of one open+load+close, median over many in one process (caches warm)
#   user    user-space overhead above the kernel's floor: process CPU minus the CPU spent
#           inside bpf(), perf_event_open() and close() (exact; bench/syscall_time.c interposes them)
#   rss     peak RSS of the fresh process; also of the driver linked to liboxbpf alone
#           (bench_load_ox, as a pkg-config user builds it), not preloaded over libbpf 1.5
#   kept    heap bytes still allocated after every object was closed
#   bpf()   bpf(2) calls of one fresh open+load+close (strace)
# Both run the same driver (bench/bench_load.c, built against libbpf 1.5's headers) under
# trixie's dynamic loader and libc; liboxbpf is preloaded over libbpf 1.5 for its side.
#
#   scripts/bench.sh            the full set: tracepoint and struct_ops objects with 10, 100
#                               and 500 programs, 64 KiB to 3 MiB of global data, the ctests
#                               tcp_cc object
#   scripts/bench.sh --short    a smoke run (small objects, few repetitions; CI runs it)
#   scripts/bench.sh --build-only
#                               builds the work files and objects and measures nothing
#                               (scripts/gen-hot-text.sh profiles them)
# Needs root (programs are loaded into the kernel). No timing is asserted anywhere: the output
# is the result. Work files go to ${OXBPF_BUILD_DIR:-build}/bench.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
# shellcheck source=scripts/kernel-fs.sh
. scripts/kernel-fs.sh
oxbpf_apt_ensure strace || { echo "bench: installing strace failed" >&2; exit 1; }

if ((EUID != 0)); then
    echo "SKIP: bench.sh loads BPF programs and needs root (running as uid $EUID)"
    exit 0
fi

work="${OXBPF_BUILD_DIR:-build}/bench"
mkdir -p "$work"
work="$(realpath "$work")"
inc="$OXBPF_TRIXIE_ROOT/usr/include"
lib15="$OXBPF_TRIXIE_ROOT/usr/lib/x86_64-linux-gnu"

# liboxbpf (release build), the driver and the kernel's vmlinux.h.
scripts/cargo-build.sh "$PWD" "$work"
cc -O2 -Wall -I"$inc" -o "$work/bench_load" bench/bench_load.c \
    -L"$lib15" -l:libbpf.so.1 -Wl,--allow-shlib-undefined
# The same driver linked to liboxbpf alone, as a program built with pkg-config is.
cc -O2 -Wall -I"$inc" -o "$work/bench_load_ox" bench/bench_load.c \
    -L"$work" -l:liboxbpf.so.1 -Wl,-rpath,"$work" -Wl,--allow-shlib-undefined
# The floor: CPU inside bpf(), perf_event_open() and close(), measured by interposing libc.
cc -O2 -Wall -shared -fPIC -o "$work/syscall_time.so" bench/syscall_time.c -ldl
if [[ ! -s "$work/vmlinux.h" || /sys/kernel/btf/vmlinux -nt "$work/vmlinux.h" ]]; then
    bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$work/vmlinux.h.tmp"
    mv "$work/vmlinux.h.tmp" "$work/vmlinux.h"
fi

exec python3 bench/run.py "$work" "$@"
