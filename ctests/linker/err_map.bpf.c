// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An extern of err_dup_a's map `em` with a different max_entries: map definitions mismatch. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} em SEC(".maps");

SEC("raw_tp/sys_exit")
int prog_map(void *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&em, &k) != 0;
}

char LICENSE[] SEC("license") = "GPL";
