// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * st_legacy: a legacy SEC(".struct_ops") congestion control (ctests/bpf/tcp_cc_legacy.bpf.c,
 * no BPF_F_LINK) through a bpftool 7.1 skeleton, which knows nothing of map links:
 *   - skeleton attach does not register it (the skeleton is too old for map auto-attach;
 *     see below for libbpf 1.5);
 *   - bpf_map__attach_struct_ops registers it (a map update, no kernel link: the "link" fd is
 *     the map's own), traffic runs its callbacks;
 *   - bpf_link__destroy unregisters it (deletes the map element);
 *   - destroying the skeleton brings the fd count back to its baseline.
 *
 * Built against libbpf 1.5's headers, the bpftool 7.1 skeleton declares 32-byte map entries
 * (map_skel_sz 32) but never fills their link slot; libbpf 1.5's bpf_object__attach_skeleton
 * then dereferences that NULL slot and crashes. liboxbpf skips NULL slots, so the skeleton
 * attach step runs under liboxbpf only.
 */
#include "tcp_cc_legacy.skel71.h"
#include "st_common.h"

#define NAME "oxbpf_ccl"

int main(void)
{
	struct tcp_cc_legacy *skel;
	struct bpf_link *link;
	int base, err;

	st_setup();
	base = oxt_count_fds();
	skel = tcp_cc_legacy__open();
	OXT_ASSERT(skel, "tcp_cc_legacy__open: %s", strerror(errno));
	OXT_CHECK(!(bpf_map__map_flags(skel->maps.oxccl) & ST_BPF_F_LINK), "legacy map has BPF_F_LINK");
	err = tcp_cc_legacy__load(skel);
	OXT_ASSERT(!err, "tcp_cc_legacy__load: %d", err);
#ifdef OXBPF_IMPL
	err = tcp_cc_legacy__attach(skel);
	OXT_ASSERT(!err, "tcp_cc_legacy__attach: %d", err);
	OXT_CHECK(!st_available(NAME), "a bpftool 7.1 skeleton's attach registered %s", NAME);
#else
	printf("skipping tcp_cc_legacy__attach: libbpf 1.5 crashes on this skeleton's NULL map link slots\n");
#endif

	link = bpf_map__attach_struct_ops(skel->maps.oxccl);
	OXT_ASSERT(link, "bpf_map__attach_struct_ops: %s", strerror(errno));
	OXT_CHECK(bpf_link__fd(link) == bpf_map__fd(skel->maps.oxccl), "legacy link fd %d is not the map fd %d",
		  bpf_link__fd(link), bpf_map__fd(skel->maps.oxccl));
	OXT_CHECK(st_available(NAME), "%s not registered", NAME);
	ST_OK(st_traffic(NAME, 2048), "traffic through %s", NAME);
	printf("counters: init %llu ssthresh %llu cong_avoid %llu undo %llu\n",
	       (unsigned long long)skel->bss->init_calls, (unsigned long long)skel->bss->ssthresh_calls,
	       (unsigned long long)skel->bss->cong_avoid_calls, (unsigned long long)skel->bss->undo_calls);
	OXT_CHECK(skel->bss->init_calls >= 1, "init never ran");
	OXT_CHECK(skel->bss->cong_avoid_calls >= 1, "cong_avoid never ran");
	OXT_CHECK(skel->bss->last_init_cwnd > 0, "CO-RE read of snd_cwnd gave 0");

	/* A second registration of the same map is refused by the kernel. */
	struct bpf_link *again = bpf_map__attach_struct_ops(skel->maps.oxccl);

	OXT_CHECK(!again && errno == EBUSY, "second attach: %p errno %d, want EBUSY", (void *)again, errno);

	err = bpf_link__destroy(link);
	OXT_CHECK(!err, "bpf_link__destroy: %d", err);
	OXT_CHECK(st_wait_gone(NAME), "%s still registered after bpf_link__destroy", NAME);

	tcp_cc_legacy__destroy(skel);
	ST_CHECK_FDS(base, "after destroy");
	return oxt_result("st_legacy");
}
