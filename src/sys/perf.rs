//! perf_event_open(2): the one place this library opens perf events (probe PMUs, tracepoints,
//! BPF output rings).

use std::ffi::c_void;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

/// `_IO('$', 0)`.
pub const PERF_EVENT_IOC_ENABLE: libc::c_ulong = 0x2400;
/// `_IO('$', 1)`.
pub const PERF_EVENT_IOC_DISABLE: libc::c_ulong = 0x2401;
/// `_IOW('$', 8, __u32)`.
pub const PERF_EVENT_IOC_SET_BPF: libc::c_ulong = 0x4004_2408;
/// Open the fd close-on-exec.
pub const PERF_FLAG_FD_CLOEXEC: libc::c_ulong = 1 << 3;

/// `struct perf_event_attr` as of `PERF_ATTR_SIZE_VER8` (136 bytes). Only what this library
/// sets is named; the rest stays zero (the kernel accepts any published size).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct PerfEventAttr {
    pub type_: u32,
    pub size: u32,
    pub config: u64,
    pub sample_period: u64,
    pub sample_type: u64,
    pub read_format: u64,
    /// The `disabled:1, inherit:1, ...` bitfield word.
    pub flags: u64,
    pub wakeup_events: u32,
    pub bp_type: u32,
    /// `kprobe_func` / `uprobe_path` (a pointer to a C string).
    pub config1: u64,
    /// `kprobe_addr` / `probe_offset`.
    pub config2: u64,
    pub rest: [u64; 8],
}
const _: () = assert!(std::mem::size_of::<PerfEventAttr>() == 136);
const _: () = assert!(std::mem::offset_of!(PerfEventAttr, wakeup_events) == 48);
const _: () = assert!(std::mem::offset_of!(PerfEventAttr, config1) == 56);

/// The first published `perf_event_attr` size (`PERF_ATTR_SIZE_VER0`), which the kernel assumes
/// when `size` is 0.
const PERF_ATTR_SIZE_VER0: usize = 64;
/// The most `perf_event_open` reads: a larger `size` is refused with E2BIG (one page).
const PERF_ATTR_SIZE_MAX: usize = 4096;

/// An owned copy of a `perf_event_attr` of any published size, exactly as many bytes as the
/// kernel reads from it (`perf_buffer__new_raw` copies the caller's attr into one, so no caller
/// address reaches the core). The kernel may write `size` back into it (E2BIG).
#[derive(Debug, Clone)]
pub struct RawAttr {
    /// 8-byte aligned storage: the attr's bytes (as many as the kernel reads of it), then
    /// zeros up to at least the size of [`PerfEventAttr`].
    words: Vec<u64>,
}

impl RawAttr {
    /// How many bytes of an attr whose `size` field says `size` the kernel reads: `size` for
    /// a size it accepts (0 meaning 64), else only the 8 bytes up to and including `size`
    /// (the kernel reads the field, refuses the call with E2BIG and writes its own size back).
    pub fn read_len(size: u32) -> usize {
        match size as usize {
            0 => PERF_ATTR_SIZE_VER0,
            s if (PERF_ATTR_SIZE_VER0..=PERF_ATTR_SIZE_MAX).contains(&s) => s,
            _ => 8,
        }
    }

    /// The attr whose bytes are `bytes` (its `size` field included; `bytes.len()` should be
    /// [`RawAttr::read_len`] of it).
    pub fn from_bytes(bytes: &[u8]) -> RawAttr {
        // At least the 136 bytes of `PerfEventAttr`, zero past the copied bytes.
        let cap = bytes.len().max(std::mem::size_of::<PerfEventAttr>());
        let mut words = vec![0u64; cap.div_ceil(8)];
        for (w, chunk) in words.iter_mut().zip(bytes.chunks(8)) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            *w = u64::from_ne_bytes(b);
        }
        RawAttr { words }
    }

    /// Our own attr, with `size` set to its length.
    pub fn from_attr(attr: &PerfEventAttr) -> RawAttr {
        let mut a = *attr;
        a.size = std::mem::size_of::<PerfEventAttr>() as u32;
        // SAFETY: PerfEventAttr is repr(C), 136 bytes of integers with no padding (asserted
        // above), so every byte is initialised; the view lives only for this call.
        let bytes = unsafe {
            std::slice::from_raw_parts(&a as *const PerfEventAttr as *const u8, std::mem::size_of::<PerfEventAttr>())
        };
        RawAttr::from_bytes(bytes)
    }

    /// The `size` field (the kernel may have written it back).
    pub fn size(&self) -> u32 {
        let b = self.words[0].to_ne_bytes();
        u32::from_ne_bytes([b[4], b[5], b[6], b[7]])
    }
}

/// `perf_event_open(attr, pid, cpu, group_fd, FD_CLOEXEC)` on an owned attr copy. Pointers
/// stored in the attr (a probe PMU's `config1` string) are numbers to this library: they are
/// the concern of whoever filled the attr (libbpf's contract for `perf_buffer__new_raw`).
pub fn open_attr(attr: &mut RawAttr, pid: i32, cpu: i32, group_fd: i32) -> io::Result<OwnedFd> {
    // SAFETY: `attr.words` holds at least `read_len(size)` bytes (every byte the kernel reads
    // from it, see `RawAttr::from_bytes`) and is exclusively borrowed, so the kernel may write
    // `size` back into it.
    unsafe { open_raw(attr.words.as_mut_ptr() as *mut c_void, pid, cpu, group_fd) }
}

