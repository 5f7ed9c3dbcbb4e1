// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Netlink, line info and probe APIs, run the same way on libbpf 1.5 and on liboxbpf.
 *
 *   netlink_test --netlink OBJ   in a private network namespace (created here, gone when the
 *                                process exits, with the veth pair inside it): XDP attach,
 *                                query, replace and detach in generic mode, tc clsact hooks and
 *                                filters, errors; packets sent over the veth pair are counted
 *                                by the BPF programs in a map
 *   netlink_test --linfo OBJ     bpf_prog_linfo lookups on a loaded program with a subprogram
 *   netlink_test --probe         every prog/map type probe, helper probes, vmlinux BTF ids
 *
 * Each mode checks what libbpf 1.5 does (the checks pass on it) and prints a transcript
 * (results, errnos, warnings the library logs) that holds no run-specific numbers; the
 * meson tests compare the transcripts of the two libraries line by line.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../common.h"
#include "../vm/vm_log.h"

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	oxt_debug_log(level, fmt, ap); /* OXBPF_TEST_DEBUG_LOG: ctests/logs' logs-run-* */
	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = 0;
	printf("  warn: %s\n", buf);
	return 0;
}

/* ---- naming program ids without printing them ------------------------------------------- */

static struct {
	const char *name;
	__u32 id;
} progs[8];
static int nprogs;

static void name_prog(const char *name, int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	OXT_ASSERT(bpf_prog_get_info_by_fd(fd, &info, &len) == 0, "info of %s", name);
	progs[nprogs].name = name;
	progs[nprogs++].id = info.id;
}

static const char *id_name(__u32 id)
{
	if (!id)
		return "none";
	for (int i = 0; i < nprogs; i++)
		if (progs[i].id == id)
			return progs[i].name;
	return "UNKNOWN";
}

static const char *err_name(int ret)
{
	static char buf[32];

	switch (-ret) {
	case 0: return "0";
	case EINVAL: return "-EINVAL";
	case EEXIST: return "-EEXIST";
	case ENOENT: return "-ENOENT";
	case EBUSY: return "-EBUSY";
	case ENODEV: return "-ENODEV";
	case EOPNOTSUPP: return "-EOPNOTSUPP";
	case EBADF: return "-EBADF";
	case EBADFD: return "-EBADFD";
	case ENAMETOOLONG: return "-ENAMETOOLONG";
	}
	snprintf(buf, sizeof(buf), "%d", ret);
	return buf;
}

/* Record a call: its result and, for failures, the errno the library left. */
static int step(const char *what, int ret, int want)
{
	if (ret < 0)
		printf("%s: %s (errno %s)\n", what, err_name(ret), err_name(-errno));
	else
		printf("%s: %s\n", what, err_name(ret));
	OXT_CHECK(ret == want, "%s returned %d, libbpf 1.5 gives %d", what, ret, want);
	return ret;
}

/* ---- the network namespace ------------------------------------------------------------------ */

static void run(const char *cmd)
{
	int r = system(cmd);

	OXT_ASSERT(r == 0, "'%s' exited with %d", cmd, r);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0)
			perror(path);
		close(fd);
	}
}

/* A private netns (the process's own: it and the veth pair vanish when the process exits,
 * whatever happens) with IPv6 off, so no traffic but ours crosses the pair. */
static void enter_netns(void)
{
	OXT_ASSERT(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	run("ip link set lo up && ip link add oxveth0 type veth peer name oxveth1 && "
	    "ip link set oxveth0 up && ip link set oxveth1 up");
}

/* Send `n` Ethernet frames (an experimental ethertype) out of `ifname`. */
static void send_frames(const char *ifname, int n)
{
	int s = socket(AF_PACKET, SOCK_RAW, 0);
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_ifindex = if_nametoindex(ifname),
				  .sll_halen = ETH_ALEN };
	unsigned char frame[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x88, 0xb5 };

	OXT_ASSERT(s >= 0, "packet socket: %s", strerror(errno));
	memset(sa.sll_addr, 0xff, ETH_ALEN);
	for (int i = 0; i < n; i++)
		OXT_ASSERT(sendto(s, frame, sizeof(frame), 0, (struct sockaddr *)&sa, sizeof(sa)) ==
				   sizeof(frame),
			   "sendto %s: %s", ifname, strerror(errno));
	close(s);
	usleep(20000); /* let the receive side's softirq run (counts are checked exactly) */
}

static __u64 counts[8];

