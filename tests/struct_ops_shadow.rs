//! oxbpf's shadow-info ABI (`bpf_object_open_opts.struct_ops_shadow`) through the C entry
//! points, without a kernel: the caller's layout of a struct_ops shadow is filled by member name
//! at open, edits through it reach the kernel value built at load, and malformed descriptions
//! fail the open with EINVAL. The kernel's side of load is a hand-built BTF holding
//! `struct oxmod_ops` (see tests/struct_ops_module.rs for the module path); the real-kernel
//! counterpart is ctests/struct_ops/st_shadow_info.c.
//!
//! Object: `tests/fixtures/struct_ops/mod_ops.bpf.c`, compiled by clang-19 (skipped with a
//! message when clang-19 is missing).

mod common;

use oxbpf::btf::builder::BtfBuilder;
use oxbpf::btf::Btf;
use oxbpf::ffi::map::bpf_map__initial_value;
use oxbpf::ffi::object::{
    bpf_object__close, bpf_object__find_map_by_name, bpf_object__find_program_by_name, bpf_object__open_mem,
};
use oxbpf::ffi::types::{
    bpf_object_open_opts, bpf_struct_ops_map_info, bpf_struct_ops_member_info, bpf_struct_ops_shadow_info,
};
use oxbpf::object::Object;
use oxbpf::struct_ops::kern::KernBtfs;
use std::ffi::{c_char, c_void, CStr};
use std::mem::offset_of;
use std::path::Path;

fn object_bytes() -> Option<Vec<u8>> {
    static OBJ: std::sync::OnceLock<Option<Vec<u8>>> = std::sync::OnceLock::new();
    OBJ.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/struct_ops/mod_ops.bpf.c");
        Some(std::fs::read(common::bpf_object("mod_ops.bpf.o", &src, &[])?).unwrap())
    })
    .clone()
}

/// The caller's struct: other order than the object's `oxmod_ops___v1` (op_a, flags, op_b,
/// op_c, name), op_c left out, a field of its own.
#[repr(C)]
struct MyOps {
    name: [u8; 16],
    mine: u64,
    op_b: *const c_void,
    flags: u32,
    op_a: *const c_void,
}

fn member(name: &'static CStr, offset: usize, size: usize) -> bpf_struct_ops_member_info {
    bpf_struct_ops_member_info { name: name.as_ptr(), offset: offset as u32, size: size as u32 }
}

fn my_members() -> Vec<bpf_struct_ops_member_info> {
    vec![
        member(c"name", offset_of!(MyOps, name), 16),
        member(c"op_b", offset_of!(MyOps, op_b), 8),
        member(c"flags", offset_of!(MyOps, flags), 4),
        member(c"op_a", offset_of!(MyOps, op_a), 8),
    ]
}

/// `bpf_object__open_mem` with `struct_ops_shadow = info`. Errors: (errno, NULL).
fn open(bytes: &[u8], info: Option<&bpf_struct_ops_shadow_info>) -> Result<*mut Object, i32> {
    // SAFETY: all-zero is a valid bpf_object_open_opts (integers and NULL pointers).
    let mut opts: bpf_object_open_opts = unsafe { std::mem::zeroed() };
    opts.sz = std::mem::size_of::<bpf_object_open_opts>();
    opts.oxbpf_ext_magic = oxbpf::ffi::types::OXBPF_OPEN_OPTS_EXT_MAGIC;
    opts.struct_ops_shadow = info.map_or(std::ptr::null(), |i| i as *const _);
    // SAFETY: bytes is a live buffer; opts and what it points to outlive the call.
    let obj = unsafe { bpf_object__open_mem(bytes.as_ptr() as *const c_void, bytes.len(), &opts) };
    if obj.is_null() {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(obj)
    }
}

fn prog(obj: *mut Object, name: &CStr) -> *const c_void {
    // SAFETY: obj is a live object from `open`.
    let p = unsafe { bpf_object__find_program_by_name(obj, name.as_ptr()) };
    assert!(!p.is_null(), "{name:?}");
    p as *const c_void
}

/// (pointer, size) of map `name`'s initial value.
fn initial_value(obj: *mut Object, name: &CStr) -> (*mut c_void, usize) {
    // SAFETY: obj is a live object; the map handle it returns lives as long.
    let m = unsafe { bpf_object__find_map_by_name(obj, name.as_ptr()) };
    assert!(!m.is_null());
    let mut sz = 0usize;
    // SAFETY: m is a live map handle, sz a valid out-pointer.
    let p = unsafe { bpf_map__initial_value(m, &mut sz) };
    (p, sz)
}

