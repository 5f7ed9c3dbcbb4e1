// SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause
/* A struct_ops map of bpf_dummy_ops, a plain array, a raw tracepoint and a perf_event program,
 * for the libbpf 1.6/1.7 tests of ctests/libbpf17 (prog17, excl17, prepare17, opts17). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, int);
} plain SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, int);
} pcpu SEC(".maps");

SEC("struct_ops/test_1")
int BPF_PROG(op_test_1, struct bpf_dummy_ops_state *state)
{
	return 0;
}

SEC(".struct_ops")
struct bpf_dummy_ops ops = {
	.test_1 = (void *)op_test_1,
};

SEC("raw_tp/sys_enter")
int on_enter(void *ctx)
{
	int k = 0, *v = bpf_map_lookup_elem(&plain, &k);

	if (v)
		*v += 1;
	return 0;
}

SEC("perf_event")
int on_sample(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
