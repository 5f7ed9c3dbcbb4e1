// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * shadow_info: a skeleton made by `oxbpf gen skeleton --shadow-info` (tcp_cc.bpf.o, CC
 * "oxbpf_cc") on the real kernel.
 *
 * `described` is `ok` plus a check that liboxbpf's log says it applied the description.
 * Built with -DCUSTOM_SHADOW, the loader supplies its own shadow type for the oxcc map
 * (tcp_cc__oxcc__SHADOW_TYPE): the members of the generated shadow in another order, and bytes
 * of its own. The skeleton's tcp_cc__shadow_info() describes that layout and hands it to the
 * library through the skeleton's extension block. Then, with `shadow_info ok`:
 *   - bpf_map__initial_value(oxcc) is sizeof(struct my_oxcc), each program slot filled by name;
 *   - edits through the caller's struct before load reach the kernel: `flags` (the CC becomes
 *     allowed for everyone: tcp_allowed_congestion_control) and a program swap (cong_avoid ->
 *     oxcc_cong_avoid_alt, counted by the BPF side under loopback traffic);
 *   - destroy removes the CC and leaves no fd behind.
 * With `shadow_info refused` (the same binary on upstream libbpf, which ignores the description
 * and would read the caller's struct in the object's layout): open fails with EOPNOTSUPP and
 * leaves no fd behind.
 * Built without CUSTOM_SHADOW (the generated shadow type), `shadow_info ok` must pass on every
 * library: described to liboxbpf, silently ignored by upstream libbpf (no warning logged).
 */
#include <stddef.h>

#include "../struct_ops/st_common.h"

#ifdef CUSTOM_SHADOW
/* The generated shadow's named members, reordered, plus bytes of the loader's own. */
struct my_oxcc {
	char mine[8];
	unsigned int flags;
	struct bpf_program *release;
	struct bpf_program *init;
	struct bpf_program *get_info;
	struct bpf_program *sndbuf_expand;
	struct bpf_program *undo_cwnd;
	struct bpf_program *cong_control;
	struct bpf_program *min_tso_segs;
	struct bpf_program *pkts_acked;
	struct bpf_program *in_ack_event;
	struct bpf_program *cwnd_event;
	struct bpf_program *set_state;
	struct bpf_program *cong_avoid;
	unsigned int key;
	struct bpf_program *ssthresh;
};
#define tcp_cc__oxcc__SHADOW_TYPE struct my_oxcc
#endif

#include "tcp_cc.skelsi.h"

#define CC "oxbpf_cc"

static int refused(void)
{
	int fds = oxt_count_fds();
	struct tcp_cc *skel;

	errno = 0;
	skel = tcp_cc__open();
	printf("open with a custom shadow type: %s (errno %d)\n", skel ? "opened" : "refused", errno);
	OXT_CHECK(!skel && errno == EOPNOTSUPP,
		  "a library that ignores the shadow info must not be handed a custom shadow type: %s, errno %d",
		  skel ? "opened" : "failed", errno);
	tcp_cc__destroy(skel);
	ST_CHECK_FDS(fds, "after the refused open");
	return oxt_result("shadow info refused");
}

int main(int argc, char **argv)
{
	struct tcp_cc *skel;
	const void *iv;
	size_t sz = 0;
	int fds, err;

	st_setup();
	if (argc == 2 && !strcmp(argv[1], "refused"))
		return refused();
	OXT_ASSERT(argc == 2 && (!strcmp(argv[1], "ok") || !strcmp(argv[1], "described")),
		   "usage: shadow_info ok|described|refused");
	OXT_ASSERT(!st_available(CC), CC " is already registered: another test holds it");
	fds = oxt_count_fds();

	skel = tcp_cc__open();
	OXT_ASSERT(skel, "tcp_cc__open: %s", strerror(errno));
	/* On liboxbpf the shadow goes through the description (its debug log says so). */
	if (!strcmp(argv[1], "described"))
		OXT_CHECK(st_log_has("struct_ops shadow info: map 'oxcc'", "members described"),
			  "liboxbpf did not apply tcp_cc__shadow_info()");
	iv = bpf_map__initial_value(skel->maps.oxcc, &sz);
	OXT_CHECK(iv == skel->struct_ops.oxcc, "skel->struct_ops.oxcc is the map's initial value");
	OXT_CHECK(sz == sizeof(*skel->struct_ops.oxcc), "initial value size %zu, want %zu", sz,
		  sizeof(*skel->struct_ops.oxcc));
	OXT_CHECK(skel->struct_ops.oxcc->init == skel->progs.oxcc_init, "init slot");
	OXT_CHECK(skel->struct_ops.oxcc->ssthresh == skel->progs.oxcc_ssthresh, "ssthresh slot");
	OXT_CHECK(skel->struct_ops.oxcc->cong_avoid == skel->progs.oxcc_cong_avoid, "cong_avoid slot");
	OXT_CHECK(skel->struct_ops.oxcc->undo_cwnd == skel->progs.oxcc_undo_cwnd, "undo_cwnd slot");
	OXT_CHECK(!skel->struct_ops.oxcc->set_state && !skel->struct_ops.oxcc->release, "empty slots");
	OXT_CHECK(skel->struct_ops.oxcc->flags == 0, "flags %u", skel->struct_ops.oxcc->flags);
#ifdef CUSTOM_SHADOW
	memcpy(skel->struct_ops.oxcc->mine, "mine!!!", 8);
#endif

	/* Edits through the shadow, before load. */
	skel->struct_ops.oxcc->flags = ST_TCP_CONG_NON_RESTRICTED;
	skel->struct_ops.oxcc->cong_avoid = skel->progs.oxcc_cong_avoid_alt;

	err = tcp_cc__load(skel);
	OXT_ASSERT(!err, "tcp_cc__load: %d", err);
	err = tcp_cc__attach(skel);
	OXT_ASSERT(!err, "tcp_cc__attach: %d", err);
	printf("registered: available %d, allowed %d\n", st_available(CC), st_allowed(CC));
	OXT_CHECK(st_available(CC), CC " is not in tcp_available_congestion_control");
	OXT_CHECK(st_allowed(CC), "flags written through the shadow did not reach the kernel: "
		  CC " is not in tcp_allowed_congestion_control");

	ST_OK(st_traffic(CC, 512), "loopback traffic through " CC);
	printf("cong_avoid calls: %llu, swapped-in program: %llu\n",
	       (unsigned long long)skel->bss->cong_avoid_calls, (unsigned long long)skel->bss->alt_calls);
	OXT_CHECK(skel->bss->alt_calls > 0, "the program swapped in through the shadow never ran");
	OXT_CHECK(skel->bss->cong_avoid_calls == 0, "the replaced program ran %llu times",
		  (unsigned long long)skel->bss->cong_avoid_calls);
#ifdef CUSTOM_SHADOW
	OXT_CHECK(!memcmp(skel->struct_ops.oxcc->mine, "mine!!!", 8), "the loader's own bytes changed");
#endif

	tcp_cc__destroy(skel);
	OXT_CHECK(st_wait_gone(CC), CC " still registered after destroy");
	ST_CHECK_FDS(fds, "after destroy");
	OXT_CHECK(!st_log_has("non-zero extra bytes", NULL), "the library complained about the skeleton");
	return oxt_result("shadow info");
}
