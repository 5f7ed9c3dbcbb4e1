//! CO-RE on hand-built BTF: each relocation kind, flavors, missing fields, bitfields, enums, type
//! relations, ambiguity, instruction validation and patching. Real clang objects against vmlinux
//! are in `tests/core_clang.rs`, hostile input in `tests/core_hostile.rs`.
//!
//! These are integration tests rather than a `#[cfg(test)]` module on purpose: with them inside
//! the library, the release test binary's codegen units split `src/ffi`'s `.symver` global_asm
//! from the functions it versions and linking failed (`undefined symbol …@LIBBPF_1.0.0`).

use oxbpf::btf::builder::BtfBuilder;
use oxbpf::btf::ext::CoreRelo;
use oxbpf::btf::{Btf, Kind, INT_SIGNED};
use oxbpf::reloc::core::*;
use oxbpf::uapi::*;
use oxbpf::Result;

/// Ids of the scalar types every test BTF starts with.
struct Ints {
    int: u32,
    uint: u32,
    long: u32,
    ulong: u32,
}

fn ints(b: &mut BtfBuilder) -> Ints {
    Ints {
        int: b.add_int("int", 4, INT_SIGNED),
        uint: b.add_int("unsigned int", 4, 0),
        long: b.add_int("long", 8, INT_SIGNED),
        ulong: b.add_int("unsigned long", 8, 0),
    }
}

/// A relocation record whose access string is added to the local builder `b`.
fn relo(b: &mut BtfBuilder, type_id: u32, access: &str, kind: u32) -> CoreRelo {
    CoreRelo { insn_off: 0, type_id, access_str_off: b.add_str(access), kind }
}

fn w(i: BpfInsn) -> u64 {
    u64::from_le_bytes(i.to_array())
}
fn insn(words: &[u64], i: usize) -> BpfInsn {
    BpfInsn::from_array(words[i].to_le_bytes())
}
/// `r1 += imm` (ALU64, immediate).
fn add_imm(imm: i32) -> u64 {
    w(BpfInsn::new(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, imm))
}
/// `r0 = imm` (ALU64 mov).
fn mov_imm(imm: i32) -> u64 {
    w(BpfInsn::new(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, imm))
}
/// `r0 = *(size *)(r1 + off)`.
fn ldx(size: u8, off: i16) -> u64 {
    w(BpfInsn::new(BPF_LDX | BPF_MEM | size, 0, 1, off, 0))
}
/// `r0 = imm64 ll`.
fn ld64(v: u64) -> [u64; 2] {
    [w(BpfInsn::new(BPF_LD_IMM64, 0, 0, 0, v as u32 as i32)), w(BpfInsn::new(0, 0, 0, 0, (v >> 32) as u32 as i32))]
}

fn is_poison(i: BpfInsn) -> bool {
    i == BpfInsn::new(BPF_JMP | BPF_CALL, 0, 0, 0, POISON_CALL_IMM)
}

/// Relocate insn 0 of `insns` against `targs` with a fresh cache.
fn run(local: &Btf, targs: &[&Btf], r: &CoreRelo, insns: &mut [u64]) -> Result<CoreOutcome> {
    let targets = CoreTargets { btfs: targs.to_vec() };
    let mut cache = CandCache::new();
    relocate_insn_idx(local, r, 0, insns, 0, &targets, &mut cache, "test")
}

/// `struct foo { int a; unsigned int b; int c; }` locally (plus whatever `extra` adds);
/// `struct foo { long x; int a; unsigned long b; }` in the target.
struct FooEnv {
    local: Btf,
    targ: Btf,
    relos: Vec<CoreRelo>,
}

fn foo_env(specs: &[(&str, u32)]) -> FooEnv {
    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let root = l.add_struct("foo", 12, &[("a", li.int, 0), ("b", li.uint, 32), ("c", li.int, 64)]);
    let relos = specs.iter().map(|&(s, k)| relo(&mut l, root, s, k)).collect();
    let mut t = BtfBuilder::new();
    let ti = ints(&mut t);
    t.add_struct("foo", 24, &[("x", ti.long, 0), ("a", ti.int, 64), ("b", ti.ulong, 128)]);
    FooEnv { local: Btf::parse(&l.build()).unwrap(), targ: Btf::parse(&t.build()).unwrap(), relos }
}

#[test]
fn kind_names() {
    let names: Vec<_> = (0..14).map(relo_kind_str).collect();
    assert_eq!(
        names,
        [
            "byte_off",
            "byte_sz",
            "field_exists",
            "signed",
            "lshift_u64",
            "rshift_u64",
            "local_type_id",
            "target_type_id",
            "type_exists",
            "type_size",
            "enumval_exists",
            "enumval_value",
            "type_matches",
            "unknown"
        ]
    );
}

#[test]
fn essential_names() {
    assert_eq!(essential_name_len("task_struct___v2"), 11);
    assert_eq!(essential_name_len("task_struct"), 11);
    assert_eq!(essential_name_len("a___b___c"), 5, "the last separator counts");
    assert_eq!(essential_name_len("a____b"), 6, "four underscores are no separator");
    assert_eq!(essential_name_len("___x"), 4);
    assert_eq!(essential_name_len("x___"), 4);
    assert_eq!(essential_name_len(""), 0);
}

