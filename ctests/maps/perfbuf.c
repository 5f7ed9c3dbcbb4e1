// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Perf buffers on a real kernel: one buffer per online CPU, records produced on each CPU
 * arrive with that CPU and the kernel's padded size and intact contents, including records
 * that wrap around a one-page ring; records dropped for lack of room are reported to the lost
 * callback (received + lost = produced); raw buffers on chosen CPUs and map slots with an
 * event callback that can stop (DONE) or fail (ERROR) reading; the map slots are cleared on
 * free (bpf_perf_event_output then fails); argument errors. fds are back to baseline.
 */
#include <linux/perf_event.h>
#include "maps_common.h"

#define MAXCPU 1024

struct pstate {
	__u32 next_seq[MAXCPU];
	__u32 run;
	int got[MAXCPU];
	__u64 lost;
	int bad;
	int nocheck; /* after a loss records are not in sequence */
};

/* bpf_perf_event_output pads the raw sample so that its u32 size field plus the data end on
 * an 8-byte boundary; the callback sees the padded size. */
static __u32 padded(__u32 len)
{
	return ((len + 4 + 7) & ~7u) - 4;
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct pstate *st = ctx;
	const char *why;
	__u32 seq;

	if (cpu < 0 || cpu >= MAXCPU) {
		st->bad++;
		return;
	}
	seq = st->next_seq[cpu]++;
	if (st->nocheck) {
		if (size < 16 || size > 64)
			st->bad++;
	} else if (size != padded(rec_len(seq))) {
		fprintf(stderr, "cpu %d seq %u: size %u, expected %u\n", cpu, seq, size, padded(rec_len(seq)));
		st->bad++;
	} else if ((why = check_rec(data, rec_len(seq), seq, (__u32)cpu, st->run))) {
		fprintf(stderr, "cpu %d: %s\n", cpu, why);
		st->bad++;
	}
	st->got[cpu]++;
}

static void on_lost(void *ctx, int cpu, __u64 cnt)
{
	struct pstate *st = ctx;

	(void)cpu;
	st->lost += cnt;
}

static struct pstate st;

static void per_cpu_buffers(struct maps *skel, const bool *online, int nonline)
{
	int map_fd = bpf_map__fd(skel->maps.pb);
	long pg = sysconf(_SC_PAGESIZE);
	struct perf_buffer *pb;
	size_t sz;
	void *base;
	int n;

	memset(&st, 0, sizeof(st));
	pb = perf_buffer__new(map_fd, 8, on_sample, on_lost, &st, NULL);
	OXT_ASSERT(pb != NULL, "perf_buffer__new: %d", -errno);
	OXT_CHECK(perf_buffer__buffer_cnt(pb) == (size_t)nonline, "buffer_cnt %zu, %d CPUs online",
		  perf_buffer__buffer_cnt(pb), nonline);
	OXT_CHECK(perf_buffer__epoll_fd(pb) >= 0, "epoll fd");
	for (size_t i = 0; i < perf_buffer__buffer_cnt(pb); i++) {
		OXT_CHECK(perf_buffer__buffer_fd(pb, i) >= 0, "buffer_fd(%zu)", i);
		base = NULL;
		sz = 0;
		OXT_CHECK(perf_buffer__buffer(pb, (int)i, &base, &sz) == 0 && base && sz == 8 * (size_t)pg,
			  "buffer(%zu): %p, %zu bytes", i, base, sz);
	}
	OXT_CHECK(perf_buffer__buffer_fd(pb, perf_buffer__buffer_cnt(pb)) == -EINVAL, "buffer_fd past the end");
	OXT_CHECK(perf_buffer__consume_buffer(pb, perf_buffer__buffer_cnt(pb)) == -EINVAL, "consume_buffer past end");
	OXT_CHECK(perf_buffer__poll(pb, 0) == 0, "nothing to poll yet");

	st.run = 1;
	for (int c = 0; c < MAXCPU; c++) {
		if (!online[c])
			continue;
		st.next_seq[c] = c * 100;
		OXT_CHECK(produce(skel, c, c * 100, 10, st.run) == 0, "produce on cpu %d", c);
	}
	OXT_CHECK(skel->bss->emitted_pb == 10u * nonline, "BPF emitted %u", skel->bss->emitted_pb);
	n = perf_buffer__poll(pb, 1000);
	OXT_CHECK(n >= 1 && n <= nonline, "poll: %d buffers ready", n);
	OXT_CHECK(perf_buffer__consume(pb) == 0, "consume");
	for (int c = 0; c < MAXCPU; c++)
		if (online[c])
			OXT_CHECK(st.got[c] == 10, "cpu %d: %d records", c, st.got[c]);

	/* consume_buffer reads one buffer only. */
	for (int c = 0; c < MAXCPU; c++)
		if (online[c])
			OXT_CHECK(produce(skel, c, st.next_seq[c], 3, st.run) == 0, "produce on cpu %d", c);
	OXT_CHECK(perf_buffer__consume_buffer(pb, 0) == 0, "consume_buffer(0)");
	int first = -1;
	for (int c = 0; c < MAXCPU && first < 0; c++)
		if (online[c])
			first = c;
	OXT_CHECK(st.got[first] == 13, "buffer 0 (cpu %d): %d records", first, st.got[first]);
	OXT_CHECK(perf_buffer__consume(pb) == 0, "consume rest");
	OXT_CHECK(st.lost == 0 && st.bad == 0, "lost %llu, bad %d", (unsigned long long)st.lost, st.bad);
	perf_buffer__free(pb);

	/* The slots are cleared: output now fails in BPF. */
	skel->bss->emitted_pb = 0;
	OXT_CHECK(produce(skel, first, 0, 4, 1) == 0, "produce after free");
	OXT_CHECK(skel->bss->emitted_pb == 0, "output after free reached %u records", skel->bss->emitted_pb);
}

