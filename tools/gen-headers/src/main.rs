//! Generates oxbpf's public C headers, `include/bpf/*.h`, so that C code written against libbpf
//! 1.5 compiles against them unchanged.
//!
//! ```text
//! cargo run -p gen-headers                 # regenerate include/bpf/ in place
//! cargo run -p gen-headers -- --check      # exit 1 if the committed headers are stale
//! ```
//!
//! Each header is hand-written C text (guards, includes, enums, macros, inline helpers: the
//! parts Rust cannot express) around a body that cbindgen produces from a fixed list of source
//! files (see [`HEADERS`]). A listed file that does not exist yet is skipped with a note, so the
//! header simply declares nothing from it.
//!
//! How Rust spellings become libbpf's C spellings:
//! * [`TYPE_NAMES`] maps Rust type names to their C spelling and keeps cbindgen from defining
//!   them: handle types (`Object` → `struct bpf_object`), enum aliases (`bpf_prog_type` →
//!   `enum bpf_prog_type`), `CBool` → `bool`, and C types we only point to (`bpf_insn` →
//!   `struct bpf_insn`). A header's own [`Header::foreign`] adds types defined by another of our
//!   headers (libbpf.h only points to bpf.h's `struct bpf_prog_load_opts`).
//! * Every `#[repr(C)] pub struct` and every `pub type` naming an `extern "C" fn` in a header's
//!   source files is emitted even if no function of that file uses it yet.
//! * After cbindgen: `uint32_t`/`uint64_t`/`int32_t`/… become the kernel's `__u32`/`__u64`/
//!   `__s32`/… (upstream's spelling; `__u64` and `uint64_t` are different C types), a `__u32`
//!   field named `_removed_*` becomes an unnamed `__u32 :32;` member, every struct or union the
//!   body mentions without defining is forward-declared, and each options struct gets
//!   upstream's `<name>__last_field` macro.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Rust type name → C spelling, for every header. None of these is ever defined by cbindgen.
/// Add a line when a new handle type or enum alias appears in the FFI layer.
const TYPE_NAMES: &[(&str, &str)] = &[
    // Handles owned by the library (see src/ffi/handle.rs).
    ("Object", "struct bpf_object"),
    ("Map", "struct bpf_map"),
    ("Program", "struct bpf_program"),
    ("Link", "struct bpf_link"),
    ("Linker", "struct bpf_linker"),
    ("Btf", "struct btf"),
    ("BtfExt", "struct btf_ext"),
    ("BtfDump", "struct btf_dump"),
    ("RingBuffer", "struct ring_buffer"),
    ("Ring", "struct ring"),
    ("UserRingBuffer", "struct user_ring_buffer"),
    ("PerfBuffer", "struct perf_buffer"),
    ("ProgLinfo", "struct bpf_prog_linfo"),
    // Value types.
    ("CBool", "bool"),
    ("va_list", "va_list"),
    // Enum-typed parameters and fields (u32/c_int aliases in src/ffi/types.rs).
    ("bpf_prog_type", "enum bpf_prog_type"),
    ("bpf_attach_type", "enum bpf_attach_type"),
    ("bpf_map_type", "enum bpf_map_type"),
    ("bpf_link_type", "enum bpf_link_type"),
    ("bpf_func_id", "enum bpf_func_id"),
    ("bpf_stats_type", "enum bpf_stats_type"),
    ("libbpf_print_level", "enum libbpf_print_level"),
    ("probe_attach_mode", "enum probe_attach_mode"),
    ("bpf_tc_attach_point", "enum bpf_tc_attach_point"),
    ("libbpf_strict_mode", "enum libbpf_strict_mode"),
    ("bpf_perf_event_ret", "enum bpf_perf_event_ret"),
    ("btf_endianness", "enum btf_endianness"),
    ("btf_fwd_kind", "enum btf_fwd_kind"),
    ("btf_func_linkage", "enum btf_func_linkage"),
    // C types the API only points to, defined by system headers or libbpf internals.
    ("bpf_iter_link_info", "union bpf_iter_link_info"),
    ("perf_event_header", "struct perf_event_header"),
    ("perf_event_attr", "struct perf_event_attr"),
    ("bpf_insn", "struct bpf_insn"),
    ("bpf_prog_info", "struct bpf_prog_info"),
    ("bpf_map_info", "struct bpf_map_info"),
    ("bpf_btf_info", "struct bpf_btf_info"),
    ("bpf_link_info", "struct bpf_link_info"),
    ("bpf_line_info", "struct bpf_line_info"),
    ("bpf_func_info", "struct bpf_func_info"),
    ("btf_type", "struct btf_type"),
    ("btf_ext", "struct btf_ext"),
];

/// C types from system headers that may appear by name in Rust signatures (`libc::pid_t`).
const SYSTEM_TYPES: &[&str] = &["pid_t", "FILE"];

/// Collects the names cbindgen could not resolve ("Can't find X. ..."), so that a Rust type
/// missing from [`TYPE_NAMES`] fails generation instead of reaching a header verbatim.
struct Unresolved(std::sync::Mutex<BTreeSet<String>>);

static UNRESOLVED: Unresolved = Unresolved(std::sync::Mutex::new(BTreeSet::new()));

impl log::Log for Unresolved {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::Level::Warn
    }
    fn log(&self, r: &log::Record) {
        let msg = r.args().to_string();
        if let Some(name) = msg.strip_prefix("Can't find ").and_then(|m| m.split('.').next()) {
            self.0.lock().unwrap().insert(name.to_string());
        }
    }
    fn flush(&self) {}
}

