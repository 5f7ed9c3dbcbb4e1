//! Extern resolution at load (libbpf's `bpf_object__resolve_externs`): `.kconfig` values,
//! typeless ksyms from `/proc/kallsyms`, typed ksyms and kfuncs from kernel and module BTF.
//! (The externs themselves are collected at open: `crate::object::externs`.)

use super::ctx::LoadCtx;
use crate::btf::Kind;
use crate::error::{Error, Result};
use crate::object::{ExternKind, Object};

impl Object {
    /// libbpf's `bpf_object__resolve_externs`: virtual `LINUX_*` kconfig values, `CONFIG_*`
    /// from the kconfig open option then the system Kconfig, typeless ksyms from
    /// `/proc/kallsyms`, typed ksyms and kfuncs from kernel (and module) BTF. Failures print
    /// libbpf's messages and come back quiet, with libbpf's errno.
    /// Out of line (the load calls it only for an object with externs), so that the code of a
    /// load without them stays small and together (`link/hot-text.ld`).
    #[inline(never)]
    pub(super) fn resolve_externs(&mut self, kb: &mut LoadCtx) -> Result<()> {
        if self.externs.is_empty() {
            return Ok(());
        }
        let (mut need_config, mut need_kallsyms, mut need_btf) = (false, false, false);
        for i in 0..self.externs.len() {
            let e = &self.externs[i];
            let name = e.name.clone();
            match e.kind {
                ExternKind::Ksym { type_id } => {
                    if type_id != 0 {
                        need_btf = true;
                    } else {
                        need_kallsyms = true;
                    }
                }
                ExternKind::Kcfg { .. } => {
                    if name.starts_with("CONFIG_") {
                        need_config = true;
                        continue;
                    }
                    let value = match name.as_str() {
                        "LINUX_KERNEL_VERSION" => {
                            let v = crate::sys::kernel::kernel_version();
                            if v == 0 {
                                crate::pr_warn!("extern (kcfg) '{}': failed to get kernel version", name);
                                return Err(Error::quiet(libc::EINVAL));
                            }
                            v as u64
                        }
                        "LINUX_HAS_BPF_COOKIE" => kb.supported(crate::sys::probe::Feature::BpfCookie) as u64,
                        "LINUX_HAS_SYSCALL_WRAPPER" => crate::object::kconfig::has_syscall_wrapper() as u64,
                        _ if !name.starts_with("LINUX_") || !e.is_weak => {
                            crate::pr_warn!("extern (kcfg) '{}': unrecognized virtual extern", name);
                            return Err(Error::quiet(libc::EINVAL));
                        }
                        // An unknown weak LINUX_ extern is set to zero.
                        _ => 0,
                    };
                    self.set_kcfg_num(i, value)?;
                    let (nl, np) = crate::log::cs(&name);
                    // SAFETY: (c_int, pointer) of a live &str for `%.*s`, u64 for `%llx`.
                    unsafe { crate::pr_debug_c!(c"libbpf: extern (kcfg) '%.*s': set to 0x%llx\n", nl, np, value) };
                }
            }
        }
        if need_config {
            if let Some(extra) = self.opts.kconfig.clone() {
                self.read_kconfig_mem(&extra).map_err(|_| Error::quiet(libc::EINVAL))?;
                need_config = self.externs.iter().any(|e| matches!(e.kind, ExternKind::Kcfg { .. }) && !e.is_set);
            }
        }
        if need_config {
            self.read_kconfig_file().map_err(|_| Error::quiet(libc::EINVAL))?;
        }
        if need_kallsyms {
            self.read_kallsyms().map_err(|_| Error::quiet(libc::EINVAL))?;
        }
        if need_btf {
            self.resolve_ksyms_btf_id(kb).map_err(|_| Error::quiet(libc::EINVAL))?;
        }
        for e in &self.externs {
            if !e.is_set && !e.is_weak {
                crate::pr_warn!("extern '{}' (strong): not resolved", e.name);
                return Err(Error::quiet(libc::ESRCH));
            } else if !e.is_set {
                let (nl, np) = crate::log::cs(&e.name);
                // SAFETY: (c_int, pointer) of a live &str for `%.*s`.
                unsafe {
                    crate::pr_debug_c!(c"libbpf: extern '%.*s' (weak): not resolved, defaulting to zero\n", nl, np)
                };
            }
        }
        Ok(())
    }

