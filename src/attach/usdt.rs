//! USDT (user statically-defined tracing) probes, libbpf 1.5's way.
//!
//! A binary built with `<sys/sdt.h>` carries one `.note.stapsdt` note per probe site: the
//! site's address, the link-time address of `.stapsdt.base` (to undo prelinking), an optional
//! semaphore address, the provider and probe names, and an argument spec string such as
//! `-4@%edi 8@-16(%rbp) 4@$5`. Attaching a program to `provider:name`:
//! 1. every matching site becomes a target: its address translated to a file offset through the
//!    `PT_LOAD` segment holding it, its semaphore likewise (the kernel increments it while a
//!    probe is attached), its argument spec parsed into `struct __bpf_usdt_spec`;
//! 2. each distinct spec gets an id, a slot of the object's `__bpf_usdt_specs` array map (from
//!    `<bpf/usdt.bpf.h>`), which the BPF side reads through `bpf_usdt_arg()`; ids return to a
//!    per-map free list when the link goes;
//! 3. the sites are attached as one multi-uprobe link when the program was loaded for it
//!    (expected attach type `BPF_TRACE_UPROBE_MULTI`), else as one uprobe each, the spec id
//!    travelling as the BPF cookie (or, on kernels without cookies, through the
//!    `__bpf_usdt_ip_to_spec_id` map keyed by the site's address).
//!
//! Argument specs are parsed for x86-64 (the only architecture this library is built for here);
//! other architectures get EOPNOTSUPP for specs with arguments.

use super::link::{Link, LinkKind};
use super::uprobe::FileMap;
use crate::error::{Error, Result};
use crate::object::Program;
use crate::sys::cmd;
use crate::sys::probe::{self, Feature};
use crate::uapi;
use object::elf::{self, FileHeader64};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::{Endian as _, Endianness};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

const NOTE_SEC: &str = ".note.stapsdt";
const BASE_SEC: &str = ".stapsdt.base";
const NOTE_NAME: &[u8] = b"stapsdt";
const NOTE_TYPE: u32 = 3;
/// `BPF_USDT_MAX_ARG_CNT`.
pub const MAX_ARGS: usize = 12;

/// `enum __bpf_usdt_arg_type`.
pub const ARG_CONST: u32 = 0;
pub const ARG_REG: u32 = 1;
pub const ARG_REG_DEREF: u32 = 2;
/// Scale-index-base memory operand (`-8(%rbp,%rax,4)`): libbpf 1.7's `<bpf/usdt.bpf.h>` only.
pub const ARG_SIB: u32 = 3;

/// One argument of `struct __bpf_usdt_arg_spec` of `<bpf/usdt.bpf.h>` (encoded by
/// [`Spec::bytes`] in the layout the object's header uses).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ArgSpec {
    pub val_off: u64,
    pub arg_type: u32,
    pub reg_off: i16,
    pub arg_signed: u8,
    pub arg_bitshift: i8,
    /// [`ARG_SIB`]: `offsetof(struct pt_regs, index register)`.
    pub idx_reg_off: u16,
    /// [`ARG_SIB`]: log2 of the scale (0..=3).
    pub scale_bitshift: u8,
}

/// The two layouts of `struct __bpf_usdt_spec` BPF objects are built with. libbpf 1.7's header
/// split the 4-byte `arg_type` into bitfields (`arg_type:8`, `idx_reg_off:12`,
/// `scale_bitshift:4`, `__reserved:8`), which the C bitfield rules lay out over 6 bytes, so its
/// argument is 24 bytes where 1.5's is 16. The map's value size tells which header an object
/// was built with; liboxbpf writes that layout (upstream libbpf writes its own whatever the
/// object has, which misreads objects built with the other header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecLayout {
    /// libbpf <= 1.6: 16-byte arguments, 208-byte spec; no SIB arguments.
    V15,
    /// libbpf 1.7: 24-byte arguments, 304-byte spec.
    V17,
}

impl SpecLayout {
    /// The layout whose `struct __bpf_usdt_spec` is `size` bytes.
    pub fn from_value_size(size: u32) -> Option<SpecLayout> {
        match size {
            208 => Some(SpecLayout::V15),
            304 => Some(SpecLayout::V17),
            _ => None,
        }
    }
}

/// `struct __bpf_usdt_spec` of `<bpf/usdt.bpf.h>`: what one spec id's map slot holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub args: [ArgSpec; MAX_ARGS],
    pub usdt_cookie: u64,
    pub arg_cnt: i16,
}