#[test]
fn field_byte_offset_alu_and_ldx() {
    let e = foo_env(&[("0:1", BPF_CORE_FIELD_BYTE_OFFSET), ("0:0", BPF_CORE_FIELD_BYTE_OFFSET)]);
    let mut p = [add_imm(4)];
    assert_eq!(run(&e.local, &[&e.targ], &e.relos[0], &mut p).unwrap(), CoreOutcome::Patched);
    assert_eq!(insn(&p, 0).imm, 16);

    // u32 -> u64 field: the load is widened (unsigned ints zero-extend either way)
    let mut p = [ldx(BPF_W, 4)];
    assert_eq!(run(&e.local, &[&e.targ], &e.relos[0], &mut p).unwrap(), CoreOutcome::Patched);
    let i = insn(&p, 0);
    assert_eq!((i.off, i.code), (16, BPF_LDX | BPF_MEM | BPF_DW));
    assert_eq!((i.dst(), i.src()), (0, 1));

    // same-size field: only the offset changes
    let mut p = [ldx(BPF_W, 0)];
    run(&e.local, &[&e.targ], &e.relos[1], &mut p).unwrap();
    assert_eq!((insn(&p, 0).off, insn(&p, 0).code), (8, BPF_LDX | BPF_MEM | BPF_W));
}

#[test]
fn field_size_signed_exists() {
    let e = foo_env(&[
        ("0:1", BPF_CORE_FIELD_BYTE_SIZE),
        ("0:0", BPF_CORE_FIELD_SIGNED),
        ("0:1", BPF_CORE_FIELD_SIGNED),
        ("0:0", BPF_CORE_FIELD_EXISTS),
        ("0:2", BPF_CORE_FIELD_EXISTS),
    ]);
    let cases = [(4, 8), (1, 1), (0, 0), (1, 1), (1, 0)];
    for (r, (orig, new)) in e.relos.iter().zip(cases) {
        let mut p = [mov_imm(orig)];
        assert_eq!(run(&e.local, &[&e.targ], r, &mut p).unwrap(), CoreOutcome::Patched, "{r:?}");
        assert_eq!(insn(&p, 0).imm, new, "{r:?}");
    }
}

#[test]
fn missing_field_poisons() {
    let e = foo_env(&[("0:2", BPF_CORE_FIELD_BYTE_OFFSET), ("0:2", BPF_CORE_FIELD_BYTE_SIZE)]);
    for r in &e.relos {
        let mut p = [ldx(BPF_W, 8), mov_imm(0)];
        let out = run(&e.local, &[&e.targ], r, &mut p).unwrap();
        let CoreOutcome::Poisoned { reason } = out else { panic!("{out:?}") };
        assert!(reason.contains("struct foo.c (0:2 @ offset 8)"), "{reason}");
        assert!(is_poison(insn(&p, 0)));
        assert_eq!(p[1], mov_imm(0), "next insn untouched");
    }
}

#[test]
fn flavored_local_struct() {
    // struct foo___v2 { int a; int gone; } against a target `foo` lacking `gone`
    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let v2 = l.add_struct("foo___v2", 8, &[("a", li.int, 0), ("gone", li.int, 32)]);
    let ra = relo(&mut l, v2, "0:0", BPF_CORE_FIELD_BYTE_OFFSET);
    let rg = relo(&mut l, v2, "0:1", BPF_CORE_FIELD_EXISTS);
    let rgo = relo(&mut l, v2, "0:1", BPF_CORE_FIELD_BYTE_OFFSET);
    let local = Btf::parse(&l.build()).unwrap();
    let mut t = BtfBuilder::new();
    let ti = ints(&mut t);
    t.add_struct("foo", 16, &[("x", ti.long, 0), ("a", ti.int, 64)]);
    t.add_struct("foo_other", 4, &[("a", ti.int, 0)]); // not a candidate: different essential name
    let targ = Btf::parse(&t.build()).unwrap();

    let targets = CoreTargets { btfs: vec![&targ] };
    let mut cache = CandCache::new();
    let mut p = [add_imm(0), mov_imm(1), add_imm(4)];
    assert_eq!(relocate_insn_idx(&local, &ra, 0, &mut p, 0, &targets, &mut cache, "t").unwrap(), CoreOutcome::Patched);
    assert_eq!(insn(&p, 0).imm, 8);
    assert_eq!(cache.candidates(v2), Some(&[Cand { btf_idx: 0, id: 5 }][..]));
    relocate_insn_idx(&local, &rg, 1, &mut p, 1, &targets, &mut cache, "t").unwrap();
    assert_eq!(insn(&p, 1).imm, 0);
    let out = relocate_insn_idx(&local, &rgo, 2, &mut p, 2, &targets, &mut cache, "t").unwrap();
    assert!(matches!(out, CoreOutcome::Poisoned { .. }));
    assert!(is_poison(insn(&p, 2)));
}