    /// libbpf's `kallsyms_cb` over `/proc/kallsyms`: every `.ksyms` VAR extern takes the address
    /// of the kernel symbol of its name (a `.llvm.<hash>` suffix is ignored on data symbols).
    fn read_kallsyms(&mut self) -> Result<()> {
        let text = std::fs::read_to_string("/proc/kallsyms").map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            crate::pr_warn!("failed to open /proc/kallsyms: {}", crate::error::errstr(errno));
            Error::quiet(errno)
        })?;
        for line in text.lines() {
            let mut it = line.split_whitespace();
            let parsed = (it.next(), it.next(), it.next());
            let (Some(addr), Some(typ), Some(name)) = parsed else {
                if line.trim().is_empty() {
                    continue;
                }
                crate::pr_warn!(
                    "failed to read kallsyms entry: {}",
                    parsed.0.is_some() as i32 + parsed.1.is_some() as i32
                );
                return Err(Error::quiet(libc::EINVAL));
            };
            let Ok(addr) = u64::from_str_radix(addr, 16) else {
                crate::pr_warn!("failed to read kallsyms entry: 0");
                return Err(Error::quiet(libc::EINVAL));
            };
            let name = if name.len() > 499 { &name[..499] } else { name };
            let lookup = match name.find(".llvm.") {
                Some(p) if typ == "d" => &name[..p],
                _ => name,
            };
            let Some(i) = self.externs.iter().position(|e| e.name == lookup) else { continue };
            if !matches!(self.externs[i].kind, ExternKind::Ksym { .. }) || !self.extern_btf_kind_is(i, Kind::Var) {
                continue;
            }
            let e = &mut self.externs[i];
            if e.is_set && e.addr != addr {
                crate::pr_warn!("extern (ksym) '{}': resolution is ambiguous: 0x{:x} or 0x{:x}", name, e.addr, addr);
                return Err(Error::quiet(libc::EINVAL));
            }
            if !e.is_set {
                e.is_set = true;
                e.addr = addr;
                let (nl, np) = crate::log::cs(name);
                // SAFETY: (c_int, pointer) of a live &str for `%.*s`, u64 for `%llx`.
                unsafe { crate::pr_debug_c!(c"libbpf: extern (ksym) '%.*s': set to 0x%llx\n", nl, np, addr) };
            }
        }
        Ok(())
    }

    fn extern_btf_kind_is(&self, ext: usize, kind: Kind) -> bool {
        let Some(e) = self.externs.get(ext) else { return false };
        self.btf.as_deref().and_then(|b| b.ty(e.btf_id)).is_some_and(|t| t.kind == kind)
    }

    /// libbpf's `bpf_object__resolve_ksyms_btf_id`: typed ksym variables and kfuncs.
    fn resolve_ksyms_btf_id(&mut self, kb: &mut LoadCtx) -> Result<()> {
        for i in 0..self.externs.len() {
            let ExternKind::Ksym { type_id } = self.externs[i].kind else { continue };
            if type_id == 0 {
                continue;
            }
            if self.extern_btf_kind_is(i, Kind::Var) {
                self.resolve_ksym_var(i, type_id, kb)?;
            } else {
                self.resolve_ksym_func(i, type_id, kb)?;
            }
        }
        Ok(())
    }

    fn resolve_ksym_var(&mut self, i: usize, local_type_id: u32, kb: &mut LoadCtx) -> Result<()> {
        let (name, is_weak) = (self.externs[i].name.clone(), self.externs[i].is_weak);
        let (module, id) = match kb.find_ksym(&name, Kind::Var) {
            Ok(found) => found,
            Err(e) if e.errno() == libc::ESRCH && is_weak => return Ok(()),
            Err(e) => {
                crate::pr_warn!("extern (var ksym) '{}': not found in kernel BTF", name);
                return Err(e);
            }
        };
        let local = self.btf.as_deref().ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let targ = kb.btf(module).ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let tv = targ.ty(id).ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let (tv_kind, tv_name) = (tv.kind, tv.name.to_string());
        let (targ_type_id, targ_type) =
            targ.skip_mods_and_typedefs(tv.size_or_type).ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let compat = crate::reloc::core::types_are_compat(local, local_type_id, targ, targ_type_id).unwrap_or(false);
        if !compat {
            let lt = local.ty(local_type_id);
            crate::pr_warn!(
                "extern (var ksym) '{}': incompatible types, expected [{}] {} {}, but kernel has [{}] {} {}",
                name,
                local_type_id,
                lt.map_or("void", |t| crate::reloc::core::kind_str(t.kind)),
                lt.map_or("", |t| t.name),
                targ_type_id,
                crate::reloc::core::kind_str(targ_type.kind),
                targ_type.name
            );
            return Err(Error::quiet(libc::EINVAL));
        }
        let obj_fd = kb.module_fd(module);
        let e = &mut self.externs[i];
        e.is_set = true;
        e.kernel_btf_obj_fd = obj_fd;
        e.kernel_btf_id = id;
        let ((nl, np), (kl, kp), (tl, tp)) =
            (crate::log::cs(&name), crate::log::cs(crate::reloc::core::kind_str(tv_kind)), crate::log::cs(&tv_name));
        // SAFETY: (c_int, pointer) of live &str for each `%.*s`, u32 for `%u`.
        unsafe {
            crate::pr_debug_c!(
                c"libbpf: extern (var ksym) '%.*s': resolved to [%u] %.*s %.*s\n",
                nl,
                np,
                id,
                kl,
                kp,
                tl,
                tp
            )
        };
        Ok(())
    }

    fn resolve_ksym_func(&mut self, i: usize, local_proto_id: u32, kb: &mut LoadCtx) -> Result<()> {
        let (name, is_weak) = (self.externs[i].name.clone(), self.externs[i].is_weak);
        let essential = crate::btf::essential_name(&name).to_string();
        let (module, id) = match kb.find_ksym(&essential, Kind::Func) {
            Ok(found) => found,
            Err(e) if e.errno() == libc::ESRCH && is_weak => return Ok(()),
            Err(e) => {
                crate::pr_warn!("extern (func ksym) '{}': not found in kernel or module BTFs", name);
                return Err(e);
            }
        };
        let local = self.btf.as_deref().ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let targ = kb.btf(module).ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let kproto = targ.ty(id).map(|t| t.size_or_type).ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let compat = crate::reloc::core::types_are_compat(local, local_proto_id, targ, kproto).unwrap_or(false);
        if !compat {
            if is_weak {
                return Ok(());
            }
            crate::pr_warn!(
                "extern (func ksym) '{}': func_proto [{}] incompatible with {} [{}]",
                name,
                local_proto_id,
                kb.module_name(module),
                kproto
            );
            return Err(Error::quiet(libc::EINVAL));
        }
        let fd_idx = match module {
            Some(m) => kb.fd_array_idx(m).map_err(|e| {
                crate::pr_warn!("extern (func ksym) '{}': {}", name, e);
                Error::quiet(e.errno())
            })?,
            None => 0,
        };
        let obj_fd = kb.module_fd(module);
        let where_ = kb.module_name(module).to_string();
        let e = &mut self.externs[i];
        e.is_set = true;
        e.kernel_btf_id = id;
        e.btf_fd_idx = fd_idx;
        e.kernel_btf_obj_fd = obj_fd;
        let ((nl, np), (wl, wp)) = (crate::log::cs(&name), crate::log::cs(&where_));
        // SAFETY: (c_int, pointer) of live &str for each `%.*s`, u32 for `%u`.
        unsafe {
            crate::pr_debug_c!(c"libbpf: extern (func ksym) '%.*s': resolved to %.*s [%u]\n", nl, np, wl, wp, id)
        };
        Ok(())
    }
}
