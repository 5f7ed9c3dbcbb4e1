//! Reading an object file for `bpf_object__open_file` without reading its DWARF: most of a
//! `-g` object is `.debug_*` sections (and their relocations), which libbpf never looks at (it
//! maps the file and touches only what it parses).
//!
//! One planner, [`Plan`], decides what is read: the ELF header, the section header table and
//! every section but DWARF proper ([`unread_dwarf`]), as sorted, merged file ranges. Two
//! layouts place them:
//! - [`read_compact`] (open_file's usual path) packs them into a small image whose table
//!   points to their new offsets;
//! - [`read_object_file`] (where the file cannot be mapped) puts them at their file offsets in
//!   a zero-filled buffer of the file's size, so offsets, sizes and every check
//!   [`super::Elf::parse`] makes are those of the file; only unread bytes read as zeros.
//!
//! Which file takes which path (open_mem parses the caller's bytes and reads nothing here;
//! open_file tries `read_compact`, then maps the file, then `read_object_file`):
//! - no plan (shorter than the ELF header, not ELF64 little-endian, extended numbering, entry
//!   size not 64, the table, the section names or a section to read out of the file):
//!   `read_compact` gives `None` and open_file maps the file whole; `read_object_file` reads
//!   it whole. Either way the parser reports what is wrong with the real bytes.
//! - a read error while planning: `read_compact` returns it (open_file fails with its errno);
//!   `read_object_file` reads the whole file, which reports it if it persists.
//! - a plan that cannot be packed (the table starting inside the ELF header, data
//!   overlapping the header or the table, an empty section whose offset is past the end):
//!   `read_compact` gives `None` (the file is mapped), `read_object_file` reads the plan in
//!   place (nothing is rewritten there, so the overlaps do not matter).
//! - a packed image over [`COMPACT_MAX`] bytes besides global data: mapped; `read_object_file`
//!   reads it in place.
//! - an empty or non-regular file: open_file neither reads it compactly nor maps it;
//!   `read_object_file` reads it to its end.

use super::{AlignedBuf, SHF_ALLOC, SHF_EXECINSTR};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;

const EHDR_LEN: usize = 64;
const SHDR_LEN: usize = 64;
/// Needed ranges closer than this are read with one call (the gap's bytes are read too).
const MERGE_GAP: u64 = 4096;

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(off..off + 8)?.try_into().ok()?))
}

/// A section of DWARF's name and type (see [`section_roles`]).
const DWARF: u8 = 1;
/// A section another section needs (see [`section_roles`]).
const NEEDED: u8 = 2;

/// Per section of the 64-byte entries in `table` (names in `names`), [`DWARF`] and [`NEEDED`]
/// bits. Open leaves unread only DWARF proper: a section of DWARF's name (`.debug_*`,
/// `.rel.debug_*`) and type (PROGBITS, or REL for its relocations) that no other section needs.
/// Needed are the section-name table, a section another links to (a symbol table's strings)
/// and the target of a relocation section that is not DWARF's own: open reads them by index,
/// whatever their names.
fn section_roles(table: &[u8], names: &[u8], shstrndx: u64) -> Option<Vec<u8>> {
    let shnum = table.len() / SHDR_LEN;
    let dwarf = |h: &[u8]| -> Option<bool> {
        let sh_type = u32_at(h, 4)?;
        let name = names.get(u32_at(h, 0)? as usize..).unwrap_or(&[]);
        let dwarf_name = name.starts_with(b".debug_") || name.starts_with(b".rel.debug_");
        Some(dwarf_name && (sh_type == super::SHT_PROGBITS || sh_type == super::SHT_REL))
    };
    // Per section: DWARF (by name and type) and needed (by another section), as bits.
    let mut flags = vec![0u8; shnum];
    *flags.get_mut(shstrndx as usize)? |= NEEDED;
    for (i, h) in table.chunks_exact(SHDR_LEN).enumerate().skip(1) {
        if dwarf(h)? {
            flags[i] |= DWARF;
            continue;
        }
        if let Some(n) = flags.get_mut(u32_at(h, 0x28)? as usize) {
            *n |= NEEDED;
        }
        if u32_at(h, 4)? == super::SHT_REL {
            if let Some(n) = flags.get_mut(u32_at(h, 0x2c)? as usize) {
                *n |= NEEDED;
            }
        }
    }
    Some(flags)
}

/// The name of the section whose 64-byte entry is `h`, up to its NUL (empty when out of `names`).
fn name_of<'n>(h: &[u8], names: &'n [u8]) -> &'n [u8] {
    let rest = u32_at(h, 0).and_then(|o| names.get(o as usize..)).unwrap_or(&[]);
    rest.split(|&b| b == 0).next().unwrap_or(&[])
}

/// The smallest global-data section [`read_compact`] leaves in the file when asked to: below it,
/// a section's bytes cost less read with the rest than a file held open and read apart.
pub const LEAVE_MIN: u64 = 16 << 10;

/// A section [`read_compact`] left unread in the file: writable global data (`.data`,
/// `.data.*`) that the object reads at load straight into the kernel map's memory
/// (`crate::object::image`), so its pages are never faulted in on the heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeftSection {
    pub index: usize,
    pub offset: u64,
    pub size: u64,
}

