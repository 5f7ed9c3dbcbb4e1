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

/// The system page size.
pub fn page_size() -> usize {
    crate::sys::mmap::page_size()
}

pub(crate) use crate::sys::epoll::Epoll;
pub(crate) use crate::sys::shm::Mapping;

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
