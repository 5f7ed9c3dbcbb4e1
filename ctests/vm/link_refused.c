// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * link_refused: the modern SEC(".struct_ops.link") congestion control (ctests/bpf/tcp_cc.bpf.c,
 * bpftool 7.5 skeleton) on a kernel without struct_ops links (6.1 has none: they came in
 * 6.4). Prints what load and attach return; scripts/vm-tests.sh requires liboxbpf's
 * transcript to equal libbpf 1.5's. The congestion control must not end up registered.
 */
#include <bpf/libbpf.h>
#include "tcp_cc.skel75.h"
#include "common.h"
#include "vm_log.h"

static int registered(const char *name)
{
	char buf[1024] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_congestion_control", "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n"))
		if (!strcmp(t, name))
			return 1;
	return 0;
}

int main(void)
{
	struct tcp_cc *skel;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	oxt_require_root();
	oxt_require_vmlinux_btf();
	libbpf_set_print(oxt_default_print);
	skel = tcp_cc__open();
	OXT_ASSERT(skel, "tcp_cc__open: %s", strerror(errno));
	err = tcp_cc__load(skel);
	printf("load: %d (%s)\n", err, err ? strerror(-err) : "ok");
	if (!err) {
		err = tcp_cc__attach(skel);
		printf("attach: %d (%s)\n", err, err ? strerror(-err) : "ok");
	}
	OXT_CHECK(err, "the .struct_ops.link map loaded and attached on a kernel without struct_ops links");
	printf("registered: %s\n", registered("oxbpf_cc") ? "yes" : "no");
	OXT_CHECK(!registered("oxbpf_cc"), "oxbpf_cc is registered");
	tcp_cc__destroy(skel);
	return oxt_result("link_refused");
}
