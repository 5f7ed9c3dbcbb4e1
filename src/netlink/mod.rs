//! XDP and TC attachment over netlink, as libbpf 1.5's `bpf_xdp_*()` and `bpf_tc_*()` do it:
//! rtnetlink `RTM_SETLINK`/`RTM_GETLINK` with the `IFLA_XDP` nest, the `clsact` qdisc and
//! `bpf` classifier filters (`RTM_*QDISC`, `RTM_*TFILTER`), and the `netdev` generic netlink
//! family for XDP feature flags.
//!
//! Errors are libbpf's: a negative errno from the kernel (its extended-ack text logged as
//! "Kernel error message: ..."), `-EINVAL` for arguments libbpf refuses, and libbpf's own
//! `LIBBPF_ERRNO__WRNGPID`/`__INVSEQ`/`__NLPARSE` for replies that do not match the request.
//! None of them is logged otherwise (libbpf prints nothing else here).

use crate::error::lerr;
use crate::error::{Error, Result};
use crate::sys::netlink::{NlSocket, NETLINK_GENERIC, NETLINK_ROUTE};
use std::os::fd::BorrowedFd;

mod msg;
pub use msg::{parse_attrs, Attrs, Msg};

// Netlink header flags and message types (<linux/netlink.h>).
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_MULTI: u16 = 0x2;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_ECHO: u16 = 0x8;
const NLM_F_DUMP: u16 = 0x300;
const NLM_F_REPLACE: u16 = 0x100;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;
const NLM_F_CAPPED: u16 = 0x100;
const NLM_F_ACK_TLVS: u16 = 0x200;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSGERR_ATTR_MSG: u16 = 1;
const NLMSGERR_ATTR_OFFS: u16 = 2;

// rtnetlink (<linux/rtnetlink.h>, <linux/if_link.h>, <linux/pkt_cls.h>).
const RTM_GETLINK: u16 = 18;
const RTM_SETLINK: u16 = 19;
const RTM_NEWQDISC: u16 = 36;
const RTM_DELQDISC: u16 = 37;
const RTM_NEWTFILTER: u16 = 44;
const RTM_DELTFILTER: u16 = 45;
const RTM_GETTFILTER: u16 = 46;
const IFLA_XDP: u16 = 43;
const IFLA_XDP_FD: u16 = 1;
const IFLA_XDP_ATTACHED: u16 = 2;
const IFLA_XDP_FLAGS: u16 = 3;
const IFLA_XDP_PROG_ID: u16 = 4;
const IFLA_XDP_DRV_PROG_ID: u16 = 5;
const IFLA_XDP_SKB_PROG_ID: u16 = 6;
const IFLA_XDP_HW_PROG_ID: u16 = 7;
const IFLA_XDP_EXPECTED_FD: u16 = 8;
const TCA_KIND: u16 = 1;
const TCA_OPTIONS: u16 = 2;
const TCA_BPF_FD: u16 = 6;
const TCA_BPF_NAME: u16 = 7;
const TCA_BPF_FLAGS: u16 = 8;
const TCA_BPF_ID: u16 = 11;
const TCA_BPF_FLAG_ACT_DIRECT: u32 = 1;
const TC_H_CLSACT: u32 = 0xffff_fff1;
const TC_H_MIN_INGRESS: u32 = 0xfff2;
const TC_H_MIN_EGRESS: u32 = 0xfff3;
const ETH_P_ALL: u16 = 3;
const AF_UNSPEC: u8 = 0;
const AF_PACKET: u8 = 17;

// Generic netlink (<linux/genetlink.h>, <linux/netdev.h>).
const GENL_ID_CTRL: u16 = 0x10;
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;
const NETDEV_CMD_DEV_GET: u8 = 1;
const NETDEV_A_DEV_IFINDEX: u16 = 1;
const NETDEV_A_DEV_XDP_FEATURES: u16 = 3;
const NETDEV_A_DEV_XDP_ZC_MAX_SEGS: u16 = 4;

