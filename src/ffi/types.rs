//! The `#[repr(C)]` structs, callback types and C-name aliases that libbpf's `libbpf.h` API takes,
//! laid out exactly as libbpf 1.5 declares them on x86_64.
//!
//! `tools/gen-headers` turns this file (with the exporting files) into `include/bpf/libbpf.h`, so
//! every doc comment here is read by C callers. Names are the C names on purpose: the header then
//! says `struct bpf_kprobe_opts` and `ring_buffer_sample_fn` like upstream's.
//!
//! Conventions the generator relies on (see `tools/gen-headers/src/main.rs`):
//! * handle types (`Object`, `Map`, `Program`, `Link`, `Btf`) are printed as `struct bpf_object *`
//!   and so on;
//! * the enum aliases below (`bpf_prog_type`, `libbpf_print_level`, …) are `u32`/`c_int` in Rust
//!   and printed as `enum bpf_prog_type` etc.: use them for every parameter or field C types as
//!   an enum, so Rust never holds an out-of-range enum value and the header reads like upstream's;
//! * `u32`/`u64`/`i32`/… are printed as the kernel's `__u32`/`__u64`/`__s32`/…, `usize` as
//!   `size_t`, `CBool` as `bool`;
//! * a `u32` field named `_removed_*` is printed as an unnamed `__u32 :32;` member: a slot C keeps
//!   for layout after removing a field.
//!
//! Layout is pinned twice: the `layout!` assertions below (offsets and sizes measured by compiling
//! against upstream 1.5 headers) and `ctests/abi_layout.c`, compiled against both header sets.

#![allow(non_camel_case_types)]

use crate::ffi::opts::{CBool, Opts};
use std::ffi::{c_char, c_int, c_long, c_ulong, c_void};

// Handle types. Real definitions live in crate::object / crate::attach::link / crate::btf.
pub use crate::attach::link::Link;
pub use crate::btf::Btf;
pub use crate::linker::Linker;
pub use crate::object::{Map, Object, Program};

// ---------------------------------------------------------------------------------------------
// Enum-typed values. C passes enums as `int`-sized integers; Rust keeps them as integers so any
// value a caller passes is representable. The header prints each alias as the C enum.
// ---------------------------------------------------------------------------------------------

/// `enum bpf_prog_type` (kernel UAPI, `<linux/bpf.h>`).
pub type bpf_prog_type = u32;
/// `enum bpf_attach_type` (kernel UAPI).
pub type bpf_attach_type = u32;
/// `enum bpf_map_type` (kernel UAPI).
pub type bpf_map_type = u32;
/// `enum bpf_link_type` (kernel UAPI).
pub type bpf_link_type = u32;
/// `enum bpf_func_id` (kernel UAPI): helper function ids.
pub type bpf_func_id = u32;
/// `enum bpf_stats_type` (kernel UAPI).
pub type bpf_stats_type = u32;
/// `enum libbpf_print_level`: 0 warn, 1 info, 2 debug.
pub type libbpf_print_level = u32;
/// `enum probe_attach_mode`: how kprobes/uprobes are attached.
pub type probe_attach_mode = u32;
/// `enum bpf_tc_attach_point`: TC hook location bits.
pub type bpf_tc_attach_point = u32;
/// `enum libbpf_strict_mode` (legacy; accepted and ignored since libbpf 1.0).
pub type libbpf_strict_mode = u32;
/// `enum bpf_perf_event_ret`: what a raw perf buffer callback tells the poller (can be negative).
pub type bpf_perf_event_ret = c_int;
/// `enum btf_endianness`.
pub type btf_endianness = u32;
/// `enum btf_fwd_kind`: what a BTF forward declaration stands for.
pub type btf_fwd_kind = u32;
/// `enum btf_func_linkage` (kernel UAPI, `<linux/btf.h>`).
pub type btf_func_linkage = u32;

/// A C `va_list` passed as a function argument. On x86_64 that is a pointer to the register save
/// area; Rust never builds or reads one (the C print shim does).
pub type va_list = *mut c_void;

// ---------------------------------------------------------------------------------------------
// C types this header only points to. Never constructed in Rust.
// ---------------------------------------------------------------------------------------------

/// `union bpf_iter_link_info` (kernel UAPI): iterator parameters, passed through untouched.
#[repr(C)]
pub struct bpf_iter_link_info {
    _opaque: [u8; 0],
}

/// `struct bpf_prog_load_opts` is defined with the low-level API in `bpf.h` (libbpf.h only points
/// to it, from the prepare-load callback).
pub use super::types_bpf::bpf_prog_load_opts;

/// `struct perf_event_header` (`<linux/perf_event.h>`): the header of each raw perf record.
#[repr(C)]
pub struct perf_event_header {
    _opaque: [u8; 0],
}

// ---------------------------------------------------------------------------------------------
// Callback types.
// ---------------------------------------------------------------------------------------------

/// Log callback installed with `libbpf_set_print()`: called with a level, a printf format and
/// its arguments as a `va_list`; the return value is ignored.
pub type libbpf_print_fn_t =
    Option<unsafe extern "C" fn(level: libbpf_print_level, format: *const c_char, ap: va_list) -> c_int>;

