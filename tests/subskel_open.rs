//! `bpf_object__open_subskeleton` / `bpf_object__destroy_subskeleton` called as generated C calls
//! them, on a clang-19 object (tests/fixtures/subskel/final.c) opened but not loaded: needs no
//! privileges. The kernel half (load, programs, linked finals, both bpftools, libbpf 1.5 as the
//! reference) is ctests/subskel. Skips (with a message) when clang-19 is not installed.

mod common;

use oxbpf::ffi::map::{bpf_map__initial_value, bpf_map__set_value_size};
use oxbpf::ffi::object::{
    bpf_object__close, bpf_object__find_map_by_name, bpf_object__find_program_by_name, bpf_object__open_file,
};
use oxbpf::ffi::skeleton::{bpf_object__destroy_subskeleton, bpf_object__open_subskeleton};
use oxbpf::ffi::types::bpf_object_subskeleton;
use oxbpf::object::{Map, Object, Program};
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::Path;
use std::ptr;

// Offsets of the library's variables in final.c's sections, as `bpftool gen skeleton` lays the
// object out (checked by hand against its output; clang-19 places them deterministically).
const OFF_LIB_DATA: usize = 24; // .data: long main_pad[3]; int lib_data
const OFF_LIB_RO: usize = 8; // .rodata: char main_ro_pad[5]; int lib_ro
const OFF_LIB_CUSTOM_CTR: usize = 8; // .data.x: char main_x_pad[6]; int lib_custom_ctr
const OFF_LIB_CUSTOM: usize = 12; // .data.x: ...; int lib_custom[2]
const OFF_LIB_BSS: usize = 0; // .bss: int lib_bss (first)
const OFF_KVER: usize = 0; // .kconfig: LINUX_KERNEL_VERSION

// ---- log capture: the print callback formats with libc's vsnprintf into a per-thread buffer --

extern "C" {
    // On x86_64 a va_list parameter is passed as a pointer; the callback hands it on untouched.
    fn vsnprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ap: *mut c_void) -> c_int;
}

thread_local! {
    static LOG: RefCell<String> = const { RefCell::new(String::new()) };
}

unsafe extern "C" fn capture(_level: u32, fmt: *const c_char, ap: *mut c_void) -> c_int {
    let mut buf = [0u8; 1024];
    // SAFETY: buf is writable for its length; fmt/ap come from the library's print call.
    unsafe { vsnprintf(buf.as_mut_ptr() as *mut c_char, buf.len(), fmt, ap) };
    let s = CStr::from_bytes_until_nul(&buf).map(|c| c.to_string_lossy().into_owned()).unwrap_or_default();
    LOG.with(|l| l.borrow_mut().push_str(&s));
    0
}

fn log_take() -> String {
    LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
}

fn install_capture() {
    oxbpf::log::set_print(Some(capture));
    log_take();
}

// ---- fixture -------------------------------------------------------------------------------

struct Obj {
    obj: *mut Object,
}

impl Drop for Obj {
    fn drop(&mut self) {
        // SAFETY: our handle from bpf_object__open_file, closed once.
        unsafe { bpf_object__close(self.obj) };
    }
}

impl Obj {
    fn map(&self, name: &str) -> *mut Map {
        let n = CString::new(name).unwrap();
        // SAFETY: live handle, NUL-terminated name.
        let m = unsafe { bpf_object__find_map_by_name(self.obj, n.as_ptr()) };
        assert!(!m.is_null(), "map {name}");
        m
    }
    fn prog(&self, name: &str) -> *mut Program {
        let n = CString::new(name).unwrap();
        // SAFETY: live handle, NUL-terminated name.
        let p = unsafe { bpf_object__find_program_by_name(self.obj, n.as_ptr()) };
        assert!(!p.is_null(), "program {name}");
        p
    }
    /// The map's buffer (bpf_map__initial_value) and its size.
    fn buf(&self, name: &str) -> (*mut u8, usize) {
        let mut sz = 0usize;
        // SAFETY: live map handle, writable size slot.
        let p = unsafe { bpf_map__initial_value(self.map(name), &mut sz) } as *mut u8;
        assert!(!p.is_null(), "{name} has a buffer");
        (p, sz)
    }
}

