//! Building and extending BTF in place: libbpf's `btf__new_empty*`, `btf__add_*`,
//! `btf__add_str`/`btf__find_str`, `btf__add_type`/`btf__add_btf`, byte order and kernel fds.
//!
//! A parsed [`Btf`] keeps its blob as found. The first addition makes it *modifiable*, as libbpf
//! does: the string section is copied into a growable buffer with a hash index of its strings
//! (offsets of first occurrences, so existing duplicates keep their layout), the type words are
//! already a growable `Vec`, and the blob becomes a cache dropped by every change and rebuilt on
//! demand (`btf__raw_data`) as header | types | strings. The header is libbpf's: kept from the
//! parsed blob and updated by each addition (`type_len`, `str_off` and `str_len` grow), so the
//! bytes match libbpf's after the same calls. Every addition is amortised O(1): a push onto the
//! word and offset vectors plus a hash lookup for its strings.
//!
//! Argument checks are libbpf 1.5's, in its order (which matters for which errno a bad call
//! gets). Referenced type ids are only checked for being non-negative: BTF may refer forward to
//! types added later. Those failures are reported by errno alone, as libbpf does.

use super::blob::Words;
use super::{Btf, Data, Header, Kind, BTF_MAGIC, BTF_VERSION, HEADER_LEN, MAX_STR_OFFSET, MAX_TYPE_ID};
use crate::error::{Error, Result};
use hashbrown::HashTable;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

fn einval() -> Error {
    Error::quiet(libc::EINVAL)
}

/// libbpf's `validate_type_id`: a referenced id may not exist yet, but must be in range.
fn check_id(id: i32) -> Result<u32> {
    if id < 0 || id as u64 > MAX_TYPE_ID {
        return Err(einval());
    }
    Ok(id as u32)
}

/// `name` must be present and non-empty.
fn need_name(name: Option<&[u8]>) -> Result<&[u8]> {
    match name {
        Some(n) if !n.is_empty() => Ok(n),
        _ => Err(einval()),
    }
}

fn info(kind: Kind, vlen: u16, kflag: bool) -> u32 {
    ((kflag as u32) << 31) | ((kind as u32) << 24) | vlen as u32
}

// ---------------------------------------------------------------------------------------------
// String index

fn str_hash(s: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = s.len() as u64;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^ (h >> 29)
}

/// The string at `off` of a string section, without its NUL (empty if out of range).
fn str_at(strs: &[u8], off: usize) -> &[u8] {
    let tail = strs.get(off..).unwrap_or(&[]);
    &tail[..tail.iter().position(|&b| b == 0).unwrap_or(tail.len())]
}

/// Offsets (relative to the own string section) of its distinct strings, found by hash: libbpf's
/// `strset` index. Only offsets are stored; the bytes stay in the section.
#[derive(Clone, Default)]
pub(crate) struct StrIndex {
    table: HashTable<u32>,
}

impl StrIndex {
    /// Index every string of `strs`; a duplicate keeps its first offset.
    fn build(strs: &[u8]) -> StrIndex {
        let mut idx = StrIndex::default();
        let mut off = 0usize;
        while off < strs.len() {
            let s = str_at(strs, off);
            if idx.find(strs, s).is_none() {
                idx.table.insert_unique(str_hash(s), off as u32, |&o| str_hash(str_at(strs, o as usize)));
            }
            off += s.len() + 1;
        }
        idx
    }

    fn find(&self, strs: &[u8], s: &[u8]) -> Option<u32> {
        self.table
            .find(str_hash(s), |&o| {
                let o = o as usize;
                strs.get(o..o + s.len()) == Some(s) && strs.get(o + s.len()) == Some(&0)
            })
            .copied()
    }
}

// ---------------------------------------------------------------------------------------------
// Which words of a record hold strings and type ids (libbpf's btf_field_iter)

/// Word indices, inside one kernel-format record, of its string offsets or type ids.
#[derive(Debug, Clone)]
pub struct FieldSlots {
    fixed: [usize; 2],
    nfixed: usize,
    next_fixed: usize,
    stride: usize,
    member_word: usize,
    vlen: usize,
    member: usize,
}

impl Iterator for FieldSlots {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.next_fixed < self.nfixed {
            self.next_fixed += 1;
            return Some(self.fixed[self.next_fixed - 1]);
        }
        if self.stride == 0 || self.member >= self.vlen {
            return None;
        }
        self.member += 1;
        Some(3 + (self.member - 1) * self.stride + self.member_word)
    }
}

fn slots(rec: &[u32], ids: bool) -> Option<FieldSlots> {
    let inf = *rec.get(1)?;
    let kind = Kind::from_raw((inf >> 24) & 0x1f)?;
    use Kind::*;
    let (fixed, nfixed, stride, member_word): ([usize; 2], usize, usize, usize) = if ids {
        match kind {
            Unkn | Int | Float | Enum | Enum64 => ([0, 0], 0, 0, 0),
            Fwd | Const | Volatile | Restrict | Ptr | Typedef | Func | Var | DeclTag | TypeTag => ([2, 0], 1, 0, 0),
            Array => ([3, 4], 2, 0, 0),
            Struct | Union => ([0, 0], 0, 3, 1),
            FuncProto => ([2, 0], 1, 2, 1),
            Datasec => ([0, 0], 0, 3, 0),
        }
    } else {
        match kind {
            Unkn => ([0, 0], 0, 0, 0),
            Enum => ([0, 0], 1, 2, 0),
            Enum64 | Struct | Union => ([0, 0], 1, 3, 0),
            FuncProto => ([0, 0], 1, 2, 0),
            _ => ([0, 0], 1, 0, 0),
        }
    };
    Some(FieldSlots { fixed, nfixed, next_fixed: 0, stride, member_word, vlen: (inf & 0xffff) as usize, member: 0 })
}

