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

mod btfbuf;
mod compat;
mod elfout;

use crate::btf::{fields, Btf, BtfExt, Kind, FUNC_GLOBAL, FUNC_STATIC, VAR_GLOBAL_ALLOCATED, VAR_STATIC};
use crate::elf::{self as elf, Elf};
use crate::error::{Error, Result};
use btfbuf::{kind_of, vlen_of, BtfBuf, StrSet};
use std::io::Write;

const SHT_LLVM_ADDRSIG: u32 = elf::SHT_LLVM_ADDRSIG;
const SHN_LORESERVE: u16 = 0xff00;
const SHF_EXECINSTR: u64 = elf::SHF_EXECINSTR;
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

fn is_dwarf(name: &str) -> bool {
    name.starts_with(".debug_")
}

fn is_ignored(name: &str, sh_type: u32, size: u64) -> bool {
    if sh_type == elf::SHT_STRTAB || sh_type == SHT_LLVM_ADDRSIG {
        return true;
    }
    if sh_type == elf::SHT_PROGBITS && size == 0 && name == ".text" {
        return true;
    }
    if is_dwarf(name) {
        return true;
    }
    if let Some(rest) = name.strip_prefix(".rel") {
        if is_dwarf(rest) || rest == ".BTF" || rest == ".BTF.ext" {
            return true;
        }
    }
    false
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

    /// `bpf_linker__add_file`: link in one object file.
    pub fn add_file(&mut self, filename: &str) -> Result<()> {
        if self.file.is_none() {
            // libbpf refuses silently once the ELF is written.
            return Err(Error::quiet(libc::EINVAL));
        }
        crate::pr_debug!("linker: adding object file '{}'...", filename);
        let bytes = std::fs::read(filename).map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            Error::new(errno, format!("failed to open file '{filename}': -{errno}"))
        })?;
        self.add_bytes(filename, &bytes)
    }

    /// `bpf_linker__add_fd` (libbpf 1.6): link in the object the caller's descriptor `fd`
    /// holds (read from offset 0, as libelf does; the descriptor stays open).
    pub fn add_fd(&mut self, fd: i32) -> Result<()> {
        if self.file.is_none() {
            return Err(Error::quiet(libc::EINVAL));
        }
        if fd < 0 {
            return Err(Error::inval(format!("bpf_linker__add_fd: invalid fd {fd}")));
        }
        let name = format!("fd:{fd}");
        crate::pr_debug!("linker: adding object file '{}'...", name);
        let bytes = crate::sys::read_fd_from_start(fd)
            .map_err(|e| Error::new(e, format!("failed to read '{name}': {}", crate::sys::strerror(e))))?;
        self.add_bytes(&name, &bytes)
    }

    /// `bpf_linker__add_buf` (libbpf 1.6): link in the object held in `buf` (named
    /// `mem:ADDR+SIZE` in messages, as libbpf names its memfd).
    pub fn add_buf(&mut self, buf: &[u8], addr: usize) -> Result<()> {
        if self.file.is_none() {
            return Err(Error::quiet(libc::EINVAL));
        }
        let name = if addr == 0 { format!("mem:(nil)+{}", buf.len()) } else { format!("mem:{addr:#x}+{}", buf.len()) };
        crate::pr_debug!("linker: adding object file '{}'...", name);
        self.add_bytes(&name, buf)
    }

    fn add_bytes(&mut self, filename: &str, bytes: &[u8]) -> Result<()> {
        let buf = elf::AlignedBuf::copy_from(bytes);
        let mut obj = self.load_obj(filename, buf.as_bytes())?;
        self.append_sec_data(&mut obj)?;
        self.append_elf_syms(&mut obj)?;
        self.append_elf_relos(&mut obj)?;
        self.append_btf(&mut obj)?;
        self.append_btf_ext(&mut obj)?;
        Ok(())
    }

    fn load_obj<'d>(&mut self, filename: &str, data: &'d [u8]) -> Result<SrcObj<'d>> {
        // The header checks libbpf's linker makes, in its order, before the ELF is parsed.
        if data.len() < 64 || &data[..4] != b"\x7fELF" {
            return Err(inval(format!("failed to get ELF header for {filename}: invalid `Elf' handle")));
        }
        let order = data[5];
        if order != 1 && order != 2 {
            return Err(Error::notsup(format!("unknown byte order of ELF file {filename}")));
        }
        if self.ei_data == 0 {
            if order != 1 {
                return Err(Error::notsup(format!(
                    "big-endian ELF file {filename} is not supported (this library handles little-endian objects only)"
                )));
            }
            self.ei_data = order;
            crate::pr_debug!("linker: set little-endian output byte order");
        } else if self.ei_data != order {
            return Err(Error::notsup(format!("byte order mismatch with ELF file {filename}")));
        }
        let e_type = u16::from_le_bytes([data[16], data[17]]);
        let machine = u16::from_le_bytes([data[18], data[19]]);
        if e_type != 1 || machine != 247 || data[4] != 2 {
            // libbpf appends libelf's (empty) error text: "no error".
            return Err(Error::notsup(format!("unsupported kind of ELF file {filename}: no error")));
        }
        let elf = Elf::parse(data, filename).map_err(|e| {
            let m = e.message();
            if m.contains("couldn't find symbol table") {
                inval(format!("ELF is missing SYMTAB section in {filename}"))
            } else if m.contains("multiple symbol tables") {
                Error::notsup("multiple SYMTAB sections found, not supported")
            } else {
                inval(m.trim_start_matches("elf: ").to_string())
            }
        })?;
        let mut obj = SrcObj {
            filename: filename.to_owned(),
            secs: Vec::with_capacity(elf.sections.len()),
            elf,
            symtab_idx: 0,
            btf: None,
            ext: None,
            sym_map: Vec::new(),
            type_map: Vec::new(),
        };
        let mut ext_raw: Option<&'d [u8]> = None;
        for (i, s) in obj.elf.sections.iter().enumerate() {
            let mut src = SrcSec {
                name: s.name.to_owned(),
                sec_idx: i,
                ephemeral: false,
                skipped: false,
                sh_type: s.sh_type,
                flags: s.flags,
                align: s.align,
                entsize: s.entsize,
                size: s.size,
                link: s.link,
                info: s.info,
                dst_id: 0,
                dst_off: 0,
                sec_type_id: 0,
            };
            if i == 0 {
                src.skipped = true;
                obj.secs.push(src);
                continue;
            }
            if let Some(why) = &s.data_err {
                return Err(inval(format!("failed to get section #{i} ({}) data from {filename}: {why}", s.name)));
            }
            if is_ignored(s.name, s.sh_type, s.size) {
                src.skipped = true;
                obj.secs.push(src);
                continue;
            }
            match s.sh_type {
                elf::SHT_SYMTAB => {
                    if obj.symtab_idx != 0 {
                        return Err(Error::notsup("multiple SYMTAB sections found, not supported"));
                    }
                    obj.symtab_idx = i;
                }
                elf::SHT_STRTAB | elf::SHT_NOBITS | elf::SHT_REL => {}
                elf::SHT_PROGBITS if s.name == ".BTF" => {
                    let btf = Btf::parse(s.data).map_err(|e| {
                        Error::new(
                            e.errno(),
                            format!("failed to parse .BTF from {filename}: -{} ({})", e.errno(), e.message()),
                        )
                    })?;
                    obj.btf = Some(btf);
                    src.skipped = true;
                }
                elf::SHT_PROGBITS if s.name == ".BTF.ext" => {
                    ext_raw = Some(s.data);
                    src.skipped = true;
                }
                elf::SHT_PROGBITS => {}
                _ => return Err(inval(format!("unrecognized section #{i} ({}) in {filename}", s.name))),
            }
            obj.secs.push(src);
        }
        if let Some(raw) = ext_raw {
            let Some(btf) = &obj.btf else {
                return Err(inval(format!("{filename}: .BTF.ext without .BTF")));
            };
            let ext = BtfExt::parse(raw, btf).map_err(|e| {
                Error::new(
                    e.errno(),
                    format!("failed to parse .BTF.ext from '{filename}': -{} ({})", e.errno(), e.message()),
                )
            })?;
            obj.ext = Some(ext);
        }
        sanity_check_elf(&obj)?;
        fixup_btf(&mut obj)?;
        Ok(obj)
    }

    fn extend_sec(&mut self, dst: usize, src: &mut SrcSec, src_data: &[u8]) {
        if src.ephemeral {
            return;
        }
        if self.secs[dst].ephemeral {
            self.init_sec(dst, src);
        }
        let d = &mut self.secs[dst];
        let align = d.align.max(1).max(src.align);
        let aligned = d.size.div_ceil(align) * align;
        if src.sh_type != elf::SHT_NOBITS {
            d.data.resize(aligned as usize, 0);
            d.data.extend_from_slice(src_data);
        }
        d.size = aligned + src.size;
        d.align = align;
        src.dst_off = aligned;
    }

    fn append_sec_data(&mut self, obj: &mut SrcObj<'_>) -> Result<()> {
        for i in 1..obj.secs.len() {
            let s = &obj.secs[i];
            let is_data = !s.skipped && (s.ephemeral || s.sh_type == elf::SHT_PROGBITS || s.sh_type == elf::SHT_NOBITS);
            if !is_data {
                continue;
            }
            let name = s.name.clone();
            let data: &[u8] = if s.ephemeral { &[] } else { obj.elf.sections[s.sec_idx].data };
            let dst = match self.find_dst_sec(&name) {
                None => {
                    let id = self.add_dst_sec(&name);
                    self.init_sec(id, &obj.secs[i]);
                    id
                }
                Some(id) => {
                    if !self.secs_match(id, &obj.secs[i]) {
                        return Err(Error::new(libc::EPERM, format!("ELF sections {name} are incompatible")));
                    }
                    if name == "license" || name == "version" {
                        let d = &self.secs[id];
                        if d.size != obj.secs[i].size || d.data.as_slice() != data {
                            return Err(inval(format!("non-identical contents of section '{name}' are not supported")));
                        }
                        obj.secs[i].skipped = true;
                        obj.secs[i].dst_id = id;
                        continue;
                    }
                    id
                }
            };
            obj.secs[i].dst_id = dst;
            self.extend_sec(dst, &mut obj.secs[i], data);
        }
        Ok(())
    }

    fn secs_match(&self, dst: usize, src: &SrcSec) -> bool {
        let d = &self.secs[dst];
        if d.ephemeral || src.ephemeral {
            return true;
        }
        let what = if d.sh_type != src.sh_type {
            "types"
        } else if d.flags != src.flags {
            "flags"
        } else if d.entsize != src.entsize {
            "entsize"
        } else {
            return true;
        };
        crate::pr_warn!("sec {} {} mismatch", d.name, what);
        false
    }

    fn append_elf_syms(&mut self, obj: &mut SrcObj<'_>) -> Result<()> {
        let n = obj.elf.symbols.len();
        obj.sym_map = vec![0; n + 1];
        for i in 1..n {
            self.append_elf_sym(obj, i)?;
        }
        Ok(())
    }

    fn add_sym(&mut self, s: Sym) -> usize {
        self.syms.push(s);
        self.syms.len() - 1
    }

    fn append_elf_sym(&mut self, obj: &mut SrcObj<'_>, idx: usize) -> Result<()> {
        let sym = obj.elf.symbols[idx].clone();
        let name = sym.name;
        let is_extern = sym.shndx == elf::SHN_UNDEF;
        let mut src_sec: Option<usize> = None;
        let mut dst_sec: Option<usize> = None;
        let info = (sym.bind << 4) | (sym.typ & 0xf);
        if is_extern {
            if obj.btf.is_none() {
                return Err(Error::notsup("externs without BTF info are not supported"));
            }
        } else if sym.shndx < SHN_LORESERVE {
            let s = &obj.secs[sym.shndx as usize];
            if s.skipped {
                return Ok(());
            }
            src_sec = Some(sym.shndx as usize);
            dst_sec = Some(s.dst_id);
            if sym.typ == elf::STT_SECTION && self.secs[s.dst_id].sec_sym_idx != 0 {
                obj.sym_map[idx] = self.secs[s.dst_id].sec_sym_idx;
                return Ok(());
            }
        }

        if sym.bind != elf::STB_LOCAL {
            let (btf_sec_id, btf_id) = find_glob_sym_btf(obj, name)?;
            if is_extern && btf_sec_id != 0 {
                let btf = obj.btf.as_ref().ok_or_else(|| inval("no BTF"))?;
                let sec_name = btf.ty(btf_sec_id).map(|t| t.name.to_owned()).unwrap_or_default();
                if sec_name != EXTERN_SEC {
                    let s = find_src_sec(obj, &sec_name).ok_or_else(|| {
                        Error::new(libc::ENOENT, format!("failed to find matching ELF sec '{sec_name}'"))
                    })?;
                    src_sec = Some(s);
                    dst_sec = Some(obj.secs[s].dst_id);
                }
            }

            if let Some(g) = self.find_glob(name) {
                let gs = &self.glob_syms[g];
                obj.sym_map[idx] = gs.sym_idx;
                if !is_extern && !gs.is_extern && !gs.is_weak && sym.bind != elf::STB_WEAK {
                    return Err(inval(format!(
                        "conflicting non-weak symbol #{idx} ({name}) definition in '{}'",
                        obj.filename
                    )));
                }
                if !self.glob_syms_match(name, g, obj, btf_id) {
                    return Err(Error::quiet(libc::EINVAL));
                }
                let dst_idx = self.glob_syms[g].sym_idx;
                if sym.bind == elf::STB_GLOBAL {
                    let d = &mut self.syms[dst_idx];
                    d.info = (elf::STB_GLOBAL << 4) | d.typ();
                    self.glob_syms[g].is_weak = false;
                }
                let vis = sym.visibility & 0x3;
                if vis > self.syms[dst_idx].other & 0x3 {
                    let d = &mut self.syms[dst_idx];
                    d.other = (d.other & !0x3) | vis;
                }
                if is_extern {
                    return Ok(());
                }
                if !self.glob_syms[g].is_extern && sym.bind == elf::STB_WEAK {
                    return Ok(());
                }
                let (Some(ss), Some(ds)) = (src_sec, dst_sec) else {
                    return Err(inval(format!("global '{name}': definition has no section")));
                };
                let d = &mut self.syms[dst_idx];
                d.info = (d.bind() << 4) | (sym.typ & 0xf);
                d.shndx = self.secs[ds].sec_idx as u16;
                d.value = obj.secs[ss].dst_off + sym.value;
                d.size = sym.size;
                let gs = &mut self.glob_syms[g];
                gs.sec_id = ds;
                gs.is_extern = false;
                let gbtf = gs.btf_id;
                self.complete_extern_btf_info(gbtf, obj, btf_id)?;
                self.glob_syms[g].underlying = Underlying::Unset;
                obj.sym_map[idx] = dst_idx;
                return Ok(());
            }
        }

        let name_off = self.strtab.add(name.as_bytes());
        let mut d = Sym {
            name: name_off,
            info,
            other: sym.visibility,
            shndx: dst_sec.map_or(sym.shndx, |ds| self.secs[ds].sec_idx as u16),
            value: src_sec.map_or(0, |s| obj.secs[s].dst_off) + sym.value,
            size: sym.size,
        };
        if sym.typ == elf::STT_SECTION {
            d.value = 0;
        }
        let di = self.add_sym(d);
        obj.sym_map[idx] = di;
        if sym.typ == elf::STT_SECTION {
            if let Some(ds) = dst_sec {
                self.secs[ds].sec_sym_idx = di;
            }
        }
        if sym.bind != elf::STB_LOCAL {
            self.glob_syms.push(GlobSym {
                name: name.to_owned(),
                sym_idx: di,
                sec_id: dst_sec.unwrap_or(0),
                btf_id: 0,
                underlying: Underlying::Done,
                var_idx: None,
                is_extern,
                is_weak: sym.bind == elf::STB_WEAK,
            });
        }
        Ok(())
    }

    fn glob_syms_match(&self, name: &str, g: usize, obj: &SrcObj<'_>, btf_id: u32) -> bool {
        let gs = &self.glob_syms[g];
        let Some(src_btf) = obj.btf.as_ref() else { return false };
        if gs.btf_id == 0 || btf_id == 0 {
            crate::pr_warn!("BTF info is missing for global symbol '{}'", name);
            return false;
        }
        let src_t = compat::View::rec(src_btf, btf_id);
        let k = kind_of(src_t);
        if k != Kind::Var && k != Kind::Func {
            crate::pr_warn!(
                "only extern variables and functions are supported, but got '{}' for '{}'",
                compat::kind_str(k),
                name
            );
            return false;
        }
        if gs.sec_id != 0 && self.secs[gs.sec_id].name == MAPS_SEC {
            return self.glob_map_defs_match(name, gs, src_btf, btf_id);
        }
        compat::btf_matches(name, true, &self.btf, gs.btf_id, src_btf, btf_id)
    }

    fn glob_map_defs_match(&self, name: &str, gs: &GlobSym, src_btf: &Btf, btf_id: u32) -> bool {
        let t = compat::View::rec(src_btf, btf_id);
        if kind_of(t) != Kind::Var {
            crate::pr_warn!("global '{}': invalid map definition type [{}]", name, btf_id);
            return false;
        }
        let src_def_id = src_btf.skip_mods_and_typedefs(t[2]).map_or(0, |(id, _)| id);
        let (sd, si) = match crate::object::maps::parse_btf_map_def_strict(src_btf, name, src_def_id) {
            Ok(v) => v,
            Err(e) => {
                crate::pr_warn!("{}", e);
                crate::pr_warn!("global '{}': invalid map definition", name);
                return false;
            }
        };
        // The output so far, as a parsed BTF, to read its definition the same way.
        let dst_btf = match Btf::parse(&self.btf.raw()) {
            Ok(b) => b,
            Err(_) => {
                crate::pr_warn!("global '{}': invalid dst map definition", name);
                return false;
            }
        };
        let dt = compat::View::rec(&dst_btf, gs.btf_id);
        let dst_def_id = dst_btf.skip_mods_and_typedefs(dt[2]).map_or(0, |(id, _)| id);
        let (dd, di) = match crate::object::maps::parse_btf_map_def_strict(&dst_btf, name, dst_def_id) {
            Ok(v) => v,
            Err(_) => {
                crate::pr_warn!("global '{}': invalid dst map definition", name);
                return false;
            }
        };
        compat::map_defs_match(name, &dst_btf, &dd, Some(&di), src_btf, &sd, Some(&si))
    }

    /// An extern VAR/FUNC resolved to a definition: the VAR becomes allocated, the FUNC global
    /// with the definition's parameter names.
    fn complete_extern_btf_info(&mut self, dst_id: u32, obj: &SrcObj<'_>, src_id: u32) -> Result<()> {
        let src_btf = obj.btf.as_ref().ok_or_else(|| inval("no BTF"))?;
        let Some(dst_t) = self.btf.recs.get_mut(dst_id as usize) else {
            return Err(inval(format!("BTF type [{dst_id}] not found")));
        };
        if kind_of(dst_t) == Kind::Var {
            if let Some(w) = dst_t.get_mut(3) {
                *w = VAR_GLOBAL_ALLOCATED;
            }
            return Ok(());
        }
        dst_t[1] = ((Kind::Func as u32) << 24) | FUNC_GLOBAL;
        let dst_proto = dst_t[2];
        let src_t = compat::View::rec(src_btf, src_id);
        let src_proto = compat::View::rec(src_btf, src_t[2]).to_vec();
        let n = self.btf.recs.get(dst_proto as usize).map_or(0, |r| vlen_of(r));
        for i in 0..n {
            let off = src_proto.get(3 + 2 * i).copied().unwrap_or(0);
            if off == 0 {
                continue;
            }
            let s = src_btf.str_bytes_at(off).unwrap_or(b"").to_vec();
            let new_off = self.btf.strs.add(&s);
            if let Some(w) = self.btf.recs.get_mut(dst_proto as usize).and_then(|r| r.get_mut(3 + 2 * i)) {
                *w = new_off;
            }
        }
        Ok(())
    }

    fn append_elf_relos(&mut self, obj: &mut SrcObj<'_>) -> Result<()> {
        for i in 1..obj.secs.len() {
            let s = &obj.secs[i];
            if s.skipped || s.ephemeral || s.sh_type != elf::SHT_REL {
                continue;
            }
            let linked = s.info as usize;
            if obj.secs[linked].skipped {
                continue;
            }
            let name = s.name.clone();
            let dst = match self.find_dst_sec(&name) {
                None => {
                    let id = self.add_dst_sec(&name);
                    self.init_sec(id, &obj.secs[i]);
                    id
                }
                Some(id) => {
                    if !self.secs_match(id, &obj.secs[i]) {
                        return Err(Error::new(libc::EPERM, format!("sections {name} are not compatible")));
                    }
                    id
                }
            };
            let dst_linked = obj.secs[linked].dst_id;
            self.secs[dst].link = self.secs[SYMTAB_IDX].sec_idx as u32;
            self.secs[dst].info = self.secs[dst_linked].sec_idx as u32;
            obj.secs[i].dst_id = dst;
            let data = obj.elf.sections[i].data;
            self.extend_sec(dst, &mut obj.secs[i], data);
            let base = obj.secs[i].dst_off as usize;
            let linked_off = obj.secs[linked].dst_off;
            let linked_exec = obj.secs[linked].flags & SHF_EXECINSTR != 0;
            let n = data.len() / REL_SIZE;
            for j in 0..n {
                let at = base + j * REL_SIZE;
                let r_info = rd_u64(&self.secs[dst].data, at + 8);
                let src_sym = (r_info >> 32) as usize;
                let r_type = r_info & 0xffff_ffff;
                let dst_sym = obj.sym_map.get(src_sym).copied().unwrap_or(0);
                let r_offset = rd_u64(&self.secs[dst].data, at) + linked_off;
                wr_u64(&mut self.secs[dst].data, at, r_offset);
                wr_u64(&mut self.secs[dst].data, at + 8, ((dst_sym as u64) << 32) | r_type);
                let Some(ssym) = obj.elf.symbols.get(src_sym) else { continue };
                if ssym.typ != elf::STT_SECTION {
                    continue;
                }
                if !linked_exec {
                    return Err(inval("relocation against STT_SECTION in non-exec section is not supported!"));
                }
                let sec_off = obj.secs.get(ssym.shndx as usize).map_or(0, |s| s.dst_off);
                let ld = &mut self.secs[dst_linked].data;
                let ioff = r_offset as usize;
                let code = ld.get(ioff).copied().unwrap_or(0);
                let imm = rd_u32(ld, ioff + 4);
                let add = if code == BPF_CALL_CODE { sec_off / 8 } else { sec_off };
                wr_u32(ld, ioff + 4, imm.wrapping_add(add as u32));
            }
        }
        Ok(())
    }

    fn append_btf(&mut self, obj: &mut SrcObj<'_>) -> Result<()> {
        let Some(src) = obj.btf.as_ref() else { return Ok(()) };
        let start = self.btf.type_cnt();
        let n = src.type_cnt();
        obj.type_map = vec![0; n as usize + 1];
        for i in 1..n {
            let t = compat::View::rec(src, i);
            if kind_of(t) == Kind::Datasec {
                continue;
            }
            let mut glob = None;
            if is_non_static(t) {
                let name = compat::View::str(src, t[0]);
                let Some(g) = self.find_glob(&name) else { continue };
                glob = Some(g);
                let gs = &mut self.glob_syms[g];
                if gs.underlying == Underlying::Unset {
                    gs.underlying = Underlying::Pending(t[2]);
                }
                if gs.btf_id != 0 {
                    obj.type_map[i as usize] = gs.btf_id;
                    continue;
                }
            }
            let id = self
                .btf
                .add_type_from(src, i)
                .map_err(|e| e.context(format!("failed to append BTF type #{i} from file '{}'", obj.filename)))?;
            obj.type_map[i as usize] = id;
            if let Some(g) = glob {
                let gs = &mut self.glob_syms[g];
                gs.btf_id = id;
                gs.underlying = Underlying::Pending(t[2]);
            }
        }
        // Renumber the appended types.
        for id in start..self.btf.type_cnt() {
            let rec = &mut self.btf.recs[id as usize];
            for slot in fields::type_id_slots(rec) {
                let old = rec[slot];
                let new = obj.type_map.get(old as usize).copied().unwrap_or(0);
                if new == 0 && old != 0 {
                    return Err(inval(format!("failed to find new ID mapping for original BTF type ID {old}")));
                }
                rec[slot] = new;
            }
        }
        // Point resolved globals' VAR/FUNC at the definition's (renumbered) type.
        for g in 0..self.glob_syms.len() {
            let Underlying::Pending(src_id) = self.glob_syms[g].underlying else { continue };
            let new = obj.type_map.get(src_id as usize).copied().unwrap_or(0);
            self.glob_syms[g].underlying = Underlying::Done;
            let bid = self.glob_syms[g].btf_id as usize;
            if let Some(w) = self.btf.recs.get_mut(bid).and_then(|r| r.get_mut(2)) {
                *w = new;
            }
        }
        // DATASEC entries.
        for i in 1..obj.secs.len() {
            let s = &obj.secs[i];
            if s.sec_type_id == 0 || s.skipped {
                continue;
            }
            let dst = s.dst_id;
            let dst_off = s.dst_off;
            self.secs[dst].has_btf = true;
            let Some(dt) = src.ty(s.sec_type_id) else { continue };
            let vars: Vec<_> = dt.secinfos().map(|v| v.iter().collect()).unwrap_or_default();
            for v in vars {
                let new_id = obj.type_map.get(v.type_id as usize).copied().unwrap_or(0);
                let t = compat::View::rec(&self.btf, new_id).to_vec();
                let mut glob = None;
                if is_non_static(&t) {
                    let name = compat::View::str(&self.btf, t[0]);
                    let g = self.find_glob(&name).ok_or_else(|| {
                        inval(format!("global '{name}': no symbol for its BTF {}", compat::kind_str(kind_of(&t))))
                    })?;
                    if self.glob_syms[g].sec_id != dst {
                        return Err(inval(format!(
                            "global '{name}': section mismatch {} vs {}",
                            self.glob_syms[g].sec_id, dst
                        )));
                    }
                    glob = Some(g);
                }
                if let Some(g) = glob {
                    if let Some(vi) = self.glob_syms[g].var_idx {
                        if kind_of(&t) == Kind::Func {
                            continue;
                        }
                        let under = compat::View::rec(&self.btf, self.glob_syms[g].btf_id)[2];
                        let name = &self.glob_syms[g].name;
                        let sz = self.btf.resolve_size(under).map_err(|e| {
                            inval(format!("global '{name}': failed to resolve size of underlying type: -{}", e.errno()))
                        })?;
                        self.secs[dst].sec_vars[vi][2] = sz;
                        continue;
                    }
                }
                let d = &mut self.secs[dst];
                d.sec_vars.push([new_id, (dst_off + v.offset as u64) as u32, v.size]);
                if let Some(g) = glob {
                    self.glob_syms[g].var_idx = Some(d.sec_vars.len() - 1);
                }
            }
        }
        Ok(())
    }

    fn append_btf_ext(&mut self, obj: &mut SrcObj<'_>) -> Result<()> {
        let (Some(ext), Some(src)) = (obj.ext.as_ref(), obj.btf.as_ref()) else { return Ok(()) };
        let dst_of = |name: &str| -> Result<(usize, u64)> {
            let s = find_src_sec(obj, name)
                .ok_or_else(|| inval(format!("can't find section '{name}' referenced from .BTF.ext")))?;
            Ok((obj.secs[s].dst_id, obj.secs[s].dst_off))
        };
        let check_sz = |d: &mut ExtData, rec_sz: u32, name: &str| -> Result<()> {
            if d.rec_sz == 0 {
                d.rec_sz = rec_sz;
            }
            if d.rec_sz != rec_sz {
                return Err(inval(format!("incompatible .BTF.ext record sizes for section '{name}'")));
            }
            Ok(())
        };
        for set in ext.func_info_sets() {
            let (dst, off) = dst_of(set.sec_name)?;
            check_sz(&mut self.secs[dst].func_info, set.rec_size, set.sec_name)?;
            for rec in set.raw.chunks_exact(set.rec_size as usize) {
                let mut r = rec.to_vec();
                let insn_off = rd_u32(&r, 0).wrapping_add(off as u32);
                wr_u32(&mut r, 0, insn_off);
                let t = rd_u32(&r, 4);
                wr_u32(&mut r, 4, obj.type_map.get(t as usize).copied().unwrap_or(0));
                let d = &mut self.secs[dst].func_info;
                d.recs.extend_from_slice(&r);
                d.cnt += 1;
            }
        }
        for set in ext.line_info_sets() {
            let (dst, off) = dst_of(set.sec_name)?;
            check_sz(&mut self.secs[dst].line_info, set.rec_size, set.sec_name)?;
            for rec in set.raw.chunks_exact(set.rec_size as usize) {
                let mut r = rec.to_vec();
                let insn_off = rd_u32(&r, 0).wrapping_add(off as u32);
                wr_u32(&mut r, 0, insn_off);
                for at in [4, 8] {
                    let s = src.str_bytes_at(rd_u32(&r, at)).unwrap_or(b"");
                    let o = self.btf.strs.add(s);
                    wr_u32(&mut r, at, o);
                }
                let d = &mut self.secs[dst].line_info;
                d.recs.extend_from_slice(&r);
                d.cnt += 1;
            }
        }
        for set in ext.core_relo_sets() {
            let (dst, off) = dst_of(set.sec_name)?;
            check_sz(&mut self.secs[dst].core_relo, set.rec_size, set.sec_name)?;
            for rec in set.raw.chunks_exact(set.rec_size as usize) {
                let mut r = rec.to_vec();
                let insn_off = rd_u32(&r, 0).wrapping_add(off as u32);
                wr_u32(&mut r, 0, insn_off);
                let t = rd_u32(&r, 4);
                wr_u32(&mut r, 4, obj.type_map.get(t as usize).copied().unwrap_or(0));
                let s = src.str_bytes_at(rd_u32(&r, 8)).unwrap_or(b"");
                let o = self.btf.strs.add(s);
                wr_u32(&mut r, 8, o);
                let d = &mut self.secs[dst].core_relo;
                d.recs.extend_from_slice(&r);
                d.cnt += 1;
            }
        }
        Ok(())
    }

    /// `bpf_linker__finalize`: emit BTF, deduplicate it and write the ELF file.
    pub fn finalize(&mut self) -> Result<()> {
        if self.file.is_none() {
            // libbpf refuses silently once the ELF is written.
            return Err(Error::quiet(libc::EINVAL));
        }
        let btf_secs = self.finalize_btf()?;
        // Section contents in ELF index order.
        let mut symtab = Vec::with_capacity(self.syms.len() * SYM_SIZE);
        for s in &self.syms {
            symtab.extend_from_slice(&s.name.to_le_bytes());
            symtab.push(s.info);
            symtab.push(s.other);
            symtab.extend_from_slice(&s.shndx.to_le_bytes());
            symtab.extend_from_slice(&s.value.to_le_bytes());
            symtab.extend_from_slice(&s.size.to_le_bytes());
        }
        let mut order: Vec<usize> = (1..self.secs.len()).filter(|&i| self.secs[i].sec_idx != 0).collect();
        order.sort_by_key(|&i| self.secs[i].sec_idx);
        let mut out = Vec::with_capacity(order.len() + 2);
        for &i in &order {
            let s = &self.secs[i];
            let data: &[u8] = match i {
                STRTAB_IDX => self.strtab.bytes(),
                SYMTAB_IDX => &symtab,
                _ => &s.data,
            };
            let size = if s.sh_type == elf::SHT_NOBITS { s.size } else { data.len() as u64 };
            out.push(elfout::OutSec {
                name: self.strtab_off(&s.name),
                sh_type: s.sh_type,
                flags: s.flags,
                link: s.link,
                info: s.info,
                align: s.align,
                entsize: s.entsize,
                size,
                data,
            });
        }
        for (name_off, data) in &btf_secs {
            out.push(elfout::OutSec {
                name: *name_off,
                sh_type: elf::SHT_PROGBITS,
                flags: 0,
                link: 0,
                info: 0,
                align: 8,
                entsize: 0,
                size: data.len() as u64,
                data,
            });
        }
        // With no input, libelf writes its native (little-endian) byte order.
        let bytes = elfout::write(&out, STRTAB_IDX as u16, self.ei_data.max(1));
        let res = match self.file.take().ok_or_else(|| Error::quiet(libc::EINVAL))? {
            Output::Owned(mut file) => file.write_all(&bytes).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO)),
            Output::Caller(fd) => crate::sys::write_fd_at_start(fd, &bytes),
        };
        res.map_err(|errno| Error::new(errno, format!("failed to write ELF contents: {}", crate::sys::strerror(errno))))
    }

    fn strtab_off(&self, name: &str) -> u32 {
        // Every section name was added when its section got its ELF index.
        self.strtab.find(name.as_bytes()).unwrap_or(0)
    }

    /// DATASECs, `.BTF.ext`, dedup; returns the `.BTF` and `.BTF.ext` sections to emit with
    /// their name offsets.
    fn finalize_btf(&mut self) -> Result<Vec<(u32, Vec<u8>)>> {
        if self.btf.type_cnt() == 1 {
            return Ok(Vec::new());
        }
        for i in 1..self.secs.len() {
            if !self.secs[i].has_btf {
                continue;
            }
            let s = &self.secs[i];
            let name_off = self.btf.strs.add(s.name.as_bytes());
            let mut rec = vec![name_off, ((Kind::Datasec as u32) << 24) | s.sec_vars.len() as u32, s.size as u32];
            for v in &s.sec_vars {
                rec.extend_from_slice(v);
            }
            if s.sec_vars.len() > 0xffff {
                return Err(Error::new(
                    libc::E2BIG,
                    format!("failed to add consolidated BTF type for datasec '{}': -{}", s.name, libc::E2BIG),
                ));
            }
            self.btf.recs.push(rec);
        }
        let ext = self.finalize_btf_ext().map_err(|e| e.context(".BTF.ext generation failed"))?;
        let (btf_raw, ext_raw) = dedup(self.btf.raw(), ext)?;
        let mut secs = vec![(self.strtab.add(b".BTF"), btf_raw)];
        if let Some(e) = ext_raw {
            secs.push((self.strtab.add(b".BTF.ext"), e));
        }
        Ok(secs)
    }

    fn finalize_btf_ext(&mut self) -> Result<Option<Vec<u8>>> {
        let mut rec_sz = [0u32; 3];
        let mut sizes = [0usize; 3];
        for s in &self.secs[1..] {
            for (k, (d, what)) in
                [(&s.func_info, "func_info"), (&s.line_info, "line_info"), (&s.core_relo, "core_relo_info")]
                    .into_iter()
                    .enumerate()
            {
                if d.cnt == 0 {
                    continue;
                }
                if rec_sz[k] == 0 {
                    rec_sz[k] = d.rec_sz;
                }
                if rec_sz[k] != d.rec_sz {
                    return Err(inval(format!("mismatch in {what} record size {} != {}", rec_sz[k], d.rec_sz)));
                }
                sizes[k] += 8 + d.recs.len();
            }
        }
        if sizes.iter().all(|&s| s == 0) {
            return Ok(None);
        }
        for s in sizes.iter_mut() {
            if *s != 0 {
                *s += 4;
            }
        }
        let mut out = Vec::new();
        out.extend_from_slice(&crate::btf::BTF_MAGIC.to_ne_bytes());
        out.push(crate::btf::BTF_VERSION);
        out.push(0);
        let hdr = [
            32u32,
            0,
            sizes[0] as u32,
            sizes[0] as u32,
            sizes[1] as u32,
            (sizes[0] + sizes[1]) as u32,
            sizes[2] as u32,
        ];
        for v in hdr {
            out.extend_from_slice(&v.to_ne_bytes());
        }
        for k in 0..3 {
            if sizes[k] == 0 {
                continue;
            }
            out.extend_from_slice(&rec_sz[k].to_ne_bytes());
            for i in 1..self.secs.len() {
                let s = &self.secs[i];
                let d = [&s.func_info, &s.line_info, &s.core_relo][k];
                if d.cnt == 0 {
                    continue;
                }
                let off = self.btf.strs.add(s.name.as_bytes());
                out.extend_from_slice(&off.to_ne_bytes());
                out.extend_from_slice(&(d.cnt as u32).to_ne_bytes());
                out.extend_from_slice(&d.recs);
            }
        }
        Ok(Some(out))
    }
}

