// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * open_dump: open a BPF object with bpf_object__open_file() and print what libbpf made of it
 * as canonical, diffable text. Run once against upstream libbpf 1.5 (scripts/with-libbpf15)
 * and once against liboxbpf; ctests/diff_dump.sh compares the two.
 *
 *   open_dump [--expect MAPS PROGS] OBJECT.bpf.o
 *
 * With --expect, also fail unless exactly MAPS maps and PROGS programs were seen, so an
 * empty dump from both sides cannot pass.
 *
 * Printed per map (iteration order): name, type, key/value size, max_entries, flags, numa
 * node, map_extra, internal/autocreate/autoattach, pin path, inner map, BTF key/value type
 * ids, and the initial value: its size, a hash and the first bytes, with every 8-byte slot
 * that holds a `struct bpf_program *` of this object (struct_ops shadows) zeroed in the hash
 * and listed by program name. Per program: name, section, type, expected attach type,
 * autoload, autoattach, flags, instruction count.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "oxt_hash.h"

#define MAX_PROGS 256
#define HEX_BYTES 64

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static void dump_initial_value(const struct bpf_map *map, struct bpf_program **progs, int nprogs)
{
	size_t sz = 0, off, i;
	const unsigned char *iv = bpf_map__initial_value((struct bpf_map *)map, &sz);
	unsigned char *copy;

	if (!iv) {
		printf("  initial_value -\n");
		return;
	}
	printf("  initial_value %zu\n", sz);
	copy = malloc(sz ? sz : 1);
	if (!copy) {
		perror("malloc");
		exit(1);
	}
	memcpy(copy, iv, sz);
	for (off = 0; off + sizeof(void *) <= sz; off += sizeof(void *)) {
		void *slot;
		int p;

		memcpy(&slot, copy + off, sizeof(slot));
		if (!slot)
			continue;
		for (p = 0; p < nprogs; p++) {
			if (slot == (void *)progs[p]) {
				printf("  initial_value_prog +%zu %s\n", off, bpf_program__name(progs[p]));
				memset(copy + off, 0, sizeof(slot));
				break;
			}
		}
	}
	printf("  initial_value_fnv64 %016llx\n", oxt_fnv1a(copy, sz));
	printf("  initial_value_bytes");
	for (i = 0; i < sz && i < HEX_BYTES; i++)
		printf("%s%02x", i % 8 ? "" : " ", copy[i]);
	printf("%s\n", sz > HEX_BYTES ? " ..." : "");
	free(copy);
}

int main(int argc, char **argv)
{
	struct bpf_program *progs[MAX_PROGS], *prog;
	struct bpf_object *obj;
	struct bpf_map *map;
	int nmaps = 0, nprogs = 0, want_maps = -1, want_progs = -1, argi = 1;

	if (argc == 5 && strcmp(argv[1], "--expect") == 0) {
		want_maps = atoi(argv[2]);
		want_progs = atoi(argv[3]);
		argi = 4;
	}
	if (argc != argi + 1) {
		fprintf(stderr, "usage: %s [--expect MAPS PROGS] OBJECT.bpf.o\n", argv[0]);
		return 2;
	}

	obj = bpf_object__open_file(argv[argi], NULL);
	if (!obj) {
		int err = errno;

		printf("open %s: failed: %d (%s)\n", argv[argi], -err, strerror(err));
		fprintf(stderr, "open %s: failed: %d (%s)\n", argv[argi], -err, strerror(err));
		return 1;
	}
	printf("object %s\n", bpf_object__name(obj));

	/* Programs first (not printed yet), so map initial values can name them. */
	bpf_object__for_each_program(prog, obj) {
		if (nprogs == MAX_PROGS) {
			fprintf(stderr, "more than %d programs\n", MAX_PROGS);
			return 1;
		}
		progs[nprogs++] = prog;
	}

	bpf_object__for_each_map(map, obj) {
		const struct bpf_map *inner = bpf_map__inner_map(map);
		enum bpf_map_type type = bpf_map__type(map);

		nmaps++;
		printf("map %s\n", bpf_map__name(map));
		printf("  type %d %s\n", (int)type, or_dash(libbpf_bpf_map_type_str(type)));
		printf("  key_size %u\n", bpf_map__key_size(map));
		printf("  value_size %u\n", bpf_map__value_size(map));
		printf("  max_entries %u\n", bpf_map__max_entries(map));
		printf("  map_flags 0x%x\n", bpf_map__map_flags(map));
		printf("  numa_node %u\n", bpf_map__numa_node(map));
		printf("  map_extra 0x%llx\n", (unsigned long long)bpf_map__map_extra(map));
		printf("  is_internal %d\n", (int)bpf_map__is_internal(map));
		printf("  autocreate %d\n", (int)bpf_map__autocreate(map));
		printf("  autoattach %d\n", (int)bpf_map__autoattach(map));
		printf("  pin_path %s\n", or_dash(bpf_map__pin_path(map)));
		printf("  inner_map %s\n", inner ? bpf_map__name(inner) : "-");
		printf("  btf_key_type_id %u\n", bpf_map__btf_key_type_id(map));
		printf("  btf_value_type_id %u\n", bpf_map__btf_value_type_id(map));
		dump_initial_value(map, progs, nprogs);
	}

	for (int i = 0; i < nprogs; i++) {
		enum bpf_prog_type type;
		enum bpf_attach_type eat;

		prog = progs[i];
		type = bpf_program__type(prog);
		eat = bpf_program__expected_attach_type(prog);
		printf("prog %s\n", bpf_program__name(prog));
		printf("  section %s\n", bpf_program__section_name(prog));
		printf("  type %d %s\n", (int)type, or_dash(libbpf_bpf_prog_type_str(type)));
		printf("  expected_attach_type %d %s\n", (int)eat,
		       or_dash(libbpf_bpf_attach_type_str(eat)));
		printf("  autoload %d\n", (int)bpf_program__autoload(prog));
		printf("  autoattach %d\n", (int)bpf_program__autoattach(prog));
		printf("  flags 0x%x\n", bpf_program__flags(prog));
		printf("  insn_cnt %zu\n", bpf_program__insn_cnt(prog));
	}
	printf("summary maps %d progs %d\n", nmaps, nprogs);

	bpf_object__close(obj);

	if (want_maps >= 0 && (nmaps != want_maps || nprogs != want_progs)) {
		fprintf(stderr, "expected %d maps and %d programs, saw %d and %d\n",
			want_maps, want_progs, nmaps, nprogs);
		return 1;
	}
	return 0;
}
