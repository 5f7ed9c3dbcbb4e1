//! Things the C caller owns that the library keeps for a while: a log buffer registered before
//! load, an fd named as a target; and a caller's `perf_event_attr`, copied here so the kernel
//! reads the library's copy. The core holds them only as these types, never as raw
//! addresses or bare fd numbers; each is made in `ffi` from what the caller passed, by an
//! `unsafe` constructor whose contract is the libbpf API's own, and hands the core a safe view
//! only for the duration of one call.
//!
//! The contract is libbpf's and so is the failure mode: libbpf keeps the caller's pointer (and
//! fd number) until it uses it at load; a caller that frees the buffer or closes the fd in
//! between has a bug in its own program, with libbpf as with this library.

use std::os::fd::{BorrowedFd, RawFd};
use std::ptr::NonNull;

/// A writable byte buffer of the caller's (`bpf_program__set_log_buf`, the open options'
/// `kernel_log_buf`), kept from the call that registered it until it is used at load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerBuf {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a CallerBuf is an address and a length; what it points to is reached only through
// `with`, whose callers hold the object that owns the CallerBuf exclusively (the loader). The
// caller's buffer is no more thread-affine than the object it was registered on.
unsafe impl Send for CallerBuf {}
// SAFETY: as above; `&CallerBuf` gives access to nothing but the address and the length.
unsafe impl Sync for CallerBuf {}

impl CallerBuf {
    /// The caller's buffer `ptr` of `len` bytes, `None` for a NULL `ptr`.
    ///
    /// # Safety
    /// Whenever [`CallerBuf::with`] runs on the result (or a copy), `ptr` must point to `len`
    /// writable bytes that nothing else reads or writes during that call. This is the libbpf
    /// API's contract for log buffers: valid from registration until the load that uses them.
    pub unsafe fn new(ptr: *mut std::ffi::c_char, len: usize) -> Option<CallerBuf> {
        NonNull::new(ptr.cast::<u8>()).map(|ptr| CallerBuf { ptr, len })
    }

    /// The address as the caller gave it (for the getters that hand it back).
    pub fn as_ptr(&self) -> *mut std::ffi::c_char {
        self.ptr.as_ptr().cast()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Run `f` on the buffer's bytes; the slice does not outlive the call.
    pub fn with<R>(&self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        // SAFETY: `new`'s contract: `len` writable bytes at `ptr`, used by nothing else while
        // `with` runs; the slice is confined to `f`.
        let bytes = unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) };
        f(bytes)
    }
}

/// An fd of the caller's that the library names without owning it (the target program of
/// `bpf_program__set_attach_target`, the map of a ring or perf buffer): it is neither closed
/// nor duplicated here. It may be any number the caller passed, even a negative one, which
/// the kernel then refuses (EBADF) as with libbpf; only a non-negative one can be borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerFd(RawFd);

impl CallerFd {
    /// The caller's fd `fd`.
    ///
    /// # Safety
    /// Whenever [`CallerFd::borrow`] runs on the result (or a copy), a non-negative `fd` must
    /// be open: the libbpf API's contract for these fds (an attach target stays open until
    /// load, a ring buffer's map while the ring buffer exists).
    pub unsafe fn new(fd: RawFd) -> CallerFd {
        CallerFd(fd)
    }

    /// The fd number, for messages and for attributes that carry it as an integer.
    pub fn raw(&self) -> RawFd {
        self.0
    }

    /// The fd, borrowed for as long as `self` is; `None` for a negative number.
    pub fn borrow(&self) -> Option<BorrowedFd<'_>> {
        // SAFETY: `new`'s contract: the caller keeps a non-negative fd open while it is used
        // through us; -1 (BorrowedFd's niche) and other negatives are never borrowed.
        (self.0 >= 0).then(|| unsafe { BorrowedFd::borrow_raw(self.0) })
    }
}

/// The number, as messages print an fd.
impl std::fmt::Display for CallerFd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A copy of the caller's `struct perf_event_attr` (`perf_buffer__new_raw`): exactly the bytes
/// the kernel would read from it ([`RawAttr::read_len`] of its `size` field), so the core hands
/// the kernel its own copy and never the caller's address.
///
/// # Safety
/// `attr` points to a readable `perf_event_attr` of at least its `size` field's bytes (64 when
/// the field is 0), libbpf's contract for `perf_buffer__new_raw`.
pub unsafe fn copy_perf_attr(attr: NonNull<u8>) -> crate::sys::perf::RawAttr {
    use crate::sys::perf::RawAttr;
    // SAFETY: `size` is the u32 at offset 4 of every perf_event_attr (contract above).
    let size = unsafe { attr.as_ptr().add(4).cast::<u32>().read_unaligned() };
    // SAFETY: the caller's attr holds at least `read_len(size)` bytes: `size` when the kernel
    // would accept it, else the 8 bytes up to and including `size` (contract above).
    let bytes = unsafe { std::slice::from_raw_parts(attr.as_ptr(), RawAttr::read_len(size)) };
    RawAttr::from_bytes(bytes)
}

/// Write the `size` the kernel wrote back into our copy (E2BIG: the size it supports) to the
/// caller's attr, as the kernel would have written it there; a no-op when unchanged.
///
/// # Safety
/// `attr` is the pointer [`copy_perf_attr`] read, and its `size` field is writable.
pub unsafe fn return_perf_attr_size(attr: NonNull<u8>, copy: &crate::sys::perf::RawAttr) {
    // SAFETY: `size` is the u32 at offset 4 of the caller's attr (contract above).
    let field = unsafe { attr.as_ptr().add(4).cast::<u32>() };
    // SAFETY: as above; read and written unaligned, as the caller's struct may be packed.
    unsafe {
        if field.read_unaligned() != copy.size() {
            field.write_unaligned(copy.size());
        }
    }
}
