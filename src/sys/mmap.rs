//! Anonymous memory regions backing global-data maps before load.
//!
//! Once its address is needed (`crate::object::databuf` decides when), a
//! `.data`/`.rodata`/`.bss`/`.kconfig` map's contents live in an anonymous mapping; skeletons
//! store its address in `*mmaped` and C writes to it directly. At load the kernel map is mapped
//! over the same address (`MAP_FIXED`, shared), so pointers taken before load stay valid.
//! libbpf makes the pre-load mapping `MAP_SHARED`, which costs the kernel a shmem file (an inode
//! and a dentry made at mmap and torn down at munmap: about a tenth of an open's CPU); this
//! library makes it `MAP_PRIVATE`. The difference shows only to a process that forks between
//! open and load: the child's writes to the region before load stay its own. [`Region`] owns
//! such a mapping; because C writes to it at any time, Rust never forms long-lived references
//! into it: reads and writes copy through raw pointers on demand.

use crate::error::{Error, Result};

pub struct Region {
    ptr: *mut u8,
    len: usize,
    /// Heap memory from [`Region::heap`] rather than a mapping.
    heap: bool,
    /// Whether the whole region may be written (not a read-only map of a kernel map).
    writable: bool,
}

/// Alignment of a [`Region::heap`] buffer (at least any C type's).
const HEAP_ALIGN: usize = 16;

// SAFETY: Region is a plain owned mapping; nothing is thread-affine.
unsafe impl Send for Region {}
// SAFETY: Region's methods that read/write take &self/&mut self and copy; concurrent C writes are
// the caller's responsibility exactly as with libbpf.
unsafe impl Sync for Region {}

/// `mmap(2)`: every mapping this library makes goes through here (the fake kernel's hook).
/// Returns the mapping's address or the errno.
///
/// # Safety
/// As mmap(2) itself: with `MAP_FIXED`, `[addr, addr + len)` must be memory the caller owns and
/// may replace; `fd` must be open (or -1 with `MAP_ANONYMOUS`).
pub unsafe fn map_raw(
    addr: *mut libc::c_void,
    len: usize,
    prot: i32,
    flags: i32,
    fd: std::os::fd::RawFd,
    offset: libc::off_t,
) -> std::io::Result<*mut libc::c_void> {
    #[cfg(feature = "fake-kernel")]
    let (flags, fd, offset) = {
        use super::fake::{MemCall, MmapAnswer};
        let call = MemCall::Map { addr: addr as usize, len, prot, flags, fd, offset };
        match super::fake::dispatch_mem(&call) {
            None | Some(MmapAnswer::Real) => (flags, fd, offset),
            Some(MmapAnswer::Fail(e)) => return Err(std::io::Error::from_raw_os_error(e)),
            Some(MmapAnswer::Anonymous) => {
                let keep = libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE;
                ((flags & keep) | libc::MAP_SHARED | libc::MAP_ANONYMOUS, -1, 0)
            }
        }
    };
    // SAFETY: forwarded contract; an anonymous substitute keeps the caller's placement.
    let p = unsafe { libc::mmap(addr, len, prot, flags, fd, offset) };
    if p == libc::MAP_FAILED {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(p)
    }
}

/// `munmap(2)`, the counterpart of [`map_raw`] (seen by the fake kernel, always made).
///
/// # Safety
/// `[addr, addr + len)` is a mapping the caller owns and that nothing uses any more.
pub unsafe fn unmap_raw(addr: *mut libc::c_void, len: usize) {
    #[cfg(feature = "fake-kernel")]
    let _ = super::fake::dispatch_mem(&super::fake::MemCall::Unmap { addr: addr as usize, len });
    // SAFETY: forwarded contract.
    unsafe { libc::munmap(addr, len) };
}

/// The page size (asked of the system once per process).
pub fn page_size() -> usize {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf has no memory-safety preconditions.
        let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if p <= 0 {
            4096
        } else {
            p as usize
        }
    })
}