/// Word indices of the type ids a record refers to (`None` for an unknown kind).
pub fn field_id_slots(rec: &[u32]) -> Option<FieldSlots> {
    slots(rec, true)
}

/// Word indices of the string offsets of a record (`None` for an unknown kind).
pub fn field_str_slots(rec: &[u32]) -> Option<FieldSlots> {
    slots(rec, false)
}

// ---------------------------------------------------------------------------------------------
// Byte order

/// If `data` is BTF in the opposite byte order, a native copy of it (header and type words
/// swapped; strings are bytes). libbpf accepts such input only with a 24-byte header.
pub(super) fn native_copy(data: &[u8]) -> Result<Option<Vec<u8>>> {
    if data.len() < HEADER_LEN || u16::from_ne_bytes([data[0], data[1]]) != BTF_MAGIC.swap_bytes() {
        return Ok(None);
    }
    let word = |off: usize| u32::from_ne_bytes([data[off], data[off + 1], data[off + 2], data[off + 3]]).swap_bytes();
    let hdr_len = word(4);
    if hdr_len as usize != HEADER_LEN {
        return Err(Error::notsup(format!(
            "Can't load BTF with non-native endianness due to unsupported header length {hdr_len}"
        )));
    }
    let mut out = data.to_vec();
    out[0..2].copy_from_slice(&BTF_MAGIC.to_ne_bytes());
    for off in (4..HEADER_LEN).step_by(4) {
        out[off..off + 4].copy_from_slice(&word(off).to_ne_bytes());
    }
    let (type_off, type_len) = (word(8) as usize, word(12) as usize);
    let start = HEADER_LEN.saturating_add(type_off);
    if let Some(sec) = start.checked_add(type_len).and_then(|end| out.get_mut(start..end)) {
        for w in sec.chunks_exact_mut(4) {
            let v = u32::from_ne_bytes([w[0], w[1], w[2], w[3]]).swap_bytes();
            w.copy_from_slice(&v.to_ne_bytes());
        }
    }
    Ok(Some(out))
}

// ---------------------------------------------------------------------------------------------
// The modifiable BTF

impl Btf {
    /// An empty BTF (`btf__new_empty`, or `btf__new_empty_split` with a base): no types, a
    /// string section holding only "" (none for split BTF), the host's pointer size, the base's
    /// byte order.
    pub fn new_empty(base: Option<Arc<Btf>>) -> Btf {
        let (start_id, start_str_off, swapped) = match &base {
            None => (1, 0, false),
            Some(b) => (b.type_cnt(), b.start_str_off() + b.data.hdr.str_len, b.swapped),
        };
        let strs = if base.is_some() { Vec::new() } else { vec![0] };
        let hdr = Header {
            magic: BTF_MAGIC,
            version: BTF_VERSION,
            flags: 0,
            hdr_len: HEADER_LEN as u32,
            type_off: 0,
            type_len: 0,
            str_off: 0,
            str_len: strs.len() as u32,
        };
        Btf {
            data: Arc::new(Data {
                raw: OnceLock::new(),
                raw_swapped: OnceLock::new(),
                hdr,
                types: Words::default(),
                offs: Vec::new(),
                str_start: 0,
                own_strs: Some(strs),
                parsed_strs: None,
                str_index: OnceLock::new(),
                start_id,
                start_str_off,
                by_name: OnceLock::new(),
                guessed_ptr_size: OnceLock::new(),
                scans: Default::default(),
                strs_utf8: OnceLock::new(),
                datasecs: None,
            }),
            base,
            ptr_size: Some(std::mem::size_of::<usize>() as u32),
            c_base: 0,
            swapped,
            fd: -1,
            // libbpf: a BTF made modifiable with at most the empty string has unique strings
            strs_deduped: true,
        }
    }

    /// Make this BTF modifiable (libbpf's `btf_ensure_modifiable`) and drop cached blobs and the
    /// name index, which every change invalidates.
    fn modifiable(&mut self) -> &mut Data {
        if self.data.own_strs.is_none() {
            let n = self.data.hdr.str_len;
            self.strs_deduped |= n == 0 || (self.base.is_none() && n == 1);
        }
        let d = self.data_mut();
        if d.own_strs.is_none() {
            let strs = match d.parsed_strs.take() {
                Some(s) => s.into_vec(),
                None => {
                    let (a, n) = (d.str_start, d.hdr.str_len as usize);
                    d.raw.get().and_then(|r| r.get(a..a + n)).unwrap_or(&[]).to_vec()
                }
            };
            d.own_strs = Some(strs);
        }
        d.raw = OnceLock::new();
        d.raw_swapped = OnceLock::new();
        d.by_name = OnceLock::new();
        d.strs_utf8 = OnceLock::new();
        d
    }

