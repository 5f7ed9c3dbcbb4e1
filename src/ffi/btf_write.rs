//! btf.h: building BTF (`btf__new_empty*`, `btf__add_*`, strings, `btf__add_type`/`btf__add_btf`),
//! byte order (`btf__set_endianness`) and the kernel (`btf__load_into_kernel`,
//! `btf__load_from_kernel_by_id*`, `btf__set_fd`).
//!
//! Handles are those of `btf.rs`: `btf__new_empty*` and `btf__load_from_kernel_by_id*` leak a
//! `Box<Btf>` that `btf__free` reclaims (closing the BTF's kernel fd, if any, as libbpf does).
//! Additions may move the type and string buffers: pointers from `btf__type_by_id`,
//! `btf__name_by_offset` and `btf__raw_data` are invalidated by them, as in libbpf.
//!
//! The `btf__add_*` functions return a type id (or 0 for members/values/params) or `-errno`;
//! argument errors are reported by errno alone, like libbpf's.

use super::btf::{base_of, leak, with_base};
use super::types::{btf_endianness, btf_func_linkage, btf_fwd_kind};
use super::types_btf::btf_type;
use super::{handle, int, ptr, symver, val};
use crate::btf::{Btf, BtfExt, Kind};
use crate::error::{Error, Result};
use std::ffi::{c_char, c_int, CStr};

/// A NULL-able C string argument as bytes.
///
/// # Safety
/// `p` must be NULL or a NUL-terminated string valid for `'a`.
unsafe fn name<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: non-NULL `p` is NUL-terminated per the caller's contract.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// Run `f` on the BTF behind a mutable C handle.
///
/// # Safety
/// `btf` must be NULL or a live, unaliased `struct btf *`.
unsafe fn with_mut<T>(btf: *mut Btf, f: impl FnOnce(&mut Btf) -> Result<T>) -> Result<T> {
    // SAFETY: forwarded contract.
    f(unsafe { handle::get_mut(btf, "btf") }?)
}

fn as_id(r: Result<u32>) -> Result<c_int> {
    r.map(|v| v as c_int)
}

/// Close the kernel fd a BTF handle owns (at `btf__free`).
pub(super) fn close_fd(btf: &Btf) {
    if btf.fd() >= 0 {
        // SAFETY: the fd was recorded by btf__load_into_kernel or handed over by btf__set_fd;
        // the handle owns it and is being freed, so nothing else closes it.
        drop(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(btf.fd()) });
    }
}

/// A new, empty BTF (only the empty string); the host's pointer size.
///
/// # Safety
/// No pointer arguments; `unsafe` only for uniformity of the C API.
#[no_mangle]
pub unsafe extern "C" fn btf__new_empty() -> *mut Btf {
    ptr("btf__new_empty", || Ok(leak(Btf::new_empty(None))))
}
symver!(btf__new_empty, "LIBBPF_0.2.0");

/// A new, empty split BTF on top of `base_btf` (NULL: as `btf__new_empty`); ids and string
/// offsets continue the base's.
///
/// # Safety
/// `base_btf` must be NULL or a live `struct btf *` that outlives the new one.
#[no_mangle]
pub unsafe extern "C" fn btf__new_empty_split(base_btf: *mut Btf) -> *mut Btf {
    ptr("btf__new_empty_split", || {
        // SAFETY: `base_btf` is NULL or live.
        with_base(unsafe { base_of(base_btf) }?, |b| Ok(Btf::new_empty(b)))
    })
}
symver!(btf__new_empty_split, "LIBBPF_0.3.0");

/// Offset of string `s` (the base's first), `-ENOENT` if absent.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `s` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__find_str(btf: *mut Btf, s: *const c_char) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__find_str", || unsafe {
        let s = name(s).ok_or_else(|| Error::inval("btf__find_str: string is NULL"))?;
        with_mut(btf, |b| as_id(b.find_str(s)))
    })
}
symver!(btf__find_str, "LIBBPF_0.2.0");

/// Offset of string `s`, added to the string section unless present (here or in the base).
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `s` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_str(btf: *mut Btf, s: *const c_char) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_str", || unsafe {
        let s = name(s).ok_or_else(|| Error::inval("btf__add_str: string is NULL"))?;
        with_mut(btf, |b| as_id(b.add_str(s)))
    })
}
symver!(btf__add_str, "LIBBPF_0.2.0");