/* A one-page ring: records wrap around its end, and overflow is counted as lost. */
static void wrap_and_lost(struct maps *skel, int cpu)
{
	int map_fd = bpf_map__fd(skel->maps.pb);
	struct perf_buffer *pb;
	__u32 attempted = 0, emitted0;

	memset(&st, 0, sizeof(st));
	pb = perf_buffer__new(map_fd, 1, on_sample, on_lost, &st, NULL);
	OXT_ASSERT(pb != NULL, "perf_buffer__new(1 page): %d", -errno);
	st.run = 7;
	/* Fill and drain in small steps so many records straddle the end of the ring. */
	skel->bss->emitted_pb = 0;
	for (int i = 0; i < 40; i++) {
		OXT_CHECK(produce(skel, cpu, attempted, 7, st.run) == 0, "produce");
		attempted += 7;
		OXT_CHECK(perf_buffer__consume(pb) == 0, "consume");
	}
	OXT_CHECK(st.got[cpu] == (int)attempted && skel->bss->emitted_pb == attempted && st.lost == 0,
		  "wrap: %d of %u records, lost %llu", st.got[cpu], attempted, (unsigned long long)st.lost);
	OXT_CHECK(st.bad == 0, "%d bad records across wrap-arounds", st.bad);
	st.nocheck = 1;

	/* Overflow: 3 * 48 records of up to 56 bytes into 4096 without reading. */
	emitted0 = skel->bss->emitted_pb;
	for (int i = 0; i < 3; i++) {
		OXT_CHECK(produce(skel, cpu, attempted, 48, st.run) == 0, "produce");
		attempted += 48;
	}
	OXT_CHECK(skel->bss->emitted_pb - emitted0 < 3 * 48, "some output failed for lack of room");
	OXT_CHECK(perf_buffer__consume(pb) == 0, "consume");
	/* The kernel reports the loss with the next record that fits. */
	st.next_seq[cpu] = attempted;
	OXT_CHECK(produce(skel, cpu, attempted, 1, st.run) == 0, "produce");
	attempted += 1;
	OXT_CHECK(perf_buffer__consume(pb) == 0, "consume");
	OXT_CHECK(st.lost > 0 && st.lost == attempted - skel->bss->emitted_pb, "lost %llu, expected %u",
		  (unsigned long long)st.lost, attempted - skel->bss->emitted_pb);
	OXT_CHECK(st.got[cpu] == (int)skel->bss->emitted_pb, "received %d, emitted %u", st.got[cpu],
		  skel->bss->emitted_pb);
	OXT_CHECK(st.bad == 0, "%d records of implausible size", st.bad);
	perf_buffer__free(pb);
}

struct raw_state {
	int samples, others, stop_after, fail;
	__u32 cpu_seen;
	__u32 seq[16];
};

static enum bpf_perf_event_ret on_event(void *ctx, int cpu, struct perf_event_header *e)
{
	struct raw_state *rs = ctx;

	rs->cpu_seen = (__u32)cpu;
	if (rs->fail)
		return LIBBPF_PERF_EVENT_ERROR;
	if (e->type == PERF_RECORD_SAMPLE) {
		struct rec r;
		__u32 size;

		memcpy(&size, (char *)e + sizeof(*e), 4);
		memcpy(&r, (char *)e + sizeof(*e) + 4, 16);
		if (rs->samples < 16)
			rs->seq[rs->samples] = r.seq;
		rs->samples++;
	} else {
		rs->others++;
	}
	if (rs->stop_after && rs->samples == rs->stop_after)
		return LIBBPF_PERF_EVENT_DONE;
	return LIBBPF_PERF_EVENT_CONT;
}