impl Spec {
    /// The map value in `layout` (x86-64 is little-endian: the 1.7 bitfields as it lays them
    /// out there). A SIB argument cannot be expressed in the 1.5 layout: EOPNOTSUPP.
    fn bytes(&self, layout: SpecLayout) -> Result<Vec<u8>> {
        let mut v = Vec::with_capacity(304);
        for (i, a) in self.args.iter().enumerate() {
            v.extend_from_slice(&a.val_off.to_ne_bytes());
            match layout {
                SpecLayout::V15 => {
                    if a.arg_type == ARG_SIB {
                        return Err(Error::notsup(format!(
                            "usdt: arg #{i} uses scale-index-base addressing, which needs <bpf/usdt.bpf.h> \
                             of libbpf 1.7 or later (the program was built with an older one)"
                        )));
                    }
                    v.extend_from_slice(&a.arg_type.to_ne_bytes());
                }
                SpecLayout::V17 => {
                    // arg_type:8 at bit 0; idx_reg_off:12 and scale_bitshift:4 fill the next
                    // 16-bit unit; __reserved:8, one byte of padding.
                    v.push(a.arg_type as u8);
                    v.push(0);
                    let packed = (a.idx_reg_off & 0xfff) | (u16::from(a.scale_bitshift & 0xf) << 12);
                    v.extend_from_slice(&packed.to_le_bytes());
                    v.extend_from_slice(&[0, 0]);
                }
            }
            v.extend_from_slice(&a.reg_off.to_ne_bytes());
            v.push(a.arg_signed);
            v.push(a.arg_bitshift as u8);
            if layout == SpecLayout::V17 {
                v.extend_from_slice(&[0; 6]);
            }
        }
        v.extend_from_slice(&self.usdt_cookie.to_ne_bytes());
        v.extend_from_slice(&self.arg_cnt.to_ne_bytes());
        v.extend_from_slice(&[0; 6]);
        Ok(v)
    }
}

// ---- argument specs ------------------------------------------------------------------------

/// `offsetof(struct pt_regs, reg)` on x86-64 for every spelling of a register.
fn pt_regs_off(reg: &str) -> Option<i16> {
    const MAP: &[(&[&str], i16)] = &[
        (&["rip", "eip"], 128),
        (&["rax", "eax", "ax", "al"], 80),
        (&["rbx", "ebx", "bx", "bl"], 40),
        (&["rcx", "ecx", "cx", "cl"], 88),
        (&["rdx", "edx", "dx", "dl"], 96),
        (&["rsi", "esi", "si", "sil"], 104),
        (&["rdi", "edi", "di", "dil"], 112),
        (&["rbp", "ebp", "bp", "bpl"], 32),
        (&["rsp", "esp", "sp", "spl"], 152),
        (&["r8", "r8d", "r8w", "r8b"], 72),
        (&["r9", "r9d", "r9w", "r9b"], 64),
        (&["r10", "r10d", "r10w", "r10b"], 56),
        (&["r11", "r11d", "r11w", "r11b"], 48),
        (&["r12", "r12d", "r12w", "r12b"], 24),
        (&["r13", "r13d", "r13w", "r13b"], 16),
        (&["r14", "r14d", "r14w", "r14b"], 8),
        (&["r15", "r15d", "r15w", "r15b"], 0),
    ];
    MAP.iter().find(|(names, _)| names.contains(&reg)).map(|(_, off)| *off)
}

/// A tiny scanner with sscanf's conventions: a blank in the format skips any whitespace.
struct Scan<'a> {
    s: &'a [u8],
    i: usize,
}

impl Scan<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }
    fn lit(&mut self, c: u8) -> Option<()> {
        (self.s.get(self.i) == Some(&c)).then(|| self.i += 1)
    }
    /// `%d` / `%ld`: optional whitespace, sign, decimal digits.
    fn int(&mut self) -> Option<i64> {
        self.ws();
        let start = self.i;
        if matches!(self.s.get(self.i), Some(b'-' | b'+')) {
            self.i += 1;
        }
        let digits = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        if self.i == digits {
            return None;
        }
        std::str::from_utf8(&self.s[start..self.i]).ok()?.parse::<i64>().ok()
    }
    /// `%15[^)]` (`until` = Some(b')')) or `%15s` (None: up to whitespace).
    fn word(&mut self, until: Option<u8>) -> Option<&str> {
        let start = self.i;
        while self.i - start < 15 {
            match self.s.get(self.i) {
                Some(&c) if Some(c) == until => break,
                Some(c) if until.is_none() && c.is_ascii_whitespace() => break,
                Some(_) => self.i += 1,
                None => break,
            }
        }
        (self.i > start).then(|| std::str::from_utf8(&self.s[start..self.i]).ok()).flatten()
    }
}

impl Scan<'_> {
    /// The opening of a memory operand, `%d @ [%ld] ( %%` (the offset only `with_off`): the
    /// argument size with its sign and the offset.
    fn mem_open(&mut self, with_off: bool) -> Option<(i64, i64)> {
        self.ws();
        let sz = self.int()?;
        self.ws();
        self.lit(b'@')?;
        let off = if with_off { self.int()? } else { 0 };
        self.ws();
        self.lit(b'(')?;
        self.ws();
        self.lit(b'%')?;
        Some((sz, off))
    }
    /// The close of a memory operand, ` ) ` and the whitespace after it.
    fn mem_close(&mut self) -> Option<()> {
        self.ws();
        self.lit(b')')?;
        self.ws();
        Some(())
    }
}

