//! BTF deduplication with libbpf 1.5's `btf__dedup` semantics: same canonical choices, same
//! final type order and string section, so the resulting blob is byte-identical to libbpf's.
//!
//! Phases, in libbpf's order:
//! 1. base types (split BTF) are self-canonical and enter the candidate table;
//! 2. strings: every string reference of the types (and of the `.BTF.ext`, if given) is
//!    rewritten to a fresh, deduplicated string section in first-use order (split BTF first
//!    looks the string up in its base);
//! 3. primitive types (INT, FLOAT, FWD, ENUM/ENUM64 with enum forward resolution);
//! 4. structs/unions, by a type-graph equivalence check with a hypothetical id map;
//! 5. forward declarations resolved to the one struct/union of that name, if unique;
//! 6. reference types (modifiers, typedefs, pointers, arrays, prototypes, functions, tags),
//!    depth first, once what they point at is canonical;
//! 7. compaction: canonical own types in their original order, then every type id rewritten.
//!
//! Candidates with equal hash are visited in the order libbpf's chained hash table yields them:
//! newest first, the relative order flipping each time the table grows (a rehash moves each
//! chain by prepending). [`CandTable`] reproduces that, since when two canonical types both
//! match, the first visited wins.

use super::{Btf, BtfExt, Kind};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const UNPROCESSED: u32 = u32::MAX;
const IN_PROGRESS: u32 = u32::MAX - 1;
/// libbpf's `BTF_MAX_NR_TYPES`: map values above it are the markers above.
const MAX_ID: u32 = 0x7fff_ffff;

/// Options of [`dedup`] (`struct btf_dedup_opts` minus the `.BTF.ext`, passed separately).
#[derive(Debug, Clone, Copy, Default)]
pub struct DedupOpts {
    /// Make every type hash collide (a testing aid in libbpf). Candidates are matched by full
    /// comparison either way, so the result is the same; only the speed differs in libbpf.
    pub force_collisions: bool,
}

pub(crate) const K_INT: u32 = Kind::Int as u32;
pub(crate) const K_PTR: u32 = Kind::Ptr as u32;
pub(crate) const K_ARRAY: u32 = Kind::Array as u32;
pub(crate) const K_STRUCT: u32 = Kind::Struct as u32;
pub(crate) const K_UNION: u32 = Kind::Union as u32;
pub(crate) const K_ENUM: u32 = Kind::Enum as u32;
pub(crate) const K_FWD: u32 = Kind::Fwd as u32;
pub(crate) const K_TYPEDEF: u32 = Kind::Typedef as u32;
pub(crate) const K_VOLATILE: u32 = Kind::Volatile as u32;
pub(crate) const K_CONST: u32 = Kind::Const as u32;
pub(crate) const K_RESTRICT: u32 = Kind::Restrict as u32;
pub(crate) const K_FUNC: u32 = Kind::Func as u32;
pub(crate) const K_FUNC_PROTO: u32 = Kind::FuncProto as u32;
pub(crate) const K_VAR: u32 = Kind::Var as u32;
pub(crate) const K_DATASEC: u32 = Kind::Datasec as u32;
pub(crate) const K_FLOAT: u32 = Kind::Float as u32;
pub(crate) const K_DECL_TAG: u32 = Kind::DeclTag as u32;
pub(crate) const K_TYPE_TAG: u32 = Kind::TypeTag as u32;
pub(crate) const K_ENUM64: u32 = Kind::Enum64 as u32;

