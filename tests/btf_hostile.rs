//! Hostile input: truncations, seeded random corruption and absurd sizes must give `Err`, never a
//! panic, and finish quickly. Every blob that does parse is then walked through the whole read API.

mod common;

use oxbpf::btf::builder::BtfBuilder;
use oxbpf::btf::{Btf, BtfExt, Kind, INT_SIGNED};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Deterministic xorshift64*.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A blob using every kind.
fn rich() -> Vec<u8> {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, INT_SIGNED);
    let ul = b.add_int("unsigned long", 8, 0);
    let p = b.add_ptr(ul);
    let arr = b.add_array(int, int, 3);
    let s = b.add_composite(
        Kind::Struct,
        "s",
        40,
        true,
        &[("a", int, 0), ("b", p, 64), ("c", arr, 128), ("d", int, (5 << 24) | 224)],
    );
    b.add_union("u", 8, &[("x", int, 0), ("y", p, 0)]);
    b.add_enum("e", 4, true, &[("A", -1), ("B", 2)]);
    b.add_enum64("e64", 8, false, &[("C", 1 << 40)]);
    b.add_fwd("f", false);
    let td = b.add_typedef("s_t", s);
    let v = b.add_modifier(Kind::Volatile, "", td);
    let c = b.add_modifier(Kind::Const, "", v);
    let r = b.add_modifier(Kind::Restrict, "", p);
    b.add_modifier(Kind::TypeTag, "user", r);
    let proto = b.add_func_proto(int, &[("x", c), ("y", r)]);
    let f = b.add_func("fn", proto, 1);
    b.add_decl_tag("tag", f, 0);
    b.add_float("double", 8);
    let v1 = b.add_var("v1", s, 1);
    let v2 = b.add_var("v2", int, 0);
    b.add_datasec(".data", 44, &[(v1, 0, 40), (v2, 40, 4)]);
    b.build()
}

/// Walk every read API over a parsed blob.
fn exercise(btf: &Btf) {
    for id in 0..btf.type_cnt().saturating_add(2) {
        let _ = btf.dump_raw(id);
        let _ = btf.resolve_size(id);
        let _ = btf.resolve_type(id);
        let _ = btf.align_of(id);
        let _ = btf.skip_mods_and_typedefs(id);
        let _ = btf.type_offset(id);
        let _ = btf.type_record(id);
        if let Some(t) = btf.ty(id) {
            let _ = (t.size(), t.ref_type(), t.is_composite());
            for m in t.members().into_iter().flatten() {
                let _ = btf.ty(m.type_id);
            }
            for v in t.enum_values().into_iter().flatten() {
                let _ = v.as_i64();
            }
            for p in t.params().into_iter().flatten() {
                let _ = btf.ty(p.type_id);
            }
            for v in t.secinfos().into_iter().flatten() {
                let _ = btf.ty(v.type_id);
            }
            let _ = btf.find_by_name_kind(t.name, t.kind);
            let _ = btf.find_by_name(t.name);
            let _ = btf.str_at(t.name_off.wrapping_add(1));
        }
    }
    let _ = btf.pointer_size();
    let _ = btf.find_by_name_kind("s", Kind::Struct);
}

/// Parse under catch_unwind; a panic fails the test with the input's description.
fn must_not_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => panic!("panicked on {what}"),
    }
}

fn parse_and_walk(data: &[u8], what: &str) -> bool {
    must_not_panic(what, || match Btf::parse(data) {
        Ok(b) => {
            exercise(&b);
            true
        }
        Err(e) => {
            assert!(!e.message().is_empty(), "{what}: empty error message");
            false
        }
    })
}

#[test]
fn rich_blob_is_valid() {
    let raw = rich();
    let btf = Btf::parse(&raw).unwrap();
    assert_eq!(btf.type_cnt(), 22);
    exercise(&btf);
}

#[test]
fn every_truncation_fails_cleanly() {
    let raw = rich();
    for n in 0..raw.len() {
        assert!(!parse_and_walk(&raw[..n], &format!("truncated to {n}")), "truncated to {n} parsed");
    }
    // Truncating the type section (header kept consistent) at every 4-byte step.
    let tl = u32::from_ne_bytes(raw[12..16].try_into().unwrap()) as usize;
    for cut in (0..tl).step_by(4) {
        let mut v = raw[..24 + cut].to_vec();
        v.extend_from_slice(&raw[24 + tl..]);
        v[12..16].copy_from_slice(&(cut as u32).to_ne_bytes());
        v[16..20].copy_from_slice(&(cut as u32).to_ne_bytes());
        parse_and_walk(&v, &format!("type section cut at {cut}"));
    }
}

