//! `union bpf_attr`, split into one `#[repr(C)]` struct per bpf(2) command, and the kernel's
//! `bpf_*_info` structs that `BPF_OBJ_GET_INFO_BY_FD` fills.
//!
//! Rules every struct here follows (they make `AttrBytes` sound):
//! * `#[repr(C)]`, integer fields only (pointers travel as `u64` addresses, as in the UAPI's
//!   `__aligned_u64`), every padding byte spelled out as a `_pad*` field, so all bytes are
//!   initialised and any byte pattern the kernel writes back is a valid value;
//! * `Default` is all-zero, which is what the kernel expects of every field a command leaves
//!   unset;
//! * `SIZE` is libbpf's `offsetofend(union bpf_attr, <last field the command uses>)`: the length
//!   passed to bpf(2). The kernel rejects non-zero bytes past what it knows and accepts a shorter
//!   attr, so we never pass more than the fields we fill;
//! * offsets are pinned with `const _: () = assert!(offset_of!(..) == N)`, with `N` measured by
//!   compiling against libbpf 1.5's `include/uapi/linux/bpf.h` on x86_64.
//!
//! Anonymous unions of the UAPI become one field carrying every member's name in its doc (e.g.
//! `attach_btf_obj_fd` doubles as `attach_prog_fd`), except in `LINK_CREATE`, whose
//! per-attach-type part is a Rust `union` of structs with explicit padding.

#![allow(non_camel_case_types)]

use super::AttrBytes;
use crate::uapi::BPF_OBJ_NAME_LEN;
use std::mem::{offset_of, size_of};

/// Size of the kernel's object-name fields (`map_name`, `prog_name`, info `name`).
/// `BPF_TAG_SIZE`: the program tag in `bpf_prog_info`.
pub const BPF_TAG_SIZE: usize = 8;

/// `offsetofend` of a field: where the next byte after it sits.
macro_rules! end {
    ($t:ty, $f:ident) => {
        offset_of!($t, $f) + field_len(|s: &$t| &s.$f)
    };
}

/// Size of the field a projection closure points at (usable in `const` items).
const fn field_len<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// `unsafe impl AttrBytes` plus a compile-time size check.
macro_rules! attr_bytes {
    ($($t:ty = $size:literal),* $(,)?) => {$(
        // SAFETY: $t is #[repr(C)], made only of integer fields and integer arrays with every
        // padding byte spelled out as a field (the size assertion below checks that the fields
        // add up), so all bytes are initialised and any byte pattern is a valid value.
        unsafe impl AttrBytes for $t {}
        const _: () = assert!(size_of::<$t>() == $size);
    )*};
}

// ---------------------------------------------------------------------------------------------
// BPF_MAP_CREATE
// ---------------------------------------------------------------------------------------------

/// `BPF_MAP_CREATE`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MapCreateAttr {
    /// `enum bpf_map_type`.
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    /// `BPF_F_*` map flags.
    pub map_flags: u32,
    /// Fd of the inner map template (map-in-map).
    pub inner_map_fd: u32,
    /// NUMA node; only read with `BPF_F_NUMA_NODE`.
    pub numa_node: u32,
    /// NUL-terminated; letters, digits, `_` and `.` only.
    pub map_name: [u8; BPF_OBJ_NAME_LEN],
    pub map_ifindex: u32,
    pub btf_fd: u32,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    /// Kernel type of a struct_ops map's value (`bpf_struct_ops_<name>`).
    pub btf_vmlinux_value_type_id: u32,
    /// Bloom filter hash count, arena mmap address.
    pub map_extra: u64,
    /// BTF object holding `btf_vmlinux_value_type_id`; read with `BPF_F_VTYPE_BTF_OBJ_FD`.
    pub value_type_btf_obj_fd: i32,
    /// BPF token; read with `BPF_F_TOKEN_FD`.
    pub map_token_fd: i32,
}
impl MapCreateAttr {
    pub const SIZE: usize = end!(MapCreateAttr, map_token_fd);
}
const _: () = {
    assert!(offset_of!(MapCreateAttr, numa_node) == 24);
    assert!(offset_of!(MapCreateAttr, map_name) == 28);
    assert!(offset_of!(MapCreateAttr, map_ifindex) == 44);
    assert!(offset_of!(MapCreateAttr, btf_vmlinux_value_type_id) == 60);
    assert!(offset_of!(MapCreateAttr, map_extra) == 64);
    assert!(offset_of!(MapCreateAttr, value_type_btf_obj_fd) == 72);
    assert!(offset_of!(MapCreateAttr, map_token_fd) == 76);
    assert!(MapCreateAttr::SIZE == 80);
};

/// `BPF_MAP_CREATE` with an exclusive program (kernel 6.18+): the attr above, then the
/// address and size of the program's SHA-256.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MapCreateExclAttr {
    pub base: MapCreateAttr,
    pub excl_prog_hash: u64,
    pub excl_prog_hash_size: u32,
    pub _pad0: u32,
}
impl MapCreateExclAttr {
    /// `offsetofend(union bpf_attr, excl_prog_hash_size)`, what libbpf 1.7 passes.
    pub const SIZE: usize = 92;
}

