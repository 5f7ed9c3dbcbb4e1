//! Extern symbols (`__kconfig`, `__ksym`), collected at open as libbpf does: each undefined
//! global/weak NOTYPE symbol is matched with its BTF VAR/FUNC and DATASEC; `.kconfig` externs
//! get offsets inside the `.kconfig` map (sorted by alignment descending, size ascending, name),
//! which sizes that map.

use super::btfq;
use super::Object;
use crate::btf::dedup::FastMap as HashMap;
use crate::btf::{Btf, Kind};
use crate::btf::{VAR_GLOBAL_ALLOCATED, VAR_GLOBAL_EXTERN};
use crate::elf::{self, Elf};
use crate::error::{Error, Result};

/// What a `.kconfig` extern's C type is, for value parsing at load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KcfgType {
    Bool,
    Char,
    Tristate,
    Int,
    CharArr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternKind {
    Kcfg { typ: KcfgType, size: u32, align: u32, is_signed: bool, data_off: u32 },
    Ksym { type_id: u32 },
}

#[derive(Debug, Clone)]
pub struct Extern {
    pub name: String,
    pub sym_idx: usize,
    pub btf_id: u32,
    pub sec_btf_id: u32,
    pub is_weak: bool,
    pub kind: ExternKind,
    /// Resolved at load (value written, or kernel symbol found).
    pub is_set: bool,
    /// For ksyms: kernel BTF id and BTF object fd (0 = vmlinux), or kallsyms address.
    pub kernel_btf_id: u32,
    pub kernel_btf_obj_fd: i32,
    /// For kfuncs in module BTF: index of the module's BTF fd in the load's `fd_array` (the
    /// call instruction's `off`); 0 for vmlinux.
    pub btf_fd_idx: u32,
    pub addr: u64,
}

impl Extern {
    fn sort_key(&self) -> (u8, i64, u32, &str) {
        match &self.kind {
            ExternKind::Kcfg { size, align, .. } => (0, -(*align as i64), *size, &self.name),
            ExternKind::Ksym { .. } => (1, 0, 0, &self.name),
        }
    }
}

/// Name and DATASEC lookups for extern collection, built once per open. A hostile object can
/// declare tens of thousands of externs; scanning every type for each of them made the open
/// quadratic (minutes for a few MB).
struct Index<'b> {
    /// The first VAR or FUNC of each name (what a scan from id 1 finds first).
    by_name: HashMap<&'b str, u32>,
    /// The first DATASEC listing each type id.
    sec_of: HashMap<u32, u32>,
}

