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

// One file per family, declared in the order of upstream's bpf.h (the header generator reads
// them in this order; blank lines keep rustfmt from sorting them).
mod map;

mod prog;

mod btf;

mod obj;

mod attach;

mod link;

mod info;

mod misc;

pub use attach::{
    bpf_prog_attach, bpf_prog_attach_opts, bpf_prog_detach, bpf_prog_detach2, bpf_prog_detach_opts, bpf_prog_query,
    bpf_prog_query_opts,
};
pub use btf::bpf_btf_load;
pub use info::{
    bpf_btf_get_fd_by_id, bpf_btf_get_fd_by_id_opts, bpf_btf_get_info_by_fd, bpf_btf_get_next_id,
    bpf_link_get_fd_by_id, bpf_link_get_fd_by_id_opts, bpf_link_get_info_by_fd, bpf_link_get_next_id,
    bpf_map_get_fd_by_id, bpf_map_get_fd_by_id_opts, bpf_map_get_info_by_fd, bpf_map_get_next_id,
    bpf_obj_get_info_by_fd, bpf_prog_get_fd_by_id, bpf_prog_get_fd_by_id_opts, bpf_prog_get_info_by_fd,
    bpf_prog_get_next_id, bpf_prog_test_run_opts, bpf_task_fd_query,
};
pub use link::{
    bpf_iter_create, bpf_link_create, bpf_link_detach, bpf_link_update, bpf_raw_tracepoint_open,
    bpf_raw_tracepoint_open_opts,
};
pub use map::{
    bpf_map_create, bpf_map_delete_batch, bpf_map_delete_elem, bpf_map_delete_elem_flags, bpf_map_freeze,
    bpf_map_get_next_key, bpf_map_lookup_and_delete_batch, bpf_map_lookup_and_delete_elem,
    bpf_map_lookup_and_delete_elem_flags, bpf_map_lookup_batch, bpf_map_lookup_elem, bpf_map_lookup_elem_flags,
    bpf_map_update_batch, bpf_map_update_elem, libbpf_set_memlock_rlim,
};
pub use misc::{bpf_enable_stats, bpf_prog_bind_map, bpf_token_create};
pub use obj::{bpf_obj_get, bpf_obj_get_opts, bpf_obj_pin, bpf_obj_pin_opts};
pub use prog::bpf_prog_load;

use crate::error::{Error, Result};
use crate::ffi::opts;
use crate::ffi::opts::Opts;
use crate::ffi::types_bpf::*;
use crate::sys::{attr, probe};
use crate::uapi;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::io;
use std::mem::size_of;
use std::os::fd::IntoRawFd;
use std::os::fd::OwnedFd;

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
unsafe fn c_name(p: *const c_char) -> [u8; uapi::BPF_OBJ_NAME_LEN] {
    let mut out = [0u8; uapi::BPF_OBJ_NAME_LEN];
    if !p.is_null() {
        // SAFETY: NUL-terminated per the contract.
        let b = unsafe { CStr::from_ptr(p) }.to_bytes();
        let n = b.len().min(uapi::BPF_OBJ_NAME_LEN - 1);
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
