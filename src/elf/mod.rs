//! ELF reading for BPF objects, on top of the `object` crate's bounds-checked parser.
//!
//! [`Elf::parse`] validates the header the way libbpf does (64-bit, relocatable, machine BPF or
//! NONE for old LLVM, little endian: this library runs on little-endian hosts only and refuses
//! big-endian objects with a clear message) and exposes sections, symbols and relocations as
//! plain values. Every offset and size is checked by `object` against the file; nothing here
//! reads file bytes through raw pointers. Input must be 8-byte aligned (callers copy the file into
//! an aligned buffer first: skeletons embed the ELF as an unaligned string literal).

use crate::error::{Error, Result};
use object::elf::{self, FileHeader64};

mod read;
use object::read::elf::{FileHeader, Rel as _, SectionHeader, Sym as _};
use object::{Endianness, LittleEndian};
pub use read::{read_compact, read_object_file, Compact, LeftSection, LEAVE_MIN};

pub const SHT_PROGBITS: u32 = elf::SHT_PROGBITS;
pub const SHT_SYMTAB: u32 = elf::SHT_SYMTAB;
pub const SHT_STRTAB: u32 = elf::SHT_STRTAB;
pub const SHT_NOBITS: u32 = elf::SHT_NOBITS;
pub const SHT_REL: u32 = elf::SHT_REL;
pub const SHT_LLVM_ADDRSIG: u32 = 0x6fff_4c03;
pub const SHF_EXECINSTR: u64 = elf::SHF_EXECINSTR as u64;
pub const SHF_ALLOC: u64 = elf::SHF_ALLOC as u64;
pub const STT_NOTYPE: u8 = elf::STT_NOTYPE;
pub const STT_OBJECT: u8 = elf::STT_OBJECT;
pub const STT_FUNC: u8 = elf::STT_FUNC;
pub const STT_SECTION: u8 = elf::STT_SECTION;
pub const STB_LOCAL: u8 = elf::STB_LOCAL;
pub const STB_GLOBAL: u8 = elf::STB_GLOBAL;
pub const STB_WEAK: u8 = elf::STB_WEAK;
pub const STV_DEFAULT: u8 = elf::STV_DEFAULT;
pub const STV_INTERNAL: u8 = elf::STV_INTERNAL;
pub const STV_HIDDEN: u8 = elf::STV_HIDDEN;
pub const SHN_UNDEF: u16 = elf::SHN_UNDEF;
pub const SHN_ABS: u16 = elf::SHN_ABS;
pub const SHN_COMMON: u16 = elf::SHN_COMMON;
/// BPF relocation types (R_BPF_*).
pub const R_BPF_64_64: u32 = 1;
pub const R_BPF_64_ABS64: u32 = 2;
pub const R_BPF_64_ABS32: u32 = 3;
pub const R_BPF_64_NODYLD32: u32 = 4;
pub const R_BPF_64_32: u32 = 10;
pub const EM_BPF: u16 = 247;

/// Whether a section of this name holds writable global data, as libbpf names it: `.data` or
/// `.data.*` (the object makes a `.data` map of it; open may leave a large one unread).
pub fn is_data_name(name: &[u8]) -> bool {
    name == b".data" || name.starts_with(b".data.")
}

/// One section header with its name and contents (empty for SHT_NOBITS).
#[derive(Debug, Clone)]
pub struct Section<'d> {
    pub index: usize,
    pub name: &'d str,
    pub sh_type: u32,
    pub flags: u64,
    pub size: u64,
    pub link: u32,
    pub info: u32,
    pub entsize: u64,
    pub align: u64,
    /// The contents; empty for SHT_NOBITS and for contents that lie outside the file.
    pub data: &'d [u8],
    /// Why the contents could not be read (offset/size outside the file), if so. Parsing does
    /// not fail for it: like libbpf, only sections the object layer uses must be readable (a
    /// broken DWARF section is never looked at). Kept as the parser's error, not its text:
    /// the DWARF sections a compact read leaves out all have one, and open never prints them.
    pub data_err: Option<object::read::Error>,
}

impl Section<'_> {
    pub fn is_exec(&self) -> bool {
        self.flags & SHF_EXECINSTR != 0
    }
}