/// One generated header.
struct Header {
    /// File name under include/bpf/.
    file: &'static str,
    /// Include guard (upstream's, so mixing in code that tests it keeps working).
    guard: &'static str,
    /// What the header is for, for its banner.
    summary: &'static str,
    /// `#include` lines, in order.
    includes: &'static [&'static str],
    /// Rust sources (relative to the repository root) whose exports form the body.
    sources: &'static [&'static str],
    /// Extra Rust name → C spelling entries for types another of our headers defines.
    foreign: &'static [(&'static str, &'static str)],
    /// Whether declarations are wrapped in `extern "C"` for C++.
    extern_c: bool,
    /// C text before the generated body.
    preamble: &'static str,
    /// C text after the generated body.
    trailer: &'static str,
}

const HEADERS: &[Header] = &[
    Header {
        file: "libbpf_version.h",
        guard: "__LIBBPF_VERSION_H",
        summary: "The libbpf API version these headers provide.",
        includes: &[],
        sources: &[],
        foreign: &[],
        extern_c: false,
        preamble: VERSION_PREAMBLE,
        trailer: "",
    },
    Header {
        file: "libbpf_common.h",
        guard: "__LIBBPF_LIBBPF_COMMON_H",
        summary: "Macros shared by the libbpf headers: export and deprecation markers, options \
                  declaration.",
        includes: &["<string.h>", "\"libbpf_version.h\""],
        sources: &[],
        foreign: &[],
        extern_c: false,
        preamble: COMMON_PREAMBLE,
        trailer: "",
    },
    Header {
        file: "libbpf_legacy.h",
        guard: "__LIBBPF_LEGACY_BPF_H",
        summary: "APIs kept for programs written before libbpf 1.0; prefer the libbpf.h ones.",
        includes: &["<linux/bpf.h>", "<stdbool.h>", "<stddef.h>", "<stdint.h>", "\"libbpf_common.h\""],
        sources: &["src/ffi/legacy.rs"],
        foreign: &[],
        extern_c: true,
        preamble: LEGACY_PREAMBLE,
        trailer: "",
    },
    Header {
        file: "libbpf.h",
        guard: "__LIBBPF_LIBBPF_H",
        summary: "BPF objects, maps, programs, links and skeletons: open, load, attach.",
        includes: &[
            "<stdarg.h>",
            "<stdbool.h>",
            "<stddef.h>",
            "<stdint.h>",
            "<stdio.h>",
            "<sys/types.h>",
            "<linux/bpf.h>",
            "\"libbpf_common.h\"",
            "\"libbpf_legacy.h\"",
        ],
        sources: &[
            "src/ffi/types.rs",
            "src/ffi/object.rs",
            "src/ffi/map.rs",
            "src/ffi/program.rs",
            "src/ffi/skeleton.rs",
            "src/ffi/print.rs",
            "src/ffi/names.rs",
            "src/ffi/link.rs",
            "src/ffi/linker.rs",
            "src/ffi/attach.rs",
            "src/ffi/ringbuf.rs",
            "src/ffi/perfbuf.rs",
            "src/ffi/netlink.rs",
            "src/ffi/linfo.rs",
            "src/ffi/probe.rs",
        ],
        foreign: &[
            ("bpf_prog_load_opts", "struct bpf_prog_load_opts"),
            ("bpf_prog_assoc_struct_ops_opts", "struct bpf_prog_assoc_struct_ops_opts"),
        ],
        extern_c: true,
        preamble: LIBBPF_PREAMBLE,
        trailer: LIBBPF_TRAILER,
    },
    Header {
        file: "bpf.h",
        guard: "__LIBBPF_BPF_H",
        summary: "Thin wrappers of the bpf(2) commands, working on file descriptors.",
        includes: &[
            "<linux/bpf.h>",
            "<stdbool.h>",
            "<stddef.h>",
            "<stdint.h>",
            "\"libbpf_common.h\"",
            "\"libbpf_legacy.h\"",
        ],
        sources: &["src/ffi/types_bpf.rs", "src/ffi/bpf/mod.rs", "src/ffi/bpf17.rs"],
        foreign: &[],
        extern_c: true,
        preamble: BPF_PREAMBLE,
        trailer: "",
    },
    Header {
        file: "btf.h",
        guard: "__LIBBPF_BTF_H",
        summary: "BPF Type Format: loading, querying and building BTF, plus inline helpers for \
                  walking raw BTF type records.",
        includes: &[
            "<stdarg.h>",
            "<stdbool.h>",
            "<stddef.h>",
            "<linux/btf.h>",
            "<linux/types.h>",
            "\"libbpf_common.h\"",
        ],
        sources: &[
            "src/ffi/types_btf.rs",
            "src/ffi/btf.rs",
            "src/ffi/btf_write.rs",
            "src/ffi/btf_dump.rs",
            "src/ffi/btf_dedup.rs",
        ],
        foreign: &[],
        extern_c: true,
        preamble: BTF_PREAMBLE,
        trailer: BTF_TRAILER,
    },
];

const VERSION_PREAMBLE: &str = r#"#define LIBBPF_MAJOR_VERSION 1
#define LIBBPF_MINOR_VERSION 7
"#;

const COMMON_PREAMBLE: &str = r#"/* Defined by oxbpf's headers only: code that must tell them from upstream libbpf's tests it
 * (e.g. to use bpf_object_open_opts.struct_ops_shadow). */
#define OXBPF_HEADERS 1

/* Marks the library's exported functions. Predefine it to override. */
#ifndef LIBBPF_API
#define LIBBPF_API __attribute__((visibility("default")))
#endif

/* Deprecation markers. LIBBPF_DEPRECATED_SINCE(M, m, msg) only takes effect once these headers
 * are at version M.m or later, and only for the versions that have a
 * __LIBBPF_MARK_DEPRECATED_<M>_<m> switch below. */
