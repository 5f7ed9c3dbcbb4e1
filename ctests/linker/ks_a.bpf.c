// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Static-linker fixture pair ks_a/ks_c: kfuncs declared in both files (one .ksyms DATASEC shell
 * per file, merged), an untyped __ksym here (typed per-CPU ksyms are not in
 * this kernel's kallsyms) and a weak __ksym in ks_c only, a
 * struct-typed global defined here and declared extern in ks_c (exact BTF match), a strong
 * function ks_c also defines weakly (the strong one, linked first, stays), and an extern of
 * ks_c's hidden variable (the hidden visibility wins).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

extern const void vfs_read __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

struct pair {
	int a;
	long b;
};

struct pair gp = {1, 2};
extern int hid;
__u64 ka_active, ka_pid;

__noinline int over(int x)
{
	return x + 1;
}

SEC("raw_tp")
int ks_read(void *ctx)
{
	ka_active = (__u64)&vfs_read + over(hid) + gp.b;
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ks_kfunc_a, struct pt_regs *regs, long id)
{
	struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());

	if (t) {
		ka_pid = t->pid;
		bpf_task_release(t);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