impl Region {
    /// A zero-filled read-write private anonymous mapping of at least `len` bytes (rounded up
    /// to whole pages; `len` 0 maps one page).
    pub fn new(len: usize) -> Result<Region> {
        let pg = page_size();
        let len = len.max(1).checked_next_multiple_of(pg).ok_or_else(|| Error::nomem("mmap size overflow"))?;
        // SAFETY: anonymous mapping with a NULL hint; no existing memory is affected.
        let p = unsafe {
            map_raw(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        }
        .map_err(|e| Error::io("failed to allocate map content buffer", &e))?;
        Ok(Region { ptr: p as *mut u8, len, heap: false, writable: true })
    }

    /// The same zero-filled, page-rounded buffer as [`Region::new`], on the heap (no mmap/munmap
    /// per buffer), for buffers no map is ever mapped over: struct_ops shadows, which libbpf
    /// also allocates with malloc. [`Region::map_fd_over`] refuses such a region.
    pub fn heap(len: usize) -> Result<Region> {
        let pg = page_size();
        let len = len.max(1).checked_next_multiple_of(pg).ok_or_else(|| Error::nomem("buffer size overflow"))?;
        let layout =
            std::alloc::Layout::from_size_align(len, HEAP_ALIGN).map_err(|_| Error::nomem("buffer size overflow"))?;
        // SAFETY: `layout` has a non-zero size.
        let p = unsafe { std::alloc::alloc_zeroed(layout) };
        if p.is_null() {
            return Err(Error::nomem("failed to allocate map content buffer"));
        }
        Ok(Region { ptr: p, len, heap: true, writable: true })
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copy `src` to the start of the region. Fails if it does not fit.
    pub fn write(&mut self, off: usize, src: &[u8]) -> Result<()> {
        let end = off.checked_add(src.len()).filter(|&e| e <= self.len);
        if end.is_none() {
            return Err(Error::inval("write past the end of a map buffer"));
        }
        if !self.writable {
            return Err(Error::new(libc::EPERM, "write to a read-only map buffer"));
        }
        // SAFETY: bounds checked above; the region is a live RW mapping owned by self and `src`
        // cannot overlap it (it is a Rust slice, not derived from this mapping).
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.add(off), src.len()) };
        Ok(())
    }

    /// The first `len` bytes of the region (fewer if it is shorter), borrowed: for handing
    /// the contents to the kernel without a copy. C writes into the region (through
    /// `bpf_map__initial_value`) only under libbpf's one-thread-per-object contract, never while
    /// the object is borrowed by the caller of this.
    pub fn bytes(&self, len: usize) -> &[u8] {
        let n = len.min(self.len);
        // SAFETY: n <= self.len; the region is live, initialised (zero-filled at creation) and
        // readable for as long as `self` is borrowed; see above for concurrent C writes.
        unsafe { std::slice::from_raw_parts(self.ptr, n) }
    }

    /// The first `len` bytes of the region (fewer if it is shorter), mutably: for filling it by
    /// a read. The borrow of `self` keeps Rust's own accesses out while it lives; C writes only
    /// under the contract [`Region::bytes`] describes.
    /// `EPERM` for a read-only region.
    pub fn bytes_mut(&mut self, len: usize) -> Result<&mut [u8]> {
        if !self.writable {
            return Err(Error::new(libc::EPERM, "read-only map buffer"));
        }
        let n = len.min(self.len);
        // SAFETY: n <= self.len; the region is live, initialised and writable (checked above)
        // for the borrow of `self`.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.ptr, n) })
    }

    /// Copy `len` bytes out from the start of the region.
    pub fn read(&self, len: usize) -> Vec<u8> {
        let n = len.min(self.len);
        let mut v = vec![0u8; n];
        // SAFETY: n <= self.len; the mapping is live and readable.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr, v.as_mut_ptr(), n) };
        v
    }

    /// Grow or shrink to `new_len` bytes (page-rounded), keeping the common prefix and
    /// zero-filling the rest. The address changes only when the page count does (a skeleton reads the new one through
    /// `bpf_map__initial_value`, as with libbpf).
    pub fn resize(&mut self, new_len: usize) -> Result<()> {
        // Same number of pages: keep the mapping (and its address), as libbpf does.
        if new_len.max(1).checked_next_multiple_of(page_size()) == Some(self.len) {
            return Ok(());
        }
        let mut fresh = if self.heap { Region::heap(new_len)? } else { Region::new(new_len)? };
        let keep = self.len.min(fresh.len);
        let data = self.read(keep);
        fresh.write(0, &data)?;
        std::mem::swap(self, &mut fresh);
        Ok(())
    }
}

