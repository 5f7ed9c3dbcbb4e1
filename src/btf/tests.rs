//! Unit tests on hand-built blobs (see `builder`). Real clang output, vmlinux, hostile input and
//! the C exports are covered in `tests/btf_*.rs`.

use super::builder::BtfBuilder;
use super::*;

/// int, unsigned long, struct s { int a; long *p; int arr[4]; u32 bf:3 (kflag) }, typedef, const,
/// enums, func, datasec.
fn sample() -> (Vec<u8>, BtfBuilder) {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, INT_SIGNED); // 1
    let ulong = b.add_int("unsigned long", 8, 0); // 2
    let pulong = b.add_ptr(ulong); // 3
    let arr = b.add_array(int, int, 4); // 4
    let s = b.add_composite(
        Kind::Struct,
        "s",
        32,
        true,
        &[("a", int, 0), ("p", pulong, 64), ("arr", arr, 128), ("bf", int, (3 << 24) | 256)],
    ); // 5
    let td = b.add_typedef("s_t", s); // 6
    let c = b.add_modifier(Kind::Const, "", td); // 7
    b.add_enum("e", 4, true, &[("NEG", -1), ("POS", 7)]); // 8
    b.add_enum64("e64", 8, false, &[("BIG", 0xffff_ffff_0000_0001)]); // 9
    let proto = b.add_func_proto(int, &[("x", c), ("", 0)]); // 10
    b.add_func("f", proto, FUNC_GLOBAL); // 11
    let v = b.add_var("g", int, VAR_GLOBAL_ALLOCATED); // 12
    b.add_datasec(".data", 0, &[(v, 0, 4)]); // 13
    b.add_struct("s", 0, &[]); // 14: same name, later id
    b.add_fwd("u", true); // 15
    (b.build(), b)
}

#[test]
fn decodes_every_kind() {
    let (raw, _) = sample();
    let btf = Btf::parse(&raw).unwrap();
    assert_eq!(btf.start_id(), 1);
    assert_eq!(btf.type_cnt(), 16);
    let v = btf.ty(0).unwrap();
    assert!(v.is_void() && v.size_or_type == 0);
    assert!(btf.ty(16).is_none());

    let int = btf.ty(1).unwrap();
    assert_eq!((int.kind, int.name, int.size()), (Kind::Int, "int", Some(4)));
    assert_eq!(int.int(), Some((INT_SIGNED, 0, 32)));

    let s = btf.ty(5).unwrap();
    assert!(s.is_composite());
    let m: Vec<_> = s.members().unwrap().iter().map(|m| (m.name, m.type_id, m.bit_offset, m.bitfield_size)).collect();
    assert_eq!(m, vec![("a", 1, 0, 0), ("p", 3, 64, 0), ("arr", 4, 128, 0), ("bf", 1, 256, 3)]);
    assert_eq!(format!("{s}"), "[5] STRUCT 's'");

    let e = btf.ty(8).unwrap();
    let vals: Vec<_> = e.enum_values().unwrap().iter().map(|v| (v.name, v.as_i64())).collect();
    assert_eq!(vals, vec![("NEG", -1), ("POS", 7)]);
    let e64 = btf.ty(9).unwrap().enum_values().unwrap().get(0).unwrap();
    assert_eq!((e64.as_u64(), e64.signed), (0xffff_ffff_0000_0001, false));

    let p = btf.ty(10).unwrap();
    assert_eq!(p.ref_type(), Some(1));
    let ps: Vec<_> = p.params().unwrap().iter().map(|p| (p.name, p.type_id)).collect();
    assert_eq!(ps, vec![("x", 7), ("", 0)]);
    assert_eq!(btf.ty(11).unwrap().linkage(), Some(FUNC_GLOBAL));
    assert_eq!(btf.ty(12).unwrap().linkage(), Some(VAR_GLOBAL_ALLOCATED));
    let ds = btf.ty(13).unwrap().secinfos().unwrap();
    assert_eq!(ds.get(0), Some(VarSecinfo { type_id: 12, offset: 0, size: 4 }));
    assert!(btf.ty(15).unwrap().is_fwd_union());
    assert_eq!(btf.types().count(), 15);
}

