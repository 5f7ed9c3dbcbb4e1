/* bench_load: CPU time of libbpf's open / load path, for scripts/bench.sh.
 *
 *   bench_load OBJ MODE ITER      MODE: open (open+close) or load (open+load+close)
 *
 * Prints one line of key=value pairs:
 *   iter_ns=<median CPU ns of one iteration, the first iteration excluded when ITER > 1>
 *   first_ns=<CPU ns of the first iteration>  process_ns=<CPU ns of the whole process so far,
 *   dynamic loading included>  user_ns= sys_ns= (the process's, split)  maxrss_kb=<peak RSS of
 *   this program: VmHWM, not getrusage's ru_maxrss, which keeps the high-water mark of the
 *   process that forked it (the Python driver's) across fork and exec>
 *   retained=<heap bytes still allocated after the last close, against before the first open>
 *   With bench/syscall_time.so preloaded (scripts/bench.sh does), also the kernel's floor, exact:
 *   floor_ns=<CPU ns inside bpf()/perf_event_open()/close() of the whole process>
 *   floor_calls=<their count>  iter_user_ns=<median over iterations of CPU ns outside them>
 *   first_user_ns=<the first iteration's CPU ns outside them>
 * Built against libbpf 1.5's headers; the same binary runs on libbpf 1.5 and, with liboxbpf
 * preloaded over it, on liboxbpf, so both use one dynamic loader and libc. Errors are fatal. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <bpf/libbpf.h>

static long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Bytes allocated through malloc, mmap-backed large blocks included. */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* bench/syscall_time.c's counters, when it is preloaded; zeros otherwise. */
typedef void (*sc_read_fn)(long long *ns, long long *calls);
static sc_read_fn sc_read;

static long long bpf_ns(void)
{
	long long ns = 0, calls = 0;

	if (sc_read)
		sc_read(&ns, &calls);
	return ns;
}

/* Peak RSS in KiB of this image (VmHWM of /proc/self/status), or -1. */
static long peak_rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level; (void)fmt; (void)ap;
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct rusage ru;
	long long *t, *u, first, t0, b0, calls = 0, in_bpf = 0;
	size_t heap0, heap1;
	int i, n, load, err;

	if (argc != 4 || (strcmp(argv[2], "open") && strcmp(argv[2], "load")) || atoi(argv[3]) < 1) {
		fprintf(stderr, "usage: %s OBJ open|load ITER\n", argv[0]);
		return 2;
	}
	load = !strcmp(argv[2], "load");
	n = atoi(argv[3]);
	t = calloc(n, sizeof(*t));
	u = calloc(n, sizeof(*u));
	sc_read = (sc_read_fn)dlsym(RTLD_DEFAULT, "syscall_time_read");
	libbpf_set_print(quiet);
	heap0 = heap_in_use();
	for (i = 0; i < n; i++) {
		b0 = bpf_ns();
		t0 = cpu_ns();
		obj = bpf_object__open_file(argv[1], NULL);
		if (!obj) {
			fprintf(stderr, "bench_load: open %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		if (load && (err = bpf_object__load(obj))) {
			fprintf(stderr, "bench_load: load %s: %s\n", argv[1], strerror(-err));
			return 1;
		}
		bpf_object__close(obj);
		t[i] = cpu_ns() - t0;
		u[i] = t[i] - (bpf_ns() - b0);
	}
	heap1 = heap_in_use();
	first = t[0];
	if (n > 1) {
		qsort(t + 1, n - 1, sizeof(*t), cmp_ll);
		qsort(u + 1, n - 1, sizeof(*u), cmp_ll);
	}
	if (sc_read)
		sc_read(&in_bpf, &calls);
	getrusage(RUSAGE_SELF, &ru);
	printf("iter_ns=%lld first_ns=%lld process_ns=%lld user_ns=%lld sys_ns=%lld maxrss_kb=%ld retained=%lld "
	       "floor_ns=%lld floor_calls=%lld iter_user_ns=%lld first_user_ns=%lld\n",
	       n > 1 ? t[1 + (n - 1) / 2] : first, first, cpu_ns(),
	       ru.ru_utime.tv_sec * 1000000000LL + ru.ru_utime.tv_usec * 1000LL,
	       ru.ru_stime.tv_sec * 1000000000LL + ru.ru_stime.tv_usec * 1000LL, peak_rss_kb(),
	       (long long)heap1 - (long long)heap0, in_bpf, calls, n > 1 ? u[1 + (n - 1) / 2] : u[0], u[0]);
	free(t);
	free(u);
	return 0;
}