/// `XDP_FLAGS_*` (<linux/if_link.h>).
pub const XDP_FLAGS_SKB_MODE: u32 = 1 << 1;
pub const XDP_FLAGS_DRV_MODE: u32 = 1 << 2;
pub const XDP_FLAGS_HW_MODE: u32 = 1 << 3;
pub const XDP_FLAGS_REPLACE: u32 = 1 << 4;
pub const XDP_FLAGS_MODES: u32 = XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE | XDP_FLAGS_HW_MODE;
pub const XDP_FLAGS_MASK: u32 = 0x1f;
/// `XDP_ATTACHED_MULTI`: programs attached in more than one mode.
pub const XDP_ATTACHED_MULTI: u8 = 4;

/// `enum bpf_tc_attach_point` bits and `enum bpf_tc_flags`.
pub const BPF_TC_INGRESS: u32 = 1;
pub const BPF_TC_EGRESS: u32 = 2;
pub const BPF_TC_CUSTOM: u32 = 4;
/// libbpf 1.7: a qdisc of the caller's kind (`bpf_tc_hook.qdisc`, `.handle`, `.parent`).
pub const BPF_TC_QDISC: u32 = 8;
/// Both hooks of the `clsact` qdisc (`BPF_TC_INGRESS | BPF_TC_EGRESS`).
const BPF_TC_BOTH: u32 = BPF_TC_INGRESS | BPF_TC_EGRESS;
pub const BPF_TC_F_REPLACE: u32 = 1;

const fn tc_h_make(maj: u32, min: u32) -> u32 {
    (maj & 0xffff_0000) | (min & 0xffff)
}

fn einval() -> Error {
    Error::quiet(libc::EINVAL)
}

fn os(e: std::io::Error) -> Error {
    Error::quiet(e.raw_os_error().unwrap_or(libc::EIO))
}

// ---------------------------------------------------------------------------------------------
// One request, its replies.
// ---------------------------------------------------------------------------------------------

/// A reply message handed to a request's parser.
pub struct Reply<'a> {
    pub ty: u16,
    pub flags: u16,
    /// Everything after the 16-byte netlink header, up to the message's length.
    pub payload: &'a [u8],
}