/// One symbol-table entry.
#[derive(Debug, Clone)]
pub struct Symbol<'d> {
    pub index: usize,
    pub name: &'d str,
    /// `st_name`: the name's offset in the string table (libbpf's debug log prints it).
    pub name_off: u32,
    pub value: u64,
    pub size: u64,
    pub shndx: u16,
    pub bind: u8,
    pub typ: u8,
    pub visibility: u8,
}

/// One `Elf64_Rel` entry.
#[derive(Debug, Clone, Copy)]
pub struct Rel {
    pub offset: u64,
    pub sym: u32,
    pub r_type: u32,
}

/// A parsed BPF ELF object, borrowing the file bytes.
pub struct Elf<'d> {
    pub sections: Vec<Section<'d>>,
    pub symbols: Vec<Symbol<'d>>,
    /// Index of the symbol table section.
    pub symtab_index: usize,
    /// Index of the string table the symbol table uses.
    pub strtab_index: usize,
    data: &'d [u8],
}

/// A malformed ELF container: libbpf 1.5 fails these with `-LIBBPF_ERRNO__FORMAT` (errno 4001).
fn fmt_err(what: impl std::fmt::Display) -> Error {
    Error::new(crate::error::lerr::FORMAT, format!("elf: {what}"))
}

impl<'d> Elf<'d> {
    /// Parse and validate. `label` names the file in messages (path or object name).
    pub fn parse(data: &'d [u8], label: &str) -> Result<Elf<'d>> {
        if data.len() < 16 || &data[..4] != b"\x7fELF" {
            return Err(fmt_err(format_args!("'{label}' is not a proper ELF object")));
        }
        if data[4] != elf::ELFCLASS64 {
            return Err(fmt_err(format_args!("'{label}' is not a 64-bit ELF object")));
        }
        match data[5] {
            elf::ELFDATA2LSB => {}
            elf::ELFDATA2MSB => {
                return Err(Error::new(
                    libc::EOPNOTSUPP,
                    format!("elf: '{label}' is big-endian; this library only handles native (little-endian) objects"),
                ))
            }
            _ => return Err(Error::new(crate::error::lerr::ENDIAN, format!("elf: '{label}' has unknown byte order"))),
        }
        let hdr = FileHeader64::<Endianness>::parse(data)
            .map_err(|e| fmt_err(format_args!("failed to get ELF header from {label}: {e}")))?;
        let endian = hdr.endian().map_err(|e| fmt_err(format_args!("{label}: {e}")))?;
        let e_type = hdr.e_type(endian);
        let machine = hdr.e_machine(endian);
        if e_type != elf::ET_REL || (machine != 0 && machine != EM_BPF) {
            return Err(fmt_err(format_args!("{label} is not a valid eBPF object file")));
        }
        let table = hdr
            .sections(endian, data)
            .map_err(|e| fmt_err(format_args!("failed to read section headers of {label}: {e}")))?;
        let mut sections = Vec::with_capacity(table.len());
        let mut symtab_index = 0usize;
        for (index, sh) in table.iter().enumerate() {
            let name_bytes = table
                .section_name(endian, sh)
                .map_err(|e| fmt_err(format_args!("section #{index} of {label}: bad name: {e}")))?;
            let name = std::str::from_utf8(name_bytes)
                .map_err(|_| fmt_err(format_args!("section #{index} of {label}: name is not UTF-8")))?;
            let sh_type = sh.sh_type(endian);
            let (data_slice, data_err): (&[u8], _) = if sh_type == SHT_NOBITS || index == 0 {
                (&[], None)
            } else {
                match sh.data(endian, data) {
                    Ok(d) => (d, None),
                    Err(e) => (&[], Some(e)),
                }
            };
            if sh_type == SHT_SYMTAB {
                if symtab_index != 0 {
                    return Err(fmt_err(format_args!("multiple symbol tables in {label}")));
                }
                symtab_index = index;
            }
            sections.push(Section {
                index,
                name,
                sh_type,
                flags: sh.sh_flags(endian),
                size: sh.sh_size(endian),
                link: sh.sh_link(endian),
                info: sh.sh_info(endian),
                entsize: sh.sh_entsize(endian),
                align: sh.sh_addralign(endian),
                data: data_slice,
                data_err,
            });
        }
        crate::work::add(crate::work::Kind::ElfEntry, sections.len());
        if symtab_index == 0 {
            return Err(Error::new(
                libc::ENOENT,
                format!("elf: couldn't find symbol table in {label}, stripped object file?"),
            ));
        }
        let symtab = table
            .symbols(endian, data, SHT_SYMTAB)
            .map_err(|e| fmt_err(format_args!("symbol table of {label}: {e}")))?;
        let strtab_index = symtab.string_section().0;
        if strtab_index == 0 || strtab_index >= sections.len() {
            return Err(fmt_err(format_args!("symbol strings section missing or invalid in {label}")));
        }
        let strings = symtab.strings();
        let mut symbols = Vec::with_capacity(symtab.len());
        for (index, sym) in symtab.iter().enumerate() {
            let name_bytes = sym
                .name(endian, strings)
                .map_err(|e| fmt_err(format_args!("symbol #{index} of {label}: bad name: {e}")))?;
            let name = std::str::from_utf8(name_bytes)
                .map_err(|_| fmt_err(format_args!("symbol #{index} of {label}: name is not UTF-8")))?;
            symbols.push(Symbol {
                index,
                name,
                name_off: sym.st_name(endian),
                value: sym.st_value(endian),
                size: sym.st_size(endian),
                shndx: sym.st_shndx(endian),
                bind: sym.st_bind(),
                typ: sym.st_type(),
                visibility: sym.st_visibility(),
            });
        }
        crate::work::add(crate::work::Kind::ElfEntry, symbols.len());
        Ok(Elf { sections, symbols, symtab_index, strtab_index, data })
    }

    pub fn section(&self, idx: usize) -> Option<&Section<'d>> {
        self.sections.get(idx)
    }

