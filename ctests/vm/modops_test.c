// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * modops_test: a struct_ops type defined by a kernel module (ctests/vm/kmod, loaded by
 * ctests/vm/guest.sh) through the bpftool 7.5 skeleton of bpf/modops.bpf.c. The module's
 * /proc/oxbpf_testmod calls the registered operators: "data D test_1 R1 test_2 R2" or "none".
 *
 *   modops_test          shadow edits before load (data member, test_1 swapped for
 *                        ox_test_1_alt, test_2 NULLed in oxmod and filled in oxmod_alt)
 *                        reach the kernel; skeleton attach
 *                        registers; edits after load do not; bpf_link__update_map switches to
 *                        oxmod_alt; bpf_link__detach unregisters (POLLHUP on the link).
 *   modops_test missing  a local type with a member the module's type lacks loads while the
 *                        member is zero, and fails once the shadow sets it.
 *
 * stdout is the transcript scripts/vm-tests.sh compares between libbpf 1.5 and liboxbpf.
 */
#include <poll.h>
#include <bpf/libbpf.h>
#include "modops.skel.h"
#include "common.h"
#include "vm_log.h"

#define PROC "/proc/oxbpf_testmod"

static const char *state(void)
{
	static char buf[128];
	FILE *f = fopen(PROC, "r");

	buf[0] = 0;
	if (!f)
		return strerror(errno);
	if (fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
	return buf;
}

#define EXPECT(what, want)                                                                 \
	do {                                                                               \
		const char *got_ = state();                                                \
		printf("%s: %s\n", what, got_);                                            \
		OXT_CHECK(!strcmp(got_, want), "%s: module says '%s', want '%s'", what, got_, \
			  want);                                                           \
	} while (0)

static int missing(void)
{
	for (int extra = 0; extra <= 1; extra++) {
		struct modops *skel = modops__open();
		int err;

		OXT_ASSERT(skel, "modops__open: %s", strerror(errno));
		bpf_map__set_autocreate(skel->maps.oxmod_extra, true);
		skel->struct_ops.oxmod_extra->ox_missing = extra;
		err = modops__load(skel);
		printf("load with ox_missing = %d: %d (%s)\n", extra, err, err ? strerror(-err) : "ok");
		if (extra)
			OXT_CHECK(err == -EOPNOTSUPP, "a nonzero member the kernel lacks: load gave %d", err);
		else
			OXT_CHECK(!err, "a zero member the kernel lacks: load gave %d", err);
		modops__destroy(skel);
	}
	return oxt_result("modops missing member");
}

int main(int argc, char **argv)
{
	struct modops *skel;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	oxt_require_root();
	libbpf_set_print(oxt_default_print);
	OXT_SKIP_IF(access(PROC, R_OK) != 0, "oxbpf_testmod is not loaded (%s)", strerror(errno));
	EXPECT("before", "none");
	if (argc == 2 && !strcmp(argv[1], "missing"))
		return missing();

	skel = modops__open();
	OXT_ASSERT(skel, "modops__open: %s", strerror(errno));
	skel->struct_ops.oxmod->data = 42;
	skel->struct_ops.oxmod->test_1 = skel->progs.ox_test_1_alt;
	skel->struct_ops.oxmod->test_2 = NULL;
	skel->struct_ops.oxmod_alt->test_2 = skel->progs.ox_test_2;
	bpf_map__set_autoattach(skel->maps.oxmod_alt, false);
	err = modops__load(skel);
	OXT_ASSERT(!err, "modops__load: %d", err);
	skel->struct_ops.oxmod->data = 99; /* after load: must not reach the kernel */
	err = modops__attach(skel);
	OXT_ASSERT(!err, "modops__attach: %d", err);
	OXT_ASSERT(skel->links.oxmod, "skeleton attach left links.oxmod NULL");
	OXT_CHECK(!skel->links.oxmod_alt, "a map with autoattach off was attached");
	EXPECT("attached", "data 42 test_1 22 test_2 -1");

	err = bpf_link__update_map(skel->links.oxmod, skel->maps.oxmod_alt);
	printf("bpf_link__update_map: %d\n", err);
	OXT_CHECK(!err, "bpf_link__update_map: %d", err);
	EXPECT("updated", "data 7 test_1 22 test_2 702");

	err = bpf_link__detach(skel->links.oxmod);
	OXT_CHECK(!err, "bpf_link__detach: %d", err);
	struct pollfd pfd = { .fd = bpf_link__fd(skel->links.oxmod), .events = POLLIN };
	int ready = poll(&pfd, 1, 2000);

	printf("link after detach: %s\n", ready == 1 && (pfd.revents & POLLHUP) ? "POLLHUP" : "no hangup");
	OXT_CHECK(ready == 1 && (pfd.revents & POLLHUP), "no POLLHUP (revents %#x)", pfd.revents);
	EXPECT("detached", "none");
	modops__destroy(skel);
	EXPECT("destroyed", "none");
	return oxt_result("modops");
}
