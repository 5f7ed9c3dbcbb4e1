// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * load_behave: what bpf_object__load promises a skeleton user (issue 3), checked against the
 * kernel. Built against upstream libbpf 1.5 (the *-ref tests: they prove the expectations are
 * libbpf's) and against liboxbpf. Fixture: bpf/load_behave.bpf.c. Needs root (skips otherwise).
 *
 *   load_behave CASE
 *
 * globals      .data/.rodata written through the skeleton before load are what the program
 *              sees (BPF_PROG_TEST_RUN of a syscall program); its writes to .data/.bss are read
 *              after load through the same pointers, which now map the kernel maps (shared
 *              bpf-map mappings in /proc/self/maps, at unchanged addresses); later user writes
 *              reach the next run.
 * rodata-ro    .rodata is read-only after load: r--s in /proc/self/maps, and a write through the
 *              skeleton pointer kills a child with SIGSEGV.
 * core         task->tgid read with BPF_CORE_READ equals getpid(), from a syscall and a raw_tp
 *              test run.
 * kconfig      the .kconfig externs hold what /proc/config.gz (or /boot/config-$(uname -r)) says,
 *              LINUX_KERNEL_VERSION is uname's.
 * reject       a program reading an uninitialised register: load fails with -EACCES (errno set),
 *              the print callback gets libbpf's exact warnings, the verifier log with the exact
 *              banner format and its arguments (program name, log), and the process is back to
 *              its fd count after destroy.
 * log-options  kernel_log_buf/size/level open options collect the verifier log of every program
 *              (and none is printed), bpf_program__set_log_buf takes one program's log instead,
 *              and with level 0 a custom buffer receives the log only when the load fails.
 * twice        a second load fails with -EINVAL and libbpf's warning.
 * autoload     a program with autoload off is not loaded: bpf_program__fd() is -ENOENT.
 * autocreate   a map with autocreate off is not created; a program whose only reference to it
 *              is dead code loads; one that reaches it fails with -EINVAL and the log names the
 *              map.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../common.h"
#include "../errno_norm.h"
#include "../vm/vm_log.h"
#include "load_behave.skel.h"

#define BANNER "libbpf: prog '%s': -- BEGIN PROG LOAD LOG --\n%s-- END PROG LOAD LOG --\n"

/* ---- the print callback: every message, and the banner's arguments ------------------- */

static char msgs[1 << 16];
static size_t msgs_len;
static int banners;
static char banner_prog[64];
static char banner_log[1 << 16];

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	oxt_debug_log(level, fmt, ap); /* OXBPF_TEST_DEBUG_LOG: ctests/logs' logs-run-* */
	if (level == LIBBPF_WARN && strcmp(fmt, BANNER) == 0) {
		const char *prog, *log;

		va_copy(cp, ap);
		prog = va_arg(cp, const char *);
		log = va_arg(cp, const char *);
		va_end(cp);
		banners++;
		snprintf(banner_prog, sizeof(banner_prog), "%s", prog);
		snprintf(banner_log, sizeof(banner_log), "%s", log);
	}
	if (level != LIBBPF_WARN)
		return 0;
	n = vsnprintf(msgs + msgs_len, sizeof(msgs) - msgs_len, fmt, ap);
	if (n > 0)
		msgs_len += (size_t)n < sizeof(msgs) - msgs_len ? (size_t)n : sizeof(msgs) - msgs_len - 1;
	if (getenv("LOAD_BEHAVE_VERBOSE"))
		fputs(msgs + msgs_len - (n > 0 ? n : 0), stderr);
	return 0;
}

static void reset_capture(void)
{
	msgs_len = 0;
	msgs[0] = 0;
	banners = 0;
	banner_prog[0] = banner_log[0] = 0;
}

/* ---- helpers ------------------------------------------------------------------------- */

/* "rw-s" etc. and the mapped file of the mapping holding p. */
static void mapping_of(const void *p, char perms[8], char *file, size_t file_sz)
{
	unsigned long a = (unsigned long)p, lo, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	snprintf(perms, 8, "none");
	file[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char pr[8];
		int off = 0;

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, pr, &off) >= 3 && a >= lo &&
		    a < hi) {
			snprintf(perms, 8, "%s", pr);
			snprintf(file, file_sz, "%s", off ? line + off : "");
			file[strcspn(file, "\n")] = 0;
			break;
		}
	}
	fclose(f);
}

