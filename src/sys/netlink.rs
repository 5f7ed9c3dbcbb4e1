//! Netlink sockets: the socket calls behind `bpf_xdp_*()` and `bpf_tc_*()` (rtnetlink and
//! generic netlink). Message building and parsing live in `crate::netlink`; this module only
//! opens, sends and receives.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `NETLINK_ROUTE`: links, qdiscs and filters.
pub const NETLINK_ROUTE: i32 = 0;
/// `NETLINK_GENERIC`: generic netlink families (`nlctrl`, `netdev`).
pub const NETLINK_GENERIC: i32 = 16;
const SOL_NETLINK: i32 = 270;
const NETLINK_EXT_ACK: i32 = 11;

/// An open, bound netlink socket and the port id the kernel gave it.
pub struct NlSocket {
    fd: OwnedFd,
    /// Our port id (`nl_pid`): every reply must be addressed to it.
    pub pid: u32,
}

fn last() -> io::Error {
    io::Error::last_os_error()
}

impl NlSocket {
    /// Open a netlink socket of protocol `proto`, ask for extended acks (a kernel without them
    /// only gets a warning, as libbpf prints), bind it and learn its port id.
    pub fn open(proto: i32) -> io::Result<NlSocket> {
        // SAFETY: plain socket(2) call; the result is checked before use.
        let raw = unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, proto) };
        if raw < 0 {
            return Err(last());
        }
        // SAFETY: `raw` is a fresh descriptor nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let one: libc::c_int = 1;
        // SAFETY: `one` is a live c_int and its size is passed.
        let r = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                SOL_NETLINK,
                NETLINK_EXT_ACK,
                &one as *const libc::c_int as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r < 0 {
            crate::pr_warn!("Netlink error reporting not supported");
        }
        // SAFETY: sockaddr_nl is plain data; all-zero is valid.
        let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        let salen = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
        // SAFETY: `sa` is a live sockaddr_nl of `salen` bytes.
        if unsafe { libc::bind(fd.as_raw_fd(), &sa as *const libc::sockaddr_nl as *const libc::sockaddr, salen) } < 0 {
            return Err(last());
        }
        let mut len = salen;
        // SAFETY: `sa` is writable for `len` bytes; the kernel writes back the length it used.
        if unsafe {
            libc::getsockname(fd.as_raw_fd(), &mut sa as *mut libc::sockaddr_nl as *mut libc::sockaddr, &mut len)
        } < 0
        {
            return Err(last());
        }
        if len != salen {
            return Err(io::Error::from_raw_os_error(crate::error::lerr::INTERNAL));
        }
        Ok(NlSocket { fd, pid: sa.nl_pid })
    }

    /// Send one request (to the kernel, the socket's default destination).
    pub fn send(&self, msg: &[u8]) -> io::Result<()> {
        // SAFETY: `msg` is a live buffer of msg.len() readable bytes.
        let r = unsafe { libc::send(self.fd.as_raw_fd(), msg.as_ptr() as *const libc::c_void, msg.len(), 0) };
        if r < 0 {
            Err(last())
        } else {
            Ok(())
        }
    }

    fn recvmsg(&self, buf: &mut [u8], flags: i32) -> io::Result<usize> {
        loop {
            let mut iov = libc::iovec { iov_base: buf.as_mut_ptr() as *mut libc::c_void, iov_len: buf.len() };
            // SAFETY: msghdr is plain data; all-zero is valid (no name, no control data).
            let mut mh: libc::msghdr = unsafe { std::mem::zeroed() };
            mh.msg_iov = &mut iov;
            mh.msg_iovlen = 1;
            // SAFETY: `mh` points at one iovec covering `buf`, writable for its length.
            let r = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut mh, flags) };
            if r >= 0 {
                return Ok(r as usize);
            }
            let e = last();
            if !matches!(e.raw_os_error(), Some(libc::EINTR) | Some(libc::EAGAIN)) {
                return Err(e);
            }
        }
    }

    /// Receive the next datagram into `buf` (grown to fit: the datagram's size is peeked first)
    /// and return its length; 0 when the peer has nothing more.
    pub fn recv(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        if buf.len() < 4096 {
            buf.resize(4096, 0);
        }
        let want = self.recvmsg(buf, libc::MSG_PEEK | libc::MSG_TRUNC)?;
        if want > buf.len() {
            buf.resize(want, 0);
        }
        self.recvmsg(buf, 0)
    }
}