impl Region {
    /// Map `len` bytes of a BPF map fd over the start of this region (MAP_FIXED, same address),
    /// read-only when `writable` is false. The region keeps its size; only the map's pages change.
    pub fn map_fd_over(&mut self, fd: std::os::fd::BorrowedFd<'_>, len: usize, writable: bool) -> Result<()> {
        use std::os::fd::AsRawFd;
        if self.heap {
            return Err(Error::inval("a heap buffer cannot have a map mapped over it"));
        }
        let len = len.min(self.len);
        let prot = if writable { libc::PROT_READ | libc::PROT_WRITE } else { libc::PROT_READ };
        // SAFETY: the target range lies inside the mapping this Region owns (len <= self.len),
        // so MAP_FIXED replaces only our own pages; fd is a live BPF map fd.
        unsafe {
            map_raw(self.ptr as *mut libc::c_void, len, prot, libc::MAP_SHARED | libc::MAP_FIXED, fd.as_raw_fd(), 0)
        }
        .map_err(|e| Error::io("failed to mmap the map over its buffer", &e))?;
        self.writable &= writable;
        Ok(())
    }
}

impl Region {
    /// Map `len` bytes of a BPF map fd (an arena, a global-data map) shared, read-only unless
    /// `writable`. With `at`, the mapping must land exactly there: MAP_FIXED_NOREPLACE refuses
    /// (EEXIST) rather than replacing whatever the process already has at that address.
    pub fn from_fd(fd: std::os::fd::BorrowedFd<'_>, len: usize, at: Option<usize>, writable: bool) -> Result<Region> {
        use std::os::fd::AsRawFd;
        let len = len.max(1).checked_next_multiple_of(page_size()).ok_or_else(|| Error::nomem("mmap size overflow"))?;
        let flags = libc::MAP_SHARED | if at.is_some() { libc::MAP_FIXED_NOREPLACE } else { 0 };
        let hint = at.unwrap_or(0) as *mut libc::c_void;
        let prot = if writable { libc::PROT_READ | libc::PROT_WRITE } else { libc::PROT_READ };
        // SAFETY: a new shared mapping of a BPF map fd; with MAP_FIXED_NOREPLACE no existing
        // mapping is replaced.
        let p = unsafe { map_raw(hint, len, prot, flags, fd.as_raw_fd(), 0) }
            .map_err(|e| Error::io("failed to mmap the map", &e))?;
        let r = Region { ptr: p as *mut u8, len, heap: false, writable };
        if let Some(a) = at {
            if p as usize != a {
                // A kernel without MAP_FIXED_NOREPLACE treats it as a hint.
                return Err(Error::new(libc::EEXIST, format!("could not map at 0x{a:x} (got {:p})", p)));
            }
        }
        Ok(r)
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if self.heap {
            if let Ok(layout) = std::alloc::Layout::from_size_align(self.len, HEAP_ALIGN) {
                // SAFETY: ptr was allocated in `heap` with exactly this layout, freed once.
                unsafe { std::alloc::dealloc(self.ptr, layout) };
            }
            return;
        }
        // SAFETY: ptr/len describe the mapping created in `new`, unmapped exactly once.
        unsafe { unmap_raw(self.ptr as *mut libc::c_void, self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_region_behaves_as_a_mapped_one() {
        let (mut h, mut m) = (Region::heap(100).unwrap(), Region::new(100).unwrap());
        assert_eq!((h.len(), h.as_ptr() as usize % HEAP_ALIGN), (m.len(), 0), "page-rounded, aligned");
        assert_eq!(h.read(h.len()), m.read(m.len()), "zero-filled");
        h.write(10, b"abc").unwrap();
        m.write(10, b"abc").unwrap();
        assert!(h.write(h.len() - 1, b"xy").is_err());
        h.resize(3 * page_size()).unwrap();
        m.resize(3 * page_size()).unwrap();
        assert_eq!(h.read(h.len()), m.read(m.len()), "resize keeps the prefix and zero-fills");
        assert!(h.heap, "a heap region stays on the heap when resized");
    }

    #[test]
    fn nothing_is_mapped_over_a_heap_region() {
        let mut h = Region::heap(8).unwrap();
        let f = std::fs::File::open("/dev/zero").unwrap();
        use std::os::fd::AsFd;
        assert_eq!(h.map_fd_over(f.as_fd(), 8, false).unwrap_err().errno(), libc::EINVAL);
    }
}
