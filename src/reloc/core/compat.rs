//! The three relations CO-RE uses to compare a local type with a target type:
//!
//! * [`types_are_compat`]: type-based relocations (TYPE_EXISTS, TYPE_SIZE, TYPE_ID_TARGET);
//!   kinds must agree through pointers, arrays and function prototypes, names below the root are
//!   ignored.
//! * [`fields_are_compat`]: the type of a field matched by name; any two composites are
//!   compatible, enums and forward declarations by essential name.
//! * [`types_match`]: TYPE_MATCHES, a stricter structural relation (member names, integer size and
//!   signedness, enum variant names, array lengths).
//!
//! Each returns `Ok(true/false)` for match / no match and `Err` for malformed BTF (ids out of
//! range, modifier loops, nesting beyond libbpf's limits).

use super::{kind_str, skip};
use crate::btf::{Btf, Kind, Type, INT_SIGNED};
use crate::error::{Error, Result};

/// libbpf's recursion bound for `__bpf_core_types_are_compat` / `__bpf_core_types_match` loops.
const MAX_DEPTH: i32 = 32;
/// Initial `level` (bound on recursion into parameters and members).
pub(crate) const MAX_LEVEL: i32 = 32;
/// Steps one comparison may take. The depth limits above (libbpf's) bound recursion but not its
/// breadth: hostile BTF with a DAG of types that each reference the next twice makes an
/// exponential search. Real kernel types need a tiny fraction of this.
const STEP_BUDGET: u64 = 1 << 24;

/// Work left for one comparison; running out is an error (`E2BIG`).
pub(crate) struct Budget(u64);

impl Budget {
    pub(crate) fn new() -> Self {
        Budget(STEP_BUDGET)
    }
    pub(crate) fn spend(&mut self, n: u64) -> Result<()> {
        match self.0.checked_sub(n) {
            Some(left) => {
                self.0 = left;
                Ok(())
            }
            None => Err(Error::new(libc::E2BIG, "CO-RE: type comparison exceeds its work limit (pathological BTF)")),
        }
    }
}

/// Length of `name` without its flavor suffix: the part before the last `___` that has a
/// non-underscore on both sides (`task_struct___v2` → 11). Names without one keep their length.
pub fn essential_name_len(name: &str) -> usize {
    let b = name.as_bytes();
    let n = b.len();
    if n < 5 {
        return n;
    }
    (0..=n - 5).rev().find(|&i| b[i] != b'_' && &b[i + 1..i + 4] == b"___" && b[i + 4] != b'_').map_or(n, |i| i + 1)
}

/// Whether two names are equal ignoring flavor suffixes.
pub(crate) fn essential_eq(a: &str, b: &str) -> bool {
    let (la, lb) = (essential_name_len(a), essential_name_len(b));
    la == lb && a.as_bytes()[..la] == b.as_bytes()[..lb]
}

/// libbpf's `btf_kind_core_compat`: same kind, or ENUM vs ENUM64.
pub(crate) fn kind_core_compat(a: Kind, b: Kind) -> bool {
    a == b || (is_enum(a) && is_enum(b))
}

fn is_enum(k: Kind) -> bool {
    matches!(k, Kind::Enum | Kind::Enum64)
}

fn int_offset(t: &Type<'_>) -> u8 {
    t.int().map_or(0, |(_, off, _)| off)
}

fn int_encoding(t: &Type<'_>) -> u8 {
    t.int().map_or(0, |(enc, _, _)| enc)
}

fn too_deep(what: &str, lid: u32, tid: u32) -> Error {
    Error::inval(format!("CO-RE: {what} of local [{lid}] and target [{tid}]: types nest too deep (loop?)"))
}

fn ty<'b>(btf: &'b Btf, id: u32, side: &str) -> Result<Type<'b>> {
    btf.ty(id).ok_or_else(|| Error::inval(format!("CO-RE: {side} type id {id} out of range")))
}

/// `bpf_core_types_are_compat` (with libbpf's `level` bound for function prototypes).
pub fn types_are_compat(local: &Btf, local_id: u32, targ: &Btf, targ_id: u32) -> Result<bool> {
    types_are_compat_lvl(local, local_id, targ, targ_id, MAX_LEVEL, &mut Budget::new())
}

