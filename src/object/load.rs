//! `bpf_object__load`: externs, relocation, BTF, maps and programs into the running kernel, in
//! libbpf 1.5's order and with its observable results (same instructions, same map contents,
//! same failures and log lines). A failure anywhere closes every fd created so far.

use super::externs::ExternKind;
use super::relo::RelocKind;
use super::{lerr, map_type_is_map_in_map, MapKind, Object, Slot, BPF_INSN_SZ, BPF_OBJ_NAME_LEN};
use crate::btf::{Btf, Kind};
use crate::error::{Error, Result};
use crate::sys::cmd;
use crate::uapi;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Arc;

const BPF_LD_IMM64: u8 = 0x18;
const BPF_JMP_CALL: u8 = 0x85;
/// The invalid helper id libbpf calls from poisoned instructions.
pub(crate) const POISON_HELPER: i32 = 0xbad2310;
const POISON_MAP_LDIMM64: i32 = 2001000000;

/// Instruction word helpers (`struct bpf_insn` as a little-endian u64).
pub(crate) mod insn {
    pub fn code(w: u64) -> u8 {
        (w & 0xff) as u8
    }
    pub fn src(w: u64) -> u8 {
        ((w >> 12) & 0xf) as u8
    }
    pub fn dst(w: u64) -> u8 {
        ((w >> 8) & 0xf) as u8
    }
    pub fn off(w: u64) -> i16 {
        ((w >> 16) & 0xffff) as u16 as i16
    }
    pub fn imm(w: u64) -> i32 {
        (w >> 32) as u32 as i32
    }
    pub fn set_src(w: &mut u64, v: u8) {
        *w = (*w & !(0xf << 12)) | (((v & 0xf) as u64) << 12);
    }
    pub fn set_imm(w: &mut u64, v: i32) {
        *w = (*w & 0xffff_ffff) | ((v as u32 as u64) << 32);
    }
    pub fn set_off(w: &mut u64, v: i16) {
        *w = (*w & !(0xffff << 16)) | ((v as u16 as u64) << 16);
    }
    pub fn make(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> u64 {
        code as u64 | ((dst as u64 & 0xf) << 8) | ((src as u64 & 0xf) << 12) | ((off as u16 as u64) << 16) | ((imm as u32 as u64) << 32)
    }
}

fn is_subprog_call(w: u64) -> bool {
    insn::code(w) == BPF_JMP_CALL && insn::src(w) == uapi::BPF_PSEUDO_CALL && insn::dst(w) == 0 && insn::off(w) == 0
}

fn is_pseudo_func(w: u64) -> bool {
    insn::code(w) == BPF_LD_IMM64 && insn::src(w) == uapi::BPF_PSEUDO_FUNC
}

impl Object {
    /// Load everything into the kernel. May be attempted once; afterwards the object is marked
    /// loaded whether or not it succeeded (libbpf's rule), and a failure leaves nothing behind.
    pub fn load(&mut self) -> Result<()> {
        if self.loaded {
            return Err(Error::inval(format!("object '{}': load can't be attempted twice", self.name.to_string_lossy())));
        }
        let res = self.load_steps();
        self.loaded = true;
        if let Err(e) = res {
            self.unload();
            crate::pr_warn!("{}", e);
            crate::pr_warn!("failed to load object '{}'", self.path);
            return Err(Error::quiet(e.errno()));
        }
        Ok(())
    }

    fn load_steps(&mut self) -> Result<()> {
        let vmlinux = if self.needs_vmlinux_btf() { Some(Btf::vmlinux().map_err(|e| e.context("Error loading vmlinux BTF"))?) } else { None };
        self.resolve_externs(vmlinux.as_deref())?;
        self.init_kern_struct_ops(vmlinux.as_deref())?;
        self.relocate(vmlinux.as_ref())?;
        self.load_btf()?;
        self.create_maps()?;
        self.relocate_data()?;
        self.load_programs(vmlinux.as_deref())?;
        self.init_prog_arrays()?;
        self.prepare_struct_ops()?;
        Ok(())
    }

    /// Close every fd load created and drop relocated state (libbpf's `bpf_object_unload`).
    pub(crate) fn unload(&mut self) {
        for m in self.maps.iter_mut() {
            m.fd = None;
            if let Some(i) = m.inner.as_mut() {
                i.fd = None;
            }
        }
        for p in self.progs.iter_mut() {
            p.fd = None;
        }
        self.btf_fd_owned = None;
        self.btf_fd = -1;
    }

    fn needs_vmlinux_btf(&self) -> bool {
        if self.btf_ext.as_ref().is_some_and(|e| e.has_core_relos()) && self.opts.btf_custom_path.is_none() {
            return true;
        }
        if self.externs.iter().any(|e| matches!(e.kind, ExternKind::Ksym { type_id } if type_id != 0)) {
            return true;
        }
        let prog_needs = self.progs.iter().any(|p| {
            p.autoload
                && (p.prog_type == uapi::BPF_PROG_TYPE_STRUCT_OPS
                    || p.prog_type == uapi::BPF_PROG_TYPE_LSM
                    || (p.prog_type == uapi::BPF_PROG_TYPE_TRACING && p.attach_prog_fd == 0))
        });
        prog_needs || self.maps.iter().any(|m| m.is_struct_ops())
    }

    // ---- externs ----

