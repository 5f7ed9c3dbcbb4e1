// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fixture for the map element API, pinning, ring buffer and perf buffer tests.
 *
 * `produce` (raw_tp, run with bpf_prog_test_run_opts, optionally on a chosen CPU) emits
 * `nrec` records numbered from `first_seq`:
 *   - ring buffer `rb`: seq % 4 == 3 is reserved then discarded (never seen by user space),
 *     seq % 4 == 2 is reserved, filled and submitted (sizeof(struct rec) bytes), the rest go
 *     through bpf_ringbuf_output with rec_len(seq) bytes (not multiples of 8);
 *   - perf event array `pb`: every record, rec_len(seq) bytes, on the current CPU;
 *   - ring buffer `rb2`: one marker record per run;
 * and bumps per-CPU counters (`pcpu[0]` += 1, `pcpu[1]` = cpu + 100), `hash[run] = stamp`.
 * `drain` drains the user ring buffer `urb`, summing the records' `val`.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define MAX_RECS 48
#define FILL 40

struct rec {
	__u32 seq;
	__u32 cpu;
	__u64 stamp; /* run * 1000 + seq */
	__u8 fill[FILL]; /* fill[k] = (seq * 7 + k) & 0xff */
};

struct urec {
	__u64 val;
	__u64 tag;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8192);
} rb2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} pb SEC(".maps");

/* 4-byte values: user space sees round_up(4, 8) = 8 bytes per possible CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

/* Pinned as <pin_root_path>/shared and reused by a second object. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shared SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} urb SEC(".maps");

__u32 nrec;
__u32 first_seq;
__u32 run;
__u32 emitted_rb;
__u32 emitted_pb;
__u64 drained;
__u64 drained_sum;

static __always_inline __u32 rec_len(__u32 seq)
{
	return 17 + (seq % 5) * 5; /* 17, 22, 27, 32, 37 */
}

static __always_inline void fill_rec(struct rec *r, __u32 seq, __u32 cpu)
{
	r->seq = seq;
	r->cpu = cpu;
	r->stamp = (__u64)run * 1000 + seq;
	for (int k = 0; k < FILL; k++)
		r->fill[k] = (seq * 7 + k) & 0xff;
}

SEC("raw_tp")
int produce(void *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 zero = 0, one = 1, val;
	__u32 *cnt;
	struct rec r = {};
	__u64 stamp;

	for (__u32 i = 0; i < MAX_RECS && i < nrec; i++) {
		__u32 seq = first_seq + i;
		__u64 len = rec_len(seq);

		/* keep the bound check visible to the verifier */
		barrier_var(len);
		if (len < 1 || len > sizeof(r))
			return 1;
		barrier_var(len);
		fill_rec(&r, seq, cpu);
		if (seq % 4 == 3) {
			struct rec *p = bpf_ringbuf_reserve(&rb, sizeof(*p), 0);

			if (p) {
				p->seq = seq;
				bpf_ringbuf_discard(p, 0);
			}
		} else if (seq % 4 == 2) {
			struct rec *p = bpf_ringbuf_reserve(&rb, sizeof(*p), 0);

			if (p) {
				fill_rec(p, seq, cpu);
				bpf_ringbuf_submit(p, 0);
				emitted_rb++;
			}
		} else if (bpf_ringbuf_output(&rb, &r, len, 0) == 0) {
			emitted_rb++;
		}
		if (bpf_perf_event_output(ctx, &pb, BPF_F_CURRENT_CPU, &r, len) == 0)
			emitted_pb++;
	}

	r.seq = 0xffff;
	r.cpu = cpu;
	r.stamp = run;
	bpf_ringbuf_output(&rb2, &r, 16, 0);

	cnt = bpf_map_lookup_elem(&pcpu, &zero);
	if (cnt)
		*cnt += 1;
	val = cpu + 100;
	bpf_map_update_elem(&pcpu, &one, &val, BPF_ANY);
	stamp = (__u64)run * 1000 + nrec;
	bpf_map_update_elem(&hash, &run, &stamp, BPF_ANY);
	return 0;
}

static long drain_one(struct bpf_dynptr *dynptr, void *ctx)
{
	struct urec u;

	if (bpf_dynptr_read(&u, sizeof(u), dynptr, 0, 0))
		return 1;
	drained++;
	drained_sum += u.val;
	return 0;
}

SEC("raw_tp")
int drain(void *ctx)
{
	bpf_user_ringbuf_drain(&urb, drain_one, NULL, 0);
	return 0;
}

/* Reads `shared` so the pinned map is used by a program too. */
SEC("raw_tp")
int bump_shared(void *ctx)
{
	__u32 key = 1;
	__u64 *v = bpf_map_lookup_elem(&shared, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
