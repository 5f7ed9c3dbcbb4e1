//! CO-RE relocation on hostile input: malformed access strings, out-of-range ids, indices and
//! instruction offsets, unknown kinds, looping and exponentially branching target BTF, and a
//! seeded fuzzer over all of it. Nothing may panic or hang; errors must say what was wrong.

use oxbpf::btf::builder::BtfBuilder;
use oxbpf::btf::ext::CoreRelo;
use oxbpf::btf::{Btf, Kind, INT_SIGNED};
use oxbpf::reloc::core::*;
use oxbpf::uapi::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn add_imm(imm: i32) -> u64 {
    u64::from_le_bytes(BpfInsn::new(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, imm).to_array())
}

/// Relocate insn `idx` of `insns` under catch_unwind; a panic fails the test with the input.
fn try_relo(local: &Btf, targs: &[&Btf], r: &CoreRelo, insns: &mut [u64], idx: usize) -> oxbpf::Result<CoreOutcome> {
    let targets = CoreTargets { btfs: targs.to_vec() };
    let mut cache = CandCache::new();
    catch_unwind(AssertUnwindSafe(|| relocate_insn_idx(local, r, 7, insns, idx, &targets, &mut cache, "hostile")))
        .unwrap_or_else(|_| panic!("panicked on {r:?} at insn {idx} of {}", insns.len()))
}

/// Local: `struct s { int a; int arr[2]; struct { int in; }; }`, an anonymous struct, an enum.
/// Target: the same struct with another layout.
struct Env {
    local: Btf,
    targ: Btf,
    s: u32,
    anon: u32,
    en: u32,
    /// access string → its offset in the local string section
    strs: Vec<(String, u32)>,
}

fn env(access: &[&str]) -> Env {
    let mut l = BtfBuilder::new();
    let int = l.add_int("int", 4, INT_SIGNED);
    let arr = l.add_array(int, int, 2);
    let anon = l.add_struct("", 4, &[("in", int, 0)]);
    let s = l.add_struct("s", 16, &[("a", int, 0), ("arr", arr, 32), ("", anon, 96)]);
    let en = l.add_enum("e", 4, false, &[("E0", 0), ("E1", 1)]);
    let strs = access.iter().map(|a| (a.to_string(), l.add_str(a))).collect();
    let mut t = BtfBuilder::new();
    let tint = t.add_int("int", 4, INT_SIGNED);
    let tarr = t.add_array(tint, tint, 4);
    let tanon = t.add_struct("", 4, &[("in", tint, 0)]);
    t.add_struct("s", 32, &[("arr", tarr, 0), ("a", tint, 128), ("", tanon, 160)]);
    t.add_enum("e", 4, false, &[("E1", 10)]);
    Env { local: Btf::parse(&l.build()).unwrap(), targ: Btf::parse(&t.build()).unwrap(), s, anon, en, strs }
}

#[test]
fn bad_access_strings() {
    let cases: &[(&str, &str)] = &[
        ("", "empty"),
        (":0", "starts with ':'"),
        ("0:", "expected a number"),
        ("a", "expected a number"),
        ("0::1", "expected a number"),
        ("0:x", "expected a number"),
        ("-1", "negative"),
        ("0:-1", "negative"),
        ("99999999999", "too large"),
        ("0:3", "member index 3 is out of range"),
        ("0:70000", "member index 70000 is out of range"),
        ("0:1:2", "array index 2 is out of range"),
        ("0:0:0", "neither a struct/union nor an array"),
        ("0:2:1", "member index 1 is out of range"),
    ];
    let many = vec!["0"; 65].join(":");
    let mut all: Vec<&str> = cases.iter().map(|c| c.0).collect();
    all.push(&many);
    let e = env(&all);
    for (i, (access, off)) in e.strs.iter().enumerate() {
        let r = CoreRelo { insn_off: 0, type_id: e.s, access_str_off: *off, kind: BPF_CORE_FIELD_BYTE_OFFSET };
        let err = try_relo(&e.local, &[&e.targ], &r, &mut [add_imm(0)], 0).expect_err(access);
        let want = cases.get(i).map_or("more than 64 components", |c| c.1);
        assert!(err.message().contains(want), "{access:?}: {err}");
        assert!(err.message().contains("prog 'hostile': relo #7"), "{access:?}: {err}");
    }
}

