//! Text form of a type in the format of `bpftool btf dump file X format raw`, for diagnostics and
//! to cross-check this parser against bpftool/libbpf.

use super::{Btf, Detail, Kind, Type, FUNC_EXTERN, FUNC_GLOBAL, FUNC_STATIC, INT_BOOL, INT_CHAR, INT_SIGNED};
use super::{VAR_GLOBAL_ALLOCATED, VAR_GLOBAL_EXTERN, VAR_STATIC};
use std::fmt::Write;

fn anon(s: &str) -> &str {
    if s.is_empty() {
        "(anon)"
    } else {
        s
    }
}

fn linkage(l: u32, var: bool) -> &'static str {
    match (l, var) {
        (VAR_STATIC, true) | (FUNC_STATIC, false) => "static",
        (VAR_GLOBAL_ALLOCATED, true) | (FUNC_GLOBAL, false) => "global",
        (VAR_GLOBAL_EXTERN, true) | (FUNC_EXTERN, false) => "extern",
        _ => "(unknown)",
    }
}

impl Btf {
    /// Type `id` as bpftool's raw dump prints it (several lines for types with members).
    pub fn dump_raw(&self, id: u32) -> Option<String> {
        let t = self.ty(id)?;
        let mut s = format!("[{}] {} '{}'", id, t.kind, anon(t.name));
        // Writing to a String cannot fail.
        let _ = self.dump_body(&t, &mut s);
        Some(s)
    }

    fn dump_body(&self, t: &Type<'_>, s: &mut String) -> std::fmt::Result {
        use Kind::*;
        match (t.kind, t.detail) {
            (Int, Detail::Int { encoding, offset, bits }) => {
                let enc = match encoding {
                    0 => "(none)",
                    INT_SIGNED => "SIGNED",
                    INT_CHAR => "CHAR",
                    INT_BOOL => "BOOL",
                    _ => "UNKN",
                };
                write!(s, " size={} bits_offset={offset} nr_bits={bits} encoding={enc}", t.size_or_type)
            }
            (Ptr | Typedef | Volatile | Const | Restrict | TypeTag, _) => write!(s, " type_id={}", t.size_or_type),
            (Array, Detail::Array { elem, index, nelems }) => {
                write!(s, " type_id={elem} index_type_id={index} nr_elems={nelems}")
            }
            (Struct | Union, Detail::Members(ms)) => {
                write!(s, " size={} vlen={}", t.size_or_type, t.vlen)?;
                for m in ms {
                    write!(s, "\n\t'{}' type_id={} bits_offset={}", anon(m.name), m.type_id, m.bit_offset)?;
                    if m.bitfield_size != 0 {
                        write!(s, " bitfield_size={}", m.bitfield_size)?;
                    }
                }
                Ok(())
            }
            (Enum | Enum64, Detail::Enum(vs)) => {
                let enc = if t.kflag { "SIGNED" } else { "UNSIGNED" };
                write!(s, " encoding={enc} size={} vlen={}", t.size_or_type, t.vlen)?;
                for v in vs {
                    write!(s, "\n\t'{}' val=", anon(v.name))?;
                    match (t.kind, t.kflag) {
                        (Enum, true) => write!(s, "{}", v.as_i64())?,
                        (Enum, false) => write!(s, "{}", v.as_u64())?,
                        (_, true) => write!(s, "{}LL", v.as_i64())?,
                        (_, false) => write!(s, "{}ULL", v.as_u64())?,
                    }
                }
                Ok(())
            }
            (Fwd, _) => write!(s, " fwd_kind={}", if t.kflag { "union" } else { "struct" }),
            (Func, Detail::Func { linkage: l }) => {
                write!(s, " type_id={} linkage={}", t.size_or_type, linkage(l, false))
            }
            (FuncProto, Detail::Params(ps)) => {
                write!(s, " ret_type_id={} vlen={}", t.size_or_type, t.vlen)?;
                for p in ps {
                    write!(s, "\n\t'{}' type_id={}", anon(p.name), p.type_id)?;
                }
                Ok(())
            }
            (Var, Detail::Var { linkage: l }) => write!(s, " type_id={}, linkage={}", t.size_or_type, linkage(l, true)),
            (Datasec, Detail::Datasec(vs)) => {
                write!(s, " size={} vlen={}", t.size_or_type, t.vlen)?;
                for v in vs {
                    let (k, n) = self.ty(v.type_id).map_or(("?", ""), |t| (t.kind.name(), t.name));
                    write!(s, "\n\ttype_id={} offset={} size={} ({k} '{}')", v.type_id, v.offset, v.size, anon(n))?;
                }
                Ok(())
            }
            (Float, _) => write!(s, " size={}", t.size_or_type),
            (DeclTag, Detail::DeclTag { component_idx }) => {
                write!(s, " type_id={} component_idx={component_idx}", t.size_or_type)
            }
            _ => Ok(()),
        }
    }
}
