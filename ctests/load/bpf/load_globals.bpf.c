// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * load_globals.bpf.c: global data of every kind and .kconfig externs of every type, copied by
 * one program into .bss so that a test run shows what the kernel map held.
 *
 * Sections: .data, .rodata, .bss, .data.custom, .rodata.custom, .bss.custom, static (local)
 * variables, a mergeable string literal (.rodata.str1.1), and .kconfig: LINUX_KERNEL_VERSION,
 * LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER, CONFIG_HZ (int), CONFIG_BPF_SYSCALL (bool),
 * CONFIG_BPF_JIT (tristate), CONFIG_LSM (string), CONFIG_NR_CPUS (u64), a weak CONFIG that does
 * not exist (zero), and a weak char that does not exist.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* .data */
int d_int = 5;
char d_str[16] = "hello";
struct { int a; long b; } d_struct = { 1, 2 };
static int d_static = 3;

/* .rodata */
const volatile int ro_int = 9;
const volatile char ro_str[8] = "ro";
const volatile __u32 ro_arr[4] = { 1, 2, 3, 4 };
static const volatile int ro_static = 4;

/* .bss */
int b_int;
__u64 b_arr[5];
static __u64 b_static;

/* custom sections */
int dc SEC(".data.custom") = 11;
int dc2 SEC(".data.custom") = 12;
const volatile int rc SEC(".rodata.custom") = 13;
__u64 bc SEC(".bss.custom");

/* .kconfig */
extern int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig;
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;
extern int CONFIG_HZ __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig;
extern char CONFIG_LSM[128] __kconfig;
extern __u64 CONFIG_NR_CPUS __kconfig;
extern int CONFIG_OXBPF_NOT_THERE __kconfig __weak;
extern char CONFIG_OXBPF_NOT_THERE_CHAR __kconfig __weak;

/* What the program saw. */
struct seen {
	int d_int, d_static, ro_int, ro_static, dc, dc2, rc, b_int;
	__u64 b_static, bc;
	int kver, hz, not_there;
	bool cookie, wrapper, bpf_syscall;
	char not_there_char;
	enum libbpf_tristate jit;
	__u64 nr_cpus;
	char lsm[128];
	char d_str[16], ro_str[8];
	char lit[16];
} seen;

SEC("syscall")
int copy_all(void *ctx)
{
	seen.d_int = d_int;
	seen.d_static = d_static;
	seen.ro_int = ro_int;
	seen.ro_static = ro_static;
	seen.dc = dc;
	seen.dc2 = dc2;
	seen.rc = rc + ro_arr[2];
	seen.b_int = b_int;
	seen.b_static = b_static;
	seen.bc = bc;
	seen.kver = LINUX_KERNEL_VERSION;
	seen.hz = CONFIG_HZ;
	seen.not_there = CONFIG_OXBPF_NOT_THERE;
	seen.not_there_char = CONFIG_OXBPF_NOT_THERE_CHAR;
	seen.cookie = LINUX_HAS_BPF_COOKIE;
	seen.wrapper = LINUX_HAS_SYSCALL_WRAPPER;
	seen.bpf_syscall = CONFIG_BPF_SYSCALL;
	seen.jit = CONFIG_BPF_JIT;
	seen.nr_cpus = CONFIG_NR_CPUS;
	bpf_probe_read_kernel_str(seen.lsm, sizeof(seen.lsm), CONFIG_LSM);
	bpf_probe_read_kernel_str(seen.d_str, sizeof(seen.d_str), d_str);
	bpf_probe_read_kernel_str(seen.ro_str, sizeof(seen.ro_str), (const char *)ro_str);
	bpf_probe_read_kernel_str(seen.lit, sizeof(seen.lit), "literal");
	d_int++;
	d_static++;
	b_int += d_struct.a + d_struct.b;
	b_static++;
	b_arr[4] = 44;
	bc = 7;
	dc2 = 22;
	return 0;
}

/* Touches only .bss: its instructions must not bind .data. */
SEC("raw_tp")
int only_bss(void *ctx)
{
	b_arr[0]++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
