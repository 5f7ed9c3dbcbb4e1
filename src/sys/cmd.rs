//! Typed bpf(2) commands.
//!
//! Two layers:
//! * [`raw`]: one function per command over the attr structs of [`super::attr`], with fds as
//!   `RawFd` and buffers as addresses, doing exactly what libbpf's `bpf.c` does (sizes, retries,
//!   fd hygiene) and returning `io::Result`. The C exports of `bpf.h` are built on it. Functions
//!   that hand caller addresses to the kernel are `unsafe`: the kernel reads and writes through
//!   them.
//! * the safe functions at this module's top level: borrowed fds, slices whose lengths are
//!   checked against what the kernel will touch, and [`Error`]s that name the command and the
//!   object ("map 'foo': BPF_MAP_CREATE failed: Invalid argument"). The object loader uses these.
//!
//! Every fd the kernel returns comes back as an `OwnedFd`; the kernel opens them `O_CLOEXEC`.
//! Like libbpf, an fd that lands on 0, 1 or 2 is moved above 2 (`F_DUPFD_CLOEXEC`), so a
//! process that closed its standard streams does not get BPF objects there.
//!
//! Expected outcomes (`ENOENT` from a lookup, the end of an id or key iteration) are
//! [`Error::quiet`]: the C boundary reports them by errno alone, as libbpf does.

use super::attr::*;
use crate::error::{Error, Result};
use crate::uapi;
use std::ffi::{c_char, c_ulong, CStr};
use std::fmt::Display;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// Attempts libbpf makes at `BPF_PROG_LOAD` while the kernel answers `EAGAIN`.
pub const PROG_LOAD_ATTEMPTS: u32 = 5;

/// The largest log buffer the kernel accepts (`UINT_MAX >> 2`); longer buffers are passed
/// with this size.
pub const LOG_BUF_MAX: usize = (u32::MAX >> 2) as usize;

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

/// `strerror` text of a positive errno (the C library's, as [`super::strerror`]).
pub fn errno_text(errno: i32) -> String {
    super::strerror(errno)
}

/// "<what>: <CMD> failed: <strerror>", carrying the errno.
pub fn fail(what: impl Display, cmd: u32, e: &io::Error) -> Error {
    let errno = e.raw_os_error().unwrap_or(libc::EIO);
    Error::new(errno, format!("{what}: {} failed: {}", cmd_name(cmd), errno_text(errno)))
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

fn u32_len(n: usize, what: &str) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::new(libc::E2BIG, format!("{what}: {n} is too large")))
}

pub mod raw {
    //! libbpf's `bpf.c`, command by command, over raw fds and addresses.

    use super::*;

