//! Distilled base BTF (libbpf 1.5's `btf__distill_base`) and relocation of split BTF onto
//! another base (`btf__relocate`).
//!
//! Distilling keeps, from the base, only what the split BTF refers to: named INT, FLOAT and FWD
//! as they are, named STRUCT/UNION as empty composites of the same size, named ENUM/ENUM64 as
//! an empty ENUM of the same size; everything else it needs (anonymous composites and enums,
//! modifiers, typedefs, pointers, arrays, prototypes) moves into the new split BTF after its own
//! types. Relocation maps each distilled base type to the base type of the same name (and size
//! where names are ambiguous or the type is embedded), then renumbers the split BTF's ids and
//! string offsets onto the real base.

use super::dedup::*;
use super::{Btf, BTF_MAGIC, BTF_VERSION, HEADER_LEN};
use crate::error::{Error, Result};
use std::sync::Arc;

/// A BTF blob being written (libbpf's `btf__new_empty`/`btf__new_empty_split` + `btf__add_*`).
struct Writer<'a> {
    types: Vec<u32>,
    cnt: u32,
    strs: Vec<u8>,
    set: FastMap<Vec<u8>, u32>,
    start_str: u32,
    /// For split output: the base's strings, which `btf__add_str` looks up first.
    base: Option<&'a Writer<'a>>,
}

impl<'a> Writer<'a> {
    fn new_base() -> Self {
        let mut set = FastMap::default();
        set.insert(Vec::new(), 0);
        Writer { types: Vec::new(), cnt: 1, strs: vec![0], set, start_str: 0, base: None }
    }

    fn new_split(base: &'a Writer<'a>) -> Self {
        Writer {
            types: Vec::new(),
            cnt: base.cnt,
            strs: Vec::new(),
            set: FastMap::default(),
            start_str: base.strs.len() as u32,
            base: Some(base),
        }
    }

    fn find_str(&self, s: &[u8]) -> Option<u32> {
        if let Some(o) = self.base.and_then(|b| b.find_str(s)) {
            return Some(o);
        }
        self.set.get(s).map(|o| self.start_str + o)
    }

    fn add_str(&mut self, s: &[u8]) -> u32 {
        if let Some(o) = self.find_str(s) {
            return o;
        }
        let o = self.strs.len() as u32;
        self.strs.extend_from_slice(s);
        self.strs.push(0);
        self.set.insert(s.to_vec(), o);
        self.start_str + o
    }

    /// Append a copy of a record of `src`, its strings re-added here (`btf_add_type`).
    fn add_type(&mut self, src: &Btf, rec: &[u32]) -> Result<u32> {
        let at = self.types.len();
        self.types.extend_from_slice(rec);
        let mut err = None;
        let info = rec[1];
        str_fields(info, |k| {
            let off = self.types[at + k];
            if off == 0 {
                return;
            }
            match src.str_bytes_at(off) {
                Some(s) => {
                    let n = self.add_str(s);
                    self.types[at + k] = n;
                }
                None => {
                    err.get_or_insert(off);
                }
            }
        });
        if let Some(off) = err {
            return Err(Error::inval(format!("BTF: string offset {off} is out of range")));
        }
        self.cnt += 1;
        Ok(self.cnt - 1)
    }

    /// An empty STRUCT/UNION/ENUM of a name and size (`btf__add_struct`/`btf__add_enum`).
    fn add_empty(&mut self, kind: u32, name: &[u8], size: u32) -> u32 {
        let n = if name.is_empty() { 0 } else { self.add_str(name) };
        self.types.extend_from_slice(&[n, kind << 24, size]);
        self.cnt += 1;
        self.cnt - 1
    }

    fn raw(&self) -> Vec<u8> {
        let tl = (self.types.len() * 4) as u32;
        let mut out = Vec::with_capacity(HEADER_LEN + tl as usize + self.strs.len());
        out.extend_from_slice(&BTF_MAGIC.to_ne_bytes());
        out.push(BTF_VERSION);
        out.push(0);
        for v in [HEADER_LEN as u32, 0, tl, tl, self.strs.len() as u32] {
            out.extend_from_slice(&v.to_ne_bytes());
        }
        out.extend(self.types.iter().flat_map(|w| w.to_ne_bytes()));
        out.extend_from_slice(&self.strs);
        out
    }
}