// ---------------------------------------------------------------------------------------------
// BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM, GET_NEXT_KEY, LOOKUP_AND_DELETE_ELEM, FREEZE
// ---------------------------------------------------------------------------------------------

/// `BPF_MAP_LOOKUP_ELEM`, `BPF_MAP_UPDATE_ELEM`, `BPF_MAP_DELETE_ELEM`,
/// `BPF_MAP_LOOKUP_AND_DELETE_ELEM` ([`MapElemAttr::SIZE`]), `BPF_MAP_GET_NEXT_KEY`
/// ([`MapElemAttr::SIZE_NEXT_KEY`]) and `BPF_MAP_FREEZE` ([`MapElemAttr::SIZE_FREEZE`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MapElemAttr {
    pub map_fd: u32,
    pub _pad0: u32,
    /// Address of the key.
    pub key: u64,
    /// Address of the value (`next_key` for `BPF_MAP_GET_NEXT_KEY`).
    pub value: u64,
    /// `BPF_ANY`/`BPF_NOEXIST`/`BPF_EXIST`, `BPF_F_LOCK`.
    pub flags: u64,
}
impl MapElemAttr {
    /// `offsetofend(flags)`.
    pub const SIZE: usize = end!(MapElemAttr, flags);
    /// `offsetofend(next_key)`.
    pub const SIZE_NEXT_KEY: usize = end!(MapElemAttr, value);
    /// `offsetofend(map_fd)`.
    pub const SIZE_FREEZE: usize = end!(MapElemAttr, map_fd);
}
const _: () = {
    assert!(offset_of!(MapElemAttr, key) == 8);
    assert!(offset_of!(MapElemAttr, value) == 16);
    assert!(offset_of!(MapElemAttr, flags) == 24);
    assert!(MapElemAttr::SIZE == 32 && MapElemAttr::SIZE_NEXT_KEY == 24 && MapElemAttr::SIZE_FREEZE == 4);
};

/// `BPF_MAP_{LOOKUP,LOOKUP_AND_DELETE,UPDATE,DELETE}_BATCH` (`attr.batch`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MapBatchAttr {
    /// Address of the resume token (0: start from the beginning).
    pub in_batch: u64,
    /// Address receiving the next resume token.
    pub out_batch: u64,
    pub keys: u64,
    pub values: u64,
    /// In: number of elements the buffers hold; out: number processed.
    pub count: u32,
    pub map_fd: u32,
    pub elem_flags: u64,
    pub flags: u64,
}
impl MapBatchAttr {
    pub const SIZE: usize = size_of::<MapBatchAttr>();
}
const _: () = {
    assert!(offset_of!(MapBatchAttr, count) == 32);
    assert!(offset_of!(MapBatchAttr, map_fd) == 36);
    assert!(offset_of!(MapBatchAttr, elem_flags) == 40);
    assert!(offset_of!(MapBatchAttr, flags) == 48);
    assert!(MapBatchAttr::SIZE == 56);
};

// ---------------------------------------------------------------------------------------------
// BPF_PROG_LOAD
// ---------------------------------------------------------------------------------------------

