//! The btf.h exports called as C would call them.

mod common;

use oxbpf::btf::builder::BtfBuilder;
use oxbpf::btf::{Btf, Kind, INT_SIGNED};
use oxbpf::ffi::btf::*;
use std::ffi::{c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr;

/// `struct btf_type` and the words after it, read through the pointer C gets.
unsafe fn record(p: *const c_void, words: usize) -> Vec<u32> {
    assert!(!p.is_null());
    assert_eq!(p as usize % 4, 0, "btf_type records are 4-byte aligned");
    // SAFETY: the caller asks for no more words than the record has.
    unsafe { std::slice::from_raw_parts(p as *const u32, words) }.to_vec()
}

fn sample() -> Vec<u8> {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, INT_SIGNED); // 1
    let p = b.add_ptr(int); // 2
    b.add_struct("pair", 16, &[("a", int, 0), ("p", p, 64)]); // 3
    let proto = b.add_func_proto(int, &[("x", int)]); // 4
    b.add_func("f", proto, 1); // 5
    b.build()
}

fn temp_file(name: &str, data: &[u8]) -> PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("btf-ffi-{}-{name}", std::process::id()));
    std::fs::write(&p, data).unwrap();
    p
}

fn cpath(p: &Path) -> CString {
    CString::new(p.to_str().unwrap()).unwrap()
}

#[test]
fn parse_raw_and_walk_records() {
    let raw = sample();
    let path = temp_file("sample.btf", &raw);
    let cp = cpath(&path);
    // SAFETY: all pointers below are valid C strings / handles created here.
    unsafe {
        let btf = btf__parse_raw(cp.as_ptr());
        std::fs::remove_file(&path).unwrap();
        assert!(!btf.is_null());
        assert_eq!(btf__type_cnt(btf), 6);
        assert!(btf__base_btf(btf).is_null());
        assert_eq!(btf__fd(btf), -1);
        assert_eq!(btf__endianness(btf), 0);
        assert_eq!(btf__pointer_size(btf), 0, "no 'long' to guess from");

        let id = btf__find_by_name_kind(btf, c"pair".as_ptr(), Kind::Struct as u32);
        assert_eq!(id, 3);
        let r = record(btf__type_by_id(btf, 3), 3 + 2 * 3);
        assert_eq!(r[1], (Kind::Struct as u32) << 24 | 2); // info: kind, vlen 2
        assert_eq!(r[2], 16); // size
        assert_eq!(CStr::from_ptr(btf__name_by_offset(btf, r[0])), c"pair");
        assert_eq!(CStr::from_ptr(btf__str_by_offset(btf, r[3])), c"a");
        assert_eq!((r[4], r[5]), (1, 0));
        assert_eq!(CStr::from_ptr(btf__name_by_offset(btf, r[6])), c"p");
        assert_eq!((r[7], r[8]), (2, 64));
        // id 0: an all-zero record
        assert_eq!(record(btf__type_by_id(btf, 0), 3), [0, 0, 0]);
        // out of range: NULL + EINVAL
        assert!(btf__type_by_id(btf, 6).is_null());
        assert_eq!(common::errno(), libc::EINVAL);
        assert!(btf__name_by_offset(btf, 1 << 20).is_null());
        assert_eq!(common::errno(), libc::EINVAL);

        assert_eq!(btf__find_by_name(btf, c"f".as_ptr()), 5);
        assert_eq!(btf__find_by_name(btf, c"void".as_ptr()), 0);
        assert_eq!(btf__find_by_name_kind(btf, c"pair".as_ptr(), Kind::Union as u32), -libc::ENOENT);
        assert_eq!(common::errno(), libc::ENOENT);
        assert_eq!(btf__find_by_name_kind(btf, c"pair".as_ptr(), 99), -libc::ENOENT);
        assert_eq!(btf__find_by_name_kind(btf, c"x".as_ptr(), 0), 0);

        assert_eq!(btf__resolve_size(btf, 3), 16);
        assert_eq!(btf__resolve_size(btf, 2), 8);
        assert_eq!(btf__resolve_size(btf, 5), -(libc::EINVAL as i64));
        assert_eq!(common::errno(), libc::EINVAL);
        assert_eq!(btf__resolve_type(btf, 1), 1);
        assert_eq!(btf__resolve_type(btf, 0), -libc::EINVAL);
        assert_eq!(btf__align_of(btf, 3), 8);
        assert_eq!(btf__align_of(btf, 5), 0);
        assert_eq!(common::errno(), libc::EINVAL);
        assert_eq!(btf__set_pointer_size(btf, 4), 0);
        assert_eq!(btf__pointer_size(btf), 4);
        assert_eq!(btf__resolve_size(btf, 2), 4);
        assert_eq!(btf__set_pointer_size(btf, 3), -libc::EINVAL);

        let mut size = 0u32;
        let data = btf__raw_data(btf, &mut size);
        assert_eq!(std::slice::from_raw_parts(data as *const u8, size as usize), &raw[..]);
        assert_eq!(btf__get_raw_data(btf, &mut size), data);
        btf__free(btf);
        btf__free(ptr::null_mut());
    }
}

