/* cases FILE: tables of btf_dump__emit_type_decl() and btf_dump__dump_type_data() cases on
 * FILE's BTF, printing every output, return value and errno. Built against libbpf 1.5 and against liboxbpf; the two
 * outputs must be byte-identical (the test compares them).
 *
 * Decl table: every type id x {no opts, field name, field name + indent 2, strip_mods}.
 * Data table: instances of dump_types.h types (filled with chosen values, zeroes and patterns)
 * x every option (indent_str/indent_level, compact, skip_names, emit_zeroes) x full and short
 * sizes, unaligned copies, every type id over zero and pattern buffers, and error cases
 * (unknown id, kinds without values, empty data). That is for the fixture (bpf/dump_types.bpf.o,
 * recognised by its `struct nested`); any other BTF gets the sweep described at sweep(). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "dump_types.h"

static void print_cb(void *ctx, const char *fmt, va_list args)
{
	vfprintf(stdout, fmt, args);
}

static void result(int ret)
{
	printf("\n-> %d errno=%d\n", ret, ret < 0 ? errno : 0);
}

static const struct {
	const char *indent_str;
	int indent_level;
	bool compact, skip_names, emit_zeroes;
} data_opts[] = {
	{ NULL, 0, false, false, false },
	{ NULL, 0, true, false, false },
	{ NULL, 0, false, true, false },
	{ NULL, 0, false, false, true },
	{ "  ", 2, false, false, false },
	{ ">>", 1, true, true, true },
	{ "0123456789012345678901234567890123456789", 1, false, false, true },
};
#define N_DATA_OPTS (sizeof(data_opts) / sizeof(data_opts[0]))

static void dump_data(struct btf_dump *d, const char *what, __u32 id, const void *data, size_t sz,
		      unsigned oi)
{
	LIBBPF_OPTS(btf_dump_type_data_opts, o);
	int ret;

	o.indent_str = data_opts[oi].indent_str;
	o.indent_level = data_opts[oi].indent_level;
	o.compact = data_opts[oi].compact;
	o.skip_names = data_opts[oi].skip_names;
	o.emit_zeroes = data_opts[oi].emit_zeroes;
	printf("== data %s id=%u sz=%zu opts=%u\n", what, id, sz, oi);
	fflush(stdout);
	errno = 0;
	ret = btf_dump__dump_type_data(d, id, data, sz, &o);
	fflush(stdout);
	result(ret);
}

static void decl_table(struct btf_dump *d, const struct btf *btf, __u32 step)
{
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o);
	__u32 id, cnt = btf__type_cnt(btf);
	int ret, v;

	for (id = 0; id < cnt; id += step) {
		for (v = 0; v < 4; v++) {
			o.field_name = v == 0 ? NULL : v == 3 ? "v" : "fld";
			o.indent_level = v == 2 ? 2 : 0;
			o.strip_mods = v == 3;
			printf("== decl id=%u kind=%u variant=%d\n", id, btf_kind(btf__type_by_id(btf, id)), v);
			fflush(stdout);
			errno = 0;
			ret = btf_dump__emit_type_decl(d, id, v == 0 ? NULL : &o);
			fflush(stdout);
			result(ret);
		}
	}
}

static struct nested nested_val;
static struct bits bits_val;
static struct packed_s packed_val = { 'p', -7, 123456789 };
static union top_union tu_val;
static char pattern[4096] __attribute__((aligned(16)));
static char zeroes[4096] __attribute__((aligned(16)));
static char shortbuf[4096] __attribute__((aligned(16)));
static char unaligned[sizeof(struct nested) + 16] __attribute__((aligned(16)));

static void fill(void)
{
	size_t i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (char)(0x5a + i * 37);
	nested_val.id = 42;
	nested_val.pt.x = -1;
	nested_val.pt.inner.tag = 'T';
	nested_val.u.f = 1.5f;
	strcpy(nested_val.name, "abc");
	nested_val.matrix[0][1] = 5;
	nested_val.matrix[1][2] = -6;
	nested_val.b.a = 5;
	nested_val.b.b = -3;
	nested_val.b.c = 0xabcdef1234ULL;
	nested_val.b.col = GREEN;
	nested_val.b.e = 300;
	nested_val.b.f = 1;
	nested_val.c = BLUE;
	nested_val.anon_e = ANON_B;
	nested_val.ptr = (void *)0x1234;
	nested_val.op = (binop_t)0x7f0012345678UL; /* a fixed value: no ASLR in the output */
	nested_val.cstr = NULL;
	nested_val.vol = 9;
	nested_val.mi = -77;
	nested_val.big = ((__int128)1 << 100) + 5;
	nested_val.ubig = 17;
	nested_val.dbl = -2.25;
	nested_val.flt = 3.0f / 7.0f;
	nested_val.flag = 1;
	nested_val.se = S_B;
	nested_val.e64 = B_HI;
	nested_val.se64 = SB_NEG;
	nested_val.uc = U_B;
	nested_val.w32 = 77; /* no enumerator */
	nested_val.al.x = 16;
	nested_val.ps.c = '\n';
	nested_val.ps.l = -1;
	nested_val.h.tail = '\'';
	memcpy(nested_val.nm, "x\001y\0zz", 6);
	strcpy(nested_val.nms[1], "second");
	nested_val.tu.parts.hi = 0x7fff;
	bits_val = nested_val.b;
	tu_val.l = 0x0102030405060708L;
	memcpy(unaligned + 1, &nested_val, sizeof(nested_val));
}

