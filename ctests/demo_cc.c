// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * demo_cc: the BPF TCP congestion control of ctests/bpf/tcp_cc.bpf.c, driven through its
 * bpftool 7.5 skeleton, as an ordinary libbpf program would.
 *
 *   demo_cc [--alt]                         open only: show the struct_ops map, its programs
 *                                           and the shadow (the map's initial value)
 *   demo_cc [--alt] --register [MIB]        also load, attach (registers "oxbpf_cc"), send MIB
 *                                           MiB (default 16) over a loopback TCP connection
 *                                           using it, print the op counters, and detach
 *
 * --alt puts oxcc_cong_avoid_alt into the shadow's cong_avoid slot before load.
 * Built twice: linked against liboxbpf (scripts/demo.sh) and against upstream libbpf 1.5
 * (run under scripts/with-libbpf15, the reference and the meson test demo-register-ref).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcp_cc.skel75.h"
#include "common.h"

#define CC_NAME "oxbpf_cc"
#define OXT_BPF_F_LINK (1U << 13) /* missing from bookworm's uapi headers */

static const char *prog_or_null(const struct bpf_program *p)
{
	return p ? bpf_program__name(p) : "(null)";
}

static void show_open(struct tcp_cc *skel)
{
	struct bpf_map *ops = skel->maps.oxcc;
	struct bpf_program *prog;
	size_t sz = 0;

	printf("object %s (%s)\n", bpf_object__name(skel->obj), libbpf_version_string());
	printf("struct_ops map %s: type %s, value_size %u, %s, autocreate %d, autoattach %d\n",
	       bpf_map__name(ops), libbpf_bpf_map_type_str(bpf_map__type(ops)),
	       bpf_map__value_size(ops),
	       bpf_map__map_flags(ops) & OXT_BPF_F_LINK ? "BPF_F_LINK" : "no link flag",
	       bpf_map__autocreate(ops), bpf_map__autoattach(ops));
	bpf_object__for_each_program(prog, skel->obj)
		printf("program %-20s section %-22s autoload %d\n", bpf_program__name(prog),
		       bpf_program__section_name(prog), bpf_program__autoload(prog));

	void *iv = bpf_map__initial_value(ops, &sz);

	printf("shadow %s initial value (%zu bytes)\n",
	       (void *)skel->struct_ops.oxcc == iv ? "is the" : "is NOT the", sz);
	printf("shadow .init       -> %s\n", prog_or_null(skel->struct_ops.oxcc->init));
	printf("shadow .ssthresh   -> %s\n", prog_or_null(skel->struct_ops.oxcc->ssthresh));
	printf("shadow .cong_avoid -> %s\n", prog_or_null(skel->struct_ops.oxcc->cong_avoid));
	printf("shadow .undo_cwnd  -> %s\n", prog_or_null(skel->struct_ops.oxcc->undo_cwnd));
	/* bpftool 7.5 names array members __unsupported_<index>; .name is member 11. */
	printf("shadow .name       =  \"%.16s\"\n", skel->struct_ops.oxcc->__unsupported_11);
}

static int cc_available(void)
{
	char buf[512] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_congestion_control", "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strstr(buf, CC_NAME) != NULL;
}

/* Send MIB MiB from a client socket using CC_NAME to a child process over 127.0.0.1. */
static int run_traffic(size_t mib)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(addr);
	static char buf[1 << 16];
	char used[32] = "";
	socklen_t ulen = sizeof(used);
	size_t total = mib << 20, sent = 0;
	int ls, c, status;
	pid_t pid;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&addr, &alen)) {
		perror("listen on 127.0.0.1");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		size_t got = 0;
		ssize_t n;
		int s = accept(ls, NULL, NULL);

		if (s < 0)
			_exit(2);
		while ((n = read(s, buf, sizeof(buf))) > 0)
			got += n;
		_exit(got == total ? 0 : 3);
	}
	close(ls);

	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || setsockopt(c, IPPROTO_TCP, TCP_CONGESTION, CC_NAME, strlen(CC_NAME))) {
		perror("setsockopt TCP_CONGESTION " CC_NAME);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	if (connect(c, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("connect");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	getsockopt(c, IPPROTO_TCP, TCP_CONGESTION, used, &ulen);
	memset(buf, 0x5a, sizeof(buf));
	while (sent < total) {
		size_t chunk = total - sent < sizeof(buf) ? total - sent : sizeof(buf);
		ssize_t n = write(c, buf, chunk);

		if (n <= 0) {
			perror("write");
			break;
		}
		sent += n;
	}
	close(c);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "receiver failed (status 0x%x)\n", status);
		return -1;
	}
	printf("sent %zu MiB over 127.0.0.1:%u with congestion control \"%s\"\n", mib,
	       ntohs(addr.sin_port), used);
	return 0;
}