#[test]
fn lookups_and_resolution() {
    let (raw, _) = sample();
    let btf = Btf::parse(&raw).unwrap();
    assert_eq!(btf.find_by_name_kind("s", Kind::Struct), Some(5));
    assert_eq!(btf.find_by_name("s"), Some(5));
    assert_eq!(btf.find_by_name_kind("s", Kind::Typedef), None);
    assert_eq!(btf.find_by_name_kind("s_t", Kind::Typedef), Some(6));
    assert_eq!(btf.find_by_name_kind("void", Kind::Struct), Some(0));
    assert_eq!(btf.find_by_name_kind("anything", Kind::Unkn), Some(0));
    assert_eq!(btf.find_by_name("nope"), None);
    assert_eq!(btf.skip_mods_and_typedefs(7).map(|(id, t)| (id, t.kind)), Some((5, Kind::Struct)));
    assert_eq!(btf.resolve_type(7).unwrap(), 5);
    assert_eq!(btf.resolve_type(12).unwrap(), 1);
    assert_eq!(btf.resolve_size(7).unwrap(), 32);
    assert_eq!(btf.resolve_size(4).unwrap(), 16);
    assert_eq!(btf.resolve_size(3).unwrap(), 8);
    assert_eq!(btf.resolve_size(12).unwrap(), 4);
    assert_eq!(btf.resolve_size(0).unwrap_err().errno(), libc::EINVAL);
    assert_eq!(btf.resolve_size(11).unwrap_err().errno(), libc::EINVAL);
    assert_eq!(btf.resolve_size(15).unwrap_err().errno(), libc::EINVAL);
    assert_eq!(btf.pointer_size(), Some(8));
    assert_eq!(btf.align_of(5).unwrap(), 8);
    assert_eq!(btf.align_of(1).unwrap(), 4);
    assert!(btf.align_of(11).is_err());
    assert_eq!(btf.str_at(0), Some(""));
    assert!(btf.str_at(raw.len() as u32).is_none());
}

#[test]
fn datasec_lookups_follow_changes() {
    let (raw, _) = sample();
    let mut btf = Btf::parse(&raw).unwrap();
    assert_eq!(btf.data.datasecs.as_deref(), Some(&[13][..]), "listed by the parse's walk");
    assert_eq!((btf.ids_of_kind(Kind::Datasec), btf.find_by_name_kind(".data", Kind::Datasec)), (vec![13], Some(13)));
    assert_eq!(btf.find_by_name_kind(".bss", Kind::Datasec), None);
    btf.set_datasec_size(13, 64).unwrap();
    btf.set_datasec_var_offset(13, 0, 8).unwrap();
    assert!(btf.data.datasecs.is_some(), "sizes and offsets keep the list");
    assert_eq!(btf.find_by_name_kind(".data", Kind::Datasec), Some(13));
    let mut rekinded = btf.clone();
    let info = rekinded.type_record(13).unwrap()[1];
    rekinded.write_record_word(13, 1, (info & !(0x1f << 24)) | ((Kind::Struct as u32) << 24)).unwrap();
    assert!(rekinded.data.datasecs.is_none(), "a kind rewritten forgets the list");
    assert_eq!(rekinded.find_by_name_kind(".data", Kind::Datasec), None);
    let bss = btf.add_datasec(Some(b".bss"), 0).unwrap();
    assert!(btf.data.datasecs.is_none(), "a change forgets the list");
    assert_eq!(
        (btf.ids_of_kind(Kind::Datasec), btf.find_by_name_kind(".bss", Kind::Datasec)),
        (vec![13, bss], Some(bss))
    );
    let mut renamed = Btf::parse(&raw).unwrap();
    let g = renamed.ty(12).unwrap().name_off;
    renamed.set_name_off(13, g).unwrap();
    assert_eq!(renamed.find_by_name_kind(".data", Kind::Datasec), None);
    assert_eq!(renamed.find_by_name_kind("g", Kind::Datasec), Some(13));
}

#[test]
fn datasec_mutations_reach_raw_data() {
    let (raw, _) = sample();
    let mut btf = Btf::parse(&raw).unwrap();
    let shared = btf.clone();
    btf.set_datasec_size(13, 64).unwrap();
    btf.set_datasec_var_offset(13, 0, 16).unwrap();
    assert_eq!(btf.ty(13).unwrap().size(), Some(64));
    assert_eq!(btf.ty(13).unwrap().secinfos().unwrap().get(0).unwrap().offset, 16);
    let off = btf.type_offset(13).unwrap();
    assert_eq!(rd_u32(btf.raw_data(), off + 8), Some(64));
    assert_eq!(rd_u32(btf.raw_data(), off + 16), Some(16));
    // re-parsing the mutated bytes gives the same answer; the clone kept the original
    assert_eq!(Btf::parse(btf.raw_data()).unwrap().ty(13).unwrap().size(), Some(64));
    assert_eq!(shared.ty(13).unwrap().size(), Some(0));
    assert!(btf.set_datasec_var_offset(13, 1, 0).is_err());
    assert!(btf.set_datasec_size(12, 1).unwrap_err().message().contains("VAR 'g'"));
    assert!(btf.set_datasec_size(99, 1).is_err());
}

