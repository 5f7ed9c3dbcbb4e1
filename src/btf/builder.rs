//! A small writer of BTF blobs: base or split, one `add_*` per kind, returning type ids like
//! libbpf's `btf__add_*`. It performs no validation (tests use it to build malformed input too);
//! [`super::Btf::parse`] is the checker.

use super::{Btf, Kind, BTF_MAGIC, BTF_VERSION, HEADER_LEN};
use std::collections::HashMap;

/// Builds the bytes of a BTF blob.
#[derive(Debug, Clone)]
pub struct BtfBuilder {
    types: Vec<u32>,
    strs: Vec<u8>,
    str_index: HashMap<String, u32>,
    next_id: u32,
    start_str_off: u32,
}

impl Default for BtfBuilder {
    fn default() -> Self {
        Self::new()
    }
}

fn info(kind: Kind, kflag: bool, vlen: u16) -> u32 {
    ((kflag as u32) << 31) | ((kind as u32) << 24) | vlen as u32
}

impl BtfBuilder {
    /// A base BTF: ids from 1, string section starting with "".
    pub fn new() -> Self {
        let mut b =
            BtfBuilder { types: Vec::new(), strs: vec![0], str_index: HashMap::new(), next_id: 1, start_str_off: 0 };
        b.str_index.insert(String::new(), 0);
        b
    }

    /// Split BTF on top of `base`: ids continue at `base.type_cnt()`, string offsets after the
    /// base's strings ("" still resolves to offset 0 in the base).
    pub fn new_split(base: &Btf) -> Self {
        let mut b = BtfBuilder {
            types: Vec::new(),
            strs: Vec::new(),
            str_index: HashMap::new(),
            next_id: base.type_cnt(),
            start_str_off: base.start_str_off() + base.header().str_len,
        };
        b.str_index.insert(String::new(), 0);
        b
    }

    /// Offset of `s` in the string section, adding it if new.
    pub fn add_str(&mut self, s: &str) -> u32 {
        if let Some(&o) = self.str_index.get(s) {
            return o;
        }
        let off = self.start_str_off + self.strs.len() as u32;
        self.strs.extend_from_slice(s.as_bytes());
        self.strs.push(0);
        self.str_index.insert(s.to_owned(), off);
        off
    }

