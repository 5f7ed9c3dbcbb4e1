// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * scx_test: the minimal sched_ext scheduler bpf/scx_min.bpf.c through its bpftool 7.5
 * skeleton, on a kernel with sched_ext (the 7.2 guest of scripts/vm-tests.sh).
 *
 *   scx_test run     the name written through the shadow (skel->struct_ops.oxsched) is the
 *                    one /sys/kernel/sched_ext/root/ops shows; skeleton attach enables it;
 *                    tasks run through it; bpf_link__detach disables it (ops.exit sees an
 *                    unregistration) and the link fd reports POLLHUP.
 *   scx_test eject   a scheduler that inserts a task into a DSQ that does not exist: the
 *                    kernel ejects it with an error exit (SCX_EXIT_ERROR), which the loader
 *                    reads from the scheduler's .bss (ops.exit wrote it).
 *
 * stdout is a transcript without run-dependent numbers: scripts/vm-tests.sh requires it to be
 * identical on libbpf 1.5 and liboxbpf (linked and preloaded).
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/wait.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "scx_min.skel.h"
#include "../common.h"
#include "vm_log.h"

/* enum scx_exit_kind (kernel/sched/ext_internal.h) */
#define SCX_EXIT_UNREG 64
#define SCX_EXIT_ERROR 1024

#define STATE "/sys/kernel/sched_ext/state"
#define OPS "/sys/kernel/sched_ext/root/ops"

static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f) {
		snprintf(buf, size, "<%s>", strerror(errno));
		return;
	}
	if (fgets(buf, size, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait (at most ~10 s) for sched_ext's state to read `want`. */
static int wait_state(const char *want)
{
	char buf[64];

	for (int i = 0; i < 1000; i++) {
		read_line(STATE, buf, sizeof(buf));
		if (!strcmp(buf, want))
			return 1;
		sleep_ms(10);
	}
	return 0;
}

/* Some scheduling work: children that sleep and yield. */
static void churn(void)
{
	for (int i = 0; i < 4; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			for (int j = 0; j < 20; j++) {
				sched_yield();
				sleep_ms(1);
			}
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
}

static short link_revents(struct bpf_link *link)
{
	struct pollfd pfd = { .fd = bpf_link__fd(link), .events = POLLIN | POLLHUP };

	if (poll(&pfd, 1, 2000) < 0)
		return -1;
	return pfd.revents;
}

static int run(void)
{
	struct scx_min *skel;
	char buf[256];
	int err;

	skel = scx_min__open();
	OXT_ASSERT(skel, "scx_min__open: %s", strerror(errno));
	/* bpftool 7.5 cannot type char arrays in the shadow: `name` is the first
	 * __unsupported_ member (char[128]) of the generated struct. */
	snprintf(skel->struct_ops.oxsched->__unsupported_41,
		 sizeof(skel->struct_ops.oxsched->__unsupported_41), "%s", "oxshadow");
	err = scx_min__load(skel);
	OXT_ASSERT(!err, "scx_min__load: %d", err);
	err = scx_min__attach(skel);
	OXT_ASSERT(!err, "scx_min__attach: %d", err);
	OXT_ASSERT(skel->links.oxsched, "skeleton attach left links.oxsched NULL");
	printf("attached\n");

	OXT_CHECK(wait_state("enabled"), "sched_ext never reached state enabled");
	read_line(STATE, buf, sizeof(buf));
	printf("state: %s\n", buf);
	read_line(OPS, buf, sizeof(buf));
	printf("ops: %s\n", buf);
	OXT_CHECK(!strcmp(buf, "oxshadow"), "root/ops is '%s', want the shadow's name", buf);

	churn();
	printf("tasks enqueued: %s\n", skel->bss->enqueues > 0 ? "yes" : "no");
	printf("select_cpu ran: %s\n", skel->bss->select_calls > 0 ? "yes" : "no");
	OXT_CHECK(skel->bss->enqueues > 0, "no task went through ops.enqueue");

	err = bpf_link__detach(skel->links.oxsched);
	OXT_CHECK(!err, "bpf_link__detach: %d", err);
	OXT_CHECK(wait_state("disabled"), "sched_ext still not disabled after detach");
	read_line(STATE, buf, sizeof(buf));
	printf("after detach: state %s\n", buf);
	short rev = link_revents(skel->links.oxsched);
	printf("link revents: %s\n", rev > 0 && (rev & POLLHUP) ? "POLLHUP" : "none");
	OXT_CHECK(rev > 0 && (rev & POLLHUP), "no POLLHUP on the detached link (revents %#x)", rev);
	printf("exit kind: %lld (%s)\n", (long long)skel->bss->exit_kind, skel->bss->exit_reason);
	OXT_CHECK(skel->bss->exit_kind == SCX_EXIT_UNREG, "exit kind %lld, want SCX_EXIT_UNREG",
		  (long long)skel->bss->exit_kind);
	scx_min__destroy(skel);
	return oxt_result("scx run");
}

static int eject(void)
{
	struct scx_min *skel;
	struct bpf_link *link;
	char buf[256];
	int err;

	skel = scx_min__open();
	OXT_ASSERT(skel, "scx_min__open: %s", strerror(errno));
	skel->rodata->eject_after = 8;
	err = scx_min__load(skel);
	OXT_ASSERT(!err, "scx_min__load: %d", err);
	link = bpf_map__attach_struct_ops(skel->maps.oxsched);
	OXT_ASSERT(link, "bpf_map__attach_struct_ops: %s", strerror(errno));
	printf("attached\n");
	for (int i = 0; i < 100 && !skel->bss->exit_kind; i++)
		churn();
	printf("loader saw the exit: %s\n", skel->bss->exit_kind ? "yes" : "no");
	OXT_CHECK(wait_state("disabled"), "the kernel did not eject the scheduler");
	read_line(STATE, buf, sizeof(buf));
	printf("state: %s\n", buf);
	printf("exit kind: %lld (%s)\n", (long long)skel->bss->exit_kind, skel->bss->exit_reason);
	OXT_CHECK(skel->bss->exit_kind == SCX_EXIT_ERROR, "exit kind %lld, want SCX_EXIT_ERROR",
		  (long long)skel->bss->exit_kind);
	/* The kernel disables an ejected scheduler but keeps its link: no POLLHUP (libbpf 1.5
	 * sees the same; the transcripts are compared). */
	short rev = link_revents(link);
	printf("link revents: %s\n", rev > 0 && (rev & POLLHUP) ? "POLLHUP" : "none");
	bpf_link__destroy(link);
	scx_min__destroy(skel);
	return oxt_result("scx eject");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	oxt_require_root();
	libbpf_set_print(oxt_default_print);
	OXT_SKIP_IF(access(STATE, R_OK) != 0, "no sched_ext in this kernel (%s: %s)", STATE,
		    strerror(errno));
	if (argc == 2 && !strcmp(argv[1], "run"))
		return run();
	if (argc == 2 && !strcmp(argv[1], "eject"))
		return eject();
	fprintf(stderr, "usage: scx_test run|eject\n");
	return 2;
}
