//! Where a uprobe goes: resolving a binary name to a path, a function name to the file offset
//! the kernel wants, and `SEC("uprobe/...")` specifications, with libbpf 1.5's rules.
//!
//! # Symbol → file offset
//! `.dynsym` is searched first, then `.symtab` (a stripped binary has only the former, a static
//! one only the latter). A name matches a symbol called `name`, `name@VER` or `name@@VER`; a
//! requested `name@VER`/`name@@VER` also has to match the version, which for `.dynsym` comes from
//! `.gnu.version` + `.gnu.version_d`. Several matches at one offset are fine; at different
//! offsets a weak symbol yields to a global one, and two non-weak ones are ambiguous. The file
//! offset is `st_value - sh_addr + sh_offset` of the symbol's section.
//!
//! Files are mapped read-only and parsed with `object`'s bounds-checked reader; ELF32 and ELF64
//! of either byte order are accepted. An ELF inside an uncompressed zip member (`app.apk!/lib.so`)
//! is found through the zip's central directory and its offset in the archive added.

use crate::error::lerr;
use crate::error::{Error, Result};
use object::elf::{self, FileHeader32, FileHeader64};
use object::read::elf::{FileHeader, SectionHeader, Sym as _};
use object::{Endianness, SectionIndex};
use std::ffi::CString;

const VERSYM_VERSION: u16 = 0x7fff;

/// A read-only private mapping of a whole binary (`sys::file_map`), opened with libbpf's error
/// messages.
pub struct FileMap(crate::sys::file_map::MappedFile);

impl FileMap {
    pub fn open(path: &str) -> Result<FileMap> {
        let f = std::fs::File::open(path).map_err(|e| Error::io(format!("elf: failed to open {path}"), &e))?;
        let len = f.metadata().map_err(|e| Error::io(format!("elf: failed to stat {path}"), &e))?.len();
        if len == 0 {
            return Err(Error::new(lerr::FORMAT, format!("elf: could not read elf from {path}: empty file")));
        }
        if usize::try_from(len).is_err() {
            return Err(Error::nomem(format!("elf: {path} is too large to map")));
        }
        crate::sys::file_map::MappedFile::map(&f)
            .map(FileMap)
            .map_err(|e| Error::io(format!("elf: failed to map {path}"), &e))
    }

    pub fn bytes(&self) -> &[u8] {
        self.0.bytes()
    }
}

/// One function symbol as libbpf's iterator sees it.
#[derive(Debug, Clone, Copy)]
struct ElfSym<'d> {
    name: &'d [u8],
    bind: u8,
    /// File offset (st_value translated through the section header).
    offset: u64,
    /// `.gnu.version` index (0 outside `.dynsym` or without version info).
    ver: u16,
}

/// Symbols of one table plus what it takes to name their versions.
struct Table<'d> {
    syms: Vec<ElfSym<'d>>,
    /// (vd_ndx, first verdaux name) of `.gnu.version_d`, in file order.
    verdefs: Vec<(u16, &'d [u8])>,
}

impl Table<'_> {
    fn version_name(&self, ver: u16) -> Option<&[u8]> {
        self.verdefs.iter().find(|(n, _)| *n == ver).map(|(_, s)| *s)
    }
}

fn fmt_err(path: &str, e: object::read::Error) -> Error {
    Error::new(lerr::FORMAT, format!("elf: could not read elf from {path}: {e}"))
}

