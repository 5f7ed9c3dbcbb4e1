// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * load_behave.bpf.c: the fixture of ctests/load/load_behave.c (issue 3 behaviour through a
 * skeleton). User space writes .data and .rodata before load; run (SEC("syscall"), started with
 * BPF_PROG_TEST_RUN) combines them into .bss, bumps .data, reads task->tgid with CO-RE and
 * copies .kconfig values; run_raw does the CO-RE read from a raw_tp test run.
 *
 * Programs with autoload off: bad reads an uninitialised register (the verifier refuses it),
 * uses_optional reads optional_map unconditionally (fails if the map is not created), unloaded
 * is never loaded. run reads optional_map only if use_optional (a .rodata flag, false by
 * default), so with optional_map not created its poisoned instruction is dead code.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

int in_data = 1;
const volatile int ro_factor = 2;
const volatile bool use_optional = false;

int out_sum, out_tgid, out_tgid_raw, out_optional;
__u64 out_runs;
int out_hz, out_kver;
bool out_bpf_syscall;
enum libbpf_tristate out_jit;
char out_lsm[128];

extern int CONFIG_HZ __kconfig;
extern int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig;
extern char CONFIG_LSM[128] __kconfig;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, int);
} optional_map SEC(".maps");

SEC("syscall")
int run(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	out_sum = in_data * ro_factor;
	in_data += 1;
	out_tgid = BPF_CORE_READ(t, tgid);
	out_hz = CONFIG_HZ;
	out_kver = LINUX_KERNEL_VERSION;
	out_bpf_syscall = CONFIG_BPF_SYSCALL;
	out_jit = CONFIG_BPF_JIT;
	bpf_probe_read_kernel_str(out_lsm, sizeof(out_lsm), CONFIG_LSM);
	if (use_optional) {
		__u32 key = 0;
		int *v = bpf_map_lookup_elem(&optional_map, &key);

		if (v)
			out_optional = *v;
	}
	out_runs++;
	return 0;
}

SEC("raw_tp")
int run_raw(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	out_tgid_raw = BPF_CORE_READ(t, tgid);
	return 0;
}

SEC("?syscall")
int bad(void *ctx)
{
	long ret;

	/* r5 holds nothing at entry: the verifier refuses the read ("R5 !read_ok"). */
	asm volatile("%[ret] = r5" : [ret] "=r"(ret));
	return ret;
}

SEC("?syscall")
int uses_optional(void *ctx)
{
	__u32 key = 0;
	int *v = bpf_map_lookup_elem(&optional_map, &key);

	if (v)
		out_optional = *v;
	return 0;
}

SEC("?raw_tp")
int unloaded(void *ctx)
{
	out_runs += 100;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
