// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fixture for the distribution programs (ip, tc): an XDP and two tc programs counting packets
 * in one array map pinned by name, so that filters loaded by separate tc invocations share it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} oxd_counts SEC(".maps");

static __always_inline void bump(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&oxd_counts, &slot);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int oxd_xdp(struct xdp_md *ctx)
{
	bump(0);
	return XDP_PASS;
}

SEC("tc")
int oxd_tc_in(struct __sk_buff *skb)
{
	bump(1);
	return 0; /* TC_ACT_OK */
}

SEC("classifier")
int oxd_tc_out(struct __sk_buff *skb)
{
	bump(2);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
