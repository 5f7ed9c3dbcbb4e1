/* An arena map with an __arena global: open moves its initial value into a buffer C can edit,
 * load maps the kernel arena and copies it there, and the skeleton pointer shows the arena. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#define __arena __attribute__((address_space(1)))
struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);
} arena SEC(".maps");
int __arena counter_in_arena = 7;
int result;
SEC("syscall") int bump(void *ctx)
{
	counter_in_arena += 1;
	result = counter_in_arena;
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
