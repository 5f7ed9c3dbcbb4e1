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

/// Sections never read at open: DWARF and the relocations of DWARF.
fn skipped(name: &[u8]) -> bool {
    name.starts_with(b".debug_") || name.starts_with(b".rel.debug_")
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

    let mut ranges = vec![(0, EHDR_LEN as u64), (shoff, table_end), (str_off, str_end)];
    for i in 1..shnum {
        let (name_off, sh_type, off, size) = fields(i)?;
        if sh_type == super::SHT_NOBITS || size == 0 {
            continue;
        }
        let name = names.get(name_off as usize..).unwrap_or(&[]);
        if skipped(name) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str, bytes: &[u8]) -> String {
        let p = std::env::temp_dir().join(format!("oxbpf-elf-read-{}-{name}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().into_owned()
    }

    /// A minimal ELF64 LE image: sections NULL, .shstrtab, .text (bytes 0xaa), .debug_info
    /// (bytes 0xbb), far apart so the DWARF is not merged into a read.
    fn image() -> Vec<u8> {
        let names = b"\0.shstrtab\0.text\0.debug_info\0";
        let (names_off, text_off, dbg_off, shoff) = (0x40u64, 0x2000u64, 0x4000u64, 0x9000u64);
        let mut b = vec![0u8; shoff as usize + 4 * SHDR_LEN];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        b[0x3a..0x3c].copy_from_slice(&(SHDR_LEN as u16).to_le_bytes());
        b[0x3c..0x3e].copy_from_slice(&4u16.to_le_bytes());
        b[0x3e..0x40].copy_from_slice(&1u16.to_le_bytes());
        b[names_off as usize..names_off as usize + names.len()].copy_from_slice(names);
        b[text_off as usize..text_off as usize + 16].fill(0xaa);
        b[dbg_off as usize..dbg_off as usize + 0x3000].fill(0xbb);
        let mut sh = |i: usize, name: u32, ty: u32, off: u64, size: u64| {
            let h = shoff as usize + i * SHDR_LEN;
            b[h..h + 4].copy_from_slice(&name.to_le_bytes());
            b[h + 4..h + 8].copy_from_slice(&ty.to_le_bytes());
            b[h + 0x18..h + 0x20].copy_from_slice(&off.to_le_bytes());
            b[h + 0x20..h + 0x28].copy_from_slice(&size.to_le_bytes());
        };
        sh(1, 1, super::super::SHT_STRTAB, names_off, names.len() as u64);
        sh(2, 11, super::super::SHT_PROGBITS, text_off, 16);
        sh(3, 17, super::super::SHT_PROGBITS, dbg_off, 0x3000);
        b
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
