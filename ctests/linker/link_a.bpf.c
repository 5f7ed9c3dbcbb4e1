// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Static-linker fixture, file 1 of 3: a strong global, a weak function another file overrides,
 * a map the other files reference as an extern, externs of a variable and a function defined
 * in link_b, a .kconfig extern shared with link_b, a weak variable link_c also defines, and
 * static functions with the same name as link_b's (section-symbol call relocations).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} shared_map SEC(".maps");

int shared_cnt = 1;
const volatile int a_ro = 3;
__u64 a_bss;
__weak int tunable = 7;

extern int lib_val;
extern int lib_add(int a, int b);
extern int LINUX_KERNEL_VERSION __kconfig;

__weak __noinline int helper(int x)
{
	return x + 1000;
}

static __noinline int twice(int x)
{
	return x * 2 + a_ro;
}

SEC("raw_tp/sys_enter")
int prog_a(void *ctx)
{
	__u32 key = 1;
	__u64 val = lib_add(lib_val, helper(twice(shared_cnt))) + tunable;

	if (LINUX_KERNEL_VERSION)
		a_bss = val;
	bpf_map_update_elem(&shared_map, &key, &val, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
