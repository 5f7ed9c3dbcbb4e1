// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * load_diff: load a BPF object and print what the kernel got, in a form that does not depend on
 * fd numbers or kernel object ids, so that a load by upstream libbpf 1.5 and one by liboxbpf
 * can be compared line by line (ctests/load/diff_load.sh).
 *
 *   load_diff [--skip-refused] [--autoload PROG]... [--no-autoload PROG]...
 *             [--no-autocreate MAP]... [--kconfig LINE]... [--pinned-before] OBJECT.bpf.o
 *
 *   --skip-refused     turn autoload off for programs this kernel refuses to load: those that
 *                      need a BPF trampoline or a kprobe (section fentry, fexit, fmod_ret, lsm,
 *                      kprobe, kretprobe, ksyscall, kretsyscall and their variants)
 *   --autoload PROG    turn autoload on (e.g. a "?" section program)
 *   --no-autoload PROG / --no-autocreate MAP
 *   --kconfig LINE     a line of bpf_object_open_opts.kconfig (repeatable)
 *   --pinned-before    load and close the object once first, so that the dumped load finds its
 *                      pinned maps (LIBBPF_PIN_BY_NAME) and reuses them
 *
 * Pin paths (LIBBPF_PIN_BY_NAME) go to a private bpffs mounted on a temporary directory, so the
 * test never touches /sys/fs/bpf; the dump says whether each map was pinned there.
 *
 * Only the library under test opens and loads; everything read back from the kernel goes
 * through bpf(2) directly, so the dumper does not trust the library it checks.
 *
 * The dump, per program: libbpf's view (type, expected attach type, autoload, the final
 * instructions with map fds replaced by map names), then the kernel's (bpf_prog_info: type,
 * name, tag, verified insn count, bound maps by name, attach BTF type by name, func_info and
 * line_info records resolved through the program's BTF, and the xlated instructions with map
 * ids replaced by map names). Per map: libbpf's view and the kernel's (bpf_map_info), the
 * contents of global-data maps (lookup of key 0), whether they are frozen (an update of the
 * same value), the protection of the memory bpf_map__initial_value() returns, prog-array and
 * map-in-map slots by name. Then the object's BTF as loaded (size and hash of the raw data),
 * the INFO and DEBUG lines printed during bpf_object__load (fd numbers and the private bpffs
 * path normalised; see load_log_keep() for the few left out) and every warning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "../common.h"
#include "../oxt_hash.h"

#define MAX_ARGS 32

static const char *autoload_on[MAX_ARGS], *autoload_off[MAX_ARGS], *autocreate_off[MAX_ARGS];
static int n_on, n_off, n_nocreate;

/* ---- raw bpf(2) ------------------------------------------------------------------------ */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int obj_info(int fd, void *info, __u32 len)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = fd;
	a.info.info_len = len;
	a.info.info = (__u64)(unsigned long)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) ? -errno : 0;
}

static int fd_by_id(int cmd, __u32 id)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	if (cmd == BPF_MAP_GET_FD_BY_ID)
		a.map_id = id;
	else if (cmd == BPF_PROG_GET_FD_BY_ID)
		a.prog_id = id;
	else
		a.btf_id = id;
	return sys_bpf(cmd, &a);
}

static int map_lookup(int fd, const void *key, void *val)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (__u64)(unsigned long)key;
	a.value = (__u64)(unsigned long)val;
	return sys_bpf(BPF_MAP_LOOKUP_ELEM, &a) ? -errno : 0;
}

static int map_update(int fd, const void *key, const void *val)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (__u64)(unsigned long)key;
	a.value = (__u64)(unsigned long)val;
	return sys_bpf(BPF_MAP_UPDATE_ELEM, &a) ? -errno : 0;
}

static int map_next_key(int fd, const void *key, void *next)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (__u64)(unsigned long)key;
	a.next_key = (__u64)(unsigned long)next;
	return sys_bpf(BPF_MAP_GET_NEXT_KEY, &a) ? -errno : 0;
}

static const char *errname(int err)
{
	static char buf[32];

	switch (err < 0 ? -err : err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case ENOTSUP: return "ENOTSUP";
	default:
		snprintf(buf, sizeof(buf), "errno %d", err < 0 ? -err : err);
		return buf;
	}
}

