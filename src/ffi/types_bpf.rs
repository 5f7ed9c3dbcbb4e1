//! The options structs of libbpf 1.5's `bpf.h` (the low-level bpf(2) wrappers), laid out
//! exactly as upstream declares them on x86_64. `tools/gen-headers` turns this file into the
//! struct part of `include/bpf/bpf.h`, so the doc comments here are what C callers read.
//!
//! Every struct starts with `size_t sz` and is read with [`crate::ffi::opts::read`]: fields past
//! a caller's `sz` default to zero, non-zero bytes past the last field we know are `-EINVAL`.
//! Output fields (`log_true_size`, test-run results, query results) are written back only when
//! the caller's `sz` covers them.
//!
//! Anonymous unions: C's `union { int replace_prog_fd; int replace_fd; };` has no Rust
//! spelling, so each becomes a field named `_anon*` of a `#[repr(C)] union` type named
//! `<struct>__anon*`; the header generator is expected to inline such a member as an anonymous
//! union (members of nested anonymous structs, like `kprobe_multi`, keep their names and get
//! `<struct>__<member>` types).

#![allow(non_camel_case_types)]

use super::types::{bpf_attach_type, bpf_iter_link_info};
use std::ffi::{c_char, c_int, c_ulong, c_void};
use std::mem::{offset_of, size_of};

// ---------------------------------------------------------------------------------------------
// Maps
// ---------------------------------------------------------------------------------------------

/// Options for `bpf_map_create()`. Declare with `LIBBPF_OPTS()`; every field defaults to zero.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_map_create_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// BTF object describing the key and value types.
    pub btf_fd: u32,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    /// Kernel BTF type id of a struct_ops map's value (`struct bpf_struct_ops_<name>`).
    pub btf_vmlinux_value_type_id: u32,
    /// Template map for map-in-map types.
    pub inner_map_fd: u32,
    /// `BPF_F_*` map flags.
    pub map_flags: u32,
    /// Per-type extra: bloom filter hash count, arena mmap address.
    pub map_extra: u64,
    /// NUMA node, with `BPF_F_NUMA_NODE` in `map_flags`.
    pub numa_node: u32,
    /// Device to create an offloaded map on.
    pub map_ifindex: u32,
    /// Module BTF holding `btf_vmlinux_value_type_id`, with `BPF_F_VTYPE_BTF_OBJ_FD`.
    pub value_type_btf_obj_fd: i32,
    /// BPF token, with `BPF_F_TOKEN_FD`.
    pub token_fd: u32,
    /// libbpf 1.7: SHA-256 of the only program allowed to use the map (kernel 6.18+), or NULL.
    pub excl_prog_hash: *const c_void,
    /// libbpf 1.7: bytes at `excl_prog_hash` (32).
    pub excl_prog_hash_size: u32,
}
layout!(bpf_map_create_opts = 72 {
    sz @ 0: 8, btf_fd @ 8: 4, btf_key_type_id @ 12: 4, btf_value_type_id @ 16: 4,
    btf_vmlinux_value_type_id @ 20: 4, inner_map_fd @ 24: 4, map_flags @ 28: 4, map_extra @ 32: 8,
    numa_node @ 40: 4, map_ifindex @ 44: 4, value_type_btf_obj_fd @ 48: 4, token_fd @ 52: 4,
    excl_prog_hash @ 56: 8, excl_prog_hash_size @ 64: 4,
});
opts!(bpf_map_create_opts, excl_prog_hash_size);

/// Options for the `bpf_map_*_batch()` functions.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_map_batch_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Per-element flags (`BPF_F_LOCK`, `BPF_NOEXIST`, ...).
    pub elem_flags: u64,
    pub flags: u64,
}
layout!(bpf_map_batch_opts = 24 { sz @ 0: 8, elem_flags @ 8: 8, flags @ 16: 8 });
opts!(bpf_map_batch_opts, flags);

// ---------------------------------------------------------------------------------------------
// Programs and BTF
// ---------------------------------------------------------------------------------------------