    fn resolve_externs(&mut self, vmlinux: Option<&Btf>) -> Result<()> {
        if self.externs.is_empty() {
            return Ok(());
        }
        self.resolve_kconfig()?;
        let need_kallsyms = self.externs.iter().any(|e| matches!(e.kind, ExternKind::Ksym { type_id: 0 }) && !self.extern_is_func(e.btf_id));
        if need_kallsyms {
            let syms = std::fs::read_to_string("/proc/kallsyms").map_err(|e| Error::io("failed to open /proc/kallsyms", &e))?;
            for line in syms.lines() {
                let mut it = line.split_whitespace();
                let (Some(addr), Some(_t), Some(name)) = (it.next(), it.next(), it.next()) else { continue };
                let Some(ext) = self.externs.iter_mut().find(|e| matches!(e.kind, ExternKind::Ksym { type_id: 0 }) && e.name == name) else {
                    continue;
                };
                let addr = u64::from_str_radix(addr, 16).unwrap_or(0);
                if ext.is_set && ext.addr != addr {
                    return Err(Error::inval(format!("extern (ksym) '{name}': resolution is ambiguous: 0x{:x} or 0x{addr:x}", ext.addr)));
                }
                if !ext.is_set {
                    ext.is_set = true;
                    ext.addr = addr;
                }
            }
        }
        for i in 0..self.externs.len() {
            let ExternKind::Ksym { type_id } = self.externs[i].kind else { continue };
            let is_func = self.extern_is_func(self.externs[i].btf_id);
            if type_id == 0 && !is_func {
                continue;
            }
            let Some(vml) = vmlinux else { continue };
            let name = self.externs[i].name.clone();
            let essential = crate::btf::essential_name(&name);
            let kind = if is_func { Kind::Func } else { Kind::Var };
            match vml.find_by_name_kind(essential, kind) {
                Some(id) => {
                    let e = &mut self.externs[i];
                    e.kernel_btf_id = id;
                    e.kernel_btf_obj_fd = 0;
                    e.is_set = true;
                }
                None if self.externs[i].is_weak => {}
                None => {
                    return Err(Error::new(libc::ESRCH, format!("extern ({}) '{name}': not found in kernel BTF", if is_func { "func ksym" } else { "var ksym" })))
                }
            }
        }
        for e in &self.externs {
            if !e.is_set && !e.is_weak {
                return Err(Error::new(libc::ESRCH, format!("extern '{}' (strong): not resolved", e.name)));
            } else if !e.is_set {
                crate::pr_debug!("extern '{}' (weak): not resolved, defaulting to zero", e.name);
            }
        }
        Ok(())
    }

    fn extern_is_func(&self, btf_id: u32) -> bool {
        self.btf.as_deref().and_then(|b| b.ty(btf_id)).is_some_and(|t| t.kind == Kind::Func)
    }

    // ---- relocation ----

    fn relocate(&mut self, vmlinux: Option<&Arc<Btf>>) -> Result<()> {
        self.relocate_core(vmlinux)?;
        for p in self.progs.iter_mut() {
            p.relos.sort_by_key(|r| r.insn_idx);
            for r in &p.relos {
                if matches!(r.kind, RelocKind::SubprogAddr { .. }) {
                    if let Some(w) = p.insns.get_mut(r.insn_idx) {
                        insn::set_src(w, uapi::BPF_PSEUDO_FUNC);
                    }
                }
            }
        }
        let mains: Vec<usize> =
            (0..self.progs.len()).filter(|&i| self.progs.get(i).is_some_and(|p| !self.is_subprog(p) && p.autoload)).collect();
        for i in mains {
            self.relocate_calls(i)?;
        }
        Ok(())
    }

    /// CO-RE relocations, applied to each program's own instructions before subprograms are
    /// appended (every copy of a subprogram then carries the patched code).
    fn relocate_core(&mut self, vmlinux: Option<&Arc<Btf>>) -> Result<()> {
        let Some(ext) = self.btf_ext.as_ref() else { return Ok(()) };
        if !ext.has_core_relos() {
            return Ok(());
        }
        let local = self.btf.as_deref().ok_or_else(|| Error::inval("CO-RE relocations without BTF"))?;
        let custom;
        let targets = match &self.opts.btf_custom_path {
            Some(p) => {
                custom = Btf::parse_file(p, None, false).map_err(|e| e.context(format!("failed to parse target BTF '{p}'")))?.0;
                crate::reloc::CoreTargets { btfs: vec![&custom] }
            }
            None => crate::reloc::CoreTargets {
                btfs: vec![vmlinux.map(|v| &**v).ok_or_else(|| Error::new(libc::ESRCH, "CO-RE relocations need kernel BTF"))?],
            },
        };
        let mut cache = crate::reloc::CandCache::default();
        let mut patches: Vec<(usize, Vec<u64>)> = Vec::new();
        for (pidx, p) in self.progs.iter().enumerate() {
            let sec = self.sec_name_of(p.sec_idx);
            let Some(relos) = ext.core_relos(&sec) else { continue };
            let mut insns = p.insns.clone();
            let mut touched = false;
            for r in relos {
                let abs = (r.insn_off as usize) / BPF_INSN_SZ;
                if abs < p.sec_insn_off || abs >= p.sec_insn_off + p.sec_insn_cnt {
                    continue;
                }
                if !p.autoload {
                    continue;
                }
                let pname = p.name.to_string_lossy();
                crate::reloc::relocate_insn(local, r, &mut insns, abs - p.sec_insn_off, &targets, &mut cache, &pname)
                    .map_err(|e| e.context(format!("prog '{pname}': relo #{}: failed to relocate", r.insn_off / 8)))?;
                touched = true;
            }
            if touched {
                patches.push((pidx, insns));
            }
        }
        for (pidx, insns) in patches {
            if let Some(p) = self.progs.get_mut(pidx) {
                p.insns = insns;
            }
        }
        Ok(())
    }

    pub(crate) fn sec_name_of(&self, sec_idx: usize) -> String {
        self.sec_names.get(sec_idx).cloned().unwrap_or_default()
    }

