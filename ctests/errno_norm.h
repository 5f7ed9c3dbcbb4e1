/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * oxt_errno_normalise(): for C tests that assert libbpf's log text. libbpf 1.6+ (and liboxbpf)
 * write an errno in their log lines as -EINVAL, -ENOENT, ... (libbpf 1.7's errstr()); libbpf
 * 1.5 wrote "Invalid argument(-22)", "-22" or "Permission denied" at the same places. A test
 * writes its expected lines in 1.7's form and passes the captured log through this function,
 * which rewrites an older library's lines into that form with scripts/errno-normalise (the
 * one normaliser of errno text, shared with the shell comparisons) and leaves a 1.6+ library's
 * (liboxbpf's, libbpf 1.7's) lines exactly as they were printed.
 *
 * The including target defines OXT_ERRNO_NORMALISE as the script's absolute path
 * (meson: '-DOXT_ERRNO_NORMALISE="' + meson.project_source_root() / 'scripts/errno-normalise' + '"').
 */
#ifndef OXBPF_CTESTS_ERRNO_NORM_H
#define OXBPF_CTESTS_ERRNO_NORM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#ifndef OXT_ERRNO_NORMALISE
#error "define OXT_ERRNO_NORMALISE as the path of scripts/errno-normalise"
#endif

/* Whether the library in use writes errno values as libbpf 1.6+ does. */
static inline int oxt_errstr_library(void)
{
	return libbpf_major_version() > 1 || (libbpf_major_version() == 1 && libbpf_minor_version() >= 6);
}

/*
 * Rewrite the NUL-terminated log text in buf (of size bytes) into libbpf 1.7's errno form when
 * the library is older than 1.6. Returns 0, or -1 (with a message on stderr) when the
 * normaliser could not run; buf is then unchanged.
 */
static inline int oxt_errno_normalise(char *buf, size_t size)
{
	char in[] = "/tmp/oxt-errno-XXXXXX", cmd[512];
	size_t len = strlen(buf), n = 0;
	FILE *f;
	int fd, ok;

	if (oxt_errstr_library() || size == 0)
		return 0;
	fd = mkstemp(in);
	if (fd < 0) {
		perror("oxt_errno_normalise: mkstemp");
		return -1;
	}
	ok = write(fd, buf, len) == (ssize_t)len;
	close(fd);
	if (!ok) {
		fprintf(stderr, "oxt_errno_normalise: writing %s failed\n", in);
		unlink(in);
		return -1;
	}
	/* --force: this library is older than 1.6 whatever OXBPF_REFERENCE says. */
	snprintf(cmd, sizeof(cmd), "'%s' --force < '%s'", OXT_ERRNO_NORMALISE, in);
	f = popen(cmd, "r");
	if (!f) {
		perror("oxt_errno_normalise: popen");
		unlink(in);
		return -1;
	}
	{
		char *out = malloc(size);

		if (!out) {
			pclose(f);
			unlink(in);
			return -1;
		}
		n = fread(out, 1, size - 1, f);
		out[n] = 0;
		ok = pclose(f) == 0;
		if (ok)
			memcpy(buf, out, n + 1);
		else
			fprintf(stderr, "oxt_errno_normalise: %s failed\n", OXT_ERRNO_NORMALISE);
		free(out);
	}
	unlink(in);
	return ok ? 0 : -1;
}

#endif