/// Options for `bpf_prog_load()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_prog_load_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// How many times to try while the kernel answers `EAGAIN` (0: 5; negative: `-EINVAL`).
    pub attempts: c_int,
    pub expected_attach_type: bpf_attach_type,
    /// BTF object the func/line info refer to.
    pub prog_btf_fd: u32,
    /// `BPF_F_*` program flags.
    pub prog_flags: u32,
    pub prog_ifindex: u32,
    pub kern_version: u32,
    /// Kernel BTF id of the attach target (fentry, LSM, struct_ops, freplace, ...).
    pub attach_btf_id: u32,
    /// Program to extend (freplace); exclusive with `attach_btf_obj_fd`.
    pub attach_prog_fd: u32,
    /// Module BTF holding `attach_btf_id` (0: vmlinux).
    pub attach_btf_obj_fd: u32,
    /// fds referred to by index from the instructions.
    pub fd_array: *const c_int,
    /// `.BTF.ext` func info records.
    pub func_info: *const c_void,
    pub func_info_cnt: u32,
    pub func_info_rec_size: u32,
    /// `.BTF.ext` line info records.
    pub line_info: *const c_void,
    pub line_info_cnt: u32,
    pub line_info_rec_size: u32,
    /// Verifier log level; 0 with a `log_buf` asks for a log only after a failure.
    pub log_level: u32,
    /// Size of `log_buf` (set both or neither).
    pub log_size: u32,
    pub log_buf: *mut c_char,
    /// Output: the log size the kernel wanted, terminating NUL included.
    pub log_true_size: u32,
    /// BPF token, with `BPF_F_TOKEN_FD` in `prog_flags`.
    pub token_fd: u32,
    /// libbpf 1.7: entries of `fd_array` the kernel checks up front.
    pub fd_array_cnt: u32,
}
layout!(bpf_prog_load_opts = 120 {
    sz @ 0: 8, attempts @ 8: 4, expected_attach_type @ 12: 4, prog_btf_fd @ 16: 4,
    prog_flags @ 20: 4, prog_ifindex @ 24: 4, kern_version @ 28: 4, attach_btf_id @ 32: 4,
    attach_prog_fd @ 36: 4, attach_btf_obj_fd @ 40: 4, fd_array @ 48: 8, func_info @ 56: 8,
    func_info_cnt @ 64: 4, func_info_rec_size @ 68: 4, line_info @ 72: 8, line_info_cnt @ 80: 4,
    line_info_rec_size @ 84: 4, log_level @ 88: 4, log_size @ 92: 4, log_buf @ 96: 8,
    log_true_size @ 104: 4, token_fd @ 108: 4, fd_array_cnt @ 112: 4,
});
opts!(bpf_prog_load_opts, fd_array_cnt);

/// Options for `bpf_btf_load()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_btf_load_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    pub log_buf: *mut c_char,
    /// 0 with a `log_buf` asks for a log only after a failure.
    pub log_level: u32,
    pub log_size: u32,
    /// Output: the log size the kernel wanted, terminating NUL included.
    pub log_true_size: u32,
    /// `BPF_F_TOKEN_FD`.
    pub btf_flags: u32,
    pub token_fd: u32,
}
layout!(bpf_btf_load_opts = 40 {
    sz @ 0: 8, log_buf @ 8: 8, log_level @ 16: 4, log_size @ 20: 4, log_true_size @ 24: 4,
    btf_flags @ 28: 4, token_fd @ 32: 4,
});
opts!(bpf_btf_load_opts, token_fd);

// ---------------------------------------------------------------------------------------------
// Pinning
// ---------------------------------------------------------------------------------------------

/// Options for `bpf_obj_pin_opts()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_obj_pin_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// `BPF_F_PATH_FD`: resolve the path relative to `path_fd`.
    pub file_flags: u32,
    pub path_fd: c_int,
}
layout!(bpf_obj_pin_opts = 16 { sz @ 0: 8, file_flags @ 8: 4, path_fd @ 12: 4 });
opts!(bpf_obj_pin_opts, path_fd);

/// Options for `bpf_obj_get_opts()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_obj_get_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// `BPF_F_RDONLY`, `BPF_F_WRONLY`, `BPF_F_PATH_FD`.
    pub file_flags: u32,
    pub path_fd: c_int,
}
layout!(bpf_obj_get_opts = 16 { sz @ 0: 8, file_flags @ 8: 4, path_fd @ 12: 4 });
opts!(bpf_obj_get_opts, path_fd);

// ---------------------------------------------------------------------------------------------
// Attaching
// ---------------------------------------------------------------------------------------------

