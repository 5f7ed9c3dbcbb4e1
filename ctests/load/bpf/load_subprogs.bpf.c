// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * load_subprogs.bpf.c: subprogram linking at load. Static, global and hidden global
 * subprograms called from several programs (each program gets its own copy of what it
 * reaches, in first-call order), subprograms calling subprograms, callbacks (bpf_loop,
 * bpf_for_each_map_elem) whose address is taken with ld_imm64, and an exception callback
 * (bpf_throw) that nothing calls and libbpf must append because of the program's
 * "exception_callback:" decl tag.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

int counter;
__u64 results[8];
__u64 thrown;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} sub_array SEC(".maps");

static __noinline int sub_leaf(int x)
{
	return x ^ 0x5a;
}

static __noinline int sub_static(int x)
{
	__u32 key = x & 3;
	__u64 *v = bpf_map_lookup_elem(&sub_array, &key);

	if (v)
		*v += x;
	return sub_leaf(x) * 3 + counter;
}

__noinline int sub_global(int x)
{
	return sub_static(x) + 1;
}

__attribute__((visibility("hidden"))) __noinline int sub_hidden(int x)
{
	return sub_leaf(x) - 1;
}

static int loop_cb(__u32 idx, void *ctx)
{
	results[idx & 7] += idx;
	return 0;
}

static long loop_cb2(__u32 idx, int *acc)
{
	*acc += sub_static(idx);
	return idx > 2;
}

static long each_cb(struct bpf_map *map, __u32 *key, __u64 *val, void *ctx)
{
	results[*key & 7] += *val;
	return 0;
}

SEC("raw_tp")
int prog_a(void *ctx)
{
	counter += sub_static(1) + sub_global(2);
	bpf_loop(4, loop_cb, NULL, 0);
	return 0;
}

SEC("syscall")
int prog_b(void *ctx)
{
	int acc = 0;

	counter += sub_global(3) + sub_hidden(4);
	bpf_loop(8, loop_cb2, &acc, 0);
	results[7] = acc;
	return 0;
}

SEC("socket")
int prog_c(struct __sk_buff *skb)
{
	return sub_hidden(skb->len) + sub_leaf(1);
}

SEC("xdp")
int prog_d(struct xdp_md *ctx)
{
	bpf_for_each_map_elem(&sub_array, each_cb, NULL, 0);
	bpf_loop(2, loop_cb, NULL, 0);
	return XDP_PASS;
}

SEC("tc")
int prog_e(struct __sk_buff *skb)
{
	return sub_leaf(skb->len) > 0 ? 0 : 1;
}

/* ---- exceptions ---- */

extern void bpf_throw(__u64 cookie) __ksym;

__noinline int exc_cb(__u64 cookie)
{
	thrown = cookie;
	return 0;
}

SEC("syscall")
__attribute__((btf_decl_tag("exception_callback:exc_cb")))
int prog_throw(void *ctx)
{
	if (counter == 12345)
		bpf_throw(7);
	return sub_leaf(1);
}

char LICENSE[] SEC("license") = "GPL";
