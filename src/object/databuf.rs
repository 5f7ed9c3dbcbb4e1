//! A map's pre-load buffer ([`MapBuf`]): global data, `.kconfig`, arena data, and after load
//! the kernel map's memory.
//!
//! A global-data section is mapped into a region of its own only when its address is needed:
//! when C asks for it (`bpf_map__initial_value`, a skeleton's `*mmaped`, a subskeleton
//! variable). Until then its initial bytes wait on the heap (in the image
//! `bpf_object__open_file` read, when it read one, else in a copy), writes that need no address
//! (`bpf_map__set_initial_value`, `.kconfig` values at load) go into them, and at load they go
//! to the kernel straight from there; the kernel map is then mapped at an address of the
//! kernel's choosing. An object opened and closed, or opened and loaded through
//! `bpf_object__open_file`, never maps, faults in and unmaps a copy of its data. Skeletons ask
//! for every address at open, so [`crate::object::OpenOptions::eager_data`] maps at once;
//! sections over [`DEFER_MAX`] bytes that would need a copy of their own are mapped at once
//! too, as heap copies that large would stay in the process's heap after close. Large `.data`
//! sections `bpf_object__open_file` left in the file ([`crate::object::image`]) wait there, and
//! at load are read straight into the kernel map's memory ([`MapBuf::fill_kernel`]).

use crate::elf::AlignedBuf;
use crate::error::{Error, Result};
use crate::object::image::LeftInFile;
use crate::sys::mmap::Region;
use std::borrow::Cow;
use std::ops::Range;
use std::os::fd::BorrowedFd;
use std::sync::{Arc, OnceLock};

/// The largest section whose bytes wait in a copy of their own (glibc serves smaller blocks
/// from its heap, reused across objects, rather than mapping and unmapping each). Bytes inside
/// a read image wait there whatever their size.
pub(crate) const DEFER_MAX: usize = 128 << 10;

/// A map's buffer: none, mapped, or waiting to be mapped.
#[derive(Default)]
pub(crate) struct MapBuf {
    region: OnceLock<Region>,
    /// Initial contents not yet mapped: `init` then zeros, `len` bytes (page-rounded) in all.
    /// Once `region` is set it holds what C sees and this is only freed at the next `&mut`.
    deferred: Option<Deferred>,
}

struct Deferred {
    init: Init,
    len: usize,
}

/// Where waiting initial bytes are.
enum Init {
    Owned(Box<[u8]>),
    /// A range of the image the object was read from (`bpf_object__open_file`), kept alive here.
    Image(Arc<AlignedBuf>, Range<usize>),
    /// `.1` bytes at file offset `.0` of the object file, not read yet.
    File(Arc<LeftInFile>, u64, usize),
}

impl Init {
    /// The bytes, when they are in memory.
    fn in_memory(&self) -> Option<&[u8]> {
        match self {
            Init::Owned(b) => Some(b),
            Init::Image(img, r) => Some(img.as_bytes().get(r.clone()).unwrap_or(&[])),
            Init::File(..) => None,
        }
    }

    fn len(&self) -> usize {
        match self {
            Init::File(_, _, n) => *n,
            _ => self.in_memory().map_or(0, <[u8]>::len),
        }
    }

    /// Copy the bytes to the start of `dst` (at most `dst.len()` of them).
    fn copy_to(&self, dst: &mut [u8]) -> Result<()> {
        let n = self.len().min(dst.len());
        match self {
            Init::File(f, off, _) => f.read_at(&mut dst[..n], *off),
            _ => {
                dst[..n].copy_from_slice(&self.in_memory().unwrap_or(&[])[..n]);
                Ok(())
            }
        }
    }

    /// The first `n` bytes (fewer when there are fewer), borrowed when in memory.
    fn prefix(&self, n: usize) -> Result<Cow<'_, [u8]>> {
        match self.in_memory() {
            Some(b) => Ok(Cow::Borrowed(&b[..n.min(b.len())])),
            None => {
                let mut v = vec![0u8; n.min(self.len())];
                self.copy_to(&mut v)?;
                Ok(Cow::Owned(v))
            }
        }
    }

    /// The first `n` bytes (fewer when there are fewer) as they are now.
    fn truncated(self, n: usize) -> Init {
        match self {
            Init::Image(img, r) => Init::Image(img, r.start..r.start + n.min(r.len())),
            Init::Owned(b) => Init::Owned(b.get(..n).unwrap_or(&b).into()),
            Init::File(f, off, len) => Init::File(f, off, len.min(n)),
        }
    }
}

