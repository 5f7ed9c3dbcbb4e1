//! Library-wide functions: logging, error strings, versions, CPU count.

use super::types::libbpf_print_fn_t;
use super::{int, symver, val};
use crate::error::{lerr, Error};
use std::ffi::{c_char, c_int};

/// Install the print callback; returns the previous one. NULL silences all output.
#[no_mangle]
pub unsafe extern "C" fn libbpf_set_print(fn_: libbpf_print_fn_t) -> libbpf_print_fn_t {
    val("libbpf_set_print", None, || crate::log::set_print(fn_))
}
symver!(libbpf_set_print, "LIBBPF_0.0.1");

/// Describe an error code (either sign) into `buf`. Unknown codes get "Unknown libbpf error N"
/// and -ENOENT; a short buffer truncates and returns -ERANGE.
#[no_mangle]
pub unsafe extern "C" fn libbpf_strerror(err: c_int, buf: *mut c_char, size: usize) -> c_int {
    int("libbpf_strerror", || {
        if buf.is_null() || size == 0 {
            return Err(Error::quiet(libc::EINVAL));
        }
        let e = err.checked_abs().unwrap_or(i32::MAX);
        if e < lerr::START {
            // The C library's text, and its XSI strerror_r result passed through as libbpf 1.5
            // passes it: 0, or a positive EINVAL (unknown code) / ERANGE (truncated), errno
            // untouched.
            // SAFETY: the caller provides `size` (> 0) writable bytes at buf.
            let out = unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, size) };
            return Ok(crate::error::strerror_into(e, out));
        }
        let (text, mut ret) = match lerr::text(e) {
            Some(s) => (s.to_string(), 0),
            None => (format!("Unknown libbpf error {e}"), -libc::ENOENT),
        };
        let bytes = text.as_bytes();
        let n = bytes.len().min(size - 1);
        if n < bytes.len() {
            ret = -libc::ERANGE;
        }
        // SAFETY: the caller provides `size` writable bytes at buf; we write n + 1 <= size.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf as *mut u8, n);
            *buf.add(n) = 0;
        }
        if ret < 0 {
            super::set_errno(-ret);
        }
        Ok(ret)
    })
}
symver!(libbpf_strerror, "LIBBPF_0.0.1");

/// The libbpf API version oxbpf implements: every export and options field of libbpf 1.7
/// (ctests/libbpf17/DIFFERENCES.md lists where behaviour deliberately stays 1.5's).
pub const API_MAJOR: u32 = 1;
pub const API_MINOR: u32 = 7;

#[no_mangle]
pub unsafe extern "C" fn libbpf_major_version() -> u32 {
    API_MAJOR
}
symver!(libbpf_major_version, "LIBBPF_0.6.0");

#[no_mangle]
pub unsafe extern "C" fn libbpf_minor_version() -> u32 {
    API_MINOR
}
symver!(libbpf_minor_version, "LIBBPF_0.6.0");

#[no_mangle]
pub unsafe extern "C" fn libbpf_version_string() -> *const c_char {
    c"v1.7".as_ptr()
}
symver!(libbpf_version_string, "LIBBPF_0.6.0");

/// Number of possible CPUs (from /sys/devices/system/cpu/possible), cached.
#[no_mangle]
pub unsafe extern "C" fn libbpf_num_possible_cpus() -> c_int {
    int("libbpf_num_possible_cpus", || crate::sys::possible_cpus().map(|n| n as c_int))
}
symver!(libbpf_num_possible_cpus, "LIBBPF_0.0.4");
