//! `oxbpf btf dump`: BTF as C (bpftool 7.5's vmlinux.h layout: prelude, types in bpftool's
//! stable sorted order, kfunc prototypes, epilogue) or in bpftool's raw text format.

use super::skeleton::Emitter;
use crate::btf::{Btf, Detail, Kind};
use crate::error::Result;

/// Name of the decl tag pahole puts on kernel functions callable from BPF.
const KFUNC_DECL_TAG: &str = "bpf_kfunc";
/// Rank of kinds that sort last.
const MAX_RANK: u32 = 10;

/// Sort group of a type: anonymous enums first, then named enums, scalars, named structs and
/// unions, named function prototypes; references take their target's group when named.
fn rank(btf: &Btf, id: u32, named: bool) -> u32 {
    let Some(t) = btf.ty(id) else { return MAX_RANK };
    let named = named || t.name_off != 0;
    match t.kind {
        Kind::Enum | Kind::Enum64 => u32::from(named),
        Kind::Int | Kind::Float => 2,
        Kind::Struct | Kind::Union if named => 3,
        Kind::FuncProto if named => 4,
        Kind::Array if named => t.array().map_or(MAX_RANK, |(elem, _, _)| rank(btf, elem, true)),
        Kind::TypeTag | Kind::Const | Kind::Ptr | Kind::Volatile | Kind::Restrict | Kind::Typedef | Kind::DeclTag
            if named =>
        {
            rank(btf, t.size_or_type, true)
        }
        _ => MAX_RANK,
    }
}

/// Primary sort key: the name of the type, of what a reference points to, or for an anonymous
/// enum its first enumerator.
fn sort_name(btf: &Btf, id: u32, from_ref: bool) -> &[u8] {
    let Some(t) = btf.ty(id) else { return b"" };
    match t.kind {
        Kind::Enum | Kind::Enum64 => {
            if !from_ref && t.name_off == 0 && t.vlen > 0 {
                if let Some(v) = t.enum_values().and_then(|vs| vs.get(0)) {
                    return v.name.as_bytes();
                }
            }
            t.name.as_bytes()
        }
        Kind::Array => t.array().map_or(b"" as &[u8], |(elem, _, _)| sort_name(btf, elem, true)),
        Kind::TypeTag | Kind::Const | Kind::Ptr | Kind::Volatile | Kind::Restrict | Kind::Typedef | Kind::DeclTag => {
            sort_name(btf, t.size_or_type, true)
        }
        _ => t.name.as_bytes(),
    }
}

/// libbpf's string hash (`h * 31 + c` over C `char`s, signed on x86).
fn str_hash(s: &[u8]) -> u64 {
    s.iter().fold(0u64, |h, &c| h.wrapping_mul(31).wrapping_add(c as i8 as i64 as u64))
}

fn mix(h: u64, v: u64) -> u64 {
    h.wrapping_mul(31).wrapping_add(v)
}

fn mix_name(h: u64, name_off: u32, name: &str) -> u64 {
    if name_off == 0 {
        h
    } else {
        mix(h, str_hash(name.as_bytes()))
    }
}

/// Last tie-breaker of the sort: a hash of the names in a type (enumerators; members and
/// their types' names for structs and unions when `members`; through references).
fn disambig_hash(btf: &Btf, id: u32, members: bool, depth: u32) -> u64 {
    let Some(t) = btf.ty(id) else { return 0 };
    let mut h = mix_name(0, t.name_off, t.name);
    if depth > 64 {
        return h;
    }
    match t.kind {
        Kind::Enum | Kind::Enum64 => {
            for v in t.enum_values().into_iter().flat_map(|vs| vs.iter()) {
                h = mix_name(h, v.name_off, v.name);
            }
        }
        Kind::Struct | Kind::Union if members => {
            for m in t.members().into_iter().flat_map(|ms| ms.iter()) {
                h = mix_name(h, m.name_off, m.name);
                h = mix(h, disambig_hash(btf, m.type_id, false, depth + 1));
            }
        }
        Kind::TypeTag | Kind::Const | Kind::Ptr | Kind::Volatile | Kind::Restrict | Kind::Typedef | Kind::DeclTag => {
            h = mix(h, disambig_hash(btf, t.size_or_type, members, depth + 1));
        }
        Kind::Array => {
            if let Some((elem, _, n)) = t.array() {
                h = mix(h, n as u64);
                h = mix(h, disambig_hash(btf, elem, members, depth + 1));
            }
        }
        _ => {}
    }
    h
}