fn types_are_compat_lvl(
    local: &Btf,
    mut lid: u32,
    targ: &Btf,
    mut tid: u32,
    level: i32,
    budget: &mut Budget,
) -> Result<bool> {
    // Callers matched the root names; the root kinds are compared before modifiers are skipped.
    if !kind_core_compat(ty(local, lid, "local")?.kind, ty(targ, tid, "target")?.kind) {
        return Ok(false);
    }
    let mut depth = MAX_DEPTH;
    loop {
        depth -= 1;
        if depth < 0 {
            return Err(too_deep("compatibility check", lid, tid));
        }
        budget.spend(1)?;
        let (l, lt) = skip(local, lid)?;
        let (t, tt) = skip(targ, tid)?;
        (lid, tid) = (l, t);
        if !kind_core_compat(lt.kind, tt.kind) {
            return Ok(false);
        }
        match lt.kind {
            Kind::Unkn | Kind::Struct | Kind::Union | Kind::Enum | Kind::Fwd | Kind::Enum64 => return Ok(true),
            // Deprecated bitfield-like integers are rejected; any other two integers are fine.
            Kind::Int => return Ok(int_offset(&lt) == 0 && int_offset(&tt) == 0),
            Kind::Ptr => (lid, tid) = (lt.size_or_type, tt.size_or_type),
            Kind::Array => (lid, tid) = (array_elem(&lt), array_elem(&tt)),
            Kind::FuncProto => {
                let (lp, tp) = (lt.params().into_iter().flatten(), tt.params().into_iter().flatten());
                if lt.vlen != tt.vlen {
                    return Ok(false);
                }
                for (a, b) in lp.zip(tp) {
                    if level <= 0 {
                        return Err(too_deep("compatibility check", lid, tid));
                    }
                    let (a, _) = skip(local, a.type_id)?;
                    let (b, _) = skip(targ, b.type_id)?;
                    if !types_are_compat_lvl(local, a, targ, b, level - 1, budget)? {
                        return Ok(false);
                    }
                }
                // the return type, checked in the loop
                (lid, _) = skip(local, lt.size_or_type)?;
                (tid, _) = skip(targ, tt.size_or_type)?;
            }
            k => {
                crate::pr_warn!("unexpected kind {} relocated, local [{lid}], target [{tid}]", kind_str(k));
                return Ok(false);
            }
        }
    }
}

fn array_elem(t: &Type<'_>) -> u32 {
    t.array().map_or(0, |(elem, _, _)| elem)
}

/// `bpf_core_fields_are_compat`: may a local field of type `local_id` be relocated to a target
/// field of type `targ_id` (found under the same name)?
pub fn fields_are_compat(local: &Btf, mut lid: u32, targ: &Btf, mut tid: u32) -> Result<bool> {
    // libbpf loops without bound here; only a self-referencing ARRAY could make that infinite.
    for _ in 0..MAX_DEPTH {
        let (_, lt) = skip(local, lid)?;
        let (_, tt) = skip(targ, tid)?;
        if lt.is_composite() && tt.is_composite() {
            return Ok(true);
        }
        if !kind_core_compat(lt.kind, tt.kind) {
            return Ok(false);
        }
        match lt.kind {
            Kind::Ptr | Kind::Float => return Ok(true),
            Kind::Fwd | Kind::Enum | Kind::Enum64 => {
                // one of them anonymous, or both with the same flavor-less name
                let (ll, tl) = (essential_name_len(lt.name), essential_name_len(tt.name));
                return Ok(ll == 0 || tl == 0 || essential_eq(lt.name, tt.name));
            }
            Kind::Int => return Ok(int_offset(&lt) == 0 && int_offset(&tt) == 0),
            Kind::Array => (lid, tid) = (array_elem(&lt), array_elem(&tt)),
            _ => return Ok(false),
        }
    }
    Err(too_deep("field compatibility check", lid, tid))
}

/// libbpf's `bpf_core_names_match`: an anonymous target matches only an anonymous local; otherwise
/// essential names must agree.
fn names_match(local: &str, targ: &str) -> bool {
    if targ.is_empty() {
        return local.is_empty();
    }
    essential_eq(local, targ)
}

fn enums_match(lt: &Type<'_>, tt: &Type<'_>, budget: &mut Budget) -> Result<bool> {
    if lt.size_or_type != tt.size_or_type || lt.vlen > tt.vlen {
        return Ok(false);
    }
    let (Some(lv), Some(tv)) = (lt.enum_values(), tt.enum_values()) else { return Ok(false) };
    budget.spend(lv.len() as u64 * tv.len() as u64)?;
    Ok(lv.iter().all(|l| tv.iter().any(|t| names_match(l.name, t.name))))
}

