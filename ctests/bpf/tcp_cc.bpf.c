// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcp_cc.bpf.c: a Reno-like TCP congestion control registered through struct_ops, in the
 * modern form: the ops variable lives in SEC(".struct_ops.link"), so attaching it creates a
 * BPF link (map flag BPF_F_LINK).
 *
 * Exercises: struct_ops map from a global variable, function-pointer members bound to
 * SEC("struct_ops") / SEC("struct_ops/<member>") programs by relocation, a data member
 * (.name), counters in .bss, a hash map updated from a subprogram, a CO-RE read of
 * struct tcp_sock, and an extra program not referenced by the map (oxcc_cong_avoid_alt) that
 * user space can swap in through the skeleton's struct_ops shadow before load (autoload off
 * until then).
 *
 * Names: map oxcc (struct_ops) and oxcc_events (hash); programs oxcc_init, oxcc_ssthresh,
 * oxcc_cong_avoid, oxcc_cong_avoid_alt, oxcc_undo_cwnd; CC name "oxbpf_cc".
 * tcp_cc_legacy.bpf.c includes this file with OXCC=oxccl in plain ".struct_ops".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#ifndef OXCC
#define OXCC oxcc
#define OXCC_SEC ".struct_ops.link"
#define OXCC_NAME "oxbpf_cc"
#endif

/* P(_init) is oxcc_init here and oxccl_init in tcp_cc_legacy.bpf.c. BPF_PROG pastes its name
 * argument, so it is reached through OX_PROG, which expands P(...) first. */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define P(x) CAT(OXCC, x)
#define OX_PROG(name, args...) BPF_PROG(name, ##args)

/* Calls of each op, read by user space through skel->bss. */
__u64 init_calls, ssthresh_calls, cong_avoid_calls, undo_calls, alt_calls;
/* Last congestion window seen by init, read with CO-RE. */
__u32 last_init_cwnd;

/* Events counted per op kind (0 init, 1 ssthresh, 2 cong_avoid, 3 undo, 4 alt). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} P(_events) SEC(".maps");

static __always_inline struct tcp_sock *tcp_sk(const struct sock *sk)
{
	return (struct tcp_sock *)sk;
}

static __noinline int record(__u32 kind)
{
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&P(_events), &kind);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return 0;
	}
	return bpf_map_update_elem(&P(_events), &kind, &one, BPF_NOEXIST);
}

static __always_inline __u32 min_u32(__u32 a, __u32 b) { return a < b ? a : b; }
static __always_inline __u32 max_u32(__u32 a, __u32 b) { return a > b ? a : b; }

/* Reno: slow start below ssthresh, then one segment per window. */
static __always_inline void reno_cong_avoid(struct sock *sk, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
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
void OX_PROG(P(_init), struct sock *sk)
{
	last_init_cwnd = BPF_CORE_READ(tcp_sk(sk), snd_cwnd);
	init_calls++;
	record(0);
}

SEC("struct_ops")
__u32 OX_PROG(P(_ssthresh), struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	ssthresh_calls++;
	record(1);
	return max_u32(tp->snd_cwnd >> 1U, 2U);
}

SEC("struct_ops/cong_avoid")
void OX_PROG(P(_cong_avoid), struct sock *sk, __u32 ack, __u32 acked)
{
	cong_avoid_calls++;
	reno_cong_avoid(sk, acked);
}

/* Not in the map: user space may put it in the cong_avoid slot of the shadow before load.
 * "?" turns autoload off, as libbpf refuses to load a struct_ops program no map references;
 * once it sits in a slot of a map that will be created, load turns autoload back on. */
SEC("?struct_ops")
void OX_PROG(P(_cong_avoid_alt), struct sock *sk, __u32 ack, __u32 acked)
{
	alt_calls++;
	record(4);
	reno_cong_avoid(sk, acked);
}

SEC("struct_ops")
__u32 OX_PROG(P(_undo_cwnd), struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	undo_calls++;
	return max_u32(tp->snd_cwnd, tp->prior_cwnd);
}

SEC(OXCC_SEC)
struct tcp_congestion_ops OXCC = {
	.init = (void *)P(_init),
	.ssthresh = (void *)P(_ssthresh),
	.cong_avoid = (void *)P(_cong_avoid),
	.undo_cwnd = (void *)P(_undo_cwnd),
	.name = OXCC_NAME,
};

char LICENSE[] SEC("license") = "GPL";
