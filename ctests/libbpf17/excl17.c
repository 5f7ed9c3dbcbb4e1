/* excl17.c OBJ: exclusive maps (libbpf 1.7): bpf_map__set_exclusive_program /
 * bpf_map__exclusive_program on OBJ's map 'plain' and its program 'on_enter' (the map is
 * created with the SHA-256 of the program), the setter's refusals, the load, and another
 * program that uses the map refused by the kernel; bpf_map_create with excl_prog_hash. A
 * transcript of return values, errno and libbpf's warnings; built against libbpf 1.7's headers,
 * the transcripts of upstream libbpf 1.7 and of liboxbpf must be equal. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "t17.h"

/* r1 = map fd (ld_imm64, BPF_PSEUDO_MAP_FD); r0 = 0; exit */
static int load_user(int map_fd)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "excl_user", "GPL", insns, 4, NULL);

	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : -errno;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj, *other;
	struct bpf_program *tp, *st, *p;
	struct bpf_map *plain;
	unsigned char hash[32];
	int rc, fd;

	if (argc < 2)
		return 2;
	libbpf_set_print(warn_out);
	obj = bpf_object__open_file(argv[1], NULL);
	other = bpf_object__open_file(argv[1], NULL);
	if (!obj || !other)
		return 1;
	tp = bpf_object__find_program_by_name(obj, "on_enter");
	st = bpf_object__find_program_by_name(obj, "op_test_1");
	plain = bpf_object__find_map_by_name(obj, "plain");

	p = bpf_map__exclusive_program(plain);
	printf("exclusive program at open: %s\n", p ? bpf_program__name(p) : "none");
	say("set from another object",
	    bpf_map__set_exclusive_program(plain, bpf_object__find_program_by_name(other, "on_enter")));
	say("set op_test_1", bpf_map__set_exclusive_program(plain, st));
	say("set on_enter", bpf_map__set_exclusive_program(plain, tp));
	p = bpf_map__exclusive_program(plain);
	printf("exclusive program: %s\n", p ? bpf_program__name(p) : "none");
	rc = bpf_object__load(obj);
	say("load", rc);
	if (!rc) {
		say("set after load", bpf_map__set_exclusive_program(plain, tp));
		say("another program using the map", load_user(bpf_map__fd(plain)));
	}

	/* bpf.h: a map exclusive to a program that does not exist */
	memset(hash, 0x5a, sizeof(hash));
	{
		LIBBPF_OPTS(bpf_map_create_opts, o, .excl_prog_hash = hash, .excl_prog_hash_size = sizeof(hash));

		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "excl_raw", 4, 4, 1, &o);
		printf("%-44s %s errno %d\n", "bpf_map_create with excl_prog_hash", fd >= 0 ? "fd" : "error",
		       fd >= 0 ? 0 : errno);
		if (fd >= 0) {
			say("a program using it", load_user(fd));
			close(fd);
		}
		o.excl_prog_hash_size = 16;
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "excl_raw", 4, 4, 1, &o);
		printf("%-44s %s errno %d\n", "bpf_map_create with a 16-byte hash", fd >= 0 ? "fd" : "error",
		       fd >= 0 ? 0 : errno);
		if (fd >= 0)
			close(fd);
	}
	bpf_object__close(other);
	bpf_object__close(obj);
	return 0;
}