/* ---- names for kernel ids ----------------------------------------------------------------- */

struct named { __u32 id; char name[64]; };
static struct named obj_maps[256], obj_progs[256];
static int n_obj_maps, n_obj_progs;

static __u32 map_id_of_fd(int fd)
{
	struct bpf_map_info info;

	memset(&info, 0, sizeof(info));
	return fd >= 0 && obj_info(fd, &info, sizeof(info)) == 0 ? info.id : 0;
}

static __u32 prog_id_of_fd(int fd)
{
	struct bpf_prog_info info;

	memset(&info, 0, sizeof(info));
	return fd >= 0 && obj_info(fd, &info, sizeof(info)) == 0 ? info.id : 0;
}

/* "map NAME" for a map of the object, else "kmap KERNEL_NAME" (e.g. an inner map template). */
static const char *map_name_of_id(__u32 id)
{
	static char buf[8][96];
	static int slot;
	char *out = buf[slot++ % 8];
	struct bpf_map_info info;
	int fd;

	for (int i = 0; i < n_obj_maps; i++)
		if (obj_maps[i].id == id)
			return snprintf(out, 96, "map:%s", obj_maps[i].name), out;
	fd = fd_by_id(BPF_MAP_GET_FD_BY_ID, id);
	memset(&info, 0, sizeof(info));
	if (fd >= 0 && obj_info(fd, &info, sizeof(info)) == 0)
		snprintf(out, 96, "kmap:%s", info.name);
	else
		snprintf(out, 96, "kmap:?");
	if (fd >= 0)
		close(fd);
	return out;
}

static const char *prog_name_of_id(__u32 id)
{
	static char buf[96];

	for (int i = 0; i < n_obj_progs; i++)
		if (obj_progs[i].id == id)
			return snprintf(buf, sizeof(buf), "prog:%s", obj_progs[i].name), buf;
	return "prog:?";
}

/* ---- a tiny BTF reader: type names and strings -------------------------------------------- */

struct btf_view {
	unsigned char *raw;
	__u32 size;
	const char *strs;
	__u32 str_len;
	__u32 *type_off; /* offset of each type record from the type section start, by id */
	__u32 n_types;
	const unsigned char *types;
};

static void btf_view_free(struct btf_view *v)
{
	free(v->raw);
	free(v->type_off);
	memset(v, 0, sizeof(*v));
}

static int btf_view_load(__u32 btf_id, struct btf_view *v)
{
	struct bpf_btf_info info;
	const struct btf_header *h;
	__u32 off, cap = 64;
	int fd;

	memset(v, 0, sizeof(*v));
	fd = fd_by_id(BPF_BTF_GET_FD_BY_ID, btf_id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	if (obj_info(fd, &info, sizeof(info)) || !info.btf_size)
		goto fail;
	v->size = info.btf_size;
	v->raw = calloc(1, v->size);
	memset(&info, 0, sizeof(info));
	info.btf = (__u64)(unsigned long)v->raw;
	info.btf_size = v->size;
	if (!v->raw || obj_info(fd, &info, sizeof(info)))
		goto fail;
	close(fd);
	h = (const void *)v->raw;
	if (v->size < sizeof(*h) || h->hdr_len + h->str_off + h->str_len > v->size)
		return -EINVAL;
	v->types = v->raw + h->hdr_len + h->type_off;
	v->strs = (const char *)v->raw + h->hdr_len + h->str_off;
	v->str_len = h->str_len;
	v->type_off = calloc(cap, sizeof(__u32));
	v->n_types = 1; /* id 0 is void */
	for (off = 0; off + sizeof(struct btf_type) <= h->type_len;) {
		const struct btf_type *t = (const void *)(v->types + off);
		__u32 vlen = BTF_INFO_VLEN(t->info), extra = 0;

		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_INT: extra = 4; break;
		case BTF_KIND_ARRAY: extra = sizeof(struct btf_array); break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION: extra = vlen * sizeof(struct btf_member); break;
		case BTF_KIND_ENUM: extra = vlen * sizeof(struct btf_enum); break;
		case BTF_KIND_FUNC_PROTO: extra = vlen * sizeof(struct btf_param); break;
		case BTF_KIND_VAR: extra = sizeof(struct btf_var); break;
		case BTF_KIND_DATASEC: extra = vlen * sizeof(struct btf_var_secinfo); break;
		case BTF_KIND_DECL_TAG: extra = 4; break;
		case 19 /* BTF_KIND_ENUM64 */: extra = vlen * 12; break;
		default: break;
		}
		if (v->n_types == cap) {
			cap *= 2;
			v->type_off = realloc(v->type_off, cap * sizeof(__u32));
			if (!v->type_off)
				return -ENOMEM;
		}
		v->type_off[v->n_types++] = off;
		off += sizeof(struct btf_type) + extra;
	}
	return 0;
fail:
	close(fd);
	btf_view_free(v);
	return -EINVAL;
}

