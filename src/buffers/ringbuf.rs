//! BPF ring buffers (`BPF_MAP_TYPE_RINGBUF`, consumed here) and user ring buffers
//! (`BPF_MAP_TYPE_USER_RINGBUF`, produced here), as libbpf 1.5's `ringbuf.c`.
//!
//! Kernel layout of both map types' mmap: page 0 holds the consumer position, page 1 the
//! producer position, and the data area of `size` bytes (a power-of-two number of pages)
//! follows, mapped twice in a row so a record that wraps around the end can be read (or
//! written) contiguously. Each record starts with an 8-byte header whose first `u32` is the
//! length with two flag bits on top (`BUSY`: being written; `DISCARD`: skip it); records are
//! 8-byte aligned.
//!
//! For a kernel ring buffer, user space maps the consumer page read-write and the producer
//! page plus data read-only; for a user ring buffer, the other way round.
//!
//! Ordering (what the kernel pairs with): positions are read with acquire loads and written
//! with release stores; a record header is read with an acquire load (the kernel commits it
//! with a release store); a user ring buffer's commit swaps the header with acquire-release.

use super::{page_size, Epoll, Mapping, Record};
use crate::caller::CallerFd;
use crate::error::{Error, Result};
use crate::sys::attr::bpf_map_info;
use crate::sys::cmd;
use crate::uapi;
use std::cell::RefCell;
use std::os::fd::RawFd;
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

pub const BPF_RINGBUF_BUSY_BIT: u32 = 1 << 31;
pub const BPF_RINGBUF_DISCARD_BIT: u32 = 1 << 30;
pub const BPF_RINGBUF_HDR_SZ: u32 = 8;

/// Called with each committed record; a negative return stops consumption and is returned.
pub type SampleFn = Box<dyn Fn(Record<'_>) -> i32>;

/// Why consumption stopped early.
#[derive(Debug)]
pub enum Stop {
    /// A callback returned this negative value (passed through to the caller, as libbpf does).
    Callback(i32),
    /// The ring cannot be read: a system error or corrupted shared state.
    Error(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Error(e)
    }
}

/// A record length with the flag bits cleared, plus the header, rounded up to 8 bytes
/// (libbpf's `roundup_len`).
pub fn roundup_len(len: u32) -> u64 {
    let l = (len << 2) >> 2;
    (u64::from(l) + u64::from(BPF_RINGBUF_HDR_SZ)).div_ceil(8) * 8
}

/// Pointers into a ring's shared memory.
struct View {
    consumer: *mut u64,
    producer: *mut u64,
    data: *mut u8,
    /// Ring size in bytes (a power of two); `data` is readable for `2 * size`.
    size: u64,
}

impl View {
    fn mask(&self) -> u64 {
        self.size - 1
    }

    fn load(p: *mut u64) -> u64 {
        // SAFETY: `p` is an 8-aligned position word inside a live shared mapping (View
        // invariant); the kernel accesses it only with atomic (READ_ONCE/smp_store_release)
        // operations.
        unsafe { AtomicU64::from_ptr(p) }.load(Ordering::Acquire)
    }

    fn store(p: *mut u64, v: u64) {
        // SAFETY: as in `load`; the word is in a mapping we may write.
        unsafe { AtomicU64::from_ptr(p) }.store(v, Ordering::Release)
    }

    fn consumer_pos(&self) -> u64 {
        Self::load(self.consumer)
    }

    fn producer_pos(&self) -> u64 {
        Self::load(self.producer)
    }

    /// The header word of the record at data offset `off` (`off` < size, 8-aligned).
    fn hdr(&self, off: u64) -> *mut u32 {
        debug_assert!(off < self.size && off % 8 == 0);
        // SAFETY: off < size <= the mapping's data length, so the result stays inside it.
        unsafe { self.data.add(off as usize) as *mut u32 }
    }
}

/// libbpf's `ringbuf_process_ring` over a view of a ring's shared memory.
fn process(v: &View, n: u64, map_fd: RawFd, sample_cb: Option<&SampleFn>) -> Result<i64, Stop> {
    let mut cnt: i64 = 0;
    let mut cons = v.consumer_pos();
    loop {
        let mut got_new_data = false;
        let prod = v.producer_pos();
        while cons < prod {
            let off = cons & v.mask();
            if off % 8 != 0 {
                return Err(Stop::Error(Error::inval(format!(
                    "ringbuf: map fd={}: consumer position {cons} is not 8-byte aligned",
                    map_fd
                ))));
            }
            let hdr = v.hdr(off);
            // SAFETY: `hdr` is 8-aligned inside the data mapping (View::hdr); the kernel
            // commits the header with smp_store_release.
            let len = unsafe { AtomicU32::from_ptr(hdr) }.load(Ordering::Acquire);
            if len & BPF_RINGBUF_BUSY_BIT != 0 {
                return Ok(cnt);
            }
            got_new_data = true;
            let total = roundup_len(len);
            if total > v.size || total > prod - cons {
                return Err(Stop::Error(Error::inval(format!(
                    "ringbuf: map fd={}: record at position {cons} claims {} bytes, more than the ring holds",
                    map_fd,
                    len & !(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)
                ))));
            }
            cons += total;
            if len & BPF_RINGBUF_DISCARD_BIT == 0 {
                // SAFETY: the sample spans [off + 8, off + 8 + len) with off + total <=
                // size + size, inside the double-mapped data area; the kernel does not
                // write it before the consumer position passes it.
                let rec = unsafe { Record::new((hdr as *mut u8).add(BPF_RINGBUF_HDR_SZ as usize), len as usize) };
                let err = sample_cb.map_or(0, |cb| cb(rec));
                if err < 0 {
                    View::store(v.consumer, cons);
                    return Err(Stop::Callback(err));
                }
                cnt += 1;
            }
            View::store(v.consumer, cons);
            if cnt as u64 >= n {
                return Ok(cnt);
            }
        }
        if !got_new_data {
            return Ok(cnt);
        }
    }
}

/// One kernel ring buffer being consumed.
pub struct Ring {
    sample_cb: Option<SampleFn>,
    /// The caller's map (libbpf's contract: open while the ring buffer exists).
    map_fd: CallerFd,
    mem: RingMem,
}

/// Which side of a ring this process is: it writes the position it owns (the consumer's for a
/// kernel ring buffer, the producer's and the data for a user ring buffer).
#[derive(Clone, Copy)]
enum Side {
    Consumer,
    Producer,
}

impl Side {
    /// For messages.
    fn what(self) -> &'static str {
        match self {
            Side::Consumer => "ringbuf",
            Side::Producer => "user ringbuf",
        }
    }
}