/// The record `src_type` points at, read from `src` when it is one of `src`'s (or its bases')
/// records, else read through the pointer (a record the caller built).
///
/// # Safety
/// `src_type` must point to a complete kernel-format record (header and trailer).
unsafe fn record_of(src: &Btf, src_type: *const btf_type) -> Result<Vec<u32>> {
    if src_type.is_null() {
        return Err(Error::inval("btf__add_type: src_type is NULL"));
    }
    if let Some(rec) = src.record_at_addr(src_type as usize) {
        return Ok(rec.to_vec());
    }
    let p = src_type as *const u32;
    // SAFETY: the caller's record starts with the 12-byte `struct btf_type`.
    let head = unsafe { std::slice::from_raw_parts(p, 3) };
    let inf = head[1];
    let n = Kind::from_raw((inf >> 24) & 0x1f)
        .and_then(|k| k.record_words((inf & 0xffff) as u16))
        .ok_or(Error::quiet(libc::EINVAL))?;
    // SAFETY: a complete record of kind/vlen `inf` is `n` words, per the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(p, n) }.to_vec())
}

/// Append a copy of `src_type` (a type of `src_btf`) with its strings re-added; referenced type
/// ids are copied unchanged. Returns the new type id.
///
/// # Safety
/// `btf`, `src_btf` must be live `struct btf *` (they may be the same); `src_type` must point to
/// a type record (e.g. from `btf__type_by_id(src_btf, id)`).
#[no_mangle]
pub unsafe extern "C" fn btf__add_type(btf: *mut Btf, src_btf: *const Btf, src_type: *const btf_type) -> c_int {
    int("btf__add_type", || {
        if std::ptr::eq(btf, src_btf) {
            // One handle as both: read the record out first, then append to it.
            // SAFETY: `btf` is NULL or live and unaliased; `src_type` per the caller's contract.
            return unsafe {
                with_mut(btf, |b| {
                    let rec = record_of(b, src_type)?;
                    as_id(b.add_own_type(&rec))
                })
            };
        }
        // SAFETY: `src_btf` is NULL or live, and another handle than `btf`.
        let src = unsafe { handle::get(src_btf, "src_btf") }?;
        // SAFETY: per the caller's contract.
        let rec = unsafe { record_of(src, src_type) }?;
        // SAFETY: `btf` is NULL or live, and not `src_btf`.
        unsafe { with_mut(btf, |b| as_id(b.add_type(src, &rec))) }
    })
}
symver!(btf__add_type, "LIBBPF_0.4.0");

/// Append every type of `src_btf` (not split BTF: `-ENOTSUP`), ids and strings remapped.
/// Returns the id of the first appended type.
///
/// # Safety
/// `btf`, `src_btf` must be live `struct btf *` (they may be the same).
#[no_mangle]
pub unsafe extern "C" fn btf__add_btf(btf: *mut Btf, src_btf: *const Btf) -> c_int {
    int("btf__add_btf", || {
        // SAFETY: `src_btf` is NULL or live; a copy (sharing the data) avoids aliasing `btf`.
        let src = unsafe { handle::get(src_btf, "src_btf") }?.clone();
        // SAFETY: `btf` is NULL or live.
        unsafe { with_mut(btf, |b| as_id(b.add_btf(&src))) }
    })
}
symver!(btf__add_btf, "LIBBPF_0.6.0");

/// Append `INT name` of `byte_sz` bytes (a power of two up to 16) with `BTF_INT_*` `encoding`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_int(btf: *mut Btf, name: *const c_char, byte_sz: usize, encoding: c_int) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_int", || unsafe { with_mut(btf, |b| as_id(b.add_int(self::name(name), byte_sz, encoding))) })
}
symver!(btf__add_int, "LIBBPF_0.2.0");

/// Append `FLOAT name` of 2, 4, 8, 12 or 16 bytes.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_float(btf: *mut Btf, name: *const c_char, byte_sz: usize) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_float", || unsafe { with_mut(btf, |b| as_id(b.add_float(self::name(name), byte_sz))) })
}
symver!(btf__add_float, "LIBBPF_0.4.0");