/// Read the symbols of type `st_type` from the table of type `sh_type` (SHT_DYNSYM or
/// SHT_SYMTAB); `None` when the file has no such table.
fn read_table<'d, H: FileHeader<Endian = Endianness>>(
    data: &'d [u8],
    path: &str,
    sh_type: u32,
    st_type: u8,
) -> Result<Option<Table<'d>>> {
    let err = |e| fmt_err(path, e);
    let header = H::parse(data).map_err(err)?;
    let endian = header.endian().map_err(err)?;
    let sections = header.sections(endian, data).map_err(err)?;
    let Some((index, sh)) = sections.enumerate().find(|(_, s)| s.sh_type(endian) == sh_type) else {
        return Ok(None);
    };
    let table = object::read::elf::SymbolTable::parse(endian, data, &sections, index, sh).map_err(err)?;
    let (versyms, verdefs) = if sh_type == elf::SHT_DYNSYM {
        let versyms = sections.gnu_versym(endian, data).map_err(err)?.map(|(v, _)| v);
        let mut defs = Vec::new();
        if let Some((mut it, link)) = sections.gnu_verdef(endian, data).map_err(err)? {
            let strings = sections.strings(endian, data, link).map_err(err)?;
            while let Some((vd, mut auxs)) = it.next().map_err(err)? {
                if let Some(aux) = auxs.next().map_err(err)? {
                    if let Ok(name) = aux.name(endian, strings) {
                        defs.push((vd.vd_ndx.get(endian), name));
                    }
                }
            }
        }
        (versyms, defs)
    } else {
        (None, Vec::new())
    };
    let mut syms = Vec::new();
    for (i, sym) in table.enumerate() {
        if sym.st_type() != st_type {
            continue;
        }
        let Ok(name) = table.symbol_name(endian, sym) else { continue };
        // libbpf looks the section up by st_shndx as is: SHN_UNDEF is the null section (offset
        // = st_value, normally 0), reserved indices (SHN_ABS, ...) are skipped.
        let Ok(sec) = sections.section(SectionIndex(sym.st_shndx(endian) as usize)) else { continue };
        let value: u64 = sym.st_value(endian).into();
        let offset = value.wrapping_sub(sec.sh_addr(endian).into()).wrapping_add(sec.sh_offset(endian).into());
        let ver = match versyms {
            Some(v) => match v.get(i.0) {
                Some(vs) => vs.0.get(endian) & VERSYM_VERSION,
                None => continue,
            },
            None => 0,
        };
        syms.push(ElfSym { name, bind: sym.st_bind(), offset, ver });
    }
    Ok(Some(Table { syms, verdefs }))
}

/// The ELF class of `data`, to pick the header type.
fn is_elf64(data: &[u8], path: &str) -> Result<bool> {
    match data.get(..5) {
        Some([0x7f, b'E', b'L', b'F', c]) if *c == elf::ELFCLASS64 => Ok(true),
        Some([0x7f, b'E', b'L', b'F', c]) if *c == elf::ELFCLASS32 => Ok(false),
        _ => Err(Error::new(lerr::FORMAT, format!("elf: could not read elf from {path}: not an ELF file"))),
    }
}

fn table<'d>(data: &'d [u8], path: &str, sh_type: u32, st_type: u8) -> Result<Option<Table<'d>>> {
    let t = if is_elf64(data, path)? {
        read_table::<FileHeader64<Endianness>>(data, path, sh_type, st_type)?
    } else {
        read_table::<FileHeader32<Endianness>>(data, path, sh_type, st_type)?
    };
    if t.is_none() {
        crate::pr_debug!("elf: failed to find symbol table ELF sections in '{path}'");
    }
    Ok(t)
}

fn e_type(data: &[u8], path: &str) -> Result<u16> {
    let err = |e| fmt_err(path, e);
    if is_elf64(data, path)? {
        let h = FileHeader64::<Endianness>::parse(data).map_err(err)?;
        Ok(h.e_type(h.endian().map_err(err)?))
    } else {
        let h = FileHeader32::<Endianness>::parse(data).map_err(err)?;
        Ok(h.e_type(h.endian().map_err(err)?))
    }
}

/// Whether symbol `sym` of a table of type `sh_type` is what the user asked for: `name` (the
/// part before any '@') and, if given, the version `lib_ver`.
fn symbol_match(t: &Table, sh_type: u32, sym: &ElfSym, full: &[u8], name: &[u8], lib_ver: Option<&[u8]>) -> bool {
    if !sym.name.starts_with(name) {
        return false;
    }
    // "foo" must not match "foo2": anything after the name must be "@VER"/"@@VER".
    if let Some(&c) = sym.name.get(name.len()) {
        if c != b'@' {
            return false;
        }
    }
    let Some(ver) = lib_ver else { return true };
    if sh_type == elf::SHT_DYNSYM {
        return t.version_name(sym.ver) == Some(ver);
    }
    // .symtab spells versions into the name.
    sym.name == full
}

