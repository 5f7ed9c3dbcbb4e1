// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dummy_ops.bpf.c: struct_ops for the kernel's bpf_dummy_ops, which exists for testing: it
 * cannot be registered, but its programs run through BPF_PROG_TEST_RUN. Two maps: dummy_1 in
 * ".struct_ops" (autocreate on) and dummy_2 in "?.struct_ops" (autocreate off), sharing
 * test_1, plus a sleepable program ("struct_ops.s").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

int test_1_result;
int test_2_result;

SEC("struct_ops/test_1")
int BPF_PROG(test_1, struct bpf_dummy_ops_state *state)
{
	int ret;

	if (!state)
		return 0xf2f3f4f5;
	ret = state->val;
	state->val = 0x5a;
	test_1_result = ret;
	return ret;
}

SEC("struct_ops/test_2")
int BPF_PROG(test_2, struct bpf_dummy_ops_state *state, int a1, unsigned short a2,
	     char a3, unsigned long a4)
{
	test_2_result = a1 + a2 + a3 + a4;
	return 0;
}

SEC("struct_ops.s/test_sleepable")
int BPF_PROG(test_sleepable, struct bpf_dummy_ops_state *state)
{
	return 0;
}

SEC(".struct_ops")
struct bpf_dummy_ops dummy_1 = {
	.test_1 = (void *)test_1,
	.test_2 = (void *)test_2,
	.test_sleepable = (void *)test_sleepable,
};

SEC("?.struct_ops")
struct bpf_dummy_ops dummy_2 = {
	.test_1 = (void *)test_1,
};

char LICENSE[] SEC("license") = "GPL";
