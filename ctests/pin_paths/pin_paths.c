// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pin_paths OBJECT: how pin paths are taken apart (libbpf's dirname(3)-based make_parent_dir
 * and check_path), printed so that diff_dump.sh can compare upstream libbpf 1.5 with liboxbpf
 * line by line. Needs root (mounts a BPF FS, loads): skips (77) otherwise.
 *
 * A BPF FS is mounted on a fresh directory (ROOT in the output), which is also the working
 * directory (so relative names and dirname's "." are on the BPF FS, "/" is not).
 * Then, on OBJECT (the globals fixture: m_pinned is LIBBPF_PIN_BY_NAME):
 *   - load with pin_root_path "ROOT/root//": the load's own auto-pin path;
 *   - load with a map's pin path set where the load's pin must fail (not on a BPF FS, a
 *     missing grandparent directory) and where it works ("a//b" spellings);
 *   - bpf_map__pin/unpin and bpf_program__pin/unpin at paths with doubled and trailing
 *     slashes, "/", "//", "", relative names, "." and ".." components;
 *   - bpf_object__pin_maps/unpin_maps under "ROOT/pm//".
 * Each call prints its return value, errno, the warnings (and, around pin calls, the debug
 * lines) it logged, and which of the paths involved exist afterwards.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../common.h"

static char root[64];
static int debug_on;

/* `s` with the mount directory written as ROOT. */
static void put_rooted(const char *prefix, const char *s)
{
	size_t rl = strlen(root);
	const char *p;

	fputs(prefix, stdout);
	while ((p = strstr(s, root)) != NULL) {
		fwrite(s, 1, p - s, stdout);
		fputs("ROOT", stdout);
		s = p + rl;
	}
	fputs(s, stdout);
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	if (level == LIBBPF_DEBUG && !debug_on)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	put_rooted(level == LIBBPF_WARN ? "  warn: " : level == LIBBPF_INFO ? "  info: " : "  debug: ",
		   buf);
	if (!*buf || buf[strlen(buf) - 1] != '\n')
		putchar('\n');
	return 0;
}

static void result(const char *what, const char *path, int rc)
{
	char line[512];

	snprintf(line, sizeof(line), "%s(\"%s\") = %d", what, path, rc);
	put_rooted("", line);
	printf(" errno %d\n", rc ? errno : 0);
}

static void exists(const char *path)
{
	char line[512];
	struct stat st;

	snprintf(line, sizeof(line), "  exists \"%s\": %d\n", path, stat(path, &st) == 0);
	put_rooted("", line);
}

/* `fmt` with ROOT substituted (at most once). */
static const char *at(const char *fmt)
{
	static char bufs[4][512];
	static int n;
	char *b = bufs[n++ % 4];

	snprintf(b, 512, fmt, root);
	return b;
}

static struct bpf_object *open_obj(const char *file, const char *pin_root)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = pin_root);
	struct bpf_object *obj = bpf_object__open_file(file, &o);

	struct bpf_program *p;

	OXT_ASSERT(obj != NULL, "open %s: %d", file, -errno);
	/* This kernel refuses fentry (and may lack kprobes): load the raw_tp programs only. */
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, strncmp(bpf_program__section_name(p), "raw_tp/", 7) == 0);
	return obj;
}

/* Load with map m_pinned's pin path set to `path`. */
static void load_pinned_at(const char *file, const char *path)
{
	struct bpf_object *obj = open_obj(file, at("%s/unused"));
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "m_pinned");
	int rc;

	OXT_ASSERT(m != NULL, "no m_pinned in %s", file);
	rc = bpf_map__set_pin_path(m, path);
	result("set_pin_path", path, rc);
	rc = bpf_object__load(obj);
	result("load pinned at", path, rc);
	printf("  is_pinned %d\n", bpf_map__is_pinned(m));
	exists(path);
	if (bpf_map__is_pinned(m)) {
		rc = bpf_map__unpin(m, NULL);
		result("unpin", path, rc);
	}
	bpf_object__close(obj);
}

static void map_pin(struct bpf_map *m, const char *path)
{
	int rc;

	/* Forget the previous case's pin path: each case starts from "no pin path". */
	bpf_map__set_pin_path(m, NULL);
	debug_on = 1;
	rc = bpf_map__pin(m, path);
	debug_on = 0;
	result("map pin", path, rc);
	printf("  is_pinned %d\n", bpf_map__is_pinned(m));
	exists(path);
	if (bpf_map__is_pinned(m)) {
		debug_on = 1;
		rc = bpf_map__unpin(m, path);
		debug_on = 0;
		result("map unpin", path, rc);
		exists(path);
	}
}

