// SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause
/* A uprobe.session program (libbpf 1.7): runs at entry and, since it returns 0, at return; and
 * a plain uprobe for the legacy (tracefs) attach mode. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

int hits;

SEC("uprobe.session")
int on_session(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

int uprobe_hits;

SEC("uprobe")
int on_uprobe(void *ctx)
{
	__sync_fetch_and_add(&uprobe_hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