    /// Offset of `s` among this BTF's own strings (relative to its section), by hash.
    fn find_own_str(&self, s: &[u8]) -> Option<u32> {
        let strs = self.strs();
        self.data.str_index.get_or_init(|| StrIndex::build(strs)).find(strs, s)
    }

    /// Read-only `btf__find_str`: base first, then own strings.
    fn find_str_shared(&self, s: &[u8]) -> Option<u32> {
        if let Some(off) = self.base.as_deref().and_then(|b| b.find_str_shared(s)) {
            return Some(off);
        }
        self.find_own_str(s).map(|o| self.start_str_off() + o)
    }

    /// `btf__find_str`: the logical offset of `s` (base first), `ENOENT` if absent. Like
    /// libbpf, this makes the BTF modifiable.
    pub fn find_str(&mut self, s: &[u8]) -> Result<u32> {
        if let Some(off) = self.base.as_deref().and_then(|b| b.find_str_shared(s)) {
            return Ok(off);
        }
        self.modifiable();
        self.find_own_str(s).map(|o| self.start_str_off() + o).ok_or(Error::quiet(libc::ENOENT))
    }

    /// `btf__add_str`: the logical offset of `s`, appending it to the own string section unless
    /// the base or this BTF already has it.
    pub fn add_str(&mut self, s: &[u8]) -> Result<u32> {
        if s.contains(&0) {
            return Err(einval());
        }
        if let Some(off) = self.base.as_deref().and_then(|b| b.find_str_shared(s)) {
            return Ok(off);
        }
        let start = self.start_str_off();
        if let Some(o) = {
            self.modifiable();
            self.find_own_str(s)
        } {
            return Ok(start + o);
        }
        let d = self.data_mut();
        let strs = d.own_strs.get_or_insert_with(Vec::new);
        let off = strs.len();
        if (off + s.len()) as u64 >= MAX_STR_OFFSET {
            return Err(Error::quiet(libc::ENOMEM));
        }
        strs.extend_from_slice(s);
        strs.push(0);
        let strs = &*strs;
        if let Some(idx) = d.str_index.get_mut() {
            idx.table.insert_unique(str_hash(s), off as u32, |&o| str_hash(str_at(strs, o as usize)));
        }
        d.hdr.str_len = strs.len() as u32;
        Ok(start + off as u32)
    }

    /// `name`'s offset, or 0 for NULL/empty.
    fn opt_name(&mut self, name: Option<&[u8]>) -> Result<u32> {
        match name {
            Some(n) if !n.is_empty() => self.add_str(n),
            _ => Ok(0),
        }
    }

    /// Append one complete record; returns its id (libbpf's `btf_commit_type`).
    fn push_type(&mut self, words: &[u32]) -> Result<u32> {
        let d = self.modifiable();
        if d.offs.len() as u64 + d.start_id as u64 > MAX_TYPE_ID
            || d.hdr.type_len as u64 + 4 * words.len() as u64 > u32::MAX as u64
        {
            return Err(Error::quiet(libc::ENOMEM));
        }
        d.offs.push(d.types.len() as u32);
        d.types.to_mut().extend_from_slice(words);
        let sz = 4 * words.len() as u32;
        d.hdr.type_len += sz;
        d.hdr.str_off = d.hdr.str_off.wrapping_add(sz);
        Ok(d.start_id + d.offs.len() as u32 - 1)
    }

    /// Kind of the last own type (`None` when this BTF has no own types).
    fn last_kind(&self) -> Option<Kind> {
        let d = &*self.data;
        let w = *d.offs.last()? as usize;
        Kind::from_raw((d.types.get(w + 1)? >> 24) & 0x1f)
    }

    /// Append a member/param/value/var-info entry to the last type, updating its info word with
    /// `f(old info)`.
    fn push_entry(&mut self, words: &[u32], f: impl FnOnce(u32) -> u32) -> Result<()> {
        let d = self.modifiable();
        if d.hdr.type_len as u64 + 4 * words.len() as u64 > u32::MAX as u64 {
            return Err(Error::quiet(libc::ENOMEM));
        }
        let last = *d.offs.last().ok_or_else(einval)? as usize;
        let types = d.types.to_mut();
        types.extend_from_slice(words);
        types[last + 1] = f(types[last + 1]);
        let sz = 4 * words.len() as u32;
        d.hdr.type_len += sz;
        d.hdr.str_off = d.hdr.str_off.wrapping_add(sz);
        Ok(())
    }

    fn bump_vlen(inf: u32, kflag: Option<bool>) -> u32 {
        let vlen = (inf & 0xffff).wrapping_add(1) & 0xffff;
        let kflag = kflag.unwrap_or(inf >> 31 != 0);
        ((kflag as u32) << 31) | (inf & 0x1f00_0000) | vlen
    }

    /// `btf__add_int`: `byte_sz` a power of two up to 16, `encoding` of SIGNED/CHAR/BOOL bits.
    pub fn add_int(&mut self, name: Option<&[u8]>, byte_sz: usize, encoding: i32) -> Result<u32> {
        let name = need_name(name)?;
        if byte_sz == 0 || !byte_sz.is_power_of_two() || byte_sz > 16 {
            return Err(einval());
        }
        if encoding & !0x7 != 0 {
            return Err(einval());
        }
        let n = self.add_str(name)?;
        self.push_type(&[
            n,
            info(Kind::Int, 0, false),
            byte_sz as u32,
            ((encoding as u32) << 24) | (byte_sz as u32 * 8),
        ])
    }