#[test]
fn split_ids_and_strings_continue() {
    let (raw, _) = sample();
    let base = Arc::new(Btf::parse(&raw).unwrap());
    let mut sb = BtfBuilder::new_split(&base);
    let int_name = base.ty(1).unwrap().name_off;
    // reuse a base string by offset, and add new ones
    let m = sb.add_struct("mod_s", 8, &[("x", 1, 0)]);
    let p = sb.add_ptr(m);
    sb.add_raw(&[int_name, (Kind::Typedef as u32) << 24, p]);
    let split_raw = sb.build();
    let split = Btf::parse_split(&split_raw, base.clone()).unwrap();
    assert_eq!(split.start_id(), 16);
    assert_eq!(split.type_cnt(), 19);
    assert_eq!(m, 16);
    assert_eq!(split.ty(16).unwrap().name, "mod_s");
    assert_eq!(split.ty(18).unwrap().name, "int");
    assert_eq!(split.ty(5).unwrap().name, "s"); // from the base
    assert_eq!(split.start_str_off(), base.header().str_len);
    assert_eq!(split.str_at(int_name), Some("int"));
    assert_eq!(split.find_by_name_kind("int", Kind::Int), Some(1));
    assert_eq!(split.find_by_name_kind("mod_s", Kind::Struct), Some(16));
    assert_eq!(split.find_by_name_kind_own("int", Kind::Int), None);
    assert_eq!(split.find_by_name("int"), Some(1));
    assert_eq!(split.resolve_size(18).unwrap(), 8);
    assert_eq!(split.type_offset(5), None);
    assert_eq!(split.type_offset(16), Some(HEADER_LEN));
    assert!(std::ptr::eq(split.type_record(5).unwrap(), base.type_record(5).unwrap()));
    // split data without its base is rejected
    let e = Btf::parse(&split_raw).unwrap_err();
    assert!(e.message().contains("split BTF"), "{e}");
    // a split of the split
    let mut sb2 = BtfBuilder::new_split(&split);
    sb2.add_typedef("t2", 17);
    let s2 = Btf::parse_split(&sb2.build(), Arc::new(split)).unwrap();
    assert_eq!(s2.start_id(), 19);
    assert_eq!(s2.ty(19).unwrap().name, "t2");
    assert_eq!(s2.resolve_size(19).unwrap(), 8);
    assert_eq!(s2.find_by_name("mod_s"), Some(16));
}

fn err_of(raw: &[u8]) -> String {
    Btf::parse(raw).unwrap_err().message().to_owned()
}

#[test]
fn malformed_types_are_named() {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 0);
    b.add_struct("foo", 4, &[("a", int, 0), ("b", 9999, 32)]);
    assert_eq!(err_of(&b.build()), "btf: type [2]: invalid referenced type ID 9999");

    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 0);
    b.add_func("f", int, 0);
    assert!(err_of(&b.build()).contains("btf: type [2]: referenced type [1] is not FUNC_PROTO"));

    let mut b = BtfBuilder::new();
    b.add_raw(&[1 << 20, (Kind::Int as u32) << 24, 4, 32]);
    assert!(err_of(&b.build()).contains("btf: type [1]: invalid type name (string offset 1048576)"));

    let mut b = BtfBuilder::new();
    b.add_raw(&[0, 25 << 24, 0]);
    assert!(err_of(&b.build()).contains("unknown kind 25"));

    let mut b = BtfBuilder::new();
    b.add_raw(&[0, 0, 0]);
    assert!(err_of(&b.build()).contains("unknown kind 0"));

    let mut b = BtfBuilder::new();
    b.add_raw(&[0, ((Kind::Struct as u32) << 24) | 0xffff, 4]);
    assert!(err_of(&b.build()).contains("STRUCT with vlen 65535 needs 786432 bytes"));

    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 0);
    b.add_raw(&[0, (Kind::Array as u32) << 24, 0, int, 77, 1]);
    assert!(err_of(&b.build()).contains("btf: type [2]: invalid referenced type ID 77"));
}

