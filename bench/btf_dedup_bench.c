// CPU time of btf__dedup on large inputs; built against libbpf 1.5's headers and run on
// libbpf 1.5 and on liboxbpf by scripts/bench-btf-dedup.sh, which prints the ratio.
//
//   btf_dedup_bench ITERATIONS LABEL FILE... [-- LABEL FILE...]...
//
// For each LABEL, FILEs (raw BTF or ELF objects) are concatenated into one BTF (see
// ctests/btf_dedup/btf_concat.h); each iteration parses a fresh copy (not timed) and times
// btf__dedup alone with the process CPU clock (every thread counts). Prints, per label:
//   LABEL cpu_ms_per_dedup types_before types_after
#include <time.h>
#include "../ctests/btf_dedup/btf_concat.h"

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int bench(int iters, const char *label, char **files, int n)
{
	size_t len;
	void *raw = build_raw(NULL, files, n, &len);
	unsigned before = 0, after = 0;
	double total = 0;

	for (int i = 0; i < iters; i++) {
		struct btf *btf = btf__new(raw, len);
		double t0;
		int err;

		if (!btf) {
			fprintf(stderr, "%s: cannot parse: %d\n", label, errno);
			return 1;
		}
		before = btf__type_cnt(btf);
		t0 = cpu_ms();
		err = btf__dedup(btf, NULL);
		total += cpu_ms() - t0;
		if (err) {
			fprintf(stderr, "%s: btf__dedup: %d\n", label, err);
			return 1;
		}
		after = btf__type_cnt(btf);
		btf__free(btf);
	}
	printf("%s %.1f %u %u\n", label, total / iters, before, after);
	free(raw);
	return 0;
}

int main(int argc, char **argv)
{
	int iters, i = 2;

	if (argc < 4) {
		fprintf(stderr, "usage: %s ITERATIONS LABEL FILE... [-- LABEL FILE...]...\n", argv[0]);
		return 2;
	}
	iters = atoi(argv[1]);
	while (i < argc) {
		int start = i + 1, end = start;

		while (end < argc && strcmp(argv[end], "--"))
			end++;
		if (bench(iters, argv[i], argv + start, end - start))
			return 1;
		i = end + 1;
	}
	return 0;
}
