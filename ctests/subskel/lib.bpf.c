// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A BPF library for the subskeleton tests: globals in every kind of global-data section, a
 * kconfig extern, a map, a global function the final objects' programs call, and a program of
 * its own. Linked (bpftool gen object) into final_a.bpf.o and final_b.bpf.o after each final's
 * own objects, so every library variable sits at a different offset in each final object.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define LIB_CUSTOM_MAX 64

/* .data */
int lib_data = 11;
/* .rodata: written through the subskeleton before load, read-only after */
const volatile int lib_ro = 22;
/* how many lib_custom[] elements lib_func sums (raised after resizing .data.x) */
const volatile __u32 lib_custom_len = 2;
/* .bss */
int lib_bss;
__u64 lib_calls;
int lib_arr[4];
int lib_prog_ran;
__u32 lib_kver;
int lib_bpf_syscall;
/* a custom data section; its last variable is an array, so the map can be resized */
int lib_custom_ctr SEC(".data.x") = 33;
int lib_custom[2] SEC(".data.x") = { 100, 200 };

/* kconfig externs (the .kconfig map; offsets depend on the final object's own externs) */
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} lib_map SEC(".maps");

/* The library's API: a global (separately verified) function. Sums the first lib_custom_len
 * elements of lib_custom (bounded by the map's value size, which the verifier knows), records
 * what it saw, and adds x to lib_map[0]. */
__noinline int lib_func(int x)
{
	int *custom = lib_custom;
	__u32 key = 0, i;
	__u64 *v;
	int sum = 0;

	/* hide the declared bound from clang: after a resize the array is longer */
	barrier_var(custom);
	for (i = 0; i < LIB_CUSTOM_MAX && i < lib_custom_len; i++)
		sum += custom[i];
	lib_calls++;
	lib_arr[0] = x;
	lib_arr[1] = lib_data;
	lib_arr[2] = lib_ro;
	lib_arr[3] = sum;
	lib_custom_ctr++;
	lib_kver = LINUX_KERNEL_VERSION;
	lib_bpf_syscall = CONFIG_BPF_SYSCALL;
	v = bpf_map_lookup_elem(&lib_map, &key);
	if (v)
		*v += x;
	lib_bss = x + lib_data + lib_ro + sum;
	return lib_bss;
}

SEC("syscall")
int lib_prog(void *ctx)
{
	lib_prog_ran++;
	return lib_func(1000);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