/// The file offset of function `name` (optionally `name@VER` / `name@@VER`) in the ELF image
/// `data` (read from `path`, used in messages). ENOENT when absent or zero; LIBBPF_ERRNO__FORMAT
/// for two non-weak definitions at different offsets.
pub fn find_func_offset(data: &[u8], path: &str, name: &str) -> Result<u64> {
    let is_shared = e_type(data, path)? == elf::ET_DYN;
    let full = name.as_bytes();
    let (base, lib_ver): (&[u8], Option<&[u8]>) = match name.find('@') {
        Some(at) => {
            let rest = &name[at + 1..];
            (&full[..at], Some(rest.strip_prefix('@').unwrap_or(rest).as_bytes()))
        }
        None => (full, None),
    };
    let mut found: Option<u64> = None;
    for sh_type in [elf::SHT_DYNSYM, elf::SHT_SYMTAB] {
        let Some(t) = table(data, path, sh_type, elf::STT_FUNC)? else { continue };
        // libbpf's rule, including its quirk that a match at offset 0 does not count as "found"
        // when later matches are weighed.
        let mut cur: Option<u64> = None;
        let mut last_bind: Option<u8> = None;
        for sym in &t.syms {
            if !symbol_match(&t, sh_type, sym, full, base, lib_ver) {
                continue;
            }
            if let Some(prev) = cur.filter(|&o| o > 0) {
                if sym.offset == prev {
                    continue;
                }
                if last_bind != Some(elf::STB_WEAK) && sym.bind != elf::STB_WEAK {
                    return Err(Error::new(
                        lerr::FORMAT,
                        format!(
                            "elf: ambiguous match for '{}', '{}' in '{}'",
                            String::from_utf8_lossy(sym.name),
                            name,
                            path
                        ),
                    ));
                }
                if sym.bind == elf::STB_WEAK {
                    continue;
                }
            }
            cur = Some(sym.offset);
            last_bind = Some(sym.bind);
        }
        found = cur;
        if cur.is_some_and(|o| o > 0) {
            break;
        }
    }
    match found {
        Some(o) if o > 0 => {
            crate::pr_debug!("elf: symbol address match for '{}' in '{}': 0x{:x}", name, path, o);
            Ok(o)
        }
        Some(_) => Err(Error::new(
            libc::ENOENT,
            format!(
                "elf: '{}' is 0 in symtab for '{}': {}",
                name,
                path,
                if is_shared { "should not be 0 in a shared library" } else { "try using shared library path instead" }
            ),
        )),
        None => Err(Error::new(libc::ENOENT, format!("elf: failed to find symbol '{name}' in '{path}'"))),
    }
}

/// [`find_func_offset`] on a file.
pub fn find_func_offset_in_file(path: &str, name: &str) -> Result<u64> {
    let m = FileMap::open(path)?;
    find_func_offset(m.bytes(), path, name)
}

/// File offsets of the exact symbol names `syms` (of type `st_type`), in order; libbpf's
/// `elf_resolve_syms_offsets`. ENOENT unless all are found; ESRCH when one is ambiguous.
pub fn resolve_syms_offsets(path: &str, syms: &[&str], st_type: u8) -> Result<Vec<u64>> {
    let m = FileMap::open(path)?;
    let data = m.bytes();
    let mut offsets: Vec<u64> = vec![0; syms.len()];
    let mut binds: Vec<u8> = vec![0; syms.len()];
    for sh_type in [elf::SHT_DYNSYM, elf::SHT_SYMTAB] {
        let Some(t) = table(data, path, sh_type, st_type)? else { continue };
        for sym in &t.syms {
            let Some(i) = syms.iter().position(|s| s.as_bytes() == sym.name) else { continue };
            if offsets[i] > 0 {
                if offsets[i] == sym.offset {
                    continue;
                }
                if binds[i] != elf::STB_WEAK && sym.bind != elf::STB_WEAK {
                    return Err(Error::new(
                        libc::ESRCH,
                        format!(
                            "elf: ambiguous match found '{}@{}' in '{}' previous offset {}",
                            syms[i], sym.offset, path, offsets[i]
                        ),
                    ));
                }
                if sym.bind == elf::STB_WEAK {
                    continue;
                }
            }
            offsets[i] = sym.offset;
            binds[i] = sym.bind;
        }
    }
    if let Some(i) = offsets.iter().position(|&o| o == 0) {
        return Err(Error::new(libc::ENOENT, format!("elf: failed to find symbol '{}' in '{}'", syms[i], path)));
    }
    Ok(offsets)
}

