//! bpf.h: libbpf 1.5's thin wrappers of the bpf(2) commands, working on plain fds.
//!
//! Conventions (libbpf's `bpf.c`):
//! * success returns what the kernel returned (an fd, 0); failure returns `-errno` and sets
//!   `errno` (`libbpf_err_errno`). Nothing is logged for kernel errors: callers decide;
//! * options structs are validated first (`sz` below `sizeof(size_t)` or non-zero bytes past
//!   the last field this library knows → `-EINVAL`, logged); fields past the caller's `sz` are
//!   zero; output fields are written back only when the caller's `sz` covers them;
//! * fds returned are `O_CLOEXEC` and never 0–2 (moved up with `F_DUPFD_CLOEXEC`); the caller
//!   owns them;
//! * pointers are handed to the kernel as the caller gave them: the kernel checks them
//!   (`-EFAULT`). Pointers this library itself dereferences (counts, lengths, `next_id`) are
//!   checked for NULL (`-EINVAL`) where libbpf would crash;
//! * map, program and BTF creation first raise RLIMIT_MEMLOCK on kernels without memcg
//!   accounting (see `libbpf_set_memlock_rlim()`).
//!
//! Safety, for every export: pointer arguments must be NULL or valid for what the call reads
//! and writes, as with libbpf; `opts` must be NULL or declared with `LIBBPF_OPTS()`. (Stated
//! once here rather than on each function, so the generated header stays as terse as
//! upstream's.)
//!
//! Exports never call each other (shared bodies are private functions): crate-local ThinLTO may
//! copy an export's `.symver` directive into the calling object, turning the call into a
//! reference to `name@LIBBPF_x` that only the versioned cdylib link resolves.

#![allow(clippy::missing_safety_doc)] // see "Safety, for every export" above

use super::opts::{self, Opts};
use super::types::{bpf_attach_type, bpf_map_type, bpf_prog_type, bpf_stats_type};
use super::types_bpf::*;
use super::{int, symver};
use crate::error::{Error, Result};
use crate::sys::attr::{self, bpf_btf_info, bpf_link_info, bpf_map_info, bpf_prog_info};
use crate::sys::cmd::raw;
use crate::sys::probe;
use crate::uapi::{self, BpfInsn as bpf_insn};
use std::ffi::{c_char, c_int, c_uint, c_void, CStr};
use std::io;
use std::mem::{offset_of, size_of};
use std::os::fd::{IntoRawFd, OwnedFd};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A kernel error as libbpf reports it from bpf.h: errno only, no log line.
pub(crate) fn quiet(e: io::Error) -> Error {
    Error::quiet(e.raw_os_error().unwrap_or(libc::EIO))
}

fn done(r: io::Result<()>) -> Result<c_int> {
    r.map(|()| 0).map_err(quiet)
}

fn fd_out(r: io::Result<OwnedFd>) -> Result<c_int> {
    r.map(IntoRawFd::into_raw_fd).map_err(quiet)
}

/// The placement part of a `bpf_link_create_opts` (`tcx`, `netkit`, `cgroup`): at most one of
/// relative fd and id (an id sets `BPF_F_ID` in `flags`), and the expected revision.
fn relative_attr(r: &bpf_link_create_opts__relative, flags: &mut u32) -> Result<attr::LinkRelative> {
    if r.relative_fd != 0 && r.relative_id != 0 {
        return Err(Error::quiet(libc::EINVAL));
    }
    let rel = if r.relative_id != 0 {
        *flags |= uapi::BPF_F_ID;
        r.relative_id
    } else {
        r.relative_fd
    };
    Ok(attr::LinkRelative { relative_fd: rel, _pad0: 0, expected_revision: r.expected_revision })
}

/// The caller's options (all-zero when `p` is NULL), checked by libbpf's rules.
///
/// # Safety
/// `p` must be NULL or point to at least `(*p).sz` readable bytes.
pub(crate) unsafe fn read_opts<T: Opts>(p: *const T) -> Result<T> {
    // SAFETY: forwarded contract.
    match unsafe { opts::read(p) }? {
        Some(o) => Ok(o),
        // SAFETY: the Opts contract makes the all-zero pattern a valid T.
        None => Ok(unsafe { std::mem::zeroed() }),
    }
}

/// The caller's `sz` (0 for NULL options).
///
/// # Safety
/// `p` must be NULL or point to a readable options struct (first field `size_t sz`).
pub(crate) unsafe fn opts_sz<T>(p: *const T) -> usize {
    if p.is_null() {
        0
    } else {
        // SAFETY: per the contract `p` points at a `size_t` first field.
        unsafe { std::ptr::read_unaligned(p as *const usize) }
    }
}

/// libbpf's `OPTS_SET`: store `v` at byte `off` of the caller's options if its `sz` covers it.
///
/// # Safety
/// `p` must be NULL or a writable options struct of at least `(*p).sz` bytes, and a value of
/// type `F` must belong at `off`.
pub(crate) unsafe fn opts_set<T, F: Copy>(p: *mut T, off: usize, v: F) {
    // SAFETY: forwarded contract.
    let sz = unsafe { opts_sz(p) };
    if !p.is_null() && off + size_of::<F>() <= sz {
        // SAFETY: the field lies inside the caller's `sz` bytes, which are writable.
        unsafe { std::ptr::write_unaligned((p as *mut u8).add(off) as *mut F, v) };
    }
}

/// libbpf's `OPTS_ZEROED(opts, field)`: every caller byte from `end` up to `sz` is zero.
///
/// # Safety
/// `p` must be NULL or point to at least `(*p).sz` readable bytes.
unsafe fn opts_zeroed_from<T>(p: *const T, end: usize) -> bool {
    // SAFETY: forwarded contract.
    let sz = unsafe { opts_sz(p) };
    if p.is_null() || sz <= end {
        return true;
    }
    // SAFETY: the caller declares `sz` readable bytes at `p`; opts::read already bounded sz.
    let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, sz) };
    bytes[end..].iter().all(|&b| b == 0)
}

/// libbpf_strlcpy of a C name into the kernel's 16-byte field (bytes as given; the kernel
/// decides which characters it accepts).
///
/// # Safety
/// `p` must be NULL or a NUL-terminated string.
unsafe fn c_name(p: *const c_char) -> [u8; attr::BPF_OBJ_NAME_LEN] {
    let mut out = [0u8; attr::BPF_OBJ_NAME_LEN];
    if !p.is_null() {
        // SAFETY: NUL-terminated per the contract.
        let b = unsafe { CStr::from_ptr(p) }.to_bytes();
        let n = b.len().min(attr::BPF_OBJ_NAME_LEN - 1);
        out[..n].copy_from_slice(&b[..n]);
    }
    out
}

/// An argument libbpf refuses with a bare `-EINVAL` (no log line; the reason goes to the debug
/// log only). Options-struct validation, which libbpf does log, stays loud.
fn bad(msg: impl std::fmt::Display) -> Error {
    crate::pr_debug!("{msg}");
    Error::quiet(libc::EINVAL)
}

/// A required out-pointer (libbpf would dereference NULL; we refuse it).
fn need<T>(p: *mut T, func: &str, what: &str) -> Result<*mut T> {
    if p.is_null() {
        Err(bad(format_args!("{func}: {what} is NULL")))
    } else {
        Ok(p)
    }
}

