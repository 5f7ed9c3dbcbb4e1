// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * attach.bpf.c: one program per way of attaching, each counting into its own .bss counter the
 * events of the test process only (target_pid, set in .rodata before load).
 *
 * Syscall programs count getpid() calls; uprobes count calls of oxt_uprobed() (in the test
 * binary, attached explicitly: SEC("uprobe") names no target) and oxt_lib_func() (in a shared
 * library whose path the build passes as OXT_TARGET_LIB, so the section names the target and
 * skeleton auto-attach can attach it). Each uprobe checks its argument and each uretprobe the
 * return value, so a probe on the wrong address counts nothing. USDT programs count the sites
 * of oxt:hit (two in the test binary: the argument in a register and as a constant) and
 * oxt:libhit (in the library, named by the section) whose argument reads back right.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#ifndef OXT_TARGET_LIB
#error "OXT_TARGET_LIB (path of the uprobe target library) must be defined"
#endif

#define NR_GETPID 39 /* x86_64 */
#define OXT_ARG 0x5eed
#define OXT_RET (OXT_ARG * 3 + 1) /* what oxt_uprobed/oxt_lib_func return for OXT_ARG */

const volatile int target_pid = 0;

__u64 raw_tp_cnt;
__u64 tp_btf_cnt;
__u64 tp_cnt;
__u64 tracepoint_cnt;
__u64 perf_cnt;
__u64 uprobe_cnt;
__u64 uretprobe_cnt;
__u64 uprobe_off_cnt;
__u64 uprobe_legacy_cnt;
__u64 lib_uprobe_cnt;
__u64 lib_uretprobe_cnt;
__u64 kprobe_cnt;
__u64 cookie_sum;
__u64 usdt_cnt;
__u64 usdt_cookie_sum;
__u64 lib_usdt_cnt;

static __always_inline int mine(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == (__u32)target_pid;
}

SEC("raw_tp/sys_enter")
int raw_tp_enter(struct bpf_raw_tracepoint_args *ctx)
{
	if (mine() && ctx->args[1] == NR_GETPID)
		__sync_fetch_and_add(&raw_tp_cnt, 1);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tp_btf_enter, struct pt_regs *regs, long id)
{
	if (mine() && id == NR_GETPID)
		__sync_fetch_and_add(&tp_btf_cnt, 1);
	return 0;
}

SEC("tp/syscalls/sys_enter_getpid")
int tp_getpid(void *ctx)
{
	if (mine()) {
		__sync_fetch_and_add(&tp_cnt, 1);
		__sync_fetch_and_add(&cookie_sum, bpf_get_attach_cookie(ctx));
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int tracepoint_getpid(void *ctx)
{
	if (mine())
		__sync_fetch_and_add(&tracepoint_cnt, 1);
	return 0;
}

/* Attached to a perf event the test opens itself (bpf_program__attach_perf_event). */
SEC("tracepoint")
int tp_perf(void *ctx)
{
	if (mine())
		__sync_fetch_and_add(&perf_cnt, 1);
	return 0;
}

SEC("uprobe")
int BPF_UPROBE(uprobe_fn, int x)
{
	if (mine() && x == OXT_ARG)
		__sync_fetch_and_add(&uprobe_cnt, 1);
	return 0;
}

SEC("uretprobe")
int BPF_URETPROBE(uretprobe_fn, int ret)
{
	if (mine() && ret == OXT_RET)
		__sync_fetch_and_add(&uretprobe_cnt, 1);
	return 0;
}

/* Attached by file offset (bpf_program__attach_uprobe), computed by the test from its maps. */
SEC("uprobe")
int BPF_UPROBE(uprobe_off, int x)
{
	if (mine() && x == OXT_ARG)
		__sync_fetch_and_add(&uprobe_off_cnt, 1);
	return 0;
}

/* Attached as a legacy tracefs uprobe (PROBE_ATTACH_MODE_LEGACY). */
SEC("uprobe")
int BPF_UPROBE(uprobe_legacy, int x)
{
	if (mine() && x == OXT_ARG)
		__sync_fetch_and_add(&uprobe_legacy_cnt, 1);
	return 0;
}

SEC("uprobe/" OXT_TARGET_LIB ":oxt_lib_func")
int BPF_UPROBE(lib_uprobe, int x)
{
	if (mine() && x == OXT_ARG)
		__sync_fetch_and_add(&lib_uprobe_cnt, 1);
	return 0;
}

SEC("uretprobe/" OXT_TARGET_LIB ":oxt_lib_func")
int BPF_URETPROBE(lib_uretprobe, int ret)
{
	if (mine() && ret == OXT_RET)
		__sync_fetch_and_add(&lib_uretprobe_cnt, 1);
	return 0;
}

SEC("usdt")
int BPF_USDT(usdt_hit, int x)
{
	if (mine() && x == OXT_ARG && bpf_usdt_arg_cnt(ctx) == 1) {
		__sync_fetch_and_add(&usdt_cnt, 1);
		__sync_fetch_and_add(&usdt_cookie_sum, bpf_usdt_cookie(ctx));
	}
	return 0;
}

SEC("usdt/" OXT_TARGET_LIB ":oxt:libhit")
int BPF_USDT(lib_usdt, int x)
{
	if (mine() && x == OXT_ARG)
		__sync_fetch_and_add(&lib_usdt_cnt, 1);
	return 0;
}

/* This kernel has no kprobes: attaching these must fail cleanly. */
SEC("kprobe/do_nanosleep")
int kprobe_named(void *ctx)
{
	__sync_fetch_and_add(&kprobe_cnt, 1);
	return 0;
}

SEC("ksyscall/getpid")
int ksyscall_getpid(void *ctx)
{
	__sync_fetch_and_add(&kprobe_cnt, 1);
	return 0;
}

/* Never loaded (autoload off): bpf_program__attach must refuse it. */
SEC("?raw_tp/sys_enter")
int not_loaded(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