/// Deduplicate the linked BTF, rewriting `.BTF.ext` type ids and string offsets along (libbpf
/// re-parses the `.BTF.ext` it assembles, then runs `btf__dedup` with it).
fn dedup(btf: Vec<u8>, ext: Option<Vec<u8>>) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
    let mut btf = Btf::parse(&btf).map_err(|e| e.context("linked BTF is invalid"))?;
    let mut ext = match &ext {
        Some(e) => Some(BtfExt::parse(e, &btf).map_err(|e| e.context("failed to parse final .BTF.ext data"))?),
        None => None,
    };
    // Built up from an empty BTF through a string set: libbpf keeps this string section as it
    // is (strs_deduped), unused strings included.
    btf.set_strs_deduped();
    crate::btf::dedup::dedup(&mut btf, ext.as_mut(), &crate::btf::dedup::DedupOpts::default())
        .map_err(|e| e.context("BTF dedup failed"))?;
    Ok((btf.raw_data().to_vec(), ext.map(|e| e.raw_data().to_vec())))
}

fn find_src_sec(obj: &SrcObj<'_>, name: &str) -> Option<usize> {
    (1..obj.secs.len()).find(|&i| obj.secs[i].name == name)
}

/// `find_glob_sym_btf`: the DATASEC (0 if none) and VAR/FUNC type describing global `name`.
fn find_glob_sym_btf(obj: &SrcObj<'_>, name: &str) -> Result<(u32, u32)> {
    let Some(btf) = obj.btf.as_ref() else {
        return Err(inval(format!("failed to find BTF info for object '{}'", obj.filename)));
    };
    let mut btf_id = 0;
    for i in 1..btf.type_cnt() {
        let t = compat::View::rec(btf, i);
        if is_non_static(t) {
            if compat::View::str(btf, t[0]) == name {
                btf_id = i;
            }
            continue;
        }
        if kind_of(t) != Kind::Datasec {
            continue;
        }
        for j in 0..vlen_of(t) {
            let vt_id = t.get(3 + 3 * j).copied().unwrap_or(0);
            let vt = compat::View::rec(btf, vt_id);
            if compat::View::str(btf, vt[0]) != name {
                continue;
            }
            match kind_of(vt) {
                Kind::Var if vt.get(3).copied().unwrap_or(0) == VAR_STATIC => continue,
                Kind::Func if vlen_of(vt) as u32 == FUNC_STATIC => continue,
                _ => {}
            }
            if btf_id != 0 && btf_id != vt_id {
                return Err(inval(format!(
                    "global/extern '{name}' BTF is ambiguous: both types #{btf_id} and #{vt_id} match"
                )));
            }
            return Ok((i, vt_id));
        }
    }
    if btf_id != 0 {
        return Ok((0, btf_id));
    }
    Err(Error::new(libc::ENOENT, format!("failed to find BTF info for global/extern symbol '{name}'")))
}