static const char *btf_str(const struct btf_view *v, __u32 off)
{
	return v->strs && off < v->str_len ? v->strs + off : "<bad str>";
}

static const char *btf_type_name(const struct btf_view *v, __u32 id)
{
	const struct btf_type *t;

	if (!v->raw || id == 0 || id >= v->n_types)
		return "<bad id>";
	t = (const void *)(v->types + v->type_off[id]);
	return btf_str(v, t->name_off);
}

/* ---- vmlinux type names for attach_btf_id ------------------------------------------------ */

static struct btf_view vmlinux;

static const char *vmlinux_type_name(__u32 id)
{
	if (!vmlinux.raw) {
		/* /sys/kernel/btf/vmlinux is raw BTF; read it into the same view. */
		FILE *f = fopen("/sys/kernel/btf/vmlinux", "rb");
		const struct btf_header *h;
		size_t cap = 1 << 20, len = 0, n;
		__u32 off, tcap = 1 << 16;

		if (!f)
			return "<no vmlinux>";
		vmlinux.raw = malloc(cap);
		while ((n = fread(vmlinux.raw + len, 1, cap - len, f)) > 0) {
			len += n;
			if (len == cap)
				vmlinux.raw = realloc(vmlinux.raw, cap *= 2);
		}
		fclose(f);
		h = (const void *)vmlinux.raw;
		vmlinux.size = len;
		vmlinux.types = vmlinux.raw + h->hdr_len + h->type_off;
		vmlinux.strs = (const char *)vmlinux.raw + h->hdr_len + h->str_off;
		vmlinux.str_len = h->str_len;
		vmlinux.type_off = calloc(tcap, sizeof(__u32));
		vmlinux.n_types = 1;
		for (off = 0; off + sizeof(struct btf_type) <= h->type_len;) {
			const struct btf_type *t = (const void *)(vmlinux.types + off);
			__u32 vlen = BTF_INFO_VLEN(t->info), extra = 0;

			switch (BTF_INFO_KIND(t->info)) {
			case BTF_KIND_INT: extra = 4; break;
			case BTF_KIND_ARRAY: extra = sizeof(struct btf_array); break;
			case BTF_KIND_STRUCT:
			case BTF_KIND_UNION: extra = vlen * sizeof(struct btf_member); break;
			case BTF_KIND_ENUM: extra = vlen * sizeof(struct btf_enum); break;
			case BTF_KIND_FUNC_PROTO: extra = vlen * sizeof(struct btf_param); break;
			case BTF_KIND_VAR: extra = sizeof(struct btf_var); break;
			case BTF_KIND_DATASEC: extra = vlen * sizeof(struct btf_var_secinfo); break;
			case BTF_KIND_DECL_TAG: extra = 4; break;
			case 19: extra = vlen * 12; break;
			default: break;
			}
			if (vmlinux.n_types == tcap)
				vmlinux.type_off = realloc(vmlinux.type_off, (tcap *= 2) * sizeof(__u32));
			vmlinux.type_off[vmlinux.n_types++] = off;
			off += sizeof(struct btf_type) + extra;
		}
	}
	return btf_type_name(&vmlinux, id);
}

/* ---- instructions --------------------------------------------------------------------------- */

#define LD_IMM64 (BPF_LD | BPF_IMM | BPF_DW)

/* The object's map whose fd (as the library reports it) is `fd`. */
static const char *map_name_of_fd(struct bpf_object *obj, int fd)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		if (bpf_map__fd(m) == fd)
			return bpf_map__name(m);
	return "?";
}

