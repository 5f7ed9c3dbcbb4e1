/* session17.c OBJ: bpf_uprobe_multi_opts.session and the uprobe.session section (libbpf 1.7):
 * a session probe on this program's own function, hit at entry and at return; retprobe with
 * session refused. A transcript of results and hit counts; built against libbpf 1.7's headers,
 * the transcripts of upstream libbpf 1.7 and of liboxbpf must be equal. */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "t17.h"

__attribute__((noinline, used)) int session17_target(int x)
{
	asm volatile("" : "+r"(x));
	return x + 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_link *l;
	char self[PATH_MAX];
	int hits = -1;

	/* argv[0], not /proc/self/exe: the reference run starts through libbpf 1.7's own loader */
	if (argc < 2 || !realpath(argv[0], self))
		return 2;
	libbpf_set_print(silent);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		printf("load failed errno %d\n", errno);
		return 1;
	}
	p = bpf_object__find_program_by_name(obj, "on_session");
	printf("expected attach type is uprobe session: %s\n",
	       bpf_program__expected_attach_type(p) == 57 ? "yes" : "no");
	{
		LIBBPF_OPTS(bpf_uprobe_multi_opts, o, .session = true, .retprobe = true);
		errno = 0;
		l = bpf_program__attach_uprobe_multi(p, 0, self, "session17_target", &o);
		printf("retprobe + session: %s errno %d\n", l ? "link" : "NULL", l ? 0 : errno);
		bpf_link__destroy(l);
	}
	{
		LIBBPF_OPTS(bpf_uprobe_multi_opts, o, .session = true);
		errno = 0;
		l = bpf_program__attach_uprobe_multi(p, 0, self, "session17_target", &o);
		printf("session: %s errno %d\n", l ? "link" : "NULL", l ? 0 : errno);
		for (int i = 0; i < 3; i++)
			session17_target(i);
		hits = bss_int(obj, 0);
		printf("hits after 3 calls: %d\n", hits);
		bpf_link__destroy(l);
	}
	bpf_object__close(obj);
	/* entry and return of 3 calls: a different count is a failure on either library */
	return hits == 6 ? 0 : 1;
}