/// A scale-index-base operand at the start of `s` (libbpf 1.7's four forms:
/// `1@-96(%rbp,%rax,8)`, `1@(%rbp,%rax,8)`, `1@-96(%rbp,%rax)`, `1@(%rbp,%rax)`):
/// (spec, size with sign, bytes consumed, scale as written). Registers unknown to
/// [`pt_regs_off`] come back as `i16::MIN` (base) / `u16::MAX` (index).
fn parse_sib_x86(b: &[u8]) -> Option<(ArgSpec, i64, usize, i64)> {
    let form = |with_off: bool, with_scale: bool| -> Option<(ArgSpec, i64, usize, i64)> {
        let mut sc = Scan { s: b, i: 0 };
        let (sz, off) = sc.mem_open(with_off)?;
        let base = sc.word(Some(b','))?.to_string();
        sc.ws();
        sc.lit(b',')?;
        sc.ws();
        sc.lit(b'%')?;
        let (idx, scale) = if with_scale {
            let idx = sc.word(Some(b','))?.to_string();
            sc.ws();
            sc.lit(b',')?;
            (idx, sc.int()?)
        } else {
            (sc.word(Some(b')'))?.to_string(), 1)
        };
        sc.mem_close()?;
        let a = ArgSpec {
            val_off: off as u64,
            arg_type: ARG_SIB,
            reg_off: reg_or_bad(&base)?,
            idx_reg_off: pt_regs_off(&idx).map_or(u16::MAX, |o| o as u16),
            ..Default::default()
        };
        Some((a, sz, sc.i, scale))
    };
    form(true, true).or_else(|| form(false, true)).or_else(|| form(true, false)).or_else(|| form(false, false))
}

/// One x86-64 argument spec at the start of `s`: (spec, size with sign, bytes consumed).
fn parse_arg_x86(s: &str) -> Option<(ArgSpec, i64, usize)> {
    let b = s.as_bytes();
    // "%d @ %ld ( %%%15[^)] )": memory dereference with offset, e.g. -4@-20(%rbp)
    let deref = |with_off: bool| -> Option<(ArgSpec, i64, usize)> {
        let mut sc = Scan { s: b, i: 0 };
        let (sz, off) = sc.mem_open(with_off)?;
        let reg = sc.word(Some(b')'))?.to_string();
        sc.mem_close()?;
        Some((
            ArgSpec { val_off: off as u64, arg_type: ARG_REG_DEREF, reg_off: reg_or_bad(&reg)?, ..Default::default() },
            sz,
            sc.i,
        ))
    };
    if let Some(r) = deref(true).or_else(|| deref(false)) {
        return Some(r);
    }
    // "%d @ %%%15s": a register, e.g. -4@%eax
    let mut sc = Scan { s: b, i: 0 };
    sc.ws();
    let sz = sc.int()?;
    sc.ws();
    sc.lit(b'@')?;
    sc.ws();
    let save = sc.i;
    if sc.lit(b'%').is_some() {
        let reg = sc.word(None)?.to_string();
        sc.ws();
        return Some((ArgSpec { arg_type: ARG_REG, reg_off: reg_or_bad(&reg)?, ..Default::default() }, sz, sc.i));
    }
    sc.i = save;
    // "%d @ $%ld": a constant, e.g. 4@$71
    sc.lit(b'$')?;
    let v = sc.int()?;
    sc.ws();
    Some((ArgSpec { val_off: v as u64, arg_type: ARG_CONST, ..Default::default() }, sz, sc.i))
}

/// A register name we know, or `None` (which makes the whole spec unrecognized). Names that
/// look like registers but are unknown are reported by [`parse_spec`].
fn reg_or_bad(reg: &str) -> Option<i16> {
    pt_regs_off(reg).or(Some(i16::MIN))
}

/// Parse a note's argument string into a spec carrying `cookie`.
pub fn parse_spec(args: &str, cookie: u64, what: &str) -> Result<Spec> {
    let mut spec = Spec { usdt_cookie: cookie, ..Default::default() };
    let mut s = args;
    while !s.is_empty() {
        let n = spec.arg_cnt as usize;
        if n >= MAX_ARGS {
            return Err(Error::new(
                libc::E2BIG,
                format!("usdt: too many USDT arguments (> {MAX_ARGS}) for {what} with args spec '{args}'"),
            ));
        }
        if !cfg!(target_arch = "x86_64") {
            return Err(Error::notsup(format!("usdt: argument specs of this architecture are not supported ({what})")));
        }
        let (mut a, sz, len) = match parse_sib_x86(s.as_bytes()) {
            Some((mut a, sz, len, scale)) => {
                if a.idx_reg_off == u16::MAX {
                    return Err(Error::new(
                        libc::ENOENT,
                        format!("usdt: unrecognized index register in arg #{n} spec '{s}'"),
                    ));
                }
                a.scale_bitshift = match scale {
                    1 => 0,
                    2 => 1,
                    4 => 2,
                    8 => 3,
                    _ => return Err(Error::inval(format!("usdt: invalid SIB scale {scale}, expected 1, 2, 4, 8"))),
                };
                (a, sz, len)
            }
            None => parse_arg_x86(s).ok_or_else(|| Error::inval(format!("usdt: unrecognized arg #{n} spec '{s}'")))?,
        };
        if a.reg_off == i16::MIN {
            return Err(Error::new(libc::ENOENT, format!("usdt: unrecognized register in arg #{n} spec '{s}'")));
        }
        a.arg_signed = u8::from(sz < 0);
        a.arg_bitshift = match sz.unsigned_abs() {
            1 | 2 | 4 | 8 => 64 - 8 * sz.unsigned_abs() as i8,
            _ => {
                return Err(Error::inval(format!(
                    "usdt: unsupported arg #{n} (spec '{s}') size: {}",
                    sz.unsigned_abs()
                )))
            }
        };
        spec.args[n] = a;
        spec.arg_cnt += 1;
        s = &s[len..];
    }
    Ok(spec)
}

