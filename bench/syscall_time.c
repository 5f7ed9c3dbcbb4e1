/* syscall_time: an LD_PRELOAD shim for scripts/bench.sh that measures the kernel's floor.
 *
 * Both libbpf and liboxbpf issue bpf(2) (and perf_event_open(2)) through libc's syscall() and
 * release programs, maps and BTF objects with libc's close() (the kernel frees a program on
 * its last close: for 500 programs that is as much CPU as loading them). This shim interposes
 * syscall() and close(), forwards every call to libc's, and for bpf(), perf_event_open() and
 * close() counts the calls and the thread CPU time (CLOCK_THREAD_CPUTIME_ID, exact) spent
 * inside them. bench_load finds syscall_time_read() with dlsym and prints the totals, so
 * process CPU minus that CPU is the library's user-space overhead above the kernel's own
 * time. The two clock reads around a call are themselves partly counted (about 2 x 0.1-0.3 us
 * per call, the same for both libraries, which make the same number of calls to within 25%).
 *
 * Single-threaded driver: the counters are plain (relaxed atomics keep them defined anyway). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef long (*syscall_fn)(long, ...);
typedef int (*close_fn)(int);

static _Atomic long long bpf_ns, bpf_calls;

static long long thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void account(long long t0)
{
	atomic_fetch_add_explicit(&bpf_ns, thread_ns() - t0, memory_order_relaxed);
	atomic_fetch_add_explicit(&bpf_calls, 1, memory_order_relaxed);
}

/* Totals so far: CPU ns spent in bpf()/perf_event_open()/close() and how many calls. */
void syscall_time_read(long long *ns, long long *calls)
{
	*ns = atomic_load_explicit(&bpf_ns, memory_order_relaxed);
	*calls = atomic_load_explicit(&bpf_calls, memory_order_relaxed);
}

long syscall(long nr, ...)
{
	static syscall_fn real;
	long a[6], ret;
	long long t0;
	va_list ap;
	int i;

	if (!real)
		real = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr != SYS_bpf && nr != SYS_perf_event_open)
		return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	t0 = thread_ns();
	ret = real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	account(t0);
	return ret;
}

int close(int fd)
{
	static close_fn real;
	long long t0;
	int ret;

	if (!real)
		real = (close_fn)dlsym(RTLD_NEXT, "close");
	t0 = thread_ns();
	ret = real(fd);
	account(t0);
	return ret;
}
