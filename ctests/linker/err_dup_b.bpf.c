// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A second strong dup_var: linking with err_dup_a fails (conflicting non-weak symbol). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

int dup_var = 2;

SEC("raw_tp/sys_exit")
int prog_dup_b(void *ctx)
{
	return dup_var;
}

char LICENSE[] SEC("license") = "GPL";