/// File offsets of every function whose name matches glob `pattern`: `.symtab` first, and
/// `.dynsym` only if that found nothing (libbpf's `elf_resolve_pattern_offsets`).
pub fn resolve_pattern_offsets(path: &str, pattern: &str) -> Result<Vec<u64>> {
    let m = FileMap::open(path)?;
    let data = m.bytes();
    for sh_type in [elf::SHT_SYMTAB, elf::SHT_DYNSYM] {
        let Some(t) = table(data, path, sh_type, elf::STT_FUNC)? else { continue };
        let v: Vec<u64> = t
            .syms
            .iter()
            .filter(|s| super::tracefs::glob_match(s.name, pattern.as_bytes()))
            .map(|s| s.offset)
            .collect();
        if !v.is_empty() {
            return Ok(v);
        }
    }
    Err(Error::new(libc::ENOENT, format!("elf: no function matching '{pattern}' in '{path}'")))
}

// ---- zip archives (APKs): "archive.zip!/member" ----------------------------------------------

fn le16(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}
fn le32(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// Where member `name` of a zip archive starts, and whether it is stored uncompressed:
/// `(data offset, data length, compression method)`. ENOENT when the archive lacks it.
pub fn zip_find(zip: &[u8], archive: &str, name: &str) -> Result<(usize, usize, u16)> {
    let bad = |what: &str| Error::new(lerr::FORMAT, format!("zip: {archive}: {what}"));
    // End of central directory: 22 bytes plus a comment of up to 64 KiB, at the very end.
    const EOCD: u32 = 0x0605_4b50;
    const CDFH: u32 = 0x0201_4b50;
    const LFH: u32 = 0x0403_4b50;
    if zip.len() < 22 {
        return Err(bad("too short for a zip archive"));
    }
    let lowest = zip.len().saturating_sub(22 + 0xffff);
    let eocd = (lowest..=zip.len() - 22)
        .rev()
        .find(|&o| le32(zip, o) == Some(EOCD) && le16(zip, o + 20).is_some_and(|c| o + 22 + c as usize == zip.len()))
        .ok_or_else(|| bad("no end of central directory record"))?;
    let (disk, cd_disk) = (le16(zip, eocd + 4).unwrap_or(1), le16(zip, eocd + 6).unwrap_or(1));
    if disk != 0 || cd_disk != 0 {
        return Err(bad("multi-disk archives are not supported"));
    }
    let count = le16(zip, eocd + 10).ok_or_else(|| bad("truncated end record"))? as usize;
    let mut off = le32(zip, eocd + 16).ok_or_else(|| bad("truncated end record"))? as usize;
    for _ in 0..count {
        if le32(zip, off) != Some(CDFH) {
            return Err(bad("corrupt central directory"));
        }
        let field = |o: usize| le16(zip, off + o).ok_or_else(|| bad("truncated central directory"));
        let method = field(10)?;
        let comp_size = le32(zip, off + 20).ok_or_else(|| bad("truncated central directory"))? as usize;
        let (name_len, extra_len, comment_len) = (field(28)? as usize, field(30)? as usize, field(32)? as usize);
        let local = le32(zip, off + 42).ok_or_else(|| bad("truncated central directory"))? as usize;
        let entry_name = zip.get(off + 46..off + 46 + name_len).ok_or_else(|| bad("truncated central directory"))?;
        if entry_name == name.as_bytes() {
            if le32(zip, local) != Some(LFH) {
                return Err(bad("corrupt local file header"));
            }
            let lname = le16(zip, local + 26).ok_or_else(|| bad("truncated local header"))? as usize;
            let lextra = le16(zip, local + 28).ok_or_else(|| bad("truncated local header"))? as usize;
            let data = local + 30 + lname + lextra;
            if data.checked_add(comp_size).is_none_or(|end| end > zip.len()) {
                return Err(bad("member data out of bounds"));
            }
            return Ok((data, comp_size, method));
        }
        off += 46 + name_len + extra_len + comment_len;
    }
    Err(Error::new(libc::ENOENT, format!("zip: could not find archive member {name} in {archive}")))
}

/// The offset of function `func` of ELF member `member` inside zip `archive`, counted from the
/// start of the archive (what a uprobe on the archive file needs).
pub fn find_func_offset_in_archive(archive: &str, member: &str, func: &str) -> Result<u64> {
    let m = FileMap::open(archive)?;
    let (off, len, method) = zip_find(m.bytes(), archive, member)?;
    if method != 0 {
        return Err(Error::new(
            lerr::FORMAT,
            format!("zip: entry {member} of {archive} is compressed and cannot be handled"),
        ));
    }
    crate::pr_debug!("zip: found entry for {} in {} at 0x{:x}", member, archive, off);
    // The member is not necessarily aligned for the ELF reader: copy it to an aligned buffer.
    let mut buf: Vec<u64> = vec![0; len.div_ceil(8)];
    // SAFETY: `buf` owns len.div_ceil(8) * 8 >= len bytes; viewing u64s as bytes is always valid.
    let bytes = unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr() as *mut u8, len) };
    bytes.copy_from_slice(&m.bytes()[off..off + len]);
    let o = find_func_offset(bytes, member, func)?;
    Ok(o + off as u64)
}