/// Ring buffer record callback: `ctx` as registered, the record and its length. A negative
/// return stops consumption and is returned by the poll/consume call.
pub type ring_buffer_sample_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, data: *mut c_void, size: usize) -> c_int>;

/// Perf buffer record callback: `ctx`, the CPU the record came from, the record and its length.
pub type perf_buffer_sample_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, cpu: c_int, data: *mut c_void, size: u32)>;

/// Perf buffer loss callback: `ctx`, the CPU and how many records the kernel dropped.
pub type perf_buffer_lost_fn = Option<unsafe extern "C" fn(ctx: *mut c_void, cpu: c_int, cnt: u64)>;

/// Raw perf buffer callback: sees every perf record, including non-sample ones.
pub type perf_buffer_event_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, cpu: c_int, event: *mut perf_event_header) -> bpf_perf_event_ret>;

/// Custom SEC() handler hook run at open time for each matching program (it may call the
/// `bpf_program__set_*()` setters). Non-zero return fails the open.
pub type libbpf_prog_setup_fn_t = Option<unsafe extern "C" fn(prog: *mut Program, cookie: c_long) -> c_int>;

/// Custom SEC() handler hook run just before a matching program is loaded; it may adjust the
/// load options. Non-zero return fails the load.
pub type libbpf_prog_prepare_load_fn_t =
    Option<unsafe extern "C" fn(prog: *mut Program, opts: *mut bpf_prog_load_opts, cookie: c_long) -> c_int>;

/// Custom SEC() handler hook that attaches a matching program (skeleton attach and
/// `bpf_program__attach()`): returns 0 with `*link` set, 0 with `*link` NULL for "does not
/// auto-attach", or a negative error.
pub type libbpf_prog_attach_fn_t =
    Option<unsafe extern "C" fn(prog: *const Program, cookie: c_long, link: *mut *mut Link) -> c_int>;

// ---------------------------------------------------------------------------------------------
// Layout checking helpers.
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Object open options, with oxbpf's struct_ops shadow description.
// ---------------------------------------------------------------------------------------------

/// One member of a struct_ops shadow type (oxbpf extension): its name and where it sits in the
/// shadow that `bpf_map__initial_value()` returns for the map.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_struct_ops_member_info {
    /// Member name as in the object's BTF.
    pub name: *const c_char,
    /// Byte offset of the member within the shadow.
    pub offset: u32,
    /// Size of the member in bytes.
    pub size: u32,
}
layout!(bpf_struct_ops_member_info = 16 { name @ 0: 8, offset @ 8: 4, size @ 12: 4 });

/// The shadow layout of one struct_ops map (oxbpf extension).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_struct_ops_map_info {
    /// Map name (the struct_ops variable's name).
    pub name: *const c_char,
    /// `cnt` member descriptions.
    pub members: *const bpf_struct_ops_member_info,
    /// Number of entries in `members`.
    pub cnt: u32,
    /// Total size in bytes of the shadow.
    pub data_size: u32,
}
layout!(bpf_struct_ops_map_info = 24 { name @ 0: 8, members @ 8: 8, cnt @ 16: 4, data_size @ 20: 4 });

/// Shadow layouts for an object's struct_ops maps (oxbpf extension), passed through
/// `bpf_object_open_opts.struct_ops_shadow`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_struct_ops_shadow_info {
    /// `cnt` map descriptions.
    pub maps: *const bpf_struct_ops_map_info,
    /// Number of entries in `maps`.
    pub cnt: u32,
}
layout!(bpf_struct_ops_shadow_info = 16 { maps @ 0: 8, cnt @ 8: 4 });

/// Options for `bpf_object__open_file()`, `bpf_object__open_mem()` and
/// `bpf_object__open_skeleton()`. Declare with `LIBBPF_OPTS()`; every field defaults to zero.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_object_open_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Object name to use instead of the one derived from the path or buffer.
    pub object_name: *const c_char,
    /// Accept legacy map definitions with extra, unknown attributes.
    pub relaxed_maps: CBool,
    /// Directory for maps declared with pinning by name (default `/sys/fs/bpf`).
    pub pin_root_path: *const c_char,
    /// Unused slot, kept so the fields below stay where they have always been.
    pub _removed_attach_prog_fd: u32,
    /// Extra Kconfig text (`CONFIG_X=y` lines) applied on top of the running kernel's, for
    /// `__kconfig` externs.
    pub kconfig: *const c_char,
    /// BTF file to use instead of the kernel's for CO-RE relocations (only for those).
    pub btf_custom_path: *const c_char,
    /// Caller buffer receiving the kernel's log (verifier log for program loads, BTF log for the
    /// object's BTF load); each command overwrites it.
    pub kernel_log_buf: *mut c_char,
    /// Size of `kernel_log_buf` in bytes.
    pub kernel_log_size: usize,
    /// Kernel log level for loads: 0 asks for a log only after a failure, > 0 from the start.
    pub kernel_log_level: u32,
    /// BPF FS mount to derive a BPF token from; an empty string disables implicit tokens.
    pub bpf_token_path: *const c_char,
    /// oxbpf extension block, first word: must be `OXBPF_OPEN_OPTS_EXT_MAGIC` for the block to
    /// count (`OXBPF_STRUCT_OPS_SHADOW(info)` sets both words). oxbpf looks for the block only in
    /// the *last 16 bytes of the caller's struct* (`sz - 16`), never at a fixed offset, so the
    /// fields upstream libbpf adds after `bpf_token_path` can never be read as this block, and a
    /// caller built against newer upstream headers gets upstream's meaning of those bytes. A
    /// library without the extension (upstream libbpf) sees non-zero bytes past its last field
    /// and refuses the options with -EINVAL, so it never misreads them either.
    pub oxbpf_ext_magic: u64,
    /// oxbpf extension block, second word: descriptions of the struct_ops shadow layouts the
    /// caller expects, or NULL.
    pub struct_ops_shadow: *const bpf_struct_ops_shadow_info,
}
layout!(bpf_object_open_opts = 104 {
    sz @ 0: 8, object_name @ 8: 8, relaxed_maps @ 16: 1, pin_root_path @ 24: 8,
    _removed_attach_prog_fd @ 32: 4, kconfig @ 40: 8, btf_custom_path @ 48: 8,
    kernel_log_buf @ 56: 8, kernel_log_size @ 64: 8, kernel_log_level @ 72: 4,
    bpf_token_path @ 80: 8, oxbpf_ext_magic @ 88: 8, struct_ops_shadow @ 96: 8,
});
// Upstream's fields end at bpf_token_path; the extension block is read apart
// (`opts::read_with_ext`).
opts!(bpf_object_open_opts, bpf_token_path);
const _: () = assert!(<bpf_object_open_opts as Opts>::KNOWN_END == 88);