static void read_counts(int map_fd)
{
	for (__u32 k = 0; k < 8; k++)
		OXT_ASSERT(bpf_map_lookup_elem(map_fd, &k, &counts[k]) == 0, "lookup %u", k);
}

static void expect_counts(int map_fd, const __u64 want[8], const char *what)
{
	read_counts(map_fd);
	printf("counts after %s:", what);
	for (int k = 0; k < 8; k++)
		printf(" %llu", (unsigned long long)counts[k]);
	printf("\n");
	for (int k = 0; k < 8; k++)
		OXT_CHECK(counts[k] == want[k], "slot %d counted %llu, want %llu", k,
			  (unsigned long long)counts[k], (unsigned long long)want[k]);
}

static void print_xdp_query(const char *what, int ifindex, int flags, int want)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int r;

	q.prog_id = q.skb_prog_id = q.drv_prog_id = q.hw_prog_id = 0xdead;
	r = step(what, bpf_xdp_query(ifindex, flags, &q), want);
	if (r)
		return;
	printf("  prog %s skb %s drv %s hw %s mode %u features %#llx zc_max_segs %u\n",
	       id_name(q.prog_id), id_name(q.skb_prog_id), id_name(q.drv_prog_id),
	       id_name(q.hw_prog_id), q.attach_mode, (unsigned long long)q.feature_flags,
	       q.xdp_zc_max_segs);
}

static void print_query_id(const char *what, int ifindex, int flags)
{
	__u32 id = 0xdead;
	int r = step(what, bpf_xdp_query_id(ifindex, flags, &id), 0);

	if (!r)
		printf("  id %s\n", id_name(id));
}

