// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ring buffers on a real kernel: exactly the records produce() commits arrive, in order, with
 * their sizes and contents (discarded ones never), across many wrap-arounds of a one-page
 * ring; consume/consume_n/poll counts; a failing callback stops consumption and is returned;
 * a second ring added to the manager; ring__* accessors; user ring buffers drained by BPF
 * (submit, discard, E2BIG, ENOSPC, blocking reserve). fds are back to baseline at the end.
 */
#include <time.h>
#include "maps_common.h"

struct state {
	__u32 next_seq; /* next seq expected (discarded ones skipped) */
	__u32 run;
	int got;
	int fail_at; /* seq whose callback returns -7, or -1 */
	int bad;
};

static __u32 next_visible(__u32 seq)
{
	while (rb_len(seq) == 0)
		seq++;
	return seq;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct state *st = ctx;
	__u32 seq = next_visible(st->next_seq);
	const char *why = NULL;

	if (size != rb_len(seq)) {
		fprintf(stderr, "seq %u: size %zu, expected %u\n", seq, size, rb_len(seq));
		st->bad++;
	} else if ((why = check_rec(data, (__u32)size, seq, (__u32)-1, st->run))) {
		fprintf(stderr, "%s\n", why);
		st->bad++;
	}
	if (((uintptr_t)data & 7) != 0) {
		fprintf(stderr, "seq %u: record at %p is not 8-byte aligned\n", seq, data);
		st->bad++;
	}
	st->next_seq = seq + 1;
	st->got++;
	if ((int)seq == st->fail_at)
		return -7;
	return 0;
}

struct marker_state {
	int got;
	__u64 last_run;
};

static int on_marker(void *ctx, void *data, size_t size)
{
	struct marker_state *m = ctx;
	struct rec r;

	if (size != 16)
		return -EBADMSG;
	memcpy(&r, data, 16);
	if (r.seq != 0xffff)
		return -EBADMSG;
	m->got++;
	m->last_run = r.stamp;
	return 0;
}

/* Records produce() makes visible for seqs [first, first + n). */
static int visible(__u32 first, __u32 n)
{
	int v = 0;

	for (__u32 s = first; s < first + n; s++)
		v += rb_len(s) != 0;
	return v;
}

