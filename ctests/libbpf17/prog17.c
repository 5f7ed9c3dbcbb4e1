/* prog17.c OBJ: bpf_program__assoc_struct_ops, bpf_prog_assoc_struct_ops (LIBBPF_1.7.0) and
 * bpf_prog_stream_read (LIBBPF_1.6.0) as a transcript: return values, errno and libbpf's
 * warnings, before and after load, with unfit programs and maps, and the kernel's own answer.
 * Built against libbpf 1.7's headers; the transcripts of upstream libbpf 1.7 and of liboxbpf
 * must be equal. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "t17.h"

int main(int argc, char **argv)
{
	struct bpf_program *st, *tp;
	struct bpf_map *ops, *plain;
	struct bpf_object *obj;
	char buf[256];
	int rc;

	if (argc < 2)
		return 2;
	libbpf_set_print(warn_out);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return 1;
	st = bpf_object__find_program_by_name(obj, "op_test_1");
	tp = bpf_object__find_program_by_name(obj, "on_enter");
	ops = bpf_object__find_map_by_name(obj, "ops");
	plain = bpf_object__find_map_by_name(obj, "plain");

	say("assoc before load", bpf_program__assoc_struct_ops(tp, ops, NULL));
	if (bpf_object__load(obj)) {
		printf("load failed\n");
		return 1;
	}
	say("assoc struct_ops program", bpf_program__assoc_struct_ops(st, ops, NULL));
	say("assoc with a plain map", bpf_program__assoc_struct_ops(tp, plain, NULL));
	rc = bpf_program__assoc_struct_ops(tp, ops, NULL);
	printf("%-44s %s\n", "assoc raw_tp with the struct_ops map", rc == 0 ? "ok" : rc == -errno ? "kernel error" : "?");
	printf("  same answer from bpf_prog_assoc_struct_ops: %s\n",
	       bpf_prog_assoc_struct_ops(bpf_program__fd(tp), bpf_map__fd(ops), NULL) == rc ? "yes" : "no");
	say("bpf_prog_assoc_struct_ops bad fds", bpf_prog_assoc_struct_ops(-1, -1, NULL));

	say("stream_read stdout of on_enter", bpf_prog_stream_read(bpf_program__fd(tp), 1, buf, sizeof(buf), NULL));
	say("stream_read stderr of on_enter", bpf_prog_stream_read(bpf_program__fd(tp), 2, buf, sizeof(buf), NULL));
	say("stream_read stream 7", bpf_prog_stream_read(bpf_program__fd(tp), 7, buf, sizeof(buf), NULL));
	say("stream_read bad fd", bpf_prog_stream_read(-1, 1, buf, sizeof(buf), NULL));
	say("stream_read NULL buffer", bpf_prog_stream_read(bpf_program__fd(tp), 1, NULL, 16, NULL));
	{
		struct { struct bpf_prog_stream_read_opts o; long tail; } big = { .o.sz = sizeof(big), .tail = 1 };

		say("stream_read opts with unknown tail",
		    bpf_prog_stream_read(bpf_program__fd(tp), 1, buf, sizeof(buf), &big.o));
	}
	bpf_object__close(obj);
	return 0;
}