/// `OXBPF_OPEN_OPTS_EXT_MAGIC`: the first word of oxbpf's extension block of
/// `bpf_object_open_opts`. Its top bits make it a non-canonical address on x86-64, so no
/// pointer field of a newer upstream struct can hold it.
pub const OXBPF_OPEN_OPTS_EXT_MAGIC: u64 = 0xb9f0_0bbf_0e27_5ade;
/// Size of the extension block: the magic word and the `struct_ops_shadow` pointer.
pub const OXBPF_OPEN_OPTS_EXT_LEN: usize = 16;

// ---------------------------------------------------------------------------------------------
// Attach options.
// ---------------------------------------------------------------------------------------------

/// Options for `bpf_program__attach_perf_event_opts()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_perf_event_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Value the program reads back with `bpf_get_attach_cookie()`.
    pub bpf_cookie: u64,
    /// Attach with the perf ioctl even where a BPF link is available.
    pub force_ioctl_attach: CBool,
    /// libbpf 1.7: leave the event disabled (no `PERF_EVENT_IOC_ENABLE`).
    pub dont_enable: CBool,
}
layout!(bpf_perf_event_opts = 24 {
    sz @ 0: 8, bpf_cookie @ 8: 8, force_ioctl_attach @ 16: 1, dont_enable @ 17: 1,
});
opts!(bpf_perf_event_opts, dont_enable);

/// Options for `bpf_program__attach_kprobe_opts()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_kprobe_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Value the program reads back with `bpf_get_attach_cookie()`.
    pub bpf_cookie: u64,
    /// Offset into the function to probe.
    pub offset: usize,
    /// Probe the function's return instead of its entry.
    pub retprobe: CBool,
    /// Which kernel mechanism to attach with (`PROBE_ATTACH_MODE_*`).
    pub attach_mode: probe_attach_mode,
}
layout!(bpf_kprobe_opts = 32 {
    sz @ 0: 8, bpf_cookie @ 8: 8, offset @ 16: 8, retprobe @ 24: 1, attach_mode @ 28: 4,
});
opts!(bpf_kprobe_opts, attach_mode);

/// Options for `bpf_program__attach_kprobe_multi_opts()`: either a pattern argument or
/// `cnt` symbols/addresses here.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_kprobe_multi_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// `cnt` kernel function names.
    pub syms: *mut *const c_char,
    /// `cnt` kernel function addresses.
    pub addrs: *const c_ulong,
    /// `cnt` cookies, one per probe.
    pub cookies: *const u64,
    /// Length of the arrays above.
    pub cnt: usize,
    /// Create return probes.
    pub retprobe: CBool,
    /// Create session probes (entry and return run the same program).
    pub session: CBool,
    /// libbpf 1.7: the pattern must match exactly one function.
    pub unique_match: CBool,
}
layout!(bpf_kprobe_multi_opts = 48 {
    sz @ 0: 8, syms @ 8: 8, addrs @ 16: 8, cookies @ 24: 8, cnt @ 32: 8, retprobe @ 40: 1,
    session @ 41: 1, unique_match @ 42: 1,
});
opts!(bpf_kprobe_multi_opts, unique_match);

/// Options for `bpf_program__attach_uprobe_multi()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_uprobe_multi_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// `cnt` symbol names in the binary (exclusive with `offsets`).
    pub syms: *mut *const c_char,
    /// `cnt` file offsets in the binary (exclusive with `syms`).
    pub offsets: *const c_ulong,
    /// Optional `cnt` reference counter (semaphore) offsets.
    pub ref_ctr_offsets: *const c_ulong,
    /// Optional `cnt` cookies.
    pub cookies: *const u64,
    /// Length of the arrays above.
    pub cnt: usize,
    /// Create return probes.
    pub retprobe: CBool,
    /// libbpf 1.7: session probes (entry and return run the same program).
    pub session: CBool,
}
layout!(bpf_uprobe_multi_opts = 56 {
    sz @ 0: 8, syms @ 8: 8, offsets @ 16: 8, ref_ctr_offsets @ 24: 8, cookies @ 32: 8,
    cnt @ 40: 8, retprobe @ 48: 1, session @ 49: 1,
});
opts!(bpf_uprobe_multi_opts, session);

