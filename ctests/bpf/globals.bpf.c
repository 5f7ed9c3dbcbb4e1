// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * globals.bpf.c: an object exercising as much of the open path as one object can.
 *
 * Every kind of global data section, .kconfig externs, BTF-defined maps of many types
 * (with inner maps, initial values, pinning, flags, numa node) and programs in many
 * section kinds, plus a static and a global subprogram. It only has to OPEN for the open
 * path (ctests/open_dump.c, ctests/skel_open.c); later tests load selected programs, so each
 * program passes the verifier on its own together with tail_target (which m_prog_array's
 * initial value needs): the fixtures-load-globals-ref test checks that with libbpf 1.5.
 * Kernels that cannot put a trampoline on a kernel function refuse fentry/fexit/lsm with
 * EPERM (this project's 6.18 VMs do).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

/* ---- global data: one map per section ------------------------------------------------ */

int g_data = 1;                                        /* .data */
__u64 g_data_arr[4] = { 1, 2, 3, 4 };                  /* .data */
const volatile int g_rodata = 7;                       /* .rodata */
const volatile char g_rodata_str[16] = "oxbpf";        /* .rodata */
int g_bss;                                             /* .bss */
__u64 g_bss_counter;                                   /* .bss */
int g_custom SEC(".data.custom") = 42;                 /* .data.custom */
const volatile int g_rocustom SEC(".rodata.custom") = 43; /* .rodata.custom */
/* Alone at the end of its own section, so user space can resize it with
 * bpf_map__set_value_size(skel->maps.data_arr, ...) before load. */
__u32 g_resizable[4] SEC(".data.arr");

extern int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig __weak;

/* ---- maps ---------------------------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} m_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} m_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u32);
} m_hash_noprealloc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} m_percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32);
	__uint(map_flags, BPF_F_NUMA_NODE);
	__uint(numa_node, 0);
	__type(key, __u32);
	__type(value, __u32);
} m_lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 4);
} m_ringbuf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(int));
} m_perf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, __u32);
} m_pinned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__uint(map_extra, 3);
	__type(value, __u32);
} m_bloom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16);
	__type(value, __u32);
} m_queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 16);
	__type(value, __u64);
} m_stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} m_task_storage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} m_inode_storage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} m_sk_storage SEC(".maps");

/* Inner maps and the map-in-map outers that hold them. */
struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} m_inner1 SEC(".maps"), m_inner2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_map);
} m_outer_array SEC(".maps") = {
	.values = { [0] = &m_inner1, [1] = &m_inner2 },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(max_entries, 8);
		__type(key, __u32);
		__type(value, __u64);
	});
} m_outer_hash SEC(".maps");

/* ---- subprograms --------------------------------------------------------------------- */

static __noinline int sub_static(int x)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&m_array, &key);

	if (v)
		__sync_fetch_and_add(v, x);
	return x + g_rodata;
}

/* A global (non-static) subprogram: verified on its own, callable from any program type. */
__noinline int helper(int x)
{
	return x * 2 + 1;
}

/* ---- programs: tail-call target and its prog_array ----------------------------------- */

SEC("raw_tp/sys_enter")
int tail_target(void *ctx)
{
	g_bss_counter++;
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int (void *));
} m_prog_array SEC(".maps") = {
	.values = { [0] = (void *)&tail_target },
};

/* ---- programs: tracing ----------------------------------------------------------------- */

SEC("raw_tp/sys_enter")
int BPF_PROG(on_raw_sys_enter, struct pt_regs *regs, long id)
{
	bpf_tail_call(ctx, &m_prog_array, 0);
	g_bss += sub_static(1);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_btf_sys_enter, struct pt_regs *regs, long id)
{
	__u32 key = (__u32)id;
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&m_hash, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&m_hash, &key, &one, BPF_NOEXIST);
	return 0;
}