/// A kernel BTF with `struct oxmod_ops` as the test kernel has it: op_b, flags, op_a, name,
/// op_d (member indices 0..4), the value type putting it at byte 16.
fn kernel_btf() -> Btf {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 1);
    let uint = b.add_int("unsigned int", 4, 0);
    let chr = b.add_int("char", 1, 1);
    let vp = b.add_ptr(0);
    let proto = b.add_func_proto(int, &[("ctx", vp)]);
    let fp = b.add_ptr(proto);
    let name = b.add_array(chr, uint, 16);
    let ops = b.add_struct(
        "oxmod_ops",
        48,
        &[("op_b", fp, 0), ("flags", uint, 64), ("op_a", fp, 128), ("name", name, 192), ("op_d", fp, 320)],
    );
    let common = b.add_array(chr, uint, 16);
    b.add_struct("bpf_struct_ops_oxmod_ops", 64, &[("common", common, 0), ("data", ops, 128)]);
    Btf::parse(&b.build()).unwrap()
}

const DATA_OFF: usize = 16;

#[test]
fn described_shadow_filled_by_name_and_copied_back_at_load() {
    let Some(bytes) = object_bytes() else { return };
    let members = my_members();
    let map = bpf_struct_ops_map_info {
        name: c"oxmod".as_ptr(),
        members: members.as_ptr(),
        cnt: members.len() as u32,
        data_size: std::mem::size_of::<MyOps>() as u32,
    };
    let info = bpf_struct_ops_shadow_info { maps: &map, cnt: 1 };
    let obj = open(&bytes, Some(&info)).unwrap();

    let (p, sz) = initial_value(obj, c"oxmod");
    assert_eq!(sz, std::mem::size_of::<MyOps>(), "the caller's data_size");
    let my = p as *mut MyOps;
    // SAFETY: the library returned a buffer of size_of::<MyOps>() bytes for us to use.
    let my = unsafe { &mut *my };
    assert_eq!(&my.name[..11], b"oxmod_test\0");
    assert_eq!(my.flags, 5);
    assert_eq!(my.mine, 0, "bytes no member describes start zeroed");
    assert_eq!(my.op_a, prog(obj, c"op_a_impl"), "op_a holds the struct bpf_program *");
    assert_eq!(my.op_b, prog(obj, c"op_b_impl"));

    // Edits through the caller's struct: a program swap, data members, its own field.
    my.op_a = prog(obj, c"op_alt_impl");
    my.flags = 9;
    my.name = *b"edited\0\0\0\0\0\0\0\0\0\0";
    my.mine = u64::MAX;

    let kbtf = kernel_btf();
    // SAFETY: obj is the live object from `open`, used by nothing else during this call.
    let o = unsafe { &mut *obj };
    o.init_kern_struct_ops_in(Some(KernBtfs::with_modules(&kbtf, Vec::new()))).unwrap();
    let k = o.map_by_name("oxmod").unwrap().struct_ops_kern().unwrap();
    assert_eq!(&k.vdata[DATA_OFF + 8..DATA_OFF + 12], &9u32.to_ne_bytes(), "flags from the caller's struct");
    assert_eq!(&k.vdata[DATA_OFF + 24..DATA_OFF + 31], b"edited\0", "name from the caller's struct");
    let alt = o.find_program("op_alt_impl").unwrap();
    let b = o.find_program("op_b_impl").unwrap();
    let mut slots = k.func_slots.clone();
    slots.sort();
    assert_eq!(slots, vec![(DATA_OFF, b), (DATA_OFF + 16, alt)], "op_a slot takes the swapped-in program");
    assert!(o.program_by_name("op_alt_impl").unwrap().struct_ops_binding().0, "swapped-in program loads");
    assert!(!o.program_by_name("op_a_impl").unwrap().struct_ops_binding().0, "orphaned program does not");
    // The buffer stays the caller's after load.
    assert_eq!(initial_value(obj, c"oxmod").0, p);
    // SAFETY: obj came from open and is closed once.
    unsafe { bpf_object__close(obj) };
}

#[test]
fn without_description_the_shadow_is_the_btf_layout() {
    let Some(bytes) = object_bytes() else { return };
    let obj = open(&bytes, None).unwrap();
    let (p, sz) = initial_value(obj, c"oxmod");
    assert_eq!(sz, 48, "sizeof(struct oxmod_ops___v1)");
    // SAFETY: the shadow holds 48 bytes laid out as the object's BTF type: op_a at 0, flags at 8.
    let (op_a, flags) = unsafe { (*(p as *const *const c_void), *((p as *const u8).add(8) as *const u32)) };
    assert_eq!(op_a, prog(obj, c"op_a_impl"));
    assert_eq!(flags, 5);
    // SAFETY: closed once.
    unsafe { bpf_object__close(obj) };
}