/// Append a PTR to `ref_type_id` (which may be added later).
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__add_ptr(btf: *mut Btf, ref_type_id: c_int) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_ptr", || unsafe { with_mut(btf, |b| as_id(b.add_ptr(ref_type_id))) })
}
symver!(btf__add_ptr, "LIBBPF_0.2.0");

/// Append an ARRAY of `nr_elems` `elem_type_id` indexed by `index_type_id`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__add_array(
    btf: *mut Btf,
    index_type_id: c_int,
    elem_type_id: c_int,
    nr_elems: u32,
) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_array", || unsafe {
        with_mut(btf, |b| as_id(b.add_array_type(index_type_id, elem_type_id, nr_elems)))
    })
}
symver!(btf__add_array, "LIBBPF_0.2.0");

/// Append a STRUCT (`name` NULL or "" for an anonymous one); fields follow with
/// `btf__add_field`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_struct(btf: *mut Btf, name: *const c_char, sz: u32) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_struct", || unsafe { with_mut(btf, |b| as_id(b.add_composite(false, self::name(name), sz))) })
}
symver!(btf__add_struct, "LIBBPF_0.2.0");

/// Append a UNION; fields (all at bit offset 0) follow with `btf__add_field`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_union(btf: *mut Btf, name: *const c_char, sz: u32) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_union", || unsafe { with_mut(btf, |b| as_id(b.add_composite(true, self::name(name), sz))) })
}
symver!(btf__add_union, "LIBBPF_0.2.0");

/// Add a field to the last STRUCT/UNION; a bitfield (`bit_size` > 0) sets its kind flag.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_field(
    btf: *mut Btf,
    name: *const c_char,
    field_type_id: c_int,
    bit_offset: u32,
    bit_size: u32,
) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_field", || unsafe {
        with_mut(btf, |b| b.add_field(self::name(name), field_type_id, bit_offset, bit_size).map(|()| 0))
    })
}
symver!(btf__add_field, "LIBBPF_0.2.0");

/// Append an ENUM of `bytes_sz` bytes (unsigned until a negative value is added).
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_enum(btf: *mut Btf, name: *const c_char, bytes_sz: u32) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_enum", || unsafe {
        with_mut(btf, |b| as_id(b.add_enum_type(self::name(name), bytes_sz, false, false)))
    })
}
symver!(btf__add_enum, "LIBBPF_0.2.0");

/// Add a value to the last ENUM (`-E2BIG` outside [INT_MIN, UINT_MAX]).
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_enum_value(btf: *mut Btf, name: *const c_char, value: i64) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_enum_value", || unsafe { with_mut(btf, |b| b.add_enum_value(self::name(name), value).map(|()| 0)) })
}
symver!(btf__add_enum_value, "LIBBPF_0.2.0");

/// Append an ENUM64 of `bytes_sz` bytes, signed or not.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_enum64(btf: *mut Btf, name: *const c_char, bytes_sz: u32, is_signed: bool) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_enum64", || unsafe {
        with_mut(btf, |b| as_id(b.add_enum_type(self::name(name), bytes_sz, true, is_signed)))
    })
}
symver!(btf__add_enum64, "LIBBPF_1.0.0");

/// Add a value to the last ENUM64.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_enum64_value(btf: *mut Btf, name: *const c_char, value: u64) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_enum64_value", || unsafe {
        with_mut(btf, |b| b.add_enum64_value(self::name(name), value).map(|()| 0))
    })
}
symver!(btf__add_enum64_value, "LIBBPF_1.0.0");

/// Append a forward declaration: `BTF_FWD_STRUCT`/`BTF_FWD_UNION` give a FWD,
/// `BTF_FWD_ENUM` an empty 4-byte ENUM.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_fwd(btf: *mut Btf, name: *const c_char, fwd_kind: btf_fwd_kind) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_fwd", || unsafe { with_mut(btf, |b| as_id(b.add_fwd(self::name(name), fwd_kind))) })
}
symver!(btf__add_fwd, "LIBBPF_0.2.0");

/// Append `TYPEDEF name` for `ref_type_id`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_typedef(btf: *mut Btf, name: *const c_char, ref_type_id: c_int) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_typedef", || unsafe { with_mut(btf, |b| as_id(b.add_typedef(self::name(name), ref_type_id))) })
}
symver!(btf__add_typedef, "LIBBPF_0.2.0");