fn is_composite(k: u32) -> bool {
    matches!(k, K_STRUCT | K_UNION)
}

/// Mark the base types split type (or base type) `id` refers to (`btf_add_distilled_type_ids`).
fn mark(r: &Recs, id: u32, split_start: u32, used: &mut [bool]) -> Result<()> {
    let o = r.off(id);
    let info = r.words[o + 1];
    let mut refs = Vec::new();
    id_fields(info, |k| refs.push(r.words[o + k]));
    for t in refs {
        if t == 0 || t >= split_start || used[t as usize] {
            continue;
        }
        let k = r.kind(t);
        match k {
            K_INT | K_FLOAT | K_FWD | K_ARRAY | K_STRUCT | K_UNION | K_TYPEDEF | K_ENUM | K_ENUM64 | K_PTR
            | K_CONST | K_RESTRICT | K_VOLATILE | K_FUNC_PROTO | K_TYPE_TAG => used[t as usize] = true,
            _ => {
                return Err(Error::inval(format!(
                    "unexpected reference to base type[{t}] of kind [{k}] when creating distilled base BTF."
                )))
            }
        }
        if is_composite(k) && r.w(t, 0) != 0 {
            continue;
        }
        mark(r, t, split_start, used)?;
    }
    Ok(())
}

/// `btf__distill_base`: a new base holding only what `src` (split BTF) needs from its base, and
/// a new split BTF on top of it. The split's base handle is left for the caller to set.
pub fn distill_base(src: &Btf) -> Result<(Btf, Btf)> {
    let Some(_) = src.base() else {
        return Err(Error::inval("BTF: distilling a base needs split BTF"));
    };
    let r = Recs::of(src)?;
    let n = src.type_cnt();
    let split_start = src.start_id();
    check_ids(&r, split_start, n)?;
    let mut used = vec![false; n as usize];
    for id in split_start..n {
        mark(&r, id, split_start, &mut used)?;
    }
    let mut id_map = vec![0u32; n as usize];
    let name = |id: u32| src.str_bytes_at(r.w(id, 0)).unwrap_or(b"");

    let mut base = Writer::new_base();
    for i in 1..split_start {
        if !used[i as usize] {
            continue;
        }
        let k = r.kind(i);
        let named = r.w(i, 0) != 0;
        let new = match k {
            K_INT | K_FLOAT | K_FWD => base.add_type(src, r.rec(i))?,
            K_STRUCT | K_UNION if named => base.add_empty(k, name(i), r.w(i, 2)),
            K_ENUM | K_ENUM64 if named => {
                let sz = r.w(i, 2);
                if sz == 0 || sz & (sz - 1) != 0 || sz > 8 {
                    return Err(Error::inval(format!(
                        "BTF: cannot distill enum [{i}]: size {sz} is not a power of 2 up to 8"
                    )));
                }
                base.add_empty(K_ENUM, name(i), sz)
            }
            _ => continue,
        };
        id_map[i as usize] = new;
    }
    let base_cnt = base.cnt;

    let mut split = Writer::new_split(&base);
    for id in split_start..n {
        split.add_type(src, r.rec(id))?;
    }
    for i in 1..split_start {
        if !used[i as usize] {
            continue;
        }
        let k = r.kind(i);
        let named = r.w(i, 0) != 0;
        match k {
            K_INT | K_FLOAT | K_FWD => continue,
            K_STRUCT | K_UNION | K_ENUM | K_ENUM64 if named => continue,
            _ => {}
        }
        id_map[i as usize] = split.add_type(src, r.rec(i))?;
    }
    let diff = split_start - base_cnt;
    let mut pos = 0usize;
    while pos < split.types.len() {
        let info = split.types[pos + 1];
        let w = &mut split.types;
        id_fields(info, |k| {
            let t = w[pos + k];
            if let Some(&m) = id_map.get(t as usize).filter(|&&m| m != 0) {
                w[pos + k] = m;
            } else if t >= split_start {
                w[pos + k] = t - diff;
            }
        });
        pos += rec_words(info);
    }
    let split_raw = split.raw();
    let mut base_btf = Btf::parse(&base.raw())?;
    base_btf.set_strs_deduped();
    let mut split_btf = Btf::parse_split(&split_raw, Arc::new(base_btf.clone()))?;
    split_btf.set_strs_deduped();
    Ok((base_btf, split_btf))
}

