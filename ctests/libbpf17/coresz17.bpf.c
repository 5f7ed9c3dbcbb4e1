// SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause
/* A CO-RE load of one element through an array-typed field: the relocated field is
 * task_struct.comm, declared char[8] here and char[16] in the kernel, and the load is one byte.
 * Since the sizes differ, the load size is checked: libbpf 1.7 against the element size (1,
 * accepted), libbpf 1.5 against the whole field (8, refused). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Our view of task_struct: comm declared shorter than the kernel's char[16], so the local and
 * kernel field sizes differ and the load size gets checked. */
struct task_struct___short {
	char comm[8];
} __attribute__((preserve_access_index));

char first_comm_char;
int runs;

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct task_struct___short *t = (void *)next;

	first_comm_char = *(volatile char *)&t->comm;
	runs++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
