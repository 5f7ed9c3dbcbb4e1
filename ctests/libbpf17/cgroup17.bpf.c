// SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause
/* Two cgroup_skb programs that let every packet through, for placement in a cgroup's list. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("cgroup_skb/egress")
int first(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/egress")
int second(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/egress")
int third(struct __sk_buff *skb)
{
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
