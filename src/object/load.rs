//! `bpf_object__load`: externs, relocation, BTF, maps and programs into the running kernel, in
//! libbpf 1.5's order and with its observable results: the same instructions (poisoning
//! included), the same maps and contents, the same bound maps, func/line info, errno values and
//! log lines (printed where libbpf prints them, with its wording). A failure anywhere unpins
//! what this load pinned and closes every fd created so far.
//!
//! Checked against libbpf 1.5 by `ctests/load` (load_diff dumps what the kernel got from each).

use super::externs::ExternKind;
use super::relo::RelocKind;
use super::{lerr, map_type_is_map_in_map, MapKind, Object, Slot, BPF_INSN_SZ};
use crate::btf::{Btf, Kind};
use crate::error::{Error, Result};
use crate::sys::cmd;
use crate::sys::probe::{self, Feature};
use crate::uapi;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::Arc;

const BPF_LD_IMM64: u8 = 0x18;
const BPF_JMP_CALL: u8 = 0x85;
/// libbpf's `BPF_LOG_BUF_SIZE` (UINT32_MAX >> 8): the first size of its own log buffers.
const LOG_BUF_SIZE: usize = (u32::MAX >> 8) as usize;
/// The invalid helper id a poisoned CO-RE instruction calls (`bpf_core_poison_insn`).
pub(crate) const POISON_HELPER: i32 = 0xbad2310;
/// Poisoned `ld_imm64` of a map that was not created: two calls of helper BASE + map index.
const POISON_LDIMM64_MAP_BASE: i32 = 2001000000;
/// Poisoned call of an unresolved weak kfunc: helper BASE + extern index.
const POISON_CALL_KFUNC_BASE: i32 = 2002000000;

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
        code as u64
            | ((dst as u64 & 0xf) << 8)
            | ((src as u64 & 0xf) << 12)
            | ((off as u16 as u64) << 16)
            | ((imm as u32 as u64) << 32)
    }
}

fn is_subprog_call(w: u64) -> bool {
    insn::code(w) == BPF_JMP_CALL && insn::src(w) == uapi::BPF_PSEUDO_CALL && insn::dst(w) == 0 && insn::off(w) == 0
}

fn is_pseudo_func(w: u64) -> bool {
    insn::code(w) == BPF_LD_IMM64 && insn::src(w) == uapi::BPF_PSEUDO_FUNC
}

/// `strerror` without Rust's " (os error N)" suffix, as libbpf's `libbpf_strerror_r` prints.
fn strerr(errno: i32) -> String {
    cmd::errno_text(errno.abs())
}

// ---- kernel BTFs -------------------------------------------------------------------------------

/// One kernel module's BTF, loaded on first need (libbpf's `struct module_btf`). Its fd stays
/// open until the load ends: ksym `ld_imm64`s and kfunc calls refer to it.
pub(crate) struct ModBtf {
    name: String,
    fd: OwnedFd,
    btf: Btf,
    /// Index in the load's `fd_array` (0 = not there yet; index 0 is never used).
    fd_array_idx: u32,
}

/// What one load carries from step to step: the BPF token (if the BPF FS grants one) and the
/// feature answers obtained with it, vmlinux BTF, module BTFs (loaded lazily, libbpf's
/// `load_module_btfs`) and the `fd_array` of module BTF fds that kfunc calls index.
pub(crate) struct LoadCtx {
    token: Option<OwnedFd>,
    /// Feature answers probed with the token (libbpf's per-object `feat_cache`); without a
    /// token the process-wide cache answers.
    feats: probe::FeatureCache,
    pub(crate) vmlinux: Option<Arc<Btf>>,
    modules: Option<Vec<ModBtf>>,
    fd_array: Vec<RawFd>,
}

impl LoadCtx {
    fn new(token: Option<OwnedFd>) -> Self {
        LoadCtx { token, feats: probe::FeatureCache::new(), vmlinux: None, modules: None, fd_array: Vec::new() }
    }

    /// libbpf's `kernel_supports(obj, feat)`.
    pub(crate) fn supported(&self, f: Feature) -> bool {
        match &self.token {
            Some(t) => self.feats.supported(f, Some(t.as_fd())),
            None => probe::supported(f),
        }
    }

    fn token(&self) -> Option<BorrowedFd<'_>> {
        self.token.as_ref().map(|t| t.as_fd())
    }

    /// Module BTFs, loaded the first time they are asked for (none on kernels without module
    /// BTF support or without the privilege to list BTF objects).
    fn modules(&mut self) -> Result<&[ModBtf]> {
        if self.modules.is_none() {
            self.modules = Some(self.load_modules()?);
        }
        Ok(self.modules.as_deref().unwrap_or(&[]))
    }

    fn load_modules(&self) -> Result<Vec<ModBtf>> {
        let mut out = Vec::new();
        let Some(vml) = self.vmlinux.clone() else { return Ok(out) };
        if !self.supported(Feature::ModuleBtf) {
            return Ok(out);
        }
        let mut id = 0;
        loop {
            id = match cmd::get_next_id(cmd::IdKind::Btf, id) {
                Ok(next) => next,
                Err(e) if e.errno() == libc::ENOENT => return Ok(out),
                Err(e) if e.errno() == libc::EPERM => {
                    crate::pr_debug!("skipping module BTFs loading, missing privileges");
                    return Ok(out);
                }
                Err(e) => {
                    crate::pr_warn!("failed to iterate BTF objects: {}", -e.errno());
                    return Err(Error::quiet(e.errno()));
                }
            };
            let fd = match cmd::get_fd_by_id(cmd::IdKind::Btf, id, 0) {
                Ok(fd) => fd,
                Err(e) if e.errno() == libc::ENOENT => continue,
                Err(e) => {
                    crate::pr_warn!("failed to get BTF object #{} FD: {}", id, -e.errno());
                    return Err(Error::quiet(e.errno()));
                }
            };
            let (info, name) = cmd::btf_info_name(fd.as_fd()).map_err(|e| {
                crate::pr_warn!("failed to get BTF object #{} info: {}", id, -e.errno());
                Error::quiet(e.errno())
            })?;
            if info.kernel_btf == 0 || name == "vmlinux" {
                continue;
            }
            let btf = cmd::btf_data(fd.as_fd()).and_then(|d| Btf::parse_split(&d, vml.clone())).map_err(|e| {
                crate::pr_warn!("failed to load module [{}]'s BTF object #{}: {}", name, id, -e.errno());
                Error::quiet(e.errno())
            })?;
            out.push(ModBtf { name, fd, btf, fd_array_idx: 0 });
        }
    }

    /// libbpf's `find_ksym_btf_id`: `name` of `kind` in vmlinux, else in the first module BTF
    /// that has it (only its own types). `(None, id)` is vmlinux. `ESRCH` when nowhere.
    pub(crate) fn find_ksym(&mut self, name: &str, kind: Kind) -> Result<(Option<usize>, u32)> {
        let vml = self.vmlinux.clone().ok_or_else(|| Error::quiet(libc::ESRCH))?;
        if let Some(id) = vml.find_by_name_kind(name, kind) {
            return Ok((None, id));
        }
        for (i, m) in self.modules()?.iter().enumerate() {
            if let Some(id) = m.btf.find_by_name_kind_own(name, kind) {
                return Ok((Some(i), id));
            }
        }
        Err(Error::quiet(libc::ESRCH))
    }

    pub(crate) fn btf(&self, module: Option<usize>) -> Option<&Btf> {
        match module {
            None => self.vmlinux.as_deref(),
            Some(i) => self.modules.as_ref()?.get(i).map(|m| &m.btf),
        }
    }

    pub(crate) fn module_fd(&self, module: Option<usize>) -> i32 {
        module.and_then(|i| self.modules.as_ref()?.get(i)).map_or(0, |m| m.fd.as_raw_fd())
    }

    pub(crate) fn module_name(&self, module: Option<usize>) -> &str {
        module.and_then(|i| self.modules.as_ref()?.get(i)).map_or("vmlinux", |m| m.name.as_str())
    }

    /// The module's index in `fd_array`, added on first use (index 0 is never used).
    pub(crate) fn fd_array_idx(&mut self, module: usize) -> Result<u32> {
        let m = self.modules.as_mut().and_then(|ms| ms.get_mut(module)).ok_or_else(|| Error::quiet(libc::EINVAL))?;
        if m.fd_array_idx != 0 {
            return Ok(m.fd_array_idx);
        }
        if self.fd_array.len() >= i16::MAX as usize {
            return Err(Error::new(
                libc::E2BIG,
                format!("module BTF fd index {} too big to fit in bpf_insn offset", m.fd_array_idx),
            ));
        }
        if self.fd_array.is_empty() {
            self.fd_array.push(0);
        }
        m.fd_array_idx = self.fd_array.len() as u32;
        self.fd_array.push(m.fd.as_raw_fd());
        Ok(m.fd_array_idx)
    }
}

impl Object {
    /// Load everything into the kernel. May be attempted once; afterwards the object is marked
    /// loaded whether or not it succeeded (libbpf's rule), and a failure leaves nothing behind.
    pub fn load(&mut self) -> Result<()> {
        if self.loaded {
            crate::pr_warn!("object '{}': load can't be attempted twice", self.name.to_string_lossy());
            return Err(Error::quiet(libc::EINVAL));
        }
        let res = self.load_steps();
        self.loaded = true;
        if let Err(e) = res {
            if e.should_log() {
                crate::pr_warn!("{}", e);
            }
            self.unpin_loaded_maps();
            self.unload();
            crate::pr_warn!("failed to load object '{}'", self.path);
            return Err(Error::quiet(e.errno()));
        }
        Ok(())
    }

