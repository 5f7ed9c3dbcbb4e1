//! bpf.h's cgroup-style attach, detach and query of programs.

use super::{bad, done, need, opts_set, read_opts};
use crate::error::Result;
use crate::ffi::types::bpf_attach_type;
use crate::ffi::types_bpf::*;
use crate::ffi::{int, symver};
use crate::sys::attr;
use crate::sys::cmd::raw;
use crate::uapi;
use std::ffi::{c_int, c_uint};
use std::mem::offset_of;

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
pub(super) fn relative(
    func: &str,
    a: &mut attr::ProgAttachAttr,
    flags: u32,
    relative_fd: c_int,
    relative_id: u32,
) -> Result<()> {
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