    /// Wrap an fd the kernel just returned, moving it above 2 like libbpf's `ensure_good_fd`.
    pub fn into_fd(r: i64) -> io::Result<OwnedFd> {
        let fd = RawFd::try_from(r).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?;
        if fd < 0 {
            return Err(io::Error::from_raw_os_error(libc::EBADF));
        }
        // SAFETY: the kernel returned this fd for the command just issued; nothing else owns it.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        if fd >= 3 {
            return Ok(owned);
        }
        // SAFETY: fcntl on an fd we own; F_DUPFD_CLOEXEC has no memory effects.
        let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
        if dup < 0 {
            return Err(io::Error::last_os_error());
        }
        drop(owned);
        // SAFETY: fcntl just created `dup` for us.
        Ok(unsafe { OwnedFd::from_raw_fd(dup) })
    }

    /// bpf(2) returning an fd.
    pub fn call_fd<A: crate::sys::AttrBytes>(cmd: u32, attr: &mut A, size: usize) -> io::Result<OwnedFd> {
        crate::sys::bpf(cmd, attr, size).and_then(into_fd)
    }

    /// bpf(2) returning 0 on success.
    pub fn call<A: crate::sys::AttrBytes>(cmd: u32, attr: &mut A, size: usize) -> io::Result<()> {
        crate::sys::bpf(cmd, attr, size).map(|_| ())
    }

    /// `BPF_MAP_CREATE` with the attr as given (no pointers in it).
    pub fn map_create(attr: &mut MapCreateAttr) -> io::Result<OwnedFd> {
        call_fd(uapi::BPF_MAP_CREATE, attr, MapCreateAttr::SIZE)
    }

    /// `BPF_MAP_{LOOKUP,UPDATE,DELETE,LOOKUP_AND_DELETE}_ELEM`.
    ///
    /// # Safety
    /// `key` must be 0 or readable for the map's key size, `value` 0 or valid for the kernel's
    /// access of the map's value size (per-CPU maps: rounded to 8 times the possible CPUs).
    pub unsafe fn map_elem(cmd: u32, fd: RawFd, key: u64, value: u64, flags: u64) -> io::Result<()> {
        let mut a = MapElemAttr { map_fd: fd as u32, key, value, flags, ..Default::default() };
        call(cmd, &mut a, MapElemAttr::SIZE)
    }

    /// `BPF_MAP_GET_NEXT_KEY`; `key` 0 asks for the first key.
    ///
    /// # Safety
    /// `key` 0 or readable and `next` writable for the map's key size.
    pub unsafe fn map_get_next_key(fd: RawFd, key: u64, next: u64) -> io::Result<()> {
        let mut a = MapElemAttr { map_fd: fd as u32, key, value: next, ..Default::default() };
        call(uapi::BPF_MAP_GET_NEXT_KEY, &mut a, MapElemAttr::SIZE_NEXT_KEY)
    }

    pub fn map_freeze(fd: RawFd) -> io::Result<()> {
        let mut a = MapElemAttr { map_fd: fd as u32, ..Default::default() };
        call(uapi::BPF_MAP_FREEZE, &mut a, MapElemAttr::SIZE_FREEZE)
    }

    /// `BPF_MAP_*_BATCH`; `attr.count` is updated even on failure (elements processed).
    ///
    /// # Safety
    /// The addresses in `attr` must be valid for `attr.count` elements of the map (and the
    /// batch tokens for the map's token size).
    pub unsafe fn map_batch(cmd: u32, attr: &mut MapBatchAttr) -> io::Result<()> {
        call(cmd, attr, MapBatchAttr::SIZE)
    }

    /// The verifier/BTF log a load should fill: `level` 0 with a buffer means "load without a
    /// log, and on failure load again with level 1 to fill it" (libbpf's convention).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Log {
        pub buf: u64,
        pub size: u32,
        pub level: u32,
    }

    fn prog_load_attempts(attr: &mut ProgLoadAttr, attempts: u32) -> io::Result<OwnedFd> {
        let mut left = attempts.max(1);
        loop {
            let size = attr.size();
            match call_fd(uapi::BPF_PROG_LOAD, attr, size) {
                Err(e) if e.raw_os_error() == Some(libc::EAGAIN) && left > 1 => left -= 1,
                r => return r,
            }
        }
    }

    /// Records of `rec` bytes with every byte past the kernel's `keep` zeroed.
    pub(crate) fn zero_tailing(src: &[u8], cnt: u32, rec: u32, keep: u32) -> Option<Vec<u8>> {
        let (cnt, rec, keep) = (cnt as usize, rec as usize, keep as usize);
        let len = cnt.checked_mul(rec)?;
        let src = src.get(..len)?;
        let mut out = src.to_vec();
        for r in out.chunks_exact_mut(rec) {
            r[keep..].fill(0);
        }
        Some(out)
    }

    /// `BPF_PROG_LOAD` the way libbpf's `bpf_prog_load()` does it: `attempts` tries while the
    /// kernel says `EAGAIN`; on `E2BIG` with func/line info records larger than the kernel
    /// knows, retry with their unknown tails zeroed; with `log.level == 0` and a log buffer,
    /// retry a failure with level 1 to collect the log. Returns the result and the kernel's
    /// `log_true_size`.
    ///
    /// # Safety
    /// Every address in `attr` must be valid for the kernel's access as `BPF_PROG_LOAD`
    /// defines it, `log.buf` writable for `log.size` bytes (or 0), and `func_info`/`line_info`
    /// the bytes `attr.func_info`/`attr.line_info` point to.
    pub unsafe fn prog_load(
        attr: &mut ProgLoadAttr,
        attempts: u32,
        log: Log,
        func_info: &[u8],
        line_info: &[u8],
    ) -> (io::Result<OwnedFd>, u32) {
        if log.level != 0 {
            attr.log_buf = log.buf;
            attr.log_size = log.size;
            attr.log_level = log.level;
        }
        let (frec, lrec) = (attr.func_info_rec_size, attr.line_info_rec_size);
        let mut r = prog_load_attempts(attr, attempts);
        if r.is_ok() {
            return (r, attr.log_true_size);
        }
        // Buffers the retried attr points into; they live until we return.
        let mut finfo: Option<Vec<u8>> = None;
        let mut linfo: Option<Vec<u8>> = None;
        while matches!(&r, Err(e) if e.raw_os_error() == Some(libc::E2BIG)) && (finfo.is_none() || linfo.is_none()) {
            if finfo.is_none() && attr.func_info_cnt > 0 && attr.func_info_rec_size < frec {
                let Some(v) = zero_tailing(func_info, attr.func_info_cnt, frec, attr.func_info_rec_size) else { break };
                attr.func_info = v.as_ptr() as u64;
                attr.func_info_rec_size = frec;
                finfo = Some(v);
            } else if linfo.is_none() && attr.line_info_cnt > 0 && attr.line_info_rec_size < lrec {
                let Some(v) = zero_tailing(line_info, attr.line_info_cnt, lrec, attr.line_info_rec_size) else { break };
                attr.line_info = v.as_ptr() as u64;
                attr.line_info_rec_size = lrec;
                linfo = Some(v);
            } else {
                break;
            }
            r = prog_load_attempts(attr, attempts);
            if r.is_ok() {
                return (r, attr.log_true_size);
            }
        }
        if log.level == 0 && log.buf != 0 {
            attr.log_buf = log.buf;
            attr.log_size = log.size;
            attr.log_level = 1;
            r = prog_load_attempts(attr, attempts);
        }
        (r, attr.log_true_size)
    }

    /// `BPF_BTF_LOAD` with libbpf's log convention (see [`Log`]). The kernel's
    /// `btf_log_true_size` is left in `attr`.
    ///
    /// # Safety
    /// `attr.btf` must be readable for `attr.btf_size` bytes and `log.buf` writable for
    /// `log.size` bytes (or 0).
    pub unsafe fn btf_load(attr: &mut BtfLoadAttr, log: Log) -> io::Result<OwnedFd> {
        if log.level != 0 {
            attr.btf_log_buf = log.buf;
            attr.btf_log_size = log.size;
            attr.btf_log_level = log.level;
        }
        let r = call_fd(uapi::BPF_BTF_LOAD, attr, BtfLoadAttr::SIZE);
        if r.is_err() && log.buf != 0 && log.level == 0 {
            attr.btf_log_buf = log.buf;
            attr.btf_log_size = log.size;
            attr.btf_log_level = 1;
            return call_fd(uapi::BPF_BTF_LOAD, attr, BtfLoadAttr::SIZE);
        }
        r
    }

    /// `BPF_OBJ_PIN`.
    ///
    /// # Safety
    /// `attr.pathname` must point to a NUL-terminated string.
    pub unsafe fn obj_pin(attr: &mut ObjPinAttr) -> io::Result<()> {
        call(uapi::BPF_OBJ_PIN, attr, ObjPinAttr::SIZE)
    }

    /// `BPF_OBJ_GET`.
    ///
    /// # Safety
    /// `attr.pathname` must point to a NUL-terminated string.
    pub unsafe fn obj_get(attr: &mut ObjPinAttr) -> io::Result<OwnedFd> {
        call_fd(uapi::BPF_OBJ_GET, attr, ObjPinAttr::SIZE)
    }

    /// `BPF_PROG_ATTACH` or `BPF_PROG_DETACH` (no pointers in the attr).
    pub fn prog_attach(cmd: u32, attr: &mut ProgAttachAttr) -> io::Result<()> {
        call(cmd, attr, ProgAttachAttr::SIZE)
    }

    /// `BPF_PROG_TEST_RUN`; outputs are left in `attr`.
    ///
    /// # Safety
    /// Inputs readable and outputs writable for the sizes given in `attr`.
    pub unsafe fn prog_test_run(attr: &mut TestRunAttr) -> io::Result<()> {
        call(uapi::BPF_PROG_TEST_RUN, attr, TestRunAttr::SIZE)
    }

    /// `BPF_*_GET_NEXT_ID`.
    pub fn get_next_id(cmd: u32, start: u32) -> io::Result<u32> {
        let mut a = GetIdAttr { start_id: start, ..Default::default() };
        call(cmd, &mut a, GetIdAttr::SIZE).map(|_| a.next_id)
    }

    /// `BPF_*_GET_FD_BY_ID`.
    pub fn get_fd_by_id(cmd: u32, id: u32, open_flags: u32) -> io::Result<OwnedFd> {
        let mut a = GetIdAttr { start_id: id, open_flags, ..Default::default() };
        call_fd(cmd, &mut a, GetIdAttr::SIZE)
    }

    /// `BPF_OBJ_GET_INFO_BY_FD`; `len` is updated with the bytes the kernel filled.
    ///
    /// # Safety
    /// `info` must be writable for `*len` bytes, and any buffer addresses inside it valid for
    /// the lengths/counts given there.
    pub unsafe fn obj_get_info(fd: RawFd, info: u64, len: &mut u32) -> io::Result<()> {
        let mut a = InfoAttr { bpf_fd: fd as u32, info_len: *len, info };
        call(uapi::BPF_OBJ_GET_INFO_BY_FD, &mut a, InfoAttr::SIZE)?;
        *len = a.info_len;
        Ok(())
    }

    /// `BPF_PROG_QUERY`; outputs are left in `attr`.
    ///
    /// # Safety
    /// Every non-zero array address in `attr` must be writable for `attr.count` `u32`s.
    pub unsafe fn prog_query(attr: &mut QueryAttr) -> io::Result<()> {
        call(uapi::BPF_PROG_QUERY, attr, QueryAttr::SIZE)
    }

    /// `BPF_RAW_TRACEPOINT_OPEN`.
    ///
    /// # Safety
    /// `attr.name` must be 0 or point to a NUL-terminated string.
    pub unsafe fn raw_tracepoint_open(attr: &mut RawTracepointAttr) -> io::Result<OwnedFd> {
        call_fd(uapi::BPF_RAW_TRACEPOINT_OPEN, attr, RawTracepointAttr::SIZE)
    }

    /// `BPF_TASK_FD_QUERY`; outputs are left in `attr`.
    ///
    /// # Safety
    /// `attr.buf` must be 0 or writable for `attr.buf_len` bytes.
    pub unsafe fn task_fd_query(attr: &mut TaskFdQueryAttr) -> io::Result<()> {
        call(uapi::BPF_TASK_FD_QUERY, attr, TaskFdQueryAttr::SIZE)
    }

    /// `BPF_LINK_CREATE`.
    ///
    /// # Safety
    /// Every address in the attach-type part of `attr` must be valid for the counts given
    /// there (symbol name arrays: each entry a NUL-terminated string).
    pub unsafe fn link_create(attr: &mut LinkCreateAttr) -> io::Result<OwnedFd> {
        call_fd(uapi::BPF_LINK_CREATE, attr, LinkCreateAttr::SIZE)
    }

    /// `BPF_LINK_UPDATE` (no pointers).
    pub fn link_update(attr: &mut LinkUpdateAttr) -> io::Result<()> {
        call(uapi::BPF_LINK_UPDATE, attr, LinkUpdateAttr::SIZE)
    }

    pub fn link_detach(link: RawFd) -> io::Result<()> {
        let mut a = LinkDetachAttr { link_fd: link as u32 };
        call(uapi::BPF_LINK_DETACH, &mut a, LinkDetachAttr::SIZE)
    }

    pub fn enable_stats(type_: u32) -> io::Result<OwnedFd> {
        let mut a = EnableStatsAttr { type_ };
        call_fd(uapi::BPF_ENABLE_STATS, &mut a, EnableStatsAttr::SIZE)
    }

    pub fn iter_create(link: RawFd) -> io::Result<OwnedFd> {
        let mut a = IterCreateAttr { link_fd: link as u32, flags: 0 };
        call_fd(uapi::BPF_ITER_CREATE, &mut a, IterCreateAttr::SIZE)
    }

    pub fn prog_bind_map(prog: RawFd, map: RawFd, flags: u32) -> io::Result<()> {
        let mut a = ProgBindMapAttr { prog_fd: prog as u32, map_fd: map as u32, flags };
        call(uapi::BPF_PROG_BIND_MAP, &mut a, ProgBindMapAttr::SIZE)
    }

    pub fn token_create(bpffs: RawFd, flags: u32) -> io::Result<OwnedFd> {
        let mut a = TokenCreateAttr { flags, bpffs_fd: bpffs as u32 };
        call_fd(uapi::BPF_TOKEN_CREATE, &mut a, TokenCreateAttr::SIZE)
    }
}

