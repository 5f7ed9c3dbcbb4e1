//! `bpf_link__*`: the link handle API (`struct bpf_link *`).
//!
//! A link is a `Box<Link>` handed to C by an attach call and reclaimed by `bpf_link__destroy()`
//! (see `handle.rs`). The behaviour arrives with the attach work (issue 3) and, for
//! `bpf_link__update_map()`, with struct_ops (issue 4); until then each export checks its
//! arguments and fails with `-EOPNOTSUPP` (or NULL with errno `EOPNOTSUPP`), naming itself in the
//! log.
//!
//! Every export's safety contract is the C API's: handle arguments are NULL or live handles this
//! library issued, strings are NULL or NUL-terminated.
#![allow(clippy::missing_safety_doc)]

use crate::ffi::handle;
use crate::ffi::types::{Link, Map, Program};
use crate::ffi::{self, not_yet, symver};
use std::ffi::{c_char, c_int};

/// Open a link pinned in BPF FS at `path`. Returns NULL with errno set on failure.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_link__open(path: *const c_char) -> *mut Link {
    ffi::ptr("bpf_link__open", || {
        // SAFETY: `path` is NULL or a C string (C API contract).
        unsafe { handle::cstr(path, "path") }?;
        Err(not_yet("bpf_link__open"))
    })
}
symver!(bpf_link__open, "LIBBPF_0.0.8");

/// The link's file descriptor, or a negative error (-EINVAL for a NULL link).
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_link__fd(link: *const Link) -> c_int {
    ffi::int("bpf_link__fd", || {
        // SAFETY: `link` is NULL or a live link handle (C API contract).
        unsafe { handle::get(link, "link") }?;
        Err(not_yet("bpf_link__fd"))
    })
}
symver!(bpf_link__fd, "LIBBPF_0.0.8");

/// Where the link is pinned, or NULL if it is not pinned.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_link__pin_path(link: *const Link) -> *const c_char {
    ffi::ptr::<c_char>("bpf_link__pin_path", || {
        // SAFETY: `link` is NULL or a live link handle (C API contract).
        unsafe { handle::get(link, "link") }?;
        Err(not_yet("bpf_link__pin_path"))
    })
}
symver!(bpf_link__pin_path, "LIBBPF_0.0.8");

/// Pin the link at `path` in BPF FS so it outlives this process. 0 or a negative error.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_link__pin(link: *mut Link, path: *const c_char) -> c_int {
    ffi::int("bpf_link__pin", || {
        // SAFETY: `link` is NULL or a live link handle; `path` NULL or a C string (C API contract).
        unsafe {
            handle::get(link, "link")?;
            handle::cstr(path, "path")?;
        }
        Err(not_yet("bpf_link__pin"))
    })
}
symver!(bpf_link__pin, "LIBBPF_0.0.8");

/// Remove the link's BPF FS pin. 0 or a negative error.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_link__unpin(link: *mut Link) -> c_int {
    ffi::int("bpf_link__unpin", || {
        // SAFETY: `link` is NULL or a live link handle (C API contract).
        unsafe { handle::get(link, "link") }?;
        Err(not_yet("bpf_link__unpin"))
    })
}
symver!(bpf_link__unpin, "LIBBPF_0.0.8");

/// Make the link run `prog` instead of its current program. 0 or a negative error.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_link__update_program(link: *mut Link, prog: *mut Program) -> c_int {
    ffi::int("bpf_link__update_program", || {
        // SAFETY: both are NULL or live handles (C API contract).
        unsafe {
            handle::get(link, "link")?;
            handle::get(prog, "prog")?;
        }
        Err(not_yet("bpf_link__update_program"))
    })
}
symver!(bpf_link__update_program, "LIBBPF_0.0.8");

/// Let the attachment outlive the handle: a later `bpf_link__destroy()` frees the handle but
/// leaves the program attached.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_link__disconnect(link: *mut Link) {
    // A void function: the failure is only logged (and errno set).
    ffi::int("bpf_link__disconnect", || {
        // SAFETY: `link` is NULL or a live link handle (C API contract).
        unsafe { handle::get(link, "link") }?;
        Err(not_yet("bpf_link__disconnect"))
    });
}
symver!(bpf_link__disconnect, "LIBBPF_0.0.7");

/// Detach the program from its hook now, keeping the handle (its fd then reports hang-up).
/// 0 or a negative error.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_link__detach(link: *mut Link) -> c_int {
    ffi::int("bpf_link__detach", || {
        // SAFETY: `link` is NULL or a live link handle (C API contract).
        unsafe { handle::get(link, "link") }?;
        Err(not_yet("bpf_link__detach"))
    })
}
symver!(bpf_link__detach, "LIBBPF_0.1.0");

/// Detach (unless disconnected) and free the link. NULL is accepted and returns 0.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_link__destroy(link: *mut Link) -> c_int {
    ffi::int("bpf_link__destroy", || {
        if link.is_null() {
            return Ok(0);
        }
        Err(not_yet("bpf_link__destroy"))
    })
}
symver!(bpf_link__destroy, "LIBBPF_0.0.4");

/// Switch a struct_ops link to the struct_ops map `map`. 0 or a negative error.
// Delivered by issue 4 (struct_ops)
#[no_mangle]
pub unsafe extern "C" fn bpf_link__update_map(link: *mut Link, map: *const Map) -> c_int {
    ffi::int("bpf_link__update_map", || {
        // SAFETY: both are NULL or live handles (C API contract).
        unsafe {
            handle::get(link, "link")?;
            handle::get(map, "map")?;
        }
        Err(not_yet("bpf_link__update_map"))
    })
}
symver!(bpf_link__update_map, "LIBBPF_1.2.0");

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::{null, null_mut};

    fn errno() -> c_int {
        // SAFETY: reads the calling thread's errno slot.
        unsafe { *libc::__errno_location() }
    }

    #[test]
    fn null_links_are_rejected() {
        // SAFETY: NULL is a valid argument to every export.
        unsafe {
            assert_eq!(bpf_link__fd(null()), -libc::EINVAL);
            assert!(bpf_link__pin_path(null()).is_null());
            assert_eq!(errno(), libc::EINVAL);
            assert_eq!(
                bpf_link__pin(null_mut(), c"/sys/fs/bpf/x".as_ptr()),
                -libc::EINVAL
            );
            assert_eq!(bpf_link__unpin(null_mut()), -libc::EINVAL);
            assert_eq!(
                bpf_link__update_program(null_mut(), null_mut()),
                -libc::EINVAL
            );
            assert_eq!(bpf_link__detach(null_mut()), -libc::EINVAL);
            assert_eq!(bpf_link__update_map(null_mut(), null()), -libc::EINVAL);
            bpf_link__disconnect(null_mut());
            assert!(bpf_link__open(null()).is_null());
            assert_eq!(errno(), libc::EINVAL);
        }
    }

    #[test]
    fn destroying_null_is_a_no_op() {
        // SAFETY: NULL is accepted.
        assert_eq!(unsafe { bpf_link__destroy(null_mut()) }, 0);
    }

    #[test]
    fn open_is_not_yet_implemented() {
        // SAFETY: a valid C string.
        let l = unsafe { bpf_link__open(c"/sys/fs/bpf/none".as_ptr()) };
        assert!(l.is_null());
        assert_eq!(errno(), libc::EOPNOTSUPP);
    }
}
