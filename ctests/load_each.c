// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * load_each: load every program of a BPF object on its own, to prove the fixtures pass the
 * kernel's verifier (and so can serve the load tests of later issues).
 *
 *   load_each [--with PROG]... OBJECT.bpf.o
 *   load_each --whole OBJECT.bpf.o        load the object as it is, once (struct_ops objects:
 *                                         libbpf decides their programs' autoload itself)
 *
 * For each program: open the object, turn autoload off for every other program except the
 * --with ones (e.g. a tail-call target a prog_array's initial value needs), drop pin paths so
 * nothing touches bpffs, load, close. Programs that need a BPF trampoline on a kernel function
 * (fentry, fexit, lsm) may be refused with EPERM/ENOTSUPP by kernels that cannot attach those;
 * that is reported, not failed. Anything else that does not load fails the test.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "common.h"

#define MAX_WITH 8

static const char *with[MAX_WITH];
static int n_with;

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN && getenv("LOAD_EACH_VERBOSE") ? vfprintf(stderr, fmt, ap) : 0;
}

static int is_with(const char *name)
{
	for (int i = 0; i < n_with; i++)
		if (strcmp(with[i], name) == 0)
			return 1;
	return 0;
}

static int needs_trampoline(const struct bpf_program *prog)
{
	enum bpf_attach_type eat = bpf_program__expected_attach_type(prog);

	return bpf_program__type(prog) == BPF_PROG_TYPE_LSM ||
	       (bpf_program__type(prog) == BPF_PROG_TYPE_TRACING &&
		(eat == BPF_TRACE_FENTRY || eat == BPF_TRACE_FEXIT || eat == BPF_MODIFY_RETURN));
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	const char *path;
	int argi = 1, n = 0, loaded = 0, refused = 0, whole = 0;

	if (argc == 3 && strcmp(argv[1], "--whole") == 0) {
		whole = 1;
		argi = 2;
	}
	while (argi + 1 < argc && strcmp(argv[argi], "--with") == 0 && n_with < MAX_WITH) {
		with[n_with++] = argv[argi + 1];
		argi += 2;
	}
	if (argi + 1 != argc) {
		fprintf(stderr, "usage: %s [--with PROG]... OBJECT.bpf.o\n", argv[0]);
		return 2;
	}
	path = argv[argi];
	oxt_require_root();
	oxt_require_vmlinux_btf();
	libbpf_set_print(quiet);

	obj = bpf_object__open_file(path, NULL);
	OXT_ASSERT(obj != NULL, "open %s: %s", path, strerror(errno));
	if (whole) {
		int err = bpf_object__load(obj);

		OXT_CHECK(!err, "load %s: %s (LOAD_EACH_VERBOSE=1 shows libbpf's log)", path,
			  strerror(-err));
		bpf_object__for_each_program(prog, obj)
			printf("%-24s %s\n", bpf_program__name(prog),
			       bpf_program__fd(prog) >= 0 ? "loaded" : "not loaded (autoload off)");
		bpf_object__close(obj);
		return oxt_result("load_each --whole");
	}
	bpf_object__for_each_program(prog, obj)
		n++;
	bpf_object__close(obj);

	for (int i = 0; i < n; i++) {
		struct bpf_program *target = NULL;
		int j = 0, err;

		obj = bpf_object__open_file(path, NULL);
		OXT_ASSERT(obj != NULL, "open %s: %s", path, strerror(errno));
		bpf_object__for_each_program(prog, obj) {
			if (j++ == i)
				target = prog;
			else if (!is_with(bpf_program__name(prog)))
				bpf_program__set_autoload(prog, false);
		}
		bpf_program__set_autoload(target, true);
		bpf_object__for_each_map(map, obj)
			bpf_map__set_pin_path(map, NULL);

		err = bpf_object__load(obj);
		if (!err) {
			printf("%-24s loaded\n", bpf_program__name(target));
			loaded++;
		} else if (needs_trampoline(target) &&
			   (err == -EPERM || err == -ENOTSUP || err == -EOPNOTSUPP)) {
			printf("%-24s refused by this kernel (%s): needs a trampoline on a kernel function\n",
			       bpf_program__name(target), strerror(-err));
			refused++;
		} else {
			OXT_CHECK(!err, "%s: load failed: %s (LOAD_EACH_VERBOSE=1 shows libbpf's log)",
				  bpf_program__name(target), strerror(-err));
		}
		bpf_object__close(obj);
	}
	printf("%s: %d programs, %d loaded, %d refused by the kernel\n", path, n, loaded, refused);
	return oxt_result("load_each");
}
