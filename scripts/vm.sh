#!/usr/bin/env bash
# vm.sh: run one command as root in a virtual machine booted on a real Debian kernel.
#
#   scripts/vm.sh [--timeout SECONDS] KERNEL -- COMMAND [ARGS...]
#   scripts/vm.sh --fetch KERNEL          only fetch and prepare KERNEL (prints its directory)
#   scripts/vm.sh --headers KERNEL        fetch KERNEL's headers and kbuild (prints the headers
#                                         directory; make arguments in KDIR/headers/make.args)
#
# KERNEL is 7.2 (Debian sid), 6.12 (trixie) or 6.1 (bookworm). The kernel's Debian packages
# (image and modules) are fetched with a private apt configuration (scripts/deps.sh's
# oxbpf_private_apt; the system's apt state is never touched), unpacked with dpkg-deb -x
# (never installed) and cached under ${OXBPF_CACHE:-~/.cache/oxbpf}/vm/KERNEL together with
# a busybox initramfs and the kernel's BTF (vmlinux.btf, read from the booted kernel). A stamp
# records what was unpacked: a second run does no network access.
#
# The guest (QEMU, single-threaded TCG: /dev/kvm here cannot run stock kernels) mounts this
# machine's root read-only over 9p under a tmpfs overlay and chroots into it, so the checkout
# and every tool are at their usual paths; it mounts proc, sysfs, devtmpfs, bpffs, tracefs and
# debugfs, brings up loopback (the guest has no other network device) and makes the kernel's
# own modules visible under /lib/modules/$(uname -r). COMMAND runs in the current directory
# with OXBPF_VM=KERNEL in its environment; its output (stdout and stderr together) is printed
# and its exit status is vm.sh's. A guest that does not finish within the timeout (default
# 180 s, or OXBPF_VM_TIMEOUT) is killed; so is the VM when vm.sh is interrupted. vm.sh exits
# 124 on a timeout, 125 when the VM failed before the command ended (the kernel console log is
# then printed), 126 when the kernel could not be fetched.
set -euo pipefail
root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/deps.sh
. "$root_dir/scripts/deps.sh" >&2 || exit 126

# Bump when the unpack layout changes (re-downloads), or the initramfs's content (rebuilds it;
# a change of scripts/vm-init.sh rebuilds it too).
VM_RECIPE=1
VM_INITRD_RECIPE=2
VM_HEADERS_RECIPE=4
vm_cache="${OXBPF_CACHE:-$HOME/.cache/oxbpf}/vm"

die() { printf 'vm.sh: %s\n' "$*" >&2; exit "${2:-125}"; }
say() { printf 'vm.sh: %s\n' "$*" >&2; }

usage() {
    sed -n '3,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# The Debian suite that carries each kernel series.
vm_suite() {
    case "$1" in
        7.2) echo sid ;;
        6.12) echo trixie ;;
        6.1) echo bookworm ;;
        *) return 1 ;;
    esac
}