/// Sort key of one type: rank, sort name, own name, tie-break hash, id.
type SortKey<'a> = (u32, &'a [u8], &'a [u8], u64, u32);

/// Type ids in bpftool's sorted order (position 0 included, as bpftool sorts every id).
fn sorted_ids(btf: &Btf) -> Vec<u32> {
    let mut keys: Vec<SortKey<'_>> = (0..btf.type_cnt())
        .map(|id| {
            let own = btf.ty(id).map_or(b"" as &[u8], |t| t.name.as_bytes());
            (rank(btf, id, false), sort_name(btf, id, false), own, disambig_hash(btf, id, true, 0), id)
        })
        .collect();
    keys.sort_unstable();
    keys.into_iter().map(|k| k.4).collect()
}

/// The C header bpftool 7.5 prints for `btf dump ... format c` (`roots`: only these types,
/// without kfuncs; `sort`: false for `unsorted`).
pub fn dump_c(btf: &Btf, roots: &[u32], sort: bool) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(8 << 20);
    out.extend_from_slice(
        b"#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n\
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n\
#ifndef __ksym\n#define __ksym __attribute__((section(\".ksyms\")))\n#endif\n\n\
#ifndef __weak\n#define __weak __attribute__((weak))\n#endif\n\n",
    );
    let mut em = Emitter::new(btf)?;
    if !roots.is_empty() {
        for &id in roots {
            em.dump_type(&mut out, btf, id)?;
        }
    } else {
        let order: Vec<u32> = if sort { sorted_ids(btf) } else { (0..btf.type_cnt()).collect() };
        // bpftool walks positions 1.. of its sorted array, whatever type sorted first.
        for &id in order.iter().skip(1) {
            em.dump_type(&mut out, btf, id)?;
        }
        kfuncs(&mut out, &mut em, btf)?;
    }
    out.extend_from_slice(
        b"#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n",
    );
    Ok(out)
}

/// `extern` prototypes of the functions tagged `bpf_kfunc`, sorted by name.
fn kfuncs(out: &mut Vec<u8>, em: &mut Emitter, btf: &Btf) -> Result<()> {
    out.extend_from_slice(b"\n/* BPF kfuncs */\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n");
    let mut fns: Vec<(&str, u32)> = Vec::new();
    for id in 1..btf.type_cnt() {
        let Some(t) = btf.ty(id) else { continue };
        if t.kind != Kind::DeclTag || t.name != KFUNC_DECL_TAG {
            continue;
        }
        if !matches!(t.detail, Detail::DeclTag { component_idx: -1 }) {
            continue;
        }
        if let Some(f) = btf.ty(t.size_or_type).filter(|f| f.kind == Kind::Func) {
            fns.push((f.name, f.size_or_type));
        }
    }
    fns.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut s = String::new();
    for (name, proto) in fns {
        s.push_str("extern ");
        em.decl(&mut s, btf, proto, name, 0, false)?;
        s.push_str(" __weak __ksym;\n");
    }
    out.extend_from_slice(s.as_bytes());
    out.extend_from_slice(b"#endif\n\n");
    Ok(())
}

/// Every own type in bpftool's raw format, one entry per type.
pub fn dump_raw(btf: &Btf, roots: &[u32]) -> String {
    let ids: Vec<u32> =
        if roots.is_empty() { (btf.start_id().max(1)..btf.type_cnt()).collect() } else { roots.to_vec() };
    let mut s = String::new();
    for id in ids {
        if let Some(t) = btf.dump_raw(id) {
            s.push_str(&t);
            s.push('\n');
        }
    }
    s
}
