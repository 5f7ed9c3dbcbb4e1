// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bad_load.bpf.c: programs this kernel's verifier refuses, for ctests/logs: the log of a failed
 * load (libbpf's "prog 'X': BPF program load failed", the verifier log between BEGIN/END PROG
 * LOAD LOG, "prog 'X': failed to load: -EINVAL", "failed to load object") must be libbpf 1.5's
 * (its errno text normalised into libbpf 1.7's form, which liboxbpf writes).
 *   good            loads (the whole-object load loads it first, then unloads it on failure)
 *   uninit_reg      reads r5, which holds nothing at entry ("R5 !read_ok"), in a subprogram
 *                   call (the log shows the appended subprogram's instructions)
 *   oob_map_value   reads 8 bytes at offset 8 of a 4-byte map value ("invalid access to map
 *                   value")
 *   unreachable     jumps over an instruction ("unreachable insn 1"): -EINVAL, where the two
 *                   above are -EACCES
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} small SEC(".maps");

int hits;

SEC("raw_tp/sys_enter")
int good(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

static __attribute__((noinline)) int add_one(long x)
{
	return x + 1;
}

SEC("raw_tp/sys_enter")
int uninit_reg(void *ctx)
{
	long ret;

	asm volatile("%[ret] = r5" : [ret] "=r"(ret));
	return add_one(ret);
}

SEC("raw_tp/sys_enter")
int oob_map_value(void *ctx)
{
	__u32 key = 0;
	__u32 *v = bpf_map_lookup_elem(&small, &key);
	long r;

	if (!v)
		return 0;
	asm volatile("%[r] = *(u64 *)(%[p] + 8)" : [r] "=r"(r) : [p] "r"(v));
	return r;
}

SEC("raw_tp/sys_enter")
int unreachable(void *ctx)
{
	asm volatile("goto +1; r0 = 0;" ::: "r0");
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