/// A ring's memory: page 0 (consumer position), and page 1 (producer position) followed by the
/// data area twice, each mapped writable on the side that owns it.
struct RingMem {
    size: u64,
    consumer: Mapping,
    producer: Mapping,
}

impl RingMem {
    /// libbpf's `ring_buffer__add` / `user_ringbuf_map`: check that `map_fd` is a ring of the
    /// side's map type with a valid size, then map its two parts.
    fn open(map_fd: CallerFd, side: Side) -> Result<RingMem> {
        let what = side.what();
        let info = map_info_of(map_fd.raw(), what)?;
        let (map_type, type_name) = match side {
            Side::Consumer => (uapi::BPF_MAP_TYPE_RINGBUF, "BPF_MAP_TYPE_RINGBUF"),
            Side::Producer => (uapi::BPF_MAP_TYPE_USER_RINGBUF, "BPF_MAP_TYPE_USER_RINGBUF"),
        };
        if info.type_ != map_type {
            return Err(Error::inval(format!("{what}: map fd={map_fd} is not {type_name}")));
        }
        let (size, mmap_sz) = ring_size(&info, what, map_fd.raw())?;
        let pg = page_size();
        // The borrow lives as long as `map_fd` here: for the two mmap calls. (A negative number
        // failed the map info query above.)
        let fd = map_fd.borrow().ok_or_else(|| Error::quiet(libc::EBADF))?;
        let consumer = Mapping::map(fd, pg, 0, matches!(side, Side::Consumer)).map_err(|e| {
            Error::new(
                e.errno(),
                format!(
                    "{what}: failed to mmap consumer page for map fd={map_fd}: {}",
                    crate::error::errstr(e.errno())
                ),
            )
        })?;
        let producer = Mapping::map(fd, mmap_sz, pg, matches!(side, Side::Producer)).map_err(|e| {
            Error::new(
                e.errno(),
                format!("{what}: failed to mmap data pages for map fd={map_fd}: {}", crate::error::errstr(e.errno())),
            )
        })?;
        Ok(RingMem { size, consumer, producer })
    }

