//! .BTF and .BTF.ext of real clang-19 BPF objects built from tests/fixtures/btf/*.c.
//! Skips (with a message) when clang-19 is not installed.

mod common;

use oxbpf::btf::{Btf, BtfExt, Kind, VarSecinfo, VAR_GLOBAL_ALLOCATED};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A file of this test's own, deleted when dropped.
struct Obj(PathBuf);

impl Drop for Obj {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl std::ops::Deref for Obj {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

/// A fixture's object (compiled once, cached; shared, so read only); `None` (skip) without clang-19.
fn compile(name: &str) -> Option<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/btf").join(format!("{name}.c"));
    common::bpf_object(&format!("{name}.o"), &src, &[])
}

fn load(name: &str) -> Option<(PathBuf, Btf, BtfExt)> {
    let obj = compile(name)?;
    let (btf, ext) = Btf::parse_elf_file(&*obj, None, true).expect("parse .BTF/.BTF.ext");
    Some((obj, btf, ext.expect(".BTF.ext present")))
}

fn named<'a>(btf: &'a Btf, name: &str, kind: Kind) -> oxbpf::btf::Type<'a> {
    let id = btf.find_by_name_kind(name, kind).unwrap_or_else(|| panic!("{kind} '{name}' missing"));
    btf.ty(id).unwrap()
}

#[test]
fn struct_members_and_kinds() {
    let Some((_, btf, _)) = load("maps_globals") else { return };
    assert_eq!(btf.pointer_size(), Some(8));
    let ev = named(&btf, "event", Kind::Struct);
    assert_eq!(ev.size(), Some(48));
    assert!(ev.kflag, "clang marks structs with bitfields");
    let ms: Vec<_> = ev.members().unwrap().iter().map(|m| (m.name, m.bit_offset, m.bitfield_size)).collect();
    assert_eq!(
        ms,
        [("pid", 0, 0), ("ts", 64, 0), ("comm", 128, 0), ("flag", 256, 1), ("kind", 257, 3), ("ratio", 320, 0)]
    );
    let comm = ev.members().unwrap().get(2).unwrap();
    assert_eq!(btf.resolve_size(comm.type_id).unwrap(), 16);
    let ratio = ev.members().unwrap().get(5).unwrap();
    assert_eq!(btf.ty(ratio.type_id).unwrap().kind, Kind::Float);
    assert_eq!(btf.align_of(ev.id).unwrap(), 8);
    assert_eq!(btf.resolve_size(ev.id).unwrap(), 48);

    let big = named(&btf, "big", Kind::Enum64);
    let vals: Vec<_> = big.enum_values().unwrap().iter().map(|v| (v.name, v.as_u64())).collect();
    assert_eq!(vals, [("BIG_ONE", 1), ("BIG_HUGE", 0xff_ffff_fff0)]);
    let small = named(&btf, "small", Kind::Enum);
    assert!(small.kflag);
    let vals: Vec<_> = small.enum_values().unwrap().iter().map(|v| (v.name, v.as_i64())).collect();
    assert_eq!(vals, [("SMALL_NEG", -2), ("SMALL_POS", 5)]);

    // decl tags on a VAR and on a FUNC, a type tag under a pointer
    let hot = named(&btf, "hot", Kind::DeclTag);
    assert_eq!(btf.ty(hot.ref_type().unwrap()).unwrap().name, "small_val");
    let sub = named(&btf, "sub", Kind::DeclTag);
    assert_eq!(btf.ty(sub.ref_type().unwrap()).unwrap().name, "helper");
    let tp = named(&btf, "tagged_ptr", Kind::Var);
    let p = btf.ty(tp.ref_type().unwrap()).unwrap();
    assert_eq!(p.kind, Kind::Ptr);
    let tag = btf.ty(p.ref_type().unwrap()).unwrap();
    assert_eq!((tag.kind, tag.name), (Kind::TypeTag, "user"));
    assert_eq!(btf.skip_mods_and_typedefs(tag.id).unwrap().1.name, "int");

    let helper = named(&btf, "helper", Kind::Func);
    assert_eq!(helper.linkage(), Some(0));
    let proto = btf.ty(helper.ref_type().unwrap()).unwrap();
    let ps: Vec<_> = proto.params().unwrap().iter().map(|p| p.name).collect();
    assert_eq!(ps, ["x"]);
}

