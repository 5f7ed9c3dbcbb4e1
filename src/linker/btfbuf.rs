//! The linker's growing output BTF: records appended from each input (then renumbered), a
//! deduplicating string set, and the few queries linking needs on it (type records by id, names,
//! sizes) without re-parsing.

use crate::btf::{fields, Btf, Kind};
use crate::error::{Error, Result};
use std::collections::HashMap;

/// A set of NUL-terminated strings laid out as a string section, "" at offset 0; adding a
/// string already present returns its offset (libbpf's strset).
#[derive(Default)]
pub(super) struct StrSet {
    bytes: Vec<u8>,
    index: HashMap<Vec<u8>, u32>,
}

impl StrSet {
    pub fn new() -> StrSet {
        let mut s = StrSet { bytes: vec![0], index: HashMap::new() };
        s.index.insert(Vec::new(), 0);
        s
    }
    pub fn add(&mut self, s: &[u8]) -> u32 {
        if let Some(&o) = self.index.get(s) {
            return o;
        }
        let off = self.bytes.len() as u32;
        self.bytes.extend_from_slice(s);
        self.bytes.push(0);
        self.index.insert(s.to_vec(), off);
        off
    }
    pub fn find(&self, s: &[u8]) -> Option<u32> {
        self.index.get(s).copied()
    }
    pub fn get(&self, off: u32) -> &[u8] {
        let rest = self.bytes.get(off as usize..).unwrap_or(&[]);
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        &rest[..end]
    }
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A BTF under construction: `recs[id]` is the record of type `id` (`recs[0]` is void, empty).
pub(super) struct BtfBuf {
    pub recs: Vec<Vec<u32>>,
    pub strs: StrSet,
}

pub(super) fn kind_of(rec: &[u32]) -> Kind {
    Kind::from_raw((rec.get(1).copied().unwrap_or(0) >> 24) & 0x1f).unwrap_or(Kind::Unkn)
}

pub(super) fn vlen_of(rec: &[u32]) -> usize {
    (rec.get(1).copied().unwrap_or(0) & 0xffff) as usize
}

impl BtfBuf {
    pub fn new() -> BtfBuf {
        BtfBuf { recs: vec![Vec::new()], strs: StrSet::new() }
    }

    pub fn type_cnt(&self) -> u32 {
        self.recs.len() as u32
    }

    /// Copy type `id` of `src` (strings re-added here; type ids left as in `src`). Returns the
    /// new id.
    pub fn add_type_from(&mut self, src: &Btf, id: u32) -> Result<u32> {
        let rec = src.type_record(id).ok_or_else(|| Error::inval(format!("BTF type [{id}] not found")))?;
        let mut rec = rec.to_vec();
        for slot in fields::str_slots(&rec) {
            let s = src
                .str_bytes_at(rec[slot])
                .ok_or_else(|| Error::inval(format!("BTF type [{id}]: string offset {} out of range", rec[slot])))?;
            rec[slot] = self.strs.add(s);
        }
        self.recs.push(rec);
        Ok(self.recs.len() as u32 - 1)
    }

    /// libbpf's `btf__resolve_size` on this BTF (pointers are 8 bytes).
    pub fn resolve_size(&self, mut id: u32) -> Result<u32> {
        let mut nelems: u64 = 1;
        for _ in 0..32 {
            let rec = self.recs.get(id as usize).filter(|r| r.len() >= 3);
            let Some(rec) = rec else { return Err(Error::inval(format!("BTF type [{id}] has no size"))) };
            let size = match kind_of(rec) {
                Kind::Int | Kind::Enum | Kind::Enum64 | Kind::Struct | Kind::Union | Kind::Datasec | Kind::Float => {
                    rec[2]
                }
                Kind::Ptr => 8,
                Kind::Typedef
                | Kind::Volatile
                | Kind::Const
                | Kind::Restrict
                | Kind::Var
                | Kind::DeclTag
                | Kind::TypeTag => {
                    id = rec[2];
                    continue;
                }
                Kind::Array => {
                    nelems = nelems.saturating_mul(rec.get(5).copied().unwrap_or(0) as u64);
                    id = rec[3];
                    continue;
                }
                _ => return Err(Error::inval(format!("BTF type [{id}] has no size"))),
            };
            let total = nelems.saturating_mul(size as u64);
            return u32::try_from(total).map_err(|_| Error::new(libc::E2BIG, format!("BTF type [{id}] is too big")));
        }
        Err(Error::inval("BTF type chain too long"))
    }

    /// The blob: header, types, strings.
    pub fn raw(&self) -> Vec<u8> {
        let words: usize = self.recs.iter().map(Vec::len).sum();
        let tl = (words * 4) as u32;
        let sl = self.strs.bytes().len() as u32;
        let mut out = Vec::with_capacity(24 + tl as usize + sl as usize);
        out.extend_from_slice(&crate::btf::BTF_MAGIC.to_ne_bytes());
        out.push(crate::btf::BTF_VERSION);
        out.push(0);
        for v in [24u32, 0, tl, tl, sl] {
            out.extend_from_slice(&v.to_ne_bytes());
        }
        for r in &self.recs {
            for w in r {
                out.extend_from_slice(&w.to_ne_bytes());
            }
        }
        out.extend_from_slice(self.strs.bytes());
        out
    }
}
