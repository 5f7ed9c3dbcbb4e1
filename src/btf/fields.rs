//! Where a raw BTF type record keeps its type ids and string offsets.
//!
//! Given the record words of one type (`struct btf_type` plus its trailer), [`type_id_slots`]
//! and [`str_slots`] list the word indexes holding type ids and string offsets, in the order
//! libbpf's field iterator visits them (name first; ARRAY element type before index type;
//! STRUCT/UNION/FUNC_PROTO/DATASEC entries in order). Code that copies types between BTFs,
//! renumbers them or rebuilds the string section walks these slots.

use super::Kind;

fn kind_vlen(rec: &[u32]) -> (Option<Kind>, usize) {
    let info = rec.get(1).copied().unwrap_or(0);
    (Kind::from_raw((info >> 24) & 0x1f), (info & 0xffff) as usize)
}

/// Word indexes of the type-id fields of `rec`. Indexes past the end of a truncated record are
/// left out.
pub fn type_id_slots(rec: &[u32]) -> Vec<usize> {
    let (kind, vlen) = kind_vlen(rec);
    let mut out = Vec::new();
    match kind {
        Some(
            Kind::Ptr
            | Kind::Typedef
            | Kind::Volatile
            | Kind::Const
            | Kind::Restrict
            | Kind::TypeTag
            | Kind::Func
            | Kind::Var
            | Kind::DeclTag,
        ) => out.push(2),
        Some(Kind::Array) => out.extend([3, 4]),
        Some(Kind::Struct | Kind::Union) => out.extend((0..vlen).map(|i| 3 + 3 * i + 1)),
        Some(Kind::FuncProto) => {
            out.push(2);
            out.extend((0..vlen).map(|i| 3 + 2 * i + 1));
        }
        Some(Kind::Datasec) => out.extend((0..vlen).map(|i| 3 + 3 * i)),
        _ => {}
    }
    out.retain(|&i| i < rec.len());
    out
}

/// Word indexes of the string-offset fields of `rec` (the name, then member, enumerator or
/// parameter names).
pub fn str_slots(rec: &[u32]) -> Vec<usize> {
    let (kind, vlen) = kind_vlen(rec);
    let mut out = vec![0];
    match kind {
        Some(Kind::Struct | Kind::Union) => out.extend((0..vlen).map(|i| 3 + 3 * i)),
        Some(Kind::Enum) => out.extend((0..vlen).map(|i| 3 + 2 * i)),
        Some(Kind::Enum64) => out.extend((0..vlen).map(|i| 3 + 3 * i)),
        Some(Kind::FuncProto) => out.extend((0..vlen).map(|i| 3 + 2 * i)),
        _ => {}
    }
    out.retain(|&i| i < rec.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::builder::BtfBuilder;
    use crate::btf::Btf;

    #[test]
    fn slots_per_kind() {
        let mut b = BtfBuilder::new();
        let int = b.add_int("int", 4, 1);
        let arr = b.add_array(int, int, 3);
        let st = b.add_struct("s", 8, &[("a", int, 0), ("b", arr, 32)]);
        let fp = b.add_func_proto(int, &[("x", st)]);
        let en = b.add_enum("e", 4, false, &[("A", 1), ("B", 2)]);
        let btf = Btf::parse(&b.build()).unwrap();
        assert!(type_id_slots(btf.type_record(int).unwrap()).is_empty());
        assert_eq!(type_id_slots(btf.type_record(arr).unwrap()), vec![3, 4]);
        assert_eq!(type_id_slots(btf.type_record(st).unwrap()), vec![4, 7]);
        assert_eq!(str_slots(btf.type_record(st).unwrap()), vec![0, 3, 6]);
        assert_eq!(type_id_slots(btf.type_record(fp).unwrap()), vec![2, 4]);
        assert_eq!(str_slots(btf.type_record(fp).unwrap()), vec![0, 3]);
        assert_eq!(str_slots(btf.type_record(en).unwrap()), vec![0, 3, 5]);
    }
}
