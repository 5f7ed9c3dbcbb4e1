//! btf_dump: behaviour the differential C tests (ctests/btf_dump) cannot show — types added to the
//! BTF after the dumper was made, bad input through the C API (NULL, out-of-range ids, bad
//! options), and malformed BTF (modifier loops, split BTF over the wrong base), which must end
//! in an errno and never a crash or a hang.

mod common;

use oxbpf::btf::builder::BtfBuilder;
use oxbpf::btf::{Btf, CDump, DataOpts, Kind, Sink};
use oxbpf::ffi::btf_dump::*;
use oxbpf::ffi::types_btf::{btf_dump_emit_type_decl_opts, btf_dump_opts, btf_dump_type_data_opts};
use std::cell::RefCell;
use std::ffi::{c_char, c_void};
use std::rc::Rc;
use std::sync::Arc;

fn sink() -> (Sink, Rc<RefCell<Vec<u8>>>) {
    let out = Rc::new(RefCell::new(Vec::new()));
    let o = out.clone();
    let s: Sink = Box::new(move |text: &[u8]| {
        assert_eq!(text.last(), Some(&0), "sink text is NUL-terminated");
        o.borrow_mut().extend_from_slice(&text[..text.len() - 1]);
    });
    (s, out)
}

fn take(out: &Rc<RefCell<Vec<u8>>>) -> String {
    String::from_utf8(std::mem::take(&mut *out.borrow_mut())).unwrap()
}

/// int, struct foo { int a; }, then (in the grown BTF) struct bar with an anonymous enum member
/// and a typedef of it.
fn grown() -> (Btf, Btf) {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 1);
    let foo_id = b.add_struct("foo", 4, &[("a", int, 0)]);
    let small = Btf::parse(&b.build()).unwrap();
    let e = b.add_enum("", 4, false, &[("E_ONE", 1)]);
    let bar = b.add_struct("bar", 12, &[("f", foo_id, 0), ("b", int, 32), ("e", e, 64)]);
    b.add_typedef("bar_t", bar);
    (small, Btf::parse(&b.build()).unwrap())
}

#[test]
fn dumper_grows_with_types_added_later() {
    let (small, big) = grown();
    let (s, out) = sink();
    let mut d = CDump::new(&small, s).unwrap();
    d.dump_type(&small, 2).unwrap();
    assert_eq!(take(&out), "struct foo {\n\tint a;\n};\n\n");
    // Ids beyond the BTF the dumper was made for are refused until the BTF has them.
    assert_eq!(d.dump_type(&small, 5).unwrap_err().errno(), libc::EINVAL);
    assert_eq!(take(&out), "");
    // The grown BTF: foo is not emitted again; the new anonymous enum is known to be
    // referenced, so it is written inline rather than as a top-level definition.
    d.dump_type(&big, 5).unwrap();
    assert_eq!(
        take(&out),
        "struct bar {\n\tstruct foo f;\n\tint b;\n\tenum {\n\t\tE_ONE = 1,\n\t} e;\n};\n\ntypedef struct bar bar_t;\n\n"
    );
    d.emit_type_decl_api(&big, 5, b"v", 0, false).unwrap();
    assert_eq!(take(&out), "bar_t v");
    let data = [7u8, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0];
    let n = d.dump_type_data(&big, 4, &data, data.as_ptr() as usize, &DataOpts { compact: true, ..Default::default() });
    assert_eq!(n, Ok(12));
    assert_eq!(take(&out), "(struct bar){.f = (struct foo){.a = (int)7,},.b = (int)9,.e = (enum )E_ONE,}");
}

#[test]
fn duplicate_names_get_libbpf_suffixes() {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 1);
    let s1 = b.add_struct("dup", 4, &[("a", int, 0)]);
    let s2 = b.add_struct("dup", 8, &[("a", int, 0), ("b", int, 32)]);
    let e1 = b.add_enum("e1", 4, false, &[("X", 1)]);
    let e2 = b.add_enum("e2", 4, false, &[("X", 2)]);
    let btf = Btf::parse(&b.build()).unwrap();
    let (s, out) = sink();
    let mut d = CDump::new(&btf, s).unwrap();
    for id in [s1, s2, e1, e2] {
        d.dump_type(&btf, id).unwrap();
    }
    assert_eq!(
        take(&out),
        "struct dup {\n\tint a;\n};\n\nstruct dup___2 {\n\tint a;\n\tint b;\n};\n\n\
         enum e1 {\n\tX = 1,\n};\n\nenum e2 {\n\tX___2 = 2,\n};\n\n"
    );
}

#[test]
fn modifier_loops_end_with_an_error() {
    // [1] const -> [2], [2] volatile -> [1]: no terminal type at all.
    let mut b = BtfBuilder::new();
    let c = b.add_modifier(Kind::Const, "", 2);
    b.add_modifier(Kind::Volatile, "", c);
    let p = b.add_ptr(c);
    let btf = Btf::parse(&b.build()).unwrap();
    let (s, out) = sink();
    let mut d = CDump::new(&btf, s).unwrap();
    assert_eq!(d.dump_type(&btf, p).unwrap_err().errno(), libc::ELOOP);
    d.emit_type_decl_api(&btf, p, b"x", 0, false).unwrap();
    d.emit_type_decl_api(&btf, c, b"x", 0, true).unwrap();
    let data = [0u8; 16];
    assert_eq!(d.dump_type_data(&btf, c, &data, data.as_ptr() as usize, &DataOpts::default()), Err(libc::EINVAL));
    drop(take(&out));
}