// =============================================================================================
// Maps
// =============================================================================================

/// Arguments of [`map_create`]. `Default` is an unnamed, zero-sized map of type 0: fill what
/// you need.
#[derive(Debug, Clone, Default)]
pub struct MapCreate<'a> {
    /// `enum bpf_map_type`.
    pub map_type: u32,
    /// Truncated to 15 bytes; bytes the kernel refuses become `_` (see [`obj_name`]).
    pub name: &'a str,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    /// `BPF_F_*`; the flags implied by the options below are added automatically.
    pub map_flags: u32,
    pub btf_fd: Option<BorrowedFd<'a>>,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    /// Kernel type id of a struct_ops map's value.
    pub btf_vmlinux_value_type_id: u32,
    pub inner_map_fd: Option<BorrowedFd<'a>>,
    /// Sets `BPF_F_NUMA_NODE`.
    pub numa_node: Option<u32>,
    pub map_extra: u64,
    pub map_ifindex: u32,
    /// Module BTF holding `btf_vmlinux_value_type_id`; sets `BPF_F_VTYPE_BTF_OBJ_FD`.
    pub value_type_btf_obj_fd: Option<BorrowedFd<'a>>,
    /// Sets `BPF_F_TOKEN_FD`.
    pub token_fd: Option<BorrowedFd<'a>>,
    /// SHA-256 of the only program allowed to use the map (kernel 6.18+, libbpf 1.7).
    pub excl_prog_hash: Option<&'a [u8; 32]>,
}

impl MapCreate<'_> {
    /// The attr this request becomes.
    pub fn attr(&self) -> MapCreateAttr {
        let mut flags = self.map_flags;
        if self.numa_node.is_some() {
            flags |= uapi::BPF_F_NUMA_NODE;
        }
        if self.value_type_btf_obj_fd.is_some() {
            flags |= uapi::BPF_F_VTYPE_BTF_OBJ_FD;
        }
        if self.token_fd.is_some() {
            flags |= uapi::BPF_F_TOKEN_FD;
        }
        MapCreateAttr {
            map_type: self.map_type,
            key_size: self.key_size,
            value_size: self.value_size,
            max_entries: self.max_entries,
            map_flags: flags,
            inner_map_fd: fd_u32(self.inner_map_fd),
            numa_node: self.numa_node.unwrap_or(0),
            map_name: obj_name(self.name),
            map_ifindex: self.map_ifindex,
            btf_fd: fd_u32(self.btf_fd),
            btf_key_type_id: self.btf_key_type_id,
            btf_value_type_id: self.btf_value_type_id,
            btf_vmlinux_value_type_id: self.btf_vmlinux_value_type_id,
            map_extra: self.map_extra,
            value_type_btf_obj_fd: self.value_type_btf_obj_fd.map_or(0, |f| f.as_raw_fd()),
            map_token_fd: self.token_fd.map_or(0, |f| f.as_raw_fd()),
        }
    }
}

/// `BPF_MAP_CREATE`.
pub fn map_create(a: &MapCreate) -> Result<OwnedFd> {
    let mut attr = a.attr();
    let r = match a.excl_prog_hash {
        None => raw::map_create(&mut attr),
        Some(h) => {
            let mut x = super::attr::MapCreateExclAttr {
                base: attr,
                excl_prog_hash: h.as_ptr() as u64,
                excl_prog_hash_size: h.len() as u32,
                _pad0: 0,
            };
            // `excl_prog_hash` points to the 32 bytes of `h`, borrowed for this call.
            raw::call_fd(uapi::BPF_MAP_CREATE, &mut x, super::attr::MapCreateExclAttr::SIZE)
        }
    };
    r.map_err(|e| fail(format_args!("map '{}'", a.name), uapi::BPF_MAP_CREATE, &e))
}

/// What the kernel reads and writes per element of a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapShape {
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    /// Bytes of one value as user space sees it: `value_size`, or for per-CPU maps
    /// `round_up(value_size, 8) * possible CPUs`.
    pub value_bytes: usize,
}

/// Whether lookups of this map type return one value per possible CPU.
pub fn is_percpu(map_type: u32) -> bool {
    matches!(
        map_type,
        uapi::BPF_MAP_TYPE_PERCPU_HASH
            | uapi::BPF_MAP_TYPE_PERCPU_ARRAY
            | uapi::BPF_MAP_TYPE_LRU_PERCPU_HASH
            | uapi::BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE
    )
}

/// The user-visible size of one value: per-CPU maps hold `round_up(value_size, 8)` per
/// possible CPU.
pub fn value_bytes(map_type: u32, value_size: u32) -> Result<usize> {
    if is_percpu(map_type) {
        Ok((value_size as usize).next_multiple_of(8) * super::possible_cpus()?)
    } else {
        Ok(value_size as usize)
    }
}

/// Key and value sizes of a map, from the kernel.
pub fn map_shape(fd: BorrowedFd) -> Result<MapShape> {
    let i = map_info(fd)?;
    Ok(MapShape {
        map_type: i.type_,
        key_size: i.key_size,
        value_size: i.value_size,
        value_bytes: value_bytes(i.type_, i.value_size)?,
    })
}

fn check_len(fd: BorrowedFd, what: &str, have: usize, need: usize) -> Result<()> {
    if have < need {
        return Err(Error::inval(format!(
            "map fd {}: {what} buffer of {have} bytes is smaller than the map's {need}",
            fd.as_raw_fd()
        )));
    }
    Ok(())
}

fn map_what(fd: BorrowedFd) -> String {
    format!("map fd {}", fd.as_raw_fd())
}

/// `BPF_MAP_UPDATE_ELEM`. `key`/`value` must be at least the map's key/value size (per-CPU:
/// one slot per possible CPU), checked against the kernel's view of the map.
pub fn map_update_elem(fd: BorrowedFd, key: &[u8], value: &[u8], flags: u64) -> Result<()> {
    let s = map_shape(fd)?;
    check_len(fd, "key", key.len(), s.key_size as usize)?;
    check_len(fd, "value", value.len(), s.value_bytes)?;
    // SAFETY: both buffers are at least as large as what the kernel reads (checked above).
    unsafe { raw::map_elem(uapi::BPF_MAP_UPDATE_ELEM, fd.as_raw_fd(), addr(key), addr(value), flags) }
        .map_err(|e| fail(map_what(fd), uapi::BPF_MAP_UPDATE_ELEM, &e))
}

/// `BPF_MAP_LOOKUP_ELEM` into `value` (at least the map's value size; per-CPU: all CPUs).
/// A missing key is a quiet `ENOENT`.
pub fn map_lookup_elem(fd: BorrowedFd, key: &[u8], value: &mut [u8], flags: u64) -> Result<()> {
    let s = map_shape(fd)?;
    check_len(fd, "key", key.len(), s.key_size as usize)?;
    check_len(fd, "value", value.len(), s.value_bytes)?;
    // SAFETY: sizes checked above; the kernel writes at most value_bytes into `value`.
    unsafe { raw::map_elem(uapi::BPF_MAP_LOOKUP_ELEM, fd.as_raw_fd(), addr(key), addr_mut(value), flags) }
        .map_err(|e| fail_or_quiet(map_what(fd), uapi::BPF_MAP_LOOKUP_ELEM, &e))
}

