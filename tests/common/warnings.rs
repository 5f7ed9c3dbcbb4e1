//! The library's WARN lines, kept for a test to read: [`install`] sets [`keep`] as the libbpf
//! print callback; [`take`] returns what it kept since the last call.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::Mutex;

static KEPT: Mutex<String> = Mutex::new(String::new());

extern "C" {
    fn vsnprintf(s: *mut c_char, n: usize, fmt: *const c_char, ap: *mut c_void) -> c_int;
}

/// libbpf print callback keeping WARN lines. On x86_64 a `va_list` parameter is a pointer to
/// the register save area, which `vsnprintf` takes as is (elsewhere nothing is kept).
pub unsafe extern "C" fn keep(level: u32, fmt: *const c_char, ap: *mut c_void) -> c_int {
    if level != 0 || !cfg!(target_arch = "x86_64") {
        return 0;
    }
    let mut buf = [0u8; 512];
    // SAFETY: buf is writable for its length; fmt/ap come from the library's print shim.
    unsafe { vsnprintf(buf.as_mut_ptr().cast(), buf.len(), fmt, ap) };
    let text = CStr::from_bytes_until_nul(&buf).map(|c| c.to_string_lossy().into_owned()).unwrap_or_default();
    KEPT.lock().unwrap_or_else(|e| e.into_inner()).push_str(&text);
    0
}

/// Make [`keep`] the print callback and forget what it kept so far.
pub fn install() {
    take();
    // SAFETY: installing a callback with libbpf's signature.
    unsafe { oxbpf::ffi::print::libbpf_set_print(Some(keep)) };
}

/// The WARN lines kept since the last call.
pub fn take() -> String {
    std::mem::take(&mut *KEPT.lock().unwrap_or_else(|e| e.into_inner()))
}