    /// Append every subprogram `main` reaches (recursively, once each) and point its calls and
    /// callback references at the copies; subprogram relocations are carried over.
    fn relocate_calls(&mut self, main: usize) -> Result<()> {
        for p in self.progs.iter_mut() {
            p.sub_insn_off = 0;
        }
        let mut acc = ExtInfoAcc::default();
        self.reloc_code(main, main, &mut acc)?;
        if let Some(p) = self.progs.get_mut(main) {
            (p.func_info, p.func_info_rec_size) = if acc.func.on { (acc.func.recs, acc.func.rec_size) } else { (Vec::new(), 0) };
            (p.line_info, p.line_info_rec_size) = if acc.line.on { (acc.line.recs, acc.line.rec_size) } else { (Vec::new(), 0) };
        }
        Ok(())
    }

    /// Copy `.BTF.ext` records of `prog` (func_info or line_info) into the main program's set,
    /// converted to instruction offsets relative to where `prog` now sits.
    fn ext_records(&self, prog: usize, main: usize, func: bool) -> Option<(Vec<u8>, u32)> {
        let ext = self.btf_ext.as_ref()?;
        let p = self.progs.get(prog)?;
        let sec = self.sec_name_of(p.sec_idx);
        let (rec_size, raw) = if func {
            let s = ext.func_info(&sec)?;
            (s.rec_size, s.raw.to_vec())
        } else {
            let s = ext.line_info(&sec)?;
            (s.rec_size, s.raw.to_vec())
        };
        let rs = rec_size as usize;
        if rs < 4 {
            return None;
        }
        let start = p.sec_insn_off;
        let end = p.sec_insn_off + p.sec_insn_cnt;
        let placed = if prog == main { 0 } else { p.sub_insn_off };
        let adj = placed as i64 - p.sec_insn_off as i64;
        let mut out = Vec::new();
        for rec in raw.chunks_exact(rs) {
            let off = u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]) as usize / BPF_INSN_SZ;
            if off < start {
                continue;
            }
            if off >= end {
                break;
            }
            let new_off = (off as i64 + adj) as u32;
            out.extend_from_slice(&new_off.to_le_bytes());
            out.extend_from_slice(&rec[4..]);
        }
        if out.is_empty() {
            None
        } else {
            Some((out, rec_size))
        }
    }

    fn reloc_code(&mut self, main: usize, prog: usize, acc: &mut ExtInfoAcc) -> Result<()> {
        // func_info / line_info for this piece of code.
        if self.btf_ext.is_some() {
            for func in [true, false] {
                let set = if func { &acc.func } else { &acc.line };
                if !set.on || (main != prog && set.recs.is_empty()) {
                    continue;
                }
                let got = self.ext_records(prog, main, func);
                let set = if func { &mut acc.func } else { &mut acc.line };
                match got {
                    Some((recs, rs)) => {
                        set.recs.extend_from_slice(&recs);
                        set.rec_size = rs;
                    }
                    None => {
                        let pname = self.progs.get(prog).map(|p| p.name.to_string_lossy().into_owned()).unwrap_or_default();
                        let what = if func { "function" } else { "line" };
                        if !set.recs.is_empty() {
                            return Err(Error::new(libc::ENOENT, format!("prog '{pname}': missing .BTF.ext {what} info.")));
                        }
                        crate::pr_warn!(
                            "prog '{}': missing .BTF.ext {} info for the main program, skipping all of .BTF.ext {} info.",
                            pname,
                            what,
                            what
                        );
                        set.on = false;
                    }
                }
            }
        }
        let (sub_off, cnt, sec_insn_off) = {
            let p = self.progs.get(prog).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
            (if prog == main { 0 } else { p.sub_insn_off }, p.sec_insn_cnt, p.sec_insn_off)
        };
        for insn_idx in 0..cnt {
            let w = self.progs.get(main).and_then(|m| m.insns.get(sub_off + insn_idx).copied()).unwrap_or(0);
            if !is_subprog_call(w) && !is_pseudo_func(w) {
                continue;
            }
            let relo = self.progs.get(prog).and_then(|p| p.relos.iter().find(|r| r.insn_idx == insn_idx).copied());
            let pname = self.progs.get(prog).map(|p| p.name.to_string_lossy().into_owned()).unwrap_or_default();
            let sub_insn_idx = match relo.map(|r| r.kind) {
                Some(RelocKind::ExternCall { .. }) => continue,
                Some(RelocKind::Call { sym_off }) => (sym_off as i64 / BPF_INSN_SZ as i64 + insn::imm(w) as i64 + 1) as usize,
                Some(RelocKind::SubprogAddr { sym_off }) => ((sym_off as i64 + insn::imm(w) as i64) / BPF_INSN_SZ as i64) as usize,
                Some(_) => {
                    return Err(Error::new(lerr::RELOC, format!("prog '{pname}': unexpected relo for insn #{insn_idx}")));
                }
                None if is_pseudo_func(w) => {
                    return Err(Error::new(lerr::RELOC, format!("prog '{pname}': missing subprog addr relo for insn #{insn_idx}")));
                }
                None => (sec_insn_off as i64 + insn_idx as i64 + insn::imm(w) as i64 + 1) as usize,
            };
            let text = self.text_shndx;
            let sub = self
                .progs
                .iter()
                .position(|p| text != 0 && p.sec_idx == text && sub_insn_idx >= p.sec_insn_off && sub_insn_idx < p.sec_insn_off + p.sec_insn_cnt)
                .ok_or_else(|| Error::new(lerr::RELOC, format!("prog '{pname}': no .text section found yet sub-program call exists")))?;
            let sub_is_placed = self.progs.get(sub).is_some_and(|s| s.sub_insn_off != 0);
            if !sub_is_placed {
                self.append_subprog(main, sub)?;
                self.reloc_code(main, sub, acc)?;
            }
            let target = self.progs.get(sub).map(|s| s.sub_insn_off).unwrap_or(0);
            let here = sub_off + insn_idx;
            if let Some(w) = self.progs.get_mut(main).and_then(|m| m.insns.get_mut(here)) {
                insn::set_imm(w, target as i32 - here as i32 - 1);
            }
        }
        Ok(())
    }

    fn append_subprog(&mut self, main: usize, sub: usize) -> Result<()> {
        let (code, relos, name) = {
            let s = self.progs.get(sub).ok_or_else(|| Error::new(lerr::INTERNAL, "subprogram vanished"))?;
            (s.insns.clone(), s.relos.clone(), s.name.to_string_lossy().into_owned())
        };
        let m = self.progs.get_mut(main).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
        let at = m.insns.len();
        m.insns.extend_from_slice(&code);
        if main != sub {
            m.relos.extend(relos.into_iter().map(|mut r| {
                r.insn_idx += at;
                r
            }));
        }
        crate::pr_debug!("prog '{}': added {} insns from sub-prog '{}'", m.name.to_string_lossy(), code.len(), name);
        if let Some(s) = self.progs.get_mut(sub) {
            s.sub_insn_off = at;
        }
        Ok(())
    }

    /// Map, global-data and extern references, once maps exist (their fds go into the code).
    fn relocate_data(&mut self) -> Result<()> {
        let kconfig_fd = self.kconfig_map_idx.and_then(|i| self.maps.get(i)).and_then(|m| m.fd.as_ref()).map(|f| f.as_raw_fd());
        let map_fds: Vec<Option<i32>> = self.maps.iter().map(|m| m.fd.as_ref().map(|f| f.as_raw_fd())).collect();
        let autocreate: Vec<bool> = self.maps.iter().map(|m| m.autocreate).collect();
        let externs = self.externs.clone();
        let text = self.text_shndx;
        for p in self.progs.iter_mut() {
            if (text != 0 && p.sec_idx == text) || !p.autoload {
                continue;
            }
            let pname = p.name.to_string_lossy().into_owned();
            let relos = p.relos.clone();
            for (ri, r) in relos.iter().enumerate() {
                let i = r.insn_idx;
                if i >= p.insns.len() {
                    return Err(Error::new(lerr::RELOC, format!("prog '{pname}': relo #{ri}: insn #{i} out of range")));
                }
                let two = i + 1 < p.insns.len();
                match r.kind {
                    RelocKind::Ld64 { map } | RelocKind::Data { map, .. } => {
                        if !two {
                            return Err(Error::new(lerr::RELOC, format!("prog '{pname}': relo #{ri}: truncated ld_imm64")));
                        }
                        if let RelocKind::Data { sym_off, .. } = r.kind {
                            let base = insn::imm(p.insns[i]);
                            insn::set_imm(&mut p.insns[i + 1], base.wrapping_add(sym_off as i32));
                        }
                        match (autocreate.get(map).copied().unwrap_or(false), map_fds.get(map).copied().flatten()) {
                            (true, Some(fd)) => {
                                let src = if matches!(r.kind, RelocKind::Ld64 { .. }) { uapi::BPF_PSEUDO_MAP_FD } else { uapi::BPF_PSEUDO_MAP_VALUE };
                                insn::set_src(&mut p.insns[i], src);
                                insn::set_imm(&mut p.insns[i], fd);
                            }
                            _ => {
                                // Map not created: poison so the verifier complains only if reached.
                                crate::pr_debug!("prog '{}': relo #{}: poisoning insn #{} that loads map #{}", pname, ri, i, map);
                                p.insns[i] = insn::make(BPF_JMP_CALL, 0, 0, 0, POISON_MAP_LDIMM64 + map as i32);
                                p.insns[i + 1] = insn::make(0x05, 0, 0, -1, 0); // ja -1 (never reached)
                            }
                        }
                    }
                    RelocKind::ExternLd64 { ext } => {
                        let e = externs.get(ext).ok_or_else(|| Error::new(lerr::RELOC, "extern vanished"))?;
                        if !two {
                            return Err(Error::new(lerr::RELOC, format!("prog '{pname}': relo #{ri}: truncated ld_imm64")));
                        }
                        match e.kind {
                            ExternKind::Kcfg { data_off, .. } => {
                                let fd = kconfig_fd.ok_or_else(|| Error::new(lerr::RELOC, ".kconfig map was not created"))?;
                                insn::set_src(&mut p.insns[i], uapi::BPF_PSEUDO_MAP_VALUE);
                                insn::set_imm(&mut p.insns[i], fd);
                                insn::set_imm(&mut p.insns[i + 1], data_off as i32);
                            }
                            ExternKind::Ksym { type_id } if type_id != 0 && e.is_set => {
                                insn::set_src(&mut p.insns[i], uapi::BPF_PSEUDO_BTF_ID);
                                insn::set_imm(&mut p.insns[i], e.kernel_btf_id as i32);
                                insn::set_imm(&mut p.insns[i + 1], e.kernel_btf_obj_fd);
                            }
                            ExternKind::Ksym { .. } => {
                                insn::set_imm(&mut p.insns[i], e.addr as u32 as i32);
                                insn::set_imm(&mut p.insns[i + 1], (e.addr >> 32) as u32 as i32);
                            }
                        }
                    }
                    RelocKind::ExternCall { ext } => {
                        let e = externs.get(ext).ok_or_else(|| Error::new(lerr::RELOC, "extern vanished"))?;
                        insn::set_src(&mut p.insns[i], uapi::BPF_PSEUDO_KFUNC_CALL);
                        if e.is_set {
                            insn::set_imm(&mut p.insns[i], e.kernel_btf_id as i32);
                            insn::set_off(&mut p.insns[i], 0);
                        } else {
                            crate::pr_debug!("prog '{}': relo #{}: poisoning call to unresolved weak kfunc '{}'", pname, ri, e.name);
                            p.insns[i] = insn::make(BPF_JMP_CALL, 0, 0, 0, POISON_HELPER + 1000 + ext as i32);
                        }
                    }
                    RelocKind::SubprogAddr { .. } => {
                        if insn::src(p.insns[i]) != uapi::BPF_PSEUDO_FUNC {
                            return Err(Error::inval(format!("prog '{pname}': relo #{ri}: bad insn")));
                        }
                    }
                    RelocKind::Call { .. } => {}
                }
            }
        }
        Ok(())
    }

    // ---- BTF ----

    /// Load the object's BTF (with `.ksyms`/extern-function fixups the kernel requires). A
    /// failure is fatal only when something needs BTF in the kernel (struct_ops); otherwise it
    /// is reported and loading continues without BTF, as libbpf does.
    fn load_btf(&mut self) -> Result<()> {
        let Some(btf) = self.btf.as_deref() else { return Ok(()) };
        let mut kbtf = btf.clone();
        sanitize_for_kernel(&mut kbtf, &self.externs)?;
        // Hidden global subprograms verify as static functions.
        for p in self.progs.iter().filter(|p| p.mark_btf_static && self.text_shndx != 0 && p.sec_idx == self.text_shndx) {
            let name = p.name.to_string_lossy();
            if let Some(id) = kbtf.find_by_name_kind(&name, Kind::Func) {
                kbtf.set_func_linkage(id, crate::btf::FUNC_STATIC)?;
            }
        }
        let mut log = vec![0u8; 0];
        let res = cmd::btf_load(kbtf.raw_data(), None, 0, None).or_else(|e| {
            log = vec![0u8; 16 << 20];
            match cmd::btf_load(kbtf.raw_data(), Some(&mut log), 1, None) {
                Ok(fd) => Ok(fd),
                Err(_) => Err(e),
            }
        });
        match res {
            Ok(fd) => {
                self.btf_fd = fd.as_raw_fd();
                self.btf_fd_owned = Some(fd);
                Ok(())
            }
            Err(e) => {
                let text = String::from_utf8_lossy(&log[..log.iter().position(|&b| b == 0).unwrap_or(log.len())]).into_owned();
                if !text.is_empty() {
                    crate::pr_warn!("-- BEGIN BTF LOAD LOG ---\n{}\n-- END BTF LOAD LOG --", text);
                }
                if self.maps.iter().any(|m| m.is_struct_ops() && m.autocreate) {
                    return Err(e.context("Error loading .BTF into kernel"));
                }
                crate::pr_warn!("Error loading .BTF into kernel: {}. BTF is optional, ignoring.", e);
                Ok(())
            }
        }
    }

    // ---- maps ----

    fn create_maps(&mut self) -> Result<()> {
        let btf_fd = self.btf_fd_owned.as_ref().map(|f| f.as_raw_fd());
        let ncpus = crate::sys::possible_cpus()?;
        for idx in 0..self.maps.len() {
            let (autocreate, name) = {
                let m = self.maps.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
                (m.autocreate, m.name.to_string_lossy().into_owned())
            };
            if !autocreate {
                crate::pr_debug!("map '{}': skipped auto-creating...", name);
                continue;
            }
            self.create_one_map(idx, btf_fd, ncpus).map_err(|e| e.context(format!("map '{name}': failed to create")))?;
        }
        // Map-in-map initial slots need every map's fd.
        for idx in 0..self.maps.len() {
            let slots: Vec<(usize, usize)> = match self.maps.get(idx) {
                Some(m) if map_type_is_map_in_map(m.def.map_type) && m.fd.is_some() => m
                    .init_slots
                    .iter()
                    .enumerate()
                    .filter_map(|(k, s)| match s {
                        Some(Slot::Map(t)) => Some((k, *t)),
                        _ => None,
                    })
                    .collect(),
                _ => continue,
            };
            for (key, target) in slots {
                let tfd = self.maps.get(target).and_then(|t| t.fd.as_ref()).map(|f| f.as_raw_fd());
                let m = self.maps.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
                let (Some(fd), Some(tfd)) = (m.fd.as_ref(), tfd) else {
                    return Err(Error::inval(format!("map '{}': inner map #{target} was not created", m.name.to_string_lossy())));
                };
                cmd::map_update_elem(fd.as_fd(), &(key as u32).to_le_bytes(), &tfd.to_le_bytes(), 0)
                    .map_err(|e| e.context(format!("map '{}': failed to initialize slot [{key}]", m.name.to_string_lossy())))?;
            }
        }
        Ok(())
    }

    fn create_one_map(&mut self, idx: usize, btf_fd: Option<i32>, ncpus: usize) -> Result<()> {
        let btf_fd_b = btf_fd.map(|fd| {
            // SAFETY: fd is the object's BTF fd, owned by self.btf_fd_owned for the whole load.
            unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) }
        });
        // Reuse a pinned map when one is there.
        let pin = self.maps.get(idx).and_then(|m| m.pin_path.clone());
        if let Some(path) = &pin {
            match cmd::obj_get(path, 0) {
                Ok(fd) => {
                    self.check_reuse_compat(idx, &fd)?;
                    let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
                    m.fd = Some(fd);
                    m.reused = true;
                    m.pinned = true;
                    crate::pr_debug!("reused pinned map at '{}'", path.to_string_lossy());
                    return Ok(());
                }
                Err(e) if e.errno() == libc::ENOENT => {}
                Err(e) => return Err(e.context(format!("couldn't retrieve pinned map '{}'", path.to_string_lossy()))),
            }
        }
        let m = self.maps.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
        let inner_fd: Option<OwnedFd> = match (&m.inner, m.inner_map_fd) {
            (_, fd) if fd >= 0 => None,
            (Some(inner), _) => Some(create_kernel_map(inner, btf_fd_b, None, ncpus, false)?),
            (None, _) => None,
        };
        let inner_b = match (&inner_fd, m.inner_map_fd) {
            (Some(f), _) => Some(f.as_fd()),
            // SAFETY: a caller-provided inner map fd (bpf_map__set_inner_map_fd) must stay open
            // until load, per libbpf's contract.
            (None, fd) if fd >= 0 => Some(unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) }),
            _ => None,
        };
        let fd = create_kernel_map(m, btf_fd_b, inner_b, ncpus, true)?;
        drop(inner_fd);
        let is_internal = m.is_internal();
        let kind = m.kind;
        let value_size = m.def.value_size as usize;
        let mmapable = m.def.map_flags & uapi::BPF_F_MMAPABLE != 0;
        let rdonly = m.def.map_flags & uapi::BPF_F_RDONLY_PROG != 0;
        let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
        if is_internal {
            // Initial contents, then freeze read-only data, then put the kernel map's memory
            // where the skeleton's pointer already is.
            let data = m.mmaped.as_ref().map(|r| r.read(value_size)).unwrap_or_default();
            cmd::map_update_elem(fd.as_fd(), &0u32.to_le_bytes(), &data, 0).map_err(|e| e.context("failed to set initial contents"))?;
            if kind == MapKind::Rodata || kind == MapKind::Kconfig {
                cmd::map_freeze(fd.as_fd()).map_err(|e| e.context("failed to freeze"))?;
            }
            if mmapable {
                let len = super::maps::array_mmap_size(m.def.value_size, m.def.max_entries);
                if let Some(r) = m.mmaped.as_mut() {
                    r.map_fd_over(fd.as_fd(), len, !rdonly)?;
                }
            } else {
                m.mmaped = None;
            }
        }
        m.fd = Some(fd);
        if let Some(path) = pin {
            if let Some(fd) = m.fd.as_ref() {
                cmd::obj_pin(fd.as_fd(), &path).map_err(|e| e.context(format!("failed to pin at '{}'", path.to_string_lossy())))?;
                m.pinned = true;
            }
        }
        Ok(())
    }

    fn check_reuse_compat(&self, idx: usize, fd: &OwnedFd) -> Result<()> {
        let m = self.maps.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
        let info = cmd::map_info(fd.as_fd())?;
        let d = &m.def;
        if info.type_ != d.map_type
            || info.key_size != d.key_size
            || info.value_size != d.value_size
            || info.max_entries != d.max_entries
            || info.map_flags != d.map_flags
            || info.map_extra != d.map_extra
        {
            return Err(Error::inval(format!(
                "couldn't reuse pinned map at '{}': parameter mismatch",
                m.pin_path.as_ref().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default()
            )));
        }
        Ok(())
    }

    // ---- programs ----

    fn load_programs(&mut self, vmlinux: Option<&Btf>) -> Result<()> {
        let btf_fd = self.btf_fd_owned.as_ref().map(|f| f.as_raw_fd());
        let license = CString::new(self.license.clone()).unwrap_or_default();
        let kern_version = self.kern_version;
        let obj_log = (self.opts.kernel_log_buf, self.opts.kernel_log_size, self.opts.kernel_log_level);
        let text = self.text_shndx;
        for p in self.progs.iter_mut() {
            if text != 0 && p.sec_idx == text {
                continue;
            }
            let name = p.name.to_string_lossy().into_owned();
            if !p.autoload {
                crate::pr_debug!("prog '{}': skipped loading", name);
                continue;
            }
            prepare_attach_btf(p, vmlinux)?;
            let mut prog_flags = p.prog_flags;
            if let Some(def) = p.sec_def {
                if def.flags & crate::section::SEC_SLEEPABLE != 0 {
                    prog_flags |= uapi::BPF_F_SLEEPABLE;
                }
                if def.flags & crate::section::SEC_XDP_FRAGS != 0 {
                    prog_flags |= uapi::BPF_F_XDP_HAS_FRAGS;
                }
            }
            let kname: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.').take(BPF_OBJ_NAME_LEN - 1).collect();
            let btf_b = btf_fd.map(|fd| {
                // SAFETY: the object's BTF fd stays open for the whole load.
                unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) }
            });
            let (fi, fi_rs, li, li_rs) = if btf_b.is_some() {
                (p.func_info.clone(), p.func_info_rec_size, p.line_info.clone(), p.line_info_rec_size)
            } else {
                (Vec::new(), 0, Vec::new(), 0)
            };
            let attach_prog = if p.attach_prog_fd > 0 {
                // SAFETY: caller-provided target program fd (bpf_program__set_attach_target).
                Some(unsafe { std::os::fd::BorrowedFd::borrow_raw(p.attach_prog_fd) })
            } else {
                None
            };
            // Caller log buffers: the program's own, else the object's.
            let (user_buf, user_size, user_level) = if !p.log_buf.is_null() {
                (p.log_buf as usize, p.log_size, p.log_level)
            } else {
                (obj_log.0, obj_log.1, if p.log_level != 0 { p.log_level } else { obj_log.2 })
            };
            let attempt = |level: u32, buf: Option<&mut [u8]>| {
                let mut a = cmd::ProgLoad {
                    prog_type: p.prog_type,
                    expected_attach_type: p.expected_attach_type,
                    name: &kname,
                    insns: &p.insns,
                    license: &license,
                    kern_version,
                    prog_flags,
                    prog_ifindex: p.ifindex,
                    prog_btf_fd: btf_b,
                    func_info: &fi,
                    func_info_rec_size: fi_rs,
                    line_info: &li,
                    line_info_rec_size: li_rs,
                    attach_btf_id: p.attach_btf_id,
                    attach_btf_obj_fd: None,
                    attach_prog_fd: attach_prog,
                    fd_array: &[],
                    log_level: level,
                    log_buf: buf,
                    token_fd: None,
                };
                cmd::prog_load(&mut a)
            };
            let res = if user_buf != 0 && user_size > 0 {
                // SAFETY: the caller registered user_size writable bytes at user_buf (program or
                // open options log buffer) and keeps them alive across load.
                let ubuf = unsafe { std::slice::from_raw_parts_mut(user_buf as *mut u8, user_size) };
                attempt(user_level.max(1), Some(ubuf))
            } else if user_level != 0 {
                let mut buf = vec![0u8; 16 << 20];
                let r = attempt(user_level, Some(&mut buf));
                print_log(&name, &buf, r.is_err());
                r
            } else {
                match attempt(0, None) {
                    Ok(fd) => Ok(fd),
                    Err(first) => {
                        let mut buf = vec![0u8; 16 << 20];
                        let r = attempt(1, Some(&mut buf));
                        print_log(&name, &buf, true);
                        r.map_err(|_| first)
                    }
                }
            };
            match res {
                Ok(fd) => p.fd = Some(fd),
                Err(e) => {
                    let errno = e.errno();
                    return Err(Error::new(errno, format!("prog '{name}': BPF program load failed: {}", crate::sys::strerror(errno)))
                        .context(format!("prog '{name}': failed to load")));
                }
            }
        }
        Ok(())
    }

    /// Prog-array initial slots (`.values = { [i] = &prog }`), after programs are loaded.
    fn init_prog_arrays(&mut self) -> Result<()> {
        let prog_fds: Vec<Option<i32>> = self.progs.iter().map(|p| p.fd.as_ref().map(|f| f.as_raw_fd())).collect();
        for m in self.maps.iter() {
            if m.def.map_type != uapi::BPF_MAP_TYPE_PROG_ARRAY {
                continue;
            }
            let Some(fd) = m.fd.as_ref() else { continue };
            for (key, slot) in m.init_slots.iter().enumerate() {
                let Some(Slot::Prog(p)) = slot else { continue };
                let Some(pfd) = prog_fds.get(*p).copied().flatten() else {
                    crate::pr_warn!("map '{}': slot [{}]: program #{} was not loaded, leaving it empty", m.name.to_string_lossy(), key, p);
                    continue;
                };
                cmd::map_update_elem(fd.as_fd(), &(key as u32).to_le_bytes(), &pfd.to_le_bytes(), 0)
                    .map_err(|e| e.context(format!("map '{}': failed to initialize slot [{key}]", m.name.to_string_lossy())))?;
            }
        }
        Ok(())
    }
}

