//! BTF construction exports called as C would call them, with the inputs libbpf itself would
//! crash on (NULL handles and strings, records that are not records): each must give a negative
//! errno, never a crash. (Behaviour on valid input is compared with libbpf 1.5 byte for byte
//! by ctests/btf_write.)

mod common;

use oxbpf::btf::Btf;
use oxbpf::ffi::btf::*;
use oxbpf::ffi::btf_write::*;
use std::ffi::c_char;
use std::ptr;

fn c(s: &[u8]) -> *const c_char {
    assert_eq!(s.last(), Some(&0));
    s.as_ptr() as *const c_char
}

#[test]
fn null_handles_and_strings_are_einval() {
    let null = ptr::null_mut::<Btf>();
    // SAFETY: every pointer is NULL or valid; NULL handles are what is under test.
    unsafe {
        assert_eq!(btf__add_int(null, c(b"int\0"), 4, 0), -libc::EINVAL);
        assert_eq!(common::errno(), libc::EINVAL);
        assert_eq!(btf__add_str(null, c(b"x\0")), -libc::EINVAL);
        assert_eq!(btf__add_field(null, ptr::null(), 1, 0, 0), -libc::EINVAL);
        assert_eq!(btf__add_btf(null, null), -libc::EINVAL);
        assert_eq!(btf__set_endianness(null, 1), -libc::EINVAL);
        assert_eq!(btf__load_into_kernel(null), -libc::EINVAL);
        btf__set_fd(null, 3);
        assert_eq!(btf__fd(null), -1);

        let b = btf__new_empty();
        assert!(!b.is_null());
        assert_eq!(btf__add_str(b, ptr::null()), -libc::EINVAL);
        assert_eq!(btf__find_str(b, ptr::null()), -libc::EINVAL);
        assert_eq!(btf__add_int(b, ptr::null(), 4, 0), -libc::EINVAL);
        assert_eq!(btf__add_btf(b, null), -libc::EINVAL);
        assert_eq!(btf__add_type(b, b, ptr::null()), -libc::EINVAL);
        // the void record (id 0) has no kind to copy
        assert_eq!(btf__add_type(b, b, btf__type_by_id(b, 0) as *const _), -libc::EINVAL);
        assert_eq!(btf__type_cnt(b), 1);
        btf__free(b);
    }
}

#[test]
fn records_are_read_through_the_source_btf() {
    // SAFETY: valid handles and NUL-terminated strings.
    unsafe {
        let src = btf__new_empty();
        let int = btf__add_int(src, c(b"int\0"), 4, 1);
        assert_eq!(btf__add_struct(src, c(b"s\0"), 8), 2);
        assert_eq!(btf__add_field(src, c(b"a\0"), int, 0, 0), 0);
        assert_eq!(btf__add_field(src, c(b"b\0"), int, 33, 2), 0);
        let dst = btf__new_empty();
        assert_eq!(btf__add_float(dst, c(b"float\0"), 4), 1);
        let t = btf__type_by_id(src, 2);
        assert_eq!(btf__add_type(dst, src, t as *const _), 2);
        // the copy refers to the same ids, with its strings re-added
        let rec = std::slice::from_raw_parts(btf__type_by_id(dst, 2) as *const u32, 9);
        assert_eq!(rec[1] >> 31, 1, "bitfield member keeps the kind flag");
        assert_eq!(rec[8], 33 | (2 << 24));
        let name = std::ffi::CStr::from_ptr(btf__name_by_offset(dst, rec[0]));
        assert_eq!(name.to_bytes(), b"s");
        // appending a BTF to itself doubles it, ids remapped
        assert_eq!(btf__add_btf(src, src), 3);
        assert_eq!(btf__type_cnt(src), 5);
        let rec = std::slice::from_raw_parts(btf__type_by_id(src, 4) as *const u32, 6);
        assert_eq!(rec[4], 3, "member type id moved past the original types");
        btf__free(src);
        btf__free(dst);
    }
}

#[test]
fn raw_data_pointer_reflects_additions() {
    // SAFETY: valid handles; `size` is writable.
    unsafe {
        let b = btf__new_empty();
        let mut size = 0u32;
        let p = btf__raw_data(b, &mut size);
        assert!(!p.is_null());
        assert_eq!(size, 25);
        assert_eq!(btf__add_int(b, c(b"long\0"), 8, 1), 1);
        btf__raw_data(b, &mut size);
        assert_eq!(size, 24 + 16 + 6);
        assert_eq!(btf__set_endianness(b, 5), -libc::EINVAL);
        btf__free(b);
    }
}
