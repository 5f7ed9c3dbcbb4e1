// Differential driver for btf__dedup, btf__distill_base and btf__relocate: built against
// libbpf 1.5's headers and run on libbpf 1.5 and on liboxbpf; the outputs must be identical.
//
//   btf_dedup dedup [--ext] [--force] FILE...   FILEs (ELF objects or raw BTF) concatenated
//                                               into one base BTF, deduplicated
//   btf_dedup split BASE FILE...                FILEs concatenated as split BTF over raw BASE
//                                               (e.g. /sys/kernel/btf/vmlinux), deduplicated
//   btf_dedup distill BASE FILE...              as split, then distill_base + relocate onto BASE
//   btf_dedup addbtf [BASE] -- FILE...          FILEs appended with btf__add_btf to a
//                                               btf__new_empty() (or new_empty_split(BASE)),
//                                               deduplicated twice
//   btf_dedup errors OBJ                        bad arguments: return codes and errno
//
// Each result is printed as its type count, byte size and FNV-1a hash of the raw bytes (with
// BTF_DEDUP_OUT=DIR the raw bytes are also written there, for debugging a difference).
// Concatenation is done here, on raw records (ids and string offsets shifted), so both
// libraries get the same bytes to parse.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btf_concat.h"
#include "../oxt_hash.h"

static void save(const char *tag, const void *p, size_t n)
{
	const char *dir = getenv("BTF_DEDUP_OUT");
	char path[4096];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.bin", dir, tag);
	f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

static void show_btf(const char *tag, const struct btf *btf)
{
	__u32 sz = 0;
	const void *raw = btf__raw_data(btf, &sz);

	if (!raw) {
		printf("%s: raw data unavailable (errno %d)\n", tag, errno);
		return;
	}
	printf("%s: types %u start %u size %u fnv %016llx\n", tag, btf__type_cnt(btf),
	       btf__base_btf(btf) ? btf__type_cnt(btf__base_btf(btf)) : 1, sz, oxt_fnv1a(raw, sz));
	save(tag, raw, sz);
}

static void show_ext(const char *tag, const struct btf_ext *ext)
{
	__u32 sz = 0;
	const void *raw = btf_ext__raw_data(ext, &sz);

	printf("%s: size %u fnv %016llx\n", tag, sz, raw ? oxt_fnv1a(raw, sz) : 0ULL);
	if (raw)
		save(tag, raw, sz);
}

static int dedup(struct btf *btf, struct btf_ext *ext, bool force)
{
	LIBBPF_OPTS(btf_dedup_opts, o, .btf_ext = ext, .force_collisions = force);
	int err = btf__dedup(btf, &o);

	printf("btf__dedup: %d\n", err);
	return err;
}

static int errors(const char *obj)
{
	struct btf *base = btf__parse(obj, NULL), *nb = NULL, *ns = NULL, *split;
	char *files[] = { (char *)obj };
	int err;

	if (!base)
		return 2;
	split = build(base, files, 1);
	err = btf__distill_base(base, &nb, &ns);
	printf("distill of base BTF: %d errno %d\n", err, errno);
	err = btf__distill_base(split, NULL, &ns);
	printf("distill without base out-pointer: %d errno %d\n", err, errno);
	err = btf__relocate(split, NULL);
	printf("relocate onto NULL: %d errno %d\n", err, errno);
	err = btf__relocate(split, base);
	printf("relocate onto own base: %d errno %d\n", err, errno);
	err = btf__relocate(split, split);
	printf("relocate onto non-distilled base: %d errno %d\n", err, errno);
	btf__free(split);
	btf__free(base);
	return 0;
}

int main(int argc, char **argv)
{
	bool want_ext = false, force = false;
	const char *mode;
	int i = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: %s dedup|split|distill|errors ...\n", argv[0]);
		return 2;
	}
	mode = argv[1];
	if (!strcmp(mode, "errors"))
		return errors(argv[2]);
	if (!strcmp(mode, "addbtf")) {
		struct btf *base = NULL, *btf;

		if (strcmp(argv[i], "--")) {
			base = btf__parse(argv[i], NULL);
			if (!base)
				return 2;
			i++;
		}
		i++; /* -- */
		btf = base ? btf__new_empty_split(base) : btf__new_empty();
		for (; i < argc; i++) {
			struct btf *src = btf__parse(argv[i], NULL);
			int id = src ? btf__add_btf(btf, src) : -errno;

			printf("btf__add_btf: %d\n", id);
			btf__free(src);
		}
		show_btf("input", btf);
		if (dedup(btf, NULL, false))
			return 1;
		show_btf("deduped", btf);
		if (dedup(btf, NULL, false))
			return 1;
		show_btf("deduped-again", btf);
		btf__free(btf);
		btf__free(base);
		return 0;
	}
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--ext"))
			want_ext = true;
		else if (!strcmp(argv[i], "--force"))
			force = true;
	}
	if (!strcmp(mode, "dedup")) {
		struct btf_ext *ext = NULL;
		struct btf *btf;

		if (want_ext) {
			btf = btf__parse_elf(argv[i], &ext);
			if (!btf || !ext) {
				fprintf(stderr, "%s: no .BTF/.BTF.ext\n", argv[i]);
				return 2;
			}
			show_ext("ext-in", ext);
		} else {
			btf = build(NULL, argv + i, argc - i);
		}
		show_btf("input", btf);
		if (dedup(btf, ext, force))
			return 1;
		show_btf("deduped", btf);
		if (ext)
			show_ext("ext-out", ext);
		/* a second pass must find nothing more to merge */
		if (dedup(btf, NULL, false))
			return 1;
		show_btf("deduped-again", btf);
		btf_ext__free(ext);
		btf__free(btf);
		return 0;
	}
	if (!strcmp(mode, "split") || !strcmp(mode, "distill")) {
		struct btf *base = btf__parse(argv[i], NULL), *split, *nb = NULL, *ns = NULL;
		int err;

		if (!base)
			return 2;
		split = build(base, argv + i + 1, argc - i - 1);
		show_btf("input", split);
		if (dedup(split, NULL, force))
			return 1;
		show_btf("deduped", split);
		if (!strcmp(mode, "split"))
			return 0;
		err = btf__distill_base(split, &nb, &ns);
		printf("btf__distill_base: %d\n", err);
		if (err)
			return 1;
		show_btf("distilled-base", nb);
		show_btf("distilled-split", ns);
		printf("split's base is the distilled base: %s\n", btf__base_btf(ns) == nb ? "yes" : "no");
		/* libbpf caches raw data and btf__relocate does not drop that cache: relocate a
		 * fresh distilled copy whose raw data was never asked for */
		btf__free(ns);
		btf__free(nb);
		err = btf__distill_base(split, &nb, &ns);
		if (err)
			return 1;
		err = btf__relocate(ns, base);
		printf("btf__relocate: %d\n", err);
		if (err)
			return 1;
		show_btf("relocated", ns);
		printf("relocated split's base is the base: %s\n", btf__base_btf(ns) == base ? "yes" : "no");
		printf("relocated named types found in base: ");
		for (__u32 id = btf__type_cnt(base); id < btf__type_cnt(ns); id++) {
			const struct btf_type *t = btf__type_by_id(ns, id);

			if (btf_is_ptr(t) && t->type < btf__type_cnt(base))
				printf("%s.", btf__name_by_offset(base, btf__type_by_id(base, t->type)->name_off));
		}
		printf("\n");
		btf__free(ns);
		btf__free(nb);
		btf__free(split);
		btf__free(base);
		return 0;
	}
	fprintf(stderr, "unknown mode %s\n", mode);
	return 2;
}
