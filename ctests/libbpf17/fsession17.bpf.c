// SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause
/* An fsession program (libbpf 1.7: entry and exit of a kernel function, kernel 6.19+). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("fsession/do_nanosleep")
int BPF_PROG(on_nanosleep)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