// ---- notes and targets -----------------------------------------------------------------------

/// One `.note.stapsdt` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub provider: String,
    pub name: String,
    pub args: String,
    pub loc_addr: u64,
    pub base_addr: u64,
    pub sema_addr: u64,
}

/// Decode a note's descriptor: three addresses, then provider, name and args strings.
fn parse_note_desc(desc: &[u8]) -> Result<Note> {
    let bad = || Error::inval("usdt: malformed .note.stapsdt entry");
    if desc.len() < 24 + 3 {
        return Err(bad());
    }
    let addr = |i: usize| u64::from_ne_bytes(desc[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
    let mut strs = desc[24..].splitn(3, |&b| b == 0);
    let provider = strs.next().ok_or_else(bad)?;
    let name = strs.next().ok_or_else(bad)?;
    let rest = strs.next().ok_or_else(bad)?;
    if name.is_empty() {
        return Err(bad());
    }
    let args_end = rest.iter().position(|&b| b == 0).ok_or_else(bad)?;
    let args = &rest[..args_end];
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok(Note {
        provider: s(provider),
        name: s(name),
        args: if args.first() == Some(&b':') { String::new() } else { s(args) },
        loc_addr: addr(0),
        base_addr: addr(1),
        sema_addr: addr(2),
    })
}

#[derive(Debug, Clone, Copy)]
struct Seg {
    start: u64,
    end: u64,
    offset: u64,
    exec: bool,
}

/// A probe site ready to attach.
#[derive(Debug, Clone)]
pub struct Target {
    /// The site's runtime address (only meaningful for the IP → spec map without cookies).
    pub abs_ip: u64,
    /// File offset of the site (what the uprobe takes).
    pub rel_ip: u64,
    /// File offset of the semaphore, 0 if none.
    pub sema_off: u64,
    pub spec: Spec,
    pub spec_str: String,
}

/// The executable mappings of `lib` in process `pid` (for shared libraries without cookies).
fn vma_segs(pid: i32, lib: &str) -> Result<Vec<Seg>> {
    let path = match lib.strip_prefix(&format!("/proc/{pid}/root")) {
        Some(p) if p.starts_with('/') => p.to_string(),
        _ => std::fs::canonicalize(lib).map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|_| lib.to_string()),
    };
    let maps = format!("/proc/{pid}/maps");
    let text = std::fs::read_to_string(&maps)
        .map_err(|e| Error::io(format!("usdt: failed to open '{maps}' to get base addr of '{lib}'"), &e))?;
    let mut segs = Vec::new();
    for line in text.lines() {
        let mut f = line.splitn(6, ' ');
        let (Some(range), Some(mode), Some(off), Some(_dev), Some(_ino)) =
            (f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        if f.next().map(str::trim_start) != Some(path.as_str()) || mode.as_bytes().get(2) != Some(&b'x') {
            continue;
        }
        let Some((a, b)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end), Ok(offset)) =
            (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16), u64::from_str_radix(off, 16))
        else {
            continue;
        };
        segs.push(Seg { start, end, offset, exec: true });
    }
    if segs.is_empty() {
        return Err(Error::new(
            libc::ESRCH,
            format!("usdt: failed to find '{lib}' (resolved to '{path}') within PID {pid} memory mappings"),
        ));
    }
    segs.sort_by_key(|s| s.start);
    Ok(segs)
}

/// What the running kernel offers USDT attachment.
#[derive(Debug, Clone, Copy)]
pub struct KernelSupport {
    /// BPF cookies on uprobes (spec ids travel as cookies; else through the IP map).
    pub cookie: bool,
    /// The uprobe PMU maintains semaphores (`ref_ctr_offset`).
    pub sema_refcnt: bool,
    /// The `uprobe()` syscall: a probe on a `nop; nop5` site goes on the `nop5` (libbpf 1.7).
    pub uprobe_syscall: bool,
}

/// `nop` followed by the 5-byte `nopl 0x0(%rax,%rax,1)`: the USDT sites newer `<sys/sdt.h>`
/// emit so that a uprobe on the second instruction can be optimized.
const NOP_COMBO: [u8; 6] = [0x90, 0x0f, 0x1f, 0x44, 0x00, 0x00];

