// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs with subprograms, one of which the verifier refuses (a map value used without a
 * NULL check), so bpf_object__load fails: bpf_program__insn_cnt/insns afterwards are compared
 * with libbpf 1.5's. A struct_ops program (bpf_dummy_ops) and a raw_tp program each call
 * subprograms.
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

SEC("struct_ops/test_1")
int BPF_PROG(st_test_1, struct bpf_dummy_ops_state *state)
{
	if (!state)
		return (int)mid(1);
	return (int)mid(state->val);
}

SEC(".struct_ops")
struct bpf_dummy_ops dummy = {
	.test_1 = (void *)st_test_1,
};

SEC("raw_tp/sys_enter")
int bad_raw(void *ctx)
{
	int k = 0;
	long *v = bpf_map_lookup_elem(&arr, &k);

	total += mid(2);
	return (int)*v; /* no NULL check: refused */
}

char LICENSE[] SEC("license") = "GPL";