/// `BPF_MAP_DELETE_ELEM`. A missing key is a quiet `ENOENT`.
pub fn map_delete_elem(fd: BorrowedFd, key: &[u8], flags: u64) -> Result<()> {
    let s = map_shape(fd)?;
    check_len(fd, "key", key.len(), s.key_size as usize)?;
    // SAFETY: key size checked above; no value buffer.
    unsafe { raw::map_elem(uapi::BPF_MAP_DELETE_ELEM, fd.as_raw_fd(), addr(key), 0, flags) }
        .map_err(|e| fail_or_quiet(map_what(fd), uapi::BPF_MAP_DELETE_ELEM, &e))
}

/// `BPF_MAP_GET_NEXT_KEY`: the key after `key` (`None`: the first key) into `next`. The end
/// of the map is a quiet `ENOENT`.
pub fn map_get_next_key(fd: BorrowedFd, key: Option<&[u8]>, next: &mut [u8]) -> Result<()> {
    let s = map_shape(fd)?;
    if let Some(k) = key {
        check_len(fd, "key", k.len(), s.key_size as usize)?;
    }
    check_len(fd, "next key", next.len(), s.key_size as usize)?;
    // SAFETY: sizes checked above; the kernel writes key_size bytes into `next`.
    unsafe { raw::map_get_next_key(fd.as_raw_fd(), key.map_or(0, addr), addr_mut(next)) }
        .map_err(|e| fail_or_quiet(map_what(fd), uapi::BPF_MAP_GET_NEXT_KEY, &e))
}

/// `BPF_MAP_LOOKUP_AND_DELETE_ELEM` (also: pop from queue/stack maps, whose key is empty).
pub fn map_lookup_and_delete_elem(fd: BorrowedFd, key: &[u8], value: &mut [u8], flags: u64) -> Result<()> {
    let s = map_shape(fd)?;
    check_len(fd, "key", key.len(), s.key_size as usize)?;
    check_len(fd, "value", value.len(), s.value_bytes)?;
    // SAFETY: sizes checked above.
    unsafe { raw::map_elem(uapi::BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd.as_raw_fd(), addr(key), addr_mut(value), flags) }
        .map_err(|e| fail_or_quiet(map_what(fd), uapi::BPF_MAP_LOOKUP_AND_DELETE_ELEM, &e))
}

/// `BPF_MAP_FREEZE`: user space can no longer update the map (`EPERM`).
pub fn map_freeze(fd: BorrowedFd) -> Result<()> {
    raw::map_freeze(fd.as_raw_fd()).map_err(|e| fail(map_what(fd), uapi::BPF_MAP_FREEZE, &e))
}

/// What a lookup batch returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOut {
    /// Elements copied into the key/value buffers.
    pub count: u32,
    /// The map has no more elements (the kernel said `ENOENT`); `count` may still be > 0.
    pub done: bool,
}

/// Size of the opaque resume token of batch operations: hash maps use a 4-byte bucket index,
/// arrays a key.
fn batch_token_size(s: &MapShape) -> usize {
    (s.key_size as usize).max(4)
}

#[allow(clippy::too_many_arguments)]
fn lookup_batch(
    cmd: u32,
    fd: BorrowedFd,
    in_batch: Option<&[u8]>,
    out_batch: &mut [u8],
    keys: &mut [u8],
    values: &mut [u8],
    count: u32,
    elem_flags: u64,
    flags: u64,
) -> Result<BatchOut> {
    let s = map_shape(fd)?;
    let n = count as usize;
    let tok = batch_token_size(&s);
    if let Some(b) = in_batch {
        check_len(fd, "in_batch", b.len(), tok)?;
    }
    check_len(fd, "out_batch", out_batch.len(), tok)?;
    check_len(fd, "keys", keys.len(), n.saturating_mul(s.key_size as usize))?;
    check_len(fd, "values", values.len(), n.saturating_mul(s.value_bytes))?;
    let mut a = MapBatchAttr {
        in_batch: in_batch.map_or(0, addr),
        out_batch: addr_mut(out_batch),
        keys: addr_mut(keys),
        values: addr_mut(values),
        count,
        map_fd: fd.as_raw_fd() as u32,
        elem_flags,
        flags,
    };
    // SAFETY: every buffer holds `count` elements / a token of the map's sizes (checked above).
    match unsafe { raw::map_batch(cmd, &mut a) } {
        Ok(()) => Ok(BatchOut { count: a.count, done: false }),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(BatchOut { count: a.count, done: true }),
        Err(e) => Err(fail(map_what(fd), cmd, &e)),
    }
}

/// `BPF_MAP_LOOKUP_BATCH`: up to `count` elements after the resume token `in_batch` (`None`:
/// from the start) into `keys`/`values`; the next token goes to `out_batch` (at least
/// `max(key_size, 4)` bytes).
#[allow(clippy::too_many_arguments)]
pub fn map_lookup_batch(
    fd: BorrowedFd,
    in_batch: Option<&[u8]>,
    out_batch: &mut [u8],
    keys: &mut [u8],
    values: &mut [u8],
    count: u32,
    elem_flags: u64,
    flags: u64,
) -> Result<BatchOut> {
    lookup_batch(uapi::BPF_MAP_LOOKUP_BATCH, fd, in_batch, out_batch, keys, values, count, elem_flags, flags)
}

/// `BPF_MAP_LOOKUP_AND_DELETE_BATCH`, as [`map_lookup_batch`] but deleting what it returns.
#[allow(clippy::too_many_arguments)]
pub fn map_lookup_and_delete_batch(
    fd: BorrowedFd,
    in_batch: Option<&[u8]>,
    out_batch: &mut [u8],
    keys: &mut [u8],
    values: &mut [u8],
    count: u32,
    elem_flags: u64,
    flags: u64,
) -> Result<BatchOut> {
    lookup_batch(uapi::BPF_MAP_LOOKUP_AND_DELETE_BATCH, fd, in_batch, out_batch, keys, values, count, elem_flags, flags)
}

/// `BPF_MAP_UPDATE_BATCH`: `count` keys and values, packed. Returns the number updated.
pub fn map_update_batch(
    fd: BorrowedFd,
    keys: &[u8],
    values: &[u8],
    count: u32,
    elem_flags: u64,
    flags: u64,
) -> Result<u32> {
    let s = map_shape(fd)?;
    let n = count as usize;
    check_len(fd, "keys", keys.len(), n.saturating_mul(s.key_size as usize))?;
    check_len(fd, "values", values.len(), n.saturating_mul(s.value_bytes))?;
    let mut a = MapBatchAttr {
        keys: addr(keys),
        values: addr(values),
        count,
        map_fd: fd.as_raw_fd() as u32,
        elem_flags,
        flags,
        ..Default::default()
    };
    // SAFETY: the kernel reads `count` keys and values, which the buffers hold (checked).
    unsafe { raw::map_batch(uapi::BPF_MAP_UPDATE_BATCH, &mut a) }
        .map(|_| a.count)
        .map_err(|e| fail(map_what(fd), uapi::BPF_MAP_UPDATE_BATCH, &e))
}

/// `BPF_MAP_DELETE_BATCH`: `count` packed keys. Returns the number deleted.
pub fn map_delete_batch(fd: BorrowedFd, keys: &[u8], count: u32, elem_flags: u64, flags: u64) -> Result<u32> {
    let s = map_shape(fd)?;
    check_len(fd, "keys", keys.len(), (count as usize).saturating_mul(s.key_size as usize))?;
    let mut a = MapBatchAttr {
        keys: addr(keys),
        count,
        map_fd: fd.as_raw_fd() as u32,
        elem_flags,
        flags,
        ..Default::default()
    };
    // SAFETY: the kernel reads `count` keys, which the buffer holds (checked).
    unsafe { raw::map_batch(uapi::BPF_MAP_DELETE_BATCH, &mut a) }
        .map(|_| a.count)
        .map_err(|e| fail(map_what(fd), uapi::BPF_MAP_DELETE_BATCH, &e))
}

