//! Commands on any BPF object: pin/get in the BPF FS, id iteration and fd by id, object info;
//! also stats enabling, BPF tokens and `BPF_TASK_FD_QUERY`.

use super::{addr_mut, fail, fail_or_quiet, raw, u32_len};
use crate::error::{Error, Result};
use crate::sys::attr::*;
use crate::uapi;
use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

/// `BPF_OBJ_PIN`: pin a map, program, link or BTF at `path` on a BPF FS.
pub fn obj_pin(fd: BorrowedFd, path: &CStr) -> Result<()> {
    let mut a = ObjPinAttr { pathname: path.as_ptr() as u64, bpf_fd: fd.as_raw_fd() as u32, ..Default::default() };
    // SAFETY: pathname points to the NUL-terminated `path`, alive for the call.
    unsafe { raw::obj_pin(&mut a) }
        .map_err(|e| fail(format_args!("fd {} -> '{}'", fd.as_raw_fd(), path.to_string_lossy()), uapi::BPF_OBJ_PIN, &e))
}

/// `BPF_OBJ_GET`: open a pinned object. `flags`: `BPF_F_RDONLY`/`BPF_F_WRONLY`.
pub fn obj_get(path: &CStr, flags: u32) -> Result<OwnedFd> {
    let mut a = ObjPinAttr { pathname: path.as_ptr() as u64, file_flags: flags, ..Default::default() };
    // SAFETY: pathname points to the NUL-terminated `path`, alive for the call.
    unsafe { raw::obj_get(&mut a) }
        .map_err(|e| fail(format_args!("'{}'", path.to_string_lossy()), uapi::BPF_OBJ_GET, &e))
}

/// Which kind of object an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Prog,
    Map,
    Btf,
    Link,
}

impl IdKind {
    pub fn next_id_cmd(self) -> u32 {
        match self {
            IdKind::Prog => uapi::BPF_PROG_GET_NEXT_ID,
            IdKind::Map => uapi::BPF_MAP_GET_NEXT_ID,
            IdKind::Btf => uapi::BPF_BTF_GET_NEXT_ID,
            IdKind::Link => uapi::BPF_LINK_GET_NEXT_ID,
        }
    }
    pub fn fd_by_id_cmd(self) -> u32 {
        match self {
            IdKind::Prog => uapi::BPF_PROG_GET_FD_BY_ID,
            IdKind::Map => uapi::BPF_MAP_GET_FD_BY_ID,
            IdKind::Btf => uapi::BPF_BTF_GET_FD_BY_ID,
            IdKind::Link => uapi::BPF_LINK_GET_FD_BY_ID,
        }
    }
    fn noun(self) -> &'static str {
        match self {
            IdKind::Prog => "prog",
            IdKind::Map => "map",
            IdKind::Btf => "BTF",
            IdKind::Link => "link",
        }
    }
}

/// The next id of `kind` after `start` (0: the first). The end is a quiet `ENOENT`.
pub fn get_next_id(kind: IdKind, start: u32) -> Result<u32> {
    let cmd = kind.next_id_cmd();
    raw::get_next_id(cmd, start).map_err(|e| fail_or_quiet(format_args!("{} id after {start}", kind.noun()), cmd, &e))
}

/// An fd for the object with this id. `flags`: `BPF_F_RDONLY`/`BPF_F_WRONLY` (maps).
/// An id that no longer exists is a quiet `ENOENT`.
pub fn get_fd_by_id(kind: IdKind, id: u32, flags: u32) -> Result<OwnedFd> {
    let cmd = kind.fd_by_id_cmd();
    raw::get_fd_by_id(cmd, id, flags).map_err(|e| fail_or_quiet(format_args!("{} id {id}", kind.noun()), cmd, &e))
}

