// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * attach_test: attach the programs of attach.bpf.c every way libbpf offers, on the real
 * kernel, and check what the BPF side counted.
 *
 *   attach_test --explicit    bpf_program__attach_* calls one by one (raw tracepoint,
 *                             tp_btf, tracepoint with a cookie, bpf_program__attach on a
 *                             tracepoint section, the test's own perf event, uprobe and
 *                             uretprobe by function name in this binary, uprobe by file
 *                             offset, legacy tracefs uprobe, uprobes named by their
 *                             sections, USDT by provider:name with a cookie), plus the failures: not loaded, no target, kprobes
 *                             (this kernel has none), malformed options
 *   attach_test --skel        skeleton auto-attach of the programs whose sections name a
 *                             target (the others have autoattach turned off)
 *   attach_test --skel-skip   skeleton auto-attach with the no-target programs left on
 *                             auto-attach: they must be skipped, not fail the attach
 *
 * Every mode makes N getpid() calls and N calls of each uprobed function, expects exactly N
 * counted by each attached program, detaches, makes N more calls and expects no change, and
 * checks that the process's fd count is back to its baseline.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include "attach.skel75.h"
#include "common.h"
#include "oxt_usdt.h"
#include "../vm/vm_log.h"

#define N 17
#define OXT_ARG 0x5eed
#define OXT_RET (OXT_ARG * 3 + 1)

int oxt_lib_func(int x);

/* The uprobe target in this binary. noipa: no inlining, cloning or constant propagation, so the
 * symbol's address is what runs and the argument arrives in a register as written. */
__attribute__((noipa)) int oxt_uprobed(int x)
{
	return x * 3 + 1;
}

/* Two sites of USDT probe oxt:hit: the argument in a register, and as a constant. */
__attribute__((noipa)) void oxt_usdt_sites(int x)
{
	OXT_USDT1(oxt, hit, x);
	OXT_USDT1(oxt, hit, OXT_ARG);
}

static volatile int arg = OXT_ARG;
static volatile int sink;

static void calls(int n)
{
	for (int i = 0; i < n; i++) {
		syscall(SYS_getpid);
		sink += oxt_uprobed(arg);
		sink += oxt_lib_func(arg);
		oxt_usdt_sites(arg);
	}
}

/* The file mapping code at `addr` and the file offset of `addr` in it, from /proc/self/maps:
 * an independent computation of what libbpf derives from the ELF symbol table. */
static int file_of(const void *addr, char *path, size_t path_sz, unsigned long *off)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, pgoff;
		char perms[8], file[PATH_MAX] = "";

		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &start, &end, perms, &pgoff, file) < 4)
			continue;
		if ((unsigned long)addr < start || (unsigned long)addr >= end || file[0] != '/')
			continue;
		snprintf(path, path_sz, "%s", file);
		*off = (unsigned long)addr - start + pgoff;
		found = 0;
		break;
	}
	fclose(f);
	return found;
}

static void ensure_tracefs(void)
{
	if (access("/sys/kernel/debug/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/tracing/events", F_OK) == 0)
		return;
	OXT_SKIP_IF(mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0,
		    "tracefs is not mounted and mounting it at /sys/kernel/tracing failed: %s",
		    strerror(errno));
}

static const char *tracefs_file(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s",
		 access("/sys/kernel/debug/tracing", F_OK) == 0 ? "/sys/kernel/debug/tracing"
								 : "/sys/kernel/tracing",
		 name);
	return buf;
}

/* Whether uprobe_events lists a legacy probe of this process (libbpf_<pid>_...). */
static bool has_legacy_uprobe(void)
{
	FILE *f = fopen(tracefs_file("uprobe_events"), "r");
	char line[4096], needle[64];
	bool found = false;

	if (!f)
		return false;
	snprintf(needle, sizeof(needle), "libbpf_%d_", getpid());
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			found = true;
	fclose(f);
	return found;
}

