//! `bpf_link__*`: the link handle API (`struct bpf_link *`).
//!
//! A link is a `Box<Link>` handed to C by an attach call (or `bpf_link__open`) and reclaimed by
//! `bpf_link__destroy()`. Every export's safety contract is the C API's: handle arguments are
//! NULL or live handles this library issued, strings are NULL or NUL-terminated.
#![allow(clippy::missing_safety_doc)]

use crate::error::Error;
use crate::ffi::handle;
use crate::ffi::types::{Link, Map, Program};
use crate::ffi::{self, symver};
use std::ffi::{c_char, c_int};
use std::os::fd::{AsFd, BorrowedFd};

/// Open a link pinned in BPF FS at `path`. Returns NULL with errno set on failure.
#[no_mangle]
pub unsafe extern "C" fn bpf_link__open(path: *const c_char) -> *mut Link {
    ffi::ptr("bpf_link__open", || {
        // SAFETY: `path` is NULL or a C string (C API contract).
        let p = unsafe { handle::cstr(path, "path") }?;
        Ok(handle::issue(Box::new(Link::open_pinned(p)?)))
    })
}
symver!(bpf_link__open, "LIBBPF_0.0.8");

/// The link's file descriptor (for a legacy struct_ops registration, the map's), or -EINVAL.
#[no_mangle]
pub unsafe extern "C" fn bpf_link__fd(link: *const Link) -> c_int {
    ffi::int("bpf_link__fd", || {
        // SAFETY: `link` is NULL or a live link handle (C API contract).
        Ok(unsafe { handle::get(link, "link") }?.raw_fd())
    })
}
symver!(bpf_link__fd, "LIBBPF_0.0.8");

/// Where the link is pinned, or NULL if it is not pinned.
#[no_mangle]
pub unsafe extern "C" fn bpf_link__pin_path(link: *const Link) -> *const c_char {
    ffi::val("bpf_link__pin_path", std::ptr::null(), || {
        // SAFETY: `link` is NULL or a live link handle (C API contract).
        unsafe { handle::opt_logged("bpf_link__pin_path", link, "link") }
            .and_then(|l| l.pin_path.as_ref())
            .map_or(std::ptr::null(), |p| p.as_ptr())
    })
}
symver!(bpf_link__pin_path, "LIBBPF_0.0.8");

/// Pin the link at `path` in BPF FS so it outlives this process. 0 or a negative error.
#[no_mangle]
pub unsafe extern "C" fn bpf_link__pin(link: *mut Link, path: *const c_char) -> c_int {
    ffi::int("bpf_link__pin", || {
        // SAFETY: `link` is NULL or a live link handle; `path` NULL or a C string (C API contract).
        let (l, p) = unsafe { (handle::get_mut(link, "link")?, handle::cstr(path, "path")?) };
        l.pin(p).map(|()| 0)
    })
}
symver!(bpf_link__pin, "LIBBPF_0.0.8");

/// Remove the link's pin. -EINVAL if it is not pinned.
#[no_mangle]
pub unsafe extern "C" fn bpf_link__unpin(link: *mut Link) -> c_int {
    ffi::int("bpf_link__unpin", || {
        // SAFETY: `link` is NULL or a live link handle (C API contract).
        unsafe { handle::get_mut(link, "link") }?.unpin().map(|()| 0)
    })
}
symver!(bpf_link__unpin, "LIBBPF_0.0.8");

/// Replace the program behind the link (the new program must be loaded).
#[no_mangle]
pub unsafe extern "C" fn bpf_link__update_program(link: *mut Link, prog: *mut Program) -> c_int {
    ffi::int("bpf_link__update_program", || {
        // SAFETY: both are NULL or live handles (C API contract).
        let (l, p) = unsafe { (handle::get_mut(link, "link")?, handle::get(prog, "program")?) };
        let fd =
            p.fd.as_ref().ok_or_else(|| Error::inval(format!("prog '{}': not loaded", p.name().to_string_lossy())))?;
        l.update_program(fd.as_fd()).map(|()| 0)
    })
}
symver!(bpf_link__update_program, "LIBBPF_0.0.8");

/// Release ownership: a later `bpf_link__destroy` frees the handle but leaves the attachment.
#[no_mangle]
pub unsafe extern "C" fn bpf_link__disconnect(link: *mut Link) {
    ffi::val("bpf_link__disconnect", (), || {
        if !link.is_null() {
            // SAFETY: checked as a live link handle; not aliased during the call (C API contract).
            let l = unsafe { handle::get_mut(link, "link") };
            if let Some(l) = ffi::logged("bpf_link__disconnect", l) {
                l.disconnected = true;
            }
        }
    })
}
symver!(bpf_link__disconnect, "LIBBPF_0.0.7");

/// End the attachment now (BPF_LINK_DETACH); the handle stays valid until destroyed and its fd
/// reports EPOLLHUP.
#[no_mangle]
pub unsafe extern "C" fn bpf_link__detach(link: *mut Link) -> c_int {
    ffi::int("bpf_link__detach", || {
        // SAFETY: `link` is NULL or a live link handle (C API contract).
        unsafe { handle::get(link, "link") }?.detach().map(|()| 0)
    })
}
symver!(bpf_link__detach, "LIBBPF_0.1.0");

/// Detach (unless disconnected) and free the link. NULL is a no-op returning 0.
#[no_mangle]
pub unsafe extern "C" fn bpf_link__destroy(link: *mut Link) -> c_int {
    ffi::int("bpf_link__destroy", || {
        // SAFETY: a live `link` was issued by this library and is destroyed once.
        match unsafe { handle::reclaim(link, "link") }? {
            Some(l) => l.destroy().map(|()| 0),
            None => Ok(0),
        }
    })
}
symver!(bpf_link__destroy, "LIBBPF_0.0.4");

/// Point a struct_ops link at another (loaded) struct_ops map, swapping the live
/// implementation.
#[no_mangle]
pub unsafe extern "C" fn bpf_link__update_map(link: *mut Link, map: *const Map) -> c_int {
    ffi::int("bpf_link__update_map", || {
        // SAFETY: both are NULL or live handles (C API contract).
        let (l, m) = unsafe { (handle::get_mut(link, "link")?, handle::get(map, "map")?) };
        let name = m.name().to_string_lossy().into_owned();
        // libbpf 1.5: -EINVAL without a log line for a map that is not struct_ops.
        if !m.is_struct_ops() {
            return Err(Error::quiet(libc::EINVAL));
        }
        let fd =
            m.fd.as_ref()
                .ok_or_else(|| Error::inval(format!("map '{name}': can't use BPF map without FD (was it created?)")))?;
        let Some(k) = m.st_ops_kern.as_ref() else {
            return Err(Error::inval(format!("map '{name}': not a loaded struct_ops map")));
        };
        // SAFETY: the map's fd lives as long as its object, which outlives this call.
        let bfd = unsafe { BorrowedFd::borrow_raw(std::os::fd::AsRawFd::as_raw_fd(fd)) };
        l.update_map(bfd, &k.vdata).map(|()| 0)
    })
}
symver!(bpf_link__update_map, "LIBBPF_1.2.0");
