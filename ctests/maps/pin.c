// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pinning on a BPF FS mounted in a temporary directory:
 *   - bpf_map__pin/unpin: explicit path (parent created), pin path remembered, NULL path,
 *     non-bpffs path, a different path, re-pinning, unpinning twice;
 *   - bpf_object__pin_maps/unpin_maps: every map at dir/<name with '.' -> '_'>, rollback of
 *     the maps pinned before a failing one;
 *   - programs: bpf_object__pin_programs/unpin_programs, bpf_program__pin/unpin, an unloaded
 *     program fails the whole call (rolled back); bpf_object__pin/unpin;
 *   - LIBBPF_PIN_BY_NAME with pin_root_path: a second object reuses the pinned map (values
 *     shared both ways), a mismatching one fails to load;
 *   - bpf_map__reuse_fd on an unloaded object: name and definition from the kernel, values
 *     shared; with --reuse-load the object is then loaded and its program must write into the
 *     reused map;
 * and fds back to baseline at the end.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "maps_common.h"

static char dir[64];

static bool exists(const char *fmt, const char *a, const char *b)
{
	char p[512];
	struct stat s;

	snprintf(p, sizeof(p), fmt, a, b);
	return stat(p, &s) == 0;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_map_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

static void cleanup(void)
{
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

static struct maps *open_with_root(const char *root, bool load)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = root);
	struct maps *skel = maps__open_opts(&o);
	int err;

	OXT_ASSERT(skel != NULL, "maps__open_opts: %d", -errno);
	if (!root) {
		err = bpf_map__set_pin_path(skel->maps.shared, NULL);
		OXT_ASSERT(err == 0, "set_pin_path(NULL)");
	}
	if (load) {
		err = maps__load(skel);
		OXT_ASSERT(err == 0, "maps__load: %d", err);
	}
	return skel;
}

static void map_pin(struct maps *skel)
{
	struct bpf_map *m = skel->maps.hash;
	char p[256], q[256];
	int fd, err;

	OXT_CHECK(bpf_map__pin_path(m) == NULL && !bpf_map__is_pinned(m), "fresh map");
	OXT_CHECK(bpf_map__pin(m, NULL) == -EINVAL, "pin without a path");
	oxt_log_clear();
	OXT_CHECK(bpf_map__pin(m, "/tmp/oxbpf-not-bpffs") == -EINVAL, "pin outside bpffs");
	OXT_CHECK(oxt_log_has("specified path /tmp/oxbpf-not-bpffs is not on BPF FS"), "log: %s", oxt_log);
	/* libbpf remembers the path even though pinning failed. */
	OXT_CHECK(bpf_map__pin_path(m) && !strcmp(bpf_map__pin_path(m), "/tmp/oxbpf-not-bpffs"), "pin path kept");
	OXT_CHECK(bpf_map__set_pin_path(m, NULL) == 0, "reset pin path");

	snprintf(p, sizeof(p), "%s/sub/hash", dir);
	err = bpf_map__pin(m, p);
	OXT_CHECK(err == 0, "pin at %s: %d", p, err);
	OXT_CHECK(exists("%s/sub/%s", dir, "hash"), "pinned file");
	OXT_CHECK(bpf_map__is_pinned(m) && !strcmp(bpf_map__pin_path(m), p), "pinned state");
	fd = bpf_obj_get(p);
	OXT_CHECK(fd >= 0 && map_id(fd) == map_id(bpf_map__fd(m)), "pinned object is the map");
	if (fd >= 0)
		close(fd);
	OXT_CHECK(bpf_map__pin(m, p) == 0, "pin again at the same path");
	OXT_CHECK(bpf_map__pin(m, NULL) == 0, "pin again at its pin path");
	snprintf(q, sizeof(q), "%s/other", dir);
	oxt_log_clear();
	OXT_CHECK(bpf_map__pin(m, q) == -EINVAL, "pin at another path");
	OXT_CHECK(oxt_log_has("already has pin path"), "log: %s", oxt_log);
	OXT_CHECK(bpf_map__unpin(m, q) == -EINVAL, "unpin from another path");
	OXT_CHECK(bpf_map__unpin(m, NULL) == 0, "unpin");
	OXT_CHECK(!exists("%s/sub/%s", dir, "hash") && !bpf_map__is_pinned(m), "unpinned");
	OXT_CHECK(bpf_map__pin_path(m) && !strcmp(bpf_map__pin_path(m), p), "pin path stays after unpin");
	OXT_CHECK(bpf_map__unpin(m, NULL) == -ENOENT, "unpin twice");
	OXT_CHECK(bpf_map__set_pin_path(m, NULL) == 0, "reset pin path");
}

