/* tc17.c: bpf_tc_hook.handle/.qdisc with BPF_TC_QDISC (libbpf 1.7): bpf_tc_hook_create makes a
 * qdisc of the caller's kind and handle, bpf_tc_hook_destroy removes it; the device's root
 * qdisc is read back with `tc`. Runs in a network namespace of its own (loopback only). A
 * transcript of return values and errno; built against libbpf 1.7's headers, the transcripts of
 * upstream libbpf 1.7 and of liboxbpf must be equal. Skips (77) without root. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "t17.h"

static void root_qdisc(const char *when)
{
	char line[512] = "", kind[64] = "", handle[64] = "";
	FILE *p = popen("tc qdisc show dev lo root 2>&1", "r");

	if (p && fgets(line, sizeof(line), p))
		sscanf(line, "qdisc %63s %63s", kind, handle);
	if (p)
		pclose(p);
	printf("%s: root qdisc %s %s\n", when, kind[0] ? kind : "?", handle[0] ? handle : "?");
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP: needs root\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET)) {
		printf("SKIP: cannot create a network namespace (errno %d)\n", errno);
		return 77;
	}
	if (system("ip link set lo up"))
		return 1;
	libbpf_set_print(silent);
	root_qdisc("before");
	{
		LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = 1, .attach_point = BPF_TC_QDISC, .parent = 0xffffffff,
			    .handle = 0x10000, .qdisc = "htb");
		say("create htb 1: at root", bpf_tc_hook_create(&h));
		root_qdisc("after create");
		say("create again", bpf_tc_hook_create(&h));
		say("destroy", bpf_tc_hook_destroy(&h));
		root_qdisc("after destroy");
		say("destroy again", bpf_tc_hook_destroy(&h));
	}
	{
		LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = 1, .attach_point = BPF_TC_QDISC, .parent = 0xffffffff,
			    .handle = 0x20000, .qdisc = "no_such_qdisc");
		say("create an unknown kind", bpf_tc_hook_create(&h));
		h.qdisc = "pfifo";
		say("create pfifo 2:", bpf_tc_hook_create(&h));
		root_qdisc("after pfifo");
		say("destroy pfifo", bpf_tc_hook_destroy(&h));
	}
	{
		LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = 1, .attach_point = BPF_TC_QDISC | BPF_TC_INGRESS,
			    .qdisc = "htb");
		say("QDISC combined with INGRESS", bpf_tc_hook_create(&h));
	}
	return 0;
}