/// Options for `bpf_program__attach_ksyscall()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_ksyscall_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Value the program reads back with `bpf_get_attach_cookie()`.
    pub bpf_cookie: u64,
    /// Probe the syscall's return.
    pub retprobe: CBool,
}
layout!(bpf_ksyscall_opts = 24 { sz @ 0: 8, bpf_cookie @ 8: 8, retprobe @ 16: 1 });
opts!(bpf_ksyscall_opts, retprobe);

/// Options for `bpf_program__attach_uprobe_opts()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_uprobe_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// File offset of a reference counter (USDT semaphore) the kernel maintains.
    pub ref_ctr_offset: usize,
    /// Value the program reads back with `bpf_get_attach_cookie()`.
    pub bpf_cookie: u64,
    /// Probe the function's return.
    pub retprobe: CBool,
    /// Function to probe, optionally `name@LIB`; the offset argument is then relative to it.
    pub func_name: *const c_char,
    /// Which kernel mechanism to attach with (`PROBE_ATTACH_MODE_*`).
    pub attach_mode: probe_attach_mode,
}
layout!(bpf_uprobe_opts = 48 {
    sz @ 0: 8, ref_ctr_offset @ 8: 8, bpf_cookie @ 16: 8, retprobe @ 24: 1, func_name @ 32: 8,
    attach_mode @ 40: 4,
});
opts!(bpf_uprobe_opts, attach_mode);

/// Options for `bpf_program__attach_usdt()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_usdt_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Value the program reads back with `bpf_usdt_cookie()`.
    pub usdt_cookie: u64,
}
layout!(bpf_usdt_opts = 16 { sz @ 0: 8, usdt_cookie @ 8: 8 });
opts!(bpf_usdt_opts, usdt_cookie);

/// Options for `bpf_program__attach_tracepoint_opts()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_tracepoint_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Value the program reads back with `bpf_get_attach_cookie()`.
    pub bpf_cookie: u64,
}
layout!(bpf_tracepoint_opts = 16 { sz @ 0: 8, bpf_cookie @ 8: 8 });
opts!(bpf_tracepoint_opts, bpf_cookie);

/// Options for `bpf_program__attach_raw_tracepoint_opts()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_raw_tracepoint_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Value the program reads back with `bpf_get_attach_cookie()`.
    pub cookie: u64,
}
layout!(bpf_raw_tracepoint_opts = 16 { sz @ 0: 8, cookie @ 8: 8 });
opts!(bpf_raw_tracepoint_opts, cookie);

/// Options for `bpf_program__attach_trace_opts()` (fentry/fexit/fmod_ret/tp_btf/lsm).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_trace_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Value the program reads back with `bpf_get_attach_cookie()`.
    pub cookie: u64,
}
layout!(bpf_trace_opts = 16 { sz @ 0: 8, cookie @ 8: 8 });
opts!(bpf_trace_opts, cookie);

/// Options for `bpf_program__attach_netfilter()` (all required in practice).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_netfilter_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Protocol family (`NFPROTO_*`).
    pub pf: u32,
    /// Hook number (`NF_INET_*`).
    pub hooknum: u32,
    /// Priority among the hook's functions.
    pub priority: i32,
    /// Netfilter link flags.
    pub flags: u32,
}
layout!(bpf_netfilter_opts = 24 { sz @ 0: 8, pf @ 8: 4, hooknum @ 12: 4, priority @ 16: 4, flags @ 20: 4 });
opts!(bpf_netfilter_opts, flags);

/// Options for `bpf_program__attach_tcx()`: where to insert among the hook's programs.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_tcx_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Placement flags (`BPF_F_BEFORE`, `BPF_F_AFTER`, ...).
    pub flags: u32,
    /// Program or link fd the placement is relative to.
    pub relative_fd: u32,
    /// Program or link id the placement is relative to.
    pub relative_id: u32,
    /// Fail unless the hook's program list is at this revision (0: don't check).
    pub expected_revision: u64,
}
layout!(bpf_tcx_opts = 32 {
    sz @ 0: 8, flags @ 8: 4, relative_fd @ 12: 4, relative_id @ 16: 4, expected_revision @ 24: 8,
});
opts!(bpf_tcx_opts, expected_revision);

/// Options for `bpf_program__attach_netkit()`: as `bpf_tcx_opts`, for netkit devices.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_netkit_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Placement flags (`BPF_F_BEFORE`, `BPF_F_AFTER`, ...).
    pub flags: u32,
    /// Program or link fd the placement is relative to.
    pub relative_fd: u32,
    /// Program or link id the placement is relative to.
    pub relative_id: u32,
    /// Fail unless the hook's program list is at this revision (0: don't check).
    pub expected_revision: u64,
}
layout!(bpf_netkit_opts = 32 {
    sz @ 0: 8, flags @ 8: 4, relative_fd @ 12: 4, relative_id @ 16: 4, expected_revision @ 24: 8,
});
opts!(bpf_netkit_opts, expected_revision);