/// `BPF_PROG_LOAD`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgLoadAttr {
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    pub insn_cnt: u32,
    /// Address of `insn_cnt` `struct bpf_insn`.
    pub insns: u64,
    /// Address of a NUL-terminated license string.
    pub license: u64,
    pub log_level: u32,
    pub log_size: u32,
    pub log_buf: u64,
    pub kern_version: u32,
    /// `BPF_F_*` program flags.
    pub prog_flags: u32,
    pub prog_name: [u8; BPF_OBJ_NAME_LEN],
    pub prog_ifindex: u32,
    /// `enum bpf_attach_type`.
    pub expected_attach_type: u32,
    pub prog_btf_fd: u32,
    pub func_info_rec_size: u32,
    pub func_info: u64,
    pub func_info_cnt: u32,
    pub line_info_rec_size: u32,
    pub line_info: u64,
    pub line_info_cnt: u32,
    pub attach_btf_id: u32,
    /// UAPI union: `attach_prog_fd` (freplace target program) or `attach_btf_obj_fd` (module
    /// BTF holding `attach_btf_id`; 0 = vmlinux).
    pub attach_btf_obj_fd: u32,
    pub core_relo_cnt: u32,
    /// Address of an array of fds indexed by `BPF_PSEUDO_MAP_IDX*` loads and kfunc calls.
    pub fd_array: u64,
    pub core_relos: u64,
    pub core_relo_rec_size: u32,
    /// Out: the full log size the kernel wanted, NUL included.
    pub log_true_size: u32,
    /// BPF token; read with `BPF_F_TOKEN_FD` in `prog_flags`.
    pub prog_token_fd: i32,
    /// Entries of `fd_array` the kernel checks up front (kernel 6.14+, libbpf 1.7's
    /// `bpf_prog_load_opts.fd_array_cnt`).
    pub fd_array_cnt: u32,
}
impl ProgLoadAttr {
    pub const SIZE: usize = end!(ProgLoadAttr, prog_token_fd);
    /// The size to pass: `fd_array_cnt` included only when set, so older kernels see the
    /// attr they know.
    pub fn size(&self) -> usize {
        if self.fd_array_cnt != 0 {
            end!(ProgLoadAttr, fd_array_cnt)
        } else {
            Self::SIZE
        }
    }
}
const _: () = {
    assert!(offset_of!(ProgLoadAttr, insns) == 8);
    assert!(offset_of!(ProgLoadAttr, license) == 16);
    assert!(offset_of!(ProgLoadAttr, log_level) == 24);
    assert!(offset_of!(ProgLoadAttr, log_buf) == 32);
    assert!(offset_of!(ProgLoadAttr, kern_version) == 40);
    assert!(offset_of!(ProgLoadAttr, prog_name) == 48);
    assert!(offset_of!(ProgLoadAttr, prog_ifindex) == 64);
    assert!(offset_of!(ProgLoadAttr, expected_attach_type) == 68);
    assert!(offset_of!(ProgLoadAttr, prog_btf_fd) == 72);
    assert!(offset_of!(ProgLoadAttr, func_info_rec_size) == 76);
    assert!(offset_of!(ProgLoadAttr, func_info) == 80);
    assert!(offset_of!(ProgLoadAttr, func_info_cnt) == 88);
    assert!(offset_of!(ProgLoadAttr, line_info_rec_size) == 92);
    assert!(offset_of!(ProgLoadAttr, line_info) == 96);
    assert!(offset_of!(ProgLoadAttr, line_info_cnt) == 104);
    assert!(offset_of!(ProgLoadAttr, attach_btf_id) == 108);
    assert!(offset_of!(ProgLoadAttr, attach_btf_obj_fd) == 112);
    assert!(offset_of!(ProgLoadAttr, core_relo_cnt) == 116);
    assert!(offset_of!(ProgLoadAttr, fd_array) == 120);
    assert!(offset_of!(ProgLoadAttr, core_relos) == 128);
    assert!(offset_of!(ProgLoadAttr, core_relo_rec_size) == 136);
    assert!(offset_of!(ProgLoadAttr, log_true_size) == 140);
    assert!(offset_of!(ProgLoadAttr, prog_token_fd) == 144);
    assert!(ProgLoadAttr::SIZE == 148);
};

// ---------------------------------------------------------------------------------------------
// BPF_OBJ_PIN / BPF_OBJ_GET
// ---------------------------------------------------------------------------------------------

/// `BPF_OBJ_PIN` and `BPF_OBJ_GET`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ObjPinAttr {
    /// Address of a NUL-terminated path (relative to `path_fd` with `BPF_F_PATH_FD`).
    pub pathname: u64,
    /// The object to pin (`BPF_OBJ_PIN` only).
    pub bpf_fd: u32,
    /// `BPF_F_RDONLY`/`BPF_F_WRONLY` (`BPF_OBJ_GET`), `BPF_F_PATH_FD`.
    pub file_flags: u32,
    pub path_fd: i32,
    pub _pad0: u32,
}
impl ObjPinAttr {
    pub const SIZE: usize = end!(ObjPinAttr, path_fd);
}
const _: () = {
    assert!(offset_of!(ObjPinAttr, bpf_fd) == 8);
    assert!(offset_of!(ObjPinAttr, file_flags) == 12);
    assert!(ObjPinAttr::SIZE == 20);
};

// ---------------------------------------------------------------------------------------------
// BPF_PROG_ATTACH / BPF_PROG_DETACH
// ---------------------------------------------------------------------------------------------

/// `BPF_PROG_ATTACH` and `BPF_PROG_DETACH`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgAttachAttr {
    /// UAPI union: `target_fd` or `target_ifindex`.
    pub target_fd: u32,
    pub attach_bpf_fd: u32,
    /// `enum bpf_attach_type`.
    pub attach_type: u32,
    pub attach_flags: u32,
    pub replace_bpf_fd: u32,
    /// UAPI union: `relative_fd` or (with `BPF_F_ID`) `relative_id`.
    pub relative_fd: u32,
    pub expected_revision: u64,
}
impl ProgAttachAttr {
    pub const SIZE: usize = end!(ProgAttachAttr, expected_revision);
}
const _: () = {
    assert!(offset_of!(ProgAttachAttr, replace_bpf_fd) == 16);
    assert!(offset_of!(ProgAttachAttr, relative_fd) == 20);
    assert!(offset_of!(ProgAttachAttr, expected_revision) == 24);
    assert!(ProgAttachAttr::SIZE == 32);
};

// ---------------------------------------------------------------------------------------------
// BPF_PROG_TEST_RUN
// ---------------------------------------------------------------------------------------------

