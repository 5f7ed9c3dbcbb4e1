// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * st_suffix: the ___suffix and unknown-member rules on the real kernel, through a bpftool 7.5
 * skeleton of bpf/st_suffix.bpf.c (struct tcp_congestion_ops___v2, members in another order
 * than the kernel's, two members the kernel lacks):
 *   - members the kernel lacks left zero: load and registration work, traffic runs the
 *     callbacks, and the library says it skipped the member;
 *   - a non-zero data member the kernel lacks (oxbpf_future_knob = 1): load fails with
 *     -ENOTSUP and a log line naming the member;
 *   - a callback the kernel lacks set through the shadow (oxbpf_future_op): the same.
 * The fd count is back to its baseline after each destroy, the failures included.
 */
#include "st_suffix.skel75.h"
#include "st_common.h"

#define NAME "oxst_sfx"

static int load_failing(const char *member, void (*edit)(struct st_suffix *), int base)
{
	struct st_suffix *skel = st_suffix__open();
	int err;

	OXT_ASSERT(skel, "st_suffix__open: %s", strerror(errno));
	edit(skel);
	st_log_reset();
	err = st_suffix__load(skel);
	printf("%s set: load %d\n", member, err);
	OXT_CHECK(err == -EOPNOTSUPP, "%s non-zero: load %d, want -ENOTSUP (%d)", member, err, -EOPNOTSUPP);
	OXT_CHECK(st_log_has("Cannot find member", member), "no log line naming %s", member);
	OXT_CHECK(!st_available(NAME), "%s registered by a failed load", NAME);
	OXT_CHECK(!st_map_created(skel->maps.st_sfx), "map created by a failed load");
	st_suffix__destroy(skel);
	ST_CHECK_FDS(base, "after the failed load");
	return err;
}

static void set_knob(struct st_suffix *s)
{
	s->struct_ops.st_sfx->oxbpf_future_knob = 1;
}

static void set_op(struct st_suffix *s)
{
	s->struct_ops.st_sfx->oxbpf_future_op = s->progs.sfx_future;
}

int main(void)
{
	struct st_suffix *skel;
	int base, err;

	st_setup();
	base = oxt_count_fds();

	skel = st_suffix__open();
	OXT_ASSERT(skel, "st_suffix__open: %s", strerror(errno));
	st_log_reset();
	err = st_suffix__load(skel);
	OXT_ASSERT(!err, "load with the unknown members zero: %d", err);
	OXT_CHECK(st_log_has("oxbpf_future_knob", "skipping"), "no log line about skipping oxbpf_future_knob");
	OXT_CHECK(st_log_has("oxbpf_future_op", "skipping"), "no log line about skipping oxbpf_future_op");
	OXT_CHECK(bpf_program__fd(skel->progs.sfx_future) == -ENOENT, "sfx_future loaded");
	err = st_suffix__attach(skel);
	OXT_ASSERT(!err, "st_suffix__attach: %d", err);
	OXT_CHECK(st_available(NAME), "%s not registered", NAME);
	ST_OK(st_traffic(NAME, 1024), "traffic through %s", NAME);
	OXT_CHECK(skel->bss->sfx_calls >= 1, "callbacks never ran");
	OXT_CHECK(skel->bss->future_calls == 0, "unloaded program ran");
	st_suffix__destroy(skel);
	OXT_CHECK(st_wait_gone(NAME), "%s still registered after destroy", NAME);
	ST_CHECK_FDS(base, "after destroy");

	load_failing("oxbpf_future_knob", set_knob, base);
	load_failing("oxbpf_future_op", set_op, base);
	return oxt_result("st_suffix");
}