/// `replace_prog_fd` / `replace_fd` of `struct bpf_prog_attach_opts` (one anonymous union).
#[repr(C)]
#[derive(Clone, Copy)]
pub union bpf_prog_attach_opts__anon0 {
    pub replace_prog_fd: c_int,
    pub replace_fd: c_int,
}

/// Options for `bpf_prog_attach_opts()`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct bpf_prog_attach_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// `BPF_F_ALLOW_OVERRIDE`, `BPF_F_ALLOW_MULTI`, `BPF_F_REPLACE`, `BPF_F_BEFORE`, ...
    pub flags: u32,
    /// With `BPF_F_REPLACE`: the program to replace (`replace_prog_fd` or `replace_fd`).
    pub _anon0: bpf_prog_attach_opts__anon0,
    /// Attach relative to this program/link fd (exclusive with `relative_id`).
    pub relative_fd: c_int,
    /// Attach relative to this program/link id.
    pub relative_id: u32,
    pub expected_revision: u64,
}
layout!(bpf_prog_attach_opts = 32 {
    sz @ 0: 8, flags @ 8: 4, _anon0 @ 12: 4, relative_fd @ 16: 4, relative_id @ 20: 4,
    expected_revision @ 24: 8,
});
opts!(bpf_prog_attach_opts, expected_revision);

/// Options for `bpf_prog_detach_opts()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_prog_detach_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    pub flags: u32,
    pub relative_fd: c_int,
    pub relative_id: u32,
    pub expected_revision: u64,
}
layout!(bpf_prog_detach_opts = 32 {
    sz @ 0: 8, flags @ 8: 4, relative_fd @ 12: 4, relative_id @ 16: 4, expected_revision @ 24: 8,
});
opts!(bpf_prog_detach_opts, expected_revision);

/// `perf_event` member of `struct bpf_link_create_opts`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_link_create_opts__perf_event {
    pub bpf_cookie: u64,
}

/// `kprobe_multi` member of `struct bpf_link_create_opts`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_link_create_opts__kprobe_multi {
    /// `BPF_F_KPROBE_MULTI_RETURN`.
    pub flags: u32,
    pub cnt: u32,
    pub syms: *mut *const c_char,
    pub addrs: *const c_ulong,
    pub cookies: *const u64,
}

/// `uprobe_multi` member of `struct bpf_link_create_opts`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_link_create_opts__uprobe_multi {
    /// `BPF_F_UPROBE_MULTI_RETURN`.
    pub flags: u32,
    pub cnt: u32,
    pub path: *const c_char,
    pub offsets: *const c_ulong,
    pub ref_ctr_offsets: *const c_ulong,
    pub cookies: *const u64,
    pub pid: u32,
}

/// `tracing` member of `struct bpf_link_create_opts`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_link_create_opts__tracing {
    pub cookie: u64,
}

/// `netfilter` member of `struct bpf_link_create_opts`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_link_create_opts__netfilter {
    pub pf: u32,
    pub hooknum: u32,
    pub priority: i32,
    pub flags: u32,
}

/// `tcx`, `netkit` and (libbpf 1.7) `cgroup` members of `struct bpf_link_create_opts`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_link_create_opts__relative {
    pub relative_fd: u32,
    pub relative_id: u32,
    pub expected_revision: u64,
}

/// The per-attach-type anonymous union of `struct bpf_link_create_opts`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union bpf_link_create_opts__anon0 {
    pub perf_event: bpf_link_create_opts__perf_event,
    pub kprobe_multi: bpf_link_create_opts__kprobe_multi,
    pub uprobe_multi: bpf_link_create_opts__uprobe_multi,
    pub tracing: bpf_link_create_opts__tracing,
    pub netfilter: bpf_link_create_opts__netfilter,
    pub tcx: bpf_link_create_opts__relative,
    pub netkit: bpf_link_create_opts__relative,
    /// libbpf 1.7: placement for the cgroup attach types.
    pub cgroup: bpf_link_create_opts__relative,
}

