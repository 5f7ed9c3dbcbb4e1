//! Taking an input in (steps 1 and 2 of the module docs): the ELF read and checked (sections,
//! symbol table, relocations), its BTF DATASECs fixed up from the ELF, then appended section by
//! section, symbol by symbol, relocation by relocation, and its BTF and `.BTF.ext`.

use super::{compat, find_src_sec, inval, Linker, SrcObj, SrcSec, EXTERN_SEC, REL_SIZE, SHN_LORESERVE, SYM_SIZE};
use crate::btf::{Btf, BtfExt, Kind, VAR_GLOBAL_ALLOCATED};
use crate::elf::{self, Elf};
use crate::error::{Error, Result};

fn is_dwarf(name: &str) -> bool {
    name.starts_with(".debug_")
}

pub(super) fn is_ignored(name: &str, sh_type: u32, size: u64) -> bool {
    if sh_type == elf::SHT_STRTAB || sh_type == elf::SHT_LLVM_ADDRSIG {
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

impl Linker {
    /// `bpf_linker__add_file`: link in one object file.
    pub fn add_file(&mut self, filename: &str) -> Result<()> {
        if self.file.is_none() {
            // libbpf refuses silently once the ELF is written.
            return Err(Error::quiet(libc::EINVAL));
        }
        crate::pr_debug!("linker: adding object file '{}'...", filename);
        let bytes = std::fs::read(filename).map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            Error::new(errno, format!("failed to open file '{filename}': {}", crate::error::errstr(errno)))
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
            .map_err(|e| Error::new(e, format!("failed to read '{name}': {}", crate::error::errstr(e))))?;
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
                            format!(
                                "failed to parse .BTF from {filename}: {} ({})",
                                crate::error::errstr(e.errno()),
                                e.message()
                            ),
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
                    format!(
                        "failed to parse .BTF.ext from '{filename}': {} ({})",
                        crate::error::errstr(e.errno()),
                        e.message()
                    ),
                )
            })?;
            obj.ext = Some(ext);
        }
        sanity_check_elf(&obj)?;
        fixup_btf(&mut obj)?;
        Ok(obj)
    }
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
            elf::SHT_STRTAB | elf::SHT_NOBITS | elf::SHT_LLVM_ADDRSIG => {}
            elf::SHT_PROGBITS => {
                if s.flags & elf::SHF_EXECINSTR != 0 && s.size % 8 != 0 {
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
        if linked.flags & elf::SHF_EXECINSTR != 0 && r.offset % 8 != 0 {
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