#[test]
fn datasecs_and_map_definition() {
    let Some((_, mut btf, _)) = load("maps_globals") else { return };
    let vars = |btf: &Btf, sec: &str| -> Vec<(String, VarSecinfo)> {
        let ds = named(btf, sec, Kind::Datasec);
        ds.secinfos().unwrap().iter().map(|v| (btf.ty(v.type_id).unwrap().name.to_owned(), v)).collect()
    };
    let bss: Vec<_> = vars(&btf, ".bss").into_iter().map(|(n, v)| (n, v.size)).collect();
    assert_eq!(bss, [("zeroed".into(), 8), ("big_val".into(), 8), ("small_val".into(), 4), ("tagged_ptr".into(), 8)]);
    let data = vars(&btf, ".data");
    assert_eq!(data.len(), 1);
    assert_eq!(data[0].0, "counter");
    let cfg = named(&btf, "cfg", Kind::Var);
    assert_eq!(cfg.linkage(), Some(VAR_GLOBAL_ALLOCATED));
    let c = btf.ty(cfg.ref_type().unwrap()).unwrap();
    assert_eq!(c.kind, Kind::Const);
    assert_eq!(btf.ty(c.ref_type().unwrap()).unwrap().kind, Kind::Volatile);
    assert_eq!(btf.resolve_type(cfg.id).map(|id| btf.ty(id).unwrap().name).unwrap(), "int");

    // The .maps variable: an anonymous struct whose int-valued fields are pointers to arrays.
    let events = named(&btf, "events", Kind::Var);
    let def = btf.ty(events.ref_type().unwrap()).unwrap();
    let uint = |m: &str| {
        let m = def.members().unwrap().iter().find(|x| x.name == m).unwrap();
        let p = btf.ty(m.type_id).unwrap();
        btf.ty(p.ref_type().unwrap()).unwrap().array().unwrap().2
    };
    assert_eq!((uint("type"), uint("max_entries")), (1, 128));
    let value = def.members().unwrap().iter().find(|x| x.name == "value").unwrap();
    let vt = btf.ty(btf.ty(value.type_id).unwrap().ref_type().unwrap()).unwrap();
    assert_eq!(vt.name, "event");

    // The loader's fixups: DATASEC size and variable offsets, visible in raw_data().
    let bss_id = btf.find_by_name_kind(".bss", Kind::Datasec).unwrap();
    assert_eq!(btf.ty(bss_id).unwrap().size(), Some(0));
    btf.set_datasec_size(bss_id, 32).unwrap();
    for (i, off) in [0u32, 8, 16, 24].into_iter().enumerate() {
        btf.set_datasec_var_offset(bss_id, i, off).unwrap();
    }
    let again = Btf::parse(btf.raw_data()).unwrap();
    let ds = again.ty(bss_id).unwrap();
    assert_eq!(ds.size(), Some(32));
    assert_eq!(ds.secinfos().unwrap().iter().map(|v| v.offset).collect::<Vec<_>>(), [0, 8, 16, 24]);
}