/// Append a VOLATILE modifier of `ref_type_id`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__add_volatile(btf: *mut Btf, ref_type_id: c_int) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_volatile", || unsafe { with_mut(btf, |b| as_id(b.add_volatile(ref_type_id))) })
}
symver!(btf__add_volatile, "LIBBPF_0.2.0");

/// Append a CONST modifier of `ref_type_id`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__add_const(btf: *mut Btf, ref_type_id: c_int) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_const", || unsafe { with_mut(btf, |b| as_id(b.add_const(ref_type_id))) })
}
symver!(btf__add_const, "LIBBPF_0.2.0");

/// Append a RESTRICT modifier of `ref_type_id`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__add_restrict(btf: *mut Btf, ref_type_id: c_int) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_restrict", || unsafe { with_mut(btf, |b| as_id(b.add_restrict(ref_type_id))) })
}
symver!(btf__add_restrict, "LIBBPF_0.2.0");

/// Append a TYPE_TAG `value` on `ref_type_id`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `value` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_type_tag(btf: *mut Btf, value: *const c_char, ref_type_id: c_int) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_type_tag", || unsafe { with_mut(btf, |b| as_id(b.add_type_tag(self::name(value), ref_type_id))) })
}
symver!(btf__add_type_tag, "LIBBPF_0.6.0");

/// Append a TYPE_TAG `value` on `ref_type_id` with kflag set: an `__attribute__` (libbpf 1.6).
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `value` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_type_attr(btf: *mut Btf, value: *const c_char, ref_type_id: c_int) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_type_attr", || unsafe { with_mut(btf, |b| as_id(b.add_type_attr(self::name(value), ref_type_id))) })
}
symver!(btf__add_type_attr, "LIBBPF_1.6.0");

/// Append a FUNC `name` of prototype `proto_type_id` with `linkage`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_func(
    btf: *mut Btf,
    name: *const c_char,
    linkage: btf_func_linkage,
    proto_type_id: c_int,
) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_func", || unsafe { with_mut(btf, |b| as_id(b.add_func(self::name(name), linkage, proto_type_id))) })
}
symver!(btf__add_func, "LIBBPF_0.2.0");

/// Append a FUNC_PROTO returning `ret_type_id`; parameters follow with `btf__add_func_param`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__add_func_proto(btf: *mut Btf, ret_type_id: c_int) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_func_proto", || unsafe { with_mut(btf, |b| as_id(b.add_func_proto(ret_type_id))) })
}
symver!(btf__add_func_proto, "LIBBPF_0.2.0");

/// Add a parameter to the last FUNC_PROTO.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_func_param(btf: *mut Btf, name: *const c_char, type_id: c_int) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_func_param", || unsafe { with_mut(btf, |b| b.add_func_param(self::name(name), type_id).map(|()| 0)) })
}
symver!(btf__add_func_param, "LIBBPF_0.2.0");

/// Append a VAR `name` of `type_id` with `BTF_VAR_*` `linkage`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_var(btf: *mut Btf, name: *const c_char, linkage: c_int, type_id: c_int) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_var", || unsafe { with_mut(btf, |b| as_id(b.add_var_type(self::name(name), linkage, type_id))) })
}
symver!(btf__add_var, "LIBBPF_0.2.0");

/// Append a DATASEC `name` of `byte_sz` bytes; entries follow with `btf__add_datasec_var_info`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `name` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_datasec(btf: *mut Btf, name: *const c_char, byte_sz: u32) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_datasec", || unsafe { with_mut(btf, |b| as_id(b.add_datasec(self::name(name), byte_sz))) })
}
symver!(btf__add_datasec, "LIBBPF_0.2.0");

/// Add a variable entry to the last DATASEC.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__add_datasec_var_info(
    btf: *mut Btf,
    var_type_id: c_int,
    offset: u32,
    byte_sz: u32,
) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_datasec_var_info", || unsafe {
        with_mut(btf, |b| b.add_datasec_var_info(var_type_id, offset, byte_sz).map(|()| 0))
    })
}
symver!(btf__add_datasec_var_info, "LIBBPF_0.2.0");

/// Append a DECL_TAG `value` on `ref_type_id` (`component_idx` -1: the type itself, else a
/// member or parameter index).
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `value` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_decl_tag(
    btf: *mut Btf,
    value: *const c_char,
    ref_type_id: c_int,
    component_idx: c_int,
) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_decl_tag", || unsafe {
        with_mut(btf, |b| as_id(b.add_decl_tag(self::name(value), ref_type_id, component_idx)))
    })
}
symver!(btf__add_decl_tag, "LIBBPF_0.6.0");