/// What a reply parser tells the receive loop (libbpf's NL_CONT / NL_NEXT / NL_DONE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Look at the next message of this datagram.
    Cont,
    /// Drop the rest of this datagram and wait for the next one.
    Next,
    /// The request is answered.
    Done,
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(off..off + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// Log the kernel's extended-ack message of an error reply, as libbpf does.
fn dump_extack(flags: u16, payload: &[u8]) {
    if let Some(line) = extack_line(flags, payload) {
        crate::pr_warn!("{line}");
    }
}

/// The line libbpf logs for an error reply carrying extended-ack attributes, if any.
fn extack_line(flags: u16, payload: &[u8]) -> Option<String> {
    if flags & NLM_F_ACK_TLVS == 0 {
        return None;
    }
    // struct nlmsgerr: int error, then the offending request's header (and, unless capped,
    // the request's payload), then the ack attributes.
    let mut hlen = 4 + 16;
    if flags & NLM_F_CAPPED == 0 {
        let inner = u32_at(payload, 4).unwrap_or(16) as usize;
        hlen += inner.saturating_sub(16);
    }
    let tb = payload.get(hlen..).map(parse_attrs).unwrap_or_default();
    let msg_ok = tb.get(NLMSGERR_ATTR_MSG).is_none_or(|m| m.last() == Some(&0));
    let offs_ok = tb.get(NLMSGERR_ATTR_OFFS).is_none_or(|o| o.len() >= 4);
    if !msg_ok || !offs_ok {
        return Some("Failed to parse extended error attributes".to_string());
    }
    Some(match tb.get(NLMSGERR_ATTR_MSG) {
        Some(m) => {
            let end = m.iter().position(|&b| b == 0).unwrap_or(m.len());
            format!("Kernel error message: {}", String::from_utf8_lossy(&m[..end]))
        }
        // glibc's printf of a NULL %s.
        None => "Kernel error message: (null)".to_string(),
    })
}

/// Send `req` on a fresh socket of protocol `proto` and feed each reply to `parse` until the
/// kernel acks, reports an error, ends a dump, or `parse` says the request is answered.
fn transact(proto: i32, req: &mut Msg, mut parse: impl FnMut(&Reply) -> Result<Step>) -> Result<()> {
    let sock = NlSocket::open(proto).map_err(os)?;
    // libbpf numbers its requests with the time of day.
    let seq = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as u32;
    req.set_seq(seq);
    sock.send(req.bytes()).map_err(os)?;
    let mut buf = Vec::new();
    'datagram: loop {
        let len = sock.recv(&mut buf).map_err(os)?;
        if len == 0 {
            return Ok(());
        }
        let mut multipart = false;
        let mut rest = &buf[..len.min(buf.len())];
        while rest.len() >= 16 {
            let mlen = u32_at(rest, 0).unwrap_or(0) as usize;
            if mlen < 16 || mlen > rest.len() {
                break;
            }
            let ty = u16_at(rest, 4).unwrap_or(0);
            let flags = u16_at(rest, 6).unwrap_or(0);
            let mseq = u32_at(rest, 8).unwrap_or(0);
            let mpid = u32_at(rest, 12).unwrap_or(0);
            let payload = &rest[16..mlen];
            rest = &rest[((mlen + 3) & !3).min(rest.len())..];
            if mpid != sock.pid {
                return Err(Error::quiet(lerr::WRNGPID));
            }
            if mseq != seq {
                return Err(Error::quiet(lerr::INVSEQ));
            }
            if flags & NLM_F_MULTI != 0 {
                multipart = true;
            }
            match ty {
                NLMSG_ERROR => {
                    let err = u32_at(payload, 0).unwrap_or(0) as i32;
                    if err == 0 {
                        continue;
                    }
                    dump_extack(flags, payload);
                    return Err(Error::quiet(err.checked_neg().filter(|&e| e > 0).unwrap_or(libc::EIO)));
                }
                NLMSG_DONE => return Ok(()),
                _ => {}
            }
            match parse(&Reply { ty, flags, payload })? {
                Step::Cont => {}
                Step::Next => continue 'datagram,
                Step::Done => return Ok(()),
            }
        }
        if !multipart {
            return Ok(());
        }
    }
}

/// For requests whose only answer is an ack.
fn ack_only(_: &Reply) -> Result<Step> {
    Ok(Step::Cont)
}

// ---------------------------------------------------------------------------------------------
// XDP.
// ---------------------------------------------------------------------------------------------

/// Attach `prog_fd` (or detach, with -1) as the XDP program of `ifindex`. A non-zero
/// `old_prog_fd` adds `XDP_FLAGS_REPLACE`: the kernel then only replaces that program.
pub fn xdp_attach(ifindex: i32, prog_fd: i32, mut flags: u32, old_prog_fd: i32) -> Result<()> {
    let expected = if old_prog_fd != 0 {
        flags |= XDP_FLAGS_REPLACE;
        old_prog_fd
    } else {
        -1
    };
    let mut req = Msg::new(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, &ifinfomsg(AF_UNSPEC, ifindex));
    let nest = req.begin_nested(IFLA_XDP);
    req.attr(IFLA_XDP_FD, &prog_fd.to_ne_bytes());
    if flags != 0 {
        req.attr(IFLA_XDP_FLAGS, &flags.to_ne_bytes());
    }
    if flags & XDP_FLAGS_REPLACE != 0 {
        req.attr(IFLA_XDP_EXPECTED_FD, &expected.to_ne_bytes());
    }
    req.end_nested(nest);
    transact(NETLINK_ROUTE, &mut req, ack_only)
}

fn ifinfomsg(family: u8, ifindex: i32) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[0] = family;
    b[4..8].copy_from_slice(&ifindex.to_ne_bytes());
    b
}

/// What `RTM_GETLINK` says about a device's XDP programs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XdpLinkInfo {
    pub prog_id: u32,
    pub drv_prog_id: u32,
    pub hw_prog_id: u32,
    pub skb_prog_id: u32,
    /// `XDP_ATTACHED_*`.
    pub attach_mode: u8,
}