#[test]
fn func_and_line_info() {
    let Some((_, btf, ext)) = load("maps_globals") else { return };
    let mut secs: Vec<&str> = ext.sections().collect();
    secs.sort();
    assert_eq!(secs, [".text", "kprobe/do_sys_open", "tp/syscalls/sys_enter_write"]);
    let func = |sec: &str| -> Vec<(u32, String)> {
        let fi = ext.func_info(sec).unwrap();
        assert_eq!(fi.rec_size, 8);
        assert_eq!(fi.raw.len(), fi.records.len() * 8);
        fi.records.iter().map(|r| (r.insn_off, btf.ty(r.type_id).unwrap().name.to_owned())).collect()
    };
    assert_eq!(func("tp/syscalls/sys_enter_write"), [(0, "handle_write".to_owned())]);
    assert_eq!(func("kprobe/do_sys_open"), [(0, "handle_open".to_owned())]);
    assert_eq!(func(".text"), [(0, "helper".to_owned())]);
    assert!(ext.func_info("nope").is_none());

    let src =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/btf/maps_globals.c")).unwrap();
    let nlines = src.lines().count() as u32;
    for sec in ["tp/syscalls/sys_enter_write", "kprobe/do_sys_open", ".text"] {
        let li = ext.line_info(sec).unwrap();
        assert_eq!(li.rec_size, 16);
        assert!(!li.records.is_empty());
        let mut prev = 0;
        for r in li.records {
            assert!(btf.str_at(r.file_name_off).unwrap().ends_with("maps_globals.c"));
            assert!(r.line() >= 1 && r.line() <= nlines, "line {} out of file", r.line());
            assert_eq!(r.insn_off % 8, 0);
            assert!(r.insn_off >= prev);
            prev = r.insn_off;
            let text = btf.str_at(r.line_off).unwrap();
            if !text.is_empty() {
                assert_eq!(text.trim(), src.lines().nth(r.line() as usize - 1).unwrap().trim());
            }
        }
    }
    assert!(ext.core_relos("kprobe/do_sys_open").is_none());
}

#[test]
fn core_relocations() {
    let Some((_, btf, ext)) = load("core") else { return };
    let relos = ext.core_relos("kprobe/core").expect("CO-RE relos for kprobe/core");
    assert!(relos.len() >= 3, "{relos:?}");
    let mut specs: Vec<&str> = relos
        .iter()
        .map(|r| {
            assert_eq!(btf.ty(r.type_id).unwrap().name, "task_struct");
            assert_eq!(r.kind, 0, "FIELD_BYTE_OFFSET");
            assert_eq!(r.insn_off % 8, 0);
            btf.str_at(r.access_str_off).unwrap()
        })
        .collect();
    specs.sort();
    specs.dedup();
    assert_eq!(specs, ["0:0", "0:1", "0:2"]);
    assert_eq!(ext.core_relo_set("kprobe/core").unwrap().rec_size, 16);
    assert!(ext.sections().any(|s| s == "kprobe/core"));
}

/// Every type of the fixtures decodes exactly as bpftool prints it.
#[test]
fn matches_bpftool() {
    for name in ["maps_globals", "core"] {
        let Some((obj, btf, _)) = load(name) else { return };
        let Ok(out) = Command::new("/usr/sbin/bpftool").args(["btf", "dump", "file"]).arg(&*obj).output() else {
            crate::skip!("bpftool not available");
            return;
        };
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let theirs = String::from_utf8(out.stdout).unwrap();
        let ours: String = (1..btf.type_cnt()).map(|id| btf.dump_raw(id).unwrap() + "\n").collect();
        assert_eq!(ours, theirs, "{name}");
    }
}

/// btf__parse-style detection: the same object via parse_file, and an ELF without .BTF.
#[test]
fn file_entry_points() {
    let Some(obj) = compile("core") else { return };
    let (b, ext) = Btf::parse_file(&*obj, None, false).unwrap();
    assert!(ext.is_none());
    assert!(b.find_by_name_kind("core_prog", Kind::Func).is_some());
    let e = Btf::parse_raw_file(&*obj, None).unwrap_err();
    assert_eq!(e.errno(), libc::EPROTO);
    // strip .BTF: no .BTF section is ENODATA
    let stripped = Obj(Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("btf-core-{}.nobtf.o", std::process::id())));
    let ok = Command::new("llvm-objcopy-19")
        .arg("--remove-section=.BTF")
        .arg("--remove-section=.BTF.ext")
        .arg(&*obj)
        .arg(&*stripped)
        .status();
    if matches!(ok, Ok(s) if s.success()) {
        assert_eq!(Btf::parse_elf_file(&*stripped, None, true).unwrap_err().errno(), libc::ENODATA);
    }
    assert_eq!(Btf::parse_file("/nonexistent/x.o", None, false).unwrap_err().errno(), libc::ENOENT);
}
