//! Relocations recorded at open (applied at load): instruction references to maps, global data,
//! subprograms and externs; `.maps` initial slots (prog arrays, map-in-map); struct_ops
//! function-pointer members bound to programs.

use super::ranges::RangeIndex;
use super::{reloc_err, MapKind, Object, SecType, Slot, BPF_INSN_SZ};
use crate::btf::dedup::FastMap as HashMap;
use crate::btf::Kind;
use crate::elf::{self, Elf};
use crate::error::{Error, Result};
use crate::uapi::{self, BPF_JMP_CALL, BPF_LD_IMM64};
use std::ffi::c_uint;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelocKind {
    /// `ld_imm64` of a map (BTF-defined): map index.
    Ld64 { map: usize },
    /// `ld_imm64` of global data: map index and offset of the symbol in the section.
    Data { map: usize, sym_off: u64 },
    /// bpf-to-bpf call: byte offset of the callee in `.text`.
    Call { sym_off: u64 },
    /// Address of a subprogram (callbacks): byte offset in `.text`.
    SubprogAddr { sym_off: u64 },
    /// `ld_imm64` of an extern variable: index into the object's externs.
    ExternLd64 { ext: usize },
    /// Call of an extern function (kfunc): index into the object's externs.
    ExternCall { ext: usize },
    /// A CO-RE relocation applied at load (`.BTF.ext` record), kept so that a verifier
    /// complaint about its poisoned instruction can be explained after subprogram linking.
    Core { type_id: u32, access_str_off: u32, kind: u32 },
}