/// `count * rec` bytes at `p` as a slice, if the description is usable.
///
/// # Safety
/// When `p` is non-NULL it must be readable for `count * rec` bytes.
unsafe fn records<'a>(p: *const c_void, count: u32, rec: u32) -> &'a [u8] {
    match (count as usize).checked_mul(rec as usize) {
        Some(n) if !p.is_null() && n > 0 => {
            // SAFETY: per the contract.
            unsafe { std::slice::from_raw_parts(p as *const u8, n) }
        }
        _ => &[],
    }
}

fn bump() {
    if let Err(e) = probe::bump_rlimit_memlock() {
        crate::pr_debug!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Maps
// ---------------------------------------------------------------------------------------------

/// `libbpf_set_memlock_rlim()`: the RLIMIT_MEMLOCK libbpf sets on kernels that account BPF
/// memory against it (default: unlimited; 0: leave the limit alone). `-EBUSY` once a map,
/// program or BTF object has been created.
#[no_mangle]
pub unsafe extern "C" fn libbpf_set_memlock_rlim(memlock_bytes: usize) -> c_int {
    int("libbpf_set_memlock_rlim", || probe::set_memlock_rlim(memlock_bytes as u64).map(|()| 0))
}
symver!(libbpf_set_memlock_rlim, "LIBBPF_0.7.0");

/// Create a map (`BPF_MAP_CREATE`). `map_name` may be NULL; it is truncated to 15 bytes.
/// Returns the new map's fd.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_create(
    map_type: bpf_map_type,
    map_name: *const c_char,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    opts: *const bpf_map_create_opts,
) -> c_int {
    int("bpf_map_create", || {
        bump();
        // SAFETY: `opts` is NULL or a LIBBPF_OPTS-declared struct (C caller's contract).
        let o = unsafe { read_opts(opts) }?;
        let mut a = attr::MapCreateAttr {
            map_type,
            key_size,
            value_size,
            max_entries,
            map_flags: o.map_flags,
            inner_map_fd: o.inner_map_fd,
            numa_node: o.numa_node,
            // SAFETY: NULL or a NUL-terminated string (caller's contract).
            map_name: unsafe { c_name(map_name) },
            map_ifindex: o.map_ifindex,
            btf_fd: o.btf_fd,
            btf_key_type_id: o.btf_key_type_id,
            btf_value_type_id: o.btf_value_type_id,
            btf_vmlinux_value_type_id: o.btf_vmlinux_value_type_id,
            map_extra: o.map_extra,
            value_type_btf_obj_fd: o.value_type_btf_obj_fd,
            map_token_fd: o.token_fd as i32,
        };
        if o.excl_prog_hash.is_null() && o.excl_prog_hash_size == 0 {
            return fd_out(raw::map_create(&mut a));
        }
        // libbpf 1.7: the kernel reads the hash from the caller's pointer.
        let mut x = attr::MapCreateExclAttr {
            base: a,
            excl_prog_hash: o.excl_prog_hash as u64,
            excl_prog_hash_size: o.excl_prog_hash_size,
            _pad0: 0,
        };
        fd_out(raw::call_fd(uapi::BPF_MAP_CREATE, &mut x, attr::MapCreateExclAttr::SIZE))
    })
}
symver!(bpf_map_create, "LIBBPF_0.6.0");

/// `BPF_MAP_*_ELEM` with caller pointers.
///
/// # Safety
/// `key`/`value` are handed to the kernel as the C caller's buffers for this map.
unsafe fn elem(func: &str, cmd: u32, fd: c_int, key: *const c_void, value: *mut c_void, flags: u64) -> c_int {
    int(func, || {
        // SAFETY: the kernel accesses the caller's buffers, sized for the map by C's contract.
        done(unsafe { raw::map_elem(cmd, fd, key as u64, value as u64, flags) })
    })
}

/// Create or update an element (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`, `BPF_F_LOCK`).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_update_elem(fd: c_int, key: *const c_void, value: *const c_void, flags: u64) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe { elem("bpf_map_update_elem", uapi::BPF_MAP_UPDATE_ELEM, fd, key, value as *mut c_void, flags) }
}
symver!(bpf_map_update_elem, "LIBBPF_0.0.1");

/// Copy an element's value into `value` (`-ENOENT` if absent).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_elem(fd: c_int, key: *const c_void, value: *mut c_void) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe { elem("bpf_map_lookup_elem", uapi::BPF_MAP_LOOKUP_ELEM, fd, key, value, 0) }
}
symver!(bpf_map_lookup_elem, "LIBBPF_0.0.1");

/// `bpf_map_lookup_elem()` with flags (`BPF_F_LOCK`).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_elem_flags(
    fd: c_int,
    key: *const c_void,
    value: *mut c_void,
    flags: u64,
) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe { elem("bpf_map_lookup_elem_flags", uapi::BPF_MAP_LOOKUP_ELEM, fd, key, value, flags) }
}
symver!(bpf_map_lookup_elem_flags, "LIBBPF_0.0.2");

/// Look up and delete an element; pops queue/stack maps (key NULL).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_and_delete_elem(fd: c_int, key: *const c_void, value: *mut c_void) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe { elem("bpf_map_lookup_and_delete_elem", uapi::BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, 0) }
}
symver!(bpf_map_lookup_and_delete_elem, "LIBBPF_0.0.1");

/// `bpf_map_lookup_and_delete_elem()` with flags.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_and_delete_elem_flags(
    fd: c_int,
    key: *const c_void,
    value: *mut c_void,
    flags: u64,
) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe { elem("bpf_map_lookup_and_delete_elem_flags", uapi::BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, flags) }
}
symver!(bpf_map_lookup_and_delete_elem_flags, "LIBBPF_0.5.0");

/// Delete an element (`-ENOENT` if absent).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_delete_elem(fd: c_int, key: *const c_void) -> c_int {
    // SAFETY: C caller's buffer.
    unsafe { elem("bpf_map_delete_elem", uapi::BPF_MAP_DELETE_ELEM, fd, key, std::ptr::null_mut(), 0) }
}
symver!(bpf_map_delete_elem, "LIBBPF_0.0.1");

/// `bpf_map_delete_elem()` with flags.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_delete_elem_flags(fd: c_int, key: *const c_void, flags: u64) -> c_int {
    // SAFETY: C caller's buffer.
    unsafe { elem("bpf_map_delete_elem_flags", uapi::BPF_MAP_DELETE_ELEM, fd, key, std::ptr::null_mut(), flags) }
}
symver!(bpf_map_delete_elem_flags, "LIBBPF_0.8.0");

/// The key after `key` (NULL: the first key) into `next_key`; `-ENOENT` at the end.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_get_next_key(fd: c_int, key: *const c_void, next_key: *mut c_void) -> c_int {
    int("bpf_map_get_next_key", || {
        // SAFETY: C caller's buffers, sized for the map's key.
        done(unsafe { raw::map_get_next_key(fd, key as u64, next_key as u64) })
    })
}
symver!(bpf_map_get_next_key, "LIBBPF_0.0.1");

/// Make the map read-only for user space.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_freeze(fd: c_int) -> c_int {
    int("bpf_map_freeze", || done(raw::map_freeze(fd)))
}
symver!(bpf_map_freeze, "LIBBPF_0.0.3");

