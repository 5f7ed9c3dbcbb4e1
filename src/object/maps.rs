//! Map discovery at open, in libbpf's order: BTF-defined `.maps`, global data sections,
//! `.kconfig`, struct_ops variables.

use super::btfq;
use super::databuf::MapBuf;
use super::pin::PATH_MAX;
use super::{externs, Map, MapDef, MapKind, Object, SecType, StructOps};
use crate::btf::VAR_GLOBAL_ALLOCATED;
use crate::btf::{Btf, Kind};
use crate::elf::Elf;
use crate::error::{Error, Result};
use crate::sys::mmap::{page_size, Region};
use crate::uapi;
use crate::uapi::BPF_OBJ_NAME_LEN;
use std::ffi::{CStr, CString};

const PIN_NONE: u32 = 0;
const PIN_BY_NAME: u32 = 1;

fn new_map(name: &str, kind: MapKind) -> Result<Map> {
    Ok(Map {
        obj: std::ptr::null(),
        name: super::cstring(name)?,
        real_name: None,
        kind,
        def: MapDef::default(),
        sec_idx: 0,
        sec_offset: 0,
        btf_var_idx: 0,
        btf_key_type_id: 0,
        btf_value_type_id: 0,
        inner: None,
        init_slots: Vec::new(),
        mmaped: MapBuf::default(),
        pin_path: None,
        autocreate: true,
        // Only struct_ops maps attach (set below); libbpf reports false for the rest.
        autoattach: false,
        ifindex: 0,
        inner_map_fd: -1,
        fd: None,
        reused: false,
        pinned: false,
        st_ops: None,
        st_ops_kern: None,
        excl_prog: None,
    })
}

pub(super) fn init_maps(obj: &mut Object, elf: &Elf, sec_types: &[SecType]) -> Result<()> {
    // The kinds an object may lack are called only when it has them, and sit out of line, so
    // that the code of an open without them stays small and together (`link/hot-text.ld`).
    if obj.btf_maps_shndx.is_some() {
        init_user_btf_maps(obj, elf)?;
    }
    init_global_data_maps(obj, elf, sec_types)?;
    init_kconfig_map(obj, elf.symtab_index)?;
    if sec_types.contains(&SecType::StructOps) {
        init_struct_ops_maps(obj, elf, sec_types)?;
    }
    Ok(())
}

// ---- BTF-defined maps ----

/// What a `.maps` definition struct says (libbpf's `struct btf_map_def`).
#[derive(Default, Debug)]
pub(crate) struct BtfMapDef {
    pub(crate) def: MapDef,
    pub(crate) key_type_id: u32,
    pub(crate) value_type_id: u32,
    pub(crate) has_inner: bool,
    /// Which fields the definition set (`PART_*`): libbpf's debug log names exactly those.
    pub(crate) parts: u32,
}

const PART_TYPE: u32 = 1 << 0;
const PART_KEY_TYPE: u32 = 1 << 1;
const PART_KEY_SIZE: u32 = 1 << 2;
const PART_VALUE_TYPE: u32 = 1 << 3;
const PART_VALUE_SIZE: u32 = 1 << 4;
const PART_MAX_ENTRIES: u32 = 1 << 5;
const PART_MAP_FLAGS: u32 = 1 << 6;
const PART_NUMA_NODE: u32 = 1 << 7;
const PART_PINNING: u32 = 1 << 8;
const PART_MAP_EXTRA: u32 = 1 << 9;

/// Parse the `.maps` definition struct `def_id` strictly (unknown fields are errors), with its
/// inner map definition: what the static linker compares when two files define one map.
pub(crate) fn parse_btf_map_def_strict(btf: &Btf, map: &str, def_id: u32) -> Result<(BtfMapDef, BtfMapDef)> {
    let (mut d, mut inner) = (BtfMapDef::default(), BtfMapDef::default());
    parse_btf_map_def(btf, map, def_id, true, &mut d, Some(&mut inner))?;
    Ok((d, inner))
}

