// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ks_c plus an untyped __ksym ks_a declares too (vfs_read): libbpf 1.5 fails to resolve the size
 * of its void type when the second declaration arrives. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

extern const void vfs_read __ksym;
extern const void oxbpf_no_such_symbol __ksym __weak;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

struct pair {
	int a;
	long b;
};

extern struct pair gp;
__hidden int hid = 5;
__u64 kb_active, kb_pid, kb_missing;

__weak __noinline int over(int x)
{
	return x + 100;
}

SEC("raw_tp")
int ks_read_b(void *ctx)
{
	kb_active = (__u64)&vfs_read + over(gp.a);
	kb_missing = (__u64)&oxbpf_no_such_symbol;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ks_kfunc_b, struct pt_regs *regs, long ret)
{
	struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());

	if (t) {
		kb_pid = t->tgid;
		bpf_task_release(t);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
