/* skel17.c OBJ: bpf_object__attach_skeleton with a struct_ops map entry whose link slot is
 * NULL (libbpf 1.7 warns and goes on; libbpf 1.5 writes through the NULL slot). A skeleton is
 * built by hand over OBJ's maps and programs; a transcript of return values and libbpf's
 * warnings. Built against libbpf 1.7's headers; the transcripts of upstream libbpf 1.7 and of
 * liboxbpf must be equal. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "t17.h"

int main(int argc, char **argv)
{
	struct bpf_object *obj = NULL;
	struct bpf_map *m_plain = NULL, *m_ops = NULL;
	struct bpf_program *p_enter = NULL;
	struct bpf_link *l_enter = NULL;
	/* destroy_skeleton frees the skeleton and its arrays, as generated code allocates them */
	struct bpf_object_skeleton *sk = calloc(1, sizeof(*sk));
	struct bpf_map_skeleton *maps = calloc(2, sizeof(*maps));
	struct bpf_prog_skeleton *progs = calloc(1, sizeof(*progs));
	size_t data_sz = 0;
	void *data;
	int rc;

	if (argc < 2 || !sk || !maps || !progs)
		return 2;
	data = slurp(argv[1], &data_sz);
	maps[0].name = "plain";
	maps[0].map = &m_plain;
	maps[1].name = "ops";
	maps[1].map = &m_ops; /* .link left NULL */
	progs[0].name = "on_enter";
	progs[0].prog = &p_enter;
	progs[0].link = &l_enter;
	sk->sz = sizeof(*sk);
	sk->name = "prog17";
	sk->obj = &obj;
	sk->data = data;
	sk->data_sz = data_sz;
	sk->map_cnt = 2;
	sk->map_skel_sz = sizeof(*maps);
	sk->maps = maps;
	sk->prog_cnt = 1;
	sk->prog_skel_sz = sizeof(*progs);
	sk->progs = progs;
	libbpf_set_print(warn_out);
	rc = bpf_object__open_skeleton(sk, NULL);
	printf("open_skeleton rc %d\n", rc);
	rc = bpf_object__load_skeleton(sk);
	printf("load_skeleton rc %d\n", rc);
	rc = bpf_object__attach_skeleton(sk);
	printf("attach_skeleton rc %d, on_enter link %s\n", rc, l_enter ? "set" : "NULL");
	bpf_object__detach_skeleton(sk);
	bpf_object__destroy_skeleton(sk);
	free(data);
	return 0;
}
