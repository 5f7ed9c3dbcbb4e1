// Debug-log driver for the log-parity tests (issue 9): opens, loads and closes one BPF object
// with a DEBUG-level print callback and writes every library log line to stdout.
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static int print_all(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static const char *names[] = {"WARN", "INFO", "DEBUG"};
	printf("%s: ", (unsigned)level < 3 ? names[level] : "?");
	return vprintf(fmt, ap);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJ.bpf.o\n", argv[0]);
		return 2;
	}
	libbpf_set_print(print_all);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		printf("RESULT: open failed: %d\n", -errno);
		return 0;
	}
	int err = bpf_object__load(obj);
	printf("RESULT: load: %d\n", err);
	bpf_object__close(obj);
	fflush(stdout);
	return 0;
}