#[test]
fn target_flavors_and_ambiguity() {
    // local foo { int a; int b; }; targets vary
    let local_and = |targ: &dyn Fn(&mut BtfBuilder, &Ints)| {
        let mut l = BtfBuilder::new();
        let li = ints(&mut l);
        let foo = l.add_struct("foo", 8, &[("a", li.int, 0), ("b", li.int, 32)]);
        let rs = vec![
            relo(&mut l, foo, "0:1", BPF_CORE_FIELD_BYTE_OFFSET),
            relo(&mut l, foo, "0:1", BPF_CORE_FIELD_BYTE_SIZE),
        ];
        let mut t = BtfBuilder::new();
        let ti = ints(&mut t);
        targ(&mut t, &ti);
        (Btf::parse(&l.build()).unwrap(), Btf::parse(&t.build()).unwrap(), rs)
    };

    // two flavors agreeing: fine, both kept
    let (l, t, rs) = local_and(&|t, i| {
        t.add_struct("foo___1", 8, &[("b", i.int, 32)]);
        t.add_struct("foo___2", 12, &[("a", i.long, 0), ("b", i.int, 32)]);
    });
    let targets = CoreTargets { btfs: vec![&t] };
    let mut cache = CandCache::new();
    let mut p = [add_imm(4)];
    relocate_insn_idx(&l, &rs[0], 0, &mut p, 0, &targets, &mut cache, "t").unwrap();
    assert_eq!(insn(&p, 0).imm, 4);
    assert_eq!(cache.candidates(5).map(|c| c.len()), Some(2));

    // different offsets: field offset ambiguity
    let (l, t, rs) = local_and(&|t, i| {
        t.add_struct("foo", 8, &[("b", i.int, 32)]);
        t.add_struct("foo___x", 8, &[("b", i.int, 0)]);
    });
    let e = run(&l, &[&t], &rs[0], &mut [add_imm(4)]).unwrap_err();
    assert!(e.message().contains("field offset ambiguity: 0 != 32"), "{e}");

    // same offset, different size: decision ambiguity
    let (l, t, rs) = local_and(&|t, i| {
        t.add_struct("foo", 8, &[("b", i.int, 32)]);
        t.add_struct("foo___x", 16, &[("b", i.long, 32)]);
    });
    let e = run(&l, &[&t], &rs[1], &mut [mov_imm(4)]).unwrap_err();
    assert!(e.message().contains("relocation decision ambiguity: success 8 != success 4"), "{e}");

    // one flavor lacks the field: the other wins and the cache is narrowed to it
    let (l, t, rs) = local_and(&|t, i| {
        t.add_struct("foo", 8, &[("a", i.int, 0)]);
        t.add_struct("foo___new", 16, &[("a", i.int, 0), ("b", i.int, 96)]);
    });
    let targets = CoreTargets { btfs: vec![&t] };
    let mut cache = CandCache::new();
    let mut p = [add_imm(4)];
    relocate_insn_idx(&l, &rs[0], 0, &mut p, 0, &targets, &mut cache, "t").unwrap();
    assert_eq!(insn(&p, 0).imm, 12);
    assert_eq!(cache.candidates(5), Some(&[Cand { btf_idx: 0, id: 6 }][..]));

    // an incompatible field type (struct vs int) does not match
    let (l, t, rs) = local_and(&|t, i| {
        let inner = t.add_struct("inner", 4, &[("z", i.int, 0)]);
        t.add_struct("foo", 8, &[("b", inner, 32)]);
    });
    assert!(matches!(run(&l, &[&t], &rs[0], &mut [add_imm(4)]).unwrap(), CoreOutcome::Poisoned { .. }));
}

#[test]
fn anonymous_members_in_target() {
    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let s = l.add_struct("anon_s", 8, &[("a", li.int, 0), ("b", li.int, 32)]);
    let r = relo(&mut l, s, "0:1", BPF_CORE_FIELD_BYTE_OFFSET);
    let local = Btf::parse(&l.build()).unwrap();
    let mut t = BtfBuilder::new();
    let ti = ints(&mut t);
    let inner = t.add_struct("", 8, &[("a", ti.int, 0), ("b", ti.int, 32)]);
    let un = t.add_union("", 8, &[("y", ti.long, 0), ("", inner, 0)]);
    let root = t.add_struct("anon_s", 16, &[("x", ti.int, 0), ("", un, 64)]);
    let targ = Btf::parse(&t.build()).unwrap();

    let mut p = [add_imm(4)];
    run(&local, &[&targ], &r, &mut p).unwrap();
    assert_eq!(insn(&p, 0).imm, 12);

    let lspec = parse_spec("t", &local, &r).unwrap();
    let mut tspec = Spec::empty(&targ, 0, 0);
    assert!(spec_match(&lspec, &targ, root, &mut tspec).unwrap());
    assert_eq!(tspec.raw, [0, 1, 1, 1]);
    assert_eq!(format_spec(&lspec), "<byte_off> [5] struct anon_s.b (0:1 @ offset 4)");
    assert_eq!(format_spec(&tspec), format!("<byte_off> [{root}] struct anon_s.b (0:1:1:1 @ offset 12)"));
}

