//! Perf buffers: one perf event ring per CPU (a `PERF_COUNT_SW_BPF_OUTPUT` software event,
//! or whatever `perf_event_attr` the caller gives), each installed in a
//! `BPF_MAP_TYPE_PERF_EVENT_ARRAY` slot so `bpf_perf_event_output()` reaches it, read through
//! one epoll instance — libbpf 1.5's `perf_buffer__*`.
//!
//! Each ring's mmap is one metadata page (`struct perf_event_mmap_page`: the kernel publishes
//! `data_head` at offset 1024, user space consumes by storing `data_tail` at 1032) followed by
//! `page_cnt` data pages. Records (`struct perf_event_header`: `u32 type`, `u16 misc`,
//! `u16 size`) are 8-byte aligned and may wrap around the end of the data area; such a record
//! is copied into an 8-byte-aligned private buffer before it is handed out, as libbpf does.

use super::{page_size, Epoll, Mapping, Record};
use crate::caller::CallerFd;
use crate::error::{Error, Result};
use crate::sys::attr::{self, bpf_map_info};
use crate::sys::cmd;
use crate::sys::perf::{RawAttr, PERF_EVENT_IOC_DISABLE, PERF_EVENT_IOC_ENABLE};
use crate::uapi;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};

/// `enum bpf_perf_event_ret`.
pub const LIBBPF_PERF_EVENT_DONE: i32 = 0;
pub const LIBBPF_PERF_EVENT_ERROR: i32 = -1;
pub const LIBBPF_PERF_EVENT_CONT: i32 = -2;

const PERF_RECORD_LOST: u32 = 2;
const PERF_RECORD_SAMPLE: u32 = 9;
const PERF_TYPE_SOFTWARE: u32 = 1;
const PERF_COUNT_SW_BPF_OUTPUT: u64 = 10;
const PERF_SAMPLE_RAW: u64 = 1 << 10;
/// Offsets in `struct perf_event_mmap_page`.
const DATA_HEAD_OFF: usize = 1024;
const DATA_TAIL_OFF: usize = 1032;

pub use crate::sys::perf::PerfEventAttr;