/// Options for `bpf_program__attach_cgroup_opts()` (libbpf 1.6): where the program goes in
/// the cgroup's list.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_cgroup_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Placement flags (`BPF_F_BEFORE`, `BPF_F_AFTER`, ...).
    pub flags: u32,
    /// Program or link fd the placement is relative to.
    pub relative_fd: u32,
    /// Program or link id the placement is relative to.
    pub relative_id: u32,
    /// Fail unless the cgroup's program list is at this revision (0: don't check).
    pub expected_revision: u64,
}
layout!(bpf_cgroup_opts = 32 {
    sz @ 0: 8, flags @ 8: 4, relative_fd @ 12: 4, relative_id @ 16: 4, expected_revision @ 24: 8,
});
opts!(bpf_cgroup_opts, expected_revision);

/// Options for `bpf_program__attach_iter()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_iter_attach_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Iterator parameters handed to the kernel as they are.
    pub link_info: *mut bpf_iter_link_info,
    /// Size of `*link_info` in bytes.
    pub link_info_len: u32,
}
layout!(bpf_iter_attach_opts = 24 { sz @ 0: 8, link_info @ 8: 8, link_info_len @ 16: 4 });
opts!(bpf_iter_attach_opts, link_info_len);

// ---------------------------------------------------------------------------------------------
// XDP and TC (netlink) options.
// ---------------------------------------------------------------------------------------------

/// Options of the removed XDP link-setting call; kept for source compatibility only.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_xdp_set_link_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Fd of the program expected to be attached now.
    pub old_fd: c_int,
}
layout!(bpf_xdp_set_link_opts = 16 { sz @ 0: 8, old_fd @ 8: 4 });
opts!(bpf_xdp_set_link_opts, old_fd);

/// Options for `bpf_xdp_attach()`/`bpf_xdp_detach()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_xdp_attach_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Replace only if this program fd is the one attached now.
    pub old_prog_fd: c_int,
}
layout!(bpf_xdp_attach_opts = 16 { sz @ 0: 8, old_prog_fd @ 8: 4 });
opts!(bpf_xdp_attach_opts, old_prog_fd);

/// Results of `bpf_xdp_query()`: every field after `sz` is written by the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_xdp_query_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Id of the attached program, whatever the mode.
    pub prog_id: u32,
    /// Id of the program attached in driver mode.
    pub drv_prog_id: u32,
    /// Id of the program attached in offload mode.
    pub hw_prog_id: u32,
    /// Id of the program attached in generic (skb) mode.
    pub skb_prog_id: u32,
    /// `XDP_ATTACHED_*` mode.
    pub attach_mode: u8,
    /// `NETDEV_XDP_ACT_*` features of the device.
    pub feature_flags: u64,
    /// Maximum zero-copy fragments the device supports.
    pub xdp_zc_max_segs: u32,
}
layout!(bpf_xdp_query_opts = 48 {
    sz @ 0: 8, prog_id @ 8: 4, drv_prog_id @ 12: 4, hw_prog_id @ 16: 4, skb_prog_id @ 20: 4,
    attach_mode @ 24: 1, feature_flags @ 32: 8, xdp_zc_max_segs @ 40: 4,
});
opts!(bpf_xdp_query_opts, xdp_zc_max_segs);

/// A TC hook: device and attach point, for the `bpf_tc_*()` calls.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_tc_hook {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Network device index.
    pub ifindex: c_int,
    /// `BPF_TC_INGRESS`, `BPF_TC_EGRESS`, `BPF_TC_CUSTOM` or (libbpf 1.7) `BPF_TC_QDISC`.
    pub attach_point: bpf_tc_attach_point,
    /// Parent qdisc handle for `BPF_TC_CUSTOM` and `BPF_TC_QDISC` (see `BPF_TC_PARENT()`).
    pub parent: u32,
    /// libbpf 1.7: the handle of the qdisc `BPF_TC_QDISC` creates.
    pub handle: u32,
    /// libbpf 1.7: the kind of that qdisc (`"htb"`, ...).
    pub qdisc: *const c_char,
}
layout!(bpf_tc_hook = 32 {
    sz @ 0: 8, ifindex @ 8: 4, attach_point @ 12: 4, parent @ 16: 4, handle @ 20: 4, qdisc @ 24: 8,
});
opts!(bpf_tc_hook, qdisc);

/// A TC filter, for `bpf_tc_attach()`/`bpf_tc_detach()`/`bpf_tc_query()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_tc_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Program to attach.
    pub prog_fd: c_int,
    /// `BPF_TC_F_*` flags.
    pub flags: u32,
    /// Program id (written by attach and query).
    pub prog_id: u32,
    /// Filter handle.
    pub handle: u32,
    /// Filter priority.
    pub priority: u32,
}
layout!(bpf_tc_opts = 32 {
    sz @ 0: 8, prog_fd @ 8: 4, flags @ 12: 4, prog_id @ 16: 4, handle @ 20: 4, priority @ 24: 4,
});
opts!(bpf_tc_opts, priority);

// ---------------------------------------------------------------------------------------------
// Ring buffer and perf buffer options.
// ---------------------------------------------------------------------------------------------