/// func_info or line_info being assembled for one main program.
struct InfoAcc {
    recs: Vec<u8>,
    rec_size: u32,
    /// Cleared when the main program has no records: then none are sent.
    on: bool,
}

impl Default for InfoAcc {
    fn default() -> Self {
        InfoAcc { recs: Vec::new(), rec_size: 0, on: true }
    }
}

#[derive(Default)]
struct ExtInfoAcc {
    func: InfoAcc,
    line: InfoAcc,
}

/// Print the verifier log through the print callback in libbpf's format.
fn print_log(prog: &str, buf: &[u8], failed: bool) {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    if end == 0 {
        return;
    }
    let text = String::from_utf8_lossy(&buf[..end]);
    let level = if failed { crate::log::Level::Warn } else { crate::log::Level::Debug };
    crate::log::print_prog_load_log(level, prog, &text);
}

/// BPF_MAP_CREATE for one map definition. Types whose BTF the kernel refuses go without key/value
/// ids; a BTF-related failure is retried without BTF, as libbpf does.
fn create_kernel_map(
    m: &super::Map,
    btf_fd: Option<std::os::fd::BorrowedFd<'_>>,
    inner: Option<std::os::fd::BorrowedFd<'_>>,
    ncpus: usize,
    outer: bool,
) -> Result<OwnedFd> {
    let d = &m.def;
    let mut max_entries = d.max_entries;
    if d.map_type == uapi::BPF_MAP_TYPE_PERF_EVENT_ARRAY && max_entries == 0 {
        max_entries = ncpus as u32;
    }
    let no_btf_ids = matches!(
        d.map_type,
        uapi::BPF_MAP_TYPE_PERF_EVENT_ARRAY
            | uapi::BPF_MAP_TYPE_CGROUP_ARRAY
            | uapi::BPF_MAP_TYPE_STACK_TRACE
            | uapi::BPF_MAP_TYPE_ARRAY_OF_MAPS
            | uapi::BPF_MAP_TYPE_HASH_OF_MAPS
            | uapi::BPF_MAP_TYPE_DEVMAP
            | uapi::BPF_MAP_TYPE_DEVMAP_HASH
            | uapi::BPF_MAP_TYPE_CPUMAP
            | uapi::BPF_MAP_TYPE_XSKMAP
            | uapi::BPF_MAP_TYPE_SOCKMAP
            | uapi::BPF_MAP_TYPE_SOCKHASH
            | uapi::BPF_MAP_TYPE_QUEUE
            | uapi::BPF_MAP_TYPE_STACK
            | uapi::BPF_MAP_TYPE_ARENA
    );
    let name = m.name.to_string_lossy();
    let kname: String = name.chars().take(BPF_OBJ_NAME_LEN - 1).collect();
    let mut a = cmd::MapCreate {
        map_type: d.map_type,
        name: &kname,
        key_size: d.key_size,
        value_size: d.value_size,
        max_entries,
        map_flags: d.map_flags,
        btf_fd: if no_btf_ids { None } else { btf_fd },
        btf_key_type_id: if no_btf_ids || btf_fd.is_none() { 0 } else { m.btf_key_type_id },
        btf_value_type_id: if no_btf_ids || btf_fd.is_none() { 0 } else { m.btf_value_type_id },
        btf_vmlinux_value_type_id: 0,
        inner_map_fd: inner,
        numa_node: if d.numa_node != 0 || d.map_flags & uapi::BPF_F_NUMA_NODE != 0 { Some(d.numa_node) } else { None },
        map_extra: d.map_extra,
        map_ifindex: m.ifindex,
        value_type_btf_obj_fd: None,
        token_fd: None,
    };
    if !outer {
        a.btf_fd = None;
        a.btf_key_type_id = 0;
        a.btf_value_type_id = 0;
    }
    if let Some(st) = &m.st_ops_kern {
        a.btf_fd = btf_fd;
        a.btf_key_type_id = 0;
        a.btf_value_type_id = 0;
        a.btf_vmlinux_value_type_id = st.value_type_id;
        a.value_type_btf_obj_fd = None;
    }
    match cmd::map_create(&a) {
        Ok(fd) => Ok(fd),
        Err(e) if a.btf_value_type_id != 0 || a.btf_key_type_id != 0 => {
            crate::pr_warn!("Error in bpf_create_map_xattr({}): {}. Retrying without BTF.", name, e);
            a.btf_fd = None;
            a.btf_key_type_id = 0;
            a.btf_value_type_id = 0;
            cmd::map_create(&a)
        }
        Err(e) => Err(e),
    }
}