    fn view(&self) -> View {
        View {
            consumer: self.consumer.ptr() as *mut u64,
            producer: self.producer.ptr() as *mut u64,
            // SAFETY: the producer mapping is page + 2 * size bytes; data starts after the page.
            data: unsafe { self.producer.ptr().add(page_size()) },
            size: self.size,
        }
    }
}

fn map_info_of(fd: RawFd, what: &str) -> Result<bpf_map_info> {
    let mut info = bpf_map_info::default();
    let mut len = std::mem::size_of::<bpf_map_info>() as u32;
    // SAFETY: `info` is a writable bpf_map_info of `len` bytes without nested buffers; `fd` is
    // only a number for the kernel, which checks it.
    unsafe { cmd::raw::obj_get_info(fd, &mut info as *mut bpf_map_info as u64, &mut len) }.map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        Error::new(errno, format!("{what}: failed to get map info for fd={fd}: {}", crate::error::errstr(errno)))
    })?;
    Ok(info)
}

/// Data size of a ring from its map info; the mmap needs `page + 2 * size` bytes.
fn ring_size(info: &bpf_map_info, what: &str, fd: RawFd) -> Result<(u64, usize)> {
    let size = u64::from(info.max_entries);
    let pg = page_size() as u64;
    if size == 0 || !size.is_power_of_two() || size % pg != 0 {
        return Err(Error::inval(format!("{what}: map fd={fd} has an invalid ring size {size}")));
    }
    let mmap_sz = usize::try_from(pg + 2 * size)
        .map_err(|_| Error::new(libc::E2BIG, format!("{what}: ring buffer size ({size}) is too big")))?;
    Ok((size, mmap_sz))
}

impl Ring {
    fn open(map_fd: CallerFd, sample_cb: Option<SampleFn>) -> Result<Ring> {
        let mem = RingMem::open(map_fd, Side::Consumer)?;
        Ok(Ring { sample_cb, map_fd, mem })
    }

    fn view(&self) -> View {
        self.mem.view()
    }

    /// Consume up to `n` records (libbpf's `ringbuf_process_ring`): returns how many were
    /// passed to the callback. Discarded records are skipped without counting; a record still
    /// being written ends the pass. The consumer position advances past each record handled,
    /// including one whose callback fails.
    pub fn consume_n(&self, n: u64) -> Result<i64, Stop> {
        process(&self.view(), n, self.map_fd.raw(), self.sample_cb.as_ref())
    }

    pub fn consumer_pos(&self) -> u64 {
        self.view().consumer_pos()
    }

    pub fn producer_pos(&self) -> u64 {
        self.view().producer_pos()
    }

    /// Bytes produced and not yet consumed.
    pub fn avail_data_size(&self) -> u64 {
        let cons = self.consumer_pos();
        let prod = self.producer_pos();
        prod.wrapping_sub(cons)
    }

    /// Size of the data area in bytes.
    pub fn size(&self) -> u64 {
        self.mem.size
    }

    pub fn map_fd(&self) -> RawFd {
        self.map_fd.raw()
    }
}

/// A set of kernel ring buffers polled through one epoll instance (`struct ring_buffer`).
///
/// Methods take `&self` so that a callback may call back into the same ring buffer (add a
/// ring, consume) as libbpf allows; rings are reference-counted so their addresses (handed to C
/// as `struct ring *`) stay fixed until the ring buffer is dropped.
pub struct RingBuffer {
    epoll: Epoll,
    rings: RefCell<Vec<Rc<Ring>>>,
}

impl RingBuffer {
    /// `ring_buffer__new`: a ring buffer manager with one ring, `map_fd`. The map fd must stay
    /// open while the ring buffer exists (it is not duplicated).
    pub fn new(map_fd: CallerFd, sample_cb: Option<SampleFn>) -> Result<RingBuffer> {
        let epoll = Epoll::new().map_err(|e| {
            Error::new(
                e.errno(),
                format!("ringbuf: failed to create epoll instance: {}", crate::error::errstr(e.errno())),
            )
        })?;
        let rb = RingBuffer { epoll, rings: RefCell::new(Vec::new()) };
        rb.add(map_fd, sample_cb)?;
        Ok(rb)
    }

