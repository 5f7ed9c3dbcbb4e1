/* fsession17.c OBJ: the fsession section of libbpf 1.7 — program type, expected attach type
 * (BPF_TRACE_FSESSION), and the load, which kernels before 6.19 refuse. A transcript; built
 * against libbpf 1.7's headers, the transcripts of upstream libbpf 1.7 and of liboxbpf must be
 * equal. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "t17.h"

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	int rc;

	if (argc < 2)
		return 2;
	libbpf_set_print(silent);
	obj = bpf_object__open_file(argv[1], NULL);
	printf("open: %s errno %d\n", obj ? "ok" : "NULL", obj ? 0 : errno);
	if (!obj)
		return 0;
	p = bpf_object__find_program_by_name(obj, "on_nanosleep");
	printf("section %s, prog type %d, expected attach type %d\n", bpf_program__section_name(p),
	       bpf_program__type(p), bpf_program__expected_attach_type(p));
	rc = bpf_object__load(obj);
	printf("load rc %d\n", rc);
	bpf_object__close(obj);
	return 0;
}
