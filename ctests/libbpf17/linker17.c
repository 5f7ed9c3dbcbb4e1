/* linker17.c A.o B.o C.o: the static linker's descriptor and buffer entry points (libbpf 1.6:
 * bpf_linker__new_fd, bpf_linker__add_fd, bpf_linker__add_buf) as a transcript — return
 * values, errno, the output's size and hash, the caller's descriptors left open and their
 * offsets. A.o goes in by descriptor, B.o from a buffer, C.o by name. Built against libbpf
 * 1.7's headers; the transcripts of upstream libbpf 1.7 and of liboxbpf must be equal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "t17.h"
#include "../oxt_hash.h"

static void out_summary(int fd, const char *what)
{
	unsigned long long h = OXT_FNV1A_INIT;
	unsigned char buf[4096];
	off_t pos = lseek(fd, 0, SEEK_CUR), total = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), total)) > 0) {
		h = oxt_fnv1a_more(h, buf, (size_t)n);
		total += n;
	}
	printf("%s: %lld bytes, hash %016llx, fd open %s\n", what, (long long)total, h,
	       fcntl(fd, F_GETFD) >= 0 ? "yes" : "no");
	(void)pos;
}

int main(int argc, char **argv)
{
	struct bpf_linker *l;
	unsigned char *b;
	size_t bsz = 0;
	int out, in;

	if (argc < 4) {
		fprintf(stderr, "usage: linker17 A.o B.o C.o\n");
		return 2;
	}
	libbpf_set_print(silent);

	errno = 0;
	l = bpf_linker__new_fd(-1, NULL);
	printf("new_fd(-1): %s errno %d\n", l ? "linker" : "NULL", l ? 0 : errno);

	out = memfd_create("linker17-out", 0);
	l = bpf_linker__new_fd(out, NULL);
	printf("new_fd(memfd): %s\n", l ? "linker" : "NULL");
	if (!l)
		return 1;
	say("add_fd(-1)", bpf_linker__add_fd(l, -1, NULL));
	say("add_buf(NULL, 16)", bpf_linker__add_buf(l, NULL, 16, NULL));
	in = open(argv[1], O_RDONLY);
	lseek(in, 7, SEEK_SET); /* the object is read from offset 0 whatever the offset */
	say("add_fd(A)", bpf_linker__add_fd(l, in, NULL));
	printf("A fd open %s, offset %lld\n", fcntl(in, F_GETFD) >= 0 ? "yes" : "no",
	       (long long)lseek(in, 0, SEEK_CUR));
	b = slurp(argv[2], &bsz);
	say("add_buf(B)", bpf_linker__add_buf(l, b, bsz, NULL));
	b[0] = 0; /* the linker must have its own copy */
	say("add_file(C)", bpf_linker__add_file(l, argv[3], NULL));
	say("finalize", bpf_linker__finalize(l));
	say("add_buf after finalize", bpf_linker__add_buf(l, b, bsz, NULL));
	say("add_fd after finalize", bpf_linker__add_fd(l, in, NULL));
	bpf_linker__free(l);
	out_summary(out, "output after free");

	/* a garbage buffer: refused, the linker stays usable for nothing else */
	l = bpf_linker__new_fd(out, NULL);
	say("add_buf(garbage)", bpf_linker__add_buf(l, "not an ELF file", 15, NULL));
	bpf_linker__free(l);

	free(b);
	close(in);
	close(out);
	return 0;
}