/// `__uint(name, N)` is encoded as `int (*name)[N]`: a pointer to an array of N elements.
fn map_field_int(btf: &Btf, map: &str, field: &str, type_id: u32) -> Result<u32> {
    let (_, t) = btf
        .skip_mods_and_typedefs(type_id)
        .ok_or_else(|| Error::inval(format!("map '{map}': attr '{field}': type [{type_id}] not found")))?;
    if t.kind != Kind::Ptr {
        return Err(Error::inval(format!("map '{map}': attr '{field}': expected PTR, got {}", t.kind.name())));
    }
    let arr = btf
        .ty(t.size_or_type)
        .ok_or_else(|| Error::inval(format!("map '{map}': attr '{field}': type [{}] not found", t.size_or_type)))?;
    match arr.array() {
        Some((_, _, nelems)) => Ok(nelems),
        None => Err(Error::inval(format!("map '{map}': attr '{field}': expected ARRAY, got {}", arr.kind.name()))),
    }
}

/// `__type(key, T)` is `T *key`: the pointee's size and id.
fn map_field_type(btf: &Btf, map: &str, what: &str, type_id: u32) -> Result<(u32, u32)> {
    let t = btf.ty(type_id).ok_or_else(|| Error::inval(format!("map '{map}': {what} type [{type_id}] not found")))?;
    if t.kind != Kind::Ptr {
        return Err(Error::inval(format!("map '{map}': {what} spec is not PTR: {}", t.kind.name())));
    }
    let size = btf
        .resolve_size(t.size_or_type)
        .map_err(|e| e.context(format!("map '{map}': can't determine {what} size for type [{}]", t.size_or_type)))?;
    Ok((size, t.size_or_type))
}

fn set_size(map: &str, what: &str, slot: &mut u32, sz: u32) -> Result<()> {
    if *slot != 0 && *slot != sz {
        return Err(Error::inval(format!("map '{map}': conflicting {what} size {} != {sz}", *slot)));
    }
    *slot = sz;
    Ok(())
}