/// A compact image and the sections left in the file.
pub struct Compact {
    pub image: AlignedBuf,
    pub left: Vec<LeftSection>,
}

/// Whether a section of this type, flags, size and name may be left in the file: PROGBITS,
/// not executable, named `.data` or `.data.*` (the object's writable global data), at least
/// [`LEAVE_MIN`] bytes. Read-only data is not: its map is frozen and cannot be mapped
/// writable, so its bytes would need a user buffer at load anyway.
fn leavable(sh_type: u32, flags: u64, size: u64, name: &[u8]) -> bool {
    sh_type == super::SHT_PROGBITS && flags & SHF_EXECINSTR == 0 && size >= LEAVE_MIN && super::is_data_name(name)
}

/// The file at `path` as an aligned image for [`super::Elf::parse`], DWARF left unread: the
/// planned ranges at their file offsets in a zero-filled buffer of the file's size; the whole
/// file when there is no plan (see the module's notes), and a non-regular file (a pipe, a
/// character device: no size to trust) to its end.
pub fn read_object_file(path: &str) -> io::Result<AlignedBuf> {
    let mut f = File::open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        let mut all = Vec::new();
        f.read_to_end(&mut all)?;
        return Ok(AlignedBuf::copy_from(&all));
    }
    let len = meta.len();
    let Ok(size) = usize::try_from(len) else { return Err(io::Error::from_raw_os_error(libc::EFBIG)) };
    let mut buf = AlignedBuf::zeroed(size);
    let mut win = Windows::default();
    // A read error while planning reads the whole file, which reports it if it persists.
    match Plan::new(&f, len, &mut win, false) {
        Ok(Some(plan)) => {
            for &(start, end) in &plan.ranges {
                let dst = buf.as_bytes_mut().get_mut(start as usize..end as usize).ok_or_else(short)?;
                win.read_exact_at(&f, dst, start)?;
            }
        }
        Ok(None) | Err(_) => f.read_exact(buf.as_bytes_mut())?,
    }
    Ok(buf)
}

fn short() -> io::Error {
    io::Error::from(io::ErrorKind::UnexpectedEof)
}

/// Exactly `dst.len()` bytes of `f` from offset `off`, read straight into `dst`, which need not
/// be initialized (nothing is zero-filled before the read): on `Ok` every byte of `dst` holds the
/// file's. A file that ends first is `UnexpectedEof`; `EINTR` is retried.
pub(super) fn read_exact_at_uninit(f: &File, dst: &mut [std::mem::MaybeUninit<u8>], mut off: u64) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let mut done = 0usize;
    while done < dst.len() {
        let rest = &mut dst[done..];
        let at = libc::off_t::try_from(off).map_err(|_| io::Error::from_raw_os_error(libc::EFBIG))?;
        // SAFETY: `rest` is live, writable memory of `rest.len()` bytes (MaybeUninit<u8> admits any
        // contents); pread writes at most that many and does not keep the pointer.
        let n = unsafe { libc::pread(f.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len(), at) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        done += n as usize;
        off += n as u64;
    }
    Ok(())
}

/// Exactly `n` bytes of `f` from offset `off` in a new vector, read without zero-filling it
/// first (see [`read_exact_at_uninit`]).
fn read_vec_at(f: &File, n: usize, off: u64) -> io::Result<Vec<u8>> {
    let mut v = Vec::with_capacity(n);
    read_exact_at_uninit(f, &mut v.spare_capacity_mut()[..n], off)?;
    // SAFETY: the read initialized all `n` bytes of the spare capacity (it returned Ok).
    unsafe { v.set_len(n) };
    Ok(v)
}

/// The parts of a regular object file that open reads (the one `Plan`), packed: each range placed at
/// an offset congruent to its file offset modulo 8 (so every section keeps its alignment),
/// with `e_shoff` and each read section's `sh_offset` rewritten to the new place. A skipped
/// section keeps its size and gets an offset past the image, so reading its data fails (open
/// ignores DWARF before looking at data). A few `pread`s of what open parses instead of mapping
/// the file, faulting its pages in and unmapping them. `None` (nothing read into an image) when
/// there is no plan or it cannot be packed (see the module's notes); the caller then maps the
/// file whole, so the parser reports what is wrong with the real bytes; also `None` for an
/// image over [`COMPACT_MAX`] bytes besides global data, which is cheaper mapped. With
/// `leave_data`, writable global data of at least [`LEAVE_MIN`] bytes that no other section
/// needs is not read: it points past the image like DWARF, and [`Compact::left`] says where it
/// is in the file.
pub fn read_compact(f: &File, len: u64, leave_data: bool) -> io::Result<Option<Compact>> {
    let mut win = Windows::default();
    let Some(plan) = Plan::new(f, len, &mut win, leave_data)? else { return Ok(None) };
    let Some(packed) = plan.pack() else { return Ok(None) };
    if (packed.len as u64).saturating_sub(plan.data_bytes) > COMPACT_MAX as u64 {
        return Ok(None);
    }
    // Each range at its place, the gaps between them zero; nothing cleared before it is read.
    let built = AlignedBuf::build(packed.len, |img| {
        for (&(start, end), &at) in plan.ranges.iter().zip(&packed.at) {
            if !img.zero_to(at) || !win.append(f, img, start, (end - start) as usize)? {
                return Ok(false);
            }
        }
        Ok(true)
    })?;
    let Some(mut buf) = built else { return Ok(None) };
    let img = buf.as_bytes_mut();
    // The header and table as read must be the ones planned from (the file may have changed).
    let table_at = packed.table_at;
    if img.get(..EHDR_LEN) != Some(&plan.ehdr[..])
        || img.get(table_at..table_at + plan.table.len()) != Some(&plan.table[..])
    {
        return Ok(None);
    }
    img[0x28..0x30].copy_from_slice(&(table_at as u64).to_le_bytes());
    for (i, off) in packed.sec_offs.iter().enumerate() {
        let h = table_at + i * SHDR_LEN + 0x18;
        img[h..h + 8].copy_from_slice(&off.to_le_bytes());
    }
    Ok(Some(Compact { image: buf, left: plan.left }))
}

