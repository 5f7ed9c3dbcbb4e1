// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * scx_min: a minimal sched_ext scheduler (Linux >= 6.13 kfunc names), every task queued on
 * the global DSQ. With eject_after set, the enqueue after that many inserts a task into a
 * DSQ that was never created: the kernel then ejects the scheduler with an error exit, which
 * ops.exit records for the loader.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#define NO_SUCH_DSQ 0x4242ULL

const volatile __u64 eject_after;

__u64 enqueues;
__u64 select_calls;
__s64 exit_kind;
char exit_reason[128];

SEC("struct_ops/oxs_select_cpu")
s32 BPF_PROG(oxs_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	__sync_fetch_and_add(&select_calls, 1);
	return prev_cpu;
}

SEC("struct_ops/oxs_enqueue")
void BPF_PROG(oxs_enqueue, struct task_struct *p, u64 enq_flags)
{
	__u64 n = __sync_fetch_and_add(&enqueues, 1);

	if (eject_after && n >= eject_after)
		scx_bpf_dsq_insert(p, NO_SUCH_DSQ, SCX_SLICE_DFL, enq_flags);
	else
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SEC("struct_ops/oxs_exit")
void BPF_PROG(oxs_exit, struct scx_exit_info *ei)
{
	bpf_probe_read_kernel_str(exit_reason, sizeof(exit_reason), ei->reason);
	exit_kind = ei->kind;
}

SEC(".struct_ops.link")
struct sched_ext_ops oxsched = {
	.select_cpu = (void *)oxs_select_cpu,
	.enqueue = (void *)oxs_enqueue,
	.exit = (void *)oxs_exit,
	.name = "oxsched",
};