impl MapBuf {
    pub(crate) fn mapped(r: Region) -> MapBuf {
        MapBuf { region: OnceLock::from(r), deferred: None }
    }

    /// `init` (a prefix; zeros after it) in a buffer of `len` bytes, mapped when first needed.
    /// When `init` lies inside `image` it is not copied: the image is kept instead. `None` when
    /// it would need a copy of its own over [`DEFER_MAX`] bytes.
    pub(crate) fn deferred(init: &[u8], len: usize, image: Option<&Arc<AlignedBuf>>) -> Option<MapBuf> {
        let within = image.and_then(|img| {
            let base = img.as_bytes().as_ptr() as usize;
            let start = (init.as_ptr() as usize).checked_sub(base)?;
            let r = start..start.checked_add(init.len())?;
            // Inside the image's bounds means the same memory: `init` borrows from it.
            img.as_bytes().get(r.clone())?;
            Some(Init::Image(Arc::clone(img), r))
        });
        let init = match within {
            Some(i) => i,
            None if init.len() <= DEFER_MAX => Init::Owned(init.into()),
            None => return None,
        };
        Some(MapBuf { region: OnceLock::new(), deferred: Some(Deferred { init, len }) })
    }

    /// `n` bytes at file offset `offset` of a file open left global data in, then zeros, in a
    /// buffer of `len` bytes, mapped when first needed or read into the kernel map at load.
    pub(crate) fn in_file(file: &Arc<LeftInFile>, offset: u64, n: usize, len: usize) -> MapBuf {
        let init = Init::File(Arc::clone(file), offset, n.min(len));
        MapBuf { region: OnceLock::new(), deferred: Some(Deferred { init, len }) }
    }

    /// Whether the initial bytes still wait in the object file.
    pub(crate) fn waits_in_file(&self) -> bool {
        self.region.get().is_none() && matches!(self.deferred, Some(Deferred { init: Init::File(..), .. }))
    }

    /// Whether the map has a buffer at all (mapped or not yet).
    pub(crate) fn is_some(&self) -> bool {
        self.region.get().is_some() || self.deferred.is_some()
    }

    /// The mapped buffer, mapped now if it was waiting. `None` when the map has no buffer, or
    /// (with a warning) when the mapping failed.
    pub(crate) fn get(&self) -> Option<&Region> {
        if let Some(r) = self.region.get() {
            return Some(r);
        }
        let d = self.deferred.as_ref()?;
        match map_deferred(d) {
            // Another thread may have mapped it first: then its region stays and ours goes.
            Ok(r) => {
                let _ = self.region.set(r);
            }
            Err(e) => {
                crate::pr_warn!("{}", e.context("failed to map a global-data buffer"));
                return None;
            }
        }
        self.region.get()
    }

    /// The buffer's address, or NULL (see [`MapBuf::get`]).
    pub(crate) fn ptr(&self) -> *mut u8 {
        self.get().map_or(std::ptr::null_mut(), Region::as_ptr)
    }

