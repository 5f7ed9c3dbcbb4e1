// SPDX-License-Identifier: GPL-2.0
/* Programs with and without subprograms, for bpf_program__func_info/__line_info (libbpf 1.6+). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

static __noinline int sub_static(int x)
{
	return x * 3 + 1;
}

__noinline int sub_global(int x)
{
	return x ^ 5;
}

SEC("socket")
int with_subprogs(struct __sk_buff *skb)
{
	int v = skb->len;

	v = sub_static(v);
	return sub_global(v) & 1;
}

SEC("socket")
int plain(struct __sk_buff *skb)
{
	return skb->len > 10;
}

char LICENSE[] SEC("license") = "GPL";