#[test]
fn arrays_and_flex_arrays() {
    // local: struct arr { int n; int v[4]; int flex[]; }  (size 20)
    // targ:  struct arr { long pad; int n; int v[8]; int flex[]; }
    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let v4 = l.add_array(li.int, li.int, 4);
    let fl = l.add_array(li.int, li.int, 0);
    let s = l.add_struct("arr", 20, &[("n", li.int, 0), ("v", v4, 32), ("flex", fl, 160)]);
    let rv = relo(&mut l, s, "0:1:2", BPF_CORE_FIELD_BYTE_OFFSET);
    let rvsz = relo(&mut l, s, "0:1:2", BPF_CORE_FIELD_BYTE_SIZE);
    let rvsig = relo(&mut l, s, "0:1:2", BPF_CORE_FIELD_SIGNED);
    let rflex = relo(&mut l, s, "0:2:5", BPF_CORE_FIELD_BYTE_OFFSET);
    let rv3 = relo(&mut l, s, "0:1:3", BPF_CORE_FIELD_BYTE_OFFSET);
    let rptr = relo(&mut l, s, "2:0", BPF_CORE_FIELD_BYTE_OFFSET); // (&p[2])->n
    let rbad = relo(&mut l, s, "0:1:4", BPF_CORE_FIELD_BYTE_OFFSET); // v[4] of int[4]
    let local = Btf::parse(&l.build()).unwrap();
    let mut t = BtfBuilder::new();
    let ti = ints(&mut t);
    let v8 = t.add_array(ti.int, ti.int, 8);
    let fl = t.add_array(ti.int, ti.int, 0);
    t.add_struct("arr", 48, &[("pad", ti.long, 0), ("n", ti.int, 64), ("v", v8, 96), ("flex", fl, 352)]);
    let targ = Btf::parse(&t.build()).unwrap();

    let cases = [(&rv, 12, 20), (&rvsz, 4, 4), (&rflex, 40, 64), (&rv3, 16, 24), (&rptr, 40, 104)];
    for (r, orig, new) in cases {
        let mut p = [add_imm(orig)];
        assert_eq!(run(&local, &[&targ], r, &mut p).unwrap(), CoreOutcome::Patched);
        assert_eq!(insn(&p, 0).imm, new, "{r:?}");
    }
    let e = run(&local, &[&targ], &rvsig, &mut [add_imm(0)]).unwrap_err();
    assert!(e.message().contains("can't be applied to array access"), "{e}");
    let e = run(&local, &[&targ], &rbad, &mut [add_imm(0)]).unwrap_err();
    assert!(e.message().contains("array index 4 is out of range"), "{e}");

    // a target with a smaller array doesn't match v[3]
    let mut t = BtfBuilder::new();
    let ti = ints(&mut t);
    let v2 = t.add_array(ti.int, ti.int, 2);
    t.add_struct("arr", 12, &[("n", ti.int, 0), ("v", v2, 32)]);
    let small = Btf::parse(&t.build()).unwrap();
    assert!(matches!(run(&local, &[&small], &rv3, &mut [add_imm(16)]).unwrap(), CoreOutcome::Poisoned { .. }));
}

/// Local `struct bf { u32 f1:3; int f2:5; }`, target `struct bf { u32 pad; u32 f1:3 @40;
/// int f2:5 @43; u32 f3:5 @62; u64 f4:5 @62 }`.
#[test]
fn bitfields() {
    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let s = l.add_composite(Kind::Struct, "bf", 4, true, &[("f1", li.uint, 3 << 24), ("f2", li.int, (5 << 24) | 3)]);
    let mut rs = Vec::new();
    for k in [
        BPF_CORE_FIELD_BYTE_OFFSET,
        BPF_CORE_FIELD_BYTE_SIZE,
        BPF_CORE_FIELD_LSHIFT_U64,
        BPF_CORE_FIELD_RSHIFT_U64,
        BPF_CORE_FIELD_SIGNED,
    ] {
        rs.push((relo(&mut l, s, "0:0", k), relo(&mut l, s, "0:1", k)));
    }
    let local = Btf::parse(&l.build()).unwrap();
    let mut t = BtfBuilder::new();
    let ti = ints(&mut t);
    t.add_composite(
        Kind::Struct,
        "bf",
        16,
        true,
        &[("pad", ti.uint, 0), ("f1", ti.uint, (3 << 24) | 40), ("f2", ti.int, (5 << 24) | 43)],
    );
    let targ = Btf::parse(&t.build()).unwrap();

    // (f1 local, f1 target, f2 local, f2 target)
    let expect = [(0, 4, 0, 4), (4, 4, 4, 4), (61, 53, 56, 48), (61, 61, 59, 59), (0, 0, 1, 1)];
    for ((r1, r2), (l1, t1, l2, t2)) in rs.iter().zip(expect) {
        for (r, orig, new) in [(r1, l1, t1), (r2, l2, t2)] {
            let mut p = [mov_imm(orig)];
            run(&local, &[&targ], r, &mut p).unwrap();
            assert_eq!(insn(&p, 0).imm, new, "{}", relo_kind_str(r.kind));
        }
    }
    // offset/size/lshift of bitfields are not validated against the instruction...
    let mut p = [mov_imm(1234)];
    run(&local, &[&targ], &rs[2].0, &mut p).unwrap();
    assert_eq!(insn(&p, 0).imm, 53);
    // ...but rshift and signedness are
    let e = run(&local, &[&targ], &rs[3].0, &mut [mov_imm(60)]).unwrap_err();
    assert!(e.message().contains("got 60, exp 61 -> 61"), "{e}");
}