/* Instructions as the library will send them (bpf_program__insns): map fds become names. */
static void dump_lib_insns(struct bpf_object *obj, const struct bpf_program *prog)
{
	const struct bpf_insn *in = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog);

	printf("  insns: %zu\n", n);
	if (!in)
		return;
	for (size_t i = 0; i < n; i++) {
		struct bpf_insn x = in[i];
		char what[96] = "";

		if (x.code == LD_IMM64 && i + 1 < n &&
		    (x.src_reg == BPF_PSEUDO_MAP_FD || x.src_reg == BPF_PSEUDO_MAP_VALUE)) {
			snprintf(what, sizeof(what), " ; map:%s", map_name_of_fd(obj, x.imm));
			x.imm = 0;
		} else if (x.code == LD_IMM64 && x.src_reg == BPF_PSEUDO_BTF_ID && i + 1 < n) {
			/* A typed ksym: name it; the second half holds a module BTF fd (0: vmlinux). */
			snprintf(what, sizeof(what), " ; ksym:%s%s", vmlinux_type_name(x.imm),
				 in[i + 1].imm ? " (module)" : "");
		} else if (x.code == (BPF_JMP | BPF_CALL) && x.src_reg == BPF_PSEUDO_KFUNC_CALL) {
			snprintf(what, sizeof(what), " ; kfunc:%s%s", vmlinux_type_name(x.imm),
				 x.off ? " (module)" : "");
		}
		if (i > 0 && in[i - 1].code == LD_IMM64 && in[i - 1].src_reg == BPF_PSEUDO_BTF_ID)
			x.imm = 0; /* module BTF fd */
		printf("    %4zu: %02x %x %x %6d %11d%s\n", i, x.code, x.dst_reg, x.src_reg, x.off,
		       x.imm, what);
	}
}

static void dump_xlated(const struct bpf_insn *in, __u32 n)
{
	for (__u32 i = 0; i < n; i++) {
		struct bpf_insn x = in[i];
		char what[96] = "";

		if (x.code == LD_IMM64 && i + 1 < n &&
		    (x.src_reg == BPF_PSEUDO_MAP_FD || x.src_reg == BPF_PSEUDO_MAP_VALUE)) {
			snprintf(what, sizeof(what), " ; %s", map_name_of_id(x.imm));
			x.imm = 0;
		}
		printf("    %4u: %02x %x %x %6d %11d%s\n", i, x.code, x.dst_reg, x.src_reg, x.off,
		       x.imm, what);
	}
}

/* ---- programs ------------------------------------------------------------------------------- */