#define LIBBPF_DEPRECATED(msg) __attribute__((deprecated(msg)))
#define LIBBPF_DEPRECATED_SINCE(major, minor, msg)                                              \
	__LIBBPF_MARK_DEPRECATED_##major##_##minor(                                              \
		LIBBPF_DEPRECATED("libbpf v" #major "." #minor "+: " msg))

#define __LIBBPF_CURRENT_VERSION_GEQ(major, minor)                                              \
	(LIBBPF_MAJOR_VERSION > (major) ||                                                       \
	 (LIBBPF_MAJOR_VERSION == (major) && LIBBPF_MINOR_VERSION >= (minor)))

#if __LIBBPF_CURRENT_VERSION_GEQ(1, 0)
#define __LIBBPF_MARK_DEPRECATED_1_0(X) X
#else
#define __LIBBPF_MARK_DEPRECATED_1_0(X)
#endif

/* ___libbpf_overload(NAME, args...) calls NAME<n>(args...), n being the number of arguments
 * (1 to 6): lets one API name take several argument lists. */
#define ___libbpf_cat(A, B) A##B
#define ___libbpf_select(NAME, NUM) ___libbpf_cat(NAME, NUM)
#define ___libbpf_nth(_1, _2, _3, _4, _5, _6, N, ...) N
#define ___libbpf_cnt(...) ___libbpf_nth(__VA_ARGS__, 6, 5, 4, 3, 2, 1)
#define ___libbpf_overload(NAME, ...)                                                           \
	___libbpf_select(NAME, ___libbpf_cnt(__VA_ARGS__))(__VA_ARGS__)

/* LIBBPF_OPTS(type, name, .field = value, ...) declares `struct type name` for an options
 * struct: every byte cleared (padding included, so the library's "unknown bytes must be zero"
 * check passes), `sz` set to sizeof(struct type), then the given fields set. */
#define LIBBPF_OPTS(TYPE, NAME, ...)                                                            \
	struct TYPE NAME = ({                                                                    \
		memset(&NAME, 0, sizeof(struct TYPE));                                           \
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };                         \
	})

/* LIBBPF_OPTS_RESET(name, .field = value, ...) re-initialises an options variable the same
 * way: cleared, `sz` set, the given fields set. */
#define LIBBPF_OPTS_RESET(NAME, ...)                                                            \
	do {                                                                                     \
		typeof(NAME) ___##NAME = ({                                                      \
			memset(&___##NAME, 0, sizeof(NAME));                                     \
			(typeof(NAME)){ .sz = sizeof(NAME), __VA_ARGS__ };                       \
		});                                                                              \
		memcpy(&NAME, &___##NAME, sizeof(NAME));                                         \
	} while (0)
"#;

const LEGACY_PREAMBLE: &str = r#"/* Pre-1.0 behaviour switches for libbpf_set_strict_mode(). Since 1.0 every strict behaviour
 * is always on and the call changes nothing; the names remain so old code still builds. */
enum libbpf_strict_mode {
	LIBBPF_STRICT_ALL = 0xffffffff,
	LIBBPF_STRICT_NONE = 0x00,
	LIBBPF_STRICT_CLEAN_PTRS = 0x01,
	LIBBPF_STRICT_DIRECT_ERRS = 0x02,
	LIBBPF_STRICT_SEC_NAME = 0x04,
	LIBBPF_STRICT_NO_OBJECT_LIST = 0x08,
	LIBBPF_STRICT_AUTO_RLIMIT_MEMLOCK = 0x10,
	LIBBPF_STRICT_MAP_DEFINITIONS = 0x20,
	__LIBBPF_STRICT_LAST,
};

/* Older name of LIBBPF_OPTS(). */
#define DECLARE_LIBBPF_OPTS LIBBPF_OPTS
"#;

const LIBBPF_PREAMBLE: &str = r#"/* libbpf-specific error codes, returned negated like errno values. */
enum libbpf_errno {
	__LIBBPF_ERRNO__START = 4000,
	LIBBPF_ERRNO__LIBELF = __LIBBPF_ERRNO__START, /* ELF library failure */
	LIBBPF_ERRNO__FORMAT,   /* malformed BPF object */
	LIBBPF_ERRNO__KVERSION, /* missing or bad kernel version section */
	LIBBPF_ERRNO__ENDIAN,   /* object built for the other byte order */
	LIBBPF_ERRNO__INTERNAL, /* library bug */
	LIBBPF_ERRNO__RELOC,    /* relocation failed */
	LIBBPF_ERRNO__LOAD,     /* program load failed, reason unknown */
	LIBBPF_ERRNO__VERIFY,   /* rejected by the verifier */
	LIBBPF_ERRNO__PROG2BIG, /* program too large */
	LIBBPF_ERRNO__KVER,     /* kernel version mismatch */
	LIBBPF_ERRNO__PROGTYPE, /* program type unsupported by the kernel */
	LIBBPF_ERRNO__WRNGPID,  /* netlink reply for another pid */
	LIBBPF_ERRNO__INVSEQ,   /* netlink sequence mismatch */
	LIBBPF_ERRNO__NLPARSE,  /* malformed netlink message */
	__LIBBPF_ERRNO__END,
};

/* Severity of a message handed to the libbpf_set_print() callback. */
enum libbpf_print_level {
	LIBBPF_WARN,
	LIBBPF_INFO,
	LIBBPF_DEBUG,
};

/* How kprobes and uprobes are attached; a mode the kernel lacks fails with -EOPNOTSUPP. */
enum probe_attach_mode {
	PROBE_ATTACH_MODE_DEFAULT = 0, /* the best the kernel offers */
	PROBE_ATTACH_MODE_LEGACY,      /* tracefs probe events */
	PROBE_ATTACH_MODE_PERF,        /* perf_event_open() */
	PROBE_ATTACH_MODE_LINK,        /* a BPF link */
};

