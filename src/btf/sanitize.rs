//! Making an object's BTF loadable by a kernel that lacks some BTF kinds, the way libbpf does
//! before BTF_LOAD: each unsupported record is rewritten in place into a kind the kernel knows,
//! with the same record size, so type ids and DATASEC/func_info references stay valid.
//!
//! | missing feature | rewrite |
//! |---|---|
//! | DATASEC | VAR → 1-byte INT; DATASEC → STRUCT (members = variables, `.`/`?` in the name → `_`) |
//! | DECL_TAG | DECL_TAG → 1-byte INT |
//! | `?` in DATASEC names | leading `?` → `_` |
//! | FUNC | FUNC_PROTO → 4-byte ENUM; FUNC → TYPEDEF |
//! | global FUNC | FUNC linkage → static |
//! | FLOAT | FLOAT → anonymous empty STRUCT of the same size |
//! | TYPE_TAG | TYPE_TAG → anonymous CONST |
//! | ENUM64 | ENUM kflag cleared; ENUM64 → UNION of 1-byte `enum64_placeholder` INT members |

use super::{Btf, Kind};
use crate::error::{Error, Result};

/// What the running kernel's BTF loader accepts (from `sys::probe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BtfFeatures {
    pub datasec: bool,
    pub func: bool,
    pub func_global: bool,
    pub float: bool,
    pub decl_tag: bool,
    pub type_tag: bool,
    pub enum64: bool,
    pub qmark_datasec: bool,
}

impl BtfFeatures {
    /// Everything supported: sanitization is a no-op.
    pub const ALL: BtfFeatures = BtfFeatures {
        datasec: true,
        func: true,
        func_global: true,
        float: true,
        decl_tag: true,
        type_tag: true,
        enum64: true,
        qmark_datasec: true,
    };
}

fn info(kind: Kind, vlen: u32, kflag: bool) -> u32 {
    ((kflag as u32) << 31) | ((kind as u32) << 24) | (vlen & 0xffff)
}

/// BTF_INT_ENC(encoding 0, offset 0, bits 8).
const INT_ENC_8_BITS: u32 = 8;

