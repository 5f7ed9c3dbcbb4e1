// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * load_core.bpf.c: CO-RE relocations of every kind against the running kernel's BTF, from
 * task_struct: field offsets (BPF_CORE_READ chains), existence, size, signedness, bitfield
 * lshift/rshift, type existence/size/matches, local and kernel type ids, enum value existence and
 * value, a flavoured local type (task_struct___ox) with a field the kernel lacks, and a subprogram
 * whose relocations are applied once and copied into each caller.
 *
 * core_bad (autoload off) reads a field that does not exist without a guard: its poisoned
 * instruction is reachable, so loading it fails and libbpf rewrites the verifier log.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___ox {
	int tgid;
	int pid;
	int oxbpf_missing_field;
} __attribute__((preserve_access_index));

struct oxbpf_missing_type {
	int x;
} __attribute__((preserve_access_index));

enum oxbpf_local_enum { OX_A = 1 };

struct out {
	int tgid, pid, ppid;
	__u64 exists, missing, size_comm, signed_pid, offset_pid, type_exists, type_missing, type_size;
	__u64 type_matches, local_id, kernel_id, enum_exists, enum_missing, enum_val;
	__u64 bitfield, comm0;
} out;

static __noinline int read_parent(struct task_struct *t)
{
	return BPF_CORE_READ(t, real_parent, tgid);
}

SEC("syscall")
int core_read(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct task_struct___ox *tx = (void *)t;

	out.tgid = BPF_CORE_READ(t, tgid);
	out.pid = BPF_CORE_READ(tx, pid);
	out.ppid = read_parent(t);
	out.exists = bpf_core_field_exists(t->pid);
	out.missing = bpf_core_field_exists(tx->oxbpf_missing_field);
	out.size_comm = bpf_core_field_size(t->comm);
	out.signed_pid = __builtin_preserve_field_info(t->pid, BPF_FIELD_SIGNED);
	out.offset_pid = bpf_core_field_offset(t->pid);
	out.type_exists = bpf_core_type_exists(struct task_struct);
	out.type_missing = bpf_core_type_exists(struct oxbpf_missing_type);
	out.type_size = bpf_core_type_size(struct task_struct);
	out.type_matches = bpf_core_type_matches(struct task_struct);
	out.local_id = bpf_core_type_id_local(struct task_struct);
	out.kernel_id = bpf_core_type_id_kernel(struct task_struct);
	out.enum_exists = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_ARENA);
	out.enum_missing = bpf_core_enum_value_exists(enum oxbpf_local_enum, OX_A);
	out.enum_val = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	out.bitfield = BPF_CORE_READ_BITFIELD_PROBED(t, sched_reset_on_fork);
	out.comm0 = BPF_CORE_READ(t, comm[0]);
	return 0;
}

SEC("raw_tp")
int core_raw_tp(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	out.ppid = read_parent(t);
	return 0;
}

SEC("?syscall")
int core_bad(void *ctx)
{
	struct task_struct___ox *tx = (void *)bpf_get_current_task();

	out.pid = BPF_CORE_READ(tx, oxbpf_missing_field);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
