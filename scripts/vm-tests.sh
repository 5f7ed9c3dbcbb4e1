#!/usr/bin/env bash
# vm-tests.sh [BUILD]: the VM lane. Runs ctests/vm/ on real Debian kernels booted by
# scripts/vm.sh (7.2 from sid, 6.12 from trixie, 6.1 from bookworm), one guest per kernel.
# Uses the meson build in BUILD (default build/, or OXBPF_BUILD_DIR): liboxbpf.so.1, the
# stub library and the ctests binaries; compiles what depends on a guest kernel into
# BUILD/vm/KERNEL (BPF objects against that kernel's vmlinux.h, dumped from its BTF by
# bpftool 7.5; bpftool 7.5 skeletons; each C test against libbpf 1.5 and linked to liboxbpf;
# on 6.12 and 7.2 the test module ctests/vm/kmod against Debian's headers for that kernel).
# ctests/vm/guest.sh runs each test in the guest on libbpf 1.5, liboxbpf linked and
# liboxbpf preloaded, and compares their transcripts and their libbpf logs (every level,
# DEBUG included: ctests/logs/log_compare.sh with ctests/logs/allowed-diffs).
#
# Prints one line per test run ("VMTEST PASS|FAIL|SKIP name-variant@kernel") and ends with
# "vm: N passed, N failed, N skipped". Exits non-zero if a test failed.
#   OXBPF_SKIP_VM=1     skip the lane (nothing booted, nothing counted)
#   OXBPF_VM_KERNELS    the kernels to use (default "7.2 6.12 6.1")
# A kernel that cannot be fetched (no network on a fresh machine) counts as one skipped test,
# with the reason; a guest that fails or times out counts as a failure.
set -uo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$src" || exit 1
build="$(realpath "${1:-${OXBPF_BUILD_DIR:-build}}")"

if [[ "${OXBPF_SKIP_VM:-0}" == 1 ]]; then
    echo "vm: skipped (OXBPF_SKIP_VM=1)"
    echo "vm: 0 passed, 0 failed, 0 skipped"
    exit 0
fi

passed=0 failed=0 skipped=0
say() { printf 'vm-tests: %s\n' "$*"; }

trixie="$(scripts/trixie-root)" || { say "no trixie cache: run scripts/deps.sh"; exit 1; }
tinc="$trixie/usr/include" tlib="$trixie/usr/lib/x86_64-linux-gnu"
lib="$build/liboxbpf.so.1"
for f in "$lib" "$build/ctests/struct_ops/st_legacy_ref" "$build/ctests/tcp_cc.skel75.h"; do
    [[ -e "$f" ]] || { say "missing $f: run meson compile -C $build first"; echo "vm: 0 passed, 1 failed, 0 skipped"; exit 1; }
done

bpf_cflags=(-target bpf -g -O2 -D__TARGET_ARCH_x86 -Wall -Wno-microsoft-anon-tag
            -fms-extensions -I"$tinc")
c_flags=(-O1 -g -Wall -I"$tinc" -I"$src/ctests")
# shellcheck disable=SC2054 # the comma belongs to the linker option
ref_link=(-L"$tlib" -l:libbpf.so.1 -Wl,--allow-shlib-undefined)
# shellcheck disable=SC2054 # the commas belong to the linker options
ox_link=(-DOXBPF_IMPL=1 "$lib" -Wl,-rpath,"$build" -Wl,-rpath,"$build/ctests")

# build_c OUT SRC [CFLAGS...]: OUT_ref (libbpf 1.5) and OUT_ox (liboxbpf).
build_c() {
    local out="$1" c="$2"
    shift 2
    gcc "${c_flags[@]}" "$@" -o "${out}_ref" "$c" "${ref_link[@]}" \
        && gcc "${c_flags[@]}" "$@" -o "${out}_ox" "$c" "${ox_link[@]}"
}

# build_bpf KDIR_OUT NAME: NAME.bpf.o and NAME.skel.h against that kernel's vmlinux.h.
build_bpf() {
    local vb="$1" name="$2"
    clang-19 "${bpf_cflags[@]}" -I"$vb" -Wno-missing-declarations -c "ctests/vm/bpf/$name.bpf.c" -o "$vb/$name.bpf.o" \
        && scripts/bpftool75 gen skeleton "$vb/$name.bpf.o" name "$name" >"$vb/$name.skel.h"
}

