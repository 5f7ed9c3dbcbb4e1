//! Custom section handlers' `prog_setup_fn` runs at open, once per program its section matched,
//! with the program's handle and the registered cookie — as libbpf does — and can use the API on
//! that handle; a negative return fails the open with that error and leaks nothing.
//! (Own test binary: handler registration is process-wide.)

mod common;

use oxbpf::ffi::names::{libbpf_register_prog_handler, libbpf_unregister_prog_handler};
use oxbpf::ffi::object::{bpf_object__close, bpf_object__find_program_by_name, bpf_object__open_file};
use oxbpf::ffi::program::{bpf_program__name, bpf_program__set_type, bpf_program__type};
use oxbpf::ffi::types::libbpf_prog_handler_opts;
use oxbpf::object::Program;
use oxbpf::uapi;
use std::ffi::{c_int, c_long, c_void, CStr, CString};
use std::sync::atomic::{AtomicUsize, Ordering};

const SRC: &str = r#"
#define SEC(n) __attribute__((section(n), used))
SEC("oxsetup/one") int first(void *ctx) { return 0; }
SEC("oxsetup/two") int second(void *ctx) { return 1; }
SEC("socket") int plain(void *ctx) { return 2; }
char LICENSE[] SEC("license") = "GPL";
"#;

static CALLS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn setup(prog: *mut c_void, cookie: c_long) -> c_int {
    CALLS.fetch_add(1, Ordering::SeqCst);
    // SAFETY: libbpf hands the setup callback a live program handle.
    let name = unsafe { CStr::from_ptr(bpf_program__name(prog.cast())) };
    assert!(name == c"first" || name == c"second", "setup only for matched programs, got {name:?}");
    assert_eq!(cookie, 42);
    if cookie < 0 {
        return -(libc::EPERM);
    }
    // The callback may adjust the program through the API.
    // SAFETY: live program handle.
    unsafe { bpf_program__set_type(prog.cast(), uapi::BPF_PROG_TYPE_SCHED_CLS) }
}

unsafe extern "C" fn failing_setup(_prog: *mut c_void, _cookie: c_long) -> c_int {
    -(libc::EPERM)
}

fn opts(cookie: c_long, f: unsafe extern "C" fn(*mut c_void, c_long) -> c_int) -> libbpf_prog_handler_opts {
    // SAFETY: all-zero is a valid options struct; then the fields we use are set.
    let mut o: libbpf_prog_handler_opts = unsafe { std::mem::zeroed() };
    o.sz = std::mem::size_of::<libbpf_prog_handler_opts>();
    o.cookie = cookie;
    // SAFETY: same C ABI; the header declares the parameter as `struct bpf_program *`.
    o.prog_setup_fn = Some(unsafe {
        std::mem::transmute::<
            unsafe extern "C" fn(*mut c_void, c_long) -> c_int,
            unsafe extern "C" fn(*mut Program, c_long) -> c_int,
        >(f)
    });
    o
}

#[test]
fn setup_runs_at_open_and_its_failure_fails_the_open() {
    let Some(o) = common::bpf_object_text("s.bpf.o", SRC, &[]) else { return };
    let path = CString::new(o.to_str().unwrap()).unwrap();

    let o1 = opts(42, setup);
    // SAFETY: valid section name and options.
    let id = unsafe { libbpf_register_prog_handler(c"oxsetup+".as_ptr(), uapi::BPF_PROG_TYPE_KPROBE, 0, &o1) };
    assert!(id > 0, "register: {id}");
    // SAFETY: valid path, default options.
    let obj = unsafe { bpf_object__open_file(path.as_ptr(), std::ptr::null()) };
    assert!(!obj.is_null(), "open");
    assert_eq!(CALLS.load(Ordering::SeqCst), 2, "once per matched program");
    for (name, want) in [
        (c"first", uapi::BPF_PROG_TYPE_SCHED_CLS),
        (c"second", uapi::BPF_PROG_TYPE_SCHED_CLS),
        (c"plain", uapi::BPF_PROG_TYPE_SOCKET_FILTER),
    ] {
        // SAFETY: live object, valid name.
        let p = unsafe { bpf_object__find_program_by_name(obj, name.as_ptr()) };
        assert!(!p.is_null());
        // SAFETY: live program.
        assert_eq!(unsafe { bpf_program__type(p) }, want, "{name:?}");
    }
    // SAFETY: live object.
    unsafe { bpf_object__close(obj) };
    // SAFETY: id from register.
    assert_eq!(unsafe { libbpf_unregister_prog_handler(id) }, 0);

    let o2 = opts(7, failing_setup);
    // SAFETY: as above.
    let id = unsafe { libbpf_register_prog_handler(c"oxsetup+".as_ptr(), uapi::BPF_PROG_TYPE_KPROBE, 0, &o2) };
    assert!(id > 0);
    let fds_before = std::fs::read_dir("/proc/self/fd").unwrap().count();
    // SAFETY: as above.
    let obj = unsafe { bpf_object__open_file(path.as_ptr(), std::ptr::null()) };
    assert!(obj.is_null(), "a failing setup fails the open");
    // SAFETY: reading errno.
    assert_eq!(unsafe { *libc::__errno_location() }, libc::EPERM);
    assert_eq!(std::fs::read_dir("/proc/self/fd").unwrap().count(), fds_before, "nothing leaked");
    // SAFETY: id from register.
    unsafe { libbpf_unregister_prog_handler(id) };
}
