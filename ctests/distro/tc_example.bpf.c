// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A libbpf-bootstrap-style tc program: counts UDP datagrams to port 4242 at lo's ingress. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

__u64 udp_4242;

SEC("tc")
int tc_ingress(struct __sk_buff *ctx)
{
	__u8 ihl_ver, proto;
	__u16 dport;

	if (ctx->protocol != bpf_htons(0x0800))
		return 0;
	if (bpf_skb_load_bytes(ctx, 14, &ihl_ver, 1) || bpf_skb_load_bytes(ctx, 14 + 9, &proto, 1))
		return 0;
	if (proto != 17)
		return 0;
	if (bpf_skb_load_bytes(ctx, 14 + (ihl_ver & 0xf) * 4 + 2, &dport, 2))
		return 0;
	if (dport == bpf_htons(4242))
		__sync_fetch_and_add(&udp_4242, 1);
	return 0; /* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "GPL";
