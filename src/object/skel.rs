//! What skeleton and subskeleton binding resolves names to, by libbpf's rules. The ffi layer
//! reads the names out of the generated structs and writes the answers back into them; which
//! map, program or address a name stands for is decided here.

use super::{MapKind, Object};
use crate::btf::Btf;
use crate::error::{Error, Result};

/// A skeleton map entry's binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkelMap {
    /// The map's index (its handle is `maps.ptr(idx)`).
    pub idx: usize,
    /// What the entry's `mmaped` slot receives: `None` leaves it alone (`.kconfig`, whose
    /// values come from the kernel config at load), else the map's buffer (NULL for struct_ops
    /// maps and maps without one).
    pub mmaped: Option<*mut u8>,
}

impl Object {
    /// The skeleton map named `name` (the section name for global data): `-ESRCH` if the
    /// object has none.
    pub fn skeleton_map(&self, name: &str) -> Result<SkelMap> {
        let idx = self
            .find_map(name)
            .ok_or_else(|| Error::new(libc::ESRCH, format!("failed to find skeleton map '{name}'")))?;
        let m = self.maps.get(idx).ok_or_else(|| Error::inval("map vanished"))?;
        let mmaped = match (m.kind, &m.st_ops) {
            (MapKind::Kconfig, _) => None,
            (_, Some(_)) => Some(std::ptr::null_mut()),
            _ => Some(m.mmaped.ptr()),
        };
        Ok(SkelMap { idx, mmaped })
    }

    /// The skeleton program named `name` (never a subprogram): `-ESRCH` if the object has none.
    pub fn skeleton_program(&self, name: &str) -> Result<usize> {
        self.find_program(name)
            .ok_or_else(|| Error::new(libc::ESRCH, format!("failed to find skeleton program '{name}'")))
    }

    /// A subskeleton variable `name` of map `map_idx`: its address inside the map's buffer.
    /// `-EINVAL` when the map's value type is not a DATASEC or the variable lies outside the
    /// buffer; NULL, with a warning, when the DATASEC lacks the variable or the map has no
    /// buffer (a library built with an extra global must not break an older binary).
    pub fn subskeleton_var(&self, btf: &Btf, map_idx: usize, name: &str) -> Result<*mut u8> {
        let map = self.maps.get(map_idx).ok_or_else(|| Error::inval("map vanished"))?;
        let vt = map.btf_value_type_id;
        if !super::btfq::is_datasec(btf, vt) {
            let kind = btf.ty(vt).map_or("void", |t| crate::reloc::core::kind_str(t.kind));
            return Err(Error::inval(format!(
                "type for map '{}' is not a datasec: {kind}",
                map.name().to_string_lossy()
            )));
        }
        // The name the subskeleton used for the map: the section name for global data.
        let mname = map.real_name.as_deref().unwrap_or(map.name()).to_string_lossy();
        let found =
            super::btfq::datasec_vars(btf, vt).into_iter().find(|v| btf.ty(v.type_id).is_some_and(|t| t.name == name));
        let buf = map.mmaped.get().map(|r| (r.as_ptr(), r.len()));
        Ok(match (found, buf) {
            (Some(v), Some((p, len))) if (v.offset as usize).saturating_add(v.size as usize) <= len => {
                // In bounds of the map's buffer (checked just above).
                p.wrapping_add(v.offset as usize)
            }
            (Some(_), Some(_)) => {
                return Err(Error::inval(format!(
                    "subskeleton variable '{name}' lies outside the buffer of map '{mname}'"
                )));
            }
            (Some(_), None) => {
                crate::pr_warn!(
                    "subskeleton variable '{}': map '{}' has no memory-mapped buffer; left NULL",
                    name,
                    mname
                );
                std::ptr::null_mut()
            }
            (None, _) => {
                crate::pr_warn!("subskeleton variable '{}' not found in map '{}'; left NULL", name, mname);
                std::ptr::null_mut()
            }
        })
    }
}
