//! Reading an object file for `bpf_object__open_file` without reading its DWARF: most of a
//! `-g` object is `.debug_*` sections (and their relocations), which libbpf never looks at (it
//! maps the file and touches only what it parses). The image is a zero-filled buffer of the
//! file's size into which the ELF header, the section header table and every other section are
//! read at their offsets, so offsets, sizes and every check [`super::Elf::parse`] makes are
//! those of the file; only the skipped sections' bytes read as zeros. Anything unusual about the
//! header (not ELF64 little-endian, extended section numbering, tables out of the file) reads
//! the whole file instead, so the parser reports it as before.

use super::AlignedBuf;
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

/// Per section of the 64-byte entries in `table` (names in `names`), whether open leaves it
/// unread: only DWARF proper, a section of DWARF's name (`.debug_*`, `.rel.debug_*`) and type
/// (PROGBITS, or REL for its relocations) that no other section needs. The section-name table,
/// a section another links to (a symbol table's strings) and the target of a relocation
/// section that is not DWARF's own are read whatever their names: open reads them by index.
fn unread_dwarf(table: &[u8], names: &[u8], shstrndx: u64) -> Option<Vec<bool>> {
    let shnum = table.len() / SHDR_LEN;
    let dwarf = |h: &[u8]| -> Option<bool> {
        let sh_type = u32_at(h, 4)?;
        let name = names.get(u32_at(h, 0)? as usize..).unwrap_or(&[]);
        let dwarf_name = name.starts_with(b".debug_") || name.starts_with(b".rel.debug_");
        Some(dwarf_name && (sh_type == super::SHT_PROGBITS || sh_type == super::SHT_REL))
    };
    let mut needed = vec![false; shnum];
    *needed.get_mut(shstrndx as usize)? = true;
    let mut unread = vec![false; shnum];
    for (i, h) in table.chunks_exact(SHDR_LEN).enumerate().skip(1) {
        if dwarf(h)? {
            unread[i] = true;
            continue;
        }
        if let Some(n) = needed.get_mut(u32_at(h, 0x28)? as usize) {
            *n = true;
        }
        if u32_at(h, 4)? == super::SHT_REL {
            if let Some(n) = needed.get_mut(u32_at(h, 0x2c)? as usize) {
                *n = true;
            }
        }
    }
    for (u, n) in unread.iter_mut().zip(&needed) {
        *u &= !n;
    }
    Some(unread)
}

/// The file at `path` as an aligned image for [`super::Elf::parse`], DWARF left unread.
pub fn read_object_file(path: &str) -> io::Result<AlignedBuf> {
    let mut f = File::open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        // A pipe or character device has no size to trust: read to the end.
        let mut all = Vec::new();
        f.read_to_end(&mut all)?;
        return Ok(AlignedBuf::copy_from(&all));
    }
    let len = meta.len();
    let Ok(size) = usize::try_from(len) else { return Err(io::Error::from_raw_os_error(libc::EFBIG)) };
    let mut buf = AlignedBuf::zeroed(size);
    match needed_ranges(&f, len) {
        Some(ranges) => {
            for (start, end) in ranges {
                let dst = buf.as_bytes_mut().get_mut(start as usize..end as usize).ok_or_else(short)?;
                f.read_exact_at(dst, start)?;
            }
        }
        None => f.read_exact(buf.as_bytes_mut())?,
    }
    Ok(buf)
}

fn short() -> io::Error {
    io::Error::from(io::ErrorKind::UnexpectedEof)
}

