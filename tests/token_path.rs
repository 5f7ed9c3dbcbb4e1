//! `bpf_token_path` that is not a BPF FS directory, as libbpf 1.5 handles it: the BPF FS is
//! opened with `O_DIRECTORY`, so a regular file or a missing path fails the load with the open's
//! errno (`-ENOTDIR`, `-ENOENT`) and a warning naming the path, and an empty path prevents tokens
//! (the load goes on without one). Skips (with a message) without root or clang-19.

mod common;

use oxbpf::ffi::object::{bpf_object__close, bpf_object__load, bpf_object__open_file};
use oxbpf::ffi::print::libbpf_set_print;
use oxbpf::ffi::types::bpf_object_open_opts;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::Mutex;

const SRC: &str = r#"
#define SEC(n) __attribute__((section(n), used))
SEC("socket") int plain(void *ctx) { return 0; }
char LICENSE[] SEC("license") = "GPL";
"#;

static LOG: Mutex<String> = Mutex::new(String::new());

extern "C" {
    fn vsnprintf(s: *mut c_char, n: usize, fmt: *const c_char, ap: *mut c_void) -> c_int;
}

/// libbpf print callback keeping WARN lines (x86_64: a `va_list` parameter is a pointer).
unsafe extern "C" fn capture(level: u32, fmt: *const c_char, ap: *mut c_void) -> c_int {
    if level != 0 || !cfg!(target_arch = "x86_64") {
        return 0;
    }
    let mut buf = [0u8; 512];
    // SAFETY: buf is writable for its length; fmt/ap come from the library's print shim.
    unsafe { vsnprintf(buf.as_mut_ptr().cast(), buf.len(), fmt, ap) };
    let text = CStr::from_bytes_until_nul(&buf).map(|c| c.to_string_lossy().into_owned()).unwrap_or_default();
    LOG.lock().unwrap_or_else(|e| e.into_inner()).push_str(&text);
    0
}

/// Open `obj` with `bpf_token_path` set to `token`, load it, close it: the load's result and
/// the warnings printed.
fn load_with(obj: &CStr, token: &CStr) -> (c_int, String) {
    LOG.lock().unwrap().clear();
    let opts = bpf_object_open_opts {
        sz: std::mem::size_of::<bpf_object_open_opts>(),
        bpf_token_path: token.as_ptr(),
        // SAFETY: an all-zero opts struct is the C default (every field NULL/0/false).
        ..unsafe { std::mem::zeroed() }
    };
    // SAFETY: a live path and options; the object is closed once.
    unsafe {
        let o = bpf_object__open_file(obj.as_ptr(), &opts);
        assert!(!o.is_null());
        let r = bpf_object__load(o);
        bpf_object__close(o);
        (r, LOG.lock().unwrap().clone())
    }
}

#[test]
fn a_token_path_that_is_no_directory_fails_the_load() {
    if !common::privileged("needs root (loads programs)") {
        return;
    }
    let Some(obj) = common::bpf_object_text("token_path.o", SRC, &[]) else { return };
    let obj = CString::new(obj.to_str().unwrap()).unwrap();
    // SAFETY: installing a callback with libbpf's signature.
    unsafe { libbpf_set_print(Some(capture)) };
    let file = CString::new(obj.to_str().unwrap()).unwrap();
    let (r, log) = load_with(&obj, &file);
    assert_eq!(r, -libc::ENOTDIR, "{log}");
    assert!(log.contains("to open BPF FS mount at"), "{log}");
    assert!(log.contains(file.to_str().unwrap()), "the path is named: {log}");
    let (r, log) = load_with(&obj, c"/nonexistent/oxbpf-token-path");
    assert_eq!(r, -libc::ENOENT, "{log}");
    assert!(log.contains("to open BPF FS mount at '/nonexistent/oxbpf-token-path'"), "{log}");
    let (r, log) = load_with(&obj, c"");
    assert_eq!(r, 0, "an empty path prevents tokens: {log}");
}