    /// `bpf_object__prepare` (libbpf 1.6): the first half of [`Object::load`], everything up to
    /// loading programs (BTF loaded, maps created and filled, programs relocated). Twice, or
    /// after load, `-EINVAL`; a failure unpins and closes what it made and leaves the object
    /// unloadable, as libbpf does.
    pub fn prepare(&mut self) -> Result<()> {
        if self.prepared || self.loaded {
            crate::pr_warn!("object '{}': prepare loading can't be attempted twice", self.name.to_string_lossy());
            return Err(Error::quiet(libc::EINVAL));
        }
        match self.prepare_steps() {
            Ok(ctx) => {
                self.prep_ctx = Some(ctx);
                self.prepared = true;
                Ok(())
            }
            Err(e) => {
                if e.should_log() {
                    crate::pr_warn!("{}", e);
                }
                self.unpin_loaded_maps();
                self.unload();
                self.loaded = true;
                Err(Error::quiet(e.errno()))
            }
        }
    }

    /// Unpin what this load pinned (not maps reused from a pin).
    fn unpin_loaded_maps(&mut self) {
        for m in self.maps.iter_mut() {
            if m.pinned && !m.reused {
                if let Some(path) = m.pin_path.clone() {
                    unpin_map(m, &path);
                }
            }
        }
    }

    fn load_steps(&mut self) -> Result<()> {
        let mut ctx = match self.prep_ctx.take() {
            Some(ctx) => ctx,
            None => self.prepare_steps()?,
        };
        self.load_programs(&mut ctx)?;
        self.init_prog_arrays()?;
        self.prepare_struct_ops()?;
        Ok(())
    }

    /// libbpf's `bpf_object_prepare` steps.
    fn prepare_steps(&mut self) -> Result<LoadCtx> {
        let mut ctx = LoadCtx::new(self.prepare_token()?);
        probe_loading(ctx.token())?;
        if self.needs_vmlinux_btf() {
            ctx.vmlinux = Some(Btf::vmlinux().map_err(|e| {
                crate::pr_warn!("Error loading vmlinux BTF: {}", -e.errno());
                Error::quiet(e.errno())
            })?);
        }
        self.resolve_externs(&mut ctx)?;
        self.init_kern_struct_ops(ctx.vmlinux.as_deref())?;
        self.relocate(&mut ctx)?;
        self.load_btf(&ctx)?;
        self.create_maps(&ctx)?;
        self.patch_map_fds();
        Ok(ctx)
    }