/// Options for `ring_buffer__new()` (none defined yet).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ring_buffer_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
}
layout!(ring_buffer_opts = 8 { sz @ 0: 8 });
opts!(ring_buffer_opts, sz);

/// Options for `user_ring_buffer__new()` (none defined yet).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct user_ring_buffer_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
}
layout!(user_ring_buffer_opts = 8 { sz @ 0: 8 });
opts!(user_ring_buffer_opts, sz);

/// Options for `perf_buffer__new()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct perf_buffer_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Wake up after this many samples (0: after each one).
    pub sample_period: u32,
}
layout!(perf_buffer_opts = 16 { sz @ 0: 8, sample_period @ 8: 4 });
opts!(perf_buffer_opts, sample_period);

/// Options for `perf_buffer__new_raw()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct perf_buffer_raw_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Number of entries in `cpus`/`map_keys`; 0 opens a buffer on every possible CPU.
    pub cpu_cnt: c_int,
    /// CPUs to open buffers on (when `cpu_cnt` > 0).
    pub cpus: *mut c_int,
    /// Map slots receiving each buffer's fd (when `cpu_cnt` > 0).
    pub map_keys: *mut c_int,
}
layout!(perf_buffer_raw_opts = 32 { sz @ 0: 8, cpu_cnt @ 8: 4, cpus @ 16: 8, map_keys @ 24: 8 });
opts!(perf_buffer_raw_opts, map_keys);

// ---------------------------------------------------------------------------------------------
// Skeletons. Generated code allocates these; entries are found by their declared stride
// (`map_skel_sz` etc.), never by this library's sizeof.
// ---------------------------------------------------------------------------------------------

/// One map of a skeleton. `link` exists from libbpf 1.5 on (stride >= 32) and may be NULL.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_map_skeleton {
    /// Map name.
    pub name: *const c_char,
    /// Where to store the map handle.
    pub map: *mut *mut Map,
    /// Where to store the address of the map's memory-mapped data (global-data maps), or NULL.
    pub mmaped: *mut *mut c_void,
    /// Where to store the link of an auto-attached struct_ops map, or NULL.
    pub link: *mut *mut Link,
}
layout!(bpf_map_skeleton = 32 { name @ 0: 8, map @ 8: 8, mmaped @ 16: 8, link @ 24: 8 });

/// One program of a skeleton.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_prog_skeleton {
    /// Program name.
    pub name: *const c_char,
    /// Where to store the program handle.
    pub prog: *mut *mut Program,
    /// Where to store the program's link after skeleton attach.
    pub link: *mut *mut Link,
}
layout!(bpf_prog_skeleton = 24 { name @ 0: 8, prog @ 8: 8, link @ 16: 8 });

/// A skeleton as `bpftool gen skeleton` emits it: the embedded object plus where to put each
/// map and program handle.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_object_skeleton {
    /// `sizeof` this struct as the generator compiled it. A skeleton made by
    /// `oxbpf gen skeleton --shadow-info` allocates 24 bytes more and counts them here: an
    /// extension block (magic, struct_ops shadow info, ack) that liboxbpf reads from the last
    /// 24 bytes of `sz`; upstream libbpf never reads this field.
    pub sz: usize,
    /// Object name.
    pub name: *const c_char,
    /// The ELF object bytes (no alignment guaranteed).
    pub data: *const c_void,
    /// Length of `data`.
    pub data_sz: usize,
    /// Where to store the object handle.
    pub obj: *mut *mut Object,
    /// Number of map entries.
    pub map_cnt: c_int,
    /// Size of one map entry (the stride of `maps`).
    pub map_skel_sz: c_int,
    /// Map entries.
    pub maps: *mut bpf_map_skeleton,
    /// Number of program entries.
    pub prog_cnt: c_int,
    /// Size of one program entry (the stride of `progs`).
    pub prog_skel_sz: c_int,
    /// Program entries.
    pub progs: *mut bpf_prog_skeleton,
}
layout!(bpf_object_skeleton = 72 {
    sz @ 0: 8, name @ 8: 8, data @ 16: 8, data_sz @ 24: 8, obj @ 32: 8, map_cnt @ 40: 4,
    map_skel_sz @ 44: 4, maps @ 48: 8, prog_cnt @ 56: 4, prog_skel_sz @ 60: 4, progs @ 64: 8,
});

/// One global variable of a subskeleton.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_var_skeleton {
    /// Variable name.
    pub name: *const c_char,
    /// Where to store the handle of the map holding the variable.
    pub map: *mut *mut Map,
    /// Where to store the variable's address in that map's memory.
    pub addr: *mut *mut c_void,
}
layout!(bpf_var_skeleton = 24 { name @ 0: 8, map @ 8: 8, addr @ 16: 8 });