/* Any other BTF. Small ones (raw_btf's): every declaration, every id's value over zeroes, a
 * pattern and a misaligned pattern with every option, and short data. Large ones (vmlinux):
 * every 13th declaration, and every 5th type of at most 4 KiB over a pattern, a misaligned
 * pattern, sparse data (every third byte zero) and half its size. */
static void sweep(struct btf_dump *d, const struct btf *btf)
{
	__u32 id, cnt = btf__type_cnt(btf);
	bool small = cnt < 1000;
	unsigned oi;
	size_t sz;

	decl_table(d, btf, small ? 1 : 13);
	for (id = small ? 0 : 1; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		__s64 s;

		if (small) {
			for (oi = 0; oi < N_DATA_OPTS; oi++) {
				dump_data(d, "zeroes", id, zeroes, 512, oi);
				dump_data(d, "pattern", id, pattern, 512, oi);
				dump_data(d, "pattern+3", id, pattern + 3, 512, oi);
			}
			for (sz = 0; sz < 24; sz++) {
				memset(shortbuf, 0xff, sizeof(shortbuf));
				memcpy(shortbuf, pattern, sz);
				dump_data(d, "short", id, shortbuf, sz, 0);
			}
			continue;
		}
		s = btf__resolve_size(btf, id);
		if (id % 5 || s > (__s64)sizeof(pattern))
			continue;
		(void)t;
		dump_data(d, "sweep", id, pattern, sizeof(pattern), id % N_DATA_OPTS);
		dump_data(d, "sweep+1", id, pattern + 1, sizeof(pattern) - 1, 3);
		/* sparse: every third byte zero, so zero members are left out */
		memcpy(shortbuf, pattern, sizeof(shortbuf));
		for (sz = 0; sz < sizeof(shortbuf); sz += 3)
			shortbuf[sz] = 0;
		dump_data(d, "sparse", id, shortbuf, sizeof(shortbuf), 1);
		/* half the data, 0xff past it (see the short-data note in main) */
		sz = s > 0 ? s / 2 : 0;
		memset(shortbuf, 0xff, sizeof(shortbuf));
		memcpy(shortbuf, pattern, sz);
		dump_data(d, "short", id, shortbuf, sz, 2);
	}
}

