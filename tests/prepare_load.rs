//! Custom section handlers' `prog_prepare_load_fn` runs during `bpf_object__load`, once per
//! program its section matched, with the program's handle, libbpf 1.5's 112-byte
//! `bpf_prog_load_opts` and the registered cookie; it may use the API on that handle (the
//! loader holds no reference to the object while it runs), and a negative return fails the
//! load with that error. (Own test binary: handler registration is process-wide.)

mod common;

use oxbpf::ffi::names::{libbpf_register_prog_handler, libbpf_unregister_prog_handler};
use oxbpf::ffi::object::{
    bpf_object__close, bpf_object__find_program_by_name, bpf_object__load, bpf_object__open_file,
};
use oxbpf::ffi::program::{bpf_program__fd, bpf_program__insn_cnt, bpf_program__name, bpf_program__type};
use oxbpf::ffi::types::libbpf_prog_handler_opts;
use oxbpf::ffi::types_bpf::bpf_prog_load_opts;
use oxbpf::object::Program;
use oxbpf::uapi;
use std::ffi::{c_int, c_long, c_void, CStr, CString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const SRC: &str = r#"
#define SEC(n) __attribute__((section(n), used))
SEC("oxprep/one") int first(void *ctx) { return 0; }
SEC("oxprep/two") int second(void *ctx) { return 1; }
SEC("socket") int plain(void *ctx) { return 2; }
char LICENSE[] SEC("license") = "GPL";
"#;

static CALLS: AtomicUsize = AtomicUsize::new(0);
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

unsafe extern "C" fn prepare(prog: *mut c_void, opts: *mut c_void, cookie: c_long) -> c_int {
    CALLS.fetch_add(1, Ordering::SeqCst);
    assert_eq!(cookie, 42);
    // SAFETY: the loader hands a live program handle and a writable bpf_prog_load_opts.
    let name = unsafe { CStr::from_ptr(bpf_program__name(prog.cast())) }.to_string_lossy().into_owned();
    // SAFETY: as above: the API works on the handle during the load.
    let (pt, insns) = unsafe { (bpf_program__type(prog.cast()), bpf_program__insn_cnt(prog.cast())) };
    // SAFETY: libbpf 1.5's bpf_prog_load_opts starts with its size_t sz.
    let sz = unsafe { *(opts as *const usize) };
    SEEN.lock().unwrap().push(format!("{name} type {pt} insns {insns} opts.sz {sz}"));
    0
}

unsafe extern "C" fn failing_prepare(_prog: *mut c_void, _opts: *mut c_void, _cookie: c_long) -> c_int {
    -(libc::EPERM)
}

fn opts(
    cookie: c_long,
    f: unsafe extern "C" fn(*mut c_void, *mut c_void, c_long) -> c_int,
) -> libbpf_prog_handler_opts {
    // SAFETY: all-zero is a valid options struct; then the fields we use are set.
    let mut o: libbpf_prog_handler_opts = unsafe { std::mem::zeroed() };
    o.sz = std::mem::size_of::<libbpf_prog_handler_opts>();
    o.cookie = cookie;
    // SAFETY: same C ABI; the header declares the parameters as `struct bpf_program *` and
    // `struct bpf_prog_load_opts *`.
    o.prog_prepare_load_fn = Some(unsafe {
        std::mem::transmute::<
            unsafe extern "C" fn(*mut c_void, *mut c_void, c_long) -> c_int,
            unsafe extern "C" fn(*mut Program, *mut bpf_prog_load_opts, c_long) -> c_int,
        >(f)
    });
    o
}

#[test]
fn prepare_load_runs_during_load_and_its_failure_fails_the_load() {
    if !common::privileged("needs root (loads programs)") {
        return;
    }
    let Some(o) = common::bpf_object_text("p.bpf.o", SRC, &[]) else { return };
    let path = CString::new(o.to_str().unwrap()).unwrap();
    let sock = uapi::BPF_PROG_TYPE_SOCKET_FILTER;

    let o1 = opts(42, prepare);
    // SAFETY: valid section name and options.
    let id = unsafe { libbpf_register_prog_handler(c"oxprep+".as_ptr(), sock, 0, &o1) };
    assert!(id > 0, "register: {id}");
    // SAFETY: valid path, default options.
    let obj = unsafe { bpf_object__open_file(path.as_ptr(), std::ptr::null()) };
    assert!(!obj.is_null(), "open");
    assert_eq!(CALLS.load(Ordering::SeqCst), 0, "not at open");
    // SAFETY: live object.
    assert_eq!(unsafe { bpf_object__load(obj) }, 0, "load: errno {}", common::errno());
    assert_eq!(CALLS.load(Ordering::SeqCst), 2, "once per matched program");
    assert_eq!(
        *SEEN.lock().unwrap(),
        [format!("first type {sock} insns 2 opts.sz 112"), format!("second type {sock} insns 2 opts.sz 112")]
    );
    for name in [c"first", c"second", c"plain"] {
        // SAFETY: live object, valid name.
        let p = unsafe { bpf_object__find_program_by_name(obj, name.as_ptr()) };
        assert!(!p.is_null());
        // SAFETY: live program.
        assert!(unsafe { bpf_program__fd(p) } >= 0, "{name:?} loaded");
    }
    // SAFETY: live object.
    unsafe { bpf_object__close(obj) };
    // SAFETY: id from register.
    assert_eq!(unsafe { libbpf_unregister_prog_handler(id) }, 0);

    let o2 = opts(7, failing_prepare);
    // SAFETY: as above.
    let id = unsafe { libbpf_register_prog_handler(c"oxprep+".as_ptr(), sock, 0, &o2) };
    assert!(id > 0);
    // SAFETY: as above.
    let obj = unsafe { bpf_object__open_file(path.as_ptr(), std::ptr::null()) };
    assert!(!obj.is_null(), "open");
    // SAFETY: live object.
    assert_eq!(unsafe { bpf_object__load(obj) }, -libc::EPERM, "a failing prepare fails the load");
    assert_eq!(common::errno(), libc::EPERM);
    // SAFETY: live object.
    let p = unsafe { bpf_object__find_program_by_name(obj, c"plain".as_ptr()) };
    // SAFETY: live program: nothing stays loaded after a failed load.
    assert!(unsafe { bpf_program__fd(p) } < 0);
    // SAFETY: live object.
    unsafe { bpf_object__close(obj) };
    // SAFETY: id from register.
    unsafe { libbpf_unregister_prog_handler(id) };
}
