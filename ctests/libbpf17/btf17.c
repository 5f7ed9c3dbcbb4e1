/* btf17.c: the btf.h functions libbpf 1.6/1.7 added — btf__add_type_attr, btf__add_decl_attr
 * (LIBBPF_1.6.0) and btf__permute (LIBBPF_1.7.0) — printed as a transcript: return values,
 * errno, the raw bytes of the BTF, the kernel's verdict on loading it (no C dump: its kflag
 * tags print as libbpf 1.5 prints them, see DIFFERENCES.md); with an
 * object file argument, that object's BTF permuted along with its .BTF.ext. Built
 * against libbpf 1.7's headers; the transcripts of upstream libbpf 1.7 and of liboxbpf must be
 * equal. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "t17.h"

static void hex(const struct btf *btf, const char *what)
{
	__u32 sz = 0, i;
	const unsigned char *p = btf__raw_data(btf, &sz);

	printf("%s: %u bytes", what, sz);
	for (i = 0; p && i < sz; i++)
		printf("%s%02x", i % 32 ? "" : "\n  ", p[i]);
	printf("\n");
}

/* int; ptr; type_tag; type_attr; ptr to the attr; struct s { int a; int __attribute__((x)) *p; };
 * decl_tag on s.a; decl_attr on s; typedef t. */
static struct btf *build(struct btf *base)
{
	struct btf *btf = base ? btf__new_empty_split(base) : btf__new_empty();
	int i, s, attr;

	i = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	say("add_int", i);
	say("add_type_tag user", btf__add_type_tag(btf, "user", i));
	attr = btf__add_type_attr(btf, "aligned(8)", i);
	say("add_type_attr aligned(8)", attr);
	say("add_ptr", btf__add_ptr(btf, attr));
	s = btf__add_struct(btf, "s", 16);
	say("add_struct s", s);
	say("add_field a", btf__add_field(btf, "a", i, 0, 0));
	say("add_field p", btf__add_field(btf, "p", attr + 1, 64, 0));
	say("add_decl_tag dtag s.a", btf__add_decl_tag(btf, "dtag", s, 0));
	say("add_decl_attr packed s", btf__add_decl_attr(btf, "packed", s, -1));
	say("add_decl_attr unused s.p", btf__add_decl_attr(btf, "unused", s, 1));
	say("add_typedef t", btf__add_typedef(btf, "t", s));
	return btf;
}

static void errors(struct btf *btf)
{
	say("add_type_attr NULL value", btf__add_type_attr(btf, NULL, 1));
	say("add_type_attr empty value", btf__add_type_attr(btf, "", 1));
	say("add_type_attr ref -1", btf__add_type_attr(btf, "x", -1));
	say("add_decl_attr NULL value", btf__add_decl_attr(btf, NULL, 1, -1));
	say("add_decl_attr empty value", btf__add_decl_attr(btf, "", 1, -1));
	say("add_decl_attr component -2", btf__add_decl_attr(btf, "x", 1, -2));
	say("add_decl_attr ref -1", btf__add_decl_attr(btf, "x", -1, 0));
}

/* permute an object's BTF with its .BTF.ext: reverse the types; the ext's type ids follow */
static void with_ext(const char *path)
{
	struct btf_ext *ext = NULL;
	struct btf *btf = btf__parse_elf(path, &ext);
	LIBBPF_OPTS(btf_permute_opts, opts);
	static __u32 map[100000];
	const unsigned char *p;
	__u32 n, i, sz = 0;

	if (!btf || !ext) {
		printf("%s: no BTF/BTF.ext (errno %d)\n", path, errno);
		return;
	}
	n = btf__type_cnt(btf);
	for (i = 1; i < n; i++)
		map[i] = n - i;
	opts.btf_ext = ext;
	say("object permute with ext", btf__permute(btf, map, n, &opts));
	hex(btf, "object reversed");
	p = btf_ext__raw_data(ext, &sz);
	printf("ext: %u bytes", sz);
	for (i = 0; p && i < sz; i++)
		printf("%s%02x", i % 32 ? "" : "\n  ", p[i]);
	printf("\n");
	btf_ext__free(ext);
	btf__free(btf);
}

int main(int argc, char **argv)
{
	struct btf *btf, *base, *split;
	__u32 map[16], n, i;
	int rc;

	libbpf_set_print(silent);

	btf = build(NULL);
	errors(btf);
	hex(btf, "built");
	rc = btf__load_into_kernel(btf);
	printf("load into kernel: %s\n", rc ? "refused" : "accepted");

	/* permute a base BTF: reverse every type */
	n = btf__type_cnt(btf);
	map[0] = 0;
	for (i = 1; i < n; i++)
		map[i] = n - i;
	say("permute cnt-1", btf__permute(btf, map, n - 1, NULL));
	map[0] = 1;
	say("permute map[0]=1", btf__permute(btf, map, n, NULL));
	map[0] = 0;
	map[2] = map[1];
	say("permute duplicate", btf__permute(btf, map, n, NULL));
	map[2] = n + 5;
	say("permute out of range", btf__permute(btf, map, n, NULL));
	map[2] = 0;
	say("permute maps a type to 0", btf__permute(btf, map, n, NULL));
	map[2] = n - 2;
	hex(btf, "after refused permutes");
	say("permute reverse", btf__permute(btf, map, n, NULL));
	hex(btf, "reversed");
	for (i = 1; i < n; i++)
		printf("  [%u] kind %u name '%s'\n", i, btf_kind(btf__type_by_id(btf, i)),
		       btf__name_by_offset(btf, btf__type_by_id(btf, i)->name_off));
	btf__free(btf);

	/* permute a split BTF's own types: rotate them by one */
	base = btf__new_empty();
	btf__add_int(base, "long", 8, BTF_INT_SIGNED);
	split = build(base);
	n = btf__type_cnt(split) - btf__type_cnt(base);
	for (i = 0; i < n; i++)
		map[i] = btf__type_cnt(base) + (i + 1) % n;
	say("split permute cnt+1", btf__permute(split, map, n + 1, NULL));
	say("split permute to base id", (map[0] = 1, btf__permute(split, map, n, NULL)));
	map[0] = btf__type_cnt(base) + 1;
	say("split permute rotate", btf__permute(split, map, n, NULL));
	hex(split, "split rotated");
	btf__free(split);
	btf__free(base);

	if (argc > 1)
		with_ext(argv[1]);
	return 0;
}