static int mode_netlink(const char *obj_path)
{
	struct bpf_object *obj;
	int xa, xb, tin, tout, map, ifx, ify;
	__u64 want[8] = {};

	enter_netns();
	obj = bpf_object__open_file(obj_path, NULL);
	OXT_ASSERT(obj, "open %s", obj_path);
	OXT_ASSERT(bpf_object__load(obj) == 0, "load %s", obj_path);
	xa = bpf_program__fd(bpf_object__find_program_by_name(obj, "xdp_count_a"));
	xb = bpf_program__fd(bpf_object__find_program_by_name(obj, "xdp_count_b"));
	tin = bpf_program__fd(bpf_object__find_program_by_name(obj, "tc_count_in"));
	tout = bpf_program__fd(bpf_object__find_program_by_name(obj, "tc_count_out"));
	map = bpf_map__fd(bpf_object__find_map_by_name(obj, "counts"));
	name_prog("xdp_count_a", xa);
	name_prog("xdp_count_b", xb);
	name_prog("tc_count_in", tin);
	name_prog("tc_count_out", tout);
	ifx = if_nametoindex("oxveth0");
	ify = if_nametoindex("oxveth1");
	OXT_ASSERT(ifx > 0 && ify > 0, "veth pair");

	/* ---- XDP ---- */
	print_xdp_query("xdp query, nothing attached", ifx, 0, 0);
	print_xdp_query("xdp query lo", 1, 0, 0);
	print_xdp_query("xdp query, two modes", ifx, XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE, -EINVAL);
	print_xdp_query("xdp query, unknown flag", ifx, 0x100, -EINVAL);
	{
		struct { struct bpf_xdp_attach_opts o; long extra; } big = {
			.o = { .sz = sizeof(big) }, .extra = 1 };
		step("xdp attach, non-zero bytes past the known fields",
		     bpf_xdp_attach(ifx, xa, XDP_FLAGS_SKB_MODE, &big.o), -EINVAL);
	}
	step("xdp attach a (skb mode)", bpf_xdp_attach(ifx, xa, XDP_FLAGS_SKB_MODE, NULL), 0);
	print_xdp_query("xdp query", ifx, 0, 0);
	print_xdp_query("xdp query skb", ifx, XDP_FLAGS_SKB_MODE, 0);
	print_query_id("xdp query_id", ifx, 0);
	print_query_id("xdp query_id skb", ifx, XDP_FLAGS_SKB_MODE);
	print_query_id("xdp query_id drv", ifx, XDP_FLAGS_DRV_MODE);
	send_frames("oxveth1", 5);
	want[0] = 5;
	expect_counts(map, want, "5 frames to xdp a");

	step("xdp attach b, update-if-noexist",
	     bpf_xdp_attach(ifx, xb, XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL), -EBUSY);
	{
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = xb);
		step("xdp replace expecting b (a is attached)",
		     bpf_xdp_attach(ifx, xb, XDP_FLAGS_SKB_MODE, &o), -EEXIST);
	}
	{
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = xa);
		step("xdp replace a by b", bpf_xdp_attach(ifx, xb, XDP_FLAGS_SKB_MODE, &o), 0);
	}
	print_xdp_query("xdp query after replace", ifx, 0, 0);
	send_frames("oxveth1", 3);
	want[1] = 3;
	expect_counts(map, want, "3 frames to xdp b");
	{
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = xa);
		step("xdp detach expecting a (b is attached)",
		     bpf_xdp_detach(ifx, XDP_FLAGS_SKB_MODE, &o), -EEXIST);
	}
	step("xdp detach", bpf_xdp_detach(ifx, XDP_FLAGS_SKB_MODE, NULL), 0);
	print_xdp_query("xdp query after detach", ifx, 0, 0);
	print_query_id("xdp query_id after detach", ifx, 0);
	step("xdp attach to a missing device", bpf_xdp_attach(9999, xa, XDP_FLAGS_SKB_MODE, NULL),
	     -ENODEV);
	{
		/* A caller whose struct ends before feature_flags gets nothing past its sz. */
		struct bpf_xdp_query_opts q;

		memset(&q, 0x5a, sizeof(q));
		q.sz = offsetof(struct bpf_xdp_query_opts, feature_flags);
		step("xdp query, short opts", bpf_xdp_query(ifx, 0, &q), 0);
		printf("  mode %u, feature_flags untouched %d\n", q.attach_mode,
		       q.feature_flags == 0x5a5a5a5a5a5a5a5aULL);
		OXT_CHECK(q.feature_flags == 0x5a5a5a5a5a5a5a5aULL, "feature_flags written past sz");
	}
	send_frames("oxveth1", 2);
	expect_counts(map, want, "2 frames, no program");

	/* ---- tc ---- */
	{
		LIBBPF_OPTS(bpf_tc_hook, hin, .ifindex = ifx, .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_hook, heg, .ifindex = ify, .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_hook, hboth, .ifindex = ifx,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_hook, hcustom, .ifindex = ifx, .attach_point = BPF_TC_CUSTOM);
		LIBBPF_OPTS(bpf_tc_hook, hbad, .ifindex = 0, .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, o, .prog_fd = tin);
		LIBBPF_OPTS(bpf_tc_opts, q);

		step("tc hook create, no ifindex", bpf_tc_hook_create(&hbad), -EINVAL);
		step("tc hook create, custom", bpf_tc_hook_create(&hcustom), -EOPNOTSUPP);
		step("tc hook create ingress", bpf_tc_hook_create(&hin), 0);
		step("tc hook create ingress again", bpf_tc_hook_create(&hin), -EEXIST);
		step("tc attach, no opts", bpf_tc_attach(&hin, NULL), -EINVAL);
		step("tc attach in", bpf_tc_attach(&hin, &o), 0);
		printf("  prog %s handle %#x priority %u\n", id_name(o.prog_id), o.handle, o.priority);
		step("tc attach with prog_id set", bpf_tc_attach(&hin, &o), -EINVAL);
		o.prog_id = 0;
		step("tc attach in again (same handle, priority)", bpf_tc_attach(&hin, &o), -EEXIST);
		o.prog_fd = tout;
		o.flags = BPF_TC_F_REPLACE;
		step("tc replace by out", bpf_tc_attach(&hin, &o), 0);
		printf("  prog %s handle %#x priority %u\n", id_name(o.prog_id), o.handle, o.priority);
		q.handle = o.handle;
		q.priority = o.priority;
		step("tc query", bpf_tc_query(&hin, &q), 0);
		printf("  prog %s handle %#x priority %u\n", id_name(q.prog_id), q.handle, q.priority);
		o.prog_fd = tin;
		o.prog_id = 0;
		step("tc replace back by in", bpf_tc_attach(&hin, &o), 0);
		q.prog_id = 0;
		step("tc query", bpf_tc_query(&hin, &q), 0);
		printf("  prog %s\n", id_name(q.prog_id));
		{
			LIBBPF_OPTS(bpf_tc_opts, q2, .handle = 7, .priority = 7);
			step("tc query, no such filter", bpf_tc_query(&hin, &q2), -ENOENT);
			q2.handle = 0;
			step("tc query, no handle", bpf_tc_query(&hin, &q2), -EINVAL);
		}
		{
			LIBBPF_OPTS(bpf_tc_opts, o2, .prog_fd = tin, .handle = 2, .priority = 0x10000);
			step("tc attach, priority too big", bpf_tc_attach(&hin, &o2), -EINVAL);
			o2.priority = 9;
			step("tc attach, custom without parent", bpf_tc_attach(&hcustom, &o2), -EINVAL);
			o2.prog_fd = 9999;
			step("tc attach, bad prog fd", bpf_tc_attach(&hin, &o2), -EBADFD);
		}
		send_frames("oxveth1", 4);
		want[2] = 4;
		expect_counts(map, want, "4 frames to tc ingress");

		step("tc hook create egress (veth1)", bpf_tc_hook_create(&heg), 0);
		{
			LIBBPF_OPTS(bpf_tc_opts, oe, .prog_fd = tout, .handle = 5, .priority = 3);
			step("tc attach out (egress)", bpf_tc_attach(&heg, &oe), 0);
			printf("  prog %s handle %#x priority %u\n", id_name(oe.prog_id), oe.handle,
			       oe.priority);
		}
		send_frames("oxveth1", 6);
		want[2] += 6;
		want[3] = 6;
		expect_counts(map, want, "6 frames through egress and ingress");

		{
			LIBBPF_OPTS(bpf_tc_opts, d, .handle = o.handle);
			step("tc detach without priority", bpf_tc_detach(&hin, &d), -EINVAL);
			d.priority = o.priority;
			d.prog_fd = tin;
			step("tc detach with prog_fd", bpf_tc_detach(&hin, &d), -EINVAL);
			d.prog_fd = 0;
			step("tc detach in", bpf_tc_detach(&hin, &d), 0);
			step("tc detach in again", bpf_tc_detach(&hin, &d), -ENOENT);
			q.prog_id = 0;
			step("tc query after detach (no chain left)", bpf_tc_query(&hin, &q), -EINVAL);
			step("tc detach, no opts", bpf_tc_detach(&hin, NULL), -EINVAL);
		}
		send_frames("oxveth1", 2);
		want[3] += 2;
		expect_counts(map, want, "2 frames, egress only");
		step("tc hook destroy ingress (flush)", bpf_tc_hook_destroy(&hin), 0);
		step("tc hook destroy egress (flush)", bpf_tc_hook_destroy(&heg), 0);
		send_frames("oxveth1", 2);
		expect_counts(map, want, "2 frames, all flushed");
		step("tc hook destroy custom", bpf_tc_hook_destroy(&hcustom), -EOPNOTSUPP);
		step("tc hook destroy both", bpf_tc_hook_destroy(&hboth), 0);
		step("tc hook destroy both again", bpf_tc_hook_destroy(&hboth), -EINVAL);
		hboth.ifindex = ify;
		step("tc hook destroy both (veth1)", bpf_tc_hook_destroy(&hboth), 0);
		step("tc hook create both", bpf_tc_hook_create(&hboth), 0);
		step("tc hook destroy both", bpf_tc_hook_destroy(&hboth), 0);
	}
	bpf_object__close(obj);
	return oxt_result("netlink");
}