fn sanity_check_elf(obj: &SrcObj<'_>) -> Result<()> {
    let f = &obj.filename;
    if obj.symtab_idx == 0 {
        return Err(inval(format!("ELF is missing SYMTAB section in {f}")));
    }
    for (i, s) in obj.secs.iter().enumerate().skip(1) {
        if s.name.is_empty() {
            return Err(inval(format!("ELF section #{i} has empty name in {f}")));
        }
        if is_dwarf(&s.name) {
            continue;
        }
        if s.align != 0 && !s.align.is_power_of_two() {
            return Err(inval(format!("ELF section #{i} alignment {} is non pow-of-2 alignment in {f}", s.align)));
        }
        match s.sh_type {
            elf::SHT_SYMTAB => check_symtab(obj, i)?,
            elf::SHT_STRTAB | elf::SHT_NOBITS | SHT_LLVM_ADDRSIG => {}
            elf::SHT_PROGBITS => {
                if s.flags & SHF_EXECINSTR != 0 && s.size % 8 != 0 {
                    return Err(inval(format!("ELF section #{i} has unexpected size alignment {} in {f}", s.size)));
                }
            }
            elf::SHT_REL => check_relos(obj, i)?,
            t => return Err(inval(format!("ELF section #{i} ({}) has unrecognized type {t} in {f}", s.name))),
        }
    }
    Ok(())
}

