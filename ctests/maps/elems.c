// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The map-level element API (bpf_map__lookup_elem & co.) on a real kernel: -ENOENT before
 * load, libbpf's size checks (key size, value size, per-CPU round_up(value_size, 8) * possible
 * CPUs) with their log lines, hash round trips, iteration, and per-CPU values written by BPF
 * on each CPU. fds are back to baseline after destroy.
 */
#include "maps_common.h"

static int ncpus;

static void before_load(struct maps *skel)
{
	__u32 k = 1;
	__u64 v = 0;

	errno = 0;
	OXT_CHECK(bpf_map__lookup_elem(skel->maps.hash, &k, 4, &v, 8, 0) == -ENOENT && errno == ENOENT,
		  "lookup before load: errno %d", errno);
	OXT_CHECK(bpf_map__update_elem(skel->maps.hash, &k, 4, &v, 8, 0) == -ENOENT, "update before load");
	OXT_CHECK(bpf_map__delete_elem(skel->maps.hash, &k, 4, 0) == -ENOENT, "delete before load");
	OXT_CHECK(bpf_map__get_next_key(skel->maps.hash, NULL, &k, 4) == -ENOENT, "next key before load");
	/* Not created: the sizes are not even looked at. */
	OXT_CHECK(bpf_map__lookup_elem(skel->maps.hash, &k, 3, &v, 3, 0) == -ENOENT, "bad sizes before load");
}

static void hash_round_trips(struct maps *skel)
{
	struct bpf_map *m = skel->maps.hash;
	__u32 k = 7, nk, seen = 0;
	__u64 v = 0x1122334455667788ULL, out = 0, big[2] = {};
	int err;

	OXT_CHECK(bpf_map__update_elem(m, &k, 4, &v, 8, BPF_ANY) == 0, "update: %d", -errno);
	OXT_CHECK(bpf_map__lookup_elem(m, &k, 4, &out, 8, 0) == 0 && out == v, "lookup: %llx",
		  (unsigned long long)out);
	/* The map's own view agrees with the fd API. */
	out = 0;
	OXT_CHECK(bpf_map_lookup_elem(bpf_map__fd(m), &k, &out) == 0 && out == v, "fd lookup");

	oxt_log_clear();
	errno = 0;
	err = bpf_map__lookup_elem(m, &k, 8, &out, 8, 0);
	OXT_CHECK(err == -EINVAL && errno == EINVAL, "key size 8: %d", err);
	OXT_CHECK(oxt_log_has("map 'hash': unexpected key size 8 provided, expected 4"), "log: %s", oxt_log);
	oxt_log_clear();
	err = bpf_map__lookup_elem(m, &k, 4, big, 16, 0);
	OXT_CHECK(err == -EINVAL, "value size 16: %d", err);
	OXT_CHECK(oxt_log_has("map 'hash': unexpected value size 16 provided, expected 8"), "log: %s", oxt_log);
	OXT_CHECK(bpf_map__update_elem(m, &k, 4, &v, 4, 0) == -EINVAL, "update value size 4");
	OXT_CHECK(bpf_map__delete_elem(m, &k, 2, 0) == -EINVAL, "delete key size 2");
	OXT_CHECK(bpf_map__get_next_key(m, NULL, &nk, 8) == -EINVAL, "next key size 8");

	/* Kernel answers come back as -errno, unlogged. */
	oxt_log_clear();
	errno = 0;
	err = bpf_map__update_elem(m, &k, 4, &v, 8, BPF_NOEXIST);
	OXT_CHECK(err == -EEXIST && errno == EEXIST, "NOEXIST on existing: %d", err);
	k = 99;
	err = bpf_map__update_elem(m, &k, 4, &v, 8, BPF_EXIST);
	OXT_CHECK(err == -ENOENT, "EXIST on missing: %d", err);
	OXT_CHECK(bpf_map__lookup_elem(m, &k, 4, &out, 8, 0) == -ENOENT && errno == ENOENT, "missing key");
	OXT_CHECK(oxt_log_len == 0, "kernel errors are not logged: %s", oxt_log);

	for (k = 1; k <= 5; k++) {
		v = k * 11;
		OXT_CHECK(bpf_map__update_elem(m, &k, 4, &v, 8, BPF_NOEXIST) == 0, "insert %u", k);
	}
	/* Walk: keys 1..5 and 7, each once. */
	err = bpf_map__get_next_key(m, NULL, &nk, 4);
	while (err == 0) {
		OXT_CHECK((nk >= 1 && nk <= 5) || nk == 7, "unexpected key %u", nk);
		OXT_CHECK(!(seen & (1u << nk)), "key %u twice", nk);
		seen |= 1u << nk;
		k = nk;
		err = bpf_map__get_next_key(m, &k, &nk, 4);
	}
	OXT_CHECK(err == -ENOENT, "walk ends with -ENOENT: %d", err);
	OXT_CHECK(seen == (0x3eu | 0x80u), "keys seen %#x", seen);

	k = 7;
	out = 0;
	OXT_CHECK(bpf_map__lookup_and_delete_elem(m, &k, 4, &out, 8, 0) == 0 &&
		  out == 0x1122334455667788ULL, "lookup_and_delete");
	OXT_CHECK(bpf_map__lookup_elem(m, &k, 4, &out, 8, 0) == -ENOENT, "gone after lookup_and_delete");
	OXT_CHECK(bpf_map__lookup_and_delete_elem(m, &k, 4, &out, 4, 0) == -EINVAL,
		  "lookup_and_delete value size 4");
	k = 1;
	OXT_CHECK(bpf_map__delete_elem(m, &k, 4, 0) == 0, "delete");
	OXT_CHECK(bpf_map__delete_elem(m, &k, 4, 0) == -ENOENT, "delete again");
	for (k = 2; k <= 5; k++)
		bpf_map__delete_elem(m, &k, 4, 0);
}

