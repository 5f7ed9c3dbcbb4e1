// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * st_cc.bpf.c: TCP congestion controls for the struct_ops tests (ctests/struct_ops/st_cc.c).
 *
 * Three maps of struct tcp_congestion_ops:
 *   st_a    ".struct_ops.link"   init, ssthresh, cong_avoid = st_cong_avoid_a, undo_cwnd
 *   st_b    ".struct_ops.link"   the same programs except cong_avoid = st_cong_avoid_b: the
 *                                init/ssthresh/undo_cwnd programs are shared by both maps
 *                                (same type, same member), what bpf_link__update_map swaps to
 *   st_off  "?.struct_ops.link"  autocreate off; its programs (st_off_*) are referenced by no
 *                                other map, so they are not loaded either
 * plus st_cong_avoid_alt ("?struct_ops", referenced nowhere) that a test swaps into a shadow.
 *
 * The CC name is left empty here: every test writes its own unique name into the shadow
 * before load (a data member edit that must reach the kernel).
 *
 * Observable effects: counters in .bss per callback, a hash map updated by a subprogram
 * (record), and last_init_cwnd read from struct tcp_sock with CO-RE.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

__u64 init_calls, ssthresh_calls, undo_calls, a_calls, b_calls, alt_calls, off_calls;
__u32 last_init_cwnd;

/* Events by kind: 0 init, 1 ssthresh, 2 cong_avoid_a, 3 cong_avoid_b, 4 alt. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} st_events SEC(".maps");

static __noinline int record(__u32 kind)
{
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&st_events, &kind);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return 0;
	}
	return bpf_map_update_elem(&st_events, &kind, &one, BPF_NOEXIST);
}

static __always_inline __u32 min_u32(__u32 a, __u32 b) { return a < b ? a : b; }
static __always_inline __u32 max_u32(__u32 a, __u32 b) { return a > b ? a : b; }

static __always_inline void reno(struct sock *sk, __u32 acked)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u32 cwnd = tp->snd_cwnd;

	if (cwnd < tp->snd_ssthresh) {
		cwnd = min_u32(cwnd + acked, tp->snd_ssthresh);
		acked = 0;
	}
	if (acked) {
		if (tp->snd_cwnd_cnt >= cwnd) {
			tp->snd_cwnd_cnt = 0;
			cwnd++;
		} else {
			tp->snd_cwnd_cnt += acked;
		}
	}
	tp->snd_cwnd = min_u32(cwnd, tp->snd_cwnd_clamp);
}

SEC("struct_ops/init")
void BPF_PROG(st_init, struct sock *sk)
{
	last_init_cwnd = BPF_CORE_READ((struct tcp_sock *)sk, snd_cwnd);
	init_calls++;
	record(0);
}

SEC("struct_ops")
__u32 BPF_PROG(st_ssthresh, struct sock *sk)
{
	const struct tcp_sock *tp = (struct tcp_sock *)sk;

	ssthresh_calls++;
	record(1);
	return max_u32(tp->snd_cwnd >> 1U, 2U);
}

SEC("struct_ops/cong_avoid")
void BPF_PROG(st_cong_avoid_a, struct sock *sk, __u32 ack, __u32 acked)
{
	a_calls++;
	record(2);
	reno(sk, acked);
}

SEC("struct_ops/cong_avoid")
void BPF_PROG(st_cong_avoid_b, struct sock *sk, __u32 ack, __u32 acked)
{
	b_calls++;
	record(3);
	reno(sk, acked);
}

SEC("?struct_ops")
void BPF_PROG(st_cong_avoid_alt, struct sock *sk, __u32 ack, __u32 acked)
{
	alt_calls++;
	record(4);
	reno(sk, acked);
}

SEC("struct_ops")
__u32 BPF_PROG(st_undo, struct sock *sk)
{
	const struct tcp_sock *tp = (struct tcp_sock *)sk;

	undo_calls++;
	return max_u32(tp->snd_cwnd, tp->prior_cwnd);
}

SEC("struct_ops")
__u32 BPF_PROG(st_off_ssthresh, struct sock *sk)
{
	off_calls++;
	return 2;
}

SEC("struct_ops")
void BPF_PROG(st_off_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	off_calls++;
}

SEC("struct_ops")
__u32 BPF_PROG(st_off_undo, struct sock *sk)
{
	off_calls++;
	return 2;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops st_a = {
	.init = (void *)st_init,
	.ssthresh = (void *)st_ssthresh,
	.cong_avoid = (void *)st_cong_avoid_a,
	.undo_cwnd = (void *)st_undo,
};

SEC(".struct_ops.link")
struct tcp_congestion_ops st_b = {
	.init = (void *)st_init,
	.ssthresh = (void *)st_ssthresh,
	.cong_avoid = (void *)st_cong_avoid_b,
	.undo_cwnd = (void *)st_undo,
};

SEC("?.struct_ops.link")
struct tcp_congestion_ops st_off = {
	.ssthresh = (void *)st_off_ssthresh,
	.cong_avoid = (void *)st_off_cong_avoid,
	.undo_cwnd = (void *)st_off_undo,
	.name = "oxst_off",
};

char LICENSE[] SEC("license") = "GPL";
