//! Shared mappings of an fd (`MAP_SHARED`): the rings of ring buffers and perf buffers.

use crate::error::{Error, Result};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;

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
        let p = unsafe { super::mmap::map_raw(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, fd.as_raw_fd(), off) }
            .map_err(|e| Error::quiet(e.raw_os_error().unwrap_or(libc::EIO)))?;
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
        unsafe { super::mmap::unmap_raw(self.ptr.as_ptr() as *mut libc::c_void, self.len) };
    }
}
