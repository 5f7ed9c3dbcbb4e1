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
//! too, as heap copies that large would stay in the process's heap after close.

use crate::elf::AlignedBuf;
use crate::error::{Error, Result};
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
}

impl Init {
    fn bytes(&self) -> &[u8] {
        match self {
            Init::Owned(b) => b,
            Init::Image(img, r) => img.as_bytes().get(r.clone()).unwrap_or(&[]),
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
    /// mapped, else the waiting bytes (zero-padded). `None` when there is no buffer.
    pub(crate) fn contents(&self, n: usize) -> Option<Cow<'_, [u8]>> {
        if let Some(r) = self.region.get() {
            return Some(Cow::Borrowed(r.bytes(n)));
        }
        let d = self.deferred.as_ref()?;
        let n = n.min(d.len);
        let init = d.init.bytes();
        Some(match init.get(..n) {
            Some(b) => Cow::Borrowed(b),
            None => {
                let mut v = vec![0u8; n];
                v[..init.len()].copy_from_slice(init);
                Cow::Owned(v)
            }
        })
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
        let mut bytes = match std::mem::replace(&mut d.init, Init::Owned(Box::default())) {
            Init::Owned(b) => b.into_vec(),
            img @ Init::Image(..) => img.bytes().to_vec(),
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
            if d.init.bytes().len() > len {
                d.init = match std::mem::replace(&mut d.init, Init::Owned(Box::default())) {
                    Init::Image(img, r) => Init::Image(img, r.start..r.start + len),
                    Init::Owned(b) => Init::Owned(b.get(..len).unwrap_or(&b).into()),
                };
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
    r.write(0, d.init.bytes())?;
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
        assert_eq!(b.contents(5).unwrap().as_ref(), b"abc\0\0", "zero-padded without mapping");
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
        assert_eq!(b.contents(3).unwrap().as_ref(), b"xyz");
        let b2 = MapBuf::deferred(b"abc", 8, None).unwrap();
        // SAFETY: the region is live and 8 bytes long.
        unsafe { *b2.ptr() = b'q' };
        assert_eq!(b2.contents(3).unwrap().as_ref(), b"qbc", "C's writes through the address count");
    }

    #[test]
    fn bytes_inside_the_image_are_not_copied() {
        let img = Arc::new(AlignedBuf::copy_from(b"0123456789"));
        let inside = &img.as_bytes()[2..5];
        let b = MapBuf::deferred(inside, 8, Some(&img)).unwrap();
        assert!(matches!(&b.deferred, Some(Deferred { init: Init::Image(_, r), .. }) if *r == (2..5)));
        assert_eq!(Arc::strong_count(&img), 2, "the image is kept");
        assert_eq!(b.contents(4).unwrap().as_ref(), b"234\0");
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
        assert_eq!(b.contents(8).unwrap().as_ref(), b"2xy\0\0\0z\0");
        assert!(b.write(15, b"ab").is_err() && b.write(usize::MAX, b"a").is_err(), "past the end");
        assert_eq!(b.get().unwrap().read(8), b"2xy\0\0\0z\0", "mapped with what was written");
        b.write(0, b"q").unwrap();
        assert_eq!(b.contents(3).unwrap().as_ref(), b"qxy", "then into the mapping");
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
        assert_eq!(given.contents(4).unwrap().as_ref(), b"\0\0\0\0", "and shows the kernel map");
    }

    #[test]
    fn resizing_waiting_bytes_maps_nothing() {
        let img = Arc::new(AlignedBuf::copy_from(b"0123456789"));
        let mut b = MapBuf::deferred(&img.as_bytes()[2..8], 4096, Some(&img)).unwrap();
        b.resize(8192).unwrap();
        assert!(b.region.get().is_none(), "not mapped to grow");
        assert_eq!(b.contents(8).unwrap().as_ref(), b"234567\0\0");
        b.resize(4).unwrap();
        assert!(b.region.get().is_none(), "not mapped to shrink");
        assert_eq!(b.contents(8).unwrap().as_ref(), b"2345", "initial bytes past the end dropped");
        assert_eq!(b.get().unwrap().read(6), b"2345\0\0", "mapped with what is left");
        let mut owned = MapBuf::deferred(b"abcdef", 16, None).unwrap();
        owned.resize(3).unwrap();
        assert_eq!(owned.contents(16).unwrap().as_ref(), b"abc");
        b.resize(3 * page_size()).unwrap();
        assert_eq!(b.get().unwrap().len(), 3 * page_size(), "a mapped region is resized");
        assert_eq!(b.contents(5).unwrap().as_ref(), b"2345\0");
        assert!(MapBuf::default().resize(4096).is_ok());
    }

    #[test]
    fn no_buffer() {
        let mut b = MapBuf::default();
        assert!(!b.is_some() && b.get().is_none() && b.ptr().is_null() && b.contents(4).is_none());
        assert!(b.resize(4096).is_ok() && !b.is_some(), "resizing makes no buffer");
        b.set(Region::new(1).unwrap());
        assert!(b.region.get().is_some());
        b.clear();
        assert!(!b.is_some());
    }
}