/// A fast hasher for integer keys and short byte strings (Fx-style multiply-rotate).
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn mix(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut c = bytes.chunks_exact(8);
        for w in &mut c {
            self.mix(u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]));
        }
        let mut last = 0u64;
        for (i, &b) in c.remainder().iter().enumerate() {
            last |= (b as u64) << (8 * i);
        }
        self.mix(last);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.mix(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.mix(i as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Every type record (id 0's all-zero record, the base's, then this BTF's own) in one mutable
/// word buffer, indexed by id.
pub(crate) struct Recs {
    pub(crate) words: Vec<u32>,
    pub(crate) offs: Vec<u32>,
}

impl Recs {
    /// Records of every id of `btf` (base included).
    pub(crate) fn of(btf: &Btf) -> Result<Recs> {
        let cnt = btf.type_cnt() as usize;
        let start = btf.start_id() as usize;
        let own = &btf.data.types;
        let mut words = Vec::with_capacity(3 + own.len() + if start > 1 { start * 6 } else { 0 });
        let mut offs = Vec::with_capacity(cnt);
        words.extend_from_slice(&[0, 0, 0]);
        offs.push(0);
        for id in 1..start as u32 {
            let r = btf.type_record(id).ok_or_else(|| Error::inval(format!("BTF: base type [{id}] is missing")))?;
            offs.push(words.len() as u32);
            words.extend_from_slice(r);
        }
        let shift = words.len() as u32;
        offs.extend(btf.data.offs.iter().map(|&o| o + shift));
        words.extend_from_slice(own);
        Ok(Recs { words, offs })
    }

    #[inline]
    pub(crate) fn off(&self, id: u32) -> usize {
        self.offs[id as usize] as usize
    }
    #[inline]
    pub(crate) fn w(&self, id: u32, i: usize) -> u32 {
        self.words[self.off(id) + i]
    }
    #[inline]
    pub(crate) fn set(&mut self, id: u32, i: usize, v: u32) {
        let o = self.off(id) + i;
        self.words[o] = v;
    }
    #[inline]
    pub(crate) fn info(&self, id: u32) -> u32 {
        self.w(id, 1)
    }
    #[inline]
    pub(crate) fn kind(&self, id: u32) -> u32 {
        (self.info(id) >> 24) & 0x1f
    }
    #[inline]
    pub(crate) fn vlen(&self, id: u32) -> usize {
        (self.info(id) & 0xffff) as usize
    }
    #[inline]
    pub(crate) fn kflag(&self, id: u32) -> bool {
        self.info(id) >> 31 != 0
    }
    /// Number of words of type `id`'s record.
    pub(crate) fn len(&self, id: u32) -> usize {
        rec_words(self.info(id))
    }
    pub(crate) fn rec(&self, id: u32) -> &[u32] {
        let o = self.off(id);
        &self.words[o..o + self.len(id)]
    }
}

/// Record length in words from the `info` word (3 for unknown kinds, which parsing rejects).
pub(crate) fn rec_words(info: u32) -> usize {
    Kind::from_raw((info >> 24) & 0x1f).and_then(|k| k.record_words(info as u16)).unwrap_or(3)
}

/// Check that every type id the own types (`start..cnt`) refer to exists: a BTF built with
/// `btf__add_*` may still refer to types never added.
pub(crate) fn check_ids(r: &Recs, start: u32, cnt: u32) -> Result<()> {
    for id in start..cnt {
        let o = r.off(id);
        let mut bad = None;
        id_fields(r.words[o + 1], |k| {
            if r.words[o + k] >= cnt {
                bad.get_or_insert(r.words[o + k]);
            }
        });
        if let Some(t) = bad {
            return Err(Error::inval(format!(
                "BTF: type [{id}] refers to type id {t}, which does not exist (type count {cnt})"
            )));
        }
    }
    Ok(())
}

/// Word indexes (inside a record) of the type-id fields, in libbpf's `BTF_FIELD_ITER_IDS`
/// order.
pub(crate) fn id_fields(info: u32, mut f: impl FnMut(usize)) {
    let vlen = (info & 0xffff) as usize;
    match (info >> 24) & 0x1f {
        K_FWD | K_CONST | K_VOLATILE | K_RESTRICT | K_PTR | K_TYPEDEF | K_FUNC | K_VAR | K_DECL_TAG | K_TYPE_TAG => {
            f(2)
        }
        K_ARRAY => {
            f(3);
            f(4);
        }
        K_STRUCT | K_UNION => (0..vlen).for_each(|i| f(3 + 3 * i + 1)),
        K_FUNC_PROTO => {
            f(2);
            (0..vlen).for_each(|i| f(3 + 2 * i + 1));
        }
        K_DATASEC => (0..vlen).for_each(|i| f(3 + 3 * i)),
        _ => {}
    }
}

/// Word indexes of the string-offset fields, in libbpf's `BTF_FIELD_ITER_STRS` order.
pub(crate) fn str_fields(info: u32, mut f: impl FnMut(usize)) {
    let vlen = (info & 0xffff) as usize;
    match (info >> 24) & 0x1f {
        0 => {}
        K_ENUM | K_FUNC_PROTO => {
            f(0);
            (0..vlen).for_each(|i| f(3 + 2 * i));
        }
        K_ENUM64 | K_STRUCT | K_UNION => {
            f(0);
            (0..vlen).for_each(|i| f(3 + 3 * i));
        }
        _ => f(0),
    }
}

/// Candidate lists keyed by type hash, visited like libbpf's `hashmap__for_each_key_entry`:
/// chains of nodes (newest first), each chain reversed lazily for every rehash it missed.
struct CandTable {
    /// hash → (head node + 1, or 0 when empty; epoch the chain is up to date with).
    heads: FastMap<i64, (u32, u32)>,
    /// (type id, next node + 1 or 0).
    nodes: Vec<(u32, u32)>,
    cap: usize,
    /// Number of rehashes so far; each one reverses every chain.
    epoch: u32,
}

impl CandTable {
    fn new() -> Self {
        CandTable { heads: FastMap::default(), nodes: Vec::new(), cap: 0, epoch: 0 }
    }

    fn with_capacity(n: usize) -> Self {
        let mut t = Self::new();
        t.heads.reserve(n);
        t.nodes.reserve(n);
        t
    }

    /// Reverse the chain starting at `head` (node + 1); returns the new head.
    fn reverse(nodes: &mut [(u32, u32)], mut head: u32) -> u32 {
        let mut prev = 0;
        while head != 0 {
            let n = &mut nodes[head as usize - 1];
            let next = n.1;
            n.1 = prev;
            prev = head;
            head = next;
        }
        prev
    }

    fn add(&mut self, h: i64, id: u32) {
        if self.cap == 0 || (self.nodes.len() + 1) * 4 / 3 > self.cap {
            self.cap = if self.cap == 0 { 4 } else { self.cap * 2 };
            self.epoch += 1;
        }
        let epoch = self.epoch;
        let e = self.heads.entry(h).or_insert((0, epoch));
        if (epoch - e.1) & 1 == 1 {
            e.0 = Self::reverse(&mut self.nodes, e.0);
        }
        e.1 = epoch;
        self.nodes.push((id, e.0));
        e.0 = self.nodes.len() as u32;
    }

    /// Bring the chain of `h` up to date; returns its first node (0: none), for [`Self::next`].
    fn first(&mut self, h: i64) -> u32 {
        let epoch = self.epoch;
        match self.heads.get_mut(&h) {
            Some(e) => {
                if (epoch - e.1) & 1 == 1 {
                    e.0 = Self::reverse(&mut self.nodes, e.0);
                }
                e.1 = epoch;
                e.0
            }
            None => 0,
        }
    }

    /// The candidate at node `n` (non-zero) and the node after it.
    #[inline]
    fn get(&self, n: u32) -> (u32, u32) {
        self.nodes[n as usize - 1]
    }
}

#[inline]
fn hc(h: i64, v: u32) -> i64 {
    h.wrapping_mul(31).wrapping_add(v as i64)
}

struct Dedup {
    r: Recs,
    start_id: u32,
    cnt: u32,
    map: Vec<u32>,
    hypot: Vec<u32>,
    hypot_list: Vec<u32>,
    adjust_canon: bool,
    table: CandTable,
}

fn einval(msg: String) -> Error {
    Error::inval(format!("BTF dedup: {msg}"))
}

impl Dedup {
    // ---- hashes and equality, as libbpf defines them ----
    fn hash_common(&self, id: u32) -> i64 {
        hc(hc(hc(0, self.r.w(id, 0)), self.r.w(id, 1)), self.r.w(id, 2))
    }
    fn hash_int_tag(&self, id: u32) -> i64 {
        hc(self.hash_common(id), self.r.w(id, 3))
    }
    fn hash_enum(&self, id: u32) -> i64 {
        hc(0, self.r.w(id, 0))
    }
    fn hash_struct(&self, id: u32) -> i64 {
        let mut h = self.hash_common(id);
        for i in 0..self.r.vlen(id) {
            h = hc(h, self.r.w(id, 3 + 3 * i));
            h = hc(h, self.r.w(id, 3 + 3 * i + 2));
        }
        h
    }
    fn hash_array(&self, id: u32) -> i64 {
        let h = self.hash_common(id);
        hc(hc(hc(h, self.r.w(id, 3)), self.r.w(id, 4)), self.r.w(id, 5))
    }
    fn hash_fnproto(&self, id: u32) -> i64 {
        let mut h = self.hash_common(id);
        for i in 0..self.r.vlen(id) {
            h = hc(h, self.r.w(id, 3 + 2 * i));
            h = hc(h, self.r.w(id, 3 + 2 * i + 1));
        }
        h
    }

    #[inline]
    fn equal_common(&self, a: u32, b: u32) -> bool {
        let (oa, ob) = (self.r.off(a), self.r.off(b));
        self.r.words[oa..oa + 3] == self.r.words[ob..ob + 3]
    }
    fn equal_int_tag(&self, a: u32, b: u32) -> bool {
        self.equal_common(a, b) && self.r.w(a, 3) == self.r.w(b, 3)
    }
    /// Equal common part and equal trailer (enum values, array info, prototype params).
    fn equal_whole(&self, a: u32, b: u32) -> bool {
        if !self.equal_common(a, b) {
            return false;
        }
        let n = self.r.len(a);
        let (oa, ob) = (self.r.off(a), self.r.off(b));
        self.r.words[oa + 3..oa + n] == self.r.words[ob + 3..ob + n]
    }
    fn is_enum_fwd(&self, id: u32) -> bool {
        matches!(self.r.kind(id), K_ENUM | K_ENUM64) && self.r.vlen(id) == 0
    }
    fn compat_enum(&self, a: u32, b: u32) -> bool {
        if !self.is_enum_fwd(a) && !self.is_enum_fwd(b) {
            return self.equal_whole(a, b);
        }
        self.r.w(a, 0) == self.r.w(b, 0)
            && matches!(self.r.kind(a), K_ENUM | K_ENUM64)
            && matches!(self.r.kind(b), K_ENUM | K_ENUM64)
    }
    fn shallow_equal_struct(&self, a: u32, b: u32) -> bool {
        if !self.equal_common(a, b) {
            return false;
        }
        (0..self.r.vlen(a)).all(|i| {
            let k = 3 + 3 * i;
            self.r.w(a, k) == self.r.w(b, k) && self.r.w(a, k + 2) == self.r.w(b, k + 2)
        })
    }
    fn compat_array(&self, a: u32, b: u32) -> bool {
        self.equal_common(a, b) && self.r.w(a, 5) == self.r.w(b, 5)
    }
    fn compat_fnproto(&self, a: u32, b: u32) -> bool {
        if self.r.w(a, 0) != self.r.w(b, 0) || self.r.w(a, 1) != self.r.w(b, 1) {
            return false;
        }
        (0..self.r.vlen(a)).all(|i| self.r.w(a, 3 + 2 * i) == self.r.w(b, 3 + 2 * i))
    }

    #[inline]
    fn is_mapped(&self, id: u32) -> bool {
        self.map[id as usize] <= MAX_ID
    }
    #[inline]
    fn resolve(&self, mut id: u32) -> u32 {
        while self.is_mapped(id) && self.map[id as usize] != id {
            id = self.map[id as usize];
        }
        id
    }
    fn resolve_fwd(&self, id: u32) -> u32 {
        if self.r.kind(id) != K_FWD {
            return id;
        }
        let r = self.resolve(id);
        if self.r.kind(r) != K_FWD {
            r
        } else {
            id
        }
    }

    fn identical_arrays(&self, a: u32, b: u32) -> bool {
        self.r.kind(a) == K_ARRAY && self.r.kind(b) == K_ARRAY && self.equal_whole(a, b)
    }
    fn identical_structs(&self, a: u32, b: u32) -> bool {
        let k = self.r.kind(a);
        if !matches!(k, K_STRUCT | K_UNION) || k != self.r.kind(b) || !self.shallow_equal_struct(a, b) {
            return false;
        }
        (0..self.r.vlen(a)).all(|i| {
            let (ma, mb) = (self.r.w(a, 3 + 3 * i + 1), self.r.w(b, 3 + 3 * i + 1));
            ma == mb || self.identical_arrays(ma, mb) || self.identical_structs(ma, mb)
        })
    }

    // ---- phases ----
    fn prep(&mut self) -> Result<()> {
        for id in 1..self.start_id {
            self.map[id as usize] = id;
            let h = match self.r.kind(id) {
                K_VAR | K_DATASEC => continue,
                K_CONST | K_VOLATILE | K_RESTRICT | K_PTR | K_FWD | K_TYPEDEF | K_FUNC | K_FLOAT | K_TYPE_TAG => {
                    self.hash_common(id)
                }
                K_INT | K_DECL_TAG => self.hash_int_tag(id),
                K_ENUM | K_ENUM64 => self.hash_enum(id),
                K_STRUCT | K_UNION => self.hash_struct(id),
                K_ARRAY => self.hash_array(id),
                K_FUNC_PROTO => self.hash_fnproto(id),
                k => return Err(einval(format!("unknown kind {k} for type [{id}]"))),
            };
            self.table.add(h, id);
        }
        Ok(())
    }

    fn prim_type(&mut self, id: u32) {
        let mut new_id = id;
        let h;
        match self.r.kind(id) {
            K_INT => {
                h = self.hash_int_tag(id);
                let mut node = self.table.first(h);
                while node != 0 {
                    let (c, next) = self.table.get(node);
                    node = next;
                    if self.equal_int_tag(id, c) {
                        new_id = c;
                        break;
                    }
                }
            }
            K_ENUM | K_ENUM64 => {
                h = self.hash_enum(id);
                let mut node = self.table.first(h);
                while node != 0 {
                    let (c, next) = self.table.get(node);
                    node = next;
                    if self.equal_whole(id, c) {
                        new_id = c;
                        break;
                    }
                    if self.compat_enum(id, c) {
                        if self.is_enum_fwd(id) {
                            new_id = c;
                            break;
                        }
                        self.map[c as usize] = id;
                    }
                }
            }
            K_FWD | K_FLOAT => {
                h = self.hash_common(id);
                let mut node = self.table.first(h);
                while node != 0 {
                    let (c, next) = self.table.get(node);
                    node = next;
                    if self.equal_common(id, c) {
                        new_id = c;
                        break;
                    }
                }
            }
            _ => return,
        }
        self.map[id as usize] = new_id;
        if new_id == id {
            self.table.add(h, id);
        }
    }

    fn hypot_add(&mut self, from: u32, to: u32) {
        self.hypot_list.push(from);
        self.hypot[from as usize] = to;
    }

    fn clear_hypot(&mut self) {
        for &i in &self.hypot_list {
            self.hypot[i as usize] = UNPROCESSED;
        }
        self.hypot_list.clear();
        self.adjust_canon = false;
    }

    /// libbpf's `btf_dedup_is_equiv`: can type graph `cand` be mapped onto `canon`?
    fn is_equiv(&mut self, cand: u32, canon: u32) -> Result<bool> {
        if self.resolve(cand) == self.resolve(canon) {
            return Ok(true);
        }
        let canon = self.resolve_fwd(canon);
        let hyp = self.hypot[canon as usize];
        if hyp <= MAX_ID {
            return Ok(hyp == cand || self.identical_arrays(hyp, cand) || self.identical_structs(hyp, cand));
        }
        self.hypot_add(canon, cand);
        if self.r.w(cand, 0) != self.r.w(canon, 0) {
            return Ok(false);
        }
        let (ck, nk) = (self.r.kind(cand), self.r.kind(canon));
        if (ck == K_FWD || nk == K_FWD) && ck != nk {
            let fwd_kind = |id| if self.r.kflag(id) { K_UNION } else { K_STRUCT };
            let (real, fwd) = if ck == K_FWD {
                (nk, fwd_kind(cand))
            } else {
                let fwd = fwd_kind(canon);
                if fwd == ck && canon < self.start_id {
                    self.adjust_canon = true;
                }
                (ck, fwd)
            };
            return Ok(fwd == real);
        }
        if ck != nk {
            return Ok(false);
        }
        match ck {
            K_INT => Ok(self.equal_int_tag(cand, canon)),
            K_ENUM | K_ENUM64 => Ok(self.compat_enum(cand, canon)),
            K_FWD | K_FLOAT => Ok(self.equal_common(cand, canon)),
            K_CONST | K_VOLATILE | K_RESTRICT | K_PTR | K_TYPEDEF | K_FUNC | K_TYPE_TAG => {
                if self.r.info(cand) != self.r.info(canon) {
                    return Ok(false);
                }
                self.is_equiv(self.r.w(cand, 2), self.r.w(canon, 2))
            }
            K_ARRAY => {
                if !self.compat_array(cand, canon) {
                    return Ok(false);
                }
                if !self.is_equiv(self.r.w(cand, 4), self.r.w(canon, 4))? {
                    return Ok(false);
                }
                self.is_equiv(self.r.w(cand, 3), self.r.w(canon, 3))
            }
            K_STRUCT | K_UNION => {
                if !self.shallow_equal_struct(cand, canon) {
                    return Ok(false);
                }
                for i in 0..self.r.vlen(cand) {
                    let k = 3 + 3 * i + 1;
                    if !self.is_equiv(self.r.w(cand, k), self.r.w(canon, k))? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            K_FUNC_PROTO => {
                if !self.compat_fnproto(cand, canon) {
                    return Ok(false);
                }
                if !self.is_equiv(self.r.w(cand, 2), self.r.w(canon, 2))? {
                    return Ok(false);
                }
                for i in 0..self.r.vlen(cand) {
                    let k = 3 + 2 * i + 1;
                    if !self.is_equiv(self.r.w(cand, k), self.r.w(canon, k))? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            k => Err(einval(format!("unexpected kind {k} of type [{cand}] in equivalence check"))),
        }
    }

    fn merge_hypot(&mut self) {
        for i in 0..self.hypot_list.len() {
            let canon = self.hypot_list[i];
            let targ = self.hypot[canon as usize];
            let t = self.resolve(targ);
            let c = self.resolve(canon);
            let (tk, ck) = (self.r.kind(t), self.r.kind(c));
            if tk != K_FWD && ck == K_FWD {
                self.map[c as usize] = t;
            }
            if self.adjust_canon {
                continue;
            }
            if tk == K_FWD && ck != K_FWD {
                self.map[t as usize] = c;
            }
            if matches!(tk, K_STRUCT | K_UNION) && ck != K_FWD && self.is_mapped(c) && !self.is_mapped(t) {
                self.map[t as usize] = c;
            }
        }
    }

    fn struct_type(&mut self, id: u32) -> Result<()> {
        if self.map[id as usize] <= MAX_ID || !matches!(self.r.kind(id), K_STRUCT | K_UNION) {
            return Ok(());
        }
        let h = self.hash_struct(id);
        let mut new_id = id;
        let mut node = self.table.first(h);
        while node != 0 {
            let (c, next) = self.table.get(node);
            node = next;
            if !self.shallow_equal_struct(id, c) {
                continue;
            }
            self.clear_hypot();
            if !self.is_equiv(id, c)? {
                continue;
            }
            self.merge_hypot();
            if self.adjust_canon {
                continue;
            }
            new_id = c;
            break;
        }
        self.map[id as usize] = new_id;
        if new_id == id {
            self.table.add(h, id);
        }
        Ok(())
    }

    fn resolve_fwds(&mut self) {
        let mut names: FastMap<u32, u32> = FastMap::default();
        for id in 1..self.cnt {
            if matches!(self.r.kind(id), K_STRUCT | K_UNION) && self.map[id as usize] == id {
                names.entry(self.r.w(id, 0)).and_modify(|v| *v = 0).or_insert(id);
            }
        }
        for id in self.start_id..self.cnt {
            if self.r.kind(id) != K_FWD || self.map[id as usize] != id {
                continue;
            }
            let Some(&c) = names.get(&self.r.w(id, 0)) else {
                continue;
            };
            if c == 0 {
                continue;
            }
            let union_fwd = self.r.kflag(id);
            match self.r.kind(c) {
                K_STRUCT if union_fwd => continue,
                K_UNION if !union_fwd => continue,
                _ => {}
            }
            self.map[id as usize] = c;
        }
    }

    fn ref_type(&mut self, id: u32) -> Result<u32> {
        let m = self.map[id as usize];
        if m == IN_PROGRESS {
            return Err(Error::new(libc::ELOOP, format!("BTF dedup: type [{id}] refers to itself")));
        }
        if m <= MAX_ID {
            return Ok(self.resolve(id));
        }
        self.map[id as usize] = IN_PROGRESS;
        let mut new_id = id;
        let h;
        match self.r.kind(id) {
            k @ (K_CONST | K_VOLATILE | K_RESTRICT | K_PTR | K_TYPEDEF | K_FUNC | K_TYPE_TAG | K_DECL_TAG) => {
                let r = self.ref_type(self.r.w(id, 2))?;
                self.r.set(id, 2, r);
                let tag = k == K_DECL_TAG;
                h = if tag { self.hash_int_tag(id) } else { self.hash_common(id) };
                let mut node = self.table.first(h);
                while node != 0 {
                    let (c, next) = self.table.get(node);
                    node = next;
                    let eq = if tag { self.equal_int_tag(id, c) } else { self.equal_common(id, c) };
                    if eq {
                        new_id = c;
                        break;
                    }
                }
            }
            K_ARRAY => {
                let r = self.ref_type(self.r.w(id, 3))?;
                self.r.set(id, 3, r);
                let r = self.ref_type(self.r.w(id, 4))?;
                self.r.set(id, 4, r);
                h = self.hash_array(id);
                let mut node = self.table.first(h);
                while node != 0 {
                    let (c, next) = self.table.get(node);
                    node = next;
                    if self.equal_whole(id, c) {
                        new_id = c;
                        break;
                    }
                }
            }
            K_FUNC_PROTO => {
                let r = self.ref_type(self.r.w(id, 2))?;
                self.r.set(id, 2, r);
                for i in 0..self.r.vlen(id) {
                    let k = 3 + 2 * i + 1;
                    let r = self.ref_type(self.r.w(id, k))?;
                    self.r.set(id, k, r);
                }
                h = self.hash_fnproto(id);
                let mut node = self.table.first(h);
                while node != 0 {
                    let (c, next) = self.table.get(node);
                    node = next;
                    if self.equal_whole(id, c) {
                        new_id = c;
                        break;
                    }
                }
            }
            k => return Err(einval(format!("type [{id}] of kind {k} is not a reference type"))),
        }
        self.map[id as usize] = new_id;
        if new_id == id {
            self.table.add(h, id);
        }
        Ok(new_id)
    }

    /// Canonical own types in order; returns (type words, word offset of each record,
    /// old id → new id).
    fn compact_and_remap(&mut self) -> Result<(Vec<u32>, Vec<u32>, Vec<u32>)> {
        let mut new_of = std::mem::take(&mut self.hypot);
        for (id, slot) in new_of.iter_mut().enumerate() {
            *slot = if (id as u32) < self.start_id { id as u32 } else { UNPROCESSED };
        }
        let mut out = Vec::with_capacity(self.r.words.len() - self.r.off(self.start_id.min(self.cnt - 1)));
        let mut recs = Vec::new();
        let mut next = self.start_id;
        for id in self.start_id..self.cnt {
            if self.map[id as usize] != id {
                continue;
            }
            new_of[id as usize] = next;
            recs.push(out.len() as u32);
            out.extend_from_slice(self.r.rec(id));
            next += 1;
        }
        for &o in &recs {
            let o = o as usize;
            let info = out[o + 1];
            let mut bad = None;
            id_fields(info, |k| {
                let new = new_of[self.resolve(out[o + k]) as usize];
                if new > MAX_ID {
                    bad = Some(out[o + k]);
                } else {
                    out[o + k] = new;
                }
            });
            if let Some(t) = bad {
                return Err(einval(format!("type id {t} has no canonical type after compaction")));
            }
        }
        Ok((out, recs, new_of))
    }
}

/// Deduplicate `btf` in place with libbpf 1.5's algorithm; `ext`, if given, has its string
/// offsets and type ids rewritten to match (libbpf's `btf_dedup_opts.btf_ext`).
pub fn dedup(btf: &mut Btf, ext: Option<&mut BtfExt>, opts: &DedupOpts) -> Result<()> {
    let _ = opts.force_collisions;
    // The equivalence check and the reference pass recurse along type chains as deep as the
    // type graph; run them on a thread whose stack can hold that.
    let work = || dedup_inner(btf, ext);
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("btf-dedup".into())
            .stack_size(512 << 20)
            .spawn_scoped(s, work)
            .map_err(|e| Error::new(libc::ENOMEM, format!("BTF dedup: cannot start worker thread: {e}")))?
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

fn dedup_inner(btf: &mut Btf, ext: Option<&mut BtfExt>) -> Result<()> {
    let start_id = btf.start_id();
    let cnt = btf.type_cnt();
    let mut r = Recs::of(btf)?;
    check_ids(&r, start_id, cnt)?;

    // Strings first (they only rewrite offsets, which the type hashes then use).
    let strs_deduped = btf.strs_deduped
        || match btf.base() {
            None => btf.header().str_len <= 1,
            Some(_) => btf.header().str_len == 0,
        };
    let mut ext_patches: Vec<(usize, u32)> = Vec::new();
    let new_strs =
        if strs_deduped { None } else { Some(dedup_strings(btf, &mut r, ext.as_deref(), &mut ext_patches)?) };

    let mut map = vec![UNPROCESSED; cnt as usize];
    map[0] = 0;
    for id in 1..cnt {
        if matches!(r.kind(id), K_VAR | K_DATASEC) {
            map[id as usize] = id;
        }
    }
    let mut d = Dedup {
        r,
        start_id,
        cnt,
        map,
        hypot: vec![UNPROCESSED; cnt as usize],
        hypot_list: Vec::new(),
        adjust_canon: false,
        table: CandTable::with_capacity((cnt as usize).min(1 << 20)),
    };
    d.prep()?;
    for id in start_id..cnt {
        d.prim_type(id);
    }
    for id in start_id..cnt {
        d.struct_type(id)?;
    }
    d.resolve_fwds();
    for id in start_id..cnt {
        d.ref_type(id)?;
    }
    d.table = CandTable::new();
    d.hypot_list = Vec::new();
    let (types, offs, new_of) = d.compact_and_remap()?;

    if let Some(e) = ext.as_deref() {
        for pos in e.type_id_positions() {
            let old = super::rd_u32(e.raw_data(), pos).unwrap_or(0);
            let new = new_of.get(d.resolve(old.min(cnt - 1)) as usize).copied().unwrap_or(UNPROCESSED);
            if old >= cnt || new > MAX_ID {
                return Err(einval(format!(".BTF.ext refers to type id {old}, which has no canonical type")));
            }
            ext_patches.push((pos, new));
        }
    }

    // Install the result the way libbpf leaves it: modifiable, the header kept but for the
    // section sizes, the blob rebuilt on demand. Every id was remapped onto an emitted record and
    // every string offset onto the new section, so nothing needs re-validating.
    let new_strs = match new_strs {
        Some(s) => s,
        None => btf.strs().to_vec(),
    };
    drop(d);
    let type_len = (types.len() * 4) as u32;
    let data = btf.data_mut();
    data.hdr.type_len = type_len;
    data.hdr.str_off = type_len;
    data.hdr.str_len = new_strs.len() as u32;
    data.types = types.into();
    data.offs = offs;
    data.own_strs = Some(new_strs);
    data.parsed_strs = None;
    data.raw = Default::default();
    data.raw_swapped = Default::default();
    data.str_index = Default::default();
    data.by_name = Default::default();
    btf.strs_deduped = true;
    if let Some(e) = ext {
        e.patch(&ext_patches, Some(btf))?;
    }
    Ok(())
}

impl Btf {
    /// Mark the string section as deduplicated, as libbpf does for a BTF built from scratch
    /// (`btf__new_empty*`, whose first modification finds at most the empty string): a later
    /// dedup then keeps the strings as they are.
    pub(crate) fn set_strs_deduped(&mut self) {
        self.strs_deduped = true;
    }
}

/// Index of every string of `btf`'s base chain: bytes → offset of its first occurrence,
/// searching the bottom-most base first (libbpf's `btf__find_str` on the base).
fn base_str_index(base: &Btf) -> FastMap<&[u8], u32> {
    let mut chain = vec![base];
    while let Some(b) = chain.last().and_then(|b| b.base()) {
        chain.push(b);
    }
    let mut idx: FastMap<&[u8], u32> = FastMap::default();
    idx.reserve(base.data.hdr.str_len as usize / 16);
    for b in chain.into_iter().rev() {
        let s = b.strs();
        let mut off = 0usize;
        while off < s.len() {
            let end = s[off..].iter().position(|&c| c == 0).map_or(s.len(), |p| off + p);
            idx.entry(&s[off..end]).or_insert(b.start_str_off() + off as u32);
            off = end + 1;
        }
    }
    idx
}

/// Rewrite every string reference of the own types (in `r`) and of `ext` (as patches) to a new
/// string section holding each used string once, in first-use order. Returns that section.
fn dedup_strings(btf: &Btf, r: &mut Recs, ext: Option<&BtfExt>, patches: &mut Vec<(usize, u32)>) -> Result<Vec<u8>> {
    let start_str = btf.start_str_off();
    let base_idx = btf.base().map(|b| base_str_index(b));
    let mut set: FastMap<&[u8], u32> = FastMap::default();
    let mut data: Vec<u8> = Vec::new();
    if btf.base().is_none() {
        data.push(0);
        set.insert(b"", 0);
    }
    let mut seen: FastMap<u32, u32> = FastMap::default();
    let mut remap = |off: u32| -> Result<u32> {
        if off == 0 || off < start_str {
            return Ok(off);
        }
        if let Some(&n) = seen.get(&off) {
            return Ok(n);
        }
        let s = btf.str_bytes_at(off).ok_or_else(|| einval(format!("string offset {off} is out of range")))?;
        if let Some(&b) = base_idx.as_ref().and_then(|i| i.get(s)) {
            seen.insert(off, b);
            return Ok(b);
        }
        let next = data.len() as u32;
        let o = *set.entry(s).or_insert_with(|| {
            data.extend_from_slice(s);
            data.push(0);
            next
        });
        seen.insert(off, start_str + o);
        Ok(start_str + o)
    };
    let mut err = None;
    for id in btf.start_id()..btf.type_cnt() {
        let o = r.off(id);
        let info = r.words[o + 1];
        str_fields(info, |k| match remap(r.words[o + k]) {
            Ok(v) => r.words[o + k] = v,
            Err(e) => {
                err.get_or_insert(e);
            }
        });
        if let Some(e) = err {
            return Err(e);
        }
    }
    if let Some(e) = ext {
        for pos in e.str_off_positions() {
            let old = super::rd_u32(e.raw_data(), pos).unwrap_or(0);
            patches.push((pos, remap(old)?));
        }
    }
    Ok(data)
}

#[cfg(test)]
mod tests;