/* ---- line info ---------------------------------------------------------------------------- */

static void print_rec(const struct bpf_line_info *l)
{
	if (l)
		printf(" [%u %u %u %u]", l->insn_off, l->file_name_off, l->line_off, l->line_col);
	else
		printf(" E%d", errno);
}

static int mode_linfo(const char *obj_path)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), nr, nf, n_insn;
	struct bpf_prog_linfo *li;
	int fd;

	OXT_ASSERT(obj, "open %s", obj_path);
	OXT_ASSERT(bpf_object__load(obj) == 0, "load %s", obj_path);
	fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "linfo_prog"));
	OXT_ASSERT(bpf_prog_get_info_by_fd(fd, &info, &len) == 0, "info");
	nr = info.nr_line_info;
	nf = info.nr_jited_ksyms;
	n_insn = info.xlated_prog_len / 8;
	printf("line info %u, jited funcs %u, jited line info %u\n", nr, nf, info.nr_jited_line_info);
	OXT_ASSERT(nr > 0 && nf == 2 && info.nr_jited_line_info == nr, "program line info");

	{
		__u32 rec = info.line_info_rec_size, jrec = info.jited_line_info_rec_size;
		void *lbuf = calloc(nr, rec), *jbuf = calloc(nr, jrec);
		__u64 *ksyms = calloc(nf, 8);
		__u32 *lens = calloc(nf, 4);

		memset(&info, 0, sizeof(info));
		info.nr_line_info = nr;
		info.line_info_rec_size = rec;
		info.line_info = (__u64)(unsigned long)lbuf;
		info.nr_jited_line_info = nr;
		info.jited_line_info_rec_size = jrec;
		info.jited_line_info = (__u64)(unsigned long)jbuf;
		info.nr_jited_ksyms = nf;
		info.jited_ksyms = (__u64)(unsigned long)ksyms;
		info.nr_jited_func_lens = nf;
		info.jited_func_lens = (__u64)(unsigned long)lens;
		len = sizeof(info);
		OXT_ASSERT(bpf_prog_get_info_by_fd(fd, &info, &len) == 0, "info with buffers");
		OXT_ASSERT(ksyms[0] != 0, "jited ksyms hidden (kptr_restrict?)");

		li = bpf_prog_linfo__new(&info);
		OXT_ASSERT(li, "bpf_prog_linfo__new: %s", strerror(errno));
		for (__u32 skip = 0; skip < 3; skip++) {
			printf("lfind skip %u:", skip);
			for (__u32 off = 0; off < n_insn + 2; off++)
				print_rec(bpf_prog_linfo__lfind(li, off, skip));
			printf("\n");
		}
		printf("lfind skip %u:", nr);
		print_rec(bpf_prog_linfo__lfind(li, 0, nr));
		printf("\n");
		for (__u32 f = 0; f < nf + 1; f++) {
			for (__u32 skip = 0; skip < 3; skip++) {
				__u64 base = f < nf ? ksyms[f] : ksyms[0];
				__u32 flen = f < nf ? lens[f] : 8;

				printf("lfind_addr func %u skip %u:", f, skip);
				print_rec(bpf_prog_linfo__lfind_addr_func(li, base - 1, f, skip));
				for (__u32 a = 0; a < flen + 4; a += 1)
					print_rec(bpf_prog_linfo__lfind_addr_func(li, base + a, f, skip));
				printf("\n");
			}
		}
		bpf_prog_linfo__free(li);

		/* Without complete jited data: xlated lookups only. */
		info.jited_ksyms = 0;
		li = bpf_prog_linfo__new(&info);
		OXT_ASSERT(li, "bpf_prog_linfo__new without jited ksyms: %s", strerror(errno));
		printf("no jited data:");
		print_rec(bpf_prog_linfo__lfind(li, 0, 0));
		print_rec(bpf_prog_linfo__lfind_addr_func(li, ksyms[0], 0, 0));
		printf("\n");
		bpf_prog_linfo__free(li);

		/* Jited data that does not split into the functions. */
		info.jited_ksyms = (__u64)(unsigned long)ksyms;
		ksyms[1] += 1;
		errno = 0;
		li = bpf_prog_linfo__new(&info);
		printf("inconsistent jited data: %s errno %d\n", li ? "handle" : "NULL", errno);
		OXT_CHECK(!li && errno == EINVAL, "inconsistent jited data accepted");
		bpf_prog_linfo__free(li);

		info.nr_line_info = 0;
		errno = 0;
		li = bpf_prog_linfo__new(&info);
		printf("no line info: %s errno %d\n", li ? "handle" : "NULL", errno);
		OXT_CHECK(!li && errno == EINVAL, "empty line info accepted");
		info.nr_line_info = nr;
		info.line_info_rec_size = 3;
		errno = 0;
		li = bpf_prog_linfo__new(&info);
		printf("records too small: %s errno %d\n", li ? "handle" : "NULL", errno);
		OXT_CHECK(!li && errno == EINVAL, "small records accepted");
		bpf_prog_linfo__free(NULL);
		free(lbuf);
		free(jbuf);
		free(ksyms);
		free(lens);
	}
	bpf_object__close(obj);
	return oxt_result("linfo");
}