/// A subskeleton: a view of part of an already opened object (e.g. a library linked into it).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_object_subskeleton {
    /// `sizeof` this struct as the generator compiled it.
    pub sz: usize,
    /// The object to bind to.
    pub obj: *const Object,
    /// Number of map entries.
    pub map_cnt: c_int,
    /// Size of one map entry (the stride of `maps`).
    pub map_skel_sz: c_int,
    /// Map entries.
    pub maps: *mut bpf_map_skeleton,
    /// Number of program entries.
    pub prog_cnt: c_int,
    /// Size of one program entry (the stride of `progs`).
    pub prog_skel_sz: c_int,
    /// Program entries.
    pub progs: *mut bpf_prog_skeleton,
    /// Number of variable entries.
    pub var_cnt: c_int,
    /// Size of one variable entry (the stride of `vars`).
    pub var_skel_sz: c_int,
    /// Variable entries.
    pub vars: *mut bpf_var_skeleton,
}
layout!(bpf_object_subskeleton = 64 {
    sz @ 0: 8, obj @ 8: 8, map_cnt @ 16: 4, map_skel_sz @ 20: 4, maps @ 24: 8, prog_cnt @ 32: 4,
    prog_skel_sz @ 36: 4, progs @ 40: 8, var_cnt @ 48: 4, var_skel_sz @ 52: 4, vars @ 56: 8,
});

// ---------------------------------------------------------------------------------------------
// Loader generation, linker, custom SEC() handlers.
// ---------------------------------------------------------------------------------------------

/// Output of `bpf_object__gen_loader()`: filled in when the object is loaded.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct gen_loader_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Generated loader data blob.
    pub data: *const c_char,
    /// Generated loader program instructions.
    pub insns: *const c_char,
    /// Length of `data`.
    pub data_sz: u32,
    /// Length of `insns`.
    pub insns_sz: u32,
    /// libbpf 1.7: have the generated loader check the hash of its data (light skeletons
    /// are not offered: `bpf_object__gen_loader` refuses with `-EOPNOTSUPP` whatever this says).
    pub gen_hash: CBool,
}
layout!(gen_loader_opts = 40 {
    sz @ 0: 8, data @ 8: 8, insns @ 16: 8, data_sz @ 24: 4, insns_sz @ 28: 4, gen_hash @ 32: 1,
});
opts!(gen_loader_opts, gen_hash);

/// Options for `bpf_linker__new()` (none defined yet).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_linker_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
}
layout!(bpf_linker_opts = 8 { sz @ 0: 8 });
opts!(bpf_linker_opts, sz);

/// Options for `bpf_linker__add_file()` (none defined yet).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_linker_file_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
}
layout!(bpf_linker_file_opts = 8 { sz @ 0: 8 });
opts!(bpf_linker_file_opts, sz);

