//! bpf.h's pinning: `bpf_obj_pin`/`bpf_obj_get` and their `_opts` forms.

use super::{done, fd_out, read_opts};
use crate::ffi::types_bpf::*;
use crate::ffi::{int, symver};
use crate::sys::attr;
use crate::sys::cmd::raw;
use std::ffi::{c_char, c_int};

/// Pin an object at `pathname` on a BPF FS.
#[no_mangle]
pub unsafe extern "C" fn bpf_obj_pin(fd: c_int, pathname: *const c_char) -> c_int {
    // SAFETY: forwarded contract; NULL options.
    unsafe { obj_pin("bpf_obj_pin", fd, pathname, std::ptr::null()) }
}
symver!(bpf_obj_pin, "LIBBPF_0.0.1");

/// Pin with `file_flags` (`BPF_F_PATH_FD`) and `path_fd`.
#[no_mangle]
pub unsafe extern "C" fn bpf_obj_pin_opts(fd: c_int, pathname: *const c_char, opts: *const bpf_obj_pin_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { obj_pin("bpf_obj_pin_opts", fd, pathname, opts) }
}
symver!(bpf_obj_pin_opts, "LIBBPF_1.3.0");

/// The body of `bpf_obj_pin*()` (exports never call each other: see `symver!`).
///
/// # Safety
/// `pathname` NUL-terminated (or NULL: the kernel says EFAULT); `opts` NULL or LIBBPF_OPTS.
unsafe fn obj_pin(func: &str, fd: c_int, pathname: *const c_char, opts: *const bpf_obj_pin_opts) -> c_int {
    int(func, || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let mut a = attr::ObjPinAttr {
            pathname: pathname as u64,
            bpf_fd: fd as u32,
            file_flags: o.file_flags,
            path_fd: o.path_fd,
            _pad0: 0,
        };
        // SAFETY: the kernel reads the caller's path string.
        done(unsafe { raw::obj_pin(&mut a) })
    })
}

/// Open a pinned object.
#[no_mangle]
pub unsafe extern "C" fn bpf_obj_get(pathname: *const c_char) -> c_int {
    // SAFETY: forwarded contract; NULL options.
    unsafe { obj_get("bpf_obj_get", pathname, std::ptr::null()) }
}
symver!(bpf_obj_get, "LIBBPF_0.0.1");

/// Open a pinned object with `file_flags` (`BPF_F_RDONLY`, `BPF_F_WRONLY`, `BPF_F_PATH_FD`).
#[no_mangle]
pub unsafe extern "C" fn bpf_obj_get_opts(pathname: *const c_char, opts: *const bpf_obj_get_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { obj_get("bpf_obj_get_opts", pathname, opts) }
}
symver!(bpf_obj_get_opts, "LIBBPF_1.0.0");

/// The body of `bpf_obj_get*()`.
///
/// # Safety
/// As [`obj_pin`].
unsafe fn obj_get(func: &str, pathname: *const c_char, opts: *const bpf_obj_get_opts) -> c_int {
    int(func, || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let mut a = attr::ObjPinAttr {
            pathname: pathname as u64,
            file_flags: o.file_flags,
            path_fd: o.path_fd,
            ..Default::default()
        };
        // SAFETY: the kernel reads the caller's path string.
        fd_out(unsafe { raw::obj_get(&mut a) })
    })
}