/// The XDP programs of `ifindex`. `flags` may name at most one mode (libbpf's check; the answer
/// covers every mode anyway).
pub fn xdp_query_link(ifindex: i32, flags: i32) -> Result<XdpLinkInfo> {
    let flags = flags as u32;
    if flags & !XDP_FLAGS_MASK != 0 {
        return Err(einval());
    }
    let modes = flags & XDP_FLAGS_MODES;
    if modes & modes.wrapping_sub(1) != 0 {
        return Err(einval());
    }
    let mut req = Msg::new(RTM_GETLINK, NLM_F_DUMP | NLM_F_REQUEST, &ifinfomsg(AF_PACKET, 0));
    let mut info = XdpLinkInfo::default();
    transact(NETLINK_ROUTE, &mut req, |r| {
        // struct ifinfomsg (16 bytes), then the link's attributes.
        let Some(idx) = u32_at(r.payload, 4) else {
            return Ok(Step::Cont);
        };
        let Some(attrs) = r.payload.get(16..) else {
            return Err(Error::quiet(lerr::NLPARSE));
        };
        if ifindex != 0 && idx as i32 != ifindex {
            return Ok(Step::Cont);
        }
        let tb = parse_attrs(attrs);
        let Some(xdp) = tb.get(IFLA_XDP) else {
            return Ok(Step::Cont);
        };
        let xtb = parse_attrs(xdp);
        let Some(mode) = xtb.u8(IFLA_XDP_ATTACHED) else {
            return Ok(Step::Cont);
        };
        info.attach_mode = mode;
        if mode == 0 {
            return Ok(Step::Cont);
        }
        let set = |a: u16, slot: &mut u32| {
            if let Some(v) = xtb.u32(a) {
                *slot = v;
            }
        };
        set(IFLA_XDP_PROG_ID, &mut info.prog_id);
        set(IFLA_XDP_SKB_PROG_ID, &mut info.skb_prog_id);
        set(IFLA_XDP_DRV_PROG_ID, &mut info.drv_prog_id);
        set(IFLA_XDP_HW_PROG_ID, &mut info.hw_prog_id);
        Ok(Step::Cont)
    })?;
    Ok(info)
}