/// Callbacks of a custom SEC() handler registered with `libbpf_register_prog_handler()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libbpf_prog_handler_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Passed to every callback, so one set of callbacks can serve several sections.
    pub cookie: c_long,
    /// Optional open-time hook.
    pub prog_setup_fn: libbpf_prog_setup_fn_t,
    /// Optional pre-load hook.
    pub prog_prepare_load_fn: libbpf_prog_prepare_load_fn_t,
    /// Optional attach hook.
    pub prog_attach_fn: libbpf_prog_attach_fn_t,
}
layout!(libbpf_prog_handler_opts = 40 {
    sz @ 0: 8, cookie @ 8: 8, prog_setup_fn @ 16: 8, prog_prepare_load_fn @ 24: 8,
    prog_attach_fn @ 32: 8,
});
opts!(libbpf_prog_handler_opts, prog_attach_fn);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::opts::read;

    /// Checks that `read` accepts a struct whose bytes up to KNOWN_END are set and the rest are
    /// zero, and rejects one with a stray byte just past KNOWN_END.
    fn check<T: Opts>() {
        let size = std::mem::size_of::<T>() + 16;
        let mut buf = vec![0u64; size.div_ceil(8)];
        let bytes = buf.as_mut_ptr() as *mut u8;
        // SAFETY: `buf` has at least `size` bytes; writes stay in bounds.
        unsafe {
            std::ptr::write(bytes as *mut usize, size);
            std::ptr::write_bytes(bytes.add(8), 0xff, T::KNOWN_END - 8);
        }
        // SAFETY: the buffer holds `size` readable bytes, as `sz` declares.
        assert!(unsafe { read(bytes as *const T) }.is_ok(), "{}", T::NAME);
        // SAFETY: as above; the stray byte is inside the buffer.
        unsafe { *bytes.add(T::KNOWN_END) = 1 };
        // SAFETY: as above.
        assert!(unsafe { read(bytes as *const T) }.is_err(), "{}", T::NAME);
    }

    #[test]
    fn known_ends_follow_the_last_field() {
        check::<bpf_object_open_opts>();
        check::<bpf_perf_event_opts>();
        check::<bpf_kprobe_opts>();
        check::<bpf_kprobe_multi_opts>();
        check::<bpf_uprobe_multi_opts>();
        check::<bpf_ksyscall_opts>();
        check::<bpf_uprobe_opts>();
        check::<bpf_usdt_opts>();
        check::<bpf_tracepoint_opts>();
        check::<bpf_raw_tracepoint_opts>();
        check::<bpf_trace_opts>();
        check::<bpf_netfilter_opts>();
        check::<bpf_tcx_opts>();
        check::<bpf_netkit_opts>();
        check::<bpf_iter_attach_opts>();
        check::<bpf_xdp_set_link_opts>();
        check::<bpf_xdp_attach_opts>();
        check::<bpf_xdp_query_opts>();
        check::<bpf_tc_hook>();
        check::<bpf_tc_opts>();
        check::<ring_buffer_opts>();
        check::<user_ring_buffer_opts>();
        check::<perf_buffer_opts>();
        check::<perf_buffer_raw_opts>();
        check::<gen_loader_opts>();
        check::<bpf_linker_opts>();
        check::<bpf_linker_file_opts>();
        check::<libbpf_prog_handler_opts>();
    }

    #[test]
    fn upstream_sized_open_opts_are_accepted() {
        // A caller built against upstream 1.5 headers passes sz = 88: no extension block.
        // SAFETY: all-zero is a valid bpf_object_open_opts (Opts contract).
        let mut o: bpf_object_open_opts = unsafe { std::mem::zeroed() };
        o.sz = 88;
        o.oxbpf_ext_magic = OXBPF_OPEN_OPTS_EXT_MAGIC; // beyond the caller's sz: never read
        o.struct_ops_shadow = std::ptr::dangling();
        let ext = Some((OXBPF_OPEN_OPTS_EXT_MAGIC, OXBPF_OPEN_OPTS_EXT_LEN));
        // SAFETY: `o` is a live struct with at least 88 readable bytes.
        let (got, block) = unsafe { crate::ffi::opts::read_with_ext(&o, ext) }.unwrap().unwrap();
        assert!(got.struct_ops_shadow.is_null() && block.is_none());
    }

    /// The header's `OXBPF_OPEN_OPTS_EXT_MAGIC` is this crate's constant.
    #[test]
    fn header_magic_matches() {
        let h = include_str!("../../include/bpf/libbpf.h");
        let want = format!("#define OXBPF_OPEN_OPTS_EXT_MAGIC {OXBPF_OPEN_OPTS_EXT_MAGIC:#x}ULL");
        assert!(h.contains(&want), "include/bpf/libbpf.h lacks '{want}'");
    }

    /// The extension block counts only as the last 16 bytes of the caller's struct.
    #[test]
    fn open_opts_extension_block_floats_at_the_end() {
        let ext = Some((OXBPF_OPEN_OPTS_EXT_MAGIC, OXBPF_OPEN_OPTS_EXT_LEN));
        // Our own header: sz 104, the block at 88.
        // SAFETY: all-zero is a valid bpf_object_open_opts (Opts contract).
        let mut o: bpf_object_open_opts = unsafe { std::mem::zeroed() };
        o.sz = 104;
        o.oxbpf_ext_magic = OXBPF_OPEN_OPTS_EXT_MAGIC;
        o.struct_ops_shadow = 0x1234 as *const _;
        // SAFETY: `o` has 104 readable bytes.
        let (_, block) = unsafe { crate::ffi::opts::read_with_ext(&o, ext) }.unwrap().unwrap();
        assert_eq!(block.unwrap()[8..16], 0x1234u64.to_ne_bytes());

        // A newer upstream header with one more field at 88 (sz 96): bytes 80..96 are
        // upstream's; a non-zero new field is refused as unknown, never taken for the block.
        #[repr(C)]
        #[derive(Clone, Copy)]
        struct Newer {
            base: [u8; 88],
            new_field: u64,
        }
        let mut n = Newer { base: [0; 88], new_field: 0x1234 };
        n.base[..8].copy_from_slice(&96usize.to_ne_bytes());
        let p = &n as *const Newer as *const bpf_object_open_opts;
        // SAFETY: `n` has 96 readable bytes, as its sz says.
        let e = unsafe { crate::ffi::opts::read_with_ext(p, ext) }.err().unwrap();
        assert_eq!(e.errno(), libc::EINVAL);
        // Even a field holding the magic itself is not a block: the block needs 16 bytes
        // after upstream's known end, and only the last 16 of sz count.
        n.new_field = OXBPF_OPEN_OPTS_EXT_MAGIC;
        let p = &n as *const Newer as *const bpf_object_open_opts;
        // SAFETY: as above.
        assert!(unsafe { crate::ffi::opts::read_with_ext(p, ext) }.is_err());
        n.new_field = 0;
        let p = &n as *const Newer as *const bpf_object_open_opts;
        // SAFETY: as above.
        let (_, block) = unsafe { crate::ffi::opts::read_with_ext(p, ext) }.unwrap().unwrap();
        assert!(block.is_none());

        // A newer header and the block after its fields (sz 112): the block is found at 96.
        #[repr(C)]
        #[derive(Clone, Copy)]
        struct NewerExt {
            base: [u8; 88],
            new_field: u64,
            magic: u64,
            shadow: u64,
        }
        let mut x = NewerExt { base: [0; 88], new_field: 0, magic: OXBPF_OPEN_OPTS_EXT_MAGIC, shadow: 0x5678 };
        x.base[..8].copy_from_slice(&112usize.to_ne_bytes());
        let p = &x as *const NewerExt as *const bpf_object_open_opts;
        // SAFETY: `x` has 112 readable bytes, as its sz says.
        let (_, block) = unsafe { crate::ffi::opts::read_with_ext(p, ext) }.unwrap().unwrap();
        assert_eq!(block.unwrap()[8..16], 0x5678u64.to_ne_bytes());
        // ... but an unknown non-zero upstream field before it is still refused.
        x.new_field = 1;
        let p = &x as *const NewerExt as *const bpf_object_open_opts;
        // SAFETY: as above.
        assert!(unsafe { crate::ffi::opts::read_with_ext(p, ext) }.is_err());
    }
}