/// `BTF_IS_EMBEDDED`: a distilled composite embedded by value in a split type (its size must
/// match too).
const EMBEDDED: u32 = u32::MAX;

/// `btf__relocate`: move split BTF `btf` from its (distilled) base onto `base`.
pub fn relocate(btf: &mut Btf, base: Arc<Btf>) -> Result<()> {
    let Some(dist) = btf.base().cloned() else {
        return Err(Error::inval("BTF: relocation needs split BTF"));
    };
    let nr_types = btf.type_cnt();
    let nr_dist = dist.type_cnt();
    let nr_base = base.type_cnt();
    let nr_split = nr_types - nr_dist;
    let mut r = Recs::of(btf)?;
    check_ids(&r, nr_dist, nr_types)?;
    let b = Recs::of(&base)?;

    for i in 1..nr_dist {
        let k = r.kind(i);
        match k {
            K_INT | K_FLOAT | K_ENUM | K_STRUCT | K_UNION | K_FWD => {
                if r.w(i, 0) == 0 {
                    return Err(Error::inval(format!(
                        "type [{i}], kind [{k}] is invalid for distilled base BTF; it is anonymous"
                    )));
                }
            }
            _ => return Err(Error::inval(format!("type [{i}] in distilled based BTF has unexpected kind [{k}]"))),
        }
    }

    let mut id_map = vec![0u32; nr_types as usize];
    for id in nr_dist..nr_types {
        id_map[id as usize] = id + nr_base - nr_dist;
    }

    // Distilled types sorted by (name, size descending), as libbpf's search expects.
    let dname = |id: u32| dist.str_bytes_at(r.w(id, 0)).unwrap_or(b"");
    let mut info: Vec<(&[u8], u32, u32)> = (0..nr_dist).map(|id| (dname(id), r.w(id, 2) & 0x7fff_ffff, id)).collect();
    info.sort_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(&a.1)));

    // libbpf walks split ids [nr_dist, nr_split) here (a count used as an end id); do the same.
    for id in nr_dist..nr_split.max(nr_dist) {
        if !is_composite(r.kind(id)) {
            continue;
        }
        let o = r.off(id);
        let mut members = Vec::new();
        id_fields(r.words[o + 1], |k| members.push(r.words[o + k]));
        for mut next in members {
            while next != 0 {
                match r.kind(next) {
                    K_CONST | K_RESTRICT | K_VOLATILE | K_TYPEDEF | K_TYPE_TAG => next = r.w(next, 2),
                    K_ARRAY => next = r.w(next, 3),
                    K_STRUCT | K_UNION => {
                        if next < nr_dist {
                            id_map[next as usize] = EMBEDDED;
                        }
                        next = 0;
                    }
                    _ => next = 0,
                }
            }
        }
    }

    let mut name_cnt: FastMap<u32, u8> = FastMap::default();
    for id in 1..nr_base {
        if is_composite(b.kind(id)) && b.w(id, 0) != 0 {
            let c = name_cnt.entry(b.w(id, 0)).or_insert(0);
            *c = c.saturating_add(1);
        }
    }
    let mut str_map: FastMap<u32, u32> = FastMap::default();
    for id in 1..nr_base {
        let name_off = b.w(id, 0);
        if name_off == 0 {
            continue;
        }
        let bk = b.kind(id);
        let bsize = b.w(id, 2);
        let needs_size = match bk {
            K_INT | K_FLOAT | K_ENUM | K_ENUM64 => true,
            K_FWD => false,
            K_STRUCT | K_UNION => name_cnt.get(&name_off).copied().unwrap_or(0) > 1,
            _ => continue,
        };
        let bname = base.str_bytes_at(name_off).unwrap_or(b"");
        let key_size = bsize & 0x7fff_ffff;
        let lo = info.partition_point(|e| e.0 < bname || (needs_size && e.0 == bname && e.1 > key_size));
        let hi = info.partition_point(|e| e.0 < bname || (e.0 == bname && (!needs_size || e.1 >= key_size)));
        for &(_, _, did) in &info[lo..hi.max(lo)] {
            if did == 0 || did >= nr_dist {
                return Err(Error::inval(format!("base BTF id [{id}] maps to invalid distilled base BTF id [{did}]")));
            }
            let dk = r.kind(did);
            let ok = match dk {
                K_FWD => match bk {
                    K_FWD => r.kflag(did) == b.kflag(id),
                    K_STRUCT => !b.kflag(id),
                    K_UNION => b.kflag(id),
                    _ => false,
                },
                K_INT => bk == dk && (b.w(id, 3) >> 24) & 0x0f == (r.w(did, 3) >> 24) & 0x0f,
                K_FLOAT => bk == dk,
                K_ENUM => bk == dk || bk == K_ENUM64,
                K_STRUCT | K_UNION => !(id_map[did as usize] == EMBEDDED && bsize != r.w(did, 2)),
                _ => false,
            };
            if !ok {
                continue;
            }
            let cur = id_map[did as usize];
            if cur != 0 && cur != EMBEDDED {
                return Err(Error::inval(format!(
                    "distilled base BTF type '{}' [{did}], size {bsize} has multiple candidates of the same size (ids [{id}, {cur}]) in base BTF",
                    String::from_utf8_lossy(bname)
                )));
            }
            id_map[did as usize] = id;
            str_map.insert(r.w(did, 0), name_off);
        }
    }
    for id in 1..nr_dist {
        if id_map[id as usize] == 0 || id_map[id as usize] == EMBEDDED {
            return Err(Error::inval(format!(
                "distilled base BTF type '{}' [{id}] is not mapped to base BTF id",
                String::from_utf8_lossy(dname(id))
            )));
        }
    }

    let dist_str_len = dist.header().str_len;
    let base_str_len = base.header().str_len;
    for id in nr_dist..nr_types {
        let o = r.off(id);
        let info = r.words[o + 1];
        let w = &mut r.words;
        id_fields(info, |k| w[o + k] = id_map.get(w[o + k] as usize).copied().unwrap_or(0));
        let mut bad = None;
        str_fields(info, |k| {
            let off = w[o + k];
            if off == 0 {
            } else if off >= dist_str_len {
                w[o + k] = off.wrapping_add(base_str_len).wrapping_sub(dist_str_len);
            } else {
                match str_map.get(&off) {
                    Some(&n) if n != 0 => w[o + k] = n,
                    _ => {
                        bad.get_or_insert(off);
                    }
                }
            }
        });
        if let Some(off) = bad {
            return Err(Error::new(
                libc::ENOENT,
                format!(
                    "string '{}' [offset {off}] is not mapped to base BTF",
                    String::from_utf8_lossy(btf.str_bytes_at(0).unwrap_or(b""))
                ),
            ));
        }
    }

    let h = *btf.header();
    let hdr_len = h.hdr_len as usize;
    let own: &[u32] = if nr_dist < nr_types { &r.words[r.off(nr_dist)..] } else { &[] };
    let strs = btf.strs();
    let tl = (own.len() * 4) as u32;
    let mut raw = Vec::with_capacity(hdr_len + own.len() * 4 + strs.len());
    raw.extend_from_slice(&btf.raw_data()[..hdr_len]);
    raw.extend(own.iter().flat_map(|w| w.to_ne_bytes()));
    raw.extend_from_slice(strs);
    raw[8..12].copy_from_slice(&0u32.to_ne_bytes());
    raw[12..16].copy_from_slice(&tl.to_ne_bytes());
    raw[16..20].copy_from_slice(&tl.to_ne_bytes());
    let mut fresh = Btf::parse_with(&raw, Some(base))?;
    fresh.ptr_size = btf.ptr_size;
    fresh.strs_deduped = btf.strs_deduped;
    fresh.swapped = btf.swapped;
    fresh.fd = btf.fd;
    *btf = fresh;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::builder::BtfBuilder;
    use crate::btf::Kind;

    fn base() -> Arc<Btf> {
        let mut b = BtfBuilder::new();
        let int = b.add_int("int", 4, 1);
        b.add_struct("s", 8, &[("a", int, 0), ("b", int, 32)]);
        b.add_enum("e", 4, false, &[("X", 1)]);
        b.add_int("unused", 8, 0);
        b.add_ptr(int);
        Arc::new(Btf::parse(&b.build()).unwrap())
    }

    fn split(base: &Arc<Btf>) -> Btf {
        let mut sb = BtfBuilder::new_split(base);
        let ps = sb.add_ptr(2);
        let t = sb.add_struct("t", 16, &[("x", 2, 0), ("p", ps, 64), ("e", 3, 96), ("q", 5, 0)]);
        // enough split types that libbpf's embedded-type scan (which stops at the split type
        // count used as an id) reaches t
        for i in 0..6 {
            sb.add_typedef(&format!("t{i}"), t);
        }
        Btf::parse_split(&sb.build(), base.clone()).unwrap()
    }

    #[test]
    fn distill_keeps_what_split_needs_and_relocate_restores() {
        let base = base();
        let orig = split(&base);
        let (nb, mut ns) = distill_base(&orig).unwrap();
        // int, empty struct s, empty enum e: 'unused' and the pointer are not in the new base
        let kinds: Vec<(Kind, &str, u16)> = nb.types().map(|t| (t.kind, t.name, t.vlen)).collect();
        assert_eq!(kinds, [(Kind::Int, "int", 0), (Kind::Struct, "s", 0), (Kind::Enum, "e", 0)]);
        // the base's pointer to int moved into the split, after the split's own types
        assert_eq!(ns.type_cnt(), nb.type_cnt() + 9);
        assert_eq!(ns.ty(nb.type_cnt() + 8).unwrap().kind, Kind::Ptr);
        relocate(&mut ns, base.clone()).unwrap();
        assert_eq!(ns.start_id(), base.type_cnt());
        let t = ns.ty(base.type_cnt() + 1).unwrap();
        assert_eq!(t.name, "t");
        let m: Vec<(String, u32)> = t.members().unwrap().iter().map(|m| (m.name.to_string(), m.type_id)).collect();
        assert_eq!(m[0], ("x".to_string(), 2));
        assert_eq!(m[2], ("e".to_string(), 3));
        assert_eq!(ns.ty(m[3].1).unwrap().kind, Kind::Ptr);
    }

    #[test]
    fn relocate_refuses_missing_or_resized_types() {
        let base = base();
        let (_, mut ns) = distill_base(&split(&base)).unwrap();
        // a base without struct s: the distilled s has nowhere to go
        let mut b = BtfBuilder::new();
        b.add_int("int", 4, 1);
        b.add_enum("e", 4, false, &[]);
        let other = Arc::new(Btf::parse(&b.build()).unwrap());
        let e = relocate(&mut ns, other).unwrap_err();
        assert_eq!(e.errno(), libc::EINVAL);
        assert!(e.message().contains("'s'"), "{}", e.message());
        // s embedded in t by value: a base s of another size does not match
        let mut b = BtfBuilder::new();
        let int = b.add_int("int", 4, 1);
        b.add_struct("s", 12, &[("a", int, 0)]);
        b.add_enum("e", 4, false, &[]);
        let resized = Arc::new(Btf::parse(&b.build()).unwrap());
        assert_eq!(relocate(&mut ns, resized).unwrap_err().errno(), libc::EINVAL);
        // distilling needs split BTF
        assert_eq!(distill_base(&base).unwrap_err().errno(), libc::EINVAL);
    }
}
