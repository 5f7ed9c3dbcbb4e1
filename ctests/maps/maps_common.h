/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the map API tests: the maps.bpf.c skeleton, running its programs with
 * bpf_prog_test_run_opts (optionally on one CPU), the record layout it emits, fd counting and
 * log capture.
 */
#ifndef OXBPF_CTESTS_MAPS_COMMON_H
#define OXBPF_CTESTS_MAPS_COMMON_H

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../common.h"
#include "../vm/vm_log.h"
#include "maps.skel75.h"

/* Must match struct rec in bpf/maps.bpf.c. */
#define FILL 40
struct rec {
	__u32 seq;
	__u32 cpu;
	__u64 stamp;
	__u8 fill[FILL];
};
_Static_assert(sizeof(struct rec) == 56, "struct rec layout");

struct urec {
	__u64 val;
	__u64 tag;
};

/* Bytes bpf_ringbuf_output/bpf_perf_event_output send for record `seq`. */
static inline __u32 rec_len(__u32 seq)
{
	return 17 + (seq % 5) * 5;
}

/* What the ring buffer delivers for `seq`: 0 = discarded. */
static inline __u32 rb_len(__u32 seq)
{
	if (seq % 4 == 3)
		return 0;
	if (seq % 4 == 2)
		return sizeof(struct rec);
	return rec_len(seq);
}

/* Check the bytes of a record as produce() wrote them; returns a description or NULL. */
static inline const char *check_rec(const void *data, __u32 len, __u32 seq, __u32 cpu, __u32 run)
{
	static char why[128];
	struct rec r = {};

	if (len < 16) {
		snprintf(why, sizeof(why), "record too short (%u)", len);
		return why;
	}
	memcpy(&r, data, len < sizeof(r) ? len : sizeof(r));
	if (r.seq != seq) {
		snprintf(why, sizeof(why), "seq %u, expected %u", r.seq, seq);
		return why;
	}
	if (cpu != (__u32)-1 && r.cpu != cpu) {
		snprintf(why, sizeof(why), "seq %u: cpu %u, expected %u", seq, r.cpu, cpu);
		return why;
	}
	if (r.stamp != (__u64)run * 1000 + seq) {
		snprintf(why, sizeof(why), "seq %u: stamp %llu, expected %llu", seq,
			 (unsigned long long)r.stamp, (unsigned long long)run * 1000 + seq);
		return why;
	}
	for (__u32 k = 0; k + 16 < len && k < FILL; k++) {
		if (r.fill[k] != (__u8)((seq * 7 + k) & 0xff)) {
			snprintf(why, sizeof(why), "seq %u: fill[%u] = %u", seq, k, r.fill[k]);
			return why;
		}
	}
	return NULL;
}

/* Run `prog` once (on `cpu`, or wherever with -1); returns its return value or -errno. */
static inline int run_prog(struct bpf_program *prog, int cpu)
{
	__u64 args[1] = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args));
	int err;

	if (cpu >= 0) {
		o.flags = BPF_F_TEST_RUN_ON_CPU;
		o.cpu = cpu;
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);
	if (err)
		return -errno;
	return (int)o.retval;
}

/* produce(): `nrec` records from `first_seq`, stamped with `run`. */
static inline int produce(struct maps *skel, int cpu, __u32 first_seq, __u32 nrec, __u32 run)
{
	skel->bss->first_seq = first_seq;
	skel->bss->nrec = nrec;
	skel->bss->run = run;
	return run_prog(skel->progs.produce, cpu);
}

/* Open and load the skeleton without pinning `shared` (LIBBPF_PIN_BY_NAME) under
 * /sys/fs/bpf: only the pin test pins, under its own bpffs. Exits on failure. */
static inline struct maps *maps_open_load(void)
{
	struct maps *skel = maps__open();
	int err;

	OXT_ASSERT(skel != NULL, "maps__open: %d", -errno);
	err = bpf_map__set_pin_path(skel->maps.shared, NULL);
	OXT_ASSERT(err == 0, "bpf_map__set_pin_path(NULL): %d", err);
	err = maps__load(skel);
	OXT_ASSERT(err == 0, "maps__load: %d", err);
	return skel;
}

/* Online CPUs among the possible ones (what perf_buffer__new covers). */
static inline int online_cpus(bool *online, int max)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	char buf[256];
	int n = 0;

	memset(online, 0, max * sizeof(*online));
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	for (char *tok = strtok(buf, ",\n"); tok; tok = strtok(NULL, ",\n")) {
		int a, b;

		if (sscanf(tok, "%d-%d", &a, &b) != 2)
			b = a = atoi(tok);
		for (int c = a; c <= b && c < max; c++)
			online[c] = true;
	}
	for (int c = 0; c < max; c++)
		n += online[c];
	return n;
}

/* Every libbpf WARN and INFO line, formatted, appended here (DEBUG lines are left out: they
 * are diagnostics, not behaviour). */
static char oxt_log[1 << 16];
static size_t oxt_log_len;

static int oxt_log_cb(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int n;

	oxt_debug_log(level, fmt, ap); /* OXBPF_TEST_DEBUG_LOG: ctests/logs' logs-run-maps-* */
	if (level == LIBBPF_DEBUG)
		return 0;
	if (oxt_log_len >= sizeof(oxt_log) - 1)
		return 0;
	n = vsnprintf(oxt_log + oxt_log_len, sizeof(oxt_log) - oxt_log_len, fmt, ap);
	if (n > 0)
		oxt_log_len += (size_t)n < sizeof(oxt_log) - oxt_log_len ? (size_t)n : sizeof(oxt_log) - oxt_log_len - 1;
	return 0;
}

static inline void oxt_log_capture(void)
{
	libbpf_set_print(oxt_log_cb);
}

static inline void oxt_log_clear(void)
{
	oxt_log_len = 0;
	oxt_log[0] = 0;
}

static inline bool oxt_log_has(const char *s)
{
	return strstr(oxt_log, s) != NULL;
}

#endif