/// Options for `bpf_link_create()`. Set only the union member of the attach type used; the
/// others must stay zero.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct bpf_link_create_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    pub flags: u32,
    /// `BPF_TRACE_ITER` parameters.
    pub iter_info: *mut bpf_iter_link_info,
    pub iter_info_len: u32,
    /// freplace/fentry target (exclusive with `iter_info_len`).
    pub target_btf_id: u32,
    /// Per-attach-type members: `perf_event`, `kprobe_multi`, `uprobe_multi`, `tracing`,
    /// `netfilter`, `tcx`, `netkit`, `cgroup`.
    pub _anon0: bpf_link_create_opts__anon0,
}
layout!(bpf_link_create_opts = 80 {
    sz @ 0: 8, flags @ 8: 4, iter_info @ 16: 8, iter_info_len @ 24: 4, target_btf_id @ 28: 4,
    _anon0 @ 32: 48,
});
/// `offsetofend(struct bpf_link_create_opts, uprobe_multi.pid)`: upstream's last field.
pub const BPF_LINK_CREATE_OPTS_END: usize =
    offset_of!(bpf_link_create_opts, _anon0) + offset_of!(bpf_link_create_opts__uprobe_multi, pid) + 4;
opts!(bpf_link_create_opts, end = BPF_LINK_CREATE_OPTS_END);
const _: () = {
    assert!(BPF_LINK_CREATE_OPTS_END == 76);
    let u = offset_of!(bpf_link_create_opts, _anon0);
    assert!(u + offset_of!(bpf_link_create_opts__kprobe_multi, cnt) == 36);
    assert!(u + offset_of!(bpf_link_create_opts__kprobe_multi, syms) == 40);
    assert!(u + offset_of!(bpf_link_create_opts__kprobe_multi, cookies) == 56);
    assert!(u + offset_of!(bpf_link_create_opts__uprobe_multi, path) == 40);
    assert!(u + offset_of!(bpf_link_create_opts__uprobe_multi, cookies) == 64);
    assert!(u + offset_of!(bpf_link_create_opts__netfilter, priority) == 40);
    assert!(u + offset_of!(bpf_link_create_opts__netfilter, flags) == 44);
    assert!(u + offset_of!(bpf_link_create_opts__relative, relative_id) == 36);
    assert!(u + offset_of!(bpf_link_create_opts__relative, expected_revision) == 40);
    assert!(size_of::<bpf_link_create_opts__perf_event>() == 8);
    assert!(size_of::<bpf_link_create_opts__kprobe_multi>() == 32);
    assert!(size_of::<bpf_link_create_opts__uprobe_multi>() == 48);
    assert!(size_of::<bpf_link_create_opts__netfilter>() == 16);
    assert!(size_of::<bpf_link_create_opts__relative>() == 16);
};

/// Options for `bpf_link_update()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_link_update_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// `BPF_F_REPLACE`: only update if the link holds `old_prog_fd`/`old_map_fd`.
    pub flags: u32,
    /// Expected current program (exclusive with `old_map_fd`).
    pub old_prog_fd: u32,
    /// Expected current struct_ops map.
    pub old_map_fd: u32,
}
layout!(bpf_link_update_opts = 24 { sz @ 0: 8, flags @ 8: 4, old_prog_fd @ 12: 4, old_map_fd @ 16: 4 });
opts!(bpf_link_update_opts, old_map_fd);

/// Legacy argument struct of the removed `bpf_prog_test_run_xattr()`, kept for source
/// compatibility (no function of this library takes it).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_prog_test_run_attr {
    pub prog_fd: c_int,
    pub repeat: c_int,
    pub data_in: *const c_void,
    pub data_size_in: u32,
    pub data_out: *mut c_void,
    pub data_size_out: u32,
    pub retval: u32,
    pub duration: u32,
    pub ctx_in: *const c_void,
    pub ctx_size_in: u32,
    pub ctx_out: *mut c_void,
    pub ctx_size_out: u32,
}
const _: () = assert!(size_of::<bpf_prog_test_run_attr>() == 80);

// ---------------------------------------------------------------------------------------------
// Ids and queries
// ---------------------------------------------------------------------------------------------

/// Options for the `bpf_*_get_fd_by_id_opts()` functions.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_get_fd_by_id_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// `BPF_F_RDONLY` / `BPF_F_WRONLY`.
    pub open_flags: u32,
    /// libbpf 1.7: a BPF token for `bpf_btf_get_fd_by_id_opts()` (the other commands ignore it).
    pub token_fd: u32,
}
layout!(bpf_get_fd_by_id_opts = 16 { sz @ 0: 8, open_flags @ 8: 4, token_fd @ 12: 4 });
opts!(bpf_get_fd_by_id_opts, token_fd);

