//! libbpf.h's netlink API: XDP programs of network devices (`bpf_xdp_*()`) and TC `clsact`
//! hooks with `bpf` classifier filters (`bpf_tc_*()`), over rtnetlink as libbpf 1.5 does it.
//!
//! Nothing is logged but the kernel's extended-ack message of a failed request ("Kernel error
//! message: ...") and invalid options structs, as libbpf. Output fields of options structs are
//! written only where the caller's `sz` covers them.
//!
//! Safety, for every export: pointer arguments must be NULL or valid for what the call reads
//! and writes, as with libbpf; options must be declared with `LIBBPF_OPTS()`.

#![allow(clippy::missing_safety_doc)] // see "Safety, for every export" above

use super::bpf::{opts_set, opts_sz, read_opts};
use super::types::{bpf_tc_hook, bpf_tc_opts, bpf_xdp_attach_opts, bpf_xdp_query_opts};
use super::{int, symver};
use crate::error::{Error, Result};
use crate::netlink::{self, TcFilter, TcHook, TcOpts};
use std::ffi::c_int;
use std::mem::{offset_of, size_of};

/// `bpf_xdp_attach()`: attach `prog_fd` as the XDP program of `ifindex`, in the mode `flags`
/// asks for (`XDP_FLAGS_*`). `opts->old_prog_fd` makes it an atomic replacement of that program.
#[no_mangle]
pub unsafe extern "C" fn bpf_xdp_attach(
    ifindex: c_int,
    prog_fd: c_int,
    flags: u32,
    opts: *const bpf_xdp_attach_opts,
) -> c_int {
    int("bpf_xdp_attach", || {
        // SAFETY: export contract.
        let o = unsafe { read_opts(opts) }?;
        netlink::xdp_attach(ifindex, prog_fd, flags, o.old_prog_fd).map(|()| 0)
    })
}
symver!(bpf_xdp_attach, "LIBBPF_0.7.0");

/// `bpf_xdp_detach()`: remove the XDP program of `ifindex` attached in the mode `flags` names
/// (only if it is `opts->old_prog_fd`, when set).
#[no_mangle]
pub unsafe extern "C" fn bpf_xdp_detach(ifindex: c_int, flags: u32, opts: *const bpf_xdp_attach_opts) -> c_int {
    int("bpf_xdp_detach", || {
        // SAFETY: export contract.
        let o = unsafe { read_opts(opts) }?;
        netlink::xdp_attach(ifindex, -1, flags, o.old_prog_fd).map(|()| 0)
    })
}
symver!(bpf_xdp_detach, "LIBBPF_0.7.0");

/// `offsetofend` of a field of an options struct.
macro_rules! end_of {
    ($t:ty, $f:ident) => {
        offset_of!($t, $f) + crate::ffi::layout::field_size(|s: &$t| &s.$f)
    };
}

/// `bpf_xdp_query()`: the device's XDP program ids per mode and attach mode, and (when the
/// caller's struct has them) its XDP feature flags and zero-copy segment limit.
#[no_mangle]
pub unsafe extern "C" fn bpf_xdp_query(ifindex: c_int, flags: c_int, opts: *mut bpf_xdp_query_opts) -> c_int {
    int("bpf_xdp_query", || {
        // SAFETY: export contract.
        unsafe { read_opts(opts as *const bpf_xdp_query_opts) }?;
        let info = netlink::xdp_query_link(ifindex, flags)?;
        type Q = bpf_xdp_query_opts;
        // SAFETY: `opts` is NULL or a writable bpf_xdp_query_opts of its `sz` bytes; each value
        // has its field's type.
        unsafe {
            opts_set(opts, offset_of!(Q, prog_id), info.prog_id);
            opts_set(opts, offset_of!(Q, drv_prog_id), info.drv_prog_id);
            opts_set(opts, offset_of!(Q, hw_prog_id), info.hw_prog_id);
            opts_set(opts, offset_of!(Q, skb_prog_id), info.skb_prog_id);
            opts_set(opts, offset_of!(Q, attach_mode), info.attach_mode);
        }
        // SAFETY: as above.
        if opts.is_null() || unsafe { opts_sz(opts) } < end_of!(Q, feature_flags) {
            return Ok(0);
        }
        let features = netlink::xdp_features(ifindex)?;
        // SAFETY: as above.
        unsafe {
            opts_set(opts, offset_of!(Q, feature_flags), features.map_or(0, |f| f.0));
            if let Some((_, zc_max_segs)) = features {
                opts_set(opts, offset_of!(Q, xdp_zc_max_segs), zc_max_segs);
            }
        }
        Ok(0)
    })
}
symver!(bpf_xdp_query, "LIBBPF_0.7.0");

/// `bpf_xdp_query_id()`: the id of the XDP program attached in the mode `flags` names (or of the
/// only one, without a mode); 0 for none.
#[no_mangle]
pub unsafe extern "C" fn bpf_xdp_query_id(ifindex: c_int, flags: c_int, prog_id: *mut u32) -> c_int {
    int("bpf_xdp_query_id", || {
        if prog_id.is_null() {
            return Err(Error::quiet(libc::EINVAL));
        }
        let id = netlink::xdp_query_id(ifindex, flags)?;
        // SAFETY: non-NULL, and writable per the export contract.
        unsafe { prog_id.write_unaligned(id) };
        Ok(0)
    })
}
symver!(bpf_xdp_query_id, "LIBBPF_0.7.0");