/// A device's XDP features (`NETDEV_XDP_ACT_*`) and zero-copy segment limit, from the `netdev`
/// generic netlink family; `None` on kernels without that family.
pub fn xdp_features(ifindex: i32) -> Result<Option<(u64, u32)>> {
    let family = match genl_family_id("netdev") {
        Ok(id) => id,
        Err(e) if e.errno() == libc::ENOENT => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut req = Msg::new(family, NLM_F_REQUEST, &genlmsghdr(NETDEV_CMD_DEV_GET));
    req.attr(NETDEV_A_DEV_IFINDEX, &ifindex.to_ne_bytes());
    let (mut flags, mut segs) = (0u64, 0u32);
    transact(NETLINK_GENERIC, &mut req, |r| {
        let tb = parse_attrs(r.payload.get(4..).unwrap_or(&[]));
        let (Some(idx), Some(f)) = (tb.u32(NETDEV_A_DEV_IFINDEX), tb.u64(NETDEV_A_DEV_XDP_FEATURES)) else {
            return Ok(Step::Cont);
        };
        if idx as i32 != ifindex {
            return Ok(Step::Cont);
        }
        flags = f;
        if let Some(s) = tb.u32(NETDEV_A_DEV_XDP_ZC_MAX_SEGS) {
            segs = s;
        }
        Ok(Step::Done)
    })?;
    Ok(Some((flags, segs)))
}

fn genlmsghdr(cmd: u8) -> [u8; 4] {
    // cmd, version 2, reserved.
    [cmd, 2, 0, 0]
}

/// Resolve a generic netlink family's id by name.
fn genl_family_id(name: &str) -> Result<u16> {
    let mut req = Msg::new(GENL_ID_CTRL, NLM_F_REQUEST, &genlmsghdr(CTRL_CMD_GETFAMILY));
    let mut cname = name.as_bytes().to_vec();
    cname.push(0);
    req.attr(CTRL_ATTR_FAMILY_NAME, &cname);
    let mut id = 0u16;
    transact(NETLINK_GENERIC, &mut req, |r| {
        let tb = parse_attrs(r.payload.get(4..).unwrap_or(&[]));
        match tb.u16(CTRL_ATTR_FAMILY_ID) {
            Some(v) => {
                id = v;
                Ok(Step::Done)
            }
            None => Ok(Step::Cont),
        }
    })?;
    Ok(id)
}

/// `bpf_xdp_query_id()`: the id of the program attached in the mode `flags` names (or the only
/// program, with no mode, unless programs are attached in several modes); 0 for none.
pub fn xdp_query_id(ifindex: i32, flags: i32) -> Result<u32> {
    let info = xdp_query_link(ifindex, flags)?;
    let modes = flags as u32 & XDP_FLAGS_MODES;
    Ok(if info.attach_mode != XDP_ATTACHED_MULTI && modes == 0 {
        info.prog_id
    } else if modes & XDP_FLAGS_DRV_MODE != 0 {
        info.drv_prog_id
    } else if modes & XDP_FLAGS_HW_MODE != 0 {
        info.hw_prog_id
    } else if modes & XDP_FLAGS_SKB_MODE != 0 {
        info.skb_prog_id
    } else {
        0
    })
}

// ---------------------------------------------------------------------------------------------
// TC.
// ---------------------------------------------------------------------------------------------

/// `struct bpf_tc_hook` as read from the caller.
#[derive(Debug, Clone, Default)]
pub struct TcHook {
    pub ifindex: i32,
    pub attach_point: u32,
    pub parent: u32,
    /// libbpf 1.7, for `BPF_TC_QDISC`: the qdisc's handle and kind.
    pub handle: u32,
    pub qdisc: Option<std::ffi::CString>,
}

/// `struct bpf_tc_opts` as read from the caller.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcOpts {
    pub prog_fd: i32,
    pub flags: u32,
    pub prog_id: u32,
    pub handle: u32,
    pub priority: u32,
}

/// A filter as the kernel reports it back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcFilter {
    pub prog_id: u32,
    pub handle: u32,
    pub priority: u32,
}

fn tcmsg(ifindex: i32, handle: u32, parent: u32, info: u32) -> [u8; 20] {
    let mut b = [0u8; 20];
    b[0] = AF_UNSPEC;
    b[4..8].copy_from_slice(&ifindex.to_ne_bytes());
    b[8..12].copy_from_slice(&handle.to_ne_bytes());
    b[12..16].copy_from_slice(&parent.to_ne_bytes());
    b[16..20].copy_from_slice(&info.to_ne_bytes());
    b
}

/// `tcm_info` for a filter: priority in the upper 16 bits, the protocol in network order below.
fn tcm_info(priority: u32, protocol: u16) -> u32 {
    tc_h_make(priority << 16, protocol.to_be() as u32)
}

/// The `tcm_parent` of a filter at `attach_point`.
fn filter_parent(attach_point: u32, parent: u32) -> Result<u32> {
    match attach_point {
        BPF_TC_INGRESS | BPF_TC_EGRESS => {
            if parent != 0 {
                return Err(einval());
            }
            let min = if attach_point == BPF_TC_INGRESS { TC_H_MIN_INGRESS } else { TC_H_MIN_EGRESS };
            Ok(tc_h_make(TC_H_CLSACT, min))
        }
        BPF_TC_CUSTOM if parent != 0 => Ok(parent),
        _ => Err(einval()),
    }
}

