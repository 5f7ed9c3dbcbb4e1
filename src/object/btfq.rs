//! BTF questions the object model asks, in one place: kinds, DATASEC contents, and the DATASEC
//! fixup libbpf performs at open.

use crate::btf::dedup::FastMap as HashMap;
use crate::btf::{Btf, Kind, VarSecinfo, VAR_GLOBAL_EXTERN, VAR_STATIC};
use crate::elf::{self, Elf};
use crate::error::{Error, Result};

pub fn kind(btf: &Btf, id: u32) -> Option<Kind> {
    btf.kind_of(id)
}

pub fn is_datasec(btf: &Btf, id: u32) -> bool {
    kind(btf, id) == Some(Kind::Datasec)
}

/// The entries of DATASEC `id` (empty if it is not one).
pub fn datasec_vars(btf: &Btf, id: u32) -> Vec<VarSecinfo> {
    btf.ty(id).and_then(|t| t.secinfos()).map(|s| s.iter().collect()).unwrap_or_default()
}

/// The DATASEC named `name`, if any.
pub fn find_datasec(btf: &Btf, name: &str) -> Option<u32> {
    btf.find_by_name_kind(name, Kind::Datasec)
}

/// VAR linkage, or None if `id` is not a VAR.
pub fn var_linkage(btf: &Btf, id: u32) -> Option<u32> {
    btf.ty(id).filter(|t| t.kind == Kind::Var).and_then(|t| t.linkage())
}

/// libbpf's `map_is_mmapable`: a data map is mmapable when its DATASEC has at least one
/// non-static VAR (something a skeleton exposes).
pub fn datasec_has_global_var(btf: &Btf, datasec_id: u32) -> bool {
    if !is_datasec(btf, datasec_id) {
        return false;
    }
    datasec_vars(btf, datasec_id).iter().any(|v| var_linkage(btf, v.type_id).is_some_and(|l| l != VAR_STATIC))
}

/// What DATASEC fixups look up in the ELF, indexed once per open (a scan per variable made an
/// object with many globals quadratic to open).
pub struct ElfVars<'e> {
    /// The first global or weak STT_OBJECT symbol of each name (libbpf's `find_elf_var_sym`).
    syms: HashMap<&'e str, &'e elf::Symbol<'e>>,
    /// The size of the first section of each name.
    sec_sizes: HashMap<&'e str, u64>,
}

impl<'e> ElfVars<'e> {
    pub fn new(elf: &'e Elf<'e>) -> ElfVars<'e> {
        let mut syms = HashMap::with_capacity_and_hasher(elf.symbols.len(), Default::default());
        for s in &elf.symbols {
            if s.typ == elf::STT_OBJECT && (s.bind == elf::STB_GLOBAL || s.bind == elf::STB_WEAK) {
                syms.entry(s.name).or_insert(s);
            }
        }
        let mut sec_sizes = HashMap::with_capacity_and_hasher(elf.sections.len(), Default::default());
        for s in &elf.sections {
            sec_sizes.entry(s.name).or_insert(s.size);
        }
        ElfVars { syms, sec_sizes }
    }
}

/// Fix one DATASEC from the ELF: size from the section (when 0), variable offsets from their
/// symbols (when the size was 0), hidden/internal-visibility globals become static, then sort
/// the entries by offset. `.kconfig`/`.ksyms` were laid out by extern collection: sort only.
pub fn fixup_datasec(btf: &mut Btf, id: u32, elf: &ElfVars) -> Result<()> {
    let t = btf.ty(id).ok_or_else(|| Error::inval(format!("BTF: DATASEC [{id}] vanished")))?;
    let name = t.name.to_string();
    let size = t.size_or_type;
    if name != ".kconfig" && name != ".ksyms" {
        let mut fix_offsets = false;
        if size == 0 {
            let sec_size = elf.sec_sizes.get(name.as_str()).copied().unwrap_or(0);
            if sec_size == 0 || sec_size > u32::MAX as u64 {
                return Err(Error::new(
                    libc::ENOENT,
                    format!("sec '{name}': failed to determine size from ELF: size {sec_size}"),
                ));
            }
            btf.set_datasec_size(id, sec_size as u32)?;
            fix_offsets = true;
        }
        for (i, v) in datasec_vars(btf, id).iter().enumerate() {
            let vt = btf
                .ty(v.type_id)
                .filter(|vt| vt.kind == Kind::Var)
                .ok_or_else(|| Error::inval(format!("sec '{name}': unexpected non-VAR type found")))?;
            let linkage = vt.linkage().unwrap_or(VAR_STATIC);
            if linkage == VAR_STATIC || linkage == VAR_GLOBAL_EXTERN {
                continue;
            }
            let var_name = vt.name.to_string();
            let sym = elf.syms.get(var_name.as_str()).ok_or_else(|| {
                Error::new(libc::ENOENT, format!("sec '{name}': failed to find ELF symbol for VAR '{var_name}'"))
            })?;
            if fix_offsets {
                let off = u32::try_from(sym.value)
                    .map_err(|_| Error::inval(format!("sec '{name}': VAR '{var_name}' offset out of range")))?;
                btf.set_datasec_var_offset(id, i, off)?;
            }
            if sym.visibility == elf::STV_HIDDEN || sym.visibility == elf::STV_INTERNAL {
                btf.set_var_linkage(v.type_id, VAR_STATIC)?;
            }
        }
    }
    btf.sort_datasec_vars(id)
}

/// Re-type the last variable of DATASEC `id` (which must be an array) so the section is `size`
/// bytes (libbpf's `map_btf_datasec_resize`).
pub fn resize_datasec(btf: &mut Btf, id: u32, size: u32, map: &str) -> Result<()> {
    if !is_datasec(btf, id) {
        return Err(Error::inval(format!("map '{map}': cannot be resized, map value type is not a datasec")));
    }
    let vars = datasec_vars(btf, id);
    let Some(last) = vars.last().copied() else {
        return Err(Error::inval(format!("map '{map}': cannot be resized, map value datasec is empty")));
    };
    let var_type = btf.ty(last.type_id).map(|t| t.size_or_type).unwrap_or(0);
    let arr = btf.skip_mods_and_typedefs(var_type).and_then(|(_, t)| t.array());
    let Some((elem, index, _)) = arr else {
        return Err(Error::inval(format!("map '{map}': cannot be resized, last var must be an array")));
    };
    let elem_sz = btf.resolve_size(elem).unwrap_or(0);
    let span = size.checked_sub(last.offset);
    let Some(span) = span.filter(|s| elem_sz > 0 && s % elem_sz == 0) else {
        return Err(Error::inval(format!(
            "map '{map}': cannot be resized, element size ({elem_sz}) doesn't align with new total size ({size})"
        )));
    };
    let new_arr = btf.add_array(index, elem, span / elem_sz)?;
    btf.set_datasec_size(id, size)?;
    btf.set_datasec_var_size(id, vars.len() - 1, span)?;
    btf.set_var_type(last.type_id, new_arr)
}