    pub fn section_by_name(&self, name: &str) -> Option<&Section<'d>> {
        let found = self.sections.iter().position(|s| s.name == name);
        crate::work::add(crate::work::Kind::ScanStep, found.map_or(self.sections.len(), |i| i + 1));
        found.and_then(|i| self.sections.get(i))
    }

    pub fn symbol(&self, idx: usize) -> Option<&Symbol<'d>> {
        self.symbols.get(idx)
    }

    /// The relocations of an SHT_REL section (entries must be `Elf64_Rel`, 16 bytes).
    pub fn rels(&self, sec: &Section<'d>) -> Result<Vec<Rel>> {
        if sec.sh_type != SHT_REL {
            return Err(fmt_err(format_args!("section '{}' is not SHT_REL", sec.name)));
        }
        if sec.entsize != std::mem::size_of::<elf::Rel64<LittleEndian>>() as u64 {
            return Err(fmt_err(format_args!(
                "relocation section '{}' has entry size {}, expected 16",
                sec.name, sec.entsize
            )));
        }
        let rels: &[elf::Rel64<LittleEndian>] = object::pod::slice_from_all_bytes(sec.data)
            .map_err(|_| fmt_err(format_args!("relocation section '{}' has a partial entry", sec.name)))?;
        crate::work::add(crate::work::Kind::ElfEntry, rels.len());
        Ok(rels
            .iter()
            .map(|r| Rel {
                offset: r.r_offset(LittleEndian),
                sym: r.r_sym(LittleEndian),
                r_type: r.r_type(LittleEndian),
            })
            .collect())
    }

    /// The whole file.
    pub fn bytes(&self) -> &'d [u8] {
        self.data
    }
}

/// An owned, 8-byte-aligned copy of an ELF image (the `object` crate reads headers in place and
/// needs natural alignment; skeleton-embedded images may be unaligned).
pub struct AlignedBuf {
    words: Vec<u64>,
    len: usize,
}