    /// `ring_buffer__add`: one more ring, with its own callback.
    pub fn add(&self, map_fd: CallerFd, sample_cb: Option<SampleFn>) -> Result<()> {
        let ring = Ring::open(map_fd, sample_cb)?;
        let idx = self.rings.borrow().len() as u64;
        self.epoll.add(map_fd.raw(), libc::EPOLLIN as u32, idx).map_err(|e| {
            Error::new(
                e.errno(),
                format!("ringbuf: failed to epoll add map fd={map_fd}: {}", crate::error::errstr(e.errno())),
            )
        })?;
        self.rings.borrow_mut().push(Rc::new(ring));
        Ok(())
    }

    fn ring_at(&self, i: usize) -> Option<Rc<Ring>> {
        self.rings.borrow().get(i).cloned()
    }

    pub fn ring_cnt(&self) -> usize {
        self.rings.borrow().len()
    }

    /// `ring_buffer__ring`: the ring at `idx` (its address is stable).
    pub fn ring(&self, idx: usize) -> Option<*const Ring> {
        self.ring_at(idx).map(|r| Rc::as_ptr(&r))
    }

    /// `ring_buffer__consume_n`: up to `n` records over all rings (libbpf's arithmetic: a
    /// ring asked for 0 records still hands out one).
    pub fn consume_n(&self, n: u64) -> Result<i32, Stop> {
        let mut n = n;
        let mut res: i64 = 0;
        let mut i = 0;
        while let Some(r) = self.ring_at(i) {
            let got = r.consume_n(n)?;
            res += got;
            n = n.wrapping_sub(got as u64);
            if n == 0 {
                break;
            }
            i += 1;
        }
        Ok(res.min(i64::from(i32::MAX)) as i32)
    }

    /// `ring_buffer__consume`: everything available in every ring.
    pub fn consume(&self) -> Result<i32, Stop> {
        let mut res: i64 = 0;
        let mut i = 0;
        while let Some(r) = self.ring_at(i) {
            res += r.consume_n(i32::MAX as u64)?;
            if res > i64::from(i32::MAX) {
                res = i64::from(i32::MAX);
                break;
            }
            i += 1;
        }
        Ok(res as i32)
    }

    /// `ring_buffer__poll`: wait up to `timeout_ms` (-1: forever) for data, then consume the
    /// rings that have some. Returns the records consumed.
    pub fn poll(&self, timeout_ms: i32) -> Result<i32, Stop> {
        let ready = self.epoll.wait(self.ring_cnt(), timeout_ms)?;
        let mut res: i64 = 0;
        for idx in ready {
            let Some(r) = self.ring_at(idx as usize) else { continue };
            res += r.consume_n(i32::MAX as u64)?;
        }
        Ok(res.min(i64::from(i32::MAX)) as i32)
    }

    pub fn epoll_fd(&self) -> RawFd {
        self.epoll.raw_fd()
    }
}

/// The producer side of a `BPF_MAP_TYPE_USER_RINGBUF` (`struct user_ring_buffer`).
pub struct UserRingBuffer {
    /// The caller's map (libbpf's contract: open while the ring buffer exists).
    map_fd: CallerFd,
    mem: RingMem,
    epoll: Epoll,
}

impl UserRingBuffer {
    /// `user_ring_buffer__new`. The map fd must stay open while the ring buffer exists.
    pub fn new(map_fd: CallerFd) -> Result<UserRingBuffer> {
        let epoll = Epoll::new().map_err(|e| {
            Error::new(
                e.errno(),
                format!("user ringbuf: failed to create epoll instance: {}", crate::error::errstr(e.errno())),
            )
        })?;
        let mem = RingMem::open(map_fd, Side::Producer)?;
        epoll.add(map_fd.raw(), libc::EPOLLOUT as u32, 0).map_err(|e| {
            Error::new(
                e.errno(),
                format!("user ringbuf: failed to epoll add map fd={map_fd}: {}", crate::error::errstr(e.errno())),
            )
        })?;
        Ok(UserRingBuffer { map_fd, mem, epoll })
    }