/// `BPF_PROG_TEST_RUN` (`attr.test`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TestRunAttr {
    pub prog_fd: u32,
    /// Out: the program's return value.
    pub retval: u32,
    pub data_size_in: u32,
    /// In: capacity of `data_out`; out: bytes the program produced (`ENOSPC` if larger).
    pub data_size_out: u32,
    pub data_in: u64,
    pub data_out: u64,
    pub repeat: u32,
    /// Out: average run time in ns.
    pub duration: u32,
    pub ctx_size_in: u32,
    /// In: capacity of `ctx_out`; out: bytes written.
    pub ctx_size_out: u32,
    pub ctx_in: u64,
    pub ctx_out: u64,
    pub flags: u32,
    pub cpu: u32,
    pub batch_size: u32,
    pub _pad0: u32,
}
impl TestRunAttr {
    /// `offsetofend(union bpf_attr, test)`: the whole struct, tail padding included.
    pub const SIZE: usize = size_of::<TestRunAttr>();
}
const _: () = {
    assert!(offset_of!(TestRunAttr, data_in) == 16);
    assert!(offset_of!(TestRunAttr, repeat) == 32);
    assert!(offset_of!(TestRunAttr, ctx_in) == 48);
    assert!(offset_of!(TestRunAttr, ctx_out) == 56);
    assert!(offset_of!(TestRunAttr, flags) == 64);
    assert!(offset_of!(TestRunAttr, batch_size) == 72);
    assert!(TestRunAttr::SIZE == 80);
};

// ---------------------------------------------------------------------------------------------
// BPF_*_GET_NEXT_ID, BPF_*_GET_FD_BY_ID
// ---------------------------------------------------------------------------------------------

/// `BPF_{PROG,MAP,BTF,LINK}_GET_NEXT_ID` and `BPF_{PROG,MAP,BTF,LINK}_GET_FD_BY_ID`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetIdAttr {
    /// UAPI union: `start_id` (next-id commands) or `prog_id`/`map_id`/`btf_id`/`link_id`.
    pub start_id: u32,
    /// Out: the next id.
    pub next_id: u32,
    /// `BPF_F_RDONLY`/`BPF_F_WRONLY` (fd-by-id commands).
    pub open_flags: u32,
}
impl GetIdAttr {
    pub const SIZE: usize = end!(GetIdAttr, open_flags);
}
const _: () = assert!(offset_of!(GetIdAttr, open_flags) == 8 && GetIdAttr::SIZE == 12);

/// `BPF_BTF_GET_FD_BY_ID` with a BPF token (`attr.fd_by_id_token_fd`, kernel 6.15+).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetIdTokenAttr {
    pub id: GetIdAttr,
    pub fd_by_id_token_fd: u32,
}
impl GetIdTokenAttr {
    pub const SIZE: usize = 16;
}

// ---------------------------------------------------------------------------------------------
// BPF_OBJ_GET_INFO_BY_FD
// ---------------------------------------------------------------------------------------------

/// `BPF_OBJ_GET_INFO_BY_FD` (`attr.info`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InfoAttr {
    pub bpf_fd: u32,
    /// In: size of the buffer at `info`; out: bytes the kernel filled.
    pub info_len: u32,
    pub info: u64,
}
impl InfoAttr {
    pub const SIZE: usize = end!(InfoAttr, info);
}
const _: () = assert!(offset_of!(InfoAttr, info) == 8 && InfoAttr::SIZE == 16);

// ---------------------------------------------------------------------------------------------
// BPF_PROG_QUERY
// ---------------------------------------------------------------------------------------------

/// `BPF_PROG_QUERY` (`attr.query`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryAttr {
    /// UAPI union: `target_fd` or `target_ifindex`.
    pub target_fd: u32,
    pub attach_type: u32,
    pub query_flags: u32,
    /// Out.
    pub attach_flags: u32,
    pub prog_ids: u64,
    /// UAPI union `prog_cnt`/`count`. In: capacity of the id arrays; out: number attached.
    pub count: u32,
    pub _pad0: u32,
    pub prog_attach_flags: u64,
    pub link_ids: u64,
    pub link_attach_flags: u64,
    /// Out.
    pub revision: u64,
}
impl QueryAttr {
    pub const SIZE: usize = end!(QueryAttr, revision);
}
const _: () = {
    assert!(offset_of!(QueryAttr, prog_ids) == 16);
    assert!(offset_of!(QueryAttr, count) == 24);
    assert!(offset_of!(QueryAttr, prog_attach_flags) == 32);
    assert!(offset_of!(QueryAttr, link_ids) == 40);
    assert!(offset_of!(QueryAttr, link_attach_flags) == 48);
    assert!(offset_of!(QueryAttr, revision) == 56);
    assert!(QueryAttr::SIZE == 64);
};

// ---------------------------------------------------------------------------------------------
// BPF_RAW_TRACEPOINT_OPEN
// ---------------------------------------------------------------------------------------------