fn check_symtab(obj: &SrcObj<'_>, i: usize) -> Result<()> {
    let f = &obj.filename;
    let s = &obj.secs[i];
    if s.entsize != SYM_SIZE as u64 || s.size % SYM_SIZE as u64 != 0 {
        return Err(Error::quiet(libc::EINVAL));
    }
    let link = s.link as usize;
    if link == 0 || link >= obj.secs.len() {
        return Err(inval(format!("ELF SYMTAB section #{i} points to missing STRTAB section #{link} in {f}")));
    }
    if obj.secs[link].sh_type != elf::SHT_STRTAB {
        return Err(inval(format!("ELF SYMTAB section #{i} points to invalid STRTAB section #{link} in {f}")));
    }
    for (n, sym) in obj.elf.symbols.iter().enumerate() {
        if n == 0 {
            if !sym.name.is_empty()
                || sym.bind != 0
                || sym.typ != 0
                || sym.visibility != 0
                || sym.shndx != 0
                || sym.value != 0
                || sym.size != 0
            {
                return Err(inval(format!("ELF sym #0 is invalid in {f}")));
            }
            continue;
        }
        if sym.bind != elf::STB_LOCAL && sym.bind != elf::STB_GLOBAL && sym.bind != elf::STB_WEAK {
            return Err(inval(format!("ELF sym #{n} in section #{i} has unsupported symbol binding {}", sym.bind)));
        }
        if sym.visibility != elf::STV_DEFAULT && sym.visibility != elf::STV_HIDDEN {
            return Err(inval(format!(
                "ELF sym #{n} in section #{i} has unsupported symbol visibility {}",
                sym.visibility
            )));
        }
        if sym.shndx == 0 {
            if sym.typ != elf::STT_NOTYPE || sym.bind == elf::STB_LOCAL || sym.value != 0 || sym.size != 0 {
                return Err(inval(format!("ELF sym #{n} is invalid extern symbol in {f}")));
            }
            continue;
        }
        if sym.shndx < SHN_LORESERVE && sym.shndx as usize >= obj.secs.len() {
            return Err(inval(format!("ELF sym #{n} in section #{i} points to missing section #{} in {f}", sym.shndx)));
        }
        if sym.typ == elf::STT_SECTION && sym.value != 0 {
            return Err(Error::quiet(libc::EINVAL));
        }
    }
    Ok(())
}