// ---- paths -------------------------------------------------------------------------------------

fn accessible(p: &str, mode: libc::c_int) -> bool {
    let Ok(c) = CString::new(p) else { return false };
    crate::sys::fs::accessible(&c, mode)
}

/// The multiarch library directory libbpf searches last.
fn arch_lib_dir() -> Option<&'static str> {
    if cfg!(target_arch = "x86_64") {
        Some("/lib/x86_64-linux-gnu")
    } else if cfg!(target_arch = "aarch64") {
        Some("/lib/aarch64-linux-gnu")
    } else if cfg!(target_arch = "x86") {
        Some("/lib/i386-linux-gnu")
    } else if cfg!(target_arch = "riscv64") {
        Some("/lib/riscv64-linux-gnu")
    } else if cfg!(target_arch = "s390x") {
        Some("/lib/s390x-linux-gnu")
    } else {
        None
    }
}

/// A binary or library named without a '/' → its full path: libraries (`*.so`, `*.so.*`) via
/// `LD_LIBRARY_PATH`, `/usr/lib64:/usr/lib` and the multiarch directory (readable), programs
/// via `PATH` and `/usr/bin:/usr/sbin` (readable and executable). ENOENT when not found.
pub fn resolve_full_path(file: &str) -> Result<String> {
    let is_lib = file.ends_with(".so") || file.contains(".so.");
    let env = std::env::var(if is_lib { "LD_LIBRARY_PATH" } else { "PATH" }).ok();
    let fixed = if is_lib { "/usr/lib64:/usr/lib" } else { "/usr/bin:/usr/sbin" };
    let arch = if is_lib { arch_lib_dir() } else { None };
    let mode = if is_lib { libc::R_OK } else { libc::R_OK | libc::X_OK };
    for list in [env.as_deref(), Some(fixed), arch].into_iter().flatten() {
        for dir in list.split(':').filter(|d| !d.is_empty()) {
            let cand = format!("{dir}/{file}");
            if cand.len() < libc::PATH_MAX as usize && accessible(&cand, mode) {
                crate::pr_debug!("resolved '{}' to '{}'", file, cand);
                return Ok(cand);
            }
        }
    }
    Err(Error::new(
        libc::ENOENT,
        format!("failed to resolve full path for '{file}': {}", crate::error::errstr(libc::ENOENT)),
    ))
}

// ---- SEC("uprobe/...") -------------------------------------------------------------------------

/// What a `u[ret]probe[.s]` section name asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UprobeSec {
    /// `SEC("uprobe")`: valid, but nothing to attach to automatically.
    NoTarget,
    /// `SEC("uprobe/binary:func[+off]")`.
    Target { retprobe: bool, binary: String, func: String, offset: u64 },
}

