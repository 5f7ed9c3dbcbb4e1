//! A per-thread stand-in for the kernel: when a handler is installed on the current thread, every
//! [`super::bpf`] call on that thread goes to it instead of the syscall, and likewise
//! perf_event_open(2) and the perf ioctls ([`install_perf`], through `sys::perf`) and mmap/munmap
//! ([`install_mmap`], through `sys::mmap`'s chokepoint). Tests use it to drive loader paths
//! (module BTF, failure injection) that this machine's kernel cannot exercise.

use std::cell::RefCell;
use std::io;

/// Receives `(cmd, attr bytes, size)`; may write into the attr bytes like the kernel does.
pub type Handler = Box<dyn FnMut(u32, &mut [u8], usize) -> io::Result<i64>>;

thread_local! {
    static HANDLER: RefCell<Option<Handler>> = const { RefCell::new(None) };
}

/// Route this thread's bpf(2) calls to `h` until the returned guard drops.
pub fn install(h: Handler) -> Guard {
    HANDLER.with(|c| *c.borrow_mut() = Some(h));
    Guard(())
}

/// Removes the fake when dropped.
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        HANDLER.with(|c| *c.borrow_mut() = None);
    }
}

pub(super) fn dispatch(cmd: u32, attr: &mut [u8], size: usize) -> Option<io::Result<i64>> {
    HANDLER.with(|c| c.borrow_mut().as_mut().map(|h| h(cmd, attr, size)))
}

/// A perf call the fake sees: `perf_event_open(2)` (the attr's bytes as passed, up to its
/// `size` field) or one of the perf ioctls (`PERF_EVENT_IOC_ENABLE`, `_DISABLE`, `_SET_BPF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PerfCall {
    Open { attr: Vec<u8>, pid: i32, cpu: i32, group_fd: i32, flags: u64 },
    Ioctl { fd: i32, req: libc::c_ulong, arg: libc::c_ulong },
}

/// Answers a perf call: for `Open` the new fd (which the library then owns and closes: hand it
/// a real one, e.g. an eventfd) or the errno; for `Ioctl` its return value or errno.
pub type PerfHandler = Box<dyn FnMut(&PerfCall) -> io::Result<i64>>;

/// A memory-mapping call the fake sees (every `mmap`/`munmap` of the library goes through
/// `sys::mmap`'s chokepoint). `fd` is -1 for anonymous mappings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemCall {
    Map { addr: usize, len: usize, prot: i32, flags: i32, fd: i32, offset: i64 },
    Unmap { addr: usize, len: usize },
}

/// What the fake does with a `MemCall::Map` (its answer to `Unmap` is ignored: unmapping is
/// always real, so observed mappings are really gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MmapAnswer {
    /// Make the call as asked.
    Real,
    /// Map zero-filled shared anonymous memory of the same length, protection and placement
    /// (same address hint, same MAP_FIXED or MAP_FIXED_NOREPLACE) instead of the fd: for fds
    /// a fake kernel handed out, which the real kernel cannot map.
    Anonymous,
    /// Fail with this errno, mapping nothing.
    Fail(i32),
}

/// Decides each memory-mapping call.
pub type MmapHandler = Box<dyn FnMut(&MemCall) -> MmapAnswer>;

thread_local! {
    static PERF: RefCell<Option<PerfHandler>> = const { RefCell::new(None) };
    static MMAP: RefCell<Option<MmapHandler>> = const { RefCell::new(None) };
}

/// Route this thread's perf_event_open(2) calls and perf ioctls to `h` until the guard drops.
pub fn install_perf(h: PerfHandler) -> PerfGuard {
    PERF.with(|c| *c.borrow_mut() = Some(h));
    PerfGuard(())
}

/// Removes the perf fake when dropped.
pub struct PerfGuard(());

impl Drop for PerfGuard {
    fn drop(&mut self) {
        PERF.with(|c| *c.borrow_mut() = None);
    }
}

/// Route this thread's mmap/munmap calls through `h` until the guard drops.
pub fn install_mmap(h: MmapHandler) -> MmapGuard {
    MMAP.with(|c| *c.borrow_mut() = Some(h));
    MmapGuard(())
}

/// Removes the mmap fake when dropped.
pub struct MmapGuard(());

impl Drop for MmapGuard {
    fn drop(&mut self) {
        MMAP.with(|c| *c.borrow_mut() = None);
    }
}

pub(super) fn dispatch_perf(call: &PerfCall) -> Option<io::Result<i64>> {
    PERF.with(|c| c.borrow_mut().as_mut().map(|h| h(call)))
}

/// `None` without a fake (or for `Unmap`): make the real call.
pub(super) fn dispatch_mem(call: &MemCall) -> Option<MmapAnswer> {
    MMAP.with(|c| c.borrow_mut().as_mut().map(|h| h(call)))
}