/// The shared body of the batch functions; `*count` is updated even on failure.
///
/// # Safety
/// Buffers per the C caller's contract; `count` NULL or writable.
#[allow(clippy::too_many_arguments)]
unsafe fn batch(
    func: &str,
    cmd: u32,
    fd: c_int,
    in_batch: *const c_void,
    out_batch: *mut c_void,
    keys: *const c_void,
    values: *const c_void,
    count: *mut u32,
    opts: *const bpf_map_batch_opts,
) -> c_int {
    int(func, || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let count = need(count, func, "count")?;
        let mut a = attr::MapBatchAttr {
            in_batch: in_batch as u64,
            out_batch: out_batch as u64,
            keys: keys as u64,
            values: values as u64,
            // SAFETY: non-NULL, and readable per the caller's contract.
            count: unsafe { *count },
            map_fd: fd as u32,
            elem_flags: o.elem_flags,
            flags: o.flags,
        };
        // SAFETY: the kernel accesses the caller's buffers for `count` elements.
        let r = unsafe { raw::map_batch(cmd, &mut a) };
        // SAFETY: non-NULL and writable per the caller's contract.
        unsafe { *count = a.count };
        done(r)
    })
}

/// Delete `*count` keys; `*count` becomes the number deleted.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_delete_batch(
    fd: c_int,
    keys: *const c_void,
    count: *mut u32,
    opts: *const bpf_map_batch_opts,
) -> c_int {
    let null = std::ptr::null();
    // SAFETY: C caller's buffers.
    unsafe {
        batch(
            "bpf_map_delete_batch",
            uapi::BPF_MAP_DELETE_BATCH,
            fd,
            null,
            std::ptr::null_mut(),
            keys,
            null,
            count,
            opts,
        )
    }
}
symver!(bpf_map_delete_batch, "LIBBPF_0.0.7");

/// Read up to `*count` elements after the token `in_batch` (NULL: from the start); the next
/// token goes to `out_batch`; `-ENOENT` when the map is exhausted (with `*count` set).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_batch(
    fd: c_int,
    in_batch: *mut c_void,
    out_batch: *mut c_void,
    keys: *mut c_void,
    values: *mut c_void,
    count: *mut u32,
    opts: *const bpf_map_batch_opts,
) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe {
        batch("bpf_map_lookup_batch", uapi::BPF_MAP_LOOKUP_BATCH, fd, in_batch, out_batch, keys, values, count, opts)
    }
}
symver!(bpf_map_lookup_batch, "LIBBPF_0.0.7");

/// `bpf_map_lookup_batch()` deleting what it returns.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_and_delete_batch(
    fd: c_int,
    in_batch: *mut c_void,
    out_batch: *mut c_void,
    keys: *mut c_void,
    values: *mut c_void,
    count: *mut u32,
    opts: *const bpf_map_batch_opts,
) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe {
        batch(
            "bpf_map_lookup_and_delete_batch",
            uapi::BPF_MAP_LOOKUP_AND_DELETE_BATCH,
            fd,
            in_batch,
            out_batch,
            keys,
            values,
            count,
            opts,
        )
    }
}
symver!(bpf_map_lookup_and_delete_batch, "LIBBPF_0.0.7");

/// Update `*count` elements; `*count` becomes the number updated.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_update_batch(
    fd: c_int,
    keys: *const c_void,
    values: *const c_void,
    count: *mut u32,
    opts: *const bpf_map_batch_opts,
) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe {
        batch(
            "bpf_map_update_batch",
            uapi::BPF_MAP_UPDATE_BATCH,
            fd,
            std::ptr::null(),
            std::ptr::null_mut(),
            keys,
            values,
            count,
            opts,
        )
    }
}
symver!(bpf_map_update_batch, "LIBBPF_0.0.7");

// ---------------------------------------------------------------------------------------------
// Programs and BTF
// ---------------------------------------------------------------------------------------------

/// Load a program (`BPF_PROG_LOAD`), retrying on `EAGAIN` (`opts->attempts`, default 5), on
/// `E2BIG` with func/line info records larger than the kernel's (their tails zeroed), and with
/// `log_level` 0 and a `log_buf`, once more with level 1 to collect the log of a failure.
/// `opts->log_true_size` receives the log size the kernel wanted.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_load(
    prog_type: bpf_prog_type,
    prog_name: *const c_char,
    license: *const c_char,
    insns: *const bpf_insn,
    insn_cnt: usize,
    opts: *mut bpf_prog_load_opts,
) -> c_int {
    int("bpf_prog_load", || {
        bump();
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let attempts = match o.attempts {
            a if a < 0 => return Err(bad(format_args!("bpf_prog_load: attempts {a} is negative"))),
            0 => crate::sys::cmd::PROG_LOAD_ATTEMPTS,
            a => a as u32,
        };
        let insn_cnt = u32::try_from(insn_cnt).map_err(|_| Error::quiet(libc::E2BIG))?;
        if o.attach_prog_fd != 0 && o.attach_btf_obj_fd != 0 {
            return Err(bad("bpf_prog_load: attach_prog_fd and attach_btf_obj_fd are exclusive"));
        }
        if o.log_buf.is_null() != (o.log_size == 0) {
            return Err(bad("bpf_prog_load: log_buf and log_size must be set together"));
        }
        let mut a = attr::ProgLoadAttr {
            prog_type,
            insn_cnt,
            insns: insns as u64,
            license: license as u64,
            kern_version: o.kern_version,
            prog_flags: o.prog_flags,
            // SAFETY: NULL or NUL-terminated (caller's contract).
            prog_name: unsafe { c_name(prog_name) },
            prog_ifindex: o.prog_ifindex,
            expected_attach_type: o.expected_attach_type,
            prog_btf_fd: o.prog_btf_fd,
            func_info_rec_size: o.func_info_rec_size,
            func_info: o.func_info as u64,
            func_info_cnt: o.func_info_cnt,
            line_info_rec_size: o.line_info_rec_size,
            line_info: o.line_info as u64,
            line_info_cnt: o.line_info_cnt,
            attach_btf_id: o.attach_btf_id,
            attach_btf_obj_fd: if o.attach_prog_fd != 0 { o.attach_prog_fd } else { o.attach_btf_obj_fd },
            fd_array: o.fd_array as u64,
            prog_token_fd: o.token_fd as i32,
            fd_array_cnt: o.fd_array_cnt,
            ..Default::default()
        };
        let log = raw::Log { buf: o.log_buf as u64, size: o.log_size, level: o.log_level };
        // SAFETY: the func/line info pointers describe cnt records of rec_size bytes (caller's
        // contract), read only for libbpf's E2BIG retry.
        let (finfo, linfo) = unsafe {
            (
                records(o.func_info, o.func_info_cnt, o.func_info_rec_size),
                records(o.line_info, o.line_info_cnt, o.line_info_rec_size),
            )
        };
        // SAFETY: every address comes from the C caller, valid for BPF_PROG_LOAD by contract.
        let (r, true_size) = unsafe { raw::prog_load(&mut a, attempts, log, finfo, linfo) };
        // SAFETY: `opts` is NULL or the caller's writable options struct.
        unsafe { opts_set(opts, offset_of!(bpf_prog_load_opts, log_true_size), true_size) };
        fd_out(r)
    })
}
symver!(bpf_prog_load, "LIBBPF_0.6.0");