/* Where a TC hook sits. */
enum bpf_tc_attach_point {
	BPF_TC_INGRESS = 1 << 0,
	BPF_TC_EGRESS = 1 << 1,
	BPF_TC_CUSTOM = 1 << 2,
	BPF_TC_QDISC = 1 << 3,
};

/* TC parent handle from major and minor numbers. */
#define BPF_TC_PARENT(a, b) ((((a) << 16) & 0xFFFF0000U) | ((b) & 0x0000FFFFU))

enum bpf_tc_flags {
	BPF_TC_F_REPLACE = 1 << 0,
};

/* What a raw perf buffer callback returns. */
enum bpf_perf_event_ret {
	LIBBPF_PERF_EVENT_DONE = 0,
	LIBBPF_PERF_EVENT_ERROR = -1,
	LIBBPF_PERF_EVENT_CONT = -2,
};

/* Value of a tristate Kconfig extern. */
enum libbpf_tristate {
	TRI_NO = 0,
	TRI_YES = 1,
	TRI_MODULE = 2,
};

/* Note: BPF_SKEL_SUPPORTS_MAP_AUTO_ATTACH is defined by skeletons that have struct_ops link
 * slots (bpftool 7.5 and later), not by this header. */
"#;

const LIBBPF_TRAILER: &str = r#"/* Iterate over an object's programs or maps. */
#define bpf_object__for_each_program(pos, obj)                                                  \
	for ((pos) = bpf_object__next_program((obj), NULL); (pos) != NULL;                       \
	     (pos) = bpf_object__next_program((obj), (pos)))

#define bpf_object__for_each_map(pos, obj)                                                      \
	for ((pos) = bpf_object__next_map((obj), NULL); (pos) != NULL;                           \
	     (pos) = bpf_object__next_map((obj), (pos)))

#define bpf_map__for_each bpf_object__for_each_map

/* oxbpf's extension block of bpf_object_open_opts: oxbpf reads it only from the last 16 bytes
 * of the caller's struct (by .sz) and only when it starts with this magic, so fields a newer
 * upstream libbpf adds never collide with it. Upstream libbpf refuses options carrying it
 * (-EINVAL): pass it only when running on liboxbpf. Use inside LIBBPF_OPTS():
 *   LIBBPF_OPTS(bpf_object_open_opts, opts, OXBPF_STRUCT_OPS_SHADOW(&info));  */
#define OXBPF_OPEN_OPTS_EXT_MAGIC 0xb9f00bbf0e275adeULL
#define OXBPF_STRUCT_OPS_SHADOW(info) .oxbpf_ext_magic = OXBPF_OPEN_OPTS_EXT_MAGIC, .struct_ops_shadow = (info)
"#;

const BPF_PREAMBLE: &str = r#"/* Legacy map definition flag: accept unknown trailing attributes. */
#define MAPS_RELAX_COMPAT 0x01

/* Largest verifier log buffer kernels up to 5.1 accept. */
#define BPF_LOG_BUF_SIZE (UINT32_MAX >> 8)
"#;

const BTF_PREAMBLE: &str = r#"/* ELF section names of BPF objects. */
#define BTF_ELF_SEC ".BTF"
#define BTF_EXT_ELF_SEC ".BTF.ext"
#define BTF_BASE_ELF_SEC ".BTF.base"
#define MAPS_ELF_SEC ".maps"

enum btf_endianness {
	BTF_LITTLE_ENDIAN = 0,
	BTF_BIG_ENDIAN = 1,
};

/* What a BTF forward declaration declares. */
enum btf_fwd_kind {
	BTF_FWD_STRUCT = 0,
	BTF_FWD_UNION = 1,
	BTF_FWD_ENUM = 2,
};
"#;

const BTF_TRAILER: &str = r#"/*
 * Inline helpers for reading raw BTF records, as returned by btf__type_by_id().
 *
 * A `struct btf_type` is followed by kind-specific data: a __u32 for INT, a struct btf_array for
 * ARRAY, vlen struct btf_member for STRUCT/UNION, vlen struct btf_enum (ENUM) or btf_enum64
 * (ENUM64), vlen struct btf_param for FUNC_PROTO, a struct btf_var for VAR, vlen
 * struct btf_var_secinfo for DATASEC and a struct btf_decl_tag for DECL_TAG.
 *
 * `info` packs the record's vlen (bits 0-15), kind (bits 24-28) and kind flag (bit 31).
 */

/* Kinds newer than some installed <linux/btf.h>; these values are fixed by the BTF format. */
#ifndef BTF_KIND_FUNC
#define BTF_KIND_FUNC 12
#define BTF_KIND_FUNC_PROTO 13
#endif
#ifndef BTF_KIND_VAR
#define BTF_KIND_VAR 14
#define BTF_KIND_DATASEC 15
#endif
#ifndef BTF_KIND_FLOAT
#define BTF_KIND_FLOAT 16
#endif
/* Recent kernel headers declare these as enumerators, never as macros. */
#define BTF_KIND_DECL_TAG 17
#define BTF_KIND_TYPE_TAG 18
#define BTF_KIND_ENUM64 19

/* Not declared by older kernel headers; only pointed to here. */
struct btf_enum64;
struct btf_decl_tag;

static inline __u16 btf_kind(const struct btf_type *t)
{
	return (__u16)((t->info >> 24) & 0x1f);
}

static inline __u16 btf_vlen(const struct btf_type *t)
{
	return (__u16)(t->info & 0xffff);
}

static inline bool btf_kflag(const struct btf_type *t)
{
	return (t->info >> 31) != 0;
}

