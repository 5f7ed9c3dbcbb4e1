// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * st_shadow_info: oxbpf's shadow-info ABI (bpf_object_open_opts.struct_ops_shadow) on the real
 * kernel, built against oxbpf's headers only (upstream libbpf has no such option).
 *
 * The caller's struct my_cc puts the members it cares about in another order than the
 * object's struct tcp_congestion_ops, leaves the others out, and is far smaller; a
 * generator-style description (offsetof/sizeof per member) tells the library so. Then:
 *   - bpf_map__initial_value(st_a) returns a sizeof(struct my_cc) buffer filled by member name
 *     (programs as struct bpf_program *, the name, flags);
 *   - edits through it before load (name, flags, a program swap, a NULLed callback) reach the
 *     kernel: the CC registers under the new name, is allowed, and runs the swapped-in program;
 *   - the same through a skeleton opened with st_cc__open_opts();
 *   - a map without a description keeps the object's layout;
 *   - malformed descriptions fail the open with -EINVAL and a log line naming the problem, and
 *     leave no fd behind.
 *
 *   st_shadow_info PATH/st_cc.bpf.o
 */
#include <stddef.h>

#include "st_cc.skel75.h"
#include "st_common.h"

#ifndef OXBPF_HEADERS
#error "st_shadow_info tests an oxbpf extension: build it against oxbpf's headers"
#endif

/* The caller's idea of the ops struct: other order, a subset, extra bytes of its own. */
struct my_cc {
	char name[16];
	unsigned int flags;
	unsigned int mine;
	struct bpf_program *cong_avoid;
	struct bpf_program *init;
	struct bpf_program *undo_cwnd;
	struct bpf_program *ssthresh;
};

#define MEMBER(m) { .name = #m, .offset = offsetof(struct my_cc, m), .size = sizeof(((struct my_cc *)0)->m) }

static const struct bpf_struct_ops_member_info my_members[] = {
	MEMBER(name), MEMBER(flags), MEMBER(cong_avoid), MEMBER(init), MEMBER(undo_cwnd), MEMBER(ssthresh),
};

static struct bpf_struct_ops_map_info my_map = {
	.name = "st_a", .members = my_members, .cnt = 6, .data_size = sizeof(struct my_cc),
};

static struct bpf_struct_ops_shadow_info my_info = { .maps = &my_map, .cnt = 1 };

static const char *obj_path;

static void check_fill(struct bpf_object *obj, struct my_cc *cc, size_t sz)
{
	OXT_CHECK(sz == sizeof(struct my_cc), "initial value size %zu, want %zu", sz, sizeof(struct my_cc));
	OXT_CHECK(cc->init == bpf_object__find_program_by_name(obj, "st_init"), "init slot");
	OXT_CHECK(cc->ssthresh == bpf_object__find_program_by_name(obj, "st_ssthresh"), "ssthresh slot");
	OXT_CHECK(cc->cong_avoid == bpf_object__find_program_by_name(obj, "st_cong_avoid_a"), "cong_avoid slot");
	OXT_CHECK(cc->undo_cwnd == bpf_object__find_program_by_name(obj, "st_undo"), "undo_cwnd slot");
	OXT_CHECK(cc->name[0] == 0 && cc->flags == 0 && cc->mine == 0, "data members not zero");
}

static void edit(struct bpf_object *obj, struct my_cc *cc, const char *name)
{
	strncpy(cc->name, name, sizeof(cc->name) - 1);
	cc->flags = ST_TCP_CONG_NON_RESTRICTED;
	cc->mine = 0xdeadbeef; /* not described: the library never looks at it */
	cc->cong_avoid = bpf_object__find_program_by_name(obj, "st_cong_avoid_alt");
	cc->init = NULL;
}

/* Load + register st_a, push traffic, check what ran; returns with the link destroyed. */
static void run(struct bpf_object *obj, const char *name, struct bpf_link *link)
{
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	size_t bsz = 0;
	/* .bss: init, ssthresh, undo, a, b, alt, off, last_init_cwnd */
	const __u64 *c = bpf_map__initial_value(bss, &bsz);

	OXT_ASSERT(link, "attach st_a: %s", strerror(errno));
	OXT_CHECK(st_available(name), "%s not registered (name from the described shadow)", name);
	OXT_CHECK(st_allowed(name), "%s not allowed (flags from the described shadow)", name);
	ST_OK(st_traffic(name, 1024), "traffic through %s", name);
	printf("%s: init %llu a %llu alt %llu\n", name, (unsigned long long)c[0], (unsigned long long)c[3],
	       (unsigned long long)c[5]);
	OXT_CHECK(c[5] >= 1, "swapped-in cong_avoid never ran");
	OXT_CHECK(c[3] == 0, "swapped-out cong_avoid ran");
	OXT_CHECK(c[0] == 0, "NULLed init ran");
	OXT_CHECK(bpf_program__fd(bpf_object__find_program_by_name(obj, "st_cong_avoid_a")) == -ENOENT,
		  "swapped-out program loaded");
	bpf_link__destroy(link);
	OXT_CHECK(st_wait_gone(name), "%s still registered", name);
}