# vm_fetch KERNEL: fetch, unpack and prepare KERNEL once; sets kdir, kver.
vm_fetch() {
    local k="$1" suite
    suite="$(vm_suite "$k")" || die "unknown kernel '$k' (7.2, 6.12 or 6.1)" 2
    kdir="$vm_cache/$k"
    local stamp="$kdir/stamp"
    if [[ -f "$stamp" ]] && head -n1 "$stamp" | grep -qx "recipe $VM_RECIPE" \
        && [[ -f "$kdir/vmlinuz" ]]; then
        kver="$(sed -n 's/^kver //p' "$stamp")"
        vm_initramfs "$kdir" "$kver"
        return 0
    fi
    say "fetching Linux $k from Debian $suite"
    rm -rf "$kdir"
    mkdir -p "$kdir/debs"
    local apt="$kdir/apt"
    oxbpf_private_apt "$apt" "$suite" /usr/share/keyrings/debian-archive-keyring.gpg \
        || die "apt-get update ($suite) failed" 126
    local opts=("${OXBPF_APT_OPTS[@]}")

    # The newest flavour-less amd64 image of this series, e.g. linux-image-7.2.13+deb14-amd64
    # or linux-image-6.1.0-41-amd64, and the binary/modules packages it depends on.
    local re="^linux-image-${k//./\\.}[.-][0-9][^ ]*-amd64\$" image
    image="$(apt-cache "${opts[@]}" pkgnames linux-image- | grep -E "$re" \
             | grep -Ev -- '-(rt|cloud)-amd64$|-unsigned$|-dbg' | sort -V | tail -n1)"
    [[ -n "$image" ]] || die "Debian $suite has no package matching $re" 126
    local pkgs=("$image") d
    for d in $(apt-cache "${opts[@]}" show --no-all-versions "$image" \
               | awk -F': ' '/^Depends: / { print $2 }' | tr ',' '\n' \
               | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g'); do
        [[ "$d" =~ ^linux-(binary|modules)- ]] && pkgs+=("$d")
    done
    say "downloading ${pkgs[*]}"
    (cd "$kdir/debs" && apt-get "${opts[@]}" -qq download "${pkgs[@]}" >/dev/null) \
        || die "apt-get download ${pkgs[*]} failed" 126
    local deb
    for deb in "$kdir"/debs/*.deb; do
        dpkg-deb -x "$deb" "$kdir/root"
    done
    rm -rf "$apt" "$kdir/debs"
    # Older packages put the image in /boot and modules in /lib/modules; sid's in
    # /usr/lib/modules/KVER (vmlinuz included). kmod here looks in /lib/modules only.
    [[ -d "$kdir/root/usr/lib/modules" && ! -e "$kdir/root/lib" ]] && ln -s usr/lib "$kdir/root/lib"
    local vmlinuz
    vmlinuz="$(ls "$kdir"/root/boot/vmlinuz-* "$kdir"/root/lib/modules/*/vmlinuz 2>/dev/null | head -n1 || true)"
    [[ -n "$vmlinuz" ]] || die "no kernel image in ${pkgs[*]}" 126
    kver="$(basename "$(ls -d "$kdir"/root/lib/modules/*/ | head -n1)")"
    [[ -d "$kdir/root/lib/modules/$kver/kernel" ]] || die "no modules in ${pkgs[*]}" 126
    ln -sf "${vmlinuz#"$kdir"/}" "$kdir/vmlinuz"
    depmod -b "$kdir/root" "$kver" 2>/dev/null || die "depmod for $kver failed" 126
    vm_initramfs "$kdir" "$kver"
    {
        echo "recipe $VM_RECIPE"
        echo "kver $kver"
        echo "suite $suite"
        printf 'package %s\n' "${pkgs[@]}"
    } >"$stamp"
    say "Linux $kver ready in $kdir"
}

# vm_headers KERNEL: Debian's headers and kbuild for KERNEL, to build out-of-tree modules,
# unpacked under KDIR/headers/root with the suite's libc, pahole and the libraries they need
# (kbuild's tools need a newer libc than bookworm's: each ELF tool is replaced by a script
# that runs it with the suite's ld.so). Writes KDIR/headers/make.args, the make arguments
# that build against them with this machine's gcc, and prints the headers directory.
vm_headers() {
    local k="$1" suite hroot="$kdir/headers/root" stamp="$kdir/headers/stamp"
    suite="$(vm_suite "$k")"
    if [[ -f "$stamp" ]] && head -n1 "$stamp" | grep -qx "recipe $VM_HEADERS_RECIPE"; then
        sed -n 's/^dir //p' "$stamp"
        return 0
    fi
    rm -rf "$kdir/headers"
    mkdir -p "$kdir/headers/debs"
    local apt="$kdir/headers/apt"
    oxbpf_private_apt "$apt" "$suite" /usr/share/keyrings/debian-archive-keyring.gpg \
        || die "apt-get update ($suite) failed" 126
    local opts=("${OXBPF_APT_OPTS[@]}") pkgs=("linux-headers-$kver") d
    for d in $(apt-cache "${opts[@]}" show --no-all-versions "linux-headers-$kver" \
               | awk -F': ' '/^Depends: / { print $2 }' | tr ',' '\n' \
               | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g'); do
        [[ "$d" =~ ^linux-(headers|kbuild)- ]] && pkgs+=("$d")
    done
    pkgs+=(libc6 libelf1t64 zlib1g libzstd1 liblzma5 libbz2-1.0 pahole)
    # The libraries pahole needs, transitively (libdw, libbpf, in sid libdwarves...).
    local queue=(pahole) q
    while ((${#queue[@]})); do
        q="${queue[0]}"; queue=("${queue[@]:1}")
        for d in $(apt-cache "${opts[@]}" show --no-all-versions "$q" \
                   | awk -F': ' '/^(Pre-)?Depends: / { print $2 }' | tr ',' '\n' \
                   | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/[[:space:]]//g'); do
            [[ " ${pkgs[*]} " == *" $d "* ]] && continue
            pkgs+=("$d")
            queue+=("$d")
        done
    done
    say "downloading ${pkgs[*]}"
    (cd "$kdir/headers/debs" && apt-get "${opts[@]}" -qq download "${pkgs[@]}" >/dev/null) \
        || die "apt-get download ${pkgs[*]} failed" 126
    local deb
    for deb in "$kdir"/headers/debs/*.deb; do
        dpkg-deb -x "$deb" "$hroot"
    done
    rm -rf "$apt" "$kdir/headers/debs"
    local hdir="$hroot/usr/src/linux-headers-$kver"
    [[ -f "$hdir/Makefile" ]] || die "no $hdir/Makefile" 126
    # Its Makefile names itself and the -common package by absolute paths.
    sed -i "s|\([ =]\)/usr/src/|\1$hroot/usr/src/|g" "$hdir/Makefile"
    local lib="$hroot/usr/lib/x86_64-linux-gnu" f
    local ldso="$lib/ld-linux-x86-64.so.2"
    [[ -x "$ldso" ]] || die "no ld.so in $suite's libc6" 126
    # Dispatchers such as objtool and modpost exec NAME.real-ARCH by their own path: they
    # stay native (they need an old libc only); everything else is wrapped.
    while read -r f; do
        head -c4 "$f" | grep -q ELF || continue
        compgen -G "$f.real-*" >/dev/null && continue
        mv "$f" "$f.bin"
        printf '#!/bin/sh\nexec %q --library-path %q "$0.bin" "$@"\n' "$ldso" "$lib" >"$f"
        chmod +x "$f"
    done < <(find "$hroot/usr/lib"/linux-kbuild-* "$hroot/usr/bin/pahole" -type f -perm -u+x)
    # Kernel-config flags this machine's gcc lacks (the kernel was built by a newer gcc).
    printf '%s\n' CC=gcc-12 "PAHOLE=$hroot/usr/bin/pahole" CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT= \
        >"$kdir/headers/make.args"
    {
        echo "recipe $VM_HEADERS_RECIPE"
        echo "dir $hdir"
        printf 'package %s\n' "${pkgs[@]}"
    } >"$stamp"
    echo "$hdir"
}

# vm_initramfs KDIR KVER: busybox, the modules that mounting the host needs (uncompressed, in
# load order) and the guest init.
vm_initramfs() {
    local kdir="$1" kver="$2" ir="$1/initramfs" line ko name want
    want="$VM_INITRD_RECIPE $(sha256sum <"$root_dir/scripts/vm-init.sh" | cut -c1-16)"
    [[ -f "$kdir/initrd.img" && "$(cat "$kdir/initrd.stamp" 2>/dev/null)" == "$want" ]] && return 0
    rm -rf "$ir"
    mkdir -p "$ir"/{bin,dev,proc,sys,host,rw,newroot,modules}
    cp /bin/busybox "$ir/bin/busybox"
    : >"$ir/modules/order"
    local mod
    for mod in virtio_pci 9p 9pnet_virtio overlay; do
        while read -r line; do
            [[ "$line" == insmod* ]] || continue
            ko="$(awk '{ print $2 }' <<<"$line")"
            name="${ko##*/}"
            name="${name%.xz}"; name="${name%.zst}"; name="${name%.gz}"
            grep -qx "$name" "$ir/modules/order" && continue
            case "$ko" in
                *.xz) xz -dc "$ko" >"$ir/modules/$name" ;;
                *.zst) zstd -qdc "$ko" >"$ir/modules/$name" ;;
                *.gz) gzip -dc "$ko" >"$ir/modules/$name" ;;
                *) cp "$ko" "$ir/modules/$name" ;;
            esac
            echo "$name" >>"$ir/modules/order"
        done < <(modprobe -d "$kdir/root" -S "$kver" --show-depends "$mod" 2>/dev/null || true)
    done
    cp "$root_dir/scripts/vm-init.sh" "$ir/init"
    chmod +x "$ir/init"
    (cd "$ir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$kdir/initrd.img"
    rm -rf "$ir"
    echo "$want" >"$kdir/initrd.stamp"
}

