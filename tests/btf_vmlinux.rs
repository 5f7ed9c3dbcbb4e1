//! The running kernel's BTF (/sys/kernel/btf/vmlinux) as a large real-world parse test. Skips
//! with a message when the file is absent.

use oxbpf::btf::{Btf, Kind};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

mod common;

const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

fn vmlinux() -> Option<Arc<Btf>> {
    if !Path::new(VMLINUX).exists() {
        crate::skip!("{VMLINUX} not present");
        return None;
    }
    let t = Instant::now();
    let b = Btf::vmlinux().expect("vmlinux BTF parses");
    eprintln!("vmlinux: {} types, parsed/cached in {:?}", b.type_cnt(), t.elapsed());
    Some(b)
}

#[test]
fn cached_once() {
    let Some(a) = vmlinux() else { return };
    let b = Btf::vmlinux().unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(a.start_id(), 1);
    assert!(a.base().is_none());
    assert!(a.type_cnt() > 10_000);
    assert_eq!(a.raw_data(), &std::fs::read(VMLINUX).unwrap()[..]);
}

#[test]
fn well_known_types() {
    let Some(btf) = vmlinux() else { return };
    let ts = btf.find_by_name_kind("task_struct", Kind::Struct).expect("task_struct");
    let t = btf.ty(ts).unwrap();
    assert_eq!((t.kind, t.name), (Kind::Struct, "task_struct"));
    let names: Vec<&str> = t.members().unwrap().iter().map(|m| m.name).collect();
    for want in ["pid", "tgid", "comm", "real_parent", "mm"] {
        assert!(names.contains(&want), "task_struct lacks {want}");
    }
    assert_eq!(btf.resolve_size(ts).unwrap(), t.size().unwrap());

    let wrapper = btf.find_by_name_kind("bpf_struct_ops_tcp_congestion_ops", Kind::Struct).expect("struct_ops wrapper");
    let w = btf.ty(wrapper).unwrap();
    let data = w.members().unwrap().iter().find(|m| m.name == "data").expect("wrapper.data");
    let (cc_id, cc) = btf.skip_mods_and_typedefs(data.type_id).unwrap();
    assert_eq!((cc.kind, cc.name), (Kind::Struct, "tcp_congestion_ops"));
    assert_eq!(btf.find_by_name_kind("tcp_congestion_ops", Kind::Struct), Some(cc_id));
    let names: Vec<&str> = cc.members().unwrap().iter().map(|m| m.name).collect();
    for want in ["ssthresh", "cong_avoid", "undo_cwnd", "init", "release", "name", "owner"] {
        assert!(names.contains(&want), "tcp_congestion_ops lacks {want}: {names:?}");
    }
    let name = cc.members().unwrap().iter().find(|m| m.name == "name").unwrap();
    assert_eq!(btf.resolve_size(name.type_id).unwrap(), 16); // char name[TCP_CA_NAME_MAX]

    let int = btf.find_by_name_kind("int", Kind::Int).unwrap();
    assert_eq!(btf.resolve_size(int).unwrap(), 4);
    let u64t = btf.find_by_name_kind("u64", Kind::Typedef).unwrap();
    assert_eq!(btf.resolve_size(u64t).unwrap(), 8);
    assert_eq!(btf.resolve_type(u64t).map(|id| btf.ty(id).unwrap().kind).unwrap(), Kind::Int);
    assert_eq!(btf.pointer_size(), Some(8));
    let lh = btf.find_by_name_kind("list_head", Kind::Struct).unwrap();
    assert_eq!(btf.resolve_size(lh).unwrap(), 16);
    assert_eq!(btf.align_of(lh).unwrap(), 8);
    assert!(btf.find_by_name_kind("no_such_type_hopefully", Kind::Struct).is_none());
    let percpu = btf.find_by_name_kind(".data..percpu", Kind::Datasec).unwrap();
    assert!(btf.ty(percpu).unwrap().secinfos().unwrap().len() > 10);
}

/// The sorted name index agrees with a linear scan (smallest id of that name and kind).
#[test]
fn name_index_matches_linear_scan() {
    let Some(btf) = vmlinux() else { return };
    let all: Vec<_> = btf.types().map(|t| (t.id, t.kind, t.name)).collect();
    let t = Instant::now();
    let mut n = 0;
    for &(id, kind, name) in all.iter().step_by(37) {
        let want = all.iter().find(|&&(_, k, nm)| k == kind && nm == name).map(|x| x.0);
        if name.is_empty() {
            continue;
        }
        assert_eq!(btf.find_by_name_kind(name, kind), want, "[{id}] {kind} '{name}'");
        assert_eq!(btf.find_by_name(name), all.iter().find(|x| x.2 == name).map(|x| x.0));
        n += 1;
    }
    eprintln!("{n} lookups checked in {:?}", t.elapsed());
}

/// Every type decodes exactly as bpftool (libbpf) prints it.
#[test]
fn matches_bpftool_dump() {
    let Some(btf) = vmlinux() else { return };
    let Ok(out) = std::process::Command::new("/usr/sbin/bpftool").args(["btf", "dump", "file", VMLINUX]).output()
    else {
        crate::skip!("bpftool not available");
        return;
    };
    if !out.status.success() {
        crate::skip!("bpftool failed: {}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    let theirs = String::from_utf8(out.stdout).unwrap();
    let mut ours = String::with_capacity(theirs.len());
    for id in 1..btf.type_cnt() {
        ours.push_str(&btf.dump_raw(id).unwrap());
        ours.push('\n');
    }
    for (i, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
        assert_eq!(a, b, "line {i} differs");
    }
    assert_eq!(ours.lines().count(), theirs.lines().count());
}
