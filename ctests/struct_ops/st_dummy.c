// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * st_dummy: bpf_dummy_ops (ctests/bpf/dummy_ops.bpf.c) through its bpftool 7.5 skeleton. The
 * kernel's bpf_dummy_ops exists for testing: its maps are created and its programs load (and
 * run through BPF_PROG_TEST_RUN), but registration is refused. Checks:
 *   - load: dummy_1 created, dummy_2 (?.struct_ops) not, all three programs loaded;
 *   - test_1 runs through BPF_PROG_TEST_RUN with the kernel's state argument;
 *   - bpf_map__attach_struct_ops(dummy_1) fails with the kernel's errno (the same as with
 *     libbpf 1.5), with a log line naming the map under liboxbpf, and leaves no fd behind;
 *   - skeleton attach fails the same way and leaves the link slot NULL;
 *   - after bpf_map__set_autoattach(dummy_1, false) skeleton attach succeeds without trying;
 *   - destroy brings the fd count back to its baseline.
 */
#include "dummy_ops.skel75.h"
#include "st_common.h"

struct dummy_state {
	int val;
};

int main(void)
{
	struct dummy_ops *skel;
	struct bpf_link *link;
	int base, loaded, err, want;

	st_setup();
	base = oxt_count_fds();
	skel = dummy_ops__open();
	OXT_ASSERT(skel, "dummy_ops__open: %s", strerror(errno));
	err = dummy_ops__load(skel);
	OXT_ASSERT(!err, "dummy_ops__load: %d", err);
	OXT_CHECK(st_map_created(skel->maps.dummy_1), "dummy_1 not created");
	OXT_CHECK(!st_map_created(skel->maps.dummy_2), "dummy_2 (?.struct_ops) created");
	OXT_CHECK(bpf_program__fd(skel->progs.test_1) >= 0, "test_1 not loaded");
	OXT_CHECK(bpf_program__fd(skel->progs.test_2) >= 0, "test_2 not loaded");
	OXT_CHECK(bpf_program__fd(skel->progs.test_sleepable) >= 0, "test_sleepable not loaded");

	/* The program loaded against bpf_dummy_ops.test_1 runs with the state it is given. */
	struct dummy_state state = { .val = 7 };
	__u64 args[1] = { (__u64)(unsigned long)&state };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = args, .ctx_size_in = sizeof(args));

	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.test_1), &topts);
	OXT_CHECK(!err, "test run of test_1: %d", err);
	OXT_CHECK(topts.retval == 7, "test_1 returned %u, want 7", topts.retval);
	OXT_CHECK(state.val == 0x5a, "test_1 left state.val %d, want 0x5a", state.val);
	OXT_CHECK(skel->bss->test_1_result == 7, "test_1_result %d", skel->bss->test_1_result);

	loaded = oxt_count_fds();
	st_log_reset();
	link = bpf_map__attach_struct_ops(skel->maps.dummy_1);
	want = errno;
	printf("bpf_map__attach_struct_ops(dummy_1): %p, errno %d (%s)\n", (void *)link, want, strerror(want));
	OXT_CHECK(!link, "the kernel registered bpf_dummy_ops");
	OXT_CHECK(want == EOPNOTSUPP, "errno %d, want EOPNOTSUPP (the kernel's answer)", want);
	/* libbpf 1.5 returns the kernel's errno without a log line (ctests/logs compares). */
	OXT_CHECK(!st_log_has("dummy_1", NULL), "a log line names dummy_1 after the refused registration");
	ST_CHECK_FDS(loaded, "after the refused registration");

	err = dummy_ops__attach(skel);
	OXT_CHECK(err == -want, "skeleton attach: %d, want %d", err, -want);
	OXT_CHECK(skel->links.dummy_1 == NULL, "failed auto-attach left a link");
	OXT_CHECK(st_log_has("dummy_1", "failed to auto-attach"), "no log line naming the map");
	ST_CHECK_FDS(loaded, "after the refused skeleton attach");

	ST_OK(bpf_map__set_autoattach(skel->maps.dummy_1, false), "set_autoattach(false)");
	err = dummy_ops__attach(skel);
	OXT_CHECK(!err, "skeleton attach with autoattach off: %d", err);
	OXT_CHECK(skel->links.dummy_1 == NULL, "autoattach off, yet a link");
	ST_CHECK_FDS(loaded, "after the skeleton attach with autoattach off");

	dummy_ops__destroy(skel);
	ST_CHECK_FDS(base, "after destroy");
	return oxt_result("st_dummy");
}