#[test]
fn sscanf_like_numbers_are_accepted() {
    // libbpf reads components with sscanf("%d"): white space and '+' are tolerated
    let e = env(&["+0: 1", " 0"]);
    let r = CoreRelo { insn_off: 0, type_id: e.s, access_str_off: e.strs[0].1, kind: BPF_CORE_FIELD_BYTE_OFFSET };
    let mut p = [add_imm(4)];
    assert_eq!(try_relo(&e.local, &[&e.targ], &r, &mut p, 0).unwrap(), CoreOutcome::Patched);
    assert_eq!(BpfInsn::from_array(p[0].to_le_bytes()).imm, 0);
    let r = CoreRelo { kind: BPF_CORE_FIELD_EXISTS, access_str_off: e.strs[1].1, ..r };
    assert!(try_relo(&e.local, &[&e.targ], &r, &mut [add_imm(1)], 0).is_ok());
}

#[test]
fn out_of_range_ids_offsets_and_kinds() {
    let e = env(&["0:0", "0", "0:1", "5", "0:0:0"]);
    let ok = CoreRelo { insn_off: 0, type_id: e.s, access_str_off: e.strs[0].1, kind: BPF_CORE_FIELD_BYTE_OFFSET };
    let t = [&e.targ];
    let check = |r: CoreRelo, insns: &mut [u64], idx: usize, want: &str| {
        let err = try_relo(&e.local, &t, &r, insns, idx).expect_err(want);
        assert!(err.message().contains(want), "want {want:?}: {err}");
    };
    check(CoreRelo { type_id: 999, ..ok }, &mut [add_imm(0)], 0, "local type id 999 is out of range");
    check(CoreRelo { type_id: u32::MAX, ..ok }, &mut [add_imm(0)], 0, "out of range");
    check(
        CoreRelo { access_str_off: 1 << 30, ..ok },
        &mut [add_imm(0)],
        0,
        "access string offset 1073741824 is out of range",
    );
    check(ok, &mut [add_imm(0)], 1, "insn #1 is past the end of the program (1 insns)");
    check(ok, &mut [], 0, "past the end");
    check(CoreRelo { insn_off: 4, ..ok }, &mut [add_imm(0)], 0, "insn_off 4 is not a multiple of 8");
    for kind in [13, 99, u32::MAX] {
        check(CoreRelo { kind, ..ok }, &mut [add_imm(0)], 0, &format!("unknown relocation kind {kind}"));
    }
    check(
        CoreRelo { kind: BPF_CORE_TYPE_EXISTS, access_str_off: e.strs[0].1, ..ok },
        &mut [add_imm(0)],
        0,
        "instead of '0'",
    );
    check(CoreRelo { kind: BPF_CORE_ENUMVAL_VALUE, ..ok }, &mut [add_imm(0)], 0, "not an enum");
    check(
        CoreRelo { kind: BPF_CORE_ENUMVAL_VALUE, type_id: e.en, access_str_off: e.strs[3].1, ..ok },
        &mut [add_imm(0)],
        0,
        "enumerator index 5",
    );
    check(CoreRelo { kind: BPF_CORE_ENUMVAL_VALUE, type_id: e.en, ..ok }, &mut [add_imm(0)], 0, "2 access components");
    check(CoreRelo { type_id: e.anon, ..ok }, &mut [add_imm(0)], 0, "anonymous");
    // poisoning an ld_imm64 that lacks its second slot
    let ld = u64::from_le_bytes(BpfInsn::new(BPF_LD_IMM64, 0, 0, 0, 1).to_array());
    check(
        CoreRelo { kind: BPF_CORE_ENUMVAL_VALUE, type_id: e.en, access_str_off: e.strs[1].1, ..ok },
        &mut [ld],
        0,
        "lacks its second slot",
    );
    // TYPE_ID_LOCAL on an anonymous type is fine (no candidate search)
    let r = CoreRelo { kind: BPF_CORE_TYPE_ID_LOCAL, type_id: e.anon, access_str_off: e.strs[1].1, ..ok };
    assert!(try_relo(&e.local, &t, &r, &mut [add_imm(0)], 0).is_ok());
    // no targets at all: everything is "not found"
    let r = CoreRelo { kind: BPF_CORE_FIELD_EXISTS, ..ok };
    let targets = CoreTargets { btfs: vec![] };
    let mut p = [add_imm(1)];
    relocate_insn_idx(&e.local, &r, 0, &mut p, 0, &targets, &mut CandCache::new(), "x").unwrap();
    assert_eq!(BpfInsn::from_array(p[0].to_le_bytes()).imm, 0);
}

/// Local `struct loop { int a; }` against targets whose `loop` is pathological.
fn local_loop(access: &str, kind: u32) -> (Btf, CoreRelo) {
    let mut l = BtfBuilder::new();
    let int = l.add_int("int", 4, INT_SIGNED);
    let s = l.add_struct("loop", 4, &[("a", int, 0)]);
    let off = l.add_str(access);
    (Btf::parse(&l.build()).unwrap(), CoreRelo { insn_off: 0, type_id: s, access_str_off: off, kind })
}