/// attach_btf_id for programs that attach to kernel functions/hooks named in their section.
fn prepare_attach_btf(p: &mut super::Program, vmlinux: Option<&Btf>) -> Result<()> {
    let Some(def) = p.sec_def else { return Ok(()) };
    if def.flags & crate::section::SEC_ATTACH_BTF == 0 || p.attach_btf_id != 0 || p.attach_prog_fd > 0 {
        return Ok(());
    }
    let sec = p.sec_name.to_string_lossy().into_owned();
    let target = match p.attach_func_name.as_ref() {
        Some(n) => n.to_string_lossy().into_owned(),
        None => match sec.split_once('/') {
            Some((_, t)) if !t.is_empty() => t.to_string(),
            _ => return Ok(()),
        },
    };
    let vml = vmlinux.ok_or_else(|| Error::new(libc::ESRCH, "kernel BTF is required to attach by name"))?;
    let (lookup, kind) = match p.prog_type {
        uapi::BPF_PROG_TYPE_LSM => (format!("bpf_lsm_{target}"), Kind::Func),
        uapi::BPF_PROG_TYPE_TRACING if p.expected_attach_type == uapi::BPF_TRACE_RAW_TP => (format!("btf_trace_{target}"), Kind::Typedef),
        uapi::BPF_PROG_TYPE_TRACING if p.expected_attach_type == uapi::BPF_TRACE_ITER => (format!("bpf_iter_{target}"), Kind::Func),
        _ => (target.clone(), Kind::Func),
    };
    let id = vml.find_by_name_kind(&lookup, kind).ok_or_else(|| {
        Error::new(libc::ESRCH, format!("prog '{}': failed to find kernel BTF type ID of '{}'", p.name.to_string_lossy(), target))
    })?;
    p.attach_btf_id = id;
    Ok(())
}

