//! Access specifications: the parsed form of a relocation's access string against the local BTF
//! (libbpf's `bpf_core_parse_spec`), the matching of that spec against a candidate target type
//! (`bpf_core_spec_match`), and the log format (`bpf_core_format_spec`).
//!
//! A spec has two levels. The raw spec is the access string itself, one number per level of
//! nesting, anonymous struct/union members included ("0:1:2:3"). The high-level spec keeps only
//! the meaningful steps: the initial `ptr[N]`, named fields and array indices. Matching walks the
//! high-level local spec and rebuilds both levels in the target, since a field may sit in a
//! different anonymous member there.

use super::compat::{essential_eq, essential_name_len, fields_are_compat, types_are_compat, types_match, Budget};
use super::{is_enumval_based, is_field_based, is_type_based, kind_str, relo_kind_str, skip, BPF_CORE_TYPE_MATCHES};
use crate::btf::ext::CoreRelo;
use crate::btf::{Btf, Kind, NameIs, Type};
use crate::error::{Error, Result};
use std::fmt::Write;

/// libbpf's `BPF_CORE_SPEC_MAX_LEN`: at most this many raw and high-level accessors.
pub const SPEC_MAX_LEN: usize = 64;

/// One high-level step: a named field of the composite `type_id` (member `idx`), or an array
/// element `idx` whose element type is `type_id` (`name` is `None`). For enum value relocations,
/// the enumerator `idx` of enum `type_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accessor<'a> {
    pub type_id: u32,
    pub idx: u32,
    pub name: Option<&'a str>,
}

/// A parsed (local) or matched (target) specification, `struct bpf_core_spec`.
#[derive(Clone, Debug)]
pub struct Spec<'a> {
    pub btf: &'a Btf,
    /// High-level accessors.
    pub spec: Vec<Accessor<'a>>,
    /// The relocation's root type, before modifiers and typedefs are skipped.
    pub root_type_id: u32,
    pub relo_kind: u32,
    /// Raw accessors, one per component of the access string.
    pub raw: Vec<u32>,
    /// Bit offset of the accessed field from the root pointer.
    pub bit_offset: u32,
}

impl<'a> Spec<'a> {
    /// A spec with no accessors (what matching starts from).
    pub fn empty(btf: &'a Btf, root_type_id: u32, relo_kind: u32) -> Self {
        Spec { btf, spec: Vec::new(), root_type_id, relo_kind, raw: Vec::new(), bit_offset: 0 }
    }
}

fn inval(msg: impl Into<String>) -> Error {
    Error::inval(msg)
}

/// `a * size * 8` added to a bit offset, as an error if it leaves `u32` (libbpf wraps silently).
fn add_bits(bit_offset: u32, idx: u32, size: u32) -> Result<u32> {
    (idx as u64)
        .checked_mul(size as u64)
        .and_then(|b| b.checked_mul(8))
        .and_then(|b| b.checked_add(bit_offset as u64))
        .and_then(|b| u32::try_from(b).ok())
        .ok_or_else(|| {
            Error::new(libc::E2BIG, format!("bit offset of index {idx} in {size}-byte elements exceeds 32 bits"))
        })
}

/// One number of an access string the way `sscanf("%d")` reads it (leading white space, optional
/// sign, digits); returns the value and the bytes consumed.
fn scan_int(s: &[u8]) -> Option<(i64, usize)> {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut v: i64 = 0;
    while let Some(d) = s.get(i).filter(|c| c.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add((d - b'0') as i64);
        i += 1;
    }
    (i > start).then_some((if neg { -v } else { v }, i))
}

/// Split an access string into raw indices as libbpf does (`"0:1:2"` → `[0, 1, 2]`).
fn parse_access(s: &str) -> Result<Vec<u32>> {
    let b = s.as_bytes();
    let mut pos = 0;
    let mut raw = Vec::new();
    while pos < b.len() {
        if b[pos] == b':' {
            pos += 1;
        }
        let (v, n) = scan_int(&b[pos..])
            .ok_or_else(|| inval(format!("access string '{s}': expected a number at byte {pos}")))?;
        if raw.len() == SPEC_MAX_LEN {
            return Err(Error::new(
                libc::E2BIG,
                format!("access string '{s}' has more than {SPEC_MAX_LEN} components"),
            ));
        }
        // libbpf stores these in an int and misbehaves on negative ones; refuse them.
        let v = u32::try_from(v)
            .ok()
            .filter(|&v| v <= i32::MAX as u32)
            .ok_or_else(|| inval(format!("access string '{s}': index {v} is negative or too large")))?;
        pos += n;
        raw.push(v);
    }
    if raw.is_empty() {
        return Err(inval(format!("access string '{s}' has no components")));
    }
    Ok(raw)
}

