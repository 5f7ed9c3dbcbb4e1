// SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause
/* errno17: libbpf's warnings that carry an errno, printed whole, for comparison with libbpf
 * 1.7, which writes errno values as -EINVAL, -ENOENT, -EACCES, ... (its errstr()) and as the
 * bare negative number where it has no name for one:
 *   open      a missing object file (-ENOENT)
 *   map       bpf_object__prepare with an array map of 0 entries (-EINVAL, and the retry
 *             without BTF)
 *   refused   bpf_object__load of a program the verifier refuses (-EACCES)
 *   prepare   a custom section's prepare-load callback failing with -200 (no name), -524
 *             (the kernel's ENOTSUPP) and -EPERM
 * errno17 OBJ */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "t17.h"

static int fail_with;

static int prepare_fails(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	(void)prog;
	(void)opts;
	(void)cookie;
	return fail_with;
}

static struct bpf_object *open_obj(const char *path)
{
	struct bpf_object *obj = bpf_object__open(path);

	if (!obj)
		printf("open %s: NULL errno %d\n", path, errno);
	return obj;
}

/* warnings are printed with their verifier log: the kernel's text, the same for both */
static void refused(const char *path)
{
	struct bpf_object *obj = open_obj(path);

	if (!obj)
		return;
	bpf_program__set_autoload(bpf_object__find_program_by_name(obj, "refused"), true);
	say("refused: load", bpf_object__load(obj));
	bpf_object__close(obj);
}

static void map(const char *path)
{
	struct bpf_object *obj = open_obj(path);

	if (!obj)
		return;
	say("map: set_max_entries 0", bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "sized"), 0));
	say("map: prepare", bpf_object__prepare(obj));
	bpf_object__close(obj);
}

static void prepare(const char *path, int err)
{
	struct bpf_object *obj = open_obj(path);
	char what[64];

	if (!obj)
		return;
	fail_with = err;
	bpf_program__set_autoload(bpf_object__find_program_by_name(obj, "custom"), true);
	snprintf(what, sizeof(what), "prepare %d: load", err);
	say(what, bpf_object__load(obj));
	bpf_object__close(obj);
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(libbpf_prog_handler_opts, hopts, .prog_prepare_load_fn = prepare_fails);
	int handler;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJ\n", argv[0]);
		return 2;
	}
	libbpf_set_print(warn_out);
	handler = libbpf_register_prog_handler("oxerr17", BPF_PROG_TYPE_SYSCALL, 0, &hopts);
	printf("register handler: %s\n", handler > 0 ? "ok" : "failed");

	printf("-- open\n");
	open_obj("/nonexistent-oxbpf-errno17/missing.bpf.o");
	printf("-- map\n");
	map(argv[1]);
	printf("-- refused\n");
	refused(argv[1]);
	printf("-- prepare\n");
	prepare(argv[1], -200);
	prepare(argv[1], -524);
	prepare(argv[1], -EPERM);

	say("unregister handler", libbpf_unregister_prog_handler(handler));
	return 0;
}
