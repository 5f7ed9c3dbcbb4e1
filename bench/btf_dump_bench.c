/* btf_dump_bench FILE ROUNDS: CPU time of dumping FILE's BTF as C (bpftool's sequence:
 * btf_dump__new, btf_dump__dump_type for every id, btf_dump__free) through a vfprintf callback
 * into a stdio stream that counts and drops it, ROUNDS times with a fresh dumper each; prints the fastest round's CPU time in
 * microseconds ("min_us N") and the bytes one round printed. Parsing the BTF is not timed.
 * Built once against libbpf 1.5 and once against liboxbpf by scripts/bench-btf-dump.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/btf.h>

static FILE *sink;
static long long sink_bytes;

/* The sink: a stdio stream (so callbacks format as bpftool's do) that counts and drops. */
static ssize_t count_write(void *cookie, const char *buf, size_t size)
{
	sink_bytes += size;
	return size;
}

static void print_cb(void *ctx, const char *fmt, va_list args)
{
	vfprintf(sink, fmt, args);
}

static long long cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	long long best = -1, t0, t;
	struct btf *btf;
	int rounds, r;
	__u32 id, cnt;

	if (argc != 3) {
		fprintf(stderr, "usage: btf_dump_bench FILE ROUNDS\n");
		return 2;
	}
	rounds = atoi(argv[2]);
	btf = btf__parse(argv[1], NULL);
	if (!btf) {
		fprintf(stderr, "parse %s: %d\n", argv[1], -errno);
		return 1;
	}
	sink = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = count_write });
	cnt = btf__type_cnt(btf);
	for (r = 0; r < rounds; r++) {
		struct btf_dump *d;

		t0 = cpu_us();
		d = btf_dump__new(btf, print_cb, NULL, NULL);
		if (!d)
			return 1;
		for (id = 1; id < cnt; id++) {
			if (btf_dump__dump_type(d, id))
				return 1;
		}
		btf_dump__free(d);
		fflush(sink);
		t = cpu_us() - t0;
		if (best < 0 || t < best)
			best = t;
	}
	printf("min_us %lld bytes %lld\n", best, sink_bytes / rounds);
	fclose(sink);
	btf__free(btf);
	return 0;
}