SEC("tp/syscalls/sys_enter_getpid")
int on_getpid(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u32 *slot;

	slot = bpf_ringbuf_reserve(&m_ringbuf, sizeof(*slot), 0);
	if (slot) {
		*slot = pid;
		bpf_ringbuf_submit(slot, 0);
	}
	g_data++;
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(on_uprobe, int arg)
{
	__u32 key = 0, val = arg;

	bpf_map_push_elem(&m_queue, &val, 0);
	bpf_map_update_elem(&m_lru, &key, &val, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(on_uretprobe, int ret)
{
	__u64 v = ret;

	bpf_map_push_elem(&m_stack, &v, 0);
	return 0;
}

SEC("kprobe/do_nanosleep")
int BPF_KPROBE(on_kprobe_nanosleep)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&m_percpu, &key);

	if (v)
		(*v)++;
	return 0;
}

SEC("fentry/do_nanosleep")
int BPF_PROG(on_fentry_nanosleep, struct hrtimer_sleeper *t, enum hrtimer_mode mode)
{
	__u64 *v = bpf_task_storage_get(&m_task_storage, bpf_get_current_task_btf(), 0,
					BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (v)
		(*v)++;
	return 0;
}

SEC("fexit/do_nanosleep")
int BPF_PROG(on_fexit_nanosleep, struct hrtimer_sleeper *t, enum hrtimer_mode mode, int ret)
{
	__u32 v = ret;

	bpf_map_push_elem(&m_bloom, &v, 0);
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(on_file_open, struct file *file)
{
	__u32 *v = bpf_inode_storage_get(&m_inode_storage, file->f_inode, 0,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (v)
		(*v)++;
	return 0;
}

SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (!task)
		return 0;
	BPF_SEQ_PRINTF(seq, "%d %s\n", task->pid, task->comm);
	return 0;
}

SEC("perf_event")
int on_perf_event(struct bpf_perf_event_data *ctx)
{
	__u64 v = ctx->sample_period;

	bpf_perf_event_output(ctx, &m_perf, BPF_F_CURRENT_CPU, &v, sizeof(v));
	return 0;
}

SEC("syscall")
int run_syscall(void *ctx)
{
	g_bss = LINUX_KERNEL_VERSION;
	if (CONFIG_BPF_SYSCALL)
		g_bss_counter++;
	g_resizable[0] = helper(g_rocustom) + g_custom;
	return 0;
}

/* ---- programs: networking -------------------------------------------------------------- */

SEC("xdp")
int on_xdp(struct xdp_md *ctx)
{
	__u32 key = 1;
	__u64 *v = bpf_map_lookup_elem(&m_array, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

SEC("tc")
int on_tc(struct __sk_buff *skb)
{
	__u64 key = skb->len;
	__u32 one = 1;

	bpf_map_update_elem(&m_hash_noprealloc, &key, &one, BPF_ANY);
	return 0; /* TC_ACT_OK */
}

SEC("tcx/ingress")
int on_tcx_ingress(struct __sk_buff *skb)
{
	return helper(skb->len) > 0 ? 0 : 0; /* TCX_NEXT */
}

SEC("socket")
int on_socket(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("cgroup_skb/ingress")
int on_cgroup_skb(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	__u64 *v;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	v = bpf_sk_storage_get(&m_sk_storage, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (v)
		(*v)++;
	return 1;
}

SEC("cgroup/connect4")
int on_connect4(struct bpf_sock_addr *ctx)
{
	__u32 key = ctx->user_port, val = 1;

	bpf_map_update_elem(&m_pinned, &key, &val, BPF_ANY);
	return 1;
}

SEC("sk_msg")
int on_sk_msg(struct sk_msg_md *msg)
{
	return SK_PASS;
}

SEC("flow_dissector")
int on_flow_dissector(struct __sk_buff *skb)
{
	return BPF_OK;
}

char LICENSE[] SEC("license") = "GPL";