static void dump_kernel_prog(int fd)
{
	struct bpf_prog_info info, counts;
	struct btf_view btf = { 0 };
	struct bpf_insn *xl = NULL;
	__u32 *map_ids = NULL;
	unsigned char *fi = NULL, *li = NULL;
	int err;

	memset(&counts, 0, sizeof(counts));
	err = obj_info(fd, &counts, sizeof(counts));
	if (err) {
		printf("  kernel: info failed: %s\n", errname(err));
		return;
	}
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = counts.xlated_prog_len;
	xl = calloc(1, counts.xlated_prog_len + 1);
	info.xlated_prog_insns = (__u64)(unsigned long)xl;
	info.nr_map_ids = counts.nr_map_ids;
	map_ids = calloc(counts.nr_map_ids + 1, sizeof(__u32));
	info.map_ids = (__u64)(unsigned long)map_ids;
	info.nr_func_info = counts.nr_func_info;
	info.func_info_rec_size = counts.func_info_rec_size;
	fi = calloc(counts.nr_func_info + 1, counts.func_info_rec_size + 1);
	info.func_info = (__u64)(unsigned long)fi;
	info.nr_line_info = counts.nr_line_info;
	info.line_info_rec_size = counts.line_info_rec_size;
	li = calloc(counts.nr_line_info + 1, counts.line_info_rec_size + 1);
	info.line_info = (__u64)(unsigned long)li;
	err = obj_info(fd, &info, sizeof(info));
	if (err) {
		printf("  kernel: info (2nd) failed: %s\n", errname(err));
		goto out;
	}
	printf("  kernel: type %u name '%s' gpl %u\n", info.type, info.name, info.gpl_compatible);
	printf("  kernel: tag %02x%02x%02x%02x%02x%02x%02x%02x verified_insns %u\n", info.tag[0],
	       info.tag[1], info.tag[2], info.tag[3], info.tag[4], info.tag[5], info.tag[6],
	       info.tag[7], info.verified_insns);
	printf("  kernel: attach_btf %s%s\n",
	       info.attach_btf_id ? vmlinux_type_name(info.attach_btf_id) : "-",
	       info.attach_btf_obj_id ? " (module/prog BTF)" : "");
	printf("  kernel: maps %u:", info.nr_map_ids);
	for (__u32 i = 0; i < info.nr_map_ids; i++)
		printf(" %s", map_name_of_id(map_ids[i]));
	printf("\n");
	if (info.btf_id)
		btf_view_load(info.btf_id, &btf);
	printf("  kernel: btf %s func_info %u (rec %u) line_info %u (rec %u)\n",
	       info.btf_id ? "yes" : "no", info.nr_func_info, info.func_info_rec_size,
	       info.nr_line_info, info.line_info_rec_size);
	for (__u32 i = 0; i < info.nr_func_info; i++) {
		const struct bpf_func_info *r = (void *)(fi + i * info.func_info_rec_size);

		printf("    func %4u %s\n", r->insn_off, btf_type_name(&btf, r->type_id));
	}
	for (__u32 i = 0; i < info.nr_line_info; i++) {
		const struct bpf_line_info *r = (void *)(li + i * info.line_info_rec_size);
		const char *file = btf_str(&btf, r->file_name_off), *slash = strrchr(file, '/');

		printf("    line %4u %s:%u:%u %s\n", r->insn_off, slash ? slash + 1 : file,
		       BPF_LINE_INFO_LINE_NUM(r->line_col), BPF_LINE_INFO_LINE_COL(r->line_col),
		       btf_str(&btf, r->line_off));
	}
	printf("  kernel: xlated %u insns\n", info.xlated_prog_len / 8);
	dump_xlated(xl, info.xlated_prog_len / 8);
out:
	btf_view_free(&btf);
	free(xl);
	free(map_ids);
	free(fi);
	free(li);
}

static void dump_prog(struct bpf_object *obj, struct bpf_program *prog)
{
	int fd = bpf_program__fd(prog);

	printf("prog %s\n", bpf_program__name(prog));
	printf("  section '%s' type %d expected_attach_type %d autoload %d autoattach %d\n",
	       bpf_program__section_name(prog), bpf_program__type(prog),
	       bpf_program__expected_attach_type(prog), bpf_program__autoload(prog),
	       bpf_program__autoattach(prog));
	printf("  fd: %s\n", fd >= 0 ? "valid" : "none");
	dump_lib_insns(obj, prog);
	if (fd >= 0)
		dump_kernel_prog(fd);
}

/* ---- maps ----------------------------------------------------------------------------------- */

/* Protection of the mapping that contains `p`, from /proc/self/maps. */
static const char *prot_of(const void *p)
{
	static char perms[16];
	unsigned long a = (unsigned long)p, lo, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	snprintf(perms, sizeof(perms), "none");
	if (!f)
		return perms;
	while (fgets(line, sizeof(line), f)) {
		char pr[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, pr) == 3 && a >= lo && a < hi) {
			snprintf(perms, sizeof(perms), "%.3s%s", pr, pr[3] == 's' ? " shared" : " private");
			break;
		}
	}
	fclose(f);
	return perms;
}

static void hexdump(const char *label, const unsigned char *b, size_t n)
{
	printf("  %s (%zu bytes):", label, n);
	for (size_t i = 0; i < n; i++) {
		if (i % 32 == 0)
			printf("\n    %04zx:", i);
		printf(" %02x", b[i]);
	}
	printf("\n");
}