// =============================================================================================
// Programs
// =============================================================================================

/// Arguments of [`prog_load`].
#[derive(Default)]
pub struct ProgLoad<'a> {
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// `enum bpf_attach_type`.
    pub expected_attach_type: u32,
    /// Truncated to 15 bytes; bytes the kernel refuses become `_`.
    pub name: &'a str,
    /// Instructions, one `struct bpf_insn` per `u64` (host byte order).
    pub insns: &'a [u64],
    pub license: &'a CStr,
    pub kern_version: u32,
    /// `BPF_F_*`; `BPF_F_TOKEN_FD` is added when `token_fd` is set.
    pub prog_flags: u32,
    pub prog_ifindex: u32,
    pub prog_btf_fd: Option<BorrowedFd<'a>>,
    /// `.BTF.ext` func info records, `func_info_rec_size` bytes each.
    pub func_info: &'a [u8],
    pub func_info_rec_size: u32,
    pub line_info: &'a [u8],
    pub line_info_rec_size: u32,
    pub attach_btf_id: u32,
    /// Module BTF holding `attach_btf_id` (exclusive with `attach_prog_fd`).
    pub attach_btf_obj_fd: Option<BorrowedFd<'a>>,
    /// freplace target program.
    pub attach_prog_fd: Option<BorrowedFd<'a>>,
    /// fds indexed by `BPF_PSEUDO_MAP_IDX*` loads and module kfunc calls (every index used by
    /// `insns` must be inside it).
    pub fd_array: &'a [RawFd],
    /// 0 with a `log_buf`: log only on failure (a second load with level 1). Ignored without a
    /// `log_buf`.
    pub log_level: u32,
    /// Receives the verifier log (NUL-terminated by the kernel).
    pub log_buf: Option<&'a mut [u8]>,
    /// Sets `BPF_F_TOKEN_FD`.
    pub token_fd: Option<BorrowedFd<'a>>,
}

impl std::fmt::Debug for ProgLoad<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgLoad")
            .field("prog_type", &self.prog_type)
            .field("expected_attach_type", &self.expected_attach_type)
            .field("name", &self.name)
            .field("insns", &self.insns.len())
            .field("license", &self.license)
            .field("prog_flags", &self.prog_flags)
            .field("prog_btf_fd", &self.prog_btf_fd)
            .field("func_info", &self.func_info.len())
            .field("line_info", &self.line_info.len())
            .field("attach_btf_id", &self.attach_btf_id)
            .field("attach_btf_obj_fd", &self.attach_btf_obj_fd)
            .field("attach_prog_fd", &self.attach_prog_fd)
            .field("fd_array", &self.fd_array)
            .field("log_level", &self.log_level)
            .field("log_buf", &self.log_buf.as_ref().map(|b| b.len()))
            .field("token_fd", &self.token_fd)
            .finish_non_exhaustive()
    }
}

/// The highest `fd_array` index the instructions use, if any.
fn max_fd_array_index(insns: &[u64]) -> Option<usize> {
    let mut max: Option<usize> = None;
    let mut bump = |i: usize| max = Some(max.map_or(i, |m: usize| m.max(i)));
    let mut i = 0;
    while i < insns.len() {
        let ins = uapi::BpfInsn::from_array(insns[i].to_ne_bytes());
        if ins.is_ld_imm64() {
            if matches!(ins.src(), uapi::BPF_PSEUDO_MAP_IDX | uapi::BPF_PSEUDO_MAP_IDX_VALUE) {
                bump(ins.imm as u32 as usize);
            }
            i += 2;
            continue;
        }
        if ins.is_call() && ins.src() == uapi::BPF_PSEUDO_KFUNC_CALL && ins.off > 0 {
            bump(ins.off as usize);
        }
        i += 1;
    }
    max
}

fn info_cnt(data: &[u8], rec: u32, what: &str) -> Result<u32> {
    if data.is_empty() {
        return Ok(0);
    }
    if rec == 0 || data.len() % rec as usize != 0 {
        return Err(Error::inval(format!("{what}: {} bytes is not a whole number of {rec}-byte records", data.len())));
    }
    u32_len(data.len() / rec as usize, what)
}

/// `BPF_PROG_LOAD` with libbpf's retries; also returns the kernel's `log_true_size`.
pub fn prog_load_report(a: &mut ProgLoad) -> (Result<OwnedFd>, u32) {
    let what = format!("prog '{}'", a.name);
    let mut attr = ProgLoadAttr::default();
    let setup = (|| -> Result<()> {
        if a.attach_btf_obj_fd.is_some() && a.attach_prog_fd.is_some() {
            return Err(Error::inval(format!("{what}: attach_btf_obj_fd and attach_prog_fd are exclusive")));
        }
        if let Some(m) = max_fd_array_index(a.insns) {
            if m >= a.fd_array.len() {
                return Err(Error::inval(format!(
                    "{what}: instructions use fd_array[{m}] but fd_array has {} entries",
                    a.fd_array.len()
                )));
            }
        }
        attr.prog_type = a.prog_type;
        attr.expected_attach_type = a.expected_attach_type;
        attr.insn_cnt = u32_len(a.insns.len(), &what)?;
        attr.insns = addr(a.insns);
        attr.license = a.license.as_ptr() as u64;
        attr.kern_version = a.kern_version;
        attr.prog_flags = a.prog_flags | if a.token_fd.is_some() { uapi::BPF_F_TOKEN_FD } else { 0 };
        attr.prog_name = obj_name(a.name);
        attr.prog_ifindex = a.prog_ifindex;
        attr.prog_btf_fd = fd_u32(a.prog_btf_fd);
        attr.func_info_cnt = info_cnt(a.func_info, a.func_info_rec_size, &what)?;
        if attr.func_info_cnt > 0 {
            attr.func_info_rec_size = a.func_info_rec_size;
            attr.func_info = addr(a.func_info);
        }
        attr.line_info_cnt = info_cnt(a.line_info, a.line_info_rec_size, &what)?;
        if attr.line_info_cnt > 0 {
            attr.line_info_rec_size = a.line_info_rec_size;
            attr.line_info = addr(a.line_info);
        }
        attr.attach_btf_id = a.attach_btf_id;
        attr.attach_btf_obj_fd = fd_u32(a.attach_prog_fd.or(a.attach_btf_obj_fd));
        attr.fd_array = addr(a.fd_array);
        attr.prog_token_fd = a.token_fd.map_or(0, |f| f.as_raw_fd());
        Ok(())
    })();
    if let Err(e) = setup {
        return (Err(e), 0);
    }
    let log = match a.log_buf.as_deref_mut() {
        Some(b) if !b.is_empty() => {
            raw::Log { buf: b.as_mut_ptr() as u64, size: b.len().min(LOG_BUF_MAX) as u32, level: a.log_level }
        }
        _ => raw::Log::default(),
    };
    // SAFETY: every address in `attr` comes from a borrow in `a` that outlives the call, with
    // the counts derived from those slices (fd_array indices checked above); the log buffer is
    // an exclusive borrow of at least `log.size` bytes.
    let (r, true_size) = unsafe { raw::prog_load(&mut attr, PROG_LOAD_ATTEMPTS, log, a.func_info, a.line_info) };
    (r.map_err(|e| fail(&what, uapi::BPF_PROG_LOAD, &e)), true_size)
}

/// `BPF_PROG_LOAD`. On failure the error carries the kernel's errno and `log_buf` holds the
/// verifier log; `EAGAIN` is retried like libbpf does.
pub fn prog_load(a: &mut ProgLoad) -> Result<OwnedFd> {
    prog_load_report(a).0
}

