/* dump_c FILE [BASE]: print FILE's BTF (raw or ELF; split on top of BASE if given) as C in
 * bpftool 7.5's `btf dump file FILE format c` sequence: its prelude, btf_dump__dump_type() for
 * every type id in order, its kfunc prototypes (btf_dump__emit_type_decl() of every FUNC
 * carrying a "bpf_kfunc" decl tag, sorted by name) and its epilogue. The same source is built
 * against libbpf 1.5 and against liboxbpf; the outputs must be byte-identical.
 * Options: --repeat N dumps N times with fresh dumpers (for the benchmark; prints once). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static FILE *out;

static void print_cb(void *ctx, const char *fmt, va_list args)
{
	vfprintf(out, fmt, args);
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const struct btf *btf = ctx;
	const struct btf_type *ta = *(const struct btf_type **)a, *tb = *(const struct btf_type **)b;

	return strcmp(btf__str_by_offset(btf, ta->name_off), btf__str_by_offset(btf, tb->name_off));
}

static int dump_kfuncs(struct btf_dump *d, const struct btf *btf)
{
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts);
	__u32 cnt = btf__type_cnt(btf), i, j, nk = 0, nf = 0;
	const struct btf_type **kfuncs = calloc(cnt, sizeof(*kfuncs));
	const struct btf_type **fast = calloc(cnt, sizeof(*fast));
	int err = 0;

	fprintf(out, "\n/* BPF kfuncs */\n");
	fprintf(out, "#ifndef BPF_NO_KFUNC_PROTOTYPES\n");
	for (i = 1; i < cnt; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i), *ft;
		const char *name;

		if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1)
			continue;
		ft = btf__type_by_id(btf, t->type);
		if (!btf_is_func(ft))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (strcmp(name, "bpf_kfunc") == 0)
			kfuncs[nk++] = ft;
		if (strcmp(name, "bpf_fastcall") == 0)
			fast[nf++] = ft;
	}
	qsort_r(kfuncs, nk, sizeof(*kfuncs), cmp_name, (void *)btf);
	for (i = 0; i < nk; i++) {
		const struct btf_type *t = kfuncs[i];

		fprintf(out, "extern ");
		for (j = 0; j < nf; j++) {
			if (fast[j] == t) {
				fprintf(out, "__bpf_fastcall ");
				break;
			}
		}
		opts.field_name = btf__name_by_offset(btf, t->name_off);
		err = btf_dump__emit_type_decl(d, t->type, &opts);
		if (err)
			break;
		fprintf(out, " __weak __ksym;\n");
	}
	if (!err)
		fprintf(out, "#endif\n\n");
	free(kfuncs);
	free(fast);
	return err;
}

static int dump_c(const struct btf *btf)
{
	struct btf_dump *d;
	int err = 0, i, cnt;

	d = btf_dump__new(btf, print_cb, NULL, NULL);
	if (!d)
		return -errno;
	fprintf(out, "#ifndef __VMLINUX_H__\n");
	fprintf(out, "#define __VMLINUX_H__\n");
	fprintf(out, "\n");
	fprintf(out, "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n");
	fprintf(out, "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n");
	fprintf(out, "#endif\n\n");
	fprintf(out, "#ifndef __ksym\n");
	fprintf(out, "#define __ksym __attribute__((section(\".ksyms\")))\n");
	fprintf(out, "#endif\n\n");
	fprintf(out, "#ifndef __weak\n");
	fprintf(out, "#define __weak __attribute__((weak))\n");
	fprintf(out, "#endif\n\n");
	fprintf(out, "#ifndef __bpf_fastcall\n");
	fprintf(out, "#if __has_attribute(bpf_fastcall)\n");
	fprintf(out, "#define __bpf_fastcall __attribute__((bpf_fastcall))\n");
	fprintf(out, "#else\n");
	fprintf(out, "#define __bpf_fastcall\n");
	fprintf(out, "#endif\n");
	fprintf(out, "#endif\n\n");
	cnt = btf__type_cnt(btf);
	for (i = 1; i < cnt; i++) {
		err = btf_dump__dump_type(d, i);
		if (err)
			goto done;
	}
	err = dump_kfuncs(d, btf);
	if (err)
		goto done;
	fprintf(out, "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n");
	fprintf(out, "#pragma clang attribute pop\n");
	fprintf(out, "#endif\n");
	fprintf(out, "\n");
	fprintf(out, "#endif /* __VMLINUX_H__ */\n");
done:
	btf_dump__free(d);
	return err;
}

int main(int argc, char **argv)
{
	struct btf *btf, *base = NULL;
	int repeat = 1, err = 0, r;

	if (argc > 2 && strcmp(argv[1], "--repeat") == 0) {
		repeat = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: dump_c [--repeat N] FILE [BASE]\n");
		return 2;
	}
	if (argc == 3) {
		base = btf__parse(argv[2], NULL);
		if (!base) {
			fprintf(stderr, "FAIL: parse %s: %d\n", argv[2], -errno);
			return 1;
		}
	}
	btf = base ? btf__parse_split(argv[1], base) : btf__parse(argv[1], NULL);
	if (!btf) {
		fprintf(stderr, "FAIL: parse %s: %d\n", argv[1], -errno);
		return 1;
	}
	for (r = 0; r < repeat && !err; r++) {
		out = r == 0 ? stdout : fopen("/dev/null", "w");
		err = dump_c(btf);
		if (r > 0)
			fclose(out);
	}
	fflush(stdout);
	if (err)
		printf("\nbtf_dump error: %d\n", err);
	btf__free(btf);
	btf__free(base);
	return err ? 1 : 0;
}
