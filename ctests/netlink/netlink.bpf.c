// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fixture of the netlink tests: XDP and tc programs that count the packets they see, one
 * slot each, and a program with a subprogram (two jited functions) for line info lookups. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void bump(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &slot);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int xdp_count_a(struct xdp_md *ctx)
{
	bump(0);
	return XDP_PASS;
}

SEC("xdp")
int xdp_count_b(struct xdp_md *ctx)
{
	bump(1);
	return XDP_PASS;
}

SEC("tc")
int tc_count_in(struct __sk_buff *skb)
{
	bump(2);
	return TC_ACT_OK;
}

SEC("tc")
int tc_count_out(struct __sk_buff *skb)
{
	bump(3);
	return TC_ACT_OK;
}

__noinline int linfo_helper(int x)
{
	int r = x * 3;

	if (r > 10)
		r -= 7;
	bump(r & 7);
	return r;
}

SEC("tc")
int linfo_prog(struct __sk_buff *skb)
{
	int a = linfo_helper(skb->len);

	if (a & 1)
		bump(5);
	else
		bump(6);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
