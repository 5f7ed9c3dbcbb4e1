//! In-place edits the object loader makes to an object's own BTF (libbpf does the same on its
//! copy): variable linkage and type, DATASEC entry sizes and order, and appending an ARRAY type
//! when a global-data map is resized.

use super::{Btf, Kind};

/// A CO-RE / struct_ops name without its `___flavour` suffix: the last `___` that has a
/// non-underscore on both sides ends the essential name (`tcp_congestion_ops___v2` →
/// `tcp_congestion_ops`; `a____b` and `___x` are left whole), as libbpf decides it.
pub fn essential_name(name: &str) -> &str {
    let b = name.as_bytes();
    if b.len() >= 5 {
        for i in (0..=b.len() - 5).rev() {
            if b[i] != b'_' && b[i + 1] == b'_' && b[i + 2] == b'_' && b[i + 3] == b'_' && b[i + 4] != b'_' {
                return &name[..i + 1];
            }
        }
    }
    name
}
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

    /// Append `ARRAY elem[nelems]` (index type `index`) and return its id. See
    /// [`Btf::append_type`] for what that does to earlier record pointers.
    pub fn add_array(&mut self, index: u32, elem: u32, nelems: u32) -> Result<u32> {
        let cnt = self.type_cnt();
        if index >= cnt || elem >= cnt {
            return Err(Error::inval(format!("BTF: add_array: type id out of range ({index}, {elem})")));
        }
        self.append_type(&[0, (Kind::Array as u32) << 24, 0, elem, index, nelems], None)
    }

    /// Append `VAR name: type_id` with `linkage` and return its id.
    pub fn add_var(&mut self, name: &str, type_id: u32, linkage: u32) -> Result<u32> {
        if type_id >= self.type_cnt() {
            return Err(Error::inval(format!("BTF: add_var: type id {type_id} out of range")));
        }
        self.append_type(&[0, (Kind::Var as u32) << 24, type_id, linkage], Some(name))
    }

    /// Append one type record (its `name_off` word is filled from `name` when given, which is
    /// added to the string section) and return the new id. The blob is rebuilt and re-parsed:
    /// record pointers handed out earlier (btf__type_by_id) become stale, exactly as with
    /// libbpf's btf__add_*.
    pub fn append_type(&mut self, record: &[u32], name: Option<&str>) -> Result<u32> {
        let cnt = self.type_cnt();
        let mut rec = record.to_vec();
        let mut extra_str = Vec::new();
        if let (Some(n), Some(first)) = (name, rec.first_mut()) {
            if n.as_bytes().contains(&0) {
                return Err(Error::inval("BTF: name contains a NUL byte"));
            }
            *first = self.start_str_off() + self.data.hdr.str_len;
            extra_str.extend_from_slice(n.as_bytes());
            extra_str.push(0);
        }
        self.rebuild(&rec, &extra_str)?;
        Ok(cnt)
    }

    /// Re-encode the blob as header | types + `extra_types` | strings + `extra_str` and re-parse.
    fn rebuild(&mut self, extra_types: &[u32], extra_str: &[u8]) -> Result<()> {
        let h = self.data.hdr;
        let raw = self.raw_data();
        let hdr_len = h.hdr_len as usize;
        let t0 = hdr_len + h.type_off as usize;
        let s0 = hdr_len + h.str_off as usize;
        let types =
            raw.get(t0..t0 + h.type_len as usize).ok_or_else(|| Error::inval("BTF: type section out of range"))?;
        let strs =
            raw.get(s0..s0 + h.str_len as usize).ok_or_else(|| Error::inval("BTF: string section out of range"))?;
        let new_type_len = h.type_len + 4 * extra_types.len() as u32;
        let new_str_len = h.str_len + extra_str.len() as u32;
        let mut out = Vec::with_capacity(hdr_len + new_type_len as usize + new_str_len as usize);
        out.extend_from_slice(&raw[..hdr_len]);
        out.extend_from_slice(types);
        for w in extra_types {
            out.extend_from_slice(&w.to_ne_bytes());
        }
        out.extend_from_slice(strs);
        out.extend_from_slice(extra_str);
        // Header words: type_off @8, type_len @12, str_off @16, str_len @20.
        out[8..12].copy_from_slice(&0u32.to_ne_bytes());
        out[12..16].copy_from_slice(&new_type_len.to_ne_bytes());
        out[16..20].copy_from_slice(&new_type_len.to_ne_bytes());
        out[20..24].copy_from_slice(&new_str_len.to_ne_bytes());
        let fresh = match &self.base {
            Some(b) => Btf::parse_split(&out, b.clone())?,
            None => Btf::parse(&out)?,
        };
        self.replace_contents(fresh);
        Ok(())
    }

    /// Set a FUNC's linkage (kept in its vlen bits).
    pub fn set_func_linkage(&mut self, id: u32, linkage: u32) -> Result<()> {
        let t = self.ty(id).ok_or_else(|| Error::inval(format!("BTF: type id {id} out of range")))?;
        if t.kind != Kind::Func || id < self.start_id() {
            return Err(Error::inval(format!("BTF: {t} is not an own FUNC")));
        }
        let info = t.raw_record()[1];
        self.write_record_word(id, 1, (info & !0xffff) | (linkage & 0xffff))
    }

    /// Point entry `idx` of DATASEC `id` at another type.
    pub fn set_datasec_var_type(&mut self, id: u32, idx: usize, type_id: u32) -> Result<()> {
        let t = self.own_datasec(id)?;
        if idx >= t.vlen as usize || type_id >= self.type_cnt() {
            return Err(Error::inval(format!("BTF: {t}: bad entry {idx} or type {type_id}")));
        }
        self.write_record_word(id, 3 + 3 * idx, type_id)
    }

    /// Give every unnamed parameter of FUNC_PROTO `id` the name `name` (the kernel wants named
    /// parameters on global functions), adding the string once.
    pub fn fill_func_proto_param_names(&mut self, id: u32, name: &str) -> Result<()> {
        let t = self.ty(id).ok_or_else(|| Error::inval(format!("BTF: type id {id} out of range")))?;
        if t.kind != Kind::FuncProto || id < self.start_id() {
            return Err(Error::inval(format!("BTF: {t} is not an own FUNC_PROTO")));
        }
        let unnamed: Vec<usize> = t
            .params()
            .map(|ps| {
                ps.iter().enumerate().filter(|(_, p)| p.type_id != 0 && p.name_off == 0).map(|(i, _)| i).collect()
            })
            .unwrap_or_default();
        if unnamed.is_empty() {
            return Ok(());
        }
        let off = self.find_or_add_string(name)?;
        for i in unnamed {
            self.write_record_word(id, 3 + 2 * i, off)?;
        }
        Ok(())
    }

    /// Offset of `s` in the string section, adding it (by re-parsing with an appended string)
    /// when absent.
    fn find_or_add_string(&mut self, s: &str) -> Result<u32> {
        let h = self.data.hdr;
        let strs = self.strs();
        let mut pos = 0usize;
        for part in strs.split(|&b| b == 0) {
            if part == s.as_bytes() && !s.is_empty() {
                return Ok(self.start_str_off() + pos as u32);
            }
            pos += part.len() + 1;
        }
        let off = self.start_str_off() + h.str_len;
        let mut extra = s.as_bytes().to_vec();
        extra.push(0);
        self.rebuild(&[], &extra)?;
        Ok(off)
    }

    /// Overwrite word `word` (0: name offset, 1: type) of parameter `idx` of own FUNC_PROTO `id`.
    fn set_param_word(&mut self, id: u32, idx: usize, word: usize, val: u32) -> Result<()> {
        if self.kind_of(id) != Some(Kind::FuncProto) {
            return Err(Error::inval(format!("BTF: type [{id}] is not a FUNC_PROTO")));
        }
        self.write_record_word(id, 3 + 2 * idx + word, val)
    }

    /// Point parameter `idx` of own FUNC_PROTO `id` at string offset `name_off`.
    pub fn set_param_name_off(&mut self, id: u32, idx: usize, name_off: u32) -> Result<()> {
        self.set_param_word(id, idx, 0, name_off)
    }

    /// Give parameter `idx` of own FUNC_PROTO `id` the type `type_id`.
    pub fn set_param_type(&mut self, id: u32, idx: usize, type_id: u32) -> Result<()> {
        self.set_param_word(id, idx, 1, type_id)
    }

    /// Point own type `id`'s name at string offset `name_off` (an existing string).
    pub fn set_name_off(&mut self, id: u32, name_off: u32) -> Result<()> {
        self.write_record_word(id, 0, name_off)
    }
}
