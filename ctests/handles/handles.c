// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Handles liboxbpf did not issue, or issued and freed, are refused by every family:
 * object, map, program, link, btf, btf_ext, ring buffer, ring, user ring buffer, perf buffer,
 * and the handles inside skeletons and subskeletons. Each call must return -EINVAL (or NULL /
 * its fallback with errno EINVAL) and log a line naming the function, and must not crash.
 *
 *   handles BPF_OBJ LIBBPF15_SO
 *
 * Foreign handles are made by upstream libbpf 1.5 (LIBBPF15_SO, dlopen RTLD_LOCAL, functions
 * taken with dlsym from that handle); where upstream cannot make one (a link needs a pinned
 * link) a pointer to a local struct stands in. "Freed" handles are liboxbpf's own, used after
 * their free (maps and programs after their object closed). "Random" ones are garbage
 * addresses, never mapped.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "../common.h"

static char logbuf[1 << 16];
static size_t loglen;

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int n;

	(void)level;
	if (loglen >= sizeof(logbuf) - 1)
		return 0;
	n = vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt, ap);
	if (n > 0)
		loglen += (size_t)n < sizeof(logbuf) - loglen ? (size_t)n : sizeof(logbuf) - 1 - loglen;
	return 0;
}

static void log_reset(void)
{
	loglen = 0;
	logbuf[0] = 0;
}

/* A log line "libbpf: FN: ... is not a live ... handle issued by liboxbpf" (or, freeing a
 * handle C does not own, "... belongs to another handle ..."). */
static int refused_logged(const char *fn)
{
	char want[160];
	const char *p;

	snprintf(want, sizeof(want), "libbpf: %s: ", fn);
	for (p = strstr(logbuf, want); p; p = strstr(p + 1, want)) {
		const char *eol = strchr(p, '\n');
		const char *hit = strstr(p, "handle issued by liboxbpf");

		if (!hit)
			hit = strstr(p, "belongs to another handle");

		if (hit && (!eol || hit < eol))
			return 1;
	}
	return 0;
}

static const char *cur_case = "";

#define WHERE "[%s] %s"

