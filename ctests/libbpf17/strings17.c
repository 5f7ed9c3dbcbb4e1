/* strings17.c: btf_dump_type_data_opts.emit_strings (libbpf 1.7): char arrays holding a NUL
 * printed as "strings", the others as arrays, in normal and compact form, at the top level and
 * as members, with unprintable bytes and a truncated buffer. Built against libbpf 1.7's headers;
 * the transcripts of upstream libbpf 1.7 and of liboxbpf must be equal. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "t17.h"

static void printer(void *ctx, const char *fmt, va_list args)
{
	(void)ctx;
	vprintf(fmt, args);
}

int main(void)
{
	struct btf *btf = btf__new_empty();
	struct btf_dump *d;
	int chr, uchr, intt, a8, a4, a3, s, arr2;
	unsigned char data[32] = { 'h', 'i', 0, 'x', 'y', 0, 0, 0,   /* a: "hi" */
				   'a', 'b', 'c', 'd',              /* b: no NUL */
				   1, 0x7f, 0,                      /* c: unprintable */
				   0, 5, 0, 0, 0 };                 /* x = 5 */

	libbpf_set_print(silent);
	chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	uchr = btf__add_int(btf, "unsigned char", 1, 0);
	intt = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	a8 = btf__add_array(btf, intt, chr, 8);
	a4 = btf__add_array(btf, intt, chr, 4);
	a3 = btf__add_array(btf, intt, uchr, 3);
	s = btf__add_struct(btf, "s", 20);
	btf__add_field(btf, "a", a8, 0, 0);
	btf__add_field(btf, "b", a4, 64, 0);
	btf__add_field(btf, "c", a3, 96, 0);
	btf__add_field(btf, "x", intt, 128, 0);
	arr2 = btf__add_array(btf, intt, a4, 2);

	d = btf_dump__new(btf, printer, NULL, NULL);
	for (int strings = 0; strings < 2; strings++) {
		for (int compact = 0; compact < 2; compact++) {
			LIBBPF_OPTS(btf_dump_type_data_opts, o, .emit_strings = strings, .compact = compact);
			int rc;

			printf("--- emit_strings %d compact %d\n", strings, compact);
			rc = btf_dump__dump_type_data(d, s, data, 20, &o);
			printf("\nrc %d\n", rc);
			rc = btf_dump__dump_type_data(d, a8, data, 8, &o);
			printf("\nrc %d\n", rc);
			rc = btf_dump__dump_type_data(d, arr2, "ab\0dxyzw", 8, &o);
			printf("\nrc %d\n", rc);
			rc = btf_dump__dump_type_data(d, a8, "abc", 3, &o); /* NUL inside, buffer short */
			printf("\nrc %d errno %d\n", rc, rc < 0 ? errno : 0);
			rc = btf_dump__dump_type_data(d, a8, "abcdefgh", 5, &o); /* no NUL in the buffer */
			printf("\nrc %d errno %d\n", rc, rc < 0 ? errno : 0);
		}
	}
	btf_dump__free(d);
	btf__free(btf);
	return 0;
}