static void dump_map(struct bpf_map *map, const char *pin_root)
{
	int fd = bpf_map__fd(map), err;
	struct bpf_map_info info;
	const char *pin = bpf_map__pin_path(map);
	size_t isz = 0;
	void *init;

	printf("map %s\n", bpf_map__name(map));
	printf("  type %d key %u value %u max_entries %u flags 0x%x extra %llu ifindex %u\n",
	       bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map),
	       bpf_map__max_entries(map), bpf_map__map_flags(map),
	       (unsigned long long)bpf_map__map_extra(map), bpf_map__ifindex(map));
	printf("  internal %d autocreate %d btf key %u value %u\n", bpf_map__is_internal(map),
	       bpf_map__autocreate(map), bpf_map__btf_key_type_id(map),
	       bpf_map__btf_value_type_id(map));
	if (pin) {
		size_t rl = strlen(pin_root);
		struct stat st;

		printf("  pin_path %s%s pinned %d exists %d\n", strncmp(pin, pin_root, rl) ? "" : "ROOT",
		       strncmp(pin, pin_root, rl) ? pin : pin + rl, bpf_map__is_pinned(map),
		       stat(pin, &st) == 0);
	}
	memset(&info, 0, sizeof(info));
	err = fd >= 0 ? obj_info(fd, &info, sizeof(info)) : -EBADF;
	/*
	 * Documented upstream bug: for a map that was not created (autocreate off), libbpf 1.5's
	 * bpf_map__fd() returns the placeholder fd it reserved at open (a memfd, not a BPF map)
	 * instead of -1 once the object is loaded. Both that and a negative fd print "none".
	 */
	printf("  fd: %s\n", err == 0 ? "valid" : "none");
	/* libbpf frees a map-in-map's inner template once the outer map was created. */
	if (bpf_map__type(map) == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	    bpf_map__type(map) == BPF_MAP_TYPE_HASH_OF_MAPS)
		printf("  inner template after load: %s\n", bpf_map__inner_map(map) ? "kept" : "none");
	init = bpf_map__initial_value(map, &isz);
	if (init) {
		/* Shared or private matters for global data once the kernel map exists (it is
		 * mapped there); before that the region is anonymous memory whose sharing is the
		 * library's business (libbpf: MAP_SHARED, liboxbpf: MAP_PRIVATE, see DIFFERENCES.md),
		 * as is the struct_ops shadow's memory. */
		const char *prot = prot_of(init);

		printf("  initial_value: %zu bytes, %.*s\n", isz,
		       bpf_map__is_internal(map) && bpf_map__fd(map) >= 0 ? (int)strlen(prot) : 3, prot);
	}
	if (err)
		return;
	printf("  kernel: name '%s' type %u key %u value %u max_entries %u flags 0x%x extra %llu\n",
	       info.name, info.type, info.key_size, info.value_size, info.max_entries,
	       info.map_flags, (unsigned long long)info.map_extra);
	printf("  kernel: btf %s key %u value %u vmlinux_value %u\n", info.btf_id ? "yes" : "no",
	       info.btf_key_type_id, info.btf_value_type_id, info.btf_vmlinux_value_type_id);

	if (bpf_map__is_internal(map) && info.key_size == 4 && info.max_entries == 1) {
		__u32 key = 0;
		unsigned char *v = calloc(1, info.value_size + 8);

		err = map_lookup(fd, &key, v);
		if (err) {
			printf("  contents: lookup failed: %s\n", errname(err));
		} else {
			hexdump("contents", v, info.value_size);
			if (init && isz == info.value_size)
				printf("  initial_value %s contents\n",
				       memcmp(init, v, isz) ? "DIFFERS FROM" : "equals");
			/* Same value again: only the frozen refuse. */
			printf("  update of key 0: %s\n", errname(map_update(fd, &key, v)));
		}
		free(v);
	} else if (info.type == BPF_MAP_TYPE_PROG_ARRAY) {
		for (__u32 k = 0; k < info.max_entries && k < 64; k++) {
			__u32 id = 0;

			if (map_lookup(fd, &k, &id) == 0)
				printf("  slot [%u] %s\n", k, prog_name_of_id(id));
		}
	} else if (info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || info.type == BPF_MAP_TYPE_HASH_OF_MAPS) {
		__u32 k, next, id, *prev = NULL;

		while (map_next_key(fd, prev, &next) == 0) {
			k = next;
			prev = &k;
			if (map_lookup(fd, &k, &id) == 0)
				printf("  slot [%u] %s\n", k, map_name_of_id(id));
		}
	} else if (info.type == BPF_MAP_TYPE_HASH || info.type == BPF_MAP_TYPE_LRU_HASH) {
		unsigned char key[256], next[256];
		int n = 0, first = 1;

		while (info.key_size <= sizeof(key) &&
		       map_next_key(fd, first ? NULL : key, next) == 0 && n < 100000) {
			memcpy(key, next, info.key_size);
			first = 0;
			n++;
		}
		printf("  entries %d\n", n);
	}
}