#[test]
fn bitfield_load_widening_and_limits() {
    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let s = l.add_composite(Kind::Struct, "bw", 8, true, &[("f3", li.uint, 5 << 24), ("f4", li.ulong, 5 << 24)]);
    let rsz = relo(&mut l, s, "0:0", BPF_CORE_FIELD_BYTE_SIZE);
    let rl = relo(&mut l, s, "0:0", BPF_CORE_FIELD_LSHIFT_U64);
    let r4 = relo(&mut l, s, "0:1", BPF_CORE_FIELD_BYTE_OFFSET);
    let local = Btf::parse(&l.build()).unwrap();
    let mut t = BtfBuilder::new();
    let ti = ints(&mut t);
    // f3 straddles the first 32-bit word (bits 30..35): an 8-byte load; f4 straddles 64 bits
    t.add_composite(Kind::Struct, "bw", 16, true, &[("f3", ti.uint, (5 << 24) | 30), ("f4", ti.ulong, (5 << 24) | 62)]);
    let targ = Btf::parse(&t.build()).unwrap();

    let mut p = [mov_imm(4)];
    run(&local, &[&targ], &rsz, &mut p).unwrap();
    assert_eq!(insn(&p, 0).imm, 8);
    run(&local, &[&targ], &rl, &mut p).unwrap();
    assert_eq!(insn(&p, 0).imm, 29);
    let e = run(&local, &[&targ], &r4, &mut [add_imm(0)]).unwrap_err();
    assert_eq!(e.errno(), libc::E2BIG);
    assert!(e.message().contains("can't be read with a 64-bit load"), "{e}");
}

#[test]
fn memsz_adjust_rules() {
    // local: struct m { int s; unsigned int u; void *p }, target: { long s; unsigned short u; }
    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let s = l.add_struct("m", 8, &[("s", li.int, 0), ("u", li.uint, 32)]);
    let rs = relo(&mut l, s, "0:0", BPF_CORE_FIELD_BYTE_OFFSET);
    let ru = relo(&mut l, s, "0:1", BPF_CORE_FIELD_BYTE_OFFSET);
    let local = Btf::parse(&l.build()).unwrap();
    let mut t = BtfBuilder::new();
    let ti = ints(&mut t);
    let ushort = t.add_int("unsigned short", 2, 0);
    t.add_struct("m", 16, &[("s", ti.long, 0), ("u", ushort, 64)]);
    let targ = Btf::parse(&t.build()).unwrap();

    // signed int widened: a load can't follow, poison; as an ALU operand it's fine
    let mut p = [ldx(BPF_W, 0)];
    let out = run(&local, &[&targ], &rs, &mut p).unwrap();
    let CoreOutcome::Poisoned { reason } = out else { panic!("{out:?}") };
    assert!(reason.contains("from 4 to 8 bytes"), "{reason}");
    assert!(is_poison(insn(&p, 0)));
    let mut p = [add_imm(0)];
    assert_eq!(run(&local, &[&targ], &rs, &mut p).unwrap(), CoreOutcome::Patched);

    // unsigned narrowed: W -> H, also for STX
    let mut p = [ldx(BPF_W, 4)];
    run(&local, &[&targ], &ru, &mut p).unwrap();
    assert_eq!((insn(&p, 0).code, insn(&p, 0).off), (BPF_LDX | BPF_MEM | BPF_H, 8));
    let mut p = [w(BpfInsn::new(BPF_STX | BPF_MEM | BPF_W, 1, 2, 4, 0))];
    run(&local, &[&targ], &ru, &mut p).unwrap();
    assert_eq!((insn(&p, 0).code, insn(&p, 0).off), (BPF_STX | BPF_MEM | BPF_H, 8));
    // the load must have the local field's size
    let e = run(&local, &[&targ], &ru, &mut [ldx(BPF_B, 4)]).unwrap_err();
    assert!(e.message().contains("unexpected mem size: got 1, exp 4"), "{e}");
}

#[test]
fn ldx_offset_range() {
    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let s = l.add_struct("big", 8, &[("a", li.int, 0)]);
    let r = relo(&mut l, s, "0:0", BPF_CORE_FIELD_BYTE_OFFSET);
    let local = Btf::parse(&l.build()).unwrap();
    let mut t = BtfBuilder::new();
    let ti = ints(&mut t);
    t.add_struct("big", 40008, &[("a", ti.int, 40000 * 8)]);
    let targ = Btf::parse(&t.build()).unwrap();
    let e = run(&local, &[&targ], &r, &mut [ldx(BPF_W, 0)]).unwrap_err();
    assert_eq!(e.errno(), libc::ERANGE);
    // ALU immediates are 32 bits: fine
    let mut p = [add_imm(0)];
    run(&local, &[&targ], &r, &mut p).unwrap();
    assert_eq!(insn(&p, 0).imm, 40000);
}

