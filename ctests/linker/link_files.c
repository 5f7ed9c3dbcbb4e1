// link_files OUT IN... — link BPF objects with bpf_linker__* and report each step.
// Built twice (upstream libbpf 1.5 and liboxbpf); the outputs and the files it writes are
// compared by the linker tests. Prints one line per call ("new: ok", "add IN: -22 errno 22",
// "finalize: 0") and, with --log, libbpf's WARN lines prefixed "log: ". Exit 0 iff every call
// succeeded, 1 otherwise, 2 on usage errors.
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	printf("log: ");
	return vprintf(fmt, ap);
}

static int quiet_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level; (void)fmt; (void)ap;
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1, err, failed = 0;
	struct bpf_linker *linker;

	if (i < argc && strcmp(argv[i], "--log") == 0) {
		libbpf_set_print(print_fn);
		i++;
	} else {
		libbpf_set_print(quiet_fn);
	}
	if (argc - i < 1) {
		fprintf(stderr, "usage: link_files [--log] OUT IN...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	linker = bpf_linker__new(argv[i], NULL);
	if (!linker) {
		printf("new: NULL errno %d\n", errno);
		return 1;
	}
	printf("new: ok\n");
	for (i++; i < argc; i++) {
		const char *base = strrchr(argv[i], '/');
		err = bpf_linker__add_file(linker, argv[i], NULL);
		printf("add %s: %d errno %d\n", base ? base + 1 : argv[i], err, err ? errno : 0);
		if (err) {
			failed = 1;
			break;
		}
	}
	if (!failed) {
		err = bpf_linker__finalize(linker);
		printf("finalize: %d\n", err);
		failed = err != 0;
	}
	bpf_linker__free(linker);
	return failed;
}
