//! A panic inside an export is caught at the C boundary and becomes `-ENOTRECOVERABLE` (errno
//! set, a warning logged), with the unwinder this crate links: libgcc_eh, statically (build.rs),
//! not libgcc_s.so.1. This test binary links the same way as liboxbpf.so, so the unwinding it
//! exercises is the shipped library's; it also checks that no libgcc_s is loaded.

mod common;

#[test]
fn a_panic_is_caught_at_the_boundary() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = oxbpf::ffi::int("panic_boundary_test", || -> oxbpf::error::Result<std::ffi::c_int> {
        let v: Vec<u8> = Vec::new();
        // An out-of-bounds index: a real panic with cleanup frames on the way up.
        let s = String::from("frames with destructors");
        Ok(v[s.len()] as std::ffi::c_int)
    });
    std::panic::set_hook(prev);
    assert_eq!(r, -libc::ENOTRECOVERABLE);
    assert_eq!(common::errno(), libc::ENOTRECOVERABLE);
    let p = oxbpf::ffi::ptr("panic_boundary_test", || -> oxbpf::error::Result<*mut u8> { panic!("boom") });
    assert!(p.is_null());
}

#[test]
fn libgcc_s_is_not_loaded() {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    assert!(!maps.contains("libgcc_s"), "libgcc_s.so is mapped:\n{maps}");
}