/// Create or delete the qdisc behind a hook: `clsact` for the ingress/egress hooks, the
/// caller's kind, handle and parent for `BPF_TC_QDISC` (libbpf 1.7).
fn clsact(hook: &TcHook, cmd: u16, flags: u16) -> Result<()> {
    let (handle, parent, kind): (u32, u32, &[u8]) = match hook.attach_point {
        BPF_TC_INGRESS | BPF_TC_EGRESS | BPF_TC_BOTH if hook.parent == 0 => {
            (tc_h_make(TC_H_CLSACT, 0), TC_H_CLSACT, b"clsact\0")
        }
        BPF_TC_CUSTOM => return Err(Error::quiet(libc::EOPNOTSUPP)),
        // libbpf 1.7 would read a NULL qdisc name; refuse it.
        BPF_TC_QDISC => match &hook.qdisc {
            Some(k) => (hook.handle, hook.parent, k.as_bytes_with_nul()),
            None => return Err(einval()),
        },
        _ => return Err(einval()),
    };
    let mut req = Msg::new(cmd, NLM_F_REQUEST | NLM_F_ACK | flags, &tcmsg(hook.ifindex, handle, parent, 0));
    req.attr(TCA_KIND, kind);
    transact(NETLINK_ROUTE, &mut req, ack_only)
}

/// `bpf_tc_hook_create()`: add the `clsact` qdisc (`-EEXIST` if the device has one).
pub fn tc_hook_create(hook: &TcHook) -> Result<()> {
    if hook.ifindex <= 0 {
        return Err(einval());
    }
    clsact(hook, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL)
}

/// `bpf_tc_hook_destroy()`: for ingress or egress alone, flush that hook's filters; for both,
/// delete the `clsact` qdisc.
pub fn tc_hook_destroy(hook: &TcHook) -> Result<()> {
    if hook.ifindex <= 0 {
        return Err(einval());
    }
    match hook.attach_point {
        BPF_TC_INGRESS | BPF_TC_EGRESS => tc_detach_inner(hook, &TcOpts::default(), true),
        BPF_TC_BOTH | BPF_TC_QDISC => clsact(hook, RTM_DELQDISC, 0),
        BPF_TC_CUSTOM => Err(Error::quiet(libc::EOPNOTSUPP)),
        _ => Err(einval()),
    }
}

/// Parse a filter message (an echo of our request, or the answer to a get): the program id,
/// handle and priority. `done` records that one was seen.
fn filter_reply(r: &Reply, seen: &mut Option<TcFilter>) -> Result<Step> {
    // struct tcmsg (20 bytes), then attributes.
    let tb = parse_attrs(r.payload.get(20..).unwrap_or(&[]));
    if tb.get(TCA_KIND).is_none() {
        return Ok(Step::Cont);
    }
    let unicast = r.flags & NLM_F_ECHO != 0;
    if unicast && seen.is_some() {
        return Err(einval());
    }
    let Some(opts) = tb.get(TCA_OPTIONS) else {
        return Ok(Step::Cont);
    };
    let Some(prog_id) = parse_attrs(opts).u32(TCA_BPF_ID) else {
        return Err(einval());
    };
    *seen = Some(TcFilter {
        prog_id,
        handle: u32_at(r.payload, 8).unwrap_or(0),
        priority: (u32_at(r.payload, 16).unwrap_or(0) & 0xffff_0000) >> 16,
    });
    Ok(if unicast { Step::Next } else { Step::Done })
}

