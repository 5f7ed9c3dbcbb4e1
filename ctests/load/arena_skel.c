/* Arena maps through a bpftool 7.5 skeleton: the __arena global's initial value (edited before
 * load through the skeleton) reaches the kernel arena, and after load skel->arena shows the
 * kernel's arena memory, which the program updates. Same checks on libbpf 1.5 (-ref). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "../common.h"
#include "load_arena.skel.h"

/* BPF_MAP_TYPE_ARENA (kernel 6.9+; bookworm's uapi headers predate it). */
#define OXT_MAP_TYPE_ARENA 33

/* Some kernels refuse arena maps even to root (EPERM): ask the kernel directly, with the raw
 * syscall and no library, so the refusal is the kernel's and equal for both libraries. */
static void require_kernel_arena(void)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_type = OXT_MAP_TYPE_ARENA;
	a.max_entries = 4;
	a.map_flags = BPF_F_MMAPABLE;
	fd = syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	OXT_SKIP_IF(fd < 0, "this kernel refuses arena map creation to this process (raw "
		    "BPF_MAP_CREATE: %s); libbpf 1.5 is refused the same way", strerror(errno));
	close(fd);
}

int main(void)
{
	struct load_arena *s;
	int err;

	oxt_require_root();
	require_kernel_arena();
	s = load_arena__open();
	OXT_ASSERT(s != NULL, "open: %s", strerror(errno));
	OXT_ASSERT(s->arena != NULL, "arena initial value is reachable before load");
	OXT_CHECK(s->arena->counter_in_arena == 7, "initial value %d", s->arena->counter_in_arena);
	s->arena->counter_in_arena = 40;
	err = load_arena__load(s);
	OXT_ASSERT(err == 0, "load: %d", err);
	OXT_ASSERT(s->arena != NULL, "arena pointer after load");
	OXT_CHECK(s->arena->counter_in_arena == 40, "pre-load edit reached the kernel arena: %d", s->arena->counter_in_arena);
	LIBBPF_OPTS(bpf_test_run_opts, o);
	err = bpf_prog_test_run_opts(bpf_program__fd(s->progs.bump), &o);
	OXT_ASSERT(err == 0, "test run: %d", err);
	OXT_CHECK(s->bss->result == 41, "program saw %d", s->bss->result);
	OXT_CHECK(s->arena->counter_in_arena == 41, "user space sees the program's write: %d", s->arena->counter_in_arena);
	load_arena__destroy(s);
	return oxt_result("arena skeleton");
}