/* ---- probes --------------------------------------------------------------------------------- */

static int mode_probe(void)
{
	static const int helper_progs[] = {
		BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_KPROBE, BPF_PROG_TYPE_SCHED_CLS,
		BPF_PROG_TYPE_TRACEPOINT, BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_CGROUP_SKB,
		BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_PROG_TYPE_SYSCALL,
		BPF_PROG_TYPE_TRACING, BPF_PROG_TYPE_EXT, BPF_PROG_TYPE_LSM, BPF_PROG_TYPE_STRUCT_OPS,
		32 /* BPF_PROG_TYPE_NETFILTER */, 99,
	};
	static const struct {
		const char *name;
		int type;
	} btf_ids[] = {
		{ "sys_enter", BPF_TRACE_RAW_TP }, { "tcp_v4_connect", BPF_TRACE_FENTRY },
		{ "bpf_map", BPF_TRACE_ITER }, { "file_open", BPF_LSM_MAC },
		{ "no_such_function_oxbpf", BPF_TRACE_FENTRY }, { "void", 0 },
		{ "task_struct", BPF_TRACE_FENTRY }, { "sys_enter", BPF_TRACE_FENTRY },
	};
	char longname[200];
	int r;

	printf("prog types:");
	for (int t = 0; t <= 36; t++)
		printf(" %d:%d", t, libbpf_probe_bpf_prog_type(t, NULL));
	printf("\nmap types:");
	for (int t = 0; t <= 37; t++)
		printf(" %d:%d", t, libbpf_probe_bpf_map_type(t, NULL));
	printf("\n");
	for (size_t i = 0; i < sizeof(helper_progs) / sizeof(helper_progs[0]); i++) {
		printf("helpers of prog type %d:", helper_progs[i]);
		for (int h = 0; h <= 215; h++) {
			r = libbpf_probe_bpf_helper(helper_progs[i], h, NULL);
			if (r == 0 || r == 1)
				printf("%d", r);
			else
				printf(" %d ", r);
		}
		printf("\n");
	}
	step("probe prog type with opts", libbpf_probe_bpf_prog_type(1, &r), -EINVAL);
	step("probe map type with opts", libbpf_probe_bpf_map_type(1, &r), -EINVAL);
	step("probe helper with opts", libbpf_probe_bpf_helper(1, 1, &r), -EINVAL);
	OXT_CHECK(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) == 1, "XDP programs");
	OXT_CHECK(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1, "ring buffers");
	OXT_CHECK(libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_map_lookup_elem, NULL) == 1,
		  "XDP may look up maps");
	OXT_CHECK(libbpf_probe_bpf_helper(BPF_PROG_TYPE_SOCKET_FILTER, BPF_FUNC_override_return,
					  NULL) == 0,
		  "socket filters may not override returns");

	for (size_t i = 0; i < sizeof(btf_ids) / sizeof(btf_ids[0]); i++) {
		r = libbpf_find_vmlinux_btf_id(btf_ids[i].name, btf_ids[i].type);
		/* Ids are this kernel's; print whether one was found and check it against the
		 * kernel BTF's own name lookup. */
		printf("vmlinux btf id of %s/%d: %s\n", btf_ids[i].name, btf_ids[i].type,
		       r > 0 ? "found" : err_name(r));
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	r = libbpf_find_vmlinux_btf_id(longname, BPF_TRACE_FENTRY);
	printf("vmlinux btf id of a 199-byte name: %s\n", err_name(r));
	{
		struct btf *vm = btf__load_vmlinux_btf();
		int a = libbpf_find_vmlinux_btf_id("sys_enter", BPF_TRACE_RAW_TP);

		OXT_ASSERT(vm, "vmlinux BTF");
		OXT_CHECK(a == btf__find_by_name_kind(vm, "btf_trace_sys_enter", BTF_KIND_TYPEDEF),
			  "raw tp id %d", a);
		a = libbpf_find_vmlinux_btf_id("tcp_v4_connect", BPF_TRACE_FENTRY);
		OXT_CHECK(a == btf__find_by_name_kind(vm, "tcp_v4_connect", BTF_KIND_FUNC),
			  "fentry id %d", a);
		btf__free(vm);
	}
	return oxt_result("probe");
}

int main(int argc, char **argv)
{
	Dl_info dl;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Which library serves the calls under test (diff_run.sh checks it on stderr). */
	if (dladdr((void *)bpf_tc_attach, &dl) && dl.dli_fname)
		fprintf(stderr, "library: %s\n", dl.dli_fname);
	libbpf_set_print(print_cb);
	oxt_require_root();
	if (argc == 3 && !strcmp(argv[1], "--netlink"))
		return mode_netlink(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--linfo"))
		return mode_linfo(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "--probe"))
		return mode_probe();
	fprintf(stderr, "usage: %s --netlink OBJ | --linfo OBJ | --probe\n", argv[0]);
	return 2;
}