/// Every site of `provider:name` in the ELF image `data` (from `path`).
pub fn collect_targets(
    data: &[u8],
    path: &str,
    pid: i32,
    provider: &str,
    name: &str,
    cookie: u64,
    k: KernelSupport,
) -> Result<Vec<Target>> {
    let (has_cookie, has_sema_refcnt) = (k.cookie, k.sema_refcnt);
    let fe = |e: object::read::Error| Error::new(libc::EBADF, format!("usdt: cannot read ELF '{path}': {e}"));
    if data.get(..4) != Some(b"\x7fELF") {
        return Err(Error::new(libc::EBADF, format!("usdt: unrecognized ELF kind for '{path}'")));
    }
    if data.get(4) != Some(&elf::ELFCLASS64) {
        return Err(Error::new(libc::EBADF, format!("usdt: attaching to 32-bit ELF binary '{path}' is not supported")));
    }
    let h = FileHeader64::<Endianness>::parse(data).map_err(fe)?;
    let endian = h.endian().map_err(fe)?;
    if endian.is_big_endian() != cfg!(target_endian = "big") {
        return Err(Error::new(libc::EBADF, format!("usdt: ELF endianness mismatch for '{path}'")));
    }
    let e_type = h.e_type(endian);
    if e_type != elf::ET_EXEC && e_type != elf::ET_DYN {
        return Err(Error::new(
            libc::EBADF,
            format!("usdt: unsupported type of ELF binary '{path}' ({e_type}), only ET_EXEC and ET_DYN are supported"),
        ));
    }
    let sections = h.sections(endian, data).map_err(fe)?;
    let by_name = |n: &str| sections.iter().find(|s| sections.section_name(endian, s).is_ok_and(|x| x == n.as_bytes()));
    let notes_sh = by_name(NOTE_SEC).ok_or_else(|| {
        Error::new(libc::ENOENT, format!("usdt: no USDT notes section ({NOTE_SEC}) found in '{path}'"))
    })?;
    if notes_sh.sh_type(endian) != elf::SHT_NOTE {
        return Err(Error::inval(format!("usdt: invalid USDT notes section ({NOTE_SEC}) in '{path}'")));
    }
    let phdrs = h.program_headers(endian, data).map_err(fe)?;
    for (i, p) in phdrs.iter().enumerate() {
        crate::pr_debug!(
            "usdt: discovered PHDR #{i} in '{path}': vaddr 0x{:x} memsz 0x{:x} offset 0x{:x} type 0x{:x} flags 0x{:x}",
            p.p_vaddr(endian),
            p.p_memsz(endian),
            p.p_offset(endian),
            p.p_type(endian),
            p.p_flags(endian)
        );
    }
    let mut segs: Vec<Seg> = phdrs
        .iter()
        .filter(|p| p.p_type(endian) == elf::PT_LOAD)
        .map(|p| Seg {
            start: p.p_vaddr(endian),
            end: p.p_vaddr(endian).wrapping_add(p.p_memsz(endian)),
            offset: p.p_offset(endian),
            exec: p.p_flags(endian) & elf::PF_X != 0,
        })
        .collect();
    if segs.is_empty() {
        return Err(Error::new(libc::ESRCH, format!("usdt: failed to find PT_LOAD program headers in '{path}'")));
    }
    segs.sort_by_key(|s| s.start);
    let find = |segs: &[Seg], va: u64| segs.iter().copied().find(|s| s.start <= va && va < s.end);
    let base_addr = by_name(BASE_SEC).map_or(0, |s| s.sh_addr(endian));
    let mut vma: Option<Vec<Seg>> = None;
    let mut out = Vec::new();
    let mut notes = notes_sh
        .notes(endian, data)
        .map_err(fe)?
        .ok_or_else(|| Error::inval(format!("usdt: invalid USDT notes section in '{path}'")))?;
    let what = format!("'{provider}:{name}' in '{path}'");
    while let Some(n) = notes.next().map_err(fe)? {
        if n.name() != NOTE_NAME || n.n_type(endian) != NOTE_TYPE {
            return Err(Error::inval(format!("usdt: unexpected note in {NOTE_SEC} of '{path}'")));
        }
        let note = parse_note_desc(n.desc())?;
        if note.provider != provider || note.name != name {
            continue;
        }
        let mut abs_ip = note.loc_addr;
        if base_addr != 0 {
            abs_ip = abs_ip.wrapping_add(base_addr).wrapping_sub(note.base_addr);
        }
        let seg = find(&segs, abs_ip).ok_or_else(|| {
            Error::new(libc::ESRCH, format!("usdt: failed to find ELF program segment for {what} at IP 0x{abs_ip:x}"))
        })?;
        if !seg.exec {
            return Err(Error::new(
                libc::ESRCH,
                format!("usdt: matched ELF binary '{path}' segment [0x{:x}, 0x{:x}) for {what} at IP 0x{abs_ip:x} is not executable", seg.start, seg.end),
            ));
        }
        let rel_ip = abs_ip - seg.start + seg.offset;
        let mut probe_seg = seg;
        if e_type == elf::ET_DYN && !has_cookie {
            if pid < 0 {
                return Err(Error::notsup(
                    "usdt: attaching to shared libraries without specific PID is not supported on current kernel",
                ));
            }
            if vma.is_none() {
                vma = Some(vma_segs(pid, path)?);
            }
            let v = vma.as_deref().unwrap_or(&[]);
            let s =
                v.iter().find(|s| s.offset <= rel_ip && rel_ip < s.offset + (s.end - s.start)).ok_or_else(|| {
                    Error::new(
                        libc::ESRCH,
                        format!(
                            "usdt: failed to find shared lib memory segment for {what} at relative IP 0x{rel_ip:x}"
                        ),
                    )
                })?;
            abs_ip = s.start - s.offset + rel_ip;
            probe_seg = *s;
        }
        let kind = if e_type == elf::ET_EXEC { "exec" } else { "lib " };
        crate::pr_debug!(
            "usdt: probe for '{provider}:{name}' in {kind} '{path}': addr 0x{:x} base 0x{:x} (resolved abs_ip 0x{:x} rel_ip 0x{:x}) args '{}' in segment [0x{:x}, 0x{:x}) at offset 0x{:x}",
            note.loc_addr,
            note.base_addr,
            abs_ip,
            rel_ip,
            note.args,
            probe_seg.start,
            probe_seg.end,
            probe_seg.offset
        );
        let mut sema_off = 0;
        if note.sema_addr != 0 {
            if !has_sema_refcnt {
                return Err(Error::notsup(format!(
                    "usdt: kernel doesn't support USDT semaphore refcounting for {what}"
                )));
            }
            let s = find(&segs, note.sema_addr).ok_or_else(|| {
                Error::new(
                    libc::ESRCH,
                    format!(
                        "usdt: failed to find ELF loadable segment with semaphore of {what} at 0x{:x}",
                        note.sema_addr
                    ),
                )
            })?;
            if s.exec {
                return Err(Error::new(
                    libc::ESRCH,
                    format!(
                        "usdt: matched ELF binary '{path}' segment [0x{:x}, 0x{:x}] for semaphore of '{provider}:{name}' at 0x{:x} is executable",
                        s.start, s.end, note.sema_addr
                    ),
                ));
            }
            sema_off = note.sema_addr - s.start + s.offset;
            crate::pr_debug!(
                "usdt: sema  for '{provider}:{name}' in {kind} '{path}': addr 0x{:x} base 0x{:x} (resolved 0x{:x}) in segment [0x{:x}, 0x{:x}] at offset 0x{:x}",
                note.sema_addr,
                note.base_addr,
                sema_off,
                s.start,
                s.end,
                s.offset
            );
        }
        let spec = parse_spec(&note.args, cookie, &what)?;
        // With the uprobe syscall (x86-64 only), probe the nop5 of a `nop; nop5` site: the
        // kernel can then optimize the probe (libbpf 1.7).
        let (mut abs_ip, mut rel_ip) = (abs_ip, rel_ip);
        if k.uprobe_syscall
            && usize::try_from(rel_ip).ok().and_then(|o| data.get(o..o.checked_add(NOP_COMBO.len())?))
                == Some(&NOP_COMBO[..])
        {
            abs_ip += 1;
            rel_ip += 1;
        }
        out.push(Target { abs_ip, rel_ip, sema_off, spec, spec_str: note.args });
    }
    Ok(out)
}

