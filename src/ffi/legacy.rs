//! libbpf_legacy.h: functions kept for callers written against libbpf 0.x.

use super::types::libbpf_strict_mode;
use super::{symver, val};
use std::ffi::{c_int, c_long, c_void};

/// libbpf 1.x: pointer results are NULL-or-valid with errno set; this returns `-errno` for
/// NULL and 0 otherwise (and decodes old-style error pointers).
#[no_mangle]
pub unsafe extern "C" fn libbpf_get_error(ptr: *const c_void) -> c_long {
    val("libbpf_get_error", 0, || {
        let v = ptr as usize as isize;
        if ptr.is_null() {
            // SAFETY: reading the calling thread's errno.
            return -(unsafe { *libc::__errno_location() }) as c_long;
        }
        if (-4095..0).contains(&v) {
            super::set_errno(-v as c_int);
            return v as c_long;
        }
        0
    })
}
symver!(libbpf_get_error, "LIBBPF_0.0.1");

/// libbpf 1.0 removed the strict-mode switch; the call is accepted and ignored (returns 0).
#[no_mangle]
pub unsafe extern "C" fn libbpf_set_strict_mode(mode: libbpf_strict_mode) -> c_int {
    let _ = mode;
    0
}
symver!(libbpf_set_strict_mode, "LIBBPF_0.5.0");