#[test]
fn random_corruption() {
    let raw = rich();
    let mut rng = Rng(0x5eed_b7f0);
    let mut parsed = 0;
    for i in 0..6000 {
        let mut v = raw.clone();
        if i % 2 == 0 {
            // byte flips anywhere
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(v.len());
                v[at] ^= 1 << rng.below(8);
            }
        } else {
            // an interesting value in a random word of the header or type section
            let words = (v.len() - 1) / 4;
            let at = rng.below(words) * 4;
            let vals =
                [0, 1, 2, 0xffff, 0x7fff_ffff, u32::MAX, 23, 24, (rng.next() as u32) & 0x1f00_ffff, rng.next() as u32];
            let val: u32 = vals[rng.below(vals.len())];
            v[at..at + 4].copy_from_slice(&val.to_ne_bytes());
        }
        parsed += parse_and_walk(&v, &format!("corruption #{i}")) as usize;
    }
    eprintln!("6000 corruptions, {parsed} still parsed");
}

fn header(type_len: u32, str_off: u32, str_len: u32) -> Vec<u8> {
    let mut v = vec![0x9f, 0xeb, 1, 0];
    for x in [24u32, 0, type_len, str_off, str_len] {
        v.extend_from_slice(&x.to_ne_bytes());
    }
    v
}

#[test]
fn absurd_sizes_and_counts() {
    // lengths and offsets far beyond the data
    for (tl, so, sl) in [
        (u32::MAX, 0, 1),
        (0, u32::MAX, 1),
        (0, 0, u32::MAX),
        (u32::MAX - 3, u32::MAX - 3, 4),
        (0x7fff_fff0, 0x7fff_fff0, 0x20),
    ] {
        let mut v = header(tl, so, sl);
        v.extend_from_slice(&[0; 64]);
        assert!(!parse_and_walk(&v, &format!("sizes {tl}/{so}/{sl}")));
    }
    let mut v = header(0, 0, 1);
    v[4..8].copy_from_slice(&u32::MAX.to_ne_bytes());
    v.push(0);
    assert!(!parse_and_walk(&v, "hdr_len max"));
    // a struct claiming 65535 members in a tiny blob; an enum64 likewise
    for kind in [Kind::Struct, Kind::Enum64, Kind::FuncProto, Kind::Datasec] {
        let mut b = BtfBuilder::new();
        b.add_raw(&[0, ((kind as u32) << 24) | 0xffff, 4]);
        assert!(!parse_and_walk(&b.build(), &format!("{kind} vlen 0xffff")));
    }
    // many tiny types: bounded by the data, fine
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 0);
    for _ in 0..50_000 {
        b.add_ptr(int);
    }
    let btf = Btf::parse(&b.build()).unwrap();
    assert_eq!(btf.type_cnt(), 50_002);
    assert_eq!(btf.find_by_name_kind("int", Kind::Int), Some(1));
    // a long typedef chain: resolution is bounded
    let mut b = BtfBuilder::new();
    let mut id = b.add_int("int", 4, 0);
    for i in 0..1000 {
        id = b.add_typedef(&format!("t{i}"), id);
    }
    let btf = Btf::parse(&b.build()).unwrap();
    assert!(btf.resolve_size(id).is_err());
    assert!(btf.resolve_type(id).is_err());
    assert!(btf.skip_mods_and_typedefs(id).is_none());
    assert_eq!(btf.resolve_size(6).unwrap(), 4); // t4: a short chain still resolves
}

#[test]
fn split_corruption() {
    let base = Arc::new(Btf::parse(&rich()).unwrap());
    let mut sb = BtfBuilder::new_split(&base);
    let m = sb.add_struct("mod_s", 16, &[("a", 1, 0), ("b", 3, 64)]);
    sb.add_ptr(m);
    sb.add_typedef("s_t2", 5);
    let raw = sb.build();
    let split = Btf::parse_split(&raw, base.clone()).unwrap();
    exercise(&split);
    let mut rng = Rng(42);
    for i in 0..2000 {
        let mut v = raw.clone();
        let at = rng.below(v.len());
        v[at] = rng.next() as u8;
        must_not_panic(&format!("split corruption #{i}"), || {
            if let Ok(b) = Btf::parse_split(&v, base.clone()) {
                exercise(&b);
            }
        });
    }
    for n in 0..raw.len() {
        must_not_panic(&format!("split truncated to {n}"), || {
            let _ = Btf::parse_split(&raw[..n], base.clone()).map(|b| exercise(&b));
        });
    }
}