static int test_run(struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &topts);

	OXT_CHECK(err == 0, "test run of %s: %s", bpf_program__name(prog), strerror(-err));
	return err;
}

static struct load_behave *open_skel(void)
{
	struct load_behave *skel = load_behave__open();

	OXT_ASSERT(skel != NULL, "open: %s", strerror(errno));
	return skel;
}

/* ---- cases --------------------------------------------------------------------------- */

static void case_globals(void)
{
	struct load_behave *skel = open_skel();
	int *in_data = &skel->data->in_data;
	char perms[8], file[256];
	int err;

	skel->data->in_data = 21;
	skel->rodata->ro_factor = 3;
	err = load_behave__load(skel);
	OXT_ASSERT(err == 0, "load: %s", strerror(-err));
	OXT_CHECK(&skel->data->in_data == in_data, "the .data pointer moved at load");

	mapping_of(skel->data, perms, file, sizeof(file));
	OXT_CHECK(strcmp(perms, "rw-s") == 0 && strstr(file, "bpf-map"),
		  ".data is not a shared bpf-map mapping after load: %s %s", perms, file);
	mapping_of(skel->bss, perms, file, sizeof(file));
	OXT_CHECK(strcmp(perms, "rw-s") == 0 && strstr(file, "bpf-map"),
		  ".bss is not a shared bpf-map mapping after load: %s %s", perms, file);

	test_run(skel->progs.run);
	OXT_CHECK(skel->bss->out_sum == 63, "program saw in_data * ro_factor = %d, expected 21 * 3",
		  skel->bss->out_sum);
	OXT_CHECK(skel->data->in_data == 22, "program's .data write not visible: in_data = %d",
		  skel->data->in_data);
	OXT_CHECK(skel->bss->out_runs == 1, "out_runs = %llu", (unsigned long long)skel->bss->out_runs);

	skel->data->in_data = 100;
	test_run(skel->progs.run);
	OXT_CHECK(skel->bss->out_sum == 300, "after a user write: out_sum = %d, expected 300",
		  skel->bss->out_sum);
	OXT_CHECK(skel->bss->out_runs == 2, "out_runs = %llu", (unsigned long long)skel->bss->out_runs);
	load_behave__destroy(skel);
}

static void case_rodata_ro(void)
{
	struct load_behave *skel = open_skel();
	char perms[8], file[256];
	int err, status;
	pid_t pid;

	skel->rodata->ro_factor = 5;
	err = load_behave__load(skel);
	OXT_ASSERT(err == 0, "load: %s", strerror(-err));
	OXT_CHECK(skel->rodata->ro_factor == 5, "ro_factor reads %d after load", skel->rodata->ro_factor);
	mapping_of(skel->rodata, perms, file, sizeof(file));
	OXT_CHECK(strcmp(perms, "r--s") == 0 && strstr(file, "bpf-map"),
		  ".rodata is not a read-only shared bpf-map mapping after load: %s %s", perms, file);

	fflush(NULL);
	pid = fork();
	OXT_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		*(volatile int *)&skel->rodata->ro_factor = 6;
		_exit(0);
	}
	/* (OXT_ASSERT evaluates its condition twice: no side effects inside.) */
	err = waitpid(pid, &status, 0);
	OXT_ASSERT(err == pid, "waitpid: %s", strerror(errno));
	OXT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
		  "writing .rodata after load did not fault (status 0x%x)", status);
	OXT_CHECK(skel->rodata->ro_factor == 5, "ro_factor changed to %d", skel->rodata->ro_factor);
	load_behave__destroy(skel);
}

static void case_core(void)
{
	struct load_behave *skel = open_skel();
	int err;

	err = load_behave__load(skel);
	OXT_ASSERT(err == 0, "load: %s", strerror(-err));
	test_run(skel->progs.run);
	test_run(skel->progs.run_raw);
	OXT_CHECK(skel->bss->out_tgid == getpid(), "syscall program read tgid %d, getpid() is %d",
		  skel->bss->out_tgid, getpid());
	OXT_CHECK(skel->bss->out_tgid_raw == getpid(), "raw_tp program read tgid %d, getpid() is %d",
		  skel->bss->out_tgid_raw, getpid());
	load_behave__destroy(skel);
}

