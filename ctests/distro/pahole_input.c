// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Input of the pahole -J scenario: a mix of BTF kinds (structs with bitfields, unions, enums,
 * typedefs, arrays, function pointers, const/volatile, functions, variables). */
typedef unsigned long long u64;
enum color { RED, GREEN = 5, BLUE };
enum big { HUGE = 0x1ffffffffULL };
struct node;
typedef int (*visit_fn)(struct node *n, void *ctx);
union value {
	u64 u;
	double d;
	const char *s;
};
struct node {
	struct node *next, *prev;
	unsigned int flags : 3, kind : 5, : 0;
	volatile int refs;
	enum color color;
	union value v[4];
	visit_fn visit;
	char name[16];
};
struct node oxd_root;
const enum big oxd_big = HUGE;

int oxd_walk(struct node *n, visit_fn f, void *ctx)
{
	int r = 0;

	for (; n; n = n->next)
		r += f(n, ctx);
	return r;
}

static int count_one(struct node *n, void *ctx)
{
	return n->kind + (int)(long)ctx;
}

int oxd_count(void)
{
	return oxd_walk(&oxd_root, count_one, 0);
}