#[test]
fn enum_values() {
    let mut l = BtfBuilder::new();
    let e = l.add_enum("e", 4, false, &[("E_A", 1), ("E_B", 2), ("E_GONE", 3)]);
    let old = l.add_enum("e___old", 4, false, &[("E_OLD___old", 7)]);
    let r_b = relo(&mut l, e, "1", BPF_CORE_ENUMVAL_VALUE);
    let r_a = relo(&mut l, e, "0", BPF_CORE_ENUMVAL_VALUE);
    let r_gone_ex = relo(&mut l, e, "2", BPF_CORE_ENUMVAL_EXISTS);
    let r_gone = relo(&mut l, e, "2", BPF_CORE_ENUMVAL_VALUE);
    let r_old = relo(&mut l, old, "0", BPF_CORE_ENUMVAL_VALUE);
    let r_bad = relo(&mut l, e, "3", BPF_CORE_ENUMVAL_VALUE);
    let local = Btf::parse(&l.build()).unwrap();
    let mut t = BtfBuilder::new();
    t.add_enum64("e", 8, false, &[("E_B", 0x1_0000_0002), ("E_A", 5)]);
    t.add_enum("e", 4, true, &[("E_OLD", -9)]);
    let targ = Btf::parse(&t.build()).unwrap();

    let mut p = ld64(2);
    run(&local, &[&targ], &r_b, &mut p).unwrap();
    assert_eq!((insn(&p, 0).imm, insn(&p, 1).imm), (2, 1), "both halves of ld_imm64");

    let mut p = [mov_imm(1)];
    run(&local, &[&targ], &r_a, &mut p).unwrap();
    assert_eq!(insn(&p, 0).imm, 5);

    let mut p = [mov_imm(1)];
    run(&local, &[&targ], &r_gone_ex, &mut p).unwrap();
    assert_eq!(insn(&p, 0).imm, 0);

    // missing enumerator: ld_imm64 poisoned in both slots
    let mut p = ld64(3);
    assert!(matches!(run(&local, &[&targ], &r_gone, &mut p).unwrap(), CoreOutcome::Poisoned { .. }));
    assert!(is_poison(insn(&p, 0)) && is_poison(insn(&p, 1)));

    // flavored enum and enumerator name; signed 32-bit value sign-extended into ld_imm64
    let mut p = ld64(7);
    run(&local, &[&targ], &r_old, &mut p).unwrap();
    assert_eq!((insn(&p, 0).imm, insn(&p, 1).imm), (-9, -1));

    let e = run(&local, &[&targ], &r_bad, &mut [mov_imm(0)]).unwrap_err();
    assert!(e.message().contains("enumerator index 3 is out of range"), "{e}");

    // spec formatting of enum values
    let s = parse_spec("t", &local, &r_b).unwrap();
    assert_eq!(format_spec(&s), "<enumval_value> [1] enum e::E_B = 2");
}

#[test]
fn unsigned_enum_value_is_sign_extended_like_libbpf() {
    let mut l = BtfBuilder::new();
    let e = l.add_enum("u", 4, false, &[("U_MAX", 0xffff_ffff)]);
    let r = relo(&mut l, e, "0", BPF_CORE_ENUMVAL_VALUE);
    let local = Btf::parse(&l.build()).unwrap();
    let mut t = BtfBuilder::new();
    t.add_enum("u", 4, false, &[("U_MAX", 0xffff_fffe)]);
    let targ = Btf::parse(&t.build()).unwrap();
    let mut p = ld64(u64::MAX);
    run(&local, &[&targ], &r, &mut p).unwrap();
    assert_eq!((insn(&p, 0).imm, insn(&p, 1).imm), (-2, -1));
    assert_eq!(format_spec(&parse_spec("t", &local, &r).unwrap()), "<enumval_value> [1] enum u::U_MAX = 4294967295");
}

#[test]
fn type_relocations() {
    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let pl = l.add_ptr(li.long);
    let s = l.add_struct("ts", 16, &[("a", li.int, 0), ("p", pl, 64)]);
    let td = l.add_typedef("ts_t", s);
    let none = l.add_struct("not_there", 4, &[("a", li.int, 0)]);
    let r = |l: &mut BtfBuilder, id, k| relo(l, id, "0", k);
    let r_exists = r(&mut l, s, BPF_CORE_TYPE_EXISTS);
    let r_size = r(&mut l, s, BPF_CORE_TYPE_SIZE);
    let r_td_size = r(&mut l, td, BPF_CORE_TYPE_SIZE);
    let r_none = r(&mut l, none, BPF_CORE_TYPE_EXISTS);
    let r_none_size = r(&mut l, none, BPF_CORE_TYPE_SIZE);
    let r_tid = r(&mut l, s, BPF_CORE_TYPE_ID_TARGET);
    let r_lid = r(&mut l, s, BPF_CORE_TYPE_ID_LOCAL);
    let r_match = r(&mut l, s, BPF_CORE_TYPE_MATCHES);
    let r_bad = relo(&mut l, s, "1", BPF_CORE_TYPE_EXISTS);
    let local = Btf::parse(&l.build()).unwrap();
    let mut t = BtfBuilder::new();
    let ti = ints(&mut t);
    let pl = t.add_ptr(ti.long);
    let ts = t.add_struct("ts", 24, &[("x", ti.long, 0), ("a", ti.int, 64), ("p", pl, 128)]);
    let ttd = t.add_typedef("ts_t", ts);
    let targ = Btf::parse(&t.build()).unwrap();

    let cases = [
        (&r_exists, 1, 1),
        (&r_size, 16, 24),
        (&r_td_size, 16, 24),
        (&r_none, 1, 0),
        (&r_none_size, 4, 0),
        (&r_tid, 999, ts as i32), // target ids are not validated
        (&r_lid, 999, s as i32),
        (&r_match, 1, 1),
    ];
    for (r, orig, new) in cases {
        let mut p = [mov_imm(orig)];
        assert_eq!(run(&local, &[&targ], r, &mut p).unwrap(), CoreOutcome::Patched, "{}", relo_kind_str(r.kind));
        assert_eq!(insn(&p, 0).imm, new, "{}", relo_kind_str(r.kind));
    }
    let _ = ttd;
    let e = run(&local, &[&targ], &r_bad, &mut [mov_imm(1)]).unwrap_err();
    assert!(e.message().contains("instead of '0'"), "{e}");
    // the value the local BTF predicts is enforced
    let e = run(&local, &[&targ], &r_size, &mut [mov_imm(17)]).unwrap_err();
    assert!(e.message().contains("unexpected insn #0 (ALU/ALU64) value: got 17, exp 16 -> 24"), "{e}");
}