/// `prog_cnt` / `count` of `struct bpf_prog_query_opts` (one anonymous union).
#[repr(C)]
#[derive(Clone, Copy)]
pub union bpf_prog_query_opts__anon0 {
    pub prog_cnt: u32,
    pub count: u32,
}

/// Options for `bpf_prog_query_opts()`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct bpf_prog_query_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// `BPF_F_QUERY_EFFECTIVE`.
    pub query_flags: u32,
    /// Output.
    pub attach_flags: u32,
    pub prog_ids: *mut u32,
    /// In: capacity of the arrays; out: number attached (`prog_cnt` or `count`).
    pub _anon0: bpf_prog_query_opts__anon0,
    pub prog_attach_flags: *mut u32,
    pub link_ids: *mut u32,
    pub link_attach_flags: *mut u32,
    /// Output.
    pub revision: u64,
}
layout!(bpf_prog_query_opts = 64 {
    sz @ 0: 8, query_flags @ 8: 4, attach_flags @ 12: 4, prog_ids @ 16: 8, _anon0 @ 24: 4,
    prog_attach_flags @ 32: 8, link_ids @ 40: 8, link_attach_flags @ 48: 8, revision @ 56: 8,
});
opts!(bpf_prog_query_opts, revision);

/// Options for `bpf_raw_tracepoint_open_opts()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_raw_tp_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Raw tracepoint name; NULL for tracing/LSM/ext programs.
    pub tp_name: *const c_char,
    pub cookie: u64,
}
layout!(bpf_raw_tp_opts = 24 { sz @ 0: 8, tp_name @ 8: 8, cookie @ 16: 8 });
opts!(bpf_raw_tp_opts, cookie);

/// Options for `bpf_prog_bind_map()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_prog_bind_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    pub flags: u32,
}
layout!(bpf_prog_bind_opts = 16 { sz @ 0: 8, flags @ 8: 4 });
opts!(bpf_prog_bind_opts, flags);

/// Options for `bpf_prog_stream_read()` (libbpf 1.6; none defined yet).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_prog_stream_read_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
}
layout!(bpf_prog_stream_read_opts = 8 { sz @ 0: 8 });
opts!(bpf_prog_stream_read_opts, sz);

/// Options for `bpf_prog_assoc_struct_ops()` and `bpf_program__assoc_struct_ops()` (libbpf 1.7).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_prog_assoc_struct_ops_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    pub flags: u32,
}
layout!(bpf_prog_assoc_struct_ops_opts = 16 { sz @ 0: 8, flags @ 8: 4 });
opts!(bpf_prog_assoc_struct_ops_opts, flags);

/// Options and results of `bpf_prog_test_run_opts()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_test_run_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    pub data_in: *const c_void,
    pub data_out: *mut c_void,
    pub data_size_in: u32,
    /// In: capacity of `data_out`; out: bytes produced.
    pub data_size_out: u32,
    pub ctx_in: *const c_void,
    pub ctx_out: *mut c_void,
    pub ctx_size_in: u32,
    /// In: capacity of `ctx_out`; out: bytes produced.
    pub ctx_size_out: u32,
    /// Output: the program's return value.
    pub retval: u32,
    pub repeat: c_int,
    /// Output: average ns per repetition.
    pub duration: u32,
    pub flags: u32,
    pub cpu: u32,
    pub batch_size: u32,
}
layout!(bpf_test_run_opts = 80 {
    sz @ 0: 8, data_in @ 8: 8, data_out @ 16: 8, data_size_in @ 24: 4, data_size_out @ 28: 4,
    ctx_in @ 32: 8, ctx_out @ 40: 8, ctx_size_in @ 48: 4, ctx_size_out @ 52: 4, retval @ 56: 4,
    repeat @ 60: 4, duration @ 64: 4, flags @ 68: 4, cpu @ 72: 4, batch_size @ 76: 4,
});
opts!(bpf_test_run_opts, batch_size);

/// Options for `bpf_token_create()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bpf_token_create_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    pub flags: u32,
}
layout!(bpf_token_create_opts = 16 { sz @ 0: 8, flags @ 8: 4 });
opts!(bpf_token_create_opts, flags);
