/* raw_btf OUT: writes a hand-built raw BTF file with what compilers rarely emit but btf_dump
 * must handle as libbpf does: long double and 128-bit ints, GCC's va_list typedefs, a missing
 * __PolyN_t alias, signed enum64 beyond 2^63, anonymous and empty enums, forward declarations,
 * duplicate names, irregular bitfields and padding, misaligned (packed) members, type tags under
 * qualifiers, variadic prototypes, arrays of function pointers, FUNC/VAR/DATASEC/DECL_TAG,
 * anonymous empty structs and pointer cycles. The btf_dump tests dump it with both libraries. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/btf.h>

static uint32_t types[4096], ntypes;
static char strs[8192] = "";
static uint32_t nstrs = 1, next_id = 1;

static uint32_t str(const char *s)
{
	uint32_t off = nstrs;

	if (!*s)
		return 0;
	memcpy(strs + nstrs, s, strlen(s) + 1);
	nstrs += strlen(s) + 1;
	return off;
}

static uint32_t hdr(const char *name, int kind, int kflag, int vlen, uint32_t size_or_type)
{
	types[ntypes++] = str(name);
	types[ntypes++] = ((uint32_t)kflag << 31) | ((uint32_t)kind << 24) | (uint32_t)vlen;
	types[ntypes++] = size_or_type;
	return next_id++;
}

static void w(uint32_t v)
{
	types[ntypes++] = v;
}

static uint32_t int_t(const char *name, uint32_t size, uint32_t enc)
{
	uint32_t id = hdr(name, BTF_KIND_INT, 0, 0, size);

	w(enc << 24 | size * 8);
	return id;
}

static void member(const char *name, uint32_t type, uint32_t off)
{
	w(str(name));
	w(type);
	w(off);
}

int main(int argc, char **argv)
{
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h) };
	FILE *f;

	/* 1 */ int_t("int", 4, BTF_INT_SIGNED);
	/* 2 */ int_t("char", 1, BTF_INT_SIGNED | BTF_INT_CHAR);
	/* 3 */ int_t("unsigned __int128", 16, 0);
	/* 4 */ hdr("long double", BTF_KIND_FLOAT, 0, 0, 16);
	/* 5 */ hdr("double", BTF_KIND_FLOAT, 0, 0, 8);
	/* 6 */ int_t("__Poly8_t", 1, 0);
	/* 7 */ hdr("__gnuc_va_list", BTF_KIND_TYPEDEF, 0, 0, 0);
	/* 8 */ hdr("__builtin_va_list", BTF_KIND_TYPEDEF, 0, 0, 9);
	/* 9 */ hdr("", BTF_KIND_PTR, 0, 0, 2);
	/* 10 */ hdr("sbig", BTF_KIND_ENUM64, 1, 2, 8);
	w(str("SB_M1")); w(0xffffffff); w(0xffffffff);
	w(str("SB_MIN")); w(0); w(0x80000000);
	/* 11: top-level anonymous enum (unreferenced), one byte */
	hdr("", BTF_KIND_ENUM, 0, 2, 1);
	w(str("TOP_X")); w(1);
	w(str("TOP_Y")); w(255);
	/* 12 */ hdr("fwd_enum", BTF_KIND_ENUM, 0, 0, 4);
	/* 13 */ hdr("fu", BTF_KIND_FWD, 1, 0, 0);
	/* 14 */ hdr("fs", BTF_KIND_FWD, 0, 0, 0);
	/* 15 */ hdr("dup", BTF_KIND_STRUCT, 0, 1, 4);
	member("a", 1, 0);
	/* 16 */ hdr("dup", BTF_KIND_STRUCT, 0, 2, 8);
	member("a", 1, 0);
	member("b", 1, 32);
	/* 17: irregular bitfields (kind_flag encoding: size << 24 | offset) */
	hdr("weird_bits", BTF_KIND_STRUCT, 1, 5, 16);
	member("a", 1, 3u << 24 | 0);
	member("b", 1, 7u << 24 | 13);
	member("c", 2, 0u << 24 | 40);
	member("d", 1, 31u << 24 | 64);
	member("e", 3, 1u << 24 | 100);
	/* 18: an int at a byte offset: needs packed */
	hdr("misaligned", BTF_KIND_STRUCT, 0, 2, 5);
	member("c", 2, 0);
	member("i", 1, 8);
	/* 19: trailing padding */
	hdr("tail_pad", BTF_KIND_STRUCT, 0, 1, 24);
	member("i", 1, 0);
	/* 20 */ hdr("user", BTF_KIND_TYPE_TAG, 0, 0, 1);
	/* 21 */ hdr("", BTF_KIND_PTR, 0, 0, 20);
	/* 22 */ hdr("", BTF_KIND_CONST, 0, 0, 21);
	/* 23 */ hdr("", BTF_KIND_VOLATILE, 0, 0, 22);
	/* 24 */ hdr("", BTF_KIND_RESTRICT, 0, 0, 23);
	/* 25: int (int a, ...) */
	hdr("", BTF_KIND_FUNC_PROTO, 0, 2, 1);
	w(str("a")); w(1);
	w(0); w(0);
	/* 26 */ hdr("", BTF_KIND_PTR, 0, 0, 25);
	/* 27 */ hdr("", BTF_KIND_ARRAY, 0, 0, 0);
	w(26); w(1); w(3);
	/* 28 */ hdr("fparr", BTF_KIND_TYPEDEF, 0, 0, 27);
	/* 29 */ hdr("f", BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL, 25);
	/* 30 */ hdr("v", BTF_KIND_VAR, 0, 0, 17);
	w(BTF_VAR_GLOBAL_ALLOCATED);
	/* 31 */ hdr(".data", BTF_KIND_DATASEC, 0, 1, 32);
	w(30); w(0); w(16);
	/* 32 */ hdr("tag", BTF_KIND_DECL_TAG, 0, 0, 17);
	w(1);
	/* 33 */ hdr("holder", BTF_KIND_STRUCT, 0, 6, 80);
	member("x", 24, 0);
	member("arr", 28, 64);
	member("e", 34, 256);
	member("up", 35, 320);
	member("ld", 4, 384);
	member("big", 3, 512);
	/* 34: anonymous one-byte enum, referenced by holder */
	hdr("", BTF_KIND_ENUM, 1, 2, 1);
	w(str("Q_NEG")); w((uint32_t)-2);
	w(str("Q_POS")); w(5);
	/* 35 */ hdr("", BTF_KIND_PTR, 0, 0, 13);
	/* 36: anonymous empty struct behind a typedef */
	hdr("", BTF_KIND_STRUCT, 0, 0, 0);
	/* 37 */ hdr("empty_t", BTF_KIND_TYPEDEF, 0, 0, 36);
	/* 38: void (void) */
	hdr("", BTF_KIND_FUNC_PROTO, 0, 0, 0);
	/* 39 */ hdr("", BTF_KIND_PTR, 0, 0, 38);
	/* 40 */ hdr("cb_t", BTF_KIND_TYPEDEF, 0, 0, 39);
	/* 41: struct cycle_a { struct cycle_b *b; cb_t cb; char name[0]; } */
	hdr("cycle_a", BTF_KIND_STRUCT, 0, 3, 16);
	member("b", 42, 0);
	member("cb", 40, 64);
	member("name", 45, 128);
	/* 42 */ hdr("", BTF_KIND_PTR, 0, 0, 43);
	/* 43 */ hdr("cycle_b", BTF_KIND_STRUCT, 0, 1, 8);
	member("a", 44, 0);
	/* 44 */ hdr("", BTF_KIND_PTR, 0, 0, 41);
	/* 45 */ hdr("", BTF_KIND_ARRAY, 0, 0, 0);
	w(2); w(1); w(0);
	/* 46: a union with a nested anonymous struct of bitfields */
	hdr("u_bits", BTF_KIND_UNION, 0, 2, 8);
	member("raw", 5, 0);
	member("s", 47, 0);
	/* 47 */ hdr("", BTF_KIND_STRUCT, 1, 2, 8);
	member("lo", 1, 20u << 24 | 0);
	member("hi", 10, 12u << 24 | 40);
	/* 48: typedef chain with qualifiers */
	hdr("cint", BTF_KIND_TYPEDEF, 0, 0, 49);
	/* 49 */ hdr("", BTF_KIND_CONST, 0, 0, 15);
	/* 50 */ hdr("dup", BTF_KIND_TYPEDEF, 0, 0, 16);

	h.type_len = ntypes * 4;
	h.str_off = h.type_len;
	h.str_len = nstrs;
	if (argc != 2 || !(f = fopen(argv[1], "wb")))
		return 2;
	fwrite(&h, sizeof(h), 1, f);
	fwrite(types, 4, ntypes, f);
	fwrite(strs, 1, nstrs, f);
	return fclose(f) ? 1 : 0;
}