/// Bytes read ahead: the file's first [`HEAD_LEN`] bytes (the ELF header and, in clang's
/// layout, the program sections after it) and a window ending at the section table's end (the
/// table and, just before it, clang's section-name and symbol-name tables). Reads inside them
/// are copies, not syscalls.
#[derive(Default)]
struct Windows {
    head: Vec<u8>,
    tail: (u64, Vec<u8>),
}

/// The largest image read compactly, global data not counted. Past it, allocating,
/// zero-filling and copying the image costs more than mapping the file and faulting in what the
/// parser touches (measured: a 450 KiB image of a 500-program object opened 1.3x slower read
/// than mapped; 35–110 KiB images of 10–100-program objects 15–25% faster read). Global data is
/// not counted because open keeps all of it: read, the object holds on to the image instead of
/// copying it (`object::databuf`); mapped, it would be copied out of the mapping.
const COMPACT_MAX: usize = 256 << 10;

/// How much of the file's start is read ahead.
const HEAD_LEN: u64 = 4096;
/// How much of the file before the section table is read with it.
const TAIL_LEN: u64 = 8192;

impl Windows {
    /// `dst.len()` bytes at `off`, from a window that holds them all, else by `pread`.
    fn read_exact_at(&self, f: &File, dst: &mut [u8], off: u64) -> io::Result<()> {
        match self.held(off, dst.len()).filter(|w| w.len() == dst.len()) {
            Some(w) => dst.copy_from_slice(w),
            None => f.read_exact_at(dst, off)?,
        }
        Ok(())
    }

    /// `n` bytes at `off` appended to `img`: what the windows hold copied from them, the rest
    /// read (a range over the whole file, global data's usual case, reads only what lies
    /// between the windows).
    fn append(&self, f: &File, img: &mut super::Filler<'_>, mut off: u64, mut n: usize) -> io::Result<bool> {
        while n > 0 {
            let done = match self.held(off, n) {
                Some(w) => img.copy(w).then_some(w.len()),
                None => {
                    // up to where the tail window starts, if it starts inside the range
                    let t = self.tail.0;
                    let m =
                        if t > off && t - off < n as u64 && !self.tail.1.is_empty() { (t - off) as usize } else { n };
                    img.read_at(f, m, off)?.then_some(m)
                }
            };
            let Some(m) = done else { return Ok(false) };
            off += m as u64;
            n -= m;
        }
        Ok(true)
    }

    /// The bytes from file offset `off` on (at most `n`) that a window holds, if it holds `off`.
    fn held(&self, off: u64, n: usize) -> Option<&[u8]> {
        fn from(start: u64, w: &[u8], off: u64, n: usize) -> Option<&[u8]> {
            let rel = usize::try_from(off.checked_sub(start)?).ok().filter(|&r| r < w.len())?;
            Some(&w[rel..w.len().min(rel.saturating_add(n))])
        }
        from(0, &self.head, off, n).or_else(|| from(self.tail.0, &self.tail.1, off, n))
    }
}

/// Where a section's data is, as planned.
#[derive(Clone, Copy)]
enum Data {
    /// Section 0 and NOBITS sections: none (offset 0 in a packed image).
    None,
    /// An empty section: no bytes; a packed image keeps this remainder of its offset modulo 8
    /// (an empty but misaligned relocation section is an error the parser reports).
    Empty(u64),
    /// Read from this file offset.
    Read(u64),
    /// DWARF, or global data left in the file: unread (offset past the end of a packed image).
    Unread,
}

/// What open reads of a file: the one plan both layouts place.
struct Plan {
    ehdr: [u8; EHDR_LEN],
    shoff: u64,
    table: Vec<u8>,
    /// The file ranges to read, sorted; ranges closer than [`MERGE_GAP`] merged.
    ranges: Vec<(u64, u64)>,
    /// Per section, where its data is.
    secs: Vec<Data>,
    /// Whether the ranges may be packed with the table's offsets rewritten: not when the table
    /// starts inside the ELF header or data overlaps either (it would see rewritten fields),
    /// nor when an empty section's offset is past the end (the parser must see it).
    packable: bool,
    /// Bytes of global data read (allocated, non-executable PROGBITS sections: `.data*`,
    /// `.rodata*`, `.maps`...), which open keeps rather than parses.
    data_bytes: u64,
    /// Global data left in the file (only when asked to).
    left: Vec<LeftSection>,
}