impl AlignedBuf {
    pub fn copy_from(bytes: &[u8]) -> AlignedBuf {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        // Byte-wise copy into the u64 storage through a safe view.
        let dst: &mut [u8] = bytemuck_view_mut(&mut words);
        dst[..bytes.len()].copy_from_slice(bytes);
        AlignedBuf { words, len: bytes.len() }
    }
    /// `len` zero bytes (fresh zeroed memory: pages never written are never touched).
    pub fn zeroed(len: usize) -> AlignedBuf {
        AlignedBuf { words: vec![0u64; len.div_ceil(8)], len }
    }
    /// `len` bytes that `fill` writes front to back through a [`Filler`] (copies, file reads,
    /// zero runs), without zero-filling them first: an image read from a file is written once,
    /// not cleared and then overwritten (1 MiB of global data: a sixth of an open). Whatever
    /// `fill` leaves unwritten at the end is zero. `None` when `fill` gives up (returns false).
    pub fn build(
        len: usize,
        fill: impl FnOnce(&mut Filler<'_>) -> std::io::Result<bool>,
    ) -> std::io::Result<Option<AlignedBuf>> {
        let n_words = len.div_ceil(8);
        let mut words: Vec<u64> = Vec::with_capacity(n_words);
        let spare = &mut words.spare_capacity_mut()[..n_words];
        // SAFETY: the same memory as `spare` (n_words * 8 bytes, borrowed from `words` for this
        // scope) viewed as bytes; MaybeUninit<u8> has alignment 1 and admits any contents.
        let bytes: &mut [std::mem::MaybeUninit<u8>] =
            unsafe { std::slice::from_raw_parts_mut(spare.as_mut_ptr().cast(), n_words * 8) };
        let mut filler = Filler { bytes, len, done: 0 };
        if !fill(&mut filler)? {
            return Ok(None);
        }
        let end = filler.bytes.len();
        filler.zero_to_end(end);
        debug_assert_eq!(filler.done, n_words * 8);
        // SAFETY: `Filler` initializes bytes only front to back and counts them in `done`; it
        // just reached the end of the n_words * 8 bytes, so every word is initialized.
        unsafe { words.set_len(n_words) };
        Ok(Some(AlignedBuf { words, len }))
    }
    pub fn as_bytes(&self) -> &[u8] {
        let all: &[u8] = bytemuck_view(&self.words);
        &all[..self.len]
    }
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        let len = self.len;
        &mut bytemuck_view_mut(&mut self.words)[..len]
    }
}

/// Writes an [`AlignedBuf`] under construction front to back ([`AlignedBuf::build`]): the bytes
/// before `done` are initialized, the rest are not and are never read. Each method refuses (false)
/// what would write before `done` or past the buffer's length.
pub struct Filler<'a> {
    bytes: &'a mut [std::mem::MaybeUninit<u8>],
    len: usize,
    done: usize,
}

impl Filler<'_> {
    /// Zero bytes up to `at` (the gap before the next piece).
    pub fn zero_to(&mut self, at: usize) -> bool {
        if at < self.done || at > self.len {
            return false;
        }
        self.zero_to_end(at);
        true
    }

    fn zero_to_end(&mut self, at: usize) {
        for b in &mut self.bytes[self.done..at] {
            b.write(0);
        }
        self.done = at;
    }

    /// `src` next.
    pub fn copy(&mut self, src: &[u8]) -> bool {
        let Some(dst) = self.next(src.len()) else { return false };
        for (d, s) in dst.iter_mut().zip(src) {
            d.write(*s);
        }
        self.done += src.len();
        true
    }

    /// `n` bytes of `f` at offset `off` next (exactly: a file that ends first is an error).
    pub fn read_at(&mut self, f: &std::fs::File, n: usize, off: u64) -> std::io::Result<bool> {
        let Some(dst) = self.next(n) else { return Ok(false) };
        read::read_exact_at_uninit(f, dst, off)?;
        self.done += n;
        Ok(true)
    }

    fn next(&mut self, n: usize) -> Option<&mut [std::mem::MaybeUninit<u8>]> {
        let end = self.done.checked_add(n).filter(|&e| e <= self.len)?;
        Some(&mut self.bytes[self.done..end])
    }
}

fn bytemuck_view(w: &[u64]) -> &[u8] {
    // SAFETY: u64 has no padding and any u8 view of initialised u64s is valid; the length is
    // exactly the byte size of the slice and the lifetime is tied to `w`.
    unsafe { std::slice::from_raw_parts(w.as_ptr() as *const u8, std::mem::size_of_val(w)) }
}

fn bytemuck_view_mut(w: &mut [u64]) -> &mut [u8] {
    // SAFETY: as above; every byte pattern is a valid u64, so writes through the view are fine.
    unsafe { std::slice::from_raw_parts_mut(w.as_mut_ptr() as *mut u8, std::mem::size_of_val(w)) }
}
