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

use crate::elf::AlignedBuf;
use crate::sys::file_map::MappedFile;
use std::fs::File;
use std::io;
use std::sync::Arc;

/// The bytes of an object file: mapped or read.
pub enum ObjectImage {
    Mapped(MappedFile),
    Read(Arc<AlignedBuf>),
}

impl ObjectImage {
    /// The file at `path`: read compactly, else mapped when it is a non-empty regular file,
    /// else read.
    pub fn open(path: &str) -> io::Result<ObjectImage> {
        let f = File::open(path)?;
        let meta = f.metadata()?;
        if meta.is_file() && meta.len() > 0 {
            if let Some(buf) = crate::elf::read_compact(&f, meta.len())? {
                return Ok(ObjectImage::Read(Arc::new(buf)));
            }
            if let Ok(m) = MappedFile::map_len(&f, meta.len()) {
                return Ok(ObjectImage::Mapped(m));
            }
        }
        crate::elf::read_object_file(path).map(|b| ObjectImage::Read(Arc::new(b)))
    }

    /// The file's bytes (8-byte aligned, as the ELF parser wants: a mapping is page-aligned).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            ObjectImage::Mapped(m) => m.bytes(),
            ObjectImage::Read(b) => b.as_bytes(),
        }
    }

    /// The image, when it was read (a mapping of the file is never kept past the open).
    pub fn shared(&self) -> Option<Arc<AlignedBuf>> {
        match self {
            ObjectImage::Mapped(_) => None,
            ObjectImage::Read(b) => Some(Arc::clone(b)),
        }
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
        let img = ObjectImage::open(&p).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert!(matches!(img, ObjectImage::Mapped(_)));
        assert_eq!(img.as_bytes(), &bytes[..]);
        assert_eq!(img.as_bytes().as_ptr() as usize % 8, 0);
    }

    #[test]
    fn empty_and_missing_files() {
        let p = tmp("empty", b"");
        let img = ObjectImage::open(&p).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert!(matches!(img, ObjectImage::Read(_)));
        assert_eq!(img.as_bytes(), b"");
        let e = ObjectImage::open("/nonexistent/oxbpf-object-image").err().unwrap();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    }
}
