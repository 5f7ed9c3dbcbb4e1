/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Small helpers shared by the C tests: skip with meson's code 77 and a reason, and assert
 * with a message that names the failing expression.
 */
#ifndef OXBPF_CTESTS_COMMON_H
#define OXBPF_CTESTS_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* meson (and automake) treat this exit status as "skipped". */
#define OXT_SKIP 77

static int oxt_failures;

#define OXT_SKIP_IF(cond, ...)                                                     \
	do {                                                                       \
		if (cond) {                                                        \
			printf("SKIP: ");                                          \
			printf(__VA_ARGS__);                                       \
			printf("\n");                                              \
			fflush(stdout);                                            \
			exit(OXT_SKIP);                                            \
		}                                                                  \
	} while (0)

/* Tests that create kernel objects need CAP_BPF/CAP_SYS_ADMIN; this machine's tests run as root. */
static inline void oxt_require_root(void)
{
	OXT_SKIP_IF(geteuid() != 0, "needs root (CAP_BPF, CAP_SYS_ADMIN); running as uid %d",
		    (int)geteuid());
}

/* struct_ops and CO-RE need the kernel's BTF. */
static inline void oxt_require_vmlinux_btf(void)
{
	OXT_SKIP_IF(access("/sys/kernel/btf/vmlinux", R_OK) != 0,
		    "needs /sys/kernel/btf/vmlinux (kernel built with CONFIG_DEBUG_INFO_BTF): %s",
		    strerror(errno));
}

/* Record a failure and go on, so one run reports every broken check. */
#define OXT_CHECK(cond, ...)                                                       \
	do {                                                                       \
		if (!(cond)) {                                                     \
			oxt_failures++;                                            \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__,    \
				#cond);                                            \
			fprintf(stderr, __VA_ARGS__);                              \
			fprintf(stderr, "\n");                                     \
		}                                                                  \
	} while (0)

/* Stop at once: later checks would only dereference what this one found broken. */
/* Like OXT_CHECK, but a failure ends the test. `cond` is evaluated exactly once. */
#define OXT_ASSERT(cond, ...)                                                      \
	do {                                                                       \
		if (!(cond)) {                                                     \
			oxt_failures++;                                            \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__,    \
				#cond);                                            \
			fprintf(stderr, __VA_ARGS__);                              \
			fprintf(stderr, "\n");                                     \
			exit(1);                                                   \
		}                                                                  \
	} while (0)

/* Open fds of this process (the directory stream's own fd not counted): tests compare it before
 * and after, so that a leaked fd fails them. */
static inline int oxt_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

static inline int oxt_result(const char *what)
{
	if (oxt_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", what, oxt_failures);
		return 1;
	}
	printf("%s: ok\n", what);
	return 0;
}

#endif