/* The value of CONFIG_<name> in the running kernel's config ("" if unset). */
static int kernel_config(const char *name, char *val, size_t val_sz)
{
	struct utsname u;
	char cmd[512], line[4096];
	size_t nl = strlen(name);
	FILE *f;
	int found = 0;

	uname(&u);
	snprintf(cmd, sizeof(cmd),
		 "if [ -r /boot/config-%s ]; then gzip -dcf /boot/config-%s; else gzip -dc /proc/config.gz; fi",
		 u.release, u.release);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	val[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, nl) == 0 && line[nl] == '=') {
			snprintf(val, val_sz, "%s", line + nl + 1);
			val[strcspn(val, "\n")] = 0;
			found = 1;
		}
	}
	return pclose(f) == 0 || found ? 0 : -1;
}

static void case_kconfig(void)
{
	struct load_behave *skel;
	char hz[64], sys[8], jit[8], lsm[256];
	unsigned a = 0, b = 0, c = 0;
	struct utsname u;
	enum libbpf_tristate want_jit;
	int err;

	OXT_SKIP_IF(kernel_config("CONFIG_HZ", hz, sizeof(hz)) || !hz[0],
		    "no kernel config in /boot or /proc/config.gz");
	err = kernel_config("CONFIG_BPF_SYSCALL", sys, sizeof(sys));
	err = err ?: kernel_config("CONFIG_BPF_JIT", jit, sizeof(jit));
	err = err ?: kernel_config("CONFIG_LSM", lsm, sizeof(lsm));
	OXT_ASSERT(err == 0, "reading the kernel config");
	skel = open_skel();
	err = load_behave__load(skel);
	OXT_ASSERT(err == 0, "load: %s", strerror(-err));
	test_run(skel->progs.run);
	OXT_CHECK(skel->bss->out_hz == atoi(hz), "CONFIG_HZ: program saw %d, config says %s",
		  skel->bss->out_hz, hz);
	OXT_CHECK(skel->bss->out_bpf_syscall == (strcmp(sys, "y") == 0),
		  "CONFIG_BPF_SYSCALL: program saw %d, config says '%s'", skel->bss->out_bpf_syscall, sys);
	want_jit = strcmp(jit, "y") == 0 ? TRI_YES : strcmp(jit, "m") == 0 ? TRI_MODULE : TRI_NO;
	OXT_CHECK(skel->bss->out_jit == want_jit, "CONFIG_BPF_JIT: program saw %d, config says '%s'",
		  skel->bss->out_jit, jit);
	/* The config quotes strings; the extern holds what is inside. */
	if (lsm[0] == '"') {
		memmove(lsm, lsm + 1, strlen(lsm));
		lsm[strcspn(lsm, "\"")] = 0;
	}
	OXT_CHECK(strcmp(skel->bss->out_lsm, lsm) == 0, "CONFIG_LSM: program saw '%s', config says '%s'",
		  skel->bss->out_lsm, lsm);
	uname(&u);
	sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	OXT_CHECK(skel->bss->out_kver == (int)((a << 16) + (b << 8) + (c > 255 ? 255 : c)),
		  "LINUX_KERNEL_VERSION: program saw 0x%x, uname says %s", skel->bss->out_kver, u.release);
	load_behave__destroy(skel);
}

static void case_reject(void)
{
	int before = oxt_count_fds(), err;
	struct load_behave *skel;
	char expect[1024];

	skel = open_skel();
	bpf_program__set_autoload(skel->progs.bad, true);
	reset_capture();
	errno = 0;
	/* bpf_object__load itself (the skeleton's load adds a line of its own). */
	err = bpf_object__load(skel->obj);
	OXT_CHECK(err == -EACCES, "load of a program reading an uninitialised register: %d (%s), "
		  "expected -EACCES", err, strerror(-err));
	OXT_CHECK(errno == EACCES, "errno %d after the failed load", errno);
	OXT_CHECK(banners == 1, "%d verifier-log banners through the print callback", banners);
	OXT_CHECK(strcmp(banner_prog, "bad") == 0, "banner's program argument: '%s'", banner_prog);
	OXT_CHECK(strstr(banner_log, "R5 !read_ok") != NULL, "verifier log lacks 'R5 !read_ok':\n%s",
		  banner_log);
	/* libbpf 1.7's errno text (libbpf 1.5's "Permission denied" and "-13" normalised). */
	OXT_CHECK(oxt_errno_normalise(msgs, sizeof(msgs)) == 0, "errno normaliser failed");
	snprintf(expect, sizeof(expect),
		 "libbpf: prog 'bad': BPF program load failed: -EACCES\n"
		 "libbpf: prog 'bad': -- BEGIN PROG LOAD LOG --\n%s-- END PROG LOAD LOG --\n"
		 "libbpf: prog 'bad': failed to load: -EACCES\n"
		 "libbpf: failed to load object 'load_behave'\n",
		 banner_log);
	OXT_CHECK(strcmp(msgs, expect) == 0, "warnings differ from libbpf's:\n--- got\n%s--- expected\n%s",
		  msgs, expect);
	OXT_CHECK(bpf_program__fd(skel->progs.run) < 0, "run kept an fd after the failed load");
	load_behave__destroy(skel);
	OXT_CHECK(oxt_count_fds() == before, "%d fds open after destroy, %d before", oxt_count_fds(), before);
}

