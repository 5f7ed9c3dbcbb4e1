/* BTF fixture for the btf_dump tests: one global of each type in ../dump_types.h. */
/* No system headers: the BTF holds only the types below. */
#define SEC(name) __attribute__((section(name), used))
#include "../dump_types.h"

struct nested g_nested = { .id = 1 };
struct bits g_bits;
struct packed_s g_packed;
struct with_tag g_tag;
struct self_ref g_self;
struct a_b g_ab;
union top_union g_tu;
enum { ANON_VAR_A = 3 } g_anon_var;
myint2 g_mi = 7;
const volatile cvint g_cvi = 3;
binop_t g_op;
names_t g_names;
char g_str[16] = "hello";
int g_matrix[2][2][2];
static volatile int s_counter;

__attribute__((noinline)) int helper(struct nested *n, binop_t op, int x)
{
	return n->id + x + s_counter;
}

SEC("tc")
int prog(void *ctx)
{
	return helper(&g_nested, g_op, g_mi) + g_tu.l + g_ab.n + g_bits.a + g_packed.i + g_anon_var +
	       g_cvi + g_str[1] + g_matrix[1][1][1] + (long)g_tag.uptr + (long)g_self.next +
	       g_names[1][1];
}

char LICENSE[] SEC("license") = "GPL";