// ---- spec ids and the link ---------------------------------------------------------------------

/// Spec ids of one `__bpf_usdt_specs` map, keyed by the map's kernel id (unique while the map
/// lives, never reused soon after): libbpf keeps this in the object's USDT manager.
#[derive(Default)]
struct Ids {
    free: Vec<u32>,
    next: u32,
}

static MANAGERS: Mutex<Option<HashMap<u32, Ids>>> = Mutex::new(None);

fn with_ids<T>(map_id: u32, f: impl FnOnce(&mut Ids) -> T) -> T {
    let mut g = MANAGERS.lock();
    f(g.get_or_insert_with(HashMap::new).entry(map_id).or_default())
}

/// A USDT attachment: its uprobe links (or one multi-uprobe link) and the spec ids it holds.
#[derive(Debug)]
pub struct UsdtLink {
    parts: Vec<Link>,
    spec_map_id: u32,
    spec_ids: Vec<u32>,
    /// Without BPF cookies: the object's `__bpf_usdt_ip_to_spec_id` map fd (borrowed, like
    /// a legacy struct_ops link's map) and the addresses entered in it.
    ip_map: Option<(RawFd, Vec<u64>)>,
}

impl UsdtLink {
    /// Detach every site, drop the address entries, give the spec ids back.
    pub fn destroy(self) -> Result<()> {
        let mut r = Ok(());
        for l in self.parts {
            if let Err(e) = l.destroy() {
                r = Err(e);
            }
        }
        if let Some((fd, ips)) = &self.ip_map {
            // SAFETY: the map belongs to the program's object, which outlives its links (the C
            // API's contract: destroy links before closing the object).
            let m = unsafe { BorrowedFd::borrow_raw(*fd) };
            for ip in ips {
                let _ = cmd::map_delete_elem(m, &ip.to_ne_bytes(), 0);
            }
        }
        with_ids(self.spec_map_id, |ids| ids.free.extend_from_slice(&self.spec_ids));
        r
    }
}

fn usdt_map<'a>(p: &'a Program, name: &str) -> Result<&'a crate::object::Map> {
    let o = p.object();
    o.find_map(name).and_then(|i| o.maps.get(i)).ok_or_else(|| {
        Error::new(libc::ESRCH, "usdt: failed to find USDT support BPF maps, did you forget to include bpf/usdt.bpf.h?")
    })
}

