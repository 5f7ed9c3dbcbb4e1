//! Typed bpf(2) commands.
//!
//! Two layers:
//! * [`raw`]: one function per command over the attr structs of [`super::attr`], with fds as
//!   `RawFd` and buffers as addresses, doing exactly what libbpf's `bpf.c` does (sizes, retries,
//!   fd hygiene) and returning `io::Result`. The C exports of `bpf.h` are built on it. Functions
//!   that hand caller addresses to the kernel are `unsafe`: the kernel reads and writes through
//!   them.
//! * the safe functions, one file per command family (`map`, `prog`, `btf`, `link`,
//!   `obj`) and re-exported at this module's top level: borrowed fds, slices whose lengths are
//!   checked against what the kernel will touch, and [`Error`]s that name the command and the
//!   object ("map 'foo': BPF_MAP_CREATE failed: -EINVAL"). The object loader uses these.
//!
//! Every fd the kernel returns comes back as an `OwnedFd`; the kernel opens them `O_CLOEXEC`.
//! Like libbpf, an fd that lands on 0, 1 or 2 is moved above 2 (`F_DUPFD_CLOEXEC`), so a
//! process that closed its standard streams does not get BPF objects there.
//!
//! Expected outcomes (`ENOENT` from a lookup, the end of an id or key iteration) are
//! [`Error::quiet`]: the C boundary reports them by errno alone, as libbpf does.

mod btf;
mod link;
mod map;
mod obj;
mod prog;

pub use btf::{btf_data, btf_info, btf_info_name, btf_load, btf_load_into_kernel};
pub use link::{
    falls_back_to_raw_tp, iter_create, link_create, link_detach, link_update, link_update_map, opts_member,
    raw_tracepoint_open, LinkCreate, LinkExtra, OptsMember,
};
pub use map::{
    is_percpu, map_create, map_delete_batch, map_delete_elem, map_freeze, map_get_next_key,
    map_lookup_and_delete_batch, map_lookup_and_delete_elem, map_lookup_batch, map_lookup_elem, map_shape,
    map_update_batch, map_update_elem, value_bytes, BatchOut, MapCreate, MapShape,
};
pub use obj::{
    enable_stats, get_fd_by_id, get_next_id, link_info, map_info, obj_get, obj_pin, prog_info, task_fd_query,
    token_create, IdKind, TaskFdInfo,
};
pub use prog::{
    prog_attach, prog_bind_map, prog_detach, prog_load, prog_load_report, prog_map_ids, prog_query, prog_test_run,
    prog_xlated_insns, ProgAttach, ProgLoad, ProgQuery, ProgQueryOut, Relative, TestRun, TestRunOut,
};

use crate::error::{Error, Result};
use crate::uapi::BPF_OBJ_NAME_LEN;
use std::fmt::Display;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// libbpf's `BPF_LOG_BUF_SIZE` (UINT32_MAX >> 8): the first size of its own log buffers.
pub const LOG_BUF_SIZE: usize = (u32::MAX >> 8) as usize;

/// Attempts libbpf makes at `BPF_PROG_LOAD` while the kernel answers `EAGAIN`.
pub const PROG_LOAD_ATTEMPTS: u32 = 5;
/// The largest log buffer the kernel accepts (`UINT_MAX >> 2`); longer buffers are passed
/// with this size.
pub const LOG_BUF_MAX: usize = (u32::MAX >> 2) as usize;

/// The text of a NUL-terminated log buffer.
pub fn c_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// The command's name, for messages.
pub fn cmd_name(cmd: u32) -> &'static str {
    const NAMES: [&str; 37] = [
        "BPF_MAP_CREATE",
        "BPF_MAP_LOOKUP_ELEM",
        "BPF_MAP_UPDATE_ELEM",
        "BPF_MAP_DELETE_ELEM",
        "BPF_MAP_GET_NEXT_KEY",
        "BPF_PROG_LOAD",
        "BPF_OBJ_PIN",
        "BPF_OBJ_GET",
        "BPF_PROG_ATTACH",
        "BPF_PROG_DETACH",
        "BPF_PROG_TEST_RUN",
        "BPF_PROG_GET_NEXT_ID",
        "BPF_MAP_GET_NEXT_ID",
        "BPF_PROG_GET_FD_BY_ID",
        "BPF_MAP_GET_FD_BY_ID",
        "BPF_OBJ_GET_INFO_BY_FD",
        "BPF_PROG_QUERY",
        "BPF_RAW_TRACEPOINT_OPEN",
        "BPF_BTF_LOAD",
        "BPF_BTF_GET_FD_BY_ID",
        "BPF_TASK_FD_QUERY",
        "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
        "BPF_MAP_FREEZE",
        "BPF_BTF_GET_NEXT_ID",
        "BPF_MAP_LOOKUP_BATCH",
        "BPF_MAP_LOOKUP_AND_DELETE_BATCH",
        "BPF_MAP_UPDATE_BATCH",
        "BPF_MAP_DELETE_BATCH",
        "BPF_LINK_CREATE",
        "BPF_LINK_UPDATE",
        "BPF_LINK_GET_FD_BY_ID",
        "BPF_LINK_GET_NEXT_ID",
        "BPF_ENABLE_STATS",
        "BPF_ITER_CREATE",
        "BPF_LINK_DETACH",
        "BPF_PROG_BIND_MAP",
        "BPF_TOKEN_CREATE",
    ];
    NAMES.get(cmd as usize).copied().unwrap_or("BPF_<unknown command>")
}

