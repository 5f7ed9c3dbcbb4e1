//! Unit tests of the dedup engine.

use super::*;
use crate::btf::builder::BtfBuilder;
use crate::btf::BtfExt;
use std::sync::Arc;

fn dd(b: &BtfBuilder) -> Btf {
    let mut btf = Btf::parse(&b.build()).unwrap();
    dedup(&mut btf, None, &DedupOpts::default()).unwrap();
    // the installed result is what a fresh parse (with its checks) of the bytes gives
    let again = Btf::parse(btf.raw_data()).unwrap();
    assert_eq!(again.type_cnt(), btf.type_cnt());
    assert_eq!(*again.data.types, *btf.data.types);
    assert_eq!(*again.data.offs, *btf.data.offs);
    assert_eq!(again.strs(), btf.strs());
    btf
}

#[test]
fn duplicate_structs_and_fwd_collapse() {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 1);
    let fwd = b.add_fwd("s", false);
    let p = b.add_ptr(fwd);
    let s = b.add_struct("s", 16, &[("a", int, 0), ("next", p, 64)]);
    let int2 = b.add_int("int", 4, 1);
    let p2 = b.add_ptr(s + 3);
    let _s2 = b.add_struct("s", 16, &[("a", int2, 0), ("next", p2, 64)]);
    let _ = s;
    let btf = dd(&b);
    // int, ptr, struct s
    assert_eq!(btf.type_cnt(), 4, "{btf:?}");
    let t = btf.ty(3).unwrap();
    assert_eq!(t.kind, Kind::Struct);
    assert_eq!(btf.ty(2).unwrap().size_or_type, 3);
}

#[test]
fn unreferenced_strings_dropped() {
    let mut b = BtfBuilder::new();
    b.add_str("unused");
    b.add_int("int", 4, 1);
    let btf = dd(&b);
    assert_eq!(btf.header().str_len, 5);
}

fn chain(t: &mut CandTable, h: i64) -> Vec<u32> {
    let mut v = Vec::new();
    let mut n = t.first(h);
    while n != 0 {
        let (c, next) = t.get(n);
        v.push(c);
        n = next;
    }
    v
}

#[test]
fn candidate_order_flips_on_growth() {
    let mut t = CandTable::new();
    t.add(7, 1); // grow to 4
    t.add(7, 2);
    t.add(7, 3);
    assert_eq!(chain(&mut t, 7), [3, 2, 1]);
    t.add(7, 4); // (3+1)*4/3 = 5 > 4: grow, chain reversed, then 4 prepended
    assert_eq!(chain(&mut t, 7), [4, 1, 2, 3]);
    assert!(chain(&mut t, 8).is_empty());
}

fn opts(force: bool) -> DedupOpts {
    DedupOpts { force_collisions: force }
}

/// A BTF with duplicates of every kind, forward declarations and an enum forward.
fn messy() -> BtfBuilder {
    let mut b = BtfBuilder::new();
    for _ in 0..2 {
        let int = b.add_int("int", 4, 1);
        let e_fwd = b.add_enum("e", 4, false, &[]);
        let e = b.add_enum("e", 4, false, &[("A", 1), ("B", 2)]);
        let fwd = b.add_fwd("node", false);
        let pf = b.add_ptr(fwd);
        let arr = b.add_array(int, int, 4);
        let node = b.next_id() + 2;
        let pn = b.add_ptr(node);
        let c = b.add_modifier(Kind::Const, "", pn);
        let _node = b.add_struct("node", 40, &[("v", int, 0), ("next", pf, 64), ("arr", arr, 128), ("self", c, 256)]);
        let td = b.add_typedef("node_t", node);
        let proto = b.add_func_proto(int, &[("n", td), ("e", e), ("f", e_fwd)]);
        b.add_func("f", proto, 1);
    }
    b
}

#[test]
fn messy_collapses_and_force_collisions_agree() {
    let a = dd(&messy());
    let mut b = Btf::parse(&messy().build()).unwrap();
    dedup(&mut b, None, &opts(true)).unwrap();
    assert_eq!(a.raw_data(), b.raw_data());
    // int, enum e (the forward resolved), fwd node→struct, ptr, array, ptr, const, struct,
    // typedef, proto, func: one of each
    let kinds: Vec<Kind> = a.types().map(|t| t.kind).collect();
    assert_eq!(kinds.iter().filter(|&&k| k == Kind::Struct).count(), 1, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|&&k| k == Kind::Enum).count(), 1, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|&&k| k == Kind::Func).count(), 1, "{kinds:?}");
    assert!(!kinds.contains(&Kind::Fwd), "{kinds:?}");
    // deduplicating again changes nothing
    let mut again = a.clone();
    dedup(&mut again, None, &opts(false)).unwrap();
    assert_eq!(again.raw_data(), a.raw_data());
}

