//! Indexing a type section: the word offset of every record, found by one walk that also
//! gathers what [`Btf::validate`] checks (names and references), so a sound BTF (the kernel's:
//! 125,828 types in 5 MB) is walked once, not twice.

use super::{bad, Btf, Kind, MAX_TYPE_ID};
use crate::error::Result;

/// What the indexing walk saw of the checks [`Btf::validate`] makes, gathered without a branch
/// per entry: whether every name offset falls in this BTF's own strings, the largest type id
/// referenced, and the FUNC records' prototypes (which may be defined later).
pub(super) struct QuickCheck {
    /// Largest `name_off - own strings' start` (wrapping, so an offset below the start is huge).
    name_max: u32,
    str_len: u32,
    ref_max: u32,
    /// A FUNC referring to type 0 or to an earlier type that is not a FUNC_PROTO.
    func_bad: bool,
    /// FUNC prototypes not yet indexed when their FUNC was seen.
    func_protos: Vec<u32>,
}

impl QuickCheck {
    /// True when every check of [`Btf::validate`] holds: names in own strings (a name in the
    /// base's strings is valid too, but left to the full check), references below the type
    /// count, every FUNC's type a FUNC_PROTO.
    pub(super) fn passes(&self, btf: &Btf) -> bool {
        self.name_max < self.str_len
            && self.ref_max < btf.type_cnt()
            && !self.func_bad
            && self.func_protos.iter().all(|&t| {
                let kind = if t >= btf.start_id() { btf.own_kind(t) } else { btf.ty(t).map(|t| t.kind) };
                kind == Some(Kind::FuncProto)
            })
    }
}

/// Walk the type section, returning the word offset of every record and the ids of the
/// DATASECs; rejects unknown kinds and records running past the end. Also gathers
/// [`QuickCheck`] for the names and references of each record while it is in cache (for the
/// kernel's BTF, 125,000 types in 5 MB, a second walk to check them cost more than this one).
pub(super) fn index_types(
    types: &[u32],
    start_id: u32,
    str_start: u32,
    str_len: u32,
) -> Result<(Vec<u32>, QuickCheck, Vec<u32>)> {
    let mut offs = Vec::with_capacity(types.len() / 4);
    let mut datasecs = Vec::new();
    let mut q = QuickCheck { name_max: 0, str_len, ref_max: 0, func_bad: false, func_protos: Vec::new() };
    let name = |off: u32| off.wrapping_sub(str_start);
    let mut pos = 0usize;
    while pos < types.len() {
        let id = start_id as u64 + offs.len() as u64;
        if id > MAX_TYPE_ID || pos > u32::MAX as usize {
            return Err(bad(format!("more than {MAX_TYPE_ID} types")));
        }
        let left = types.len() - pos;
        if left < 3 {
            return Err(bad(format!(
                "type [{id}] at type section offset {}: only {} bytes left, a record needs 12",
                pos * 4,
                left * 4
            )));
        }
        let info = types[pos + 1];
        let raw_kind = (info >> 24) & 0x1f;
        let kind = Kind::from_raw(raw_kind)
            .filter(|&k| k != Kind::Unkn)
            .ok_or_else(|| bad(format!("type [{id}] at type section offset {}: unknown kind {raw_kind}", pos * 4)))?;
        let vlen = (info & 0xffff) as u16;
        let n = kind.record_words(vlen).unwrap_or(3);
        if n > left {
            return Err(bad(format!(
                "type [{id}] {kind} with vlen {vlen} needs {} bytes but only {} remain in the type section",
                n * 4,
                left * 4
            )));
        }
        let rec = &types[pos..pos + n];
        let (mut nm, mut rm) = (name(rec[0]), 0u32);
        use Kind::*;
        match kind {
            Int | Fwd | Float | Unkn => {}
            Ptr | Typedef | Volatile | Const | Restrict | Var | DeclTag | TypeTag => rm = rec[2],
            Array => rm = rec[3].max(rec[4]),
            Struct | Union => {
                for m in rec[3..].chunks_exact(3) {
                    nm = nm.max(name(m[0]));
                    rm = rm.max(m[1]);
                }
            }
            Enum => {
                for e in rec[3..].chunks_exact(2) {
                    nm = nm.max(name(e[0]));
                }
            }
            Enum64 => {
                for e in rec[3..].chunks_exact(3) {
                    nm = nm.max(name(e[0]));
                }
            }
            Func => {
                let t = rec[2];
                rm = t;
                // a prototype already indexed is checked now; one defined later (or in the
                // base) once the walk is done
                match t.checked_sub(start_id).and_then(|i| offs.get(i as usize)) {
                    Some(&w) => q.func_bad |= (types[w as usize + 1] >> 24) & 0x1f != Kind::FuncProto as u32,
                    None => {
                        q.func_bad |= t == 0;
                        q.func_protos.push(t);
                    }
                }
            }
            FuncProto => {
                for p in rec[3..].chunks_exact(2) {
                    nm = nm.max(name(p[0]));
                    rm = rm.max(p[1]);
                }
            }
            Datasec => {
                for v in rec[3..].chunks_exact(3) {
                    rm = rm.max(v[0]);
                }
                datasecs.push(id as u32);
            }
        }
        q.name_max = q.name_max.max(nm);
        q.ref_max = q.ref_max.max(rm);
        offs.push(pos as u32);
        pos += n;
    }
    crate::work::add(crate::work::Kind::BtfType, offs.len());
    offs.shrink_to_fit();
    Ok((offs, q, datasecs))
}
