//! Kernel type resolution for struct_ops maps: vmlinux first, then kernel module BTFs.
//!
//! The local type name loses its `___suffix` (`tcp_congestion_ops___v2` → `tcp_congestion_ops`);
//! the struct of that name is looked up in vmlinux BTF, and if vmlinux lacks it, in each module
//! BTF the kernel has loaded (libbpf's `find_ksym_btf_id` + `load_module_btfs`). The value type
//! `bpf_struct_ops_<name>` is looked up in the same BTF (a module BTF sees vmlinux's types too).
//!
//! Module BTFs are listed once per load: `BPF_BTF_GET_NEXT_ID` over every BTF object,
//! `BPF_BTF_GET_FD_BY_ID`, `BPF_OBJ_GET_INFO_BY_FD` for the name and the kernel flag (vmlinux and
//! user BTF are skipped), then the raw split BTF the kernel holds, parsed on top of vmlinux. A
//! type found in a module carries that module's BTF fd: the map is created with
//! `BPF_F_VTYPE_BTF_OBJ_FD` + `value_type_btf_obj_fd`, its programs load with
//! `attach_btf_obj_fd`. The fd is shared ([`Arc`]) by the map and its programs and closed when the
//! last of them lets go of it (after load, see `Object::prepare_struct_ops`).

use crate::btf::{Btf, Kind};
use crate::error::{Error, Result};
use crate::sys::cmd::{self, IdKind};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

/// One kernel module's BTF.
#[derive(Debug)]
pub struct ModuleBtf {
    pub name: String,
    pub id: u32,
    pub fd: Arc<OwnedFd>,
    pub btf: Btf,
}

/// Where kernel types are looked up during one load.
pub struct KernBtfs<'a> {
    vmlinux: &'a Btf,
    /// `vmlinux` as an `Arc`, needed as the base of split module BTF.
    vmlinux_arc: Option<Arc<Btf>>,
    /// Loaded on the first miss in vmlinux.
    modules: Option<Vec<ModuleBtf>>,
}

/// A struct_ops kernel type: in which BTF (`module` is an index into the module list, `None` for
/// vmlinux), the struct and value type ids, and the byte offset of the struct inside the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernTypes {
    pub module: Option<usize>,
    pub type_id: u32,
    pub value_type_id: u32,
    pub data_off: u32,
}

pub const VALUE_PREFIX: &str = "bpf_struct_ops_";

impl<'a> KernBtfs<'a> {
    /// `vmlinux_arc`, when given, must be `vmlinux` itself (the base for module BTF); without it
    /// the process-wide vmlinux BTF is used when it is the same object, else `vmlinux` is copied.
    pub fn new(vmlinux: &'a Btf, vmlinux_arc: Option<Arc<Btf>>) -> Self {
        KernBtfs { vmlinux, vmlinux_arc, modules: None }
    }

    /// A lookup over `vmlinux` and the given modules only (no kernel listing).
    pub fn with_modules(vmlinux: &'a Btf, modules: Vec<ModuleBtf>) -> Self {
        KernBtfs { vmlinux, vmlinux_arc: None, modules: Some(modules) }
    }

    /// The BTF a [`KernTypes`] lives in.
    pub fn btf(&self, module: Option<usize>) -> &Btf {
        match module.and_then(|i| self.modules.as_ref()?.get(i)) {
            Some(m) => &m.btf,
            None => self.vmlinux,
        }
    }

    pub fn module(&self, module: Option<usize>) -> Option<&ModuleBtf> {
        module.and_then(|i| self.modules.as_ref()?.get(i))
    }

    fn base_arc(&mut self) -> Arc<Btf> {
        if let Some(a) = &self.vmlinux_arc {
            return a.clone();
        }
        let a = match Btf::vmlinux_cached() {
            Ok(a) if std::ptr::eq(Arc::as_ptr(&a), self.vmlinux) => a,
            _ => Arc::new(self.vmlinux.clone()),
        };
        self.vmlinux_arc = Some(a.clone());
        a
    }

    fn modules(&mut self) -> Result<&[ModuleBtf]> {
        if self.modules.is_none() {
            let base = self.base_arc();
            self.modules = Some(load_module_btfs(base)?);
        }
        Ok(self.modules.as_deref().unwrap_or(&[]))
    }