# build_kernel KERNEL KDIR: everything KERNEL's guest runs, into $build/vm/KERNEL.
build_kernel() {
    local k="$1" kdir="$2" vb="$build/vm/$1"
    rm -rf "$vb"
    mkdir -p "$vb"
    scripts/bpftool75 btf dump file "$kdir/vmlinux.btf" format c >"$vb/vmlinux.h" || return 1
    case "$k" in
        7.2)
            build_bpf "$vb" scx_min && build_c "$vb/scx_test" ctests/vm/scx_test.c -I"$vb" || return 1
            ;;
        6.1)
            build_c "$vb/link_refused" ctests/vm/link_refused.c -I"$build/ctests" || return 1
            ;;
    esac
    build_bpf "$vb" probes && build_c "$vb/probes" ctests/vm/probes.c -I"$vb" || return 1
    build_bpf "$vb" argctx && build_c "$vb/argctx" ctests/vm/argctx.c -I"$vb" || return 1
    # A module-defined struct_ops type (6.12, 7.2): our module, built against Debian's
    # headers of that kernel (scripts/vm.sh --headers), and its loader.
    case "$k" in
        6.12|7.2)
            local hdir args
            hdir="$(scripts/vm.sh --headers "$k")" || return 1
            mapfile -t args <"$kdir/headers/make.args"
            mkdir -p "$vb/kmod"
            cp ctests/vm/kmod/oxbpf_testmod.c ctests/vm/kmod/Kbuild "$vb/kmod/"
            make -s -C "$hdir" M="$vb/kmod" "${args[@]}" modules >"$vb/kmod/build.log" 2>&1 \
                || { cat "$vb/kmod/build.log"; return 1; }
            build_bpf "$vb" modops && build_c "$vb/modops_test" ctests/vm/modops_test.c -I"$vb" \
                || return 1
            ;;
    esac
    # HID-BPF (struct_ops since 6.11, built in with CONFIG_HID_BPF: Debian's 7.2 has it,
    # its 6.12 not): where the kernel's BTF has hid_bpf_ops.
    if scripts/bpftool75 btf dump file "$kdir/vmlinux.btf" | grep "STRUCT 'hid_bpf_ops'" >/dev/null; then
        build_bpf "$vb" hid_shift && build_c "$vb/hid_test" ctests/vm/hid_test.c -I"$vb" || return 1
    fi
}

for k in ${OXBPF_VM_KERNELS:-7.2 6.12 6.1}; do
    say "kernel $k"
    t0=$SECONDS
    rc=0
    kdir="$(scripts/vm.sh --fetch "$k")" || rc=$?
    if ((rc == 126)); then
        say "SKIP: Linux $k could not be fetched (see above); its tests are skipped"
        skipped=$((skipped + 1))
        continue
    elif ((rc != 0)); then
        say "FAIL: Linux $k was fetched but its first boot failed (exit $rc)"
        failed=$((failed + 1))
        continue
    fi
    if ! build_kernel "$k" "$kdir"; then
        say "FAIL: building the tests for Linux $k failed"
        failed=$((failed + 1))
        continue
    fi
    out="$(mktemp)"
    rc=0
    scripts/vm.sh --timeout "${OXBPF_VM_TIMEOUT:-360}" "$k" -- \
        ctests/vm/guest.sh "$k" "$build" "$build/vm/$k" >"$out" 2>&1 || rc=$?
    cat "$out"
    p="$(grep -c '^VMTEST PASS' "$out")" f="$(grep -c '^VMTEST FAIL' "$out")" s="$(grep -c '^VMTEST SKIP' "$out")"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    if ((rc != 0)); then
        say "FAIL: the guest of Linux $k ended with exit $rc"
        failed=$((failed + 1))
    elif ((p + f + s == 0)); then
        say "FAIL: the guest of Linux $k ran no test"
        failed=$((failed + 1))
    fi
    rm -f "$out"
    say "kernel $k: $((SECONDS - t0)) s"
done
echo "vm: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
