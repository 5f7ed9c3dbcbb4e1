//! `perf_buffer__*`: per-CPU perf event rings behind a `BPF_MAP_TYPE_PERF_EVENT_ARRAY`, over
//! [`crate::buffers::perfbuf`].
//!
//! `struct perf_buffer *` is a `Box` leaked by `perf_buffer__new`/`__new_raw` and reclaimed by
//! `perf_buffer__free`, which also clears the map slots it filled. The map fd is not
//! duplicated: keep it open while the perf buffer exists.
//!
//! Differences from libbpf, where libbpf would crash: NULL handles and output pointers are
//! `-EINVAL`; `perf_buffer_raw_opts` with `cpu_cnt > 0` but NULL `cpus`/`map_keys` is `-EINVAL`;
//! a negative buffer index is `-EINVAL`.

use super::handle::{self, get};
use super::types::{
    perf_buffer_event_fn, perf_buffer_lost_fn, perf_buffer_opts, perf_buffer_raw_opts, perf_buffer_sample_fn,
};
use super::{int, opts, ptr, set_errno, symver, val};
use crate::buffers::perfbuf::{Callbacks, Cpus, LostFn, PerfSampleFn};
use crate::buffers::Record;
use crate::caller::CallerFd;
use crate::error::{Error, Result};
use std::ffi::{c_int, c_void};

pub use crate::buffers::perfbuf::PerfBuffer;

/// `struct perf_event_attr` (`<linux/perf_event.h>`): passed through to `perf_event_open`.
#[repr(C)]
pub struct perf_event_attr {
    _opaque: [u8; 0],
}

fn boxed(pb: PerfBuffer) -> *mut PerfBuffer {
    handle::issue(Box::new(pb))
}

/// Perf buffers on every online CPU for the `BPF_MAP_TYPE_PERF_EVENT_ARRAY` map `map_fd`,
/// `page_cnt` (a power of two) data pages each, installed in the map's slot for each CPU.
/// `sample_cb(ctx, cpu, data, size)` gets each `bpf_perf_event_output()` record (size as
/// padded by the kernel), `lost_cb(ctx, cpu, cnt)` the number of records dropped for lack of
/// room. NULL with errno on failure.
#[no_mangle]
pub unsafe extern "C" fn perf_buffer__new(
    map_fd: c_int,
    page_cnt: usize,
    sample_cb: perf_buffer_sample_fn,
    lost_cb: perf_buffer_lost_fn,
    ctx: *mut c_void,
    opts: *const perf_buffer_opts,
) -> *mut PerfBuffer {
    ptr("perf_buffer__new", || {
        // SAFETY: C contract for opts.
        let o = unsafe { opts::read(opts) }?;
        let period = o.map_or(1, |o| o.sample_period);
        let sample = sample_cb.map(|f| -> PerfSampleFn {
            Box::new(move |cpu, r: Record<'_>| {
                // SAFETY: the caller registered `f` with `ctx`; the record is valid during the
                // call and its length fits u32 (perf records are at most 64 KiB).
                unsafe { f(ctx, cpu, r.as_ptr() as *mut c_void, r.len() as u32) }
            })
        });
        let lost = lost_cb.map(|f| -> LostFn {
            Box::new(move |cpu, cnt| {
                // SAFETY: the caller registered `f` with `ctx`.
                unsafe { f(ctx, cpu, cnt) }
            })
        });
        // SAFETY: libbpf's contract: the map fd stays open while the perf buffer exists.
        let map_fd = unsafe { CallerFd::new(map_fd) };
        PerfBuffer::new(map_fd, page_cnt, period, Callbacks::Sample { sample, lost }).map(boxed)
    })
}
symver!(perf_buffer__new, "LIBBPF_0.6.0");