#[test]
fn looping_target_btf() {
    let (local, r) = local_loop("0:0", BPF_CORE_FIELD_BYTE_OFFSET);

    // typedef loop as the field's type
    let mut t = BtfBuilder::new();
    let td1 = t.next_id();
    t.add_typedef("t1", td1 + 1);
    t.add_typedef("t2", td1);
    t.add_struct("loop", 4, &[("a", td1, 0)]);
    if let Ok(targ) = Btf::parse(&t.build()) {
        let err = try_relo(&local, &[&targ], &r, &mut [add_imm(0)], 0).unwrap_err();
        assert!(err.message().contains("loops"), "{err}");
    }

    // an array whose element is itself
    let mut t = BtfBuilder::new();
    let int = t.add_int("int", 4, INT_SIGNED);
    let a = t.next_id();
    t.add_array(a, int, 1);
    t.add_struct("loop", 4, &[("a", a, 0)]);
    if let Ok(targ) = Btf::parse(&t.build()) {
        // The search ends (its depth and work limits bound it) without a match: poisoned.
        let res = try_relo(&local, &[&targ], &r, &mut [add_imm(0)], 0);
        assert!(matches!(res, Ok(CoreOutcome::Poisoned { .. })), "{res:?}");
    }

    // an anonymous struct containing itself: the search stops at 64 levels
    let mut t = BtfBuilder::new();
    let anon = t.next_id();
    t.add_struct("", 4, &[("", anon, 0)]);
    t.add_struct("loop", 4, &[("", anon, 0)]);
    let targ = Btf::parse(&t.build()).unwrap();
    let err = try_relo(&local, &[&targ], &r, &mut [add_imm(0)], 0).unwrap_err();
    assert_eq!(err.errno(), libc::E2BIG, "{err}");
    assert!(err.message().contains("nesting exceeds 64"), "{err}");
}

#[test]
fn exponential_target_btf_is_bounded() {
    // X0 { X1; X1 }, X1 { X2; X2 }, … X40 { int b }: 2^40 paths to search for `a`
    let (local, r) = local_loop("0:0", BPF_CORE_FIELD_BYTE_OFFSET);
    let mut t = BtfBuilder::new();
    let int = t.add_int("int", 4, INT_SIGNED);
    let mut next = t.add_struct("", 4, &[("b", int, 0)]);
    for _ in 0..40 {
        next = t.add_struct("", 4, &[("", next, 0), ("", next, 0)]);
    }
    t.add_struct("loop", 4, &[("", next, 0)]);
    let targ = Btf::parse(&t.build()).unwrap();
    let err = try_relo(&local, &[&targ], &r, &mut [add_imm(0)], 0).unwrap_err();
    assert!(err.message().contains("work limit"), "{err}");

    // the same shape for TYPE_MATCHES: members named alike, recursing twice per level
    let mut l = BtfBuilder::new();
    let lint = l.add_int("int", 4, INT_SIGNED);
    let mut ln = l.add_struct("", 4, &[("v", lint, 0)]);
    let mut t = BtfBuilder::new();
    let tint = t.add_int("unsigned int", 4, 0);
    let mut tn = t.add_struct("", 4, &[("v", tint, 0)]);
    for _ in 0..30 {
        ln = l.add_struct("", 4, &[("m", ln, 0)]);
        tn = t.add_struct("", 4, &[("m", tn, 0), ("m", tn, 0)]);
    }
    let root = l.add_struct("loop", 4, &[("m", ln, 0)]);
    let off = l.add_str("0");
    t.add_struct("loop", 4, &[("m", tn, 0)]);
    let local = Btf::parse(&l.build()).unwrap();
    let targ = Btf::parse(&t.build()).unwrap();
    let r = CoreRelo { insn_off: 0, type_id: root, access_str_off: off, kind: BPF_CORE_TYPE_MATCHES };
    let res = try_relo(&local, &[&targ], &r, &mut [add_imm(1)], 0);
    // 2^30 paths: the work limit ends it (or, were it smaller, "no match")
    match res {
        Err(e) => assert!(e.message().contains("work limit") || e.message().contains("too deep"), "{e}"),
        Ok(o) => assert_eq!(o, CoreOutcome::Patched),
    }
}