fn open_final() -> Option<Obj> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/subskel/final.c");
    let out = common::bpf_object("subskel-final.o", &src, &[])?;
    let p = CString::new(out.to_str().unwrap()).unwrap();
    // SAFETY: NUL-terminated path, default options.
    let obj = unsafe { bpf_object__open_file(p.as_ptr(), ptr::null()) };
    assert!(!obj.is_null(), "open {}: errno {}", out.display(), common::errno());
    Some(Obj { obj })
}

// ---- a subskeleton laid out like bpftool's, with chosen strides ------------------------------

const PAD: u8 = 0xab;

/// Names and slots live here; the arrays are libc-calloc'ed like generated code and handed to
/// `bpf_object__destroy_subskeleton` (or freed by `Drop` if a test never does).
struct Sub {
    s: *mut bpf_object_subskeleton,
    _names: Vec<CString>,
    map_slot: Box<[*mut Map; 8]>,
    prog_slot: Box<[*mut Program; 8]>,
    addr_slot: Box<[*mut c_void; 8]>,
}

struct Spec<'a> {
    maps: &'a [&'a str],
    progs: &'a [&'a str],
    /// (variable, index of its map in `maps`)
    vars: &'a [(&'a str, usize)],
    strides: (usize, usize, usize),
}

impl Sub {
    fn new(obj: *const Object, spec: &Spec) -> Sub {
        let (ms, ps, vs) = spec.strides;
        let mut names = Vec::new();
        let mut cname = |s: &str| {
            let c = CString::new(s).unwrap();
            let p = c.as_ptr();
            names.push(c);
            p
        };
        let mut map_slot = Box::new([ptr::null_mut::<Map>(); 8]);
        let mut prog_slot = Box::new([ptr::null_mut::<Program>(); 8]);
        let mut addr_slot = Box::new([ptr::null_mut::<c_void>(); 8]);
        // SAFETY: plain allocations; every write below stays inside them: entry i's fields lie
        // in [i * stride, i * stride + 24), and each array has 24 bytes of slack past its last
        // entry for the too-small strides the refusal tests use (single-entry arrays there).
        unsafe {
            let alloc = |n: usize, stride: usize| {
                let bytes = n.max(1) * stride + 24;
                let p = libc::calloc(1, bytes) as *mut u8;
                assert!(!p.is_null());
                ptr::write_bytes(p, PAD, bytes);
                p
            };
            let put = |base: *mut u8, stride: usize, i: usize, off: usize, v: *const c_void| {
                ptr::write_unaligned(base.add(i * stride + off) as *mut *const c_void, v);
            };
            let s = libc::calloc(1, std::mem::size_of::<bpf_object_subskeleton>()) as *mut bpf_object_subskeleton;
            assert!(!s.is_null());
            let maps = alloc(spec.maps.len(), ms);
            for (i, m) in spec.maps.iter().enumerate() {
                put(maps, ms, i, 0, cname(m) as *const c_void);
                put(maps, ms, i, 8, &mut map_slot[i] as *mut _ as *const c_void);
                put(maps, ms, i, 16, ptr::null());
            }
            let progs = alloc(spec.progs.len(), ps);
            for (i, p) in spec.progs.iter().enumerate() {
                put(progs, ps, i, 0, cname(p) as *const c_void);
                put(progs, ps, i, 8, &mut prog_slot[i] as *mut _ as *const c_void);
                if ps >= 24 {
                    put(progs, ps, i, 16, ptr::null());
                }
            }
            let vars = alloc(spec.vars.len(), vs);
            for (i, (v, m)) in spec.vars.iter().enumerate() {
                put(vars, vs, i, 0, cname(v) as *const c_void);
                put(vars, vs, i, 8, &mut map_slot[*m] as *mut _ as *const c_void);
                put(vars, vs, i, 16, &mut addr_slot[i] as *mut _ as *const c_void);
            }
            *s = bpf_object_subskeleton {
                sz: std::mem::size_of::<bpf_object_subskeleton>(),
                obj,
                map_cnt: spec.maps.len() as i32,
                map_skel_sz: ms as i32,
                maps: maps as *mut _,
                prog_cnt: spec.progs.len() as i32,
                prog_skel_sz: ps as i32,
                progs: progs as *mut _,
                var_cnt: spec.vars.len() as i32,
                var_skel_sz: vs as i32,
                vars: vars as *mut _,
            };
            Sub { s, _names: names, map_slot, prog_slot, addr_slot }
        }
    }

    fn open(&mut self) -> c_int {
        // SAFETY: self.s is a complete subskeleton whose slots live in self.
        unsafe { bpf_object__open_subskeleton(self.s) }
    }

