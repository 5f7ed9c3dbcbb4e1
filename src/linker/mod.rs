//! The static BPF linker (libbpf's `bpf_linker__*`): combines BPF ELF objects into one, as
//! `bpftool gen object` does.
//!
//! For each input file ([`Linker::add_file`]):
//! 1. the ELF is checked (64-bit little-endian relocatable BPF, one symbol table, sane sections,
//!    symbols and relocations) and its `.BTF`/`.BTF.ext` parsed; DWARF, `.llvm_addrsig`, string
//!    tables and empty `.text` are dropped;
//! 2. the input's BTF DATASECs get their real sizes and variable offsets (from the ELF), and
//!    DATASECs with no ELF section (`.kconfig`, `.ksyms`) become ephemeral "section shells";
//! 3. data and code sections are appended to the output section of the same name, each input
//!    at an offset rounded up to the larger alignment (`license`/`version` must be identical
//!    and are kept once);
//! 4. symbols are appended; globals are resolved by name: an extern takes the definition, a
//!    strong definition beats a weak one, two strong definitions conflict, and both sides' BTF
//!    (and `.maps` definitions) must agree;
//! 5. relocations are appended with rewritten offsets and symbol indexes (instructions
//!    referring to a section symbol get the section's new offset added);
//! 6. BTF types are appended and renumbered (globals already present reuse their type), and
//!    DATASEC entries collected per output section; `.BTF.ext` records follow their section
//!    with adjusted instruction offsets, type ids and strings.
//!
//! [`Linker::finalize`] emits one DATASEC per output section, assembles `.BTF.ext`,
//! deduplicates the BTF and writes the ELF file named at [`Linker::new`].
//!
//! Messages and errno values follow libbpf 1.5's linker. Inputs are read whole and parsed with
//! the bounds-checked readers of [`crate::elf`] and [`crate::btf`]. Only little-endian objects
//! are accepted (as everywhere in this library).

mod btf;
mod btfbuf;
mod compat;
mod elfout;
mod finalize;
mod input;
mod sections;
mod symbols;

use crate::btf::{Btf, BtfExt, Kind, FUNC_STATIC, VAR_STATIC};
use crate::elf::{self, Elf};
use crate::error::{Error, Result};
use btfbuf::{kind_of, vlen_of, BtfBuf, StrSet};

const SHN_LORESERVE: u16 = 0xff00;
const SYM_SIZE: usize = 24;
const REL_SIZE: usize = 16;
const BPF_CALL_CODE: u8 = 0x85; // BPF_JMP | BPF_CALL
const EXTERN_SEC: &str = ".extern";
const MAPS_SEC: &str = ".maps";

/// An `Elf64_Sym` of the output.
#[derive(Clone, Copy, Default)]
struct Sym {
    name: u32,
    info: u8,
    other: u8,
    shndx: u16,
    value: u64,
    size: u64,
}

impl Sym {
    fn bind(&self) -> u8 {
        self.info >> 4
    }
    fn typ(&self) -> u8 {
        self.info & 0xf
    }
}

/// `.BTF.ext` records gathered for one output section.
#[derive(Default)]
struct ExtData {
    rec_sz: u32,
    cnt: usize,
    recs: Vec<u8>,
}

/// One output section; `ephemeral` ones (`.kconfig`, `.ksyms`) exist only to carry BTF
/// variables and have no ELF section until real contents arrive.
#[derive(Default)]
struct DstSec {
    name: String,
    ephemeral: bool,
    /// ELF section index (0: none yet).
    sec_idx: usize,
    sh_type: u32,
    flags: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
    size: u64,
    data: Vec<u8>,
    /// The section's STT_SECTION symbol (one per output section).
    sec_sym_idx: usize,
    has_btf: bool,
    /// DATASEC entries: (type id, offset, size).
    sec_vars: Vec<[u32; 3]>,
    func_info: ExtData,
    line_info: ExtData,
    core_relo: ExtData,
}