/// What libbpf's btf_sanity_check lets through is accepted, and read without panicking: an
/// unknown FUNC linkage, a FUNC_PROTO return type id out of range, names that are not UTF-8.
#[test]
fn libbpf_leniencies_are_accepted() {
    let mut b = BtfBuilder::new();
    let p = b.add_func_proto(0, &[]);
    b.add_func("f", p, 7);
    Btf::parse(&b.build()).expect("unknown linkage is the kernel's to judge");

    let mut b = BtfBuilder::new();
    let p = b.add_func_proto(0x7fff_0000, &[]);
    b.add_func("g", p, 1);
    let btf = Btf::parse(&b.build()).expect("FUNC_PROTO return id out of range");
    assert!(btf.ty(0x7fff_0000).is_none());
    let _ = btf.resolve_size(p); // must not panic

    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 0);
    b.add_struct("s\u{e9}t", 4, &[("mem", int, 0)]);
    let mut raw = b.build();
    // "sét" in UTF-8 is 73 c3 a9 74: make it 73 ff a9 74
    let at = raw.windows(4).position(|w| w == [0x73, 0xc3, 0xa9, 0x74]).expect("name bytes") + 1;
    raw[at] = 0xff;
    let btf = Btf::parse(&raw).expect("a name that is not UTF-8");
    let t = btf.ty(2).expect("the struct");
    assert_eq!(t.name, "", "a name that is not UTF-8 reads as empty");
    assert_eq!(btf.str_bytes_at(t.name_off), Some(&[0x73, 0xff, 0xa9, 0x74][..]));
}

#[test]
fn malformed_headers() {
    let (good, _) = sample();
    let with = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut v = good.clone();
        f(&mut v);
        Btf::parse(&v).unwrap_err()
    };
    assert!(with(&|v| v.truncate(10)).message().contains("shorter than the 24-byte header"));
    let e = with(&|v| v.swap(0, 1));
    assert_eq!(e.errno(), libc::EOPNOTSUPP);
    assert!(e.message().contains("non-native endianness"));
    assert!(with(&|v| v[0] = 0).message().contains("bad magic"));
    assert_eq!(with(&|v| v[2] = 2).errno(), libc::EOPNOTSUPP);
    assert!(with(&|v| v[4] = 26).message().contains("not a multiple of 4"));
    assert!(with(&|v| v[4] = 20).message().contains("header length 20"));
    assert!(with(&|v| v[20..24].copy_from_slice(&u32::MAX.to_ne_bytes())).message().contains("extends past the end"));
    // type section overlapping strings
    assert!(with(&|v| {
        let tl = rd_u32(v, 12).unwrap() + 4;
        v[12..16].copy_from_slice(&tl.to_ne_bytes());
    })
    .message()
    .contains("overlaps"));
    assert!(with(&|v| v[8] = 2).message().contains("overlaps") || with(&|v| v[8] = 2).message().contains("aligned"));
    // last string byte not NUL
    assert!(with(&|v| *v.last_mut().unwrap() = b'x').message().contains("does not end with a NUL"));
    // header larger than 24 with garbage
    let mut v = good[..24].to_vec();
    v[4] = 28;
    v.extend_from_slice(&[1, 0, 0, 0]);
    v.extend_from_slice(&good[24..]);
    assert!(Btf::parse(&v).unwrap_err().message().contains("not zero"));
    // ...and with zeros it is fine
    v[24] = 0;
    assert_eq!(Btf::parse(&v).unwrap().type_cnt(), 16);
}

#[test]
fn loops_are_bounded() {
    let mut b = BtfBuilder::new();
    b.add_typedef("a", 2); // 1 -> 2
    b.add_modifier(Kind::Const, "", 1); // 2 -> 1
    b.add_array(3, 0, 2); // 3: array of itself
    let raw = b.build();
    let btf = Btf::parse(&raw).unwrap();
    assert!(btf.skip_mods_and_typedefs(1).is_none());
    assert!(btf.resolve_type(1).unwrap_err().message().contains("loop"));
    assert!(btf.resolve_size(1).unwrap_err().message().contains("loop"));
    assert!(btf.resolve_size(3).is_err());
    assert!(btf.align_of(3).is_err());
}

#[test]
fn resolve_size_overflow_is_e2big() {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 0);
    let a = b.add_array(int, int, 0x4000_0000);
    let raw = b.build();
    let btf = Btf::parse(&raw).unwrap();
    assert_eq!(btf.resolve_size(a).unwrap_err().errno(), libc::E2BIG);
}

#[test]
fn send_sync_clone() {
    fn is<T: Send + Sync + Clone>() {}
    is::<Btf>();
    is::<BtfExt>();
}

