//! In-place edits the object loader makes to an object's own BTF (libbpf does the same on its
//! copy): variable linkage and type, DATASEC entry sizes and order, and appending an ARRAY type
//! when a global-data map is resized.

use super::{Btf, Kind};
use crate::error::{Error, Result};

impl Btf {
    fn own_var(&self, id: u32) -> Result<()> {
        match self.ty(id) {
            Some(t) if id >= self.start_id() && t.kind == Kind::Var => Ok(()),
            Some(t) => Err(Error::inval(format!("BTF: {t} is not an own VAR"))),
            None => Err(Error::inval(format!("BTF: type id {id} out of range"))),
        }
    }

    /// Set a VAR's linkage (`BTF_VAR_STATIC`, `_GLOBAL_ALLOCATED`, `_GLOBAL_EXTERN`).
    pub fn set_var_linkage(&mut self, id: u32, linkage: u32) -> Result<()> {
        self.own_var(id)?;
        self.write_record_word(id, 3, linkage)
    }

    /// Point a VAR at another type.
    pub fn set_var_type(&mut self, id: u32, type_id: u32) -> Result<()> {
        self.own_var(id)?;
        if type_id >= self.type_cnt() {
            return Err(Error::inval(format!("BTF: type id {type_id} out of range")));
        }
        self.write_record_word(id, 2, type_id)
    }

    /// Set the size of entry `idx` of DATASEC `id`.
    pub fn set_datasec_var_size(&mut self, id: u32, idx: usize, size: u32) -> Result<()> {
        let t = self.own_datasec(id)?;
        if idx >= t.vlen as usize {
            return Err(Error::inval(format!("BTF: {t} has {} entries, no entry {idx}", t.vlen)));
        }
        self.write_record_word(id, 3 + 3 * idx + 2, size)
    }

    /// Sort DATASEC `id`'s entries by offset (stable), as libbpf does after fixing offsets.
    pub fn sort_datasec_vars(&mut self, id: u32) -> Result<()> {
        let t = self.own_datasec(id)?;
        let mut vars: Vec<_> = t.secinfos().map(|s| s.iter().collect()).unwrap_or_default();
        if vars.windows(2).all(|w| w[0].offset <= w[1].offset) {
            return Ok(());
        }
        vars.sort_by_key(|v| v.offset);
        for (i, v) in vars.iter().enumerate() {
            self.write_record_word(id, 3 + 3 * i, v.type_id)?;
            self.write_record_word(id, 3 + 3 * i + 1, v.offset)?;
            self.write_record_word(id, 3 + 3 * i + 2, v.size)?;
        }
        Ok(())
    }

    /// Append `ARRAY elem[nelems]` (index type `index`) and return its id. The blob is rebuilt
    /// and re-parsed: record pointers handed out earlier (btf__type_by_id) become stale, exactly
    /// as with libbpf's btf__add_*.
    pub fn add_array(&mut self, index: u32, elem: u32, nelems: u32) -> Result<u32> {
        let cnt = self.type_cnt();
        if index >= cnt || elem >= cnt {
            return Err(Error::inval(format!("BTF: add_array: type id out of range ({index}, {elem})")));
        }
        let h = self.data.hdr;
        let raw = &self.data.raw;
        let hdr_len = h.hdr_len as usize;
        let t0 = hdr_len + h.type_off as usize;
        let s0 = hdr_len + h.str_off as usize;
        let types = raw.get(t0..t0 + h.type_len as usize).ok_or_else(|| Error::inval("BTF: type section out of range"))?;
        let strs = raw.get(s0..s0 + h.str_len as usize).ok_or_else(|| Error::inval("BTF: string section out of range"))?;
        let info: u32 = (Kind::Array as u32) << 24;
        let rec: [u32; 6] = [0, info, 0, elem, index, nelems];
        let mut out = Vec::with_capacity(raw.len() + 24);
        out.extend_from_slice(&raw[..hdr_len]);
        out.extend_from_slice(types);
        for w in rec {
            out.extend_from_slice(&w.to_ne_bytes());
        }
        let new_type_len = h.type_len + 24;
        let str_off = new_type_len;
        out.extend_from_slice(strs);
        // Header words: type_off @8, type_len @12, str_off @16, str_len @20.
        out[8..12].copy_from_slice(&0u32.to_ne_bytes());
        out[12..16].copy_from_slice(&new_type_len.to_ne_bytes());
        out[16..20].copy_from_slice(&str_off.to_ne_bytes());
        let mut fresh = match &self.base {
            Some(b) => Btf::parse_split(&out, b.clone())?,
            None => Btf::parse(&out)?,
        };
        fresh.ptr_size = self.ptr_size;
        fresh.c_base = self.c_base;
        *self = fresh;
        Ok(cnt)
    }
}
