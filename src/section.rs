//! Program section names → program type, expected attach type and loader flags: libbpf 1.5's
//! `SEC("…")` conventions as data, plus the registry behind `libbpf_register_prog_handler`.
//!
//! # Matching
//! A definition's `sec` is spelled in one of three ways:
//! * `"name"`: the section name must equal it (`"socket"`, `"cgroup/connect4"`, `"xdp"`);
//! * `"name+"`: the section is `"name"` itself or `"name/anything"` (`"kprobe"`,
//!   `"kprobe/do_exit"`); `"name.s/…"` or `"namefoo"` do not match;
//! * `"name/"`: the section must start with `"name/"` (no built-in uses this form; custom handlers
//!   may).
//!
//! Definitions are tried in order and the first match wins, so more specific spellings come
//! before the general ones (`"sk_reuseport/migrate"` before `"sk_reuseport"`). A leading `?` in a
//! section name (autoload off) is not part of the name: the caller strips it first.
//!
//! # Custom handlers
//! [`register_handler`] adds definitions that are consulted before the built-in table, or one
//! fallback consulted after it. They are leaked on purpose: a program keeps the `&'static SecDef`
//! it matched at open time, and upstream libbpf leaves such a pointer dangling when its handler is
//! unregistered; here it simply stays valid. Registration is a process-setup operation, so the
//! leak is a few dozen bytes per call.

use crate::error::{Error, Result};
use crate::uapi::*;
use parking_lot::RwLock;
use std::ffi::{c_int, c_long, c_void};

// `enum sec_def_flags` of libbpf: how the loader treats programs of a section.

/// No special handling.
pub const SEC_NONE: u32 = 0;
/// The expected attach type is passed to the kernel only if it supports one for this program type
/// (old kernels reject it); the loader decides by probing.
pub const SEC_EXP_ATTACH_OPT: u32 = 1;
/// Legacy marker of sections whose programs attach with BPF_PROG_ATTACH; only
/// `libbpf_attach_type_by_name` looks at it.
pub const SEC_ATTACHABLE: u32 = 2;
/// [`SEC_ATTACHABLE`] | [`SEC_EXP_ATTACH_OPT`].
pub const SEC_ATTACHABLE_OPT: u32 = SEC_ATTACHABLE | SEC_EXP_ATTACH_OPT;
/// The attach target is a BTF id (kernel function, LSM hook, iterator, another BPF program) named
/// after the first '/'.
pub const SEC_ATTACH_BTF: u32 = 4;
/// Load with BPF_F_SLEEPABLE.
pub const SEC_SLEEPABLE: u32 = 8;
/// Load with BPF_F_XDP_HAS_FRAGS.
pub const SEC_XDP_FRAGS: u32 = 16;
/// A USDT probe: the loader sets expected_attach_type BPF_TRACE_UPROBE_MULTI when the kernel has
/// uprobe-multi links.
pub const SEC_USDT: u32 = 32;

/// How `bpf_program__attach` (and skeleton auto-attach) attaches programs of a section. Sections
/// with [`AttachKind::None`] have no automatic attachment in libbpf 1.5 (cgroup, XDP, tc, tcx,
/// netkit, netfilter, struct_ops programs…): attaching them needs a target the section name does
/// not carry, or, for struct_ops, happens through the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachKind {
    None,
    /// kprobe / kretprobe (the section prefix says which).
    Kprobe,
    /// uprobe / uretprobe, optionally sleepable.
    Uprobe,
    /// ksyscall / kretsyscall.
    Ksyscall,
    Usdt,
    /// tracepoint / tp.
    Tracepoint,
    /// raw_tracepoint / raw_tp and their writable variants.
    RawTracepoint,
    /// BTF-based tracing: tp_btf, fentry, fexit, fmod_ret (and .s), freplace.
    Trace,
    /// lsm / lsm.s (not lsm_cgroup, which needs a cgroup).
    Lsm,
    Iter,
    /// kprobe.multi / kretprobe.multi.
    KprobeMulti,
    KprobeSession,
    /// uprobe.multi / uretprobe.multi (and .s).
    UprobeMulti,
    /// A handler registered with `libbpf_register_prog_handler`: its `prog_attach_fn`, if any.
    Custom,
}

/// `libbpf_prog_setup_fn_t`: `int (*)(struct bpf_program *prog, long cookie)`.
pub type ProgSetupFn = unsafe extern "C" fn(prog: *mut c_void, cookie: c_long) -> c_int;
/// `libbpf_prog_prepare_load_fn_t`:
/// `int (*)(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)`.
pub type ProgPrepareLoadFn = unsafe extern "C" fn(prog: *mut c_void, opts: *mut c_void, cookie: c_long) -> c_int;
/// `libbpf_prog_attach_fn_t`:
/// `int (*)(const struct bpf_program *prog, long cookie, struct bpf_link **link)`.
pub type ProgAttachFn = unsafe extern "C" fn(prog: *const c_void, cookie: c_long, link: *mut *mut c_void) -> c_int;

