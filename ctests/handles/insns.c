// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * insns: what bpf_program__insn_cnt/bpf_program__insns report before and after
 * bpf_object__load (successful or failed), the load's result and errno, and every WARN line
 * printed during the load, in a form comparable between upstream libbpf 1.5 and liboxbpf
 * (ctests/load/diff_load.sh; map fds in ld_imm64 are masked).
 *
 *   insns [--no-autoload PROG]... [--autoload PROG]... [--no-autocreate MAP]...
 *         [--only PROG] OBJECT.bpf.o
 *
 * --only PROG does what veristat does to verify one program: autoload on for PROG only, and
 * every other program pointer in struct_ops map shadows set to NULL.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "../common.h"
#include "../oxt_hash.h"

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static char line[1 << 20];
	char *nl;
	int more = 0;

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* A multi-line message (the verifier log) holds kernel addresses: its first line and
	 * the number of the others. */
	nl = strchr(line, '\n');
	if (nl) {
		for (char *p = nl + 1; *p; p++)
			more += *p == '\n' || (p[1] == 0 && *p != '\n');
		*nl = 0;
	}
	printf("warn: %s", line);
	if (more)
		printf(" [+%d lines]", more);
	if (getenv("INSNS_FULL_LOG") && nl) printf("\n%s", nl + 1);
	printf("\n");
	return 0;
}

/* FNV-1a over the instructions, ld_imm64 map fd/value immediates zeroed (fd numbers vary). */
static void dump(const char *when, struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const struct bpf_insn *in = bpf_program__insns(prog);
		size_t n = bpf_program__insn_cnt(prog);
		unsigned long long h = OXT_FNV1A_INIT;

		for (size_t i = 0; in && i < n; i++) {
			struct bpf_insn x = in[i];

			if (x.code == (BPF_LD | BPF_DW | BPF_IMM) &&
			    (x.src_reg == BPF_PSEUDO_MAP_FD || x.src_reg == BPF_PSEUDO_MAP_VALUE ||
			     x.src_reg == BPF_PSEUDO_MAP_IDX || x.src_reg == BPF_PSEUDO_MAP_IDX_VALUE))
				x.imm = 0;
			h = oxt_fnv1a_more(h, &x, sizeof(x));
		}
		printf("%s: prog %s: insn_cnt %zu, insns %s, hash %016llx\n", when,
		       bpf_program__name(prog), n, in ? "set" : "NULL", h);
	}
}

/* veristat's preparation for verifying `prog` alone. */
static void only(struct bpf_object *obj, struct bpf_program *prog)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_program *p;
	struct bpf_map *map;

	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	bpf_object__for_each_map(map, obj) {
		const struct btf_type *t;
		size_t sz;
		char *data;

		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
		data = bpf_map__initial_value(map, &sz);
		OXT_ASSERT(t && btf_is_struct(t) && data, "struct_ops map %s", bpf_map__name(map));
		for (int i = 0; i < btf_vlen(t); i++) {
			const struct btf_member *m = &btf_members(t)[i];
			const struct btf_type *mt = btf__type_by_id(btf, m->type);
			size_t off = m->offset / 8;

			if (!btf_is_ptr(mt) || off + sizeof(void *) > sz)
				continue;
			if (memcmp(data + off, &prog, sizeof(void *)))
				memset(data + off, 0, sizeof(void *));
		}
	}
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	int err;

	OXT_ASSERT(argc >= 2 && argc % 2 == 0, "usage: %s [--[no-]autoload PROG | --no-autocreate MAP]... OBJECT", argv[0]);
	oxt_require_root();
	libbpf_set_print(print_cb);
	obj = bpf_object__open_file(argv[argc - 1], NULL);
	OXT_ASSERT(obj != NULL, "open %s: %d", argv[argc - 1], errno);
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--only")) {
			struct bpf_program *p = bpf_object__find_program_by_name(obj, argv[i + 1]);

			OXT_ASSERT(p, "no program %s", argv[i + 1]);
			only(obj, p);
		} else if (!strcmp(argv[i], "--no-autoload") || !strcmp(argv[i], "--autoload")) {
			struct bpf_program *p = bpf_object__find_program_by_name(obj, argv[i + 1]);
			bool on = !strcmp(argv[i], "--autoload");

			OXT_ASSERT(p && !bpf_program__set_autoload(p, on), "no program %s", argv[i + 1]);
		} else {
			struct bpf_map *m = bpf_object__find_map_by_name(obj, argv[i + 1]);

			OXT_ASSERT(!strcmp(argv[i], "--no-autocreate"), "bad option %s", argv[i]);
			OXT_ASSERT(m && !bpf_map__set_autocreate(m, false), "no map %s", argv[i + 1]);
		}
	}
	dump("open", obj);
	errno = 0;
	err = bpf_object__load(obj);
	if (err)
		printf("load: failed %d, errno %d\n", err, errno);
	else
		printf("load: ok\n");
	dump("loaded", obj);
	bpf_object__close(obj);
	return 0;
}