/// Byte ranges of the file to read, sorted and merged; `None` to read it all.
fn needed_ranges(f: &File, len: u64) -> Option<Vec<(u64, u64)>> {
    let mut ehdr = [0u8; EHDR_LEN];
    f.read_exact_at(&mut ehdr, 0).ok()?;
    // ELF64, little-endian (what the parser accepts on this host); anything else reads it all.
    if &ehdr[..4] != b"\x7fELF" || ehdr[4] != 2 || ehdr[5] != 1 || !cfg!(target_endian = "little") {
        return None;
    }
    let shoff = u64_at(&ehdr, 0x28)?;
    let shentsize = u16_at(&ehdr, 0x3a)? as usize;
    let shnum = u16_at(&ehdr, 0x3c)? as u64;
    let shstrndx = u16_at(&ehdr, 0x3e)? as u64;
    if shentsize != SHDR_LEN || shnum == 0 || shstrndx >= shnum {
        return None;
    }
    let table_end = shoff.checked_add(shnum * SHDR_LEN as u64).filter(|&e| e <= len)?;
    let mut table = vec![0u8; (shnum as usize) * SHDR_LEN];
    f.read_exact_at(&mut table, shoff).ok()?;
    let shdr = |i: u64| table.get(i as usize * SHDR_LEN..(i as usize + 1) * SHDR_LEN);
    // (name offset, type, file offset, size) of section `i`
    let fields = |i: u64| -> Option<(u32, u32, u64, u64)> {
        let h = shdr(i)?;
        Some((u32_at(h, 0)?, u32_at(h, 4)?, u64_at(h, 0x18)?, u64_at(h, 0x20)?))
    };
    let in_file = |off: u64, size: u64| off.checked_add(size).filter(|&e| e <= len);
    let (_, _, str_off, str_size) = fields(shstrndx)?;
    let str_end = in_file(str_off, str_size)?;
    let mut names = vec![0u8; str_size as usize];
    f.read_exact_at(&mut names, str_off).ok()?;

    let unread = unread_dwarf(&table, &names, shstrndx)?;
    let mut ranges = vec![(0, EHDR_LEN as u64), (shoff, table_end), (str_off, str_end)];
    for i in 1..shnum {
        let (_, sh_type, off, size) = fields(i)?;
        if sh_type == super::SHT_NOBITS || size == 0 || unread[i as usize] {
            continue;
        }
        // A section out of the file: read it all and let the parser say so.
        ranges.push((off, in_file(off, size)?));
    }
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1.saturating_add(MERGE_GAP) => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    Some(merged)
}

/// The parts of a regular object file that open reads, packed: the ELF header, the section
/// header table and every section but DWARF, each range placed at an offset congruent to its
/// file offset modulo 8 (so every section keeps its alignment), with `e_shoff` and each read
/// section's `sh_offset` rewritten to the new place. A skipped section keeps its size and gets
/// an offset past the image, so reading its data fails (open ignores DWARF before looking at
/// data). A few `pread`s of what open parses instead of mapping the file, faulting its pages in
/// and unmapping them. `None` (nothing read into an image) when the layout is anything but
/// plain: not ELF64 little-endian, extended numbering, tables or sections out of the file,
/// entry sizes not 64; the caller then reads or maps the file whole, so the parser reports
/// what is wrong with the real bytes; also `None` for an image over [`COMPACT_MAX`] bytes,
/// which is cheaper mapped.
pub fn read_compact(f: &File, len: u64) -> io::Result<Option<AlignedBuf>> {
    let mut win = Windows { head: Vec::new(), tail: (0, Vec::new()) };
    let Some(plan) = Plan::new(f, len, &mut win)? else { return Ok(None) };
    if plan.image_len > COMPACT_MAX {
        return Ok(None);
    }
    let mut buf = AlignedBuf::zeroed(plan.image_len);
    let img = buf.as_bytes_mut();
    for r in &plan.ranges {
        let Some(dst) = img.get_mut(r.new_off..r.new_off + (r.end - r.start) as usize) else { return Ok(None) };
        win.read_exact_at(f, dst, r.start)?;
    }
    // The header and table as read must be the ones planned from (the file may have changed).
    if img.get(..EHDR_LEN) != Some(&plan.ehdr[..]) {
        return Ok(None);
    }
    let table_at = plan.new_off_of(plan.shoff).filter(|&t| img.get(t..t + plan.table.len()) == Some(&plan.table[..]));
    let Some(table_at) = table_at else { return Ok(None) };
    img[0x28..0x30].copy_from_slice(&(table_at as u64).to_le_bytes());
    for (i, off) in plan.sec_offs.iter().enumerate() {
        let h = table_at + i * SHDR_LEN + 0x18;
        img[h..h + 8].copy_from_slice(&off.to_le_bytes());
    }
    Ok(Some(buf))
}

/// Bytes read ahead: the file's first [`HEAD_LEN`] bytes (the ELF header and, in clang's
/// layout, the program sections after it) and a window ending at the section table's end (the
/// table and, just before it, clang's section-name and symbol-name tables). Reads inside them
/// are copies, not syscalls.
struct Windows {
    head: Vec<u8>,
    tail: (u64, Vec<u8>),
}

/// The largest image read compactly. Past it, allocating, zero-filling and copying the image
/// costs more than mapping the file and faulting in what the parser touches (measured: a
/// 450 KiB image of a 500-program object opened 1.3x slower read than mapped; 35–110 KiB images
/// of 10–100-program objects 15–25% faster read).
const COMPACT_MAX: usize = 256 << 10;