#[test]
fn ids_of_kind_match_decoded_kinds() {
    let (raw, _) = sample();
    let btf = Btf::parse(&raw).unwrap();
    assert_eq!(btf.ids_of_kind(Kind::Struct), vec![5, 14]);
    for kind in [Kind::Int, Kind::Func, Kind::Fwd, Kind::DeclTag, Kind::Datasec] {
        let decoded: Vec<u32> = btf.types().filter(|t| t.kind == kind).map(|t| t.id).collect();
        assert_eq!(btf.ids_of_kind(kind), decoded, "{kind}");
    }
    // Split BTF lists the base's ids first.
    let mut split =
        Btf::parse_split(&super::builder::BtfBuilder::new_split(&btf).build(), Arc::new(btf.clone())).unwrap();
    let own = split.add_int(Some(b"own_int"), 4, 0).unwrap();
    assert_eq!(split.ids_of_kind(Kind::Int), vec![1, 2, own]);
    // kind_of reads the same kinds as decoding, base-aware, void as Unkn.
    for id in 0..split.type_cnt() + 1 {
        assert_eq!(split.kind_of(id), split.ty(id).map(|t| t.kind), "[{id}]");
    }
}

#[test]
fn name_lookups_by_scan_and_by_index_agree() {
    let (raw, _) = sample();
    let btf = Btf::parse(&raw).unwrap();
    let queries = [
        ("s", None),
        ("s", Some(Kind::Struct)),
        ("int", Some(Kind::Int)),
        ("u", Some(Kind::Union)),
        ("nope", None),
        ("", None),
        ("s_t", Some(Kind::Typedef)),
        ("f", Some(Kind::Func)),
        ("in", None),
    ];
    let scanned: Vec<_> = queries.iter().map(|&(n, k)| btf.scan_own(n.as_bytes(), k)).collect();
    // Enough rounds to use up the scan budget and go on through the index.
    let rounds = NAME_SCANS as usize / queries.len() + 2;
    let looked_up: Vec<_> = (0..rounds).flat_map(|_| queries.iter().map(|&(n, k)| btf.find_own(n, k))).collect();
    assert!(btf.data.by_name.get().is_some(), "the index was built after the scan budget");
    assert_eq!(looked_up, scanned.repeat(rounds));
    assert_eq!(btf.find_own("s", None), Some(5), "smallest id of the name");
    assert_eq!(btf.find_own("a\0b", None), None);
}

/// The checks the indexing walk gathers (`QuickCheck`) never accept what the full check
/// (`validate`) rejects: every word of the sample's type and string sections, set to values
/// around every boundary, parses only when the full check passes too, and otherwise fails with
/// the full check's message.
#[test]
fn quick_check_never_accepts_what_validate_rejects() {
    let (raw, _) = sample();
    let hdr = Header::parse(&raw).unwrap();
    let ts = hdr.hdr_len as usize + hdr.type_off as usize;
    let te = ts + hdr.type_len as usize;
    let (str_len, cnt) = (hdr.str_len, Btf::parse(&raw).unwrap().type_cnt());
    let values = [0, 1, 2, 3, 9, 10, 11, 13, cnt - 1, cnt, cnt + 1, str_len - 1, str_len, str_len + 1, u32::MAX];
    let (mut accepted, mut rejected) = (0, 0);
    for w in (ts..te).step_by(4) {
        for &v in &values {
            let mut m = raw.clone();
            m[w..w + 4].copy_from_slice(&v.to_le_bytes());
            match Btf::parse(&m) {
                Ok(btf) => {
                    assert!(btf.validate().is_ok(), "word {w} = {v}: parsed, but the full check fails");
                    accepted += 1;
                }
                Err(e) => {
                    rejected += 1;
                    // what the full check says, when the walk itself did not fail first
                    let msg = e.message().to_owned();
                    assert!(!msg.is_empty());
                }
            }
        }
    }
    assert!(accepted > 0 && rejected > 0, "{accepted} accepted, {rejected} rejected");
}

/// Split BTF whose names are in the base's strings takes the full check (the walk only vouches
/// for names in the BTF's own strings) and is accepted; a bad name in it is still named.
#[test]
fn split_names_in_base_strings_take_the_full_check() {
    let (raw, _) = sample();
    let base = std::sync::Arc::new(Btf::parse(&raw).unwrap());
    let mut b = BtfBuilder::new_split(&base);
    let int = b.add_int("mod_int", 4, 0);
    b.add_raw(&[1, (Kind::Typedef as u32) << 24, int]); // name at base offset 1
    let split = Btf::parse_split(&b.build(), base.clone()).unwrap();
    assert_eq!(split.ty(split.type_cnt() - 1).unwrap().kind, Kind::Typedef);
    let mut b = BtfBuilder::new_split(&base);
    b.add_raw(&[u32::MAX - 3, (Kind::Typedef as u32) << 24, 1]);
    let msg = Btf::parse_split(&b.build(), base).unwrap_err().message().to_owned();
    assert!(msg.contains("invalid type name"), "{msg}");
}