    /// `btf__add_float`: sizes 2, 4, 8, 12 or 16.
    pub fn add_float(&mut self, name: Option<&[u8]>, byte_sz: usize) -> Result<u32> {
        let name = need_name(name)?;
        if ![2, 4, 8, 12, 16].contains(&byte_sz) {
            return Err(einval());
        }
        let n = self.add_str(name)?;
        self.push_type(&[n, info(Kind::Float, 0, false), byte_sz as u32])
    }

    /// PTR, TYPEDEF, CONST/VOLATILE/RESTRICT, TYPE_TAG, FUNC and struct/union FWD: one record
    /// word pointing at `ref_id` (libbpf's `btf_add_ref_kind`).
    fn add_ref_kind(&mut self, kind: Kind, name: Option<&[u8]>, ref_id: i32) -> Result<u32> {
        self.add_ref_kind_flag(kind, name, ref_id, false)
    }

    fn add_ref_kind_flag(&mut self, kind: Kind, name: Option<&[u8]>, ref_id: i32, kflag: bool) -> Result<u32> {
        let r = check_id(ref_id)?;
        let n = self.opt_name(name)?;
        self.push_type(&[n, info(kind, 0, kflag), r])
    }

    pub fn add_ptr(&mut self, ref_id: i32) -> Result<u32> {
        self.add_ref_kind(Kind::Ptr, None, ref_id)
    }
    pub fn add_volatile(&mut self, ref_id: i32) -> Result<u32> {
        self.add_ref_kind(Kind::Volatile, None, ref_id)
    }
    pub fn add_const(&mut self, ref_id: i32) -> Result<u32> {
        self.add_ref_kind(Kind::Const, None, ref_id)
    }
    pub fn add_restrict(&mut self, ref_id: i32) -> Result<u32> {
        self.add_ref_kind(Kind::Restrict, None, ref_id)
    }
    pub fn add_typedef(&mut self, name: Option<&[u8]>, ref_id: i32) -> Result<u32> {
        need_name(name)?;
        self.add_ref_kind(Kind::Typedef, name, ref_id)
    }
    pub fn add_type_tag(&mut self, value: Option<&[u8]>, ref_id: i32) -> Result<u32> {
        need_name(value)?;
        self.add_ref_kind(Kind::TypeTag, value, ref_id)
    }
    /// `btf__add_type_attr` (libbpf 1.6): a TYPE_TAG with kflag set, meaning the tag is an
    /// `__attribute__` rather than a `btf_type_tag`.
    pub fn add_type_attr(&mut self, value: Option<&[u8]>, ref_id: i32) -> Result<u32> {
        need_name(value)?;
        self.add_ref_kind_flag(Kind::TypeTag, value, ref_id, true)
    }

    /// `btf__add_array`.
    pub fn add_array_type(&mut self, index_id: i32, elem_id: i32, nr_elems: u32) -> Result<u32> {
        let (i, e) = (check_id(index_id)?, check_id(elem_id)?);
        self.push_type(&[0, info(Kind::Array, 0, false), 0, e, i, nr_elems])
    }

    /// `btf__add_struct` (`union` false) / `btf__add_union`: members follow with `add_field`.
    pub fn add_composite(&mut self, union: bool, name: Option<&[u8]>, byte_sz: u32) -> Result<u32> {
        let n = self.opt_name(name)?;
        let kind = if union { Kind::Union } else { Kind::Struct };
        self.push_type(&[n, info(kind, 0, false), byte_sz])
    }

    /// `btf__add_field`: a member of the last STRUCT/UNION. A bitfield (non-zero `bit_size`, or
    /// an offset that is not a whole byte) sets the composite's kind flag; the offset word is
    /// `bit_size << 24 | bit_offset`.
    pub fn add_field(&mut self, name: Option<&[u8]>, type_id: i32, bit_offset: u32, bit_size: u32) -> Result<()> {
        let kind = self.last_kind().ok_or_else(einval)?;
        if kind != Kind::Struct && kind != Kind::Union {
            return Err(einval());
        }
        let t = check_id(type_id)?;
        let is_bitfield = bit_size != 0 || bit_offset % 8 != 0;
        if is_bitfield && (bit_size == 0 || bit_size > 255 || bit_offset > 0xff_ffff) {
            return Err(einval());
        }
        if kind == Kind::Union && bit_offset != 0 {
            return Err(einval());
        }
        let n = self.opt_name(name)?;
        self.push_entry(&[n, t, bit_offset | (bit_size << 24)], |inf| {
            Self::bump_vlen(inf, Some(is_bitfield || inf >> 31 != 0))
        })
    }

    /// `btf__add_enum` (unsigned until a negative value is added) and `btf__add_enum64`.
    pub fn add_enum_type(&mut self, name: Option<&[u8]>, byte_sz: u32, enum64: bool, signed: bool) -> Result<u32> {
        if byte_sz == 0 || !byte_sz.is_power_of_two() || byte_sz > 8 {
            return Err(einval());
        }
        let n = self.opt_name(name)?;
        let kind = if enum64 { Kind::Enum64 } else { Kind::Enum };
        self.push_type(&[n, info(kind, 0, signed), byte_sz])
    }