/// `bpf_core_parse_spec`: turn `relo`'s access string into a local spec against `btf`, checking
/// every index against the types it walks through and computing the field's bit offset.
pub fn parse_spec<'a>(prog_name: &str, btf: &'a Btf, relo: &CoreRelo) -> Result<Spec<'a>> {
    let spec_str = btf
        .str_at(relo.access_str_off)
        .ok_or_else(|| inval(format!("access string offset {} is out of range", relo.access_str_off)))?;
    if spec_str.is_empty() || spec_str.starts_with(':') {
        return Err(inval(format!("access string '{spec_str}' is empty or starts with ':'")));
    }
    let mut spec = Spec::empty(btf, relo.type_id, relo.kind);

    // type-based relocations carry no field access, just "0"
    if is_type_based(relo.kind) {
        if spec_str != "0" {
            return Err(inval(format!("type-based relocation has access string '{spec_str}' instead of '0'")));
        }
        return Ok(spec);
    }

    spec.raw = parse_access(spec_str)?;
    let (mut id, t) = skip(btf, relo.type_id)?;
    let first = spec.raw[0];
    spec.spec.push(Accessor { type_id: id, idx: first, name: None });

    if is_enumval_based(relo.kind) {
        let vals = t.enum_values().ok_or_else(|| inval(format!("enum value relocation on {t}, not an enum")))?;
        if spec.raw.len() > 1 {
            return Err(inval(format!("enum value relocation has {} access components, expected 1", spec.raw.len())));
        }
        let v = vals
            .get(first as usize)
            .ok_or_else(|| inval(format!("enumerator index {first} is out of range ({t} has {} values)", t.vlen)))?;
        spec.spec[0].name = Some(v.name);
        return Ok(spec);
    }

    if !is_field_based(relo.kind) {
        return Err(inval(format!("unknown relocation kind {}", relo.kind)));
    }

    let sz = btf.resolve_size(id)?;
    spec.bit_offset = add_bits(0, first, sz)?;

    for i in 1..spec.raw.len() {
        let (tid, t) = skip(btf, id)?;
        id = tid;
        let access_idx = spec.raw[i];
        if let Some(ms) = t.members() {
            let m = ms.get(access_idx as usize).ok_or_else(|| {
                inval(format!("member index {access_idx} is out of range ({t} has {} members)", t.vlen))
            })?;
            spec.bit_offset = spec.bit_offset.checked_add(m.bit_offset).ok_or_else(|| {
                Error::new(libc::E2BIG, format!("bit offset of member {access_idx} of {t} exceeds 32 bits"))
            })?;
            if m.name_off != 0 {
                if m.name.is_empty() {
                    return Err(inval(format!("member {access_idx} of {t} has an empty name")));
                }
                spec.spec.push(Accessor { type_id: id, idx: access_idx, name: Some(m.name) });
            }
            id = m.type_id;
        } else if let Some((elem, _, nelems)) = t.array() {
            let (eid, _) = skip(btf, elem)?;
            id = eid;
            let prev = spec.spec[spec.spec.len() - 1];
            if !is_flex_arr(btf, &prev, nelems) && access_idx >= nelems {
                return Err(inval(format!("array index {access_idx} is out of range ({t} has {nelems} elements)")));
            }
            spec.spec.push(Accessor { type_id: id, idx: access_idx, name: None });
            let sz = btf.resolve_size(id)?;
            spec.bit_offset = add_bits(spec.bit_offset, access_idx, sz)?;
        } else {
            crate::pr_warn!(
                "prog '{prog_name}': relo for [{}] {spec_str} (at idx {i}) captures type [{id}] of unexpected kind {}",
                relo.type_id,
                kind_str(t.kind)
            );
            return Err(inval(format!(
                "access component {i} indexes into {t}, which is neither a struct/union nor an array"
            )));
        }
    }
    Ok(spec)
}