    /// Bytes past the first 24 of each entry are still PAD.
    fn pad_intact(&self) -> bool {
        // SAFETY: reading the arrays this struct allocated, within their sizes.
        unsafe {
            let s = &*self.s;
            let check = |base: *const u8, cnt: i32, stride: i32| {
                (0..cnt as usize).all(|i| (24..stride as usize).all(|j| *base.add(i * stride as usize + j) == PAD))
            };
            check(s.maps as *const u8, s.map_cnt, s.map_skel_sz)
                && check(s.progs as *const u8, s.prog_cnt, s.prog_skel_sz)
                && check(s.vars as *const u8, s.var_cnt, s.var_skel_sz)
        }
    }
}

impl Drop for Sub {
    fn drop(&mut self) {
        // SAFETY: frees exactly the calloc'ed arrays and struct, once (destroy is the API for it).
        unsafe { bpf_object__destroy_subskeleton(self.s) };
    }
}

const ALL_MAPS: &[&str] = &["lib_map", ".data", ".rodata", ".data.x", ".bss", ".kconfig"];
const ALL_VARS: &[(&str, usize)] = &[
    ("lib_data", 1),
    ("lib_ro", 2),
    ("lib_custom_ctr", 3),
    ("lib_custom", 3),
    ("lib_bss", 4),
    ("LINUX_KERNEL_VERSION", 5),
];

fn read_i32(p: *const c_void) -> i32 {
    // SAFETY: the tests pass addresses resolved into live map buffers, 4-byte aligned by BTF.
    unsafe { *(p as *const i32) }
}

#[test]
fn binds_maps_programs_and_variables_at_the_final_objects_offsets() {
    let Some(o) = open_final() else { return };
    for strides in [(24, 24, 24), (32, 24, 24), (40, 32, 48)] {
        let mut s =
            Sub::new(o.obj, &Spec { maps: ALL_MAPS, progs: &["lib_prog", "main_prog"], vars: ALL_VARS, strides });
        assert_eq!(s.open(), 0, "strides {strides:?}");
        for (i, m) in ALL_MAPS.iter().enumerate() {
            assert_eq!(s.map_slot[i], o.map(m), "map {m}");
        }
        assert_eq!(s.prog_slot[0], o.prog("lib_prog"));
        assert_eq!(s.prog_slot[1], o.prog("main_prog"));
        let at = |m: &str, off: usize| o.buf(m).0.wrapping_add(off) as *mut c_void;
        assert_eq!(s.addr_slot[0], at(".data", OFF_LIB_DATA));
        assert_eq!(s.addr_slot[1], at(".rodata", OFF_LIB_RO));
        assert_eq!(s.addr_slot[2], at(".data.x", OFF_LIB_CUSTOM_CTR));
        assert_eq!(s.addr_slot[3], at(".data.x", OFF_LIB_CUSTOM));
        assert_eq!(s.addr_slot[4], at(".bss", OFF_LIB_BSS));
        assert_eq!(s.addr_slot[5], at(".kconfig", OFF_KVER));
        assert_eq!(read_i32(s.addr_slot[0]), 11);
        assert_eq!(read_i32(s.addr_slot[1]), 22);
        assert_eq!(read_i32(s.addr_slot[2]), 33);
        assert_eq!(read_i32(s.addr_slot[3].wrapping_byte_add(4)), 200);
        assert!(s.pad_intact(), "nothing written past the fields at strides {strides:?}");
        // a second open re-resolves to the same places
        let before = *s.addr_slot;
        assert_eq!(s.open(), 0);
        assert_eq!(*s.addr_slot, before);
    }
}

#[test]
fn writes_before_load_land_in_the_objects_buffers() {
    let Some(o) = open_final() else { return };
    let mut s = Sub::new(o.obj, &Spec { maps: ALL_MAPS, progs: &[], vars: ALL_VARS, strides: (24, 24, 24) });
    assert_eq!(s.open(), 0);
    // SAFETY: resolved addresses of 4-byte variables in live, writable pre-load buffers.
    unsafe {
        *(s.addr_slot[0] as *mut i32) = 1111;
        *(s.addr_slot[1] as *mut i32) = 2222; // .rodata is writable before load
    }
    let (d, _) = o.buf(".data");
    let (r, _) = o.buf(".rodata");
    assert_eq!(read_i32(d.wrapping_add(OFF_LIB_DATA) as *const c_void), 1111);
    assert_eq!(read_i32(r.wrapping_add(OFF_LIB_RO) as *const c_void), 2222);
}