/// How much of the file's start is read ahead.
const HEAD_LEN: u64 = 4096;
/// How much of the file before the section table is read with it.
const TAIL_LEN: u64 = 8192;

impl Windows {
    /// `dst.len()` bytes at `off`, from a window that holds them all, else by `pread`.
    fn read_exact_at(&self, f: &File, dst: &mut [u8], off: u64) -> io::Result<()> {
        let n = dst.len() as u64;
        let from = |start: u64, w: &[u8]| -> Option<std::ops::Range<usize>> {
            let rel = off.checked_sub(start)?;
            (rel.checked_add(n)? <= w.len() as u64).then(|| rel as usize..(rel + n) as usize)
        };
        if let Some(r) = from(0, &self.head) {
            dst.copy_from_slice(&self.head[r]);
        } else if let Some(r) = from(self.tail.0, &self.tail.1) {
            dst.copy_from_slice(&self.tail.1[r]);
        } else {
            f.read_exact_at(dst, off)?;
        }
        Ok(())
    }
}

/// A file range to read and where it goes in the compact image.
struct Range {
    start: u64,
    end: u64,
    new_off: usize,
}

/// What [`read_compact`] reads and how it lays it out.
struct Plan {
    ehdr: [u8; EHDR_LEN],
    shoff: u64,
    table: Vec<u8>,
    ranges: Vec<Range>,
    /// Per section, the `sh_offset` to write into the image's table.
    sec_offs: Vec<u64>,
    image_len: usize,
}

impl Plan {
    fn new(f: &File, len: u64, win: &mut Windows) -> io::Result<Option<Plan>> {
        let mut ehdr = [0u8; EHDR_LEN];
        if len < EHDR_LEN as u64 {
            return Ok(None);
        }
        win.head = vec![0u8; len.min(HEAD_LEN) as usize];
        f.read_exact_at(&mut win.head, 0)?;
        ehdr.copy_from_slice(&win.head[..EHDR_LEN]);
        let Some((shoff, shnum, shstrndx)) = plain_header(&ehdr) else { return Ok(None) };
        let Some(table_end) = shoff.checked_add(shnum * SHDR_LEN as u64).filter(|&e| e <= len) else {
            return Ok(None);
        };
        let tail_start = shoff.saturating_sub(TAIL_LEN).max(win.head.len() as u64).min(shoff);
        let mut tail = vec![0u8; (table_end - tail_start) as usize];
        f.read_exact_at(&mut tail, tail_start)?;
        win.tail = (tail_start, tail);
        let mut table = vec![0u8; (shnum as usize) * SHDR_LEN];
        win.read_exact_at(f, &mut table, shoff)?;
        let fields = |i: u64| -> Option<(u32, u32, u64, u64)> {
            let h = table.get(i as usize * SHDR_LEN..(i as usize + 1) * SHDR_LEN)?;
            Some((u32_at(h, 0)?, u32_at(h, 4)?, u64_at(h, 0x18)?, u64_at(h, 0x20)?))
        };
        let in_file = |off: u64, size: u64| off.checked_add(size).filter(|&e| e <= len);
        let Some((_, _, str_off, str_size)) = fields(shstrndx) else { return Ok(None) };
        let Some(str_end) = in_file(str_off, str_size) else { return Ok(None) };
        let mut names = vec![0u8; str_size as usize];
        win.read_exact_at(f, &mut names, str_off)?;

        let Some(unread) = unread_dwarf(&table, &names, shstrndx) else { return Ok(None) };
        let mut wanted = vec![(0, EHDR_LEN as u64), (shoff, table_end), (str_off, str_end)];
        // Per section: Some(file offset) when read; None for section 0, NOBITS and empty
        // sections (offset 0 in the image) and for skipped ones (offset past the image).
        let mut sec_ranges: Vec<(Option<u64>, bool)> = Vec::with_capacity(shnum as usize);
        // Empty sections: the image offset keeps the file offset's remainder modulo 8 (an
        // empty but misaligned relocation section is an error the parser reports).
        let mut empty_at: Vec<(usize, u64)> = Vec::new();
        for i in 0..shnum {
            let Some((_, sh_type, off, size)) = fields(i) else { return Ok(None) };
            if i == 0 || sh_type == super::SHT_NOBITS {
                sec_ranges.push((None, false));
                continue;
            }
            if size == 0 {
                // Empty data is still checked against the file: an offset past its end is an
                // error the parser must see.
                if off > len {
                    return Ok(None);
                }
                sec_ranges.push((None, false));
                empty_at.push((i as usize, off % 8));
                continue;
            }
            if unread[i as usize] {
                sec_ranges.push((None, true));
                continue;
            }
            let Some(end) = in_file(off, size) else { return Ok(None) };
            // Data overlapping the header or the table would see the rewritten fields.
            if off < EHDR_LEN as u64 || (off < table_end && end > shoff) {
                return Ok(None);
            }
            wanted.push((off, end));
            sec_ranges.push((Some(off), false));
        }
        wanted.sort_unstable();
        let mut ranges: Vec<Range> = Vec::with_capacity(wanted.len());
        let mut image_len = 0usize;
        for (s, e) in wanted {
            match ranges.last_mut() {
                Some(last) if s <= last.end.saturating_add(MERGE_GAP) => {
                    if e > last.end {
                        image_len += (e - last.end) as usize;
                        last.end = e;
                    }
                }
                _ => {
                    // Congruent to the file offset modulo 8: alignment within the range holds.
                    let base = image_len.next_multiple_of(8) + (s % 8) as usize;
                    ranges.push(Range { start: s, end: e, new_off: base });
                    image_len = base + (e - s) as usize;
                }
            }
        }
        let past = image_len as u64 + 1;
        let mut sec_offs = Vec::with_capacity(sec_ranges.len());
        for (read_at, skip) in sec_ranges {
            sec_offs.push(match (read_at, skip) {
                (Some(off), _) => match new_off_in(&ranges, off) {
                    Some(n) => n as u64,
                    None => return Ok(None),
                },
                (None, true) => past,
                (None, false) => 0,
            });
        }
        for (i, rem) in empty_at {
            sec_offs[i] = rem;
        }
        Ok(Some(Plan { ehdr, shoff, table, ranges, sec_offs, image_len }))
    }

