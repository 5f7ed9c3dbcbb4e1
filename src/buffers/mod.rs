//! User-space ends of the kernel's event channels, with libbpf 1.5's semantics:
//! [`ringbuf`] (`BPF_MAP_TYPE_RINGBUF` consumer, `BPF_MAP_TYPE_USER_RINGBUF` producer) and
//! [`perfbuf`] (per-CPU perf event rings behind a `BPF_MAP_TYPE_PERF_EVENT_ARRAY`).
//!
//! Both read and write memory shared with the kernel. That memory is never turned into
//! long-lived Rust references: positions are accessed as atomics through raw pointers with the
//! acquire/release ordering the kernel pairs with, every offset derived from shared memory is
//! bounds-checked against the mapping before use, and a record is handed to a callback only
//! while the kernel is guaranteed not to write it (it lies between the consumer and producer
//! positions).

pub mod perfbuf;
pub mod ringbuf;

use crate::error::{Error, Result};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;

/// The system page size.
pub fn page_size() -> usize {
    crate::sys::mmap::page_size()
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// A shared mapping of an fd (`MAP_SHARED`), unmapped on drop.
pub(crate) struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

impl Mapping {
    /// Map `len` bytes of `fd` at `offset`, read-only or read-write. Errors carry the errno.
    pub(crate) fn map(fd: BorrowedFd<'_>, len: usize, offset: usize, writable: bool) -> Result<Mapping> {
        if len == 0 {
            return Err(Error::quiet(libc::EINVAL));
        }
        let off = libc::off_t::try_from(offset).map_err(|_| Error::quiet(libc::EOVERFLOW))?;
        let prot = if writable { libc::PROT_READ | libc::PROT_WRITE } else { libc::PROT_READ };
        // SAFETY: a fresh mapping at an address the kernel picks (NULL hint); no existing memory
        // is affected. The fd is borrowed for the call.
        let p = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, fd.as_raw_fd(), off) };
        if p == libc::MAP_FAILED {
            return Err(Error::quiet(last_errno()));
        }
        let ptr = NonNull::new(p as *mut u8).ok_or(Error::quiet(libc::ENOMEM))?;
        Ok(Mapping { ptr, len })
    }

    pub(crate) fn ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: ptr/len describe the mapping created in `map`, unmapped exactly once here.
        unsafe { libc::munmap(self.ptr.as_ptr() as *mut libc::c_void, self.len) };
    }
}

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

/// A record in shared memory, valid for the duration of the callback it is passed to.
///
/// The kernel does not write the record's bytes while it is handed out (they lie between the
/// consumer and producer positions, or in a private copy for records that wrap around the end
/// of a perf ring).
pub struct Record<'a> {
    ptr: *mut u8,
    len: usize,
    _life: std::marker::PhantomData<&'a [u8]>,
}

impl<'a> Record<'a> {
    /// # Safety
    /// `ptr` must be valid for reads of `len` bytes for `'a`, and nothing may write them
    /// during `'a` except the C callback the pointer is handed to.
    pub(crate) unsafe fn new(ptr: *mut u8, len: usize) -> Record<'a> {
        Record { ptr, len, _life: std::marker::PhantomData }
    }

    /// The record's address, for C callbacks (libbpf hands out `void *`).
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copy of the record's bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = vec![0u8; self.len];
        // SAFETY: `ptr` is readable for `len` bytes for 'a (constructor contract); `v` is a
        // distinct allocation of `len` bytes.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr, v.as_mut_ptr(), self.len) };
        v
    }
}
