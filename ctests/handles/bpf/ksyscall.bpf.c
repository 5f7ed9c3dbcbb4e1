// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ksyscall/kprobe fixture: LINUX_HAS_SYSCALL_WRAPPER (a kconfig extern libbpf fills from its
 * syscall-wrapper probe) and programs whose attach targets depend on that same probe.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;

__u64 hits;
int wrapper;

SEC("ksyscall/tgkill")
int BPF_KSYSCALL(on_tgkill, pid_t tgid, pid_t tid, int sig)
{
	wrapper = LINUX_HAS_SYSCALL_WRAPPER;
	hits++;
	return 0;
}

SEC("kretsyscall/getpid")
int BPF_KRETPROBE(on_getpid_ret, long ret)
{
	hits++;
	return 0;
}

SEC("kprobe/do_nanosleep")
int on_nanosleep(void *ctx)
{
	hits++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
