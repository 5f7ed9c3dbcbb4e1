//! An object file's bytes for the duration of `bpf_object__open_file`. A regular file with a
//! plain layout is read compactly ([`crate::elf::read_compact`]): the ELF header, the section
//! table and every section but DWARF, by a few `pread`s into one small buffer, at new offsets
//! the image's table points to, so a `-g` object's DWARF (most of its bytes, never looked at)
//! is never read. That is fewer syscalls and less kernel work than mapping the file (its
//! mapping, a fault per touched range of pages and the unmapping) and than libbpf's libelf
//! reads. A file whose layout is not plain is mapped read-only and parsed in place; where it
//! cannot be mapped (empty, not a regular file, the mapping refused) it is read by
//! [`crate::elf::read_object_file`], DWARF left out. The object copies what it keeps, except
//! global data it has not mapped yet ([`crate::object::databuf`]): that holds on to a read image
//! until it is mapped or the object is loaded or closed.
//!
//! Large writable global data (`.data` sections of [`crate::elf::LEAVE_MIN`] bytes or more) is
//! not even read: the object keeps the file open ([`LeftInFile`]) and, at load, reads the bytes
//! straight into the kernel map's memory, which the kernel maps with every page present. Read
//! at open, they would land in fresh heap pages, each faulted in (2–4 µs apiece on a virtual
//! machine), copied again into the kernel by the map update, and kept in the process's peak
//! RSS. Only objects opened without a skeleton (which wants every address at open) leave data
//! in the file, and at most [`MAX_HELD`] objects hold their files open at once (past that,
//! open reads the data as before), so a program opening many objects keeps its file limit.

use crate::elf::{AlignedBuf, LeftSection};
use crate::error::{Error, Result};
use crate::sys::file_map::MappedFile;
use crate::sys::fs::FileStat;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The bytes of an object file: mapped or read.
pub enum ObjectImage {
    Mapped(MappedFile),
    /// Read, with the global data left in the file, if any.
    Read(Arc<AlignedBuf>, Option<Arc<LeftInFile>>),
}

impl ObjectImage {
    /// The file at `path`: read compactly, else mapped when it is a non-empty regular file,
    /// else read. With `leave_data`, large writable global data may be left in the file (see
    /// the module's notes).
    pub fn open(path: &str, leave_data: bool) -> io::Result<ObjectImage> {
        let f = File::open(path)?;
        let meta = crate::sys::fs::fstat(&f)?;
        if meta.is_file && meta.size > 0 {
            let slot = if leave_data { HeldSlot::take() } else { None };
            if let Some(c) = crate::elf::read_compact(&f, meta.size, slot.is_some())? {
                let left = match slot {
                    Some(slot) if !c.left.is_empty() => Some(Arc::new(LeftInFile {
                        opened: meta,
                        file: f,
                        path: path.to_string(),
                        secs: c.left,
                        _slot: slot,
                    })),
                    _ => None,
                };
                return Ok(ObjectImage::Read(Arc::new(c.image), left));
            }
            if let Ok(m) = MappedFile::map_len(&f, meta.size) {
                return Ok(ObjectImage::Mapped(m));
            }
        }
        crate::elf::read_object_file(path).map(|b| ObjectImage::Read(Arc::new(b), None))
    }

    /// The file's bytes (8-byte aligned, as the ELF parser wants: a mapping is page-aligned).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            ObjectImage::Mapped(m) => m.bytes(),
            ObjectImage::Read(b, _) => b.as_bytes(),
        }
    }

    /// The image, when it was read (a mapping of the file is never kept past the open).
    pub fn shared(&self) -> Option<Arc<AlignedBuf>> {
        match self {
            ObjectImage::Mapped(_) => None,
            ObjectImage::Read(b, _) => Some(Arc::clone(b)),
        }
    }

    /// The global data left in the file, if any.
    pub fn left(&self) -> Option<Arc<LeftInFile>> {
        match self {
            ObjectImage::Read(_, Some(l)) => Some(Arc::clone(l)),
            _ => None,
        }
    }
}

/// How many objects may hold their files open for global data at once.
pub const MAX_HELD: usize = 64;

/// Files held open for global data, process-wide.
static HELD: AtomicUsize = AtomicUsize::new(0);

/// One of the [`MAX_HELD`] places, given back when dropped.
struct HeldSlot(());

impl HeldSlot {
    fn take() -> Option<HeldSlot> {
        HELD.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < MAX_HELD).then_some(n + 1)).ok()?;
        Some(HeldSlot(()))
    }
}

