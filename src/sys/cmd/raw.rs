//! libbpf's `bpf.c`, command by command, over raw fds and addresses.

use crate::sys::attr::*;
use crate::uapi;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

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
