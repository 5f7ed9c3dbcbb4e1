/* cgroup17.c OBJ: bpf_program__attach_cgroup_opts (libbpf 1.6) and bpf_link_create_opts.cgroup
 * (libbpf 1.7) on a cgroup of our own: programs placed before/after others by fd and by id,
 * the list order read back with bpf_prog_query_opts, a stale expected_revision, conflicting
 * options. Printed as a transcript (program names, return values, errno: no ids or fds);
 * built against libbpf 1.7's headers, the transcripts of upstream libbpf 1.7 and of liboxbpf
 * must be equal. Skips (77) without root or a cgroup2 mount. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "t17.h"

/* mprog placement flags (linux/bpf.h of 6.6+; this machine's may be older) */
#ifndef BPF_F_BEFORE
#define BPF_F_BEFORE (1U << 3)
#define BPF_F_AFTER (1U << 4)
#define BPF_F_ID (1U << 5)
#endif
#ifndef BPF_F_LINK
#define BPF_F_LINK (1U << 13)
#endif

static struct bpf_object *obj;

static const char *name_of_id(__u32 id)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_prog_get_info_by_fd(bpf_program__fd(p), &info, &len) && info.id == id)
			return bpf_program__name(p);
	}
	return "?";
}

static void list(int cg, const char *when)
{
	__u32 ids[8], n = 8, i;
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .count = n);

	if (bpf_prog_query_opts(cg, BPF_CGROUP_INET_EGRESS, &q)) {
		printf("%s: query failed errno %d\n", when, errno);
		return;
	}
	printf("%s: %u programs, revision %s:", when, q.count, q.revision ? "set" : "0");
	for (i = 0; i < q.count; i++)
		printf(" %s", name_of_id(ids[i]));
	printf("\n");
}

static struct bpf_link *att(const char *what, struct bpf_program *p, int cg, const struct bpf_cgroup_opts *o)
{
	struct bpf_link *l;

	errno = 0;
	l = bpf_program__attach_cgroup_opts(p, cg, o);
	printf("%-40s %s errno %d\n", what, l ? "link" : "NULL", l ? 0 : errno);
	return l;
}

static const char *cgroup2_mount(void)
{
	static char dir[4096];
	struct mntent *m;
	FILE *f = setmntent("/proc/mounts", "r");

	while (f && (m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(dir, sizeof(dir), "%s", m->mnt_dir);
			endmntent(f);
			return dir;
		}
	}
	if (f)
		endmntent(f);
	return NULL;
}

int main(int argc, char **argv)
{
	struct bpf_program *first, *second, *third;
	struct bpf_link *l1, *l2, *l3, *l4;
	char cgdir[4200];
	const char *root;
	int cg, fd;

	if (argc < 2)
		return 2;
	if (geteuid() != 0) {
		printf("SKIP: needs root\n");
		return 77;
	}
	root = cgroup2_mount();
	if (!root) {
		printf("SKIP: no cgroup2 mount\n");
		return 77;
	}
	libbpf_set_print(silent);
	snprintf(cgdir, sizeof(cgdir), "%s/oxbpf-cgroup17-%d", root, getpid());
	if (mkdir(cgdir, 0755)) {
		printf("SKIP: cannot create a cgroup under %s (errno %d)\n", root, errno);
		return 77;
	}
	cg = open(cgdir, O_RDONLY | O_DIRECTORY);

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		printf("load failed\n");
		rmdir(cgdir);
		return 1;
	}
	first = bpf_object__find_program_by_name(obj, "first");
	second = bpf_object__find_program_by_name(obj, "second");
	third = bpf_object__find_program_by_name(obj, "third");

	l1 = att("first, no opts", first, cg, NULL);
	list(cg, "after first");
	{
		LIBBPF_OPTS(bpf_cgroup_opts, o, .flags = BPF_F_BEFORE, .relative_fd = bpf_program__fd(first));
		l2 = att("second before first (by prog fd)", second, cg, &o);
		bpf_link__destroy(l2);
		o.flags = BPF_F_BEFORE | BPF_F_LINK;
		o.relative_fd = bpf_link__fd(l1);
		l2 = att("second before first's link (by fd)", second, cg, &o);
	}
	list(cg, "after second");
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		bpf_prog_get_info_by_fd(bpf_program__fd(first), &info, &len);
		LIBBPF_OPTS(bpf_cgroup_opts, o, .flags = BPF_F_AFTER | BPF_F_ID, .relative_id = info.id);
		l3 = att("third after first (by id)", third, cg, &o);
	}
	list(cg, "after third");
	{
		LIBBPF_OPTS(bpf_cgroup_opts, o, .relative_fd = 1, .relative_id = 1);
		l4 = att("relative_fd and relative_id", third, cg, &o);
		bpf_link__destroy(l4);
	}
	{
		LIBBPF_OPTS(bpf_cgroup_opts, o, .expected_revision = 1);
		l4 = att("stale expected_revision", third, cg, &o);
		bpf_link__destroy(l4);
	}
	{
		struct { struct bpf_cgroup_opts o; __u64 tail; } big = { .o.sz = sizeof(big), .tail = 1 };
		struct bpf_cgroup_opts *o = &big.o;
		l4 = att("opts with a non-zero unknown tail", third, cg, o);
		bpf_link__destroy(l4);
	}
	bpf_link__destroy(l3);
	list(cg, "third detached");
	{
		/* the raw bpf_link_create with libbpf 1.7's cgroup member: third first of all */
		LIBBPF_OPTS(bpf_link_create_opts, o, .flags = BPF_F_BEFORE);
		errno = 0;
		fd = bpf_link_create(bpf_program__fd(third), cg, BPF_CGROUP_INET_EGRESS, &o);
		printf("%-40s %s errno %d\n", "bpf_link_create third before all", fd >= 0 ? "fd" : "error",
		       fd >= 0 ? 0 : errno);
		list(cg, "after bpf_link_create");
		if (fd >= 0)
			close(fd);
		o.cgroup.relative_fd = 1;
		o.cgroup.relative_id = 1;
		errno = 0;
		fd = bpf_link_create(bpf_program__fd(third), cg, BPF_CGROUP_INET_EGRESS, &o);
		printf("%-40s %s errno %d\n", "bpf_link_create fd and id", fd >= 0 ? "fd" : "error", fd >= 0 ? 0 : errno);
	}
	bpf_link__destroy(l2);
	bpf_link__destroy(l1);
	list(cg, "all detached");
	bpf_object__close(obj);
	close(cg);
	if (rmdir(cgdir))
		printf("rmdir failed errno %d\n", errno);
	return 0;
}