fn parse_btf_map_def(
    btf: &Btf,
    map: &str,
    def_id: u32,
    strict: bool,
    out: &mut BtfMapDef,
    inner: Option<&mut BtfMapDef>,
) -> Result<()> {
    let t = btf.ty(def_id).ok_or_else(|| Error::inval(format!("map '{map}': def type [{def_id}] not found")))?;
    let members: Vec<_> = t.members().map(|m| m.iter().collect()).unwrap_or_default();
    let is_inner = inner.is_none();
    let mut inner = inner;
    let n = members.len();
    for (i, m) in members.iter().enumerate() {
        let name = m.name;
        out.parts |= match name {
            "type" => PART_TYPE,
            "key" => PART_KEY_TYPE,
            "key_size" => PART_KEY_SIZE,
            "value" => PART_VALUE_TYPE,
            "value_size" => PART_VALUE_SIZE,
            "max_entries" => PART_MAX_ENTRIES,
            "map_flags" => PART_MAP_FLAGS,
            "numa_node" => PART_NUMA_NODE,
            "pinning" => PART_PINNING,
            "map_extra" => PART_MAP_EXTRA,
            _ => 0,
        };
        match name {
            "type" => out.def.map_type = map_field_int(btf, map, name, m.type_id)?,
            "max_entries" => out.def.max_entries = map_field_int(btf, map, name, m.type_id)?,
            "map_flags" => out.def.map_flags = map_field_int(btf, map, name, m.type_id)?,
            "numa_node" => out.def.numa_node = map_field_int(btf, map, name, m.type_id)?,
            "key_size" => {
                let sz = map_field_int(btf, map, name, m.type_id)?;
                set_size(map, "key", &mut out.def.key_size, sz)?;
            }
            "key" => {
                let (sz, id) = map_field_type(btf, map, "key", m.type_id)?;
                set_size(map, "key", &mut out.def.key_size, sz)?;
                out.key_type_id = id;
            }
            "value_size" => {
                let sz = map_field_int(btf, map, name, m.type_id)?;
                set_size(map, "value", &mut out.def.value_size, sz)?;
            }
            "value" => {
                let (sz, id) = map_field_type(btf, map, "value", m.type_id)?;
                set_size(map, "value", &mut out.def.value_size, sz)?;
                out.value_type_id = id;
            }
            "values" => {
                let mim = super::map_type_is_map_in_map(out.def.map_type);
                let parr = out.def.map_type == uapi::BPF_MAP_TYPE_PROG_ARRAY;
                let desc = if mim { "map-in-map inner" } else { "prog-array value" };
                if is_inner {
                    return Err(Error::new(
                        libc::EOPNOTSUPP,
                        format!("map '{map}': multi-level inner maps not supported"),
                    ));
                }
                if i != n - 1 {
                    return Err(Error::inval(format!("map '{map}': '{name}' member should be last")));
                }
                if !mim && !parr {
                    return Err(Error::new(
                        libc::EOPNOTSUPP,
                        format!("map '{map}': should be map-in-map or prog-array"),
                    ));
                }
                set_size(map, "value", &mut out.def.value_size, 4)?;
                let arr = btf
                    .ty(m.type_id)
                    .ok_or_else(|| Error::inval(format!("map '{map}': {desc} type [{}] not found", m.type_id)))?;
                let elem = match arr.array() {
                    Some((elem, _, 0)) => elem,
                    _ => return Err(Error::inval(format!("map '{map}': {desc} spec is not a zero-sized array"))),
                };
                let (_, p) = btf
                    .skip_mods_and_typedefs(elem)
                    .ok_or_else(|| Error::inval(format!("map '{map}': bad {desc} def")))?;
                if p.kind != Kind::Ptr {
                    return Err(Error::inval(format!(
                        "map '{map}': {desc} def is of unexpected kind {}",
                        p.kind.name()
                    )));
                }
                let (tid, target) = btf
                    .skip_mods_and_typedefs(p.size_or_type)
                    .ok_or_else(|| Error::inval(format!("map '{map}': bad {desc} def")))?;
                if parr {
                    if target.kind != Kind::FuncProto {
                        return Err(Error::inval(format!(
                            "map '{map}': prog-array value def is of unexpected kind {}",
                            target.kind.name()
                        )));
                    }
                    continue;
                }
                if target.kind != Kind::Struct {
                    return Err(Error::inval(format!(
                        "map '{map}': map-in-map inner def is of unexpected kind {}",
                        target.kind.name()
                    )));
                }
                let inner_def = inner.as_deref_mut().ok_or_else(|| Error::inval("internal: no inner def slot"))?;
                parse_btf_map_def(btf, &format!("{map}.inner"), tid, strict, inner_def, None)?;
                out.has_inner = true;
            }
            "pinning" => {
                if is_inner {
                    return Err(Error::inval(format!("map '{map}': inner def can't be pinned")));
                }
                let v = map_field_int(btf, map, name, m.type_id)?;
                if v != PIN_NONE && v != PIN_BY_NAME {
                    return Err(Error::inval(format!("map '{map}': invalid pinning value {v}")));
                }
                out.def.pinning = v;
            }
            "map_extra" => {
                // `__ulong(map_extra, N)` is encoded as an enum64-or-array carrying the value;
                // libbpf reads it as "pointer to array of N" too, but with 64-bit N via ENUM64.
                out.def.map_extra = map_field_long(btf, map, name, m.type_id)?;
            }
            other => {
                if strict {
                    return Err(Error::new(libc::EOPNOTSUPP, format!("map '{map}': unknown field '{other}'")));
                }
                let ((ml, mp), (ol, op)) = (crate::log::cs(map), crate::log::cs(other));
                // SAFETY: (c_int, pointer) of live &str for each `%.*s`.
                unsafe { crate::pr_debug_c!(c"libbpf: map '%.*s': ignoring unknown field '%.*s'\n", ml, mp, ol, op) };
            }
        }
    }
    if out.def.map_type == uapi::BPF_MAP_TYPE_UNSPEC {
        return Err(Error::inval(format!("map '{map}': map type isn't specified")));
    }
    Ok(())
}

/// `__ulong(name, V)` is a member of an anonymous one-value ENUM/ENUM64 type carrying V; the
/// `__uint` pointer-to-array form is accepted too. A 32-bit enum value is sign-extended (libbpf
/// reads `__s32 val` into a `__u64`).
fn map_field_long(btf: &Btf, map: &str, field: &str, type_id: u32) -> Result<u64> {
    let (_, t) = btf
        .skip_mods_and_typedefs(type_id)
        .ok_or_else(|| Error::inval(format!("map '{map}': attr '{field}': type [{type_id}] not found")))?;
    if t.kind == Kind::Ptr {
        return map_field_int(btf, map, field, type_id).map(u64::from);
    }
    if t.kind != Kind::Enum && t.kind != Kind::Enum64 {
        return Err(Error::inval(format!(
            "map '{map}': attr '{field}': expected ENUM or ENUM64, got {}",
            t.kind.name()
        )));
    }
    let vals = t.enum_values().filter(|v| v.len() == 1);
    let v = vals
        .and_then(|v| v.get(0))
        .ok_or_else(|| Error::inval(format!("map '{map}': attr '{field}': invalid __ulong")))?;
    Ok(if t.kind == Kind::Enum { v.as_u64() as u32 as i32 as i64 as u64 } else { v.as_u64() })
}