/// The user side of a custom section handler: its id, the opaque cookie and the callbacks, which
/// the loader invokes at setup, before load and at attach (each optional). Not comparable: function
/// addresses are not unique; compare `id`s.
#[derive(Debug, Clone, Copy)]
pub struct CustomHandler {
    /// Positive id returned by `libbpf_register_prog_handler`.
    pub id: i32,
    pub cookie: c_long,
    pub prog_setup_fn: Option<ProgSetupFn>,
    pub prog_prepare_load_fn: Option<ProgPrepareLoadFn>,
    pub prog_attach_fn: Option<ProgAttachFn>,
    /// Registered with a NULL section name: matches any section nothing else matched.
    pub fallback: bool,
}

/// One section convention. Definitions are identified by address (`std::ptr::eq`): each
/// built-in or registered definition lives at one static address.
#[derive(Debug, Clone, Copy)]
pub struct SecDef {
    /// The spelling matched against section names (see the module docs for `+` and trailing `/`).
    /// Empty for a custom fallback handler.
    pub sec: &'static str,
    pub prog_type: u32,
    pub expected_attach_type: u32,
    /// `SEC_*` bits (built-in definitions only; custom ones carry a cookie instead).
    pub flags: u32,
    pub attach: AttachKind,
    /// `Some` for definitions registered through `libbpf_register_prog_handler`.
    pub custom: Option<CustomHandler>,
}

impl SecDef {
    const fn new(sec: &'static str, prog_type: u32, expected_attach_type: u32, flags: u32, attach: AttachKind) -> Self {
        SecDef { sec, prog_type, expected_attach_type, flags, attach, custom: None }
    }

    /// Whether `sec_name` matches this definition.
    pub fn matches(&self, sec_name: &str) -> bool {
        if self.custom.is_some_and(|c| c.fallback) {
            return true;
        }
        pattern_matches(self.sec, sec_name)
    }

    pub fn is_sleepable(&self) -> bool {
        self.flags & SEC_SLEEPABLE != 0
    }
    pub fn is_attachable(&self) -> bool {
        self.flags & SEC_ATTACHABLE != 0
    }
    pub fn exp_attach_optional(&self) -> bool {
        self.flags & SEC_EXP_ATTACH_OPT != 0
    }
    pub fn attach_btf(&self) -> bool {
        self.flags & SEC_ATTACH_BTF != 0
    }
    pub fn xdp_frags(&self) -> bool {
        self.flags & SEC_XDP_FRAGS != 0
    }
    pub fn usdt(&self) -> bool {
        self.flags & SEC_USDT != 0
    }
}

/// The matching rule for one spelling.
fn pattern_matches(pat: &str, name: &str) -> bool {
    if let Some(stem) = pat.strip_suffix('+') {
        match name.strip_prefix(stem) {
            Some(rest) => rest.is_empty() || rest.starts_with('/'),
            None => false,
        }
    } else if pat.ends_with('/') {
        name.starts_with(pat)
    } else {
        name == pat
    }
}

use AttachKind as A;