/// Open with a one-map description of `members` (and `data_size`), expecting EINVAL.
fn refused(bytes: &[u8], map_name: &CStr, members: &[bpf_struct_ops_member_info], data_size: u32) {
    let map = bpf_struct_ops_map_info {
        name: map_name.as_ptr(),
        members: members.as_ptr(),
        cnt: members.len() as u32,
        data_size,
    };
    let info = bpf_struct_ops_shadow_info { maps: &map, cnt: 1 };
    assert_eq!(open(bytes, Some(&info)).err(), Some(libc::EINVAL), "{map_name:?} {data_size}");
}

#[test]
fn malformed_descriptions_are_einval() {
    let Some(bytes) = object_bytes() else { return };
    let b = &bytes;
    refused(b, c"oxmod", &[member(c"flags", 0, 4)], 0); // data_size 0
    refused(b, c"oxmod", &[member(c"flags", 30, 4)], 32); // past data_size
    refused(b, c"oxmod", &[member(c"flags", u32::MAX as usize, 4)], 32); // offset overflow
    refused(b, c"oxmod", &[member(c"flags", 0, 0)], 32); // size 0
    refused(b, c"oxmod", &[member(c"flags", 0, 8)], 32); // BTF says 4
    refused(b, c"oxmod", &[member(c"op_a", 0, 4)], 32); // a pointer is 8
    refused(b, c"oxmod", &[member(c"nope", 0, 4)], 32); // no such member
    refused(b, c"oxmod", &[member(c"flags", 0, 4), member(c"flags", 4, 4)], 32); // twice
    refused(b, c"oxmod", &[member(c"flags", 0, 4), member(c"op_a", 2, 8)], 32); // overlap
    refused(b, c"nope", &[member(c"flags", 0, 4)], 32); // no such map
    refused(b, c".bss", &[], 8); // not struct_ops (the fixture has no .bss: no such map either)
    refused(b, c"", &[member(c"flags", 0, 4)], 32); // empty map name
    refused(b, c"oxmod", &[bpf_struct_ops_member_info { name: std::ptr::null(), offset: 0, size: 4 }], 32);
    // A name without a NUL within 1024 bytes.
    let long = vec![b'a' as c_char; 2048];
    refused(b, c"oxmod", &[bpf_struct_ops_member_info { name: long.as_ptr(), offset: 0, size: 4 }], 32);
    // NULL arrays with a count.
    let map = bpf_struct_ops_map_info { name: c"oxmod".as_ptr(), members: std::ptr::null(), cnt: 1, data_size: 32 };
    assert_eq!(open(b, Some(&bpf_struct_ops_shadow_info { maps: &map, cnt: 1 })).err(), Some(libc::EINVAL));
    assert_eq!(open(b, Some(&bpf_struct_ops_shadow_info { maps: std::ptr::null(), cnt: 1 })).err(), Some(libc::EINVAL));
    // The same map twice.
    let ms = [member(c"flags", 0, 4)];
    let one = bpf_struct_ops_map_info { name: c"oxmod".as_ptr(), members: ms.as_ptr(), cnt: 1, data_size: 8 };
    let two = [one, one];
    assert_eq!(open(b, Some(&bpf_struct_ops_shadow_info { maps: two.as_ptr(), cnt: 2 })).err(), Some(libc::EINVAL));
    // An empty description is fine: nothing described.
    let obj = open(b, Some(&bpf_struct_ops_shadow_info { maps: std::ptr::null(), cnt: 0 })).unwrap();
    assert_eq!(initial_value(obj, c"oxmod").1, 48);
    // SAFETY: closed once.
    unsafe { bpf_object__close(obj) };
    // A description with no members: a zeroed buffer of data_size, nothing copied back.
    let none = bpf_struct_ops_map_info { name: c"oxmod".as_ptr(), members: std::ptr::null(), cnt: 0, data_size: 24 };
    let obj = open(b, Some(&bpf_struct_ops_shadow_info { maps: &none, cnt: 1 })).unwrap();
    let (p, sz) = initial_value(obj, c"oxmod");
    assert_eq!(sz, 24);
    // SAFETY: 24 readable bytes.
    assert!(unsafe { std::slice::from_raw_parts(p as *const u8, 24) }.iter().all(|&x| x == 0));
    // SAFETY: closed once.
    unsafe { bpf_object__close(obj) };
}
