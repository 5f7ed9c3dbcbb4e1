// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * st_cc: TCP congestion controls of bpf/st_cc.bpf.c through a bpftool 7.5 skeleton, on the
 * real kernel. One mode per meson test (each also run on upstream libbpf 1.5 as *-ref):
 *
 *   register  both .struct_ops.link maps auto-attached by the skeleton under names written
 *             into their shadows; each name is in tcp_available_congestion_control; loopback
 *             traffic through each runs its callbacks (.bss counters, the hash map updated by
 *             a subprogram, the CO-RE read of tcp_sock), the programs shared by both maps run
 *             for both; the ?.struct_ops.link map and its programs are not created or loaded;
 *             skeleton detach unregisters both.
 *   swap      shadow edits before load: st_cong_avoid_alt swapped into cong_avoid (it runs, the
 *             swapped-out program is not loaded), init NULLed (never runs), flags =
 *             TCP_CONG_NON_RESTRICTED (the name appears in tcp_allowed_congestion_control);
 *             edits after load (name, flags, a callback) do not reach the kernel;
 *             bpf_map__set_autoattach(false) keeps the skeleton from attaching a map.
 *   update    bpf_link__update_map swaps the live implementation from st_a to st_b (st_b's
 *             callbacks start counting, st_a's stop); bpf_link__detach makes epoll report
 *             EPOLLHUP on the link fd and the name disappears.
 *   fail      load failures with their errno and log line: a member pointing at something
 *             that is not a struct_ops program (-ENOTSUP), one program in two different
 *             members (-EINVAL), a struct_ops program referenced nowhere (-EINVAL); and an
 *             attach the kernel refuses (empty name). After each, the fd count is back to
 *             its baseline.
 *
 * Every mode ends by checking that destroying the skeleton brings the fd count back to what
 * it was before open.
 */
#include <sys/epoll.h>

#include "st_cc.skel75.h"
#include "st_common.h"

static void set_name(char dst[16], const char *name)
{
	memset(dst, 0, 16);
	strncpy(dst, name, 15);
}

/* Events the subprogram recorded for `kind` (0 when absent). */
static __u64 events(struct st_cc *skel, __u32 kind)
{
	__u64 v = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.st_events), &kind, &v))
		return 0;
	return v;
}

static struct st_cc *open_named(const char *a, const char *b)
{
	struct st_cc *skel = st_cc__open();

	OXT_ASSERT(skel, "st_cc__open: %s", strerror(errno));
	set_name(skel->struct_ops.st_a->__unsupported_11, a);
	set_name(skel->struct_ops.st_b->__unsupported_11, b);
	return skel;
}

