// log_driver [--attach] [--only PROG] [--pin-root DIR] OBJECT: open, load and close OBJECT with a print
// callback at DEBUG level that writes every libbpf log line to stdout, followed by the return
// codes. Run on upstream libbpf 1.5 and on liboxbpf; logs_diff.sh compares the normalised
// outputs.
//   --attach     after a successful load, attach every program (bpf_program__attach) and
//                every struct_ops map (bpf_map__attach_struct_ops), then destroy the links.
//                A struct_ops map's `name` member (a congestion control's name) is first
//                renamed "oxlg_" + the map's name, so that no other test's registration of
//                the same object collides with this one.
//   --only PROG  load only PROG (autoload off for every other program).
//   --pin-root DIR  maps pinned by name (LIBBPF_PIN_BY_NAME) live under DIR instead of
//                /sys/fs/bpf (logs_diff.sh gives each run an empty directory).
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define MAX_LINKS 256

static int print_all(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static const char *names[] = {"W", "I", "D"};

	printf("[%s] ", (unsigned)level < 3 ? names[level] : "?");
	return vprintf(fmt, ap);
}

/* Rename a struct_ops map's char[] `name` member (if its type has one) in its shadow data. */
static void rename_struct_ops(struct bpf_object *obj, struct bpf_map *map)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;
	const struct btf_member *m;
	size_t size = 0;
	char *data;
	int i;

	data = bpf_map__initial_value(map, &size);
	t = btf ? btf__type_by_id(btf, bpf_map__btf_value_type_id(map)) : NULL;
	if (!data || !t || !btf_is_struct(t))
		return;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const struct btf_type *mt = btf__type_by_id(btf, m->type);
		size_t off = m->offset / 8, len;

		if (strcmp(btf__name_by_offset(btf, m->name_off), "name") || !mt || !btf_is_array(mt))
			continue;
		len = btf_array(mt)->nelems;
		if (off + len > size || len == 0)
			return;
		memset(data + off, 0, len);
		snprintf(data + off, len, "oxlg_%s", bpf_map__name(map));
		printf("== renamed %s: %s\n", bpf_map__name(map), data + off);
		return;
	}
}

static void attach_all(struct bpf_object *obj)
{
	struct bpf_link *links[MAX_LINKS];
	struct bpf_program *prog;
	struct bpf_map *map;
	int n = 0, i;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_STRUCT_OPS)
			continue;
		link = bpf_program__attach(prog);
		printf("== attach %s: %ld\n", bpf_program__name(prog),
		       link ? 0L : (long)-errno);
		if (link && n < MAX_LINKS)
			links[n++] = link;
		else if (link)
			bpf_link__destroy(link);
	}
	bpf_object__for_each_map(map, obj) {
		struct bpf_link *link;

		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS || !bpf_map__autocreate(map))
			continue;
		link = bpf_map__attach_struct_ops(map);
		printf("== attach_struct_ops %s: %ld\n", bpf_map__name(map),
		       link ? 0L : (long)-errno);
		if (link && n < MAX_LINKS)
			links[n++] = link;
		else if (link)
			bpf_link__destroy(link);
	}
	for (i = n - 1; i >= 0; i--)
		printf("== detach: %d\n", bpf_link__destroy(links[i]));
}

int main(int argc, char **argv)
{
	const char *only = NULL, *pin_root = NULL, *path;
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *map;
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	int attach = 0, i, err;

	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--attach"))
			attach = 1;
		else if (!strcmp(argv[i], "--only") && i + 1 < argc - 1)
			only = argv[++i];
		else if (!strcmp(argv[i], "--pin-root") && i + 1 < argc - 1)
			pin_root = argv[++i];
		else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: %s [--attach] [--only PROG] [--pin-root DIR] OBJECT\n",
			argv[0]);
		return 2;
	}
	path = argv[i];
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_all);
	opts.pin_root_path = pin_root;
	obj = bpf_object__open_file(path, &opts);
	err = libbpf_get_error(obj);
	printf("== open: %d\n", err);
	if (err)
		return 0;
	if (only) {
		int found = 0;

		bpf_object__for_each_program(prog, obj) {
			int on = !strcmp(bpf_program__name(prog), only);

			found |= on;
			bpf_program__set_autoload(prog, on);
		}
		if (!found) {
			fprintf(stderr, "%s: no program %s in %s\n", argv[0], only, path);
			bpf_object__close(obj);
			return 2;
		}
	}
	if (attach) {
		bpf_object__for_each_map(map, obj) {
			if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
				rename_struct_ops(obj, map);
		}
	}
	err = bpf_object__load(obj);
	printf("== load: %d\n", err);
	/* What a failed (or successful) load leaves: the instruction counts (subprograms appended). */
	bpf_object__for_each_program(prog, obj) {
		printf("== prog %s: autoload %d insn_cnt %zu\n", bpf_program__name(prog),
		       bpf_program__autoload(prog), bpf_program__insn_cnt(prog));
	}
	if (!err && attach)
		attach_all(obj);
	bpf_object__close(obj);
	printf("== closed\n");
	return 0;
}
