// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * link_files [--log] OUT IN...   link BPF objects with bpf_linker__* and report each step
 * link_files [--log] --load OBJ   open and load OBJ, report its programs, maps and .data/.bss
 *
 * Built twice (upstream libbpf 1.5 and liboxbpf); the linker tests compare what both print and
 * the files both write. Linking prints one line per call ("new: ok", "add IN: -22 errno 22",
 * "finalize: 0"), then, after a successful finalize, what a second finalize and a further
 * add_file return (both refused) and frees a NULL linker. With --log, libbpf's WARN lines are
 * printed too, prefixed "log: ". Exit 0 iff every call succeeded, 1 otherwise, 2 on usage
 * errors, 77 (skip) when loading without the privilege to.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <unistd.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "../common.h"

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	printf("log: ");
	return vprintf(fmt, ap);
}

static int quiet_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level; (void)fmt; (void)ap;
	return 0;
}

static int load(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	if (!obj) {
		printf("open: NULL errno %d\n", errno);
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		printf("prog %s sec %s insns %zu\n", bpf_program__name(prog),
		       bpf_program__section_name(prog), bpf_program__insn_cnt(prog));
	bpf_object__for_each_map(map, obj)
		printf("map %s type %d key %u value %u max %u\n", bpf_map__name(map),
		       bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map),
		       bpf_map__max_entries(map));
	if (geteuid() != 0) {
		printf("SKIP: loading needs root\n");
		bpf_object__close(obj);
		return 77;
	}
	err = bpf_object__load(obj);
	printf("load: %d\n", err);
	if (!err) {
		bpf_object__for_each_program(prog, obj)
			printf("prog %s loaded %d\n", bpf_program__name(prog), bpf_program__fd(prog) >= 0);
		bpf_object__for_each_map(map, obj) {
			unsigned char buf[256] = {};
			__u32 key = 0, sz = bpf_map__value_size(map);
			const char *name = bpf_map__name(map);

			if (!strstr(name, ".data") && !strstr(name, ".bss") && !strstr(name, ".rodata"))
				continue;
			if (sz > sizeof(buf) || bpf_map_lookup_elem(bpf_map__fd(map), &key, buf)) {
				printf("map %s: lookup failed\n", name);
				err = -1;
				continue;
			}
			printf("map %s value", name);
			for (__u32 i = 0; i < sz; i++)
				printf(" %02x", buf[i]);
			printf("\n");
		}
	}
	bpf_object__close(obj);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	int i = 1, err, failed = 0, fds;
	const char *first;
	struct bpf_linker *linker;

	if (i < argc && strcmp(argv[i], "--log") == 0) {
		libbpf_set_print(print_fn);
		i++;
	} else {
		libbpf_set_print(quiet_fn);
	}
	if (argc - i < 1) {
		fprintf(stderr, "usage: link_files [--log] OUT IN...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[i], "--load") == 0)
		return i + 1 < argc ? load(argv[i + 1]) : 2;
	fds = oxt_count_fds();
	linker = bpf_linker__new(argv[i], NULL);
	if (!linker) {
		printf("new: NULL errno %d\n", errno);
		return 1;
	}
	printf("new: ok\n");
	first = i + 1 < argc ? argv[i + 1] : NULL;
	for (i++; i < argc; i++) {
		const char *base = strrchr(argv[i], '/');
		err = bpf_linker__add_file(linker, argv[i], NULL);
		printf("add %s: %d errno %d\n", base ? base + 1 : argv[i], err, err ? errno : 0);
		if (err) {
			failed = 1;
			break;
		}
	}
	if (!failed) {
		err = bpf_linker__finalize(linker);
		printf("finalize: %d\n", err);
		failed = err != 0;
		if (!failed) {
			err = bpf_linker__finalize(linker);
			printf("finalize again: %d errno %d\n", err, err ? errno : 0);
			if (first) {
				err = bpf_linker__add_file(linker, first, NULL);
				printf("add after finalize: %d errno %d\n", err, err ? errno : 0);
			}
		}
	}
	bpf_linker__free(linker);
	bpf_linker__free(NULL);
	if (oxt_count_fds() != fds) {
		printf("fd leak: %d open before, %d after\n", fds, oxt_count_fds());
		failed = 1;
	}
	return failed;
}