/// libbpf's `sscanf("%m[^/]/%m[^:]:%m[^\n]")` of a section name: the probe type up to the first
/// '/', the binary up to the next ':', and the function up to a newline. Each part non-empty.
fn scan3(sec: &str) -> (usize, [&str; 3]) {
    let mut parts = [""; 3];
    let Some(slash) = sec.find('/') else {
        return (usize::from(!sec.is_empty()), [sec, "", ""]);
    };
    parts[0] = &sec[..slash];
    if parts[0].is_empty() {
        return (0, parts);
    }
    let rest = &sec[slash + 1..];
    let colon = rest.find(':').unwrap_or(rest.len());
    parts[1] = &rest[..colon];
    if parts[1].is_empty() {
        return (1, parts);
    }
    if colon == rest.len() {
        return (2, parts);
    }
    let f = &rest[colon + 1..];
    parts[2] = &f[..f.find('\n').unwrap_or(f.len())];
    if parts[2].is_empty() {
        return (2, parts);
    }
    (3, parts)
}

/// C's `strtol(s, &end, 0)` on a whole string, as `%li` reads it: optional sign, then decimal,
/// `0x` hex or leading-0 octal; `None` unless all of `s` is consumed.
pub fn parse_c_long(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        if h.is_empty() {
            return None;
        }
        i64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        body.parse::<i64>().ok()?
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

/// Parse a `u[ret]probe[.s]` section name with libbpf's rules (the program name is only for
/// messages). EINVAL: `uprobe/binary` without `:function`, a malformed name, or an offset on a
/// uretprobe.
pub fn parse_uprobe_sec(prog: &str, sec: &str) -> Result<UprobeSec> {
    let (n, [ty, binary, func]) = scan3(sec);
    match n {
        1 => Ok(UprobeSec::NoTarget),
        2 => Err(Error::inval(format!("prog '{prog}': section '{sec}' missing ':function[+offset]' specification"))),
        3 => {
            let mut func = func.to_string();
            let mut offset: i64 = 0;
            if let Some(plus) = func.rfind('+') {
                if let Some(v) = parse_c_long(&func[plus + 1..]) {
                    offset = v;
                    func.truncate(plus);
                }
            }
            let retprobe = ty == "uretprobe" || ty == "uretprobe.s";
            if retprobe && offset != 0 {
                return Err(Error::inval(format!("prog '{prog}': uretprobes do not support offset specification")));
            }
            Ok(UprobeSec::Target { retprobe, binary: binary.to_string(), func, offset: offset as u64 })
        }
        _ => Err(Error::inval(format!("prog '{prog}': invalid format of section definition '{sec}'"))),
    }
}

/// What a `u[ret]probe.multi[.s]` / `uprobe.session[.s]` section asks for: `None` for no
/// target, else `(retprobe, session, binary, pattern)`.
pub fn parse_uprobe_multi_sec(prog: &str, sec: &str) -> Result<Option<(bool, bool, String, String)>> {
    let (n, [ty, binary, pattern]) = scan3(sec);
    match n {
        1 => Ok(None),
        3 => Ok(Some((
            ty.starts_with("uretprobe.multi"),
            ty.starts_with("uprobe.session"),
            binary.to_string(),
            pattern.to_string(),
        ))),
        _ => Err(Error::inval(format!("prog '{prog}': invalid format of section definition '{sec}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uprobe_sections() {
        assert_eq!(parse_uprobe_sec("p", "uprobe").unwrap(), UprobeSec::NoTarget);
        assert_eq!(parse_uprobe_sec("p", "uretprobe.s").unwrap(), UprobeSec::NoTarget);
        assert_eq!(
            parse_uprobe_sec("p", "uprobe//proc/self/exe:main+0x10").unwrap(),
            UprobeSec::Target { retprobe: false, binary: "/proc/self/exe".into(), func: "main".into(), offset: 0x10 }
        );
        assert_eq!(
            parse_uprobe_sec("p", "uretprobe/libc.so.6:malloc").unwrap(),
            UprobeSec::Target { retprobe: true, binary: "libc.so.6".into(), func: "malloc".into(), offset: 0 }
        );
        // A '+' that is not followed by a whole number stays in the name.
        assert_eq!(
            parse_uprobe_sec("p", "uprobe/bin:f+x").unwrap(),
            UprobeSec::Target { retprobe: false, binary: "bin".into(), func: "f+x".into(), offset: 0 }
        );
        assert_eq!(
            parse_uprobe_sec("p", "uprobe/bin:f+010").unwrap(),
            UprobeSec::Target { retprobe: false, binary: "bin".into(), func: "f".into(), offset: 8 }
        );
        assert_eq!(parse_uprobe_sec("p", "uprobe/bin").unwrap_err().errno(), libc::EINVAL);
        assert_eq!(parse_uprobe_sec("p", "uretprobe/bin:f+4").unwrap_err().errno(), libc::EINVAL);
        // As sscanf reads it: an empty binary stops the scan after the probe type, which libbpf
        // takes for "no target".
        assert_eq!(parse_uprobe_sec("p", "uprobe/:f").unwrap(), UprobeSec::NoTarget);
        assert_eq!(parse_uprobe_sec("p", "uprobe/").unwrap(), UprobeSec::NoTarget);
        assert_eq!(parse_uprobe_sec("p", "uprobe/bin:").unwrap_err().errno(), libc::EINVAL);
    }

    #[test]
    fn c_longs() {
        assert_eq!(parse_c_long("16"), Some(16));
        assert_eq!(parse_c_long("0x10"), Some(16));
        assert_eq!(parse_c_long("010"), Some(8));
        assert_eq!(parse_c_long("0"), Some(0));
        assert_eq!(parse_c_long("-4"), Some(-4));
        assert_eq!(parse_c_long("0x"), None);
        assert_eq!(parse_c_long("1a"), None);
        assert_eq!(parse_c_long(""), None);
    }

    #[test]
    fn multi_sections() {
        assert_eq!(parse_uprobe_multi_sec("p", "uprobe.multi").unwrap(), None);
        assert_eq!(
            parse_uprobe_multi_sec("p", "uretprobe.multi.s/bin:f*").unwrap(),
            Some((true, false, "bin".into(), "f*".into()))
        );
        assert_eq!(
            parse_uprobe_multi_sec("p", "uprobe.session.s/bin:f*").unwrap(),
            Some((false, true, "bin".into(), "f*".into()))
        );
        assert!(parse_uprobe_multi_sec("p", "uprobe.multi/bin").is_err());
    }

    #[test]
    fn full_paths() {
        assert!(resolve_full_path("sh").unwrap().ends_with("/sh"));
        assert_eq!(resolve_full_path("no-such-binary-oxbpf").unwrap_err().errno(), libc::ENOENT);
    }

    #[test]
    fn zip_member_lookup() {
        // A stored (method 0) member "lib/x.so" holding "ELFDATA", built by hand.
        let name = b"lib/x.so";
        let data = b"ELFDATA";
        let mut z = Vec::new();
        z.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        z.extend_from_slice(&[0; 22]); // version .. uncompressed size
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&3u16.to_le_bytes()); // extra
        z.extend_from_slice(name);
        z.extend_from_slice(&[0; 3]);
        let data_off = z.len();
        z.extend_from_slice(data);
        let cd = z.len();
        z.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        z.extend_from_slice(&[0; 6]); // versions, flags
        z.extend_from_slice(&0u16.to_le_bytes()); // method
        z.extend_from_slice(&[0; 8]); // time, date, crc
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&[0; 12]); // extra, comment, disk, attrs
        z.extend_from_slice(&0u32.to_le_bytes()); // local header offset
        z.extend_from_slice(name);
        let cd_len = z.len() - cd;
        z.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        z.extend_from_slice(&[0; 4]);
        z.extend_from_slice(&1u16.to_le_bytes());
        z.extend_from_slice(&1u16.to_le_bytes());
        z.extend_from_slice(&(cd_len as u32).to_le_bytes());
        z.extend_from_slice(&(cd as u32).to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        assert_eq!(zip_find(&z, "a.zip", "lib/x.so").unwrap(), (data_off, data.len(), 0));
        assert_eq!(zip_find(&z, "a.zip", "lib/y.so").unwrap_err().errno(), libc::ENOENT);
        assert!(zip_find(&z[..z.len() - 1], "a.zip", "lib/x.so").is_err());
    }
}