/// `BPF_BTF_LOAD` of a raw BTF blob, with libbpf's log convention (level 0 with a buffer: log
/// only on failure).
pub fn btf_load(
    data: &[u8],
    log_buf: Option<&mut [u8]>,
    log_level: u32,
    token_fd: Option<BorrowedFd>,
) -> Result<OwnedFd> {
    let mut attr = BtfLoadAttr {
        btf: addr(data),
        btf_size: u32_len(data.len(), "BTF")?,
        btf_flags: if token_fd.is_some() { uapi::BPF_F_TOKEN_FD } else { 0 },
        btf_token_fd: token_fd.map_or(0, |f| f.as_raw_fd()),
        ..Default::default()
    };
    let log = match log_buf {
        Some(b) if !b.is_empty() => {
            raw::Log { buf: b.as_mut_ptr() as u64, size: b.len().min(LOG_BUF_MAX) as u32, level: log_level }
        }
        _ => raw::Log::default(),
    };
    // SAFETY: `data` is readable for btf_size bytes and the log buffer (an exclusive borrow for
    // this call) is writable for log.size bytes.
    unsafe { raw::btf_load(&mut attr, log) }.map_err(|e| fail("BTF", uapi::BPF_BTF_LOAD, &e))
}

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
unsafe fn obj_info<T: crate::sys::AttrBytes>(fd: BorrowedFd, info: &mut T, what: &str) -> Result<()> {
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

/// The kernel's `bpf_btf_info` (no data or name requested; see [`btf_info_name`]).
pub fn btf_info(fd: BorrowedFd) -> Result<bpf_btf_info> {
    let mut i = bpf_btf_info::default();
    // SAFETY: all buffer addresses in `i` are 0.
    unsafe { obj_info(fd, &mut i, "BTF") }?;
    Ok(i)
}

/// `bpf_btf_info` plus the BTF object's name ("vmlinux", a module name, or empty for user BTF).
pub fn btf_info_name(fd: BorrowedFd) -> Result<(bpf_btf_info, String)> {
    let mut name = [0u8; 64];
    let mut i = bpf_btf_info { name: name.as_mut_ptr() as u64, name_len: name.len() as u32, ..Default::default() };
    // SAFETY: `name` is writable for name_len bytes and outlives the call.
    unsafe { obj_info(fd, &mut i, "BTF") }?;
    i.name = 0;
    Ok((i, name_str(&name)))
}

/// The raw BTF the kernel holds for a BTF object.
pub fn btf_data(fd: BorrowedFd) -> Result<Vec<u8>> {
    let size = btf_info(fd)?.btf_size as usize;
    let mut data = vec![0u8; size];
    let mut i = bpf_btf_info { btf: addr_mut(&mut data), btf_size: size as u32, ..Default::default() };
    // SAFETY: `data` is writable for btf_size bytes and outlives the call.
    unsafe { obj_info(fd, &mut i, "BTF") }?;
    data.truncate((i.btf_size as usize).min(size));
    Ok(data)
}

/// The kernel's `bpf_link_info` (no names or arrays requested).
pub fn link_info(fd: BorrowedFd) -> Result<bpf_link_info> {
    let mut i = bpf_link_info::default();
    // SAFETY: all buffer addresses in `i` are 0.
    unsafe { obj_info(fd, &mut i, "link") }?;
    Ok(i)
}

/// The program's instructions after verification and rewriting (two info calls: size, then
/// the instructions).
pub fn prog_xlated_insns(fd: BorrowedFd) -> Result<Vec<u64>> {
    let len = prog_info(fd)?.xlated_prog_len as usize;
    let mut insns = vec![0u64; len / 8];
    let mut i = bpf_prog_info {
        xlated_prog_len: (insns.len() * 8) as u32,
        xlated_prog_insns: addr_mut(&mut insns),
        ..Default::default()
    };
    // SAFETY: `insns` is writable for xlated_prog_len bytes and outlives the call.
    unsafe { obj_info(fd, &mut i, "prog") }?;
    insns.truncate(i.xlated_prog_len as usize / 8);
    Ok(insns)
}

/// Ids of the maps a program uses.
pub fn prog_map_ids(fd: BorrowedFd) -> Result<Vec<u32>> {
    let n = prog_info(fd)?.nr_map_ids as usize;
    let mut ids = vec![0u32; n];
    let mut i = bpf_prog_info { nr_map_ids: n as u32, map_ids: addr_mut(&mut ids), ..Default::default() };
    // SAFETY: `ids` is writable for nr_map_ids u32s and outlives the call.
    unsafe { obj_info(fd, &mut i, "prog") }?;
    ids.truncate((i.nr_map_ids as usize).min(n));
    Ok(ids)
}

/// Arguments of [`prog_test_run`].
#[derive(Debug, Default)]
pub struct TestRun<'a> {
    pub data_in: &'a [u8],
    /// Receives the packet after the run; its length is the capacity passed.
    pub data_out: Option<&'a mut [u8]>,
    pub ctx_in: &'a [u8],
    pub ctx_out: Option<&'a mut [u8]>,
    pub repeat: u32,
    /// `BPF_F_TEST_RUN_ON_CPU`, `BPF_F_TEST_XDP_LIVE_FRAMES`, ...
    pub flags: u32,
    pub cpu: u32,
    pub batch_size: u32,
}

/// What [`prog_test_run`] reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TestRunOut {
    /// The program's return value.
    pub retval: u32,
    /// Average ns per repetition.
    pub duration: u32,
    pub data_size_out: u32,
    pub ctx_size_out: u32,
}

/// `BPF_PROG_TEST_RUN`.
pub fn prog_test_run(prog: BorrowedFd, t: &mut TestRun) -> Result<TestRunOut> {
    let what = format!("prog fd {}", prog.as_raw_fd());
    let (data_out, data_size_out) = match t.data_out.as_deref_mut() {
        Some(b) => (addr_mut(b), u32_len(b.len(), &what)?),
        None => (0, 0),
    };
    let (ctx_out, ctx_size_out) = match t.ctx_out.as_deref_mut() {
        Some(b) => (addr_mut(b), u32_len(b.len(), &what)?),
        None => (0, 0),
    };
    let mut a = TestRunAttr {
        prog_fd: prog.as_raw_fd() as u32,
        data_size_in: u32_len(t.data_in.len(), &what)?,
        data_size_out,
        data_in: addr(t.data_in),
        data_out,
        repeat: t.repeat,
        ctx_size_in: u32_len(t.ctx_in.len(), &what)?,
        ctx_size_out,
        ctx_in: addr(t.ctx_in),
        ctx_out,
        flags: t.flags,
        cpu: t.cpu,
        batch_size: t.batch_size,
        ..Default::default()
    };
    // SAFETY: inputs are borrowed slices of the sizes given; outputs are exclusive borrows whose
    // lengths are the capacities given, which the kernel does not exceed.
    unsafe { raw::prog_test_run(&mut a) }.map_err(|e| fail(&what, uapi::BPF_PROG_TEST_RUN, &e))?;
    Ok(TestRunOut {
        retval: a.retval,
        duration: a.duration,
        data_size_out: a.data_size_out,
        ctx_size_out: a.ctx_size_out,
    })
}

/// Where to insert relative to (mprog attach: tcx, netkit, and `BPF_PROG_ATTACH` of those).
#[derive(Debug, Clone, Copy, Default)]
pub enum Relative<'a> {
    #[default]
    None,
    /// A program or link fd.
    Fd(BorrowedFd<'a>),
    /// A program or link id (sets `BPF_F_ID`).
    Id(u32),
}

impl Relative<'_> {
    /// (`relative_fd`/`relative_id` value, extra flags)
    fn encode(self) -> (u32, u32) {
        match self {
            Relative::None => (0, 0),
            Relative::Fd(f) => (f.as_raw_fd() as u32, 0),
            Relative::Id(id) => (id, uapi::BPF_F_ID),
        }
    }
}

/// Arguments of [`prog_attach`] / [`prog_detach`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ProgAttach<'a> {
    /// The program (detach: optional for attach types with a single program).
    pub prog_fd: Option<BorrowedFd<'a>>,
    /// Target fd (cgroup, sockmap, netns) or ifindex (tcx).
    pub target: i32,
    /// `enum bpf_attach_type`.
    pub attach_type: u32,
    /// `BPF_F_ALLOW_OVERRIDE`, `BPF_F_ALLOW_MULTI`, `BPF_F_REPLACE`, `BPF_F_BEFORE`, ...
    pub flags: u32,
    /// With `BPF_F_REPLACE`: the program to replace.
    pub replace_fd: Option<BorrowedFd<'a>>,
    pub relative: Relative<'a>,
    pub expected_revision: u64,
}

