// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * skel_open: open a bpftool-generated skeleton and check what the library bound into it,
 * without loading anything.
 *
 * Built once per (object, bpftool generation, header set, library) by ctests/meson.build:
 *   -DSKEL=<name>          the skeleton's name (struct <name>, <name>__open())
 *   -DSKEL_HDR="<file>"    the generated header, e.g. "globals.skel75.h"
 *   -DSKEL_GEN=71|75       which bpftool generated it (7.1 has no struct_ops shadows)
 *   -DOBJ_<NAME>=1         enables the object-specific checks below
 *
 * Generic checks: every map/program slot of the skeleton is bound (non-NULL), its library
 * name equals the name the generator recorded, the object can find it by that name, and an
 * mmap-able map's skeleton pointer is the buffer bpf_map__initial_value() returns. The
 * object-specific checks write globals through skel->data/bss/rodata/... and read them back
 * through bpf_map__initial_value(), and inspect struct_ops shadows.
 */
#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include SKEL_HDR
#include "common.h"

/* BPF_F_LINK (1U << 13) is missing from older uapi headers, such as bookworm's 6.1. */
#define OXT_BPF_F_LINK (1U << 13)

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define SKEL_FN(fn) CAT(SKEL, CAT(__, fn))
#define STR_(x) #x
#define STR(x) STR_(x)

/* Bytes [off, off+len) of MAP's initial value, or NULL (with a failure recorded). */
static const void *iv_at(struct bpf_map *map, size_t off, size_t len)
{
	size_t sz = 0;
	const char *iv = bpf_map__initial_value(map, &sz);

	OXT_CHECK(iv != NULL, "map %s has no initial value", bpf_map__name(map));
	if (!iv)
		return NULL;
	OXT_CHECK(off + len <= sz, "map %s: initial value is %zu bytes, need %zu", bpf_map__name(map),
		  sz, off + len);
	return off + len <= sz ? iv + off : NULL;
}

/* Check that the field at PTR inside the skeleton's section struct BASE reads VALUE through
 * bpf_map__initial_value(MAP). */