#[test]
fn type_matches_relation() {
    // local: struct tm { int a; struct fwd *f; enum c { C1 } e; int arr[2]; int (*fn)(long); }
    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let fwd = l.add_fwd("other", false);
    let pf = l.add_ptr(fwd);
    let en = l.add_enum("c", 4, false, &[("C1", 0)]);
    let arr = l.add_array(li.int, li.int, 2);
    let proto = l.add_func_proto(li.int, &[("x", li.long)]);
    let pfn = l.add_ptr(proto);
    let tm =
        l.add_struct("tm", 40, &[("a", li.int, 0), ("f", pf, 64), ("e", en, 128), ("arr", arr, 160), ("fn", pfn, 256)]);
    let r = relo(&mut l, tm, "0", BPF_CORE_TYPE_MATCHES);
    let local = Btf::parse(&l.build()).unwrap();

    type Members = Vec<(&'static str, u32, u32)>;
    let build = |f: &dyn Fn(&mut BtfBuilder, &Ints) -> Members| {
        let mut t = BtfBuilder::new();
        let ti = ints(&mut t);
        let ms = f(&mut t, &ti);
        let mut ms = ms;
        ms.push(("extra", ti.long, 512)); // extra target members are fine
        t.add_struct("tm", 72, &ms);
        Btf::parse(&t.build()).unwrap()
    };
    let good = |t: &mut BtfBuilder, i: &Ints, a: u32, arr_n: u32, c_name: &'static str, e_sz: u32, param: u32| {
        let other = t.add_struct("other", 4, &[]);
        let po = t.add_ptr(other);
        let en = t.add_enum64(c_name, e_sz, false, &[("C0", 1), ("C1", 2)]);
        let arr = t.add_array(i.int, i.int, arr_n);
        let proto = t.add_func_proto(i.int, &[("y", param)]);
        let pfn = t.add_ptr(proto);
        vec![("fn", pfn, 256), ("arr", arr, 160), ("e", en, 128), ("f", po, 64), ("a", a, 0)]
    };
    let check = |t: &Btf| {
        let mut p = [mov_imm(1)];
        run(&local, &[t], &r, &mut p).unwrap();
        insn(&p, 0).imm
    };
    assert_eq!(check(&build(&|t, i| good(t, i, i.int, 2, "c", 4, i.long))), 1, "matching (member order irrelevant)");
    assert_eq!(check(&build(&|t, i| good(t, i, i.uint, 2, "c", 4, i.long))), 0, "signedness differs");
    assert_eq!(check(&build(&|t, i| good(t, i, i.int, 3, "c", 4, i.long))), 0, "array length differs");
    assert_eq!(check(&build(&|t, i| good(t, i, i.int, 2, "c", 8, i.long))), 0, "enum size differs");
    assert_eq!(check(&build(&|t, i| good(t, i, i.int, 2, "c___x", 4, i.long))), 1, "enum flavor");
    assert_eq!(check(&build(&|t, i| good(t, i, i.int, 2, "d", 4, i.long))), 0, "enum name differs");
    assert_eq!(check(&build(&|t, i| good(t, i, i.int, 2, "c", 4, i.int))), 0, "param size differs");
    // a forward declaration behind a pointer matches a union only if it declares one
    let t = build(&|t, i| {
        let mut ms = good(t, i, i.int, 2, "c", 4, i.long);
        let u = t.add_union("other", 4, &[]);
        ms[3].1 = t.add_ptr(u);
        ms
    });
    assert_eq!(check(&t), 0, "fwd struct vs union");

    // type compatibility (TYPE_EXISTS) is looser: any struct named tm
    let loose = build(&|_, i| vec![("zz", i.int, 0)]);
    assert!(types_are_compat(&local, tm, &loose, 5).unwrap());
    assert!(!types_match(&local, tm, &loose, 5).unwrap());
}

#[test]
fn module_btf_candidates() {
    let mut b = BtfBuilder::new();
    let bi = ints(&mut b);
    b.add_struct("in_vmlinux", 4, &[("a", bi.int, 0)]);
    let base = std::sync::Arc::new(Btf::parse(&b.build()).unwrap());
    let mut m = BtfBuilder::new_split(&base);
    let mt = m.add_struct("modt", 16, &[("pad", bi.long, 0), ("a", bi.int, 64)]);
    let module = Btf::parse_split(&m.build(), base.clone()).unwrap();
    // a second module defining `in_vmlinux` too: never consulted, vmlinux has it
    let mut m2 = BtfBuilder::new_split(&base);
    m2.add_struct("in_vmlinux", 8, &[("a", bi.int, 32)]);
    let module2 = Btf::parse_split(&m2.build(), base.clone()).unwrap();

    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let lm = l.add_struct("modt", 4, &[("a", li.int, 0)]);
    let lv = l.add_struct("in_vmlinux", 4, &[("a", li.int, 0)]);
    let rm = relo(&mut l, lm, "0:0", BPF_CORE_FIELD_BYTE_OFFSET);
    let rmid = relo(&mut l, lm, "0", BPF_CORE_TYPE_ID_TARGET);
    let rv = relo(&mut l, lv, "0:0", BPF_CORE_FIELD_BYTE_OFFSET);
    let local = Btf::parse(&l.build()).unwrap();

    let targets = CoreTargets { btfs: vec![&*base, &module, &module2] };
    let mut cache = CandCache::new();
    let mut p = [add_imm(0), mov_imm(0), add_imm(0)];
    relocate_insn_idx(&local, &rm, 0, &mut p, 0, &targets, &mut cache, "t").unwrap();
    relocate_insn_idx(&local, &rmid, 1, &mut p, 1, &targets, &mut cache, "t").unwrap();
    relocate_insn_idx(&local, &rv, 2, &mut p, 2, &targets, &mut cache, "t").unwrap();
    assert_eq!(insn(&p, 0).imm, 8);
    assert_eq!(insn(&p, 1).imm as u32, mt);
    assert_eq!(insn(&p, 2).imm, 0, "vmlinux candidate wins, module2 not consulted");
    assert_eq!(cache.candidates(lm), Some(&[Cand { btf_idx: 1, id: mt }][..]));

    // a custom target BTF alone: no module search
    let targets = CoreTargets { btfs: vec![&*base] };
    let out = run(&local, &targets.btfs, &rm, &mut [add_imm(0)]).unwrap();
    assert!(matches!(out, CoreOutcome::Poisoned { .. }));
}

