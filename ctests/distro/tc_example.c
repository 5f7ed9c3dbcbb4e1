// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A libbpf-bootstrap-style tc example (its tc.c's shape: skeleton, bpf_tc_hook_create,
 * bpf_tc_attach, bpf_tc_detach, bpf_tc_hook_destroy), run by ctests/distro on the distribution's
 * libbpf and on liboxbpf. It works on lo of the namespace it runs in, sends 5 UDP datagrams to
 * 127.0.0.1:4242 and checks that the program counted them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tc_example.skel.h"

#define LO_IFINDEX 1

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stdout, fmt, ap) : 0;
}

int main(void)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, tc_hook, .ifindex = LO_IFINDEX,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc_opts, .handle = 1, .priority = 1);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(4242),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct tc_example_bpf *skel;
	int err, s, fails = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_cb);
	skel = tc_example_bpf__open_and_load();
	if (!skel) {
		printf("failed to open and load the skeleton: %d\n", -errno);
		return 1;
	}
	err = bpf_tc_hook_create(&tc_hook);
	printf("bpf_tc_hook_create: %d\n", err);
	if (err && err != -EEXIST)
		goto out;
	tc_opts.prog_fd = bpf_program__fd(skel->progs.tc_ingress);
	err = bpf_tc_attach(&tc_hook, &tc_opts);
	bpf_obj_get_info_by_fd(tc_opts.prog_fd, &info, &len); /* 1.1 has no bpf_prog_get_info_by_fd */
	printf("bpf_tc_attach: %d, handle %u, priority %u, prog_id %s\n", err, tc_opts.handle,
	       tc_opts.priority, tc_opts.prog_id == info.id ? "ours" : "OTHER");
	fails += err != 0 || tc_opts.prog_id != info.id;

	s = socket(AF_INET, SOCK_DGRAM, 0);
	for (int i = 0; i < 5; i++)
		sendto(s, "oxbpf", 5, 0, (struct sockaddr *)&to, sizeof(to));
	close(s);
	usleep(20000);
	printf("counted %llu UDP datagrams to port 4242\n", (unsigned long long)skel->bss->udp_4242);
	fails += skel->bss->udp_4242 != 5;

	{
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = 1, .priority = 1);

		err = bpf_tc_query(&tc_hook, &q);
		printf("bpf_tc_query: %d, prog_id %s\n", err, q.prog_id == info.id ? "ours" : "OTHER");
		fails += err != 0;
	}
	tc_opts.flags = tc_opts.prog_fd = tc_opts.prog_id = 0;
	err = bpf_tc_detach(&tc_hook, &tc_opts);
	printf("bpf_tc_detach: %d\n", err);
	fails += err != 0;
	err = bpf_tc_detach(&tc_hook, &tc_opts);
	printf("bpf_tc_detach again: %d\n", err);
out:
	tc_hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_destroy(&tc_hook);
	printf("bpf_tc_hook_destroy: %d\n", err);
	fails += err != 0;
	tc_example_bpf__destroy(skel);
	return fails ? 1 : 0;
}