    fn view(&self) -> View {
        self.mem.view()
    }

    pub fn map_fd(&self) -> RawFd {
        self.map_fd.raw()
    }

    /// `user_ring_buffer__reserve`: room for a `size`-byte sample, marked busy until
    /// [`submit`](Self::submit) or [`discard`](Self::discard). `E2BIG` if it can never fit
    /// (or uses the flag bits), `ENOSPC` if it does not fit now. Errors are quiet (libbpf only
    /// sets errno).
    pub fn reserve(&self, size: u32) -> Result<NonNull<u8>> {
        if size & (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT) != 0 {
            return Err(Error::quiet(libc::E2BIG));
        }
        let v = self.view();
        let cons = v.consumer_pos();
        let prod = v.producer_pos();
        let max_size = v.size as u32;
        let avail = max_size.wrapping_sub(prod.wrapping_sub(cons) as u32);
        let total = (size + BPF_RINGBUF_HDR_SZ).div_ceil(8) * 8;
        if total > max_size {
            return Err(Error::quiet(libc::E2BIG));
        }
        if avail < total {
            return Err(Error::quiet(libc::ENOSPC));
        }
        let off = prod & v.mask();
        if off % 8 != 0 {
            return Err(Error::inval(format!(
                "user ringbuf: map fd={}: producer position {prod} is not 8-byte aligned",
                self.map_fd
            )));
        }
        let hdr = v.hdr(off);
        // SAFETY: `hdr` is an 8-aligned header (len, pad) inside the writable data mapping; the
        // kernel reads it only after the producer position below is published.
        unsafe {
            AtomicU32::from_ptr(hdr).store(size | BPF_RINGBUF_BUSY_BIT, Ordering::Relaxed);
            AtomicU32::from_ptr(hdr.add(1)).store(0, Ordering::Relaxed);
        }
        View::store(v.producer, prod + u64::from(total));
        // SAFETY: the sample starts 8 bytes after the header; off + total <= 2 * size keeps
        // all `size` bytes inside the double-mapped data area.
        let sample = unsafe { (hdr as *mut u8).add(BPF_RINGBUF_HDR_SZ as usize) };
        NonNull::new(sample).ok_or(Error::quiet(libc::EFAULT))
    }

    /// `user_ring_buffer__reserve_blocking`: like [`reserve`](Self::reserve), waiting up to
    /// `timeout_ms` (-1: forever) for the kernel to drain samples.
    pub fn reserve_blocking(&self, size: u32, timeout_ms: i32) -> Result<NonNull<u8>> {
        if timeout_ms < 0 && timeout_ms != -1 {
            return Err(Error::quiet(libc::EINVAL));
        }
        let start = std::time::Instant::now();
        let mut remaining = timeout_ms;
        loop {
            match self.reserve(size) {
                Ok(p) => return Ok(p),
                Err(e) if e.errno() != libc::ENOSPC => return Err(e),
                Err(_) => {}
            }
            self.epoll.wait(1, remaining)?;
            if timeout_ms == -1 {
                continue;
            }
            let elapsed = i32::try_from(start.elapsed().as_millis()).unwrap_or(i32::MAX);
            remaining = timeout_ms.saturating_sub(elapsed);
            if remaining <= 0 {
                break;
            }
        }
        self.reserve(size)
    }

    /// The header of the sample at `sample`, or an error if it is not a sample of this ring.
    fn sample_hdr(&self, sample: *mut u8) -> Result<*mut u32> {
        let v = self.view();
        let data = v.data as usize;
        let s = sample as usize;
        let off = s.wrapping_sub(data) as u64;
        if s < data + BPF_RINGBUF_HDR_SZ as usize || off >= 2 * v.size || off % 8 != 0 {
            return Err(Error::inval(format!(
                "user ringbuf: map fd={}: {sample:p} is not a sample of this ring",
                self.map_fd
            )));
        }
        let hdr_off = (v.size + off - u64::from(BPF_RINGBUF_HDR_SZ)) & v.mask();
        Ok(v.hdr(hdr_off))
    }