/// Raw record callback: CPU and the whole record; returns a `bpf_perf_event_ret`.
pub type EventFn = Box<dyn Fn(i32, Record<'_>) -> i32>;
/// Sample callback: CPU and the raw payload.
pub type PerfSampleFn = Box<dyn Fn(i32, Record<'_>)>;
/// Loss callback: CPU and how many records were dropped.
pub type LostFn = Box<dyn Fn(i32, u64)>;

/// What a perf buffer does with records.
pub enum Callbacks {
    /// Every record as it is (header included), with the CPU; the return value is a
    /// `bpf_perf_event_ret` (`CONT` goes on).
    Raw(EventFn),
    /// `PERF_RECORD_SAMPLE` payloads to `sample` (CPU, raw data as the kernel padded it) and
    /// `PERF_RECORD_LOST` counts to `lost`; other record types are an error.
    Sample { sample: Option<PerfSampleFn>, lost: Option<LostFn> },
}

/// One CPU's ring.
struct CpuBuf {
    /// The metadata page plus the data pages.
    mapping: Mapping,
    fd: OwnedFd,
    cpu: i32,
    map_key: i32,
}

impl Drop for CpuBuf {
    fn drop(&mut self) {
        let _ = crate::sys::perf::ioctl(self.fd.as_fd(), PERF_EVENT_IOC_DISABLE, 0);
        // `mapping` then `fd` drop after this: munmap, close (libbpf's order).
    }
}

/// `struct perf_buffer`.
pub struct PerfBuffer {
    cbs: Callbacks,
    page_size: usize,
    /// Data bytes per ring (page_cnt pages).
    mmap_size: usize,
    cpu_bufs: Vec<CpuBuf>,
    epoll: Epoll,
    /// The caller's PERF_EVENT_ARRAY (libbpf's contract: open while the perf buffer exists).
    map_fd: CallerFd,
}

/// How buffers are laid out over CPUs.
pub enum Cpus {
    /// One per online CPU among the possible ones (capped by the map's size), slot = CPU.
    Online,
    /// Exactly these `(cpu, map slot)` pairs (`perf_buffer_raw_opts.cpus`/`map_keys`).
    Explicit(Vec<(i32, i32)>),
}

pub use crate::sys::parse_cpu_mask;

fn online_cpus() -> Result<Vec<bool>> {
    let path = "/sys/devices/system/cpu/online";
    let s =
        std::fs::read_to_string(path).map_err(|e| Error::io(format!("failed to get online CPU mask: {path}"), &e))?;
    parse_cpu_mask(&s)
        .ok_or_else(|| Error::inval(format!("failed to get online CPU mask: cannot parse '{}'", s.trim())))
}

impl PerfBuffer {
    /// `perf_buffer__new`: `PERF_COUNT_SW_BPF_OUTPUT` rings of `page_cnt` pages on every
    /// online CPU, waking up every `sample_period` samples (0 means 1).
    pub fn new(map_fd: CallerFd, page_cnt: usize, sample_period: u32, cbs: Callbacks) -> Result<PerfBuffer> {
        let period = u64::from(sample_period.max(1));
        let attr = PerfEventAttr {
            type_: PERF_TYPE_SOFTWARE,
            size: std::mem::size_of::<PerfEventAttr>() as u32,
            config: PERF_COUNT_SW_BPF_OUTPUT,
            sample_period: period,
            sample_type: PERF_SAMPLE_RAW,
            wakeup_events: period as u32,
            ..Default::default()
        };
        Self::new_raw(map_fd, page_cnt, &mut RawAttr::from_attr(&attr), cbs, Cpus::Online)
    }

    /// `perf_buffer__new_raw` / the common part of both constructors: one event per CPU opened
    /// with `attr` (the kernel may write its `size` back: E2BIG).
    pub fn new_raw(
        map_fd: CallerFd,
        page_cnt: usize,
        attr: &mut RawAttr,
        cbs: Callbacks,
        cpus: Cpus,
    ) -> Result<PerfBuffer> {
        if page_cnt == 0 || !page_cnt.is_power_of_two() {
            return Err(Error::inval(format!("page count should be power of two, but is {page_cnt}")));
        }
        let mut info = bpf_map_info::default();
        let mut len = std::mem::size_of::<bpf_map_info>() as u32;
        // SAFETY: `info` is a writable bpf_map_info of `len` bytes without nested buffers; the
        // fd is only a number for the kernel.
        let have_info =
            match unsafe { cmd::raw::obj_get_info(map_fd.raw(), &mut info as *mut bpf_map_info as u64, &mut len) } {
                Ok(()) => true,
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                    crate::pr_debug!("failed to get map info for FD {}; API not supported? Ignoring...", map_fd);
                    false
                }
                Err(e) => {
                    let errno = e.raw_os_error().unwrap_or(libc::EIO);
                    return Err(Error::new(
                        errno,
                        format!("failed to get map info for map FD {map_fd}: {}", crate::error::errstr(errno)),
                    ));
                }
            };
        if have_info && info.type_ != uapi::BPF_MAP_TYPE_PERF_EVENT_ARRAY {
            return Err(Error::inval(format!(
                "map '{}' should be BPF_MAP_TYPE_PERF_EVENT_ARRAY",
                attr::name_str(&info.name)
            )));
        }
        let pg = page_size();
        let mmap_size = pg
            .checked_mul(page_cnt)
            .filter(|s| s.checked_add(pg).is_some())
            .ok_or_else(|| Error::inval(format!("page count {page_cnt} is too large")))?;
        let epoll = Epoll::new().map_err(|e| {
            Error::new(e.errno(), format!("failed to create epoll instance: {}", crate::error::errstr(e.errno())))
        })?;
        let mut pb = PerfBuffer { cbs, page_size: pg, mmap_size, cpu_bufs: Vec::new(), epoll, map_fd };
        let explicit = matches!(cpus, Cpus::Explicit(_));
        let plan: Vec<(i32, i32)> = match cpus {
            Cpus::Explicit(v) => v,
            Cpus::Online => {
                let mut n = crate::sys::possible_cpus()?;
                if info.max_entries != 0 && (info.max_entries as usize) < n {
                    n = info.max_entries as usize;
                }
                (0..n as i32).map(|c| (c, c)).collect()
            }
        };
        let online = online_cpus()?;
        for (cpu, key) in plan {
            if !explicit && online.get(cpu as usize) != Some(&true) {
                continue;
            }
            let buf = pb.open_cpu_buf(attr, cpu, key)?;
            let fd = buf.fd.as_raw_fd();
            let idx = pb.cpu_bufs.len() as u64;
            pb.cpu_bufs.push(buf);
            // SAFETY: key and value are 4-byte ints alive for the call, the sizes of a
            // PERF_EVENT_ARRAY's key and value.
            unsafe {
                cmd::raw::map_elem(
                    uapi::BPF_MAP_UPDATE_ELEM,
                    map_fd.raw(),
                    &key as *const i32 as u64,
                    &fd as *const i32 as u64,
                    0,
                )
            }
            .map_err(|e| {
                let errno = e.raw_os_error().unwrap_or(libc::EIO);
                Error::new(
                    errno,
                    format!("failed to set cpu #{cpu}, key {key} -> perf FD {fd}: {}", crate::error::errstr(errno)),
                )
            })?;
            pb.epoll.add(fd, libc::EPOLLIN as u32, idx).map_err(|e| {
                Error::new(
                    e.errno(),
                    format!("failed to epoll_ctl cpu #{cpu} perf FD {fd}: {}", crate::error::errstr(e.errno())),
                )
            })?;
        }
        Ok(pb)
    }

    fn open_cpu_buf(&self, attr: &mut RawAttr, cpu: i32, map_key: i32) -> Result<CpuBuf> {
        let fd = crate::sys::perf::open_attr(attr, -1, cpu, -1).map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            Error::new(
                errno,
                format!("failed to open perf buffer event on cpu #{cpu}: {}", crate::error::errstr(errno)),
            )
        })?;
        let mapping = Mapping::map(fd.as_fd(), self.mmap_size + self.page_size, 0, true).map_err(|e| {
            Error::new(
                e.errno(),
                format!("failed to mmap perf buffer on cpu #{cpu}: {}", crate::error::errstr(e.errno())),
            )
        })?;
        let buf = CpuBuf { mapping, fd, cpu, map_key };
        if let Err(e) = crate::sys::perf::ioctl(buf.fd.as_fd(), PERF_EVENT_IOC_ENABLE, 0) {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            return Err(Error::new(
                errno,
                format!("failed to enable perf buffer event on cpu #{cpu}: {}", crate::error::errstr(errno)),
            ));
        }
        Ok(buf)
    }

    /// Hand one record to the callbacks (libbpf's `perf_buffer__process_record`).
    fn process_record(&self, cpu: i32, rec: Record<'_>) -> i32 {
        let (sample_cb, lost_cb) = match &self.cbs {
            Callbacks::Raw(cb) => return cb(cpu, rec),
            Callbacks::Sample { sample, lost } => (sample, lost),
        };
        let p = rec.as_ptr();
        let len = rec.len();
        // SAFETY: records are at least 8 bytes (checked by the reader) and 4-byte aligned
        // (8-aligned in the ring or the copy buffer); type is the first u32.
        let ty = unsafe { (p as *const u32).read() };
        match ty {
            PERF_RECORD_SAMPLE => {
                if len < 12 {
                    crate::pr_warn!("perf buffer on cpu #{}: truncated sample record ({} bytes)", cpu, len);
                    return LIBBPF_PERF_EVENT_ERROR;
                }
                // SAFETY: 12 <= len; the raw size is the u32 after the 8-byte header.
                let size = unsafe { (p.add(8) as *const u32).read() } as usize;
                if size > len - 12 {
                    crate::pr_warn!("perf buffer on cpu #{}: sample of {} bytes in a {}-byte record", cpu, size, len);
                    return LIBBPF_PERF_EVENT_ERROR;
                }
                if let Some(cb) = sample_cb {
                    // SAFETY: [12, 12 + size) lies inside the record (checked above), which
                    // stays valid for the callback (Record contract).
                    cb(cpu, unsafe { Record::new(p.add(12), size) });
                }
            }
            PERF_RECORD_LOST => {
                if len < 24 {
                    crate::pr_warn!("perf buffer on cpu #{}: truncated lost record ({} bytes)", cpu, len);
                    return LIBBPF_PERF_EVENT_ERROR;
                }
                // SAFETY: 24 <= len and the record is 8-aligned: `lost` is the u64 at 16.
                let lost = unsafe { (p.add(16) as *const u64).read() };
                if let Some(cb) = lost_cb {
                    cb(cpu, lost);
                }
            }
            t => {
                crate::pr_warn!("unknown perf sample type {}", t);
                return LIBBPF_PERF_EVENT_ERROR;
            }
        }
        LIBBPF_PERF_EVENT_CONT
    }

    /// Read every record of buffer `idx` (libbpf's `perf_event_read_simple` +
    /// `perf_buffer__process_records`): 0 when all were handled (or a callback said DONE),
    /// else the callback's or the reader's negative `bpf_perf_event_ret`.
    fn process_records(&self, idx: usize) -> i32 {
        let Some(b) = self.cpu_bufs.get(idx) else { return -libc::ENOENT };
        let base = b.mapping.ptr();
        let size = self.mmap_size as u64;
        // SAFETY: both words are 8-aligned inside the metadata page of our mapping; the kernel
        // publishes data_head with a release barrier (smp_wmb) and reads data_tail.
        let (head_a, tail_a) = unsafe {
            (
                AtomicU64::from_ptr(base.add(DATA_HEAD_OFF) as *mut u64),
                AtomicU64::from_ptr(base.add(DATA_TAIL_OFF) as *mut u64),
            )
        };
        let head = head_a.load(Ordering::Acquire);
        let mut tail = tail_a.load(Ordering::Relaxed);
        // SAFETY: the data area starts one page into the mapping.
        let data = unsafe { base.add(self.page_size) };
        let mut ret = LIBBPF_PERF_EVENT_CONT;
        while head != tail {
            let off = (tail & (size - 1)) as usize;
            let avail = head.wrapping_sub(tail);
            if off % 8 != 0 || avail < 8 {
                crate::pr_warn!("perf buffer on cpu #{}: corrupted ring (tail {}, head {})", b.cpu, tail, head);
                ret = LIBBPF_PERF_EVENT_ERROR;
                break;
            }
            // SAFETY: off is 8-aligned and < size, so the 8-byte header lies inside the data
            // area; `size` is the u16 at offset 6.
            let rec_size = unsafe { (data.add(off + 6) as *const u16).read() } as usize;
            if rec_size < 8 || rec_size as u64 > avail || rec_size as u64 > size {
                crate::pr_warn!("perf buffer on cpu #{}: corrupted record of {} bytes at {}", b.cpu, rec_size, tail);
                ret = LIBBPF_PERF_EVENT_ERROR;
                break;
            }
            ret = if off + rec_size > self.mmap_size {
                // Wraps around: copy both parts into an 8-aligned buffer.
                let first = self.mmap_size - off;
                let mut copy = vec![0u64; rec_size.div_ceil(8)];
                let dst = copy.as_mut_ptr() as *mut u8;
                // SAFETY: [off, mmap_size) and [0, rec_size - first) are inside the data area;
                // `copy` holds at least rec_size bytes and does not overlap the mapping.
                unsafe {
                    std::ptr::copy_nonoverlapping(data.add(off), dst, first);
                    std::ptr::copy_nonoverlapping(data, dst.add(first), rec_size - first);
                }
                // SAFETY: `copy` lives until after the callback returns.
                self.process_record(b.cpu, unsafe { Record::new(dst, rec_size) })
            } else {
                // SAFETY: [off, off + rec_size) is inside the data area, between tail and head,
                // which the kernel does not write until data_tail passes it.
                self.process_record(b.cpu, unsafe { Record::new(data.add(off), rec_size) })
            };
            tail = tail.wrapping_add(rec_size as u64);
            if ret != LIBBPF_PERF_EVENT_CONT {
                break;
            }
        }
        tail_a.store(tail, Ordering::Release);
        if ret != LIBBPF_PERF_EVENT_CONT {
            ret
        } else {
            0
        }
    }

    /// `perf_buffer__poll`: wait up to `timeout_ms` for data, then read the ready buffers.
    /// Returns how many buffers were ready, or the first processing error.
    pub fn poll(&self, timeout_ms: i32) -> Result<i32, i32> {
        let ready = self.epoll.wait(self.cpu_bufs.len(), timeout_ms).map_err(|e| -e.errno())?;
        for &idx in &ready {
            let err = self.process_records(idx as usize);
            if err != 0 {
                crate::pr_warn!("error while processing records: {}", crate::error::errstr(err));
                return Err(err);
            }
        }
        Ok(ready.len() as i32)
    }

    /// `perf_buffer__consume`: read every buffer without waiting.
    pub fn consume(&self) -> Result<(), i32> {
        for i in 0..self.cpu_bufs.len() {
            let err = self.process_records(i);
            if err != 0 {
                crate::pr_warn!(
                    "perf_buffer: failed to process records in buffer #{}: {}",
                    i,
                    crate::error::errstr(err)
                );
                return Err(err);
            }
        }
        Ok(())
    }

    /// `perf_buffer__consume_buffer`: read buffer `idx` without waiting (`-EINVAL` past the
    /// end).
    pub fn consume_buffer(&self, idx: usize) -> Result<i32> {
        if idx >= self.cpu_bufs.len() {
            return Err(Error::quiet(libc::EINVAL));
        }
        Ok(self.process_records(idx))
    }

    /// Number of buffers opened (`perf_buffer__buffer_cnt`).
    pub fn buffer_cnt(&self) -> usize {
        self.cpu_bufs.len()
    }

    /// The perf event fd of buffer `idx`.
    pub fn buffer_fd(&self, idx: usize) -> Result<RawFd> {
        self.cpu_bufs.get(idx).map(|b| b.fd.as_raw_fd()).ok_or(Error::quiet(libc::EINVAL))
    }

    /// The mmap of buffer `idx` (metadata page first) and its data size.
    pub fn buffer(&self, idx: usize) -> Result<(*mut u8, usize)> {
        self.cpu_bufs.get(idx).map(|b| (b.mapping.ptr(), self.mmap_size)).ok_or(Error::quiet(libc::EINVAL))
    }

    /// The CPU of buffer `idx`.
    pub fn buffer_cpu(&self, idx: usize) -> Option<i32> {
        self.cpu_bufs.get(idx).map(|b| b.cpu)
    }

    pub fn epoll_fd(&self) -> RawFd {
        self.epoll.raw_fd()
    }
}