#[test]
fn instruction_validation() {
    let e = foo_env(&[("0:1", BPF_CORE_FIELD_BYTE_OFFSET)]);
    let r = &e.relos[0];
    let err = run(&e.local, &[&e.targ], r, &mut [add_imm(5)]).unwrap_err();
    assert_eq!(err.errno(), libc::EINVAL);
    assert!(err.message().contains("relo #0: unexpected insn #0 (ALU/ALU64) value: got 5, exp 4 -> 16"), "{err}");
    let err = run(&e.local, &[&e.targ], r, &mut [ldx(BPF_W, 8)]).unwrap_err();
    assert!(err.message().contains("unexpected insn #0 (LDX/ST/STX) value: got 8, exp 4 -> 16"), "{err}");
    let err = run(&e.local, &[&e.targ], r, &mut ld64(0x1_0000_0004)).unwrap_err();
    assert!(err.message().contains("unexpected insn #0 (LDIMM64) value: got 4294967300, exp 4 -> 16"), "{err}");
    let mut p = ld64(4);
    run(&e.local, &[&e.targ], r, &mut p).unwrap();
    assert_eq!((insn(&p, 0).imm, insn(&p, 1).imm), (16, 0));

    // register-operand ALU, jumps and malformed ld_imm64 are not relocatable
    let reg = w(BpfInsn::new(BPF_ALU64 | BPF_ADD | BPF_X, 1, 2, 0, 4));
    assert!(run(&e.local, &[&e.targ], r, &mut [reg]).is_err());
    let jmp = w(BpfInsn::new(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, -2, 4));
    let err = run(&e.local, &[&e.targ], r, &mut [jmp]).unwrap_err();
    assert!(
        err.message().contains("unrecognized insn #0, code:0x15, src:0x0, dst:0x1, off:0xfffffffe, imm:0x4"),
        "{err}"
    );
    let err = run(&e.local, &[&e.targ], r, &mut [ld64(4)[0]]).unwrap_err();
    assert!(err.message().contains("(LDIMM64) has unexpected form"), "{err}");
    let mut bad = ld64(4);
    bad[1] = w(BpfInsn::new(0, 1, 0, 0, 0));
    assert!(run(&e.local, &[&e.targ], r, &mut bad).is_err());
    // nothing was written on failure
    let mut p = [add_imm(5)];
    let _ = run(&e.local, &[&e.targ], r, &mut p);
    assert_eq!(p[0], add_imm(5));
}

#[test]
fn local_spec_formats() {
    let mut l = BtfBuilder::new();
    let li = ints(&mut l);
    let arr = l.add_array(li.int, li.int, 4);
    let inner = l.add_struct("", 16, &[("v", arr, 0)]);
    let s = l.add_composite(
        Kind::Struct,
        "outer",
        24,
        true,
        &[("x", li.int, 0), ("", inner, 32), ("b", li.uint, (3 << 24) | 165)],
    );
    let c = l.add_modifier(Kind::Const, "", s);
    let r1 = relo(&mut l, c, "1:1:0:2", BPF_CORE_FIELD_BYTE_OFFSET);
    let r2 = relo(&mut l, s, "0:2", BPF_CORE_FIELD_LSHIFT_U64);
    let r3 = relo(&mut l, s, "0", BPF_CORE_TYPE_SIZE);
    let local = Btf::parse(&l.build()).unwrap();
    let f = |r| format_spec(&parse_spec("t", &local, r).unwrap());
    assert_eq!(f(&r1), format!("<byte_off> [{c}] const <anon>[1].v[2] (1:1:0:2 @ offset 36)"));
    assert_eq!(f(&r2), format!("<lshift_u64> [{s}] struct outer.b (0:2 @ offset 20.5)"));
    assert_eq!(f(&r3), format!("<type_size> [{s}] struct outer"));
}

#[test]
fn relocate_insn_counts_relocations() {
    let e = foo_env(&[("0:1", BPF_CORE_FIELD_BYTE_OFFSET)]);
    let targets = CoreTargets { btfs: vec![&e.targ] };
    let mut cache = CandCache::new();
    let mut p = [add_imm(4), add_imm(5)];
    relocate_insn(&e.local, &e.relos[0], &mut p, 0, &targets, &mut cache, "cnt").unwrap();
    let err = relocate_insn(&e.local, &e.relos[0], &mut p, 1, &targets, &mut cache, "cnt").unwrap_err();
    assert!(err.message().contains("prog 'cnt': relo #1:"), "{err}");
}