impl RelocKind {
    /// libbpf's `enum reloc_type` value, the second key relocations are sorted by.
    pub fn order(&self) -> u32 {
        match self {
            RelocKind::Ld64 { .. } => 0,
            RelocKind::Call { .. } => 1,
            RelocKind::Data { .. } => 2,
            RelocKind::ExternLd64 { .. } => 3,
            RelocKind::ExternCall { .. } => 4,
            RelocKind::SubprogAddr { .. } => 5,
            RelocKind::Core { .. } => 6,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reloc {
    /// Instruction index within the program's own instructions.
    pub insn_idx: usize,
    pub kind: RelocKind,
}

/// What classifying a program relocation looks up, indexed once per open: scanning the externs
/// or maps for every relocation made objects with many of both quadratic to open. Each index
/// keeps the first match, as the scans did. Maps and externs do not change while relocations
/// are collected.
struct Lookups {
    /// Symbol index -> extern.
    ext_of_sym: HashMap<usize, usize>,
    /// (section, offset) -> BTF-defined map.
    user_map_at: HashMap<(usize, u64), usize>,
    /// (kind, section) -> global-data map.
    data_map_of: HashMap<(MapKind, usize), usize>,
    arena: Option<usize>,
}

impl Lookups {
    fn new(obj: &Object) -> Lookups {
        let mut lk = Lookups {
            ext_of_sym: HashMap::default(),
            user_map_at: HashMap::default(),
            data_map_of: HashMap::default(),
            arena: None,
        };
        for (i, e) in obj.externs.iter().enumerate() {
            lk.ext_of_sym.entry(e.sym_idx).or_insert(i);
        }
        for (i, m) in obj.maps.iter().enumerate() {
            if m.kind == MapKind::User {
                lk.user_map_at.entry((m.sec_idx, m.sec_offset)).or_insert(i);
            }
            lk.data_map_of.entry((m.kind, m.sec_idx)).or_insert(i);
            if lk.arena.is_none() && m.def.map_type == uapi::BPF_MAP_TYPE_ARENA {
                lk.arena = Some(i);
            }
        }
        lk
    }
}

pub(super) fn collect(obj: &mut Object, elf: &Elf, sec_types: &[SecType]) -> Result<()> {
    let lookups = Lookups::new(obj);
    for (idx, st) in sec_types.iter().enumerate() {
        if *st != SecType::Relo {
            continue;
        }
        let rel_sec =
            elf.section(idx).ok_or_else(|| Error::new(crate::error::lerr::INTERNAL, "relo section vanished"))?;
        let target = rel_sec.info as usize;
        let rels = elf.rels(rel_sec)?;
        if sec_types.get(target) == Some(&SecType::StructOps) {
            collect_st_ops(obj, elf, target, &rels)?;
        } else if Some(target) == obj.btf_maps_shndx {
            collect_map_slots(obj, elf, &rels)?;
        } else {
            collect_prog(obj, elf, sec_types, &lookups, rel_sec.name, target, &rels)?;
        }
    }
    Ok(())
}

/// The program of section `sec_idx` containing instruction `insn_idx`. Programs are sorted by
/// (section, offset), so the only candidate is the last one starting at or before the
/// instruction: a binary search, as libbpf's `find_prog_by_sec_insn` (a linear scan made an
/// object with many programs and relocations quadratic to open).
fn find_prog_by_sec_insn(obj: &Object, sec_idx: usize, insn_idx: usize) -> Option<usize> {
    let (mut lo, mut hi) = (0, obj.progs.len());
    while lo < hi {
        crate::work::add(crate::work::Kind::ScanStep, 1);
        let mid = lo + (hi - lo) / 2;
        let p = obj.progs.get(mid)?;
        if (p.sec_idx, p.sec_insn_off) <= (sec_idx, insn_idx) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let i = lo.checked_sub(1)?;
    let p = obj.progs.get(i)?;
    (p.sec_idx == sec_idx && insn_idx < p.sec_insn_off + p.sec_insn_cnt).then_some(i)
}

/// The name libbpf gives a relocation's symbol: the section's for an unnamed section symbol
/// ("<?" if that is missing too), else the symbol's own (possibly empty).
fn sym_name<'a>(elf: &'a Elf, sym: &'a elf::Symbol) -> &'a str {
    if sym.typ == elf::STT_SECTION && sym.name.is_empty() {
        elf.section(sym.shndx as usize).map(|s| s.name).unwrap_or("<?")
    } else {
        sym.name
    }
}

fn collect_prog(
    obj: &mut Object,
    elf: &Elf,
    sec_types: &[SecType],
    lookups: &Lookups,
    rel_name: &str,
    sec_idx: usize,
    rels: &[elf::Rel],
) -> Result<()> {
    let sec = elf.section(sec_idx).ok_or_else(|| Error::inval(format!("sec '{rel_name}': bad target section")))?;
    let ((rl, rp), (sl, sp)) = (crate::log::cs(rel_name), crate::log::cs(sec.name));
    // SAFETY: (c_int, pointer) of live &str for each `%.*s`, usize for `%zu`.
    unsafe {
        crate::pr_debug_c!(
            c"libbpf: sec '%.*s': collecting relocation for section(%zu) '%.*s'\n",
            rl,
            rp,
            sec_idx,
            sl,
            sp
        )
    };
    // The program of each relocation, found first so that each program's list is sized once
    // (counted over runs of the same program: relocations come in instruction order).
    let targets: Vec<Option<usize>> = rels
        .iter()
        .map(|rel| {
            let ok = rel.offset % BPF_INSN_SZ as u64 == 0 && rel.offset < sec.data.len() as u64;
            if ok {
                find_prog_by_sec_insn(obj, sec_idx, (rel.offset / BPF_INSN_SZ as u64) as usize)
            } else {
                None
            }
        })
        .collect();
    let mut run: Option<(usize, usize)> = None;
    for t in targets.iter().copied().chain([None]) {
        match (run, t) {
            (Some((p, n)), Some(q)) if p == q => run = Some((p, n + 1)),
            _ => {
                if let Some((p, n)) = run {
                    if let Some(p) = obj.progs.get_mut(p) {
                        p.relos.reserve(n);
                    }
                }
                run = t.map(|q| (q, 1));
            }
        }
    }
    for (i, rel) in rels.iter().enumerate() {
        let sym = elf.symbol(rel.sym as usize).ok_or_else(|| {
            super::format_err(format!("sec '{rel_name}': symbol #{} not found for relo #{i}", rel.sym))
        })?;
        // Reserved indices (SHN_ABS, SHN_COMMON, ...) are past the section count too: libbpf 1.5
        // reports every one of them as a corrupted symbol.
        if sym.shndx as usize >= elf.sections.len() {
            return Err(super::format_err(format!(
                "sec '{rel_name}': corrupted symbol #{} pointing to invalid section #{} for relo #{i}",
                rel.sym, sym.shndx
            )));
        }
        if rel.offset % BPF_INSN_SZ as u64 != 0 || rel.offset >= sec.data.len() as u64 {
            return Err(super::format_err(format!(
                "sec '{rel_name}': invalid offset 0x{:x} for relo #{i}",
                rel.offset
            )));
        }
        let insn_idx = (rel.offset / BPF_INSN_SZ as u64) as usize;
        let name = sym_name(elf, sym);
        let (nl, np) = crate::log::cs(name);
        // SAFETY: (c_int, pointer) of live &str for each `%.*s`, usize for each `%zu`.
        unsafe {
            crate::pr_debug_c!(
                c"libbpf: sec '%.*s': relo #%zu: insn #%zu against '%.*s'\n",
                rl,
                rp,
                i,
                insn_idx,
                nl,
                np
            )
        };
        let Some(pidx) = targets.get(i).copied().flatten() else {
            // SAFETY: (c_int, pointer) of live &str for each `%.*s`, usize for each `%zu`.
            unsafe {
                crate::pr_debug_c!(
                    c"libbpf: sec '%.*s': relo #%zu: couldn't find program in section '%.*s' for insn #%zu, probably overridden weak function, skipping...\n",
                    rl,
                    rp,
                    i,
                    sl,
                    sp,
                    insn_idx
                )
            };
            continue;
        };
        let local = insn_idx - obj.progs.get(pidx).map(|p| p.sec_insn_off).unwrap_or(0);
        let kind = classify(obj, elf, sec_types, lookups, pidx, local, name, sym, rel)?;
        if let Some(p) = obj.progs.get_mut(pidx) {
            p.relos.push(Reloc { insn_idx: local, kind });
        }
    }
    Ok(())
}

// The relocation's context, passed apart because the object is only partly borrowed here.
#[allow(clippy::too_many_arguments)]
fn classify(
    obj: &Object,
    elf: &Elf,
    sec_types: &[SecType],
    lk: &Lookups,
    pidx: usize,
    insn_idx: usize,
    name: &str,
    sym: &elf::Symbol,
    rel: &elf::Rel,
) -> Result<RelocKind> {
    let prog = obj.progs.get(pidx).ok_or_else(|| Error::inval("program vanished"))?;
    let pname = prog.name.as_str();
    let word = prog.insns.get(insn_idx).copied().unwrap_or(0);
    let code = (word & 0xff) as u8;
    let src_reg = ((word >> 12) & 0xf) as u8;
    let imm = (word >> 32) as u32 as i32;
    let is_call = code == BPF_JMP_CALL;
    if !is_call && code != BPF_LD_IMM64 {
        return Err(reloc_err(format!(
            "prog '{pname}': invalid relo against '{name}' for insns[{insn_idx}].code 0x{code:x}"
        )));
    }
    let is_extern = sym.shndx == elf::SHN_UNDEF
        && (sym.bind == elf::STB_GLOBAL || sym.bind == elf::STB_WEAK)
        && sym.typ == elf::STT_NOTYPE;
    if is_extern {
        let ext = lk.ext_of_sym.get(&(rel.sym as usize)).copied().ok_or_else(|| {
            reloc_err(format!("prog '{pname}': extern relo failed to find extern for '{name}' ({})", rel.sym))
        })?;
        let ((pl, pp), (nl, np)) = (crate::log::cs(pname), crate::log::cs(name));
        // SAFETY: (c_int, pointer) of live &str for each `%.*s`, usize for each `%zu`, u32 for `%u`.
        unsafe {
            crate::pr_debug_c!(
                c"libbpf: prog '%.*s': found extern #%zu '%.*s' (sym %u) for insn #%zu\n",
                pl,
                pp,
                ext,
                nl,
                np,
                rel.sym,
                insn_idx
            )
        };
        return Ok(if is_call { RelocKind::ExternCall { ext } } else { RelocKind::ExternLd64 { ext } });
    }
    let shndx = sym.shndx as usize;
    if is_call {
        if src_reg != uapi::BPF_PSEUDO_CALL {
            return Err(reloc_err(format!("prog '{pname}': incorrect bpf_call opcode")));
        }
        if shndx == 0 || shndx != obj.text_shndx {
            let sname = elf.section(shndx).map(|s| s.name).unwrap_or("<?>");
            return Err(reloc_err(format!("prog '{pname}': bad call relo against '{name}' in section '{sname}'")));
        }
        if sym.value % BPF_INSN_SZ as u64 != 0 {
            return Err(reloc_err(format!("prog '{pname}': bad call relo against '{name}' at offset {}", sym.value)));
        }
        return Ok(RelocKind::Call { sym_off: sym.value });
    }
    if shndx == 0 || sym.shndx >= 0xff00 {
        return Err(reloc_err(format!(
            "prog '{pname}': invalid relo against '{name}' in special section 0x{:x}; forgot to initialize global var?..",
            sym.shndx
        )));
    }
    // Address of a subprogram (callback).
    let is_subprog_sym = shndx == obj.text_shndx
        && ((sym.bind == elf::STB_LOCAL && sym.typ == elf::STT_SECTION)
            || sym.typ == elf::STT_FUNC && (sym.bind == elf::STB_GLOBAL || sym.bind == elf::STB_WEAK));
    if is_subprog_sym {
        if sym.value % BPF_INSN_SZ as u64 != 0 || imm % BPF_INSN_SZ as i32 != 0 {
            return Err(reloc_err(format!(
                "prog '{pname}': bad subprog addr relo against '{name}' at offset {}+{imm}",
                sym.value
            )));
        }
        return Ok(RelocKind::SubprogAddr { sym_off: sym.value });
    }
    let sname = elf.section(shndx).map(|s| s.name).unwrap_or("<?>");
    // Arena globals.
    if sname == ".addr_space.1" {
        let map = lk.arena.ok_or_else(|| reloc_err(format!("prog '{pname}': arena relo without an ARENA map")))?;
        return Ok(RelocKind::Data { map, sym_off: sym.value });
    }
    if Some(shndx) == obj.btf_maps_shndx {
        let map = lk.user_map_at.get(&(shndx, sym.value)).copied().ok_or_else(|| {
            reloc_err(format!("prog '{pname}': map relo failed to find map for section '{sname}', off {}", sym.value))
        })?;
        log_found_map(obj, pname, "map", map, "#", insn_idx);
        return Ok(RelocKind::Ld64 { map });
    }
    let kind = match sec_types.get(shndx) {
        Some(SecType::Data) => MapKind::Data,
        Some(SecType::Rodata) => MapKind::Rodata,
        Some(SecType::Bss) => MapKind::Bss,
        _ => {
            return Err(reloc_err(
                if matches!(sec_types.get(shndx), Some(SecType::None))
                    && elf.section(shndx).is_some_and(|s| !s.is_exec())
                {
                    format!("prog '{pname}': bad data relo against section '{sname}'")
                } else {
                    format!("prog '{pname}': bad map relo against '{name}' in section '{sname}'")
                },
            ))
        }
    };
    let map = lk
        .data_map_of
        .get(&(kind, shndx))
        .copied()
        .ok_or_else(|| reloc_err(format!("prog '{pname}': data relo failed to find map for section '{sname}'")))?;
    log_found_map(obj, pname, "data map", map, "", insn_idx);
    Ok(RelocKind::Data { map, sym_off: sym.value })
}

// libbpf's "found map" debug line; `hash` is "#" for BTF-defined maps and "" for data maps
// (libbpf 1.5 prints the two differently).
fn log_found_map(obj: &Object, pname: &str, what: &str, map: usize, hash: &str, insn_idx: usize) {
    if let Some(m) = obj.maps.get(map) {
        let ((pl, pp), (wl, wp), (hl, hp)) = (crate::log::cs(pname), crate::log::cs(what), crate::log::cs(hash));
        // SAFETY: (c_int, pointer) of live &str for each `%.*s`, usize for `%zu`, the map's
        // NUL-terminated name for `%s`, its u64 section offset for `%llu`.
        unsafe {
            crate::pr_debug_c!(
                c"libbpf: prog '%.*s': found %.*s %zu (%s, sec %zu, off %llu) for insn %.*s%zu\n",
                pl,
                pp,
                wl,
                wp,
                map,
                m.name.as_ptr(),
                m.sec_idx,
                m.sec_offset,
                hl,
                hp,
                insn_idx
            )
        };
    }
}

#[inline(never)] // only for a `.maps` section's relocations (`link/hot-text.ld`)
fn collect_map_slots(obj: &mut Object, elf: &Elf, rels: &[elf::Rel]) -> Result<()> {
    let Some(maps_shndx) = obj.btf_maps_shndx else { return Ok(()) };
    let btf = obj.btf.as_deref().ok_or_else(|| Error::inval(".maps relocations without BTF"))?;
    let sec_id = super::btfq::find_datasec(btf, ".maps")
        .ok_or_else(|| Error::inval(".maps relocations without a .maps DATASEC"))?;
    let vars = super::btfq::datasec_vars(btf, sec_id);
    // Lookups built once (a scan of every map or program per relocation made an object with
    // many initial slots quadratic to open), each giving what the scan would have found first.
    // The user maps of `.maps` by the byte range of their DATASEC variable: a relocation lands
    // in the first (in map order) whose range holds its 8 bytes.
    let slot_maps = RangeIndex::new(
        obj.maps
            .iter()
            .enumerate()
            .filter(|(_, m)| m.sec_idx == maps_shndx && m.kind == MapKind::User)
            .filter_map(|(j, m)| {
                crate::work::add(crate::work::Kind::ScanStep, 1);
                let vi = vars.get(m.btf_var_idx)?;
                Some((vi.offset as u64, vi.offset as u64 + vi.size as u64, j))
            })
            .collect(),
    );
    let mut map_by_name: Option<HashMap<&[u8], usize>> = None;
    let mut prog_by_name: Option<HashMap<&[u8], usize>> = None;
    let mut updates = Vec::new();
    for (i, rel) in rels.iter().enumerate() {
        let sym = elf
            .symbol(rel.sym as usize)
            .ok_or_else(|| super::format_err(format!(".maps relo #{i}: symbol {:x} not found", rel.sym)))?;
        let name = if sym.name.is_empty() { "<?>" } else { sym.name };
        let (nl, np) = crate::log::cs(name);
        // SAFETY: usize for `%zu`, u32 for each `%u`, u64 for each `%llu`, (c_int, pointer) of a
        // live &str for `%.*s`.
        unsafe {
            crate::pr_debug_c!(
                c"libbpf: .maps relo #%zu: for %u value %llu rel->r_offset %llu name %u ('%.*s')\n",
                i,
                rel.sym,
                sym.value,
                rel.offset,
                sym.name_off,
                nl,
                np
            )
        };
        // r_offset is file data: near u64::MAX the end would wrap and match.
        let midx = rel.offset.checked_add(8).and_then(|end| slot_maps.find(rel.offset, end)).ok_or_else(|| {
            Error::inval(format!(".maps relo #{i}: cannot find map '{name}' at rel->r_offset {}", rel.offset))
        })?;
        let map = obj.maps.get(midx).ok_or_else(|| Error::inval("map vanished"))?;
        let mname = map.name.to_string_lossy();
        let slot = if super::map_type_is_map_in_map(map.def.map_type) {
            if Some(sym.shndx as usize) != obj.btf_maps_shndx {
                return Err(reloc_err(format!(".maps relo #{i}: '{name}' isn't a BTF-defined map")));
            }
            if map.def.map_type == uapi::BPF_MAP_TYPE_HASH_OF_MAPS && map.def.key_size != 4 {
                return Err(Error::inval(format!(".maps relo #{i}: hash-of-maps '{mname}' should have key size 4.")));
            }
            let by_name = map_by_name.get_or_insert_with(|| {
                let mut h = HashMap::default();
                for (j, m) in obj.maps.iter().enumerate() {
                    crate::work::add(crate::work::Kind::ScanStep, 1);
                    if let Some(r) = &m.real_name {
                        h.entry(r.as_bytes()).or_insert(j);
                    }
                    h.entry(m.name.as_bytes()).or_insert(j);
                }
                h
            });
            crate::work::add(crate::work::Kind::ScanStep, 1);
            let t = by_name.get(name.as_bytes()).copied().ok_or_else(|| {
                Error::new(libc::ESRCH, format!(".maps relo #{i}: '{name}' isn't a valid map reference"))
            })?;
            Slot::Map(t)
        } else if map.def.map_type == uapi::BPF_MAP_TYPE_PROG_ARRAY {
            let by_name = prog_by_name.get_or_insert_with(|| {
                let mut h = HashMap::default();
                for (j, p) in obj.programs() {
                    crate::work::add(crate::work::Kind::ScanStep, 1);
                    h.entry(p.name.to_bytes()).or_insert(j);
                }
                h
            });
            crate::work::add(crate::work::Kind::ScanStep, 1);
            let t = by_name.get(name.as_bytes()).copied().ok_or_else(|| {
                Error::new(libc::ESRCH, format!(".maps relo #{i}: '{name}' isn't a valid program reference"))
            })?;
            let p = obj.progs.get(t).ok_or_else(|| Error::inval("program vanished"))?;
            if p.sec_idx != sym.shndx as usize || (p.sec_insn_off * 8) as u64 != sym.value || obj.is_subprog(p) {
                return Err(reloc_err(format!(".maps relo #{i}: '{name}' isn't an entry-point program")));
            }
            Slot::Prog(t)
        } else {
            return Err(Error::inval(format!(".maps relo #{i}: map '{mname}' can't have initial values")));
        };
        let vi = vars[map.btf_var_idx];
        let var = btf.ty(vi.type_id).ok_or_else(|| Error::inval("bad .maps VAR"))?;
        let (_, def) = btf.skip_mods_and_typedefs(var.size_or_type).ok_or_else(|| Error::inval("bad .maps def"))?;
        let members =
            def.members().ok_or_else(|| Error::inval(format!(".maps relo #{i}: map '{mname}' def has no members")))?;
        let last = members
            .get(members.len().wrapping_sub(1))
            .filter(|m| m.name == "values")
            .ok_or_else(|| Error::inval(format!(".maps relo #{i}: map '{mname}' has no 'values' member")))?;
        let moff = (last.bit_offset / 8) as u64;
        let rel_off = rel.offset - vi.offset as u64;
        if rel_off < moff || (rel_off - moff) % 8 != 0 {
            return Err(Error::inval(format!(".maps relo #{i}: bad slot offset in map '{mname}'")));
        }
        let slot_idx = ((rel_off - moff) / 8) as usize;
        if slot_idx > 1 << 20 {
            return Err(Error::inval(format!(".maps relo #{i}: slot {slot_idx} of map '{mname}' is implausible")));
        }
        let what = if matches!(slot, Slot::Map(_)) { c"map" } else { c"prog" };
        // SAFETY: usize for each `%zu`, the map's NUL-terminated name and a NUL-terminated literal
        // for the `%s`, (c_int, pointer) of a live &str for `%.*s`.
        unsafe {
            crate::pr_debug_c!(
                c"libbpf: .maps relo #%zu: map '%s' slot [%zu] points to %s '%.*s'\n",
                i,
                map.name.as_ptr(),
                slot_idx,
                what.as_ptr(),
                nl,
                np
            )
        };
        updates.push((midx, slot_idx, slot));
    }
    for (midx, slot_idx, slot) in updates {
        if let Some(m) = obj.maps.get_mut(midx) {
            if m.init_slots.len() <= slot_idx {
                m.init_slots.resize(slot_idx + 1, None);
            }
            m.init_slots[slot_idx] = Some(slot);
        }
    }
    Ok(())
}

/// Does member type `id` resolve to a function pointer?
fn is_func_ptr(btf: &crate::btf::Btf, id: u32) -> bool {
    let Some((_, t)) = btf.skip_mods_and_typedefs(id) else { return false };
    if t.kind != Kind::Ptr {
        return false;
    }
    btf.skip_mods_and_typedefs(t.size_or_type).is_some_and(|(_, f)| f.kind == Kind::FuncProto)
}

#[inline(never)] // only for a struct_ops section's relocations (`link/hot-text.ld`)
fn collect_st_ops(obj: &mut Object, elf: &Elf, sec_idx: usize, rels: &[elf::Rel]) -> Result<()> {
    for rel in rels {
        let sym = elf
            .symbol(rel.sym as usize)
            .ok_or_else(|| super::format_err(format!("struct_ops reloc: symbol {:x} not found", rel.sym)))?;
        let midx = obj
            .maps
            .iter()
            .position(|m| {
                crate::work::add(crate::work::Kind::ScanStep, 1);
                m.sec_idx == sec_idx
                    && m.st_ops.is_some()
                    && rel.offset >= m.sec_offset
                    && rel.offset < m.sec_offset + m.def.value_size as u64
            })
            .ok_or_else(|| {
                Error::inval(format!("struct_ops reloc: cannot find map at rel->r_offset {}", rel.offset))
            })?;
        let map = obj.maps.get(midx).ok_or_else(|| Error::inval("map vanished"))?;
        let mname = map.name.to_string_lossy();
        let moff = rel.offset - map.sec_offset;
        let (nl, np) = crate::log::cs(sym.name);
        // SAFETY: the map's NUL-terminated name for `%s`, u32 for each `%u` (the u16 section
        // index widened), u64 for each `%llu`, (c_int, pointer) of a live &str for `%.*s`.
        unsafe {
            crate::pr_debug_c!(
                c"libbpf: struct_ops reloc %s: for %u value %llu shdr_idx %u rel->r_offset %llu map->sec_offset %llu name %u ('%.*s')\n",
                map.name.as_ptr(),
                rel.sym,
                sym.value,
                sym.shndx as c_uint,
                rel.offset,
                map.sec_offset,
                sym.name_off,
                nl,
                np
            )
        };
        if sym.shndx >= 0xff00 {
            return Err(reloc_err(format!(
                "struct_ops reloc {mname}: rel->r_offset {} shdr_idx {} unsupported non-static function",
                rel.offset, sym.shndx
            )));
        }
        if sym.value % BPF_INSN_SZ as u64 != 0 {
            return Err(super::format_err(format!(
                "struct_ops reloc {mname}: invalid target program offset {}",
                sym.value
            )));
        }
        let btf = obj.btf.as_deref().ok_or_else(|| Error::inval("struct_ops without BTF"))?;
        let type_id = map.st_ops.as_ref().map(|s| s.type_id).unwrap_or(0);
        let t = btf.ty(type_id).ok_or_else(|| Error::inval("struct_ops type vanished"))?;
        // Members' offsets read raw up to the one at `moff`; only that one is decoded (its name).
        let members = t.members();
        let found = members.and_then(|ms| {
            let i = (0..ms.len()).find(|&i| ms.fields(i).is_some_and(|(_, _, bit)| bit as u64 == moff * 8))?;
            Some((i, ms.get(i)?))
        });
        let (member_idx, member) = found
            .ok_or_else(|| Error::inval(format!("struct_ops reloc {mname}: cannot find member at moff {moff}")))?;
        if !is_func_ptr(btf, member.type_id) {
            return Err(Error::inval(format!(
                "struct_ops reloc {mname}: cannot relocate non func ptr {}",
                member.name
            )));
        }
        let insn_idx = (sym.value / BPF_INSN_SZ as u64) as usize;
        let pidx = find_prog_by_sec_insn(obj, sym.shndx as usize, insn_idx).ok_or_else(|| {
            Error::inval(format!(
                "struct_ops reloc {mname}: cannot find prog at shdr_idx {} to relocate func ptr {}",
                sym.shndx, member.name
            ))
        })?;
        let prog = obj.progs.get(pidx).ok_or_else(|| Error::inval("program vanished"))?;
        if prog.prog_type != uapi::BPF_PROG_TYPE_STRUCT_OPS {
            return Err(Error::inval(format!(
                "struct_ops reloc {mname}: prog {} is not struct_ops BPF program",
                prog.name.to_string_lossy()
            )));
        }
        let prog_ptr = obj.progs.ptr(pidx) as usize as u64;
        let map = obj.maps.get_mut(midx).ok_or_else(|| Error::inval("map vanished"))?;
        if let Some(st) = map.st_ops.as_mut() {
            if let Some(slot) = st.progs.get_mut(member_idx) {
                *slot = Some(pidx);
            }
            // The shadow's function-pointer slot holds the `struct bpf_program *`.
            st.data.write(moff as usize, &prog_ptr.to_ne_bytes())?;
        }
    }
    Ok(())
}