/// "<what>: <CMD> failed: <errno>" (`-EINVAL`, as libbpf 1.7 writes errno values), carrying the
/// errno.
pub fn fail(what: impl Display, cmd: u32, e: &io::Error) -> Error {
    let errno = e.raw_os_error().unwrap_or(libc::EIO);
    Error::new(errno, format!("{what}: {} failed: {}", cmd_name(cmd), crate::error::errstr(errno)))
}

/// Like [`fail`], but `ENOENT` is an expected outcome reported quietly.
fn fail_or_quiet(what: impl Display, cmd: u32, e: &io::Error) -> Error {
    match e.raw_os_error() {
        Some(libc::ENOENT) => Error::quiet(libc::ENOENT),
        _ => fail(what, cmd, e),
    }
}

/// Copy an object name into the kernel's 16-byte field: at most 15 bytes, NUL-terminated,
/// every byte the kernel refuses (anything but ASCII letters, digits, `_` and `.`) replaced by
/// `_`.
pub fn obj_name(name: &str) -> [u8; BPF_OBJ_NAME_LEN] {
    let mut out = [0u8; BPF_OBJ_NAME_LEN];
    for (o, &b) in out.iter_mut().zip(name.as_bytes().iter().take(BPF_OBJ_NAME_LEN - 1)) {
        *o = if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' { b } else { b'_' };
    }
    out
}

/// Address of a buffer for an attr field; 0 for an empty slice (the kernel's "none").
fn addr<T>(s: &[T]) -> u64 {
    if s.is_empty() {
        0
    } else {
        s.as_ptr() as u64
    }
}

fn addr_mut<T>(s: &mut [T]) -> u64 {
    if s.is_empty() {
        0
    } else {
        s.as_mut_ptr() as u64
    }
}

fn fd_u32(fd: Option<BorrowedFd>) -> u32 {
    fd.map_or(0, |f| f.as_raw_fd() as u32)
}

fn u32_len(n: usize, what: impl Display) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::new(libc::E2BIG, format!("{what}: {n} is too large")))
}

pub mod raw;

#[cfg(test)]
mod tests {
    use super::prog::max_fd_array_index;
    use super::*;
    use crate::uapi;

    #[test]
    fn names_are_truncated_and_sanitised() {
        assert_eq!(&obj_name("foo")[..4], b"foo\0");
        assert_eq!(obj_name("abcdefghijklmnopqrstuvwxyz")[15], 0);
        assert_eq!(&obj_name("abcdefghijklmnopqrstuvwxyz")[..15], b"abcdefghijklmno");
        assert_eq!(&obj_name("a-b c.d_é")[..11], b"a_b_c.d___\0");
        assert_eq!(obj_name(""), [0; 16]);
    }

    #[test]
    fn fail_names_the_errno() {
        let e = fail("map 'foo'", uapi::BPF_MAP_CREATE, &io::Error::from_raw_os_error(libc::EINVAL));
        assert_eq!(e.message(), "map 'foo': BPF_MAP_CREATE failed: -EINVAL");
        assert_eq!(e.errno(), libc::EINVAL);
        assert_eq!(cmd_name(uapi::BPF_TOKEN_CREATE), "BPF_TOKEN_CREATE");
        assert_eq!(cmd_name(99), "BPF_<unknown command>");
    }

    #[test]
    fn fd_array_indices_are_found() {
        let ld = |src: u8, imm: i32| uapi::BpfInsn::new(uapi::BPF_LD_IMM64, 1, src, 0, imm);
        let enc = |i: uapi::BpfInsn| u64::from_ne_bytes(i.to_array());
        let insns = [
            enc(ld(uapi::BPF_PSEUDO_MAP_IDX, 3)),
            0,
            enc(ld(uapi::BPF_PSEUDO_MAP_FD, 40)),
            0,
            enc(uapi::BpfInsn::new(uapi::BPF_JMP_CALL, 0, uapi::BPF_PSEUDO_KFUNC_CALL, 5, 77)),
            enc(uapi::BpfInsn::new(uapi::BPF_JMP_EXIT, 0, 0, 0, 0)),
        ];
        assert_eq!(max_fd_array_index(&insns), Some(5));
        assert_eq!(max_fd_array_index(&insns[..4]), Some(3));
        assert_eq!(max_fd_array_index(&insns[2..4]), None);
    }

    #[test]
    fn zero_tailing_keeps_stride() {
        let src = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        assert_eq!(raw::zero_tailing(&src, 2, 6, 4), Some(vec![1, 2, 3, 4, 0, 0, 7, 8, 9, 10, 0, 0]));
        assert_eq!(raw::zero_tailing(&src, 3, 6, 4), None);
    }

    #[test]
    fn percpu_value_bytes() {
        let n = crate::sys::possible_cpus().unwrap();
        assert_eq!(value_bytes(uapi::BPF_MAP_TYPE_PERCPU_ARRAY, 4).unwrap(), 8 * n);
        assert_eq!(value_bytes(uapi::BPF_MAP_TYPE_LRU_PERCPU_HASH, 12).unwrap(), 16 * n);
        assert_eq!(value_bytes(uapi::BPF_MAP_TYPE_HASH, 12).unwrap(), 12);
    }
}