    /// The first `n` bytes of the contents, without mapping anything: the region's if it is
    /// mapped, else the waiting bytes (zero-padded; read from the file if they wait there).
    /// `None` when there is no buffer; an error only when reading the file fails.
    pub(crate) fn contents(&self, n: usize) -> Result<Option<Cow<'_, [u8]>>> {
        if let Some(r) = self.region.get() {
            return Ok(Some(Cow::Borrowed(r.bytes(n))));
        }
        let Some(d) = self.deferred.as_ref() else { return Ok(None) };
        let n = n.min(d.len);
        let init = d.init.prefix(n)?;
        if init.len() == n {
            return Ok(Some(init));
        }
        let mut v = init.into_owned();
        v.resize(n, 0);
        Ok(Some(Cow::Owned(v)))
    }

    /// Write `src` at `off`: into the mapping, or into the waiting bytes (which become a copy of
    /// their own if they were the image's), so a write needs no address either. `EINVAL` past
    /// the buffer's end or when there is no buffer.
    pub(crate) fn write(&mut self, off: usize, src: &[u8]) -> Result<()> {
        if let Some(r) = self.region.get_mut() {
            self.deferred = None;
            return r.write(off, src);
        }
        let Some(d) = self.deferred.as_mut() else { return Err(Error::quiet(libc::EINVAL)) };
        let end = off.checked_add(src.len()).filter(|&e| e <= d.len);
        let Some(end) = end else { return Err(Error::inval("write past the end of a map buffer")) };
        let mut bytes = match &mut d.init {
            Init::Owned(b) => std::mem::take(b).into_vec(),
            other => other.prefix(usize::MAX)?.into_owned(),
        };
        if bytes.len() < end {
            bytes.resize(end, 0);
        }
        bytes[off..end].copy_from_slice(src);
        d.init = Init::Owned(bytes.into_boxed_slice());
        Ok(())
    }

    /// Resize the buffer to `len` bytes (`bpf_map__set_value_size`): a mapped region as
    /// [`Region::resize`] does; waiting bytes stay unmapped, with the new length and any initial
    /// bytes past it dropped. Nothing happens to a map without a buffer.
    pub(crate) fn resize(&mut self, len: usize) -> Result<()> {
        if let Some(r) = self.region.get_mut() {
            self.deferred = None;
            return r.resize(len);
        }
        if let Some(d) = self.deferred.as_mut() {
            if d.init.len() > len {
                d.init = std::mem::replace(&mut d.init, Init::Owned(Box::default())).truncated(len);
            }
            d.len = len;
        }
        Ok(())
    }

    /// Put the kernel map `fd` in as the buffer (`len` bytes, read-only unless `writable`):
    /// over the region where C has its address, else wherever the kernel puts it, the waiting
    /// bytes (and the image they may keep) dropped first so the process never holds both.
    pub(crate) fn map_kernel(&mut self, fd: BorrowedFd<'_>, len: usize, writable: bool) -> Result<()> {
        self.deferred = None;
        if let Some(r) = self.region.get_mut() {
            return r.map_fd_over(fd, len, writable);
        }
        self.set(Region::from_fd(fd, len, None, writable)?);
        Ok(())
    }

    /// Map the kernel map `fd` (`len` bytes, writable) and read the initial bytes that wait in
    /// the object file straight into it: the kernel's pages are all present once mapped, so
    /// nothing is faulted in, and no map update copies them again. Only for a buffer that
    /// [`MapBuf::waits_in_file`]; it then is the kernel map's memory, as after
    /// [`MapBuf::map_kernel`].
    pub(crate) fn fill_kernel(&mut self, fd: BorrowedFd<'_>, len: usize) -> Result<()> {
        let Some(Deferred { init: init @ Init::File(..), .. }) = &self.deferred else {
            return Err(Error::new(crate::error::lerr::INTERNAL, "no initial bytes wait in the object file"));
        };
        let mut r = Region::from_fd(fd, len, None, true)?;
        init.copy_to(r.bytes_mut(init.len())?)?;
        self.set(r);
        Ok(())
    }

    /// Replace the buffer (the kernel map's memory after load, an arena's mapping).
    pub(crate) fn set(&mut self, r: Region) {
        *self = MapBuf::mapped(r);
    }

    /// Drop the buffer (a map that is not mmapable has none after load).
    pub(crate) fn clear(&mut self) {
        *self = MapBuf::default();
    }
}

