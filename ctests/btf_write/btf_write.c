/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * btf_write SCENARIO [ARG]: builds BTF through libbpf's btf__add_* API and prints every return
 * value, errno, libbpf warning and the resulting btf__raw_data bytes. Built once against
 * upstream libbpf 1.5 and once against liboxbpf; diff_btf.sh requires identical output.
 *
 * Scenarios:
 *   build          every kind from an empty BTF, plus the errno of each bad call
 *   split          split BTF over a small base, and over vmlinux
 *   copy           btf__add_type / btf__add_btf from other BTFs
 *   parsed OBJ     additions to the BTF of an ELF object (a parsed, then modified, BTF)
 *   endian [OBJ]   byte-swapped output and parsing of it
 *   kernel         btf__load_into_kernel, read back by id, and a BTF the kernel refuses
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../oxt_hash.h"

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN)
		return 0;
	printf("log: ");
	return vprintf(fmt, args);
}

/* Print a call's result and errno (errno reset first so a stale value never shows). */
#define CALL(expr)                                                                 \
	({                                                                         \
		errno = 0;                                                         \
		long long __r = (long long)(expr);                                 \
		int __e = errno;                                                   \
		printf("%-60s = %lld", #expr, __r);                                \
		if (__r < 0)                                                       \
			printf(" errno %d", __e);                                  \
		printf("\n");                                                      \
		__r;                                                               \
	})

/* The blob: hex when small, else its size and a digest. */
static void dump_raw(const char *what, const struct btf *btf)
{
	__u32 sz = 0;
	const unsigned char *p;

	errno = 0;
	p = btf__raw_data(btf, &sz);
	if (!p) {
		printf("%s: raw_data NULL errno %d\n", what, errno);
		return;
	}
	printf("%s: %u bytes, fnv %016llx, type_cnt %u, endianness %d\n", what, sz,
	       oxt_fnv1a(p, sz), btf__type_cnt(btf), btf__endianness(btf));
	if (sz > 8192)
		return;
	for (__u32 i = 0; i < sz; i++)
		printf("%02x%s", p[i], (i % 32 == 31 || i + 1 == sz) ? "\n" : "");
}

/* Walk types through btf__type_by_id / btf__name_by_offset (the edited BTF must read back). */
static void walk_n(const struct btf *btf, __u32 from, __u32 n)
{
	for (__u32 id = from; id < btf__type_cnt(btf) && id - from < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *n = btf__name_by_offset(btf, t->name_off);

		printf("  [%u] kind %u vlen %u kflag %d name '%s' size/type %u\n", id, btf_kind(t),
		       btf_vlen(t), btf_kflag(t), n ? n : "(null)", t->size);
	}
}

static void walk(const struct btf *btf, __u32 from)
{
	walk_n(btf, from, UINT32_MAX);
}

static void scenario_build(void)
{
	struct btf *btf = btf__new_empty();
	int i_int, i_uint, i_s, i_u, i_e, i_e64, i_fp, i_f, i_v, i_ds, i_ptr;

	printf("pointer_size %zu endianness %d type_cnt %u\n", btf__pointer_size(btf),
	       btf__endianness(btf), btf__type_cnt(btf));
	dump_raw("empty", btf);

	/* the last type is not a struct/enum/proto/datasec yet */
	CALL(btf__add_field(btf, "f", 1, 0, 0));
	CALL(btf__add_enum_value(btf, "V", 1));
	CALL(btf__add_enum64_value(btf, "V", 1));
	CALL(btf__add_func_param(btf, "p", 1));
	CALL(btf__add_datasec_var_info(btf, 1, 0, 4));

	i_int = CALL(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	i_uint = CALL(btf__add_int(btf, "unsigned int", 4, 0));
	CALL(btf__add_int(btf, "char", 1, BTF_INT_CHAR | BTF_INT_SIGNED));
	CALL(btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL));
	CALL(btf__add_int(btf, "__int128", 16, BTF_INT_SIGNED));
	CALL(btf__add_int(btf, NULL, 4, 0));
	CALL(btf__add_int(btf, "", 4, 0));
	CALL(btf__add_int(btf, "bad", 3, 0));
	CALL(btf__add_int(btf, "bad", 32, 0));
	CALL(btf__add_int(btf, "bad", 0, 0));
	CALL(btf__add_int(btf, "bad", 4, 8));
	CALL(btf__add_float(btf, "double", 8));
	CALL(btf__add_float(btf, "long double", 16));
	CALL(btf__add_float(btf, "bad", 3));
	CALL(btf__add_float(btf, NULL, 4));

	i_ptr = CALL(btf__add_ptr(btf, i_int));
	CALL(btf__add_ptr(btf, 1000)); /* forward reference: allowed */
	CALL(btf__add_ptr(btf, -1));
	CALL(btf__add_const(btf, i_int));
	CALL(btf__add_volatile(btf, i_int));
	CALL(btf__add_restrict(btf, i_ptr));
	CALL(btf__add_const(btf, -5));
	CALL(btf__add_typedef(btf, "int_t", i_int));
	CALL(btf__add_typedef(btf, "", i_int));
	CALL(btf__add_typedef(btf, "bad", -1));
	CALL(btf__add_type_tag(btf, "user", i_int));
	CALL(btf__add_type_tag(btf, NULL, i_int));
	CALL(btf__add_array(btf, i_uint, i_int, 16));
	CALL(btf__add_array(btf, -1, i_int, 16));
	CALL(btf__add_array(btf, i_uint, -2, 16));

	i_s = CALL(btf__add_struct(btf, "s", 16));
	CALL(btf__add_field(btf, "a", i_int, 0, 0));
	CALL(btf__add_field(btf, NULL, i_int, 32, 0));
	CALL(btf__add_field(btf, "bits", i_uint, 64, 3));
	CALL(btf__add_field(btf, "odd", i_uint, 67, 0)); /* not byte aligned: a bitfield without size */
	CALL(btf__add_field(btf, "big", i_uint, 68, 256));
	CALL(btf__add_field(btf, "far", i_uint, 0x1000000, 1));
	CALL(btf__add_field(btf, "neg", -1, 0, 0));
	CALL(btf__add_field(btf, "c", i_uint, 96, 5));
	CALL(btf__add_struct(btf, NULL, 0));
	CALL(btf__add_field(btf, "x", i_int, 0, 0));
	i_u = CALL(btf__add_union(btf, "u", 4));
	CALL(btf__add_field(btf, "a", i_int, 0, 0));
	CALL(btf__add_field(btf, "b", i_uint, 0, 3));
	CALL(btf__add_field(btf, "c", i_uint, 8, 0));
	CALL(btf__add_union(btf, "", 8));

	i_e = CALL(btf__add_enum(btf, "e", 4));
	CALL(btf__add_enum_value(btf, "E_A", 0));
	CALL(btf__add_enum_value(btf, "E_B", 0xffffffffLL));
	CALL(btf__add_enum_value(btf, "E_BIG", 0x100000000LL));
	CALL(btf__add_enum_value(btf, "E_SMALL", -2147483649LL));
	CALL(btf__add_enum_value(btf, NULL, 1));
	CALL(btf__add_enum_value(btf, "", 1));
	CALL(btf__add_enum64_value(btf, "WRONG_KIND", 1));
	CALL(btf__add_enum(btf, "signed_e", 4));
	CALL(btf__add_enum_value(btf, "S_A", 1));
	CALL(btf__add_enum_value(btf, "S_NEG", -1));
	CALL(btf__add_enum_value(btf, "S_B", 2));
	CALL(btf__add_enum(btf, NULL, 1));
	CALL(btf__add_enum(btf, "bad", 3));
	CALL(btf__add_enum(btf, "bad", 16));
	CALL(btf__add_enum(btf, "bad", 0));
	i_e64 = CALL(btf__add_enum64(btf, "e64", 8, false));
	CALL(btf__add_enum64_value(btf, "X_MAX", UINT64_MAX));
	CALL(btf__add_enum64_value(btf, "X_1", 1));
	CALL(btf__add_enum_value(btf, "WRONG_KIND", 1));
	CALL(btf__add_enum64(btf, "se64", 8, true));
	CALL(btf__add_enum64_value(btf, "Y_NEG", (__u64)-5LL));
	CALL(btf__add_enum64(btf, "bad", 12, false));

	CALL(btf__add_fwd(btf, "fs", BTF_FWD_STRUCT));
	CALL(btf__add_fwd(btf, "fu", BTF_FWD_UNION));
	CALL(btf__add_fwd(btf, "fe", BTF_FWD_ENUM));
	CALL(btf__add_fwd(btf, "bad", 3));
	CALL(btf__add_fwd(btf, NULL, BTF_FWD_STRUCT));

	i_fp = CALL(btf__add_func_proto(btf, i_int));
	CALL(btf__add_func_param(btf, "a", i_int));
	CALL(btf__add_func_param(btf, NULL, i_ptr));
	CALL(btf__add_func_param(btf, "bad", -1));
	CALL(btf__add_func_param(btf, "", 0));
	CALL(btf__add_func_proto(btf, -1));
	i_f = CALL(btf__add_func(btf, "f", BTF_FUNC_GLOBAL, i_fp));
	CALL(btf__add_func(btf, "g", BTF_FUNC_STATIC, i_fp));
	CALL(btf__add_func(btf, "h", BTF_FUNC_EXTERN, i_fp));
	CALL(btf__add_func(btf, "bad", 3, i_fp));
	CALL(btf__add_func(btf, NULL, BTF_FUNC_GLOBAL, i_fp));
	CALL(btf__add_func(btf, "bad", BTF_FUNC_GLOBAL, -1));

	i_v = CALL(btf__add_var(btf, "v", BTF_VAR_GLOBAL_ALLOCATED, i_int));
	CALL(btf__add_var(btf, "w", BTF_VAR_STATIC, i_s));
	CALL(btf__add_var(btf, "x", BTF_VAR_GLOBAL_EXTERN, i_u));
	CALL(btf__add_var(btf, "bad", 3, i_int));
	CALL(btf__add_var(btf, "bad", -1, i_int));
	CALL(btf__add_var(btf, "", 0, i_int));
	CALL(btf__add_var(btf, "bad", 0, -1));
	i_ds = CALL(btf__add_datasec(btf, ".data", 24));
	CALL(btf__add_datasec_var_info(btf, i_v, 0, 4));
	CALL(btf__add_datasec_var_info(btf, i_v + 1, 4, 16));
	CALL(btf__add_datasec_var_info(btf, -1, 4, 16));
	CALL(btf__add_datasec(btf, NULL, 0));
	CALL(btf__add_datasec(btf, ".bss", 0));

	CALL(btf__add_decl_tag(btf, "tag_type", i_s, -1));
	CALL(btf__add_decl_tag(btf, "tag_member", i_s, 1));
	CALL(btf__add_decl_tag(btf, "tag_param", i_f, 0));
	CALL(btf__add_decl_tag(btf, "tag_var", i_v, -1));
	CALL(btf__add_decl_tag(btf, "bad", i_s, -2));
	CALL(btf__add_decl_tag(btf, "", i_s, 0));
	CALL(btf__add_decl_tag(btf, "bad", -1, 0));
	(void)i_ds, (void)i_e, (void)i_e64;

	/* strings */
	CALL(btf__find_str(btf, "int"));
	CALL(btf__find_str(btf, ""));
	CALL(btf__find_str(btf, "not there"));
	CALL(btf__add_str(btf, "not there"));
	CALL(btf__find_str(btf, "not there"));
	CALL(btf__add_str(btf, "int"));
	CALL(btf__add_str(btf, ""));
	CALL(btf__add_str(btf, "there"));

	printf("resolve_size(s) %lld align_of(s) %d find_by_name(e64) %d\n",
	       (long long)btf__resolve_size(btf, i_s), btf__align_of(btf, i_s),
	       btf__find_by_name(btf, "e64"));
	walk(btf, 1);
	dump_raw("built", btf);

	/* a parse of the bytes reads back identically */
	{
		__u32 sz;
		const void *raw = btf__raw_data(btf, &sz);
		struct btf *again = btf__new(raw, sz);

		printf("reparse %s\n", again ? "ok" : "failed");
		if (again)
			dump_raw("reparsed", again);
		btf__free(again);
	}
	btf__free(btf);
}

static struct btf *small_base(void)
{
	struct btf *b = btf__new_empty();

	btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	btf__add_ptr(b, 1);
	btf__add_struct(b, "base_s", 8);
	btf__add_field(b, "p", 2, 0, 0);
	return b;
}

static void scenario_split(void)
{
	struct btf *base = small_base(), *split, *vml, *mod;
	int id;

	split = btf__new_empty_split(base);
	printf("split start type_cnt %u base==%d\n", btf__type_cnt(split), btf__base_btf(split) == base);
	dump_raw("empty split", split);
	CALL(btf__add_field(split, "x", 1, 0, 0)); /* no own type yet */
	CALL(btf__add_str(split, "int"));
	CALL(btf__add_str(split, ""));
	CALL(btf__find_str(split, "base_s"));
	CALL(btf__find_str(split, "own"));
	id = CALL(btf__add_struct(split, "own", 16));
	CALL(btf__add_field(split, "i", 1, 0, 0));
	CALL(btf__add_field(split, "p", 2, 64, 0));
	CALL(btf__add_ptr(split, id));
	CALL(btf__add_typedef(split, "int", 1));
	CALL(btf__add_str(split, "own"));
	walk(split, 1);
	dump_raw("split", split);
	dump_raw("base", base);
	{
		/* the split's bytes parsed back on the base, then extended */
		__u32 sz;
		const void *raw = btf__raw_data(split, &sz);
		struct btf *again = btf__new_split(raw, sz, base);

		printf("reparse split %s\n", again ? "ok" : "failed");
		if (again) {
			CALL(btf__find_str(again, "own"));
			CALL(btf__add_str(again, "own"));
			CALL(btf__add_str(again, "base_s"));
			CALL(btf__add_enum(again, "own_e", 2));
			CALL(btf__add_enum_value(again, "OWN_A", -3));
			walk(again, 4);
			dump_raw("split reparsed", again);
			btf__free(again);
		}
	}
	btf__free(split);
	btf__free(base);

	vml = btf__load_vmlinux_btf();
	if (!vml) {
		printf("no vmlinux BTF: errno %d\n", errno);
		return;
	}
	mod = btf__new_empty_split(vml);
	printf("vmlinux split start %d\n", btf__type_cnt(mod) == btf__type_cnt(vml));
	CALL(btf__add_str(mod, "task_struct") == btf__find_str(vml, "task_struct"));
	id = btf__find_by_name_kind(vml, "task_struct", BTF_KIND_STRUCT);
	CALL(btf__add_ptr(mod, id) - (int)btf__type_cnt(vml));
	CALL(btf__add_struct(mod, "oxbpf_mod_s", 8) - (int)btf__type_cnt(vml));
	CALL(btf__add_field(mod, "task", btf__type_cnt(vml), 0, 0));
	CALL(btf__add_type(mod, vml, btf__type_by_id(vml, id)) - (int)btf__type_cnt(vml));
	CALL(btf__add_btf(mod, vml));
	{
		struct btf *s2 = btf__new_empty_split(vml);

		btf__add_int(s2, "oxbpf_int", 4, 0);
		CALL(btf__add_btf(mod, s2)); /* split source: not supported */
		btf__free(s2);
	}
	walk_n(mod, btf__type_cnt(vml), 8);
	walk_n(mod, btf__type_cnt(mod) - 4, 4);
	dump_raw("vmlinux split", mod);
	btf__free(mod);
	btf__free(vml);
}

static void scenario_copy(void)
{
	struct btf *src = small_base(), *dst = btf__new_empty();
	int id;

	btf__add_enum64(src, "src_e64", 8, true);
	btf__add_enum64_value(src, "Z", 3);
	btf__add_func_proto(src, 1);
	btf__add_func_param(src, "arg", 2);
	btf__add_func(src, "src_fn", BTF_FUNC_GLOBAL, 6);
	btf__add_var(src, "src_var", 0, 3);
	btf__add_datasec(src, ".data", 8);
	btf__add_datasec_var_info(src, 8, 0, 8);
	btf__add_decl_tag(src, "t", 3, 0);
	btf__add_type_tag(src, "tt", 1);
	btf__add_array(src, 1, 3, 2);

	btf__add_float(dst, "float", 4);
	btf__add_str(dst, "arg");
	for (__u32 i = 1; i < btf__type_cnt(src); i++)
		CALL(btf__add_type(dst, src, btf__type_by_id(src, i)));
	CALL(btf__add_type(dst, src, btf__type_by_id(src, 0)));
	id = CALL(btf__add_btf(dst, src));
	CALL(btf__add_btf(dst, dst));
	CALL(btf__add_type(dst, dst, btf__type_by_id(dst, id)));
	{
		/* a record the caller built itself */
		struct {
			struct btf_type t;
			__u32 enc;
		} rec;

		memset(&rec, 0, sizeof(rec));
		rec.t.name_off = btf__find_str(src, "int");
		rec.t.info = BTF_KIND_INT << 24;
		rec.t.size = 8;
		rec.enc = 64;
		CALL(btf__add_type(dst, src, &rec.t));
	}
	walk(dst, 1);
	dump_raw("copy", dst);
	btf__free(src);
	btf__free(dst);
}

static void scenario_parsed(const char *path)
{
	struct btf *btf = btf__parse(path, NULL);
	__u32 cnt;
	int id;

	if (!btf) {
		printf("parse %s failed: errno %d\n", path, errno);
		return;
	}
	cnt = btf__type_cnt(btf);
	dump_raw("parsed", btf);
	CALL(btf__find_str(btf, "int"));
	CALL(btf__find_str(btf, "oxbpf_new"));
	dump_raw("after find_str", btf);
	id = CALL(btf__add_int(btf, "oxbpf_new", 8, 0));
	CALL(btf__add_str(btf, "int"));
	CALL(btf__add_str(btf, "oxbpf_new"));
	CALL(btf__add_struct(btf, "oxbpf_s", 8));
	CALL(btf__add_field(btf, "v", id, 0, 0));
	CALL(btf__add_field(btf, "w", 1, 0, 3));
	CALL(btf__add_type(btf, btf, btf__type_by_id(btf, 1)));
	walk(btf, cnt);
	dump_raw("modified", btf);
	btf__free(btf);
}

static void dump_ext(const char *what, const struct btf_ext *ext)
{
	const unsigned char *p;
	__u32 sz = 0;

	p = btf_ext__raw_data(ext, &sz);
	if (!p) {
		printf("%s: raw_data NULL errno %d\n", what, errno);
		return;
	}
	printf("%s: %u bytes, fnv %016llx, endianness %d\n", what, sz,
	       oxt_fnv1a(p, sz), btf_ext__endianness(ext));
	for (__u32 i = 0; i < sz && i < 256; i++)
		printf("%02x%s", p[i], (i % 32 == 31 || i + 1 == sz || i == 255) ? "\n" : "");
}

/* .BTF.ext in the other byte order, and parsed back from it. */
static void ext_endian(struct btf_ext *ext)
{
	struct btf_ext *back;
	const void *raw;
	__u32 sz;

	dump_ext("ext native", ext);
	CALL(btf_ext__set_endianness(ext, 9));
	CALL(btf_ext__set_endianness(ext, BTF_BIG_ENDIAN));
	dump_ext("ext big", ext);
	raw = btf_ext__raw_data(ext, &sz);
	back = btf_ext__new(raw, sz);
	printf("ext parse swapped: %s\n", back ? "ok" : "failed");
	if (back) {
		dump_ext("ext swapped reparsed", back);
		CALL(btf_ext__set_endianness(back, BTF_LITTLE_ENDIAN));
		dump_ext("ext swapped back", back);
		btf_ext__free(back);
	}
	CALL(btf_ext__set_endianness(ext, BTF_LITTLE_ENDIAN));
	dump_ext("ext little", ext);
}

static void scenario_endian(const char *path)
{
	struct btf_ext *ext = NULL;
	struct btf *btf = path ? btf__parse(path, &ext) : small_base(), *back;
	const void *raw;
	__u32 sz;

	if (!btf) {
		printf("parse failed: errno %d\n", errno);
		return;
	}
	CALL(btf__set_endianness(btf, 7));
	CALL(btf__set_endianness(btf, BTF_BIG_ENDIAN));
	dump_raw("big", btf);
	raw = btf__raw_data(btf, &sz);
	back = btf__new(raw, sz);
	printf("parse swapped: %s\n", back ? "ok" : "failed");
	if (back) {
		printf("swapped endianness %d\n", btf__endianness(back));
		walk(back, btf__type_cnt(back) > 8 ? btf__type_cnt(back) - 8 : 1);
		dump_raw("swapped reparsed", back);
		CALL(btf__add_int(back, "oxbpf_added", 2, 0));
		dump_raw("swapped modified", back);
		CALL(btf__set_endianness(back, BTF_LITTLE_ENDIAN));
		dump_raw("swapped back", back);
		btf__free(back);
	}
	CALL(btf__set_endianness(btf, BTF_LITTLE_ENDIAN));
	dump_raw("little", btf);
	btf__free(btf);
	if (ext) {
		ext_endian(ext);
		btf_ext__free(ext);
	}
}

/* Kernel-format bytes of the BTF object behind `id`, via the C API under test. */
static int same_as_kernel(const struct btf *btf, __u32 id)
{
	struct btf *k = btf__load_from_kernel_by_id(id);
	const void *a, *b;
	__u32 asz, bsz;
	int same;

	if (!k) {
		printf("load_from_kernel_by_id: errno %d\n", errno);
		return 0;
	}
	a = btf__raw_data(btf, &asz);
	b = btf__raw_data(k, &bsz);
	same = asz == bsz && !memcmp(a, b, asz);
	btf__free(k);
	return same;
}

static int fcntl_closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

static void scenario_kernel(void)
{
	struct btf *btf = small_base(), *bad;
	struct bpf_btf_info info = {};
	__u32 len = sizeof(info);
	int fd;

	CALL(btf__fd(btf));
	CALL(btf__load_into_kernel(btf));
	fd = btf__fd(btf);
	printf("fd valid %d\n", fd >= 0);
	CALL(btf__load_into_kernel(btf));
	if (fd >= 0 && !bpf_btf_get_info_by_fd(fd, &info, &len)) {
		printf("kernel copy identical: %d\n", same_as_kernel(btf, info.id));
		{
			struct btf *base = small_base();
			struct btf *s = btf__load_from_kernel_by_id_split(info.id, base);

			printf("by id split: %s type_cnt %u\n", s ? "ok" : "failed",
			       s ? btf__type_cnt(s) : 0);
			btf__free(s);
			btf__free(base);
		}
	}
	{
		struct btf *none;

		errno = 0;
		none = btf__load_from_kernel_by_id(0x7ffffff0);
		printf("load_from_kernel_by_id(bogus) %s errno %d\n", none ? "found" : "NULL", errno);
		btf__free(none);
	}

	/* btf__set_fd hands an fd over; btf__fd reports it */
	{
		struct btf *other = btf__new_empty();
		int dup_fd = dup(fd);

		btf__set_fd(other, dup_fd);
		printf("set_fd round trip %d\n", btf__fd(other) == dup_fd);
		CALL(btf__load_into_kernel(other));
		btf__free(other);
		printf("fd closed by btf__free %d\n", fcntl_closed(dup_fd));
	}
	btf__free(btf);

	/* the kernel refuses: a member refers to a type that does not exist */
	bad = btf__new_empty();
	btf__add_int(bad, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(bad, "broken", 4);
	btf__add_field(bad, "m", 42, 0, 0);
	CALL(btf__load_into_kernel(bad));
	CALL(btf__fd(bad));
	btf__free(bad);

	/* and a FUNC whose prototype is not a FUNC_PROTO */
	bad = btf__new_empty();
	btf__add_int(bad, "int", 4, BTF_INT_SIGNED);
	btf__add_func(bad, "f", BTF_FUNC_GLOBAL, 1);
	CALL(btf__load_into_kernel(bad));
	btf__free(bad);
}

int main(int argc, char **argv)
{
	const char *sc = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_fn);
	if (!strcmp(sc, "build"))
		scenario_build();
	else if (!strcmp(sc, "split"))
		scenario_split();
	else if (!strcmp(sc, "copy"))
		scenario_copy();
	else if (!strcmp(sc, "parsed") && argc > 2)
		scenario_parsed(argv[2]);
	else if (!strcmp(sc, "endian"))
		scenario_endian(argc > 2 ? argv[2] : NULL);
	else if (!strcmp(sc, "kernel")) {
		if (geteuid() != 0) {
			printf("SKIP: needs root (CAP_BPF) to load BTF; running as uid %d\n", (int)geteuid());
			return 77;
		}
		scenario_kernel();
	} else {
		fprintf(stderr, "usage: %s build|split|copy|parsed OBJ|endian [OBJ]|kernel\n", argv[0]);
		return 2;
	}
	return 0;
}