/// libbpf's `is_flex_arr`: a zero-length array that is the last member of the struct the previous
/// (named) accessor points into.
fn is_flex_arr(btf: &Btf, prev: &Accessor<'_>, nelems: u32) -> bool {
    if prev.name.is_none() || nelems > 0 {
        return false;
    }
    btf.ty(prev.type_id).is_some_and(|t| t.vlen > 0 && prev.idx == t.vlen as u32 - 1)
}

/// `bpf_core_match_member`: find the local named accessor's field among the members of target
/// composite `targ_id`, descending into anonymous members, extending `spec`'s raw and high-level
/// accessors and bit offset as it goes. On a match, `next_targ_id` is the target field's type.
fn match_member<'t>(
    local: &Btf,
    local_acc: &Accessor<'_>,
    targ: &'t Btf,
    targ_id: u32,
    spec: &mut Spec<'t>,
    next_targ_id: &mut u32,
    budget: &mut Budget,
) -> Result<bool> {
    let (targ_id, tt) = skip(targ, targ_id)?;
    let Some(tms) = tt.members() else { return Ok(false) };
    let lm = local
        .ty(local_acc.type_id)
        .and_then(|t| t.members())
        .and_then(|ms| ms.get(local_acc.idx as usize))
        .ok_or_else(|| inval(format!("local accessor [{}] member {} is missing", local_acc.type_id, local_acc.idx)))?;

    // Member names are compared undecoded (Btf::name_is): decoding every member's name was
    // most of a CO-RE load.
    let want = lm.name.as_bytes();
    for i in 0..tms.len() {
        let Some((name_off, m_type_id, bit_offset)) = tms.fields(i) else { break };
        budget.spend(1)?;
        if spec.raw.len() == SPEC_MAX_LEN {
            return Err(Error::new(libc::E2BIG, format!("target struct/union nesting exceeds {SPEC_MAX_LEN} levels")));
        }
        // speculate that this member is the one
        spec.bit_offset = spec.bit_offset.wrapping_add(bit_offset);
        spec.raw.push(i as u32);

        let name_is = targ.name_is(name_off, want);
        if name_is == NameIs::Empty {
            // embedded anonymous struct/union: look inside
            let found = match_member(local, local_acc, targ, m_type_id, spec, next_targ_id, budget)?;
            if found {
                return Ok(true);
            }
        } else if name_is == NameIs::Equal {
            let name = targ.str_at(name_off).unwrap_or("");
            spec.spec.push(Accessor { type_id: targ_id, idx: i as u32, name: Some(name) });
            *next_targ_id = m_type_id;
            let found = fields_are_compat(local, lm.type_id, targ, m_type_id)?;
            if !found {
                spec.spec.pop();
            }
            return Ok(found);
        }
        // not this member
        spec.bit_offset = spec.bit_offset.wrapping_sub(bit_offset);
        spec.raw.pop();
    }
    Ok(false)
}