/// A packed layout of a [`Plan`].
struct Packed {
    /// Per range of the plan, its offset in the image.
    at: Vec<usize>,
    /// The section table's offset in the image.
    table_at: usize,
    /// Per section, the `sh_offset` to write into the image's table.
    sec_offs: Vec<u64>,
    /// The image's size.
    len: usize,
}

impl Plan {
    /// The plan for the regular file `f` of `len` bytes, its header and tables read through
    /// `win` (which keeps the windows for the reads of the ranges); `None` when there is no plan
    /// (see the module's notes). With `leave_data`, [`leavable`] sections that no other
    /// section needs are planned unread and listed in [`Plan::left`].
    fn new(f: &File, len: u64, win: &mut Windows, leave_data: bool) -> io::Result<Option<Plan>> {
        let mut ehdr = [0u8; EHDR_LEN];
        if len < EHDR_LEN as u64 {
            return Ok(None);
        }
        win.head = read_vec_at(f, len.min(HEAD_LEN) as usize, 0)?;
        ehdr.copy_from_slice(&win.head[..EHDR_LEN]);
        let Some((shoff, shnum, shstrndx)) = plain_header(&ehdr) else { return Ok(None) };
        let Some(table_end) = shoff.checked_add(shnum * SHDR_LEN as u64).filter(|&e| e <= len) else {
            return Ok(None);
        };
        let tail_start = shoff.saturating_sub(TAIL_LEN).max(win.head.len() as u64).min(shoff);
        win.tail = (tail_start, read_vec_at(f, (table_end - tail_start) as usize, tail_start)?);
        let mut table = vec![0u8; (shnum as usize) * SHDR_LEN];
        win.read_exact_at(f, &mut table, shoff)?;
        // (type, flags, file offset, size) of section `i`
        let fields = |i: u64| -> Option<(u32, u64, u64, u64)> {
            let h = table.get(i as usize * SHDR_LEN..(i as usize + 1) * SHDR_LEN)?;
            Some((u32_at(h, 4)?, u64_at(h, 8)?, u64_at(h, 0x18)?, u64_at(h, 0x20)?))
        };
        let in_file = |off: u64, size: u64| off.checked_add(size).filter(|&e| e <= len);
        let Some((_, _, str_off, str_size)) = fields(shstrndx) else { return Ok(None) };
        let Some(str_end) = in_file(str_off, str_size) else { return Ok(None) };
        let mut names = vec![0u8; str_size as usize];
        win.read_exact_at(f, &mut names, str_off)?;
        let Some(roles) = section_roles(&table, &names, shstrndx) else { return Ok(None) };

        let mut wanted = vec![(0, EHDR_LEN as u64), (shoff, table_end), (str_off, str_end)];
        let mut secs = Vec::with_capacity(shnum as usize);
        let mut packable = shoff >= EHDR_LEN as u64;
        let mut data_bytes = 0u64;
        let mut left = Vec::new();
        for i in 0..shnum {
            let Some((sh_type, flags, off, size)) = fields(i) else { return Ok(None) };
            let role = roles[i as usize];
            let leave = || {
                let h = &table[i as usize * SHDR_LEN..];
                leave_data && role & NEEDED == 0 && leavable(sh_type, flags, size, name_of(h, &names))
            };
            secs.push(if i == 0 || sh_type == super::SHT_NOBITS {
                Data::None
            } else if size == 0 {
                packable &= off <= len;
                Data::Empty(off % 8)
            } else if role == DWARF {
                Data::Unread
            } else if leave() {
                // Still a range of the file, as a read section must be.
                if in_file(off, size).is_none() {
                    return Ok(None);
                }
                left.push(LeftSection { index: i as usize, offset: off, size });
                Data::Unread
            } else {
                let Some(end) = in_file(off, size) else { return Ok(None) };
                packable &= off >= EHDR_LEN as u64 && !(off < table_end && end > shoff);
                wanted.push((off, end));
                if sh_type == super::SHT_PROGBITS && flags & (SHF_ALLOC | SHF_EXECINSTR) == SHF_ALLOC {
                    data_bytes += size;
                }
                Data::Read(off)
            });
        }
        wanted.sort_unstable();
        let mut ranges: Vec<(u64, u64)> = Vec::with_capacity(wanted.len());
        for (s, e) in wanted {
            match ranges.last_mut() {
                Some(last) if s <= last.1.saturating_add(MERGE_GAP) => last.1 = last.1.max(e),
                _ => ranges.push((s, e)),
            }
        }
        Ok(Some(Plan { ehdr, shoff, table, ranges, secs, packable, data_bytes, left }))
    }

    /// The ranges packed one after another, each at an offset congruent to its file offset
    /// modulo 8 (alignment within a range holds); `None` when the plan cannot be packed.
    fn pack(&self) -> Option<Packed> {
        if !self.packable {
            return None;
        }
        let mut at = Vec::with_capacity(self.ranges.len());
        let mut len = 0usize;
        for &(s, e) in &self.ranges {
            let base = len.next_multiple_of(8) + (s % 8) as usize;
            at.push(base);
            len = base + (e - s) as usize;
        }
        // Where file offset `off` (inside a range) lands in the image.
        let new_off = |off: u64| -> Option<usize> {
            let i = self.ranges.iter().position(|&(s, e)| s <= off && off < e.max(s + 1))?;
            Some(at[i] + (off - self.ranges[i].0) as usize)
        };
        let past = len as u64 + 1;
        let mut sec_offs = Vec::with_capacity(self.secs.len());
        for d in &self.secs {
            sec_offs.push(match *d {
                Data::None => 0,
                Data::Empty(rem) => rem,
                Data::Read(off) => new_off(off)? as u64,
                Data::Unread => past,
            });
        }
        let table_at = new_off(self.shoff)?;
        Some(Packed { at, table_at, sec_offs, len })
    }
}

