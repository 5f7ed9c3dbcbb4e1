//! BPF links (`struct bpf_link`): an attachment owned by user space. Created by attach
//! functions and `bpf_link__open`, released by `bpf_link__destroy`.
//!
//! How a link ends depends on what it is:
//! * a kernel link (BPF_LINK_CREATE, raw tracepoint, pinned and reopened): closing its fd
//!   detaches it, unless it is pinned or was disconnected;
//! * a struct_ops map attached through a `.struct_ops.link` map: a kernel link whose fd we own;
//!   `bpf_link__update_map` swaps the map behind it;
//! * a legacy struct_ops map (no BPF_F_LINK): there is no kernel link; "detaching" deletes
//!   key 0 of the map, which unregisters the ops. The "link fd" is the map's own fd, not owned.
//! * a program on a perf event (kprobe, uprobe, tracepoint, a caller's perf event): the perf
//!   event fd, plus a BPF perf link when the kernel has them (else the program was attached with
//!   `PERF_EVENT_IOC_SET_BPF`), plus for legacy probes the tracefs event behind the perf event.
//!   Destroy disables the event, closes both fds, then removes the tracefs event.
//!
//! After `bpf_link__disconnect`, destroy leaves the attachment in place (libbpf's rule): the fd
//! of a kernel link is deliberately not closed, since closing it could end the attachment.

use crate::error::{Error, Result};
use crate::sys::cmd;
use crate::uapi;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};

#[derive(Debug)]
pub enum LinkKind {
    /// A kernel link fd we own.
    Fd(OwnedFd),
    /// A struct_ops link; `map_fd` is the map currently behind it (borrowed from its object).
    StructOps { fd: OwnedFd, map_fd: RawFd },
    /// A legacy struct_ops registration: the map's fd, borrowed.
    StructOpsMap { map_fd: RawFd },
    /// A program attached to a perf event; see [`PerfLink`].
    Perf(PerfLink),
    /// A program attached to every site of a USDT probe (its uprobe links and spec ids). There
    /// is no single fd: `bpf_link__fd` is -1.
    Usdt(crate::attach::usdt::UsdtLink),
}

/// What a perf-event attachment owns. The link's fd (`bpf_link__fd`) is the BPF link's when
/// there is one, else the perf event's.
#[derive(Debug)]
pub struct PerfLink {
    /// The BPF perf link (`BPF_LINK_CREATE` with `BPF_PERF_EVENT`), `None` after an ioctl attach.
    pub link: Option<OwnedFd>,
    /// The perf event the program runs on.
    pub perf: OwnedFd,
    /// The tracefs kprobe/uprobe event a legacy probe created (removed after `perf` closes).
    pub legacy: Option<crate::attach::tracefs::LegacyProbe>,
}

impl PerfLink {
    fn fd(&self) -> BorrowedFd<'_> {
        self.link.as_ref().unwrap_or(&self.perf).as_fd()
    }
}

#[derive(Debug)]
pub struct Link {
    pub(crate) kind: Option<LinkKind>,
    pub(crate) pin_path: Option<CString>,
    pub(crate) disconnected: bool,
}

impl Link {
    pub fn new(kind: LinkKind) -> Link {
        Link { kind: Some(kind), pin_path: None, disconnected: false }
    }

    /// The fd C sees (`bpf_link__fd`). A USDT link has none of its own: libbpf leaves its
    /// link's fd field zeroed, so C sees 0 there (never closed or used by the link itself).
    pub fn raw_fd(&self) -> RawFd {
        match &self.kind {
            Some(LinkKind::Fd(fd)) | Some(LinkKind::StructOps { fd, .. }) => fd.as_raw_fd(),
            Some(LinkKind::StructOpsMap { map_fd }) => *map_fd,
            Some(LinkKind::Perf(p)) => p.fd().as_raw_fd(),
            Some(LinkKind::Usdt(_)) => 0,
            None => -1,
        }
    }