int main(int argc, char **argv)
{
	struct btf *btf;
	struct btf_dump *d;
	__u32 id, cnt;
	unsigned oi;
	size_t sz;

	if (argc != 2) {
		fprintf(stderr, "usage: cases FILE\n");
		return 2;
	}
	btf = btf__parse(argv[1], NULL);
	if (!btf) {
		printf("FAIL: parse %s: %d\n", argv[1], -errno);
		return 1;
	}
	fill();
	d = btf_dump__new(btf, print_cb, NULL, NULL);
	if (!d) {
		printf("FAIL: btf_dump__new: %d\n", -errno);
		return 1;
	}
	cnt = btf__type_cnt(btf);
	if (btf__find_by_name_kind(btf, "nested", BTF_KIND_STRUCT) < 0) {
		sweep(d, btf);
		btf_dump__free(d);
		btf__free(btf);
		printf("== done\n");
		return 0;
	}

	decl_table(d, btf, 1);

	/* Named instances: every option, full size and every shorter size of a few. */
	struct {
		const char *name;
		int kind;
		const void *val;
		size_t sz;
	} inst[] = {
		{ "nested", BTF_KIND_STRUCT, &nested_val, sizeof(nested_val) },
		{ "bits", BTF_KIND_STRUCT, &bits_val, sizeof(bits_val) },
		{ "packed_s", BTF_KIND_STRUCT, &packed_val, sizeof(packed_val) },
		{ "top_union", BTF_KIND_UNION, &tu_val, sizeof(tu_val) },
		{ "nested", BTF_KIND_STRUCT, zeroes, sizeof(nested_val) },
		{ "nested", BTF_KIND_STRUCT, pattern, sizeof(nested_val) },
		{ "nested", BTF_KIND_STRUCT, unaligned + 1, sizeof(nested_val) },
		{ "names_t", BTF_KIND_TYPEDEF, nested_val.nms, sizeof(nested_val.nms) },
		{ "cvint", BTF_KIND_TYPEDEF, &nested_val.mi, 4 },
		{ "color", BTF_KIND_ENUM, &nested_val.c, 4 },
		{ "wide32", BTF_KIND_ENUM64, &nested_val.w32, 8 },
		{ "wide32", BTF_KIND_ENUM, &nested_val.w32, 8 },
		{ "big64", BTF_KIND_ENUM64, &nested_val.e64, 8 },
		{ "ucolor", BTF_KIND_ENUM, &nested_val.uc, 4 },
		{ "binop_t", BTF_KIND_TYPEDEF, &nested_val.op, 8 },
		{ "empty", BTF_KIND_STRUCT, &nested_val.em, 0 },
		{ "g_nested", BTF_KIND_VAR, &nested_val, sizeof(nested_val) },
		{ "g_str", BTF_KIND_VAR, "hello\0world\0\0\0\0", 16 },
		{ ".data", BTF_KIND_DATASEC, pattern, sizeof(pattern) },
		{ ".bss", BTF_KIND_DATASEC, zeroes, sizeof(zeroes) },
		{ ".data", BTF_KIND_DATASEC, pattern, 100 },
	};
	for (unsigned i = 0; i < sizeof(inst) / sizeof(inst[0]); i++) {
		int tid = btf__find_by_name_kind(btf, inst[i].name, inst[i].kind);

		if (tid < 0) {
			printf("== no %s kind %d\n", inst[i].name, inst[i].kind);
			continue;
		}
		for (oi = 0; oi < N_DATA_OPTS; oi++)
			dump_data(d, inst[i].name, tid, inst[i].val, inst[i].sz, oi);
		/* Short data: the bytes past `sz` are 0xff, so that where libbpf reads past the end
		 * without a check (zero tests of nested members), it sees non-zero data, which is
		 * how liboxbpf (never reading past the end) counts such members. */
		for (sz = 0; sz < inst[i].sz && sz < 80; sz += (sz < 16 ? 1 : 7)) {
			memset(shortbuf, 0xff, sizeof(shortbuf));
			memcpy(shortbuf, inst[i].val, sz);
			dump_data(d, inst[i].name, tid, shortbuf, sz, 0);
			dump_data(d, inst[i].name, tid, shortbuf, sz, 2);
		}
	}

	/* Every type id over zeroes and over a pattern, aligned and not. */
	for (id = 0; id < cnt; id++) {
		dump_data(d, "zeroes", id, zeroes, 512, 0);
		dump_data(d, "zeroes", id, zeroes, 512, 3);
		dump_data(d, "pattern", id, pattern, 512, 0);
		dump_data(d, "pattern+1", id, pattern + 1, 512, 1);
	}
	/* Unknown ids. */
	dump_data(d, "unknown", cnt, pattern, 16, 0);
	dump_data(d, "unknown", cnt + 100, pattern, 16, 0);
	printf("== dump_type unknown\n");
	fflush(stdout);
	result(btf_dump__dump_type(d, cnt));
	btf_dump__free(d);

	btf__free(btf);
	printf("== done\n");
	return 0;
}
