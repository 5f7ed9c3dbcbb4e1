// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Static-linker fixture, file 2 of 3: defines lib_val and the global function lib_add that
 * link_a uses, overrides link_a's weak helper() with a strong one, declares link_a's map as an
 * extern map, and has its own static twice() (same name as link_a's).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} shared_map SEC(".maps");

int lib_val = 42;
const volatile int b_ro = 5;
__u32 b_bss[4];
extern int shared_cnt;
extern int LINUX_KERNEL_VERSION __kconfig;

__noinline int lib_add(int a, int b)
{
	return a + b;
}

__noinline int helper(int x)
{
	return x + 2000;
}

static __noinline int twice(int x)
{
	return x * 2 + b_ro;
}

SEC("raw_tp/sys_exit")
int prog_b(void *ctx)
{
	__u32 key = 2;
	__u64 val = twice(shared_cnt) + lib_add(1, 2);

	b_bss[1] = LINUX_KERNEL_VERSION != 0;
	bpf_map_update_elem(&shared_map, &key, &val, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