# vm_boot KERNEL TIMEOUT OUTDIR: boot the guest; the guest init runs OUTDIR/cmd.sh. QEMU runs
# under timeout(1), which also passes on a TERM/INT/HUP that vm_cleanup sends it; this shell
# waits with the wait builtin, which a trapped signal interrupts at once.
qemu_pid=
vm_last_out=
vm_boot() {
    local k="$1" timeout="$2" out="$3"
    timeout --kill-after=10 "$timeout" \
    qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
        -accel tcg,thread=single -cpu max -smp 1 -m "${OXBPF_VM_MEM:-1024}" \
        -kernel "$kdir/vmlinuz" -initrd "$kdir/initrd.img" \
        -append "console=ttyS0 loglevel=4 panic=-1 oops=panic oxbpf.out=$out" \
        -serial "file:$out/console.log" \
        -fsdev local,id=host,path=/,security_model=none,readonly=on,multidevs=remap \
        -device virtio-9p-pci,fsdev=host,mount_tag=host \
        -fsdev local,id=out,path="$out",security_model=none \
        -device virtio-9p-pci,fsdev=out,mount_tag=out \
        -nic none &
    qemu_pid=$!
    local rc=0
    wait "$qemu_pid" || rc=$?
    qemu_pid=
    return "$rc"
}

