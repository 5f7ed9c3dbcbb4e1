//! Checked conversions from the raw pointers C hands us to references into the safe core,
//! against the registry of live handles (`crate::registry`).
//!
//! Ownership (one documented way per handle):
//! * `struct bpf_object *` is a `Box<Object>` leaked by the open functions and reclaimed by
//!   `bpf_object__close` (or skeleton destroy).
//! * `struct bpf_map *` / `struct bpf_program *` point at `Box`ed entries owned by their object;
//!   the boxes never move or drop before the object closes, so the addresses stay stable (the
//!   struct_ops shadow and skeletons store them).
//! * `struct bpf_link *` is a `Box<Link>` leaked at attach and reclaimed by `bpf_link__destroy`.
//! * `struct btf *`, `struct btf_ext *`, ring/user ring/perf buffers: `Box`es issued by their
//!   constructors and reclaimed by their `__free`. An object's own BTF (`bpf_object__btf`), the
//!   inner map of a map-in-map (`bpf_map__inner_map`) and a ring buffer's rings
//!   (`ring_buffer__ring`) are registered handles owned by their parent and die with it.
//!
//! The registry itself (what is live, of which type, owned by whom) is `crate::registry`; its
//! functions are re-exported here for the exports.

use crate::error::{Error, Result};
pub use crate::registry::{check, is_live, issue, reclaim, register, retire, Handle};

impl Handle for crate::object::Object {
    const KIND: &'static str = "struct bpf_object";
}
impl Handle for crate::object::Map {
    const KIND: &'static str = "struct bpf_map";
}
impl Handle for crate::object::Program {
    const KIND: &'static str = "struct bpf_program";
}
impl Handle for crate::attach::link::Link {
    const KIND: &'static str = "struct bpf_link";
}
impl Handle for crate::btf::Btf {
    const KIND: &'static str = "struct btf";
}
impl Handle for crate::btf::BtfExt {
    const KIND: &'static str = "struct btf_ext";
}
impl Handle for crate::buffers::ringbuf::RingBuffer {
    const KIND: &'static str = "struct ring_buffer";
}
impl Handle for crate::buffers::ringbuf::Ring {
    const KIND: &'static str = "struct ring";
}
impl Handle for crate::buffers::ringbuf::UserRingBuffer {
    const KIND: &'static str = "struct user_ring_buffer";
}
impl Handle for crate::buffers::perfbuf::PerfBuffer {
    const KIND: &'static str = "struct perf_buffer";
}

/// `&T` from a handle pointer: `-EINVAL` for NULL and for anything not a live `T` handle.
///
/// # Safety
/// No `&mut` to `*p` may be live for `'a`, and the handle must stay alive for `'a`.
pub unsafe fn get<'a, T: Handle>(p: *const T, what: &str) -> Result<&'a T> {
    check(p, what)?;
    // SAFETY: p is a live, registered handle of type T (checked just above).
    Ok(unsafe { &*p })
}

/// `&mut T` from a handle pointer, checked as [`get`].
///
/// # Safety
/// As [`get`], and no other reference to `*p` may be live for `'a`.
pub unsafe fn get_mut<'a, T: Handle>(p: *mut T, what: &str) -> Result<&'a mut T> {
    check(p, what)?;
    // SAFETY: p is a live, registered handle of type T (checked just above).
    Ok(unsafe { &mut *p })
}

/// For accessors where NULL is a silent fallback: NULL → `Ok(None)`, a live handle →
/// `Ok(Some)`, anything else → the error of [`check`] (log it with [`super::logged`]).
///
/// # Safety
/// As [`get`].
pub unsafe fn opt<'a, T: Handle>(p: *const T, what: &str) -> Result<Option<&'a T>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { get(p, what) }.map(Some)
}

/// [`opt`] yielding `&mut T`.
///
/// # Safety
/// As [`get_mut`].
pub unsafe fn opt_mut<'a, T: Handle>(p: *mut T, what: &str) -> Result<Option<&'a mut T>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { get_mut(p, what) }.map(Some)
}

/// [`opt`] for accessors that return a fallback: NULL and a refused pointer both give `None`
/// (the latter logged, naming `func`, with errno EINVAL).
///
/// # Safety
/// As [`get`].
pub unsafe fn opt_logged<'a, T: Handle>(func: &str, p: *const T, what: &str) -> Option<&'a T> {
    // SAFETY: forwarded contract.
    super::logged(func, unsafe { opt(p, what) }).flatten()
}

/// `&mut T` for a struct the caller owns (skeletons, subskeletons): not a handle, only NULL is
/// refused.
///
/// # Safety
/// `p` must be NULL or point to a valid, unaliased `T` for `'a`.
pub unsafe fn caller_mut<'a, T>(p: *mut T, what: &str) -> Result<&'a mut T> {
    // SAFETY: the caller guarantees a non-NULL `p` is valid and unaliased.
    unsafe { p.as_mut() }.ok_or_else(|| Error::inval(format!("{what} is NULL")))
}

/// A NUL-terminated C string as `&str`; NULL or non-UTF-8 → `-EINVAL` naming `what`.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string that lives for `'a`.
pub unsafe fn cstr<'a>(p: *const std::ffi::c_char, what: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(Error::inval(format!("{what} is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let c = unsafe { std::ffi::CStr::from_ptr(p) };
    c.to_str().map_err(|_| Error::inval(format!("{what} is not valid UTF-8")))
}

/// Like [`cstr`] but NULL is `None` (optional string arguments and option fields).
///
/// # Safety
/// As [`cstr`].
pub unsafe fn opt_cstr<'a>(p: *const std::ffi::c_char, what: &str) -> Result<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { cstr(p, what) }.map(Some)
    }
}
