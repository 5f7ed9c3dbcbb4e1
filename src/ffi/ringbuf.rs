//! `ring_buffer__*`, `ring__*`, `user_ring_buffer__*`: BPF ring buffers from user space, over
//! [`crate::buffers::ringbuf`].
//!
//! Handles: `struct ring_buffer *` and `struct user_ring_buffer *` are `Box`es leaked by the
//! `__new` functions and reclaimed by `__free`; `struct ring *` points into its ring buffer and
//! lives until that is freed. Map fds passed in are not duplicated: keep them open while the
//! ring buffer exists (libbpf's contract).
//!
//! Callbacks get a pointer into the shared ring (read-only for kernel ring buffers) valid only
//! during the call. A callback returning a negative value stops consumption; that value is
//! returned (and errno set to its negation) after the consumer position moved past the record.
//! Unlike libbpf, a NULL sample callback does not crash: records are consumed and counted.
//! NULL handles give `-EINVAL` (or NULL, 0) instead of crashing.

use super::handle::{self, get};
use super::types::{ring_buffer_opts, ring_buffer_sample_fn, user_ring_buffer_opts};
use super::{int, opts, ptr, set_errno, symver, val};
use crate::buffers::ringbuf::{SampleFn, Stop};
use crate::buffers::Record;
use crate::caller::CallerFd;
use crate::error::{Error, Result};
use std::ffi::{c_int, c_uint, c_ulong, c_void};

pub use crate::buffers::ringbuf::{Ring, RingBuffer, UserRingBuffer};

/// Wrap a C sample callback and its context.
///
/// # Safety
/// `cb`, if set, must be callable with `ctx` for as long as the ring exists.
unsafe fn c_sample_cb(cb: ring_buffer_sample_fn, ctx: *mut c_void) -> Option<SampleFn> {
    let f = cb?;
    Some(Box::new(move |r: Record<'_>| {
        // SAFETY: the caller of ring_buffer__new/add registered `f` with `ctx`; the record
        // pointer and length are valid for the duration of the call.
        unsafe { f(ctx, r.as_ptr() as *mut c_void, r.len()) }
    }))
}

/// A consumption result as libbpf returns it: the count, or a callback's negative value with
/// errno set to its negation.
fn stopped(r: std::result::Result<i32, Stop>) -> Result<c_int> {
    match r {
        Ok(n) => Ok(n),
        Err(Stop::Callback(e)) => {
            set_errno(e.wrapping_neg());
            Ok(e)
        }
        Err(Stop::Error(e)) => Err(e),
    }
}

/// Check the options struct (none defined: only `sz` and zero bytes past it).
///
/// # Safety
/// `p` must be NULL or point to `(*p).sz` readable bytes.
unsafe fn check_opts<T: opts::Opts>(p: *const T) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { opts::read(p) }.map(|_| ())
}

/// A ring buffer manager consuming the `BPF_MAP_TYPE_RINGBUF` map `map_fd`, calling
/// `sample_cb(ctx, data, size)` for each record. NULL with errno on failure.
#[no_mangle]
pub unsafe extern "C" fn ring_buffer__new(
    map_fd: c_int,
    sample_cb: ring_buffer_sample_fn,
    ctx: *mut c_void,
    opts: *const ring_buffer_opts,
) -> *mut RingBuffer {
    ptr("ring_buffer__new", || {
        // SAFETY: C contract for opts.
        unsafe { check_opts(opts) }?;
        // SAFETY: libbpf's contract: the map fd stays open while the ring buffer exists.
        let map_fd = unsafe { CallerFd::new(map_fd) };
        // SAFETY: C contract: the callback is valid with ctx while the ring buffer lives.
        let rb = RingBuffer::new(map_fd, unsafe { c_sample_cb(sample_cb, ctx) })?;
        Ok(handle::issue(Box::new(rb)))
    })
}
symver!(ring_buffer__new, "LIBBPF_0.0.9");

/// Add another `BPF_MAP_TYPE_RINGBUF` map, with its own callback, to the manager.
#[no_mangle]
pub unsafe extern "C" fn ring_buffer__add(
    rb: *mut RingBuffer,
    map_fd: c_int,
    sample_cb: ring_buffer_sample_fn,
    ctx: *mut c_void,
) -> c_int {
    int("ring_buffer__add", || {
        // SAFETY: C contract: rb is a live ring buffer or NULL.
        let rb = unsafe { get(rb, "ring buffer") }?;
        // SAFETY: libbpf's contract: the map fd stays open while the ring buffer exists.
        let map_fd = unsafe { CallerFd::new(map_fd) };
        // SAFETY: C contract for the callback.
        rb.add(map_fd, unsafe { c_sample_cb(sample_cb, ctx) }).map(|()| 0)
    })
}
symver!(ring_buffer__add, "LIBBPF_0.0.9");

