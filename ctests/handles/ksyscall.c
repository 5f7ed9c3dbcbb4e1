// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ksyscall: the value of LINUX_HAS_SYSCALL_WRAPPER after load (read from the .kconfig map) and
 * what attaching ksyscall/kretsyscall/kprobe programs does (result, errno, every WARN line and
 * the DEBUG lines naming a probe target), in a form comparable between upstream libbpf 1.5 and
 * liboxbpf (ctests/load/diff_load.sh). On this machine's kernel (no kprobes) every attach fails;
 * the lines say which kernel function each was for and how it failed.
 *
 *   ksyscall OBJECT.bpf.o
 */
#include <stdarg.h>
#include <stdint.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../common.h"

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[4096];
	char *nl;

	vsnprintf(line, sizeof(line), fmt, ap);
	if ((nl = strchr(line, '\n')))
		*nl = 0;
	/* Every WARN line; the DEBUG/INFO lines about kprobe PMUs, tracefs and the syscall
	 * wrapper (not the ELF walk's, which name kprobe sections). */
	if (level == LIBBPF_WARN ||
	    (strncmp(line, "libbpf: elf:", 12) && strncmp(line, "libbpf: sec ", 12) &&
	     (strstr(line, "kprobe") || strstr(line, "tracing") || strstr(line, "sys_") ||
	      strstr(line, "wrapper"))))
		printf("%s: %s\n", level == LIBBPF_WARN ? "warn" : level == LIBBPF_INFO ? "info" : "debug",
		       line);
	return 0;
}

static void attach(const char *what, struct bpf_link *l)
{
	int e = errno;

	if (l) {
		printf("%s: attached\n", what);
		bpf_link__destroy(l);
	} else {
		printf("%s: failed, errno %d\n", what, e);
	}
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_map *kc;
	unsigned char val[64] = { 0 };
	int zero = 0;

	OXT_ASSERT(argc == 2, "usage: %s OBJECT", argv[0]);
	oxt_require_root();
	libbpf_set_print(print_cb);
	obj = bpf_object__open_file(argv[1], NULL);
	OXT_ASSERT(obj != NULL, "open %s: %d", argv[1], errno);
	if (bpf_object__load(obj)) {
		printf("load: failed, errno %d\n", errno);
		return 0;
	}
	printf("load: ok\n");
	bpf_object__for_each_map(kc, obj)
		if (strstr(bpf_map__name(kc), ".kconfig"))
			break;
	OXT_ASSERT(kc != NULL, "no .kconfig map");
	OXT_ASSERT(bpf_map_lookup_elem(bpf_map__fd(kc), &zero, val) == 0, "lookup .kconfig: %d", errno);
	printf("LINUX_HAS_SYSCALL_WRAPPER = %u\n", val[0]);

	struct bpf_program *ks = bpf_object__find_program_by_name(obj, "on_tgkill");
	struct bpf_program *kr = bpf_object__find_program_by_name(obj, "on_getpid_ret");
	struct bpf_program *kp = bpf_object__find_program_by_name(obj, "on_nanosleep");

	errno = 0;
	attach("ksyscall/tgkill (auto)", bpf_program__attach(ks));
	errno = 0;
	attach("ksyscall getpid", bpf_program__attach_ksyscall(ks, "getpid", NULL));
	errno = 0;
	attach("kretsyscall/getpid (auto)", bpf_program__attach(kr));
	errno = 0;
	attach("kprobe/do_nanosleep (auto)", bpf_program__attach(kp));
	LIBBPF_OPTS(bpf_kprobe_opts, legacy, .attach_mode = PROBE_ATTACH_MODE_LEGACY);
	errno = 0;
	attach("kprobe do_nanosleep legacy",
	       bpf_program__attach_kprobe_opts(kp, "do_nanosleep", &legacy));
	legacy.retprobe = true;
	legacy.offset = 0;
	errno = 0;
	attach("kretprobe do_nanosleep legacy",
	       bpf_program__attach_kprobe_opts(kp, "do_nanosleep", &legacy));
	bpf_object__close(obj);
	return 0;
}