fn check_relos(obj: &SrcObj<'_>, i: usize) -> Result<()> {
    let f = &obj.filename;
    let s = &obj.secs[i];
    if s.entsize != REL_SIZE as u64 || s.size % REL_SIZE as u64 != 0 {
        return Err(Error::quiet(libc::EINVAL));
    }
    if s.link as usize != obj.symtab_idx {
        return Err(inval(format!("ELF relo section #{i} points to invalid SYMTAB section #{} in {f}", s.link)));
    }
    let info = s.info as usize;
    if info == 0 || info >= obj.secs.len() {
        return Err(inval(format!("ELF relo section #{i} points to missing section #{info} in {f}")));
    }
    let linked = &obj.secs[info];
    if s.name.strip_prefix(".rel") != Some(linked.name.as_str()) {
        return Err(inval(format!("ELF relo section #{i} name has invalid name in {f}")));
    }
    if linked.skipped {
        return Ok(());
    }
    if linked.sh_type != elf::SHT_PROGBITS && linked.sh_type != elf::SHT_NOBITS {
        return Err(inval(format!("ELF relo section #{i} points to invalid section #{info} in {f}")));
    }
    let rels = obj.elf.rels(&obj.elf.sections[i])?;
    let nsyms = obj.secs[obj.symtab_idx].size / SYM_SIZE as u64;
    for (n, r) in rels.iter().enumerate() {
        let t = r.r_type;
        if t != elf::R_BPF_64_64 && t != elf::R_BPF_64_32 && t != elf::R_BPF_64_ABS64 && t != elf::R_BPF_64_ABS32 {
            return Err(inval(format!("ELF relo #{n} in section #{i} has unexpected type {t} in {f}")));
        }
        if r.sym == 0 || r.sym as u64 >= nsyms {
            return Err(inval(format!("ELF relo #{n} in section #{i} points to invalid symbol #{} in {f}", r.sym)));
        }
        if linked.flags & SHF_EXECINSTR != 0 && r.offset % 8 != 0 {
            return Err(inval(format!("ELF relo #{n} in section #{i} points to missing symbol #{} in {f}", r.sym)));
        }
    }
    Ok(())
}

