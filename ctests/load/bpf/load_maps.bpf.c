// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * load_maps.bpf.c: maps whose creation has more to it than BPF_MAP_CREATE: a prog array with
 * initial slots (filled after the programs load), array-of-maps and hash-of-maps with initial
 * slots (filled right after the outer map is created), an inner map template with BTF, ring
 * buffers, a perf event array sized by the CPU count, a map pinned by name (pin_root_path), and
 * a map no program references.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, struct inner);
} outer_arr SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps") = {
	.values = { [1] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} urb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(int));
} perf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, __u32);
} pinned_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} unused_map SEC(".maps");

__u64 hits;

SEC("raw_tp")
int target_0(void *ctx)
{
	hits += 1;
	return 0;
}

SEC("raw_tp")
int target_1(void *ctx)
{
	hits += 2;
	return 1;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int (void *));
} jmp SEC(".maps") = {
	.values = { [0] = (void *)&target_0, [3] = (void *)&target_1 },
};

SEC("raw_tp")
int entry(void *ctx)
{
	__u32 key = 0, *pv, v = 1;
	void *inner;
	__u64 *slot;

	inner = bpf_map_lookup_elem(&outer_arr, &key);
	if (inner) {
		slot = bpf_map_lookup_elem(inner, &key);
		if (slot)
			*slot += 1;
	}
	key = 1;
	inner = bpf_map_lookup_elem(&outer_hash, &key);
	if (inner) {
		slot = bpf_map_lookup_elem(inner, &key);
		if (slot)
			*slot += 1;
	}
	slot = bpf_ringbuf_reserve(&rb, sizeof(*slot), 0);
	if (slot) {
		*slot = hits;
		bpf_ringbuf_submit(slot, 0);
	}
	pv = bpf_map_lookup_elem(&pinned_hash, &key);
	if (!pv)
		bpf_map_update_elem(&pinned_hash, &key, &v, BPF_ANY);
	bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &v, sizeof(v));
	bpf_tail_call(ctx, &jmp, 3);
	bpf_tail_call(ctx, &jmp, 0);
	return 0;
}

static long drain_cb(struct bpf_dynptr *dynptr, void *ctx)
{
	hits += 100;
	return 0;
}

SEC("syscall")
int drain(void *ctx)
{
	bpf_user_ringbuf_drain(&urb, drain_cb, NULL, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