/// Load raw BTF (`BPF_BTF_LOAD`); `log_level` 0 with a `log_buf` logs only after a failure.
#[no_mangle]
pub unsafe extern "C" fn bpf_btf_load(btf_data: *const c_void, btf_size: usize, opts: *mut bpf_btf_load_opts) -> c_int {
    int("bpf_btf_load", || {
        bump();
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        if o.log_size != 0 && o.log_buf.is_null() {
            return Err(bad("bpf_btf_load: log_size without log_buf"));
        }
        let mut a = attr::BtfLoadAttr {
            btf: btf_data as u64,
            btf_size: u32::try_from(btf_size).map_err(|_| bad("bpf_btf_load: btf_size too large"))?,
            btf_flags: o.btf_flags,
            btf_token_fd: o.token_fd as i32,
            ..Default::default()
        };
        let log = raw::Log { buf: o.log_buf as u64, size: o.log_size, level: o.log_level };
        // SAFETY: data and log buffers per the C caller's contract.
        let r = unsafe { raw::btf_load(&mut a, log) };
        // SAFETY: `opts` is NULL or the caller's writable options struct.
        unsafe { opts_set(opts, offset_of!(bpf_btf_load_opts, log_true_size), a.btf_log_true_size) };
        fd_out(r)
    })
}
symver!(bpf_btf_load, "LIBBPF_0.7.0");

// ---------------------------------------------------------------------------------------------
// Pinning
// ---------------------------------------------------------------------------------------------

/// Pin an object at `pathname` on a BPF FS.
#[no_mangle]
pub unsafe extern "C" fn bpf_obj_pin(fd: c_int, pathname: *const c_char) -> c_int {
    // SAFETY: forwarded contract; NULL options.
    unsafe { obj_pin("bpf_obj_pin", fd, pathname, std::ptr::null()) }
}
symver!(bpf_obj_pin, "LIBBPF_0.0.1");

/// Pin with `file_flags` (`BPF_F_PATH_FD`) and `path_fd`.
#[no_mangle]
pub unsafe extern "C" fn bpf_obj_pin_opts(fd: c_int, pathname: *const c_char, opts: *const bpf_obj_pin_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { obj_pin("bpf_obj_pin_opts", fd, pathname, opts) }
}
symver!(bpf_obj_pin_opts, "LIBBPF_1.3.0");

/// The body of `bpf_obj_pin*()` (exports never call each other: see `symver!`).
///
/// # Safety
/// `pathname` NUL-terminated (or NULL: the kernel says EFAULT); `opts` NULL or LIBBPF_OPTS.
unsafe fn obj_pin(func: &str, fd: c_int, pathname: *const c_char, opts: *const bpf_obj_pin_opts) -> c_int {
    int(func, || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let mut a = attr::ObjPinAttr {
            pathname: pathname as u64,
            bpf_fd: fd as u32,
            file_flags: o.file_flags,
            path_fd: o.path_fd,
            _pad0: 0,
        };
        // SAFETY: the kernel reads the caller's path string.
        done(unsafe { raw::obj_pin(&mut a) })
    })
}

/// Open a pinned object.
#[no_mangle]
pub unsafe extern "C" fn bpf_obj_get(pathname: *const c_char) -> c_int {
    // SAFETY: forwarded contract; NULL options.
    unsafe { obj_get("bpf_obj_get", pathname, std::ptr::null()) }
}
symver!(bpf_obj_get, "LIBBPF_0.0.1");

/// Open a pinned object with `file_flags` (`BPF_F_RDONLY`, `BPF_F_WRONLY`, `BPF_F_PATH_FD`).
#[no_mangle]
pub unsafe extern "C" fn bpf_obj_get_opts(pathname: *const c_char, opts: *const bpf_obj_get_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { obj_get("bpf_obj_get_opts", pathname, opts) }
}
symver!(bpf_obj_get_opts, "LIBBPF_1.0.0");

/// The body of `bpf_obj_get*()`.
///
/// # Safety
/// As [`obj_pin`].
unsafe fn obj_get(func: &str, pathname: *const c_char, opts: *const bpf_obj_get_opts) -> c_int {
    int(func, || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let mut a = attr::ObjPinAttr {
            pathname: pathname as u64,
            file_flags: o.file_flags,
            path_fd: o.path_fd,
            ..Default::default()
        };
        // SAFETY: the kernel reads the caller's path string.
        fd_out(unsafe { raw::obj_get(&mut a) })
    })
}

// ---------------------------------------------------------------------------------------------
// Attach / detach / query
// ---------------------------------------------------------------------------------------------

/// Attach a program to a cgroup, sockmap, netns, ... (`BPF_PROG_ATTACH`).
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_attach(
    prog_fd: c_int,
    attachable_fd: c_int,
    type_: bpf_attach_type,
    flags: c_uint,
) -> c_int {
    int("bpf_prog_attach", || {
        let mut a = attr::ProgAttachAttr {
            target_fd: attachable_fd as u32,
            attach_bpf_fd: prog_fd as u32,
            attach_type: type_,
            attach_flags: flags,
            ..Default::default()
        };
        done(raw::prog_attach(uapi::BPF_PROG_ATTACH, &mut a))
    })
}
symver!(bpf_prog_attach, "LIBBPF_0.0.1");

/// Fill the relative fd/id and flags of an attach/detach attr (libbpf's rules).
fn relative(func: &str, a: &mut attr::ProgAttachAttr, flags: u32, relative_fd: c_int, relative_id: u32) -> Result<()> {
    if relative_fd != 0 && relative_id != 0 {
        return Err(bad(format_args!("{func}: relative_fd and relative_id are exclusive")));
    }
    if relative_id != 0 {
        a.attach_flags = flags | uapi::BPF_F_ID;
        a.relative_fd = relative_id;
    } else {
        a.attach_flags = flags;
        a.relative_fd = relative_fd as u32;
    }
    Ok(())
}

/// `bpf_prog_attach()` with replace/relative/revision options.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_attach_opts(
    prog_fd: c_int,
    target: c_int,
    type_: bpf_attach_type,
    opts: *const bpf_prog_attach_opts,
) -> c_int {
    int("bpf_prog_attach_opts", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let mut a = attr::ProgAttachAttr {
            target_fd: target as u32,
            attach_bpf_fd: prog_fd as u32,
            attach_type: type_,
            // SAFETY: both union members are c_int at the same place.
            replace_bpf_fd: unsafe { o._anon0.replace_fd } as u32,
            expected_revision: o.expected_revision,
            ..Default::default()
        };
        relative("bpf_prog_attach_opts", &mut a, o.flags, o.relative_fd, o.relative_id)?;
        done(raw::prog_attach(uapi::BPF_PROG_ATTACH, &mut a))
    })
}
symver!(bpf_prog_attach_opts, "LIBBPF_0.0.8");

/// Detach with relative/revision options (`BPF_PROG_DETACH`).
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_detach_opts(
    prog_fd: c_int,
    target: c_int,
    type_: bpf_attach_type,
    opts: *const bpf_prog_detach_opts,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { prog_detach("bpf_prog_detach_opts", prog_fd, target, type_, opts) }
}
symver!(bpf_prog_detach_opts, "LIBBPF_1.3.0");

/// The body of `bpf_prog_detach*()`.
///
/// # Safety
/// `opts` NULL or LIBBPF_OPTS.
unsafe fn prog_detach(
    func: &str,
    prog_fd: c_int,
    target: c_int,
    type_: bpf_attach_type,
    opts: *const bpf_prog_detach_opts,
) -> c_int {
    int(func, || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let mut a = attr::ProgAttachAttr {
            target_fd: target as u32,
            attach_bpf_fd: prog_fd as u32,
            attach_type: type_,
            expected_revision: o.expected_revision,
            ..Default::default()
        };
        relative(func, &mut a, o.flags, o.relative_fd, o.relative_id)?;
        done(raw::prog_attach(uapi::BPF_PROG_DETACH, &mut a))
    })
}