impl ProgAttach<'_> {
    pub fn attr(&self) -> ProgAttachAttr {
        let (rel, extra) = self.relative.encode();
        ProgAttachAttr {
            target_fd: self.target as u32,
            attach_bpf_fd: fd_u32(self.prog_fd),
            attach_type: self.attach_type,
            attach_flags: self.flags | extra,
            replace_bpf_fd: fd_u32(self.replace_fd),
            relative_fd: rel,
            expected_revision: self.expected_revision,
        }
    }
}

fn attach_what(a: &ProgAttach) -> String {
    format!(
        "prog fd {} to target {} ({})",
        a.prog_fd.map_or(-1, |f| f.as_raw_fd()),
        a.target,
        uapi::attach_type_str(a.attach_type).unwrap_or("unknown attach type")
    )
}

/// `BPF_PROG_ATTACH`.
pub fn prog_attach(a: &ProgAttach) -> Result<()> {
    raw::prog_attach(uapi::BPF_PROG_ATTACH, &mut a.attr()).map_err(|e| fail(attach_what(a), uapi::BPF_PROG_ATTACH, &e))
}

/// `BPF_PROG_DETACH`.
pub fn prog_detach(a: &ProgAttach) -> Result<()> {
    raw::prog_attach(uapi::BPF_PROG_DETACH, &mut a.attr()).map_err(|e| fail(attach_what(a), uapi::BPF_PROG_DETACH, &e))
}

/// Arguments of [`prog_query`]. The kernel fills at most as many entries as the shortest
/// array given holds.
#[derive(Debug, Default)]
pub struct ProgQuery<'a> {
    /// Target fd or ifindex.
    pub target: i32,
    pub attach_type: u32,
    /// `BPF_F_QUERY_EFFECTIVE`.
    pub query_flags: u32,
    pub prog_ids: Option<&'a mut [u32]>,
    pub prog_attach_flags: Option<&'a mut [u32]>,
    pub link_ids: Option<&'a mut [u32]>,
    pub link_attach_flags: Option<&'a mut [u32]>,
}

/// What [`prog_query`] reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgQueryOut {
    pub attach_flags: u32,
    /// Programs attached (may exceed what the arrays received).
    pub count: u32,
    pub revision: u64,
}

/// `BPF_PROG_QUERY`.
pub fn prog_query(q: &mut ProgQuery) -> Result<ProgQueryOut> {
    let what =
        format!("target {} ({})", q.target, uapi::attach_type_str(q.attach_type).unwrap_or("unknown attach type"));
    let mut a = QueryAttr {
        target_fd: q.target as u32,
        attach_type: q.attach_type,
        query_flags: q.query_flags,
        ..Default::default()
    };
    let mut cap: Option<usize> = None;
    for (slot, arr) in [
        (&mut a.prog_ids, q.prog_ids.as_deref_mut()),
        (&mut a.prog_attach_flags, q.prog_attach_flags.as_deref_mut()),
        (&mut a.link_ids, q.link_ids.as_deref_mut()),
        (&mut a.link_attach_flags, q.link_attach_flags.as_deref_mut()),
    ] {
        if let Some(arr) = arr {
            *slot = addr_mut(arr);
            cap = Some(cap.map_or(arr.len(), |c| c.min(arr.len())));
        }
    }
    a.count = u32_len(cap.unwrap_or(0), &what)?;
    // SAFETY: every array address set above is an exclusive borrow of at least `count` u32s.
    unsafe { raw::prog_query(&mut a) }.map_err(|e| fail(&what, uapi::BPF_PROG_QUERY, &e))?;
    Ok(ProgQueryOut { attach_flags: a.attach_flags, count: a.count, revision: a.revision })
}

// =============================================================================================
// Links
// =============================================================================================

