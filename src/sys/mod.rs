//! The one place this library talks to the kernel's bpf(2).
//!
//! Every command goes through [`bpf`], which takes the command's `#[repr(C)]` attr struct and the
//! number of bytes of it that the command uses (libbpf's `offsetofend` convention: the kernel
//! rejects non-zero bytes past what it knows, so we never pass more than we fill). Fd-returning
//! commands are wrapped into `OwnedFd` by their callers.
//!
//! Tests swap the kernel for a fake with `fake::install` (per thread), so loader logic is
//! unit-tested without root; the fake exists only in builds with the `fake-kernel` feature
//! (scripts/test.sh), never in the shipped library.

use std::io;

pub mod attr;
pub mod cmd;
pub mod epoll;
#[cfg(feature = "fake-kernel")]
pub mod fake;
pub mod fdio;
pub mod file_map;
pub mod fs;
pub mod kernel;
pub mod mmap;
pub mod netlink;
pub mod perf;
pub mod pmu;
pub mod probe;
pub mod prog17;
pub mod shm;
pub mod tracefs;

pub use fdio::{read_fd_from_start, write_fd_at_start};

/// The calling thread's errno after a failed libc call (EIO if the OS reported none).
pub fn last_errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// For command-line tools: let SIGPIPE end the process, as it ends a C tool such as bpftool,
/// instead of Rust's default (ignored, so a print into a closed pipe panics with a backtrace).
/// `oxbpf ... | head` then stops quietly when `head` has read enough. Never called by the library:
/// a host program's signal dispositions are its own.
pub fn default_sigpipe() {
    // SAFETY: signal(2) with SIG_DFL installs no handler code; it only changes the disposition of
    // SIGPIPE for this process, which a tool's main owns.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `bpf(cmd, attr, size)`. `attr` must be a `#[repr(C)]` attr struct with explicit padding (all
/// bytes initialised); `size` is how many bytes of it the command uses.
pub fn bpf<A: AttrBytes>(cmd: u32, attr: &mut A, size: usize) -> io::Result<i64> {
    let size = size.min(std::mem::size_of::<A>());
    #[cfg(feature = "fake-kernel")]
    if let Some(r) = fake::dispatch(cmd, attr.bytes_mut(), size) {
        return r;
    }
    // SAFETY: `attr` is a live, exclusively borrowed, fully initialised attr struct of at least
    // `size` bytes (AttrBytes contract); the kernel reads and may write back within `size` bytes.
    let r = unsafe {
        libc::syscall(libc::SYS_bpf, cmd as libc::c_long, attr as *mut A as *mut libc::c_void, size as libc::c_long)
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// An attr struct the chokepoint may hand to the kernel.
///
/// # Safety
/// Implementors are `#[repr(C)]` with every padding byte spelled out as a field, so that all
/// `size_of::<Self>()` bytes are initialised and any byte pattern the kernel writes back is valid.
pub unsafe trait AttrBytes: Sized {
    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: per the trait contract every byte of Self is initialised and any bit pattern is
        // valid, so viewing it as a byte slice for the borrow's duration is sound.
        unsafe { std::slice::from_raw_parts_mut(self as *mut Self as *mut u8, std::mem::size_of::<Self>()) }
    }
}

/// `geteuid()`.
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// The soft `RLIMIT_MEMLOCK` in bytes; `None` when it is unlimited or cannot be read.
pub fn memlock_limit() -> Option<u64> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut lim) } != 0 || lim.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    Some(lim.rlim_cur)
}

/// Mount a BPF file system on `dir` (bpftool does so for a pin directory that is not on one).
pub fn mount_bpffs(dir: &std::path::Path) -> crate::Result<()> {
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes())
        .map_err(|_| crate::Error::inval("mount point contains a NUL byte"))?;
    // SAFETY: every pointer is a NUL-terminated string alive for the call; no data argument.
    if unsafe { libc::mount(c"bpf".as_ptr(), c.as_ptr(), c"bpf".as_ptr(), 0, std::ptr::null()) } != 0 {
        let e = io::Error::last_os_error();
        return Err(crate::Error::io(format!("can't mount a BPF file system on {}", dir.display()), &e));
    }
    Ok(())
}

/// Number of possible CPUs from `/sys/devices/system/cpu/possible` ("0-3,5"), cached once per
/// process.
pub fn possible_cpus() -> crate::Result<usize> {
    static CACHE: once_cell::sync::OnceCell<usize> = once_cell::sync::OnceCell::new();
    CACHE
        .get_or_try_init(|| {
            let path = "/sys/devices/system/cpu/possible";
            let s =
                std::fs::read_to_string(path).map_err(|e| crate::Error::io(format!("failed to read {path}"), &e))?;
            parse_cpu_list(&s).ok_or_else(|| crate::Error::inval(format!("{path}: cannot parse '{}'", s.trim())))
        })
        .copied()
}

/// Count the CPUs in a kernel CPU list ("0-3,5,7-8").
pub fn parse_cpu_list(s: &str) -> Option<usize> {
    let n = parse_cpu_mask(s)?.iter().filter(|&&on| on).count();
    (n > 0).then_some(n)
}

/// Parse a kernel CPU list ("0-3,5") into an online mask indexed by CPU.
pub fn parse_cpu_mask(s: &str) -> Option<Vec<bool>> {
    let mut mask = Vec::new();
    for part in s.trim().split(',').filter(|p| !p.is_empty()) {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse::<usize>().ok()?, b.trim().parse::<usize>().ok()?),
            None => {
                let a = part.trim().parse::<usize>().ok()?;
                (a, a)
            }
        };
        if b < a || b > 1 << 20 {
            return None;
        }
        if mask.len() <= b {
            mask.resize(b + 1, false);
        }
        mask[a..=b].iter_mut().for_each(|m| *m = true);
    }
    (!mask.is_empty()).then_some(mask)
}
