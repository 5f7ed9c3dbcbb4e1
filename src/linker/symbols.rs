//! Steps 4 and 5: symbols appended and globals resolved by name (BTF and `.maps` definitions of
//! both sides must agree), then relocations with rewritten offsets and symbol indexes.

use super::btfbuf::{kind_of, vlen_of};
use super::{
    compat, find_src_sec, inval, is_non_static, rd_u32, rd_u64, wr_u32, wr_u64, GlobSym, Linker, SrcObj, Sym,
    Underlying, BPF_CALL_CODE, EXTERN_SEC, MAPS_SEC, REL_SIZE, SHN_LORESERVE, SYMTAB_IDX,
};
use crate::btf::{Btf, Kind, FUNC_GLOBAL, FUNC_STATIC, VAR_GLOBAL_ALLOCATED, VAR_STATIC};
use crate::elf;
use crate::error::{Error, Result};

impl Linker {
    pub(super) fn append_elf_syms(&mut self, obj: &mut SrcObj<'_>) -> Result<()> {
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

    pub(super) fn append_elf_relos(&mut self, obj: &mut SrcObj<'_>) -> Result<()> {
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
            let linked_exec = obj.secs[linked].flags & elf::SHF_EXECINSTR != 0;
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
