//! What one load carries from step to step ([`LoadCtx`]): the BPF token and the feature answers
//! probed with it, vmlinux BTF, and kernel module BTFs loaded on first need with their `fd_array`
//! slots.

use crate::btf::{Btf, Kind};
use crate::error::{errstr, Error, Result};
use crate::sys::probe::Feature;
use crate::sys::{cmd, probe};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::Arc;

/// One kernel module's BTF, loaded on first need (libbpf's `struct module_btf`). Its fd stays
/// open until the load ends: ksym `ld_imm64`s and kfunc calls refer to it.
pub(crate) struct ModBtf {
    pub(super) name: String,
    pub(super) fd: OwnedFd,
    pub(super) btf: Btf,
    /// Index in the load's `fd_array` (0 = not there yet; index 0 is never used).
    pub(super) fd_array_idx: u32,
}

/// What one load carries from step to step: the BPF token (if the BPF FS grants one) and the
/// feature answers obtained with it, vmlinux BTF, module BTFs (loaded lazily, libbpf's
/// `load_module_btfs`) and the `fd_array` of module BTF fds that kfunc calls index.
pub(crate) struct LoadCtx {
    pub(super) token: Option<OwnedFd>,
    /// Feature answers probed with the token (libbpf's per-object `feat_cache`); without a
    /// token the process-wide cache answers.
    pub(super) feats: probe::FeatureCache,
    pub(crate) vmlinux: Option<Arc<Btf>>,
    pub(super) modules: Option<Vec<ModBtf>>,
    pub(super) fd_array: Vec<RawFd>,
}

impl LoadCtx {
    pub(super) fn new(token: Option<OwnedFd>) -> Self {
        LoadCtx { token, feats: probe::FeatureCache::new(), vmlinux: None, modules: None, fd_array: Vec::new() }
    }

    /// libbpf's `kernel_supports(obj, feat)`.
    pub(crate) fn supported(&self, f: Feature) -> bool {
        match &self.token {
            Some(t) => self.feats.supported(f, Some(t.as_fd())),
            None => probe::supported(f),
        }
    }

    pub(super) fn token(&self) -> Option<BorrowedFd<'_>> {
        self.token.as_ref().map(|t| t.as_fd())
    }

    /// Module BTFs, loaded the first time they are asked for (none on kernels without module
    /// BTF support or without the privilege to list BTF objects).
    pub(super) fn modules(&mut self) -> Result<&[ModBtf]> {
        if self.modules.is_none() {
            self.modules = Some(self.load_modules()?);
        }
        Ok(self.modules.as_deref().unwrap_or(&[]))
    }

    pub(super) fn load_modules(&self) -> Result<Vec<ModBtf>> {
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
                    crate::pr_warn!("failed to iterate BTF objects: {}", errstr(e.errno()));
                    return Err(Error::quiet(e.errno()));
                }
            };
            let fd = match cmd::get_fd_by_id(cmd::IdKind::Btf, id, 0) {
                Ok(fd) => fd,
                Err(e) if e.errno() == libc::ENOENT => continue,
                Err(e) => {
                    crate::pr_warn!("failed to get BTF object #{} FD: {}", id, errstr(e.errno()));
                    return Err(Error::quiet(e.errno()));
                }
            };
            let (info, name) = cmd::btf_info_name(fd.as_fd()).map_err(|e| {
                crate::pr_warn!("failed to get BTF object #{} info: {}", id, errstr(e.errno()));
                Error::quiet(e.errno())
            })?;
            if info.kernel_btf == 0 || name == "vmlinux" {
                continue;
            }
            let btf = cmd::btf_data(fd.as_fd()).and_then(|d| Btf::parse_split(&d, vml.clone())).map_err(|e| {
                crate::pr_warn!("failed to load module [{}]'s BTF object #{}: {}", name, id, errstr(e.errno()));
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
