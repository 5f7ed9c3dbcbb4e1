//! btf__dedup, btf__distill_base and btf__relocate called as C would call them, with the inputs
//! libbpf itself would crash on or refuses (NULL handles, bad option sizes, a split BTF's own
//! base, a malformed .BTF.ext): each gives a negative errno with errno set, never a crash, and
//! leaves the BTF usable. (Valid input is compared with libbpf 1.5 byte for byte by
//! ctests/btf_dedup.)

mod common;

use oxbpf::btf::Btf;
use oxbpf::ffi::btf::*;
use oxbpf::ffi::btf_dedup::*;
use oxbpf::ffi::btf_write::*;
use oxbpf::ffi::types_btf::btf_dedup_opts;
use std::ffi::c_char;
use std::ptr;

fn c(s: &[u8]) -> *const c_char {
    assert_eq!(s.last(), Some(&0));
    s.as_ptr() as *const c_char
}

/// int, two identical `struct s { int a; }`, a FUNC_PROTO; type count 5 before dedup.
///
/// # Safety
/// Plain C API calls on a fresh handle.
unsafe fn sample() -> *mut Btf {
    // SAFETY: valid handle and strings throughout.
    unsafe {
        let b = btf__new_empty();
        let int = btf__add_int(b, c(b"int\0"), 4, 1);
        for _ in 0..2 {
            btf__add_struct(b, c(b"s\0"), 4);
            btf__add_field(b, c(b"a\0"), int, 0, 0);
        }
        btf__add_func_proto(b, int);
        b
    }
}

#[test]
fn dedup_rejects_null_and_bad_options() {
    // SAFETY: NULL or valid handles; option structs live on the stack for the calls.
    unsafe {
        assert_eq!(btf__dedup(ptr::null_mut(), ptr::null()), -libc::EINVAL);
        assert_eq!(common::errno(), libc::EINVAL);
        let b = sample();
        // sz smaller than size_t: invalid, as libbpf's OPTS_VALID says
        let mut bad: btf_dedup_opts = std::mem::zeroed();
        bad.sz = 4;
        assert_eq!(btf__dedup(b, &bad), -libc::EINVAL);
        assert_eq!(btf__type_cnt(b), 5);
        // (zeroed: the padding after force_collisions must be zero too)
        let mut ok: btf_dedup_opts = std::mem::zeroed();
        ok.sz = std::mem::size_of::<btf_dedup_opts>();
        assert_eq!(btf__dedup(b, &ok), 0);
        assert_eq!(btf__type_cnt(b), 4);
        assert_eq!(btf__dedup(b, ptr::null()), 0);
        assert_eq!(btf__type_cnt(b), 4);
        btf__free(b);
    }
}

#[test]
fn malformed_ext_is_refused_and_btf_kept() {
    // SAFETY: valid handles; the .BTF.ext bytes outlive btf_ext__new's copy.
    unsafe {
        let b = sample();
        // func_info for section name offset 1 ("int") pointing at type 77, which does not exist
        let mut ext = Vec::new();
        for w in [0xEB9Fu32 | (1 << 16), 32, 0, 20, 20, 0, 20, 0, 8, 1, 1, 0, 77] {
            ext.extend_from_slice(&w.to_ne_bytes());
        }
        let e = btf_ext__new(ext.as_ptr(), ext.len() as u32);
        assert!(!e.is_null());
        let mut opts: btf_dedup_opts = std::mem::zeroed();
        opts.sz = std::mem::size_of::<btf_dedup_opts>();
        opts.btf_ext = e as *mut _;
        assert_eq!(btf__dedup(b, &opts), -libc::EINVAL);
        assert_eq!(common::errno(), libc::EINVAL);
        assert_eq!(btf__type_cnt(b), 5);
        btf_ext__free(e);
        assert_eq!(btf__dedup(b, ptr::null()), 0);
        btf__free(b);
    }
}

#[test]
fn distill_and_relocate_refuse_bad_arguments() {
    // SAFETY: NULL or valid handles; out-pointers are locals.
    unsafe {
        let base = sample();
        let mut nb = ptr::null_mut();
        // with its two `struct s` of one size, relocation onto it could not choose: dedup first
        assert_eq!(btf__dedup(base, ptr::null()), 0);
        let mut ns = ptr::null_mut();
        assert_eq!(btf__distill_base(ptr::null(), &mut nb, &mut ns), -libc::EINVAL);
        // not split BTF
        assert_eq!(btf__distill_base(base, &mut nb, &mut ns), -libc::EINVAL);
        assert!(nb.is_null() && ns.is_null());
        let split = btf__new_empty_split(base);
        btf__add_ptr(split, 2);
        assert_eq!(btf__distill_base(split, ptr::null_mut(), &mut ns), -libc::EINVAL);
        assert_eq!(btf__relocate(ptr::null_mut(), base), -libc::EINVAL);
        assert_eq!(btf__relocate(split, ptr::null()), -libc::EINVAL);
        assert_eq!(btf__relocate(split, base), -libc::EINVAL);
        assert_eq!(common::errno(), libc::EINVAL);
        // a base that is not distilled (it has a FUNC_PROTO) is refused
        let other = sample();
        assert_eq!(btf__relocate(split, other), -libc::EINVAL);
        assert_eq!(btf__base_btf(split), base as *const _);

        assert_eq!(btf__distill_base(split, &mut nb, &mut ns), 0);
        assert_eq!(btf__base_btf(ns), nb as *const _);
        assert_eq!(btf__relocate(ns, base), 0);
        assert_eq!(btf__base_btf(ns), base as *const _);
        assert_eq!(btf__type_cnt(ns), btf__type_cnt(split));
        btf__free(ns);
        btf__free(nb);
        btf__free(other);
        btf__free(split);
        btf__free(base);
    }
}
