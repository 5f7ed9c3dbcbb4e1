// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The same programs as insns_fail.bpf.c, all accepted by the verifier, so bpf_object__load
 * succeeds: bpf_program__insn_cnt/insns afterwards are compared with libbpf 1.5's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, long);
} arr SEC(".maps");

long total;

static __noinline long leaf(long x)
{
	return x * 3 + total;
}

static __noinline long mid(long x)
{
	return leaf(x) + leaf(x + 1);
}

/* A global subprogram (verified on its own) for the struct_ops program and a bpf_loop callback
 * (ld_imm64 of a function) for the raw_tp one. */
__noinline int gsub(int x)
{
	return x + 7;
}

static long loop_cb(__u64 i, void *ctx)
{
	total += leaf(i);
	return 0;
}

SEC("struct_ops/test_1")
int BPF_PROG(st_test_1, struct bpf_dummy_ops_state *state)
{
	if (!state)
		return gsub((int)mid(1));
	return gsub((int)mid(state->val));
}

/* A second struct_ops program with subprograms of its own. */
SEC("struct_ops/test_2")
int BPF_PROG(st_test_2, struct bpf_dummy_ops_state *state, int a1, unsigned short a2,
	     char a3, unsigned long a4)
{
	return (int)mid(a1) + leaf(a2) + gsub(a3);
}

SEC(".struct_ops")
struct bpf_dummy_ops dummy = {
	.test_1 = (void *)st_test_1,
	.test_2 = (void *)st_test_2,
};

SEC("raw_tp/sys_enter")
int good_raw(void *ctx)
{
	int k = 0;
	long *v = bpf_map_lookup_elem(&arr, &k);

	bpf_loop(3, loop_cb, NULL, 0);
	total += mid(2);
	return v ? (int)*v : 0;
}

char LICENSE[] SEC("license") = "GPL";