    /// `btf__add_enum_value`: a value of the last ENUM; `E2BIG` outside `[INT_MIN, UINT_MAX]`;
    /// a negative value makes the enum signed.
    pub fn add_enum_value(&mut self, name: Option<&[u8]>, value: i64) -> Result<()> {
        if self.last_kind() != Some(Kind::Enum) {
            return Err(einval());
        }
        let name = need_name(name)?;
        if value < i32::MIN as i64 || value > u32::MAX as i64 {
            return Err(Error::quiet(libc::E2BIG));
        }
        let n = self.add_str(name)?;
        self.push_entry(&[n, value as u32], |inf| Self::bump_vlen(inf, if value < 0 { Some(true) } else { None }))
    }

    /// `btf__add_enum64_value`: a value of the last ENUM64.
    pub fn add_enum64_value(&mut self, name: Option<&[u8]>, value: u64) -> Result<()> {
        if self.last_kind() != Some(Kind::Enum64) {
            return Err(einval());
        }
        let name = need_name(name)?;
        let n = self.add_str(name)?;
        self.push_entry(&[n, value as u32, (value >> 32) as u32], |inf| Self::bump_vlen(inf, None))
    }

    /// `btf__add_fwd`: `fwd_kind` 0 struct, 1 union (FWD with kind flag), 2 enum (an empty
    /// 4-byte ENUM).
    pub fn add_fwd(&mut self, name: Option<&[u8]>, fwd_kind: u32) -> Result<u32> {
        need_name(name)?;
        match fwd_kind {
            0 | 1 => {
                let id = self.add_ref_kind(Kind::Fwd, name, 0)?;
                let union = fwd_kind == 1;
                let d = self.data_mut();
                if let Some(&w) = d.offs.last() {
                    d.types.to_mut()[w as usize + 1] = info(Kind::Fwd, 0, union);
                }
                Ok(id)
            }
            2 => self.add_enum_type(name, 4, false, false),
            _ => Err(einval()),
        }
    }

    /// `btf__add_func`: linkage static (0), global (1) or extern (2), kept in vlen.
    pub fn add_func(&mut self, name: Option<&[u8]>, linkage: u32, proto_id: i32) -> Result<u32> {
        need_name(name)?;
        if linkage > 2 {
            return Err(einval());
        }
        let id = self.add_ref_kind(Kind::Func, name, proto_id)?;
        let d = self.data_mut();
        if let Some(&w) = d.offs.last() {
            d.types.to_mut()[w as usize + 1] = info(Kind::Func, linkage as u16, false);
        }
        Ok(id)
    }

    /// `btf__add_func_proto`: parameters follow with `add_func_param`.
    pub fn add_func_proto(&mut self, ret_id: i32) -> Result<u32> {
        let r = check_id(ret_id)?;
        self.push_type(&[0, info(Kind::FuncProto, 0, false), r])
    }

    /// `btf__add_func_param`: a parameter of the last FUNC_PROTO.
    pub fn add_func_param(&mut self, name: Option<&[u8]>, type_id: i32) -> Result<()> {
        let t = check_id(type_id)?;
        if self.last_kind() != Some(Kind::FuncProto) {
            return Err(einval());
        }
        let n = self.opt_name(name)?;
        self.push_entry(&[n, t], |inf| Self::bump_vlen(inf, None))
    }

    /// `btf__add_var`: linkage static (0), global allocated (1) or global extern (2).
    pub fn add_var_type(&mut self, name: Option<&[u8]>, linkage: i32, type_id: i32) -> Result<u32> {
        let name = need_name(name)?;
        if !(0..=2).contains(&linkage) {
            return Err(einval());
        }
        let t = check_id(type_id)?;
        let n = self.add_str(name)?;
        self.push_type(&[n, info(Kind::Var, 0, false), t, linkage as u32])
    }

    /// `btf__add_datasec`: entries follow with `add_datasec_var_info`.
    pub fn add_datasec(&mut self, name: Option<&[u8]>, byte_sz: u32) -> Result<u32> {
        let name = need_name(name)?;
        let n = self.add_str(name)?;
        self.push_type(&[n, info(Kind::Datasec, 0, false), byte_sz])
    }

    /// `btf__add_datasec_var_info`: an entry of the last DATASEC.
    pub fn add_datasec_var_info(&mut self, var_id: i32, offset: u32, byte_sz: u32) -> Result<()> {
        if self.last_kind() != Some(Kind::Datasec) {
            return Err(einval());
        }
        let v = check_id(var_id)?;
        self.push_entry(&[v, offset, byte_sz], |inf| Self::bump_vlen(inf, None))
    }

    /// `btf__add_decl_tag`: `component_idx` -1 tags the type itself, else a member/parameter.
    pub fn add_decl_tag(&mut self, value: Option<&[u8]>, ref_id: i32, component_idx: i32) -> Result<u32> {
        self.add_decl_tag_flag(value, ref_id, component_idx, false)
    }

    /// `btf__add_decl_attr` (libbpf 1.6): a DECL_TAG with kflag set (an `__attribute__`).
    pub fn add_decl_attr(&mut self, value: Option<&[u8]>, ref_id: i32, component_idx: i32) -> Result<u32> {
        self.add_decl_tag_flag(value, ref_id, component_idx, true)
    }

