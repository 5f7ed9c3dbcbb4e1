// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * probes: kprobe, kretprobe, ksyscall, kretsyscall, fentry, fexit, kprobe.multi, uprobe and
 * uretprobe (bpf/probes.bpf.c, bpftool 7.5 skeleton) on a real kernel. Each program is
 * attached with bpf_program__attach (the uprobes with bpf_program__attach_uprobe_opts on this
 * program's own function), then the counters are zeroed, each hooked call is made N times,
 * and every counter must read exactly N. stdout is the transcript that scripts/vm-tests.sh
 * compares between libbpf 1.5 and liboxbpf.
 */
#include <fcntl.h>
#include <bpf/libbpf.h>
#include "probes.skel.h"
#include "common.h"
#include "vm_log.h"

#define N 5

__attribute__((noinline)) unsigned long probes_target(unsigned long x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[16] = {};
	struct bpf_program *prog;
	struct probes *skel;
	int n = 0, err, kmulti = 1;
	char self[4096];

	/* Not /proc/self/exe: under scripts/with-libbpf15 that is trixie's ld.so. */
	(void)argc;
	OXT_ASSERT(realpath(argv[0], self), "realpath %s: %s", argv[0], strerror(errno));

	setvbuf(stdout, NULL, _IOLBF, 0);
	oxt_require_root();
	oxt_require_vmlinux_btf();
	libbpf_set_print(oxt_default_print);
	skel = probes__open();
	OXT_ASSERT(skel, "probes__open: %s", strerror(errno));
	skel->bss->target_tgid = getpid();
	err = probes__load(skel);
	OXT_ASSERT(!err, "probes__load: %d", err);

	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		struct bpf_link *link;

		if (!strcmp(name, "ox_uprobe") || !strcmp(name, "ox_uretprobe")) {
			LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = "probes_target",
				    .retprobe = !strcmp(name, "ox_uretprobe"));
			link = bpf_program__attach_uprobe_opts(prog, 0, self, 0, &opts);
		} else {
			link = bpf_program__attach(prog);
		}
		printf("attach %s: %s\n", name, link ? "ok" : strerror(errno));
		if (!link && errno == EOPNOTSUPP && !strcmp(name, "ox_kmulti")) {
			/* Debian's 6.1 has no fprobe (CONFIG_FPROBE): no kprobe.multi */
			kmulti = 0;
			continue;
		}
		OXT_CHECK(link, "attaching %s failed", name);
		if (link)
			links[n++] = link;
	}

	skel->bss->kprobe_hits = skel->bss->kretprobe_hits = skel->bss->ksyscall_hits = 0;
	skel->bss->kretsyscall_hits = skel->bss->fentry_hits = skel->bss->fexit_hits = 0;
	skel->bss->kmulti_hits = skel->bss->uprobe_hits = skel->bss->uretprobe_hits = 0;
	for (int i = 0; i < N; i++) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0)
			close(fd);
		getpgid(0);
		probes_target(40 + i);
	}
	struct { const char *what; __u64 hits; } got[] = {
		{ "kprobe", skel->bss->kprobe_hits },
		{ "kretprobe", skel->bss->kretprobe_hits },
		{ "ksyscall", skel->bss->ksyscall_hits },
		{ "kretsyscall", skel->bss->kretsyscall_hits },
		{ "fentry", skel->bss->fentry_hits },
		{ "fexit", skel->bss->fexit_hits },
		{ "kprobe.multi", skel->bss->kmulti_hits },
		{ "uprobe", skel->bss->uprobe_hits },
		{ "uretprobe", skel->bss->uretprobe_hits },
	};
	for (size_t i = 0; i < sizeof(got) / sizeof(got[0]); i++) {
		printf("%s hits: %llu\n", got[i].what, (unsigned long long)got[i].hits);
		if (!kmulti && !strcmp(got[i].what, "kprobe.multi"))
			continue;
		OXT_CHECK(got[i].hits == N, "%s counted %llu calls, want %d", got[i].what,
			  (unsigned long long)got[i].hits, N);
	}
	printf("fexit saw a file descriptor: %s\n", skel->bss->last_open_ret >= 0 ? "yes" : "no");
	printf("uprobe argument: %llu\n", (unsigned long long)skel->bss->last_uprobe_arg);
	OXT_CHECK(skel->bss->last_uprobe_arg == 40 + N - 1, "uprobe read argument %llu",
		  (unsigned long long)skel->bss->last_uprobe_arg);

	for (int i = 0; i < n; i++) {
		err = bpf_link__destroy(links[i]);
		OXT_CHECK(!err, "bpf_link__destroy: %d", err);
	}
	probes__destroy(skel);
	return oxt_result("probes");
}
