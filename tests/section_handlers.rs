//! Custom section handlers (`libbpf_register_prog_handler`). They change what every section lookup
//! in the process returns, so they live in this test binary of their own, and the tests here take
//! a lock so they never overlap.

mod common;

use oxbpf::ffi::names::*;
use oxbpf::section::{self, AttachKind};
use oxbpf::uapi::*;
use std::ffi::{c_char, c_int, c_long, CStr};
use std::ptr;
use std::sync::Mutex;

static LOCK: Mutex<()> = Mutex::new(());

unsafe extern "C" fn setup(_prog: *mut oxbpf::object::Program, cookie: c_long) -> c_int {
    cookie as c_int
}

unsafe extern "C" fn attach(
    _prog: *const oxbpf::object::Program,
    cookie: c_long,
    _link: *mut *mut oxbpf::attach::link::Link,
) -> c_int {
    -(cookie as c_int)
}

fn prog_type(name: &CStr) -> Option<(u32, u32)> {
    let (mut pt, mut eat) = (0u32, 0u32);
    // SAFETY: valid string and out-pointers.
    let r = unsafe { libbpf_prog_type_by_name(name.as_ptr(), &mut pt, &mut eat) };
    (r == 0).then_some((pt, eat))
}

fn attach_type(name: &CStr) -> c_int {
    let mut at = 0u32;
    // SAFETY: valid string and out-pointer.
    unsafe { libbpf_attach_type_by_name(name.as_ptr(), &mut at) }
}

fn register(sec: Option<&CStr>, pt: u32, eat: u32, opts: Option<&libbpf_prog_handler_opts>) -> c_int {
    // SAFETY: valid or NULL string and options.
    unsafe {
        libbpf_register_prog_handler(
            sec.map_or(ptr::null(), CStr::as_ptr),
            pt,
            eat,
            opts.map_or(ptr::null(), |o| o as *const _),
        )
    }
}

fn unregister(id: c_int) -> c_int {
    // SAFETY: takes any int.
    unsafe { libbpf_unregister_prog_handler(id) }
}

fn opts(cookie: c_long) -> libbpf_prog_handler_opts {
    libbpf_prog_handler_opts {
        sz: std::mem::size_of::<libbpf_prog_handler_opts>(),
        cookie,
        prog_setup_fn: Some(setup),
        prog_prepare_load_fn: None,
        prog_attach_fn: Some(attach),
    }
}

#[test]
fn custom_handlers_take_precedence_and_are_stored() {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let o = opts(7);
    let a = register(Some(c"kprobe+"), BPF_PROG_TYPE_SOCKET_FILTER, 0, Some(&o));
    let b = register(Some(c"custom/"), BPF_PROG_TYPE_XDP, BPF_XDP, None);
    assert!(a > 0 && b > a, "{a} {b}");

    // "kprobe+" now wins over the built-in definition, for both spellings.
    assert_eq!(prog_type(c"kprobe/foo"), Some((BPF_PROG_TYPE_SOCKET_FILTER, 0)));
    assert_eq!(prog_type(c"kprobe"), Some((BPF_PROG_TYPE_SOCKET_FILTER, 0)));
    assert_eq!(prog_type(c"kretprobe/foo"), Some((BPF_PROG_TYPE_KPROBE, 0)));
    let d = section::find_sec_def("kprobe/foo").unwrap();
    assert_eq!(d.attach, AttachKind::Custom);
    let h = d.custom.unwrap();
    assert_eq!((h.id, h.cookie, h.fallback), (a, 7, false));
    assert!(h.prog_prepare_load_fn.is_none());
    // The stored callbacks are the caller's, called with its cookie.
    // SAFETY: the test callbacks ignore their pointer arguments.
    unsafe {
        assert_eq!((h.prog_setup_fn.unwrap())(ptr::null_mut(), h.cookie), 7);
        assert_eq!((h.prog_attach_fn.unwrap())(ptr::null(), h.cookie, ptr::null_mut()), -7);
    }
    assert_eq!(section::builtin_sec_def("kprobe/foo").unwrap().prog_type, BPF_PROG_TYPE_KPROBE);

    // "custom/" requires the slash; custom definitions never have an attach type.
    assert_eq!(prog_type(c"custom/x"), Some((BPF_PROG_TYPE_XDP, BPF_XDP)));
    assert_eq!(prog_type(c"custom"), None);
    assert_eq!(attach_type(c"custom/x"), -libc::EINVAL);
    let d = section::find_sec_def("custom/x").unwrap();
    let h = d.custom.unwrap();
    assert_eq!((h.cookie, h.prog_setup_fn.is_none(), h.prog_attach_fn.is_none()), (0, true, true));

    // Overriding a SEC_ATTACHABLE spelling hides its attach type too, as in libbpf.
    let c = register(Some(c"cgroup/connect4"), BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, None);
    assert_eq!(attach_type(c"cgroup/connect4"), -libc::EINVAL);

    // A definition handed out stays valid after its handler is unregistered.
    let kept = section::find_sec_def("kprobe/foo").unwrap();
    assert_eq!(unregister(a), 0);
    assert_eq!(kept.custom.unwrap().id, a);
    assert_eq!(prog_type(c"kprobe/foo"), Some((BPF_PROG_TYPE_KPROBE, 0)));
    assert_eq!(unregister(a), -libc::ENOENT);
    assert_eq!(common::errno(), libc::ENOENT);
    assert_eq!(unregister(b), 0);
    assert_eq!(unregister(c), 0);
    assert_eq!(prog_type(c"custom/x"), None);
    let mut at = 0;
    // SAFETY: valid string and out-pointer.
    assert_eq!(unsafe { libbpf_attach_type_by_name(c"cgroup/connect4".as_ptr(), &mut at) }, 0);
    assert_eq!(at, BPF_CGROUP_INET4_CONNECT);

    // Ids keep increasing after unregistering.
    let n = register(Some(c"zzz"), 0, 0, None);
    assert!(n > c);
    assert_eq!(unregister(n), 0);
}