/// `perf_event_open(attr, pid, cpu, group_fd, FD_CLOEXEC)` with a caller-supplied attr.
///
/// # Safety
/// `attr` must point to a valid `struct perf_event_attr` of at least its `size` field's bytes
/// (the kernel may write `size` back); pointers stored in it (config1) must be valid C strings
/// for the duration of the call.
pub unsafe fn open_raw(attr: *mut c_void, pid: i32, cpu: i32, group_fd: i32) -> io::Result<OwnedFd> {
    #[cfg(feature = "fake-kernel")]
    {
        // SAFETY: the caller vouches for `attr`: a perf_event_attr of at least `size` bytes.
        let attr_bytes = unsafe { fake_attr_bytes(attr) };
        let call = super::fake::PerfCall::Open { attr: attr_bytes, pid, cpu, group_fd, flags: PERF_FLAG_FD_CLOEXEC };
        if let Some(r) = super::fake::dispatch_perf(&call) {
            // SAFETY: the fake hands over an fd it created for us to own.
            return r.map(|fd| unsafe { OwnedFd::from_raw_fd(fd as i32) });
        }
    }
    // SAFETY: the caller vouches for `attr`; the other arguments are plain integers.
    let r = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            attr,
            pid as libc::c_long,
            cpu as libc::c_long,
            group_fd as libc::c_long,
            PERF_FLAG_FD_CLOEXEC,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: perf_event_open returned a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(r as i32) })
}

/// The bytes of a caller's perf_event_attr as the kernel would read them: `size` bytes (the
/// first published size, 64, when it says 0; at most one page).
///
/// # Safety
/// `attr` points to a perf_event_attr of at least its `size` field's bytes (64 when 0).
#[cfg(feature = "fake-kernel")]
unsafe fn fake_attr_bytes(attr: *mut c_void) -> Vec<u8> {
    // SAFETY: `size` is the u32 at offset 4 of any perf_event_attr.
    let size = unsafe { (attr as *const u8).add(4).cast::<u32>().read_unaligned() } as usize;
    let size = if size == 0 { 64 } else { size.min(4096) };
    // SAFETY: the caller's contract covers `size` bytes.
    unsafe { std::slice::from_raw_parts(attr as *const u8, size) }.to_vec()
}

/// [`open_raw`] for our own attr (its `size` is set here), no group.
///
/// # Safety
/// Pointers stored in `attr` (config1) must be valid C strings for the duration of the call.
pub unsafe fn open(attr: &mut PerfEventAttr, pid: i32, cpu: i32) -> io::Result<OwnedFd> {
    attr.size = std::mem::size_of::<PerfEventAttr>() as u32;
    // SAFETY: `attr` is a live, initialised PerfEventAttr of `size` bytes; the caller vouches
    // for the pointers in it.
    unsafe { open_raw(attr as *mut PerfEventAttr as *mut c_void, pid, cpu, -1) }
}

/// A perf event ioctl that takes an integer argument or none (`PERF_EVENT_IOC_ENABLE`,
/// `_DISABLE`, `_SET_BPF` with a program fd).
pub fn ioctl(fd: std::os::fd::BorrowedFd<'_>, req: libc::c_ulong, arg: libc::c_ulong) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    #[cfg(feature = "fake-kernel")]
    {
        let call = super::fake::PerfCall::Ioctl { fd: fd.as_raw_fd(), req, arg };
        if let Some(r) = super::fake::dispatch_perf(&call) {
            return r.map(|_| ());
        }
    }
    // SAFETY: these perf ioctls take an integer argument (or none); no memory is passed, and
    // the fd is borrowed for the call.
    if unsafe { libc::ioctl(fd.as_raw_fd(), req, arg) } < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod raw_attr_tests {
    use super::*;

    #[test]
    fn read_len_follows_the_kernels_size_rules() {
        assert_eq!(RawAttr::read_len(0), 64);
        assert_eq!(RawAttr::read_len(64), 64);
        assert_eq!(RawAttr::read_len(136), 136);
        assert_eq!(RawAttr::read_len(4096), 4096);
        // Refused sizes: only the fields up to `size` are read.
        assert_eq!(RawAttr::read_len(63), 8);
        assert_eq!(RawAttr::read_len(4097), 8);
        assert_eq!(RawAttr::read_len(u32::MAX), 8);
    }

    #[test]
    fn copies_keep_the_bytes_and_size() {
        let attr = PerfEventAttr { type_: 1, config: 10, sample_period: 3, config1: 0xdead, ..Default::default() };
        // `words` is what `open_attr` hands the kernel (tests/fake_perf_mmap.rs checks the
        // bytes a fake kernel reads from it, for our attr and for a caller's odd-sized one).
        let raw = RawAttr::from_attr(&attr);
        assert_eq!(raw.size(), 136);
        assert_eq!(raw.words[0], u64::from_ne_bytes([1, 0, 0, 0, 136, 0, 0, 0]), "type and size");
        assert_eq!((raw.words[1], raw.words[2], raw.words[7]), (10, 3, 0xdead), "config, sample_period, config1");
        // A caller's short or odd-sized attr: exactly its bytes, zero beyond.
        let mut odd = vec![0xabu8; 72];
        odd[4..8].copy_from_slice(&72u32.to_ne_bytes());
        let raw = RawAttr::from_bytes(&odd);
        assert_eq!(raw.size(), 72);
        let want: Vec<u64> = odd.chunks(8).map(|c| u64::from_ne_bytes(c.try_into().unwrap())).collect();
        assert_eq!(raw.words[..9], want[..]);
        assert!(raw.words.len() * 8 >= 136);
        assert!(raw.words[9..].iter().all(|&w| w == 0));
    }
}
