// log_driver OBJECT: open, load and close OBJECT with a print callback at DEBUG level that
// writes every libbpf log line to stdout, followed by the return codes. Run on upstream
// libbpf 1.5 and on liboxbpf; logs_diff.sh compares the normalised outputs.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>

static int print_all(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static const char *names[] = {"W", "I", "D"};

	printf("[%s] ", (unsigned)level < 3 ? names[level] : "?");
	return vprintf(fmt, ap);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJECT\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_all);
	obj = bpf_object__open_file(argv[1], NULL);
	err = libbpf_get_error(obj);
	printf("== open: %d\n", err);
	if (err)
		return 0;
	err = bpf_object__load(obj);
	printf("== load: %d\n", err);
	bpf_object__close(obj);
	printf("== closed\n");
	return 0;
}