/// What a global's VAR/FUNC type should point at, pending the current file's renumbering.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Underlying {
    /// Re-read from the next file that describes the symbol.
    Unset,
    /// This input type id, to be renumbered once the file's types are appended.
    Pending(u32),
    Done,
}

/// A global (or extern) symbol of the output.
struct GlobSym {
    name: String,
    sym_idx: usize,
    /// Output section id (not ELF index) for .maps/.kconfig/.ksyms etc.; 0 for `.extern`.
    sec_id: usize,
    btf_id: u32,
    underlying: Underlying,
    var_idx: Option<usize>,
    is_extern: bool,
    is_weak: bool,
}

/// The output ELF's destination: a file [`Linker::new`] created (closed with the linker), or
/// the caller's descriptor from [`Linker::new_fd`] (written at offset 0 as libelf does, never
/// closed here).
enum Output {
    Owned(std::fs::File),
    Caller(i32),
}

/// libbpf's `struct bpf_linker`: the output under construction.
pub struct Linker {
    filename: String,
    /// Where the output goes; `None` once finalized.
    file: Option<Output>,
    /// Output sections by id; `secs[0]` is a placeholder, 1 is `.strtab`, 2 `.symtab`.
    secs: Vec<DstSec>,
    next_elf_idx: usize,
    strtab: StrSet,
    syms: Vec<Sym>,
    btf: BtfBuf,
    glob_syms: Vec<GlobSym>,
    /// `e_ident[EI_DATA]` of the output: set by the first input.
    ei_data: u8,
}

const STRTAB_IDX: usize = 1;
const SYMTAB_IDX: usize = 2;

/// One input section, or an ephemeral shell for a BTF DATASEC without an ELF section.
struct SrcSec {
    name: String,
    /// ELF index (0 for ephemeral sections).
    sec_idx: usize,
    ephemeral: bool,
    skipped: bool,
    sh_type: u32,
    flags: u64,
    align: u64,
    entsize: u64,
    size: u64,
    link: u32,
    info: u32,
    dst_id: usize,
    dst_off: u64,
    sec_type_id: u32,
}

/// One input file while it is being added.
struct SrcObj<'d> {
    filename: String,
    elf: Elf<'d>,
    /// Positional: index i < ELF section count is ELF section i; ephemeral shells follow.
    secs: Vec<SrcSec>,
    symtab_idx: usize,
    btf: Option<Btf>,
    ext: Option<BtfExt>,
    sym_map: Vec<usize>,
    type_map: Vec<u32>,
}

fn inval(msg: impl Into<String>) -> Error {
    Error::inval(msg)
}

fn rd_u32(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4).map_or(0, |s| u32::from_le_bytes(s.try_into().unwrap_or([0; 4])))
}

fn wr_u32(b: &mut [u8], off: usize, v: u32) {
    if let Some(s) = b.get_mut(off..off + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

fn rd_u64(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8).map_or(0, |s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])))
}