impl Drop for PerfBuffer {
    fn drop(&mut self) {
        for b in self.cpu_bufs.drain(..) {
            let key = b.map_key;
            // SAFETY: the key is a 4-byte int alive for the call (a PERF_EVENT_ARRAY's key
            // size); the result is ignored as in libbpf.
            let _ = unsafe {
                cmd::raw::map_elem(uapi::BPF_MAP_DELETE_ELEM, self.map_fd.raw(), &key as *const i32 as u64, 0, 0)
            };
            drop(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_masks() {
        assert_eq!(parse_cpu_mask("0-1\n"), Some(vec![true, true]));
        assert_eq!(parse_cpu_mask("0,2-3"), Some(vec![true, false, true, true]));
        assert_eq!(parse_cpu_mask("3"), Some(vec![false, false, false, true]));
        assert_eq!(parse_cpu_mask(""), None);
        assert_eq!(parse_cpu_mask("2-1"), None);
        assert_eq!(parse_cpu_mask("x"), None);
    }

    #[test]
    fn page_count_must_be_power_of_two() {
        // SAFETY: a negative fd is never borrowed.
        let no_map = unsafe { CallerFd::new(-1) };
        for n in [0usize, 3, 6] {
            let e = PerfBuffer::new(no_map, n, 1, Callbacks::Sample { sample: None, lost: None }).err().unwrap();
            assert_eq!(e.errno(), libc::EINVAL);
            assert_eq!(e.message(), format!("page count should be power of two, but is {n}"));
        }
    }
}
