// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * argctx: global subprograms taking their program's context through an `__arg_ctx` argument
 * of a type the verifier only accepts with the tag (void *, struct pt_regs *, __u64 *), in
 * programs of six types. Kernels before 6.8 do not read the tag: the loader must retype those
 * arguments in the BTF it loads (libbpf's func_info fixup), or the verifier refuses the
 * programs. skb_sub's argument already has the context type and needs nothing. ox_bad (not
 * loaded by default) passes its context as `int *`, which no loader can fix.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

/* Called by the xdp and the tc program: retyped once per program. */
__noinline int shared_sub(void *ctx __arg_ctx, int k)
{
	return k + (ctx != 0);
}

__noinline int xdp_sub(void *ctx __arg_ctx)
{
	struct xdp_md *x = ctx;

	return x->data_end - x->data >= 14 ? XDP_PASS : XDP_DROP;
}

__noinline int skb_sub(struct __sk_buff *skb __arg_ctx)
{
	return skb->len > 10 ? 3 : 4;
}

__noinline int rawtp_sub(__u64 *args __arg_ctx)
{
	return args[1] == 42 ? 5 : 6;
}

__noinline int kp_sub(struct pt_regs *regs __arg_ctx)
{
	return PT_REGS_PARM1(regs) != 0;
}

__noinline int pe_sub(void *ctx __arg_ctx)
{
	struct bpf_perf_event_data *d = ctx;

	return d->sample_period > 0;
}

__noinline int bad_sub(int *p __arg_ctx)
{
	return p ? 2 : 1;
}

SEC("xdp")
int ox_xdp(struct xdp_md *ctx)
{
	return xdp_sub(ctx) + shared_sub(ctx, 0) - 1;
}

SEC("tc")
int ox_tc(struct __sk_buff *skb)
{
	return skb_sub(skb) + shared_sub(skb, 1) - 2;
}

SEC("socket")
int ox_socket(struct __sk_buff *skb)
{
	return skb_sub(skb);
}

SEC("raw_tp/sys_enter")
int ox_rawtp(struct bpf_raw_tracepoint_args *ctx)
{
	return rawtp_sub((__u64 *)ctx);
}

SEC("kprobe/do_sys_openat2")
int ox_kprobe(struct pt_regs *ctx)
{
	return kp_sub(ctx);
}

SEC("perf_event")
int ox_perf(struct bpf_perf_event_data *ctx)
{
	return pe_sub(ctx);
}

SEC("?xdp")
int ox_bad(struct xdp_md *ctx)
{
	return bad_sub((int *)ctx);
}
