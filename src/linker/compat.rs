//! Whether two descriptions of one global symbol agree: the BTF of its VAR/FUNC (kinds, names,
//! sizes, members, parameters, linkage) and, for `.maps` entries, the map definitions. The rules
//! and the warning texts are libbpf 1.5's static linker's.

use super::btfbuf::{kind_of, vlen_of, BtfBuf};
use crate::btf::{Btf, Kind, FUNC_STATIC, VAR_STATIC};
use crate::object::maps::BtfMapDef;

/// Read access to type records and strings, for both input BTF and the output under
/// construction.
pub(super) trait View {
    fn rec(&self, id: u32) -> &[u32];
    fn str(&self, off: u32) -> String;
}

static VOID: [u32; 3] = [0; 3];

impl View for Btf {
    fn rec(&self, id: u32) -> &[u32] {
        if id == 0 {
            return &VOID;
        }
        self.type_record(id).unwrap_or(&VOID)
    }
    fn str(&self, off: u32) -> String {
        String::from_utf8_lossy(self.str_bytes_at(off).unwrap_or(b"")).into_owned()
    }
}

impl View for BtfBuf {
    fn rec(&self, id: u32) -> &[u32] {
        match self.recs.get(id as usize) {
            Some(r) if r.len() >= 3 => r,
            _ => &VOID,
        }
    }
    fn str(&self, off: u32) -> String {
        String::from_utf8_lossy(self.strs.get(off)).into_owned()
    }
}

/// libbpf's lower-case kind names (`btf_kind_str`), one home for the crate.
pub(super) use crate::reloc::core::kind_str;

fn skip_mods(v: &dyn View, mut id: u32) -> (u32, &[u32]) {
    for _ in 0..256 {
        let r = v.rec(id);
        match kind_of(r) {
            Kind::Typedef | Kind::Volatile | Kind::Const | Kind::Restrict | Kind::TypeTag => id = r[2],
            _ => return (id, r),
        }
    }
    (id, v.rec(id))
}

fn kflag(r: &[u32]) -> bool {
    r[1] >> 31 != 0
}