/// BPF ring buffers need a power-of-two number of pages; libbpf rounds user sizes up.
pub(crate) fn adjust_ringbuf_size(sz: u32) -> u32 {
    let pg = page_size() as u64;
    let sz64 = sz as u64;
    if sz == 0 {
        return 0;
    }
    if sz64 % pg == 0 && (sz64 / pg).is_power_of_two() {
        return sz;
    }
    let mut mul = 1u64;
    while mul * pg <= u32::MAX as u64 {
        if mul * pg > sz64 {
            return (mul * pg) as u32;
        }
        mul <<= 1;
    }
    sz
}

fn fill_from_def(m: &mut Map, d: &BtfMapDef) {
    log_map_def(&m.name, d);
    m.def = d.def.clone();
    m.btf_key_type_id = d.key_type_id;
    m.btf_value_type_id = d.value_type_id;
    if m.def.map_type == uapi::BPF_MAP_TYPE_RINGBUF || m.def.map_type == uapi::BPF_MAP_TYPE_USER_RINGBUF {
        m.def.max_entries = adjust_ringbuf_size(m.def.max_entries);
    }
}

// libbpf's debug lines for a parsed BTF map definition: the fields it set, in a fixed order.
fn log_map_def(name: &CStr, d: &BtfMapDef) {
    let (p, n, def) = (d.parts, name.as_ptr(), &d.def);
    // SAFETY: in each line the map's NUL-terminated name for `%s`, u32 for each `%u` and `%x`,
    // u64 for `%llx`.
    unsafe {
        crate::pr_debug_c!(c"libbpf: map '%s': found type = %u.\n", n, def.map_type);
        if p & PART_KEY_TYPE != 0 {
            crate::pr_debug_c!(c"libbpf: map '%s': found key [%u], sz = %u.\n", n, d.key_type_id, def.key_size);
        } else if p & PART_KEY_SIZE != 0 {
            crate::pr_debug_c!(c"libbpf: map '%s': found key_size = %u.\n", n, def.key_size);
        }
        if p & PART_VALUE_TYPE != 0 {
            crate::pr_debug_c!(c"libbpf: map '%s': found value [%u], sz = %u.\n", n, d.value_type_id, def.value_size);
        } else if p & PART_VALUE_SIZE != 0 {
            crate::pr_debug_c!(c"libbpf: map '%s': found value_size = %u.\n", n, def.value_size);
        }
        if p & PART_MAX_ENTRIES != 0 {
            crate::pr_debug_c!(c"libbpf: map '%s': found max_entries = %u.\n", n, def.max_entries);
        }
        if p & PART_MAP_FLAGS != 0 {
            crate::pr_debug_c!(c"libbpf: map '%s': found map_flags = 0x%x.\n", n, def.map_flags);
        }
        if p & PART_MAP_EXTRA != 0 {
            crate::pr_debug_c!(c"libbpf: map '%s': found map_extra = 0x%llx.\n", n, def.map_extra);
        }
        if p & PART_PINNING != 0 {
            crate::pr_debug_c!(c"libbpf: map '%s': found pinning = %u.\n", n, def.pinning);
        }
        if p & PART_NUMA_NODE != 0 {
            crate::pr_debug_c!(c"libbpf: map '%s': found numa_node = %u.\n", n, def.numa_node);
        }
        if d.has_inner {
            crate::pr_debug_c!(c"libbpf: map '%s': found inner map definition.\n", n);
        }
    }
}

pub(crate) fn build_pin_path(root: Option<&str>, name: &str) -> Result<CString> {
    let path = format!("{}/{}", root.unwrap_or("/sys/fs/bpf"), name);
    if path.len() >= PATH_MAX {
        return Err(Error::new(libc::ENAMETOOLONG, format!("map '{name}': pin path too long")));
    }
    super::cstring(&path)
}