static void via_open_file(int base)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, OXBPF_STRUCT_OPS_SHADOW(&my_info));
	struct bpf_object *obj = bpf_object__open_file(obj_path, &opts);
	struct bpf_map *a, *b;
	struct my_cc *cc;
	size_t sz = 0, bsz = 0;

	OXT_ASSERT(obj, "open with shadow info: %s", strerror(errno));
	a = bpf_object__find_map_by_name(obj, "st_a");
	b = bpf_object__find_map_by_name(obj, "st_b");
	cc = bpf_map__initial_value(a, &sz);
	OXT_ASSERT(cc, "initial value of st_a");
	check_fill(obj, cc, sz);
	/* st_b is not described: the object's own layout, the size of its BTF type. */
	OXT_CHECK(bpf_map__initial_value(b, &bsz) && bsz == bpf_map__value_size(b) && bsz > sizeof(struct my_cc),
		  "undescribed st_b: size %zu", bsz);

	edit(obj, cc, "oxst_info");
	ST_OK(bpf_object__load(obj), "load");
	/* After load the described shadow is the caller's buffer still, and no longer read. */
	OXT_CHECK(bpf_map__initial_value(a, NULL) == cc, "initial value moved at load");
	strcpy(cc->name, "oxst_info_late");
	run(obj, "oxst_info", bpf_map__attach_struct_ops(a));
	OXT_CHECK(!st_available("oxst_info_late"), "a name written after load reached the kernel");
	bpf_object__close(obj);
	ST_CHECK_FDS(base, "after close (open_file path)");
}

static void via_skeleton(int base)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, OXBPF_STRUCT_OPS_SHADOW(&my_info));
	struct st_cc *skel = st_cc__open_opts(&opts);
	struct my_cc *cc;
	size_t sz = 0;

	OXT_ASSERT(skel, "st_cc__open_opts with shadow info: %s", strerror(errno));
	cc = bpf_map__initial_value(skel->maps.st_a, &sz);
	/* The skeleton's struct_ops pointer is the same buffer (its type is the BTF layout, so a
	 * caller with a description uses its own struct instead). */
	OXT_CHECK((void *)skel->struct_ops.st_a == (void *)cc, "skeleton shadow pointer differs");
	check_fill(skel->obj, cc, sz);
	edit(skel->obj, cc, "oxst_info_skel");
	bpf_map__set_autoattach(skel->maps.st_b, false);
	ST_OK(st_cc__load(skel), "st_cc__load");
	ST_OK(st_cc__attach(skel), "st_cc__attach");
	struct bpf_link *link = skel->links.st_a;

	skel->links.st_a = NULL;
	run(skel->obj, "oxst_info_skel", link);
	st_cc__destroy(skel);
	ST_CHECK_FDS(base, "after destroy (skeleton path)");
}

/* Open with `info`: must fail with -EINVAL and a log line containing `a` (and `b`). */
static void bad(const struct bpf_struct_ops_shadow_info *info, const char *a, const char *b, int base)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, OXBPF_STRUCT_OPS_SHADOW(info));
	struct bpf_object *obj;

	st_log_reset();
	obj = bpf_object__open_file(obj_path, &opts);
	OXT_CHECK(!obj && errno == EINVAL, "description expecting '%s': open %p errno %d", a, (void *)obj, errno);
	OXT_CHECK(st_log_has(a, b), "no log line with '%s'%s%s", a, b ? " and " : "", b ? b : "");
	bpf_object__close(obj);
	ST_CHECK_FDS(base, a);
}

static void invalid(int base)
{
	struct bpf_struct_ops_member_info m[3];
	struct bpf_struct_ops_map_info map = { .name = "st_a", .members = m, .cnt = 1, .data_size = 32 };
	struct bpf_struct_ops_shadow_info info = { .maps = &map, .cnt = 1 };

	m[0] = (struct bpf_struct_ops_member_info){ .name = "name", .offset = 24, .size = 16 };
	bad(&info, "member 'name'", "ends past data_size", base);
	m[0] = (struct bpf_struct_ops_member_info){ .name = "name", .offset = 0, .size = 8 };
	bad(&info, "member 'name' has size 8", "16", base);
	m[0] = (struct bpf_struct_ops_member_info){ .name = "no_such_member", .offset = 0, .size = 8 };
	bad(&info, "no member 'no_such_member'", NULL, base);
	m[0] = (struct bpf_struct_ops_member_info){ .name = NULL, .offset = 0, .size = 8 };
	bad(&info, "member #0", "NULL name", base);
	map.cnt = 2;
	m[0] = (struct bpf_struct_ops_member_info){ .name = "init", .offset = 0, .size = 8 };
	m[1] = (struct bpf_struct_ops_member_info){ .name = "init", .offset = 8, .size = 8 };
	bad(&info, "member 'init' is described twice", NULL, base);
	m[1] = (struct bpf_struct_ops_member_info){ .name = "ssthresh", .offset = 4, .size = 8 };
	bad(&info, "members 'init' and 'ssthresh' overlap", NULL, base);
	map.cnt = 1;
	map.name = "no_such_map";
	bad(&info, "map 'no_such_map' is not in object", NULL, base);
	map.name = "st_events";
	bad(&info, "map 'st_events' is not a struct_ops map", NULL, base);
	map.name = "st_a";
	map.members = NULL;
	bad(&info, "members is NULL", NULL, base);
	info.maps = NULL;
	bad(&info, "maps is NULL", NULL, base);
}

int main(int argc, char **argv)
{
	int base;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH/st_cc.bpf.o\n", argv[0]);
		return 2;
	}
	obj_path = argv[1];
	st_setup();
	base = oxt_count_fds();
	invalid(base);
	via_open_file(base);
	via_skeleton(base);
	return oxt_result("st_shadow_info");
}
