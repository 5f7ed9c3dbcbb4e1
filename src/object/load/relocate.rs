//! Relocation at load time (libbpf's `bpf_object__relocate`): CO-RE, subprogram calls and the
//! exception callback appended to each main program with their func/line info, then map, extern
//! and data references patched into the instructions.

use super::ctx::LoadCtx;
use super::{insn, is_pseudo_func, is_subprog_call, POISON_CALL_KFUNC_BASE, POISON_LDIMM64_MAP_BASE};
use crate::btf::{Btf, Kind};
use crate::error::lerr;
use crate::error::{errstr, Error, Result};
use crate::object::externs::ExternKind;
use crate::object::ranges::RangeIndex;
use crate::object::relo::RelocKind;
use crate::object::{Object, BPF_INSN_SZ};
use crate::sys::probe::Feature;
use crate::uapi::{self, BPF_JMP_CALL, BPF_LD_IMM64};

impl Object {
    pub(super) fn relocate(&mut self, kb: &mut LoadCtx) -> Result<()> {
        // Out of line and called only for CO-RE relocations to do, so that the code of a load
        // without them stays small and together (`link/hot-text.ld`).
        if self.btf_ext.as_ref().is_some_and(|e| e.has_core_relos()) {
            self.relocate_core(kb).map_err(|e| {
                crate::pr_warn!("failed to perform CO-RE relocations: {}", errstr(e.errno()));
                Error::quiet(e.errno())
            })?;
        }
        // libbpf's cmp_relocs: by instruction, then by relocation type.
        for p in self.progs.iter_mut() {
            p.relos.sort_by_key(|r| (r.insn_idx, r.kind.order()));
        }
        for p in self.progs.iter_mut() {
            for r in &p.relos {
                if matches!(r.kind, RelocKind::SubprogAddr { .. }) {
                    if let Some(w) = p.insns.get_mut(r.insn_idx) {
                        insn::set_src(w, uapi::BPF_PSEUDO_FUNC);
                    }
                }
            }
        }
        // The object's DECL_TAG ids, found on first need and kept for every program (a scan
        // of the object's BTF per program made N programs cost N x types).
        let mut decl_tags: Option<Vec<u32>> = None;
        // Only subprograms get placed into a main program (their `sub_insn_off` set): after
        // one reset of all, each main program resets just those (a reset of every program per
        // main program made N programs cost N^2).
        for p in self.progs.iter_mut() {
            p.sub_insn_off = 0;
        }
        let subprogs: Vec<usize> =
            self.progs.iter().enumerate().filter(|(_, p)| self.is_subprog(p)).map(|(i, _)| i).collect();
        for i in 0..self.progs.len() {
            let Some(p) = self.progs.get(i) else { continue };
            if self.is_subprog(p) || !p.autoload {
                continue;
            }
            let btf_func = self.btf_ext.is_some() && kb.supported(Feature::BtfFunc);
            if let Err(e) = self.relocate_calls(i, &subprogs, btf_func) {
                if e.should_log() {
                    crate::pr_warn!("{}", e);
                }
                let name = self.progs.get(i).map(|p| p.name.to_string_lossy().into_owned()).unwrap_or_default();
                crate::pr_warn!("prog '{}': failed to relocate calls: {}", name, errstr(e.errno()));
                return Err(Error::quiet(e.errno()));
            }
            let decl_tag = self.btf.is_some() && kb.supported(Feature::BtfDeclTag);
            if decl_tag {
                let btf = self.btf.as_deref();
                let tags =
                    decl_tags.get_or_insert_with(|| btf.map(|b| b.ids_of_kind(Kind::DeclTag)).unwrap_or_default());
                if !tags.is_empty() {
                    self.append_exception_cb(i, tags, btf_func)?;
                }
            }
        }
        // Probed only when some program has func_info to fix, as libbpf asks.
        let arg_ctx_fixup = self.btf_ext.is_some()
            && self.progs.iter().any(|p| !p.func_info.is_empty())
            && !kb.supported(Feature::ArgCtxTag);
        self.relocate_data(arg_ctx_fixup)
    }

