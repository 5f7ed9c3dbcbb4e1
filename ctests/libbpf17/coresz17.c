/* coresz17.c OBJ: CO-RE size adjustment of libbpf 1.7 — a one-byte load through the array
 * field task_struct.comm is checked against the element size, so the program loads (libbpf 1.5
 * refused it), attaches, and runs: its counter is read back. Built against libbpf 1.7's
 * headers; the transcripts of upstream libbpf 1.7 and of liboxbpf must be equal. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "t17.h"

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_link *l;
	struct bpf_map *bss;
	int rc, k = 0;
	struct { char c; int runs; } v = { 0, 0 };

	if (argc < 2)
		return 2;
	libbpf_set_print(silent);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return 1;
	rc = bpf_object__load(obj);
	printf("load rc %d\n", rc);
	if (rc)
		return 0;
	l = bpf_program__attach(bpf_object__find_program_by_name(obj, "on_switch"));
	printf("attach: %s errno %d\n", l ? "link" : "NULL", l ? 0 : errno);
	for (int i = 0; i < 20; i++)
		usleep(1000);
	bss = bpf_object__find_map_by_name(obj, ".bss");
	bpf_map__lookup_elem(bss, &k, sizeof(k), &v, sizeof(v), 0);
	printf("the program ran: %s, read a comm byte: %s\n", v.runs > 0 ? "yes" : "no", v.c ? "yes" : "no");
	bpf_link__destroy(l);
	bpf_object__close(obj);
	return v.runs > 0 && v.c ? 0 : 1;
}