/// `BPF_RAW_TRACEPOINT_OPEN` (`attr.raw_tracepoint`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawTracepointAttr {
    /// Address of the NUL-terminated tracepoint name, or 0 (tracing/LSM/ext programs).
    pub name: u64,
    pub prog_fd: u32,
    pub _pad0: u32,
    pub cookie: u64,
}
impl RawTracepointAttr {
    pub const SIZE: usize = end!(RawTracepointAttr, cookie);
}
const _: () = assert!(offset_of!(RawTracepointAttr, prog_fd) == 8 && RawTracepointAttr::SIZE == 24);

// ---------------------------------------------------------------------------------------------
// BPF_BTF_LOAD
// ---------------------------------------------------------------------------------------------

/// `BPF_BTF_LOAD`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BtfLoadAttr {
    /// Address of the raw BTF blob (header, types, strings).
    pub btf: u64,
    pub btf_log_buf: u64,
    pub btf_size: u32,
    pub btf_log_size: u32,
    pub btf_log_level: u32,
    /// Out: the full log size the kernel wanted.
    pub btf_log_true_size: u32,
    /// `BPF_F_TOKEN_FD`.
    pub btf_flags: u32,
    pub btf_token_fd: i32,
}
impl BtfLoadAttr {
    pub const SIZE: usize = end!(BtfLoadAttr, btf_token_fd);
}
const _: () = {
    assert!(offset_of!(BtfLoadAttr, btf_size) == 16);
    assert!(offset_of!(BtfLoadAttr, btf_log_true_size) == 28);
    assert!(offset_of!(BtfLoadAttr, btf_flags) == 32);
    assert!(BtfLoadAttr::SIZE == 40);
};

// ---------------------------------------------------------------------------------------------
// BPF_TASK_FD_QUERY
// ---------------------------------------------------------------------------------------------

/// `BPF_TASK_FD_QUERY` (`attr.task_fd_query`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskFdQueryAttr {
    pub pid: u32,
    pub fd: u32,
    pub flags: u32,
    /// In: capacity of `buf`; out: length of the name (without NUL).
    pub buf_len: u32,
    pub buf: u64,
    /// Out.
    pub prog_id: u32,
    /// Out: `BPF_FD_TYPE_*`.
    pub fd_type: u32,
    pub probe_offset: u64,
    pub probe_addr: u64,
}
impl TaskFdQueryAttr {
    pub const SIZE: usize = end!(TaskFdQueryAttr, probe_addr);
}
const _: () = {
    assert!(offset_of!(TaskFdQueryAttr, buf) == 16);
    assert!(offset_of!(TaskFdQueryAttr, prog_id) == 24);
    assert!(offset_of!(TaskFdQueryAttr, probe_offset) == 32);
    assert!(TaskFdQueryAttr::SIZE == 48);
};

// ---------------------------------------------------------------------------------------------
// BPF_LINK_CREATE
// ---------------------------------------------------------------------------------------------

/// `link_create.target_btf_id` and `link_create.tracing` (they overlay): fentry/fexit/LSM/
/// freplace target and the attach cookie.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkTracing {
    pub target_btf_id: u32,
    pub _pad0: u32,
    pub cookie: u64,
}

/// `link_create.iter_info` / `iter_info_len` (`BPF_TRACE_ITER`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkIter {
    /// Address of a `union bpf_iter_link_info`.
    pub iter_info: u64,
    pub iter_info_len: u32,
    pub _pad0: u32,
}

/// `link_create.perf_event` (`BPF_PERF_EVENT`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkPerfEvent {
    pub bpf_cookie: u64,
}

/// `link_create.kprobe_multi` (`BPF_TRACE_KPROBE_MULTI`, `BPF_TRACE_KPROBE_SESSION`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkKprobeMulti {
    /// `BPF_F_KPROBE_MULTI_RETURN`.
    pub flags: u32,
    pub cnt: u32,
    /// Address of `cnt` `const char *` symbol names.
    pub syms: u64,
    /// Address of `cnt` `unsigned long` addresses.
    pub addrs: u64,
    /// Address of `cnt` `__u64` cookies.
    pub cookies: u64,
}

/// `link_create.netfilter` (`BPF_NETFILTER`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkNetfilter {
    pub pf: u32,
    pub hooknum: u32,
    pub priority: i32,
    /// `BPF_F_NETFILTER_IP_DEFRAG`.
    pub flags: u32,
}

/// `link_create.tcx` and `link_create.netkit` (same layout).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkRelative {
    /// UAPI union: `relative_fd` or (with `BPF_F_ID` in `flags`) `relative_id`.
    pub relative_fd: u32,
    pub _pad0: u32,
    pub expected_revision: u64,
}

/// `link_create.uprobe_multi` (`BPF_TRACE_UPROBE_MULTI`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkUprobeMulti {
    /// Address of the NUL-terminated binary path.
    pub path: u64,
    /// Address of `cnt` `unsigned long` file offsets.
    pub offsets: u64,
    pub ref_ctr_offsets: u64,
    pub cookies: u64,
    pub cnt: u32,
    /// `BPF_F_UPROBE_MULTI_RETURN`.
    pub flags: u32,
    pub pid: u32,
    pub _pad0: u32,
}