static void case_log_options(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	static char obj_log[1 << 20], prog_log[1 << 20];
	struct load_behave *skel;
	int err;

	/* Level 1 with the object's buffer: logs land there, nothing is printed. */
	opts.kernel_log_buf = obj_log;
	opts.kernel_log_size = sizeof(obj_log);
	opts.kernel_log_level = 1;
	skel = load_behave__open_opts(&opts);
	OXT_ASSERT(skel != NULL, "open: %s", strerror(errno));
	OXT_CHECK(bpf_program__log_level(skel->progs.run) == 1, "programs inherit kernel_log_level: %u",
		  bpf_program__log_level(skel->progs.run));
	OXT_CHECK(bpf_program__set_log_buf(skel->progs.run, prog_log, sizeof(prog_log)) == 0,
		  "set_log_buf");
	OXT_CHECK(bpf_program__set_log_level(skel->progs.run, 2) == 0, "set_log_level");
	reset_capture();
	err = load_behave__load(skel);
	OXT_ASSERT(err == 0, "load: %s", strerror(-err));
	OXT_CHECK(banners == 0, "%d logs printed although buffers were given", banners);
	/* run_raw loads after run and logs into the object's buffer; run (level 2) into its own. */
	OXT_CHECK(strstr(obj_log, "processed ") != NULL, "object log buffer holds no verifier log:\n%s",
		  obj_log);
	OXT_CHECK(strstr(prog_log, "processed ") != NULL && strstr(prog_log, "; out_sum = ") != NULL,
		  "program log buffer lacks a level-2 log of 'run':\n%.2000s", prog_log);
	OXT_CHECK(strstr(obj_log, "out_sum") == NULL, "'run' logged into the object's buffer");
	OXT_CHECK(bpf_program__set_log_buf(skel->progs.run, prog_log, 16) == -EBUSY,
		  "set_log_buf after load should be -EBUSY");
	load_behave__destroy(skel);

	/* Level 0 with a buffer: the log is requested only because the load fails. */
	memset(obj_log, 0, sizeof(obj_log));
	opts.kernel_log_level = 0;
	skel = load_behave__open_opts(&opts);
	OXT_ASSERT(skel != NULL, "open: %s", strerror(errno));
	bpf_program__set_autoload(skel->progs.bad, true);
	reset_capture();
	err = load_behave__load(skel);
	OXT_CHECK(err == -EACCES, "load: %d", err);
	OXT_CHECK(strstr(obj_log, "R5 !read_ok") != NULL, "custom buffer lacks the failure log:\n%s",
		  obj_log);
	OXT_CHECK(banners == 0, "a caller-owned log was printed too");
	OXT_CHECK(oxt_errno_normalise(msgs, sizeof(msgs)) == 0, "errno normaliser failed");
	OXT_CHECK(strstr(msgs, "prog 'bad': BPF program load failed: -EACCES\n") != NULL,
		  "missing the load failure warning:\n%s", msgs);
	load_behave__destroy(skel);
}

static void case_twice(void)
{
	struct load_behave *skel = open_skel();
	int err;

	err = load_behave__load(skel);
	OXT_ASSERT(err == 0, "load: %s", strerror(-err));
	reset_capture();
	errno = 0;
	err = bpf_object__load(skel->obj);
	OXT_CHECK(err == -EINVAL && errno == EINVAL, "second load: %d, errno %d", err, errno);
	OXT_CHECK(strcmp(msgs, "libbpf: object 'load_behave': load can't be attempted twice\n") == 0,
		  "warning: '%s'", msgs);
	OXT_CHECK(bpf_program__fd(skel->progs.run) >= 0, "the first load's programs were dropped");
	load_behave__destroy(skel);
}

