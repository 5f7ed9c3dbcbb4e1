// SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause
/* A uprobe.session program (libbpf 1.7): runs at entry and, since it returns 0, at return. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

int hits;

SEC("uprobe.session")
int on_session(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