static void sanitized(const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/all/%s", dir, name);
	for (char *c = out; *c; c++)
		if (*c == '.')
			*c = '_';
}

static void object_pin_maps(struct maps *skel, struct maps *other)
{
	struct bpf_map *m;
	char p[256], all[256];
	int err, pinned = 0;

	snprintf(all, sizeof(all), "%s/all", dir);
	err = bpf_object__pin_maps(skel->obj, all);
	OXT_CHECK(err == 0, "pin_maps: %d", err);
	bpf_object__for_each_map(m, skel->obj) {
		struct stat s;

		sanitized(bpf_map__name(m), p, sizeof(p));
		OXT_CHECK(stat(p, &s) == 0, "map '%s' pinned at %s", bpf_map__name(m), p);
		OXT_CHECK(bpf_map__is_pinned(m) && bpf_map__pin_path(m) && !strcmp(bpf_map__pin_path(m), p),
			  "map '%s' pin state (%s)", bpf_map__name(m), bpf_map__pin_path(m));
		pinned++;
	}
	OXT_CHECK(pinned == 8, "%d maps pinned", pinned);
	OXT_CHECK(exists("%s/all/%s", dir, "maps_bss"), "'.bss' is pinned as maps_bss");
	err = bpf_object__unpin_maps(skel->obj, all);
	OXT_CHECK(err == 0, "unpin_maps: %d", err);
	bpf_object__for_each_map(m, skel->obj) {
		sanitized(bpf_map__name(m), p, sizeof(p));
		OXT_CHECK(access(p, F_OK) != 0 && !bpf_map__is_pinned(m), "map '%s' unpinned", bpf_map__name(m));
	}
	OXT_CHECK(bpf_object__unpin_maps(skel->obj, all) == -ENOENT, "unpin_maps twice");

	/* Occupy all/pcpu with another object's map: pinning fails there and the maps pinned
	 * before it (rb, rb2, pb) are unpinned again; the ones after are never pinned. */
	sanitized("pcpu", p, sizeof(p));
	OXT_CHECK(bpf_obj_pin(bpf_map__fd(other->maps.pcpu), p) == 0, "blocker: %d", -errno);
	err = bpf_object__pin_maps(skel->obj, all);
	OXT_CHECK(err == -EEXIST, "pin_maps onto an occupied name: %d", err);
	OXT_CHECK(!exists("%s/all/%s", dir, "rb") && !exists("%s/all/%s", dir, "rb2") &&
			  !exists("%s/all/%s", dir, "pb") && !exists("%s/all/%s", dir, "hash"),
		  "rolled back");
	OXT_CHECK(!bpf_map__is_pinned(skel->maps.rb) && !bpf_map__is_pinned(skel->maps.hash), "pin state rolled back");
	OXT_CHECK(exists("%s/all/%s", dir, "pcpu"), "the blocker stays");
	unlink(p);
	/* The maps keep the paths: pinning again at the same directory works. */
	err = bpf_object__pin_maps(skel->obj, all);
	OXT_CHECK(err == 0, "pin_maps after clearing the blocker: %d", err);
	OXT_CHECK(bpf_object__unpin_maps(skel->obj, NULL) == 0, "unpin_maps(NULL) uses the pin paths");
	OXT_CHECK(!exists("%s/all/%s", dir, "rb"), "unpinned via pin paths");
}

