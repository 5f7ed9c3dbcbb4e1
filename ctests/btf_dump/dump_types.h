/* Types for the btf_dump tests: compiled into bpf/dump_types.bpf.o (whose BTF the tests dump)
 * and into cases.c (whose instances of them are dumped as typed data). Both targets are 64-bit
 * little-endian, so the layouts agree. Every kind and layout quirk btf_dump handles is here. */
#ifndef DUMP_TYPES_H
#define DUMP_TYPES_H

enum color { RED, GREEN = 5, BLUE = -1 };
enum ucolor { U_A = 1, U_B = 0x80000000u };
enum small_e { S_A = 1, S_B = 2 } __attribute__((packed));
enum big64 { B_LO = 1, B_HI = 0x100000000ULL };
enum sbig64 { SB_NEG = -5, SB_BIG = 0x7fffffffffffLL };
enum wide32 { W_A = 1, W_B = 2 } __attribute__((mode(word)));
enum { TOP_ANON_A = 10, TOP_ANON_B = 11 };

typedef int myint;
typedef myint myint2;
typedef const volatile myint2 cvint;
typedef int (*binop_t)(int, int);
typedef char name_t[12];
typedef name_t names_t[2];

struct fwd_only;
union fwd_union;

struct bits {
	unsigned int a:3;
	int b:5;
	unsigned long long c:40;
	enum color col:4;
	unsigned char d;
	unsigned short e:9;
	unsigned int :0;
	unsigned int f:1;
};

struct __attribute__((packed)) packed_s {
	char c;
	int i;
	long l;
};

struct aligned_s {
	int x;
} __attribute__((aligned(16)));

struct holes {
	char c;
	long l;
	char c2;
	short s;
	char tail;
};

struct with_tag {
	int __attribute__((btf_type_tag("user"))) *uptr;
	const int __attribute__((btf_type_tag("rcu"))) *volatile rptr;
};

struct self_ref {
	struct self_ref *next;
	struct self_ref *arr[2];
};

struct a_b;
struct b_a {
	struct a_b *p;
};
struct a_b {
	struct b_a v;
	int n;
};

struct empty {
};

union top_union {
	long l;
	struct {
		short lo, hi;
	} parts;
	unsigned char bytes[8];
};

struct nested {
	int id;
	struct {
		int x, y;
		struct {
			char tag;
		} inner;
	} pt;
	union {
		int i;
		float f;
		unsigned char raw[4];
	} u;
	char name[8];
	int matrix[2][3];
	struct bits b;
	enum color c;
	enum { ANON_A, ANON_B = 7 } anon_e;
	void *ptr;
	struct fwd_only *fwd;
	union fwd_union *fwdu;
	binop_t op;
	int (*arr_of_fp[2])(void);
	char *(*ret_fp)(int, struct nested *);
	void (*(*fp_ret_fp)(long))(int);
	const char *cstr;
	volatile int vol;
	int *restrict rp;
	const int *const *cpp;
	myint2 mi;
	cvint cvi;
	__int128 big;
	unsigned __int128 ubig;
	double dbl;
	float flt;
	_Bool flag;
	enum small_e se;
	enum big64 e64;
	enum sbig64 se64;
	enum ucolor uc;
	enum wide32 w32;
	struct aligned_s al;
	struct packed_s ps;
	struct holes h;
	name_t nm;
	names_t nms;
	struct empty em;
	union top_union tu;
	int flex[];
};

#endif