    fn add_decl_tag_flag(&mut self, value: Option<&[u8]>, ref_id: i32, component_idx: i32, kflag: bool) -> Result<u32> {
        let value = match value {
            Some(v) if !v.is_empty() && component_idx >= -1 => v,
            _ => return Err(einval()),
        };
        let r = check_id(ref_id)?;
        let n = self.add_str(value)?;
        self.push_type(&[n, info(Kind::DeclTag, 0, kflag), r, component_idx as u32])
    }

    /// `btf__permute` (libbpf 1.7): reorder this BTF's own types in place. `id_map[old] = new`
    /// over every type id (`id_map[0]` must be 0) for a base BTF, over the own types
    /// (`id_map[old - start_id]`) for a split one; a bijection onto the same range, else
    /// `-EINVAL`. Every type reference, and those of `ext` when given, follow. Nothing changes
    /// on error (libbpf may leave `ext` half rewritten).
    pub fn permute(&mut self, id_map: &[u32], ext: Option<&mut super::BtfExt>) -> Result<()> {
        let split = self.base.is_some();
        let (start, cnt) = (self.start_id(), self.type_cnt());
        let start_offs: u32 = if split { 0 } else { 1 };
        let n = if split { cnt - start } else { cnt } as usize;
        if !split && id_map.first().copied().unwrap_or(0) != 0 {
            return Err(Error::inval("btf__permute: id_map[0] must map VOID to 0"));
        }
        if id_map.len() != n {
            return Err(Error::inval(format!("btf__permute: id_map has {} entries, the BTF needs {n}", id_map.len())));
        }
        // order[new position] = old id
        let mut order = vec![0u32; n];
        for (i, &id) in id_map.iter().enumerate().skip(start_offs as usize) {
            if id < start || id >= cnt {
                return Err(Error::inval(format!("btf__permute: id_map[{i}] = {id} is outside [{start}, {cnt})")));
            }
            let slot = (id - start + start_offs) as usize;
            if order[slot] != 0 {
                return Err(Error::inval(format!("btf__permute: two types are mapped to id {id}")));
            }
            order[slot] = i as u32 + start - start_offs;
        }
        let remap = |v: u32| -> Result<u32> {
            if v < start {
                Ok(v)
            } else if v >= cnt {
                Err(Error::inval(format!("btf__permute: a type refers to id {v}, past the last type")))
            } else {
                Ok(id_map[(v - start + start_offs) as usize])
            }
        };
        let mut types = Vec::with_capacity(self.data.types.len());
        let mut offs = Vec::with_capacity(self.data.offs.len());
        for &old in &order[start_offs as usize..] {
            let rec = self.type_record(old).ok_or_else(einval)?;
            let at = types.len();
            offs.push(at as u32);
            types.extend_from_slice(rec);
            for slot in field_id_slots(rec).ok_or_else(einval)? {
                types[at + slot] = remap(types[at + slot])?;
            }
        }
        let mut ext_patches = Vec::new();
        if let Some(e) = ext.as_deref() {
            for pos in e.type_id_positions() {
                let old = super::rd_u32(e.raw_data(), pos).unwrap_or(0);
                ext_patches.push((pos, remap(old)?));
            }
        }
        if let Some(e) = ext {
            e.patch(&ext_patches, Some(self))?;
        }
        let d = self.modifiable();
        d.types = types.into();
        d.offs = offs;
        Ok(())
    }

    /// Copy `rec` (a record of `src`), re-adding its strings here; type ids are kept, or moved
    /// by `id_shift` when non-zero (for `add_btf`).
    fn copy_record(
        &mut self,
        src: Option<&Btf>,
        rec: &[u32],
        id_shift: u32,
        cache: &mut HashMap<u32, u32>,
    ) -> Result<Vec<u32>> {
        let inf = *rec.get(1).ok_or_else(einval)?;
        let kind = Kind::from_raw((inf >> 24) & 0x1f).ok_or_else(einval)?;
        let n = kind.record_words((inf & 0xffff) as u16).ok_or_else(einval)?;
        let mut w = rec.get(..n).ok_or_else(einval)?.to_vec();
        for i in field_str_slots(&w).ok_or_else(einval)? {
            let off = w[i];
            if off == 0 {
                continue;
            }
            w[i] = match cache.get(&off) {
                Some(&o) => o,
                None => {
                    let o = match src {
                        Some(src) => self.add_str(src.str_bytes_at(off).ok_or_else(einval)?)?,
                        None => {
                            let s = self.str_bytes_at(off).ok_or_else(einval)?.to_vec();
                            self.add_str(&s)?
                        }
                    };
                    cache.insert(off, o);
                    o
                }
            };
        }
        if id_shift != 0 {
            for i in field_id_slots(&w).ok_or_else(einval)? {
                if w[i] != 0 {
                    w[i] = w[i].wrapping_add(id_shift);
                }
            }
        }
        Ok(w)
    }

    /// `btf__add_type`: append a copy of `rec` (a kernel-format record of `src`), its strings
    /// re-added here; referenced type ids are copied unchanged.
    pub fn add_type(&mut self, src: &Btf, rec: &[u32]) -> Result<u32> {
        let w = self.copy_record(Some(src), rec, 0, &mut HashMap::new())?;
        self.push_type(&w)
    }