/// The per-attach-type part of `BPF_LINK_CREATE`. Every member is integers only with explicit
/// padding and `raw` spans the whole union, so any member may be written and `raw` read.
#[repr(C)]
#[derive(Clone, Copy)]
pub union LinkCreateExtra {
    pub tracing: LinkTracing,
    pub iter: LinkIter,
    pub perf_event: LinkPerfEvent,
    pub kprobe_multi: LinkKprobeMulti,
    pub netfilter: LinkNetfilter,
    pub tcx: LinkRelative,
    pub uprobe_multi: LinkUprobeMulti,
    pub netkit: LinkRelative,
    pub raw: [u64; 6],
}

impl Default for LinkCreateExtra {
    fn default() -> Self {
        LinkCreateExtra { raw: [0; 6] }
    }
}

impl std::fmt::Debug for LinkCreateExtra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LinkCreateExtra").field(&self.raw()).finish()
    }
}

impl LinkCreateExtra {
    /// The union's bytes as six words.
    pub fn raw(&self) -> [u64; 6] {
        // SAFETY: every member is plain integers without implicit padding and `raw` covers the
        // whole union (asserted below), so all 48 bytes are initialised and any pattern is a
        // valid `[u64; 6]`.
        unsafe { self.raw }
    }
}

/// `BPF_LINK_CREATE` (`attr.link_create`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkCreateAttr {
    /// UAPI union: `prog_fd` or (struct_ops) `map_fd`.
    pub prog_fd: u32,
    /// UAPI union: `target_fd` or `target_ifindex`.
    pub target_fd: u32,
    /// `enum bpf_attach_type`.
    pub attach_type: u32,
    pub flags: u32,
    pub extra: LinkCreateExtra,
}
impl LinkCreateAttr {
    /// `offsetofend(union bpf_attr, link_create)`.
    pub const SIZE: usize = size_of::<LinkCreateAttr>();
}
const _: () = {
    assert!(size_of::<LinkCreateExtra>() == 48);
    assert!(size_of::<LinkTracing>() <= 48 && size_of::<LinkUprobeMulti>() == 48);
    assert!(offset_of!(LinkCreateAttr, extra) == 16);
    let x = offset_of!(LinkCreateAttr, extra);
    assert!(x + offset_of!(LinkTracing, cookie) == 24);
    assert!(x + offset_of!(LinkIter, iter_info_len) == 24);
    assert!(x + offset_of!(LinkKprobeMulti, cnt) == 20);
    assert!(x + offset_of!(LinkKprobeMulti, syms) == 24);
    assert!(x + offset_of!(LinkKprobeMulti, cookies) == 40);
    assert!(x + offset_of!(LinkNetfilter, priority) == 24);
    assert!(x + offset_of!(LinkNetfilter, flags) == 28);
    assert!(x + offset_of!(LinkRelative, expected_revision) == 24);
    assert!(x + offset_of!(LinkUprobeMulti, cookies) == 40);
    assert!(x + offset_of!(LinkUprobeMulti, cnt) == 48);
    assert!(x + offset_of!(LinkUprobeMulti, pid) == 56);
    assert!(LinkCreateAttr::SIZE == 64);
};

// ---------------------------------------------------------------------------------------------
// BPF_LINK_UPDATE, BPF_LINK_DETACH, BPF_ENABLE_STATS, BPF_ITER_CREATE, BPF_PROG_BIND_MAP,
// BPF_TOKEN_CREATE
// ---------------------------------------------------------------------------------------------

/// `BPF_LINK_UPDATE` (`attr.link_update`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkUpdateAttr {
    pub link_fd: u32,
    /// UAPI union: `new_prog_fd` or (struct_ops) `new_map_fd`.
    pub new_prog_fd: u32,
    /// `BPF_F_REPLACE`: fail unless the link currently holds `old_prog_fd`.
    pub flags: u32,
    /// UAPI union: `old_prog_fd` or `old_map_fd`.
    pub old_prog_fd: u32,
}
impl LinkUpdateAttr {
    pub const SIZE: usize = size_of::<LinkUpdateAttr>();
}
const _: () = assert!(offset_of!(LinkUpdateAttr, old_prog_fd) == 12 && LinkUpdateAttr::SIZE == 16);

/// `BPF_LINK_DETACH` (`attr.link_detach`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkDetachAttr {
    pub link_fd: u32,
}
impl LinkDetachAttr {
    pub const SIZE: usize = size_of::<LinkDetachAttr>();
}

/// `BPF_ENABLE_STATS` (`attr.enable_stats`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnableStatsAttr {
    /// `enum bpf_stats_type`.
    pub type_: u32,
}
impl EnableStatsAttr {
    pub const SIZE: usize = size_of::<EnableStatsAttr>();
}

/// `BPF_ITER_CREATE` (`attr.iter_create`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IterCreateAttr {
    pub link_fd: u32,
    pub flags: u32,
}
impl IterCreateAttr {
    pub const SIZE: usize = size_of::<IterCreateAttr>();
}

