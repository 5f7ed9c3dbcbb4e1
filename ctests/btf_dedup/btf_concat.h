// Concatenation of BTF files on raw records, shared by the btf_dedup driver and the dedup
// benchmark (bench/btf_dedup_bench.c): each file's own types are appended with their type ids
// and string offsets shifted, its string section appended whole, so the result holds every
// input's types (duplicates included) for btf__dedup to merge.
#ifndef BTF_CONCAT_H
#define BTF_CONCAT_H
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

static size_t rec_size(const struct btf_type *t)
{
	size_t n = sizeof(*t);
	__u16 vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_INT: return n + 4;
	case BTF_KIND_ARRAY: return n + sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: return n + vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM: return n + vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64: return n + vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO: return n + vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR: return n + sizeof(struct btf_var);
	case BTF_KIND_DATASEC: return n + vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG: return n + sizeof(struct btf_decl_tag);
	default: return n;
	}
}

static void shift_id(__u32 *id, __u32 by) { if (*id) *id += by; }
static void shift_str(__u32 *off, __u32 by) { if (*off) *off += by; }

/* Shift the type ids and string offsets of one record (a copy). */
static void shift_rec(struct btf_type *t, __u32 ids, __u32 strs)
{
	__u16 vlen = btf_vlen(t);
	int i;

	shift_str(&t->name_off, strs);
	switch (btf_kind(t)) {
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		shift_id(&t->type, ids);
		break;
	case BTF_KIND_ARRAY:
		shift_id(&btf_array(t)->type, ids);
		shift_id(&btf_array(t)->index_type, ids);
		break;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		for (i = 0; i < vlen; i++) {
			shift_str(&btf_members(t)[i].name_off, strs);
			shift_id(&btf_members(t)[i].type, ids);
		}
		break;
	case BTF_KIND_ENUM:
		for (i = 0; i < vlen; i++)
			shift_str(&btf_enum(t)[i].name_off, strs);
		break;
	case BTF_KIND_ENUM64:
		for (i = 0; i < vlen; i++)
			shift_str(&btf_enum64(t)[i].name_off, strs);
		break;
	case BTF_KIND_FUNC_PROTO:
		shift_id(&t->type, ids);
		for (i = 0; i < vlen; i++) {
			shift_str(&btf_params(t)[i].name_off, strs);
			shift_id(&btf_params(t)[i].type, ids);
		}
		break;
	case BTF_KIND_DATASEC:
		for (i = 0; i < vlen; i++)
			shift_id(&btf_var_secinfos(t)[i].type, ids);
		break;
	}
}

struct blob {
	char *types, *strs;
	size_t tlen, slen;
};

static void append(char **buf, size_t *len, const void *p, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	if (!*buf) {
		perror("realloc");
		exit(2);
	}
	memcpy(*buf + *len, p, n);
	*len += n;
}

/* Append every own type and the string section of the BTF in `path`, with ids shifted by
 * `*ids` and string offsets by `*strs`; both advance past what was added. */
static void add_file(struct blob *b, const char *path, __u32 *ids, __u32 *strs)
{
	struct btf *src = btf__parse(path, NULL);
	const struct btf_header *h;
	__u32 sz, id, n;
	const char *raw;

	if (!src) {
		fprintf(stderr, "cannot parse %s: %d\n", path, errno);
		exit(2);
	}
	raw = btf__raw_data(src, &sz);
	h = (const void *)raw;
	n = btf__type_cnt(src);
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(src, id);
		size_t rs = rec_size(t);
		char copy[65536 * 16 + 16];

		memcpy(copy, t, rs);
		shift_rec((struct btf_type *)copy, *ids, *strs);
		append(&b->types, &b->tlen, copy, rs);
	}
	append(&b->strs, &b->slen, raw + h->hdr_len + h->str_off, h->str_len);
	*ids += n - 1;
	*strs += h->str_len;
	btf__free(src);
}

/* The raw blob of FILEs concatenated (as split BTF over `base` if non-NULL); *len its size. */
static void *build_raw(struct btf *base, char **files, int nfiles, size_t *len)
{
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h) };
	struct blob b = {};
	__u32 ids = 0, strs = 0;
	char *raw = NULL;
	size_t rlen = 0;

	if (base) {
		const struct btf_header *bh = btf__raw_data(base, &(__u32){0});

		ids = btf__type_cnt(base) - 1;
		strs = bh->str_len;
	}
	for (int i = 0; i < nfiles; i++)
		add_file(&b, files[i], &ids, &strs);
	h.type_len = b.tlen;
	h.str_off = b.tlen;
	h.str_len = b.slen;
	append(&raw, &rlen, &h, sizeof(h));
	append(&raw, &rlen, b.types, b.tlen);
	append(&raw, &rlen, b.strs, b.slen);
	free(b.types);
	free(b.strs);
	*len = rlen;
	return raw;
}

static __attribute__((unused)) struct btf *build(struct btf *base, char **files, int nfiles)
{
	size_t len;
	void *raw = build_raw(base, files, nfiles, &len);
	struct btf *btf = base ? btf__new_split(raw, len, base) : btf__new(raw, len);

	if (!btf) {
		fprintf(stderr, "cannot parse the built BTF: %d\n", errno);
		exit(2);
	}
	free(raw);
	return btf;
}

#endif