static void ring_buffer_tests(struct maps *skel)
{
	int rb_fd = bpf_map__fd(skel->maps.rb), rb2_fd = bpf_map__fd(skel->maps.rb2);
	struct state st = {.fail_at = -1};
	struct marker_state ms = {};
	struct ring_buffer *rb;
	struct ring *r, *r2;
	__u32 seq = 0;
	int n, want;

	errno = 0;
	OXT_CHECK(ring_buffer__new(bpf_map__fd(skel->maps.hash), on_sample, &st, NULL) == NULL && errno == EINVAL,
		  "ring_buffer__new on a hash map: errno %d", errno);
	rb = ring_buffer__new(rb_fd, on_sample, &st, NULL);
	OXT_ASSERT(rb != NULL, "ring_buffer__new: %d", -errno);
	OXT_CHECK(ring_buffer__epoll_fd(rb) >= 0, "epoll fd");
	r = ring_buffer__ring(rb, 0);
	OXT_ASSERT(r != NULL, "ring_buffer__ring(0)");
	OXT_CHECK(ring__size(r) == 4096, "ring size %zu", ring__size(r));
	OXT_CHECK(ring__map_fd(r) == rb_fd, "ring map fd %d", ring__map_fd(r));
	errno = 0;
	OXT_CHECK(ring_buffer__ring(rb, 1) == NULL && errno == ERANGE, "ring 1 absent: errno %d", errno);
	OXT_CHECK(ring_buffer__poll(rb, 0) == 0, "empty poll");
	OXT_CHECK(ring__avail_data_size(r) == 0, "empty ring");

	/* One batch through consume. */
	st.run = 1;
	OXT_CHECK(produce(skel, -1, seq, 20, st.run) == 0, "produce");
	want = visible(seq, 20);
	OXT_CHECK(skel->bss->emitted_rb == (__u32)want, "BPF emitted %u, expected %d", skel->bss->emitted_rb, want);
	OXT_CHECK(ring__avail_data_size(r) > 0 && ring__producer_pos(r) - ring__consumer_pos(r) == ring__avail_data_size(r),
		  "avail %zu", ring__avail_data_size(r));
	n = ring_buffer__consume(rb);
	OXT_CHECK(n == want && st.got == want, "consume: %d records (callback saw %d), expected %d", n, st.got, want);
	OXT_CHECK(ring__avail_data_size(r) == 0, "drained: %zu left", ring__avail_data_size(r));
	seq += 20;

	/* Many batches through poll: the one-page ring wraps around several times. */
	for (int i = 0; i < 16; i++) {
		int got0 = st.got;

		st.run = 2 + i;
		st.next_seq = seq;
		OXT_CHECK(produce(skel, -1, seq, 20, st.run) == 0, "produce batch %d", i);
		n = ring_buffer__poll(rb, 1000);
		want = visible(seq, 20);
		OXT_CHECK(n == want && st.got - got0 == want, "poll batch %d: %d (callback %d), expected %d", i, n,
			  st.got - got0, want);
		seq += 20;
	}
	OXT_CHECK(ring__consumer_pos(r) == ring__producer_pos(r), "consumer %lu, producer %lu",
		  ring__consumer_pos(r), ring__producer_pos(r));
	OXT_CHECK(ring__consumer_pos(r) > 3 * 4096, "wrapped around: consumer at %lu", ring__consumer_pos(r));

	/* consume_n over the manager, then on the ring. */
	st.run = 30;
	st.next_seq = seq;
	OXT_CHECK(produce(skel, -1, seq, 20, st.run) == 0, "produce");
	want = visible(seq, 20);
	n = ring_buffer__consume_n(rb, 4);
	OXT_CHECK(n == 4, "ring_buffer__consume_n(4): %d", n);
	n = ring__consume_n(r, 3);
	OXT_CHECK(n == 3, "ring__consume_n(3): %d", n);
	n = ring__consume(r);
	OXT_CHECK(n == want - 7, "ring__consume: %d, expected %d", n, want - 7);
	seq += 20;

	/* A failing callback: its value comes back, the record is not seen again. */
	st.run = 31;
	st.next_seq = seq;
	st.fail_at = (int)next_visible(seq + 5);
	OXT_CHECK(produce(skel, -1, seq, 20, st.run) == 0, "produce");
	errno = 0;
	n = ring_buffer__consume(rb);
	OXT_CHECK(n == -7 && errno == 7, "consume with failing callback: %d, errno %d", n, errno);
	OXT_CHECK(st.next_seq == (__u32)st.fail_at + 1, "stopped after seq %u", st.next_seq - 1);
	st.fail_at = -1;
	want = visible(st.next_seq, seq + 20 - st.next_seq);
	n = ring_buffer__consume(rb);
	OXT_CHECK(n == want && next_visible(st.next_seq) == next_visible(seq + 20), "rest after failure: %d, expected %d", n, want);
	seq += 20;

	/* A second ring with its own callback. */
	OXT_CHECK(ring_buffer__add(rb, bpf_map__fd(skel->maps.hash), on_marker, &ms) == -EINVAL,
		  "ring_buffer__add of a hash map");
	OXT_CHECK(ring_buffer__add(rb, rb2_fd, on_marker, &ms) == 0, "ring_buffer__add: %d", -errno);
	r2 = ring_buffer__ring(rb, 1);
	OXT_CHECK(r2 != NULL && ring__map_fd(r2) == rb2_fd && ring__size(r2) == 8192, "second ring");
	OXT_CHECK(ring_buffer__ring(rb, 0) == r, "first ring keeps its address");
	/* Markers of earlier runs are waiting in rb2: drain them first. */
	n = ring__consume(r2);
	OXT_CHECK(n == 1 + 16 + 1 + 1 && ms.got == n, "earlier markers: %d", n);
	st.run = 40;
	st.next_seq = seq;
	OXT_CHECK(produce(skel, -1, seq, 8, st.run) == 0, "produce");
	n = ring_buffer__consume(rb);
	OXT_CHECK(n == visible(seq, 8) + 1, "consume over two rings: %d", n);
	OXT_CHECK(ms.last_run == 40, "marker of run %llu", (unsigned long long)ms.last_run);
	seq += 8;

	OXT_CHECK(st.bad == 0, "%d bad records", st.bad);
	ring_buffer__free(rb);
	ring_buffer__free(NULL);
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void user_ring_buffer_tests(struct maps *skel)
{
	struct user_ring_buffer *urb;
	struct urec *u, *d;
	void *many[512];
	int n = 0;
	double t0;
	__u64 sum = 0;

	errno = 0;
	OXT_CHECK(user_ring_buffer__new(bpf_map__fd(skel->maps.rb), NULL) == NULL && errno == EINVAL,
		  "user_ring_buffer__new on a kernel ring buffer: errno %d", errno);
	urb = user_ring_buffer__new(bpf_map__fd(skel->maps.urb), NULL);
	OXT_ASSERT(urb != NULL, "user_ring_buffer__new: %d", -errno);

	u = user_ring_buffer__reserve(urb, sizeof(*u));
	OXT_ASSERT(u != NULL, "reserve: %d", -errno);
	u->val = 5;
	u->tag = 1;
	d = user_ring_buffer__reserve(urb, sizeof(*d));
	OXT_ASSERT(d != NULL, "reserve 2: %d", -errno);
	d->val = 1000;
	user_ring_buffer__submit(urb, u);
	user_ring_buffer__discard(urb, d);
	u = user_ring_buffer__reserve(urb, sizeof(*u));
	OXT_ASSERT(u != NULL, "reserve 3: %d", -errno);
	u->val = 7;
	user_ring_buffer__submit(urb, u);
	OXT_CHECK(run_prog(skel->progs.drain, -1) == 0, "drain");
	OXT_CHECK(skel->bss->drained == 2 && skel->bss->drained_sum == 12, "drained %llu records, sum %llu",
		  (unsigned long long)skel->bss->drained, (unsigned long long)skel->bss->drained_sum);

	errno = 0;
	OXT_CHECK(user_ring_buffer__reserve(urb, 1u << 31) == NULL && errno == E2BIG, "busy bit: errno %d", errno);
	errno = 0;
	OXT_CHECK(user_ring_buffer__reserve(urb, 4096) == NULL && errno == E2BIG, "larger than ring: errno %d", errno);
	errno = 0;
	OXT_CHECK(user_ring_buffer__reserve_blocking(urb, 8, -2) == NULL && errno == EINVAL, "timeout -2: errno %d",
		  errno);

	/* Fill it up: ENOSPC; a blocking reserve times out; draining makes room. */
	while (n < 512 && (many[n] = user_ring_buffer__reserve(urb, sizeof(struct urec)))) {
		((struct urec *)many[n])->val = n;
		sum += n;
		n++;
	}
	OXT_CHECK(n > 0 && n < 512 && errno == ENOSPC, "filled after %d samples, errno %d", n, errno);
	OXT_CHECK(n == (4096 / 24), "%d samples of 16 bytes fit a 4096-byte ring", n);
	for (int i = 0; i < n; i++)
		user_ring_buffer__submit(urb, many[i]);
	t0 = now_ms();
	errno = 0;
	OXT_CHECK(user_ring_buffer__reserve_blocking(urb, sizeof(struct urec), 60) == NULL && errno == ENOSPC,
		  "blocking reserve on a full ring: errno %d", errno);
	OXT_CHECK(now_ms() - t0 >= 50, "blocking reserve waited %.1f ms", now_ms() - t0);
	OXT_CHECK(run_prog(skel->progs.drain, -1) == 0, "drain");
	OXT_CHECK(skel->bss->drained == 2 + (__u64)n && skel->bss->drained_sum == 12 + sum, "drained %llu, sum %llu",
		  (unsigned long long)skel->bss->drained, (unsigned long long)skel->bss->drained_sum);
	u = user_ring_buffer__reserve_blocking(urb, sizeof(*u), 60);
	OXT_CHECK(u != NULL, "blocking reserve after drain: %d", -errno);
	if (u) {
		u->val = 100;
		user_ring_buffer__submit(urb, u);
	}
	OXT_CHECK(run_prog(skel->progs.drain, -1) == 0, "drain");
	OXT_CHECK(skel->bss->drained == 3 + (__u64)n, "last sample drained");
	user_ring_buffer__free(urb);
	user_ring_buffer__free(NULL);
}

int main(void)
{
	struct maps *skel;
	int fds;

	oxt_require_root();
	oxt_log_capture();
	fds = oxt_count_fds();
	skel = maps_open_load();
	ring_buffer_tests(skel);
	user_ring_buffer_tests(skel);
	maps__destroy(skel);
	OXT_CHECK(oxt_count_fds() == fds, "fds: %d after destroy, %d before", oxt_count_fds(), fds);
	return oxt_result("maps-ringbuf");
}
