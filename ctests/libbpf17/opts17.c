/* opts17.c OBJ: option fields libbpf 1.7 added, honoured: bpf_prog_load_opts.fd_array_cnt,
 * bpf_get_fd_by_id_opts.token_fd (BTF), bpf_perf_event_opts.dont_enable (the event's enabled
 * time read back), bpf_kprobe_multi_opts.unique_match without a pattern, the BPF_F_CPU /
 * BPF_F_ALL_CPUS size rules of bpf_map__lookup/update_elem (warnings printed). A transcript of return values and errno; built against libbpf 1.7's
 * headers, the transcripts of upstream libbpf 1.7 and of liboxbpf must be equal. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "t17.h"

static void res(const char *what, int fd)
{
	printf("%-48s %s errno %d\n", what, fd >= 0 ? "ok" : "error", fd >= 0 ? 0 : errno);
	if (fd > 2)
		close(fd);
}

static int load_with_fd_array(int *fds, __u32 cnt)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .fd_array = fds, .fd_array_cnt = cnt);

	return bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "fdarr", "GPL", insns, 2, &o);
}

static __u64 enabled_ns(int pfd)
{
	__u64 v[3] = { 0 };

	if (read(pfd, v, sizeof(v)) != sizeof(v))
		return (__u64)-1;
	return v[1];
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	struct bpf_btf_info info = {};
	__u32 len = sizeof(info);
	struct btf *btf;
	int map_fd, fds[2];

	if (argc < 2)
		return 2;
	libbpf_set_print(warn_out);

	/* fd_array_cnt: the kernel checks every entry up front */
	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fdarr_map", 4, 4, 1, NULL);
	fds[0] = map_fd;
	fds[1] = 9999;
	res("prog_load fd_array_cnt 1 (a map)", load_with_fd_array(fds, 1));
	res("prog_load fd_array_cnt 2 (a map, a closed fd)", load_with_fd_array(fds, 2));
	res("prog_load fd_array_cnt 0 (closed fd unused)", load_with_fd_array(fds, 0));
	close(map_fd);

	/* token_fd of bpf_btf_get_fd_by_id_opts */
	btf = btf__new_empty();
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	if (btf__load_into_kernel(btf) || bpf_btf_get_info_by_fd(btf__fd(btf), &info, &len)) {
		printf("BTF load failed\n");
		return 1;
	}
	{
		LIBBPF_OPTS(bpf_get_fd_by_id_opts, o);
		res("btf_get_fd_by_id_opts, no token", bpf_btf_get_fd_by_id_opts(info.id, &o));
		o.token_fd = 9999;
		res("btf_get_fd_by_id_opts, token_fd without flag", bpf_btf_get_fd_by_id_opts(info.id, &o));
		o.open_flags = 1U << 16; /* BPF_F_TOKEN_FD */
		res("btf_get_fd_by_id_opts, token_fd 9999 + flag", bpf_btf_get_fd_by_id_opts(info.id, &o));
		res("map_get_fd_by_id_opts, token_fd ignored", bpf_map_get_fd_by_id_opts(0x7fffffff, &o));
	}
	btf__free(btf);

	/* dont_enable: the event stays disabled until the caller enables it */
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		printf("object load failed\n");
		return 1;
	}
	/* BPF_F_CPU / BPF_F_ALL_CPUS: one value's size for per-CPU maps (this kernel may refuse the
	 * flags themselves; libbpf 1.7's size checks come first) */
	{
		struct bpf_map *pcpu = bpf_object__find_map_by_name(obj, "pcpu");
		int k = 0, v = 0, many[1024] = { 0 };
		int cpus = libbpf_num_possible_cpus();
		size_t all = (size_t)cpus * 8;

		errno = 0;
		printf("%-48s rc %d\n", "lookup BPF_F_CPU, one value",
		       bpf_map__lookup_elem(pcpu, &k, 4, &v, 4, 8 /* BPF_F_CPU */ | (0ULL << 32)));
		printf("%-48s rc %d\n", "update BPF_F_ALL_CPUS, one value",
		       bpf_map__update_elem(pcpu, &k, 4, &v, 4, 16 /* BPF_F_ALL_CPUS */));
		printf("%-48s rc %d\n", "lookup BPF_F_CPU with the per-CPU size",
		       all <= sizeof(many) ? bpf_map__lookup_elem(pcpu, &k, 4, many, all, 8) : -1);
		printf("%-48s rc %d\n", "lookup with both flags",
		       bpf_map__lookup_elem(pcpu, &k, 4, &v, 4, 8 | 16));
		printf("%-48s rc %d\n", "lookup without flags, per-CPU size",
		       all <= sizeof(many) ? bpf_map__lookup_elem(pcpu, &k, 4, many, all, 0) : -1);
	}
	/* unique_match needs a pattern; with one, the match count decides (or the kernel's lists) */
	{
		const char *syms[] = { "do_nothing_here" };
		LIBBPF_OPTS(bpf_kprobe_multi_opts, o, .syms = syms, .cnt = 1, .unique_match = true);

		prog = bpf_object__find_program_by_name(obj, "on_enter");
		errno = 0;
		link = bpf_program__attach_kprobe_multi_opts(prog, NULL, &o);
		printf("kprobe_multi unique_match without pattern: %s errno %d\n", link ? "link" : "NULL",
		       link ? 0 : errno);
		bpf_link__destroy(link);
	}
	prog = bpf_object__find_program_by_name(obj, "on_sample");
	for (int dont = 0; dont < 2; dont++) {
		struct perf_event_attr a = {
			.type = PERF_TYPE_SOFTWARE, .size = sizeof(a), .config = PERF_COUNT_SW_CPU_CLOCK,
			.sample_period = 1000000, .disabled = 1,
			.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING,
		};
		LIBBPF_OPTS(bpf_perf_event_opts, o, .dont_enable = dont);
		int pfd = syscall(__NR_perf_event_open, &a, 0, -1, -1, 0);
		volatile unsigned long spin = 0;

		errno = 0;
		link = bpf_program__attach_perf_event_opts(prog, pfd, &o);
		printf("attach_perf_event_opts dont_enable=%d: %s errno %d\n", dont, link ? "link" : "NULL", link ? 0 : errno);
		for (unsigned long i = 0; i < 20000000; i++)
			spin += i;
		printf("  event enabled after attach: %s\n", enabled_ns(pfd) > 0 ? "yes" : "no");
		bpf_link__destroy(link);
	}
	bpf_object__close(obj);
	return 0;
}