/// `bpf_tc_attach()`: add a `bpf` classifier filter running `opts.prog_fd` in direct-action
/// mode (`-EEXIST` if handle and priority are taken, unless `BPF_TC_F_REPLACE`). The kernel
/// picks a zero handle or priority; the filter it created comes back.
pub fn tc_attach(hook: &TcHook, opts: &TcOpts) -> Result<TcFilter> {
    if hook.ifindex <= 0 || opts.prog_fd == 0 || opts.prog_id != 0 {
        return Err(einval());
    }
    if opts.priority > u16::MAX as u32 || opts.flags & !BPF_TC_F_REPLACE != 0 {
        return Err(einval());
    }
    let excl = if opts.flags & BPF_TC_F_REPLACE != 0 { NLM_F_REPLACE } else { NLM_F_EXCL };
    let parent = filter_parent(hook.attach_point, hook.parent)?;
    let mut req = Msg::new(
        RTM_NEWTFILTER,
        NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_ECHO | excl,
        &tcmsg(hook.ifindex, opts.handle, parent, tcm_info(opts.priority, ETH_P_ALL)),
    );
    req.attr(TCA_KIND, b"bpf\0");
    let nest = req.begin_nested(TCA_OPTIONS);
    // SAFETY: the caller's fd is only borrowed for the info query; an invalid fd makes the
    // kernel fail it with EBADF.
    let fd = unsafe { BorrowedFd::borrow_raw(opts.prog_fd) };
    let info = crate::sys::cmd::prog_info(fd).map_err(|e| Error::quiet(e.errno()))?;
    req.attr(TCA_BPF_FD, &opts.prog_fd.to_ne_bytes());
    let pname = crate::sys::attr::name_str(&info.name);
    let mut name = format!("{}:[{}]", pname, info.id).into_bytes();
    name.push(0);
    req.attr(TCA_BPF_NAME, &name);
    req.attr(TCA_BPF_FLAGS, &TCA_BPF_FLAG_ACT_DIRECT.to_ne_bytes());
    req.end_nested(nest);
    let mut seen = None;
    transact(NETLINK_ROUTE, &mut req, |r| filter_reply(r, &mut seen))?;
    seen.ok_or(Error::quiet(libc::ENOENT))
}

fn tc_detach_inner(hook: &TcHook, opts: &TcOpts, flush: bool) -> Result<()> {
    if hook.ifindex <= 0 || opts.flags != 0 || opts.prog_fd != 0 || opts.prog_id != 0 {
        return Err(einval());
    }
    if opts.priority > u16::MAX as u32 {
        return Err(einval());
    }
    let named = opts.handle != 0 || opts.priority != 0;
    if (flush && named) || (!flush && (opts.handle == 0 || opts.priority == 0)) {
        return Err(einval());
    }
    let (handle, info) = if flush { (0, 0) } else { (opts.handle, tcm_info(opts.priority, ETH_P_ALL)) };
    let parent = filter_parent(hook.attach_point, hook.parent)?;
    let mut req = Msg::new(RTM_DELTFILTER, NLM_F_REQUEST | NLM_F_ACK, &tcmsg(hook.ifindex, handle, parent, info));
    if !flush {
        req.attr(TCA_KIND, b"bpf\0");
    }
    transact(NETLINK_ROUTE, &mut req, ack_only)
}

/// `bpf_tc_detach()`: delete the filter with `opts.handle` and `opts.priority` (both needed).
pub fn tc_detach(hook: &TcHook, opts: &TcOpts) -> Result<()> {
    tc_detach_inner(hook, opts, false)
}