/// Make an object's BTF acceptable to the kernel: `.ksyms` entries become allocated `int`
/// variables (extern functions become global functions), as libbpf does.
fn sanitize_for_kernel(btf: &mut Btf, externs: &[super::Extern]) -> Result<()> {
    let Some(ksyms) = btf.find_by_name_kind(".ksyms", Kind::Datasec) else { return Ok(()) };
    let int_id = (1..btf.type_cnt())
        .find(|&id| btf.ty(id).is_some_and(|t| t.kind == Kind::Int && t.size_or_type == 4))
        .ok_or_else(|| Error::inval("BTF has no 4-byte INT to stand in for .ksyms externs"))?;
    let vars = super::btfq::datasec_vars(btf, ksyms);
    let dummy = btf.add_var("dummy_ksym", int_id, super::btfq::VAR_GLOBAL_ALLOCATED)?;
    let mut off = 0u32;
    for (i, v) in vars.iter().enumerate() {
        let t = btf.ty(v.type_id).ok_or_else(|| Error::inval("bad .ksyms entry"))?;
        let name = t.name.to_string();
        if !externs.iter().any(|e| e.name == name) {
            return Err(Error::new(libc::ESRCH, format!("failed to find extern definition for BTF {} '{name}'", t.kind.name())));
        }
        if t.kind == Kind::Func {
            btf.fill_func_proto_param_names(t.size_or_type, "dummy_ksym")?;
            btf.set_func_linkage(v.type_id, crate::btf::FUNC_GLOBAL)?;
            btf.set_datasec_var_type(ksyms, i, dummy)?;
        } else {
            btf.set_var_linkage(v.type_id, super::btfq::VAR_GLOBAL_ALLOCATED)?;
            btf.set_var_type(v.type_id, int_id)?;
        }
        btf.set_datasec_var_offset(ksyms, i, off)?;
        btf.set_datasec_var_size(ksyms, i, 4)?;
        off += 4;
    }
    btf.set_datasec_size(ksyms, off)?;
    // Extern functions declared outside .ksyms (BTF FUNC with extern linkage) are not loadable.
    for id in 1..btf.type_cnt() {
        if btf.ty(id).is_some_and(|t| t.kind == Kind::Func && t.linkage() == Some(crate::btf::FUNC_EXTERN)) {
            btf.set_func_linkage(id, crate::btf::FUNC_GLOBAL)?;
        }
    }
    Ok(())
}