/// `glob_sym_btf_matches`: whether type `id1` of `b1` and `id2` of `b2` describe the same thing.
/// On a mismatch, the reason is logged (as libbpf does) and false returned.
pub(super) fn btf_matches(
    sym: &str,
    mut exact: bool,
    b1: &dyn View,
    mut id1: u32,
    b2: &dyn View,
    mut id2: u32,
) -> bool {
    // The loop replaces the tail recursion of PTR/ARRAY/FUNC/VAR/FUNC_PROTO return types; the
    // bound only stops malformed cyclic input.
    for _ in 0..1024 {
        let (_, t1) = skip_mods(b1, id1);
        let (_, t2) = skip_mods(b2, id2);
        let (k1, k2) = (kind_of(t1), kind_of(t2));
        if !exact && (k1 == Kind::Fwd) != (k2 == Kind::Fwd) {
            let (n1, n2) = (b1.str(t1[0]), b2.str(t2[0]));
            if n1 != n2 {
                crate::pr_warn!("global '{}': incompatible forward declaration names '{}' and '{}'", sym, n1, n2);
                return false;
            }
            let (fwd, ko) = if k1 == Kind::Fwd { (t1, k2) } else { (t2, k1) };
            if kflag(fwd) && ko == Kind::Union || !kflag(fwd) && ko == Kind::Struct {
                return true;
            }
            crate::pr_warn!(
                "global '{}': incompatible {} forward declaration and concrete kind {}",
                sym,
                if kflag(fwd) { "union" } else { "struct" },
                kind_str(ko)
            );
            return false;
        }
        if k1 != k2 {
            crate::pr_warn!("global '{}': incompatible BTF kinds {} and {}", sym, kind_str(k1), kind_str(k2));
            return false;
        }
        let mut n1 = String::new();
        let named =
            matches!(k1, Kind::Struct | Kind::Union | Kind::Enum | Kind::Enum64 | Kind::Fwd | Kind::Func | Kind::Var);
        if matches!(k1, Kind::Struct | Kind::Union | Kind::Enum | Kind::Enum64 | Kind::Fwd | Kind::Func | Kind::Var) {
            n1 = b1.str(t1[0]);
            let n2 = b2.str(t2[0]);
            if n1 != n2 {
                crate::pr_warn!("global '{}': incompatible {} names '{}' and '{}'", sym, kind_str(k1), n1, n2);
                return false;
            }
        }
        match k1 {
            Kind::Unkn | Kind::Fwd => return true,
            Kind::Int | Kind::Float | Kind::Enum | Kind::Enum64 => {
                if t1[2] != t2[2] {
                    let n = if named { n1 } else { "(null)".to_string() };
                    crate::pr_warn!(
                        "global '{}': incompatible {} '{}' size {} and {}",
                        sym,
                        kind_str(k1),
                        n,
                        t1[2],
                        t2[2]
                    );
                    return false;
                }
                return true;
            }
            Kind::Ptr => {
                exact = false;
                (id1, id2) = (t1[2], t2[2]);
            }
            Kind::Array => (id1, id2) = (t1[3], t2[3]),
            Kind::Func => {
                let s1 = vlen_of(t1) as u32 == FUNC_STATIC;
                let s2 = vlen_of(t2) as u32 == FUNC_STATIC;
                if s1 != s2 {
                    crate::pr_warn!("global '{}': incompatible func '{}' linkage", sym, n1);
                    return false;
                }
                (id1, id2) = (t1[2], t2[2]);
            }
            Kind::Var => {
                let s1 = t1.get(3).copied().unwrap_or(0) == VAR_STATIC;
                let s2 = t2.get(3).copied().unwrap_or(0) == VAR_STATIC;
                if s1 != s2 {
                    crate::pr_warn!("global '{}': incompatible var '{}' linkage", sym, n1);
                    return false;
                }
                (id1, id2) = (t1[2], t2[2]);
            }
            Kind::Struct | Kind::Union => {
                if !exact {
                    return true;
                }
                let (v1, v2) = (vlen_of(t1), vlen_of(t2));
                if v1 != v2 {
                    crate::pr_warn!(
                        "global '{}': incompatible number of {} fields {} and {}",
                        sym,
                        kind_str(k1),
                        v1,
                        v2
                    );
                    return false;
                }
                for i in 0..v1 {
                    let m1 = t1.get(3 + 3 * i..6 + 3 * i).unwrap_or(&[0, 0, 0]);
                    let m2 = t2.get(3 + 3 * i..6 + 3 * i).unwrap_or(&[0, 0, 0]);
                    let (mn1, mn2) = (b1.str(m1[0]), b2.str(m2[0]));
                    if mn1 != mn2 {
                        crate::pr_warn!("global '{}': incompatible field #{} names '{}' and '{}'", sym, i, mn1, mn2);
                        return false;
                    }
                    if m1[2] != m2[2] {
                        crate::pr_warn!("global '{}': incompatible field #{} ('{}') offsets", sym, i, mn1);
                        return false;
                    }
                    if !btf_matches(sym, exact, b1, m1[1], b2, m2[1]) {
                        return false;
                    }
                }
                return true;
            }
            Kind::FuncProto => {
                let (v1, v2) = (vlen_of(t1), vlen_of(t2));
                if v1 != v2 {
                    crate::pr_warn!(
                        "global '{}': incompatible number of {} params {} and {}",
                        sym,
                        kind_str(k1),
                        v1,
                        v2
                    );
                    return false;
                }
                for i in 0..v1 {
                    let p1 = t1.get(4 + 2 * i).copied().unwrap_or(0);
                    let p2 = t2.get(4 + 2 * i).copied().unwrap_or(0);
                    if !btf_matches(sym, exact, b1, p1, b2, p2) {
                        return false;
                    }
                }
                (id1, id2) = (t1[2], t2[2]);
            }
            _ => {
                crate::pr_warn!("global '{}': unsupported BTF kind {}", sym, kind_str(k1));
                return false;
            }
        }
    }
    false
}