#[test]
fn missing_variable_is_null_with_a_warning_and_the_rest_resolve() {
    let Some(o) = open_final() else { return };
    install_capture();
    let mut s = Sub::new(
        o.obj,
        &Spec {
            maps: &[".bss", ".data.x"],
            progs: &[],
            vars: &[("lib_bss", 0), ("no_such_var", 0), ("lib_custom", 1)],
            strides: (24, 24, 24),
        },
    );
    s.addr_slot.fill(0x5a5a as *mut c_void);
    assert_eq!(s.open(), 0);
    let log = log_take();
    assert_eq!(s.addr_slot[0], o.buf(".bss").0 as *mut c_void);
    assert!(s.addr_slot[1].is_null(), "missing variable's address is NULL, not left as it was");
    assert_eq!(s.addr_slot[2], o.buf(".data.x").0.wrapping_add(OFF_LIB_CUSTOM) as *mut c_void);
    assert!(log.contains("subskeleton variable 'no_such_var' not found in map '.bss'; left NULL"), "log: {log}");
}

#[test]
fn missing_map_or_program_is_esrch_naming_the_kind() {
    let Some(o) = open_final() else { return };
    install_capture();
    let mut s = Sub::new(o.obj, &Spec { maps: &[".data", ".nope"], progs: &[], vars: &[], strides: (24, 24, 24) });
    assert_eq!(s.open(), -libc::ESRCH);
    assert_eq!(common::errno(), libc::ESRCH);
    let log = log_take();
    assert!(log.contains("failed to populate subskeleton maps: failed to find skeleton map '.nope'"), "log: {log}");
    assert_eq!(s.map_slot[0], o.map(".data"));

    let mut s =
        Sub::new(o.obj, &Spec { maps: &[], progs: &["main_prog", "no_prog"], vars: &[], strides: (24, 24, 24) });
    assert_eq!(s.open(), -libc::ESRCH);
    let log = log_take();
    assert!(
        log.contains("failed to populate subskeleton progs: failed to find skeleton program 'no_prog'"),
        "log: {log}"
    );
    assert!(!log.contains("subskeleton maps"), "programs are not called maps: {log}");

    // a global subprogram is not a program; nor is a map a program
    for name in ["lib_func", "lib_map"] {
        let mut s = Sub::new(o.obj, &Spec { maps: &[], progs: &[name], vars: &[], strides: (24, 24, 24) });
        assert_eq!(s.open(), -libc::ESRCH, "{name}");
        assert!(s.prog_slot[0].is_null());
    }
    // a map name without the leading dot does not match a section name
    let mut s = Sub::new(o.obj, &Spec { maps: &["bss"], progs: &[], vars: &[], strides: (24, 24, 24) });
    assert_eq!(s.open(), -libc::ESRCH);
}

#[test]
fn null_subskeleton_or_object_is_einval() {
    // SAFETY: NULL is the case under test; destroy(NULL) is a no-op.
    unsafe {
        assert_eq!(bpf_object__open_subskeleton(ptr::null_mut()), -libc::EINVAL);
        assert_eq!(common::errno(), libc::EINVAL);
        bpf_object__destroy_subskeleton(ptr::null_mut());
    }
    let mut s = Sub::new(ptr::null(), &Spec { maps: &[".data"], progs: &[], vars: &[], strides: (24, 24, 24) });
    assert_eq!(s.open(), -libc::EINVAL);
    assert_eq!(common::errno(), libc::EINVAL);
    assert!(s.map_slot[0].is_null());
}

#[test]
fn malformed_entries_are_refused() {
    let Some(o) = open_final() else { return };
    // strides smaller than the fields read
    for strides in [(16, 24, 24), (24, 8, 24), (24, 24, 16)] {
        let mut s =
            Sub::new(o.obj, &Spec { maps: &[".data"], progs: &["lib_prog"], vars: &[("lib_data", 0)], strides });
        assert_eq!(s.open(), -libc::EINVAL, "strides {strides:?}");
    }
    // a variable in a map whose value is not a DATASEC
    install_capture();
    let mut s =
        Sub::new(o.obj, &Spec { maps: &["lib_map"], progs: &[], vars: &[("lib_data", 0)], strides: (24, 24, 24) });
    assert_eq!(s.open(), -libc::EINVAL);
    let log = log_take();
    assert!(log.contains("type for map 'lib_map' is not a datasec"), "log: {log}");
}

