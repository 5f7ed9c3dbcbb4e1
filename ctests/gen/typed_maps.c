// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `oxbpf gen skeleton --typed-maps`: the typed helpers of tcp_cc's oxcc_events map
 * (hash, __u32 -> __u64) on the real kernel, after loading the skeleton: update, lookup,
 * BPF_NOEXIST conflict, delete, lookup of a deleted key. The same program runs on upstream
 * libbpf 1.5 and on liboxbpf. Needs root (skips otherwise). */
#include <errno.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "tcp_cc.skeltyped.h"
#include "common.h"

int main(void)
{
	struct tcp_cc *skel;
	__u32 key = 3, missing = 5;
	__u64 val = 42, out = 0;
	int err;

	oxt_require_root();
	skel = tcp_cc__open_and_load();
	OXT_ASSERT(skel, "tcp_cc__open_and_load: %d", -errno);

	err = tcp_cc__oxcc_events__update(skel, &key, &val, BPF_ANY);
	OXT_CHECK(err == 0, "update: %d", err);
	err = tcp_cc__oxcc_events__lookup(skel, &key, &out, 0);
	OXT_CHECK(err == 0 && out == 42, "lookup: %d, value %llu", err, (unsigned long long)out);
	val = 7;
	err = tcp_cc__oxcc_events__update(skel, &key, &val, BPF_NOEXIST);
	OXT_CHECK(err == -EEXIST, "update BPF_NOEXIST of a present key: %d (want -EEXIST)", err);
	err = tcp_cc__oxcc_events__lookup(skel, &missing, &out, 0);
	OXT_CHECK(err == -ENOENT, "lookup of a missing key: %d (want -ENOENT)", err);
	err = tcp_cc__oxcc_events__delete(skel, &key, 0);
	OXT_CHECK(err == 0, "delete: %d", err);
	err = tcp_cc__oxcc_events__lookup(skel, &key, &out, 0);
	OXT_CHECK(err == -ENOENT, "lookup after delete: %d (want -ENOENT)", err);
	/* The typed pointers have the map's key and value sizes. */
	OXT_CHECK(bpf_map__key_size(skel->maps.oxcc_events) == sizeof(key), "key size");
	OXT_CHECK(bpf_map__value_size(skel->maps.oxcc_events) == sizeof(val), "value size");

	tcp_cc__destroy(skel);
	return oxt_result("typed map helpers (oxcc_events)");
}
