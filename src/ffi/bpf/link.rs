//! bpf.h's links: `bpf_link_create` with its per-type options, detach, update, iterators and
//! raw tracepoints.

use super::{bad, done, fd_out, opts_zeroed_from, quiet, read_opts, relative_attr};
use crate::ffi::types::bpf_attach_type;
use crate::ffi::types_bpf::*;
use crate::ffi::{int, symver};
use crate::sys::attr;
use crate::sys::cmd::{self, raw, OptsMember};
use std::ffi::{c_char, c_int};
use std::mem::{offset_of, size_of};
use std::os::fd::IntoRawFd;

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
            match cmd::opts_member(attach_type) {
                OptsMember::Iter => {
                    a.extra.iter =
                        attr::LinkIter { iter_info: o.iter_info as u64, iter_info_len: o.iter_info_len, _pad0: 0 };
                }
                OptsMember::PerfEvent => {
                    // SAFETY: see above.
                    let p = unsafe { un.perf_event };
                    a.extra.perf_event = attr::LinkPerfEvent { bpf_cookie: p.bpf_cookie };
                    if !zeroed(u + size_of::<bpf_link_create_opts__perf_event>()) {
                        return Err(inval());
                    }
                }
                OptsMember::KprobeMulti => {
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
                OptsMember::UprobeMulti => {
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
                OptsMember::Tracing => {
                    // SAFETY: see above.
                    let t = unsafe { un.tracing };
                    a.extra.tracing = attr::LinkTracing { cookie: t.cookie, ..Default::default() };
                    if !zeroed(u + size_of::<bpf_link_create_opts__tracing>()) {
                        return Err(inval());
                    }
                }
                OptsMember::Netfilter => {
                    // SAFETY: see above.
                    let n = unsafe { un.netfilter };
                    a.extra.netfilter =
                        attr::LinkNetfilter { pf: n.pf, hooknum: n.hooknum, priority: n.priority, flags: n.flags };
                    if !zeroed(u + size_of::<bpf_link_create_opts__netfilter>()) {
                        return Err(inval());
                    }
                }
                OptsMember::Relative => {
                    // SAFETY: see above; tcx, netkit and libbpf 1.7's `cgroup` member share one
                    // layout.
                    let t = unsafe { un.tcx };
                    a.extra.tcx = relative_attr(&t, &mut a.flags)?;
                    if !zeroed(u + size_of::<bpf_link_create_opts__relative>()) {
                        return Err(inval());
                    }
                }
                OptsMember::None => {
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
        let fallback = err.raw_os_error() == Some(libc::EINVAL)
            && target_fd == 0
            && o.target_btf_id == 0
            && zeroed(size_of::<usize>())
            && cmd::falls_back_to_raw_tp(attach_type);
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
