// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An extern of err_dup_a's sig_fn(int) declared with two parameters. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern int sig_fn(int x, int y);

SEC("raw_tp/sys_exit")
int prog_sig(void *ctx)
{
	return sig_fn(1, 2);
}

char LICENSE[] SEC("license") = "GPL";