/// Detach whatever single program is attached to `attachable_fd` for `type_`.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_detach(attachable_fd: c_int, type_: bpf_attach_type) -> c_int {
    // SAFETY: NULL options.
    unsafe { prog_detach("bpf_prog_detach", 0, attachable_fd, type_, std::ptr::null()) }
}
symver!(bpf_prog_detach, "LIBBPF_0.0.1");

/// Detach program `prog_fd` from `attachable_fd`.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_detach2(prog_fd: c_int, attachable_fd: c_int, type_: bpf_attach_type) -> c_int {
    // SAFETY: NULL options.
    unsafe { prog_detach("bpf_prog_detach2", prog_fd, attachable_fd, type_, std::ptr::null()) }
}
symver!(bpf_prog_detach2, "LIBBPF_0.0.1");

/// List the programs (and links) attached to a target (`BPF_PROG_QUERY`). `count`/`prog_cnt`
/// is the capacity of the arrays on input and the number attached on output.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_query_opts(
    target: c_int,
    type_: bpf_attach_type,
    opts: *mut bpf_prog_query_opts,
) -> c_int {
    int("bpf_prog_query_opts", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let mut a = attr::QueryAttr {
            target_fd: target as u32,
            attach_type: type_,
            query_flags: o.query_flags,
            prog_ids: o.prog_ids as u64,
            // SAFETY: both union members are u32 at the same place.
            count: unsafe { o._anon0.count },
            prog_attach_flags: o.prog_attach_flags as u64,
            link_ids: o.link_ids as u64,
            link_attach_flags: o.link_attach_flags as u64,
            ..Default::default()
        };
        // SAFETY: the arrays hold `count` entries per the caller's contract.
        let r = unsafe { raw::prog_query(&mut a) };
        // SAFETY: `opts` is NULL or the caller's writable options struct.
        unsafe {
            opts_set(opts, offset_of!(bpf_prog_query_opts, attach_flags), a.attach_flags);
            opts_set(opts, offset_of!(bpf_prog_query_opts, revision), a.revision);
            opts_set(opts, offset_of!(bpf_prog_query_opts, _anon0), a.count);
        }
        done(r)
    })
}
symver!(bpf_prog_query_opts, "LIBBPF_1.0.0");

/// The legacy form of `bpf_prog_query_opts()`.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_query(
    target_fd: c_int,
    type_: bpf_attach_type,
    query_flags: u32,
    attach_flags: *mut u32,
    prog_ids: *mut u32,
    prog_cnt: *mut u32,
) -> c_int {
    int("bpf_prog_query", || {
        let prog_cnt = need(prog_cnt, "bpf_prog_query", "prog_cnt")?;
        let mut a = attr::QueryAttr {
            target_fd: target_fd as u32,
            attach_type: type_,
            query_flags,
            prog_ids: prog_ids as u64,
            // SAFETY: non-NULL, readable per the caller's contract.
            count: unsafe { *prog_cnt },
            ..Default::default()
        };
        // SAFETY: `prog_ids` holds `*prog_cnt` entries per the caller's contract.
        let r = unsafe { raw::prog_query(&mut a) };
        // SAFETY: out-pointers from the caller (attach_flags may be NULL).
        unsafe {
            if !attach_flags.is_null() {
                *attach_flags = a.attach_flags;
            }
            *prog_cnt = a.count;
        }
        done(r)
    })
}
symver!(bpf_prog_query, "LIBBPF_0.0.1");

// ---------------------------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------------------------