/// The attach-type-specific part of [`LinkCreate`].
#[derive(Debug, Clone, Copy, Default)]
pub enum LinkExtra<'a> {
    /// Nothing more (cgroup, netns, xdp, sk_lookup, iter without parameters, ...).
    #[default]
    None,
    /// struct_ops: `LinkCreate::prog_fd` is the struct_ops map, `attach_type` BPF_STRUCT_OPS.
    StructOps,
    /// fentry/fexit/fmod_ret/LSM/raw_tp (`BPF_TRACE_*`, `BPF_MODIFY_RETURN`, `BPF_LSM_MAC`).
    Tracing { cookie: u64 },
    /// `BPF_PERF_EVENT`; `target_fd` is the perf event.
    PerfEvent { cookie: u64 },
    /// `BPF_TRACE_KPROBE_MULTI` / `BPF_TRACE_KPROBE_SESSION`: exactly one of `syms` and
    /// `addrs`; `cookies` empty or one per probe.
    KprobeMulti { flags: u32, syms: &'a [&'a CStr], addrs: &'a [c_ulong], cookies: &'a [u64] },
    /// `BPF_TRACE_UPROBE_MULTI`: `ref_ctr_offsets` and `cookies` empty or one per offset.
    UprobeMulti {
        path: &'a CStr,
        offsets: &'a [c_ulong],
        ref_ctr_offsets: &'a [c_ulong],
        cookies: &'a [u64],
        flags: u32,
        pid: u32,
    },
    /// `BPF_NETFILTER`.
    Netfilter { pf: u32, hooknum: u32, priority: i32, flags: u32 },
    /// `BPF_TCX_INGRESS` / `BPF_TCX_EGRESS`; `target_fd` is the ifindex.
    Tcx { relative: Relative<'a>, expected_revision: u64 },
    /// `BPF_NETKIT_PRIMARY` / `BPF_NETKIT_PEER`; `target_fd` is the ifindex.
    Netkit { relative: Relative<'a>, expected_revision: u64 },
    /// A cgroup attach type with placement (libbpf 1.7's `link_create.cgroup`); `target_fd` is
    /// the cgroup.
    Cgroup { relative: Relative<'a>, expected_revision: u64 },
    /// `BPF_TRACE_ITER`: the bytes of a `union bpf_iter_link_info`.
    Iter { info: &'a [u8] },
}

/// Arguments of [`link_create`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkCreate<'a> {
    /// The program, or for struct_ops the map.
    pub prog_fd: Option<BorrowedFd<'a>>,
    /// Target fd (cgroup, perf event, netns, prog for freplace) or ifindex; 0 for none.
    pub target_fd: i32,
    /// `enum bpf_attach_type`.
    pub attach_type: u32,
    pub flags: u32,
    /// freplace/fentry target function (overlays the tracing part; combines only with
    /// `LinkExtra::None` or `LinkExtra::Tracing`).
    pub target_btf_id: u32,
    pub extra: LinkExtra<'a>,
}

fn same_or_empty<T>(s: &[T], n: usize) -> bool {
    s.is_empty() || s.len() == n
}

/// `BPF_LINK_CREATE`.
pub fn link_create(a: &LinkCreate) -> Result<OwnedFd> {
    let what = format!(
        "prog fd {} ({})",
        a.prog_fd.map_or(-1, |f| f.as_raw_fd()),
        uapi::attach_type_str(a.attach_type).unwrap_or("unknown attach type")
    );
    let inval = |m: &str| Error::inval(format!("{what}: {m}"));
    let mut attr = LinkCreateAttr {
        prog_fd: fd_u32(a.prog_fd),
        target_fd: a.target_fd as u32,
        attach_type: a.attach_type,
        flags: a.flags,
        ..Default::default()
    };
    if a.target_btf_id != 0 && !matches!(a.extra, LinkExtra::None | LinkExtra::StructOps | LinkExtra::Tracing { .. }) {
        return Err(inval("target_btf_id combines only with a tracing cookie"));
    }
    // Kept alive until the syscall: the symbol-pointer array of kprobe_multi.
    let mut sym_ptrs: Vec<*const c_char> = Vec::new();
    match a.extra {
        LinkExtra::None | LinkExtra::StructOps => {
            attr.extra.tracing = LinkTracing { target_btf_id: a.target_btf_id, ..Default::default() };
        }
        LinkExtra::Tracing { cookie } => {
            attr.extra.tracing = LinkTracing { target_btf_id: a.target_btf_id, _pad0: 0, cookie };
        }
        LinkExtra::PerfEvent { cookie } => attr.extra.perf_event = LinkPerfEvent { bpf_cookie: cookie },
        LinkExtra::KprobeMulti { flags, syms, addrs, cookies } => {
            if syms.is_empty() == addrs.is_empty() {
                return Err(inval("kprobe_multi needs exactly one of syms and addrs"));
            }
            let n = syms.len().max(addrs.len());
            if !same_or_empty(cookies, n) {
                return Err(inval("kprobe_multi cookies must match the probe count"));
            }
            sym_ptrs = syms.iter().map(|s| s.as_ptr()).collect();
            attr.extra.kprobe_multi = LinkKprobeMulti {
                flags,
                cnt: u32_len(n, &what)?,
                syms: addr(&sym_ptrs),
                addrs: addr(addrs),
                cookies: addr(cookies),
            };
        }
        LinkExtra::UprobeMulti { path, offsets, ref_ctr_offsets, cookies, flags, pid } => {
            let n = offsets.len();
            if !same_or_empty(ref_ctr_offsets, n) || !same_or_empty(cookies, n) {
                return Err(inval("uprobe_multi ref_ctr_offsets/cookies must match the offset count"));
            }
            attr.extra.uprobe_multi = LinkUprobeMulti {
                path: path.as_ptr() as u64,
                offsets: addr(offsets),
                ref_ctr_offsets: addr(ref_ctr_offsets),
                cookies: addr(cookies),
                cnt: u32_len(n, &what)?,
                flags,
                pid,
                _pad0: 0,
            };
        }
        LinkExtra::Netfilter { pf, hooknum, priority, flags } => {
            attr.extra.netfilter = LinkNetfilter { pf, hooknum, priority, flags };
        }
        LinkExtra::Tcx { relative, expected_revision }
        | LinkExtra::Netkit { relative, expected_revision }
        | LinkExtra::Cgroup { relative, expected_revision } => {
            let (rel, extra) = relative.encode();
            attr.flags |= extra;
            // tcx, netkit and cgroup share one layout.
            attr.extra.tcx = LinkRelative { relative_fd: rel, _pad0: 0, expected_revision };
        }
        LinkExtra::Iter { info } => {
            attr.extra.iter = LinkIter { iter_info: addr(info), iter_info_len: u32_len(info.len(), &what)?, _pad0: 0 };
        }
    }
    // SAFETY: every address set above points into a borrow of `a` (or `sym_ptrs`, whose entries
    // point to borrowed NUL-terminated strings) that outlives the call, with the counts derived
    // from the same slices.
    let r = unsafe { raw::link_create(&mut attr) };
    drop(sym_ptrs);
    r.map_err(|e| fail(&what, uapi::BPF_LINK_CREATE, &e))
}

/// `BPF_LINK_UPDATE`: swap the link's program (or struct_ops map) for `new`. With `old`, the
/// update only happens if the link still holds `old` (`BPF_F_REPLACE` is added).
pub fn link_update(
    link: BorrowedFd,
    new_prog_or_map_fd: BorrowedFd,
    flags: u32,
    old_fd: Option<BorrowedFd>,
) -> Result<()> {
    let mut a = LinkUpdateAttr {
        link_fd: link.as_raw_fd() as u32,
        new_prog_fd: new_prog_or_map_fd.as_raw_fd() as u32,
        flags: flags | if old_fd.is_some() { uapi::BPF_F_REPLACE } else { 0 },
        old_prog_fd: fd_u32(old_fd),
    };
    raw::link_update(&mut a).map_err(|e| fail(format_args!("link fd {}", link.as_raw_fd()), uapi::BPF_LINK_UPDATE, &e))
}

/// `BPF_LINK_UPDATE` of a struct_ops link: `new_map_fd`, and with `old_map` `old_map_fd` +
/// `BPF_F_REPLACE`.
pub fn link_update_map(link: BorrowedFd, new_map: BorrowedFd, old_map: Option<BorrowedFd>) -> Result<()> {
    link_update(link, new_map, 0, old_map)
}

/// `BPF_LINK_DETACH`: detach while keeping the link fd (it then reports EPOLLHUP).
pub fn link_detach(link: BorrowedFd) -> Result<()> {
    raw::link_detach(link.as_raw_fd())
        .map_err(|e| fail(format_args!("link fd {}", link.as_raw_fd()), uapi::BPF_LINK_DETACH, &e))
}

/// `BPF_RAW_TRACEPOINT_OPEN`: attach a raw_tp program to `name`, or (name `None`) a
/// tracing/LSM/ext program to the target it was loaded for.
pub fn raw_tracepoint_open(name: Option<&CStr>, prog: BorrowedFd, cookie: u64) -> Result<OwnedFd> {
    let mut a = RawTracepointAttr {
        name: name.map_or(0, |n| n.as_ptr() as u64),
        prog_fd: prog.as_raw_fd() as u32,
        cookie,
        ..Default::default()
    };
    // SAFETY: name is 0 or the borrowed NUL-terminated string, alive for the call.
    unsafe { raw::raw_tracepoint_open(&mut a) }.map_err(|e| {
        fail(
            format_args!(
                "prog fd {} on raw tracepoint '{}'",
                prog.as_raw_fd(),
                name.map_or("".into(), |n| n.to_string_lossy())
            ),
            uapi::BPF_RAW_TRACEPOINT_OPEN,
            &e,
        )
    })
}

/// `BPF_ITER_CREATE`: a readable fd producing the iterator's output.
pub fn iter_create(link: BorrowedFd) -> Result<OwnedFd> {
    raw::iter_create(link.as_raw_fd())
        .map_err(|e| fail(format_args!("link fd {}", link.as_raw_fd()), uapi::BPF_ITER_CREATE, &e))
}

// =============================================================================================
// The rest
// =============================================================================================

/// `BPF_PROG_BIND_MAP`: keep `map` alive as long as `prog`.
pub fn prog_bind_map(prog: BorrowedFd, map: BorrowedFd, flags: u32) -> Result<()> {
    raw::prog_bind_map(prog.as_raw_fd(), map.as_raw_fd(), flags).map_err(|e| {
        fail(format_args!("prog fd {} map fd {}", prog.as_raw_fd(), map.as_raw_fd()), uapi::BPF_PROG_BIND_MAP, &e)
    })
}

/// `BPF_ENABLE_STATS` (`BPF_STATS_RUN_TIME` = 0): stats stay enabled while the fd is open.
pub fn enable_stats(type_: u32) -> Result<OwnedFd> {
    raw::enable_stats(type_).map_err(|e| fail(format_args!("stats type {type_}"), uapi::BPF_ENABLE_STATS, &e))
}

/// `BPF_TOKEN_CREATE` from a BPF FS mount (an fd of its root directory).
pub fn token_create(bpffs: BorrowedFd, flags: u32) -> Result<OwnedFd> {
    raw::token_create(bpffs.as_raw_fd(), flags)
        .map_err(|e| fail(format_args!("BPF FS fd {}", bpffs.as_raw_fd()), uapi::BPF_TOKEN_CREATE, &e))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_truncated_and_sanitised() {
        assert_eq!(&obj_name("foo")[..4], b"foo\0");
        assert_eq!(obj_name("abcdefghijklmnopqrstuvwxyz")[15], 0);
        assert_eq!(&obj_name("abcdefghijklmnopqrstuvwxyz")[..15], b"abcdefghijklmno");
        assert_eq!(&obj_name("a-b c.d_é")[..11], b"a_b_c.d___\0");
        assert_eq!(obj_name(""), [0; 16]);
    }

    #[test]
    fn errno_text_has_no_rust_suffix() {
        assert_eq!(errno_text(libc::EINVAL), "Invalid argument");
        let e = fail("map 'foo'", uapi::BPF_MAP_CREATE, &io::Error::from_raw_os_error(libc::EINVAL));
        assert_eq!(e.message(), "map 'foo': BPF_MAP_CREATE failed: Invalid argument");
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