static void programs(struct maps *skel)
{
	char d[128], p[256];
	struct bpf_map *m;
	int err;

	snprintf(d, sizeof(d), "%s/progs", dir);
	err = bpf_object__pin_programs(skel->obj, d);
	OXT_CHECK(err == 0, "pin_programs: %d", err);
	OXT_CHECK(exists("%s/progs/%s", dir, "produce") && exists("%s/progs/%s", dir, "drain") &&
			  exists("%s/progs/%s", dir, "bump_shared"),
		  "programs pinned");
	snprintf(p, sizeof(p), "%s/produce", d);
	OXT_CHECK(bpf_program__unpin(skel->progs.produce, p) == 0, "unpin produce");
	OXT_CHECK(bpf_object__unpin_programs(skel->obj, d) == -ENOENT, "unpin_programs stops at the missing one");
	OXT_CHECK(exists("%s/progs/%s", dir, "drain"), "later programs untouched");
	OXT_CHECK(bpf_program__pin(skel->progs.produce, p) == 0, "pin produce");
	OXT_CHECK(bpf_program__pin(skel->progs.produce, "/tmp/oxbpf-not-bpffs") == -EINVAL, "program outside bpffs");
	OXT_CHECK(bpf_object__unpin_programs(skel->obj, d) == 0, "unpin_programs");
	OXT_CHECK(!exists("%s/progs/%s", dir, "drain"), "unpinned");

	/* The maps remember dir/all/<name> from object_pin_maps: a different directory is refused
	 * until their pin paths are cleared. */
	snprintf(d, sizeof(d), "%s/obj", dir);
	err = bpf_object__pin(skel->obj, d);
	OXT_CHECK(err == -EINVAL, "bpf_object__pin while maps have other pin paths: %d", err);
	OXT_CHECK(!exists("%s/obj/%s", dir, "rb"), "nothing pinned");
	bpf_object__for_each_map(m, skel->obj)
		bpf_map__set_pin_path(m, NULL);
	OXT_CHECK(bpf_object__pin(skel->obj, d) == 0, "bpf_object__pin");
	OXT_CHECK(exists("%s/obj/%s", dir, "produce") && exists("%s/obj/%s", dir, "hash"), "object pinned");
	OXT_CHECK(bpf_object__unpin(skel->obj, d) == 0, "bpf_object__unpin");
	OXT_CHECK(!exists("%s/obj/%s", dir, "produce") && !exists("%s/obj/%s", dir, "hash"), "object unpinned");
}

static void unloaded_program(void)
{
	struct maps *skel = open_with_root(NULL, false);
	char d[256];
	int err;

	bpf_program__set_autoload(skel->progs.drain, false);
	err = maps__load(skel);
	OXT_ASSERT(err == 0, "load without drain: %d", err);
	OXT_CHECK(bpf_program__pin(skel->progs.drain, "x") == -EINVAL, "pin an unloaded program");
	snprintf(d, sizeof(d), "%s/partial", dir);
	err = bpf_object__pin_programs(skel->obj, d);
	OXT_CHECK(err == -EINVAL, "pin_programs with an unloaded program: %d", err);
	OXT_CHECK(!exists("%s/partial/%s", dir, "produce"), "produce rolled back");
	OXT_CHECK(bpf_object__pin_programs(NULL, d) == -ENOENT, "NULL object");
	maps__destroy(skel);

	skel = open_with_root(NULL, false);
	OXT_CHECK(bpf_object__pin_maps(skel->obj, d) == -ENOENT, "pin_maps before load");
	OXT_CHECK(bpf_object__pin_programs(skel->obj, d) == -ENOENT, "pin_programs before load");
	maps__destroy(skel);
}

static void pin_by_name(void)
{
	struct maps *a, *b, *c;
	char p[256];
	__u32 k = 1;
	__u64 v = 100;
	int err;

	a = open_with_root(dir, true);
	snprintf(p, sizeof(p), "%s/shared", dir);
	OXT_CHECK(bpf_map__is_pinned(a->maps.shared) && !strcmp(bpf_map__pin_path(a->maps.shared), p),
		  "auto-pinned at %s", bpf_map__pin_path(a->maps.shared));
	OXT_CHECK(exists("%s/%s", dir, "shared"), "pinned file");
	OXT_CHECK(bpf_map__update_elem(a->maps.shared, &k, 4, &v, 8, 0) == 0, "update via a");

	b = open_with_root(dir, true);
	OXT_CHECK(bpf_map__is_pinned(b->maps.shared), "b's map is pinned (reused)");
	OXT_CHECK(map_id(bpf_map__fd(a->maps.shared)) == map_id(bpf_map__fd(b->maps.shared)), "same kernel map");
	v = 0;
	OXT_CHECK(bpf_map__lookup_elem(b->maps.shared, &k, 4, &v, 8, 0) == 0 && v == 100, "b sees a's value: %llu",
		  (unsigned long long)v);
	OXT_CHECK(run_prog(b->progs.bump_shared, -1) == 0, "bump via b's program");
	v = 0;
	OXT_CHECK(bpf_map__lookup_elem(a->maps.shared, &k, 4, &v, 8, 0) == 0 && v == 101, "a sees b's bump: %llu",
		  (unsigned long long)v);
	OXT_CHECK(map_id(bpf_map__fd(a->maps.hash)) != map_id(bpf_map__fd(b->maps.hash)), "unpinned maps are not shared");

	/* A definition that does not match the pinned map fails the load. */
	c = open_with_root(dir, false);
	bpf_map__set_max_entries(c->maps.shared, 32);
	err = maps__load(c);
	OXT_CHECK(err == -EINVAL, "load with a mismatching pinned map: %d", err);
	maps__destroy(c);
	maps__destroy(b);
	OXT_CHECK(exists("%s/%s", dir, "shared"), "the pin outlives the objects");
	maps__destroy(a);
}