static int tracepoint_id(const char *cat, const char *name)
{
	char p[256];
	FILE *f;
	int id = -1;

	snprintf(p, sizeof(p), "%s/%s/%s/id", tracefs_file("events"), cat, name);
	f = fopen(p, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &id) != 1)
		id = -1;
	fclose(f);
	return id;
}

static struct oxt_attach *open_load(bool skel_mode, bool skip_mode)
{
	struct oxt_attach *skel = oxt_attach__open();

	OXT_ASSERT(skel, "oxt_attach__open: %s", strerror(errno));
	skel->rodata->target_pid = getpid();
	if (skel_mode) {
		/* No kprobes on this kernel: these would fail the whole skeleton attach. */
		bpf_program__set_autoattach(skel->progs.kprobe_named, false);
		bpf_program__set_autoattach(skel->progs.ksyscall_getpid, false);
		if (!skip_mode) {
			bpf_program__set_autoattach(skel->progs.tp_perf, false);
			bpf_program__set_autoattach(skel->progs.uprobe_fn, false);
			bpf_program__set_autoattach(skel->progs.uretprobe_fn, false);
			bpf_program__set_autoattach(skel->progs.uprobe_off, false);
			bpf_program__set_autoattach(skel->progs.uprobe_legacy, false);
			bpf_program__set_autoattach(skel->progs.usdt_hit, false);
		}
	}
	int err = oxt_attach__load(skel);

	OXT_ASSERT(err == 0, "oxt_attach__load: %d", err);
	return skel;
}

struct counts {
	__u64 raw_tp, tp_btf, tp, tracepoint, perf, uprobe, uretprobe, uprobe_off, uprobe_legacy,
		lib_uprobe, lib_uretprobe, kprobe, cookie_sum, usdt, usdt_cookie_sum, lib_usdt;
};

static struct counts snapshot(struct oxt_attach *s)
{
	return (struct counts){
		s->bss->raw_tp_cnt, s->bss->tp_btf_cnt, s->bss->tp_cnt, s->bss->tracepoint_cnt,
		s->bss->perf_cnt, s->bss->uprobe_cnt, s->bss->uretprobe_cnt, s->bss->uprobe_off_cnt,
		s->bss->uprobe_legacy_cnt, s->bss->lib_uprobe_cnt, s->bss->lib_uretprobe_cnt,
		s->bss->kprobe_cnt, s->bss->cookie_sum, s->bss->usdt_cnt, s->bss->usdt_cookie_sum,
		s->bss->lib_usdt_cnt,
	};
}

/* What `calls(n)` added to each counter (libraries call getpid() themselves, e.g. to name
 * legacy probe events, so counters are compared around the calls only). */
static struct counts counted_calls(struct oxt_attach *s, int n)
{
	struct counts a = snapshot(s), b, d;

	calls(n);
	b = snapshot(s);
	__u64 *pa = (__u64 *)&a, *pb = (__u64 *)&b, *pd = (__u64 *)&d;
	for (size_t i = 0; i < sizeof(d) / sizeof(__u64); i++)
		pd[i] = pb[i] - pa[i];
	return d;
}

static bool all_zero(const struct counts *c)
{
	const __u64 *p = (const __u64 *)c;

	for (size_t i = 0; i < sizeof(*c) / sizeof(__u64); i++)
		if (p[i])
			return false;
	return true;
}

#define CHECK_COUNT(c, field, want) \
	OXT_CHECK((c).field == (want), #field ": counted %llu, want %llu", \
		  (unsigned long long)(c).field, (unsigned long long)(want))

