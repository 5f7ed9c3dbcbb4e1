// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* usdt17.bpf.c: a USDT program built with libbpf 1.7's <bpf/usdt.bpf.h> (304-byte specs, SIB
 * arguments), recording the arguments of the last hit of usdt17:sib. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

/* One variable, so its layout in .bss is fixed: the arguments, their count, the hits. */
struct {
	long args[4];
	long nargs;
	long hits;
	/* usdt17:nop5: the address the probe fired at, and the hits */
	unsigned long nop5_ip;
	long nop5_hits;
} res;

SEC("usdt")
int BPF_USDT(on_sib, long a0, long a1, long a2, long a3)
{
	res.args[0] = a0;
	res.args[1] = a1;
	res.args[2] = a2;
	res.args[3] = a3;
	res.nargs = bpf_usdt_arg_cnt(ctx);
	res.hits++;
	return 0;
}

SEC("usdt")
int BPF_USDT(on_nop5)
{
	res.nop5_ip = PT_REGS_IP(ctx);
	res.nop5_hits++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