static inline bool btf_is_void(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_UNKN; }
static inline bool btf_is_int(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_INT; }
static inline bool btf_is_ptr(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_PTR; }
static inline bool btf_is_array(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_ARRAY; }
static inline bool btf_is_struct(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_STRUCT; }
static inline bool btf_is_union(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_UNION; }
static inline bool btf_is_enum(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_ENUM; }
static inline bool btf_is_enum64(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_ENUM64; }
static inline bool btf_is_fwd(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_FWD; }
static inline bool btf_is_typedef(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_TYPEDEF; }
static inline bool btf_is_volatile(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_VOLATILE; }
static inline bool btf_is_const(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_CONST; }
static inline bool btf_is_restrict(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_RESTRICT; }
static inline bool btf_is_func(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_FUNC; }
static inline bool btf_is_func_proto(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_FUNC_PROTO; }
static inline bool btf_is_var(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_VAR; }
static inline bool btf_is_datasec(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_DATASEC; }
static inline bool btf_is_float(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_FLOAT; }
static inline bool btf_is_decl_tag(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_DECL_TAG; }
static inline bool btf_is_type_tag(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_TYPE_TAG; }

/* STRUCT or UNION. */
static inline bool btf_is_composite(const struct btf_type *t)
{
	return btf_is_struct(t) || btf_is_union(t);
}

/* A qualifier or type tag: volatile, const, restrict, TYPE_TAG. */
static inline bool btf_is_mod(const struct btf_type *t)
{
	return btf_is_volatile(t) || btf_is_const(t) || btf_is_restrict(t) || btf_is_type_tag(t);
}

/* ENUM or ENUM64. */
static inline bool btf_is_any_enum(const struct btf_type *t)
{
	return btf_is_enum(t) || btf_is_enum64(t);
}

/* Same kind, counting ENUM and ENUM64 as one (what CO-RE matching accepts). */
static inline bool btf_kind_core_compat(const struct btf_type *t1, const struct btf_type *t2)
{
	return btf_kind(t1) == btf_kind(t2) || (btf_is_any_enum(t1) && btf_is_any_enum(t2));
}

/* INT: the __u32 after the record holds encoding (bits 24-27), bit offset (16-23) and bit
 * width (0-7). */
static inline __u32 __btf_int_data(const struct btf_type *t)
{
	return *(const __u32 *)(t + 1);
}

static inline __u8 btf_int_encoding(const struct btf_type *t)
{
	return (__u8)((__btf_int_data(t) >> 24) & 0x0f);
}

static inline __u8 btf_int_offset(const struct btf_type *t)
{
	return (__u8)((__btf_int_data(t) >> 16) & 0xff);
}

static inline __u8 btf_int_bits(const struct btf_type *t)
{
	return (__u8)(__btf_int_data(t) & 0xff);
}

static inline struct btf_array *btf_array(const struct btf_type *t)
{
	return (struct btf_array *)(t + 1);
}

static inline struct btf_enum *btf_enum(const struct btf_type *t)
{
	return (struct btf_enum *)(t + 1);
}

static inline struct btf_enum64 *btf_enum64(const struct btf_type *t)
{
	return (struct btf_enum64 *)(t + 1);
}

/* The 64-bit value of an ENUM64 entry: three __u32s, name offset then low and high halves
 * (read as words so this builds with kernel headers that predate struct btf_enum64). */
static inline __u64 btf_enum64_value(const struct btf_enum64 *e)
{
	const __u32 *w = (const __u32 *)e;

	return ((__u64)w[2] << 32) | w[1];
}

static inline struct btf_member *btf_members(const struct btf_type *t)
{
	return (struct btf_member *)(t + 1);
}

/* Bit offset of member `member_idx`. With the kind flag set, `offset` packs the bitfield size
 * in its top 8 bits and the bit offset in the low 24. */
static inline __u32 btf_member_bit_offset(const struct btf_type *t, __u32 member_idx)
{
	__u32 off = btf_members(t)[member_idx].offset;

	return btf_kflag(t) ? (off & 0xffffff) : off;
}

/* Bitfield size of member `member_idx`, 0 if it is not a bitfield (or the kind flag is off). */
static inline __u32 btf_member_bitfield_size(const struct btf_type *t, __u32 member_idx)
{
	__u32 off = btf_members(t)[member_idx].offset;

	return btf_kflag(t) ? (off >> 24) : 0;
}

static inline struct btf_param *btf_params(const struct btf_type *t)
{
	return (struct btf_param *)(t + 1);
}

static inline struct btf_var *btf_var(const struct btf_type *t)
{
	return (struct btf_var *)(t + 1);
}

static inline struct btf_var_secinfo *btf_var_secinfos(const struct btf_type *t)
{
	return (struct btf_var_secinfo *)(t + 1);
}

static inline struct btf_decl_tag *btf_decl_tag(const struct btf_type *t)
{
	return (struct btf_decl_tag *)(t + 1);
}
"#;

/// Fixed-width integer spellings cbindgen prints, and the kernel types upstream uses instead.
const INT_TYPES: &[(&str, &str)] = &[
    ("uint8_t", "__u8"),
    ("uint16_t", "__u16"),
    ("uint32_t", "__u32"),
    ("uint64_t", "__u64"),
    ("int8_t", "__s8"),
    ("int16_t", "__s16"),
    ("int32_t", "__s32"),
    ("int64_t", "__s64"),
];

