// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A different license string than err_dup_a's: non-identical "license" sections. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

int lic_var = 3;

SEC("raw_tp/sys_exit")
int prog_lic(void *ctx)
{
	return lic_var;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