/// `bpf_tc_query()`: the filter with `opts.handle` and `opts.priority` (`-ENOENT` if none).
pub fn tc_query(hook: &TcHook, opts: &TcOpts) -> Result<TcFilter> {
    if hook.ifindex <= 0 || opts.flags != 0 || opts.prog_fd != 0 || opts.prog_id != 0 {
        return Err(einval());
    }
    if opts.handle == 0 || opts.priority == 0 || opts.priority > u16::MAX as u32 {
        return Err(einval());
    }
    let parent = filter_parent(hook.attach_point, hook.parent)?;
    let mut req = Msg::new(
        RTM_GETTFILTER,
        NLM_F_REQUEST,
        &tcmsg(hook.ifindex, opts.handle, parent, tcm_info(opts.priority, ETH_P_ALL)),
    );
    req.attr(TCA_KIND, b"bpf\0");
    let mut seen = None;
    transact(NETLINK_ROUTE, &mut req, |r| filter_reply(r, &mut seen))?;
    seen.ok_or(Error::quiet(libc::ENOENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tc_constants() {
        assert_eq!(tc_h_make(TC_H_CLSACT, 0), 0xffff_0000);
        assert_eq!(filter_parent(BPF_TC_INGRESS, 0).unwrap(), 0xffff_fff2);
        assert_eq!(filter_parent(BPF_TC_EGRESS, 0).unwrap(), 0xffff_fff3);
        assert_eq!(filter_parent(BPF_TC_CUSTOM, 0).unwrap_err().errno(), libc::EINVAL);
        assert_eq!(filter_parent(BPF_TC_CUSTOM, 7).unwrap(), 7);
        assert_eq!(filter_parent(BPF_TC_INGRESS, 7).unwrap_err().errno(), libc::EINVAL);
        assert_eq!(tcm_info(1, ETH_P_ALL), 0x0001_0300);
    }

    /// An error reply's payload: errno, the echoed request header (+ payload unless capped),
    /// then attributes.
    fn err_payload(req_payload: &[u8], capped: bool, attrs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut v = (-22i32).to_ne_bytes().to_vec();
        v.extend_from_slice(&((16 + req_payload.len()) as u32).to_ne_bytes());
        v.extend_from_slice(&[0u8; 12]);
        if !capped {
            v.extend_from_slice(req_payload);
        }
        for (t, d) in attrs {
            v.extend_from_slice(&((4 + d.len()) as u16).to_ne_bytes());
            v.extend_from_slice(&t.to_ne_bytes());
            v.extend_from_slice(d);
            v.resize((v.len() + 3) & !3, 0);
        }
        v
    }

    #[test]
    fn extack_lines() {
        let req = [7u8; 20];
        let msg: &[u8] = b"Filter already exists\0";
        let p = err_payload(&req, false, &[(NLMSGERR_ATTR_MSG, msg), (NLMSGERR_ATTR_OFFS, &[1, 0, 0, 0])]);
        assert_eq!(extack_line(NLM_F_ACK_TLVS, &p).as_deref(), Some("Kernel error message: Filter already exists"));
        assert_eq!(extack_line(0, &p), None);
        let p = err_payload(&req, true, &[(NLMSGERR_ATTR_MSG, msg)]);
        assert_eq!(
            extack_line(NLM_F_ACK_TLVS | NLM_F_CAPPED, &p).as_deref(),
            Some("Kernel error message: Filter already exists")
        );
        let p = err_payload(&req, false, &[(NLMSGERR_ATTR_OFFS, &[1, 0, 0, 0])]);
        assert_eq!(extack_line(NLM_F_ACK_TLVS, &p).as_deref(), Some("Kernel error message: (null)"));
        let p = err_payload(&req, false, &[(NLMSGERR_ATTR_MSG, b"unterminated")]);
        assert_eq!(extack_line(NLM_F_ACK_TLVS, &p).as_deref(), Some("Failed to parse extended error attributes"));
    }

    #[test]
    fn argument_checks() {
        let hook = TcHook { ifindex: 1, attach_point: BPF_TC_INGRESS, ..Default::default() };
        let e = |r: Result<()>| r.unwrap_err().errno();
        // detach needs handle and priority; flush (hook destroy) refuses them.
        assert_eq!(e(tc_detach(&hook, &TcOpts { handle: 1, ..Default::default() })), libc::EINVAL);
        assert_eq!(e(tc_detach_inner(&hook, &TcOpts { handle: 1, ..Default::default() }, true)), libc::EINVAL);
        assert_eq!(e(tc_detach(&hook, &TcOpts { handle: 1, priority: 1 << 16, ..Default::default() })), libc::EINVAL);
        assert_eq!(tc_attach(&hook, &TcOpts::default()).unwrap_err().errno(), libc::EINVAL);
        assert_eq!(
            tc_attach(&hook, &TcOpts { prog_fd: 3, flags: 2, ..Default::default() }).unwrap_err().errno(),
            libc::EINVAL
        );
        assert_eq!(
            xdp_query_link(1, (XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE) as i32).unwrap_err().errno(),
            libc::EINVAL
        );
        assert_eq!(xdp_query_link(1, 0x20).unwrap_err().errno(), libc::EINVAL);
        let custom = TcHook { attach_point: BPF_TC_CUSTOM, ..hook.clone() };
        assert_eq!(e(tc_hook_create(&custom)), libc::EOPNOTSUPP);
        assert_eq!(e(tc_hook_destroy(&TcHook { ifindex: 0, ..hook.clone() })), libc::EINVAL);
    }
}