/// Create a link (`BPF_LINK_CREATE`). Only the options member of `attach_type` may be set. On
/// kernels without link support for raw_tp/fentry/fexit/fmod_ret/LSM, falls back to
/// `BPF_RAW_TRACEPOINT_OPEN` when no other option is set.
#[no_mangle]
pub unsafe extern "C" fn bpf_link_create(
    prog_fd: c_int,
    target_fd: c_int,
    attach_type: bpf_attach_type,
    opts: *const bpf_link_create_opts,
) -> c_int {
    int("bpf_link_create", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let inval = || bad("bpf_link_create: options set for another attach type");
        let u = offset_of!(bpf_link_create_opts, _anon0);
        let zeroed = |end: usize| {
            // SAFETY: `opts` is NULL or readable for its `sz` bytes (caller's contract).
            unsafe { opts_zeroed_from(opts, end) }
        };
        let mut a = attr::LinkCreateAttr {
            prog_fd: prog_fd as u32,
            target_fd: target_fd as u32,
            attach_type,
            flags: o.flags,
            ..Default::default()
        };
        if o.iter_info_len != 0 || o.target_btf_id != 0 {
            if o.iter_info_len != 0 && o.target_btf_id != 0 {
                return Err(inval());
            }
            if !zeroed(offset_of!(bpf_link_create_opts, target_btf_id) + 4) {
                return Err(inval());
            }
        }
        // SAFETY (union reads below): every member is integers and pointers, any bit pattern
        // is valid, and the caller's bytes were copied over a zeroed struct.
        let un = o._anon0;
        if o.target_btf_id != 0 {
            a.extra.tracing = attr::LinkTracing { target_btf_id: o.target_btf_id, ..Default::default() };
        } else {
            match attach_type {
                uapi::BPF_TRACE_ITER => {
                    a.extra.iter =
                        attr::LinkIter { iter_info: o.iter_info as u64, iter_info_len: o.iter_info_len, _pad0: 0 };
                }
                uapi::BPF_PERF_EVENT => {
                    // SAFETY: see above.
                    let p = unsafe { un.perf_event };
                    a.extra.perf_event = attr::LinkPerfEvent { bpf_cookie: p.bpf_cookie };
                    if !zeroed(u + size_of::<bpf_link_create_opts__perf_event>()) {
                        return Err(inval());
                    }
                }
                uapi::BPF_TRACE_KPROBE_MULTI | uapi::BPF_TRACE_KPROBE_SESSION => {
                    // SAFETY: see above.
                    let k = unsafe { un.kprobe_multi };
                    a.extra.kprobe_multi = attr::LinkKprobeMulti {
                        flags: k.flags,
                        cnt: k.cnt,
                        syms: k.syms as u64,
                        addrs: k.addrs as u64,
                        cookies: k.cookies as u64,
                    };
                    if !zeroed(u + size_of::<bpf_link_create_opts__kprobe_multi>()) {
                        return Err(inval());
                    }
                }
                uapi::BPF_TRACE_UPROBE_MULTI => {
                    // SAFETY: see above.
                    let m = unsafe { un.uprobe_multi };
                    a.extra.uprobe_multi = attr::LinkUprobeMulti {
                        path: m.path as u64,
                        offsets: m.offsets as u64,
                        ref_ctr_offsets: m.ref_ctr_offsets as u64,
                        cookies: m.cookies as u64,
                        cnt: m.cnt,
                        flags: m.flags,
                        pid: m.pid,
                        _pad0: 0,
                    };
                    if !zeroed(BPF_LINK_CREATE_OPTS_END) {
                        return Err(inval());
                    }
                }
                uapi::BPF_TRACE_RAW_TP
                | uapi::BPF_TRACE_FENTRY
                | uapi::BPF_TRACE_FEXIT
                | uapi::BPF_MODIFY_RETURN
                | uapi::BPF_TRACE_FSESSION
                | uapi::BPF_LSM_MAC => {
                    // SAFETY: see above.
                    let t = unsafe { un.tracing };
                    a.extra.tracing = attr::LinkTracing { cookie: t.cookie, ..Default::default() };
                    if !zeroed(u + size_of::<bpf_link_create_opts__tracing>()) {
                        return Err(inval());
                    }
                }
                uapi::BPF_NETFILTER => {
                    // SAFETY: see above.
                    let n = unsafe { un.netfilter };
                    a.extra.netfilter =
                        attr::LinkNetfilter { pf: n.pf, hooknum: n.hooknum, priority: n.priority, flags: n.flags };
                    if !zeroed(u + size_of::<bpf_link_create_opts__netfilter>()) {
                        return Err(inval());
                    }
                }
                uapi::BPF_TCX_INGRESS | uapi::BPF_TCX_EGRESS | uapi::BPF_NETKIT_PRIMARY | uapi::BPF_NETKIT_PEER => {
                    // SAFETY: see above; tcx and netkit share one layout.
                    let t = unsafe { un.tcx };
                    a.extra.tcx = relative_attr(&t, &mut a.flags)?;
                    if !zeroed(u + size_of::<bpf_link_create_opts__relative>()) {
                        return Err(inval());
                    }
                }
                uapi::BPF_CGROUP_INET_INGRESS
                | uapi::BPF_CGROUP_INET_EGRESS
                | uapi::BPF_CGROUP_INET_SOCK_CREATE
                | uapi::BPF_CGROUP_INET_SOCK_RELEASE
                | uapi::BPF_CGROUP_INET4_BIND
                | uapi::BPF_CGROUP_INET6_BIND
                | uapi::BPF_CGROUP_INET4_POST_BIND
                | uapi::BPF_CGROUP_INET6_POST_BIND
                | uapi::BPF_CGROUP_INET4_CONNECT
                | uapi::BPF_CGROUP_INET6_CONNECT
                | uapi::BPF_CGROUP_UNIX_CONNECT
                | uapi::BPF_CGROUP_INET4_GETPEERNAME
                | uapi::BPF_CGROUP_INET6_GETPEERNAME
                | uapi::BPF_CGROUP_UNIX_GETPEERNAME
                | uapi::BPF_CGROUP_INET4_GETSOCKNAME
                | uapi::BPF_CGROUP_INET6_GETSOCKNAME
                | uapi::BPF_CGROUP_UNIX_GETSOCKNAME
                | uapi::BPF_CGROUP_UDP4_SENDMSG
                | uapi::BPF_CGROUP_UDP6_SENDMSG
                | uapi::BPF_CGROUP_UNIX_SENDMSG
                | uapi::BPF_CGROUP_UDP4_RECVMSG
                | uapi::BPF_CGROUP_UDP6_RECVMSG
                | uapi::BPF_CGROUP_UNIX_RECVMSG
                | uapi::BPF_CGROUP_SOCK_OPS
                | uapi::BPF_CGROUP_DEVICE
                | uapi::BPF_CGROUP_SYSCTL
                | uapi::BPF_CGROUP_GETSOCKOPT
                | uapi::BPF_CGROUP_SETSOCKOPT
                | uapi::BPF_LSM_CGROUP => {
                    // SAFETY: see above; libbpf 1.7's `cgroup` member, the tcx layout.
                    let c = unsafe { un.cgroup };
                    a.extra.tcx = relative_attr(&c, &mut a.flags)?;
                    if !zeroed(u + size_of::<bpf_link_create_opts__relative>()) {
                        return Err(inval());
                    }
                }
                _ => {
                    if !zeroed(offset_of!(bpf_link_create_opts, flags) + 4) {
                        return Err(inval());
                    }
                }
            }
        }
        // SAFETY: the addresses come from the C caller, valid by its contract.
        let err = match unsafe { raw::link_create(&mut a) } {
            Ok(fd) => return Ok(fd.into_raw_fd()),
            Err(e) => e,
        };
        // Kernels without BPF_LINK_CREATE for tracing programs say EINVAL; libbpf then tries
        // the older command when nothing else was asked for.
        let fallback = err.raw_os_error() == Some(libc::EINVAL)
            && target_fd == 0
            && o.target_btf_id == 0
            && zeroed(size_of::<usize>())
            && matches!(
                attach_type,
                uapi::BPF_TRACE_RAW_TP
                    | uapi::BPF_LSM_MAC
                    | uapi::BPF_TRACE_FENTRY
                    | uapi::BPF_TRACE_FEXIT
                    | uapi::BPF_MODIFY_RETURN
            );
        if fallback {
            let mut rt = attr::RawTracepointAttr { prog_fd: prog_fd as u32, ..Default::default() };
            // SAFETY: no name pointer.
            return fd_out(unsafe { raw::raw_tracepoint_open(&mut rt) });
        }
        Err(quiet(err))
    })
}
symver!(bpf_link_create, "LIBBPF_0.0.8");

/// Detach a link's program while keeping the link fd (`BPF_LINK_DETACH`).
#[no_mangle]
pub unsafe extern "C" fn bpf_link_detach(link_fd: c_int) -> c_int {
    int("bpf_link_detach", || done(raw::link_detach(link_fd)))
}
symver!(bpf_link_detach, "LIBBPF_0.1.0");

/// Replace a link's program (or struct_ops map: pass the map fd as `new_prog_fd`). With
/// `BPF_F_REPLACE`, only if it holds `old_prog_fd`/`old_map_fd` (set at most one).
#[no_mangle]
pub unsafe extern "C" fn bpf_link_update(
    link_fd: c_int,
    new_prog_fd: c_int,
    opts: *const bpf_link_update_opts,
) -> c_int {
    int("bpf_link_update", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        if o.old_prog_fd != 0 && o.old_map_fd != 0 {
            return Err(bad("bpf_link_update: old_prog_fd and old_map_fd are exclusive"));
        }
        let mut a = attr::LinkUpdateAttr {
            link_fd: link_fd as u32,
            new_prog_fd: new_prog_fd as u32,
            flags: o.flags,
            old_prog_fd: if o.old_prog_fd != 0 { o.old_prog_fd } else { o.old_map_fd },
        };
        done(raw::link_update(&mut a))
    })
}
symver!(bpf_link_update, "LIBBPF_0.0.8");

/// Open a readable fd producing an iterator link's output (`BPF_ITER_CREATE`).
#[no_mangle]
pub unsafe extern "C" fn bpf_iter_create(link_fd: c_int) -> c_int {
    int("bpf_iter_create", || fd_out(raw::iter_create(link_fd)))
}
symver!(bpf_iter_create, "LIBBPF_0.0.9");

/// Attach a program to a raw tracepoint (`tp_name`), or a tracing/LSM/ext program to its load
/// target (`tp_name` NULL), with an optional cookie.
#[no_mangle]
pub unsafe extern "C" fn bpf_raw_tracepoint_open_opts(prog_fd: c_int, opts: *mut bpf_raw_tp_opts) -> c_int {
    int("bpf_raw_tracepoint_open_opts", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let mut a =
            attr::RawTracepointAttr { name: o.tp_name as u64, prog_fd: prog_fd as u32, cookie: o.cookie, _pad0: 0 };
        // SAFETY: the kernel reads the caller's name string.
        fd_out(unsafe { raw::raw_tracepoint_open(&mut a) })
    })
}
symver!(bpf_raw_tracepoint_open_opts, "LIBBPF_1.4.0");