static void percpu(struct maps *skel)
{
	struct bpf_map *m = skel->maps.pcpu;
	bool online[1024];
	int runs[1024] = {};
	size_t elem = 8; /* round_up(sizeof(__u32), 8) */
	size_t sz = elem * ncpus;
	__u8 *buf = calloc(ncpus + 2, elem);
	char want[160];
	__u32 k = 0;
	int err;

	OXT_ASSERT(buf, "calloc");
	OXT_ASSERT(ncpus <= 1024, "too many CPUs");
	OXT_CHECK(online_cpus(online, 1024) > 0, "online CPUs");
	OXT_CHECK(bpf_map__value_size(m) == 4, "value size %u", bpf_map__value_size(m));

	/* produce() bumps slot [cpu] of key 0 and sets key 1 to cpu + 100. */
	for (int c = 0; c < ncpus; c++) {
		if (!online[c])
			continue;
		for (int i = 0; i <= c; i++) {
			OXT_CHECK(produce(skel, c, 0, 0, 1) == 0, "produce on cpu %d", c);
			runs[c]++;
		}
	}
	OXT_CHECK(bpf_map__lookup_elem(m, &k, 4, buf, sz, 0) == 0, "per-CPU lookup: %d", -errno);
	for (int c = 0; c < ncpus; c++) {
		__u32 v;

		memcpy(&v, buf + c * elem, 4);
		OXT_CHECK(v == (__u32)runs[c], "cpu %d: count %u, expected %d", c, v, runs[c]);
	}
	k = 1;
	OXT_CHECK(bpf_map__lookup_elem(m, &k, 4, buf, sz, 0) == 0, "per-CPU lookup key 1");
	for (int c = 0; c < ncpus; c++) {
		__u32 v;

		memcpy(&v, buf + c * elem, 4);
		OXT_CHECK(!online[c] || v == (__u32)c + 100, "cpu %d: key 1 = %u", c, v);
	}

	/* Wrong sizes: value_size, value_size * ncpus, one CPU too many, one byte short. */
	size_t bad[] = {4, 4 * (size_t)ncpus, sz + elem, sz - 1, elem};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bad[i] == sz)
			continue;
		oxt_log_clear();
		errno = 0;
		err = bpf_map__lookup_elem(m, &k, 4, buf, bad[i], 0);
		OXT_CHECK(err == -EINVAL && errno == EINVAL, "per-CPU value size %zu: %d", bad[i], err);
		snprintf(want, sizeof(want),
			 "map 'pcpu': unexpected value size %zu provided for per-CPU map, expected %d * %zu = %zu",
			 bad[i], ncpus, elem, sz);
		OXT_CHECK(oxt_log_has(want), "log lacks \"%s\": %s", want, oxt_log);
		OXT_CHECK(bpf_map__update_elem(m, &k, 4, buf, bad[i], 0) == -EINVAL, "update size %zu", bad[i]);
	}

	/* Update with the right size, read back. */
	for (int c = 0; c < ncpus; c++) {
		__u32 v = 4200 + c;

		memset(buf + c * elem, 0, elem);
		memcpy(buf + c * elem, &v, 4);
	}
	OXT_CHECK(bpf_map__update_elem(m, &k, 4, buf, sz, 0) == 0, "per-CPU update: %d", -errno);
	memset(buf, 0, sz);
	OXT_CHECK(bpf_map__lookup_elem(m, &k, 4, buf, sz, 0) == 0, "per-CPU lookup after update");
	for (int c = 0; c < ncpus; c++) {
		__u32 v;

		memcpy(&v, buf + c * elem, 4);
		OXT_CHECK(v == 4200u + c, "cpu %d: %u after update", c, v);
	}
	/* Arrays cannot delete: the kernel says so. */
	OXT_CHECK(bpf_map__delete_elem(m, &k, 4, 0) == -EINVAL, "per-CPU array delete");
	free(buf);

	/* produce() also recorded each run in `hash`: hash[run] = run * 1000 + nrec. */
	OXT_CHECK(produce(skel, -1, 0, 3, 9) == 0, "produce run 9");
	__u32 key = 9;
	__u64 v = 0;
	OXT_CHECK(bpf_map__lookup_elem(skel->maps.hash, &key, 4, &v, 8, 0) == 0 && v == 9003,
		  "hash[9] = %llu", (unsigned long long)v);
}

int main(void)
{
	struct maps *skel;
	int fds;

	oxt_require_root();
	oxt_log_capture();
	ncpus = libbpf_num_possible_cpus();
	OXT_ASSERT(ncpus > 0, "libbpf_num_possible_cpus: %d", ncpus);
	fds = oxt_count_fds();

	skel = maps__open();
	OXT_ASSERT(skel != NULL, "maps__open: %d", -errno);
	before_load(skel);
	maps__destroy(skel);
	skel = maps_open_load();
	hash_round_trips(skel);
	percpu(skel);
	maps__destroy(skel);

	OXT_CHECK(oxt_count_fds() == fds, "fds: %d after destroy, %d before", oxt_count_fds(), fds);
	return oxt_result("maps-elems");
}
