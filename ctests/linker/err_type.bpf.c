// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An extern of err_dup_a's `int mism` declared as long: incompatible int size. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern long mism;

SEC("raw_tp/sys_exit")
int prog_type(void *ctx)
{
	return mism > 0;
}

char LICENSE[] SEC("license") = "GPL";