/// Perf buffers opened with the caller's `attr`, optionally on chosen CPUs and map slots
/// (`opts->cpu_cnt`, `cpus`, `map_keys`); `event_cb(ctx, cpu, header)` sees every record.
#[no_mangle]
pub unsafe extern "C" fn perf_buffer__new_raw(
    map_fd: c_int,
    page_cnt: usize,
    attr: *mut perf_event_attr,
    event_cb: perf_buffer_event_fn,
    ctx: *mut c_void,
    opts: *const perf_buffer_raw_opts,
) -> *mut PerfBuffer {
    ptr("perf_buffer__new_raw", || {
        let Some(attr) = std::ptr::NonNull::new(attr.cast::<u8>()) else {
            return Err(Error::quiet(libc::EINVAL));
        };
        // SAFETY: C contract for opts.
        let o = unsafe { opts::read(opts) }?;
        let cpus = match o {
            Some(o) if o.cpu_cnt > 0 => {
                if o.cpus.is_null() || o.map_keys.is_null() {
                    return Err(Error::inval("perf_buffer_raw_opts: cpu_cnt is set but cpus or map_keys is NULL"));
                }
                let n = o.cpu_cnt as usize;
                // SAFETY: the caller provides cpu_cnt ints at cpus and at map_keys.
                let (c, k) =
                    unsafe { (std::slice::from_raw_parts(o.cpus, n), std::slice::from_raw_parts(o.map_keys, n)) };
                Cpus::Explicit(c.iter().copied().zip(k.iter().copied()).collect())
            }
            _ => Cpus::Online,
        };
        let cbs = match event_cb {
            Some(f) => Callbacks::Raw(Box::new(move |cpu, r: Record<'_>| {
                // SAFETY: the caller registered `f` with `ctx`; the record starts with a
                // perf_event_header, is 8-byte aligned and valid during the call.
                unsafe { f(ctx, cpu, r.as_ptr() as *mut super::types::perf_event_header) }
            })),
            None => Callbacks::Sample { sample: None, lost: None },
        };
        // SAFETY: libbpf's contract: the map fd stays open while the perf buffer exists.
        let map_fd = unsafe { CallerFd::new(map_fd) };
        // SAFETY: C contract: attr points to a perf_event_attr of its `size` bytes.
        let mut copy = unsafe { crate::caller::copy_perf_attr(attr) };
        let r = PerfBuffer::new_raw(map_fd, page_cnt, &mut copy, cbs, cpus);
        // SAFETY: the same attr; the kernel may write its `size` field, so may we.
        unsafe { crate::caller::return_perf_attr_size(attr, &copy) };
        r.map(boxed)
    })
}
symver!(perf_buffer__new_raw, "LIBBPF_0.6.0");

/// Disable and unmap every buffer, clear the map slots it filled, close the fds. NULL is a
/// no-op.
#[no_mangle]
pub unsafe extern "C" fn perf_buffer__free(pb: *mut PerfBuffer) {
    val("perf_buffer__free", (), || {
        // SAFETY: a live pb was issued by perf_buffer__new(_raw) and is freed once.
        super::logged("perf_buffer__free", unsafe { handle::reclaim(pb, "perf buffer") });
    })
}
symver!(perf_buffer__free, "LIBBPF_0.0.4");

/// A negative processing result as libbpf returns it: the value, errno set to its negation.
fn passthrough(e: c_int) -> Result<c_int> {
    if e < 0 {
        set_errno(e.wrapping_neg());
    }
    Ok(e)
}

/// Wait up to `timeout_ms` (-1: forever) and read the buffers that have data. Returns how many
/// buffers were ready, or a negative error.
#[no_mangle]
pub unsafe extern "C" fn perf_buffer__poll(pb: *mut PerfBuffer, timeout_ms: c_int) -> c_int {
    int("perf_buffer__poll", || {
        // SAFETY: C contract: pb is a live perf buffer or NULL.
        match unsafe { get(pb, "perf buffer") }?.poll(timeout_ms) {
            Ok(n) => Ok(n),
            Err(e) => passthrough(e),
        }
    })
}
symver!(perf_buffer__poll, "LIBBPF_0.0.4");