/// Unmap every ring and close the epoll fd. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ring_buffer__free(rb: *mut RingBuffer) {
    val("ring_buffer__free", (), || {
        // SAFETY: a live rb was issued by ring_buffer__new and is freed once (libbpf's contract).
        if let Some(rb) = super::logged("ring_buffer__free", unsafe { handle::reclaim(rb, "ring buffer") }).flatten() {
            // The rings handed out by ring_buffer__ring die with it.
            (0..).map_while(|i| rb.ring(i)).for_each(handle::retire::<Ring>);
            drop(rb);
        }
    })
}
symver!(ring_buffer__free, "LIBBPF_0.0.9");

/// Wait up to `timeout_ms` (-1: forever) for records, then consume them from the rings that
/// have some. Returns the number of records (at most INT_MAX), or a negative error.
#[no_mangle]
pub unsafe extern "C" fn ring_buffer__poll(rb: *mut RingBuffer, timeout_ms: c_int) -> c_int {
    int("ring_buffer__poll", || {
        // SAFETY: C contract: rb is a live ring buffer or NULL.
        stopped(unsafe { get(rb, "ring buffer") }?.poll(timeout_ms))
    })
}
symver!(ring_buffer__poll, "LIBBPF_0.0.9");

/// Consume every available record of every ring without waiting.
#[no_mangle]
pub unsafe extern "C" fn ring_buffer__consume(rb: *mut RingBuffer) -> c_int {
    int("ring_buffer__consume", || {
        // SAFETY: C contract: rb is a live ring buffer or NULL.
        stopped(unsafe { get(rb, "ring buffer") }?.consume())
    })
}
symver!(ring_buffer__consume, "LIBBPF_0.0.9");

/// Consume up to `n` records over all rings without waiting.
#[no_mangle]
pub unsafe extern "C" fn ring_buffer__consume_n(rb: *mut RingBuffer, n: usize) -> c_int {
    int("ring_buffer__consume_n", || {
        // SAFETY: C contract: rb is a live ring buffer or NULL.
        stopped(unsafe { get(rb, "ring buffer") }?.consume_n(n as u64))
    })
}
symver!(ring_buffer__consume_n, "LIBBPF_1.5.0");

/// The epoll fd the manager waits on (readable when a ring has data).
#[no_mangle]
pub unsafe extern "C" fn ring_buffer__epoll_fd(rb: *const RingBuffer) -> c_int {
    int("ring_buffer__epoll_fd", || {
        // SAFETY: C contract: rb is a live ring buffer or NULL.
        Ok(unsafe { get(rb, "ring buffer") }?.epoll_fd())
    })
}
symver!(ring_buffer__epoll_fd, "LIBBPF_0.3.0");

/// The ring added `idx`-th (0: the one from `ring_buffer__new`); NULL with errno ERANGE past
/// the end.
#[no_mangle]
pub unsafe extern "C" fn ring_buffer__ring(rb: *mut RingBuffer, idx: c_uint) -> *mut Ring {
    ptr("ring_buffer__ring", || {
        // SAFETY: C contract: rb is a live ring buffer or NULL.
        let rb = unsafe { get(rb, "ring buffer") }?;
        let r = rb.ring(idx as usize).ok_or(Error::quiet(libc::ERANGE))?;
        handle::register(r);
        Ok(r as *mut Ring)
    })
}
symver!(ring_buffer__ring, "LIBBPF_1.3.0");

/// Read a value from a ring; NULL gives `fallback` with errno EINVAL.
fn ring_read<T: Copy>(func: &str, r: *const Ring, fallback: T, f: impl FnOnce(&Ring) -> T) -> T {
    val(func, fallback, || {
        // SAFETY: C contract: r is a ring from ring_buffer__ring whose buffer is alive, or NULL.
        match unsafe { super::handle::opt_logged(func, r, "ring") } {
            Some(r) => f(r),
            None => {
                set_errno(libc::EINVAL);
                fallback
            }
        }
    })
}

/// The ring's consumer position (bytes consumed since creation).
#[no_mangle]
pub unsafe extern "C" fn ring__consumer_pos(r: *const Ring) -> c_ulong {
    ring_read("ring__consumer_pos", r, 0, |r| r.consumer_pos() as c_ulong)
}
symver!(ring__consumer_pos, "LIBBPF_1.3.0");

/// The ring's producer position (bytes reserved by producers since creation).
#[no_mangle]
pub unsafe extern "C" fn ring__producer_pos(r: *const Ring) -> c_ulong {
    ring_read("ring__producer_pos", r, 0, |r| r.producer_pos() as c_ulong)
}
symver!(ring__producer_pos, "LIBBPF_1.3.0");

/// Bytes produced but not consumed yet (headers and padding included).
#[no_mangle]
pub unsafe extern "C" fn ring__avail_data_size(r: *const Ring) -> usize {
    ring_read("ring__avail_data_size", r, 0, |r| r.avail_data_size() as usize)
}
symver!(ring__avail_data_size, "LIBBPF_1.3.0");

/// Size of the ring's data area in bytes.
#[no_mangle]
pub unsafe extern "C" fn ring__size(r: *const Ring) -> usize {
    ring_read("ring__size", r, 0, |r| r.size() as usize)
}
symver!(ring__size, "LIBBPF_1.3.0");

