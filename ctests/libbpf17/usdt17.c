/* usdt17.c OBJ: USDT arguments in scale-index-base form (libbpf 1.7), e.g. `8@8(%rdi,%rsi,8)`,
 * read by a program built with 1.7's <bpf/usdt.bpf.h>. This program's own probe site carries a
 * hand-written note (as <sys/sdt.h> would emit it) whose four arguments address an array
 * through %rdi (base) and %rsi (index), in each of the four SIB forms. A transcript of the
 * values the BPF side read. A second site, usdt17:nop5, is a `nop; nop5` pair: with the kernel's
 * uprobe() syscall libbpf 1.7 probes the nop5, one byte further (the address the program saw is
 * printed relative to the site). Built against libbpf 1.7's headers, the transcripts of upstream
 * libbpf 1.7 and of liboxbpf must be equal, and the values are checked. x86-64 only. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "t17.h"
#include "../attach/oxt_usdt.h"

static long arr[8] = { 0x12345678, 20, -30, 40, 50, 60, 70, 80 };

/* The site: base in %rdi, index in %rsi (asm constraints D and S). Arguments:
 *   8@8(%rdi,%rsi,8)  -> arr[idx + 1]              (offset, scale)
 *  -4@(%rdi,%rsi,4)   -> int at byte 4 * idx      (scale, no offset)
 *  -8@14(%rdi,%rsi)   -> long at byte idx + 14    (offset, no scale: arr[2])
 *   2@(%rdi,%rsi)     -> u16 at byte idx          (neither: 0x1234) */
__attribute__((noinline, used)) void usdt17_site(long *base, long idx)
{
	__asm__ __volatile__(
		"990: nop\n"
		OXT_USDT_NOTE("usdt17", "sib", "8@8(%%rdi,%%rsi,8) -4@(%%rdi,%%rsi,4) -8@14(%%rdi,%%rsi) 2@(%%rdi,%%rsi)")
		: : "D"(base), "S"(idx) : "memory");
}

/* usdt17:nop5, no arguments, at a `nop; nop5` pair; its address is kept in usdt17_nop5_at. */
extern unsigned long usdt17_nop5_at;
__attribute__((noinline, used)) void usdt17_nop5(void)
{
	__asm__ __volatile__(
		"990: nop\n"
		".byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n"
		".pushsection .data\n"
		".balign 8\n"
		".globl usdt17_nop5_at\n"
		"usdt17_nop5_at: .8byte 990b\n"
		".popsection\n"
		OXT_USDT_NOTE("usdt17", "nop5", "")
		: : : "memory");
}

static long bss_long(struct bpf_object *obj, int i)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, ".bss");
	size_t sz = 0;
	const long *p = m ? bpf_map__initial_value(m, &sz) : NULL;

	return p && (size_t)(i + 1) * sizeof(long) <= sz ? p[i] : -1;
}

int main(int argc, char **argv)
{
	long want[4], got[4];
	struct bpf_object *obj;
	struct bpf_link *l;
	char self[PATH_MAX];
	int ok = 1;

	if (argc < 2 || !realpath(argv[0], self))
		return 2;
	libbpf_set_print(warn_out);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		printf("load failed errno %d\n", errno);
		return 1;
	}
	errno = 0;
	l = bpf_program__attach_usdt(bpf_object__find_program_by_name(obj, "on_sib"), 0, self, "usdt17", "sib",
				     NULL);
	printf("attach usdt17:sib: %s errno %d\n", l ? "link" : "NULL", l ? 0 : errno);
	ok &= l != NULL;
	usdt17_site(arr, 2);
	want[0] = arr[3];
	want[1] = *(int *)((char *)arr + 8);
	want[2] = *(long *)((char *)arr + 2 + 14);
	want[3] = *(unsigned short *)((char *)arr + 2);
	/* .bss holds res: args[4], nargs, hits */
	for (int i = 0; i < 4; i++)
		got[i] = bss_long(obj, i);
	printf("hits %ld, arg count %ld\n", bss_long(obj, 5), bss_long(obj, 4));
	ok &= bss_long(obj, 5) == 1 && bss_long(obj, 4) == 4;
	for (int i = 0; i < 4; i++) {
		printf("arg %d: %ld (want %ld)\n", i, got[i], want[i]);
		ok &= got[i] == want[i];
	}
	bpf_link__destroy(l);

	errno = 0;
	l = bpf_program__attach_usdt(bpf_object__find_program_by_name(obj, "on_nop5"), 0, self, "usdt17", "nop5",
				     NULL);
	printf("attach usdt17:nop5: %s errno %d\n", l ? "link" : "NULL", l ? 0 : errno);
	usdt17_nop5();
	/* res: args[4], nargs, hits, nop5_ip, nop5_hits */
	printf("nop5 site: hits %ld, fired at site + %ld\n", bss_long(obj, 7),
	       (long)((unsigned long)bss_long(obj, 6) - usdt17_nop5_at));
	ok &= l && bss_long(obj, 7) == 1;
	bpf_link__destroy(l);
	bpf_object__close(obj);
	return ok ? 0 : 1;
}
