/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * st_opts_ext: oxbpf's extension block of bpf_object_open_opts (OXBPF_STRUCT_OPS_SHADOW) is safe
 * in both directions. Built against oxbpf's headers, and run
 *   st_opts_ext oxbpf OBJ      linked to liboxbpf, or
 *   st_opts_ext upstream OBJ   on upstream libbpf 1.5 (with-libbpf15), which must refuse it.
 * Cases:
 *   1. our header with the block: liboxbpf reads the shadow description from it (an invalid one
 *      is refused naming it; an empty one opens); upstream refuses the non-zero bytes it does
 *      not know (-EINVAL), and opens when the block is left zero;
 *   2. a caller built against a newer upstream header with one more field right after
 *      bpf_token_path (where the block sits in our header), holding a pointer that would be a
 *      valid-looking shadow description: liboxbpf never takes it for the block but refuses it
 *      as an unknown field, exactly like upstream; zero opens on both;
 *   3. that newer header with the block after its own fields: liboxbpf finds the block there.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "../common.h"

static char logbuf[8192];

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(logbuf);

	(void)level;
	if (n < sizeof(logbuf) - 1)
		vsnprintf(logbuf + n, sizeof(logbuf) - n, fmt, ap);
	return 0;
}

static const struct bpf_struct_ops_shadow_info invalid_info = { .maps = NULL, .cnt = 1 };
static const struct bpf_struct_ops_shadow_info empty_info = { .maps = NULL, .cnt = 0 };

/* A newer upstream header: one more pointer field right after bpf_token_path. */
struct newer_opts {
	unsigned char upstream_1_5[offsetof(struct bpf_object_open_opts, bpf_token_path) + sizeof(char *)];
	const void *new_field;
};
/* ... and oxbpf's block after it. */
struct newer_opts_ext {
	struct newer_opts o;
	__u64 magic;
	const struct bpf_struct_ops_shadow_info *shadow;
};

static const char *obj_path;

/* Open with `opts`; returns 0 or the errno, with the log of the call in logbuf. */
static int try_open(const void *opts)
{
	struct bpf_object *obj;

	logbuf[0] = 0;
	obj = bpf_object__open_file(obj_path, opts);
	if (!obj)
		return errno;
	bpf_object__close(obj);
	return 0;
}

int main(int argc, char **argv)
{
	int ox, err;

	OXT_ASSERT(argc == 3 && (!strcmp(argv[1], "oxbpf") || !strcmp(argv[1], "upstream")),
		   "usage: st_opts_ext oxbpf|upstream OBJ");
	ox = !strcmp(argv[1], "oxbpf");
	obj_path = argv[2];
	libbpf_set_print(capture);
	OXT_CHECK(offsetof(struct bpf_object_open_opts, oxbpf_ext_magic) ==
			  offsetof(struct bpf_object_open_opts, bpf_token_path) + sizeof(char *) &&
		  sizeof(struct bpf_object_open_opts) == offsetof(struct bpf_object_open_opts, oxbpf_ext_magic) + 16,
		  "the block is the last 16 bytes of our header's struct");

	/* 1. Our header. */
	{
		LIBBPF_OPTS(bpf_object_open_opts, o, OXBPF_STRUCT_OPS_SHADOW(&invalid_info));
		err = try_open(&o);
		OXT_CHECK(err == EINVAL, "1: invalid description: errno %d", err);
		if (ox)
			OXT_CHECK(strstr(logbuf, "struct_ops shadow info: maps is NULL with cnt 1"),
				  "1: liboxbpf names the bad description: '%s'", logbuf);
	}
	{
		LIBBPF_OPTS(bpf_object_open_opts, o, OXBPF_STRUCT_OPS_SHADOW(&empty_info));
		err = try_open(&o);
		OXT_CHECK(err == (ox ? 0 : EINVAL), "1: empty description: errno %d (%s)", err, logbuf);
	}
	{
		LIBBPF_OPTS(bpf_object_open_opts, o);
		err = try_open(&o);
		OXT_CHECK(err == 0, "1: block left zero: errno %d (%s)", err, logbuf);
	}

	/* 2. A newer upstream header: its new field is never taken for the block. */
	{
		struct newer_opts n;

		memset(&n, 0, sizeof(n));
		*(size_t *)n.upstream_1_5 = sizeof(n);
		n.new_field = &invalid_info;
		err = try_open(&n);
		OXT_CHECK(err == EINVAL, "2: unknown non-zero field: errno %d", err);
		if (ox)
			OXT_CHECK(strstr(logbuf, "bpf_object_open_opts has non-zero extra bytes") &&
					  !strstr(logbuf, "struct_ops shadow"),
				  "2: liboxbpf refuses the unknown field as such: '%s'", logbuf);
		n.new_field = NULL;
		err = try_open(&n);
		OXT_CHECK(err == 0, "2: unknown field left zero: errno %d (%s)", err, logbuf);
	}

	/* 3. The newer header with the block after its own fields. */
	{
		struct newer_opts_ext x;

		memset(&x, 0, sizeof(x));
		*(size_t *)x.o.upstream_1_5 = sizeof(x);
		x.magic = OXBPF_OPEN_OPTS_EXT_MAGIC;
		x.shadow = &invalid_info;
		err = try_open(&x);
		OXT_CHECK(err == EINVAL, "3: invalid description after newer fields: errno %d", err);
		if (ox)
			OXT_CHECK(strstr(logbuf, "struct_ops shadow info: maps is NULL with cnt 1"),
				  "3: liboxbpf read the block at the end: '%s'", logbuf);
		x.shadow = &empty_info;
		err = try_open(&x);
		OXT_CHECK(err == (ox ? 0 : EINVAL), "3: empty description after newer fields: errno %d", err);
	}
	return oxt_result(ox ? "extension block on liboxbpf" : "extension block refused by upstream libbpf");
}
