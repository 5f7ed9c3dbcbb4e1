// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One cycle of a library's life, run under the fault injector (inject.c) by fault_run.py:
 *
 *   fault_cycle cc-link     tcp_cc skeleton (.struct_ops.link): open, load, attach, destroy
 *   fault_cycle cc-legacy   tcp_cc_legacy skeleton (.struct_ops): the same
 *   fault_cycle trace       fault skeleton: raw_tp + tracepoint attach, getpid, ring buffer and
 *                           perf buffer polled, destroy
 *   fault_cycle subskel     final_b skeleton + lib subskeleton: open, load, run, destroy
 *
 * Any step may fail (that is the point); the cycle then unwinds with the library's own
 * destroy functions. Prints "calls=N hit=0|1 result=ok|failed"; exits 3 when the process has
 * more fds open after the cycle than before (counted in /proc/self/fd), 0 otherwise. A crash
 * is the runner's to see.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "../common.h"
#include "tcp_cc.skel75.h"
#include "tcp_cc_legacy.skel75.h"
#include "fault.skel75.h"
#include "final_b.skel75.h"
#include "lib.subskel75.h"

static int quiet(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return 0;
}

static int cc_link(void)
{
	struct tcp_cc *s = tcp_cc__open();
	int err;

	if (!s)
		return -1;
	err = tcp_cc__load(s);
	if (!err)
		err = tcp_cc__attach(s);
	tcp_cc__destroy(s);
	return err;
}

static int cc_legacy(void)
{
	struct tcp_cc_legacy *s = tcp_cc_legacy__open();
	int err;

	if (!s)
		return -1;
	err = tcp_cc_legacy__load(s);
	if (!err)
		err = tcp_cc_legacy__attach(s);
	tcp_cc_legacy__destroy(s);
	return err;
}

static int on_rb(void *ctx, void *data, size_t sz)
{
	(*(int *)ctx)++;
	return 0;
}

static void on_pb(void *ctx, int cpu, void *data, __u32 sz)
{
	(*(int *)ctx)++;
}

static int trace(void)
{
	struct ring_buffer *rb = NULL;
	struct perf_buffer *pb = NULL;
	int err, rb_seen = 0, pb_seen = 0;
	struct fault *s = fault__open();

	if (!s)
		return -1;
	if (s->bss)
		s->bss->oxf_pid = getpid();
	err = fault__load(s);
	if (!err)
		err = fault__attach(s);
	if (!err) {
		rb = ring_buffer__new(bpf_map__fd(s->maps.oxf_rb), on_rb, &rb_seen, NULL);
		pb = perf_buffer__new(bpf_map__fd(s->maps.oxf_pb), 1, on_pb, NULL, &pb_seen, NULL);
		if (!rb || !pb)
			err = -1;
	}
	if (!err) {
		syscall(SYS_getpid);
		if (ring_buffer__poll(rb, 0) < 0 || perf_buffer__poll(pb, 0) < 0)
			err = -1;
		/* after a failed probe a library may leave .bss unmapped: skel->bss is then NULL */
		else if (!s->bss || s->bss->oxf_tp_hits < 1 || s->bss->oxf_raw_hits < 1 || rb_seen < 1)
			err = -2;
	}
	ring_buffer__free(rb);
	perf_buffer__free(pb);
	fault__destroy(s);
	return err;
}

static int subskel(void)
{
	struct final_b *s = final_b__open();
	struct lib *l = NULL;
	int err = -1;

	if (!s)
		return -1;
	l = lib__open(s->obj);
	if (!l)
		goto out;
	err = final_b__load(s);
	if (!err)
		err = final_b__attach(s);
	if (!err) {
		LIBBPF_OPTS(bpf_test_run_opts, o);
		err = bpf_prog_test_run_opts(bpf_program__fd(s->progs.main_prog), &o);
		/* the subskeleton's pointers are into the final skeleton's .bss mapping */
		if (!err && (!s->bss || *l->bss.lib_calls < 1))
			err = -2;
	}
	lib__destroy(l);
out:
	final_b__destroy(s);
	return err;
}

int main(int argc, char **argv)
{
	void (*arm)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "oxf_arm");
	long (*cnt)(void) = (long (*)(void))dlsym(RTLD_DEFAULT, "oxf_count");
	int (*hit)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "oxf_hit");
	int before, after, r;

	if (argc != 2) {
		fprintf(stderr, "usage: fault_cycle cc-link|cc-legacy|trace|subskel\n");
		return 2;
	}
	if (!getenv("OXF_VERBOSE"))
		libbpf_set_print(quiet);
	before = oxt_count_fds();
	if (arm)
		arm(1);
	if (!strcmp(argv[1], "cc-link"))
		r = cc_link();
	else if (!strcmp(argv[1], "cc-legacy"))
		r = cc_legacy();
	else if (!strcmp(argv[1], "trace"))
		r = trace();
	else if (!strcmp(argv[1], "subskel"))
		r = subskel();
	else {
		fprintf(stderr, "unknown cycle %s\n", argv[1]);
		return 2;
	}
	if (arm)
		arm(0);
	after = oxt_count_fds();
	printf("calls=%ld hit=%d result=%s fds=%d/%d\n", cnt ? cnt() : -1L, hit ? hit() : 0,
	       r ? "failed" : "ok", before, after);
	fflush(stdout);
	if (after != before) {
		fprintf(stderr, "fd leak: %d open before the cycle, %d after\n", before, after);
		return 3;
	}
	return 0;
}
