//! The object's BTF into the kernel (`bpf_object__load_btf`), sanitized for what the kernel
//! supports.

use super::ctx::LoadCtx;
use crate::btf::Kind;
use crate::error::{Error, Result};
use crate::object::Object;
use crate::sys::cmd;
use crate::sys::probe::Feature;
use std::os::fd::AsRawFd;

impl Object {
    /// Load the object's BTF (`bpf_object__sanitize_and_load_btf`). A failure is fatal only
    /// for objects with struct_ops sections; otherwise loading goes on without BTF.
    pub(super) fn load_btf(&mut self, ctx: &LoadCtx) -> Result<()> {
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
        let (ubuf, level) = (self.opts.kernel_log_buf, self.opts.kernel_log_level);
        let res = cmd::btf_load_into_kernel(data, ubuf, if level != 0 { 1 } else { 0 }, ctx.token());
        match res {
            Ok(fd) => {
                self.btf_fd = fd.as_raw_fd();
                self.btf_fd_owned = Some(fd);
                Ok(())
            }
            Err(e) => {
                if self.has_st_ops_sections() {
                    crate::pr_warn!(
                        "Error loading .BTF into kernel: {}. BTF is mandatory, can't proceed.",
                        crate::error::errstr(e.errno())
                    );
                    return Err(Error::quiet(e.errno()));
                }
                crate::pr_info!(
                    "Error loading .BTF into kernel: {}. BTF is optional, ignoring.",
                    crate::error::errstr(e.errno())
                );
                Ok(())
            }
        }
    }

    /// libbpf's `kernel_needs_btf`: the object has struct_ops sections.
    fn has_st_ops_sections(&self) -> bool {
        self.sec_names.iter().any(crate::object::is_struct_ops_data_sec)
    }
}
