// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * LD_PRELOAD fault injector: fails the Nth intercepted call with a chosen errno.
 *
 * Intercepted, once armed: bpf(2) and perf_event_open(2) issued through libc's syscall() (how
 * both libbpf and liboxbpf issue them), mmap() of a file descriptor (BPF maps, ring and perf
 * buffers; anonymous mappings such as malloc's are not counted), and epoll_create/create1/ctl/
 * wait/pwait. Everything else passes straight through.
 *
 * Environment:
 *   OXF_FAIL_NTH=N   fail the Nth counted call (1-based); 0 or unset: never fail, only count
 *   OXF_ERRNO=E      errno of the injected failure (default EINVAL)
 *   OXF_TRACE=1      print each counted call (number, what, failed or not) to stderr
 * The program under test arms counting with oxf_arm(1) (found with dlsym, so it also runs
 * without the injector) and reads the count with oxf_count(); oxf_hit() says whether the Nth
 * call was reached (and failed).
 */
/* Define mmap and mmap64 as two symbols (meson builds with _FILE_OFFSET_BITS=64, which
 * renames mmap to mmap64 in the headers). */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int armed, trace;
static long count, nth = -1, fail_errno = EINVAL;
static int hit;

static void init_env(void)
{
	if (nth >= 0)
		return;
	const char *s = getenv("OXF_FAIL_NTH");
	const char *e = getenv("OXF_ERRNO");
	nth = s ? atol(s) : 0;
	if (e && atoi(e) > 0)
		fail_errno = atoi(e);
	trace = getenv("OXF_TRACE") != NULL;
}

void oxf_arm(int on)
{
	init_env();
	armed = on;
}

long oxf_count(void)
{
	return count;
}

int oxf_hit(void)
{
	return hit;
}

/* Count one call (`what`, `arg`: for OXF_TRACE); nonzero when this call must fail. */
static int inject_call(const char *what, long arg)
{
	int fail;

	if (!armed)
		return 0;
	count++;
	fail = nth > 0 && count == nth;
	if (fail)
		hit = 1;
	if (trace) {
		char buf[96];
		int n = snprintf(buf, sizeof(buf), "oxf: #%ld %s(%ld)%s\n", count, what, arg, fail ? " FAILS" : "");
		if (n > 0)
			(void)!write(2, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1);
	}
	return fail;
}
#define inject() inject_call(__func__, 0)

#define REAL(name, ret, ...)                                          \
	static ret (*real_##name)(__VA_ARGS__);                       \
	if (!real_##name)                                             \
		real_##name = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

long syscall(long nr, ...)
{
	REAL(syscall, long, long, long, long, long, long, long, long);
	va_list ap;
	long a[6];

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if ((nr == SYS_bpf || nr == SYS_perf_event_open) &&
	    inject_call(nr == SYS_bpf ? "bpf" : "perf_event_open", nr == SYS_bpf ? a[0] : a[1])) {
		errno = fail_errno;
		return -1;
	}
	return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	REAL(mmap, void *, void *, size_t, int, int, int, off_t);
	if (fd >= 0 && !(flags & MAP_ANONYMOUS) && inject()) {
		errno = fail_errno;
		return MAP_FAILED;
	}
	return real_mmap(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

int epoll_create(int size)
{
	REAL(epoll_create, int, int);
	if (inject()) {
		errno = fail_errno;
		return -1;
	}
	return real_epoll_create(size);
}

int epoll_create1(int flags)
{
	REAL(epoll_create1, int, int);
	if (inject()) {
		errno = fail_errno;
		return -1;
	}
	return real_epoll_create1(flags);
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	REAL(epoll_ctl, int, int, int, int, struct epoll_event *);
	if (inject()) {
		errno = fail_errno;
		return -1;
	}
	return real_epoll_ctl(epfd, op, fd, ev);
}

int epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	REAL(epoll_wait, int, int, struct epoll_event *, int, int);
	if (inject()) {
		errno = fail_errno;
		return -1;
	}
	return real_epoll_wait(epfd, evs, max, timeout);
}

int epoll_pwait(int epfd, struct epoll_event *evs, int max, int timeout, const sigset_t *ss)
{
	REAL(epoll_pwait, int, int, struct epoll_event *, int, int, const sigset_t *);
	if (inject()) {
		errno = fail_errno;
		return -1;
	}
	return real_epoll_pwait(epfd, evs, max, timeout, ss);
}