/// The names of the items in `src` that a header must contain even if nothing uses them:
/// `#[repr(C)]` structs and unions, and type aliases of `extern "C"` function pointers.
fn exported_types(src: &str, path: &Path) -> Result<Vec<String>, String> {
    let file = syn::parse_file(src).map_err(|e| format!("{}: {e}", path.display()))?;
    let repr_c = |attrs: &[syn::Attribute]| {
        attrs.iter().any(|a| {
            a.path().is_ident("repr")
                && a.parse_args_with(syn::punctuated::Punctuated::<syn::Ident, syn::Token![,]>::parse_terminated)
                    .is_ok_and(|ids| ids.iter().any(|i| i == "C"))
        })
    };
    let public = |v: &syn::Visibility| matches!(v, syn::Visibility::Public(_));
    let mut names = Vec::new();
    for item in &file.items {
        match item {
            syn::Item::Struct(s) if public(&s.vis) && repr_c(&s.attrs) => names.push(s.ident.to_string()),
            syn::Item::Union(u) if public(&u.vis) && repr_c(&u.attrs) => names.push(u.ident.to_string()),
            syn::Item::Type(t) if public(&t.vis) && names_c_fn(&t.ty) => names.push(t.ident.to_string()),
            _ => {}
        }
    }
    Ok(names)
}

/// Whether a type is, or wraps (as in `Option<...>`), an `extern "C"` function pointer.
fn names_c_fn(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::BareFn(f) => f.abi.as_ref().and_then(|a| a.name.as_ref()).is_some_and(|n| n.value() == "C"),
        syn::Type::Path(p) => p.path.segments.iter().any(|seg| match &seg.arguments {
            syn::PathArguments::AngleBracketed(args) => args.args.iter().any(|a| match a {
                syn::GenericArgument::Type(t) => names_c_fn(t),
                _ => false,
            }),
            _ => false,
        }),
        _ => false,
    }
}

/// The cbindgen configuration shared by all headers.
fn cbindgen_config(h: &Header, include: Vec<String>) -> cbindgen::Config {
    let mut cfg = cbindgen::Config {
        language: cbindgen::Language::C,
        style: cbindgen::Style::Tag,
        cpp_compat: false,
        no_includes: true,
        usize_is_size_t: true,
        line_length: 100,
        tab_width: 8,
        documentation: true,
        documentation_style: cbindgen::DocumentationStyle::Doxy,
        sort_by: cbindgen::SortKey::None,
        ..Default::default()
    };
    cfg.function.prefix = Some("LIBBPF_API".into());
    cfg.function.sort_by = Some(cbindgen::SortKey::None);
    cfg.function.deprecated = Some("LIBBPF_DEPRECATED(\"deprecated\")".into());
    cfg.function.deprecated_with_note = Some("LIBBPF_DEPRECATED({})".into());
    cfg.export.item_types = vec![
        cbindgen::ItemType::Structs,
        cbindgen::ItemType::Unions,
        cbindgen::ItemType::Typedefs,
        cbindgen::ItemType::Functions,
    ];
    for (rust, c) in TYPE_NAMES.iter().chain(h.foreign) {
        cfg.export.rename.insert((*rust).into(), (*c).into());
        cfg.export.exclude.push((*rust).into());
    }
    cfg.export.include = include.into_iter().filter(|n| !cfg.export.exclude.contains(n)).collect();
    cfg
}

/// Replace whole-word occurrences of `from` with `to`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while let Some(i) = rest.find(from) {
        let before_ok = !rest[..i].chars().next_back().is_some_and(is_ident);
        let after_ok = !rest[i + from.len()..].chars().next().is_some_and(is_ident);
        out.push_str(&rest[..i]);
        out.push_str(if before_ok && after_ok { to } else { from });
        rest = &rest[i + from.len()..];
    }
    out.push_str(rest);
    out
}

/// The C identifiers that follow `keyword ` in `text` (e.g. every `struct X`).
fn tagged_names(text: &str, keyword: &str) -> Vec<(String, bool)> {
    let pat = format!("{keyword} ");
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find(&pat) {
        let start = at + i;
        at = start + pat.len();
        let prev_ident = text[..start].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if prev_ident {
            continue;
        }
        let name: String = text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if name.is_empty() {
            continue;
        }
        let defines = text[at + name.len()..].starts_with(" {");
        out.push((name, defines));
    }
    out
}

/// `text` without its `/* */` and `//` comments (cbindgen emits no string literals).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let block = rest.find("/*");
        let line = rest.find("//");
        match (block, line) {
            (Some(b), l) if l.is_none_or(|l| b < l) => {
                out.push_str(&rest[..b]);
                out.push(' ');
                rest = rest[b + 2..].split_once("*/").map_or("", |(_, r)| r);
            }
            (_, Some(l)) => {
                out.push_str(&rest[..l]);
                rest = rest[l..].split_once('\n').map_or("", |(_, r)| r);
                out.push('\n');
            }
            _ => break,
        }
    }
    out.push_str(rest);
    out
}

/// cbindgen output → the header body: kernel integer names, unnamed slots, forward
/// declarations and `__last_field` macros.
fn post_process(body: &str) -> String {
    let mut body = body.trim().to_string();
    for (from, to) in INT_TYPES {
        body = replace_word(&body, from, to);
    }
    // `__u32 _removed_x;` → `__u32 :32;`
    let body: String = body
        .lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("__u32 _removed_") && t.ends_with(';') {
                format!("{}__u32 :32;", &l[..l.len() - t.len()])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");

    let code = strip_comments(&body);
    let mut fwd = BTreeSet::new();
    let mut defined = BTreeSet::new();
    for kw in ["struct", "union"] {
        for (name, defines) in tagged_names(&code, kw) {
            if defines {
                defined.insert(format!("{kw} {name}"));
            } else {
                fwd.insert(format!("{kw} {name}"));
            }
        }
    }
    let inlined = inline_anon_unions(&body);
    // Anonymous unions are now inline: their placeholder types need no declaration.
    let fwd: BTreeSet<String> =
        fwd.into_iter().filter(|f| !(f.starts_with("union ") && f.contains("__anon"))).collect();
    let mut out = String::new();
    let fwd: Vec<_> = fwd.difference(&defined).collect();
    if !fwd.is_empty() {
        out.push_str("/* Types used below only through pointers. */\n");
        for f in fwd {
            let _ = writeln!(out, "{f};");
        }
        out.push('\n');
    }
    out.push_str(&inlined);
    out.push('\n');

    // `#define <opts>__last_field <field>` for each options struct (first member `size_t sz`).
    let mut last_fields = String::new();
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("struct ").and_then(|l| l.strip_suffix(" {")) else {
            continue;
        };
        let members: Vec<&str> = lines
            .by_ref()
            .take_while(|l| *l != "};")
            .map(str::trim)
            .filter(|l| l.ends_with(';') && !l.starts_with("/*") && !l.starts_with('*'))
            .collect();
        let is_opts = members.first() == Some(&"size_t sz;") && !name.contains("skeleton");
        let last = members.iter().rev().find(|m| !m.ends_with(":32;"));
        if let (true, Some(last)) = (is_opts, last) {
            let field = last
                .trim_end_matches(';')
                .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or_default();
            let field = if field.starts_with("_anon") { anon_last_path(&body, name, field) } else { field.to_string() };
            let _ = writeln!(last_fields, "#define {name}__last_field {field}");
        }
    }
    if !last_fields.is_empty() {
        out.push_str("\n/* The last field of each options struct these headers know. */\n");
        out.push_str(&last_fields);
    }
    out
}