#[test]
fn fallback_handler() {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let f = register(None, BPF_PROG_TYPE_TRACEPOINT, 0, Some(&opts(9)));
    assert!(f > 0);
    // Only one fallback.
    assert_eq!(register(None, 0, 0, None), -libc::EBUSY);
    assert_eq!(common::errno(), libc::EBUSY);
    // It catches exactly what nothing else matches.
    assert_eq!(prog_type(c"anything/at/all"), Some((BPF_PROG_TYPE_TRACEPOINT, 0)));
    assert_eq!(prog_type(c""), Some((BPF_PROG_TYPE_TRACEPOINT, 0)));
    assert_eq!(prog_type(c"xdp"), Some((BPF_PROG_TYPE_XDP, BPF_XDP)));
    let h = section::find_sec_def("whatever").unwrap().custom.unwrap();
    assert_eq!((h.id, h.cookie, h.fallback), (f, 9, true));
    // Unknown names now have a definition, but still no attach type.
    assert_eq!(attach_type(c"anything"), -libc::EINVAL);
    assert_eq!(unregister(f), 0);
    assert_eq!(prog_type(c"anything/at/all"), None);
    // A new fallback can be registered once the old one is gone.
    let g = register(None, BPF_PROG_TYPE_KPROBE, 0, None);
    assert!(g > f);
    assert_eq!(unregister(g), 0);
}

#[test]
fn register_checks_options_and_arguments() {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // sz below sizeof(size_t): EINVAL, nothing registered.
    let bad = libbpf_prog_handler_opts { sz: 2, ..opts(1) };
    assert_eq!(register(Some(c"nope"), 0, 0, Some(&bad)), -libc::EINVAL);
    assert_eq!(common::errno(), libc::EINVAL);
    assert_eq!(prog_type(c"nope"), None);
    // A shorter (older) struct is fine: fields past sz take defaults.
    let short = libbpf_prog_handler_opts { sz: 16, ..opts(5) };
    let id = register(Some(c"short"), BPF_PROG_TYPE_KPROBE, 0, Some(&short));
    assert!(id > 0);
    let h = section::find_sec_def("short").unwrap().custom.unwrap();
    assert_eq!((h.cookie, h.prog_setup_fn.is_none(), h.prog_attach_fn.is_none()), (5, true, true));
    assert_eq!(unregister(id), 0);
    // Section names that are not UTF-8 are refused.
    let raw: [c_char; 3] = [b'a' as c_char, 0xff_u8 as c_char, 0];
    // SAFETY: NUL-terminated array.
    assert_eq!(unsafe { libbpf_register_prog_handler(raw.as_ptr(), 0, 0, ptr::null()) }, -libc::EINVAL);
    // Bad ids.
    assert_eq!(unregister(0), -libc::EINVAL);
    assert_eq!(unregister(-1), -libc::EINVAL);
    assert_eq!(common::errno(), libc::EINVAL);
}
