// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Static-linker fixture, file 3 of 3: a second weak definition of tunable (the first one
 * linked wins), an extern of lib_add, a custom data section, and a map of its own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} c_map SEC(".maps");

__weak int tunable = 9;
int c_custom[3] SEC(".data.custom") = {1, 2, 3};
extern int lib_add(int a, int b);

SEC("raw_tp/sys_enter")
int prog_c(void *ctx)
{
	__u32 key = 0, val = lib_add(tunable, c_custom[2]);

	bpf_map_update_elem(&c_map, &key, &val, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