/* int-returning: -EINVAL, errno EINVAL, the line. */
#define EXPECT_INT(fn, call)                                                                  \
	do {                                                                                  \
		long r_;                                                                      \
		log_reset();                                                                  \
		errno = 0;                                                                    \
		r_ = (long)(call);                                                            \
		OXT_CHECK(r_ == -EINVAL && errno == EINVAL, WHERE ": returned %ld, errno %d",  \
			  cur_case, #fn, r_, errno);                                          \
		OXT_CHECK(refused_logged(#fn), WHERE ": no refusal line; log: %s", cur_case,   \
			  #fn, logbuf);                                                       \
	} while (0)

/* pointer-returning: NULL, errno EINVAL, the line. */
#define EXPECT_NULL(fn, call)                                                                 \
	do {                                                                                  \
		const void *r_;                                                               \
		log_reset();                                                                  \
		errno = 0;                                                                    \
		r_ = (const void *)(call);                                                    \
		OXT_CHECK(r_ == NULL && errno == EINVAL, WHERE ": returned %p, errno %d",      \
			  cur_case, #fn, r_, errno);                                          \
		OXT_CHECK(refused_logged(#fn), WHERE ": no refusal line; log: %s", cur_case,   \
			  #fn, logbuf);                                                       \
	} while (0)

/* value-returning accessors: their fallback, errno EINVAL, the line. */
#define EXPECT_VAL(fn, call, fallback)                                                        \
	do {                                                                                  \
		long long r_;                                                                 \
		log_reset();                                                                  \
		errno = 0;                                                                    \
		r_ = (long long)(call);                                                       \
		OXT_CHECK(r_ == (long long)(fallback) && errno == EINVAL,                     \
			  WHERE ": returned %lld, errno %d", cur_case, #fn, r_, errno);       \
		OXT_CHECK(refused_logged(#fn), WHERE ": no refusal line; log: %s", cur_case,   \
			  #fn, logbuf);                                                       \
	} while (0)

/* void: no crash, errno EINVAL, the line. */
#define EXPECT_VOID(fn, call)                                                                 \
	do {                                                                                  \
		log_reset();                                                                  \
		errno = 0;                                                                    \
		call;                                                                         \
		OXT_CHECK(errno == EINVAL, WHERE ": errno %d", cur_case, #fn, errno);         \
		OXT_CHECK(refused_logged(#fn), WHERE ": no refusal line; log: %s", cur_case,   \
			  #fn, logbuf);                                                       \
	} while (0)

/* Upstream libbpf 1.5, private to this process (RTLD_LOCAL). */
static void *up;
#define UP(name) ((__typeof__(&name))up_sym(#name))
static void *up_sym(const char *name)
{
	void *f = dlsym(up, name);

	OXT_ASSERT(f != NULL, "dlsym(%s): %s", name, dlerror());
	return f;
}

/* Sets of bad pointers, one per family. */
struct bad {
	const char *name;
	struct bpf_object *obj;
	struct bpf_map *map;
	struct bpf_program *prog;
	struct bpf_link *link;
	struct btf *btf;
	struct btf_ext *btf_ext;
	struct ring_buffer *rb;
	struct ring *ring;
	struct user_ring_buffer *urb;
	struct perf_buffer *pb;
};

static const __u8 *btf_data;
static __u32 btf_size;

static void check_family(const struct bad *b)
{
	__u32 sz;

	cur_case = b->name;

	EXPECT_NULL(bpf_object__name, bpf_object__name(b->obj));
	EXPECT_INT(bpf_object__load, bpf_object__load(b->obj));
	EXPECT_VAL(bpf_object__kversion, bpf_object__kversion(b->obj), 0);
	EXPECT_NULL(bpf_object__find_map_by_name, bpf_object__find_map_by_name(b->obj, "rb"));
	EXPECT_NULL(bpf_object__next_program, bpf_object__next_program(b->obj, NULL));
	EXPECT_VAL(bpf_object__btf, (intptr_t)bpf_object__btf(b->obj), 0);
	EXPECT_INT(bpf_object__pin_maps, bpf_object__pin_maps(b->obj, "/sys/fs/bpf/nope"));

	EXPECT_INT(bpf_map__fd, bpf_map__fd(b->map));
	EXPECT_NULL(bpf_map__name, bpf_map__name(b->map));
	EXPECT_VAL(bpf_map__type, bpf_map__type(b->map), 0);
	EXPECT_INT(bpf_map__set_max_entries, bpf_map__set_max_entries(b->map, 8));
	EXPECT_INT(bpf_map__lookup_elem, bpf_map__lookup_elem(b->map, &sz, 4, &sz, 4, 0));

	EXPECT_INT(bpf_program__fd, bpf_program__fd(b->prog));
	EXPECT_NULL(bpf_program__name, bpf_program__name(b->prog));
	EXPECT_VAL(bpf_program__insn_cnt, bpf_program__insn_cnt(b->prog), 0);
	EXPECT_INT(bpf_program__set_autoload, bpf_program__set_autoload(b->prog, false));
	EXPECT_NULL(bpf_program__attach, bpf_program__attach(b->prog));
	EXPECT_NULL(bpf_program__attach_raw_tracepoint,
		    bpf_program__attach_raw_tracepoint(b->prog, "sys_enter"));

	EXPECT_INT(bpf_link__fd, bpf_link__fd(b->link));
	EXPECT_INT(bpf_link__detach, bpf_link__detach(b->link));
	EXPECT_VAL(bpf_link__pin_path, (intptr_t)bpf_link__pin_path(b->link), 0);
	EXPECT_VOID(bpf_link__disconnect, bpf_link__disconnect(b->link));
	EXPECT_INT(bpf_link__destroy, bpf_link__destroy(b->link));

	EXPECT_VAL(btf__type_cnt, btf__type_cnt(b->btf), 0);
	EXPECT_NULL(btf__name_by_offset, btf__name_by_offset(b->btf, 0));
	EXPECT_INT(btf__find_by_name, btf__find_by_name(b->btf, "int"));
	EXPECT_NULL(btf__type_by_id, btf__type_by_id(b->btf, 1));
	EXPECT_NULL(btf__raw_data, btf__raw_data(b->btf, &sz));
	EXPECT_VAL(btf__pointer_size, btf__pointer_size(b->btf), 0);
	EXPECT_VAL(btf__resolve_size, btf__resolve_size(b->btf, 1), -EINVAL);
	EXPECT_NULL(btf__new_split, btf__new_split(btf_data, btf_size, b->btf));
	EXPECT_VOID(btf__free, btf__free(b->btf));

	EXPECT_NULL(btf_ext__raw_data, btf_ext__raw_data(b->btf_ext, &sz));
	EXPECT_VOID(btf_ext__free, btf_ext__free(b->btf_ext));

	EXPECT_INT(ring_buffer__poll, ring_buffer__poll(b->rb, 0));
	EXPECT_INT(ring_buffer__consume, ring_buffer__consume(b->rb));
	EXPECT_INT(ring_buffer__epoll_fd, ring_buffer__epoll_fd(b->rb));
	EXPECT_NULL(ring_buffer__ring, ring_buffer__ring(b->rb, 0));
	EXPECT_VOID(ring_buffer__free, ring_buffer__free(b->rb));

	EXPECT_VAL(ring__size, ring__size(b->ring), 0);
	EXPECT_VAL(ring__map_fd, ring__map_fd(b->ring), -EINVAL);
	EXPECT_INT(ring__consume, ring__consume(b->ring));

	EXPECT_NULL(user_ring_buffer__reserve, user_ring_buffer__reserve(b->urb, 8));
	EXPECT_VOID(user_ring_buffer__submit, user_ring_buffer__submit(b->urb, &sz));
	EXPECT_VOID(user_ring_buffer__free, user_ring_buffer__free(b->urb));

	EXPECT_INT(perf_buffer__poll, perf_buffer__poll(b->pb, 0));
	EXPECT_VAL(perf_buffer__buffer_cnt, perf_buffer__buffer_cnt(b->pb), 0);
	EXPECT_INT(perf_buffer__epoll_fd, perf_buffer__epoll_fd(b->pb));
	EXPECT_VOID(perf_buffer__free, perf_buffer__free(b->pb));
}

/* Skeletons are caller memory; the obj/map/prog pointers in them are handles. */
static void check_skeleton(const struct bad *b)
{
	struct bpf_object_skeleton *s = calloc(1, sizeof(*s));
	struct bpf_object *obj = b->obj;
	struct bpf_program *prog = b->prog;
	struct bpf_link *link = NULL;
	struct bpf_map *map = b->map;
	void *mmaped = NULL;

	cur_case = b->name;
	OXT_ASSERT(s != NULL, "calloc");
	s->sz = sizeof(*s);
	s->name = "bad";
	s->obj = &obj;
	s->prog_cnt = 1;
	s->prog_skel_sz = sizeof(struct bpf_prog_skeleton);
	s->progs = calloc(1, sizeof(struct bpf_prog_skeleton));
	s->progs[0].name = "on_enter";
	s->progs[0].prog = &prog;
	s->progs[0].link = &link;
	s->map_cnt = 1;
	s->map_skel_sz = sizeof(struct bpf_map_skeleton);
	s->maps = calloc(1, sizeof(struct bpf_map_skeleton));
	s->maps[0].name = "rb";
	s->maps[0].map = &map;
	s->maps[0].mmaped = &mmaped;

	log_reset();
	errno = 0;
	OXT_CHECK(bpf_object__load_skeleton(s) == -EINVAL && errno == EINVAL,
		  "[%s] load_skeleton: errno %d", cur_case, errno);
	OXT_CHECK(strstr(logbuf, "handle issued by liboxbpf"), "[%s] load_skeleton log: %s",
		  cur_case, logbuf);
	EXPECT_INT(bpf_object__attach_skeleton, bpf_object__attach_skeleton(s));
	OXT_CHECK(link == NULL, "[%s] attach_skeleton filled a link slot", cur_case);

	struct bpf_object_subskeleton sub = {
		.sz = sizeof(sub), .obj = obj, .map_cnt = 0, .prog_cnt = 0, .var_cnt = 0,
	};
	EXPECT_INT(bpf_object__open_subskeleton, bpf_object__open_subskeleton(&sub));

	/* destroy: the object slot is refused (and left alone), the arrays are freed. */
	log_reset();
	bpf_object__destroy_skeleton(s);
	OXT_CHECK(refused_logged("bpf_object__close"), "[%s] destroy_skeleton log: %s", cur_case,
		  logbuf);
}

/*
 * Load upstream libbpf privately: a copy under another path (so it is a new instance even when
 * the program already runs libbpf.so.1 with liboxbpf preloaded over it), RTLD_LOCAL so its
 * symbols stay out of the program's scope, and RTLD_DEEPBIND so its own internal calls to its
 * exported functions bind to itself rather than to liboxbpf's.
 */
static void *open_upstream(const char *so)
{
	char path[] = "/tmp/oxbpf-handles-libbpf-XXXXXX";
	char buf[65536];
	int in, out;
	ssize_t n;
	void *h;

	in = open(so, O_RDONLY | O_CLOEXEC);
	OXT_ASSERT(in >= 0, "open %s: %s", so, strerror(errno));
	out = mkstemp(path);
	OXT_ASSERT(out >= 0, "mkstemp: %s", strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		OXT_ASSERT(write(out, buf, (size_t)n) == n, "copy: %s", strerror(errno));
	close(in);
	close(out);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
	unlink(path);
	OXT_ASSERT(h != NULL, "dlopen(copy of %s): %s", so, dlerror());
	return h;
}

static int drain_cb(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

int main(int argc, char **argv)
{
	struct bad foreign = { .name = "foreign" }, freed = { .name = "freed" }, rnd = { .name = "random" };
	struct { long words[64]; } local = { { 0 } };
	struct btf_ext *ext = NULL;
	int rb_fd, urb_fd, pb_fd;

	OXT_ASSERT(argc == 3, "usage: %s BPF_OBJ LIBBPF15_SO", argv[0]);
	oxt_require_root();
	libbpf_set_print(print_cb);

	/* --- liboxbpf's own handles, used after their free --------------------------------- */
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	OXT_ASSERT(obj != NULL, "open %s: %d", argv[1], errno);
	OXT_ASSERT(bpf_object__load(obj) == 0, "load: %d; log: %s", errno, logbuf);
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "on_enter");
	OXT_ASSERT(prog != NULL, "on_enter");
	freed.link = bpf_program__attach(prog);
	OXT_ASSERT(freed.link != NULL, "attach: %d", errno);
	OXT_ASSERT(bpf_link__destroy(freed.link) == 0, "link destroy");
	rb_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "rb"));
	urb_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "urb"));
	pb_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "pb"));
	OXT_ASSERT(rb_fd >= 0 && urb_fd >= 0 && pb_fd >= 0, "map fds %d %d %d", rb_fd, urb_fd, pb_fd);
	/* Keep the buffer map fds past the object's close. */
	rb_fd = dup(rb_fd), urb_fd = dup(urb_fd), pb_fd = dup(pb_fd);

	freed.rb = ring_buffer__new(rb_fd, drain_cb, NULL, NULL);
	OXT_ASSERT(freed.rb != NULL, "ring_buffer__new: %d", errno);
	freed.ring = ring_buffer__ring(freed.rb, 0);
	OXT_ASSERT(freed.ring != NULL && ring__size(freed.ring) == 4096, "ring");
	ring_buffer__free(freed.rb);
	freed.urb = user_ring_buffer__new(urb_fd, NULL);
	OXT_ASSERT(freed.urb != NULL, "user_ring_buffer__new: %d", errno);
	user_ring_buffer__free(freed.urb);
	freed.pb = perf_buffer__new(pb_fd, 1, NULL, NULL, NULL, NULL);
	OXT_ASSERT(freed.pb != NULL, "perf_buffer__new: %d", errno);
	perf_buffer__free(freed.pb);

	freed.btf = btf__parse_elf(argv[1], &ext);
	OXT_ASSERT(freed.btf != NULL && ext != NULL, "btf__parse_elf: %d", errno);
	btf_data = btf__raw_data(freed.btf, &btf_size);
	{
		/* keep a copy of the raw BTF for btf__new_split's data argument */
		void *copy = malloc(btf_size);
		memcpy(copy, btf_data, btf_size);
		btf_data = copy;
	}
	btf__free(freed.btf);
	freed.btf_ext = ext;
	btf_ext__free(ext);

	freed.map = bpf_object__find_map_by_name(obj, "rb");
	freed.prog = prog;
	freed.obj = obj;
	bpf_object__close(obj);

	/* A handle of one family passed where another is expected is refused too. */
	struct bpf_object *live = bpf_object__open_file(argv[1], NULL);
	OXT_ASSERT(live != NULL, "reopen");
	cur_case = "wrong type";
	EXPECT_INT(bpf_map__fd, bpf_map__fd((struct bpf_map *)live));
	EXPECT_VAL(btf__type_cnt, btf__type_cnt((struct btf *)bpf_object__next_map(live, NULL)), 0);
	/* btf__free of the object's own BTF (C does not own it) is refused, not a double free. */
	EXPECT_VOID(btf__free, btf__free(bpf_object__btf(live)));
	OXT_CHECK(btf__type_cnt(bpf_object__btf(live)) > 1, "object BTF gone after refused free");
	bpf_object__close(live);

	/* --- foreign: made by upstream libbpf 1.5 ------------------------------------------ */
	up = open_upstream(argv[2]);
	foreign.obj = UP(bpf_object__open_file)(argv[1], NULL);
	OXT_ASSERT(foreign.obj != NULL, "upstream bpf_object__open_file: %d", errno);
	foreign.map = UP(bpf_object__next_map)(foreign.obj, NULL);
	foreign.prog = UP(bpf_object__next_program)(foreign.obj, NULL);
	struct btf_ext *uext = NULL;
	foreign.btf = UP(btf__parse_elf)(argv[1], &uext);
	foreign.btf_ext = uext;
	OXT_ASSERT(foreign.map && foreign.prog && foreign.btf && foreign.btf_ext,
		   "upstream handles %p %p %p %p", (void *)foreign.map, (void *)foreign.prog,
		   (void *)foreign.btf, (void *)foreign.btf_ext);
	foreign.rb = UP(ring_buffer__new)(rb_fd, drain_cb, NULL, NULL);
	foreign.urb = UP(user_ring_buffer__new)(urb_fd, NULL);
	foreign.pb = UP(perf_buffer__new)(pb_fd, 1, NULL, NULL, NULL, NULL);
	OXT_ASSERT(foreign.rb && foreign.urb && foreign.pb, "upstream buffers %p %p %p",
		   (void *)foreign.rb, (void *)foreign.urb, (void *)foreign.pb);
	foreign.ring = UP(ring_buffer__ring)(foreign.rb, 0);
	OXT_ASSERT(foreign.ring != NULL, "upstream ring");
	/* No upstream link without attaching through upstream: a local struct stands in. */
	foreign.link = (struct bpf_link *)&local;

	/* --- random addresses -------------------------------------------------------------- */
	rnd.obj = (void *)(uintptr_t)0xdead0000beef0ULL;
	rnd.map = (void *)(uintptr_t)0x10;
	rnd.prog = (void *)&local;
	rnd.link = (void *)(uintptr_t)0xffffffffffff0000ULL;
	rnd.btf = (void *)&local.words[3];
	rnd.btf_ext = (void *)(uintptr_t)0x7;
	rnd.rb = (void *)(uintptr_t)0x4141414141414141ULL;
	rnd.ring = (void *)&local.words[9];
	rnd.urb = (void *)(uintptr_t)0x1000;
	rnd.pb = (void *)&local.words[17];

	check_family(&foreign);
	check_family(&freed);
	check_family(&rnd);
	check_skeleton(&foreign);
	check_skeleton(&freed);
	check_skeleton(&rnd);

	/* The upstream handles are intact: upstream can still use and free them. */
	OXT_CHECK(UP(btf__type_cnt)(foreign.btf) > 1, "upstream btf damaged");
	OXT_CHECK(strcmp(UP(bpf_object__name)(foreign.obj), "handles") == 0, "upstream object damaged");
	UP(ring_buffer__free)(foreign.rb);
	UP(user_ring_buffer__free)(foreign.urb);
	UP(perf_buffer__free)(foreign.pb);
	UP(btf_ext__free)(foreign.btf_ext);
	UP(btf__free)(foreign.btf);
	UP(bpf_object__close)(foreign.obj);
	close(rb_fd), close(urb_fd), close(pb_fd);
	return oxt_result("handles");
}
