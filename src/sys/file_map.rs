//! Read-only file mappings, the one place files are mmapped: the kernel's
//! `/sys/kernel/btf/vmlinux` is mapped instead of read (Linux 6.16+ allows mapping it; libbpf
//! 1.6+ does the same), so its ~5 MB of BTF are shared with the kernel's own copy rather than
//! copied to the heap (callers fall back to `read()` when mapping fails: older kernels, other
//! files); binaries probed by uprobes and USDT are read through a mapping (as libelf's
//! `ELF_C_READ_MMAP`), where a concurrent truncation of the file would fault.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;

/// A whole file mapped `PROT_READ`, `MAP_PRIVATE`; unmapped on drop.
pub struct MappedFile {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value; nothing in it is thread-affine.
unsafe impl Send for MappedFile {}
// SAFETY: only shared reads of immutable (PROT_READ, private) memory are handed out.
unsafe impl Sync for MappedFile {}

impl MappedFile {
    /// Map all of `file` (its size as `fstat` reports it). An empty file cannot be mapped
    /// (`EINVAL`).
    pub fn map(file: &File) -> io::Result<MappedFile> {
        Self::map_len(file, crate::sys::fs::fstat(file)?.size)
    }

    /// [`MappedFile::map`] of a file whose size the caller has just read (one `fstat` per open,
    /// not two).
    pub fn map_len(file: &File, len: u64) -> io::Result<MappedFile> {
        let len = usize::try_from(len).map_err(|_| io::Error::from_raw_os_error(libc::EFBIG))?;
        if len == 0 {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        // SAFETY: a fresh private read-only mapping at an address the kernel picks; no existing
        // memory is affected, and the fd is valid for the duration of the call.
        let p = unsafe {
            super::mmap::map_raw(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0)
        }?;
        let ptr = NonNull::new(p as *mut u8).ok_or_else(|| io::Error::from_raw_os_error(libc::ENOMEM))?;
        Ok(MappedFile { ptr, len })
    }

    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` is a live PROT_READ mapping of `len` bytes owned by `self`, never written
        // through this process (private, read-only), unmapped only on drop.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// `n` native-endian 32-bit words starting at byte `off`; `None` if out of bounds or `off`
    /// is not 4-byte aligned in memory.
    pub fn words(&self, off: usize, n: usize) -> Option<&[u32]> {
        let end = n.checked_mul(4)?.checked_add(off)?;
        let bytes = self.bytes().get(off..end)?;
        if bytes.as_ptr() as usize % std::mem::align_of::<u32>() != 0 {
            return None;
        }
        // SAFETY: `bytes` is in bounds (checked above), aligned for u32 (checked above) and lives
        // as long as `self`; every bit pattern is a valid u32.
        Some(unsafe { std::slice::from_raw_parts(bytes.as_ptr() as *const u32, n) })
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `map`; no reference into it outlives `self`.
        unsafe { super::mmap::unmap_raw(self.ptr.as_ptr() as *mut libc::c_void, self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn maps_a_file_and_reads_words() {
        let path = std::env::temp_dir().join(format!("oxbpf-file-map-{}", std::process::id()));
        std::fs::File::create(&path).unwrap().write_all(&[1, 0, 0, 0, 2, 0, 0, 0, 9]).unwrap();
        let m = MappedFile::map(&File::open(&path).unwrap()).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(m.bytes(), &[1, 0, 0, 0, 2, 0, 0, 0, 9]);
        assert_eq!(m.words(0, 2).map(|w| w.iter().map(|&x| u32::from_le(x)).collect::<Vec<_>>()), Some(vec![1, 2]));
        assert_eq!(m.words(4, 2), None, "past the end");
        assert_eq!(m.words(1, 1), None, "misaligned");
    }

    #[test]
    fn empty_file_is_einval() {
        let path = std::env::temp_dir().join(format!("oxbpf-file-map-empty-{}", std::process::id()));
        std::fs::File::create(&path).unwrap();
        let e = MappedFile::map(&File::open(&path).unwrap()).err().unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    }
}