    /// Append raw record words; returns the id the record gets.
    pub fn add_raw(&mut self, words: &[u32]) -> u32 {
        self.types.extend_from_slice(words);
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn add(&mut self, name: &str, kind: Kind, kflag: bool, vlen: u16, size_or_type: u32, rest: &[u32]) -> u32 {
        let n = self.add_str(name);
        let mut w = vec![n, info(kind, kflag, vlen), size_or_type];
        w.extend_from_slice(rest);
        self.add_raw(&w)
    }

    /// INT of `size` bytes; `encoding` is [`super::INT_SIGNED`] etc.
    pub fn add_int(&mut self, name: &str, size: u32, encoding: u8) -> u32 {
        self.add(name, Kind::Int, false, 0, size, &[((encoding as u32) << 24) | (size * 8).min(128)])
    }
    pub fn add_float(&mut self, name: &str, size: u32) -> u32 {
        self.add(name, Kind::Float, false, 0, size, &[])
    }
    pub fn add_ptr(&mut self, to: u32) -> u32 {
        self.add("", Kind::Ptr, false, 0, to, &[])
    }
    pub fn add_array(&mut self, elem: u32, index: u32, nelems: u32) -> u32 {
        self.add("", Kind::Array, false, 0, 0, &[elem, index, nelems])
    }
    /// STRUCT (or UNION with `union = true`); members are `(name, type, bit offset)`.
    pub fn add_struct(&mut self, name: &str, size: u32, members: &[(&str, u32, u32)]) -> u32 {
        self.add_composite(Kind::Struct, name, size, false, members)
    }
    pub fn add_union(&mut self, name: &str, size: u32, members: &[(&str, u32, u32)]) -> u32 {
        self.add_composite(Kind::Union, name, size, false, members)
    }
    /// STRUCT/UNION with the raw member `offset` word (`kflag`: bitfield size in bits 24..31).
    pub fn add_composite(
        &mut self,
        kind: Kind,
        name: &str,
        size: u32,
        kflag: bool,
        members: &[(&str, u32, u32)],
    ) -> u32 {
        let mut rest = Vec::new();
        for &(n, t, off) in members {
            rest.extend_from_slice(&[self.add_str(n), t, off]);
        }
        self.add(name, kind, kflag, members.len() as u16, size, &rest)
    }
    /// ENUM (32-bit values); `signed` sets the kind flag.
    pub fn add_enum(&mut self, name: &str, size: u32, signed: bool, values: &[(&str, i64)]) -> u32 {
        let mut rest = Vec::new();
        for &(n, v) in values {
            rest.extend_from_slice(&[self.add_str(n), v as u32]);
        }
        self.add(name, Kind::Enum, signed, values.len() as u16, size, &rest)
    }
    pub fn add_enum64(&mut self, name: &str, size: u32, signed: bool, values: &[(&str, u64)]) -> u32 {
        let mut rest = Vec::new();
        for &(n, v) in values {
            rest.extend_from_slice(&[self.add_str(n), v as u32, (v >> 32) as u32]);
        }
        self.add(name, Kind::Enum64, signed, values.len() as u16, size, &rest)
    }
    pub fn add_fwd(&mut self, name: &str, union: bool) -> u32 {
        self.add(name, Kind::Fwd, union, 0, 0, &[])
    }
    pub fn add_typedef(&mut self, name: &str, to: u32) -> u32 {
        self.add(name, Kind::Typedef, false, 0, to, &[])
    }
    /// CONST, VOLATILE, RESTRICT (no name) or TYPE_TAG (`name` is the tag).
    pub fn add_modifier(&mut self, kind: Kind, name: &str, to: u32) -> u32 {
        self.add(name, kind, false, 0, to, &[])
    }
    pub fn add_func_proto(&mut self, ret: u32, params: &[(&str, u32)]) -> u32 {
        let mut rest = Vec::new();
        for &(n, t) in params {
            rest.extend_from_slice(&[self.add_str(n), t]);
        }
        self.add("", Kind::FuncProto, false, params.len() as u16, ret, &rest)
    }
    pub fn add_func(&mut self, name: &str, proto: u32, linkage: u32) -> u32 {
        self.add(name, Kind::Func, false, linkage as u16, proto, &[])
    }
    pub fn add_var(&mut self, name: &str, ty: u32, linkage: u32) -> u32 {
        self.add(name, Kind::Var, false, 0, ty, &[linkage])
    }
    /// DATASEC with `(var id, offset, size)` entries.
    pub fn add_datasec(&mut self, name: &str, size: u32, vars: &[(u32, u32, u32)]) -> u32 {
        let rest: Vec<u32> = vars.iter().flat_map(|&(t, o, s)| [t, o, s]).collect();
        self.add(name, Kind::Datasec, false, vars.len() as u16, size, &rest)
    }
    pub fn add_decl_tag(&mut self, tag: &str, to: u32, component_idx: i32) -> u32 {
        self.add(tag, Kind::DeclTag, false, 0, to, &[component_idx as u32])
    }

    /// Id the next added type gets.
    pub fn next_id(&self) -> u32 {
        self.next_id
    }

    /// The blob: 24-byte header, types, strings.
    pub fn build(&self) -> Vec<u8> {
        let tl = (self.types.len() * 4) as u32;
        let sl = self.strs.len() as u32;
        let mut out = Vec::with_capacity(HEADER_LEN + tl as usize + sl as usize);
        out.extend_from_slice(&BTF_MAGIC.to_ne_bytes());
        out.push(BTF_VERSION);
        out.push(0);
        for v in [HEADER_LEN as u32, 0, tl, tl, sl] {
            out.extend_from_slice(&v.to_ne_bytes());
        }
        for w in &self.types {
            out.extend_from_slice(&w.to_ne_bytes());
        }
        out.extend_from_slice(&self.strs);
        out
    }
}
