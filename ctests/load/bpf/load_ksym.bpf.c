// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * load_ksym.bpf.c: .ksyms externs. Typed variables resolved in kernel BTF (the per-CPU
 * bpf_prog_active and runqueues), typeless ones resolved through /proc/kallsyms (vfs_read),
 * a weak typeless one that does not exist (address 0), kfuncs (bpf_task_acquire and
 * bpf_task_release from a tp_btf program) and a weak kfunc that does not exist, guarded by
 * bpf_ksym_exists() so that its poisoned call is dead code; bpf_ksym_exists() of a resolved kfunc
 * (an ld_imm64 of its BTF id) and a kfunc under a flavoured name (bpf_task_from_pid___ox).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

extern const int bpf_prog_active __ksym;
extern const struct rq runqueues __ksym;
extern const void vfs_read __ksym;
extern const void oxbpf_no_such_symbol __ksym __weak;

extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void oxbpf_no_such_kfunc(void) __ksym __weak;
/* Weak but present: bpf_ksym_exists() loads its address (a BTF id ld_imm64). */
extern struct cgroup *bpf_cgroup_from_id(u64 cgid) __ksym __weak;
/* A flavoured name: resolved by its essential name, bpf_task_from_pid. */
extern struct task_struct *bpf_task_from_pid___ox(s32 pid) __ksym __weak;

__u64 active, nr_running, vfs_read_addr, no_such, acquired_pid, kfunc_missing, kfunc_present;
__u64 from_pid;

SEC("raw_tp")
int read_ksyms(void *ctx)
{
	const int *act = bpf_this_cpu_ptr(&bpf_prog_active);
	const struct rq *rq = bpf_per_cpu_ptr(&runqueues, 0);

	active = *act;
	if (rq)
		nr_running = rq->nr_running;
	vfs_read_addr = (__u64)&vfs_read;
	no_such = (__u64)&oxbpf_no_such_symbol;
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(use_kfuncs, struct pt_regs *regs, long id)
{
	struct task_struct *t = bpf_get_current_task_btf(), *a;

	a = bpf_task_acquire(t);
	if (a) {
		acquired_pid = a->pid;
		bpf_task_release(a);
	}
	if (bpf_ksym_exists(bpf_cgroup_from_id))
		kfunc_present = 1;
	if (bpf_ksym_exists(bpf_task_from_pid___ox)) {
		a = bpf_task_from_pid___ox(1);
		if (a) {
			from_pid = a->pid;
			bpf_task_release(a);
		}
	}
	if (bpf_ksym_exists(oxbpf_no_such_kfunc)) {
		oxbpf_no_such_kfunc();
		kfunc_missing = 1;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
