// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * modops: struct_ops maps of struct oxbpf_testmod_ops, the type that our test module
 * (ctests/vm/kmod/oxbpf_testmod.c) defines: libbpf finds it in the module's BTF, not in
 * vmlinux. oxmod is auto-attached; oxmod_alt (autoattach turned off by the loader) is what
 * bpf_link__update_map swaps in; oxmod_extra (not created unless asked) has a local flavour
 * of the type with a member the kernel's lacks.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct oxbpf_testmod_ops {
	int (*test_1)(void);
	int (*test_2)(int a, int b);
	int data;
};

struct oxbpf_testmod_ops___ox {
	int (*test_1)(void);
	int (*test_2)(int a, int b);
	int data;
	int ox_missing;
};

SEC("struct_ops/test_1")
int BPF_PROG(ox_test_1)
{
	return 11;
}

SEC("struct_ops/test_1")
int BPF_PROG(ox_test_1_alt)
{
	return 22;
}

SEC("struct_ops/test_2")
int BPF_PROG(ox_test_2, int a, int b)
{
	return a * 100 + b;
}

SEC(".struct_ops.link")
struct oxbpf_testmod_ops oxmod = {
	.test_1 = (void *)ox_test_1,
	.test_2 = (void *)ox_test_2,
	.data = 5,
};

SEC(".struct_ops.link")
struct oxbpf_testmod_ops oxmod_alt = {
	.test_1 = (void *)ox_test_1_alt,
	.data = 7,
};

SEC("?.struct_ops.link")
struct oxbpf_testmod_ops___ox oxmod_extra = {
	.test_1 = (void *)ox_test_1,
};