    fn commit(&self, sample: *mut u8, discard: bool) -> Result<()> {
        let hdr = self.sample_hdr(sample)?;
        // SAFETY: `hdr` is an 8-aligned header inside the writable data mapping
        // (sample_hdr's checks); the kernel reads it with smp_load_acquire.
        let a = unsafe { AtomicU32::from_ptr(hdr) };
        let mut new_len = a.load(Ordering::Relaxed) & !BPF_RINGBUF_BUSY_BIT;
        if discard {
            new_len |= BPF_RINGBUF_DISCARD_BIT;
        }
        a.swap(new_len, Ordering::AcqRel);
        Ok(())
    }

    /// `user_ring_buffer__submit`: hand a reserved sample to the kernel.
    pub fn submit(&self, sample: *mut u8) -> Result<()> {
        self.commit(sample, false)
    }

    /// `user_ring_buffer__discard`: give a reserved sample back unused.
    pub fn discard(&self, sample: *mut u8) -> Result<()> {
        self.commit(sample, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

    /// A fake kernel ring: consumer page, producer page and a data area mapped twice in a row
    /// from a memfd, as the kernel lays it out.
    struct FakeRing {
        _fd: OwnedFd,
        pages: Mapping,
        data: *mut u8,
        size: u64,
    }

    impl FakeRing {
        fn new(size: usize) -> FakeRing {
            let pg = page_size();
            // SAFETY: memfd_create with a static name; no memory effects.
            let fd = unsafe { libc::memfd_create(c"oxbpf-ringtest".as_ptr(), libc::MFD_CLOEXEC) };
            assert!(fd >= 0);
            // SAFETY: memfd_create returned this fd.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            // SAFETY: ftruncate on our memfd.
            assert_eq!(unsafe { libc::ftruncate(fd.as_raw_fd(), (2 * pg + size) as i64) }, 0);
            // One reservation of 2 pages + 2 * size, then data mapped twice over its tail.
            let pages = Mapping::map(fd.as_fd(), 2 * pg + 2 * size, 0, true).unwrap();
            for k in 0..2 {
                // SAFETY: MAP_FIXED inside our own reservation `pages`.
                let p = unsafe {
                    crate::sys::mmap::map_raw(
                        pages.ptr().add(2 * pg + k * size) as *mut libc::c_void,
                        size,
                        libc::PROT_READ | libc::PROT_WRITE,
                        libc::MAP_SHARED | libc::MAP_FIXED,
                        fd.as_raw_fd(),
                        (2 * pg) as i64,
                    )
                };
                assert!(p.is_ok(), "{p:?}");
            }
            // SAFETY: inside the reservation.
            let data = unsafe { pages.ptr().add(2 * pg) };
            FakeRing { _fd: fd, pages, data, size: size as u64 }
        }

        fn view(&self) -> View {
            View {
                consumer: self.pages.ptr() as *mut u64,
                // SAFETY: inside the reservation.
                producer: unsafe { self.pages.ptr().add(page_size()) } as *mut u64,
                data: self.data,
                size: self.size,
            }
        }

        /// Write a record (header + bytes) at position `pos`, wrapping through the double map.
        fn put(&self, pos: u64, len_word: u32, bytes: &[u8]) {
            let off = (pos & (self.size - 1)) as usize;
            // SAFETY: off + 8 + bytes.len() <= 2 * size for the tests' records.
            unsafe {
                (self.data.add(off) as *mut u32).write(len_word);
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.data.add(off + 8), bytes.len());
            }
        }
    }

    fn collect(v: &View, n: u64) -> (Result<i64, Stop>, Vec<Vec<u8>>) {
        let got = std::rc::Rc::new(RefCell::new(Vec::new()));
        let g = got.clone();
        let cb: SampleFn = Box::new(move |r: Record<'_>| {
            g.borrow_mut().push(r.to_vec());
            0
        });
        let res = process(v, n, -1, Some(&cb));
        let out = got.borrow().clone();
        (res, out)
    }