fn wr_u64(b: &mut [u8], off: usize, v: u64) {
    if let Some(s) = b.get_mut(off..off + 8) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

fn is_non_static(rec: &[u32]) -> bool {
    match kind_of(rec) {
        Kind::Var => rec.get(3).copied().unwrap_or(0) != VAR_STATIC,
        Kind::Func => vlen_of(rec) as u32 != FUNC_STATIC,
        _ => false,
    }
}

impl Linker {
    /// `bpf_linker__new`: create (truncate) the output file and an empty output.
    pub fn new(filename: &str) -> Result<Linker> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .custom_flags(libc::O_CLOEXEC)
            .open(filename)
            .map_err(|e| {
                let errno = e.raw_os_error().unwrap_or(libc::EIO);
                Error::new(errno, format!("failed to create '{filename}': -{errno}"))
            })?;
        Ok(Self::with_output(filename.to_owned(), Output::Owned(file)))
    }

    /// `bpf_linker__new_fd` (libbpf 1.6): link into the caller's descriptor `fd`, which stays
    /// the caller's (named `fd:N` in messages).
    pub fn new_fd(fd: i32) -> Result<Linker> {
        if fd < 0 {
            return Err(Error::inval(format!("bpf_linker__new_fd: invalid fd {fd}")));
        }
        Ok(Self::with_output(format!("fd:{fd}"), Output::Caller(fd)))
    }

    fn with_output(filename: String, out: Output) -> Linker {
        let mut l = Linker {
            filename,
            file: Some(out),
            secs: vec![DstSec::default()],
            next_elf_idx: 1,
            strtab: StrSet::new(),
            syms: vec![Sym::default()],
            btf: BtfBuf::new(),
            glob_syms: Vec::new(),
            ei_data: 0,
        };
        let strtab = l.new_elf_sec(".strtab");
        let s = &mut l.secs[strtab];
        s.sh_type = elf::SHT_STRTAB;
        s.flags = 0x20; // SHF_STRINGS
        s.align = 1;
        let symtab = l.new_elf_sec(".symtab");
        let s = &mut l.secs[symtab];
        s.sh_type = elf::SHT_SYMTAB;
        s.link = STRTAB_IDX as u32;
        s.align = 8;
        s.entsize = SYM_SIZE as u64;
        l
    }

    /// The output file name.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    fn add_dst_sec(&mut self, name: &str) -> usize {
        self.secs.push(DstSec { name: name.to_owned(), ..Default::default() });
        self.secs.len() - 1
    }

    /// A new output section with its ELF index allocated and name added.
    fn new_elf_sec(&mut self, name: &str) -> usize {
        let id = self.add_dst_sec(name);
        self.alloc_elf(id);
        id
    }

    fn alloc_elf(&mut self, id: usize) {
        self.secs[id].sec_idx = self.next_elf_idx;
        self.next_elf_idx += 1;
        let name = self.secs[id].name.clone();
        self.strtab.add(name.as_bytes());
    }

    fn init_sec(&mut self, dst: usize, src: &SrcSec) {
        let d = &mut self.secs[dst];
        d.size = 0;
        d.sec_idx = 0;
        d.ephemeral = src.ephemeral;
        if src.ephemeral {
            return;
        }
        self.alloc_elf(dst);
        let d = &mut self.secs[dst];
        d.sh_type = src.sh_type;
        d.flags = src.flags;
        d.link = 0;
        d.info = 0;
        d.align = src.align;
        d.entsize = src.entsize;
        d.data.clear();
    }

    fn find_dst_sec(&self, name: &str) -> Option<usize> {
        (1..self.secs.len()).find(|&i| self.secs[i].name == name)
    }

    fn find_glob(&self, name: &str) -> Option<usize> {
        self.glob_syms.iter().position(|g| g.name == name)
    }
}

fn find_src_sec(obj: &SrcObj<'_>, name: &str) -> Option<usize> {
    (1..obj.secs.len()).find(|&i| obj.secs[i].name == name)
}

#[cfg(test)]
mod tests {
    use super::input::is_ignored;
    use super::*;

    #[test]
    fn ignored_sections() {
        assert!(is_ignored(".debug_info", elf::SHT_PROGBITS, 10));
        assert!(is_ignored(".rel.debug_info", elf::SHT_REL, 10));
        assert!(is_ignored(".rel.BTF", elf::SHT_REL, 10));
        assert!(is_ignored(".text", elf::SHT_PROGBITS, 0));
        assert!(!is_ignored(".text", elf::SHT_PROGBITS, 8));
        assert!(is_ignored(".strtab", elf::SHT_STRTAB, 8));
    }

    #[test]
    fn missing_output_dir_is_enoent() {
        let e = Linker::new("/nonexistent-dir/x.o").err().unwrap();
        assert_eq!(e.errno(), libc::ENOENT);
        assert!(e.message().starts_with("failed to create '/nonexistent-dir/x.o': -2"), "{}", e.message());
    }
}