    /// `btf__add_type` with this BTF as the source (`rec` is one of its own records, copied).
    pub fn add_own_type(&mut self, rec: &[u32]) -> Result<u32> {
        let w = self.copy_record(None, rec, 0, &mut HashMap::new())?;
        self.push_type(&w)
    }

    /// `btf__add_btf`: append every type of `src` (not split BTF: `ENOTSUP`), strings re-added
    /// and type ids moved after this BTF's last type. Returns the id of the first added type.
    /// On failure nothing is added.
    pub fn add_btf(&mut self, src: &Btf) -> Result<u32> {
        if src.base.is_some() {
            return Err(Error::quiet(libc::EOPNOTSUPP));
        }
        let first = self.type_cnt();
        let shift = first - 1;
        let (nt, nw, ns) = {
            let d = self.modifiable();
            (d.offs.len(), d.types.len(), d.own_strs.as_ref().map_or(0, Vec::len))
        };
        let mut cache = HashMap::new();
        let res = (|| {
            for id in src.start_id()..src.type_cnt() {
                let rec = src.type_record(id).ok_or_else(einval)?;
                let w = self.copy_record(Some(src), rec, shift, &mut cache)?;
                self.push_type(&w)?;
            }
            Ok(first)
        })();
        if res.is_err() {
            let d = self.modifiable();
            d.offs.truncate(nt);
            d.types.to_mut().truncate(nw);
            if let Some(s) = d.own_strs.as_mut() {
                s.truncate(ns);
            }
            d.str_index = OnceLock::new();
            let dl = (d.hdr.type_len as usize - nw * 4) as u32;
            d.hdr.type_len -= dl;
            d.hdr.str_off = d.hdr.str_off.wrapping_sub(dl);
            d.hdr.str_len = ns as u32;
        }
        res
    }

    /// The blob rebuilt from header, type words and strings, optionally byte-swapped (libbpf's
    /// `btf_get_raw_data`).
    pub(super) fn build_blob(&self, swap: bool) -> Box<[u8]> {
        let d = &*self.data;
        let h = d.hdr;
        let strs = self.strs();
        let w32 = |v: u32| if swap { v.swap_bytes() } else { v }.to_ne_bytes();
        let mut out = Vec::with_capacity(h.hdr_len as usize + d.types.len() * 4 + strs.len());
        out.extend_from_slice(&if swap { h.magic.swap_bytes() } else { h.magic }.to_ne_bytes());
        out.push(h.version);
        out.push(h.flags);
        for v in [h.hdr_len, h.type_off, h.type_len, h.str_off, h.str_len] {
            out.extend_from_slice(&w32(v));
        }
        out.resize((h.hdr_len as usize).max(HEADER_LEN), 0);
        if swap {
            for &w in d.types.iter() {
                out.extend_from_slice(&w32(w));
            }
        } else {
            let words: &[u32] = &d.types;
            // SAFETY: the bytes of an initialized `[u32]`, read-only for the borrow's life; `u8`
            // has no alignment requirement and every byte is initialized.
            let bytes = unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 4) };
            out.extend_from_slice(bytes);
        }
        out.extend_from_slice(strs);
        out.into_boxed_slice()
    }

    /// The record starting at address `addr` in this BTF's (or a base's) type buffer, if any:
    /// how a C caller's `const struct btf_type *` is read without trusting the pointer.
    pub fn record_at_addr(&self, addr: usize) -> Option<&[u32]> {
        let d = &*self.data;
        let range = d.types.as_ptr_range();
        let (lo, hi) = (range.start as usize, range.end as usize);
        if addr < lo || addr >= hi || (addr - lo) % 4 != 0 {
            return self.base.as_deref()?.record_at_addr(addr);
        }
        let w = ((addr - lo) / 4) as u32;
        let i = d.offs.binary_search(&w).ok()?;
        self.type_record(d.start_id + i as u32)
    }

    /// Whether `btf__raw_data` gives the opposite of the host's byte order.
    pub fn is_swapped(&self) -> bool {
        self.swapped
    }

    /// `btf__set_endianness`: `big_endian` is the byte order wanted.
    pub fn set_big_endian(&mut self, big_endian: bool) {
        self.swapped = cfg!(target_endian = "big") != big_endian;
    }

    /// Kernel fd recorded for this BTF (-1 if none); see the `fd` field.
    pub fn fd(&self) -> i32 {
        self.fd
    }

    /// Record a kernel fd (`btf__set_fd`); the previous one is not closed, as in libbpf.
    pub fn set_fd(&mut self, fd: i32) {
        self.fd = fd;
    }

    /// Take the contents (types, strings, base) of `fresh`, keeping what belongs to the handle:
    /// pointer size, C base handle, byte order and kernel fd. For code that rebuilds a BTF
    /// wholesale from new bytes.
    pub fn replace_contents(&mut self, fresh: Btf) {
        self.data = fresh.data;
        self.base = fresh.base;
    }
}

// ---------------------------------------------------------------------------------------------
// Kernel