/// `bpf_core_spec_match`: try to match `local` against candidate `targ_id` of `targ`. `out` is
/// (re)filled with the target spec, complete on `Ok(true)` and partial otherwise (for the log).
pub fn spec_match<'t>(local: &Spec<'_>, targ: &'t Btf, targ_id: u32, out: &mut Spec<'t>) -> Result<bool> {
    *out = Spec::empty(targ, targ_id, local.relo_kind);

    if is_type_based(local.relo_kind) {
        return if local.relo_kind == BPF_CORE_TYPE_MATCHES {
            types_match(local.btf, local.root_type_id, targ, targ_id)
        } else {
            types_are_compat(local.btf, local.root_type_id, targ, targ_id)
        };
    }

    let local_acc = local.spec.first().ok_or_else(|| inval("local spec has no accessors"))?;

    if is_enumval_based(local.relo_kind) {
        let (tid, tt) = skip(targ, targ_id)?;
        let Some(vals) = tt.enum_values() else { return Ok(false) };
        let lname = local_acc.name.unwrap_or("");
        let llen = essential_name_len(lname);
        for (i, v) in vals.iter().enumerate() {
            if essential_name_len(v.name) != llen || !essential_eq(lname, v.name) {
                continue;
            }
            out.spec.push(Accessor { type_id: tid, idx: i as u32, name: Some(v.name) });
            out.raw.push(i as u32);
            return Ok(true);
        }
        return Ok(false);
    }

    if !is_field_based(local.relo_kind) {
        return Err(inval(format!("unknown relocation kind {}", local.relo_kind)));
    }

    let mut targ_id = targ_id;
    let mut budget = Budget::new();
    for (i, la) in local.spec.iter().enumerate() {
        let (tid, tt) = skip(targ, targ_id)?;
        targ_id = tid;
        if la.name.is_some() {
            let mut next = targ_id;
            if !match_member(local.btf, la, targ, targ_id, out, &mut next, &mut budget)? {
                return Ok(false);
            }
            targ_id = next;
        } else {
            // for i == 0, targ_id is the root itself (ptr[N]); further ones index arrays
            if i > 0 {
                let Some((elem, _, nelems)) = tt.array() else { return Ok(false) };
                let prev = out.spec[i - 1];
                if !is_flex_arr(targ, &prev, nelems) && la.idx >= nelems {
                    return Ok(false);
                }
                (targ_id, _) = skip(targ, elem)?;
            }
            if out.raw.len() == SPEC_MAX_LEN {
                return Err(Error::new(libc::E2BIG, format!("target spec nesting exceeds {SPEC_MAX_LEN} levels")));
            }
            out.spec.push(Accessor { type_id: targ_id, idx: la.idx, name: None });
            out.raw.push(la.idx);
            let sz = targ.resolve_size(targ_id)?;
            out.bit_offset = add_bits(out.bit_offset, la.idx, sz)?;
        }
    }
    Ok(true)
}

/// `bpf_core_format_spec`: `<kind> [id] kind name` followed, for field relocations, by the C-like
/// access path, the raw spec and the offset (`<byte_off> [7] struct task_struct.pid (0:57 @ offset
/// 1234)`), and for enum value relocations by `::NAME = value`.
pub fn format_spec(spec: &Spec<'_>) -> String {
    let mut s = String::new();
    let root = spec.btf.ty(spec.root_type_id);
    let (k, name) = root.as_ref().map_or(("unknown", ""), |t| (kind_str(t.kind), t.name));
    let _ = write!(
        s,
        "<{}> [{}] {} {}",
        relo_kind_str(spec.relo_kind),
        spec.root_type_id,
        k,
        if name.is_empty() { "<anon>" } else { name }
    );
    if is_type_based(spec.relo_kind) {
        return s;
    }
    if is_enumval_based(spec.relo_kind) {
        // Like libbpf, a non-matching candidate (empty raw spec) shows its enumerator 0; unlike
        // libbpf, nothing is printed for an index that doesn't exist.
        let t: Option<Type<'_>> = skip(spec.btf, spec.root_type_id).ok().map(|(_, t)| t);
        let i = spec.raw.first().copied().unwrap_or(0);
        let v = t.and_then(|t| Some((t, t.enum_values()?.get(i as usize)?)));
        if let Some((t, v)) = v {
            let _ = match (t.kind == Kind::Enum, t.kflag) {
                (true, true) => write!(s, "::{} = {}", v.name, v.value as u32 as i32),
                (true, false) => write!(s, "::{} = {}", v.name, v.value as u32),
                (false, true) => write!(s, "::{} = {}", v.name, v.value as i64),
                (false, false) => write!(s, "::{} = {}", v.name, v.value),
            };
        }
        return s;
    }
    if is_field_based(spec.relo_kind) {
        for (i, a) in spec.spec.iter().enumerate() {
            match a.name {
                Some(n) => {
                    let _ = write!(s, ".{n}");
                }
                None if i > 0 || a.idx > 0 => {
                    let _ = write!(s, "[{}]", a.idx);
                }
                None => {}
            }
        }
        s.push_str(" (");
        for (i, r) in spec.raw.iter().enumerate() {
            let _ = write!(s, "{}{}", if i == 0 { "" } else { ":" }, *r as i32);
        }
        if spec.bit_offset % 8 != 0 {
            let _ = write!(s, " @ offset {}.{})", spec.bit_offset / 8, spec.bit_offset % 8);
        } else {
            let _ = write!(s, " @ offset {})", spec.bit_offset / 8);
        }
    }
    s
}