#[test]
fn new_and_split() {
    let raw = sample();
    // SAFETY: pointers are valid for the sizes given, handles created here.
    unsafe {
        let base = btf__new(raw.as_ptr() as *const c_void, raw.len() as u32);
        assert!(!base.is_null());
        let mut sb = BtfBuilder::new_split(&*base);
        let s = sb.add_struct("mod_s", 8, &[("q", 2, 0)]);
        sb.add_typedef("int_t", 1);
        let split_raw = sb.build();

        // split data alone is not base BTF
        assert!(btf__new(split_raw.as_ptr() as *const c_void, split_raw.len() as u32).is_null());
        assert_eq!(common::errno(), libc::EINVAL);

        let split = btf__new_split(split_raw.as_ptr() as *const c_void, split_raw.len() as u32, base);
        assert!(!split.is_null());
        assert_eq!(btf__base_btf(split), base as *const Btf);
        assert_eq!(btf__type_cnt(split), 8);
        assert_eq!(s, 6);
        assert_eq!(btf__find_by_name_kind(split, c"mod_s".as_ptr(), Kind::Struct as u32), 6);
        assert_eq!(btf__find_by_name_kind(split, c"pair".as_ptr(), Kind::Struct as u32), 3);
        // ids below the split's start come from the base's records
        assert_eq!(record(btf__type_by_id(split, 3), 3), record(btf__type_by_id(base, 3), 3));
        let r = record(btf__type_by_id(split, 6), 6);
        assert_eq!(CStr::from_ptr(btf__name_by_offset(split, r[0])), c"mod_s");
        assert_eq!(CStr::from_ptr(btf__name_by_offset(split, r[3])), c"q");
        assert_eq!(btf__resolve_size(split, 7), 4);
        let mut size = 0;
        btf__raw_data(split, &mut size);
        assert_eq!(size as usize, split_raw.len());
        btf__free(split);
        btf__free(base);

        // bad input
        assert!(btf__new(ptr::null(), 10).is_null());
        assert_eq!(common::errno(), libc::EINVAL);
        let junk = [0u8; 40];
        assert!(btf__new(junk.as_ptr() as *const c_void, junk.len() as u32).is_null());
        assert_eq!(common::errno(), libc::EINVAL);
        let mut swapped = raw.clone();
        swapped.swap(0, 1);
        assert!(btf__new(swapped.as_ptr() as *const c_void, swapped.len() as u32).is_null());
        assert_eq!(common::errno(), libc::EOPNOTSUPP);
    }
}

#[test]
fn parse_errors_set_errno() {
    let not_btf = temp_file("notbtf", b"hello world, not BTF");
    let cp = cpath(&not_btf);
    let missing = c"/nonexistent/oxbpf/x.btf";
    // SAFETY: valid C strings.
    unsafe {
        assert!(btf__parse_raw(cp.as_ptr()).is_null());
        assert_eq!(common::errno(), libc::EPROTO);
        assert!(btf__parse_raw(missing.as_ptr()).is_null());
        assert_eq!(common::errno(), libc::ENOENT);
        // not raw BTF and not ELF either
        let mut ext = ptr::dangling_mut::<oxbpf::btf::BtfExt>();
        assert!(btf__parse(cp.as_ptr(), &mut ext).is_null());
        assert!(ext.is_null());
        assert_eq!(common::errno(), libc::EINVAL);
        assert!(btf__parse_raw(ptr::null()).is_null());
        assert_eq!(common::errno(), libc::EINVAL);
    }
    std::fs::remove_file(&not_btf).unwrap();
}

#[test]
fn parse_elf_with_ext() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/btf/core.c");
    let Some(out) = common::bpf_object("core.o", &src, &[]) else { return };
    let cp = cpath(&out);
    // SAFETY: valid C strings and out-pointers; handles created and freed here.
    unsafe {
        let mut ext = ptr::null_mut();
        let btf = btf__parse_elf(cp.as_ptr(), &mut ext);
        assert!(!btf.is_null());
        assert!(!ext.is_null());
        assert_eq!(btf__pointer_size(btf), 8);
        assert!(btf__find_by_name_kind(btf, c"task_struct".as_ptr(), Kind::Struct as u32) > 0);
        assert!((*ext).core_relos("kprobe/core").is_some());
        let mut sz = 0;
        let data = btf_ext__raw_data(ext, &mut sz);
        let copy = btf_ext__new(data as *const u8, sz);
        assert!(!copy.is_null());
        assert_eq!(btf_ext__endianness(copy), 0);
        btf_ext__free(copy);
        btf_ext__free(ext);
        btf__free(btf);

        let btf = btf__parse(cp.as_ptr(), ptr::null_mut());
        assert!(!btf.is_null());
        btf__free(btf);
        let btf = btf__parse_split(cp.as_ptr(), ptr::null_mut());
        assert!(!btf.is_null());
        btf__free(btf);
    }
}

#[test]
fn vmlinux_handles() {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        crate::skip!("no /sys/kernel/btf/vmlinux");
        return;
    }
    // SAFETY: handles created and freed here.
    unsafe {
        let a = btf__load_vmlinux_btf();
        let b = btf__load_vmlinux_btf();
        assert!(!a.is_null() && !b.is_null() && a != b);
        assert_eq!(btf__type_cnt(a), btf__type_cnt(b));
        let id = btf__find_by_name_kind(a, c"tcp_congestion_ops".as_ptr(), Kind::Struct as u32);
        assert!(id > 0);
        // both handles share the parse: same record address
        assert_eq!(btf__type_by_id(a, id as u32), btf__type_by_id(b, id as u32));
        btf__free(a);
        let r = record(btf__type_by_id(b, id as u32), 3);
        assert_eq!(CStr::from_ptr(btf__name_by_offset(b, r[0])), c"tcp_congestion_ops");
        btf__free(b);
        assert!(btf__load_module_btf(c"no_such_module_x".as_ptr(), ptr::null_mut()).is_null());
        assert_eq!(common::errno(), libc::EINVAL);
    }
}