/// `map_defs_match`: two definitions of one `.maps` entry must agree on everything.
pub(super) fn map_defs_match(
    sym: &str,
    b1: &Btf,
    d1: &BtfMapDef,
    i1: Option<&BtfMapDef>,
    b2: &Btf,
    d2: &BtfMapDef,
    i2: Option<&BtfMapDef>,
) -> bool {
    let reason = if d1.def.map_type != d2.def.map_type {
        "type"
    } else if d1.def.key_size != d2.def.key_size {
        "key_size"
    } else if (d1.key_type_id != 0) != (d2.key_type_id != 0)
        || d1.key_type_id != 0 && !btf_matches(sym, true, b1, d1.key_type_id, b2, d2.key_type_id)
    {
        "key type"
    } else if d1.def.value_size != d2.def.value_size {
        "value_size"
    } else if (d1.value_type_id != 0) != (d2.value_type_id != 0) {
        "value type"
    } else if d1.value_type_id != 0 && !btf_matches(sym, true, b1, d1.value_type_id, b2, d2.value_type_id) {
        // libbpf 1.5 names this case "key type" too.
        "key type"
    } else if d1.def.max_entries != d2.def.max_entries {
        "max_entries"
    } else if d1.def.map_flags != d2.def.map_flags {
        "map_flags"
    } else if d1.def.numa_node != d2.def.numa_node {
        "numa_node"
    } else if d1.def.pinning != d2.def.pinning {
        "pinning"
    } else if d1.has_inner != d2.has_inner {
        "inner map"
    } else {
        if d1.has_inner {
            if let (Some(a), Some(b)) = (i1, i2) {
                return map_defs_match(&format!("{sym}.inner"), b1, a, None, b2, b, None);
            }
        }
        return true;
    };
    crate::pr_warn!("global '{}': map {} mismatch", sym, reason);
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::builder::BtfBuilder;

    fn parse(b: &BtfBuilder) -> Btf {
        Btf::parse(&b.build()).unwrap()
    }

    #[test]
    fn btf_matches_rules() {
        // File 1: int x; struct s { int a; } y; struct s *p;
        let mut b1 = BtfBuilder::new();
        let int1 = b1.add_int("int", 4, 1);
        let s1 = b1.add_struct("s", 4, &[("a", int1, 0)]);
        let v_int1 = b1.add_var("x", int1, 1);
        let v_s1 = b1.add_var("y", s1, 1);
        let p1 = b1.add_ptr(s1);
        let v_p1 = b1.add_var("p", p1, 1);
        let btf1 = parse(&b1);
        // File 2: long x (mismatch); struct s { int b; } y (field name); fwd struct s *p (ok).
        let mut b2 = BtfBuilder::new();
        let long2 = b2.add_int("long", 8, 1);
        let int2 = b2.add_int("int", 4, 1);
        let s2 = b2.add_struct("s", 4, &[("b", int2, 0)]);
        let v_long2 = b2.add_var("x", long2, 2);
        let v_s2 = b2.add_var("y", s2, 2);
        let fwd2 = b2.add_fwd("s", false);
        let p2 = b2.add_ptr(fwd2);
        let v_p2 = b2.add_var("p", p2, 2);
        let v_int2 = b2.add_var("x", int2, 2);
        let btf2 = parse(&b2);
        // Names of VARs must match too, so compare like-named ones; linkage extern vs global is fine.
        assert!(!btf_matches("x", true, &btf1, v_int1, &btf2, v_long2));
        assert!(btf_matches("x", true, &btf1, v_int1, &btf2, v_int2));
        assert!(!btf_matches("y", true, &btf1, v_s1, &btf2, v_s2));
        assert!(btf_matches("p", true, &btf1, v_p1, &btf2, v_p2));
        // A static VAR never matches a global one.
        let mut b3 = BtfBuilder::new();
        let int3 = b3.add_int("int", 4, 1);
        let v_static = b3.add_var("x", int3, 0);
        assert!(!btf_matches("x", true, &btf1, v_int1, &parse(&b3), v_static));
    }
}
