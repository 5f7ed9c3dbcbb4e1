/* t17.h: what the libbpf 1.7 differential tests share — print callbacks (silent, or warnings
 * to stdout, optionally only counted), a result line, reading a file, and an int of an
 * object's .bss. Every function is static: each test is one C file. */
#ifndef OXBPF_T17_H
#define OXBPF_T17_H
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>

/* libbpf print callback that prints nothing */
static int __attribute__((unused)) silent(enum libbpf_print_level l, const char *f, va_list a)
{
	(void)l;
	(void)f;
	(void)a;
	return 0;
}

/* while set, warn_out counts warnings in warn_counted instead of printing them */
static int warn_counting, warn_counted;

/* libbpf print callback: warnings to stdout as "  warn: ...", the rest dropped */
static int __attribute__((unused)) warn_out(enum libbpf_print_level l, const char *f, va_list a)
{
	if (l != LIBBPF_WARN)
		return 0;
	if (warn_counting) {
		warn_counted++;
		return 0;
	}
	printf("  warn: ");
	return vprintf(f, a);
}

/* "what  rc N errno E" (errno only for a negative rc) */
static void __attribute__((unused)) say(const char *what, int rc)
{
	printf("%-48s rc %d errno %d\n", what, rc, rc < 0 ? errno : 0);
}

/* the whole file at path (malloc'ed) and its size; NULL if unreadable */
__attribute__((unused)) static unsigned char *slurp(const char *path, size_t *sz)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(n > 0 ? n : 1);
	*sz = p ? fread(p, 1, n, f) : 0;
	fclose(f);
	return p;
}

/* the int at byte offset off of obj's .bss, or -1 */
static int __attribute__((unused)) bss_int(struct bpf_object *obj, size_t off)
{
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	int k = 0, v = -1;
	size_t sz = bss ? bpf_map__value_size(bss) : 0;
	unsigned char *buf = sz ? calloc(1, sz) : NULL;

	if (buf && off + sizeof(v) <= sz && !bpf_map__lookup_elem(bss, &k, sizeof(k), buf, sz, 0))
		v = *(int *)(buf + off);
	free(buf);
	return v;
}
#endif