#[test]
fn variable_whose_map_slot_holds_another_objects_map_is_refused() {
    let (Some(a), Some(b)) = (open_final(), open_final()) else { return };
    // maps bound against object a, then the variables resolved against object b
    let mut s =
        Sub::new(a.obj, &Spec { maps: &[".data"], progs: &[], vars: &[("lib_data", 0)], strides: (24, 24, 24) });
    assert_eq!(s.open(), 0);
    // SAFETY: switching the object of our own subskeleton; map entry count 0 keeps a's handle
    // in the slot while the variables are resolved against b.
    unsafe {
        (*s.s).obj = b.obj;
        (*s.s).map_cnt = 0;
    }
    assert_eq!(s.open(), -libc::EINVAL);
}

#[test]
fn resize_then_reopen_re_resolves_into_the_new_buffer() {
    let Some(o) = open_final() else { return };
    let mut s = Sub::new(o.obj, &Spec { maps: ALL_MAPS, progs: &[], vars: ALL_VARS, strides: (24, 24, 24) });
    assert_eq!(s.open(), 0);
    // SAFETY: lib_custom[1] resolved into the live .data.x buffer.
    unsafe { *(s.addr_slot[3] as *mut i32).add(1) = 300 };
    let new_sz = (OFF_LIB_CUSTOM + 8 * 4) as u32;
    // SAFETY: live map handle.
    assert_eq!(unsafe { bpf_map__set_value_size(o.map(".data.x"), new_sz) }, 0);
    let (base, sz) = o.buf(".data.x");
    assert_eq!(sz, new_sz as usize);
    let data_before = s.addr_slot[0];
    // libbpf's contract: re-open the same subskeleton after a resize
    assert_eq!(s.open(), 0);
    assert_eq!(s.addr_slot[3], base.wrapping_add(OFF_LIB_CUSTOM) as *mut c_void);
    assert_eq!(s.addr_slot[2], base.wrapping_add(OFF_LIB_CUSTOM_CTR) as *mut c_void);
    assert_eq!(s.addr_slot[0], data_before, "other maps' variables stay put");
    assert_eq!(read_i32(s.addr_slot[2]), 33);
    assert_eq!(read_i32(s.addr_slot[3]), 100);
    assert_eq!(read_i32(s.addr_slot[3].wrapping_byte_add(4)), 300, "contents survive the resize");
    assert_eq!(read_i32(s.addr_slot[3].wrapping_byte_add(28)), 0, "new elements are zero");

    // .data's last variable is not an array: the size changes but the map loses its BTF value
    // type (as in libbpf), so a subskeleton naming .data variables can no longer bind them.
    // SAFETY: live map handle.
    assert_eq!(unsafe { bpf_map__set_value_size(o.map(".data"), 64) }, 0);
    assert_eq!(s.open(), -libc::EINVAL);
}

#[test]
fn resize_before_the_address_is_asked_keeps_the_initial_values() {
    let Some(o) = open_final() else { return };
    // Nothing asked for .data.x's address yet: its initial bytes still wait in the image.
    let new_sz = (OFF_LIB_CUSTOM + 8 * 4) as u32;
    // SAFETY: live map handle.
    assert_eq!(unsafe { bpf_map__set_value_size(o.map(".data.x"), new_sz) }, 0);
    let (base, sz) = o.buf(".data.x");
    assert_eq!(sz, new_sz as usize);
    assert_eq!(read_i32(base.wrapping_add(OFF_LIB_CUSTOM_CTR) as *const c_void), 33);
    assert_eq!(read_i32(base.wrapping_add(OFF_LIB_CUSTOM) as *const c_void), 100);
    assert_eq!(read_i32(base.wrapping_add(OFF_LIB_CUSTOM + 28) as *const c_void), 0, "new elements are zero");

    // Shrunk before the address is asked: the initial bytes before the new end stay.
    let Some(o) = open_final() else { return };
    // SAFETY: live map handle.
    assert_eq!(unsafe { bpf_map__set_value_size(o.map(".data.x"), OFF_LIB_CUSTOM as u32) }, 0);
    let (base, sz) = o.buf(".data.x");
    assert_eq!(sz, OFF_LIB_CUSTOM);
    assert_eq!(read_i32(base.wrapping_add(OFF_LIB_CUSTOM_CTR) as *const c_void), 33);
}