/// `linker_fixup_btf`: DATASEC sizes and global variable offsets from the ELF; DATASECs without
/// an ELF section (other than `.extern`) get ephemeral section shells.
fn fixup_btf(obj: &mut SrcObj<'_>) -> Result<()> {
    let Some(mut btf) = obj.btf.take() else { return Ok(()) };
    let r = fixup_btf_with(obj, &mut btf);
    obj.btf = Some(btf);
    r
}

fn fixup_btf_with(obj: &mut SrcObj<'_>, btf: &mut Btf) -> Result<()> {
    for id in 1..btf.type_cnt() {
        let Some(t) = btf.ty(id) else { continue };
        if t.kind != Kind::Datasec {
            continue;
        }
        let sec_name = t.name.to_owned();
        let vars: Vec<_> = t.secinfos().map(|v| v.iter().collect()).unwrap_or_default();
        let sec = match find_src_sec(obj, &sec_name) {
            Some(s) => {
                if !obj.secs[s].ephemeral {
                    btf.set_datasec_size(id, obj.secs[s].size as u32)?;
                }
                s
            }
            None => {
                if sec_name == EXTERN_SEC {
                    continue;
                }
                obj.secs.push(SrcSec {
                    name: sec_name.clone(),
                    sec_idx: 0,
                    ephemeral: true,
                    skipped: false,
                    sh_type: 0,
                    flags: 0,
                    align: 0,
                    entsize: 0,
                    size: 0,
                    link: 0,
                    info: 0,
                    dst_id: 0,
                    dst_off: 0,
                    sec_type_id: 0,
                });
                obj.secs.len() - 1
            }
        };
        obj.secs[sec].sec_type_id = id;
        let shndx = obj.secs[sec].sec_idx;
        for (j, v) in vars.iter().enumerate() {
            let Some(vt) = btf.ty(v.type_id) else { continue };
            if vt.kind != Kind::Var {
                continue;
            }
            let rec = compat::View::rec(&*btf, v.type_id);
            if rec.get(3).copied().unwrap_or(0) != VAR_GLOBAL_ALLOCATED {
                continue;
            }
            let var_name = vt.name;
            let sym = obj
                .elf
                .symbols
                .iter()
                .find(|s| s.shndx as usize == shndx && s.typ == elf::STT_OBJECT && s.name == var_name)
                .ok_or_else(|| {
                    Error::new(
                        libc::ENOENT,
                        format!("failed to find symbol for variable '{var_name}' in section '{sec_name}'"),
                    )
                })?;
            let value = sym.value as u32;
            btf.set_datasec_var_offset(id, j, value)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