/// `BPF_PROG_BIND_MAP` (`attr.prog_bind_map`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgBindMapAttr {
    pub prog_fd: u32,
    pub map_fd: u32,
    pub flags: u32,
}
impl ProgBindMapAttr {
    pub const SIZE: usize = size_of::<ProgBindMapAttr>();
}

/// `BPF_TOKEN_CREATE` (`attr.token_create`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenCreateAttr {
    pub flags: u32,
    /// An fd of a BPF FS mount (directory) with delegation options.
    pub bpffs_fd: u32,
}
impl TokenCreateAttr {
    pub const SIZE: usize = size_of::<TokenCreateAttr>();
}

/// `BPF_PROG_STREAM_READ_BY_FD` (`attr.prog_stream_read`, kernel 6.17+).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgStreamReadAttr {
    pub stream_buf: u64,
    pub stream_buf_len: u32,
    pub stream_id: u32,
    pub prog_fd: u32,
    pub _pad0: u32,
}
impl ProgStreamReadAttr {
    /// `offsetofend(union bpf_attr, prog_stream_read)`, what libbpf passes.
    pub const SIZE: usize = 20;
}

/// `BPF_PROG_ASSOC_STRUCT_OPS` (`attr.prog_assoc_struct_ops`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgAssocStructOpsAttr {
    pub map_fd: u32,
    pub prog_fd: u32,
    pub flags: u32,
}
impl ProgAssocStructOpsAttr {
    pub const SIZE: usize = size_of::<ProgAssocStructOpsAttr>();
}

attr_bytes!(
    GetIdTokenAttr = 16,
    MapCreateExclAttr = 96,
    ProgStreamReadAttr = 24,
    ProgAssocStructOpsAttr = 12,
    MapCreateAttr = 80,
    MapElemAttr = 32,
    MapBatchAttr = 56,
    ProgLoadAttr = 152,
    ObjPinAttr = 24,
    ProgAttachAttr = 32,
    TestRunAttr = 80,
    GetIdAttr = 12,
    InfoAttr = 16,
    QueryAttr = 64,
    RawTracepointAttr = 24,
    BtfLoadAttr = 40,
    TaskFdQueryAttr = 48,
    LinkCreateAttr = 64,
    LinkUpdateAttr = 16,
    LinkDetachAttr = 4,
    EnableStatsAttr = 4,
    IterCreateAttr = 8,
    ProgBindMapAttr = 12,
    TokenCreateAttr = 8,
);

// ---------------------------------------------------------------------------------------------
// Info structs (BPF_OBJ_GET_INFO_BY_FD). The C names are kept: the bpf.h exports take them.
// ---------------------------------------------------------------------------------------------

/// `struct bpf_prog_info` (kernel UAPI). Pointer fields are `u64` addresses of caller buffers
/// the kernel fills when both the pointer and its count/length are set.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct bpf_prog_info {
    /// `enum bpf_prog_type`.
    pub type_: u32,
    pub id: u32,
    pub tag: [u8; BPF_TAG_SIZE],
    pub jited_prog_len: u32,
    pub xlated_prog_len: u32,
    pub jited_prog_insns: u64,
    pub xlated_prog_insns: u64,
    /// ns since boot.
    pub load_time: u64,
    pub created_by_uid: u32,
    pub nr_map_ids: u32,
    pub map_ids: u64,
    pub name: [u8; BPF_OBJ_NAME_LEN],
    pub ifindex: u32,
    /// Bit 0: `gpl_compatible` (a C bitfield); the other 31 bits are padding.
    pub gpl_compatible: u32,
    pub netns_dev: u64,
    pub netns_ino: u64,
    pub nr_jited_ksyms: u32,
    pub nr_jited_func_lens: u32,
    pub jited_ksyms: u64,
    pub jited_func_lens: u64,
    pub btf_id: u32,
    pub func_info_rec_size: u32,
    pub func_info: u64,
    pub nr_func_info: u32,
    pub nr_line_info: u32,
    pub line_info: u64,
    pub jited_line_info: u64,
    pub nr_jited_line_info: u32,
    pub line_info_rec_size: u32,
    pub jited_line_info_rec_size: u32,
    pub nr_prog_tags: u32,
    pub prog_tags: u64,
    pub run_time_ns: u64,
    pub run_cnt: u64,
    pub recursion_misses: u64,
    pub verified_insns: u32,
    pub attach_btf_obj_id: u32,
    pub attach_btf_id: u32,
    pub _pad0: u32,
}
const _: () = {
    assert!(offset_of!(bpf_prog_info, tag) == 8);
    assert!(offset_of!(bpf_prog_info, xlated_prog_insns) == 32);
    assert!(offset_of!(bpf_prog_info, map_ids) == 56);
    assert!(offset_of!(bpf_prog_info, name) == 64);
    assert!(offset_of!(bpf_prog_info, ifindex) == 80);
    assert!(offset_of!(bpf_prog_info, gpl_compatible) == 84);
    assert!(offset_of!(bpf_prog_info, netns_dev) == 88);
    assert!(offset_of!(bpf_prog_info, btf_id) == 128);
    assert!(offset_of!(bpf_prog_info, jited_line_info_rec_size) == 176);
    assert!(offset_of!(bpf_prog_info, prog_tags) == 184);
    assert!(offset_of!(bpf_prog_info, recursion_misses) == 208);
    assert!(offset_of!(bpf_prog_info, verified_insns) == 216);
    assert!(offset_of!(bpf_prog_info, attach_btf_id) == 224);
};