static void prog_pin(struct bpf_program *p, const char *path)
{
	int rc;

	debug_on = 1;
	rc = bpf_program__pin(p, path);
	debug_on = 0;
	result("prog pin", path, rc);
	exists(path);
	if (rc == 0) {
		debug_on = 1;
		rc = bpf_program__unpin(p, path);
		debug_on = 0;
		result("prog unpin", path, rc);
		exists(path);
	}
}

static void cleanup(void)
{
	umount2(root, MNT_DETACH);
	rmdir(root);
}

int main(int argc, char **argv)
{
	char file[4096];
	struct bpf_object *obj;
	struct bpf_map *m;
	struct bpf_program *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJECT.bpf.o\n", argv[0]);
		return 2;
	}
	oxt_require_root();
	/* The program works from the BPF FS: the object's path must not be relative. */
	OXT_ASSERT(realpath(argv[1], file) != NULL, "%s: %s", argv[1], strerror(errno));
	argv[1] = file;
	snprintf(root, sizeof(root), "/tmp/oxbpf-pin-paths-XXXXXX");
	OXT_ASSERT(mkdtemp(root) != NULL, "mkdtemp: %s", strerror(errno));
	if (mount("bpf", root, "bpf", 0, NULL) != 0) {
		int e = errno;

		rmdir(root);
		OXT_ASSERT(0, "mount bpffs on %s: %s", root, strerror(e));
	}
	atexit(cleanup);
	/* Relative paths and dirname's "." land on the BPF FS. */
	OXT_ASSERT(chdir(root) == 0, "chdir %s: %s", root, strerror(errno));
	libbpf_set_print(print_fn);

	/* The load's auto-pin at pin_root_path/m_pinned, the root spelled with slashes to spare. */
	printf("== load with pin_root_path ROOT/root//\n");
	obj = open_obj(argv[1], at("%s/root//"));
	m = bpf_object__find_map_by_name(obj, "m_pinned");
	OXT_ASSERT(m != NULL, "no m_pinned");
	put_rooted("pin_path ", bpf_map__pin_path(m));
	putchar('\n');
	rc = bpf_object__load(obj);
	result("load", bpf_map__pin_path(m), rc);
	printf("  is_pinned %d\n", bpf_map__is_pinned(m));
	exists(at("%s/root"));
	exists(at("%s/root/m_pinned"));
	rc = bpf_map__unpin(m, NULL);
	result("unpin", bpf_map__pin_path(m), rc);
	bpf_object__close(obj);

	printf("== load with m_pinned's pin path set\n");
	load_pinned_at(argv[1], at("%s/l1//m"));
	load_pinned_at(argv[1], at("%s//l2//m"));
	load_pinned_at(argv[1], at("%s/l3/x/m"));
	load_pinned_at(argv[1], "/oxbpf-pin-paths-not-bpffs");
	load_pinned_at(argv[1], "oxbpf-relative");
	load_pinned_at(argv[1], "/");
	load_pinned_at(argv[1], "//");
	load_pinned_at(argv[1], "l4/");

	printf("== bpf_map__pin / bpf_program__pin on a loaded object\n");
	obj = open_obj(argv[1], at("%s/root2"));
	rc = bpf_object__load(obj);
	result("load", at("%s/root2"), rc);
	OXT_ASSERT(rc == 0, "load: %d", rc);
	m = bpf_object__find_map_by_name(obj, "m_hash");
	OXT_ASSERT(m != NULL, "no m_hash");
	{
		const char *paths[] = {
			at("%s/a//b"), at("%s//c"), at("%s/d/"), at("%s/e//"), at("%s/a//b//"),
			at("%s/./f"), at("%s/g/../h"), at("%s/"), at("%s"), at("%s/../x"),
			at("%s/x/y/z"), at("%s///"), "/", "//", "///", "", "rel", "rel/", "./rel",
			"/proc/oxbpf-pin-paths/m",
		};

		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			map_pin(m, paths[i]);
	}
	exists(at("%s/a"));
	exists(at("%s/g"));
	bpf_object__for_each_program(p, obj)
		if (bpf_program__autoload(p))
			break;
	OXT_ASSERT(p != NULL, "no raw_tp program");
	prog_pin(p, at("%s/p//q"));
	prog_pin(p, at("%s/p2/"));
	prog_pin(p, "/");
	prog_pin(p, at("%s/n1/n2/q"));

	printf("== bpf_object__pin_maps under ROOT/pm//\n");
	rc = bpf_object__pin_maps(obj, at("%s/pm//"));
	result("pin_maps", at("%s/pm//"), rc);
	exists(at("%s/pm"));
	exists(at("%s/pm/m_hash"));
	exists(at("%s/pm/globals_data"));
	rc = bpf_object__unpin_maps(obj, at("%s/pm//"));
	result("unpin_maps", at("%s/pm//"), rc);
	exists(at("%s/pm/m_hash"));
	bpf_object__close(obj);
	return 0;
}