    /// libbpf's `bpf_object_prepare_token`: a BPF token from the BPF FS at the `bpf_token_path`
    /// option (mandatory then; an empty path prevents tokens) or at /sys/fs/bpf (optional).
    fn prepare_token(&self) -> Result<Option<OwnedFd>> {
        let name = self.name.to_string_lossy();
        let path = self.opts.bpf_token_path.as_deref();
        if path == Some("") {
            crate::pr_debug!("object '{}': token is prevented, skipping...", name);
            return Ok(None);
        }
        let mandatory = path.is_some();
        let bpffs = path.unwrap_or("/sys/fs/bpf");
        let say = |msg: String| {
            if mandatory {
                crate::pr_warn!("{}", msg)
            } else {
                crate::pr_debug!("{}", msg)
            }
        };
        let suffix = if mandatory { "" } else { ", skipping optional step..." };
        let dir = match std::fs::File::open(bpffs) {
            Ok(f) if f.metadata().is_ok_and(|m| m.is_dir()) => f,
            Ok(_) => {
                say(format!("object '{name}': failed ({}) to open BPF FS mount at '{bpffs}'{suffix}", -libc::ENOTDIR));
                return if mandatory { Err(Error::quiet(libc::ENOTDIR)) } else { Ok(None) };
            }
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(libc::EIO);
                say(format!("object '{name}': failed ({}) to open BPF FS mount at '{bpffs}'{suffix}", -errno));
                return if mandatory { Err(Error::quiet(errno)) } else { Ok(None) };
            }
        };
        match cmd::token_create(dir.as_fd(), 0) {
            Ok(t) => Ok(Some(t)),
            Err(e) if !mandatory && e.errno() == libc::ENOENT => {
                crate::pr_debug!(
                    "object '{}': BPF FS at '{}' doesn't have BPF token delegation set up, skipping...",
                    name,
                    bpffs
                );
                Ok(None)
            }
            Err(e) => {
                say(format!("object '{name}': failed ({}) to create BPF token from '{bpffs}'{suffix}", -e.errno()));
                if mandatory {
                    Err(Error::quiet(e.errno()))
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// Close the maps and programs load created (libbpf's `bpf_object_unload`). Global-data
    /// memory stays mapped where it is, and the object's BTF stays loaded (libbpf keeps it
    /// until close: `bpf_object__btf_fd` still reports it after a failed load).
    pub(crate) fn unload(&mut self) {
        for m in self.maps.iter_mut() {
            m.fd = None;
            if let Some(i) = m.inner.as_mut() {
                i.fd = None;
            }
        }
        for p in self.progs.iter_mut() {
            p.unload();
        }
        // Module BTF fds taken for struct_ops types are not needed past a failed load.
        self.release_struct_ops_btf_fds();
    }

    /// libbpf's `obj_needs_vmlinux_btf`.
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

    // ---- relocation ----

    fn relocate(&mut self, kb: &mut LoadCtx) -> Result<()> {
        if self.btf_ext.is_some() {
            self.relocate_core(kb).map_err(|e| {
                crate::pr_warn!("failed to perform CO-RE relocations: {}", -e.errno());
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
        for i in 0..self.progs.len() {
            let Some(p) = self.progs.get(i) else { continue };
            if self.is_subprog(p) || !p.autoload {
                continue;
            }
            let name = p.name.to_string_lossy().into_owned();
            let btf_func = self.btf_ext.is_some() && kb.supported(Feature::BtfFunc);
            self.relocate_calls(i, btf_func).map_err(|e| {
                if e.should_log() {
                    crate::pr_warn!("{}", e);
                }
                crate::pr_warn!("prog '{}': failed to relocate calls: {}", name, -e.errno());
                Error::quiet(e.errno())
            })?;
            let decl_tag = self.btf.is_some() && kb.supported(Feature::BtfDeclTag);
            self.append_exception_cb(i, decl_tag, btf_func)?;
        }
        self.relocate_data()
    }

    /// CO-RE relocations (`bpf_object__relocate_core`), section by section in `.BTF.ext` order,
    /// applied to each program's own instructions before subprograms are appended (every copy
    /// of a subprogram then carries the patched code). Each one is also recorded as a
    /// relocation of its program, so that the verifier-log fixup finds it after linking.
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
                        crate::pr_warn!("failed to parse target BTF: {}", -e.errno());
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
        let mut patches: Vec<(usize, Vec<u64>, Vec<super::Reloc>)> = Vec::new();
        for sec in &secs {
            let relos = ext.core_relos(sec).unwrap_or(&[]);
            crate::pr_debug!("sec '{}': found {} CO-RE relocations", sec, relos.len());
            let sec_idx = self.sec_names.iter().position(|n| n == sec);
            for (ri, r) in relos.iter().enumerate() {
                if r.insn_off as usize % BPF_INSN_SZ != 0 {
                    return Err(Error::quiet(libc::EINVAL));
                }
                let abs = r.insn_off as usize / BPF_INSN_SZ;
                let pidx = sec_idx.and_then(|si| {
                    self.progs
                        .iter()
                        .position(|p| p.sec_idx == si && abs >= p.sec_insn_off && abs < p.sec_insn_off + p.sec_insn_cnt)
                });
                let Some(pidx) = pidx else {
                    crate::pr_debug!(
                        "sec '{}': skipping CO-RE relocation #{} for insn #{} belonging to eliminated weak subprogram",
                        sec,
                        ri,
                        abs
                    );
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
                let slot = match patches.iter().position(|(i, _, _)| *i == pidx) {
                    Some(s) => s,
                    None => {
                        patches.push((pidx, p.insns.clone(), Vec::new()));
                        patches.len() - 1
                    }
                };
                let (_, insns, recorded) = &mut patches[slot];
                recorded.push(super::Reloc {
                    insn_idx,
                    kind: RelocKind::Core { type_id: r.type_id, access_str_off: r.access_str_off, kind: r.kind },
                });
                let pname = p.name.to_string_lossy();
                // The engine prints libbpf's "failed to relocate" / "failed to patch" lines.
                crate::reloc::relocate_insn_idx(local, r, ri, insns, insn_idx, &targets, &mut cache, &pname)?;
            }
        }
        for (pidx, insns, recorded) in patches {
            if let Some(p) = self.progs.get_mut(pidx) {
                p.insns = insns;
                p.relos.extend(recorded);
            }
        }
        Ok(())
    }

    pub(crate) fn sec_name_of(&self, sec_idx: usize) -> String {
        self.sec_names.get(sec_idx).cloned().unwrap_or_default()
    }

    /// Append every subprogram `main` reaches (recursively, once each) and point its calls and
    /// callback references at the copies; subprogram relocations are carried over.
    fn relocate_calls(&mut self, main: usize, btf_func: bool) -> Result<()> {
        for p in self.progs.iter_mut() {
            p.sub_insn_off = 0;
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
    fn append_exception_cb(&mut self, main: usize, decl_tag: bool, btf_func: bool) -> Result<()> {
        let Some(btf) = self.btf.as_deref() else { return Ok(()) };
        if !decl_tag {
            return Ok(());
        }
        let pname = self.progs.get(main).map(|p| p.name.to_string_lossy().into_owned()).unwrap_or_default();
        const PFX: &str = "exception_callback:";
        let mut cb: Option<usize> = None;
        for id in btf.ids_of_kind(Kind::DeclTag) {
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
                if !self.is_subprog(s) || s.name.as_bytes() != target.as_bytes() {
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
        // func_info / line_info for this piece of code (libbpf's reloc_prog_func_and_line_info).
        if acc.btf_func {
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
            let (target, sub_name) = self
                .progs
                .get(sub)
                .map(|s| (s.sub_insn_off, s.name.to_string_lossy().into_owned()))
                .unwrap_or_default();
            let here = sub_off + insn_idx;
            let imm = target as i32 - here as i32 - 1;
            if let Some(w) = self.progs.get_mut(main).and_then(|m| m.insns.get_mut(here)) {
                insn::set_imm(w, imm);
            }
            crate::pr_debug!(
                "prog '{}': insn #{} relocated, imm {} points to subprog '{}' (now at {} offset)",
                pname,
                insn_idx,
                imm,
                sub_name,
                target
            );
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
        crate::pr_debug!("prog '{}': added {} insns from sub-prog '{}'", m.name.to_string_lossy(), code.len(), name);
        if main != sub {
            m.relos.extend(relos.into_iter().map(|mut r| {
                r.insn_idx += at;
                r
            }));
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
    /// exist (libbpf reserves fd numbers at open instead).
    fn relocate_data(&mut self) -> Result<()> {
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
                crate::pr_warn!("prog '{}': failed to relocate data references: {}", pname, -e.errno());
                return Err(Error::quiet(e.errno()));
            }
        }
        Ok(())
    }

    /// Write the created maps' fds into the `ld_imm64`s that [`Object::relocate_data`] pointed
    /// at maps (global data and `.kconfig` included).
    fn patch_map_fds(&mut self) {
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

    // ---- BTF ----

    /// Load the object's BTF (`bpf_object__sanitize_and_load_btf`). A failure is fatal only
    /// for objects with struct_ops sections; otherwise loading goes on without BTF.
    fn load_btf(&mut self, ctx: &LoadCtx) -> Result<()> {
        let text = self.text_shndx;
        let Some(btf) = self.btf.as_deref_mut() else { return Ok(()) };
        // Hidden global subprograms verify as static functions (in the object's own BTF, as
        // libbpf edits it in place).
        for p in self.progs.iter().filter(|p| p.mark_btf_static && text != 0 && p.sec_idx == text) {
            let name = p.name.to_string_lossy();
            let found = (1..btf.type_cnt()).find(|&id| {
                btf.ty(id).is_some_and(|t| {
                    t.kind == Kind::Func && t.linkage() == Some(crate::btf::FUNC_GLOBAL) && t.name == name
                })
            });
            if let Some(id) = found {
                btf.set_func_linkage(id, crate::btf::FUNC_STATIC)?;
            }
        }
        // A kernel lacking some BTF kinds gets a sanitized copy; the object's own BTF (what
        // callers and CO-RE see) stays as it is, and ids do not move (libbpf's rule).
        let feats = crate::btf::BtfFeatures {
            datasec: ctx.supported(Feature::BtfDatasec),
            func: ctx.supported(Feature::BtfFunc),
            func_global: ctx.supported(Feature::BtfGlobalFunc),
            float: ctx.supported(Feature::BtfFloat),
            decl_tag: ctx.supported(Feature::BtfDeclTag),
            type_tag: ctx.supported(Feature::BtfTypeTag),
            enum64: ctx.supported(Feature::BtfEnum64),
            qmark_datasec: ctx.supported(Feature::BtfQmarkDatasec),
        };
        let sanitized = if feats == crate::btf::BtfFeatures::ALL {
            None
        } else {
            let mut copy = btf.clone();
            copy.sanitize(&feats)?;
            Some(copy)
        };
        let data = sanitized.as_ref().map_or(btf.raw_data(), |c| c.raw_data());
        let (ubuf, usize_, level) = (self.opts.kernel_log_buf, self.opts.kernel_log_size, self.opts.kernel_log_level);
        let res = btf_load_into_kernel(data, ubuf, usize_, if level != 0 { 1 } else { 0 }, ctx.token());
        match res {
            Ok(fd) => {
                self.btf_fd = fd.as_raw_fd();
                self.btf_fd_owned = Some(fd);
                Ok(())
            }
            Err(e) => {
                if self.has_st_ops_sections() {
                    crate::pr_warn!("Error loading .BTF into kernel: {}. BTF is mandatory, can't proceed.", -e.errno());
                    return Err(Error::quiet(e.errno()));
                }
                crate::pr_info!("Error loading .BTF into kernel: {}. BTF is optional, ignoring.", -e.errno());
                Ok(())
            }
        }
    }

    /// libbpf's `kernel_needs_btf`: the object has struct_ops sections.
    fn has_st_ops_sections(&self) -> bool {
        self.sec_names.iter().any(|n| super::is_struct_ops_data_sec(n))
    }

    // ---- maps ----

    /// `bpf_object__create_maps`: in map order, reuse a pinned map or create the map (inner
    /// map template first), fill global data (then freeze read-only data and map the kernel
    /// map over the skeleton's memory) or map-in-map slots, then pin. A failure closes the maps
    /// created so far.
    fn create_maps(&mut self, ctx: &LoadCtx) -> Result<()> {
        let ncpus = crate::sys::possible_cpus()?;
        for idx in 0..self.maps.len() {
            if let Err(e) = self.create_one(idx, ncpus, ctx.token()) {
                let name = self.maps.get(idx).map(|m| m.name.to_string_lossy().into_owned()).unwrap_or_default();
                if e.should_log() {
                    crate::pr_warn!("{}", e);
                }
                crate::pr_warn!("map '{}': failed to create: {}({})", name, strerr(e.errno()), -e.errno());
                pr_perm_msg(e.errno());
                for j in 0..idx {
                    if let Some(m) = self.maps.get_mut(j) {
                        m.fd = None;
                    }
                }
                return Err(Error::quiet(e.errno()));
            }
        }
        Ok(())
    }

    fn create_one(&mut self, idx: usize, ncpus: usize, token: Option<BorrowedFd>) -> Result<()> {
        let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
        let name = m.name.to_string_lossy().into_owned();
        if !m.autocreate {
            crate::pr_debug!("map '{}': skipped auto-creating...", name);
            return Ok(());
        }
        set_def_max_entries(m, ncpus);
        let mut retried = false;
        loop {
            if self.maps.get(idx).is_some_and(|m| m.pin_path.is_some()) {
                self.reuse_pinned(idx).inspect_err(|_| {
                    crate::pr_warn!("map '{}': error reusing pinned map", name);
                })?;
                if retried && self.maps.get(idx).is_some_and(|m| m.fd.is_none()) {
                    crate::pr_warn!("map '{}': cannot find pinned map", name);
                    return Err(Error::quiet(libc::ENOENT));
                }
            }
            let reused = self.maps.get(idx).is_some_and(|m| m.reused);
            if reused {
                let fd = self.maps.get(idx).map_or(-1, |m| m.raw_fd());
                crate::pr_debug!("map '{}': skipping creation (preset fd={})", name, fd);
            } else {
                let btf_fd = self.btf_fd_owned.as_ref().map(|f| f.as_raw_fd());
                let excl = match self.maps.get(idx).and_then(|m| m.excl_prog) {
                    Some(pi) => {
                        let p = self.progs.get(pi).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
                        Some(excl_prog_hash(&p.insns)?)
                    }
                    None => None,
                };
                let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
                create_map(m, btf_fd, ncpus, token, excl.as_ref())?;
                crate::pr_debug!("map '{}': created successfully, fd={}", name, m.raw_fd());
                if m.is_internal() {
                    populate_internal_map(m)?;
                } else if m.def.map_type == uapi::BPF_MAP_TYPE_ARENA {
                    // The `__arena` globals' initial values live in the pre-load buffer (open
                    // moved them there so C could edit them); they go into the kernel arena.
                    let sz = self.arena_data_sz;
                    let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
                    let data = m.mmaped.as_ref().map(|r| r.read(sz)).filter(|d| !d.is_empty());
                    map_arena(m, data.as_deref())?;
                }
                let m = self.maps.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
                if !m.init_slots.is_empty() && m.def.map_type != uapi::BPF_MAP_TYPE_PROG_ARRAY {
                    self.init_map_in_map_slots(idx)?;
                }
            }
            let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
            if let (Some(path), false) = (m.pin_path.clone(), m.pinned) {
                if let Err(e) = pin_map(m, &path) {
                    if !retried && e.errno() == libc::EEXIST {
                        retried = true;
                        continue;
                    }
                    crate::pr_warn!(
                        "map '{}': failed to auto-pin at '{}': {}",
                        name,
                        path.to_string_lossy(),
                        -e.errno()
                    );
                    return Err(Error::quiet(e.errno()));
                }
            }
            return Ok(());
        }
    }

    /// `bpf_object__reuse_map`: adopt the map pinned at the map's pin path, if any and
    /// compatible.
    fn reuse_pinned(&mut self, idx: usize) -> Result<()> {
        let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
        let Some(path) = m.pin_path.clone() else { return Ok(()) };
        let fd = match cmd::obj_get(&path, 0) {
            Ok(fd) => fd,
            Err(e) if e.errno() == libc::ENOENT => {
                crate::pr_debug!("found no pinned map to reuse at '{}'", path.to_string_lossy());
                return Ok(());
            }
            Err(e) => {
                crate::pr_warn!("couldn't retrieve pinned map '{}': {}", path.to_string_lossy(), strerr(e.errno()));
                return Err(Error::quiet(e.errno()));
            }
        };
        let info = match cmd::map_info(fd.as_fd()) {
            Ok(i) => i,
            Err(e) => {
                crate::pr_warn!("failed to get map info for map FD {}: {}", fd.as_raw_fd(), strerr(e.errno()));
                crate::pr_warn!("couldn't reuse pinned map at '{}': parameter mismatch", path.to_string_lossy());
                return Err(Error::quiet(libc::EINVAL));
            }
        };
        let d = &m.def;
        let compat = info.type_ == d.map_type
            && info.key_size == d.key_size
            && info.value_size == d.value_size
            && info.max_entries == d.max_entries
            && info.map_flags == d.map_flags
            && info.map_extra == d.map_extra;
        if !compat {
            crate::pr_warn!("couldn't reuse pinned map at '{}': parameter mismatch", path.to_string_lossy());
            return Err(Error::quiet(libc::EINVAL));
        }
        m.adopt_kernel_map(fd, &info);
        m.pinned = true;
        crate::pr_debug!("reused pinned map at '{}'", path.to_string_lossy());
        Ok(())
    }

    /// Map-in-map initial slots (`init_map_in_map_slots`), right after the outer map exists.
    fn init_map_in_map_slots(&mut self, idx: usize) -> Result<()> {
        let m = self.maps.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
        let outer = m.raw_fd();
        let mname = m.name.to_string_lossy().into_owned();
        let slots: Vec<(usize, usize)> = m
            .init_slots
            .iter()
            .enumerate()
            .filter_map(|(k, s)| match s {
                Some(Slot::Map(t)) => Some((k, *t)),
                _ => None,
            })
            .collect();
        for (key, target) in slots {
            let (tfd, tname) = self
                .maps
                .get(target)
                .map_or((-1, String::new()), |t| (t.raw_fd(), t.name.to_string_lossy().into_owned()));
            // SAFETY: `outer` is the fd this map owns (created just before); it stays open.
            let outer_b = unsafe { BorrowedFd::borrow_raw(outer) };
            if let Err(e) = cmd::map_update_elem(outer_b, &(key as u32).to_le_bytes(), &tfd.to_le_bytes(), 0) {
                crate::pr_warn!(
                    "map '{}': failed to initialize slot [{}] to map '{}' fd={}: {}",
                    mname,
                    key,
                    tname,
                    tfd,
                    -e.errno()
                );
                return Err(Error::quiet(e.errno()));
            }
            crate::pr_debug!("map '{}': slot [{}] set to map '{}' fd={}", mname, key, tname, tfd);
        }
        Ok(())
    }

    // ---- programs ----

    /// `bpf_object__load_progs`: every entry program with autoload on, in order.
    fn load_programs(&mut self, kb: &mut LoadCtx) -> Result<()> {
        for i in 0..self.progs.len() {
            let Some(p) = self.progs.get(i) else { continue };
            if self.is_subprog(p) {
                continue;
            }
            if !p.autoload {
                crate::pr_debug!("prog '{}': skipped loading", p.name.to_string_lossy());
                continue;
            }
            let name = p.name.to_string_lossy().into_owned();
            match self.load_prog(i, kb) {
                Ok(fd) => {
                    if let Some(p) = self.progs.get_mut(i) {
                        p.fd = Some(fd);
                    }
                }
                Err(e) => {
                    if e.should_log() {
                        crate::pr_warn!("{}", e);
                    }
                    crate::pr_warn!("prog '{}': failed to load: {}", name, -e.errno());
                    return Err(Error::quiet(e.errno()));
                }
            }
        }
        Ok(())
    }

    /// `bpf_object_load_prog` for program `idx`.
    fn load_prog(&mut self, idx: usize, kb: &mut LoadCtx) -> Result<OwnedFd> {
        let (prog_type, attach_btf_id, name, sec_name) = {
            let p = self.progs.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
            (
                p.prog_type,
                p.attach_btf_id,
                p.name.to_string_lossy().into_owned(),
                p.sec_name.to_string_lossy().into_owned(),
            )
        };
        match prog_type {
            uapi::BPF_PROG_TYPE_UNSPEC => {
                crate::pr_warn!("prog '{}': missing BPF prog type, check ELF section name '{}'", name, sec_name);
                return Err(Error::quiet(libc::EINVAL));
            }
            uapi::BPF_PROG_TYPE_STRUCT_OPS if attach_btf_id == 0 => {
                crate::pr_warn!(
                    "prog '{}': SEC(\"struct_ops\") program isn't referenced anywhere, did you forget to use it?",
                    name
                );
                return Err(Error::quiet(libc::EINVAL));
            }
            _ => {}
        }
        if self.progs.get(idx).is_some_and(|p| p.insns.is_empty()) {
            return Err(Error::quiet(libc::EINVAL));
        }
        let mut prog_flags = self.progs.get(idx).map_or(0, |p| p.prog_flags);
        let mut expected_attach_type = self.progs.get(idx).map_or(0, |p| p.expected_attach_type);
        let mut attach_btf_obj_fd: Option<RawFd> = None;
        // libbpf_prepare_prog_load (the built-in sections' prepare step).
        let def = self.progs.get(idx).and_then(|p| p.sec_def);
        if let Some(def) = def.filter(|d| d.custom.is_none()) {
            let f = def.flags;
            if f & crate::section::SEC_EXP_ATTACH_OPT != 0 && !kb.supported(Feature::ExpAttachType) {
                expected_attach_type = 0;
            }
            if f & crate::section::SEC_SLEEPABLE != 0 {
                prog_flags |= uapi::BPF_F_SLEEPABLE;
            }
            if prog_type == uapi::BPF_PROG_TYPE_XDP && f & crate::section::SEC_XDP_FRAGS != 0 {
                prog_flags |= uapi::BPF_F_XDP_HAS_FRAGS;
            }
            if f & crate::section::SEC_USDT != 0 && kb.supported(Feature::UprobeMultiLink) {
                expected_attach_type = uapi::BPF_TRACE_UPROBE_MULTI;
                if let Some(p) = self.progs.get_mut(idx) {
                    p.expected_attach_type = uapi::BPF_TRACE_UPROBE_MULTI;
                }
            }
            if f & crate::section::SEC_ATTACH_BTF != 0 && attach_btf_id == 0 {
                let Some((_, target)) = sec_name.split_once('/') else {
                    crate::pr_warn!(
                        "prog '{}': no BTF-based attach target is specified, use bpf_program__set_attach_target()",
                        name
                    );
                    return Err(Error::quiet(libc::EINVAL));
                };
                let p = self.progs.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
                let (obj_fd, id) = find_attach_btf_id(p, target, kb).inspect_err(|e| {
                    crate::pr_warn!(
                        "prog '{}': failed to find kernel BTF type ID of '{}': {}",
                        name,
                        target,
                        -e.errno()
                    );
                })?;
                attach_btf_obj_fd = obj_fd;
                if let Some(p) = self.progs.get_mut(idx) {
                    p.attach_btf_id = id;
                }
            }
        }
        // struct_ops programs of a module's type load against that module's BTF object.
        if attach_btf_obj_fd.is_none() {
            attach_btf_obj_fd = self.progs.get(idx).and_then(|p| p.attach_btf_obj_fd()).map(|f| f.as_raw_fd());
        }
        let btf_fd = self.btf_fd_owned.as_ref().map(|f| f.as_raw_fd());
        let with_func_info = btf_fd.is_some() && kb.supported(Feature::BtfFunc);
        let (mut attach_btf_id, mut attach_prog_fd, mut prog_ifindex, mut kern_version) = {
            let p = self.progs.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
            (p.attach_btf_id, p.attach_prog_fd, p.ifindex, self.kern_version)
        };
        // A custom section handler's prepare-load callback sees (and may change) the attributes.
        if let Some((f, cookie)) =
            def.and_then(|d| d.custom).and_then(|c| c.prog_prepare_load_fn.map(|f| (f, c.cookie)))
        {
            let mut o = ProgLoadOptsC {
                sz: std::mem::size_of::<ProgLoadOptsC>(),
                expected_attach_type,
                prog_btf_fd: btf_fd.filter(|_| with_func_info).map_or(0, |fd| fd as u32),
                prog_flags,
                prog_ifindex,
                kern_version,
                attach_btf_id,
                attach_prog_fd: attach_prog_fd.max(0) as u32,
                attach_btf_obj_fd: attach_btf_obj_fd.map_or(0, |fd| fd as u32),
                log_level: self.progs.get(idx).map_or(0, |p| p.log_level),
                token_fd: kb.token().map_or(0, |t| t.as_raw_fd() as u32),
                ..Default::default()
            };
            let prog_ptr: *mut super::Program =
                self.progs.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
            // SAFETY: the handler was registered with libbpf's callback signature; `prog_ptr` is
            // the program's stable handle (no Rust reference to it is alive during the call) and
            // `o` a bpf_prog_load_opts-layout struct the callback may write.
            let rc = unsafe { f(prog_ptr.cast(), (&mut o as *mut ProgLoadOptsC).cast(), cookie) };
            if rc < 0 {
                crate::pr_warn!("prog '{}': failed to prepare load attributes: {}", name, rc);
                return Err(Error::quiet(-rc));
            }
            expected_attach_type = o.expected_attach_type;
            prog_flags = o.prog_flags;
            prog_ifindex = o.prog_ifindex;
            kern_version = o.kern_version;
            attach_btf_id = o.attach_btf_id;
            attach_prog_fd = o.attach_prog_fd as i32;
            attach_btf_obj_fd = (o.attach_btf_obj_fd != 0).then_some(o.attach_btf_obj_fd as RawFd);
        }
        let license = CString::new(self.license.clone()).unwrap_or_default();
        let (obj_buf, obj_size) = (self.opts.kernel_log_buf, self.opts.kernel_log_size);
        let rodata: Vec<(Option<RawFd>, String)> = if self.has_rodata && kb.supported(Feature::ProgBindMap) {
            self.maps
                .iter()
                .filter(|m| m.kind == MapKind::Rodata)
                .map(|m| {
                    (
                        m.fd.as_ref().map(|f| f.as_raw_fd()),
                        m.real_name.as_ref().unwrap_or(&m.name).to_string_lossy().into_owned(),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        let p = self.progs.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
        // SAFETY: the object's BTF fd stays open for the whole load.
        let btf_b = btf_fd.filter(|_| with_func_info).map(|fd| unsafe { BorrowedFd::borrow_raw(fd) });
        // SAFETY: a caller-provided target program fd (bpf_program__set_attach_target), which
        // libbpf's contract keeps open until load.
        let attach_prog = (attach_prog_fd > 0).then(|| unsafe { BorrowedFd::borrow_raw(attach_prog_fd) });
        // SAFETY: a module BTF fd owned by `kb`, open until the load ends.
        let attach_obj = attach_btf_obj_fd.map(|fd| unsafe { BorrowedFd::borrow_raw(fd) });
        let empty: &[u8] = &[];
        let fd_array = kb.fd_array.clone();
        let attempt = |level: u32, buf: Option<&mut [u8]>| {
            cmd::prog_load(&mut cmd::ProgLoad {
                prog_type,
                expected_attach_type,
                name: &name,
                insns: &p.insns,
                license: &license,
                kern_version,
                prog_flags,
                prog_ifindex,
                prog_btf_fd: btf_b,
                func_info: if with_func_info { &p.func_info } else { empty },
                func_info_rec_size: if with_func_info { p.func_info_rec_size } else { 0 },
                line_info: if with_func_info { &p.line_info } else { empty },
                line_info_rec_size: if with_func_info { p.line_info_rec_size } else { 0 },
                attach_btf_id,
                attach_btf_obj_fd: if attach_prog.is_some() { None } else { attach_obj },
                attach_prog_fd: attach_prog,
                fd_array: &fd_array,
                log_level: level,
                log_buf: buf,
                token_fd: kb.token(),
            })
        };
        // The log buffer: the program's, else the object's, else our own (only when a log is
        // wanted). With log level 0 nothing is requested unless the load fails; then it is
        // retried with level 1 (libbpf's retry_load).
        let mut log_level = p.log_level;
        let (user_buf, user_size) = if !p.log_buf.is_null() {
            (p.log_buf as usize, p.log_size)
        } else if obj_buf != 0 {
            (obj_buf, obj_size)
        } else {
            (0, 0)
        };
        let mut own: Vec<u8> = Vec::new();
        let res = loop {
            let own_buf = log_level != 0 && user_buf == 0;
            let r = if log_level == 0 {
                attempt(0, None)
            } else if user_buf != 0 {
                // SAFETY: the caller registered user_size writable bytes at user_buf (program or
                // open-options log buffer) and keeps them alive across load.
                attempt(log_level, Some(unsafe { std::slice::from_raw_parts_mut(user_buf as *mut u8, user_size) }))
            } else {
                own = vec![0u8; LOG_BUF_SIZE.max(own.len() * 2)];
                attempt(log_level, Some(&mut own[..]))
            };
            match r {
                Ok(fd) => {
                    if own_buf {
                        crate::log::print_prog_load_log(crate::log::Level::Debug, &name, &c_text(&own));
                    }
                    break Ok(fd);
                }
                Err(e) => {
                    if log_level == 0 {
                        log_level = 1;
                        continue;
                    }
                    if own_buf && e.errno() == libc::ENOSPC && own.len() <= (u32::MAX / 2) as usize {
                        continue;
                    }
                    break Err(e);
                }
            }
        };
        let fd = match res {
            Ok(fd) => fd,
            Err(e) => {
                let errno = e.errno();
                let own_buf = user_buf == 0;
                if own_buf {
                    fixup_verifier_log(self, idx, &mut own);
                } else if user_size > 0 {
                    // SAFETY: as above; the kernel wrote the log into it.
                    let ubuf = unsafe { std::slice::from_raw_parts_mut(user_buf as *mut u8, user_size) };
                    fixup_verifier_log(self, idx, ubuf);
                }
                crate::pr_warn!("prog '{}': BPF program load failed: {}", name, strerr(errno));
                pr_perm_msg(errno);
                if own_buf && own.first().is_some_and(|&b| b != 0) {
                    crate::log::print_prog_load_log(crate::log::Level::Warn, &name, &c_text(&own));
                }
                return Err(Error::quiet(errno));
            }
        };
        // Bind .rodata maps so they live as long as the program (FEAT_PROG_BIND_MAP).
        for (mfd, mname) in rodata {
            let r = match mfd {
                // SAFETY: the map fd is owned by the object and open.
                Some(mfd) => cmd::prog_bind_map(fd.as_fd(), unsafe { BorrowedFd::borrow_raw(mfd) }, 0),
                // libbpf binds the never-created map's placeholder fd, which the kernel refuses.
                None => Err(Error::quiet(libc::EINVAL)),
            };
            if let Err(e) = r {
                crate::pr_warn!("prog '{}': failed to bind map '{}': {}", name, mname, strerr(e.errno()));
            }
        }
        Ok(fd)
    }

    /// Prog-array initial slots (`.values = { [i] = &prog }`), after programs are loaded
    /// (`bpf_object_init_prog_arrays`).
    fn init_prog_arrays(&mut self) -> Result<()> {
        let progs: Vec<(i32, String)> = self
            .progs
            .iter()
            .map(|p| (p.fd.as_ref().map_or(-libc::ENOENT, |f| f.as_raw_fd()), p.name.to_string_lossy().into_owned()))
            .collect();
        for m in self.maps.iter() {
            if m.init_slots.is_empty() || m.def.map_type != uapi::BPF_MAP_TYPE_PROG_ARRAY {
                continue;
            }
            let mname = m.name.to_string_lossy();
            for (key, slot) in m.init_slots.iter().enumerate() {
                let Some(Slot::Prog(p)) = slot else { continue };
                let (pfd, pname) = progs.get(*p).cloned().unwrap_or((-libc::ENOENT, String::new()));
                let r = match m.fd.as_ref() {
                    Some(fd) => cmd::map_update_elem(fd.as_fd(), &(key as u32).to_le_bytes(), &pfd.to_le_bytes(), 0),
                    None => Err(Error::quiet(libc::EBADF)),
                };
                if let Err(e) = r {
                    crate::pr_warn!(
                        "map '{}': failed to initialize slot [{}] to prog '{}' fd={}: {}",
                        mname,
                        key,
                        pname,
                        pfd,
                        -e.errno()
                    );
                    return Err(Error::quiet(e.errno()));
                }
                crate::pr_debug!("map '{}': slot [{}] set to prog '{}' fd={}", mname, key, pname, pfd);
            }
        }
        Ok(())
    }
}

/// `struct bpf_prog_load_opts` as a custom section handler's prepare-load callback sees it
/// (libbpf 1.5 layout, 112 bytes). Of what the callback may change, the scalar attributes are
/// taken back; the func/line info, fd_array and token stay the loader's.
#[repr(C)]
struct ProgLoadOptsC {
    sz: usize,
    attempts: i32,
    expected_attach_type: u32,
    prog_btf_fd: u32,
    prog_flags: u32,
    prog_ifindex: u32,
    kern_version: u32,
    attach_btf_id: u32,
    attach_prog_fd: u32,
    attach_btf_obj_fd: u32,
    fd_array: *const i32,
    func_info: *const u8,
    func_info_cnt: u32,
    func_info_rec_size: u32,
    line_info: *const u8,
    line_info_cnt: u32,
    line_info_rec_size: u32,
    log_level: u32,
    log_size: u32,
    log_buf: *mut u8,
    log_true_size: u32,
    token_fd: u32,
}
const _: () = assert!(std::mem::size_of::<ProgLoadOptsC>() == 112);
const _: () = assert!(
    std::mem::offset_of!(ProgLoadOptsC, fd_array) == 48 && std::mem::offset_of!(ProgLoadOptsC, token_fd) == 108
);

impl Default for ProgLoadOptsC {
    fn default() -> Self {
        ProgLoadOptsC {
            sz: 0,
            attempts: 0,
            expected_attach_type: 0,
            prog_btf_fd: 0,
            prog_flags: 0,
            prog_ifindex: 0,
            kern_version: 0,
            attach_btf_id: 0,
            attach_prog_fd: 0,
            attach_btf_obj_fd: 0,
            fd_array: std::ptr::null(),
            func_info: std::ptr::null(),
            func_info_cnt: 0,
            func_info_rec_size: 0,
            line_info: std::ptr::null(),
            line_info_cnt: 0,
            line_info_rec_size: 0,
            log_level: 0,
            log_size: 0,
            log_buf: std::ptr::null_mut(),
            log_true_size: 0,
            token_fd: 0,
        }
    }
}

/// The text of a NUL-terminated log buffer.
fn c_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// libbpf's `bpf_object__probe_loading`: raise RLIMIT_MEMLOCK where memory is not memcg
/// accounted, then make sure a trivial program loads at all.
fn probe_loading(token: Option<BorrowedFd>) -> Result<()> {
    if let Err(e) = probe::bump_rlimit_memlock() {
        crate::pr_warn!("Failed to bump RLIMIT_MEMLOCK (err = {}), you might need to do it explicitly!", -e.errno());
    }
    let insns = [insn::make(0xb7, 0, 0, 0, 0), insn::make(0x95, 0, 0, 0, 0)];
    let lic = c"GPL";
    let try_type = |t: u32| {
        cmd::prog_load(&mut cmd::ProgLoad {
            prog_type: t,
            insns: &insns,
            license: lic,
            token_fd: token,
            ..Default::default()
        })
    };
    match try_type(uapi::BPF_PROG_TYPE_SOCKET_FILTER).or_else(|_| try_type(uapi::BPF_PROG_TYPE_TRACEPOINT)) {
        Ok(_) => Ok(()),
        Err(e) => {
            crate::pr_warn!(
                "Error in bpf_object__probe_loading():{}({}). Couldn't load trivial BPF program. Make sure your kernel supports BPF (CONFIG_BPF_SYSCALL=y) and/or that RLIMIT_MEMLOCK is set to big enough value.",
                strerr(e.errno()),
                e.errno()
            );
            Err(Error::quiet(e.errno()))
        }
    }
}

/// libbpf's `pr_perm_msg`: a hint about RLIMIT_MEMLOCK when root gets EPERM.
fn pr_perm_msg(errno: i32) {
    // SAFETY: geteuid has no preconditions.
    if errno != libc::EPERM || unsafe { libc::geteuid() } != 0 {
        return;
    }
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut lim) } != 0 || lim.rlim_cur == libc::RLIM_INFINITY {
        return;
    }
    let cur = lim.rlim_cur;
    let buf = if cur < 1024 {
        format!("{cur} bytes")
    } else if cur < 1024 * 1024 {
        format!("{:.1} KiB", cur as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", cur as f64 / (1024.0 * 1024.0))
    };
    crate::pr_warn!("permission error while running as root; try raising 'ulimit -l'? current value: {}", buf);
}

/// libbpf's `btf_load_into_kernel`: level 0 first, then level 1 with the caller's buffer or our
/// own growing one; our own log is printed on failure.
pub(crate) fn btf_load_into_kernel(
    raw: &[u8],
    user_buf: usize,
    user_size: usize,
    level: u32,
    token: Option<BorrowedFd>,
) -> Result<OwnedFd> {
    let mut level = level;
    let mut own: Vec<u8> = Vec::new();
    loop {
        let mut buf: Option<&mut [u8]> = None;
        if level != 0 {
            if user_buf != 0 {
                // SAFETY: the open options' log buffer: user_size writable bytes the caller keeps
                // alive across load.
                buf = Some(unsafe { std::slice::from_raw_parts_mut(user_buf as *mut u8, user_size) });
            } else {
                own = vec![0u8; LOG_BUF_SIZE.max(own.len() * 2)];
                buf = Some(&mut own[..]);
            }
        }
        match cmd::btf_load(raw, buf, level, token) {
            Ok(fd) => return Ok(fd),
            Err(e) => {
                if level == 0 {
                    level = 1;
                    continue;
                }
                if user_buf == 0 && e.errno() == libc::ENOSPC && own.len() <= (u32::MAX / 2) as usize {
                    continue;
                }
                crate::pr_warn!("BTF loading error: {}", -e.errno());
                if user_buf == 0 && own.first().is_some_and(|&b| b != 0) {
                    crate::pr_warn!("-- BEGIN BTF LOAD LOG ---\n{}\n-- END BTF LOAD LOG --", c_text(&own));
                }
                return Err(Error::quiet(e.errno()));
            }
        }
    }
}

/// `map_set_def_max_entries`: a perf event array of size 0 gets one slot per possible CPU.
fn set_def_max_entries(m: &mut super::Map, ncpus: usize) {
    if m.def.map_type == uapi::BPF_MAP_TYPE_PERF_EVENT_ARRAY && m.def.max_entries == 0 {
        crate::pr_debug!("map '{}': setting size to {}", m.name.to_string_lossy(), ncpus);
        m.def.max_entries = ncpus as u32;
    }
}

/// `bpf_map__pin(map, NULL)` at load: the map's pin path must be on a BPF file system.
fn pin_map(m: &mut super::Map, path: &std::ffi::CStr) -> Result<()> {
    let spath = path.to_string_lossy().into_owned();
    let Some(fd) = m.fd.as_ref() else {
        crate::pr_warn!("map '{}': can't pin BPF map without FD (was it created?)", m.name.to_string_lossy());
        return Err(Error::quiet(libc::EINVAL));
    };
    if m.pinned {
        crate::pr_debug!("map '{}' already pinned at '{}'; not re-pinning", m.name.to_string_lossy(), spath);
        return Ok(());
    }
    make_parent_dir(&spath)?;
    check_bpffs(&spath)?;
    if let Err(e) = cmd::obj_pin(fd.as_fd(), path) {
        crate::pr_warn!("failed to pin map: {}", strerr(e.errno()));
        return Err(Error::quiet(e.errno()));
    }
    m.pinned = true;
    crate::pr_debug!("pinned map '{}'", spath);
    Ok(())
}

/// `bpf_map__unpin(map, NULL)`, used to undo this load's pins after a failure.
fn unpin_map(m: &mut super::Map, path: &std::ffi::CStr) {
    let spath = path.to_string_lossy().into_owned();
    if check_bpffs(&spath).is_err() {
        return;
    }
    if std::fs::remove_file(&spath).is_ok() {
        m.pinned = false;
        crate::pr_debug!("unpinned map '{}' from '{}'", m.name.to_string_lossy(), spath);
    }
}

fn dirname(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => ".",
    }
}

/// libbpf's `make_parent_dir`: mkdir(dirname(path), 0700), EEXIST is fine.
fn make_parent_dir(path: &str) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(dirname(path)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            crate::pr_warn!("failed to mkdir {}: {}", path, strerr(errno));
            Err(Error::quiet(errno))
        }
    }
}

/// libbpf's `check_path`: the parent directory must be on a BPF file system.
fn check_bpffs(path: &str) -> Result<()> {
    const BPF_FS_MAGIC: i64 = 0xcafe4a11;
    let dir = dirname(path);
    let cdir = CString::new(dir).map_err(|_| Error::quiet(libc::EINVAL))?;
    // SAFETY: statfs writes into the zeroed struct we own; cdir is NUL-terminated.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::statfs(cdir.as_ptr(), &mut st) } != 0 {
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO);
        crate::pr_warn!("failed to statfs {}: {}", dir, strerr(errno));
        return Err(Error::quiet(errno));
    }
    if st.f_type as i64 != BPF_FS_MAGIC {
        crate::pr_warn!("specified path {} is not on BPF FS", path);
        return Err(Error::quiet(libc::EINVAL));
    }
    Ok(())
}

/// `bpf_object__populate_internal_map`: initial contents, freeze read-only data, then put the
/// kernel map's memory where the skeleton's pointer already is (non-mmapable maps lose their
/// buffer).
fn populate_internal_map(m: &mut super::Map) -> Result<()> {
    let name = m.name.to_string_lossy().into_owned();
    let fd = m.fd.as_ref().ok_or_else(|| Error::new(lerr::INTERNAL, "internal map without fd"))?;
    let value_size = m.def.value_size as usize;
    let data = m.mmaped.as_ref().map(|r| r.read(value_size)).unwrap_or_else(|| vec![0; value_size]);
    if let Err(e) = cmd::map_update_elem(fd.as_fd(), &0u32.to_le_bytes(), &data, 0) {
        crate::pr_warn!("map '{}': failed to set initial contents: {}", name, strerr(e.errno()));
        return Err(Error::quiet(e.errno()));
    }
    if m.kind == MapKind::Rodata || m.kind == MapKind::Kconfig {
        if let Err(e) = cmd::map_freeze(fd.as_fd()) {
            crate::pr_warn!("map '{}': failed to freeze as read-only: {}", name, strerr(e.errno()));
            return Err(Error::quiet(e.errno()));
        }
    }
    if m.def.map_flags & uapi::BPF_F_MMAPABLE != 0 {
        let writable = m.def.map_flags & uapi::BPF_F_RDONLY_PROG == 0;
        let len = super::maps::array_mmap_size(m.def.value_size, m.def.max_entries);
        if let (Some(r), Some(fd)) = (m.mmaped.as_mut(), m.fd.as_ref()) {
            if let Err(e) = r.map_fd_over(fd.as_fd(), len, writable) {
                crate::pr_warn!("map '{}': failed to re-mmap() contents: {}", name, -e.errno());
                return Err(Error::quiet(e.errno()));
            }
        }
    } else {
        m.mmaped = None;
    }
    Ok(())
}

/// An ARENA map: map its pages into this process and copy the `.addr_space.1` initial data.
/// (A fixed user address, `map_extra`, is not supported yet.)
fn map_arena(m: &mut super::Map, data: Option<&[u8]>) -> Result<()> {
    let name = m.name.to_string_lossy().into_owned();
    let len = crate::sys::mmap::page_size() * m.def.max_entries as usize;
    let fd = m.fd.as_ref().ok_or_else(|| Error::new(lerr::INTERNAL, "arena without fd"))?;
    // map_extra asks for the arena at a fixed user address (libbpf maps it there MAP_FIXED).
    let at = (m.def.map_extra != 0).then_some(m.def.map_extra as usize);
    let mut r = match crate::sys::mmap::Region::from_fd(fd.as_fd(), len, at) {
        Ok(r) => r,
        Err(e) => {
            crate::pr_warn!("map '{}': failed to mmap arena: {}", name, -e.errno());
            return Err(Error::quiet(e.errno()));
        }
    };
    if let Some(d) = data {
        r.write(0, d)?;
    }
    m.mmaped = Some(r);
    Ok(())
}

/// Map types whose BTF key/value the kernel refuses: created without, and the map forgets them.
fn map_type_has_no_btf(t: u32) -> bool {
    matches!(
        t,
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
    )
}

/// libbpf 1.7's `bpf_prog_compute_hash`: SHA-256 of the program's instructions as they stand
/// (relocated, map fds not yet written), with the immediates of map-fd and map-value
/// `ld_imm64`s zeroed so the digest does not depend on fds.
fn excl_prog_hash(insns: &[u64]) -> Result<[u8; 32]> {
    let mut purged = insns.to_vec();
    let mut i = 0;
    while i < purged.len() {
        let w = purged[i];
        if insn::code(w) == BPF_LD_IMM64
            && (insn::src(w) == uapi::BPF_PSEUDO_MAP_FD || insn::src(w) == uapi::BPF_PSEUDO_MAP_VALUE)
        {
            insn::set_imm(&mut purged[i], 0);
            i += 1;
            // The second half must be all zero but for its immediate.
            match purged.get_mut(i) {
                Some(w2) if *w2 & 0xffff_ffff == 0 => insn::set_imm(w2, 0),
                _ => return Err(Error::inval("exclusive program: malformed ld_imm64 map reference")),
            }
        }
        i += 1;
    }
    let bytes: Vec<u8> = purged.iter().flat_map(|w| w.to_ne_bytes()).collect();
    Ok(super::sha256::sha256(&bytes))
}

/// `bpf_object__create_map`: BPF_MAP_CREATE for `m` (its inner map template first, created with
/// BTF like any map and dropped afterwards); a failure with BTF ids is retried without them,
/// which the map then forgets.
fn create_map(
    m: &mut super::Map,
    btf_fd: Option<RawFd>,
    ncpus: usize,
    token: Option<BorrowedFd>,
    excl_prog_hash: Option<&[u8; 32]>,
) -> Result<()> {
    let mut inner_fd: Option<OwnedFd> = None;
    if map_type_is_map_in_map(m.def.map_type) {
        if let Some(inner) = m.inner.as_mut() {
            set_def_max_entries(inner, ncpus);
            if let Err(e) = create_map(inner, btf_fd, ncpus, token, None) {
                crate::pr_warn!("map '{}': failed to create inner map: {}", m.name.to_string_lossy(), -e.errno());
                return Err(e);
            }
            inner_fd = inner.fd.take();
        }
    }
    let d = m.def.clone();
    if map_type_has_no_btf(d.map_type) {
        m.btf_key_type_id = 0;
        m.btf_value_type_id = 0;
    }
    let name = m.name.to_string_lossy().into_owned();
    // SAFETY: btf_fd is the object's BTF fd, owned by the object for the whole load.
    let btf_b = btf_fd.map(|fd| unsafe { BorrowedFd::borrow_raw(fd) });
    let inner_b = match (&inner_fd, m.inner_map_fd) {
        (Some(f), _) => Some(f.as_fd()),
        // SAFETY: a caller-provided inner map fd (bpf_map__set_inner_map_fd) stays open until
        // load, per libbpf's contract.
        (None, fd) if fd >= 0 && map_type_is_map_in_map(d.map_type) => Some(unsafe { BorrowedFd::borrow_raw(fd) }),
        _ => None,
    };
    let mut a = cmd::MapCreate {
        map_type: d.map_type,
        name: &name,
        key_size: d.key_size,
        value_size: d.value_size,
        max_entries: d.max_entries,
        map_flags: d.map_flags,
        btf_fd: btf_b,
        btf_key_type_id: if btf_b.is_some() { m.btf_key_type_id } else { 0 },
        btf_value_type_id: if btf_b.is_some() { m.btf_value_type_id } else { 0 },
        btf_vmlinux_value_type_id: 0,
        inner_map_fd: inner_b,
        numa_node: (d.map_flags & uapi::BPF_F_NUMA_NODE != 0).then_some(d.numa_node),
        map_extra: d.map_extra,
        map_ifindex: m.ifindex,
        value_type_btf_obj_fd: None,
        token_fd: token,
        excl_prog_hash,
    };
    if map_type_has_no_btf(d.map_type) {
        a.btf_fd = None;
    }
    if let Some(st) = &m.st_ops_kern {
        a.btf_vmlinux_value_type_id = st.value_type_id;
        a.btf_value_type_id = 0;
        // A module's struct_ops type: the map names that module's BTF object.
        a.value_type_btf_obj_fd = st.value_type_btf_obj_fd();
    }
    let res = match cmd::map_create(&a) {
        Ok(fd) => Ok(fd),
        Err(e) if a.btf_key_type_id != 0 || a.btf_value_type_id != 0 => {
            crate::pr_warn!(
                "Error in bpf_create_map_xattr({}):{}({}). Retrying without BTF.",
                name,
                strerr(e.errno()),
                -e.errno()
            );
            a.btf_fd = None;
            a.btf_key_type_id = 0;
            a.btf_value_type_id = 0;
            m.btf_key_type_id = 0;
            m.btf_value_type_id = 0;
            cmd::map_create(&a)
        }
        Err(e) => Err(e),
    };
    drop(inner_fd);
    let fd = res.map_err(|e| Error::quiet(e.errno()))?;
    m.fd = Some(fd);
    Ok(())
}

/// libbpf's `find_attach_btf_id` family: the attach target's BTF id, in the target program's
/// BTF (freplace and programs given an attach program), else in vmlinux, else in module BTFs
/// ("module:function" picks the module). Returns the module BTF fd (None for vmlinux).
fn find_attach_btf_id(p: &super::Program, target: &str, kb: &mut LoadCtx) -> Result<(Option<RawFd>, u32)> {
    if p.prog_type == uapi::BPF_PROG_TYPE_EXT || p.attach_prog_fd > 0 {
        if p.attach_prog_fd <= 0 {
            crate::pr_warn!("prog '{}': attach program FD is not set", p.name.to_string_lossy());
            return Err(Error::quiet(libc::EINVAL));
        }
        let id = find_prog_btf_id(target, p.attach_prog_fd).inspect_err(|e| {
            crate::pr_warn!(
                "prog '{}': failed to find BPF program (FD {}) BTF ID for '{}': {}",
                p.name.to_string_lossy(),
                p.attach_prog_fd,
                target,
                -e.errno()
            );
        })?;
        return Ok((None, id));
    }
    let (prefix, kind) = kernel_prefix_kind(p.expected_attach_type);
    let (module, func) = match target.split_once(':') {
        Some((m, f)) => (Some(m), f),
        None => (None, target),
    };
    let lookup = format!("{prefix}{func}");
    if module.is_none_or(|m| m == "vmlinux") {
        if let Some(id) = kb.vmlinux.as_deref().and_then(|v| v.find_by_name_kind(&lookup, kind)) {
            return Ok((None, id));
        }
    }
    for m in kb.modules()? {
        if module.is_some_and(|want| !m.name.starts_with(want)) {
            continue;
        }
        if let Some(id) = m.btf.find_by_name_kind_own(&lookup, kind) {
            return Ok((Some(m.fd.as_raw_fd()), id));
        }
    }
    Err(Error::quiet(libc::ESRCH))
}

/// The prefix and kind of the kernel BTF type a program of `attach_type` attaches to
/// (`btf_trace_<tp>` typedefs for raw tracepoints, `bpf_lsm_<hook>` and `bpf_iter_<name>`
/// functions, else the function itself): libbpf's `btf_get_kernel_prefix_kind`.
pub(crate) fn kernel_prefix_kind(attach_type: u32) -> (&'static str, Kind) {
    match attach_type {
        uapi::BPF_TRACE_RAW_TP => ("btf_trace_", Kind::Typedef),
        uapi::BPF_LSM_MAC | uapi::BPF_LSM_CGROUP => ("bpf_lsm_", Kind::Func),
        uapi::BPF_TRACE_ITER => ("bpf_iter_", Kind::Func),
        _ => ("", Kind::Func),
    }
}

/// `libbpf_find_vmlinux_btf_id()`: the vmlinux BTF id of what a program of `attach_type`
/// attaching to `name` attaches to. `-ENOENT` (logged) when vmlinux has no such type;
/// `-ENAMETOOLONG` when the prefixed name exceeds BTF's 128-byte limit.
pub fn find_vmlinux_btf_id(name: &str, attach_type: u32) -> Result<i32> {
    let vmlinux = Btf::vmlinux().map_err(|e| {
        crate::pr_warn!("vmlinux BTF is not found");
        Error::quiet(e.errno())
    })?;
    let (prefix, kind) = kernel_prefix_kind(attach_type);
    let lookup = format!("{prefix}{name}");
    let r = if lookup.len() >= 128 {
        Err(Error::quiet(libc::ENAMETOOLONG))
    } else if lookup == "void" {
        Ok(0)
    } else {
        vmlinux.find_by_name_kind(&lookup, kind).map(|id| id as i32).ok_or(Error::quiet(libc::ENOENT))
    };
    if !matches!(r, Ok(id) if id > 0) {
        crate::pr_warn!("{name} is not found in vmlinux BTF");
    }
    r
}

/// libbpf's `libbpf_find_prog_btf_id`: FUNC `name` in the BTF of program `prog_fd`.
fn find_prog_btf_id(name: &str, prog_fd: RawFd) -> Result<u32> {
    // SAFETY: the caller's attach program fd, open until load (libbpf's contract).
    let fd = unsafe { BorrowedFd::borrow_raw(prog_fd) };
    let info = cmd::prog_info(fd).map_err(|e| {
        crate::pr_warn!("failed bpf_prog_get_info_by_fd for FD {}: {}", prog_fd, -e.errno());
        Error::quiet(e.errno())
    })?;
    if info.btf_id == 0 {
        crate::pr_warn!("The target program doesn't have BTF");
        return Err(Error::quiet(libc::EINVAL));
    }
    let btf = cmd::get_fd_by_id(cmd::IdKind::Btf, info.btf_id, 0)
        .and_then(|f| cmd::btf_data(f.as_fd()))
        .and_then(|d| Btf::parse(&d))
        .map_err(|e| {
            crate::pr_warn!("Failed to get BTF {} of the program: {}", info.btf_id, -e.errno());
            Error::quiet(libc::EINVAL)
        })?;
    btf.find_by_name_kind(name, Kind::Func).ok_or_else(|| {
        crate::pr_warn!("{} is not found in prog's BTF", name);
        Error::quiet(libc::EINVAL)
    })
}

/// The data relocations of one main program (`bpf_object__relocate_data`).
fn relocate_prog_data(
    p: &mut super::Program,
    pname: &str,
    maps: &[(bool, String)],
    externs: &[super::Extern],
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
                let (autocreate, ref mname) = maps.get(map).cloned().unwrap_or((false, String::new()));
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
                    crate::pr_debug!(
                        "prog '{}': relo #{}: poisoning insn #{} that loads map #{} '{}'",
                        pname,
                        ri,
                        i,
                        map,
                        mname
                    );
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
                    crate::pr_debug!(
                        "prog '{}': relo #{}: poisoning insn #{} that calls kfunc '{}'",
                        pname,
                        ri,
                        i,
                        e.name
                    );
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

// ---- verifier log fixups ----------------------------------------------------------------------

/// libbpf's `fixup_verifier_log`: among the last 10 lines of a failed load's log, find the
/// verifier's complaint about a poisoned instruction and replace it (in place, within the
/// buffer) with what it means: a failed CO-RE relocation, a map that was not created or a weak
/// kfunc that was not resolved.
fn fixup_verifier_log(obj: &Object, prog: usize, buf: &mut [u8]) {
    let Some(log_sz) = buf.iter().position(|&b| b == 0).map(|n| n + 1) else { return };
    // Line starts, from the end: `next` is the start of the line after `cur`.
    let mut next = log_sz - 1;
    for _ in 0..10 {
        let Some(cur) = prev_line(buf, next) else { return };
        let line = &buf[cur..next];
        let starts = |p: &str| line.starts_with(p.as_bytes());
        let kind = if starts("invalid func unknown#195896080\n") {
            1
        } else if starts("invalid func unknown#200100") {
            2
        } else if starts("invalid func unknown#2002") {
            3
        } else {
            next = cur;
            continue;
        };
        let Some(prev) = prev_line(buf, cur) else {
            next = cur;
            continue;
        };
        let line1 = String::from_utf8_lossy(&buf[prev..cur]).into_owned();
        let patch = match kind {
            1 => core_relo_patch(obj, prog, &line1),
            2 => map_patch(obj, &line1),
            _ => kfunc_patch(obj, &line1),
        };
        if let Some(patch) = patch {
            patch_log(buf, log_sz, prev, next - prev, patch.as_bytes());
        }
        return;
    }
}

fn prev_line(buf: &[u8], cur: usize) -> Option<usize> {
    if cur == 0 {
        return None;
    }
    let mut p = cur - 1;
    while p >= 1 && buf[p - 1] != b'\n' {
        p -= 1;
    }
    Some(p)
}

/// "123: (85) call unknown#N\n" → (123, N).
fn parse_call_line(line: &str) -> Option<(i64, i64)> {
    let (idx, rest) = line.split_once(": (")?;
    let idx: i64 = idx.trim().parse().ok()?;
    let (_, rest) = rest.split_once(") call unknown#")?;
    let n: i64 = rest.trim_end_matches('\n').parse().ok()?;
    Some((idx, n))
}

fn core_relo_patch(obj: &Object, prog: usize, line1: &str) -> Option<String> {
    let (insn_idx, n) = parse_call_line(line1)?;
    if n != POISON_HELPER as i64 {
        return None;
    }
    let p = obj.progs.get(prog)?;
    let r = p.relos.iter().find(|r| r.insn_idx as i64 == insn_idx && matches!(r.kind, RelocKind::Core { .. }))?;
    let RelocKind::Core { type_id, access_str_off, kind } = r.kind else { return None };
    let btf = obj.btf.as_deref()?;
    let relo = crate::btf::ext::CoreRelo { insn_off: (insn_idx as u32) * 8, type_id, access_str_off, kind };
    let spec = crate::reloc::core::spec::parse_spec(&p.name.to_string_lossy(), btf, &relo).ok()?;
    let s = crate::reloc::core::spec::format_spec(&spec);
    let (s, more) = if s.len() >= 256 { (&s[..255.min(s.len())], "...") } else { (s.as_str(), "") };
    Some(format!("{insn_idx}: <invalid CO-RE relocation>\nfailed to resolve CO-RE relocation {s}{more}\n"))
}

fn map_patch(obj: &Object, line1: &str) -> Option<String> {
    let (insn_idx, n) = parse_call_line(line1)?;
    let map_idx = n - POISON_LDIMM64_MAP_BASE as i64;
    if map_idx < 0 || map_idx >= obj.maps.len() as i64 {
        return None;
    }
    let m = obj.maps.get(map_idx as usize)?;
    Some(format!(
        "{insn_idx}: <invalid BPF map reference>\nBPF map '{}' is referenced but wasn't created\n",
        m.name.to_string_lossy()
    ))
}

fn kfunc_patch(obj: &Object, line1: &str) -> Option<String> {
    let (insn_idx, n) = parse_call_line(line1)?;
    let ext_idx = n - POISON_CALL_KFUNC_BASE as i64;
    if ext_idx < 0 || ext_idx >= obj.externs.len() as i64 {
        return None;
    }
    let e = obj.externs.get(ext_idx as usize)?;
    Some(format!("{insn_idx}: <invalid kfunc call>\nkfunc '{}' is referenced but wasn't resolved\n", e.name))
}

/// libbpf's `patch_log`: replace `orig_sz` bytes at `orig` with `patch`, shifting the rest of
/// the log (`log_sz` bytes including the NUL) and truncating at the end of the buffer.
fn patch_log(buf: &mut [u8], log_sz: usize, orig: usize, orig_sz: usize, patch: &[u8]) {
    let buf_sz = buf.len();
    let mut rem_sz = log_sz.saturating_sub(orig + orig_sz);
    let mut patch_sz = patch.len();
    if patch_sz != orig_sz {
        if patch_sz > orig_sz {
            if orig + patch_sz >= buf_sz {
                patch_sz -= (orig + patch_sz) - buf_sz + 1;
                rem_sz = 0;
            } else if patch_sz - orig_sz > buf_sz - log_sz {
                rem_sz -= (patch_sz - orig_sz) - (buf_sz - log_sz);
            }
        }
        buf.copy_within(orig + orig_sz..orig + orig_sz + rem_sz, orig + patch_sz);
    }
    buf[orig..orig + patch_sz].copy_from_slice(&patch[..patch_sz]);
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

impl super::Program {
    /// libbpf's `bpf_program__unload`: closes the program and frees its func_info/line_info
    /// records (their counts and record sizes stay, as libbpf leaves them).
    pub(crate) fn unload(&mut self) {
        self.fd = None;
        self.func_info = Vec::new();
        self.line_info = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_log_replaces_in_place() {
        let mut buf = vec![0u8; 128];
        let log = b"a\n12: (85) call unknown#2001000001\ninvalid func unknown#2001000001\nz\n\0";
        buf[..log.len()].copy_from_slice(log);
        let start = 2;
        let end = log.len() - 3; // before "z\n\0"
        patch_log(&mut buf, log.len(), start, end - start, b"P\n");
        assert_eq!(&buf[..7], b"a\nP\nz\n\0");
    }

    #[test]
    fn patch_log_truncates_at_buffer_end() {
        let log = b"x\nshort\n\0";
        let mut buf = log.to_vec();
        buf.resize(12, 0xff);
        patch_log(&mut buf, log.len(), 2, 6, b"a much longer patch\n");
        assert_eq!(buf.len(), 12);
        assert_eq!(&buf[..2], b"x\n");
        assert_eq!(&buf[2..11], b"a much lo");
    }

    #[test]
    fn call_lines_parse_like_sscanf() {
        assert_eq!(parse_call_line("12: (85) call unknown#2001000003\n"), Some((12, 2001000003)));
        assert_eq!(parse_call_line("7: (85) call bpf_map_lookup_elem#1\n"), None);
    }
}
