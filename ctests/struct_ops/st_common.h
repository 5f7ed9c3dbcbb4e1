/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the struct_ops tests: the kernel's congestion-control lists, loopback
 * traffic through a named congestion control (loopback.h), fd checks, and a libbpf print callback
 * that keeps every log line so tests can assert on what the library said.
 *
 * Each test is built twice from the same source: linked to liboxbpf (OXBPF_IMPL defined) and
 * run on upstream libbpf 1.5 (the *-ref tests). Checks of log text libbpf does not print are
 * under #ifdef OXBPF_IMPL.
 */
#ifndef OXBPF_ST_COMMON_H
#define OXBPF_ST_COMMON_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../common.h"
#include "../loopback.h"
#include "../vm/vm_log.h"

#define ST_TCP_CONG_NON_RESTRICTED 0x1
#define ST_BPF_F_LINK (1U << 13) /* missing from bookworm's uapi headers */

/* OXT_ASSERT evaluates its condition twice: calls with side effects go through this, which
 * evaluates `expr` once and stops unless it is 0. */
#define ST_OK(expr, ...)                                                                     \
	do {                                                                                 \
		long st_r_ = (long)(expr);                                                   \
		OXT_ASSERT(st_r_ == 0, __VA_ARGS__);                                         \
	} while (0)

/* ---- the kernel's congestion-control lists ---- */

/* Is `name` a whole word of the sysctl file `which`? */
static inline int st_cc_listed(const char *which, const char *name)
{
	char path[128], buf[1024] = "";
	size_t n = strlen(name);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", which);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	for (char *p = buf; (p = strstr(p, name)) != NULL; p += n) {
		int start = p == buf || p[-1] == ' ';
		int end = p[n] == 0 || p[n] == ' ' || p[n] == '\n';

		if (start && end)
			return 1;
	}
	return 0;
}

static inline int st_available(const char *name)
{
	return st_cc_listed("tcp_available_congestion_control", name);
}

static inline int st_allowed(const char *name)
{
	return st_cc_listed("tcp_allowed_congestion_control", name);
}

/* The kernel unregisters struct_ops asynchronously (RCU): wait up to 2 s for `name` to go. */
static inline int st_wait_gone(const char *name)
{
	for (int i = 0; i < 100 && st_available(name); i++)
		usleep(20000);
	return !st_available(name);
}

/* ---- traffic ---- */

/* Send `kib` KiB from a client socket using congestion control `cc` to a child process over
 * 127.0.0.1. Returns 0 once the receiver got everything and the socket reported `cc`. */
static inline int st_traffic(const char *cc, size_t kib)
{
	if (oxt_loopback_send(cc, kib << 10, NULL))
		return -1;
	printf("sent %zu KiB over 127.0.0.1 with congestion control \"%s\"\n", kib, cc);
	return 0;
}

/* ---- fds (counted by common.h) ---- */

#define ST_CHECK_FDS(base, when)                                                             \
	do {                                                                                 \
		int now_ = oxt_count_fds();                                                    \
		OXT_CHECK(now_ == (base), "%d fds open %s, %d before", now_, when, (base)); \
	} while (0)

/* Is there a kernel map behind `map`? libbpf 1.5 keeps a placeholder fd (not a BPF map) for
 * maps it does not create, liboxbpf reports -1: ask the kernel. */
static inline int st_map_created(const struct bpf_map *map)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int fd = bpf_map__fd(map);

	memset(&info, 0, sizeof(info));
	return fd >= 0 && bpf_map_get_info_by_fd(fd, &info, &len) == 0;
}

/* ---- library log ---- */

static char st_log[1 << 20];
static size_t st_log_len;

static inline int st_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[4096];
	int n;

	oxt_debug_log(level, fmt, ap); /* OXBPF_TEST_DEBUG_LOG (the VM lane) */
	n = vsnprintf(line, sizeof(line), fmt, ap);

	(void)level;
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (st_log_len + n < sizeof(st_log)) {
		memcpy(st_log + st_log_len, line, n);
		st_log_len += n;
		st_log[st_log_len] = 0;
	}
	if (getenv("ST_VERBOSE") || level != LIBBPF_DEBUG)
		fputs(line, stderr);
	return 0;
}

static inline void st_log_reset(void)
{
	st_log_len = 0;
	st_log[0] = 0;
}

/* Does one log line contain all of `a` and `b` (b may be NULL)? */
static inline int st_log_has(const char *a, const char *b)
{
	const char *p = st_log;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[4096];

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = 0;
		if (strstr(line, a) && (!b || strstr(line, b)))
			return 1;
		p += len + (nl ? 1 : 0);
		if (!nl)
			break;
	}
	return 0;
}

static inline void st_setup(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	oxt_require_root();
	oxt_require_vmlinux_btf();
	libbpf_set_print(st_print);
}

#endif