static int mode_register(void)
{
	const char *na = "oxst_reg_a", *nb = "oxst_reg_b";
	int base = oxt_count_fds();
	struct st_cc *skel = open_named(na, nb);
	int err;

	OXT_CHECK(!bpf_map__autocreate(skel->maps.st_off), "?.struct_ops.link map has autocreate on");
	OXT_CHECK(bpf_map__map_flags(skel->maps.st_a) & ST_BPF_F_LINK, "st_a lacks BPF_F_LINK");
	err = st_cc__load(skel);
	OXT_ASSERT(!err, "st_cc__load: %d", err);

	/* Not created, not loaded: the ?.struct_ops.link map and what only it references. */
	OXT_CHECK(!st_map_created(skel->maps.st_off), "st_off was created");
	OXT_CHECK(bpf_program__fd(skel->progs.st_off_ssthresh) == -ENOENT, "st_off_ssthresh loaded");
	OXT_CHECK(bpf_program__fd(skel->progs.st_off_cong_avoid) == -ENOENT, "st_off_cong_avoid loaded");
	OXT_CHECK(bpf_program__fd(skel->progs.st_off_undo) == -ENOENT, "st_off_undo loaded");
	OXT_CHECK(!bpf_program__autoload(skel->progs.st_off_undo), "st_off_undo autoload still on");
	OXT_CHECK(bpf_program__fd(skel->progs.st_cong_avoid_alt) == -ENOENT, "unreferenced alt loaded");
	/* Shared programs load once, for both maps. */
	OXT_CHECK(bpf_program__fd(skel->progs.st_init) >= 0, "st_init not loaded");
	OXT_CHECK(bpf_program__fd(skel->progs.st_cong_avoid_a) >= 0, "st_cong_avoid_a not loaded");
	OXT_CHECK(bpf_program__fd(skel->progs.st_cong_avoid_b) >= 0, "st_cong_avoid_b not loaded");
	OXT_CHECK(!st_available(na), "%s registered by load alone", na);

	err = st_cc__attach(skel);
	OXT_ASSERT(!err, "st_cc__attach: %d", err);
	OXT_CHECK(skel->links.st_a && skel->links.st_b, "skeleton map link slots not filled");
	OXT_CHECK(st_available(na), "%s not in tcp_available_congestion_control", na);
	OXT_CHECK(st_available(nb), "%s not in tcp_available_congestion_control", nb);

	ST_OK(st_traffic(na, 2048), "traffic through %s", na);
	printf("after %s: init %llu ssthresh %llu a %llu b %llu undo %llu cwnd %u\n", na,
	       (unsigned long long)skel->bss->init_calls,
	       (unsigned long long)skel->bss->ssthresh_calls,
	       (unsigned long long)skel->bss->a_calls, (unsigned long long)skel->bss->b_calls,
	       (unsigned long long)skel->bss->undo_calls, skel->bss->last_init_cwnd);
	OXT_CHECK(skel->bss->init_calls >= 1, "init never ran");
	OXT_CHECK(skel->bss->a_calls >= 1, "st_a's cong_avoid never ran");
	OXT_CHECK(skel->bss->b_calls == 0, "st_b's cong_avoid ran for %s", na);
	OXT_CHECK(skel->bss->last_init_cwnd > 0, "CO-RE read of snd_cwnd gave 0");
	OXT_CHECK(events(skel, 0) == skel->bss->init_calls, "hash map: init events %llu != %llu",
		  (unsigned long long)events(skel, 0), (unsigned long long)skel->bss->init_calls);
	OXT_CHECK(events(skel, 2) == skel->bss->a_calls, "hash map: cong_avoid_a events %llu != %llu",
		  (unsigned long long)events(skel, 2), (unsigned long long)skel->bss->a_calls);

	__u64 init_before = skel->bss->init_calls;

	ST_OK(st_traffic(nb, 2048), "traffic through %s", nb);
	OXT_CHECK(skel->bss->b_calls >= 1, "st_b's cong_avoid never ran");
	OXT_CHECK(skel->bss->init_calls > init_before, "shared init did not run for st_b");
	OXT_CHECK(events(skel, 3) == skel->bss->b_calls, "hash map: cong_avoid_b events");
	OXT_CHECK(skel->bss->off_calls == 0 && skel->bss->alt_calls == 0, "unloaded programs ran");

	st_cc__detach(skel);
	OXT_CHECK(!skel->links.st_a && !skel->links.st_b, "detach left link slots");
	OXT_CHECK(st_wait_gone(na) && st_wait_gone(nb), "still registered after skeleton detach");
	st_cc__destroy(skel);
	ST_CHECK_FDS(base, "after destroy");
	return 0;
}