    /// Find the kernel struct `tname` (already stripped of its `___suffix`) and its struct_ops
    /// value type, in libbpf 1.7's order: the value type `bpf_struct_ops_<tname>` first (vmlinux,
    /// then each module's own types), then `tname` in that same BTF (a module's BTF includes
    /// vmlinux), which also finds an ops type defined in vmlinux whose value type a module
    /// registers. Not found: `-ESRCH` (value type) or `-ENOENT` (struct), as libbpf 1.7.
    pub fn find(&mut self, tname: &str) -> Result<KernTypes> {
        let vname = format!("{VALUE_PREFIX}{tname}");
        let (module, value_type_id) = match self.vmlinux.find_by_name_kind(&vname, Kind::Struct) {
            Some(id) if id > 0 => (None, id),
            _ => {
                let found = self.modules()?.iter().enumerate().find_map(|(i, m)| {
                    m.btf.find_by_name_kind_own(&vname, Kind::Struct).filter(|&id| id > 0).map(|id| (i, id))
                });
                match found {
                    Some((i, id)) => (Some(i), id),
                    None => {
                        // libbpf 1.5 looks for `tname` first: when no BTF has it either, its
                        // warning names `tname` (same errno).
                        let has_ops = self.vmlinux.find_by_name_kind(tname, Kind::Struct).is_some_and(|id| id > 0)
                            || self
                                .modules()?
                                .iter()
                                .any(|m| m.btf.find_by_name_kind_own(tname, Kind::Struct).is_some_and(|id| id > 0));
                        let missing = if has_ops { vname.as_str() } else { tname };
                        return Err(Error::new(
                            libc::ESRCH,
                            format!("struct_ops init_kern: struct {missing} is not found in kernel BTF"),
                        ));
                    }
                }
            }
        };
        let btf = self.btf(module);
        let type_id = btf.find_by_name_kind(tname, Kind::Struct).ok_or_else(|| {
            Error::new(libc::ENOENT, format!("struct_ops init_kern: struct {tname} is not found in kernel BTF"))
        })?;
        let vt = btf.ty(value_type_id).ok_or_else(|| Error::inval("kernel BTF type vanished"))?;
        let data = vt.members().and_then(|ms| ms.iter().find(|m| m.type_id == type_id)).ok_or_else(|| {
            Error::inval(format!("struct_ops init_kern: struct {tname} data is not found in struct {vname}"))
        })?;
        Ok(KernTypes { module, type_id, value_type_id, data_off: data.bit_offset / 8 })
    }
}

/// Every kernel module BTF the kernel has loaded, parsed as split BTF over `vmlinux`. No
/// privilege to list them (`EPERM`) means none, as in libbpf; a BTF object unloaded while we
/// look (`ENOENT`) is skipped.
pub fn load_module_btfs(vmlinux: Arc<Btf>) -> Result<Vec<ModuleBtf>> {
    let mut out = Vec::new();
    if !crate::sys::probe::supported(crate::sys::probe::Feature::ModuleBtf) {
        crate::pr_debug!("kernel has no module BTF support, looking in vmlinux only");
        return Ok(out);
    }
    let mut id = 0u32;
    loop {
        id = match cmd::get_next_id(IdKind::Btf, id) {
            Ok(next) => next,
            Err(e) if e.errno() == libc::ENOENT => break,
            Err(e) if e.errno() == libc::EPERM => {
                crate::pr_debug!("skipping module BTFs loading, missing privileges");
                break;
            }
            Err(e) => return Err(e.context("failed to iterate BTF objects")),
        };
        let fd = match cmd::get_fd_by_id(IdKind::Btf, id, 0) {
            Ok(fd) => fd,
            Err(e) if e.errno() == libc::ENOENT => continue,
            Err(e) => return Err(e.context(format!("failed to get BTF object #{id} FD"))),
        };
        let (info, name) =
            cmd::btf_info_name(fd.as_fd()).map_err(|e| e.context(format!("failed to get BTF object #{id} info")))?;
        if info.kernel_btf == 0 || name == "vmlinux" {
            continue;
        }
        let data = cmd::btf_data(fd.as_fd())
            .map_err(|e| e.context(format!("failed to read module [{name}]'s BTF object #{id}")))?;
        let btf = Btf::parse_split(&data, vmlinux.clone())
            .map_err(|e| e.context(format!("failed to load module [{name}]'s BTF object #{id}")))?;
        // libbpf 1.5's load_module_btfs says nothing per module.
        out.push(ModuleBtf { name, id, fd: Arc::new(fd), btf });
    }
    Ok(out)
}