static void raw_buffers(struct maps *skel, int cpu)
{
	int map_fd = bpf_map__fd(skel->maps.pb);
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	int cpus[1] = {cpu}, keys[1] = {cpu};
	LIBBPF_OPTS(perf_buffer_raw_opts, o, .cpu_cnt = 1, .cpus = cpus, .map_keys = keys);
	struct raw_state rs = {};
	struct perf_event_attr big = attr, v0 = attr;
	struct perf_buffer *pb;
	int n;

	errno = 0;
	OXT_CHECK(perf_buffer__new_raw(map_fd, 4, NULL, on_event, &rs, &o) == NULL && errno == EINVAL,
		  "NULL attr: errno %d", errno);
	/* A size the kernel refuses (over a page): E2BIG, and the kernel's own attr size written
	 * back into the caller's attr, as perf_event_open(2) does. */
	big.size = 8192;
	errno = 0;
	OXT_CHECK(perf_buffer__new_raw(map_fd, 4, &big, on_event, &rs, &o) == NULL && errno == E2BIG,
		  "attr size 8192: errno %d", errno);
	OXT_CHECK(big.size >= 64 && big.size < 8192, "attr size 8192 written back as %u", big.size);
	/* Size 0 is the first published size: 64 bytes are read. */
	v0.size = 0;
	pb = perf_buffer__new_raw(map_fd, 4, &v0, on_event, &rs, &o);
	OXT_CHECK(pb != NULL, "attr size 0: %d", -errno);
	perf_buffer__free(pb);
	pb = perf_buffer__new_raw(map_fd, 4, &attr, on_event, &rs, &o);
	OXT_ASSERT(pb != NULL, "perf_buffer__new_raw: %d", -errno);
	OXT_CHECK(perf_buffer__buffer_cnt(pb) == 1, "one buffer");

	OXT_CHECK(produce(skel, cpu, 500, 3, 1) == 0, "produce");
	n = perf_buffer__poll(pb, 1000);
	OXT_CHECK(n == 1, "poll: %d", n);
	OXT_CHECK(rs.samples == 3 && rs.others == 0 && rs.cpu_seen == (__u32)cpu, "raw: %d samples, %d others, cpu %u",
		  rs.samples, rs.others, rs.cpu_seen);
	OXT_CHECK(rs.seq[0] == 500 && rs.seq[2] == 502, "raw seqs %u..%u", rs.seq[0], rs.seq[2]);

	/* DONE stops reading this buffer; the rest stays for the next read. */
	rs.samples = 0;
	rs.stop_after = 1;
	OXT_CHECK(produce(skel, cpu, 600, 3, 1) == 0, "produce");
	OXT_CHECK(perf_buffer__consume(pb) == 0, "consume with DONE");
	OXT_CHECK(rs.samples == 1 && rs.seq[0] == 600, "DONE after %d samples", rs.samples);
	rs.stop_after = 0;
	OXT_CHECK(perf_buffer__consume(pb) == 0, "consume rest");
	OXT_CHECK(rs.samples == 3 && rs.seq[2] == 602, "rest: %d samples", rs.samples);

	/* ERROR is returned. */
	rs.fail = 1;
	OXT_CHECK(produce(skel, cpu, 700, 1, 1) == 0, "produce");
	errno = 0;
	n = perf_buffer__consume(pb);
	OXT_CHECK(n == LIBBPF_PERF_EVENT_ERROR, "consume with ERROR: %d", n);
	OXT_CHECK(perf_buffer__consume_buffer(pb, 0) == 0, "the failed record was consumed");
	perf_buffer__free(pb);
}

int main(void)
{
	bool online[MAXCPU];
	int nonline, last = 0, ncpus;
	struct maps *skel;
	int fds;

	oxt_require_root();
	oxt_log_capture();
	ncpus = libbpf_num_possible_cpus();
	nonline = online_cpus(online, MAXCPU);
	OXT_ASSERT(ncpus > 0 && nonline > 0, "CPUs: %d possible, %d online", ncpus, nonline);
	for (int c = ncpus; c < MAXCPU; c++)
		if (online[c])
			nonline--, online[c] = false;
	for (int c = 0; c < MAXCPU; c++)
		if (online[c])
			last = c;
	fds = oxt_count_fds();
	skel = maps_open_load();

	errno = 0;
	OXT_CHECK(perf_buffer__new(bpf_map__fd(skel->maps.hash), 8, on_sample, NULL, &st, NULL) == NULL &&
		  errno == EINVAL, "perf_buffer__new on a hash map: errno %d", errno);
	OXT_CHECK(oxt_log_has("map 'hash' should be BPF_MAP_TYPE_PERF_EVENT_ARRAY"), "log: %s", oxt_log);
	errno = 0;
	OXT_CHECK(perf_buffer__new(bpf_map__fd(skel->maps.pb), 3, on_sample, NULL, &st, NULL) == NULL &&
		  errno == EINVAL, "3 pages: errno %d", errno);
	OXT_CHECK(oxt_log_has("page count should be power of two, but is 3"), "log: %s", oxt_log);

	per_cpu_buffers(skel, online, nonline);
	wrap_and_lost(skel, last);
	raw_buffers(skel, last);
	perf_buffer__free(NULL);
	maps__destroy(skel);
	OXT_CHECK(oxt_count_fds() == fds, "fds: %d after destroy, %d before", oxt_count_fds(), fds);
	return oxt_result("maps-perfbuf");
}
