//! `bpf_token_path` that is not a BPF FS directory, as libbpf 1.5 handles it: the BPF FS is
//! opened with `O_DIRECTORY`, so a regular file or a missing path fails the load with the open's
//! errno (`-ENOTDIR`, `-ENOENT`) and a warning naming the path, and an empty path prevents tokens
//! (the load goes on without one). Skips (with a message) without root or clang-19.

mod common;

use oxbpf::ffi::object::{bpf_object__close, bpf_object__load, bpf_object__open_file};
use oxbpf::ffi::types::bpf_object_open_opts;
use std::ffi::{c_int, CStr, CString};

const SRC: &str = r#"
#define SEC(n) __attribute__((section(n), used))
SEC("socket") int plain(void *ctx) { return 0; }
char LICENSE[] SEC("license") = "GPL";
"#;

/// Open `obj` with `bpf_token_path` set to `token`, load it, close it: the load's result and
/// the warnings printed.
fn load_with(obj: &CStr, token: &CStr) -> (c_int, String) {
    common::warnings::take();
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
        (r, common::warnings::take())
    }
}

#[test]
fn a_token_path_that_is_no_directory_fails_the_load() {
    if !common::privileged("needs root (loads programs)") {
        return;
    }
    let Some(obj) = common::bpf_object_text("token_path.o", SRC, &[]) else { return };
    let obj = CString::new(obj.to_str().unwrap()).unwrap();
    common::warnings::install();
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
