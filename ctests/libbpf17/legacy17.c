/* legacy17.c OBJ: a uprobe attached in legacy mode (PROBE_ATTACH_MODE_LEGACY: a tracefs
 * uprobe event) twice on this program's own function: the event names as libbpf 1.7 forms them
 * (libbpf_<pid>_<n>_<binary basename>_0x<offset>, cut to 63 bytes), read from uprobe_events
 * with the pid and binary name replaced (their lengths differ between the two builds); hits
 * counted. Built against libbpf 1.7's headers; the transcripts of
 * upstream libbpf 1.7 and of liboxbpf must be equal. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "t17.h"

__attribute__((noinline, used)) int legacy17_target(int x)
{
	asm volatile("" : "+r"(x));
	return x + 1;
}

static void events(const char *when)
{
	const char *files[] = { "/sys/kernel/tracing/uprobe_events", "/sys/kernel/debug/tracing/uprobe_events" };
	char pid[32], line[1024];
	int n = 0;

	snprintf(pid, sizeof(pid), "libbpf_%d_", getpid());
	for (int i = 0; i < 2 && !n; i++) {
		FILE *f = fopen(files[i], "r");

		while (f && fgets(line, sizeof(line), f)) {
			char *p = strstr(line, pid), *end;

			if (!p)
				continue;
			end = strpbrk(p, " \n");
			if (end)
				*end = 0;
			/* the binary's name differs between the two builds: keep its shape only */
			{
				char *rest = p + strlen(pid), *us = strchr(rest, '_'), *hex = strstr(rest, "_0x");

				printf("%s: event libbpf_PID_%.*s_<binary basename, sanitized>%s\n", when,
				       us ? (int)(us - rest) : 0, rest, hex ? hex : "?");
			}
			n++;
		}
		if (f)
			fclose(f);
	}
	if (!n)
		printf("%s: no event of ours\n", when);
}

int main(int argc, char **argv)
{
	struct bpf_link *l1, *l2;
	struct bpf_object *obj;
	struct bpf_program *p;
	char self[PATH_MAX];

	/* argv[0], not /proc/self/exe: the reference run starts through libbpf 1.7's own loader */
	if (argc < 2 || !realpath(argv[0], self))
		return 2;
	libbpf_set_print(silent);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		printf("load failed errno %d\n", errno);
		return 1;
	}
	p = bpf_object__find_program_by_name(obj, "on_uprobe");
	{
		LIBBPF_OPTS(bpf_uprobe_opts, o, .func_name = "legacy17_target", .attach_mode = PROBE_ATTACH_MODE_LEGACY);

		errno = 0;
		l1 = bpf_program__attach_uprobe_opts(p, 0, self, 0, &o);
		printf("legacy uprobe 1: %s errno %d\n", l1 ? "link" : "NULL", l1 ? 0 : errno);
		l2 = bpf_program__attach_uprobe_opts(p, 0, self, 0, &o);
		printf("legacy uprobe 2: %s errno %d\n", l2 ? "link" : "NULL", l2 ? 0 : errno);
	}
	events("attached");
	for (int i = 0; i < 3; i++)
		legacy17_target(i);
	int hits = bss_int(obj, 4);

	printf("hits after 3 calls: %d\n", hits);
	bpf_link__destroy(l1);
	bpf_link__destroy(l2);
	events("destroyed");
	bpf_object__close(obj);
	/* two probes, 3 calls each */
	return hits == 6 ? 0 : 1;
}
