// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * st_suffix.bpf.c: a congestion control declared with the object's own idea of the kernel
 * struct, `struct tcp_congestion_ops___v2`. The ___v2 suffix is dropped to find the kernel's
 * tcp_congestion_ops; members are matched by name, so they may come in any order; the two the
 * kernel lacks (oxbpf_future_knob, oxbpf_future_op) are skipped while zero, and refuse the
 * load (-ENOTSUP, a log line naming the member) once a test sets them through the shadow.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct tcp_congestion_ops___v2 {
	__u32 (*undo_cwnd)(struct sock *sk);
	void (*oxbpf_future_op)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u64 oxbpf_future_knob;
	__u32 (*ssthresh)(struct sock *sk);
	__u32 flags;
	char name[16];
};

__u64 sfx_calls, future_calls;

SEC("struct_ops")
__u32 BPF_PROG(sfx_ssthresh, struct sock *sk)
{
	sfx_calls++;
	return 2;
}

SEC("struct_ops")
void BPF_PROG(sfx_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	sfx_calls++;
	if (tp->snd_cwnd < tp->snd_cwnd_clamp)
		tp->snd_cwnd++;
}

SEC("struct_ops")
__u32 BPF_PROG(sfx_undo, struct sock *sk)
{
	return ((struct tcp_sock *)sk)->snd_cwnd;
}

/* Referenced by no map: a test may put it into oxbpf_future_op. */
SEC("?struct_ops")
void BPF_PROG(sfx_future, struct sock *sk)
{
	future_calls++;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops___v2 st_sfx = {
	.undo_cwnd = (void *)sfx_undo,
	.cong_avoid = (void *)sfx_cong_avoid,
	.ssthresh = (void *)sfx_ssthresh,
	.name = "oxst_sfx",
};

char LICENSE[] SEC("license") = "GPL";