/// xorshift64*
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A random but parseable BTF: types referencing earlier or later ids at random (loops
/// included), names drawn from a small pool so candidates collide, bitfields and flavors.
fn random_btf(rng: &mut Rng, n: u32) -> BtfBuilder {
    const NAMES: [&str; 8] = ["", "s", "s___a", "t", "t___b", "a", "b", "e"];
    let mut b = BtfBuilder::new();
    b.add_int("int", 4, INT_SIGNED);
    let max = n + 2;
    for _ in 0..n {
        let k = rng.below(12);
        let name = NAMES[rng.below(NAMES.len() as u64) as usize];
        match k {
            0 => {
                let sz = [1, 2, 4, 8][rng.below(4) as usize];
                b.add_int(name, sz, if rng.below(2) == 0 { INT_SIGNED } else { 0 });
            }
            1 => {
                let to = 1 + rng.below(max as u64) as u32;
                b.add_ptr(to);
            }
            2 => {
                let (e, i) = (1 + rng.below(max as u64) as u32, 1 + rng.below(max as u64) as u32);
                b.add_array(e, i, rng.below(5) as u32);
            }
            3..=5 => {
                let vlen = rng.below(4) as usize;
                let kflag = rng.below(2) == 0;
                let ms: Vec<(&str, u32, u32)> = (0..vlen)
                    .map(|_| {
                        let mut off = rng.below(256) as u32;
                        if kflag && rng.below(2) == 0 {
                            off |= (1 + rng.below(70) as u32) << 24;
                        }
                        (NAMES[rng.below(NAMES.len() as u64) as usize], 1 + rng.below(max as u64) as u32, off)
                    })
                    .collect();
                let kind = if k == 5 { Kind::Union } else { Kind::Struct };
                b.add_composite(kind, name, rng.below(64) as u32, kflag, &ms);
            }
            6 => {
                let vals: Vec<(&str, i64)> = (0..rng.below(4))
                    .map(|i| (["E0", "E1", "E1___x", "E2"][i as usize], rng.next() as i32 as i64))
                    .collect();
                b.add_enum(name, [1, 2, 4, 8][rng.below(4) as usize], rng.below(2) == 0, &vals);
            }
            7 => {
                let vals: Vec<(&str, u64)> =
                    (0..rng.below(4)).map(|i| (["E0", "E1", "E1___x", "E2"][i as usize], rng.next())).collect();
                b.add_enum64(name, 8, rng.below(2) == 0, &vals);
            }
            8 => {
                let to = 1 + rng.below(max as u64) as u32;
                b.add_typedef(if name.is_empty() { "td" } else { name }, to);
            }
            9 => {
                let to = 1 + rng.below(max as u64) as u32;
                b.add_modifier(Kind::Const, "", to);
            }
            10 => {
                let (r, p1, p2) =
                    (rng.below(max as u64) as u32, rng.below(max as u64) as u32, rng.below(max as u64) as u32);
                b.add_func_proto(r, &[("", p1), ("", p2)]);
            }
            _ => {
                b.add_fwd(if name.is_empty() { "s" } else { name }, rng.below(2) == 0);
            }
        }
    }
    b
}

#[test]
fn fuzz_random_btf_and_relocations() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut ran, mut parsed) = (0, 0);
    while ran < 3000 {
        let n = 2 + rng.below(20) as u32;
        let mut lb = random_btf(&mut rng, n);
        let accesses: Vec<u32> = (0..6)
            .map(|_| {
                let depth = 1 + rng.below(5);
                let s: Vec<String> = (0..depth).map(|_| rng.below(5).to_string()).collect();
                lb.add_str(&s.join(":"))
            })
            .collect();
        let zero = lb.add_str("0");
        let tn = 2 + rng.below(20) as u32;
        let tb = random_btf(&mut rng, tn);
        let (Ok(local), Ok(targ)) = (Btf::parse(&lb.build()), Btf::parse(&tb.build())) else { continue };
        parsed += 1;
        let targets = CoreTargets { btfs: vec![&targ] };
        let mut cache = CandCache::new();
        let mut insns: Vec<u64> = (0..4).map(|_| rng.next()).collect();
        for i in 0..8 {
            let r = CoreRelo {
                insn_off: 8 * rng.below(5) as u32,
                type_id: rng.below(local.type_cnt() as u64 + 2) as u32,
                access_str_off: if rng.below(4) == 0 { zero } else { accesses[rng.below(6) as usize] },
                kind: rng.below(14) as u32,
            };
            // a plausible instruction at the target slot now and then
            let idx = (r.insn_off / 8) as usize;
            if idx < insns.len() && rng.below(2) == 0 {
                insns[idx] = add_imm(rng.below(64) as i32);
            }
            let res = catch_unwind(AssertUnwindSafe(|| {
                relocate_insn_idx(&local, &r, i, &mut insns, idx, &targets, &mut cache, "fuzz")
            }));
            match res {
                Ok(Err(e)) => assert!(!e.message().is_empty(), "errors carry a message"),
                Ok(Ok(_)) => {}
                Err(_) => panic!("panic: relo {r:?}, local {:?}, target {:?}", lb.build(), tb.build()),
            }
            ran += 1;
        }
    }
    assert!(parsed > 50, "the generator should produce parseable BTF ({parsed})");
}