#[inline(never)]
fn init_user_btf_maps(obj: &mut Object, elf: &Elf) -> Result<()> {
    let Some(shndx) = obj.btf_maps_shndx else { return Ok(()) };
    let sec_len = elf.section(shndx).map(|s| s.data.len() as u64).unwrap_or(0);
    let strict = !obj.opts.relaxed_maps;
    let root = obj.opts.pin_root_path.clone();
    let btf = obj.btf.as_deref().ok_or_else(|| Error::new(libc::ENOENT, "BTF is required for .maps but is missing"))?;
    let sec_id =
        btfq::find_datasec(btf, ".maps").ok_or_else(|| Error::new(libc::ENOENT, "DATASEC '.maps' not found"))?;
    let mut new_maps = Vec::new();
    for (idx, vi) in btfq::datasec_vars(btf, sec_id).iter().enumerate() {
        let var =
            btf.ty(vi.type_id).ok_or_else(|| Error::inval(format!("map #{idx}: type [{}] not found", vi.type_id)))?;
        let name = var.name;
        if name.is_empty() {
            return Err(Error::inval(format!("map #{idx}: empty name")));
        }
        if vi.offset as u64 + vi.size as u64 > sec_len {
            return Err(Error::inval(format!("map '{name}' BTF data is corrupted")));
        }
        if var.kind != Kind::Var {
            return Err(Error::inval(format!("map '{name}': unexpected var kind {}", var.kind.name())));
        }
        let linkage = var.linkage().unwrap_or(0);
        if linkage != VAR_GLOBAL_ALLOCATED {
            let l = match linkage {
                0 => "static",
                2 => "extern",
                _ => "unknown",
            };
            return Err(Error::new(libc::EOPNOTSUPP, format!("map '{name}': unsupported map linkage {l}")));
        }
        let (def_id, def) = btf
            .skip_mods_and_typedefs(var.size_or_type)
            .ok_or_else(|| Error::inval(format!("map '{name}': bad def type")))?;
        if def.kind != Kind::Struct {
            return Err(Error::inval(format!("map '{name}': unexpected def kind {}", def.kind.name())));
        }
        if def.size_or_type > vi.size {
            return Err(Error::inval(format!("map '{name}': invalid def size")));
        }
        let (nl, np) = crate::log::cs(name);
        // SAFETY: (c_int, pointer) of a live &str for `%.*s`, usize for `%zu`, u32 for `%u`.
        unsafe { crate::pr_debug_c!(c"libbpf: map '%.*s': at sec_idx %zu, offset %u.\n", nl, np, shndx, vi.offset) };
        let mut d = BtfMapDef::default();
        let mut inner_d = BtfMapDef::default();
        parse_btf_map_def(btf, name, def_id, strict, &mut d, Some(&mut inner_d))?;
        let mut m = new_map(name, MapKind::User)?;
        m.sec_idx = shndx;
        m.sec_offset = vi.offset as u64;
        m.btf_var_idx = idx;
        fill_from_def(&mut m, &d);
        if d.def.pinning == PIN_BY_NAME {
            m.pin_path = Some(build_pin_path(root.as_deref(), name)?);
        }
        if d.has_inner {
            let mut inner = new_map(&format!("{name}.inner"), MapKind::User)?;
            inner.sec_idx = shndx;
            fill_from_def(&mut inner, &inner_d);
            m.inner = Some(Box::new(inner));
        }
        new_maps.push(m);
    }
    for m in new_maps {
        obj.maps.push(m);
    }
    // Arena: one map at most; it carries the `.addr_space.1` initial data.
    let arenas: Vec<usize> = obj
        .maps
        .iter()
        .enumerate()
        .filter(|(_, m)| m.def.map_type == uapi::BPF_MAP_TYPE_ARENA)
        .map(|(i, _)| i)
        .collect();
    if arenas.len() > 1 {
        return Err(Error::inval("only a single ARENA map is supported"));
    }
    if let (Some(&ai), Some(data)) = (arenas.first(), obj.arena_data.take()) {
        obj.arena_data_sz = data.len();
        let mut r = Region::new(data.len())?;
        r.write(0, &data)?;
        if let Some(m) = obj.maps.get_mut(ai) {
            m.mmaped.set(r);
        }
        return Ok(());
    }
    if obj.arena_data.is_some() && arenas.is_empty() {
        return Err(Error::new(
            libc::ENOENT,
            "elf: sec '.addr_space.1': to use global __arena variables the ARENA map should be explicitly declared in SEC(\".maps\")",
        ));
    }
    Ok(())
}

// ---- global data ----

