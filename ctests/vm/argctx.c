// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * argctx: loads bpf/argctx.bpf.c (bpftool 7.5 skeleton), whose global subprograms take the
 * context through `__arg_ctx` arguments, on a real kernel. Before Linux 6.8 the verifier does
 * not read the tag and only accepts the programs because the loader retypes those arguments
 * in the object's BTF (libbpf's func_info fixup); later kernels read the tag themselves and
 * the loader leaves the BTF alone. The transcript: the load result, each program's func_info
 * count, test runs of the xdp, tc, socket and raw_tp programs (their return values go through
 * the subprograms), and the size and a hash of the BTF the kernel holds, so that the fixup must
 * produce the bytes libbpf 1.5 produces. stdout is compared between libbpf 1.5 and liboxbpf
 * by scripts/vm-tests.sh, and so is the log (libbpf warns about ox_bad's argument).
 *
 *   argctx        load every program but ox_bad
 *   argctx bad    load ox_bad alone: its `int *` argument cannot be a context
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "argctx.skel.h"
#include "common.h"
#include "oxt_hash.h"
#include "vm_log.h"

/* FNV-1a over the BTF the kernel holds for the object. */
static void print_kernel_btf(int btf_fd)
{
	struct bpf_btf_info info = {};
	__u32 len = sizeof(info);
	unsigned char *buf;
	int err;

	err = bpf_btf_get_info_by_fd(btf_fd, &info, &len);
	OXT_ASSERT(!err, "bpf_btf_get_info_by_fd: %d", err);
	buf = calloc(1, info.btf_size);
	OXT_ASSERT(buf, "calloc");
	len = sizeof(info);
	info = (struct bpf_btf_info){ .btf = (__u64)(unsigned long)buf, .btf_size = info.btf_size };
	err = bpf_btf_get_info_by_fd(btf_fd, &info, &len);
	OXT_ASSERT(!err, "bpf_btf_get_info_by_fd (data): %d", err);
	printf("kernel BTF: %u bytes, hash %016llx\n", info.btf_size, oxt_fnv1a(buf, info.btf_size));
	free(buf);
}

static void test_run(struct bpf_program *prog, int raw_tp)
{
	unsigned char pkt[64] = {};
	__u64 args[6] = { 0, 42 };
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err;

	if (raw_tp) {
		opts.ctx_in = args;
		opts.ctx_size_in = sizeof(args);
	} else {
		opts.data_in = pkt;
		opts.data_size_in = sizeof(pkt);
		opts.repeat = 1;
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	printf("  test run: %d, returned %u\n", err, opts.retval);
	OXT_CHECK(!err, "test run of %s: %d", bpf_program__name(prog), err);
}

int main(int argc, char **argv)
{
	int bad = argc > 1 && !strcmp(argv[1], "bad");
	struct bpf_program *prog;
	struct bpf_prog_info info;
	struct argctx *skel;
	__u32 len;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	oxt_require_root();
	oxt_require_vmlinux_btf();
	libbpf_set_print(oxt_default_print);
	skel = argctx__open();
	OXT_ASSERT(skel, "argctx__open: %s", strerror(errno));
	if (bad) {
		bpf_object__for_each_program(prog, skel->obj)
			bpf_program__set_autoload(prog, prog == skel->progs.ox_bad);
	}
	err = argctx__load(skel);
	printf("load: %d\n", err);
	if (bad) {
		OXT_CHECK(err, "ox_bad loaded");
		argctx__destroy(skel);
		return oxt_result("argctx bad");
	}
	OXT_ASSERT(!err, "argctx__load: %d", err);
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);

		if (!bpf_program__autoload(prog))
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		err = bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len);
		OXT_CHECK(!err, "bpf_prog_get_info_by_fd %s: %d", name, err);
		printf("%s: func_info %u\n", name, info.nr_func_info);
		if (!strcmp(name, "ox_xdp") || !strcmp(name, "ox_tc") || !strcmp(name, "ox_socket"))
			test_run(prog, 0);
		else if (!strcmp(name, "ox_rawtp"))
			test_run(prog, 1);
	}
	print_kernel_btf(bpf_object__btf_fd(skel->obj));
	argctx__destroy(skel);
	return oxt_result("argctx");
}