/// Read every buffer without waiting. 0 or a negative error.
#[no_mangle]
pub unsafe extern "C" fn perf_buffer__consume(pb: *mut PerfBuffer) -> c_int {
    int("perf_buffer__consume", || {
        // SAFETY: C contract: pb is a live perf buffer or NULL.
        match unsafe { get(pb, "perf buffer") }?.consume() {
            Ok(()) => Ok(0),
            Err(e) => passthrough(e),
        }
    })
}
symver!(perf_buffer__consume, "LIBBPF_0.0.9");

/// Read buffer `buf_idx` without waiting (`-EINVAL` past `perf_buffer__buffer_cnt`).
#[no_mangle]
pub unsafe extern "C" fn perf_buffer__consume_buffer(pb: *mut PerfBuffer, buf_idx: usize) -> c_int {
    int("perf_buffer__consume_buffer", || {
        // SAFETY: C contract: pb is a live perf buffer or NULL.
        unsafe { get(pb, "perf buffer") }?.consume_buffer(buf_idx)
    })
}
symver!(perf_buffer__consume_buffer, "LIBBPF_0.2.0");

/// How many per-CPU buffers were opened.
#[no_mangle]
pub unsafe extern "C" fn perf_buffer__buffer_cnt(pb: *const PerfBuffer) -> usize {
    val("perf_buffer__buffer_cnt", 0, || {
        // SAFETY: C contract: pb is a live perf buffer or NULL.
        unsafe { handle::opt_logged("perf_buffer__buffer_cnt", pb, "perf buffer") }.map_or(0, |p| p.buffer_cnt())
    })
}
symver!(perf_buffer__buffer_cnt, "LIBBPF_0.2.0");

/// The perf event fd of buffer `buf_idx` (pollable on its own).
#[no_mangle]
pub unsafe extern "C" fn perf_buffer__buffer_fd(pb: *const PerfBuffer, buf_idx: usize) -> c_int {
    int("perf_buffer__buffer_fd", || {
        // SAFETY: C contract: pb is a live perf buffer or NULL.
        unsafe { get(pb, "perf buffer") }?.buffer_fd(buf_idx)
    })
}
symver!(perf_buffer__buffer_fd, "LIBBPF_0.2.0");

/// The raw mmap of buffer `buf_idx` (the `struct perf_event_mmap_page` first) in `*buf`, and
/// its data size in `*buf_size`.
#[no_mangle]
pub unsafe extern "C" fn perf_buffer__buffer(
    pb: *mut PerfBuffer,
    buf_idx: c_int,
    buf: *mut *mut c_void,
    buf_size: *mut usize,
) -> c_int {
    int("perf_buffer__buffer", || {
        // SAFETY: C contract: pb is a live perf buffer or NULL.
        let pb = unsafe { get(pb, "perf buffer") }?;
        let idx = usize::try_from(buf_idx).map_err(|_| Error::quiet(libc::EINVAL))?;
        let (p, sz) = pb.buffer(idx)?;
        if buf.is_null() || buf_size.is_null() {
            return Err(Error::inval("perf_buffer__buffer: NULL output pointer"));
        }
        // SAFETY: both output pointers are non-NULL and, by the C contract, writable.
        unsafe {
            *buf = p as *mut c_void;
            *buf_size = sz;
        }
        Ok(0)
    })
}
symver!(perf_buffer__buffer, "LIBBPF_1.0.0");

/// The epoll fd the perf buffer waits on.
#[no_mangle]
pub unsafe extern "C" fn perf_buffer__epoll_fd(pb: *const PerfBuffer) -> c_int {
    int("perf_buffer__epoll_fd", || {
        // SAFETY: C contract: pb is a live perf buffer or NULL.
        Ok(unsafe { get(pb, "perf buffer") }?.epoll_fd())
    })
}
symver!(perf_buffer__epoll_fd, "LIBBPF_0.2.0");
