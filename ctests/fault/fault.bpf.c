// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracing cycle of the fault-injection test: a raw tracepoint and a tracefs tracepoint on
 * getpid, each reporting through a ring buffer and a perf event array, counters in .bss.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} oxf_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(int));
} oxf_pb SEC(".maps");

int oxf_pid;
int oxf_raw_hits;
int oxf_tp_hits;

SEC("raw_tp/sys_enter")
int oxf_raw(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != oxf_pid)
		return 0;
	oxf_raw_hits++;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int oxf_tp(void *ctx)
{
	int v = 1;

	if ((bpf_get_current_pid_tgid() >> 32) != oxf_pid)
		return 0;
	oxf_tp_hits++;
	bpf_ringbuf_output(&oxf_rb, &v, sizeof(v), 0);
	bpf_perf_event_output(ctx, &oxf_pb, BPF_F_CURRENT_CPU, &v, sizeof(v));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
