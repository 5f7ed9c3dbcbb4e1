//! The shared compile cache of the Rust tests (`common::bpf_object`, tests/common/mod.rs): an
//! object is compiled once per distinct input and found again by later calls and test binaries;
//! a change of arguments or of an `-I` directory's headers gives another object; parallel first
//! calls agree on one complete file; the hash is FNV-1a, the same with every Rust version.
//! Each test compiles a source unique to this process, so it sees the cache cold first, and
//! removes what it created. Skips (recorded) without clang-19 or the libbpf 1.5 headers.

mod common;

use oxbpf::btf::{Btf, Kind};
use std::ffi::OsStr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};

/// A socket program returning `VALUE` (from `-D` or a header), made unique by `tag`.
fn source(tag: &str, include: bool) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!(
        "// {tag} {} {nanos}\n{}#define SEC(n) __attribute__((section(n), used))\n\
         SEC(\"socket\") int cache_prog(void *ctx) {{ return VALUE; }}\n\
         char LICENSE[] SEC(\"license\") = \"GPL\";\n",
        std::process::id(),
        if include { "#include \"value.h\"\n" } else { "" },
    )
}

/// The object is a whole BPF ELF file with `cache_prog` in its BTF.
fn check_object(p: &Path) {
    let bytes = std::fs::read(p).unwrap();
    let (btf, _) = Btf::parse_elf(&bytes, None, true).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert!(btf.find_by_name_kind("cache_prog", Kind::Func).is_some(), "{}", p.display());
}

/// No temporary file is left beside the object.
fn no_temporaries(p: &Path) {
    for e in std::fs::read_dir(p.parent().unwrap()).unwrap() {
        let n = e.unwrap().file_name();
        assert!(!n.to_string_lossy().ends_with(".tmp"), "left over: {n:?}");
    }
}

fn remove(objs: &[&PathBuf], name: &str, text: &str) {
    for o in objs {
        let _ = std::fs::remove_dir_all(o.parent().unwrap());
    }
    let _ = std::fs::remove_dir_all(common::text_source(name, text).parent().unwrap());
}

#[test]
fn fnv1a64_known_answers() {
    assert_eq!(common::fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(common::fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(common::fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn compiled_once_then_reused_and_arguments_count() {
    let text = source("args", false);
    let one: [&OsStr; 1] = ["-DVALUE=1".as_ref()];
    let Some(a) = common::bpf_object_text("c.bpf.o", &text, &one) else { return };
    assert_eq!(a.file_name().unwrap(), "c.bpf.o", "the object keeps the name libbpf derives its own from");
    assert!(a.starts_with(Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("bpf-cache")));
    check_object(&a);
    let m = std::fs::metadata(&a).unwrap();
    let b = common::bpf_object_text("c.bpf.o", &text, &one).unwrap();
    assert_eq!(a, b);
    let n = std::fs::metadata(&b).unwrap();
    assert_eq!((m.ino(), m.mtime(), m.mtime_nsec()), (n.ino(), n.mtime(), n.mtime_nsec()), "not compiled again");
    let c = common::bpf_object_text("c.bpf.o", &text, &["-DVALUE=2".as_ref()]).unwrap();
    assert_ne!(a.parent(), c.parent(), "other arguments, other object");
    check_object(&c);
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap());
    no_temporaries(&a);
    remove(&[&a, &c], "c.bpf.o", &text);
}

#[test]
fn include_dirs_count_by_contents_not_path() {
    let text = source("include", true);
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bpf-cache-test-{}", std::process::id()));
    let (d1, d2) = (base.join("one"), base.join("two"));
    for d in [&d1, &d2] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("value.h"), "#define VALUE 7\n").unwrap();
    }
    let Some(a) = common::bpf_object_text("i.bpf.o", &text, &["-I".as_ref(), d1.as_os_str()]) else { return };
    check_object(&a);
    let b = common::bpf_object_text("i.bpf.o", &text, &["-I".as_ref(), d2.as_os_str()]).unwrap();
    assert_eq!(a, b, "the same headers in another directory: the same object");
    std::fs::write(d2.join("value.h"), "#define VALUE 8\n").unwrap();
    let c = common::bpf_object_text("i.bpf.o", &text, &["-I".as_ref(), d2.as_os_str()]).unwrap();
    assert_ne!(a, c, "a changed header: another object");
    check_object(&c);
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap());
    remove(&[&a, &c], "i.bpf.o", &text);
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn parallel_first_calls_agree_on_one_whole_file() {
    let text = Arc::new(source("parallel", false));
    let go = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (text, go) = (text.clone(), go.clone());
            std::thread::spawn(move || {
                go.wait();
                common::bpf_object_text("p.bpf.o", &text, &["-DVALUE=3".as_ref()])
            })
        })
        .collect();
    let paths: Vec<Option<PathBuf>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let Some(first) = paths[0].clone() else { return };
    for p in &paths {
        assert_eq!(p.as_ref(), Some(&first));
    }
    check_object(&first);
    no_temporaries(&first);
    remove(&[&first], "p.bpf.o", &text);
}