/// libbpf's internal map naming: up to 8 characters of the object name then the section name
/// (7 characters reserved for it), 15 at most; custom `.data.foo` sections use their own name.
pub(crate) fn internal_map_name(obj_name: &str, real_name: &str) -> String {
    let sfx_len = real_name.len().clamp(7, BPF_OBJ_NAME_LEN - 1);
    let pfx_len = if real_name.len() > 1 && real_name[1..].contains('.') {
        0
    } else {
        (BPF_OBJ_NAME_LEN - sfx_len - 1).min(obj_name.len())
    };
    let mut s: String = obj_name.bytes().take(pfx_len).map(char::from).collect();
    s.extend(real_name.bytes().take(sfx_len).map(char::from));
    s.chars()
        .take(BPF_OBJ_NAME_LEN - 1)
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '.' { c } else { '_' })
        .collect()
}

fn add_internal_map(
    obj: &mut Object,
    kind: MapKind,
    real_name: &str,
    sec_idx: usize,
    data: Option<&[u8]>,
    size: usize,
) -> Result<()> {
    let obj_name = obj.name.to_string_lossy().into_owned();
    let mut m = new_map(&internal_map_name(&obj_name, real_name), kind)?;
    m.real_name = Some(super::cstring(real_name)?);
    m.sec_idx = sec_idx;
    m.def.map_type = uapi::BPF_MAP_TYPE_ARRAY;
    m.def.key_size = 4;
    m.def.value_size =
        u32::try_from(size).map_err(|_| Error::inval(format!("map '{real_name}': section too large")))?;
    m.def.max_entries = 1;
    if matches!(kind, MapKind::Rodata | MapKind::Kconfig) {
        m.def.map_flags = uapi::BPF_F_RDONLY_PROG;
    }
    if let Some(btf) = obj.btf.as_deref() {
        // Failures are fine: sections like .rodata.str1.1 have no DATASEC.
        if let Some(id) = btf.find_by_name(real_name) {
            m.btf_value_type_id = id;
            if btfq::datasec_has_global_var(btf, id) {
                m.def.map_flags |= uapi::BPF_F_MMAPABLE;
            }
        }
    }
    let len = array_mmap_size(m.def.value_size, 1);
    let init = data.unwrap_or(&[]);
    let in_file = match (&obj.opts.left, kind) {
        (Some(l), MapKind::Data) => l.section(sec_idx).map(|s| MapBuf::in_file(l, s.offset, size, len)),
        _ => None,
    };
    let deferred = in_file
        .or_else(|| (!obj.opts.eager_data).then(|| MapBuf::deferred(init, len, obj.opts.image.as_ref())).flatten());
    m.mmaped = match deferred {
        Some(b) => b,
        None => {
            let mut region = Region::new(len)?;
            region.write(0, init)?;
            MapBuf::mapped(region)
        }
    };
    // SAFETY: the map's NUL-terminated name (an ASCII CString, as `internal_map_name` makes it)
    // for `%s`, usize for `%zu`, u32 for `%x`.
    unsafe {
        crate::pr_debug_c!(
            c"libbpf: map '%s' (global data): at sec_idx %zu, offset 0, flags %x.\n",
            m.name.as_ptr(),
            sec_idx,
            m.def.map_flags
        );
        crate::pr_debug_c!(c"libbpf: map %zu is \"%s\"\n", obj.maps.len(), m.name.as_ptr());
    }
    obj.maps.push(m);
    Ok(())
}

/// Bytes libbpf maps for an array map's values: each rounded to 8, page-rounded total.
pub(crate) fn array_mmap_size(value_size: u32, max_entries: u32) -> usize {
    let v = (value_size as usize).next_multiple_of(8);
    (v * max_entries.max(1) as usize).next_multiple_of(page_size())
}

fn init_global_data_maps(obj: &mut Object, elf: &Elf, sec_types: &[SecType]) -> Result<()> {
    for (idx, st) in sec_types.iter().enumerate().skip(1) {
        let Some(sec) = elf.section(idx) else { continue };
        let (kind, data) = match st {
            SecType::Data => (MapKind::Data, Some(sec.data)),
            SecType::Rodata => {
                obj.has_rodata = true;
                (MapKind::Rodata, Some(sec.data))
            }
            SecType::Bss => (MapKind::Bss, None),
            _ => continue,
        };
        // Sections open left in the file have their size but no bytes here.
        let in_file = obj.opts.left.as_ref().is_some_and(|l| l.section(idx).is_some());
        let size = if kind == MapKind::Bss || in_file { sec.size as usize } else { sec.data.len() };
        if size == 0 {
            continue;
        }
        add_internal_map(obj, kind, sec.name, idx, data, size)?;
    }
    Ok(())
}