fn composites_match(
    local: &Btf,
    lt: &Type<'_>,
    targ: &Btf,
    tt: &Type<'_>,
    behind_ptr: bool,
    level: i32,
    budget: &mut Budget,
) -> Result<bool> {
    if lt.vlen > tt.vlen {
        return Ok(false);
    }
    let (Some(lms), Some(tms)) = (lt.members(), tt.members()) else { return Ok(false) };
    for lm in lms.iter() {
        let mut matched = false;
        for tm in tms.iter() {
            budget.spend(1)?;
            if !names_match(lm.name, tm.name) {
                continue;
            }
            if types_match_lvl(local, lm.type_id, targ, tm.type_id, behind_ptr, level - 1, budget)? {
                matched = true;
                break;
            }
        }
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `bpf_core_types_match`: the TYPE_MATCHES relation (root names are assumed already matched).
pub fn types_match(local: &Btf, local_id: u32, targ: &Btf, targ_id: u32) -> Result<bool> {
    types_match_lvl(local, local_id, targ, targ_id, false, MAX_LEVEL, &mut Budget::new())
}

fn types_match_lvl(
    local: &Btf,
    mut lid: u32,
    targ: &Btf,
    mut tid: u32,
    mut behind_ptr: bool,
    level: i32,
    budget: &mut Budget,
) -> Result<bool> {
    if level <= 0 {
        return Err(too_deep("match check", lid, tid));
    }
    let mut depth = MAX_DEPTH;
    loop {
        depth -= 1;
        if depth < 0 {
            return Err(too_deep("match check", lid, tid));
        }
        budget.spend(1)?;
        let (l, lt) = skip(local, lid)?;
        let (t, tt) = skip(targ, tid)?;
        (lid, tid) = (l, t);
        if !names_match(lt.name, tt.name) {
            return Ok(false);
        }
        let (lk, tk) = (lt.kind, tt.kind);
        match lk {
            Kind::Unkn => return Ok(lk == tk),
            Kind::Fwd => {
                let lf = lt.kflag;
                if behind_ptr {
                    if lk == tk {
                        return Ok(lf == tt.kflag);
                    }
                    // a forward declaration's kind flag says union (1) or struct (0)
                    return Ok((tk == Kind::Struct && !lf) || (tk == Kind::Union && lf));
                }
                return Ok(lk == tk && lf == tt.kflag);
            }
            Kind::Enum | Kind::Enum64 => return Ok(tt.is_any_enum() && enums_match(&lt, &tt, budget)?),
            Kind::Struct | Kind::Union => {
                if behind_ptr {
                    if lk == tk {
                        return Ok(true);
                    }
                    if tk != Kind::Fwd {
                        return Ok(false);
                    }
                    return Ok((lk == Kind::Union) == tt.kflag);
                }
                if lk != tk {
                    return Ok(false);
                }
                return composites_match(local, &lt, targ, &tt, behind_ptr, level, budget);
            }
            Kind::Int => {
                if lk != tk {
                    return Ok(false);
                }
                let (ls, ts) = (int_encoding(&lt) & INT_SIGNED, int_encoding(&tt) & INT_SIGNED);
                return Ok(lt.size_or_type == tt.size_or_type && ls == ts);
            }
            Kind::Ptr => {
                if lk != tk {
                    return Ok(false);
                }
                behind_ptr = true;
                (lid, tid) = (lt.size_or_type, tt.size_or_type);
            }
            Kind::Array => {
                let (Some((le, _, ln)), Some((te, _, tn))) = (lt.array(), tt.array()) else { return Ok(false) };
                if ln != tn {
                    return Ok(false);
                }
                (lid, tid) = (le, te);
            }
            Kind::FuncProto => {
                if lk != tk || lt.vlen != tt.vlen {
                    return Ok(false);
                }
                let (lp, tp) = (lt.params().into_iter().flatten(), tt.params().into_iter().flatten());
                for (a, b) in lp.zip(tp) {
                    if !types_match_lvl(local, a.type_id, targ, b.type_id, behind_ptr, level - 1, budget)? {
                        return Ok(false);
                    }
                }
                (lid, tid) = (lt.size_or_type, tt.size_or_type);
            }
            k => {
                crate::pr_warn!("unexpected kind {} relocated, local [{lid}], target [{tid}]", kind_str(k));
                return Ok(false);
            }
        }
    }
}
