#!/bin/busybox sh
# shellcheck shell=dash
# The init of scripts/vm.sh's initramfs (busybox): mount the host's root read-only (9p tag
# "host") under a tmpfs overlay, chroot into it, run the command that vm.sh left in the shared
# scratch directory (9p tag "out", mounted at the same path as on the host) and power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

out=
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        oxbpf.out=*) out="${arg#oxbpf.out=}" ;;
    esac
done

halt() {
    echo "vm-init: $*" >/dev/ttyS0
    sync
    reboot -f
}

for m in $(cat /modules/order); do
    insmod "/modules/$m" || halt "insmod $m failed"
done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro host /host || halt "mounting the host's root failed"
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot \
    || halt "overlay mount failed"
n=/newroot
mount -t proc proc $n/proc
mount -t sysfs sysfs $n/sys
mount -t devtmpfs devtmpfs $n/dev
mkdir -p $n/dev/pts $n/dev/shm
ln -sf /proc/self/fd $n/dev/fd
ln -sf /proc/self/fd/0 $n/dev/stdin
ln -sf /proc/self/fd/1 $n/dev/stdout
ln -sf /proc/self/fd/2 $n/dev/stderr
mount -t devpts devpts $n/dev/pts
mount -t tmpfs tmpfs $n/dev/shm
# /tmp stays the overlay's (writable, host content underneath): a checkout under the host's
# /tmp, as CI may clone it, must be visible in the guest at the same path.
mount -t tmpfs tmpfs $n/run
mount -t bpf bpf $n/sys/fs/bpf
mount -t tracefs tracefs $n/sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs $n/sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 $n/sys/fs/cgroup 2>/dev/null
mkdir -p "$n$out"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out "$n$out" || halt "mounting the scratch directory failed"
ip link set lo up 2>/dev/null
hostname oxbpf-vm

chroot $n /bin/sh -c "/bin/bash \"$out/cmd.sh\" >\"$out/log\" 2>&1; echo \$? >\"$out/rc\""
sync
umount "$n$out" 2>/dev/null
reboot -f