// Like libbpf, the .kconfig map's "section" is the symbol table (it shows in the debug log).
fn init_kconfig_map(obj: &mut Object, symtab_shndx: usize) -> Result<()> {
    let size = externs::kconfig_map_size(&obj.externs);
    if size == 0 {
        return Ok(());
    }
    add_internal_map(obj, MapKind::Kconfig, ".kconfig", symtab_shndx, None, size as usize)?;
    obj.kconfig_map_idx = Some(obj.maps.len() - 1);
    Ok(())
}

// ---- struct_ops ----

#[inline(never)]
fn init_struct_ops_maps(obj: &mut Object, elf: &Elf, sec_types: &[SecType]) -> Result<()> {
    for (idx, st) in sec_types.iter().enumerate() {
        if *st != SecType::StructOps {
            continue;
        }
        let sec = elf.section(idx).ok_or_else(|| super::format_err("struct_ops section vanished"))?;
        let btf = obj.btf.as_deref().ok_or_else(|| Error::inval("struct_ops init: object has no BTF"))?;
        let sec_name = sec.name;
        let datasec = btfq::find_datasec(btf, sec_name)
            .ok_or_else(|| Error::inval(format!("struct_ops init: DATASEC {sec_name} not found")))?;
        let (autocreate, plain) = match sec_name.strip_prefix('?') {
            Some(rest) => (false, rest),
            None => (true, sec_name),
        };
        let link = plain == ".struct_ops.link";
        let mut new_maps = Vec::new();
        for vsi in btfq::datasec_vars(btf, datasec) {
            let var = btf.ty(vsi.type_id).ok_or_else(|| Error::inval("struct_ops init: bad VAR"))?;
            let var_name = var.name;
            let type_id = btf.resolve_type(vsi.type_id).map_err(|_| {
                Error::inval(format!(
                    "struct_ops init: Cannot resolve var type_id {} in DATASEC {sec_name}",
                    vsi.type_id
                ))
            })?;
            let t = btf.ty(type_id).ok_or_else(|| Error::inval("struct_ops init: bad type"))?;
            if t.name.is_empty() {
                return Err(Error::new(libc::EOPNOTSUPP, "struct_ops init: anonymous type is not supported"));
            }
            if t.kind != Kind::Struct {
                return Err(Error::inval(format!("struct_ops init: {} is not a struct", t.name)));
            }
            let size = t.size_or_type as usize;
            let start = vsi.offset as usize;
            let bytes = start.checked_add(size).and_then(|end| sec.data.get(start..end)).ok_or_else(|| {
                Error::inval(format!("struct_ops init: var {var_name} is beyond the end of DATASEC {sec_name}"))
            })?;
            let mut m = new_map(var_name, MapKind::User)?;
            m.sec_idx = idx;
            m.sec_offset = vsi.offset as u64;
            m.btf_value_type_id = type_id;
            m.autocreate = autocreate;
            m.autoattach = true;
            m.def.map_type = uapi::BPF_MAP_TYPE_STRUCT_OPS;
            m.def.key_size = 4;
            m.def.value_size = t.size_or_type;
            m.def.max_entries = 1;
            m.def.map_flags = if link { uapi::BPF_F_LINK } else { 0 };
            let mut data = Region::heap(size)?;
            data.write(0, bytes)?;
            m.st_ops = Some(StructOps { type_id, data, progs: vec![None; t.vlen as usize], user: None });
            let ((tl, tp), (vl, vp)) = (crate::log::cs(t.name), crate::log::cs(var_name));
            // SAFETY: (c_int, pointer) of live &str for each `%.*s`, u32 for each `%u`.
            unsafe {
                crate::pr_debug_c!(
                    c"libbpf: struct_ops init: struct %.*s(type_id=%u) %.*s found at offset %u\n",
                    tl,
                    tp,
                    type_id,
                    vl,
                    vp,
                    vsi.offset
                )
            };
            new_maps.push(m);
        }
        for m in new_maps {
            obj.maps.push(m);
        }
    }
    Ok(())
}
