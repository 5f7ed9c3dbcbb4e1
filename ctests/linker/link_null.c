// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * link_null OUT IN: bad arguments to bpf_linker__* on liboxbpf (upstream libbpf 1.5 crashes on
 * several of them: NULL file names, files that are not ELF at all). Each must fail with
 * -EINVAL/errno EINVAL, leave the linker usable, and a final link of IN must still succeed.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void expect(const char *what, int got, int want)
{
	if (got != want || (want < 0 && errno != -want)) {
		printf("FAIL: %s: got %d errno %d, want %d\n", what, got, errno, want);
		failures++;
	} else {
		printf("ok: %s: %d\n", what, got);
	}
}

static const char *write_file(const char *dir, const char *name, const char *text)
{
	static char paths[2][4096];
	static int n;
	char *p = paths[n++ % 2];
	FILE *f;

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return p;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_linker_opts, lopts);
	LIBBPF_OPTS(bpf_linker_file_opts, fopts);
	struct bpf_linker *linker;
	char dir[4096], *slash;

	if (argc != 3) {
		fprintf(stderr, "usage: link_null OUT IN\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");

	errno = 0;
	expect("new(NULL)", bpf_linker__new(NULL, NULL) ? 0 : -errno, -EINVAL);
	lopts.sz = 4;
	expect("new(opts.sz = 4)", bpf_linker__new(argv[1], &lopts) ? 0 : -errno, -EINVAL);
	expect("add_file(NULL linker)", bpf_linker__add_file(NULL, argv[2], NULL), -EINVAL);
	expect("finalize(NULL)", bpf_linker__finalize(NULL), -EINVAL);
	bpf_linker__free(NULL);

	linker = bpf_linker__new(argv[1], NULL);
	if (!linker) {
		printf("FAIL: new: errno %d\n", errno);
		return 1;
	}
	expect("add_file(NULL name)", bpf_linker__add_file(linker, NULL, NULL), -EINVAL);
	fopts.sz = 4;
	expect("add_file(opts.sz = 4)", bpf_linker__add_file(linker, argv[2], &fopts), -EINVAL);
	expect("add_file(text file)",
	       bpf_linker__add_file(linker, write_file(dir, "junk.txt", "not an ELF file\n"), NULL),
	       -EINVAL);
	expect("add_file(empty file)", bpf_linker__add_file(linker, write_file(dir, "empty.o", ""), NULL),
	       -EINVAL);
	expect("add_file(IN)", bpf_linker__add_file(linker, argv[2], NULL), 0);
	expect("finalize", bpf_linker__finalize(linker), 0);
	bpf_linker__free(linker);
	return failures ? 1 : 0;
}