/// Append a DECL_TAG `value` on `ref_type_id` with kflag set: an `__attribute__` (libbpf 1.6).
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `value` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__add_decl_attr(
    btf: *mut Btf,
    value: *const c_char,
    ref_type_id: c_int,
    component_idx: c_int,
) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__add_decl_attr", || unsafe {
        with_mut(btf, |b| as_id(b.add_decl_attr(self::name(value), ref_type_id, component_idx)))
    })
}
symver!(btf__add_decl_attr, "LIBBPF_1.6.0");

/// Load the BTF into the kernel and keep its fd (`btf__fd`); `-EEXIST` if it has one. On failure
/// the kernel's log is printed as libbpf prints it.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__load_into_kernel(btf: *mut Btf) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__load_into_kernel", || unsafe { with_mut(btf, |b| b.load_into_kernel().map(|()| 0)) })
}
symver!(btf__load_into_kernel, "LIBBPF_0.5.0");

/// The kernel's BTF object `id`, split on `base_btf` if non-NULL.
///
/// # Safety
/// `base_btf` must be NULL or a live `struct btf *` that outlives the result.
#[no_mangle]
pub unsafe extern "C" fn btf__load_from_kernel_by_id_split(id: u32, base_btf: *mut Btf) -> *mut Btf {
    ptr("btf__load_from_kernel_by_id_split", || {
        // SAFETY: `base_btf` is NULL or live.
        with_base(unsafe { base_of(base_btf) }?, |b| Btf::load_from_kernel_by_id(id, b))
    })
}
symver!(btf__load_from_kernel_by_id_split, "LIBBPF_0.5.0");

/// The kernel's BTF object `id`.
///
/// # Safety
/// No pointer arguments; `unsafe` only for uniformity of the C API.
#[no_mangle]
pub unsafe extern "C" fn btf__load_from_kernel_by_id(id: u32) -> *mut Btf {
    ptr("btf__load_from_kernel_by_id", || Ok(leak(Btf::load_from_kernel_by_id(id, None)?)))
}
symver!(btf__load_from_kernel_by_id, "LIBBPF_0.5.0");

/// Give the BTF a kernel fd, which `btf__free` will close (the previous one is not closed).
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__set_fd(btf: *mut Btf, fd: c_int) {
    val("btf__set_fd", (), || {
        // SAFETY: per the caller's contract.
        if let Ok(b) = unsafe { handle::get_mut(btf, "btf") } {
            b.set_fd(fd);
        }
    })
}
symver!(btf__set_fd, "LIBBPF_0.1.0");

/// Byte order `btf__raw_data` produces from now on: `BTF_LITTLE_ENDIAN` or `BTF_BIG_ENDIAN`
/// (anything else `-EINVAL`).
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__set_endianness(btf: *mut Btf, endian: btf_endianness) -> c_int {
    // SAFETY: per the caller's contract.
    int("btf__set_endianness", || unsafe {
        with_mut(btf, |b| {
            if endian > 1 {
                return Err(Error::quiet(libc::EINVAL));
            }
            b.set_big_endian(endian == 1);
            Ok(0)
        })
    })
}
symver!(btf__set_endianness, "LIBBPF_0.2.0");

/// Byte order `btf_ext__raw_data` produces from now on (anything but `BTF_LITTLE_ENDIAN` or
/// `BTF_BIG_ENDIAN` is `-EINVAL`).
///
/// # Safety
/// `btf_ext` must be NULL or a live `struct btf_ext *`.
#[no_mangle]
pub unsafe extern "C" fn btf_ext__set_endianness(btf_ext: *mut BtfExt, endian: btf_endianness) -> c_int {
    int("btf_ext__set_endianness", || {
        // SAFETY: per the caller's contract.
        let e = unsafe { handle::get_mut(btf_ext, "btf_ext") }?;
        if endian > 1 {
            return Err(Error::quiet(libc::EINVAL));
        }
        e.set_big_endian(endian == 1);
        Ok(0)
    })
}
symver!(btf_ext__set_endianness, "LIBBPF_1.5.0");