#define CHECK_IV(map, base, field, value)                                                    \
	do {                                                                                 \
		__typeof__((base)->field) want_ = (value), got_;                             \
		size_t off_ = (size_t)((const char *)&(base)->field - (const char *)(base)); \
		const void *p_ = iv_at((map), off_, sizeof(got_));                           \
		if (p_) {                                                                    \
			memcpy(&got_, p_, sizeof(got_));                                     \
			OXT_CHECK(got_ == want_, "%s via initial value: got %lld, want %lld",  \
				  #base "->" #field, (long long)got_, (long long)want_);      \
		}                                                                            \
	} while (0)

static int is_kconfig(const char *map_name)
{
	size_t n = strlen(map_name);

	return n >= 8 && strcmp(map_name + n - 8, ".kconfig") == 0;
}

static void check_generic(struct SKEL *skel)
{
	struct bpf_object_skeleton *s = skel->skeleton;
	size_t n_maps = sizeof(skel->maps) / sizeof(struct bpf_map *);
	size_t n_progs = sizeof(skel->progs) / sizeof(struct bpf_program *);
	struct bpf_map **maps = (struct bpf_map **)&skel->maps;
	struct bpf_program **progs = (struct bpf_program **)&skel->progs;
	size_t i;

	OXT_ASSERT(s != NULL, "skeleton descriptor missing");
	OXT_ASSERT(skel->obj != NULL, "skel->obj not set by open");
	OXT_CHECK(strcmp(bpf_object__name(skel->obj), s->name) == 0, "object name %s, want %s",
		  bpf_object__name(skel->obj), s->name);
	OXT_CHECK((size_t)s->map_cnt == n_maps, "map_cnt %d, skel->maps has %zu", s->map_cnt,
		  n_maps);
	OXT_CHECK((size_t)s->prog_cnt == n_progs, "prog_cnt %d, skel->progs has %zu", s->prog_cnt,
		  n_progs);

	for (i = 0; i < n_maps; i++)
		OXT_CHECK(maps[i] != NULL, "skel->maps slot %zu is NULL", i);
	for (i = 0; i < n_progs; i++)
		OXT_CHECK(progs[i] != NULL, "skel->progs slot %zu is NULL", i);

	/* Entries are found by stride, as the library must: map_skel_sz is 24 or 32. */
	for (i = 0; i < (size_t)s->map_cnt; i++) {
		const struct bpf_map_skeleton *ms =
			(const void *)((const char *)s->maps + i * s->map_skel_sz);
		struct bpf_map *map = *ms->map;

		if (!map) {
			OXT_CHECK(map != NULL, "map %s not bound", ms->name);
			continue;
		}
		OXT_CHECK(strcmp(bpf_map__name(map), ms->name) == 0, "map %zu: name %s, want %s", i,
			  bpf_map__name(map), ms->name);
		OXT_CHECK(bpf_object__find_map_by_name(skel->obj, ms->name) == map,
			  "find_map_by_name(%s) disagrees with the skeleton", ms->name);
		if (ms->mmaped && bpf_map__is_internal(map) && is_kconfig(ms->name)) {
			/* Externs are not user-settable: the pointer is only set by load. */
			OXT_CHECK(*ms->mmaped == NULL, "map %s: kconfig data mapped before load",
				  ms->name);
		} else if (ms->mmaped) {
			size_t sz = 0;
			void *iv = bpf_map__initial_value(map, &sz);

			OXT_CHECK(*ms->mmaped != NULL, "map %s: mmaped pointer not set", ms->name);
			OXT_CHECK(*ms->mmaped == iv, "map %s: skeleton data %p != initial value %p",
				  ms->name, *ms->mmaped, iv);
			OXT_CHECK(sz == bpf_map__value_size(map), "map %s: initial value %zu bytes, value_size %u",
				  ms->name, sz, bpf_map__value_size(map));
		}
	}
	for (i = 0; i < (size_t)s->prog_cnt; i++) {
		const struct bpf_prog_skeleton *ps =
			(const void *)((const char *)s->progs + i * s->prog_skel_sz);
		struct bpf_program *prog = *ps->prog;

		if (!prog) {
			OXT_CHECK(prog != NULL, "program %s not bound", ps->name);
			continue;
		}
		OXT_CHECK(strcmp(bpf_program__name(prog), ps->name) == 0, "prog %zu: name %s, want %s",
			  i, bpf_program__name(prog), ps->name);
		OXT_CHECK(bpf_object__find_program_by_name(skel->obj, ps->name) == prog,
			  "find_program_by_name(%s) disagrees with the skeleton", ps->name);
	}
}

#ifdef OBJ_GLOBALS
static void check_object(struct globals *skel)
{
	/* Initial values from the ELF, as the skeleton sees them. */
	OXT_CHECK(skel->data->g_data == 1, "g_data %d", skel->data->g_data);
	OXT_CHECK(skel->data->g_data_arr[3] == 4, "g_data_arr[3] %llu",
		  (unsigned long long)skel->data->g_data_arr[3]);
	OXT_CHECK(skel->rodata->g_rodata == 7, "g_rodata %d", skel->rodata->g_rodata);
	OXT_CHECK(strcmp(skel->rodata->g_rodata_str, "oxbpf") == 0, "g_rodata_str '%s'",
		  skel->rodata->g_rodata_str);
	OXT_CHECK(skel->bss->g_bss == 0, "g_bss %d", skel->bss->g_bss);
	OXT_CHECK(skel->data_custom->g_custom == 42, "g_custom %d", skel->data_custom->g_custom);
	OXT_CHECK(skel->rodata_custom->g_rocustom == 43, "g_rocustom %d",
		  skel->rodata_custom->g_rocustom);

	/* Writes before load land in the buffer bpf_map__initial_value() returns. */
	skel->data->g_data = 1234;
	skel->data->g_data_arr[2] = 0x1122334455667788ULL;
	skel->rodata->g_rodata = -99;
	skel->bss->g_bss = 5;
	skel->bss->g_bss_counter = 77;
	skel->data_custom->g_custom = 4242;
	skel->rodata_custom->g_rocustom = 4343;
	skel->data_arr->g_resizable[3] = 0xabcd;
	CHECK_IV(skel->maps.data, skel->data, g_data, 1234);
	CHECK_IV(skel->maps.data, skel->data, g_data_arr[2], 0x1122334455667788ULL);
	CHECK_IV(skel->maps.rodata, skel->rodata, g_rodata, -99);
	CHECK_IV(skel->maps.bss, skel->bss, g_bss, 5);
	CHECK_IV(skel->maps.bss, skel->bss, g_bss_counter, 77);
	CHECK_IV(skel->maps.data_custom, skel->data_custom, g_custom, 4242);
	CHECK_IV(skel->maps.rodata_custom, skel->rodata_custom, g_rocustom, 4343);
	CHECK_IV(skel->maps.data_arr, skel->data_arr, g_resizable[3], 0xabcd);

	/* .kconfig is internal, and its skeleton pointer stays NULL until load fills it. */
	OXT_CHECK(skel->kconfig == NULL, "kconfig section mapped before load");
	OXT_CHECK(bpf_map__is_internal(skel->maps.kconfig), "kconfig map not internal");

	/* Ordinary maps carry no initial value; map-in-map outers have their inner template. */
	OXT_CHECK(bpf_map__initial_value(skel->maps.m_hash, NULL) == NULL,
		  "m_hash has an initial value");
	OXT_CHECK(bpf_map__type(skel->maps.m_outer_array) == BPF_MAP_TYPE_ARRAY_OF_MAPS,
		  "m_outer_array type %d", bpf_map__type(skel->maps.m_outer_array));
	OXT_CHECK(bpf_map__inner_map(skel->maps.m_outer_hash) != NULL, "m_outer_hash has no inner map");
	OXT_CHECK(bpf_map__map_flags(skel->maps.m_hash_noprealloc) == BPF_F_NO_PREALLOC,
		  "m_hash_noprealloc flags 0x%x", bpf_map__map_flags(skel->maps.m_hash_noprealloc));
	OXT_CHECK(bpf_map__map_extra(skel->maps.m_bloom) == 3, "m_bloom map_extra %llu",
		  (unsigned long long)bpf_map__map_extra(skel->maps.m_bloom));
	OXT_CHECK(bpf_program__type(skel->progs.on_xdp) == BPF_PROG_TYPE_XDP, "on_xdp type %d",
		  bpf_program__type(skel->progs.on_xdp));
}
#endif

#if defined(OBJ_TCP_CC) || defined(OBJ_TCP_CC_LEGACY)
#ifdef OBJ_TCP_CC
#define CC oxcc
#define CC_NAME "oxbpf_cc"
#define CC_LINK 1
#else
#define CC oxccl
#define CC_NAME "oxbpf_ccl"
#define CC_LINK 0
#endif
#define CCP(x) CAT(CC, x)

static void check_object(struct SKEL *skel)
{
	struct bpf_map *ops = skel->maps.CC;

	OXT_ASSERT(ops != NULL, "struct_ops map %s missing", STR(CC));
	OXT_CHECK(bpf_map__type(ops) == BPF_MAP_TYPE_STRUCT_OPS, "type %d", bpf_map__type(ops));
	OXT_CHECK(!!(bpf_map__map_flags(ops) & OXT_BPF_F_LINK) == CC_LINK, "map_flags 0x%x",
		  bpf_map__map_flags(ops));
	OXT_CHECK(bpf_map__key_size(ops) == 4 && bpf_map__max_entries(ops) == 1,
		  "key_size %u max_entries %u", bpf_map__key_size(ops), bpf_map__max_entries(ops));
	OXT_CHECK(bpf_program__type(skel->progs.CCP(_init)) == BPF_PROG_TYPE_STRUCT_OPS,
		  "init program type %d", bpf_program__type(skel->progs.CCP(_init)));
	OXT_CHECK(!bpf_program__autoload(skel->progs.CCP(_cong_avoid_alt)),
		  "?struct_ops program autoloads");

	skel->bss->init_calls = 11;
	skel->bss->last_init_cwnd = 22;
	CHECK_IV(skel->maps.bss, skel->bss, init_calls, 11);
	CHECK_IV(skel->maps.bss, skel->bss, last_init_cwnd, 22);

#if SKEL_GEN >= 75
	/* The shadow: the map's initial value laid out as the object's struct, with
	 * struct bpf_program * in the function-pointer slots. */
	size_t sz = 0;
	void *iv = bpf_map__initial_value(ops, &sz);

	OXT_ASSERT(skel->struct_ops.CC != NULL, "struct_ops shadow not set by open");
	OXT_CHECK((void *)skel->struct_ops.CC == iv, "shadow %p != initial value %p",
		  (void *)skel->struct_ops.CC, iv);
	OXT_CHECK(sz == bpf_map__value_size(ops), "shadow %zu bytes, value_size %u", sz,
		  bpf_map__value_size(ops));
	OXT_CHECK(skel->struct_ops.CC->init == skel->progs.CCP(_init), "shadow .init");
	OXT_CHECK(skel->struct_ops.CC->ssthresh == skel->progs.CCP(_ssthresh), "shadow .ssthresh");
	OXT_CHECK(skel->struct_ops.CC->cong_avoid == skel->progs.CCP(_cong_avoid),
		  "shadow .cong_avoid");
	OXT_CHECK(skel->struct_ops.CC->undo_cwnd == skel->progs.CCP(_undo_cwnd), "shadow .undo_cwnd");
	OXT_CHECK(skel->struct_ops.CC->release == NULL, "shadow .release not NULL");
	/* bpftool 7.5 emits array members as __unsupported_<index>: .name is member 11. */
	OXT_CHECK(strcmp(skel->struct_ops.CC->__unsupported_11, CC_NAME) == 0, "shadow .name '%s'",
		  skel->struct_ops.CC->__unsupported_11);
	/* Swap in the alternative program; the library reads the slot at load. */
	skel->struct_ops.CC->cong_avoid = skel->progs.CCP(_cong_avoid_alt);
	CHECK_IV(ops, skel->struct_ops.CC, cong_avoid, skel->progs.CCP(_cong_avoid_alt));

	/* bpftool >= 7.5 gives struct_ops maps a link slot (map_skel_sz >= 32). */
	OXT_CHECK(skel->skeleton->map_skel_sz >= 32, "map_skel_sz %d", skel->skeleton->map_skel_sz);
	OXT_CHECK(bpf_map__autoattach(ops), "struct_ops map does not autoattach");
#endif
}
#endif

#ifdef OBJ_DUMMY_OPS
static void check_object(struct dummy_ops *skel)
{
	OXT_CHECK(bpf_map__autocreate(skel->maps.dummy_1), "dummy_1 autocreate off");
	OXT_CHECK(!bpf_map__autocreate(skel->maps.dummy_2), "?.struct_ops dummy_2 autocreate on");
	OXT_CHECK(skel->struct_ops.dummy_1->test_1 == skel->progs.test_1, "dummy_1 .test_1");
	OXT_CHECK(skel->struct_ops.dummy_1->test_2 == skel->progs.test_2, "dummy_1 .test_2");
	OXT_CHECK(skel->struct_ops.dummy_1->test_sleepable == skel->progs.test_sleepable,
		  "dummy_1 .test_sleepable");
	OXT_CHECK(skel->struct_ops.dummy_2->test_1 == skel->progs.test_1, "dummy_2 .test_1");
	OXT_CHECK(skel->struct_ops.dummy_2->test_2 == NULL, "dummy_2 .test_2 not NULL");
	skel->bss->test_1_result = 3;
	CHECK_IV(skel->maps.bss, skel->bss, test_1_result, 3);
}
#endif

int main(void)
{
	struct SKEL *skel;

	skel = SKEL_FN(open)();
	if (!skel) {
		int err = errno;

		fprintf(stderr, "%s__open() failed: %d (%s)\n", STR(SKEL), -err, strerror(err));
		return 1;
	}
	check_generic(skel);
	check_object(skel);
	SKEL_FN(destroy)(skel);
	return oxt_result(STR(SKEL) " skeleton (bpftool " STR(SKEL_GEN) ")");
}