impl Btf {
    /// Rewrite this (object) BTF for a kernel with `f`. A no-op when everything is supported.
    pub fn sanitize(&mut self, f: &BtfFeatures) -> Result<()> {
        if *f == BtfFeatures::ALL {
            return Ok(());
        }
        let start = self.start_id();
        // The one type sanitization adds goes in first: appending re-parses the blob, which
        // must still be valid BTF at that point.
        let mut placeholder = 0;
        if !f.enum64 && (start..self.type_cnt()).any(|id| self.ty(id).is_some_and(|t| t.kind == Kind::Enum64)) {
            placeholder =
                self.append_type(&[0, info(Kind::Int, 0, false), 1, INT_ENC_8_BITS], Some("enum64_placeholder"))?;
        }
        for id in start..self.type_cnt() {
            let Some(t) = self.ty(id) else { continue };
            let (kind, vlen, name_off) = (t.kind, t.vlen as u32, t.name_off);
            match kind {
                Kind::Var if !f.datasec => self.make_byte_int(id)?,
                Kind::DeclTag if !f.decl_tag => self.make_byte_int(id)?,
                Kind::Datasec if !f.datasec => {
                    let vars: Vec<_> = t.secinfos().map(|s| s.iter().collect()).unwrap_or_default();
                    self.rename_chars(name_off, |c| c == b'.' || c == b'?')?;
                    self.write_record_word(id, 1, info(Kind::Struct, vlen, false))?;
                    for (j, v) in vars.iter().enumerate() {
                        let var_name = self.ty(v.type_id).map(|vt| vt.name_off).unwrap_or(0);
                        let base = 3 + 3 * j;
                        self.write_record_word(id, base, var_name)?;
                        self.write_record_word(id, base + 1, v.type_id)?;
                        self.write_record_word(id, base + 2, v.offset.wrapping_mul(8))?;
                    }
                }
                Kind::Datasec if !f.qmark_datasec && t.name.starts_with('?') => {
                    self.rename_first_char(name_off, b'_')?;
                }
                Kind::FuncProto if !f.func => {
                    self.write_record_word(id, 1, info(Kind::Enum, vlen, false))?;
                    self.write_record_word(id, 2, 4)?;
                }
                Kind::Func if !f.func => self.write_record_word(id, 1, info(Kind::Typedef, 0, false))?,
                Kind::Func if !f.func_global => self.write_record_word(id, 1, info(Kind::Func, 0, false))?,
                Kind::Float if !f.float => {
                    self.write_record_word(id, 0, 0)?;
                    self.write_record_word(id, 1, info(Kind::Struct, 0, false))?;
                }
                Kind::TypeTag if !f.type_tag => {
                    self.write_record_word(id, 0, 0)?;
                    self.write_record_word(id, 1, info(Kind::Const, 0, false))?;
                }
                Kind::Enum if !f.enum64 => self.write_record_word(id, 1, info(Kind::Enum, vlen, false))?,
                Kind::Enum64 if !f.enum64 => {
                    // enum64 entries (name, lo, hi) have the size of members (name, type, offset).
                    self.write_record_word(id, 1, info(Kind::Union, vlen, false))?;
                    for j in 0..vlen as usize {
                        self.write_record_word(id, 3 + 3 * j + 1, placeholder)?;
                        self.write_record_word(id, 3 + 3 * j + 2, 0)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// VAR/DECL_TAG (one extra word) → `INT` of 1 byte, 8 bits (one extra word).
    fn make_byte_int(&mut self, id: u32) -> Result<()> {
        self.write_record_word(id, 1, info(Kind::Int, 0, false))?;
        self.write_record_word(id, 2, 1)?;
        self.write_record_word(id, 3, INT_ENC_8_BITS)
    }

    /// Replace bytes of the NUL-terminated string at `off` for which `hit` is true with `_`.
    fn rename_chars(&mut self, off: u32, hit: impl Fn(u8) -> bool) -> Result<()> {
        let range = self.own_str_range(off)?;
        for b in self.strs_mut().get_mut(range).unwrap_or(&mut []) {
            if hit(*b) {
                *b = b'_';
            }
        }
        Ok(())
    }

    fn rename_first_char(&mut self, off: u32, to: u8) -> Result<()> {
        let range = self.own_str_range(off)?;
        if let Some(b) = self.strs_mut().get_mut(range.start) {
            *b = to;
        }
        Ok(())
    }

    /// Byte range (in the own string section) of this BTF's own string at `off`, without its NUL.
    fn own_str_range(&self, off: u32) -> Result<std::ops::Range<usize>> {
        let rel = off
            .checked_sub(self.start_str_off())
            .ok_or_else(|| Error::inval(format!("BTF: string {off} belongs to the base BTF")))?
            as usize;
        let tail =
            self.strs().get(rel..).ok_or_else(|| Error::inval(format!("BTF: string offset {off} out of range")))?;
        let len = tail.iter().position(|&b| b == 0).ok_or_else(|| Error::inval("BTF: unterminated string"))?;
        Ok(rel..rel + len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::builder::BtfBuilder;

    fn sample() -> Btf {
        let mut b = BtfBuilder::new();
        let int = b.add_int("int", 4, crate::btf::INT_SIGNED);
        let fl = b.add_float("float", 4);
        let v = b.add_var("counter", int, 1);
        let v2 = b.add_var("ratio", fl, 1);
        b.add_datasec(".data", 8, &[(v, 0, 4), (v2, 4, 4)]);
        b.add_datasec("?.struct_ops", 0, &[]);
        let proto = b.add_func_proto(int, &[("x", int)]);
        b.add_func("f", proto, 1);
        b.add_enum64("big", 8, false, &[("A", 1 << 40), ("B", 2)]);
        b.add_enum("small", 4, true, &[("C", -1)]);
        Btf::parse(&b.build()).expect("sample BTF parses")
    }

    #[test]
    fn all_supported_changes_nothing() {
        let mut btf = sample();
        let before = btf.raw_data().to_vec();
        btf.sanitize(&BtfFeatures::ALL).unwrap();
        assert_eq!(btf.raw_data(), &before[..]);
    }

    #[test]
    fn old_kernel_rewrites_like_libbpf() {
        let mut btf = sample();
        let n = btf.type_cnt();
        let none = BtfFeatures {
            datasec: false,
            func: false,
            func_global: false,
            float: false,
            decl_tag: false,
            type_tag: false,
            enum64: false,
            qmark_datasec: false,
        };
        btf.sanitize(&none).unwrap();
        let kinds: Vec<Kind> = (1..btf.type_cnt()).map(|id| btf.ty(id).unwrap().kind).collect();
        // int, float→struct, var→int, var→int, .data→struct, ?.struct_ops→struct, proto→enum,
        // func→typedef, enum64→union, enum, + placeholder int.
        assert_eq!(
            kinds,
            vec![
                Kind::Int,
                Kind::Struct,
                Kind::Int,
                Kind::Int,
                Kind::Struct,
                Kind::Struct,
                Kind::Enum,
                Kind::Typedef,
                Kind::Union,
                Kind::Enum,
                Kind::Int
            ]
        );
        assert_eq!(btf.type_cnt(), n + 1);
        let data = btf.ty(5).unwrap();
        assert_eq!(data.name, "_data");
        let ms: Vec<_> = data.members().unwrap().iter().collect();
        assert_eq!((ms[0].name, ms[0].bit_offset), ("counter", 0));
        assert_eq!((ms[1].name, ms[1].bit_offset), ("ratio", 32));
        assert_eq!(btf.ty(6).unwrap().name, "__struct_ops");
        assert!(!btf.ty(10).unwrap().kflag, "enum kflag cleared");
        let u = btf.ty(9).unwrap();
        assert!(u.members().unwrap().iter().all(|m| m.type_id == n && m.bit_offset == 0));
        assert_eq!(btf.ty(n).unwrap().name, "enum64_placeholder");
    }

    #[test]
    fn only_qmark_missing_renames_the_prefix() {
        let mut btf = sample();
        btf.sanitize(&BtfFeatures { qmark_datasec: false, ..BtfFeatures::ALL }).unwrap();
        assert_eq!(btf.ty(6).unwrap().name, "_.struct_ops");
        assert_eq!(btf.ty(6).unwrap().kind, Kind::Datasec);
        assert_eq!(btf.ty(5).unwrap().name, ".data");
    }
}
