// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An extern of ks_a's `struct pair gp` with a different struct pair: incompatible field. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct pair {
	int a;
	int b;
};

extern struct pair gp;

SEC("raw_tp")
int prog_struct(void *ctx)
{
	return gp.b;
}

char LICENSE[] SEC("license") = "GPL";