/// `bpf_raw_tracepoint_open_opts()` with just a name.
#[no_mangle]
pub unsafe extern "C" fn bpf_raw_tracepoint_open(name: *const c_char, prog_fd: c_int) -> c_int {
    int("bpf_raw_tracepoint_open", || {
        let mut a = attr::RawTracepointAttr { name: name as u64, prog_fd: prog_fd as u32, ..Default::default() };
        // SAFETY: the kernel reads the caller's name string.
        fd_out(unsafe { raw::raw_tracepoint_open(&mut a) })
    })
}
symver!(bpf_raw_tracepoint_open, "LIBBPF_0.0.1");

// ---------------------------------------------------------------------------------------------
// Test runs, ids, info
// ---------------------------------------------------------------------------------------------

/// Run a program on test input (`BPF_PROG_TEST_RUN`); results go back into `opts`.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_test_run_opts(prog_fd: c_int, opts: *mut bpf_test_run_opts) -> c_int {
    int("bpf_prog_test_run_opts", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let mut a = attr::TestRunAttr {
            prog_fd: prog_fd as u32,
            data_size_in: o.data_size_in,
            data_size_out: o.data_size_out,
            data_in: o.data_in as u64,
            data_out: o.data_out as u64,
            repeat: o.repeat as u32,
            duration: o.duration,
            ctx_size_in: o.ctx_size_in,
            ctx_size_out: o.ctx_size_out,
            ctx_in: o.ctx_in as u64,
            ctx_out: o.ctx_out as u64,
            flags: o.flags,
            cpu: o.cpu,
            batch_size: o.batch_size,
            ..Default::default()
        };
        // SAFETY: buffers per the C caller's contract.
        let r = unsafe { raw::prog_test_run(&mut a) };
        // SAFETY: `opts` is NULL or the caller's writable options struct.
        unsafe {
            opts_set(opts, offset_of!(bpf_test_run_opts, data_size_out), a.data_size_out);
            opts_set(opts, offset_of!(bpf_test_run_opts, ctx_size_out), a.ctx_size_out);
            opts_set(opts, offset_of!(bpf_test_run_opts, duration), a.duration);
            opts_set(opts, offset_of!(bpf_test_run_opts, retval), a.retval);
        }
        done(r)
    })
}
symver!(bpf_prog_test_run_opts, "LIBBPF_0.2.0");

fn next_id(func: &str, cmd: u32, start_id: u32, next_id: *mut u32) -> c_int {
    int(func, || {
        let out = need(next_id, func, "next_id")?;
        let id = raw::get_next_id(cmd, start_id).map_err(quiet)?;
        // SAFETY: non-NULL and writable per the caller's contract.
        unsafe { *out = id };
        Ok(0)
    })
}

/// The next program id after `start_id`; `-ENOENT` after the last.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_get_next_id(start_id: u32, next_id: *mut u32) -> c_int {
    self::next_id("bpf_prog_get_next_id", uapi::BPF_PROG_GET_NEXT_ID, start_id, next_id)
}
symver!(bpf_prog_get_next_id, "LIBBPF_0.0.1");

/// The next map id after `start_id`; `-ENOENT` after the last.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_get_next_id(start_id: u32, next_id: *mut u32) -> c_int {
    self::next_id("bpf_map_get_next_id", uapi::BPF_MAP_GET_NEXT_ID, start_id, next_id)
}
symver!(bpf_map_get_next_id, "LIBBPF_0.0.1");

/// The next BTF object id after `start_id`; `-ENOENT` after the last.
#[no_mangle]
pub unsafe extern "C" fn bpf_btf_get_next_id(start_id: u32, next_id: *mut u32) -> c_int {
    self::next_id("bpf_btf_get_next_id", uapi::BPF_BTF_GET_NEXT_ID, start_id, next_id)
}
symver!(bpf_btf_get_next_id, "LIBBPF_0.0.5");

/// The next link id after `start_id`; `-ENOENT` after the last.
#[no_mangle]
pub unsafe extern "C" fn bpf_link_get_next_id(start_id: u32, next_id: *mut u32) -> c_int {
    self::next_id("bpf_link_get_next_id", uapi::BPF_LINK_GET_NEXT_ID, start_id, next_id)
}
symver!(bpf_link_get_next_id, "LIBBPF_0.0.9");

/// # Safety
/// `opts` NULL or a LIBBPF_OPTS-declared struct.
unsafe fn fd_by_id(func: &str, cmd: u32, id: u32, opts: *const bpf_get_fd_by_id_opts) -> c_int {
    int(func, || {
        // SAFETY: forwarded contract.
        let o = unsafe { read_opts(opts) }?;
        if cmd == uapi::BPF_BTF_GET_FD_BY_ID {
            // libbpf 1.7 passes the token field (zero without one) for BTF only.
            let mut a = attr::GetIdTokenAttr {
                id: attr::GetIdAttr { start_id: id, open_flags: o.open_flags, ..Default::default() },
                fd_by_id_token_fd: o.token_fd,
            };
            return fd_out(raw::call_fd(cmd, &mut a, attr::GetIdTokenAttr::SIZE));
        }
        fd_out(raw::get_fd_by_id(cmd, id, o.open_flags))
    })
}

/// An fd for the program with this id.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_get_fd_by_id(id: u32) -> c_int {
    // SAFETY: NULL options.
    unsafe { fd_by_id("bpf_prog_get_fd_by_id", uapi::BPF_PROG_GET_FD_BY_ID, id, std::ptr::null()) }
}
symver!(bpf_prog_get_fd_by_id, "LIBBPF_0.0.1");

/// An fd for the program with this id, with `open_flags`.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_get_fd_by_id_opts(id: u32, opts: *const bpf_get_fd_by_id_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { fd_by_id("bpf_prog_get_fd_by_id_opts", uapi::BPF_PROG_GET_FD_BY_ID, id, opts) }
}
symver!(bpf_prog_get_fd_by_id_opts, "LIBBPF_1.1.0");

/// An fd for the map with this id.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_get_fd_by_id(id: u32) -> c_int {
    // SAFETY: NULL options.
    unsafe { fd_by_id("bpf_map_get_fd_by_id", uapi::BPF_MAP_GET_FD_BY_ID, id, std::ptr::null()) }
}
symver!(bpf_map_get_fd_by_id, "LIBBPF_0.0.1");

/// An fd for the map with this id, with `open_flags` (`BPF_F_RDONLY`, `BPF_F_WRONLY`).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_get_fd_by_id_opts(id: u32, opts: *const bpf_get_fd_by_id_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { fd_by_id("bpf_map_get_fd_by_id_opts", uapi::BPF_MAP_GET_FD_BY_ID, id, opts) }
}
symver!(bpf_map_get_fd_by_id_opts, "LIBBPF_1.1.0");

/// An fd for the BTF object with this id.
#[no_mangle]
pub unsafe extern "C" fn bpf_btf_get_fd_by_id(id: u32) -> c_int {
    // SAFETY: NULL options.
    unsafe { fd_by_id("bpf_btf_get_fd_by_id", uapi::BPF_BTF_GET_FD_BY_ID, id, std::ptr::null()) }
}
symver!(bpf_btf_get_fd_by_id, "LIBBPF_0.0.1");