/* ---- library messages ----------------------------------------------------------------------- */

static char *warnings;
static size_t warnings_len;
/* INFO and DEBUG lines printed during bpf_object__load (normalised), see load_log_keep(). */
static char *load_log;
static size_t load_log_len;
static int in_load;
static const char *pin_root_dir;

static void append(char **buf, size_t *len, const char *s, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = 0;
}

/*
 * Which load-time INFO/DEBUG lines the dump compares: libbpf's own, minus lines about things the
 * diff must not depend on: oxbpf's feature-probe results (libbpf has none), struct_ops value building (another layer, with its own tests), and the note that
 * vmlinux BTF was read (libbpf reads it at every load, oxbpf once per process).
 */
static int load_log_keep(const char *line)
{
	return !strstr(line, "feature probe: ") && strncmp(line, "libbpf: struct_ops ", 19) != 0 &&
	       !strstr(line, "loaded kernel BTF from '");
}

/* Replace "fd=<n>" by "fd=N" and the private bpffs path by ROOT. */
static void normalise(char *out, size_t cap, const char *in)
{
	size_t o = 0, rl = pin_root_dir ? strlen(pin_root_dir) : 0;

	while (*in && o + 8 < cap) {
		if (strncmp(in, "fd=", 3) == 0) {
			memcpy(out + o, "fd=N", 4);
			o += 4;
			in += 3;
			while (*in >= '0' && *in <= '9')
				in++;
		} else if (rl && strncmp(in, pin_root_dir, rl) == 0) {
			memcpy(out + o, "ROOT", 4);
			o += 4;
			in += rl;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = 0;
}

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	int n;

	if (getenv("LOAD_DIFF_VERBOSE")) {
		va_list cp;

		va_copy(cp, ap);
		vfprintf(stderr, fmt, cp);
		va_end(cp);
	}
	n = vasprintf(&msg, fmt, ap);
	if (n < 0)
		return 0;
	if (level == LIBBPF_WARN) {
		append(&warnings, &warnings_len, msg, n);
	} else if (in_load && load_log_keep(msg)) {
		char *norm = malloc(2 * n + 16);

		normalise(norm, 2 * n + 16, msg);
		append(&load_log, &load_log_len, norm, strlen(norm));
		free(norm);
	}
	free(msg);
	return 0;
}

/* ---- main ----------------------------------------------------------------------------------- */

static int in_list(const char **list, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

static int refused_here(const struct bpf_program *prog)
{
	static const char *pfx[] = { "fentry", "fexit", "fmod_ret", "lsm", "kprobe", "kretprobe",
				     "ksyscall", "kretsyscall", "freplace" };
	const char *sec = bpf_program__section_name(prog);

	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		size_t n = strlen(pfx[i]);

		if (strncmp(sec, pfx[i], n) == 0 && (sec[n] == '/' || sec[n] == '.' || sec[n] == 0))
			return 1;
	}
	return 0;
}

/* Autoload and autocreate as the command line says. */
static void configure(struct bpf_object *obj, int skip_refused)
{
	struct bpf_program *prog;
	struct bpf_map *map;

	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);

		if (skip_refused && refused_here(prog))
			bpf_program__set_autoload(prog, false);
		if (in_list(autoload_on, n_on, name))
			bpf_program__set_autoload(prog, true);
		if (in_list(autoload_off, n_off, name))
			bpf_program__set_autoload(prog, false);
	}
	bpf_object__for_each_map(map, obj)
		if (in_list(autocreate_off, n_nocreate, bpf_map__name(map)))
			bpf_map__set_autocreate(map, false);
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	char pin_root[] = "/tmp/load_diff.XXXXXX";
	int skip_refused = 0, pinned_before = 0, argi = 1, err;
	static char kconfig[4096];
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *map;
	const char *path;

	for (; argi < argc && strncmp(argv[argi], "--", 2) == 0; argi++) {
		const char *a = argv[argi];

		if (strcmp(a, "--skip-refused") == 0) {
			skip_refused = 1;
		} else if (argi + 1 < argc && strcmp(a, "--autoload") == 0 && n_on < MAX_ARGS) {
			autoload_on[n_on++] = argv[++argi];
		} else if (argi + 1 < argc && strcmp(a, "--no-autoload") == 0 && n_off < MAX_ARGS) {
			autoload_off[n_off++] = argv[++argi];
		} else if (argi + 1 < argc && strcmp(a, "--no-autocreate") == 0 &&
			   n_nocreate < MAX_ARGS) {
			autocreate_off[n_nocreate++] = argv[++argi];
		} else if (argi + 1 < argc && strcmp(a, "--kconfig") == 0) {
			size_t l = strlen(kconfig);

			snprintf(kconfig + l, sizeof(kconfig) - l, "%s\n", argv[++argi]);
			opts.kconfig = kconfig;
		} else if (strcmp(a, "--pinned-before") == 0) {
			pinned_before = 1;
		} else {
			break;
		}
	}
	if (argi + 1 != argc) {
		fprintf(stderr, "usage: %s [--skip-refused] [--autoload P]... [--no-autoload P]... "
				"[--no-autocreate M]... [--kconfig LINE]... [--pinned-before] OBJECT.bpf.o\n",
			argv[0]);
		return 2;
	}
	path = argv[argi];
	oxt_require_root();
	oxt_require_vmlinux_btf();
	libbpf_set_print(capture);

	/* (OXT_ASSERT evaluates its condition twice: no side effects in it.) */
	if (!mkdtemp(pin_root) || mount("bpf", pin_root, "bpf", 0, NULL) != 0) {
		fprintf(stderr, "a private bpffs on %s: %s\n", pin_root, strerror(errno));
		return 1;
	}
	opts.pin_root_path = pin_root;

	if (pinned_before) {
		obj = bpf_object__open_file(path, &opts);
		if (!obj) {
			printf("open (first): %s\n", errname(errno));
			goto out_umount;
		}
		configure(obj, skip_refused);
		err = bpf_object__load(obj);
		printf("first load: %s\n", err ? errname(err) : "ok");
		bpf_object__close(obj);
		free(warnings);
		warnings = NULL;
		warnings_len = 0;
	}
	obj = bpf_object__open_file(path, &opts);
	if (!obj) {
		printf("open: %s\n", errname(errno));
		goto out_umount;
	}
	configure(obj, skip_refused);

	pin_root_dir = pin_root;
	in_load = 1;
	err = bpf_object__load(obj);
	in_load = 0;
	printf("object %s\nload: %s\n", bpf_object__name(obj), err ? errname(err) : "ok");

	bpf_object__for_each_map(map, obj) {
		if (n_obj_maps < 256) {
			obj_maps[n_obj_maps].id = map_id_of_fd(bpf_map__fd(map));
			snprintf(obj_maps[n_obj_maps++].name, 64, "%s", bpf_map__name(map));
		}
	}
	bpf_object__for_each_program(prog, obj) {
		if (n_obj_progs < 256) {
			obj_progs[n_obj_progs].id = prog_id_of_fd(bpf_program__fd(prog));
			snprintf(obj_progs[n_obj_progs++].name, 64, "%s", bpf_program__name(prog));
		}
	}

	bpf_object__for_each_program(prog, obj)
		dump_prog(obj, prog);
	bpf_object__for_each_map(map, obj)
		dump_map(map, pin_root);

	{
		int bfd = bpf_object__btf_fd(obj);
		struct bpf_btf_info bi;

		memset(&bi, 0, sizeof(bi));
		if (bfd >= 0 && obj_info(bfd, &bi, sizeof(bi)) == 0) {
			struct btf_view v;

			if (btf_view_load(bi.id, &v) == 0) {
				printf("btf: %u bytes, %u types, fnv1a %016llx\n", v.size,
				       v.n_types - 1, oxt_fnv1a(v.raw, v.size));
				btf_view_free(&v);
			}
		} else {
			printf("btf: not loaded\n");
		}
	}
	printf("load log (info, debug):\n%s", load_log ? load_log : "");
	if (load_log && load_log[load_log_len - 1] != '\n')
		printf("\n");
	printf("warnings:\n%s", warnings ? warnings : "");
	if (warnings && warnings[warnings_len - 1] != '\n')
		printf("\n");
	bpf_object__close(obj);
out_umount:
	umount2(pin_root, MNT_DETACH);
	rmdir(pin_root);
	return 0;
}
