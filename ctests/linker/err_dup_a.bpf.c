// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Error fixtures: err_dup_a and err_dup_b both define a strong dup_var (a conflict); err_dup_a
 * also defines mism (int) and sig_fn(int), and a map that err_map declares differently. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

int dup_var = 1;
int mism = 2;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} em SEC(".maps");

__noinline int sig_fn(int x)
{
	return x + dup_var + mism;
}

SEC("raw_tp/sys_enter")
int prog_dup_a(void *ctx)
{
	__u32 k = 0, *v = bpf_map_lookup_elem(&em, &k);

	return sig_fn(v ? *v : 0) > 0;
}

char LICENSE[] SEC("license") = "GPL";
