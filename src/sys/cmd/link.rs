//! Link commands: `BPF_LINK_CREATE` with its per-type extras, update, detach, raw tracepoint
//! open and iterator creation.

use super::prog::Relative;
use super::{addr, fail, fd_u32, raw, u32_len};
use crate::error::{Error, Result};
use crate::sys::attr::*;
use crate::uapi;
use std::ffi::{c_char, c_ulong, CStr};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

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

/// Which member of `bpf_link_create_opts`' per-attach-type union an attach type takes (libbpf's
/// `bpf_link_create` switch); every other option byte of the caller's struct must be zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptsMember {
    /// `iter_info`/`iter_info_len` (before the union).
    Iter,
    PerfEvent,
    /// kprobe_multi, also for kprobe sessions.
    KprobeMulti,
    UprobeMulti,
    /// `tracing.cookie`: raw_tp, fentry/fexit/fmod_ret/fsession, LSM.
    Tracing,
    Netfilter,
    /// tcx, netkit, and (libbpf 1.7) the cgroup attach types: one layout.
    Relative,
    /// No member: only `flags`.
    None,
}

/// The options member `attach_type` takes in `bpf_link_create`.
pub fn opts_member(attach_type: u32) -> OptsMember {
    use uapi::*;
    match attach_type {
        BPF_TRACE_ITER => OptsMember::Iter,
        BPF_PERF_EVENT => OptsMember::PerfEvent,
        BPF_TRACE_KPROBE_MULTI | BPF_TRACE_KPROBE_SESSION => OptsMember::KprobeMulti,
        BPF_TRACE_UPROBE_MULTI => OptsMember::UprobeMulti,
        BPF_TRACE_RAW_TP | BPF_TRACE_FENTRY | BPF_TRACE_FEXIT | BPF_MODIFY_RETURN | BPF_TRACE_FSESSION
        | BPF_LSM_MAC => OptsMember::Tracing,
        BPF_NETFILTER => OptsMember::Netfilter,
        BPF_TCX_INGRESS | BPF_TCX_EGRESS | BPF_NETKIT_PRIMARY | BPF_NETKIT_PEER => OptsMember::Relative,
        BPF_CGROUP_INET_INGRESS
        | BPF_CGROUP_INET_EGRESS
        | BPF_CGROUP_INET_SOCK_CREATE
        | BPF_CGROUP_INET_SOCK_RELEASE
        | BPF_CGROUP_INET4_BIND
        | BPF_CGROUP_INET6_BIND
        | BPF_CGROUP_INET4_POST_BIND
        | BPF_CGROUP_INET6_POST_BIND
        | BPF_CGROUP_INET4_CONNECT
        | BPF_CGROUP_INET6_CONNECT
        | BPF_CGROUP_UNIX_CONNECT
        | BPF_CGROUP_INET4_GETPEERNAME
        | BPF_CGROUP_INET6_GETPEERNAME
        | BPF_CGROUP_UNIX_GETPEERNAME
        | BPF_CGROUP_INET4_GETSOCKNAME
        | BPF_CGROUP_INET6_GETSOCKNAME
        | BPF_CGROUP_UNIX_GETSOCKNAME
        | BPF_CGROUP_UDP4_SENDMSG
        | BPF_CGROUP_UDP6_SENDMSG
        | BPF_CGROUP_UNIX_SENDMSG
        | BPF_CGROUP_UDP4_RECVMSG
        | BPF_CGROUP_UDP6_RECVMSG
        | BPF_CGROUP_UNIX_RECVMSG
        | BPF_CGROUP_SOCK_OPS
        | BPF_CGROUP_DEVICE
        | BPF_CGROUP_SYSCTL
        | BPF_CGROUP_GETSOCKOPT
        | BPF_CGROUP_SETSOCKOPT
        | BPF_LSM_CGROUP => OptsMember::Relative,
        _ => OptsMember::None,
    }
}

/// libbpf's fallback in `bpf_link_create`: kernels without `BPF_LINK_CREATE` for these tracing
/// attach types answer EINVAL, and libbpf then opens the program with
/// `BPF_RAW_TRACEPOINT_OPEN`, when no target and no other option was asked for.
pub fn falls_back_to_raw_tp(attach_type: u32) -> bool {
    use uapi::*;
    matches!(attach_type, BPF_TRACE_RAW_TP | BPF_LSM_MAC | BPF_TRACE_FENTRY | BPF_TRACE_FEXIT | BPF_MODIFY_RETURN)
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