    /// CO-RE relocations (`bpf_object__relocate_core`), section by section in `.BTF.ext` order,
    /// applied to each program's own instructions before subprograms are appended (every copy
    /// of a subprogram then carries the patched code). Each one is also recorded as a
    /// relocation of its program, so that the verifier-log fixup finds it after linking.
    #[inline(never)]
    fn relocate_core(&mut self, kb: &mut LoadCtx) -> Result<()> {
        let Some(ext) = self.btf_ext.as_ref() else { return Ok(()) };
        if !ext.has_core_relos() {
            return Ok(());
        }
        let local = self.btf.as_deref().ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let custom;
        let mut targets = crate::reloc::CoreTargets { btfs: Vec::new() };
        let mut cache = crate::reloc::CandCache::default();
        match &self.opts.btf_custom_path {
            Some(p) => {
                custom = Btf::parse_file(p, None, false)
                    .map_err(|e| {
                        crate::pr_warn!("failed to parse target BTF: {}", errstr(e.errno()));
                        Error::quiet(e.errno())
                    })?
                    .0;
                targets.btfs.push(&custom);
            }
            None => {
                if kb.vmlinux.is_none() {
                    return Err(Error::quiet(libc::ESRCH));
                }
                // The engine looks at module BTFs only for types vmlinux has no candidate for,
                // so they are listed and opened only when some relocated type has none there
                // (a load vmlinux serves makes no BTF-object calls and cannot fail on them).
                let need_modules = {
                    let vml = kb.vmlinux.as_deref().ok_or_else(|| Error::quiet(libc::ESRCH))?;
                    let ids = ext
                        .sections()
                        .filter_map(|s| ext.core_relos(s))
                        .flatten()
                        .filter(|r| r.kind != crate::reloc::core::BPF_CORE_TYPE_ID_LOCAL)
                        .map(|r| r.type_id);
                    cache.presearch(local, ids, vml)
                };
                if need_modules {
                    kb.modules()?;
                }
                targets.btfs.push(kb.vmlinux.as_deref().ok_or_else(|| Error::quiet(libc::ESRCH))?);
                targets.btfs.extend(kb.modules.as_deref().unwrap_or(&[]).iter().map(|m| &m.btf));
            }
        }
        // libbpf fails on a CO-RE section whose name does not resolve (EINVAL, no message).
        if ext.has_unnamed_core_relo_section() {
            return Err(Error::quiet(libc::EINVAL));
        }
        let secs: Vec<String> =
            ext.sections().filter(|s| ext.core_relos(s).is_some_and(|r| !r.is_empty())).map(String::from).collect();
        // (program, its patched instructions, its CO-RE relocations, its name)
        let mut patches: Vec<(usize, Vec<u64>, Vec<crate::object::Reloc>, String)> = Vec::new();
        // Index in `patches` of each program's entry.
        let mut slot_of: Vec<Option<usize>> = vec![None; self.progs.len()];
        for sec in &secs {
            let relos = ext.core_relos(sec).unwrap_or(&[]);
            let (sl, sp) = crate::log::cs(sec);
            // SAFETY: (c_int, pointer) of a live &str for `%.*s`, usize for `%zu`.
            unsafe { crate::pr_debug_c!(c"libbpf: sec '%.*s': found %zu CO-RE relocations\n", sl, sp, relos.len()) };
            let sec_idx = self.sec_names.iter().position(|n| n == sec.as_str());
            // The section's programs by instruction range: the first in program order holding
            // a relocation's instruction.
            let find_prog = RangeIndex::new(match sec_idx {
                Some(si) => self
                    .progs
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.sec_idx == si)
                    .map(|(i, p)| (p.sec_insn_off as u64, (p.sec_insn_off + p.sec_insn_cnt) as u64, i))
                    .collect(),
                None => Vec::new(),
            });
            for (ri, r) in relos.iter().enumerate() {
                if r.insn_off as usize % BPF_INSN_SZ != 0 {
                    return Err(Error::quiet(libc::EINVAL));
                }
                let abs = r.insn_off as usize / BPF_INSN_SZ;
                let Some(pidx) = find_prog.find(abs as u64, abs as u64 + 1) else {
                    // SAFETY: (c_int, pointer) of a live &str for `%.*s`, usize for each `%zu`.
                    unsafe {
                        crate::pr_debug_c!(
                            c"libbpf: sec '%.*s': skipping CO-RE relocation #%zu for insn #%zu belonging to eliminated weak subprogram\n",
                            sl,
                            sp,
                            ri,
                            abs
                        )
                    };
                    continue;
                };
                let Some(p) = self.progs.get(pidx) else { continue };
                if !p.autoload {
                    continue;
                }
                let insn_idx = abs - p.sec_insn_off;
                if insn_idx >= p.insns.len() {
                    return Err(Error::quiet(libc::EINVAL));
                }
                let slot = match slot_of.get(pidx).copied().flatten() {
                    Some(s) => s,
                    None => {
                        patches.push((pidx, p.insns.clone(), Vec::new(), p.name.to_string_lossy().into_owned()));
                        if let Some(s) = slot_of.get_mut(pidx) {
                            *s = Some(patches.len() - 1);
                        }
                        patches.len() - 1
                    }
                };
                let (_, insns, recorded, pname) = &mut patches[slot];
                recorded.push(crate::object::Reloc {
                    insn_idx,
                    kind: RelocKind::Core { type_id: r.type_id, access_str_off: r.access_str_off, kind: r.kind },
                });
                // The engine prints libbpf's "failed to relocate" / "failed to patch" lines.
                crate::reloc::relocate_insn_idx(local, r, ri, insns, insn_idx, &targets, &mut cache, pname)?;
            }
        }
        for (pidx, insns, recorded, _) in patches {
            if let Some(p) = self.progs.get_mut(pidx) {
                p.insns = insns;
                p.relos.extend(recorded);
            }
        }
        Ok(())
    }

    /// Append every subprogram `main` reaches (recursively, once each) and point its calls and
    /// callback references at the copies; subprogram relocations are carried over.
    /// `subprogs`: the indices of every subprogram, the only programs that can have been placed.
    fn relocate_calls(&mut self, main: usize, subprogs: &[usize], btf_func: bool) -> Result<()> {
        for &i in subprogs {
            if let Some(p) = self.progs.get_mut(i) {
                p.sub_insn_off = 0;
            }
        }
        let mut acc = ExtInfoAcc { func: InfoAcc::default(), line: InfoAcc::default(), btf_func };
        self.reloc_code(main, main, &mut acc)?;
        self.store_ext_info(main, acc);
        Ok(())
    }

    fn store_ext_info(&mut self, main: usize, acc: ExtInfoAcc) {
        if let Some(p) = self.progs.get_mut(main) {
            (p.func_info, p.func_info_rec_size) =
                if acc.func.on { (acc.func.recs, acc.func.rec_size) } else { (Vec::new(), 0) };
            (p.line_info, p.line_info_rec_size) =
                if acc.line.on { (acc.line.recs, acc.line.rec_size) } else { (Vec::new(), 0) };
            let cnt = |recs: &[u8], rec_size: u32| {
                if rec_size == 0 {
                    0
                } else {
                    u32::try_from(recs.len() / rec_size as usize).unwrap_or(u32::MAX)
                }
            };
            p.func_info_cnt = cnt(&p.func_info, p.func_info_rec_size);
            p.line_info_cnt = cnt(&p.line_info, p.line_info_rec_size);
        }
    }

    fn load_ext_info(&self, main: usize) -> ExtInfoAcc {
        let p = self.progs.get(main);
        let mk = |recs: Vec<u8>, rec_size: u32| InfoAcc { on: !recs.is_empty(), recs, rec_size };
        ExtInfoAcc {
            func: p.map_or_else(InfoAcc::default, |p| mk(p.func_info.clone(), p.func_info_rec_size)),
            line: p.map_or_else(InfoAcc::default, |p| mk(p.line_info.clone(), p.line_info_rec_size)),
            btf_func: false,
        }
    }

    /// libbpf's `bpf_prog_assign_exc_cb` and the append that follows it: a main program whose
    /// BTF FUNC carries the decl tag "exception_callback:NAME" gets the global subprogram NAME
    /// appended even though nothing calls it.
    /// `decl_tags`: the ids of the object's DECL_TAG types (the caller finds them once).
    /// Out of line, called only when the object has DECL_TAGs (`link/hot-text.ld`).
    #[inline(never)]
    fn append_exception_cb(&mut self, main: usize, decl_tags: &[u32], btf_func: bool) -> Result<()> {
        let Some(btf) = self.btf.as_deref() else { return Ok(()) };
        if decl_tags.is_empty() {
            return Ok(());
        }
        let pname = self.progs.get(main).map(|p| p.name.to_string_lossy().into_owned()).unwrap_or_default();
        const PFX: &str = "exception_callback:";
        let mut cb: Option<usize> = None;
        for &id in decl_tags {
            let Some(t) = btf.ty(id) else { continue };
            if t.kind != Kind::DeclTag || t.raw_record().get(3).map(|&c| c as i32) != Some(-1) {
                continue;
            }
            let Some(target) = t.name.strip_prefix(PFX) else { continue };
            let f = btf.ty(t.size_or_type);
            if !f.is_some_and(|f| f.kind == Kind::Func && f.linkage() == Some(crate::btf::FUNC_GLOBAL)) {
                crate::pr_warn!(
                    "prog '{}': exception_callback:<value> decl tag not applied to the main program",
                    pname
                );
                return Err(Error::quiet(libc::EINVAL));
            }
            if f.map(|f| f.name) != Some(pname.as_str()) {
                continue;
            }
            if cb.is_some() {
                // Several callbacks for one program: the verifier complains; append none.
                cb = None;
                break;
            }
            if target.is_empty() {
                crate::pr_warn!("prog '{}': exception_callback:<value> decl tag contains empty value", pname);
                return Err(Error::quiet(libc::EINVAL));
            }
            for (j, s) in self.progs.iter().enumerate() {
                if !self.is_subprog(s) || s.name.to_bytes() != target.as_bytes() {
                    continue;
                }
                // libbpf checks the ELF symbol's binding; a global function's BTF FUNC is
                // GLOBAL (hidden ones are made static only when the BTF is loaded, later).
                let sym_global =
                    btf.find_by_name_kind(target, Kind::Func).and_then(|id| btf.ty(id)).and_then(|t| t.linkage())
                        == Some(crate::btf::FUNC_GLOBAL);
                if !sym_global || s.mark_btf_static {
                    crate::pr_warn!(
                        "prog '{}': exception callback {} must be a global non-hidden function",
                        pname,
                        target
                    );
                    return Err(Error::quiet(libc::EINVAL));
                }
                if cb.is_some() {
                    crate::pr_warn!(
                        "prog '{}': multiple subprogs with same name as exception callback '{}'",
                        pname,
                        target
                    );
                    return Err(Error::quiet(libc::EINVAL));
                }
                cb = Some(j);
                break;
            }
            if cb.is_none() {
                crate::pr_warn!("prog '{}': cannot find exception callback '{}'", pname, target);
                return Err(Error::quiet(libc::ENOENT));
            }
        }
        let Some(sub) = cb else { return Ok(()) };
        if self.progs.get(sub).is_some_and(|s| s.sub_insn_off != 0) {
            return Ok(());
        }
        let mut acc = self.load_ext_info(main);
        acc.btf_func = btf_func;
        self.append_subprog(main, sub)?;
        self.reloc_code(main, sub, &mut acc)?;
        self.store_ext_info(main, acc);
        Ok(())
    }

    /// Copy `.BTF.ext` records of `prog` (func_info or line_info) into the main program's set,
    /// converted to instruction offsets relative to where `prog` now sits.
    /// Appended to `out`; returns the record size, or `None` (nothing appended) when there is
    /// none.
    fn ext_records(&self, prog: usize, main: usize, func: bool, out: &mut Vec<u8>) -> Option<u32> {
        let ext = self.btf_ext.as_ref()?;
        let p = self.progs.get(prog)?;
        let sec = self.sec_names.get(p.sec_idx).unwrap_or_default();
        // Borrowed: a copy of the section's records per program made a section of N programs
        // copy N times all of its records.
        let (rec_size, raw, sorted): (u32, &[u8], bool) = if func {
            let s = ext.func_info(sec)?;
            (s.rec_size, s.raw, s.sorted)
        } else {
            let s = ext.line_info(sec)?;
            (s.rec_size, s.raw, s.sorted)
        };
        let rs = rec_size as usize;
        if rs < 4 {
            return None;
        }
        let start = p.sec_insn_off;
        let end = p.sec_insn_off + p.sec_insn_cnt;
        let placed = if prog == main { 0 } else { p.sub_insn_off };
        let adj = placed as i64 - p.sec_insn_off as i64;
        let before = out.len();
        let recs = ext_records_from(raw, rs, sorted, start, end);
        if sorted {
            // Exactly the program's records (see `ext_records_from`): copied at once, then
            // each one's instruction offset rewritten.
            out.extend_from_slice(recs);
            for rec in out.get_mut(before..).unwrap_or_default().chunks_exact_mut(rs) {
                let new_off = (ext_insn_idx(rec) as i64 + adj) as u32;
                rec[..4].copy_from_slice(&new_off.to_le_bytes());
            }
            return if out.len() == before { None } else { Some(rec_size) };
        }
        for rec in recs.chunks_exact(rs) {
            let off = ext_insn_idx(rec);
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
        if out.len() == before {
            None
        } else {
            Some(rec_size)
        }
    }

    fn reloc_code(&mut self, main: usize, prog: usize, acc: &mut ExtInfoAcc) -> Result<()> {
        // func_info / line_info for this piece of code (libbpf's reloc_prog_func_and_line_info).
        if acc.btf_func {
            for func in [true, false] {
                let set = if func { &acc.func } else { &acc.line };
                if !set.on || (main != prog && set.recs.is_empty()) {
                    continue;
                }
                let set = if func { &mut acc.func } else { &mut acc.line };
                match self.ext_records(prog, main, func, &mut set.recs) {
                    Some(rs) => set.rec_size = rs,
                    None => {
                        let pname =
                            self.progs.get(prog).map(|p| p.name.to_string_lossy().into_owned()).unwrap_or_default();
                        let what = if func { "function" } else { "line" };
                        if !set.recs.is_empty() {
                            crate::pr_warn!("prog '{}': missing .BTF.ext {} info.", pname, what);
                            return Err(Error::quiet(libc::ENOENT));
                        }
                        let short = if func { "func" } else { "line" };
                        crate::pr_warn!(
                            "prog '{}': missing .BTF.ext {} info for the main program, skipping all of .BTF.ext {} info.",
                            pname,
                            what,
                            short
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
                Some(RelocKind::Call { sym_off }) => {
                    (sym_off as i64 / BPF_INSN_SZ as i64 + insn::imm(w) as i64 + 1) as usize
                }
                Some(RelocKind::SubprogAddr { sym_off }) => {
                    ((sym_off as i64 + insn::imm(w) as i64) / BPF_INSN_SZ as i64) as usize
                }
                Some(k) => {
                    crate::pr_warn!("prog '{}': unexpected relo for insn #{}, type {}", pname, insn_idx, k.order());
                    return Err(Error::quiet(lerr::RELOC));
                }
                None if is_pseudo_func(w) => {
                    crate::pr_warn!("prog '{}': missing subprog addr relo for insn #{}", pname, insn_idx);
                    return Err(Error::quiet(lerr::RELOC));
                }
                None => (sec_insn_off as i64 + insn_idx as i64 + insn::imm(w) as i64 + 1) as usize,
            };
            let text = self.text_shndx;
            let sub = self.progs.iter().position(|p| {
                text != 0
                    && p.sec_idx == text
                    && sub_insn_idx >= p.sec_insn_off
                    && sub_insn_idx < p.sec_insn_off + p.sec_insn_cnt
            });
            let Some(sub) = sub else {
                crate::pr_warn!("prog '{}': no .text section found yet sub-program call exists", pname);
                return Err(Error::quiet(lerr::RELOC));
            };
            let sub_is_placed = self.progs.get(sub).is_some_and(|s| s.sub_insn_off != 0);
            if !sub_is_placed {
                self.append_subprog(main, sub)?;
                self.reloc_code(main, sub, acc)?;
            }
            let target = self.progs.get(sub).map_or(0, |s| s.sub_insn_off);
            let here = sub_off + insn_idx;
            let imm = target as i32 - here as i32 - 1;
            if let Some(w) = self.progs.get_mut(main).and_then(|m| m.insns.get_mut(here)) {
                insn::set_imm(w, imm);
            }
            let sub_name = self.progs.get(sub).map_or(c"", |s| &*s.name);
            let (pl, pp) = crate::log::cs(&pname);
            // SAFETY: (c_int, pointer) of a live &str for `%.*s`, usize for each `%zu`, i32 for
            // `%d`, the subprogram's NUL-terminated name for `%s`.
            unsafe {
                crate::pr_debug_c!(
                    c"libbpf: prog '%.*s': insn #%zu relocated, imm %d points to subprog '%s' (now at %zu offset)\n",
                    pl,
                    pp,
                    insn_idx,
                    imm,
                    sub_name.as_ptr(),
                    target
                )
            };
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
        let (nl, np) = crate::log::cs(&name);
        // SAFETY: the program's NUL-terminated name for `%s`, usize for `%zu`, (c_int, pointer)
        // of a live &str for `%.*s`.
        unsafe {
            crate::pr_debug_c!(
                c"libbpf: prog '%s': added %zu insns from sub-prog '%.*s'\n",
                m.name.as_ptr(),
                code.len(),
                nl,
                np
            )
        };
        if main != sub {
            m.relos.extend(relos.iter().map(|r| crate::object::Reloc { insn_idx: r.insn_idx + at, ..*r }));
        }
        if let Some(s) = self.progs.get_mut(sub) {
            s.sub_insn_off = at;
        }
        Ok(())
    }

    /// Map, global-data and extern references (`bpf_object__relocate_data`), at libbpf's step
    /// (before BTF and maps are loaded). References to maps that will not be created are
    /// poisoned, as are calls of unresolved weak kfuncs: the verifier refuses them only if
    /// reachable. Map fds are not known yet: [`Object::patch_map_fds`] writes them once the maps
    /// exist (libbpf reserves fd numbers at open instead). With `arg_ctx_fixup` (a kernel
    /// without native `arg:ctx` support), each program's func_info then gets libbpf's
    /// `__arg_ctx` fixup ([`super::arg_ctx`]), program by program as libbpf interleaves them.
    fn relocate_data(&mut self, arg_ctx_fixup: bool) -> Result<()> {
        let maps: Vec<(bool, String)> =
            self.maps.iter().map(|m| (m.autocreate, m.name.to_string_lossy().into_owned())).collect();
        let externs = self.externs.clone();
        for p in self.progs.iter_mut() {
            if (self.text_shndx != 0 && p.sec_idx == self.text_shndx) || !p.autoload {
                continue;
            }
            let pname = p.name.to_string_lossy().into_owned();
            let res = relocate_prog_data(p, &pname, &maps, &externs);
            if let Err(e) = res {
                if e.should_log() {
                    crate::pr_warn!("{}", e);
                }
                crate::pr_warn!("prog '{}': failed to relocate data references: {}", pname, errstr(e.errno()));
                return Err(Error::quiet(e.errno()));
            }
            if let (true, Some(btf)) = (arg_ctx_fixup, self.btf.as_deref_mut()) {
                if let Err(e) = super::arg_ctx::fixup_func_info(btf, p) {
                    crate::pr_warn!("prog '{}': failed to perform .BTF.ext fix ups: {}", pname, errstr(e.errno()));
                    return Err(Error::quiet(e.errno()));
                }
            }
        }
        Ok(())
    }

    /// Write the created maps' fds into the `ld_imm64`s that [`Object::relocate_data`] pointed
    /// at maps (global data and `.kconfig` included).
    pub(super) fn patch_map_fds(&mut self) {
        let fds: Vec<i32> = self.maps.iter().map(|m| m.raw_fd()).collect();
        let kconfig = self.kconfig_map_idx;
        let externs: Vec<bool> = self.externs.iter().map(|e| matches!(e.kind, ExternKind::Kcfg { .. })).collect();
        let text = self.text_shndx;
        for p in self.progs.iter_mut() {
            if (text != 0 && p.sec_idx == text) || !p.autoload {
                continue;
            }
            for r in &p.relos {
                let map = match r.kind {
                    RelocKind::Ld64 { map } | RelocKind::Data { map, .. } => Some(map),
                    RelocKind::ExternLd64 { ext } if externs.get(ext).copied().unwrap_or(false) => kconfig,
                    _ => None,
                };
                let Some(map) = map else { continue };
                let Some(w) = p.insns.get_mut(r.insn_idx) else { continue };
                // Poisoned references stay poisoned.
                if insn::code(*w) == BPF_LD_IMM64 {
                    insn::set_imm(w, fds.get(map).copied().unwrap_or(-1));
                }
            }
        }
    }
}

/// The data relocations of one main program (`bpf_object__relocate_data`).
fn relocate_prog_data(
    p: &mut crate::object::Program,
    pname: &str,
    maps: &[(bool, String)],
    externs: &[crate::object::Extern],
) -> Result<()> {
    let relos = p.relos.clone();
    for (ri, r) in relos.iter().enumerate() {
        let i = r.insn_idx;
        let needs_two =
            matches!(r.kind, RelocKind::Ld64 { .. } | RelocKind::Data { .. } | RelocKind::ExternLd64 { .. });
        if i >= p.insns.len() || (needs_two && i + 1 >= p.insns.len()) {
            return Err(Error::new(lerr::RELOC, format!("prog '{pname}': relo #{ri}: insn #{i} out of range")));
        }
        match r.kind {
            RelocKind::Ld64 { map } | RelocKind::Data { map, .. } => {
                if let RelocKind::Data { sym_off, .. } = r.kind {
                    let base = insn::imm(p.insns[i]);
                    insn::set_imm(&mut p.insns[i + 1], base.wrapping_add(sym_off as i32));
                }
                let (autocreate, mname) = maps.get(map).map_or((false, ""), |(a, n)| (*a, n.as_str()));
                if autocreate {
                    let src = if matches!(r.kind, RelocKind::Ld64 { .. }) {
                        uapi::BPF_PSEUDO_MAP_FD
                    } else {
                        uapi::BPF_PSEUDO_MAP_VALUE
                    };
                    insn::set_src(&mut p.insns[i], src);
                    // The map's fd, once created (patch_map_fds).
                    insn::set_imm(&mut p.insns[i], -1);
                } else {
                    let ((pl, pp), (ml, mp)) = (crate::log::cs(pname), crate::log::cs(mname));
                    // SAFETY: (c_int, pointer) of live &str for each `%.*s`, usize for each `%zu`.
                    unsafe {
                        crate::pr_debug_c!(
                            c"libbpf: prog '%.*s': relo #%zu: poisoning insn #%zu that loads map #%zu '%.*s'\n",
                            pl,
                            pp,
                            ri,
                            i,
                            map,
                            ml,
                            mp
                        )
                    };
                    // Both halves become the same invalid call; the verifier names the map
                    // (through libbpf's log fixup) only if this is reachable.
                    let poison = insn::make(BPF_JMP_CALL, 0, 0, 0, POISON_LDIMM64_MAP_BASE.wrapping_add(map as i32));
                    p.insns[i] = poison;
                    p.insns[i + 1] = poison;
                }
            }
            RelocKind::ExternLd64 { ext } => {
                let e = externs.get(ext).ok_or_else(|| Error::new(lerr::RELOC, "extern vanished"))?;
                match e.kind {
                    ExternKind::Kcfg { data_off, .. } => {
                        insn::set_src(&mut p.insns[i], uapi::BPF_PSEUDO_MAP_VALUE);
                        insn::set_imm(&mut p.insns[i], -1);
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
                    insn::set_off(&mut p.insns[i], e.btf_fd_idx as i16);
                } else {
                    let ((pl, pp), (nl, np)) = (crate::log::cs(pname), crate::log::cs(&e.name));
                    // SAFETY: (c_int, pointer) of live &str for each `%.*s`, usize for each `%zu`.
                    unsafe {
                        crate::pr_debug_c!(
                            c"libbpf: prog '%.*s': relo #%zu: poisoning insn #%zu that calls kfunc '%.*s'\n",
                            pl,
                            pp,
                            ri,
                            i,
                            nl,
                            np
                        )
                    };
                    p.insns[i] = insn::make(BPF_JMP_CALL, 0, 0, 0, POISON_CALL_KFUNC_BASE.wrapping_add(ext as i32));
                }
            }
            RelocKind::SubprogAddr { .. } => {
                if insn::src(p.insns[i]) != uapi::BPF_PSEUDO_FUNC {
                    crate::pr_warn!("prog '{}': relo #{}: bad insn", pname, ri);
                    return Err(Error::quiet(libc::EINVAL));
                }
            }
            RelocKind::Call { .. } | RelocKind::Core { .. } => {}
        }
    }
    Ok(())
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

struct ExtInfoAcc {
    func: InfoAcc,
    line: InfoAcc,
    /// `.BTF.ext` present and the kernel takes func/line info.
    btf_func: bool,
}

/// The instruction index of a func_info/line_info record (its first word, a byte offset).
fn ext_insn_idx(rec: &[u8]) -> usize {
    u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]) as usize / BPF_INSN_SZ
}

/// The part of `raw` (records of `rs >= 4` bytes) a scan for the records of instructions
/// `start..end` looks at: with `sorted` records (as compilers write them) exactly the records
/// in that range, found by binary search (a scan from the section's first record made N
/// programs of one section cost N x records); else all of `raw`. Either way the scan that skips
/// records before `start` and stops at the first at or past `end` keeps the same records.
fn ext_records_from(raw: &[u8], rs: usize, sorted: bool, start: usize, end: usize) -> &[u8] {
    if !sorted {
        return raw;
    }
    // The first record whose instruction is at or past `at`.
    let first_from = |at: usize| {
        let (mut lo, mut hi) = (0, raw.len() / rs);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if raw.get(mid * rs..mid * rs + 4).is_some_and(|r| ext_insn_idx(r) < at) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    let lo = first_from(start);
    let hi = first_from(end).max(lo);
    raw.get(lo * rs..hi * rs).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted record offsets (with repeats): the scan from `ext_records_from` keeps what a scan
    /// of all records keeps, for every program range.
    #[test]
    fn ext_records_from_keeps_the_records_of_a_full_scan() {
        let offs = [0u32, 0, 1, 3, 3, 3, 4, 7, 9, 9];
        for rs in [4usize, 8, 16] {
            let raw: Vec<u8> = offs
                .iter()
                .flat_map(|o| {
                    let mut r = vec![0xa5u8; rs];
                    r[..4].copy_from_slice(&(o * BPF_INSN_SZ as u32).to_le_bytes());
                    r
                })
                .collect();
            let scan = |raw: &[u8], start: usize, end: usize| -> Vec<Vec<u8>> {
                let mut out = Vec::new();
                for rec in raw.chunks_exact(rs) {
                    let off = ext_insn_idx(rec);
                    if off < start {
                        continue;
                    }
                    if off >= end {
                        break;
                    }
                    out.push(rec.to_vec());
                }
                out
            };
            for start in 0..11 {
                for end in start..12 {
                    let full = scan(&raw, start, end);
                    let exact = ext_records_from(&raw, rs, true, start, end);
                    assert_eq!(scan(exact, start, end), full, "{start}..{end}");
                    assert_eq!(exact.len(), full.len() * rs, "{start}..{end}: only the range's records");
                    assert_eq!(scan(ext_records_from(&raw, rs, false, start, end), start, end), full);
                }
            }
        }
    }
}
