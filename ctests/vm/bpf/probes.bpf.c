// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * probes: one program of each kernel and user probe kind, each counting the calls made by
 * the loader's process (target_tgid) of do_sys_openat2 (open(2)), getpgid(2), and the
 * loader's own function probes_target (uprobes).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

__u32 target_tgid;
__u64 kprobe_hits, kretprobe_hits, ksyscall_hits, kretsyscall_hits, fentry_hits, fexit_hits,
	kmulti_hits, uprobe_hits, uretprobe_hits;
long last_open_ret;
__u64 last_uprobe_arg;

static __always_inline int mine(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

#define HIT(counter)                                                                       \
	do {                                                                               \
		if (mine())                                                                \
			__sync_fetch_and_add(&counter, 1);                                  \
	} while (0)

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(ox_kprobe, int dfd)
{
	HIT(kprobe_hits);
	return 0;
}

SEC("kretprobe/do_sys_openat2")
int BPF_KRETPROBE(ox_kretprobe, long ret)
{
	HIT(kretprobe_hits);
	return 0;
}

SEC("ksyscall/getpgid")
int BPF_KSYSCALL(ox_ksyscall, pid_t pid)
{
	HIT(ksyscall_hits);
	return 0;
}

SEC("kretsyscall/getpgid")
int BPF_KRETPROBE(ox_kretsyscall, long ret)
{
	HIT(kretsyscall_hits);
	return 0;
}

SEC("fentry/do_sys_openat2")
int BPF_PROG(ox_fentry, int dfd, const char *filename, struct open_how *how)
{
	HIT(fentry_hits);
	return 0;
}

SEC("fexit/do_sys_openat2")
int BPF_PROG(ox_fexit, int dfd, const char *filename, struct open_how *how, long ret)
{
	if (mine()) {
		__sync_fetch_and_add(&fexit_hits, 1);
		last_open_ret = ret;
	}
	return 0;
}

SEC("kprobe.multi/do_sys_openat2")
int BPF_KPROBE(ox_kmulti)
{
	HIT(kmulti_hits);
	return 0;
}

SEC("uprobe")
int BPF_UPROBE(ox_uprobe, __u64 arg)
{
	if (mine()) {
		__sync_fetch_and_add(&uprobe_hits, 1);
		last_uprobe_arg = arg;
	}
	return 0;
}

SEC("uretprobe")
int BPF_URETPROBE(ox_uretprobe, __u64 ret)
{
	HIT(uretprobe_hits);
	return 0;
}