/// `BPF_OBJ_GET_INFO_BY_FD` into `info`, which may hold buffer addresses the kernel fills.
///
/// # Safety
/// Every buffer address set in `info` must be valid for the kernel's writes of the
/// lengths/counts set beside it.
pub(super) unsafe fn obj_info<T: crate::sys::AttrBytes>(fd: BorrowedFd, info: &mut T, what: &str) -> Result<()> {
    let buf = info.bytes_mut();
    let mut len = buf.len() as u32;
    // SAFETY: `buf` is the whole of `info`, writable; nested buffers are the caller's contract.
    unsafe { raw::obj_get_info(fd.as_raw_fd(), buf.as_mut_ptr() as u64, &mut len) }
        .map_err(|e| fail(format_args!("{what} fd {}", fd.as_raw_fd()), uapi::BPF_OBJ_GET_INFO_BY_FD, &e))
}

/// The kernel's `bpf_prog_info` (no arrays requested).
pub fn prog_info(fd: BorrowedFd) -> Result<bpf_prog_info> {
    let mut i = bpf_prog_info::default();
    // SAFETY: all buffer addresses in `i` are 0.
    unsafe { obj_info(fd, &mut i, "prog") }?;
    Ok(i)
}

/// The kernel's `bpf_map_info`.
pub fn map_info(fd: BorrowedFd) -> Result<bpf_map_info> {
    let mut i = bpf_map_info::default();
    // SAFETY: bpf_map_info holds no buffer addresses.
    unsafe { obj_info(fd, &mut i, "map") }?;
    Ok(i)
}

/// The kernel's `bpf_link_info` (no names or arrays requested).
pub fn link_info(fd: BorrowedFd) -> Result<bpf_link_info> {
    let mut i = bpf_link_info::default();
    // SAFETY: all buffer addresses in `i` are 0.
    unsafe { obj_info(fd, &mut i, "link") }?;
    Ok(i)
}

/// `BPF_ENABLE_STATS` (`BPF_STATS_RUN_TIME` = 0): stats stay enabled while the fd is open.
pub fn enable_stats(type_: u32) -> Result<OwnedFd> {
    raw::enable_stats(type_).map_err(|e| fail(format_args!("stats type {type_}"), uapi::BPF_ENABLE_STATS, &e))
}

/// `BPF_TOKEN_CREATE` from a BPF FS mount (an fd of its root directory). The error is its
/// errno alone: the load words libbpf's token lines itself, and on a BPF FS without delegation
/// every load fails here, so no message is formatted (or allocated) for it.
pub fn token_create(bpffs: BorrowedFd, flags: u32) -> Result<OwnedFd> {
    raw::token_create(bpffs.as_raw_fd(), flags).map_err(|e| Error::quiet(e.raw_os_error().unwrap_or(libc::EIO)))
}

/// What [`task_fd_query`] reports about a perf event or raw tracepoint fd of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFdInfo {
    pub prog_id: u32,
    /// `BPF_FD_TYPE_*`.
    pub fd_type: u32,
    /// Tracepoint name, kprobe symbol or uprobe file name (lossy UTF-8, truncated to the
    /// buffer given).
    pub name: String,
    /// Full length of the name.
    pub name_len: u32,
    pub probe_offset: u64,
    pub probe_addr: u64,
}

/// `BPF_TASK_FD_QUERY`, reading at most `name_cap` bytes of the name.
pub fn task_fd_query(pid: i32, fd: i32, flags: u32, name_cap: usize) -> Result<TaskFdInfo> {
    let mut buf = vec![0u8; name_cap];
    let mut a = TaskFdQueryAttr {
        pid: pid as u32,
        fd: fd as u32,
        flags,
        buf_len: u32_len(buf.len(), "task_fd_query")?,
        buf: addr_mut(&mut buf),
        ..Default::default()
    };
    // SAFETY: `buf` is writable for buf_len bytes and outlives the call.
    unsafe { raw::task_fd_query(&mut a) }
        .map_err(|e| fail(format_args!("pid {pid} fd {fd}"), uapi::BPF_TASK_FD_QUERY, &e))?;
    Ok(TaskFdInfo {
        prog_id: a.prog_id,
        fd_type: a.fd_type,
        name: name_str(&buf),
        name_len: a.buf_len,
        probe_offset: a.probe_offset,
        probe_addr: a.probe_addr,
    })
}