impl bpf_prog_info {
    /// The program name (at most 15 bytes).
    pub fn name(&self) -> String {
        name_str(&self.name)
    }
    /// The `gpl_compatible` bitfield.
    pub fn is_gpl_compatible(&self) -> bool {
        self.gpl_compatible & 1 != 0
    }
}

/// `struct bpf_map_info` (kernel UAPI).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct bpf_map_info {
    /// `enum bpf_map_type`.
    pub type_: u32,
    pub id: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub name: [u8; BPF_OBJ_NAME_LEN],
    pub ifindex: u32,
    pub btf_vmlinux_value_type_id: u32,
    pub netns_dev: u64,
    pub netns_ino: u64,
    pub btf_id: u32,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    pub btf_vmlinux_id: u32,
    pub map_extra: u64,
}
const _: () = {
    assert!(offset_of!(bpf_map_info, name) == 24);
    assert!(offset_of!(bpf_map_info, netns_dev) == 48);
    assert!(offset_of!(bpf_map_info, btf_vmlinux_id) == 76);
    assert!(offset_of!(bpf_map_info, map_extra) == 80);
};

impl bpf_map_info {
    /// The map name (at most 15 bytes).
    pub fn name(&self) -> String {
        name_str(&self.name)
    }
}

/// `struct bpf_btf_info` (kernel UAPI).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct bpf_btf_info {
    /// Address of a buffer receiving the raw BTF, `btf_size` bytes.
    pub btf: u64,
    pub btf_size: u32,
    pub id: u32,
    /// Address of a buffer receiving the name (module name, "vmlinux" or empty).
    pub name: u64,
    pub name_len: u32,
    /// Non-zero for kernel (vmlinux/module) BTF.
    pub kernel_btf: u32,
}
const _: () = assert!(offset_of!(bpf_btf_info, name) == 16 && offset_of!(bpf_btf_info, kernel_btf) == 28);

/// `struct bpf_link_info` (kernel UAPI). The per-link-type union is kept as raw words; the
/// typed views below decode the common ones.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct bpf_link_info {
    /// `enum bpf_link_type`.
    pub type_: u32,
    pub id: u32,
    pub prog_id: u32,
    pub _pad0: u32,
    /// The UAPI's anonymous union (raw_tracepoint, tracing, cgroup, iter, netns, xdp,
    /// struct_ops, netfilter, kprobe_multi, uprobe_multi, perf_event, tcx, netkit, sockmap).
    pub u: [u64; 6],
}
const _: () = assert!(offset_of!(bpf_link_info, u) == 16);

impl bpf_link_info {
    fn u32_at(&self, off: usize) -> u32 {
        let w = self.u[off / 8];
        (if off % 8 == 0 { w } else { w >> 32 }) as u32
    }
    /// `raw_tracepoint.{tp_name, tp_name_len}`.
    pub fn raw_tracepoint(&self) -> (u64, u32) {
        (self.u[0], self.u32_at(8))
    }
    /// `tracing.{attach_type, target_obj_id, target_btf_id}`.
    pub fn tracing(&self) -> (u32, u32, u32) {
        (self.u32_at(0), self.u32_at(4), self.u32_at(8))
    }
    /// `cgroup.{cgroup_id, attach_type}`.
    pub fn cgroup(&self) -> (u64, u32) {
        (self.u[0], self.u32_at(8))
    }
    /// `struct_ops.map_id`.
    pub fn struct_ops_map_id(&self) -> u32 {
        self.u32_at(0)
    }
    /// `netfilter.{pf, hooknum, priority, flags}`.
    pub fn netfilter(&self) -> (u32, u32, i32, u32) {
        (self.u32_at(0), self.u32_at(4), self.u32_at(8) as i32, self.u32_at(12))
    }
    /// `xdp.ifindex`, `tcx.ifindex`, `netkit.ifindex` (first word of those parts).
    pub fn ifindex(&self) -> u32 {
        self.u32_at(0)
    }
    /// `tcx.attach_type`, `netkit.attach_type`, `netns.attach_type`, `sockmap.attach_type`.
    pub fn second_u32(&self) -> u32 {
        self.u32_at(4)
    }
    /// `perf_event.type` (`enum bpf_perf_event_type`).
    pub fn perf_event_type(&self) -> u32 {
        self.u32_at(0)
    }
}

attr_bytes!(bpf_prog_info = 232, bpf_map_info = 88, bpf_btf_info = 32, bpf_link_info = 64);

/// Decode a kernel name field (NUL-padded) into a `String`, lossily.
pub fn name_str(b: &[u8]) -> String {
    let n = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..n]).into_owned()
}