/// libbpf 1.5's built-in section definitions, in its matching order.
#[rustfmt::skip]
pub static SECTION_DEFS: &[SecDef] = &[
    SecDef::new("socket", BPF_PROG_TYPE_SOCKET_FILTER, 0, SEC_NONE, A::None),
    SecDef::new("sk_reuseport/migrate", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, SEC_ATTACHABLE, A::None),
    SecDef::new("sk_reuseport", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, SEC_ATTACHABLE, A::None),
    SecDef::new("kprobe+", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Kprobe),
    SecDef::new("uprobe+", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Uprobe),
    SecDef::new("uprobe.s+", BPF_PROG_TYPE_KPROBE, 0, SEC_SLEEPABLE, A::Uprobe),
    SecDef::new("kretprobe+", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Kprobe),
    SecDef::new("uretprobe+", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Uprobe),
    SecDef::new("uretprobe.s+", BPF_PROG_TYPE_KPROBE, 0, SEC_SLEEPABLE, A::Uprobe),
    SecDef::new("kprobe.multi+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, SEC_NONE, A::KprobeMulti),
    SecDef::new("kretprobe.multi+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, SEC_NONE, A::KprobeMulti),
    SecDef::new("kprobe.session+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_SESSION, SEC_NONE, A::KprobeSession),
    SecDef::new("uprobe.multi+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI, SEC_NONE, A::UprobeMulti),
    SecDef::new("uretprobe.multi+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI, SEC_NONE, A::UprobeMulti),
    // libbpf 1.7: entry and return run one program sharing a cookie.
    SecDef::new("uprobe.session+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_SESSION, SEC_NONE, A::UprobeMulti),
    SecDef::new("uprobe.multi.s+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI, SEC_SLEEPABLE, A::UprobeMulti),
    SecDef::new("uretprobe.multi.s+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI, SEC_SLEEPABLE, A::UprobeMulti),
    SecDef::new("uprobe.session.s+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_SESSION, SEC_SLEEPABLE, A::UprobeMulti),
    SecDef::new("ksyscall+", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Ksyscall),
    SecDef::new("kretsyscall+", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Ksyscall),
    SecDef::new("usdt+", BPF_PROG_TYPE_KPROBE, 0, SEC_USDT, A::Usdt),
    SecDef::new("usdt.s+", BPF_PROG_TYPE_KPROBE, 0, SEC_USDT | SEC_SLEEPABLE, A::Usdt),
    // "tc/ingress" and "tc/egress" are aliases of the tcx sections.
    SecDef::new("tc/ingress", BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_INGRESS, SEC_NONE, A::None),
    SecDef::new("tc/egress", BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_EGRESS, SEC_NONE, A::None),
    SecDef::new("tcx/ingress", BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_INGRESS, SEC_NONE, A::None),
    SecDef::new("tcx/egress", BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_EGRESS, SEC_NONE, A::None),
    // Legacy tc spellings (no attach type).
    SecDef::new("tc", BPF_PROG_TYPE_SCHED_CLS, 0, SEC_NONE, A::None),
    SecDef::new("classifier", BPF_PROG_TYPE_SCHED_CLS, 0, SEC_NONE, A::None),
    SecDef::new("action", BPF_PROG_TYPE_SCHED_ACT, 0, SEC_NONE, A::None),
    SecDef::new("netkit/primary", BPF_PROG_TYPE_SCHED_CLS, BPF_NETKIT_PRIMARY, SEC_NONE, A::None),
    SecDef::new("netkit/peer", BPF_PROG_TYPE_SCHED_CLS, BPF_NETKIT_PEER, SEC_NONE, A::None),
    SecDef::new("tracepoint+", BPF_PROG_TYPE_TRACEPOINT, 0, SEC_NONE, A::Tracepoint),
    SecDef::new("tp+", BPF_PROG_TYPE_TRACEPOINT, 0, SEC_NONE, A::Tracepoint),
    SecDef::new("raw_tracepoint+", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, SEC_NONE, A::RawTracepoint),
    SecDef::new("raw_tp+", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, SEC_NONE, A::RawTracepoint),
    SecDef::new("raw_tracepoint.w+", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, SEC_NONE, A::RawTracepoint),
    SecDef::new("raw_tp.w+", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, SEC_NONE, A::RawTracepoint),
    SecDef::new("tp_btf+", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, SEC_ATTACH_BTF, A::Trace),
    SecDef::new("fentry+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, SEC_ATTACH_BTF, A::Trace),
    SecDef::new("fmod_ret+", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, SEC_ATTACH_BTF, A::Trace),
    SecDef::new("fexit+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, SEC_ATTACH_BTF, A::Trace),
    SecDef::new("fentry.s+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    SecDef::new("fmod_ret.s+", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    SecDef::new("fexit.s+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    // libbpf 1.7: one program at entry and exit of a kernel function (kernel 6.19+).
    SecDef::new("fsession+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FSESSION, SEC_ATTACH_BTF, A::Trace),
    SecDef::new("fsession.s+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FSESSION, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    SecDef::new("freplace+", BPF_PROG_TYPE_EXT, 0, SEC_ATTACH_BTF, A::Trace),
    SecDef::new("lsm+", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, SEC_ATTACH_BTF, A::Lsm),
    SecDef::new("lsm.s+", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Lsm),
    SecDef::new("lsm_cgroup+", BPF_PROG_TYPE_LSM, BPF_LSM_CGROUP, SEC_ATTACH_BTF, A::None),
    SecDef::new("iter+", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, SEC_ATTACH_BTF, A::Iter),
    SecDef::new("iter.s+", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Iter),
    SecDef::new("syscall", BPF_PROG_TYPE_SYSCALL, 0, SEC_SLEEPABLE, A::None),
    SecDef::new("xdp.frags/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, SEC_XDP_FRAGS, A::None),
    SecDef::new("xdp/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, SEC_ATTACHABLE, A::None),
    SecDef::new("xdp.frags/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, SEC_XDP_FRAGS, A::None),
    SecDef::new("xdp/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, SEC_ATTACHABLE, A::None),
    SecDef::new("xdp.frags", BPF_PROG_TYPE_XDP, BPF_XDP, SEC_XDP_FRAGS, A::None),
    SecDef::new("xdp", BPF_PROG_TYPE_XDP, BPF_XDP, SEC_ATTACHABLE_OPT, A::None),
    SecDef::new("perf_event", BPF_PROG_TYPE_PERF_EVENT, 0, SEC_NONE, A::None),
    SecDef::new("lwt_in", BPF_PROG_TYPE_LWT_IN, 0, SEC_NONE, A::None),
    SecDef::new("lwt_out", BPF_PROG_TYPE_LWT_OUT, 0, SEC_NONE, A::None),
    SecDef::new("lwt_xmit", BPF_PROG_TYPE_LWT_XMIT, 0, SEC_NONE, A::None),
    SecDef::new("lwt_seg6local", BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, SEC_NONE, A::None),
    SecDef::new("sockops", BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS, SEC_ATTACHABLE_OPT, A::None),
    SecDef::new("sk_skb/stream_parser", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_PARSER, SEC_ATTACHABLE_OPT, A::None),
    SecDef::new("sk_skb/stream_verdict", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_VERDICT, SEC_ATTACHABLE_OPT, A::None),
    SecDef::new("sk_skb/verdict", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_VERDICT, SEC_ATTACHABLE_OPT, A::None),
    SecDef::new("sk_skb", BPF_PROG_TYPE_SK_SKB, 0, SEC_NONE, A::None),
    SecDef::new("sk_msg", BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, SEC_ATTACHABLE_OPT, A::None),
    SecDef::new("lirc_mode2", BPF_PROG_TYPE_LIRC_MODE2, BPF_LIRC_MODE2, SEC_ATTACHABLE_OPT, A::None),
    SecDef::new("flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, SEC_ATTACHABLE_OPT, A::None),
    SecDef::new("cgroup_skb/ingress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, SEC_ATTACHABLE_OPT, A::None),
    SecDef::new("cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, SEC_ATTACHABLE_OPT, A::None),
    SecDef::new("cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB, 0, SEC_NONE, A::None),
    SecDef::new("cgroup/sock_create", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/sock_release", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/sock", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, SEC_ATTACHABLE_OPT, A::None),
    SecDef::new("cgroup/post_bind4", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/post_bind6", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET6_POST_BIND, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/bind4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/bind6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/connect6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/connect_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_CONNECT, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/sendmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/sendmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/sendmsg_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_SENDMSG, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/recvmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/recvmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_RECVMSG, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/recvmsg_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_RECVMSG, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/getpeername4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETPEERNAME, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/getpeername6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETPEERNAME, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/getpeername_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_GETPEERNAME, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/getsockname4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETSOCKNAME, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/getsockname6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETSOCKNAME, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/getsockname_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_GETSOCKNAME, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/getsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/setsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, SEC_ATTACHABLE, A::None),
    SecDef::new("cgroup/dev", BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, SEC_ATTACHABLE_OPT, A::None),
    // struct_ops programs attach through their map; expected_attach_type (the member index) and
    // attach_btf_id are filled in by the struct_ops code.
    SecDef::new("struct_ops+", BPF_PROG_TYPE_STRUCT_OPS, 0, SEC_NONE, A::None),
    SecDef::new("struct_ops.s+", BPF_PROG_TYPE_STRUCT_OPS, 0, SEC_SLEEPABLE, A::None),
    SecDef::new("sk_lookup", BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, SEC_ATTACHABLE, A::None),
    SecDef::new("netfilter", BPF_PROG_TYPE_NETFILTER, BPF_NETFILTER, SEC_NONE, A::None),
];

/// Custom handlers, in registration order, plus the optional fallback.
struct Registry {
    defs: Vec<&'static SecDef>,
    fallback: Option<&'static SecDef>,
    last_id: i32,
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry { defs: Vec::new(), fallback: None, last_id: 0 });

/// The definition a program in section `sec_name` gets: custom handlers first (in registration
/// order), then libbpf's table, then a custom fallback handler if one is registered. `None` when
/// nothing matches (the loader then refuses the program, as libbpf does).
pub fn find_sec_def(sec_name: &str) -> Option<&'static SecDef> {
    let reg = REGISTRY.read();
    reg.defs.iter().copied().find(|d| d.matches(sec_name)).or_else(|| builtin_sec_def(sec_name)).or(reg.fallback)
}

/// Only libbpf's own table, ignoring custom handlers. A name matches only spellings that start
/// with its first byte (every built-in one starts with a letter), so that byte is tested first.
pub fn builtin_sec_def(sec_name: &str) -> Option<&'static SecDef> {
    let first = sec_name.as_bytes().first();
    SECTION_DEFS.iter().find(|d| d.sec.as_bytes().first() == first && d.matches(sec_name))
}

/// Whether programs in `sec_name` become struct_ops programs (`SEC("struct_ops…")`), i.e. get
/// their attach BTF id and member index from the struct_ops maps that reference them.
pub fn is_struct_ops_sec(sec_name: &str) -> bool {
    find_sec_def(sec_name).is_some_and(|d| d.prog_type == BPF_PROG_TYPE_STRUCT_OPS)
}

/// `(prog_type, expected_attach_type)` for a section name, as `libbpf_prog_type_by_name`.
pub fn prog_type_by_name(name: &str) -> Option<(u32, u32)> {
    find_sec_def(name).map(|d| (d.prog_type, d.expected_attach_type))
}

/// The attach type for a section name, as `libbpf_attach_type_by_name`: only built-in
/// definitions marked [`SEC_ATTACHABLE`] have one. Every failure is `EINVAL` (libbpf's choice;
/// not `ESRCH` as for the program type); an unknown name is logged at debug level with the list of
/// attachable names.
pub fn attach_type_by_name(name: &str) -> Result<u32> {
    let Some(def) = find_sec_def(name) else {
        crate::pr_debug!("cannot tell the attach type of unknown section name '{name}'");
        crate::pr_debug!("section names with an attach type:{}", supported_names(true));
        return Err(Error::quiet(libc::EINVAL));
    };
    if def.custom.is_some() || !def.is_attachable() {
        return Err(Error::quiet(libc::EINVAL));
    }
    Ok(def.expected_attach_type)
}

/// All built-in spellings, each preceded by a space (for the debug line listing them), either all
/// of them or only the [`SEC_ATTACHABLE`] ones.
pub fn supported_names(attachable_only: bool) -> String {
    SECTION_DEFS.iter().filter(|d| !attachable_only || d.is_attachable()).fold(String::new(), |mut s, d| {
        s.push(' ');
        s.push_str(d.sec);
        s
    })
}

/// Register a custom handler (`libbpf_register_prog_handler`). `sec = None` registers the
/// fallback (at most one: `EBUSY`). Returns the new handler's id (> 0).
pub fn register_handler(
    sec: Option<&str>,
    prog_type: u32,
    expected_attach_type: u32,
    cookie: c_long,
    prog_setup_fn: Option<ProgSetupFn>,
    prog_prepare_load_fn: Option<ProgPrepareLoadFn>,
    prog_attach_fn: Option<ProgAttachFn>,
) -> Result<i32> {
    let mut reg = REGISTRY.write();
    if reg.last_id == i32::MAX {
        return Err(Error::new(libc::E2BIG, "too many custom section handlers were registered"));
    }
    if sec.is_none() && reg.fallback.is_some() {
        return Err(Error::new(libc::EBUSY, "a fallback section handler is already registered"));
    }
    let id = reg.last_id + 1;
    let handler =
        CustomHandler { id, cookie, prog_setup_fn, prog_prepare_load_fn, prog_attach_fn, fallback: sec.is_none() };
    let sec: &'static str = match sec {
        Some(s) => Box::leak(s.to_owned().into_boxed_str()),
        None => "",
    };
    let def: &'static SecDef = Box::leak(Box::new(SecDef {
        sec,
        prog_type,
        expected_attach_type,
        flags: SEC_NONE,
        attach: AttachKind::Custom,
        custom: Some(handler),
    }));
    if handler.fallback {
        reg.fallback = Some(def);
    } else {
        reg.defs.push(def);
    }
    reg.last_id = id;
    Ok(id)
}

/// Remove a custom handler by id (`libbpf_unregister_prog_handler`): `EINVAL` for ids <= 0,
/// `ENOENT` for ids not registered. Programs that already matched it keep their definition.
pub fn unregister_handler(id: i32) -> Result<()> {
    if id <= 0 {
        return Err(Error::inval(format!("invalid section handler id {id}")));
    }
    let mut reg = REGISTRY.write();
    if reg.fallback.is_some_and(|d| d.custom.is_some_and(|c| c.id == id)) {
        reg.fallback = None;
        return Ok(());
    }
    match reg.defs.iter().position(|d| d.custom.is_some_and(|c| c.id == id)) {
        Some(i) => {
            reg.defs.remove(i);
            Ok(())
        }
        None => Err(Error::quiet(libc::ENOENT)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_byte_test_changes_no_match() {
        assert!(SECTION_DEFS.iter().all(|d| d.sec.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)));
        for d in SECTION_DEFS {
            let stem = d.sec.trim_end_matches('+');
            for name in [d.sec, stem, &format!("{stem}/x"), &format!("{stem}x"), &format!("x{stem}"), "", "/"] {
                let scan = SECTION_DEFS.iter().find(|d| d.matches(name));
                assert_eq!(builtin_sec_def(name).map(|d| d.sec), scan.map(|d| d.sec), "{name:?}");
            }
        }
    }

    // Custom handlers change what every lookup in the process returns, so they are tested in their
    // own test binary (tests/section_handlers.rs), never here.

    type Row = (&'static str, u32, u32, u32, AttachKind);

    /// Section name → (prog type, expected attach type, flags, attach kind), read off libbpf 1.5's
    /// table and its matching rules.
    #[rustfmt::skip]
    const CASES: &[Row] = &[
        ("socket", BPF_PROG_TYPE_SOCKET_FILTER, 0, SEC_NONE, A::None),
        ("sk_reuseport", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, SEC_ATTACHABLE, A::None),
        ("sk_reuseport/migrate", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, SEC_ATTACHABLE, A::None),
        ("kprobe", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Kprobe),
        ("kprobe/foo", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Kprobe),
        ("kprobe/do_sys_open+0x10", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Kprobe),
        ("kretprobe/foo", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Kprobe),
        ("kprobe.multi/foo*", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, SEC_NONE, A::KprobeMulti),
        ("kretprobe.multi", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, SEC_NONE, A::KprobeMulti),
        ("kprobe.session/bar", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_SESSION, SEC_NONE, A::KprobeSession),
        ("uprobe", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Uprobe),
        ("uprobe//bin/sh:main", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Uprobe),
        ("uprobe.s/libc.so.6:malloc", BPF_PROG_TYPE_KPROBE, 0, SEC_SLEEPABLE, A::Uprobe),
        ("uretprobe.s", BPF_PROG_TYPE_KPROBE, 0, SEC_SLEEPABLE, A::Uprobe),
        ("uprobe.multi//bin/sh:foo", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI, SEC_NONE, A::UprobeMulti),
        ("uretprobe.multi.s/x:y", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI, SEC_SLEEPABLE, A::UprobeMulti),
        ("ksyscall/openat", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Ksyscall),
        ("kretsyscall", BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, A::Ksyscall),
        ("usdt/./bin:prov:name", BPF_PROG_TYPE_KPROBE, 0, SEC_USDT, A::Usdt),
        ("usdt.s", BPF_PROG_TYPE_KPROBE, 0, SEC_USDT | SEC_SLEEPABLE, A::Usdt),
        ("tc", BPF_PROG_TYPE_SCHED_CLS, 0, SEC_NONE, A::None),
        ("tc/ingress", BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_INGRESS, SEC_NONE, A::None),
        ("tcx/egress", BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_EGRESS, SEC_NONE, A::None),
        ("classifier", BPF_PROG_TYPE_SCHED_CLS, 0, SEC_NONE, A::None),
        ("action", BPF_PROG_TYPE_SCHED_ACT, 0, SEC_NONE, A::None),
        ("netkit/primary", BPF_PROG_TYPE_SCHED_CLS, BPF_NETKIT_PRIMARY, SEC_NONE, A::None),
        ("netkit/peer", BPF_PROG_TYPE_SCHED_CLS, BPF_NETKIT_PEER, SEC_NONE, A::None),
        ("tp/sched/sched_switch", BPF_PROG_TYPE_TRACEPOINT, 0, SEC_NONE, A::Tracepoint),
        ("tracepoint/syscalls/sys_enter_openat", BPF_PROG_TYPE_TRACEPOINT, 0, SEC_NONE, A::Tracepoint),
        ("raw_tp/sched_switch", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, SEC_NONE, A::RawTracepoint),
        ("raw_tracepoint", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, SEC_NONE, A::RawTracepoint),
        ("raw_tp.w/bpf_testmod_test_writable_bare", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, SEC_NONE, A::RawTracepoint),
        ("raw_tracepoint.w", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, SEC_NONE, A::RawTracepoint),
        ("tp_btf/sched_switch", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, SEC_ATTACH_BTF, A::Trace),
        ("fentry/bar", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, SEC_ATTACH_BTF, A::Trace),
        ("fentry.s/bar", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
        ("fexit/bar", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, SEC_ATTACH_BTF, A::Trace),
        ("fexit.s", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
        ("fmod_ret/bpf_modify_return_test", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, SEC_ATTACH_BTF, A::Trace),
        ("fmod_ret.s/x", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
        ("freplace/xdp_prog", BPF_PROG_TYPE_EXT, 0, SEC_ATTACH_BTF, A::Trace),
        ("lsm/file_open", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, SEC_ATTACH_BTF, A::Lsm),
        ("lsm.s/bprm_committed_creds", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Lsm),
        ("lsm_cgroup/socket_bind", BPF_PROG_TYPE_LSM, BPF_LSM_CGROUP, SEC_ATTACH_BTF, A::None),
        ("iter/task", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, SEC_ATTACH_BTF, A::Iter),
        ("iter.s/cgroup", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Iter),
        ("syscall", BPF_PROG_TYPE_SYSCALL, 0, SEC_SLEEPABLE, A::None),
        ("xdp", BPF_PROG_TYPE_XDP, BPF_XDP, SEC_ATTACHABLE_OPT, A::None),
        ("xdp.frags", BPF_PROG_TYPE_XDP, BPF_XDP, SEC_XDP_FRAGS, A::None),
        ("xdp/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, SEC_ATTACHABLE, A::None),
        ("xdp.frags/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, SEC_XDP_FRAGS, A::None),
        ("xdp/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, SEC_ATTACHABLE, A::None),
        ("xdp.frags/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, SEC_XDP_FRAGS, A::None),
        ("perf_event", BPF_PROG_TYPE_PERF_EVENT, 0, SEC_NONE, A::None),
        ("lwt_in", BPF_PROG_TYPE_LWT_IN, 0, SEC_NONE, A::None),
        ("lwt_seg6local", BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, SEC_NONE, A::None),
        ("sockops", BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS, SEC_ATTACHABLE_OPT, A::None),
        ("sk_skb", BPF_PROG_TYPE_SK_SKB, 0, SEC_NONE, A::None),
        ("sk_skb/stream_parser", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_PARSER, SEC_ATTACHABLE_OPT, A::None),
        ("sk_skb/verdict", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_VERDICT, SEC_ATTACHABLE_OPT, A::None),
        ("sk_msg", BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, SEC_ATTACHABLE_OPT, A::None),
        ("lirc_mode2", BPF_PROG_TYPE_LIRC_MODE2, BPF_LIRC_MODE2, SEC_ATTACHABLE_OPT, A::None),
        ("flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, SEC_ATTACHABLE_OPT, A::None),
        ("cgroup_skb/ingress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, SEC_ATTACHABLE_OPT, A::None),
        ("cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB, 0, SEC_NONE, A::None),
        ("cgroup/sock", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, SEC_ATTACHABLE_OPT, A::None),
        ("cgroup/sock_create", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, SEC_ATTACHABLE, A::None),
        ("cgroup/sock_release", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE, SEC_ATTACHABLE, A::None),
        ("cgroup/post_bind6", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET6_POST_BIND, SEC_ATTACHABLE, A::None),
        ("cgroup/connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, SEC_ATTACHABLE, A::None),
        ("cgroup/connect_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_CONNECT, SEC_ATTACHABLE, A::None),
        ("cgroup/recvmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_RECVMSG, SEC_ATTACHABLE, A::None),
        ("cgroup/getsockname_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_GETSOCKNAME, SEC_ATTACHABLE, A::None),
        ("cgroup/sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, SEC_ATTACHABLE, A::None),
        ("cgroup/getsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, SEC_ATTACHABLE, A::None),
        ("cgroup/dev", BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, SEC_ATTACHABLE_OPT, A::None),
        ("struct_ops", BPF_PROG_TYPE_STRUCT_OPS, 0, SEC_NONE, A::None),
        ("struct_ops/xyz", BPF_PROG_TYPE_STRUCT_OPS, 0, SEC_NONE, A::None),
        ("struct_ops.s", BPF_PROG_TYPE_STRUCT_OPS, 0, SEC_SLEEPABLE, A::None),
        ("struct_ops.s/xyz", BPF_PROG_TYPE_STRUCT_OPS, 0, SEC_SLEEPABLE, A::None),
        ("sk_lookup", BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, SEC_ATTACHABLE, A::None),
        ("netfilter", BPF_PROG_TYPE_NETFILTER, BPF_NETFILTER, SEC_NONE, A::None),
    ];

    /// Names libbpf 1.5 does not recognise (exact spellings take no suffix; `+` spellings need a
    /// '/' separator; matching is case-sensitive; "?" must already be stripped).
    const UNKNOWN: &[&str] = &[
        "",
        "foo/bar",
        "foo",
        "kprobes",
        "kprobe.",
        "kprobe.s/foo",
        "kprobex/foo",
        "socket/1",
        "socket1",
        "xdp/foo",
        "xdp_foo",
        "xdp.frags/foo",
        "tc/foo",
        "classifier/foo",
        "cgroup/connect",
        "cgroup/connect4/x",
        "cgroup_skb",
        "cgroup_skb/foo",
        "struct_opsx",
        "struct_ops.sx/y",
        "struct_ops.t/x",
        "?struct_ops/x",
        "Kprobe/foo",
        "sk_skb/other",
        "lsm_cgroups",
        ".text",
        "license",
        ".struct_ops",
        "syscall/x",
        "perf_event/x",
        "netfilter/x",
        "sk_lookup/x",
        "tcx",
        "netkit",
        "kprobe.multi.s/x",
        "fentry.s.s/x",
        "iter.x",
    ];

    fn check(row: &Row) {
        let (name, pt, eat, flags, attach) = *row;
        let d = builtin_sec_def(name).unwrap_or_else(|| panic!("'{name}' should match a definition"));
        assert_eq!(
            (d.prog_type, d.expected_attach_type, d.flags, d.attach),
            (pt, eat, flags, attach),
            "section '{name}' matched '{}'",
            d.sec
        );
        assert!(d.custom.is_none());
    }

    #[test]
    fn table_driven_matches() {
        for row in CASES {
            check(row);
            assert_eq!(prog_type_by_name(row.0), Some((row.1, row.2)), "{}", row.0);
        }
    }

    #[test]
    fn unknown_names() {
        for name in UNKNOWN {
            assert_eq!(builtin_sec_def(name).map(|d| d.sec), None, "'{name}'");
            assert_eq!(find_sec_def(name).map(|d| d.sec), None, "'{name}'");
            assert_eq!(prog_type_by_name(name), None, "'{name}'");
        }
    }

    #[test]
    fn every_definition_matches_its_own_spelling() {
        for d in SECTION_DEFS {
            let bare = d.sec.trim_end_matches('+');
            // The first definition matching the bare name is the one itself: no earlier, more
            // general definition shadows it.
            assert!(std::ptr::eq(builtin_sec_def(bare).unwrap(), d), "'{}' is shadowed", d.sec);
            if d.sec.ends_with('+') {
                let with_extra = format!("{bare}/extra");
                assert!(std::ptr::eq(builtin_sec_def(&with_extra).unwrap(), d), "'{with_extra}'");
            }
        }
    }

    #[test]
    fn table_shape() {
        assert_eq!(SECTION_DEFS.len(), 105);
        for d in SECTION_DEFS {
            assert!(crate::uapi::prog_type_str(d.prog_type).is_some(), "{}", d.sec);
            // uprobe.session (libbpf 1.7) uses an attach type libbpf 1.5's name table lacks.
            assert!(
                crate::uapi::attach_type_str(d.expected_attach_type).is_some()
                    || d.expected_attach_type == crate::uapi::BPF_TRACE_UPROBE_SESSION
                    || d.expected_attach_type == crate::uapi::BPF_TRACE_FSESSION,
                "{}",
                d.sec
            );
            // Only sleepable definitions are spelled ".s" (or are "syscall").
            let sleepable_name = d.sec.contains(".s+") || d.sec == "syscall";
            assert_eq!(d.is_sleepable(), sleepable_name, "{}", d.sec);
        }
    }

    #[test]
    fn struct_ops_sections() {
        for s in ["struct_ops", "struct_ops/x", "struct_ops.s", "struct_ops.s/init", "struct_ops/a/b"] {
            assert!(is_struct_ops_sec(s), "{s}");
        }
        for s in ["", "struct_opsx", ".struct_ops", ".struct_ops.link", "fentry/x", "struct_ops.x", "kprobe"] {
            assert!(!is_struct_ops_sec(s), "{s}");
        }
    }

    #[test]
    fn attach_type_by_name_cases() {
        assert_eq!(attach_type_by_name("cgroup/connect4"), Ok(BPF_CGROUP_INET4_CONNECT));
        assert_eq!(attach_type_by_name("xdp"), Ok(BPF_XDP));
        assert_eq!(attach_type_by_name("xdp/devmap"), Ok(BPF_XDP_DEVMAP));
        assert_eq!(attach_type_by_name("sockops"), Ok(BPF_CGROUP_SOCK_OPS));
        assert_eq!(attach_type_by_name("sk_lookup"), Ok(BPF_SK_LOOKUP));
        assert_eq!(attach_type_by_name("sk_reuseport/migrate"), Ok(BPF_SK_REUSEPORT_SELECT_OR_MIGRATE));
        assert_eq!(attach_type_by_name("cgroup_skb/egress"), Ok(BPF_CGROUP_INET_EGRESS));
        // Known but not SEC_ATTACHABLE, and unknown: both EINVAL.
        for s in [
            "fentry/foo",
            "xdp.frags",
            "xdp.frags/devmap",
            "struct_ops/x",
            "kprobe/x",
            "cgroup/skb",
            "tc",
            "sk_skb",
            "netfilter",
            "tcx/ingress",
            "lsm_cgroup/x",
            "foo/bar",
            "",
        ] {
            assert_eq!(attach_type_by_name(s).map_err(|e| e.errno()), Err(libc::EINVAL), "{s}");
        }
        // SEC_ATTACHABLE definitions are exactly those with an attach type.
        for d in SECTION_DEFS.iter() {
            let bare = d.sec.trim_end_matches('+');
            assert_eq!(
                attach_type_by_name(bare).ok(),
                d.is_attachable().then_some(d.expected_attach_type),
                "{}",
                d.sec
            );
        }
    }

    #[test]
    fn supported_names_lists() {
        let all = supported_names(false);
        assert!(all.starts_with(" socket sk_reuseport/migrate"));
        assert!(all.contains(" struct_ops.s+ "));
        let att = supported_names(true);
        assert!(att.contains(" cgroup/connect4 "));
        assert!(!att.contains("kprobe"));
    }

    #[test]
    fn pattern_rules() {
        assert!(pattern_matches("a+", "a"));
        assert!(pattern_matches("a+", "a/"));
        assert!(pattern_matches("a+", "a/b/c"));
        assert!(!pattern_matches("a+", "ab"));
        assert!(!pattern_matches("a+", ""));
        assert!(pattern_matches("a/", "a/"));
        assert!(pattern_matches("a/", "a/b"));
        assert!(!pattern_matches("a/", "a"));
        assert!(pattern_matches("a", "a"));
        assert!(!pattern_matches("a", "a/b"));
        // A custom handler spelled "" matches only the empty name (upstream reads out of bounds).
        assert!(pattern_matches("", ""));
        assert!(!pattern_matches("", "x"));
    }
}