/* Expect NULL with errno `want` (0: any negative errno) and no fd left behind. */
#define EXPECT_FAIL(call, want)                                                          \
	do {                                                                             \
		int fds_ = oxt_count_fds();                                                  \
		errno = 0;                                                               \
		struct bpf_link *l_ = (call);                                            \
		int e_ = errno;                                                          \
		OXT_CHECK(!l_ && libbpf_get_error(l_) < 0, #call ": link %p", (void *)l_); \
		if ((want) != 0)                                                         \
			OXT_CHECK(e_ == (want), #call ": errno %d (%s), want %d (%s)", e_, \
				  strerror(e_), (want), strerror(want));                 \
		else                                                                     \
			OXT_CHECK(e_ > 0, #call ": errno %d", e_);                       \
		OXT_CHECK(oxt_count_fds() == fds_, #call ": fds %d -> %d", fds_, oxt_count_fds()); \
		if (l_)                                                                  \
			bpf_link__destroy(l_);                                           \
	} while (0)

static void failures(struct oxt_attach *skel)
{
	/* Not loaded (autoload off). */
	EXPECT_FAIL(bpf_program__attach(skel->progs.not_loaded), EINVAL);
	EXPECT_FAIL(bpf_program__attach_raw_tracepoint(skel->progs.not_loaded, "sys_enter"), EINVAL);
	/* Sections without a target: bpf_program__attach cannot know where. */
	EXPECT_FAIL(bpf_program__attach(skel->progs.uprobe_fn), EOPNOTSUPP);
	EXPECT_FAIL(bpf_program__attach(skel->progs.tp_perf), EOPNOTSUPP);
	/* This kernel has neither a kprobe PMU nor kprobe_events. */
	EXPECT_FAIL(bpf_program__attach(skel->progs.kprobe_named), ENOENT);
	EXPECT_FAIL(bpf_program__attach_kprobe(skel->progs.kprobe_named, false, "do_nanosleep"), ENOENT);
	EXPECT_FAIL(bpf_program__attach_kprobe(skel->progs.kprobe_named, true, "do_nanosleep"), ENOENT);
	EXPECT_FAIL(bpf_program__attach(skel->progs.ksyscall_getpid), ENOENT);
	EXPECT_FAIL(bpf_program__attach_ksyscall(skel->progs.ksyscall_getpid, "getpid", NULL), ENOENT);
	LIBBPF_OPTS(bpf_kprobe_opts, kperf, .attach_mode = PROBE_ATTACH_MODE_PERF);
	EXPECT_FAIL(bpf_program__attach_kprobe_opts(skel->progs.kprobe_named, "do_nanosleep", &kperf), EOPNOTSUPP);
	LIBBPF_OPTS(bpf_kprobe_opts, klink, .attach_mode = PROBE_ATTACH_MODE_LINK);
	EXPECT_FAIL(bpf_program__attach_kprobe_opts(skel->progs.kprobe_named, "do_nanosleep", &klink), EOPNOTSUPP);
	LIBBPF_OPTS(bpf_kprobe_opts, klegacy, .attach_mode = PROBE_ATTACH_MODE_LEGACY);
	EXPECT_FAIL(bpf_program__attach_kprobe_opts(skel->progs.kprobe_named, "do_nanosleep", &klegacy), ENOENT);
	OXT_CHECK(skel->bss->kprobe_cnt == 0, "kprobe programs ran");

	/* Options validation: unknown non-zero tail, sz too small, unknown attach mode. */
	struct {
		struct bpf_uprobe_opts o;
		char tail[16];
	} big;
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.tail[3] = 1;
	EXPECT_FAIL(bpf_program__attach_uprobe_opts(skel->progs.uprobe_fn, -1, "/proc/self/exe", 0, &big.o), EINVAL);
	big.tail[3] = 0;
	big.o.sz = 4;
	EXPECT_FAIL(bpf_program__attach_uprobe_opts(skel->progs.uprobe_fn, -1, "/proc/self/exe", 0, &big.o), EINVAL);
	LIBBPF_OPTS(bpf_uprobe_opts, badmode, .attach_mode = 42);
	EXPECT_FAIL(bpf_program__attach_uprobe_opts(skel->progs.uprobe_fn, -1, "/proc/self/exe", 0, &badmode), EINVAL);
	struct {
		struct bpf_tracepoint_opts o;
		__u64 tail;
	} tpbig = { .o.sz = sizeof(tpbig), .tail = 1 };
	EXPECT_FAIL(bpf_program__attach_tracepoint_opts(skel->progs.tp_getpid, "syscalls", "sys_enter_getpid", &tpbig.o), EINVAL);
	/* A NULL binary path, a missing function, a missing tracepoint. */
	EXPECT_FAIL(bpf_program__attach_uprobe(skel->progs.uprobe_fn, false, -1, NULL, 0), EINVAL);
	LIBBPF_OPTS(bpf_uprobe_opts, nofunc, .func_name = "oxt_no_such_function");
	EXPECT_FAIL(bpf_program__attach_uprobe_opts(skel->progs.uprobe_fn, -1, "/proc/self/exe", 0, &nofunc), ENOENT);
	EXPECT_FAIL(bpf_program__attach_tracepoint(skel->progs.tp_perf, "syscalls", "sys_enter_no_such_call"), ENOENT);
	EXPECT_FAIL(bpf_program__attach_perf_event(skel->progs.tp_perf, -1), EINVAL);
	/* USDT: no such probe, no notes at all, a binary that does not exist. */
	EXPECT_FAIL(bpf_program__attach_usdt(skel->progs.usdt_hit, -1, "/proc/self/exe", "oxt", "nope", NULL), ENOENT);
	EXPECT_FAIL(bpf_program__attach_usdt(skel->progs.usdt_hit, -1, "/bin/true", "oxt", "hit", NULL), ENOENT);
	EXPECT_FAIL(bpf_program__attach_usdt(skel->progs.usdt_hit, -1, "oxt-no-such-binary", "oxt", "hit", NULL), ENOENT);
	EXPECT_FAIL(bpf_program__attach(skel->progs.usdt_hit), EOPNOTSUPP);
}

static int run_explicit(void)
{
	char exe[PATH_MAX];
	unsigned long fn_off;
	struct bpf_link *links[13] = {};
	int nlinks = 0;

	int found = file_of((void *)oxt_uprobed, exe, sizeof(exe), &fn_off);

	OXT_ASSERT(found == 0, "oxt_uprobed is not in a file mapping");
	printf("uprobe target: %s offset 0x%lx\n", exe, fn_off);

	int base = oxt_count_fds();
	struct oxt_attach *skel = open_load(false, false);
	int loaded = oxt_count_fds();

	failures(skel);
	OXT_CHECK(oxt_count_fds() == loaded, "failed attaches left fds: %d -> %d", loaded, oxt_count_fds());

	links[nlinks++] = bpf_program__attach_raw_tracepoint(skel->progs.raw_tp_enter, "sys_enter");
	links[nlinks++] = bpf_program__attach_trace(skel->progs.tp_btf_enter);
	LIBBPF_OPTS(bpf_tracepoint_opts, tpo, .bpf_cookie = 7);
	links[nlinks++] = bpf_program__attach_tracepoint_opts(skel->progs.tp_getpid, "syscalls", "sys_enter_getpid", &tpo);
	links[nlinks++] = bpf_program__attach(skel->progs.tracepoint_getpid);

	struct perf_event_attr pa = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(pa),
		.config = tracepoint_id("syscalls", "sys_enter_getpid"),
	};
	int pfd = syscall(SYS_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);

	OXT_ASSERT(pfd >= 0, "perf_event_open(sys_enter_getpid): %s", strerror(errno));
	links[nlinks++] = bpf_program__attach_perf_event(skel->progs.tp_perf, pfd);

	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "oxt_uprobed");
	links[nlinks++] = bpf_program__attach_uprobe_opts(skel->progs.uprobe_fn, 0 /* this process */, exe, 0, &uo);
	LIBBPF_OPTS(bpf_uprobe_opts, ro, .func_name = "oxt_uprobed", .retprobe = true);
	links[nlinks++] = bpf_program__attach_uprobe_opts(skel->progs.uretprobe_fn, -1, exe, 0, &ro);
	links[nlinks++] = bpf_program__attach_uprobe(skel->progs.uprobe_off, false, -1, exe, fn_off);
	/* libbpf names a legacy event after the binary's path, and tracefs refuses names over 64
	 * characters: probe through a short symlink to this binary. */
	char short_exe[64];

	snprintf(short_exe, sizeof(short_exe), "/tmp/oxt%d", getpid());
	unlink(short_exe);
	int r = symlink(exe, short_exe); /* OXT_ASSERT evaluates its condition twice */

	OXT_ASSERT(r == 0, "symlink %s: %s", short_exe, strerror(errno));
	LIBBPF_OPTS(bpf_uprobe_opts, lo, .func_name = "oxt_uprobed", .attach_mode = PROBE_ATTACH_MODE_LEGACY);
	links[nlinks++] = bpf_program__attach_uprobe_opts(skel->progs.uprobe_legacy, -1, short_exe, 0, &lo);
	unlink(short_exe);
	links[nlinks++] = bpf_program__attach(skel->progs.lib_uprobe);
	links[nlinks++] = bpf_program__attach(skel->progs.lib_uretprobe);
	LIBBPF_OPTS(bpf_usdt_opts, usdto, .usdt_cookie = 5);
	links[nlinks++] = bpf_program__attach_usdt(skel->progs.usdt_hit, 0, exe, "oxt", "hit", &usdto);
	links[nlinks++] = bpf_program__attach(skel->progs.lib_usdt);
	for (int i = 0; i < nlinks; i++)
		OXT_ASSERT(links[i], "attach #%d failed: %s", i, strerror(errno));
	/* A USDT link has no single fd of its own: libbpf's bpf_link__fd reports 0 for it. */
	OXT_CHECK(bpf_link__fd(links[nlinks - 2]) == 0 && bpf_link__fd(links[nlinks - 1]) == 0,
		  "USDT link fds %d, %d (want 0, as libbpf)", bpf_link__fd(links[nlinks - 2]),
		  bpf_link__fd(links[nlinks - 1]));
	OXT_CHECK(has_legacy_uprobe(), "no legacy uprobe event in uprobe_events while attached");

	struct counts c = counted_calls(skel, N);

	CHECK_COUNT(c, raw_tp, N);
	CHECK_COUNT(c, tp_btf, N);
	CHECK_COUNT(c, tp, N);
	CHECK_COUNT(c, cookie_sum, 7 * N);
	CHECK_COUNT(c, tracepoint, N);
	CHECK_COUNT(c, perf, N);
	CHECK_COUNT(c, uprobe, N);
	CHECK_COUNT(c, uretprobe, N);
	CHECK_COUNT(c, uprobe_off, N);
	CHECK_COUNT(c, uprobe_legacy, N);
	CHECK_COUNT(c, lib_uprobe, N);
	CHECK_COUNT(c, lib_uretprobe, N);
	CHECK_COUNT(c, usdt, 2 * N);
	CHECK_COUNT(c, usdt_cookie_sum, 5 * 2 * N);
	CHECK_COUNT(c, lib_usdt, N);

	for (int i = 0; i < nlinks; i++) {
		int err = bpf_link__destroy(links[i]);

		OXT_CHECK(err == 0, "bpf_link__destroy(#%d): %d", i, err);
	}
	OXT_CHECK(fcntl(pfd, F_GETFD) < 0 && errno == EBADF, "destroy left the perf event fd %d open", pfd);
	OXT_CHECK(!has_legacy_uprobe(), "the legacy uprobe event outlived its link");
	OXT_CHECK(oxt_count_fds() == loaded, "fds after destroy: %d, loaded: %d", oxt_count_fds(), loaded);

	struct counts d = counted_calls(skel, N);

	OXT_CHECK(all_zero(&d), "programs still counted after detach (raw_tp +%llu, tp +%llu, uprobe +%llu, legacy +%llu)",
		  (unsigned long long)d.raw_tp, (unsigned long long)d.tp,
		  (unsigned long long)d.uprobe, (unsigned long long)d.uprobe_legacy);

	oxt_attach__destroy(skel);
	OXT_CHECK(oxt_count_fds() == base, "fds after skeleton destroy: %d, baseline %d", oxt_count_fds(), base);
	return oxt_result("attach --explicit");
}

static int run_skel(bool skip_mode)
{
	int base = oxt_count_fds();
	struct oxt_attach *skel = open_load(true, skip_mode);
	int loaded = oxt_count_fds();
	int err = oxt_attach__attach(skel);

	OXT_ASSERT(err == 0, "oxt_attach__attach: %d (%s)", err, strerror(-err));
	OXT_CHECK(skel->links.raw_tp_enter && skel->links.tp_btf_enter && skel->links.tp_getpid &&
		  skel->links.tracepoint_getpid && skel->links.lib_uprobe && skel->links.lib_uretprobe &&
		  skel->links.lib_usdt,
		  "a program with a target in its section was not auto-attached");
	OXT_CHECK(!skel->links.tp_perf && !skel->links.uprobe_fn && !skel->links.uretprobe_fn &&
		  !skel->links.uprobe_off && !skel->links.uprobe_legacy && !skel->links.kprobe_named &&
		  !skel->links.usdt_hit &&
		  !skel->links.not_loaded,
		  "a program without a target (or autoattach off, or not loaded) got a link");

	struct counts c = counted_calls(skel, N);

	CHECK_COUNT(c, raw_tp, N);
	CHECK_COUNT(c, tp_btf, N);
	CHECK_COUNT(c, tp, N);
	CHECK_COUNT(c, cookie_sum, 0);
	CHECK_COUNT(c, tracepoint, N);
	CHECK_COUNT(c, lib_uprobe, N);
	CHECK_COUNT(c, lib_uretprobe, N);
	CHECK_COUNT(c, lib_usdt, N);
	CHECK_COUNT(c, usdt, 0);
	CHECK_COUNT(c, perf, 0);
	CHECK_COUNT(c, uprobe, 0);
	CHECK_COUNT(c, uretprobe, 0);

	oxt_attach__detach(skel);
	OXT_CHECK(!skel->links.raw_tp_enter && !skel->links.lib_uprobe, "detach left links in the skeleton");
	OXT_CHECK(oxt_count_fds() == loaded, "fds after detach: %d, loaded: %d", oxt_count_fds(), loaded);
	struct counts d = counted_calls(skel, N);

	OXT_CHECK(all_zero(&d), "programs still counted after detach (raw_tp +%llu, lib_uprobe +%llu)",
		  (unsigned long long)d.raw_tp, (unsigned long long)d.lib_uprobe);
	oxt_attach__destroy(skel);
	OXT_CHECK(oxt_count_fds() == base, "fds after skeleton destroy: %d, baseline %d", oxt_count_fds(), base);
	return oxt_result(skip_mode ? "attach --skel-skip" : "attach --skel");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	oxt_debug_log_install(); /* OXBPF_TEST_DEBUG_LOG: ctests/logs' logs-run-attach-* */
	if (argc != 2) {
		fprintf(stderr, "usage: %s --explicit | --skel | --skel-skip\n", argv[0]);
		return 2;
	}
	oxt_require_root();
	oxt_require_vmlinux_btf();
	ensure_tracefs();
	if (!strcmp(argv[1], "--explicit"))
		return run_explicit();
	if (!strcmp(argv[1], "--skel"))
		return run_skel(false);
	if (!strcmp(argv[1], "--skel-skip"))
		return run_skel(true);
	fprintf(stderr, "unknown mode %s\n", argv[1]);
	return 2;
}