/// `(e_shoff, e_shnum, e_shstrndx)` of a plain ELF64 little-endian header with 64-byte section
/// entries and no extended numbering; `None` otherwise.
fn plain_header(ehdr: &[u8; EHDR_LEN]) -> Option<(u64, u64, u64)> {
    if &ehdr[..4] != b"\x7fELF" || ehdr[4] != 2 || ehdr[5] != 1 || !cfg!(target_endian = "little") {
        return None;
    }
    let shoff = u64_at(ehdr, 0x28)?;
    let shentsize = u16_at(ehdr, 0x3a)? as usize;
    let shnum = u16_at(ehdr, 0x3c)? as u64;
    let shstrndx = u16_at(ehdr, 0x3e)? as u64;
    if shentsize != SHDR_LEN || shnum == 0 || shstrndx >= shnum {
        return None;
    }
    Some((shoff, shnum, shstrndx))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str, bytes: &[u8]) -> String {
        let p = std::env::temp_dir().join(format!("oxbpf-elf-read-{}-{name}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().into_owned()
    }

    /// One section of a test file: name, type, offset, size, `sh_link`, `sh_info`, and the
    /// byte its data is filled with.
    struct S(&'static str, u32, u64, u64, u32, u32, u8);

    /// An ELF64 LE file: section 0, `.shstrtab` (index 1, its names at `names_at`), then
    /// `secs`; the section table at `shoff`.
    fn elf(shoff: u64, names_at: u64, secs: &[S]) -> Vec<u8> {
        let mut names = b"\0.shstrtab\0".to_vec();
        let mut hdrs = vec![(1u32, super::super::SHT_STRTAB, names_at, 0u64, 0u32, 0u32)];
        for s in secs {
            hdrs.push((names.len() as u32, s.1, s.2, s.3, s.4, s.5));
            names.extend_from_slice(s.0.as_bytes());
            names.push(0);
        }
        hdrs[0].3 = names.len() as u64;
        let shnum = hdrs.len() as u64 + 1;
        let data_end = secs.iter().map(|s| s.2 + s.3).chain([names_at + hdrs[0].3]).max().unwrap();
        let mut b = vec![0u8; data_end.max(shoff + shnum * SHDR_LEN as u64) as usize];
        for s in secs {
            b[s.2 as usize..(s.2 + s.3) as usize].fill(s.6);
        }
        b[names_at as usize..names_at as usize + names.len()].copy_from_slice(&names);
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[6] = 1; // EV_CURRENT
        b[0x10] = 1; // ET_REL
        b[0x12] = super::super::EM_BPF as u8;
        b[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        b[0x3a..0x3c].copy_from_slice(&(SHDR_LEN as u16).to_le_bytes());
        b[0x3c..0x3e].copy_from_slice(&(shnum as u16).to_le_bytes());
        b[0x3e..0x40].copy_from_slice(&1u16.to_le_bytes());
        for (i, (name, ty, off, size, link, info)) in hdrs.into_iter().enumerate() {
            let h = shoff as usize + (i + 1) * SHDR_LEN;
            b[h..h + 4].copy_from_slice(&name.to_le_bytes());
            b[h + 4..h + 8].copy_from_slice(&ty.to_le_bytes());
            b[h + 0x18..h + 0x20].copy_from_slice(&off.to_le_bytes());
            b[h + 0x20..h + 0x28].copy_from_slice(&size.to_le_bytes());
            b[h + 0x28..h + 0x2c].copy_from_slice(&link.to_le_bytes());
            b[h + 0x2c..h + 0x30].copy_from_slice(&info.to_le_bytes());
        }
        b
    }

    const PROGBITS: u32 = super::super::SHT_PROGBITS;

    /// A minimal file: sections NULL, .shstrtab, .text (bytes 0xaa), .debug_info (bytes 0xbb),
    /// far apart so the DWARF is not merged into a read.
    fn image() -> Vec<u8> {
        elf(
            0x9000,
            0x40,
            &[S(".text", PROGBITS, 0x2000, 16, 0, 0, 0xaa), S(".debug_info", PROGBITS, 0x4000, 0x3000, 0, 0, 0xbb)],
        )
    }

    /// `bytes` as a temporary file, read by [`read_object_file`] and [`read_compact`].
    fn read_both(name: &str, bytes: &[u8]) -> (AlignedBuf, Option<AlignedBuf>) {
        let p = tmp(name, bytes);
        let whole = read_object_file(&p).unwrap();
        let compact = read_compact(&File::open(&p).unwrap(), bytes.len() as u64, false).unwrap().map(|c| c.image);
        std::fs::remove_file(&p).unwrap();
        (whole, compact)
    }

    /// `got == want`, else a failure naming the first differing offset (not both buffers).
    fn same(got: &[u8], want: &[u8], what: &str) {
        let diff = got.iter().zip(want).position(|(a, b)| a != b);
        assert!(
            got.len() == want.len() && diff.is_none(),
            "{what}: lengths {} {}, first difference at {diff:#x?}",
            got.len(),
            want.len()
        );
    }

    /// `bytes` with the given ranges zeroed (what is left unread).
    fn zeroed(bytes: &[u8], ranges: &[(usize, usize)]) -> Vec<u8> {
        let mut b = bytes.to_vec();
        for &(s, e) in ranges {
            b[s..e].fill(0);
        }
        b
    }

    #[test]
    fn build_writes_pieces_and_zero_gaps_without_clearing_first() {
        let p = tmp("build", b"0123456789abcdef");
        let f = File::open(&p).unwrap();
        let buf = AlignedBuf::build(13, |img| {
            assert!(img.copy(b"xy"));
            assert!(img.zero_to(4));
            assert!(img.read_at(&f, 5, 10)?, "bytes 10..15 of the file");
            assert!(!img.zero_to(3), "a gap before what is written is refused");
            assert!(!img.copy(b"01234"), "past the length is refused");
            assert!(!img.read_at(&f, 5, 0)?, "past the length is refused");
            Ok(true)
        })
        .unwrap()
        .unwrap();
        assert_eq!(buf.as_bytes(), b"xy\0\0abcde\0\0\0\0", "the rest is zero");
        let short = AlignedBuf::build(8, |img| img.read_at(&f, 8, 12));
        assert_eq!(short.err().map(|e| e.kind()), Some(io::ErrorKind::UnexpectedEof), "the file ends at 16");
        assert!(AlignedBuf::build(8, |_| Ok(false)).unwrap().is_none(), "a fill that gives up");
        assert_eq!(AlignedBuf::build(0, |_| Ok(true)).unwrap().unwrap().as_bytes(), b"");
        drop(f);
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn dwarf_that_open_needs_is_read_on_both_paths() {
        const REL: u32 = super::super::SHT_REL;
        let secs = [
            S(".text", PROGBITS, 0x2000, 16, 0, 0, 0xaa),
            // Relocated into by .relx, which is not DWARF's own relocation section.
            S(".debug_info", PROGBITS, 0x4000, 0x100, 0, 0, 0xbb),
            S(".relx", REL, 0x5000, 16, 5, 3, 0xcc),
            // A symbol table and its strings under DWARF's names: open reads them by index.
            S(".debug_syms", super::super::SHT_SYMTAB, 0x6000, 48, 6, 0, 0),
            S(".debug_strs", super::super::SHT_STRTAB, 0x7000, 16, 0, 0, 0xdd),
            // DWARF proper: a section only DWARF's relocations point to, and those relocations.
            S(".debug_line", PROGBITS, 0xa000, 0x100, 0, 0, 0xee),
            S(".rel.debug_line", REL, 0xc000, 16, 5, 7, 0xff),
        ];
        let file = elf(0xe000, 0x40, &secs);
        let (whole, compact) = read_both("needed-dwarf", &file);
        let want = zeroed(&file, &[(0xa000, 0xa100), (0xc000, 0xc010)]);
        same(whole.as_bytes(), &want, "all but .debug_line and its relocations read in place");
        let compact = compact.expect("a plain layout");
        let b = compact.as_bytes();
        for (i, s) in secs.iter().enumerate().map(|(i, s)| (i + 2, s)) {
            let (off, size) = (sh_u64(b, i, 0x18) as usize, sh_u64(b, i, 0x20) as usize);
            assert_eq!(size as u64, s.3, "{}", s.0);
            if s.0.contains("debug_line") {
                assert!(off > b.len(), "{} is left unread", s.0);
            } else {
                assert!(b[off..off + size].iter().all(|&x| x == s.6), "{} read", s.0);
            }
        }
    }

    #[test]
    fn reads_all_but_dwarf() {
        let img = image();
        let p = tmp("dwarf", &img);
        let got = read_object_file(&p).unwrap();
        std::fs::remove_file(&p).unwrap();
        let got = got.as_bytes();
        assert_eq!(got.len(), img.len());
        let mut want = img.clone();
        want[0x4000..0x7000].fill(0);
        assert_eq!(got, &want[..], "everything but .debug_info is the file's");
    }

    /// Field `off` (u64) of section `i` in an image's table.
    fn sh_u64(img: &[u8], i: usize, off: usize) -> u64 {
        let shoff = u64_at(img, 0x28).unwrap() as usize;
        u64_at(img, shoff + i * SHDR_LEN + off).unwrap()
    }

    #[test]
    fn compact_image_holds_all_but_dwarf_at_new_offsets() {
        let img = image();
        let p = tmp("compact", &img);
        let f = File::open(&p).unwrap();
        let got = read_compact(&f, img.len() as u64, false).unwrap().expect("a plain layout").image;
        std::fs::remove_file(&p).unwrap();
        let b = got.as_bytes();
        assert!(b.len() < 0x1000, "only the header, table, names and .text: {} bytes", b.len());
        assert_eq!(&b[..0x28], &img[..0x28], "the header but e_shoff is the file's");
        let (text_off, text_size) = (sh_u64(b, 2, 0x18) as usize, sh_u64(b, 2, 0x20) as usize);
        assert_eq!((text_off % 8, text_size), (0x2000 % 8, 16));
        assert_eq!(&b[text_off..text_off + 16], &[0xaa; 16]);
        let names_off = sh_u64(b, 1, 0x18) as usize;
        assert_eq!(&b[names_off..names_off + 10], b"\0.shstrtab");
        // .debug_info keeps its size and points past the image.
        assert_eq!(sh_u64(b, 3, 0x20), 0x3000);
        assert!(sh_u64(b, 3, 0x18) > b.len() as u64);
    }

    #[test]
    fn compact_image_refuses_unusual_layouts() {
        let mut img = image();
        // .text moved onto the section table: its data would see rewritten offsets.
        let text_hdr = 0x9000 + 2 * SHDR_LEN + 0x18;
        img[text_hdr..text_hdr + 8].copy_from_slice(&0x9010u64.to_le_bytes());
        let p = tmp("overlap", &img);
        let f = File::open(&p).unwrap();
        assert!(read_compact(&f, img.len() as u64, false).unwrap().is_none());
        std::fs::remove_file(&p).unwrap();
        let mut img = image();
        img[0x3e] = 9; // e_shstrndx past the table
        let p = tmp("badstrndx", &img);
        let f = File::open(&p).unwrap();
        assert!(read_compact(&f, img.len() as u64, false).unwrap().is_none());
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn large_images_are_left_to_the_mapping() {
        // .text of `big` bytes, then DWARF, then the table, each 8 KiB after the other.
        let file = |big: u64| {
            let dwarf = 0x4000 + big;
            let secs = [
                S(".text", PROGBITS, 0x2000, big, 0, 0, 0xaa),
                S(".debug_info", PROGBITS, dwarf, 0x3000, 0, 0, 0xbb),
                symtab(0x200),
                strtab(0x240),
            ];
            elf(dwarf + 0x5000, 0x40, &secs)
        };
        assert!(read_both("small", &file(4096)).1.is_some(), "a small image is read");
        let big = COMPACT_MAX + 4096;
        let large = file(big as u64);
        let (whole, compact) = read_both("large", &large);
        assert!(compact.is_none(), "an image past COMPACT_MAX is mapped, not copied");
        let dwarf = 0x4000 + big;
        same(whole.as_bytes(), &zeroed(&large, &[(dwarf, dwarf + 0x3000)]), "read in place, DWARF left out");
        assert_eq!(parsed(whole.as_bytes()), parsed(&large));
    }

    #[test]
    fn a_range_over_both_windows_is_copied_from_them_and_read_between() {
        // One contiguous file: names, `.data` from inside the head window to inside the tail
        // window, then the table; the plan reads it as one range.
        let data_len = 0x6000u64;
        let shoff = 0x100 + data_len;
        let mut file = elf(shoff, 0x40, &[S(".data", PROGBITS, 0x100, data_len, 0, 0, 0)]);
        for (i, b) in file[0x100..0x100 + data_len as usize].iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        let (whole, compact) = read_both("windows", &file);
        let compact = compact.expect("a plain layout");
        same(compact.as_bytes(), &file, "compact image");
        same(whole.as_bytes(), &file, "whole read");
    }

    #[test]
    fn global_data_does_not_count_toward_the_limit() {
        // `.data` past COMPACT_MAX on its own (section 2), then the table.
        let big = (COMPACT_MAX + 4096) as u64;
        let shoff = 0x2000 + big;
        let secs = [
            S(".data", PROGBITS, 0x2000, big, 0, 0, 0xdd),
            S(".debug_info", PROGBITS, 0x1000, 0x100, 0, 0, 0xbb),
            symtab(0x200),
            strtab(0x240),
        ];
        let mut file = elf(shoff, 0x40, &secs);
        let flags_at = shoff as usize + 2 * SHDR_LEN + 8;
        assert!(read_both("data-noflags", &file).1.is_none(), "unflagged: counted, so mapped");
        file[flags_at..flags_at + 8].copy_from_slice(&(SHF_ALLOC | 1).to_le_bytes()); // SHF_WRITE
        let compact = read_both("data", &file).1.expect("global data is read, however large");
        let b = compact.as_bytes();
        let (off, size) = (sh_u64(b, 2, 0x18) as usize, sh_u64(b, 2, 0x20) as usize);
        assert_eq!(size as u64, big);
        assert!(b[off..off + size].iter().all(|&x| x == 0xdd), "the data is in the image");
        assert!(sh_u64(b, 3, 0x18) > b.len() as u64, "DWARF is not");
        file[flags_at..flags_at + 8].copy_from_slice(&(SHF_ALLOC | SHF_EXECINSTR).to_le_bytes());
        assert!(read_both("data-exec", &file).1.is_none(), "code counts");
    }

    /// Section 4, `.symtab` at `off`: two null symbols, its strings in section 5.
    fn symtab(off: u64) -> S {
        S(".symtab", super::super::SHT_SYMTAB, off, 48, 5, 0, 0)
    }
    /// Section 5, `.strtab` at `off`: one empty string.
    fn strtab(off: u64) -> S {
        S(".strtab", super::super::SHT_STRTAB, off, 1, 0, 0, 0)
    }

    /// What the parser makes of an image: its error, or each section's fields and whether its
    /// data is readable, and the data itself but DWARF's (left unread).
    fn parsed(b: &[u8]) -> String {
        match super::super::Elf::parse(b, "t") {
            Err(e) => format!("error {}: {}", e.errno(), e.message()),
            Ok(elf) => {
                let sec = |s: &super::super::Section| {
                    let dwarf = s.name.starts_with(".debug_") || s.name.starts_with(".rel.debug_");
                    let data = if dwarf { &[][..] } else { s.data };
                    format!("{} {} {} {} {:?} {data:?}\n", s.index, s.name, s.sh_type, s.size, s.data_err)
                };
                elf.sections.iter().map(sec).collect()
            }
        }
    }

    #[test]
    fn a_table_inside_the_header_is_read_in_place_not_packed() {
        // e_shoff 0x20: section 0's entry is the header's second half. Packing would rewrite
        // e_shoff inside the table; in place nothing is rewritten.
        let secs = [
            S(".text", PROGBITS, 0x2000, 16, 0, 0, 0xaa),
            S(".debug_info", PROGBITS, 0x4000, 0x100, 0, 0, 0xbb),
            symtab(0x1200),
            strtab(0x1240),
        ];
        let file = elf(0x20, 0x1000, &secs);
        let (whole, compact) = read_both("shoff32", &file);
        assert!(compact.is_none(), "not packed: open_file maps it");
        same(whole.as_bytes(), &zeroed(&file, &[(0x4000, 0x4100)]), "read in place, DWARF left out");
        assert_eq!(parsed(whole.as_bytes()), parsed(&file));
    }

    #[test]
    fn a_table_past_the_end_reads_the_whole_file() {
        let mut file = image();
        let shoff = file.len() as u64 - SHDR_LEN as u64;
        file[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        let (whole, compact) = read_both("pasteof", &file);
        assert!(compact.is_none(), "no plan: open_file maps it");
        same(whole.as_bytes(), &file, "no plan: the whole file, DWARF included");
        assert!(parsed(&file).starts_with("error "), "{}", parsed(&file));
    }

    #[test]
    fn unusual_headers_read_the_whole_file() {
        let mut img = image();
        img[0x3e] = 9; // e_shstrndx past the table
        let p = tmp("whole", &img);
        let got = read_object_file(&p).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert_eq!(got.as_bytes(), &img[..]);
        let p = tmp("notelf", b"hello");
        assert_eq!(read_object_file(&p).unwrap().as_bytes(), b"hello");
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn large_writable_data_is_left_in_the_file_when_asked() {
        const BIG: u64 = LEAVE_MIN;
        // Sections 2..: .text, then .data (left), .data.small (under LEAVE_MIN), .rodata
        // (read-only data is read), .data.str (another section's strings: needed), .strs.
        let (data, small, ro, linked) = (0x2000, 0x3000 + BIG, 0x4000 + 2 * BIG, 0x5000 + 3 * BIG);
        let secs = [
            S(".text", PROGBITS, 0x1000, 16, 0, 0, 0xaa),
            S(".data", PROGBITS, data, BIG, 0, 0, 0x11),
            S(".data.small", PROGBITS, small, LEAVE_MIN - 8, 0, 0, 0x22),
            S(".rodata", PROGBITS, ro, BIG, 0, 0, 0x33),
            S(".data.str", PROGBITS, linked, BIG, 0, 0, 0x44),
            S(".strs", PROGBITS, linked + BIG + 0x1000, 16, 6, 0, 0x55),
            S(".symtab", super::super::SHT_SYMTAB, linked + BIG + 0x1100, 48, 9, 0, 0),
            S(".strtab", super::super::SHT_STRTAB, linked + BIG + 0x1200, 1, 0, 0, 0),
        ];
        let file = elf(linked + BIG + 0x2000, 0x40, &secs);
        let p = tmp("left-data", &file);
        let f = File::open(&p).unwrap();
        let kept = read_compact(&f, file.len() as u64, false).unwrap().expect("a plain layout");
        let left = read_compact(&f, file.len() as u64, true).unwrap().expect("a plain layout");
        std::fs::remove_file(&p).unwrap();
        assert!(kept.left.is_empty(), "nothing is left unless asked");
        assert_eq!(left.left, [LeftSection { index: 3, offset: data, size: BIG }]);
        assert!(left.image.as_bytes().len() + BIG as usize <= kept.image.as_bytes().len(), "the bytes are not read");
        let elf = super::super::Elf::parse(left.image.as_bytes(), "t").unwrap();
        let d = &elf.sections[3];
        assert!(d.data.is_empty() && d.data_err.is_some() && d.size == BIG, "{d:?}");
        for (i, fill) in [(2, 0xaa), (4, 0x22), (5, 0x33), (6, 0x44), (7, 0x55)] {
            let s = &elf.sections[i];
            assert!(s.size > 0 && s.data.len() == s.size as usize, "{} read", s.name);
            assert!(s.data.iter().all(|&b| b == fill), "{} holds the file's bytes", s.name);
        }
        assert_eq!(parsed(kept.image.as_bytes()), parsed(&file), "read whole when not asked");
    }
}