    #[test]
    fn roundup() {
        assert_eq!(roundup_len(0), 8);
        assert_eq!(roundup_len(1), 16);
        assert_eq!(roundup_len(8), 16);
        assert_eq!(roundup_len(9), 24);
        assert_eq!(roundup_len(17 | BPF_RINGBUF_DISCARD_BIT), 32);
        assert_eq!(roundup_len(17 | BPF_RINGBUF_BUSY_BIT), 32);
    }

    #[test]
    fn fake_ring_layout_is_double_mapped() {
        let f = FakeRing::new(page_size());
        // SAFETY: both addresses are inside the fake's data area (2 * size).
        unsafe {
            f.data.write(0x5a);
            assert_eq!(f.data.add(f.size as usize).read(), 0x5a);
        }
    }

    #[test]
    fn records_discards_busy_and_wraparound() {
        let f = FakeRing::new(page_size());
        let v = f.view();
        let size = f.size;
        // Start near the end so the third record wraps around.
        let start = 3 * size - 24;
        View::store(v.consumer, start);
        let mut pos = start;
        f.put(pos, 5, b"hello");
        pos += roundup_len(5);
        f.put(pos, 3 | BPF_RINGBUF_DISCARD_BIT, b"xxx");
        pos += roundup_len(3);
        let long: Vec<u8> = (0..40u8).collect();
        f.put(pos, 40, &long);
        pos += roundup_len(40);
        f.put(pos, 4 | BPF_RINGBUF_BUSY_BIT, b"busy");
        let busy_at = pos;
        pos += roundup_len(4);
        View::store(v.producer, pos);
        let (res, got) = collect(&v, u64::MAX);
        assert_eq!(res.unwrap(), 2);
        assert_eq!(got, vec![b"hello".to_vec(), long]);
        assert_eq!(v.consumer_pos(), busy_at, "stops at the busy record");
        // Commit it: the next pass returns it.
        f.put(busy_at, 4, b"done");
        let (res, got) = collect(&v, u64::MAX);
        assert_eq!(res.unwrap(), 1);
        assert_eq!(got, vec![b"done".to_vec()]);
        assert_eq!(v.consumer_pos(), pos);
    }

    #[test]
    fn consume_n_and_callback_error() {
        let f = FakeRing::new(page_size());
        let v = f.view();
        let mut pos = 0;
        for i in 0..5u8 {
            f.put(pos, 1, &[i]);
            pos += roundup_len(1);
        }
        View::store(v.producer, pos);
        let (res, got) = collect(&v, 2);
        assert_eq!(res.unwrap(), 2);
        assert_eq!(got, vec![vec![0], vec![1]]);
        // n == 0 still hands out one record (libbpf's check comes after the callback).
        let (res, got) = collect(&v, 0);
        assert_eq!(res.unwrap(), 1);
        assert_eq!(got, vec![vec![2]]);
        let cb: SampleFn = Box::new(|r: Record<'_>| if r.to_vec() == [3] { -42 } else { 0 });
        match process(&v, u64::MAX, -1, Some(&cb)) {
            Err(Stop::Callback(-42)) => {}
            r => panic!("unexpected {r:?}"),
        }
        assert_eq!(v.consumer_pos(), 4 * 16, "consumer advanced past the failing record");
        let (res, got) = collect(&v, u64::MAX);
        assert_eq!(res.unwrap(), 1);
        assert_eq!(got, vec![vec![4]]);
    }

    #[test]
    fn corrupted_lengths_are_refused_not_read() {
        let f = FakeRing::new(page_size());
        let v = f.view();
        // A length larger than the ring.
        f.put(0, (f.size as u32) + 1, b"");
        View::store(v.producer, 4 * f.size);
        let (res, got) = collect(&v, u64::MAX);
        assert!(matches!(res, Err(Stop::Error(ref e)) if e.errno() == libc::EINVAL), "{res:?}");
        assert!(got.is_empty());
        // A length past the producer position.
        f.put(0, 64, b"");
        View::store(v.producer, 16);
        let (res, _) = collect(&v, u64::MAX);
        assert!(matches!(res, Err(Stop::Error(_))), "{res:?}");
        // A misaligned consumer position (another process scribbled on the page).
        View::store(v.consumer, 4);
        View::store(v.producer, 64);
        let (res, _) = collect(&v, u64::MAX);
        assert!(matches!(res, Err(Stop::Error(_))), "{res:?}");
    }
}