    fn fd(&self) -> Result<BorrowedFd<'_>> {
        match &self.kind {
            Some(LinkKind::Fd(fd)) | Some(LinkKind::StructOps { fd, .. }) => Ok(fd.as_fd()),
            // SAFETY: a legacy struct_ops link borrows its map's fd, which lives as long as the
            // object (the caller's contract: destroy links before closing the object).
            Some(LinkKind::StructOpsMap { map_fd }) => Ok(unsafe { BorrowedFd::borrow_raw(*map_fd) }),
            Some(LinkKind::Perf(p)) => Ok(p.fd()),
            Some(LinkKind::Usdt(_)) => Err(Error::inval("a USDT link has no single fd")),
            None => Err(Error::inval("link has no fd")),
        }
    }

    /// `bpf_link__detach`: BPF_LINK_DETACH on the link fd (the attachment ends; the fd stays
    /// valid and reports EPOLLHUP).
    pub fn detach(&self) -> Result<()> {
        cmd::link_detach(self.fd()?)
    }

    pub fn pin(&mut self, path: &str) -> Result<()> {
        if self.pin_path.is_some() {
            return Err(Error::new(libc::EBUSY, format!("link fd={}: already pinned", self.raw_fd())));
        }
        let c = CString::new(path).map_err(|_| Error::inval("pin path contains a NUL byte"))?;
        cmd::obj_pin(self.fd()?, &c)
            .map_err(|e| e.context(format!("link fd={}: failed to pin at {path}", self.raw_fd())))?;
        crate::pr_debug!("link fd={}: pinned at {}", self.raw_fd(), path);
        self.pin_path = Some(c);
        Ok(())
    }

    pub fn unpin(&mut self) -> Result<()> {
        let Some(p) = self.pin_path.take() else { return Err(Error::quiet(libc::EINVAL)) };
        if let Err(e) = crate::sys::fs::unlink(&p) {
            self.pin_path = Some(p);
            return Err(Error::io("failed to unpin link", &e));
        }
        Ok(())
    }

    /// Open a link pinned in BPF FS.
    pub fn open_pinned(path: &str) -> Result<Link> {
        let c = CString::new(path).map_err(|_| Error::inval("path contains a NUL byte"))?;
        let fd = cmd::obj_get(&c, 0).map_err(|e| e.context(format!("failed to open link at {path}")))?;
        Ok(Link { kind: Some(LinkKind::Fd(fd)), pin_path: Some(c), disconnected: false })
    }

    /// Swap the program behind a kernel link.
    /// Failures are the kernel's errno alone, without a log line, as libbpf 1.5.
    pub fn update_program(&self, prog_fd: BorrowedFd<'_>) -> Result<()> {
        cmd::link_update(self.fd()?, prog_fd, 0, None).map_err(|e| Error::quiet(e.errno()))
    }

    /// `bpf_link__update_map`: point a struct_ops link at another struct_ops map (whose value
    /// is registered first; EBUSY means it already is).
    pub fn update_map(&mut self, map_fd: BorrowedFd<'_>, vdata: &[u8]) -> Result<()> {
        let Some(LinkKind::StructOps { fd, map_fd: cur }) = &mut self.kind else {
            // libbpf 1.5 returns -EINVAL here without a log line.
            return Err(Error::quiet(libc::EINVAL));
        };
        // The kernel's refusals are returned without a log line, as libbpf 1.5 does.
        match cmd::map_update_elem(map_fd, &0u32.to_ne_bytes(), vdata, 0) {
            Ok(()) => {}
            Err(e) if e.errno() == libc::EBUSY => {}
            Err(e) => return Err(Error::quiet(e.errno())),
        }
        cmd::link_update_map(fd.as_fd(), map_fd, None).map_err(|e| Error::quiet(e.errno()))?;
        *cur = map_fd.as_raw_fd();
        Ok(())
    }

    /// End the attachment (unless disconnected) and release resources.
    pub fn destroy(mut self) -> Result<()> {
        let kind = self.kind.take();
        match kind {
            Some(LinkKind::Fd(fd)) | Some(LinkKind::StructOps { fd, .. }) => {
                if self.disconnected {
                    // Leave the attachment alone: closing could be its last reference.
                    let _ = fd.into_raw_fd();
                }
                Ok(())
            }
            Some(LinkKind::StructOpsMap { map_fd }) if !self.disconnected => {
                // Straight to BPF_MAP_DELETE_ELEM, as libbpf does: no map-info read first (whose
                // failure would leave the struct_ops registered after the process exits). A
                // registration outlives the process, so a failed delete is tried once more
                // (ENOENT: nothing is registered, nothing to retry).
                let key = 0u32.to_ne_bytes();
                let delete = || {
                    // SAFETY: a struct_ops map's key is 4 bytes (it is created so), `key` lives
                    // for the call, no value buffer; the map fd is alive (see `fd`).
                    unsafe { cmd::raw::map_elem(uapi::BPF_MAP_DELETE_ELEM, map_fd, key.as_ptr() as u64, 0, 0) }
                };
                match delete() {
                    Err(e) if e.raw_os_error() != Some(libc::ENOENT) => delete(),
                    r => r,
                }
                .map_err(|e| cmd::fail(format!("map fd {map_fd}"), uapi::BPF_MAP_DELETE_ELEM, &e))
            }
            Some(LinkKind::Perf(p)) => {
                if self.disconnected {
                    // Leave the event, the link and the tracefs probe in place.
                    let _ = p.link.map(IntoRawFd::into_raw_fd);
                    let _ = p.perf.into_raw_fd();
                    std::mem::forget(p.legacy);
                    return Ok(());
                }
                let mut r = crate::attach::perf::disable(p.perf.as_fd());
                drop(p.link);
                drop(p.perf);
                // The tracefs event can only go once no perf event uses it; its removal result is
                // what is reported, as libbpf does.
                if let Some(l) = p.legacy {
                    r = l.remove();
                }
                r
            }
            Some(LinkKind::Usdt(u)) => {
                if self.disconnected {
                    // Leave every site attached: its fds stay open, its spec ids in use.
                    std::mem::forget(u);
                    return Ok(());
                }
                u.destroy()
            }
            _ => Ok(()),
        }
    }
}