#[test]
fn split_types_collapse_onto_base() {
    let mut bb = BtfBuilder::new();
    let int = bb.add_int("int", 4, 1);
    bb.add_struct("s", 4, &[("a", int, 0)]);
    let base = Arc::new(Btf::parse(&bb.build()).unwrap());
    let mut sb = BtfBuilder::new_split(&base);
    let int2 = sb.add_int("int", 4, 1);
    let s2 = sb.add_struct("s", 4, &[("a", int2, 0)]);
    sb.add_ptr(s2);
    let mut split = Btf::parse_split(&sb.build(), base.clone()).unwrap();
    dedup(&mut split, None, &opts(false)).unwrap();
    assert_eq!(split.type_cnt(), base.type_cnt() + 1);
    let p = split.ty(base.type_cnt()).unwrap();
    assert_eq!((p.kind, p.size_or_type), (Kind::Ptr, 2));
    // every name now comes from the base: the split string section is empty
    assert_eq!(split.header().str_len, 0);
}

fn ext_blob(sec_name_off: u32, type_id: u32) -> Vec<u8> {
    let mut v = Vec::new();
    let hdr = [0xEB9Fu16 as u32 | (1 << 16), 32, 0, 20, 20, 0, 20, 0];
    for w in hdr {
        v.extend_from_slice(&w.to_ne_bytes());
    }
    for w in [8u32, sec_name_off, 1, 0, type_id] {
        v.extend_from_slice(&w.to_ne_bytes());
    }
    v
}

#[test]
fn ext_type_ids_and_strings_follow() {
    let mut b = BtfBuilder::new();
    b.add_str("unused");
    let int = b.add_int("int", 4, 1);
    let p1 = b.add_func_proto(int, &[]);
    let int2 = b.add_int("int", 4, 1);
    let p2 = b.add_func_proto(int2, &[]);
    let f = b.add_func("prog", p2, 1);
    let sec = b.add_str("tc");
    let _ = p1;
    let mut btf = Btf::parse(&b.build()).unwrap();
    let mut ext = BtfExt::parse(&ext_blob(sec, f), &btf).unwrap();
    dedup(&mut btf, Some(&mut ext), &opts(false)).unwrap();
    let fi = ext.func_info("tc").expect("section name remapped");
    let t = btf.ty(fi.records[0].type_id).unwrap();
    assert_eq!((t.kind, t.name), (Kind::Func, "prog"));
    assert_eq!(btf.type_cnt(), 4);
    assert!(btf.find_by_name_kind("unused", Kind::Int).is_none());
}

#[test]
fn bad_ext_is_an_error_and_leaves_the_btf_alone() {
    let mut b = BtfBuilder::new();
    b.add_int("int", 4, 1);
    let sec = b.add_str("tc");
    let mut btf = Btf::parse(&b.build()).unwrap();
    let before = btf.raw_data().to_vec();
    let mut ext = BtfExt::parse_detached(&ext_blob(sec, 99)).unwrap();
    let e = dedup(&mut btf, Some(&mut ext), &opts(false)).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert_eq!(btf.raw_data(), &before[..]);
    let mut ext = BtfExt::parse_detached(&ext_blob(1000, 1)).unwrap();
    assert_eq!(dedup(&mut btf, Some(&mut ext), &opts(false)).unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn reference_loop_is_eloop() {
    let mut b = BtfBuilder::new();
    let id = b.next_id();
    b.add_modifier(Kind::Const, "", id + 1);
    b.add_modifier(Kind::Volatile, "", id);
    let mut btf = Btf::parse(&b.build()).unwrap();
    assert_eq!(dedup(&mut btf, None, &opts(false)).unwrap_err().errno(), libc::ELOOP);
}

#[test]
fn dangling_type_id_is_einval() {
    let mut btf = Btf::new_empty(None);
    btf.add_ptr(7).unwrap();
    let e = dedup(&mut btf, None, &opts(false)).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("type id 7"), "{}", e.message());
    let mut split = Btf::new_empty(Some(Arc::new(Btf::new_empty(None))));
    split.add_ptr(9).unwrap();
    let e = crate::btf::distill::distill_base(&split).unwrap_err();
    assert!(e.message().contains("type id 9"), "{}", e.message());
}