impl Drop for HeldSlot {
    fn drop(&mut self) {
        HELD.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An object file held open from open to load for the global-data sections open left in it.
/// Dropped (and the file closed) with the last map buffer that waits on it: at load, or when
/// the object is closed.
pub struct LeftInFile {
    file: File,
    /// The file as it was opened. What says it still holds the bytes it was opened with: a
    /// write or a truncation moves its modification time (to the nanosecond), a copy that keeps
    /// the source's times (`cp -p`) sets another one. Not the change time, which unlinking the
    /// file (a build renaming a new file over it) moves too, though the open file's bytes stay.
    opened: FileStat,
    path: String,
    secs: Vec<LeftSection>,
    _slot: HeldSlot,
}

impl LeftInFile {
    /// The file at `path`, held as open would hold it (no sections listed).
    #[cfg(test)]
    pub(crate) fn for_test(path: &std::path::Path) -> Arc<LeftInFile> {
        let file = File::open(path).unwrap();
        let opened = crate::sys::fs::fstat(&file).unwrap();
        let path = path.to_string_lossy().into_owned();
        Arc::new(LeftInFile { file, opened, path, secs: Vec::new(), _slot: HeldSlot::take().unwrap() })
    }

    /// Where section `index` is in the file, when open left it there.
    pub fn section(&self, index: usize) -> Option<LeftSection> {
        self.secs.iter().find(|s| s.index == index).copied()
    }

    /// Fill `dst` with the file's bytes from `offset`. `ESTALE` when the file was written since
    /// it was opened (its bytes may no longer be the ones the object was opened with: a build
    /// that replaces an object by renaming a new file over it does not count, the open file is
    /// the old one).
    pub fn read_at(&self, dst: &mut [u8], offset: u64) -> Result<()> {
        let now =
            crate::sys::fs::fstat(&self.file).map_err(|e| Error::io(format!("failed to stat '{}'", self.path), &e))?;
        if (now.size, now.mtime) != (self.opened.size, self.opened.mtime) {
            return Err(Error::new(
                libc::ESTALE,
                format!("'{}' was modified after it was opened; its global data can no longer be read", self.path),
            ));
        }
        self.file
            .read_exact_at(dst, offset)
            .map_err(|e| Error::io(format!("failed to read global data from '{}'", self.path), &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str, bytes: &[u8]) -> String {
        let p = std::env::temp_dir().join(format!("oxbpf-object-image-{}-{name}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().into_owned()
    }

    #[test]
    fn maps_regular_files_whole() {
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let p = tmp("mapped", &bytes);
        let img = ObjectImage::open(&p, true).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert!(matches!(img, ObjectImage::Mapped(_)));
        assert_eq!(img.as_bytes(), &bytes[..]);
        assert_eq!(img.as_bytes().as_ptr() as usize % 8, 0);
    }

    #[test]
    fn empty_and_missing_files() {
        let p = tmp("empty", b"");
        let img = ObjectImage::open(&p, true).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert!(matches!(img, ObjectImage::Read(_, None)));
        assert_eq!(img.as_bytes(), b"");
        let e = ObjectImage::open("/nonexistent/oxbpf-object-image", true).err().unwrap();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    }

    #[test]
    fn a_held_file_reads_the_bytes_it_was_opened_with() {
        let p = tmp("held", b"0123456789");
        let held = LeftInFile::for_test(std::path::Path::new(&p));
        let mut b = [0u8; 4];
        held.read_at(&mut b, 3).unwrap();
        assert_eq!(&b, b"3456");
        // A build that writes a new file and renames it over the old one: the held file is
        // still the old one, and its bytes are still the object's.
        let q = tmp("held-new", b"abcdefghij");
        std::fs::rename(&q, &p).unwrap();
        held.read_at(&mut b, 3).unwrap();
        assert_eq!(&b, b"3456");
        assert_eq!(held.read_at(&mut b, 8).err().map(|e| e.errno()), Some(libc::EIO), "past the end");
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn at_most_max_held_files_are_held() {
        let mut slots = Vec::new();
        while let Some(s) = HeldSlot::take() {
            slots.push(s);
            assert!(slots.len() <= MAX_HELD);
        }
        assert!(!slots.is_empty(), "other tests hold at most a few");
        assert!(HeldSlot::take().is_none());
        slots.pop();
        assert!(HeldSlot::take().is_some(), "a slot given back is taken again");
    }
}