/// The ring's map fd.
#[no_mangle]
pub unsafe extern "C" fn ring__map_fd(r: *const Ring) -> c_int {
    ring_read("ring__map_fd", r, -libc::EINVAL, |r| r.map_fd())
}
symver!(ring__map_fd, "LIBBPF_1.3.0");

/// Consume up to `n` records of this ring only.
#[no_mangle]
pub unsafe extern "C" fn ring__consume_n(r: *mut Ring, n: usize) -> c_int {
    int("ring__consume_n", || {
        // SAFETY: C contract: r is a live ring or NULL.
        let r = unsafe { get(r, "ring") }?;
        stopped(r.consume_n(n as u64).map(|c| c.min(i64::from(i32::MAX)) as i32))
    })
}
symver!(ring__consume_n, "LIBBPF_1.5.0");

/// Consume every available record of this ring.
#[no_mangle]
pub unsafe extern "C" fn ring__consume(r: *mut Ring) -> c_int {
    int("ring__consume", || {
        handle::check(r, "ring")?;
        // SAFETY: forwarded C contract.
        Ok(unsafe { ring__consume_n(r, i32::MAX as usize) })
    })
}
symver!(ring__consume, "LIBBPF_1.3.0");

/// A producer for the `BPF_MAP_TYPE_USER_RINGBUF` map `map_fd`. NULL with errno on failure.
#[no_mangle]
pub unsafe extern "C" fn user_ring_buffer__new(
    map_fd: c_int,
    opts: *const user_ring_buffer_opts,
) -> *mut UserRingBuffer {
    ptr("user_ring_buffer__new", || {
        // SAFETY: C contract for opts.
        unsafe { check_opts(opts) }?;
        // SAFETY: libbpf's contract: the map fd stays open while the ring buffer exists.
        let map_fd = unsafe { CallerFd::new(map_fd) };
        Ok(handle::issue(Box::new(UserRingBuffer::new(map_fd)?)))
    })
}
symver!(user_ring_buffer__new, "LIBBPF_1.1.0");

/// Reserve `size` bytes for a sample; submit or discard it afterwards. NULL with errno E2BIG
/// (can never fit) or ENOSPC (no room now).
#[no_mangle]
pub unsafe extern "C" fn user_ring_buffer__reserve(rb: *mut UserRingBuffer, size: u32) -> *mut c_void {
    ptr("user_ring_buffer__reserve", || {
        // SAFETY: C contract: rb is a live user ring buffer or NULL.
        Ok(unsafe { get(rb, "user ring buffer") }?.reserve(size)?.as_ptr() as *mut c_void)
    })
}
symver!(user_ring_buffer__reserve, "LIBBPF_1.1.0");

/// Like `user_ring_buffer__reserve`, waiting up to `timeout_ms` (-1: forever) for the kernel to
/// drain enough room.
#[no_mangle]
pub unsafe extern "C" fn user_ring_buffer__reserve_blocking(
    rb: *mut UserRingBuffer,
    size: u32,
    timeout_ms: c_int,
) -> *mut c_void {
    ptr("user_ring_buffer__reserve_blocking", || {
        // SAFETY: C contract: rb is a live user ring buffer or NULL.
        Ok(unsafe { get(rb, "user ring buffer") }?.reserve_blocking(size, timeout_ms)?.as_ptr() as *mut c_void)
    })
}
symver!(user_ring_buffer__reserve_blocking, "LIBBPF_1.1.0");

/// Publish a reserved sample to the kernel. A pointer that is not a sample of this ring is
/// ignored with a warning.
#[no_mangle]
pub unsafe extern "C" fn user_ring_buffer__submit(rb: *mut UserRingBuffer, sample: *mut c_void) {
    let _ = int("user_ring_buffer__submit", || {
        // SAFETY: C contract: rb is a live user ring buffer or NULL.
        unsafe { get(rb, "user ring buffer") }?.submit(sample as *mut u8).map(|()| 0)
    });
}
symver!(user_ring_buffer__submit, "LIBBPF_1.1.0");

/// Give a reserved sample back unused (the kernel skips it).
#[no_mangle]
pub unsafe extern "C" fn user_ring_buffer__discard(rb: *mut UserRingBuffer, sample: *mut c_void) {
    let _ = int("user_ring_buffer__discard", || {
        // SAFETY: C contract: rb is a live user ring buffer or NULL.
        unsafe { get(rb, "user ring buffer") }?.discard(sample as *mut u8).map(|()| 0)
    });
}
symver!(user_ring_buffer__discard, "LIBBPF_1.1.0");

/// Unmap the ring and close the epoll fd. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn user_ring_buffer__free(rb: *mut UserRingBuffer) {
    val("user_ring_buffer__free", (), || {
        // SAFETY: a live rb was issued by user_ring_buffer__new and is freed once.
        super::logged("user_ring_buffer__free", unsafe { handle::reclaim(rb, "user ring buffer") });
    })
}
symver!(user_ring_buffer__free, "LIBBPF_1.1.0");