    /// Where file offset `off` (inside a planned range) lands in the image.
    fn new_off_of(&self, off: u64) -> Option<usize> {
        new_off_in(&self.ranges, off)
    }
}

/// Where file offset `off` lands in the image laid out by `ranges`.
fn new_off_in(ranges: &[Range], off: u64) -> Option<usize> {
    let r = ranges.iter().find(|r| r.start <= off && off < r.end.max(r.start + 1))?;
    Some(r.new_off + (off - r.start) as usize)
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
    if shentsize != SHDR_LEN || shnum == 0 || shstrndx >= shnum || shoff < EHDR_LEN as u64 {
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
        let compact = read_compact(&File::open(&p).unwrap(), bytes.len() as u64).unwrap();
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
        let got = read_compact(&f, img.len() as u64).unwrap().expect("a plain layout");
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
        assert!(read_compact(&f, img.len() as u64).unwrap().is_none());
        std::fs::remove_file(&p).unwrap();
        let mut img = image();
        img[0x3e] = 9; // e_shstrndx past the table
        let p = tmp("badstrndx", &img);
        let f = File::open(&p).unwrap();
        assert!(read_compact(&f, img.len() as u64).unwrap().is_none());
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn large_images_are_left_to_the_mapping() {
        // .text of `big` bytes, ending just before the table, far from DWARF.
        let read = |big: u64| {
            let mut img = image();
            let shoff = 0x2000 + big + 0x1000;
            img.resize(shoff as usize, 0);
            let table: Vec<u8> = image()[0x9000..0x9000 + 4 * SHDR_LEN].to_vec();
            img.extend_from_slice(&table);
            img[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
            let text_size = shoff as usize + 2 * SHDR_LEN + 0x20;
            img[text_size..text_size + 8].copy_from_slice(&big.to_le_bytes());
            let dbg_off = shoff as usize + 3 * SHDR_LEN + 0x18;
            img[dbg_off..dbg_off + 8].copy_from_slice(&0x1000u64.to_le_bytes());
            let p = tmp(&format!("large-{big}"), &img);
            let f = File::open(&p).unwrap();
            let got = read_compact(&f, img.len() as u64).unwrap();
            std::fs::remove_file(&p).unwrap();
            got.is_some()
        };
        assert!(read(4096), "a small image is read");
        assert!(!read((COMPACT_MAX + 4096) as u64), "an image past COMPACT_MAX is mapped, not copied");
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
}