/// A .BTF.ext with func_info, line_info and core_relo subsections for section "s" of `rich()`.
fn rich_ext(btf: &Btf) -> Vec<u8> {
    let sec = btf.find_by_name_kind(".data", Kind::Datasec).map(|id| btf.ty(id).unwrap().name_off).unwrap();
    let f = btf.find_by_name_kind("fn", Kind::Func).unwrap();
    let name = btf.find_by_name_kind("s", Kind::Struct).map(|id| btf.ty(id).unwrap().name_off).unwrap();
    let words = |v: &[u32]| v.iter().flat_map(|w| w.to_ne_bytes()).collect::<Vec<u8>>();
    let func = words(&[8, sec, 2, 0, f, 16, f]);
    let line = words(&[16, sec, 1, 0, name, name, (3 << 10) | 4]);
    let core = words(&[16, sec, 1, 8, 5, name, 0]);
    let mut v = vec![0x9f, 0xeb, 1, 0];
    let fl = func.len() as u32;
    let ll = line.len() as u32;
    let cl = core.len() as u32;
    v.extend(words(&[32, 0, fl, fl, ll, fl + ll, cl]));
    v.extend(func);
    v.extend(line);
    v.extend(core);
    v
}

#[test]
fn ext_hostile() {
    let btf = Btf::parse(&rich()).unwrap();
    let raw = rich_ext(&btf);
    let ext = BtfExt::parse(&raw, &btf).unwrap();
    let fi = ext.func_info(".data").unwrap();
    assert_eq!(fi.records.len(), 2);
    assert_eq!(fi.records[1].insn_off, 16);
    assert_eq!(ext.line_info(".data").unwrap().records[0].line(), 3);
    assert_eq!(ext.core_relos(".data").unwrap()[0].type_id, 5);
    assert_eq!(ext.sections().collect::<Vec<_>>(), [".data"]);
    let walk = |e: &BtfExt| {
        for s in e.sections() {
            let _ = (e.func_info(s), e.line_info(s), e.core_relos(s));
        }
    };
    for n in 0..raw.len() {
        must_not_panic(&format!("ext truncated to {n}"), || {
            assert!(BtfExt::parse(&raw[..n], &btf).is_err(), "ext truncated to {n} parsed");
        });
    }
    let mut rng = Rng(7);
    for i in 0..4000 {
        let mut v = raw.clone();
        let at = rng.below(v.len() / 4) * 4;
        let vals = [0, 1, 3, 4, 16, 0x8000_0000, u32::MAX, rng.next() as u32];
        v[at..at + 4].copy_from_slice(&vals[rng.below(vals.len())].to_ne_bytes());
        must_not_panic(&format!("ext corruption #{i}"), || {
            if let Ok(e) = BtfExt::parse(&v, &btf) {
                walk(&e);
            }
        });
    }
    // absurd record counts
    let mut v = raw.clone();
    v[32 + 8..32 + 12].copy_from_slice(&u32::MAX.to_ne_bytes());
    let e = BtfExt::parse(&v, &btf).unwrap_err();
    assert!(e.message().contains("func_info section 0 claims 4294967295 records"), "{e}");
    // out-of-range type id in func_info: accepted as libbpf does (the kernel judges at load)
    let mut v = raw.clone();
    v[32 + 16..32 + 20].copy_from_slice(&999u32.to_ne_bytes());
    let e = BtfExt::parse(&v, &btf).expect("func_info type ids are the kernel's to check");
    walk(&e);
    // only the magic byte-swapped: read as opposite-endian, its header length is then absurd
    // (libbpf: "BTF.ext header not found", EINVAL)
    let mut v = raw.clone();
    v.swap(0, 1);
    assert_eq!(BtfExt::parse(&v, &btf).unwrap_err().errno(), libc::EINVAL);
    // the whole ext byte-swapped parses, to the same native bytes
    let mut e = BtfExt::parse(&raw, &btf).unwrap();
    e.set_big_endian(cfg!(target_endian = "little"));
    let back = BtfExt::parse(e.raw_data_out(), &btf).unwrap();
    assert!(back.is_swapped());
    assert_eq!(back.raw_data(), &raw[..]);
}

/// Corrupted real ELF objects (if clang-19 is available) through `Btf::parse_elf`.
#[test]
fn elf_corruption() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/btf/maps_globals.c");
    let Some(out) = common::bpf_object("maps_globals.o", &src, &[]) else { return };
    let raw = std::fs::read(&out).unwrap();
    let (btf, ext) = Btf::parse_elf(&raw, None, true).unwrap();
    assert!(ext.is_some());
    exercise(&btf);
    let mut rng = Rng(99);
    for i in 0..1500 {
        let mut v = raw.clone();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(v.len());
            v[at] = rng.next() as u8;
        }
        must_not_panic(&format!("ELF corruption #{i}"), || {
            if let Ok((b, e)) = Btf::parse_elf(&v, None, true) {
                exercise(&b);
                if let Some(e) = e {
                    for s in e.sections() {
                        let _ = (e.func_info(s), e.line_info(s), e.core_relos(s));
                    }
                }
            }
        });
    }
}