static int do_register(struct tcp_cc *skel, size_t mib, int alt)
{
	int err;

	oxt_require_root();
	oxt_require_vmlinux_btf();
	err = tcp_cc__load(skel);
	if (err) {
		fprintf(stderr, "tcp_cc__load: %d (%s)\n", err, strerror(-err));
		return 1;
	}
	err = tcp_cc__attach(skel);
	if (err) {
		fprintf(stderr, "tcp_cc__attach: %d (%s)\n", err, strerror(-err));
		return 1;
	}
	printf("registered %s: struct_ops link fd %d\n", CC_NAME,
	       skel->links.oxcc ? bpf_link__fd(skel->links.oxcc) : -1);
	OXT_CHECK(cc_available(), "%s not in tcp_available_congestion_control", CC_NAME);
	if (run_traffic(mib))
		return 1;
	printf("counters: init %llu, ssthresh %llu, cong_avoid %llu, cong_avoid_alt %llu, undo %llu, last_init_cwnd %u\n",
	       (unsigned long long)skel->bss->init_calls,
	       (unsigned long long)skel->bss->ssthresh_calls,
	       (unsigned long long)skel->bss->cong_avoid_calls,
	       (unsigned long long)skel->bss->alt_calls, (unsigned long long)skel->bss->undo_calls,
	       skel->bss->last_init_cwnd);
	OXT_CHECK(skel->bss->init_calls >= 1, "init never ran");
	if (alt)
		OXT_CHECK(skel->bss->cong_avoid_calls == 0, "swapped-out cong_avoid ran");
	else
		OXT_CHECK(skel->bss->alt_calls == 0, "unreferenced cong_avoid_alt ran");
	tcp_cc__detach(skel);
	bpf_link__destroy(skel->links.oxcc);
	skel->links.oxcc = NULL;
	/* The kernel unregisters asynchronously; give it a moment. */
	for (int i = 0; i < 50 && cc_available(); i++)
		usleep(20000);
	OXT_CHECK(!cc_available(), "%s still registered after detach", CC_NAME);
	printf("unregistered %s\n", CC_NAME);
	return 0;
}

int main(int argc, char **argv)
{
	int reg = 0, alt = 0, rc = 0;
	size_t mib = 16;
	struct tcp_cc *skel;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--register") == 0)
			reg = 1;
		else if (strcmp(argv[i], "--alt") == 0)
			alt = 1;
		else if (reg && atoi(argv[i]) > 0)
			mib = (size_t)atoi(argv[i]);
		else {
			fprintf(stderr, "usage: %s [--alt] [--register [MIB]]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	skel = tcp_cc__open();
	if (!skel) {
		fprintf(stderr, "tcp_cc__open: %s\n", strerror(errno));
		return 1;
	}
	if (alt) {
		skel->struct_ops.oxcc->cong_avoid = skel->progs.oxcc_cong_avoid_alt;
		printf("swapped oxcc_cong_avoid_alt into the cong_avoid slot\n");
	}
	show_open(skel);
	if (reg)
		rc = do_register(skel, mib, alt);
	tcp_cc__destroy(skel);
	return rc ? rc : oxt_result(reg ? "demo_cc register" : "demo_cc open");
}