static int mode_swap(void)
{
	const char *na = "oxst_swap", *late = "oxst_swap_late";
	int base = oxt_count_fds();
	struct st_cc *skel = open_named(na, "oxst_swap_b");
	int err;

	skel->struct_ops.st_a->cong_avoid = skel->progs.st_cong_avoid_alt;
	skel->struct_ops.st_a->init = NULL;
	skel->struct_ops.st_a->flags = ST_TCP_CONG_NON_RESTRICTED;
	OXT_CHECK(!bpf_program__autoload(skel->progs.st_cong_avoid_alt), "alt autoload on at open");
	OXT_CHECK(bpf_map__autoattach(skel->maps.st_b), "struct_ops map autoattach off at open");
	ST_OK(bpf_map__set_autoattach(skel->maps.st_b, false), "set_autoattach(false)");
	OXT_CHECK(!bpf_map__autoattach(skel->maps.st_b), "autoattach still on");

	err = st_cc__load(skel);
	OXT_ASSERT(!err, "st_cc__load: %d", err);
	OXT_CHECK(bpf_program__fd(skel->progs.st_cong_avoid_alt) >= 0, "swapped-in program not loaded");
	OXT_CHECK(bpf_program__autoload(skel->progs.st_cong_avoid_alt), "swapped-in autoload off");
	OXT_CHECK(bpf_program__fd(skel->progs.st_cong_avoid_a) == -ENOENT,
		  "swapped-out program loaded (fd %d)", bpf_program__fd(skel->progs.st_cong_avoid_a));
	/* st_init stays loaded: st_b still references it. */
	OXT_CHECK(bpf_program__fd(skel->progs.st_init) >= 0, "st_init (used by st_b) not loaded");

	/* After load the shadow is no longer read: none of this may reach the kernel. */
	set_name(skel->struct_ops.st_a->__unsupported_11, late);
	skel->struct_ops.st_a->flags = 0;
	skel->struct_ops.st_a->cong_avoid = skel->progs.st_cong_avoid_b;

	err = st_cc__attach(skel);
	OXT_ASSERT(!err, "st_cc__attach: %d", err);
	OXT_CHECK(skel->links.st_a != NULL, "st_a not auto-attached");
	OXT_CHECK(skel->links.st_b == NULL, "st_b auto-attached despite set_autoattach(false)");
	OXT_CHECK(st_available(na), "%s not registered", na);
	OXT_CHECK(!st_available("oxst_swap_b"), "st_b registered despite set_autoattach(false)");
	OXT_CHECK(!st_available(late), "a name written after load reached the kernel");
	OXT_CHECK(st_allowed(na), "%s not in tcp_allowed_congestion_control (flags from the shadow)", na);

	ST_OK(st_traffic(na, 2048), "traffic through %s", na);
	printf("after %s: init %llu a %llu b %llu alt %llu\n", na,
	       (unsigned long long)skel->bss->init_calls, (unsigned long long)skel->bss->a_calls,
	       (unsigned long long)skel->bss->b_calls, (unsigned long long)skel->bss->alt_calls);
	OXT_CHECK(skel->bss->alt_calls >= 1, "swapped-in cong_avoid never ran");
	OXT_CHECK(events(skel, 4) == skel->bss->alt_calls, "hash map: alt events");
	OXT_CHECK(skel->bss->a_calls == 0, "swapped-out cong_avoid ran");
	OXT_CHECK(skel->bss->b_calls == 0, "cong_avoid set after load ran");
	OXT_CHECK(skel->bss->init_calls == 0, "NULLed init ran");

	st_cc__destroy(skel);
	OXT_CHECK(st_wait_gone(na), "%s still registered after destroy", na);
	OXT_CHECK(!st_allowed(na), "%s still allowed after destroy", na);
	ST_CHECK_FDS(base, "after destroy");
	return 0;
}

static int mode_update(void)
{
	const char *name = "oxst_upd";
	int base = oxt_count_fds();
	struct st_cc *skel = open_named(name, name);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLHUP }, got;
	int err, ep, n;

	bpf_map__set_autoattach(skel->maps.st_b, false);
	err = st_cc__load(skel);
	OXT_ASSERT(!err, "st_cc__load: %d", err);
	err = st_cc__attach(skel);
	OXT_ASSERT(!err, "st_cc__attach: %d", err);
	struct bpf_link *link = skel->links.st_a;

	OXT_ASSERT(link, "st_a not attached");
	OXT_CHECK(st_available(name), "%s not registered", name);
	ST_OK(st_traffic(name, 1024), "traffic before update");
	OXT_CHECK(skel->bss->a_calls >= 1 && skel->bss->b_calls == 0, "before update: a %llu b %llu",
		  (unsigned long long)skel->bss->a_calls, (unsigned long long)skel->bss->b_calls);

	err = bpf_link__update_map(link, skel->maps.st_events);
	OXT_CHECK(err == -EINVAL, "update_map to a hash map: %d, want -EINVAL", err);
	err = bpf_link__update_map(link, skel->maps.st_b);
	OXT_ASSERT(!err, "bpf_link__update_map(st_b): %d", err);
	OXT_CHECK(st_available(name), "%s gone after update", name);
	__u64 a_before = skel->bss->a_calls;

	ST_OK(st_traffic(name, 1024), "traffic after update");
	printf("after update: a %llu (was %llu) b %llu\n", (unsigned long long)skel->bss->a_calls,
	       (unsigned long long)a_before, (unsigned long long)skel->bss->b_calls);
	OXT_CHECK(skel->bss->b_calls >= 1, "st_b's cong_avoid never ran after update");
	OXT_CHECK(skel->bss->a_calls == a_before, "st_a's cong_avoid still ran after update");

	ep = epoll_create1(EPOLL_CLOEXEC);
	OXT_ASSERT(ep >= 0, "epoll_create1: %s", strerror(errno));
	ST_OK(epoll_ctl(ep, EPOLL_CTL_ADD, bpf_link__fd(link), &ev), "epoll_ctl(link fd): %s",
		   strerror(errno));
	n = epoll_wait(ep, &got, 1, 0);
	OXT_CHECK(n == 0, "link fd ready before detach (%d, events 0x%x)", n, n > 0 ? got.events : 0);
	err = bpf_link__detach(link);
	OXT_ASSERT(!err, "bpf_link__detach: %d", err);
	n = epoll_wait(ep, &got, 1, 1000);
	OXT_CHECK(n == 1 && (got.events & EPOLLHUP), "after detach: epoll %d events 0x%x", n,
		  n > 0 ? got.events : 0);
	close(ep);
	OXT_CHECK(st_wait_gone(name), "%s still registered after detach", name);

	st_cc__destroy(skel);
	ST_CHECK_FDS(base, "after destroy");
	return 0;
}

