// SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause
/* For ctests/libbpf17/errno17.c: an array map the test sizes to 0 entries (the kernel refuses
 * it: -EINVAL), a program the verifier refuses (-EACCES), and a program of a section only a
 * custom handler knows, whose prepare-load callback fails with a chosen errno. Every program
 * starts with autoload off; the test turns one on at a time. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sized SEC(".maps");

SEC("?syscall")
int refused(void *ctx)
{
	long v;

	/* r4 is not initialised at entry: the verifier refuses the read. */
	asm volatile("%[v] = r4" : [v] "=r"(v));
	return v;
}

SEC("?oxerr17")
int custom(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