static void reuse_fd(bool then_load)
{
	struct maps *a = open_with_root(NULL, true), *e;
	__u32 k = 3;
	__u64 v = 333;
	int err, fd;

	OXT_CHECK(bpf_map__update_elem(a->maps.hash, &k, 4, &v, 8, 0) == 0, "update via a");
	e = open_with_root(NULL, false);
	/* A definition that differs from the kernel map's: the kernel's wins. */
	bpf_map__set_max_entries(e->maps.hash, 7);
	fd = bpf_map__fd(a->maps.hash);
	err = bpf_map__reuse_fd(e->maps.hash, fd);
	OXT_CHECK(err == 0, "reuse_fd: %d", err);
	OXT_CHECK(bpf_map__fd(e->maps.hash) >= 3 && bpf_map__fd(e->maps.hash) != fd, "own fd %d",
		  bpf_map__fd(e->maps.hash));
	OXT_CHECK(fcntl(bpf_map__fd(e->maps.hash), F_GETFD) == FD_CLOEXEC, "O_CLOEXEC");
	OXT_CHECK(map_id(bpf_map__fd(e->maps.hash)) == map_id(fd), "same kernel map");
	OXT_CHECK(!strcmp(bpf_map__name(e->maps.hash), "hash") && bpf_map__max_entries(e->maps.hash) == 64 &&
			  bpf_map__key_size(e->maps.hash) == 4 && bpf_map__value_size(e->maps.hash) == 8 &&
			  bpf_map__type(e->maps.hash) == BPF_MAP_TYPE_HASH,
		  "definition from the kernel");
	v = 0;
	OXT_CHECK(bpf_map__lookup_elem(e->maps.hash, &k, 4, &v, 8, 0) == 0 && v == 333,
		  "lookup through the reused map before load: %d", -errno);
	OXT_CHECK(bpf_map__set_max_entries(e->maps.hash, 8) == 0, "max_entries is still settable before load");
	OXT_CHECK(bpf_map__set_key_size(e->maps.hash, 8) == -EBUSY, "key size is fixed once reused");
	OXT_CHECK(bpf_map__reuse_fd(e->maps.rb, 9999) < 0, "reuse of a closed fd fails");
	bpf_map__set_max_entries(e->maps.hash, 64);
	if (then_load) {
		err = maps__load(e);
		OXT_CHECK(err == 0, "load after reuse_fd: %d", err);
		OXT_CHECK(map_id(bpf_map__fd(e->maps.hash)) == map_id(fd), "load kept the reused map");
		OXT_CHECK(produce(e, -1, 0, 1, 42) == 0, "produce via e");
		v = 0;
		OXT_CHECK(bpf_map__lookup_elem(a->maps.hash, &(__u32){42}, 4, &v, 8, 0) == 0 && v == 42001,
			  "e's program wrote into a's map: %llu", (unsigned long long)v);
	}
	maps__destroy(e);
	OXT_CHECK(bpf_map__lookup_elem(a->maps.hash, &k, 4, &v, 8, 0) == 0, "a's map survives e");
	maps__destroy(a);
}

int main(int argc, char **argv)
{
	bool reuse_load = argc > 1 && !strcmp(argv[1], "--reuse-load");
	struct maps *skel, *other;
	int fds;

	oxt_require_root();
	oxt_log_capture();
	strcpy(dir, "/tmp/oxbpf-pin-XXXXXX");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "FAIL: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	if (mount("bpf", dir, "bpf", 0, NULL)) {
		int e = errno;

		rmdir(dir);
		OXT_SKIP_IF(1, "cannot mount a BPF FS at %s: %s", dir, strerror(e));
	}
	atexit(cleanup);
	fds = oxt_count_fds();

	if (reuse_load) {
		reuse_fd(true);
	} else {
		skel = open_with_root(NULL, true);
		other = open_with_root(NULL, true);
		map_pin(skel);
		object_pin_maps(skel, other);
		programs(skel);
		maps__destroy(other);
		maps__destroy(skel);
		unloaded_program();
		pin_by_name();
		reuse_fd(false);
	}
	OXT_CHECK(oxt_count_fds() == fds, "fds: %d at the end, %d before", oxt_count_fds(), fds);
	return oxt_result(reuse_load ? "maps-pin-reuse-load" : "maps-pin");
}