static void case_autoload(void)
{
	struct load_behave *skel = open_skel();
	int err;

	OXT_CHECK(!bpf_program__autoload(skel->progs.unloaded), "'?' section program has autoload on");
	err = load_behave__load(skel);
	OXT_ASSERT(err == 0, "load: %s", strerror(-err));
	errno = 0;
	err = bpf_program__fd(skel->progs.unloaded);
	OXT_CHECK(err == -ENOENT && errno == ENOENT, "fd of a program not loaded: %d, errno %d", err,
		  errno);
	OXT_CHECK(bpf_program__fd(skel->progs.bad) == -ENOENT, "bad was loaded");
	OXT_CHECK(bpf_program__fd(skel->progs.run) >= 0, "run was not loaded");
	load_behave__destroy(skel);
}

/* Whether the kernel map behind fd is a BPF map at all. */
static int is_bpf_map(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return fd >= 0 && bpf_map_get_info_by_fd(fd, &info, &len) == 0;
}

static void case_autocreate(void)
{
	struct bpf_prog_info info;
	struct load_behave *skel;
	__u32 len = sizeof(info), ids[16], n;
	int err;

	/* Referenced only by dead code (use_optional is false): the load succeeds. */
	skel = open_skel();
	OXT_CHECK(bpf_map__set_autocreate(skel->maps.optional_map, false) == 0, "set_autocreate");
	err = load_behave__load(skel);
	OXT_ASSERT(err == 0, "load with optional_map not created: %s", strerror(-err));
	/* libbpf 1.5 returns its placeholder fd here (not a BPF map); oxbpf returns -1. */
	OXT_CHECK(!is_bpf_map(bpf_map__fd(skel->maps.optional_map)), "optional_map was created");
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 16;
	info.map_ids = (__u64)(unsigned long)ids;
	err = bpf_prog_get_info_by_fd(bpf_program__fd(skel->progs.run), &info, &len);
	OXT_ASSERT(err == 0, "prog info: %s", strerror(errno));
	n = info.nr_map_ids < 16 ? info.nr_map_ids : 16;
	for (__u32 i = 0; i < n; i++) {
		int fd = bpf_map_get_fd_by_id(ids[i]);
		struct bpf_map_info mi;
		__u32 ml = sizeof(mi);

		memset(&mi, 0, sizeof(mi));
		if (fd >= 0 && bpf_map_get_info_by_fd(fd, &mi, &ml) == 0)
			OXT_CHECK(strcmp(mi.name, "optional_map") != 0, "run uses optional_map");
		if (fd >= 0)
			close(fd);
	}
	test_run(skel->progs.run);
	OXT_CHECK(skel->bss->out_runs == 1, "run did not run");
	load_behave__destroy(skel);

	/* Reached: the load fails and the log says which map is missing. */
	skel = open_skel();
	bpf_map__set_autocreate(skel->maps.optional_map, false);
	bpf_program__set_autoload(skel->progs.uses_optional, true);
	reset_capture();
	err = load_behave__load(skel);
	OXT_CHECK(err == -EINVAL, "load reaching a map not created: %d (%s)", err, strerror(-err));
	OXT_CHECK(strcmp(banner_prog, "uses_optional") == 0, "banner for '%s'", banner_prog);
	OXT_CHECK(strstr(banner_log, "<invalid BPF map reference>\n"
				     "BPF map 'optional_map' is referenced but wasn't created\n") != NULL,
		  "log not rewritten:\n%s", banner_log);
	load_behave__destroy(skel);
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "globals", case_globals },	 { "rodata-ro", case_rodata_ro },
	{ "core", case_core },		 { "kconfig", case_kconfig },
	{ "reject", case_reject },	 { "log-options", case_log_options },
	{ "twice", case_twice },	 { "autoload", case_autoload },
	{ "autocreate", case_autocreate },
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CASE\n", argv[0]);
		return 2;
	}
	oxt_require_root();
	oxt_require_vmlinux_btf();
	libbpf_set_print(capture);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[1], cases[i].name) == 0) {
			cases[i].fn();
			return oxt_result(argv[1]);
		}
	}
	fprintf(stderr, "unknown case '%s'\n", argv[1]);
	return 2;
}