/// `bpf_program__attach_usdt` once the binary path is resolved.
pub fn attach(p: &Program, pid: i32, path: &str, provider: &str, name: &str, cookie: u64) -> Result<Link> {
    let prog = p.name().to_string_lossy().into_owned();
    let specs = usdt_map(p, "__bpf_usdt_specs")?;
    let ipmap = usdt_map(p, "__bpf_usdt_ip_to_spec_id")?;
    let (Some(specs_fd), Some(ip_fd)) = (specs.fd.as_ref(), ipmap.fd.as_ref()) else {
        return Err(Error::inval("usdt: the USDT support maps are not created (was the object loaded?)"));
    };
    let layout = SpecLayout::from_value_size(specs.def().value_size).ok_or_else(|| {
        Error::inval(format!(
            "usdt: __bpf_usdt_specs has value size {}, expected 208 (libbpf <= 1.6's bpf/usdt.bpf.h) \
             or 304 (libbpf 1.7's)",
            specs.def().value_size
        ))
    })?;
    let has_cookie = probe::supported(Feature::BpfCookie);
    let has_sema = std::path::Path::new("/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset").exists();
    let multi = probe::supported(Feature::UprobeMultiLink) && p.expected_attach_type == uapi::BPF_TRACE_UPROBE_MULTI;
    let pid = if pid < 0 {
        -1
    } else if pid == 0 {
        std::process::id() as i32
    } else {
        pid
    };
    let map = FileMap::open(path)?;
    let targets = collect_targets(
        map.bytes(),
        path,
        pid,
        provider,
        name,
        cookie,
        KernelSupport {
            cookie: has_cookie,
            sema_refcnt: has_sema,
            uprobe_syscall: probe::supported(Feature::UprobeSyscall),
        },
    )?;
    if targets.is_empty() {
        // No such probe: -ENOENT without a log line, as libbpf 1.5.
        return Err(Error::quiet(libc::ENOENT));
    }
    let spec_map_id = cmd::map_info(specs_fd.as_fd())?.id;
    let mut link = UsdtLink {
        parts: Vec::new(),
        spec_map_id,
        spec_ids: Vec::new(),
        ip_map: (!has_cookie).then(|| (ip_fd.as_raw_fd(), Vec::new())),
    };
    let r = (|| -> Result<()> {
        let mut by_spec: HashMap<&str, u32> = HashMap::new();
        let (mut offsets, mut refs, mut cookies) = (Vec::new(), Vec::new(), Vec::new());
        for (i, t) in targets.iter().enumerate() {
            let id = match by_spec.get(t.spec_str.as_str()) {
                Some(&id) => id,
                None => {
                    let id = with_ids(spec_map_id, |ids| {
                        if let Some(id) = ids.free.pop() {
                            Some(id)
                        } else if ids.next < specs.def().max_entries {
                            ids.next += 1;
                            Some(ids.next - 1)
                        } else {
                            None
                        }
                    })
                    .ok_or_else(|| {
                        Error::new(
                            libc::E2BIG,
                            format!("usdt: no free spec id in __bpf_usdt_specs for '{provider}:{name}'"),
                        )
                    })?;
                    link.spec_ids.push(id);
                    by_spec.insert(&t.spec_str, id);
                    let value = t.spec.bytes(layout).map_err(|e| {
                        e.context(format!("usdt: can't describe '{provider}:{name}' in '{path}' to the program"))
                    })?;
                    cmd::map_update_elem(specs_fd.as_fd(), &id.to_ne_bytes(), &value, 0).map_err(|e| {
                        e.context(format!("usdt: failed to set USDT spec #{id} for '{provider}:{name}' in '{path}'"))
                    })?;
                    id
                }
            };
            if let Some((_, ips)) = &mut link.ip_map {
                cmd::map_update_elem(ip_fd.as_fd(), &t.abs_ip.to_ne_bytes(), &id.to_ne_bytes(), uapi::BPF_NOEXIST)
                    .map_err(|e| {
                        if e.errno() == libc::EEXIST {
                            Error::new(
                                libc::EEXIST,
                                format!(
                                    "usdt: IP collision detected for spec #{id} for '{provider}:{name}' in '{path}'"
                                ),
                            )
                        } else {
                            e.context(format!("usdt: failed to map IP 0x{:x} to spec #{id}", t.abs_ip))
                        }
                    })?;
                ips.push(t.abs_ip);
            }
            if multi {
                offsets.push(t.rel_ip as std::ffi::c_ulong);
                refs.push(t.sema_off as std::ffi::c_ulong);
                cookies.push(id as u64);
            } else {
                let o = super::UprobeOpts {
                    ref_ctr_offset: t.sema_off as usize,
                    cookie: if has_cookie { id as u64 } else { 0 },
                    ..Default::default()
                };
                let l = super::uprobe(p, pid, path, t.rel_ip as usize, &o).map_err(|e| {
                    e.context(format!("usdt: failed to attach uprobe #{i} for '{provider}:{name}' in '{path}'"))
                })?;
                link.parts.push(l);
            }
        }
        if multi {
            let o = super::UprobeMultiOpts {
                offsets: Some(&offsets),
                ref_ctr_offsets: Some(&refs),
                cookies: Some(&cookies),
                cnt: offsets.len(),
                ..Default::default()
            };
            let l = super::uprobe_multi(p, pid, path, None, &o).map_err(|e| {
                e.context(format!("usdt: failed to attach uprobe multi for '{provider}:{name}' in '{path}'"))
            })?;
            link.parts.push(l);
        }
        Ok(())
    })();
    match r {
        Ok(()) => Ok(Link::new(LinkKind::Usdt(link))),
        Err(e) => {
            let _ = link.destroy();
            Err(e.context(format!("prog '{prog}'")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arg_specs() {
        let s = parse_spec("-4@%esi -4@-24(%rbp) -4@%ecx 2@%ax 8@%rdx 8@(%rsp) 4@$71 -1@$-3", 9, "t").unwrap();
        assert_eq!(s.arg_cnt, 8);
        assert_eq!(s.usdt_cookie, 9);
        assert_eq!(
            s.args[0],
            ArgSpec {
                val_off: 0,
                arg_type: ARG_REG,
                reg_off: 104,
                arg_signed: 1,
                arg_bitshift: 32,
                ..Default::default()
            }
        );
        assert_eq!(
            s.args[1],
            ArgSpec {
                val_off: (-24i64) as u64,
                arg_type: ARG_REG_DEREF,
                reg_off: 32,
                arg_signed: 1,
                arg_bitshift: 32,
                ..Default::default()
            }
        );
        assert_eq!(
            s.args[3],
            ArgSpec {
                val_off: 0,
                arg_type: ARG_REG,
                reg_off: 80,
                arg_signed: 0,
                arg_bitshift: 48,
                ..Default::default()
            }
        );
        assert_eq!(
            s.args[5],
            ArgSpec {
                val_off: 0,
                arg_type: ARG_REG_DEREF,
                reg_off: 152,
                arg_signed: 0,
                arg_bitshift: 0,
                ..Default::default()
            }
        );
        assert_eq!(
            s.args[6],
            ArgSpec {
                val_off: 71,
                arg_type: ARG_CONST,
                reg_off: 0,
                arg_signed: 0,
                arg_bitshift: 32,
                ..Default::default()
            }
        );
        assert_eq!(
            s.args[7],
            ArgSpec {
                val_off: (-3i64) as u64,
                arg_type: ARG_CONST,
                reg_off: 0,
                arg_signed: 1,
                arg_bitshift: 56,
                ..Default::default()
            }
        );
        assert_eq!(parse_spec("", 0, "t").unwrap().arg_cnt, 0);
        assert_eq!(parse_spec("3@%eax", 0, "t").unwrap_err().errno(), libc::EINVAL);
        assert_eq!(parse_spec("4@%xyz", 0, "t").unwrap_err().errno(), libc::ENOENT);
        assert_eq!(parse_spec("4@", 0, "t").unwrap_err().errno(), libc::EINVAL);
        let many = vec!["4@$1"; 13].join(" ");
        assert_eq!(parse_spec(&many, 0, "t").unwrap_err().errno(), libc::E2BIG);
        assert_eq!(s.bytes(SpecLayout::V15).unwrap().len(), 208);
        assert_eq!(s.bytes(SpecLayout::V17).unwrap().len(), 304);
    }

    #[test]
    fn sib_arg_specs() {
        // libbpf 1.7's four forms; the index register and the scale.
        let s = parse_spec("1@-96(%rbp,%rax,8) -4@(%rbx,%rcx,2) 8@16(%rdi,%rsi) 2@(%r8,%r9)", 0, "t").unwrap();
        assert_eq!(s.arg_cnt, 4);
        let sib = |val_off: i64, reg_off, idx_reg_off, scale_bitshift, arg_signed, arg_bitshift| ArgSpec {
            val_off: val_off as u64,
            arg_type: ARG_SIB,
            reg_off,
            arg_signed,
            arg_bitshift,
            idx_reg_off,
            scale_bitshift,
        };
        assert_eq!(s.args[0], sib(-96, 32, 80, 3, 0, 56));
        assert_eq!(s.args[1], sib(0, 40, 88, 1, 1, 32));
        assert_eq!(s.args[2], sib(16, 112, 104, 0, 0, 0));
        assert_eq!(s.args[3], sib(0, 72, 64, 0, 0, 48));
        // A plain dereference is not mistaken for SIB.
        assert_eq!(parse_spec("-4@-20(%rbp)", 0, "t").unwrap().args[0].arg_type, ARG_REG_DEREF);
        assert_eq!(parse_spec("8@(%rbp,%rax,3)", 0, "t").unwrap_err().errno(), libc::EINVAL);
        assert_eq!(parse_spec("8@(%rbp,%xyz,2)", 0, "t").unwrap_err().errno(), libc::ENOENT);
        assert_eq!(parse_spec("8@(%xyz,%rax,2)", 0, "t").unwrap_err().errno(), libc::ENOENT);
        // 1.7's layout: arg_type byte, idx_reg_off/scale in the next 16-bit unit, reg_off at 14.
        let v = s.bytes(SpecLayout::V17).unwrap();
        assert_eq!(
            &v[..24],
            &[0xa0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 3, 0, 80, 0x30, 0, 0, 32, 0, 0, 56, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(s.bytes(SpecLayout::V15).unwrap_err().errno(), libc::EOPNOTSUPP);
    }

    #[test]
    fn note_descriptors() {
        let mut d = Vec::new();
        for a in [0x1130u64, 0x2000, 0] {
            d.extend_from_slice(&a.to_ne_bytes());
        }
        d.extend_from_slice(b"prov\0name\0-4@%edi\0");
        let n = parse_note_desc(&d).unwrap();
        assert_eq!((n.provider.as_str(), n.name.as_str(), n.args.as_str()), ("prov", "name", "-4@%edi"));
        assert_eq!((n.loc_addr, n.base_addr, n.sema_addr), (0x1130, 0x2000, 0));
        let mut e = d[..24].to_vec();
        e.extend_from_slice(b"prov\0\0\0");
        assert!(parse_note_desc(&e).is_err(), "empty name");
        assert!(parse_note_desc(&d[..20]).is_err());
    }
}