/* Open with names set, apply `edit`, load: returns load's result, the skeleton destroyed. */
static int load_with(void (*edit)(struct st_cc *), int base, const char *what)
{
	struct st_cc *skel = open_named("oxst_fail_a", "oxst_fail_b");
	int err;

	edit(skel);
	st_log_reset();
	err = st_cc__load(skel);
	printf("%s: load %d\n", what, err);
	st_cc__destroy(skel);
	ST_CHECK_FDS(base, what);
	return err;
}

static void edit_not_a_program(struct st_cc *s)
{
	/* A pointer that is no program of this object. */
	s->struct_ops.st_a->cong_avoid = (struct bpf_program *)s->maps.st_events;
}

static void edit_reuse(struct st_cc *s)
{
	/* st_undo already sits in undo_cwnd: a second member needs another attach point. */
	s->struct_ops.st_a->ssthresh = s->progs.st_undo;
}

static void edit_unreferenced(struct st_cc *s)
{
	bpf_program__set_autoload(s->progs.st_cong_avoid_alt, true);
}

static int mode_fail(void)
{
	int base = oxt_count_fds();
	int err;

	err = load_with(edit_not_a_program, base, "not a struct_ops program");
	OXT_CHECK(err == -EOPNOTSUPP, "load: %d, want -EOPNOTSUPP", err);
	OXT_CHECK(st_log_has("st_a", "is not a struct_ops program"), "no log line naming the member");

	err = load_with(edit_reuse, base, "program in two members");
	OXT_CHECK(err == -EINVAL, "load: %d, want -EINVAL", err);
	OXT_CHECK(st_log_has("invalid reuse of prog st_undo", NULL), "no log line naming the reuse");

	err = load_with(edit_unreferenced, base, "program referenced nowhere");
	OXT_CHECK(err == -EINVAL, "load: %d, want -EINVAL", err);
	OXT_CHECK(st_log_has("st_cong_avoid_alt", "isn't referenced anywhere"), "no log line naming the program");

	/* The kernel refuses an empty CC name at registration; nothing may stay behind. */
	struct st_cc *skel = open_named("", "oxst_fail_b");

	bpf_map__set_autoattach(skel->maps.st_b, false);
	err = st_cc__load(skel);
	OXT_ASSERT(!err, "load with an empty name: %d", err);
	int loaded = oxt_count_fds();
	struct bpf_link *l = bpf_map__attach_struct_ops(skel->maps.st_a);

	OXT_CHECK(!l && errno == EINVAL, "attach with an empty name: %p errno %d", (void *)l, errno);
	ST_CHECK_FDS(loaded, "after the refused attach");
	err = st_cc__attach(skel);
	OXT_CHECK(err == -EINVAL, "skeleton attach with an empty name: %d", err);
	OXT_CHECK(skel->links.st_a == NULL, "failed attach left a link");
	ST_CHECK_FDS(loaded, "after the refused skeleton attach");
	st_cc__destroy(skel);
	ST_CHECK_FDS(base, "after destroy");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	st_setup();
	if (!strcmp(mode, "register"))
		mode_register();
	else if (!strcmp(mode, "swap"))
		mode_swap();
	else if (!strcmp(mode, "update"))
		mode_update();
	else if (!strcmp(mode, "fail"))
		mode_fail();
	else {
		fprintf(stderr, "usage: %s register|swap|update|fail\n", argv[0]);
		return 2;
	}
	return oxt_result(mode);
}