/// The members (trimmed declaration lines) of `keyword name { ... };` in `body`.
fn members_of<'a>(body: &'a str, keyword: &str, name: &str) -> Vec<&'a str> {
    let head = format!("{keyword} {name} {{");
    let mut lines = body.lines().skip_while(|l| *l != head);
    if lines.next().is_none() {
        return Vec::new();
    }
    lines
        .take_while(|l| *l != "};")
        .map(str::trim)
        .filter(|l| l.ends_with(';') && !l.starts_with("/*") && !l.starts_with('*'))
        .collect()
}

/// Upstream's `__last_field` names the last field reachable through an anonymous union:
/// `uprobe_multi.pid` rather than the placeholder `_anon0`.
fn anon_last_path(body: &str, strukt: &str, field: &str) -> String {
    let ty = format!("{strukt}_{field}");
    let Some(last) = members_of(body, "union", &ty).last().copied() else { return field.to_string() };
    let decl = last.trim_end_matches(';');
    let member = decl.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or_default();
    match decl.strip_prefix("struct ").and_then(|r| r.split_whitespace().next()) {
        Some(inner) => match members_of(body, "struct", inner).last() {
            Some(m) => {
                let f = m
                    .trim_end_matches(';')
                    .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or_default();
                format!("{member}.{f}")
            }
            None => member.to_string(),
        },
        None => member.to_string(),
    }
}

/// Rust cannot spell C's anonymous unions, so `types_bpf.rs` declares each as a union type
/// `<struct>__anonN` held in a field `_anonN`. Put them back the way upstream writes them: drop
/// the placeholder union's definition (and its doc comment) and replace the field with an inline
/// anonymous union holding the same members, so `opts.replace_fd` and `.kprobe_multi.cnt` work.
fn inline_anon_unions(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let mut unions: Vec<(String, Vec<String>)> = Vec::new();
    let mut keep = vec![true; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let Some(name) = l.strip_prefix("union ").and_then(|r| r.strip_suffix(" {")).filter(|n| n.contains("__anon"))
        else {
            i += 1;
            continue;
        };
        // The doc comment right above belongs to the placeholder.
        let mut start = i;
        if start > 0 && lines[start - 1].trim_end() == "*/" {
            while start > 0 && !lines[start - 1].trim_start().starts_with("/**") {
                start -= 1;
            }
            start = start.saturating_sub(1);
        }
        let mut end = i + 1;
        while end < lines.len() && lines[end] != "};" {
            end += 1;
        }
        let inner: Vec<String> = lines[i + 1..end.min(lines.len())].iter().map(|s| s.to_string()).collect();
        unions.push((name.to_string(), inner));
        for k in keep.iter_mut().take((end + 1).min(lines.len())).skip(start) {
            *k = false;
        }
        // Swallow one blank line after the block.
        if end + 1 < lines.len() && lines[end + 1].trim().is_empty() {
            keep[end + 1] = false;
        }
        i = end + 1;
    }
    let mut out = Vec::new();
    for (idx, l) in lines.iter().enumerate() {
        if !keep[idx] {
            continue;
        }
        let t = l.trim_start();
        let indent = &l[..l.len() - t.len()];
        let hit = unions.iter().find(|(n, _)| t.starts_with(&format!("union {n} ")) && t.ends_with(';'));
        match hit {
            Some((_, inner)) => {
                out.push(format!("{indent}union {{"));
                for m in inner {
                    out.push(format!("{indent}{m}"));
                }
                out.push(format!("{indent}}};"));
            }
            None => out.push(l.to_string()),
        }
    }
    out.join("\n")
}