main() {
    local timeout="${OXBPF_VM_TIMEOUT:-180}" fetch_only=0
    while (($#)); do
        case "$1" in
            --timeout) timeout="$2"; shift 2 ;;
            --fetch) fetch_only=1; shift ;;
            --headers) fetch_only=2; shift ;;
            -h|--help) usage ;;
            *) break ;;
        esac
    done
    (($# >= 1)) || usage
    local k="$1"
    shift
    # Never leave a VM or a scratch directory behind, whatever ends this script.
    trap vm_cleanup EXIT
    trap 'exit 130' INT TERM HUP
    oxbpf_apt_ensure qemu-system-x86 busybox-static kmod cpio xz-utils zstd gcc make \
        || die "installing qemu-system-x86, busybox-static, kmod, cpio, xz-utils, zstd failed" 126
    vm_fetch "$k"
    if ((fetch_only == 2)); then
        vm_headers "$k"
        return 0
    fi
    if ((fetch_only)); then
        vm_btf "$k"
        echo "$kdir"
        return 0
    fi
    [[ "${1:-}" == -- ]] || usage
    shift
    (($#)) || usage
    vm_run "$k" "$timeout" "$@"
}

vm_outs=()
vm_cleanup() {
    if [[ -n "$qemu_pid" ]]; then
        kill "$qemu_pid" 2>/dev/null
        wait "$qemu_pid" 2>/dev/null
    fi
    local d
    for d in "${vm_outs[@]}"; do rm -rf "$d"; done
}

# vm_run KERNEL TIMEOUT COMMAND...: run COMMAND in a fresh guest; prints its output, returns
# its exit status.
vm_run() {
    local k="$1" timeout="$2"
    shift 2
    local out
    out="$(mktemp -d /tmp/oxbpf-vm.XXXXXX)"
    vm_outs+=("$out")
    vm_last_out="$out"
    {
        echo "cd $(printf '%q' "$PWD") || exit 125"
        # The kernel's own modules, for modprobe in the guest.
        echo "mkdir -p /lib/modules/$kver && mount --bind $(printf '%q' "$kdir/root/lib/modules/$kver") /lib/modules/$kver"
        local v
        for v in $(compgen -e); do
            case "$v" in
                OXBPF_*|PATH|HOME|CARGO_HOME|RUSTUP_HOME|LANG|LC_ALL|TERM)
                    echo "export $v=$(printf '%q' "${!v}")" ;;
            esac
        done
        echo "export OXBPF_VM=$k OXBPF_VM_OUT=$(printf '%q' "$out")"
        printf 'exec'
        printf ' %q' "$@"
        echo
    } >"$out/cmd.sh"
    local rc=0
    vm_boot "$k" "$timeout" "$out" || rc=$?
    [[ -f "$out/log" ]] && cat "$out/log"
    if [[ -f "$out/rc" ]]; then
        return "$(cat "$out/rc")"
    fi
    if ((rc == 124)); then
        say "timeout: the guest ($k) did not finish within ${timeout}s; console:"
    else
        say "the guest ($k) stopped before the command finished (qemu exit $rc); console:"
    fi
    tail -n 40 "$out/console.log" >&2 || true
    ((rc == 124)) && return 124
    return 125
}

# vm_btf KERNEL: the kernel's BTF, read once from a booted guest, cached as KDIR/vmlinux.btf.
vm_btf() {
    local k="$1"
    [[ -s "$kdir/vmlinux.btf" ]] && return 0
    local rc=0
    vm_run "$k" 120 sh -c 'cp /sys/kernel/btf/vmlinux "$OXBPF_VM_OUT/vmlinux.btf"' >&2 || rc=$?
    ((rc == 0)) && [[ -s "$vm_last_out/vmlinux.btf" ]] || die "reading the BTF of $k failed (exit $rc)"
    mv "$vm_last_out/vmlinux.btf" "$kdir/vmlinux.btf"
}

main "$@"
