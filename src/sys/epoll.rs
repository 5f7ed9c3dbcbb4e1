//! epoll(7): waiting on ring buffers, perf buffers and BPF links.

use super::last_errno;
use crate::error::{Error, Result};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// An epoll instance (`EPOLL_CLOEXEC`).
pub(crate) struct Epoll {
    fd: OwnedFd,
}

impl Epoll {
    pub(crate) fn new() -> Result<Epoll> {
        // SAFETY: epoll_create1 has no memory effects.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(Error::quiet(last_errno()));
        }
        // SAFETY: the kernel just returned this fd; nothing else owns it.
        Ok(Epoll { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    pub(crate) fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Watch `fd` for `events`, reporting `data` when ready. `fd` is only a number for the
    /// kernel, which checks it.
    pub(crate) fn add(&self, fd: RawFd, events: u32, data: u64) -> Result<()> {
        let mut ev = libc::epoll_event { events, u64: data };
        // SAFETY: `ev` is a valid epoll_event for the call.
        if unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) } < 0 {
            return Err(Error::quiet(last_errno()));
        }
        Ok(())
    }

    /// `epoll_wait` for up to `max` events (`max` 0 is the kernel's `-EINVAL`, as for libbpf);
    /// returns the `data` of each ready event. `EINTR` is returned as an error.
    pub(crate) fn wait(&self, max: usize, timeout_ms: i32) -> Result<Vec<u64>> {
        let mut evs = vec![libc::epoll_event { events: 0, u64: 0 }; max.max(1)];
        let maxevents = i32::try_from(max).unwrap_or(i32::MAX);
        // SAFETY: `evs` holds at least `maxevents` writable epoll_event slots.
        let n = unsafe { libc::epoll_wait(self.fd.as_raw_fd(), evs.as_mut_ptr(), maxevents, timeout_ms) };
        if n < 0 {
            return Err(Error::quiet(last_errno()));
        }
        Ok(evs[..n as usize].iter().map(|e| e.u64).collect())
    }
}