impl<'b> Index<'b> {
    fn new(btf: &'b Btf) -> Index<'b> {
        let mut by_name = HashMap::default();
        let mut sec_of = HashMap::default();
        for id in 1..btf.type_cnt() {
            let Some(t) = btf.ty(id) else { continue };
            match t.kind {
                Kind::Var | Kind::Func => {
                    by_name.entry(t.name).or_insert(id);
                }
                Kind::Datasec => {
                    for v in t.secinfos().iter().flat_map(|s| s.iter()) {
                        sec_of.entry(v.type_id).or_insert(id);
                    }
                }
                _ => {}
            }
        }
        Index { by_name, sec_of }
    }
}

fn find_extern_btf_id(btf: &Btf, index: &Index, name: &str) -> Result<u32> {
    let id = *index.by_name.get(name).ok_or_else(|| {
        Error::new(libc::ENOENT, format!("failed to find BTF for extern '{name}': -{}", libc::ENOENT))
    })?;
    let t = btf.ty(id).ok_or_else(|| Error::inval("extern BTF type vanished"))?;
    let extern_linkage = match t.kind {
        Kind::Var => t.linkage() == Some(VAR_GLOBAL_EXTERN),
        _ => t.linkage() == Some(crate::btf::FUNC_EXTERN),
    };
    if !extern_linkage {
        return Err(Error::inval(format!("failed to find BTF for extern '{name}': -{}", libc::EINVAL)));
    }
    Ok(id)
}

fn kcfg_type(btf: &Btf, id: u32) -> Option<(KcfgType, bool)> {
    let (_, t) = btf.skip_mods_and_typedefs(id)?;
    match t.kind {
        Kind::Int => {
            let (enc, _, _) = t.int()?;
            let size = t.size_or_type;
            if enc & crate::btf::INT_BOOL != 0 {
                return (size == 1).then_some((KcfgType::Bool, false));
            }
            let signed = enc & crate::btf::INT_SIGNED != 0;
            if size == 1 {
                return Some((KcfgType::Char, signed));
            }
            if !(1..=8).contains(&size) || !size.is_power_of_two() {
                return None;
            }
            Some((KcfgType::Int, signed))
        }
        Kind::Enum if t.size_or_type == 4 && t.name == "libbpf_tristate" => Some((KcfgType::Tristate, false)),
        Kind::Enum64 if t.name == "libbpf_tristate" => Some((KcfgType::Tristate, false)),
        Kind::Array => {
            let (elem, _, nelems) = t.array()?;
            if nelems == 0 {
                return None;
            }
            match kcfg_type(btf, elem)? {
                (KcfgType::Char, _) => Some((KcfgType::CharArr, false)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_extern_sym(s: &elf::Symbol) -> bool {
    s.shndx == elf::SHN_UNDEF && (s.bind == elf::STB_GLOBAL || s.bind == elf::STB_WEAK) && s.typ == elf::STT_NOTYPE
}

pub(super) fn collect(obj: &mut Object, elf: &Elf) -> Result<()> {
    let dummy_var = match obj.btf.as_deref_mut() {
        Some(btf) => add_dummy_ksym_var(btf)?,
        None => 0,
    };
    // SAFETY: usize for `%zu`.
    unsafe { crate::pr_debug_c!(c"libbpf: looking for externs among %zu symbols...\n", elf.symbols.len()) };
    if !elf.symbols.iter().any(|s| is_extern_sym(s) && !s.name.is_empty()) {
        // SAFETY: a format without conversions.
        unsafe { crate::pr_debug_c!(c"libbpf: collected 0 externs total\n") };
        return Ok(());
    }
    collect_found(obj, elf, dummy_var)
}

/// [`collect`] for an object that has externs: out of line, so that the code of an open
/// without externs (most objects) stays small and together (`link/hot-text.ld`).
#[inline(never)]
fn collect_found(obj: &mut Object, elf: &Elf, dummy_var: u32) -> Result<()> {
    let mut exts = Vec::new();
    let mut syms = elf.symbols.iter().filter(|s| is_extern_sym(s) && !s.name.is_empty()).peekable();
    let Some(first) = syms.peek() else { return Ok(()) };
    let btf = obj.btf.as_deref().ok_or_else(|| {
        Error::new(libc::ESRCH, format!("failed to find BTF for extern '{}': -{}", first.name, libc::ESRCH))
    })?;
    let index = Index::new(btf);
    for sym in syms {
        let btf_id = find_extern_btf_id(btf, &index, sym.name)?;
        let t = btf.ty(btf_id).ok_or_else(|| Error::inval("extern BTF type vanished"))?;
        let name = t.name.to_string();
        let sec_btf_id = index.sec_of.get(&btf_id).copied().ok_or_else(|| {
            Error::new(
                libc::ENOENT,
                format!("failed to find BTF for extern '{name}' [{btf_id}] section: -{}", libc::ENOENT),
            )
        })?;
        let sec_name = btf.ty(sec_btf_id).map(|s| s.name).unwrap_or("");
        let kind = match sec_name {
            ".kconfig" => {
                if t.kind == Kind::Func {
                    return Err(Error::new(
                        libc::EOPNOTSUPP,
                        format!("extern function {name} is unsupported under .kconfig section"),
                    ));
                }
                let size = btf
                    .resolve_size(t.size_or_type)
                    .map_err(|e| e.context(format!("failed to resolve size of extern (kcfg) '{name}'")))?;
                if size == 0 {
                    return Err(Error::inval(format!("failed to resolve size of extern (kcfg) '{name}'")));
                }
                let align = btf
                    .align_of(t.size_or_type)
                    .map_err(|e| e.context(format!("failed to determine alignment of extern (kcfg) '{name}'")))?;
                if align == 0 {
                    return Err(Error::inval(format!("failed to determine alignment of extern (kcfg) '{name}'")));
                }
                let (typ, is_signed) = kcfg_type(btf, t.size_or_type).ok_or_else(|| {
                    Error::new(libc::EOPNOTSUPP, format!("extern (kcfg) '{name}': type is unsupported"))
                })?;
                ExternKind::Kcfg { typ, size, align, is_signed, data_off: 0 }
            }
            ".ksyms" => {
                // The variable's type, or the function's prototype, past modifiers and typedefs
                // (0 = `void`: a typeless ksym resolved through kallsyms).
                let type_id = btf.skip_mods_and_typedefs(t.size_or_type).map(|(id, _)| id).unwrap_or(0);
                ExternKind::Ksym { type_id }
            }
            other => return Err(Error::new(libc::EOPNOTSUPP, format!("unrecognized extern section '{other}'"))),
        };
        exts.push(Extern {
            name,
            sym_idx: sym.index,
            btf_id,
            sec_btf_id,
            is_weak: sym.bind == elf::STB_WEAK,
            kind,
            is_set: false,
            kernel_btf_id: 0,
            kernel_btf_obj_fd: 0,
            btf_fd_idx: 0,
            addr: 0,
        });
    }
    drop(index);
    exts.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // SAFETY: usize for `%zu`.
    unsafe { crate::pr_debug_c!(c"libbpf: collected %zu externs total\n", exts.len()) };
    for (i, e) in exts.iter().enumerate() {
        if matches!(e.kind, ExternKind::Ksym { .. }) {
            let (nl, np) = crate::log::cs(&e.name);
            // SAFETY: usize for each `%zu`, (c_int, pointer) of a live &str for `%.*s`.
            unsafe { crate::pr_debug_c!(c"libbpf: extern (ksym) #%zu: symbol %zu, name %.*s\n", i, e.sym_idx, nl, np) };
        }
    }
    if let Some(btf) = obj.btf.as_deref_mut() {
        fixup_ksyms_datasec(btf, &exts, dummy_var)?;
    }

    // Lay out .kconfig externs and rewrite the DATASEC so the map's BTF describes that layout.
    let mut off = 0u32;
    let mut kcfg_sec = None;
    for (i, e) in exts.iter_mut().enumerate() {
        if let ExternKind::Kcfg { size, align, data_off, .. } = &mut e.kind {
            // Sizes come from the object's BTF (a char array may claim 4 GiB): checked.
            *data_off = off.checked_next_multiple_of(*align).ok_or_else(|| {
                Error::new(libc::E2BIG, format!("extern (kcfg) '{}': .kconfig data exceeds 4 GiB", e.name))
            })?;
            off = data_off.checked_add(*size).ok_or_else(|| {
                Error::new(libc::E2BIG, format!("extern (kcfg) '{}': .kconfig data exceeds 4 GiB", e.name))
            })?;
            kcfg_sec = Some(e.sec_btf_id);
            let (nl, np) = crate::log::cs(&e.name);
            // SAFETY: usize for each `%zu`, u32 for `%u`, (c_int, pointer) of a live &str for `%.*s`.
            unsafe {
                crate::pr_debug_c!(
                    c"libbpf: extern (kcfg) #%zu: symbol %zu, off %u, name %.*s\n",
                    i,
                    e.sym_idx,
                    *data_off,
                    nl,
                    np
                )
            };
        }
    }
    if let (Some(sec), Some(btf)) = (kcfg_sec, obj.btf.as_deref_mut()) {
        btf.set_datasec_size(sec, off)?;
        // The first extern of each name, in layout order.
        let mut by_name: HashMap<&str, &Extern> = HashMap::default();
        for e in &exts {
            by_name.entry(e.name.as_str()).or_insert(e);
        }
        for (i, v) in btfq::datasec_vars(btf, sec).iter().enumerate() {
            let vname = btf.ty(v.type_id).map(|t| t.name.to_string()).unwrap_or_default();
            let ext = by_name.get(vname.as_str()).ok_or_else(|| {
                Error::new(libc::ESRCH, format!("failed to find extern definition for BTF var '{vname}'"))
            })?;
            if let ExternKind::Kcfg { data_off, .. } = ext.kind {
                btf.set_var_linkage(v.type_id, VAR_GLOBAL_ALLOCATED)?;
                btf.set_datasec_var_offset(sec, i, data_off)?;
            }
        }
    }
    obj.externs = exts;
    Ok(())
}

/// Size of the `.kconfig` map: end of the last kconfig extern (0 = no such map).
pub(super) fn kconfig_map_size(exts: &[Extern]) -> u32 {
    exts.iter()
        .filter_map(|e| match e.kind {
            ExternKind::Kcfg { size, data_off, .. } => Some(data_off + size),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

/// The first 32-bit INT of `btf` (0 = none: `void`), libbpf's `find_int_btf_id`.
fn find_int_btf_id(btf: &Btf) -> u32 {
    (1..btf.type_cnt())
        .find(|&id| btf.ty(id).is_some_and(|t| t.kind == Kind::Int && t.int().is_some_and(|(_, _, bits)| bits == 32)))
        .unwrap_or(0)
}

/// libbpf's `add_dummy_ksym_var`: when `.ksyms` holds a function, append an allocated `int`
/// VAR "dummy_ksym" that stands in for the functions in the DATASEC (and lends its name to
/// their unnamed parameters). Returns its id, 0 when not needed.
fn add_dummy_ksym_var(btf: &mut Btf) -> Result<u32> {
    let Some(sec) = btf.find_by_name_kind(".ksyms", Kind::Datasec) else { return Ok(0) };
    let has_func = btfq::datasec_vars(btf, sec).iter().any(|v| btf.ty(v.type_id).is_some_and(|t| t.kind == Kind::Func));
    if !has_func {
        return Ok(0);
    }
    let int_id = find_int_btf_id(btf);
    btf.add_var("dummy_ksym", int_id, VAR_GLOBAL_ALLOCATED).inspect_err(|_| {
        crate::pr_warn!("cannot create a dummy_ksym var");
    })
}

/// The kernel refuses extern VARs and FUNCs: as libbpf does at open, every `.ksyms` entry
/// becomes a 4-byte allocated variable (functions become global and are replaced in the
/// DATASEC by the dummy variable; their unnamed parameters get its name).
fn fixup_ksyms_datasec(btf: &mut Btf, exts: &[Extern], dummy_var: u32) -> Result<()> {
    if !exts.iter().any(|e| matches!(e.kind, ExternKind::Ksym { .. })) {
        return Ok(());
    }
    let Some(sec) = btf.find_by_name_kind(".ksyms", Kind::Datasec) else { return Ok(()) };
    let int_id = find_int_btf_id(btf);
    let dummy_name = btf.ty(dummy_var).map(|t| t.name.to_string()).unwrap_or_default();
    let vars = btfq::datasec_vars(btf, sec);
    let mut off = 0u32;
    for (i, v) in vars.iter().enumerate() {
        let t = btf.ty(v.type_id).ok_or_else(|| Error::inval(format!("BTF: .ksyms entry {i} has a bad type")))?;
        let (kind, name, proto) = (t.kind, t.name.to_string(), t.size_or_type);
        if !exts.iter().any(|e| e.name == name) {
            let what = crate::reloc::core::kind_str(kind);
            crate::pr_warn!("failed to find extern definition for BTF {} '{}'", what, name);
            return Err(Error::quiet(libc::ESRCH));
        }
        if kind == Kind::Func {
            if dummy_var != 0 {
                btf.fill_func_proto_param_names(proto, &dummy_name)?;
            }
            btf.set_datasec_var_type(sec, i, dummy_var)?;
            btf.set_func_linkage(v.type_id, crate::btf::FUNC_GLOBAL)?;
        } else {
            btf.set_var_linkage(v.type_id, VAR_GLOBAL_ALLOCATED)?;
            btf.set_var_type(v.type_id, int_id)?;
        }
        btf.set_datasec_var_offset(sec, i, off)?;
        btf.set_datasec_var_size(sec, i, 4)?;
        off += 4;
    }
    btf.set_datasec_size(sec, off)
}