#[test]
fn split_btf_over_a_smaller_base_does_not_crash() {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 1);
    b.add_struct("s", 4, &[("a", int, 0)]);
    let base = Btf::parse(&b.build()).unwrap();
    let mut sb = BtfBuilder::new_split(&base);
    let p = sb.add_ptr(2);
    sb.add_struct("t", 16, &[("p", p, 0), ("s", 2, 64)]);
    let split_blob = sb.build();
    // The split was made for a base of 2 types; give it one with only `int`.
    let mut small = BtfBuilder::new();
    small.add_int("int", 4, 1);
    let small = Arc::new(Btf::parse(&small.build()).unwrap());
    let Ok(split) = Btf::parse_split(&split_blob, small) else {
        return;
    };
    let (s, out) = sink();
    let mut d = CDump::new(&split, s).unwrap();
    let data = [0x11u8; 64];
    for id in 0..split.type_cnt() + 2 {
        let _ = d.dump_type(&split, id);
        let _ = d.emit_type_decl_api(&split, id, b"f", 1, false);
        let _ = d.dump_type_data(&split, id, &data, data.as_ptr() as usize, &DataOpts::default());
    }
    drop(take(&out));
}

unsafe extern "C" fn count_cb(ctx: *mut c_void, _fmt: *const c_char, _args: *mut c_void) {
    // SAFETY: ctx is the &mut usize passed below.
    unsafe { *(ctx as *mut usize) += 1 };
}

#[test]
fn c_api_rejects_bad_input_with_errno() {
    let (_, big) = grown();
    // A handle liboxbpf issued (a pointer to a Rust value is refused as foreign).
    let btf: *const Btf = oxbpf::ffi::handle::issue(Box::new(big));
    let mut calls = 0usize;
    let ctx = &mut calls as *mut usize as *mut c_void;
    // SAFETY: every pointer passed is NULL or valid; the BTF outlives the dumper.
    unsafe {
        assert!(btf_dump__new(std::ptr::null(), Some(count_cb), ctx, std::ptr::null()).is_null());
        assert_eq!(common::errno(), libc::EINVAL);
        assert!(btf_dump__new(btf, None, ctx, std::ptr::null()).is_null());
        assert_eq!(common::errno(), libc::EINVAL);
        let bad = btf_dump_opts { sz: 4 };
        assert!(btf_dump__new(btf, Some(count_cb), ctx, &bad).is_null());
        assert_eq!(common::errno(), libc::EINVAL);

        assert_eq!(btf_dump__dump_type(std::ptr::null_mut(), 1), -libc::EINVAL);
        assert_eq!(btf_dump__emit_type_decl(std::ptr::null_mut(), 1, std::ptr::null()), -libc::EINVAL);
        btf_dump__free(std::ptr::null_mut());

        let good = btf_dump_opts { sz: std::mem::size_of::<btf_dump_opts>() };
        let d = btf_dump__new(btf, Some(count_cb), ctx, &good);
        assert!(!d.is_null());
        assert_eq!(btf_dump__dump_type(d, 99), -libc::EINVAL);
        assert_eq!(common::errno(), libc::EINVAL);
        assert_eq!(btf_dump__emit_type_decl(d, 99, std::ptr::null()), -libc::EINVAL);
        let data = [0u8; 16];
        let p = data.as_ptr() as *const c_void;
        assert_eq!(btf_dump__dump_type_data(d, 99, p, 16, std::ptr::null()), -libc::ENOENT);
        assert_eq!(btf_dump__dump_type_data(d, 1, std::ptr::null(), 4, std::ptr::null()), -libc::EINVAL);
        assert_eq!(btf_dump__dump_type_data(d, 1, p, 2, std::ptr::null()), -libc::E2BIG);

        // Options: sz smaller than a size_t, or unknown non-zero bytes past the known fields.
        let mut dopts: btf_dump_type_data_opts = std::mem::zeroed();
        dopts.sz = 4;
        assert_eq!(btf_dump__dump_type_data(d, 1, p, 16, &dopts), -libc::EINVAL);
        let mut big_opts = [0u8; 32];
        big_opts[..8].copy_from_slice(&32usize.to_ne_bytes());
        big_opts[30] = 1;
        assert_eq!(
            btf_dump__dump_type_data(d, 1, p, 16, big_opts.as_ptr() as *const btf_dump_type_data_opts),
            -libc::EINVAL
        );
        let mut eopts: btf_dump_emit_type_decl_opts = std::mem::zeroed();
        eopts.sz = 2;
        assert_eq!(btf_dump__emit_type_decl(d, 1, &eopts), -libc::EINVAL);

        // Good calls reach the callback, once per call.
        std::ptr::write(ctx as *mut usize, 0);
        assert_eq!(btf_dump__dump_type(d, 5), 0);
        assert_eq!(btf_dump__dump_type_data(d, 1, p, 16, std::ptr::null()), 4);
        assert_eq!(*(ctx as *mut usize), 2);
        btf_dump__free(d);
        oxbpf::ffi::btf::btf__free(btf as *mut Btf);
    }
}