impl Btf {
    /// `btf__load_into_kernel`: load [`Btf::raw_data`] (native order) with libbpf's log
    /// handling (a quiet first try, then a logged retry with growing buffers; the log printed on
    /// failure) and record the fd (`-errno` after a failure, as libbpf leaves it). `EEXIST` if
    /// this BTF already has one.
    pub fn load_into_kernel(&mut self) -> Result<()> {
        if self.fd >= 0 {
            return Err(Error::quiet(libc::EEXIST));
        }
        match crate::sys::cmd::btf_load_into_kernel(self.raw_data(), None, 0, None) {
            Ok(fd) => {
                self.fd = std::os::fd::IntoRawFd::into_raw_fd(fd);
                Ok(())
            }
            Err(e) => {
                // libbpf keeps the failed call's result: btf__fd then gives -errno.
                self.fd = -e.errno();
                Err(e)
            }
        }
    }

    /// `btf__load_from_kernel_by_id_split`: the BTF object with this id, as the kernel holds it
    /// (split on `base` if given). Errors of the lookup are reported by errno alone.
    pub fn load_from_kernel_by_id(id: u32, base: Option<Arc<Btf>>) -> Result<Btf> {
        use crate::sys::cmd;
        let quiet = |e: Error| Error::quiet(e.errno());
        let fd = cmd::get_fd_by_id(cmd::IdKind::Btf, id, 0).map_err(quiet)?;
        let data = cmd::btf_data(std::os::fd::AsFd::as_fd(&fd)).map_err(quiet)?;
        Btf::parse_with(&data, base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(b: &Btf) -> Vec<u8> {
        b.raw_data().to_vec()
    }

    #[test]
    fn build_every_kind_and_reparse() {
        let mut b = Btf::new_empty(None);
        let int = b.add_int(Some(b"int"), 4, 1).unwrap();
        assert_eq!(int, 1);
        let s = b.add_composite(false, Some(b"s"), 8).unwrap();
        b.add_field(Some(b"a"), int as i32, 0, 0).unwrap();
        b.add_field(Some(b"b"), int as i32, 35, 3).unwrap();
        let t = b.ty(s).unwrap();
        assert_eq!(t.vlen, 2);
        assert!(t.raw_record()[1] >> 31 == 1, "bitfield sets kflag");
        assert_eq!(t.raw_record()[3 + 3 + 2], 35 | (3 << 24));
        b.add_enum_type(Some(b"e"), 4, false, false).unwrap();
        b.add_enum_value(Some(b"A"), -1).unwrap();
        assert_eq!(b.add_enum_value(Some(b"B"), 1 << 33).unwrap_err().errno(), libc::E2BIG);
        b.add_enum_type(Some(b"e64"), 8, true, false).unwrap();
        b.add_enum64_value(Some(b"X"), u64::MAX).unwrap();
        b.add_fwd(Some(b"u"), 1).unwrap();
        let fp = b.add_func_proto(int as i32).unwrap();
        b.add_func_param(Some(b"x"), int as i32).unwrap();
        b.add_func(Some(b"f"), 1, fp as i32).unwrap();
        let v = b.add_var_type(Some(b"v"), 1, int as i32).unwrap();
        b.add_datasec(Some(b".data"), 4).unwrap();
        b.add_datasec_var_info(v as i32, 0, 4).unwrap();
        b.add_decl_tag(Some(b"tag"), s as i32, 1).unwrap();
        b.add_type_tag(Some(b"user"), int as i32).unwrap();
        let p = Btf::parse(&raw(&b)).unwrap();
        assert_eq!(p.type_cnt(), b.type_cnt());
        assert_eq!(raw(&p), raw(&b));
        assert_eq!(p.ty(s).unwrap().name, "s");
        assert_eq!(b.ty(s).unwrap().name, "s");
    }

    #[test]
    fn strings_dedup_and_split() {
        let mut base = Btf::new_empty(None);
        base.add_int(Some(b"int"), 4, 1).unwrap();
        assert_eq!(base.add_str(b"int").unwrap(), 1);
        assert_eq!(base.find_str(b"nope").unwrap_err().errno(), libc::ENOENT);
        let base = Arc::new(base);
        let mut s = Btf::new_empty(Some(base.clone()));
        assert_eq!(s.add_str(b"int").unwrap(), 1);
        assert_eq!(s.add_str(b"").unwrap(), 0);
        let off = s.add_str(b"long").unwrap();
        assert_eq!(off, base.header().str_len);
        let id = s.add_int(Some(b"long"), 8, 1).unwrap();
        assert_eq!(id, 2);
        assert_eq!(s.add_field(None, 1, 0, 0).unwrap_err().errno(), libc::EINVAL);
        let p = Btf::parse_split(s.raw_data(), base).unwrap();
        assert_eq!(p.ty(2).unwrap().name, "long");
    }

    #[test]
    fn add_btf_remaps_and_swaps() {
        let mut a = Btf::new_empty(None);
        let i = a.add_int(Some(b"int"), 4, 1).unwrap();
        a.add_ptr(i as i32).unwrap();
        let mut b = Btf::new_empty(None);
        b.add_float(Some(b"float"), 4).unwrap();
        assert_eq!(b.add_btf(&a).unwrap(), 2);
        assert_eq!(b.ty(3).unwrap().size_or_type, 2);
        b.set_big_endian(cfg!(target_endian = "little"));
        let sw = b.raw_data_out().to_vec();
        let p = Btf::parse(&sw).unwrap();
        assert!(p.is_swapped());
        assert_eq!(p.raw_data(), b.raw_data());
        assert_eq!(p.raw_data_out(), &sw[..]);
    }
}