/// Generate one header's text.
fn generate(root: &Path, h: &Header) -> Result<String, String> {
    let mut present = Vec::new();
    let mut include = Vec::new();
    for src in h.sources {
        let path = root.join(src);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                include.extend(exported_types(&text, &path)?);
                present.push(*src);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("gen-headers: note: {src} does not exist yet; {} declares nothing from it", h.file);
            }
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }

    let body = if present.is_empty() {
        String::new()
    } else {
        let mut builder = cbindgen::Builder::new().with_config(cbindgen_config(h, include));
        for src in &present {
            builder = builder.with_src(root.join(src));
        }
        UNRESOLVED.0.lock().unwrap().clear();
        let bindings = builder.generate().map_err(|e| format!("{}: cbindgen: {e}", h.file))?;
        let unknown: Vec<String> = std::mem::take(&mut *UNRESOLVED.0.lock().unwrap())
            .into_iter()
            .filter(|n| !SYSTEM_TYPES.contains(&n.as_str()) && !TYPE_NAMES.iter().chain(h.foreign).any(|(r, _)| r == n))
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "{}: no C spelling for Rust type(s) {}: use a type from src/ffi/types*.rs, or \
                 add the name to TYPE_NAMES (or SYSTEM_TYPES) in tools/gen-headers",
                h.file,
                unknown.join(", ")
            ));
        }
        let mut raw = Vec::new();
        bindings.write(&mut raw);
        post_process(&String::from_utf8(raw).map_err(|e| e.to_string())?)
    };

    let mut out = String::new();
    out.push_str("/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */\n/*\n");
    let _ = writeln!(out, " * {}: oxbpf's implementation of libbpf's <bpf/{}>.\n *", h.file, h.file);
    out.push_str(&comment_lines(h.summary));
    out.push_str(" *\n");
    let from = if present.is_empty() { String::new() } else { format!(" from {}", present.join(", ")) };
    out.push_str(&comment_lines(&format!("Generated by tools/gen-headers{from}.")));
    out.push_str(" * Do not edit; regenerate with: cargo run -p gen-headers\n");
    out.push_str(" */\n");
    let _ = writeln!(out, "#ifndef {}\n#define {}\n", h.guard, h.guard);
    if !h.includes.is_empty() {
        for inc in h.includes {
            let _ = writeln!(out, "#include {inc}");
        }
        out.push('\n');
    }
    if h.extern_c {
        out.push_str("#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    }
    for part in [h.preamble, &body, h.trailer] {
        if !part.is_empty() {
            out.push_str(part.trim_end());
            out.push_str("\n\n");
        }
    }
    if h.extern_c {
        out.push_str("#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n");
    }
    let _ = writeln!(out, "#endif /* {} */", h.guard);
    Ok(out)
}

/// `text` word-wrapped into ` * ` comment lines of at most 100 columns.
fn comment_lines(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && 3 + line.len() + 1 + word.len() > 100 {
            let _ = writeln!(out, " * {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, " * {line}");
    }
    out
}

/// A short account of how `old` and `new` differ, for `--check`.
fn diff_summary(old: &str, new: &str) -> String {
    let (a, b): (Vec<_>, Vec<_>) = (old.lines().collect(), new.lines().collect());
    let first = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    let changed = a.iter().zip(&b).filter(|(x, y)| x != y).count() + a.len().abs_diff(b.len());
    format!(
        "first difference at line {}: committed {:?}, generated {:?}; ~{} line(s) differ \
         (committed {} lines, generated {})",
        first + 1,
        a.get(first).copied().unwrap_or("<end of file>"),
        b.get(first).copied().unwrap_or("<end of file>"),
        changed,
        a.len(),
        b.len()
    )
}

fn main() -> ExitCode {
    if log::set_logger(&UNRESOLVED).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
    let mut check = false;
    let mut root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--check" => check = true,
            "--root" => match args.next() {
                Some(r) => root = PathBuf::from(r),
                None => {
                    eprintln!("gen-headers: --root needs a directory");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("usage: gen-headers [--check] [--root DIR]");
                println!("  Regenerates DIR/include/bpf/*.h (DIR: the oxbpf repository).");
                println!("  --check  change nothing; exit 1 if a committed header is stale");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("gen-headers: unknown argument {a:?} (try --help)");
                return ExitCode::from(2);
            }
        }
    }

    let dir = root.join("include/bpf");
    let mut stale = 0;
    for h in HEADERS {
        let text = match generate(&root, h) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("gen-headers: error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let path = dir.join(h.file);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(text.as_str()) {
            continue;
        }
        if check {
            stale += 1;
            match current {
                Some(old) => eprintln!("include/bpf/{}: stale: {}", h.file, diff_summary(&old, &text)),
                None => eprintln!("include/bpf/{}: missing", h.file),
            }
        } else {
            if let Err(e) = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, &text)) {
                eprintln!("gen-headers: error: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            println!("gen-headers: wrote include/bpf/{}", h.file);
        }
    }
    if stale > 0 {
        eprintln!("gen-headers: {stale} header(s) differ from a fresh generation; run `cargo run -p gen-headers`");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_replaced_whole() {
        assert_eq!(
            replace_word("uint32_t a; xuint32_t b; uint32_tx", "uint32_t", "__u32"),
            "__u32 a; xuint32_t b; uint32_tx"
        );
    }

    #[test]
    fn comments_are_stripped() {
        assert_eq!(strip_comments("a /* struct x */ b // struct y\nc"), "a   b \nc");
    }

    #[test]
    fn body_gets_forward_declarations_slots_and_last_fields() {
        let body = "/**\n * the struct as it is\n */\nstruct o {\n  size_t sz;\n  uint32_t _removed_old;\n  struct bpf_link **link;\n  int64_t n;\n};\n\nint f(union u *p, struct o *q);\n";
        let out = post_process(body);
        assert!(out.contains("struct bpf_link;\nunion u;\n"), "{out}");
        assert!(!out.contains("struct as;"), "{out}");
        assert!(!out.contains("struct o;"), "{out}");
        assert!(out.contains("  __u32 :32;\n"), "{out}");
        assert!(out.contains("  __s64 n;\n"), "{out}");
        assert!(out.contains("#define o__last_field n\n"), "{out}");
    }

    #[test]
    fn repr_c_structs_and_callbacks_are_found() {
        let src = "#[repr(C)] pub struct a { x: u8 }\npub struct b;\n#[repr(C)] struct c;\n\
                   pub type d = Option<unsafe extern \"C\" fn(x: u32)>;\npub type e = u32;\n\
                   #[repr(C)] pub union f { x: u8 }";
        assert_eq!(exported_types(src, Path::new("x.rs")).unwrap(), ["a", "d", "f"]);
    }
}