/// A required hook or options pointer, read by libbpf's rules (NULL → `-EINVAL`).
///
/// # Safety
/// `p` must be NULL or a `LIBBPF_OPTS()` struct.
unsafe fn required<T: super::opts::Opts>(p: *const T) -> Result<T> {
    if p.is_null() {
        return Err(Error::quiet(libc::EINVAL));
    }
    // SAFETY: forwarded contract.
    unsafe { read_opts(p) }
}

/// # Safety
/// As [`required`].
unsafe fn hook(p: *const bpf_tc_hook) -> Result<TcHook> {
    // SAFETY: forwarded contract.
    let h = unsafe { required(p) }?;
    let qdisc = if h.qdisc.is_null() {
        None
    } else {
        // SAFETY: a non-NULL `qdisc` is a NUL-terminated string (C API contract).
        Some(unsafe { std::ffi::CStr::from_ptr(h.qdisc) }.to_owned())
    };
    Ok(TcHook { ifindex: h.ifindex, attach_point: h.attach_point, parent: h.parent, handle: h.handle, qdisc })
}

/// # Safety
/// As [`required`].
unsafe fn tc_opts(p: *const bpf_tc_opts) -> Result<TcOpts> {
    // SAFETY: forwarded contract.
    let o = unsafe { required(p) }?;
    Ok(TcOpts { prog_fd: o.prog_fd, flags: o.flags, prog_id: o.prog_id, handle: o.handle, priority: o.priority })
}

/// Write a filter's id, handle and priority back into the caller's options.
///
/// # Safety
/// `p` must be a writable `bpf_tc_opts` of its `sz` bytes.
unsafe fn put_filter(p: *mut bpf_tc_opts, f: TcFilter) {
    // SAFETY: forwarded contract; each value has its field's type.
    unsafe {
        opts_set(p, offset_of!(bpf_tc_opts, prog_id), f.prog_id);
        opts_set(p, offset_of!(bpf_tc_opts, handle), f.handle);
        opts_set(p, offset_of!(bpf_tc_opts, priority), f.priority);
    }
}

/// `bpf_tc_hook_create()`: create the `clsact` qdisc behind the hook (`-EEXIST` if present;
/// `BPF_TC_CUSTOM` is `-EOPNOTSUPP`).
#[no_mangle]
pub unsafe extern "C" fn bpf_tc_hook_create(hook: *mut bpf_tc_hook) -> c_int {
    int("bpf_tc_hook_create", || {
        // SAFETY: export contract.
        netlink::tc_hook_create(&unsafe { self::hook(hook) }?).map(|()| 0)
    })
}
symver!(bpf_tc_hook_create, "LIBBPF_0.4.0");

/// `bpf_tc_hook_destroy()`: with `BPF_TC_INGRESS|BPF_TC_EGRESS`, delete the `clsact` qdisc;
/// with one of them, delete every filter of that hook.
#[no_mangle]
pub unsafe extern "C" fn bpf_tc_hook_destroy(hook: *mut bpf_tc_hook) -> c_int {
    int("bpf_tc_hook_destroy", || {
        // SAFETY: export contract.
        netlink::tc_hook_destroy(&unsafe { self::hook(hook) }?).map(|()| 0)
    })
}
symver!(bpf_tc_hook_destroy, "LIBBPF_0.4.0");

/// `bpf_tc_attach()`: attach `opts->prog_fd` as a direct-action `bpf` filter at the hook, with
/// `opts->handle` and `opts->priority` (0: the kernel picks); `BPF_TC_F_REPLACE` replaces an
/// existing filter. Writes back the program id, handle and priority.
#[no_mangle]
pub unsafe extern "C" fn bpf_tc_attach(hook: *const bpf_tc_hook, opts: *mut bpf_tc_opts) -> c_int {
    int("bpf_tc_attach", || {
        // SAFETY: export contract.
        let (h, o) = unsafe { (self::hook(hook)?, tc_opts(opts)?) };
        let f = netlink::tc_attach(&h, &o)?;
        // SAFETY: `opts` is non-NULL (checked by tc_opts) and writable per the contract.
        unsafe { put_filter(opts, f) };
        Ok(0)
    })
}
symver!(bpf_tc_attach, "LIBBPF_0.4.0");

/// `bpf_tc_detach()`: delete the filter `opts->handle`/`opts->priority` (the other fields must
/// be zero).
#[no_mangle]
pub unsafe extern "C" fn bpf_tc_detach(hook: *const bpf_tc_hook, opts: *const bpf_tc_opts) -> c_int {
    int("bpf_tc_detach", || {
        // SAFETY: export contract.
        let (h, o) = unsafe { (self::hook(hook)?, tc_opts(opts)?) };
        netlink::tc_detach(&h, &o).map(|()| 0)
    })
}
symver!(bpf_tc_detach, "LIBBPF_0.4.0");

/// `bpf_tc_query()`: fill in `opts->prog_id` of the filter `opts->handle`/`opts->priority`
/// (`-ENOENT` if there is none).
#[no_mangle]
pub unsafe extern "C" fn bpf_tc_query(hook: *const bpf_tc_hook, opts: *mut bpf_tc_opts) -> c_int {
    int("bpf_tc_query", || {
        // SAFETY: export contract.
        let (h, o) = unsafe { (self::hook(hook)?, tc_opts(opts)?) };
        let f = netlink::tc_query(&h, &o)?;
        // SAFETY: `opts` is non-NULL (checked by tc_opts) and writable per the contract.
        unsafe { put_filter(opts, f) };
        Ok(0)
    })
}
symver!(bpf_tc_query, "LIBBPF_0.4.0");

const _: () = assert!(size_of::<bpf_tc_opts>() == 32);