fn map_deferred(d: &Deferred) -> Result<Region> {
    let mut r = Region::new(d.len)?;
    d.init.copy_to(r.bytes_mut(d.init.len())?)?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::mmap::page_size;

    #[test]
    fn waits_until_the_address_is_needed() {
        let b = MapBuf::deferred(b"abc", 100, None).unwrap();
        assert!(b.is_some() && b.region.get().is_none());
        assert_eq!(b.contents(5).unwrap().unwrap().as_ref(), b"abc\0\0", "zero-padded without mapping");
        assert!(b.region.get().is_none());
        let r = b.get().unwrap();
        assert_eq!(r.len(), page_size());
        assert_eq!(r.read(4), b"abc\0");
        assert!(b.region.get().is_some());
        assert_eq!(b.ptr(), b.get().unwrap().as_ptr(), "one address once mapped");
    }

    #[test]
    fn the_mapped_region_wins_over_the_waiting_bytes() {
        let mut b = MapBuf::deferred(b"abc", 8, None).unwrap();
        b.get().unwrap();
        b.write(0, b"xyz").unwrap();
        assert!(b.deferred.is_none(), "the waiting copy is freed at the next write");
        assert_eq!(b.contents(3).unwrap().unwrap().as_ref(), b"xyz");
        let b2 = MapBuf::deferred(b"abc", 8, None).unwrap();
        // SAFETY: the region is live and 8 bytes long.
        unsafe { *b2.ptr() = b'q' };
        assert_eq!(b2.contents(3).unwrap().unwrap().as_ref(), b"qbc", "C's writes through the address count");
    }

    #[test]
    fn bytes_inside_the_image_are_not_copied() {
        let img = Arc::new(AlignedBuf::copy_from(b"0123456789"));
        let inside = &img.as_bytes()[2..5];
        let b = MapBuf::deferred(inside, 8, Some(&img)).unwrap();
        assert!(matches!(&b.deferred, Some(Deferred { init: Init::Image(_, r), .. }) if *r == (2..5)));
        assert_eq!(Arc::strong_count(&img), 2, "the image is kept");
        assert_eq!(b.contents(4).unwrap().unwrap().as_ref(), b"234\0");
        let outside = MapBuf::deferred(b"234", 8, Some(&img)).unwrap();
        assert!(matches!(&outside.deferred, Some(Deferred { init: Init::Owned(_), .. })));
        assert!(MapBuf::deferred(&vec![1; DEFER_MAX + 1], DEFER_MAX + 8, Some(&img)).is_none(), "too large to copy");
        let large = Arc::new(AlignedBuf::zeroed(DEFER_MAX + 16));
        assert!(MapBuf::deferred(&large.as_bytes()[8..], DEFER_MAX + 8, Some(&large)).is_some(), "not copied");
        let mut b = b;
        b.get().unwrap();
        b.write(0, b"2").unwrap();
        assert_eq!(Arc::strong_count(&img), 1, "mapped, the next write frees the image");
    }

    #[test]
    fn writes_need_no_address() {
        let img = Arc::new(AlignedBuf::copy_from(b"0123456789"));
        let mut b = MapBuf::deferred(&img.as_bytes()[2..5], 16, Some(&img)).unwrap();
        b.write(1, b"xy").unwrap();
        b.write(6, b"z").unwrap();
        assert!(b.region.get().is_none(), "written without mapping");
        assert_eq!(Arc::strong_count(&img), 1, "the image is let go once the bytes are their own");
        assert_eq!(b.contents(8).unwrap().unwrap().as_ref(), b"2xy\0\0\0z\0");
        assert!(b.write(15, b"ab").is_err() && b.write(usize::MAX, b"a").is_err(), "past the end");
        assert_eq!(b.get().unwrap().read(8), b"2xy\0\0\0z\0", "mapped with what was written");
        b.write(0, b"q").unwrap();
        assert_eq!(b.contents(3).unwrap().unwrap().as_ref(), b"qxy", "then into the mapping");
        assert!(MapBuf::default().write(0, b"a").is_err());
    }

    #[test]
    fn the_kernel_map_goes_over_an_address_given_out_else_anywhere() {
        use std::os::fd::AsFd;
        let zero = std::fs::File::open("/dev/zero").unwrap();
        let img = Arc::new(AlignedBuf::copy_from(b"0123456789"));
        let mut waiting = MapBuf::deferred(&img.as_bytes()[..4], 8, Some(&img)).unwrap();
        waiting.map_kernel(zero.as_fd(), page_size(), false).unwrap();
        assert!(waiting.deferred.is_none() && waiting.region.get().is_some());
        assert_eq!(Arc::strong_count(&img), 1, "the image is let go");
        let mut given = MapBuf::deferred(b"abcd", 8, None).unwrap();
        let p = given.ptr();
        given.map_kernel(zero.as_fd(), page_size(), false).unwrap();
        assert_eq!(given.ptr(), p, "the address C holds stays");
        assert_eq!(given.contents(4).unwrap().unwrap().as_ref(), b"\0\0\0\0", "and shows the kernel map");
    }

    #[test]
    fn resizing_waiting_bytes_maps_nothing() {
        let img = Arc::new(AlignedBuf::copy_from(b"0123456789"));
        let mut b = MapBuf::deferred(&img.as_bytes()[2..8], 4096, Some(&img)).unwrap();
        b.resize(8192).unwrap();
        assert!(b.region.get().is_none(), "not mapped to grow");
        assert_eq!(b.contents(8).unwrap().unwrap().as_ref(), b"234567\0\0");
        b.resize(4).unwrap();
        assert!(b.region.get().is_none(), "not mapped to shrink");
        assert_eq!(b.contents(8).unwrap().unwrap().as_ref(), b"2345", "initial bytes past the end dropped");
        assert_eq!(b.get().unwrap().read(6), b"2345\0\0", "mapped with what is left");
        let mut owned = MapBuf::deferred(b"abcdef", 16, None).unwrap();
        owned.resize(3).unwrap();
        assert_eq!(owned.contents(16).unwrap().unwrap().as_ref(), b"abc");
        b.resize(3 * page_size()).unwrap();
        assert_eq!(b.get().unwrap().len(), 3 * page_size(), "a mapped region is resized");
        assert_eq!(b.contents(5).unwrap().unwrap().as_ref(), b"2345\0");
        assert!(MapBuf::default().resize(4096).is_ok());
    }

    #[test]
    fn no_buffer() {
        let mut b = MapBuf::default();
        assert!(!b.is_some() && b.get().is_none() && b.ptr().is_null() && b.contents(4).unwrap().is_none());
        assert!(b.resize(4096).is_ok() && !b.is_some(), "resizing makes no buffer");
        b.set(Region::new(1).unwrap());
        assert!(b.region.get().is_some());
        b.clear();
        assert!(!b.is_some());
    }

    /// A file of `bytes` held as an object file open left global data in.
    fn left(name: &str, bytes: &[u8]) -> (Arc<LeftInFile>, std::path::PathBuf) {
        let p = std::env::temp_dir().join(format!("oxbpf-databuf-{}-{name}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        (LeftInFile::for_test(&p), p)
    }

    #[test]
    fn bytes_in_the_file_are_read_only_when_needed() {
        let (f, p) = left("read", b"..abcdef..");
        let b = MapBuf::in_file(&f, 2, 6, 16);
        assert!(b.waits_in_file() && b.region.get().is_none());
        assert_eq!(b.contents(8).unwrap().unwrap().as_ref(), b"abcdef\0\0", "read, zero-padded");
        assert_eq!(b.contents(3).unwrap().unwrap().as_ref(), b"abc");
        assert_eq!(b.get().unwrap().read(8), b"abcdef\0\0", "mapped with the file's bytes");
        assert!(!b.waits_in_file(), "mapped, they no longer wait");
        let mut w = MapBuf::in_file(&f, 2, 6, 16);
        w.write(1, b"XY").unwrap();
        assert!(!w.waits_in_file() && w.region.get().is_none(), "a write reads them into memory, unmapped");
        assert_eq!(w.contents(8).unwrap().unwrap().as_ref(), b"aXYdef\0\0");
        let mut r = MapBuf::in_file(&f, 2, 6, 16);
        r.resize(4).unwrap();
        assert!(r.waits_in_file(), "resizing reads nothing");
        assert_eq!(r.contents(16).unwrap().unwrap().as_ref(), b"abcd");
        drop((b, w, r));
        assert_eq!(Arc::strong_count(&f), 1, "the buffers let the file go");
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn bytes_in_the_file_go_straight_into_the_kernel_map() {
        use std::os::fd::{AsFd, FromRawFd, OwnedFd};
        let (f, p) = left("fill", b"0123456789");
        // A memfd stands in for a writable, mmapable kernel map.
        // SAFETY: a plain syscall; the fd it returns is owned below.
        let raw = unsafe { libc::memfd_create(c"oxbpf-databuf".as_ptr(), libc::MFD_CLOEXEC) };
        assert!(raw >= 0);
        // SAFETY: `raw` is a new fd nothing else owns.
        let map = unsafe { OwnedFd::from_raw_fd(raw) };
        let pg = page_size();
        std::fs::File::from(map.try_clone().unwrap()).set_len(pg as u64).unwrap();
        let mut b = MapBuf::in_file(&f, 3, 5, pg);
        b.fill_kernel(map.as_fd(), pg).unwrap();
        assert!(!b.waits_in_file());
        assert_eq!(b.contents(6).unwrap().unwrap().as_ref(), b"34567\0");
        let mut seen = [0u8; 6];
        std::os::unix::fs::FileExt::read_exact_at(&std::fs::File::from(map.try_clone().unwrap()), &mut seen, 0)
            .unwrap();
        assert_eq!(&seen, b"34567\0", "written into the map's own memory");
        assert_eq!(Arc::strong_count(&f), 1, "the file is let go");
        let mut owned = MapBuf::deferred(b"abc", 8, None).unwrap();
        assert!(owned.fill_kernel(map.as_fd(), pg).is_err(), "only bytes that wait in the file");
        // Rewritten in place since it was opened: the bytes are no longer the object's.
        let mut stale = MapBuf::in_file(&f, 3, 5, pg);
        std::fs::write(&p, b"9876543210").unwrap();
        assert_eq!(stale.fill_kernel(map.as_fd(), pg).err().map(|e| e.errno()), Some(libc::ESTALE));
        assert_eq!(stale.contents(2).err().map(|e| e.errno()), Some(libc::ESTALE));
        std::fs::remove_file(&p).unwrap();
    }
}
