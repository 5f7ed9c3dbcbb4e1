/* func_info.c OBJ: bpf_program__func_info/_cnt and __line_info/_cnt (LIBBPF_1.6.0) of every
 * program of OBJ before and after load, printed as a transcript (results, errnos, the records
 * with the names they point to in the object's BTF). Built against libbpf 1.7's headers; the
 * transcript of upstream libbpf 1.7 and of liboxbpf must be equal. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "t17.h"

static void dump(struct bpf_object *obj, struct bpf_program *prog, const char *when)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_func_info *fi;
	struct bpf_line_info *li;
	__u32 i, n;

	errno = 0;
	fi = bpf_program__func_info(prog);
	printf("%s %s: func_info %s errno %d", when, bpf_program__name(prog), fi ? "set" : "NULL", fi ? 0 : errno);
	n = bpf_program__func_info_cnt(prog);
	printf(" cnt %u\n", n);
	for (i = 0; fi && i < n; i++) {
		const struct btf_type *t = btf ? btf__type_by_id(btf, fi[i].type_id) : NULL;
		printf("  func insn_off %u type_id %u %s\n", fi[i].insn_off, fi[i].type_id,
		       t ? btf__name_by_offset(btf, t->name_off) : "?");
	}
	errno = 0;
	li = bpf_program__line_info(prog);
	printf("%s %s: line_info %s errno %d", when, bpf_program__name(prog), li ? "set" : "NULL", li ? 0 : errno);
	n = bpf_program__line_info_cnt(prog);
	printf(" cnt %u\n", n);
	for (i = 0; li && i < n; i++) {
		const char *file = btf ? btf__name_by_offset(btf, li[i].file_name_off) : NULL;
		const char *slash = file ? strrchr(file, '/') : NULL;
		printf("  line insn_off %u line %u col %u file %s\n", li[i].insn_off,
		       BPF_LINE_INFO_LINE_NUM(li[i].line_col), BPF_LINE_INFO_LINE_COL(li[i].line_col),
		       slash ? slash + 1 : file ? file : "?");
	}
}

int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJ\n", argv[0]);
		return 2;
	}
	libbpf_set_print(silent);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		printf("open: errno %d\n", errno);
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		dump(obj, prog, "open");
	err = bpf_object__load(obj);
	printf("load: %d\n", err);
	if (err) {
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		dump(obj, prog, "loaded");
	/* Unloading one program frees its records in libbpf (the counts are kept). */
	prog = bpf_object__find_program_by_name(obj, "with_subprogs");
	bpf_program__unload(prog);
	dump(obj, prog, "unloaded");
	bpf_object__close(obj);
	return 0;
}
