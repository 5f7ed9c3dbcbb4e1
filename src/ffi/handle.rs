//! Checked conversions from the raw pointers C hands us to references into the safe core.
//!
//! Ownership (one documented way per handle):
//! * `struct bpf_object *` is a `Box<Object>` leaked by the open functions and reclaimed by
//!   `bpf_object__close` (or skeleton destroy).
//! * `struct bpf_map *` / `struct bpf_program *` point at `Box`ed entries owned by their object;
//!   the boxes never move or drop before the object closes, so the addresses stay stable (the
//!   struct_ops shadow and skeletons store them).
//! * `struct bpf_link *` is a `Box<Link>` leaked at attach and reclaimed by `bpf_link__destroy`.
//!
//! NULL is the only invalid pointer we can detect; anything else is trusted to be a handle we
//! issued, as libbpf does.

use crate::error::{Error, Result};

/// `&T` from a handle pointer, `-EINVAL` for NULL.
///
/// # Safety
/// `p` must be NULL or a handle of type `T` issued by this library and still alive, with no
/// `&mut` to it live for `'a`.
pub unsafe fn get<'a, T>(p: *const T, what: &str) -> Result<&'a T> {
    // SAFETY: the caller guarantees a non-NULL `p` is a live handle of type T.
    unsafe { p.as_ref() }.ok_or_else(|| Error::inval(format!("{what} is NULL")))
}

/// `&mut T` from a handle pointer, `-EINVAL` for NULL.
///
/// # Safety
/// As [`get`], and no other reference to `*p` may be live for `'a`.
pub unsafe fn get_mut<'a, T>(p: *mut T, what: &str) -> Result<&'a mut T> {
    // SAFETY: the caller guarantees a non-NULL `p` is a live, unaliased handle of type T.
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