/// An fd for the BTF object with this id, with `open_flags`.
#[no_mangle]
pub unsafe extern "C" fn bpf_btf_get_fd_by_id_opts(id: u32, opts: *const bpf_get_fd_by_id_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { fd_by_id("bpf_btf_get_fd_by_id_opts", uapi::BPF_BTF_GET_FD_BY_ID, id, opts) }
}
symver!(bpf_btf_get_fd_by_id_opts, "LIBBPF_1.1.0");

/// An fd for the link with this id.
#[no_mangle]
pub unsafe extern "C" fn bpf_link_get_fd_by_id(id: u32) -> c_int {
    // SAFETY: NULL options.
    unsafe { fd_by_id("bpf_link_get_fd_by_id", uapi::BPF_LINK_GET_FD_BY_ID, id, std::ptr::null()) }
}
symver!(bpf_link_get_fd_by_id, "LIBBPF_0.0.9");

/// An fd for the link with this id, with `open_flags`.
#[no_mangle]
pub unsafe extern "C" fn bpf_link_get_fd_by_id_opts(id: u32, opts: *const bpf_get_fd_by_id_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { fd_by_id("bpf_link_get_fd_by_id_opts", uapi::BPF_LINK_GET_FD_BY_ID, id, opts) }
}
symver!(bpf_link_get_fd_by_id_opts, "LIBBPF_1.1.0");

/// # Safety
/// `info` writable for `*info_len` bytes, buffer addresses inside it valid (C's contract).
unsafe fn info_by_fd(func: &str, fd: c_int, info: *mut c_void, info_len: *mut u32) -> c_int {
    int(func, || {
        let len_p = need(info_len, func, "info_len")?;
        // SAFETY: non-NULL, readable per the caller's contract.
        let mut len = unsafe { *len_p };
        // SAFETY: the kernel writes at most `len` bytes to `info` (caller's buffer).
        let r = unsafe { raw::obj_get_info(fd, info as u64, &mut len) };
        if r.is_ok() {
            // SAFETY: non-NULL and writable per the caller's contract.
            unsafe { *len_p = len };
        }
        done(r)
    })
}

/// Fill `info` (`*info_len` bytes of a `struct bpf_{prog,map,btf,link}_info`); `*info_len`
/// becomes the size the kernel filled.
#[no_mangle]
pub unsafe extern "C" fn bpf_obj_get_info_by_fd(bpf_fd: c_int, info: *mut c_void, info_len: *mut u32) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { info_by_fd("bpf_obj_get_info_by_fd", bpf_fd, info, info_len) }
}
symver!(bpf_obj_get_info_by_fd, "LIBBPF_0.0.1");

/// `bpf_obj_get_info_by_fd()` for a program.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_get_info_by_fd(
    prog_fd: c_int,
    info: *mut bpf_prog_info,
    info_len: *mut u32,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { info_by_fd("bpf_prog_get_info_by_fd", prog_fd, info as *mut c_void, info_len) }
}
symver!(bpf_prog_get_info_by_fd, "LIBBPF_1.2.0");

/// `bpf_obj_get_info_by_fd()` for a map.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_get_info_by_fd(map_fd: c_int, info: *mut bpf_map_info, info_len: *mut u32) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { info_by_fd("bpf_map_get_info_by_fd", map_fd, info as *mut c_void, info_len) }
}
symver!(bpf_map_get_info_by_fd, "LIBBPF_1.2.0");

/// `bpf_obj_get_info_by_fd()` for a BTF object.
#[no_mangle]
pub unsafe extern "C" fn bpf_btf_get_info_by_fd(btf_fd: c_int, info: *mut bpf_btf_info, info_len: *mut u32) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { info_by_fd("bpf_btf_get_info_by_fd", btf_fd, info as *mut c_void, info_len) }
}
symver!(bpf_btf_get_info_by_fd, "LIBBPF_1.2.0");

/// `bpf_obj_get_info_by_fd()` for a link.
#[no_mangle]
pub unsafe extern "C" fn bpf_link_get_info_by_fd(
    link_fd: c_int,
    info: *mut bpf_link_info,
    info_len: *mut u32,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { info_by_fd("bpf_link_get_info_by_fd", link_fd, info as *mut c_void, info_len) }
}
symver!(bpf_link_get_info_by_fd, "LIBBPF_1.2.0");

/// What a task's fd (perf event, raw tracepoint) has attached (`BPF_TASK_FD_QUERY`). The name
/// goes to `buf` (`*buf_len` bytes); every other out-pointer must be non-NULL.
#[no_mangle]
pub unsafe extern "C" fn bpf_task_fd_query(
    pid: c_int,
    fd: c_int,
    flags: u32,
    buf: *mut c_char,
    buf_len: *mut u32,
    prog_id: *mut u32,
    fd_type: *mut u32,
    probe_offset: *mut u64,
    probe_addr: *mut u64,
) -> c_int {
    const F: &str = "bpf_task_fd_query";
    int(F, || {
        let buf_len = need(buf_len, F, "buf_len")?;
        let prog_id = need(prog_id, F, "prog_id")?;
        let fd_type = need(fd_type, F, "fd_type")?;
        let probe_offset = need(probe_offset, F, "probe_offset")?;
        let probe_addr = need(probe_addr, F, "probe_addr")?;
        let mut a = attr::TaskFdQueryAttr {
            pid: pid as u32,
            fd: fd as u32,
            flags,
            // SAFETY: non-NULL, readable per the caller's contract.
            buf_len: unsafe { *buf_len },
            buf: buf as u64,
            ..Default::default()
        };
        // SAFETY: `buf` holds `buf_len` bytes per the caller's contract.
        let r = unsafe { raw::task_fd_query(&mut a) };
        // SAFETY: all non-NULL (checked) and writable per the caller's contract.
        unsafe {
            *buf_len = a.buf_len;
            *prog_id = a.prog_id;
            *fd_type = a.fd_type;
            *probe_offset = a.probe_offset;
            *probe_addr = a.probe_addr;
        }
        done(r)
    })
}
symver!(bpf_task_fd_query, "LIBBPF_0.0.1");

// ---------------------------------------------------------------------------------------------
// The rest
// ---------------------------------------------------------------------------------------------

/// Enable kernel statistics (`BPF_STATS_RUN_TIME`) while the returned fd stays open.
#[no_mangle]
pub unsafe extern "C" fn bpf_enable_stats(type_: bpf_stats_type) -> c_int {
    int("bpf_enable_stats", || fd_out(raw::enable_stats(type_)))
}
symver!(bpf_enable_stats, "LIBBPF_0.0.9");

/// Keep `map_fd` alive as long as `prog_fd` (`BPF_PROG_BIND_MAP`).
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_bind_map(prog_fd: c_int, map_fd: c_int, opts: *const bpf_prog_bind_opts) -> c_int {
    int("bpf_prog_bind_map", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        done(raw::prog_bind_map(prog_fd, map_fd, o.flags))
    })
}
symver!(bpf_prog_bind_map, "LIBBPF_0.2.0");

/// Create a BPF token from a BPF FS mount with delegation options (`bpffs_fd`: an fd of the
/// mount's root directory).
#[no_mangle]
pub unsafe extern "C" fn bpf_token_create(bpffs_fd: c_int, opts: *mut bpf_token_create_opts) -> c_int {
    int("bpf_token_create", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        fd_out(raw::token_create(bpffs_fd, o.flags))
    })
}
symver!(bpf_token_create, "LIBBPF_1.4.0");
