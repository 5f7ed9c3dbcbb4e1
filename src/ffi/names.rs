//! Name lookups: section name → program/attach type, enum value → libbpf's short name, and the
//! custom section-handler registry (`libbpf_register_prog_handler`).
//!
//! C enums (`enum bpf_prog_type`, `enum bpf_attach_type`, …) are `u32` here; out-parameters of
//! enum type are `*mut u32`. The `*_str` functions return pointers to static strings that live
//! as long as the library and must not be freed.

use crate::error::Error;
use crate::ffi::{self, handle, opts, symver};
use crate::section;
use crate::uapi;
use std::ffi::{c_char, c_int, CStr};
use std::ptr;

/// A section name argument: `Ok(None)` for bytes that are not UTF-8 (no definition can match
/// them, so they are simply unknown); NULL is a quiet `EINVAL`, as in libbpf.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for `'a`.
unsafe fn sec_name<'a>(p: *const c_char) -> crate::Result<Option<&'a str>> {
    if p.is_null() {
        return Err(Error::quiet(libc::EINVAL));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    Ok(unsafe { CStr::from_ptr(p) }.to_str().ok())
}

/// Store `v` through an enum out-parameter; NULL is `EINVAL` (libbpf would crash).
///
/// # Safety
/// `p` is NULL or valid for a 4-byte write.
unsafe fn put(p: *mut u32, v: u32, what: &str) -> crate::Result<()> {
    if p.is_null() {
        return Err(Error::inval(format!("{what} is NULL")));
    }
    // SAFETY: non-NULL, and the caller passes a pointer to a C enum, valid for writing.
    unsafe { p.write(v) };
    Ok(())
}

/// Guess a program's type and expected attach type from an ELF section name, the way `SEC()`
/// names are interpreted at open time (custom handlers included). Returns 0, or `-EINVAL` for a
/// NULL name, or `-ESRCH` for a name no definition matches (logged at debug level together with
/// the names that are known).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; the out-pointers are NULL or writable `enum`s.
#[no_mangle]
pub unsafe extern "C" fn libbpf_prog_type_by_name(
    name: *const c_char,
    prog_type: *mut u32,
    expected_attach_type: *mut u32,
) -> c_int {
    ffi::int("libbpf_prog_type_by_name", || {
        // SAFETY: C passes NULL or a NUL-terminated string.
        let name = unsafe { sec_name(name) }?;
        let Some((pt, eat)) = name.and_then(section::prog_type_by_name) else {
            crate::pr_debug!("no program type is known for section name '{}'", name.unwrap_or("<not UTF-8>"));
            crate::pr_debug!("known section names:{}", section::supported_names(false));
            return Err(Error::quiet(libc::ESRCH));
        };
        // SAFETY: C passes pointers to enum variables (or NULL, refused by `put`).
        unsafe {
            put(prog_type, pt, "prog_type")?;
            put(expected_attach_type, eat, "expected_attach_type")?;
        }
        Ok(0)
    })
}
symver!(libbpf_prog_type_by_name, "LIBBPF_0.0.1");

/// The attach type of a section name, for the legacy "attachable" sections only (cgroup, sockops,
/// sk_skb/sk_msg verdicts, xdp, …). Returns 0, or `-EINVAL` for a NULL name, an unknown name or a
/// section without an attach type (libbpf reports all three alike).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `attach_type` is NULL or a writable `enum`.
#[no_mangle]
pub unsafe extern "C" fn libbpf_attach_type_by_name(name: *const c_char, attach_type: *mut u32) -> c_int {
    ffi::int("libbpf_attach_type_by_name", || {
        // SAFETY: C passes NULL or a NUL-terminated string.
        let name = unsafe { sec_name(name) }?;
        // Bytes that are not UTF-8 name no section.
        let t = section::attach_type_by_name(name.ok_or(Error::quiet(libc::EINVAL))?)?;
        // SAFETY: C passes a pointer to an enum variable (or NULL, refused by `put`).
        unsafe { put(attach_type, t, "attach_type") }?;
        Ok(0)
    })
}
symver!(libbpf_attach_type_by_name, "LIBBPF_0.0.1");

fn static_str(s: Option<&'static CStr>) -> *const c_char {
    s.map_or(ptr::null(), CStr::as_ptr)
}

/// libbpf's name for a program type ("struct_ops", "tracing", …), or NULL for an unknown value.
///
/// # Safety
/// None: any value is accepted (`unsafe` only for uniformity with the other exports).
#[no_mangle]
pub unsafe extern "C" fn libbpf_bpf_prog_type_str(t: u32) -> *const c_char {
    ffi::val("libbpf_bpf_prog_type_str", ptr::null(), || static_str(uapi::prog_type_cstr(t)))
}
symver!(libbpf_bpf_prog_type_str, "LIBBPF_1.0.0");

/// libbpf's name for an attach type ("trace_fentry", "struct_ops", …), or NULL.
///
/// # Safety
/// None: any value is accepted (`unsafe` only for uniformity with the other exports).
#[no_mangle]
pub unsafe extern "C" fn libbpf_bpf_attach_type_str(t: u32) -> *const c_char {
    ffi::val("libbpf_bpf_attach_type_str", ptr::null(), || static_str(uapi::attach_type_cstr(t)))
}
symver!(libbpf_bpf_attach_type_str, "LIBBPF_1.0.0");

/// libbpf's name for a map type ("hash", "struct_ops", …), or NULL.
///
/// # Safety
/// None: any value is accepted (`unsafe` only for uniformity with the other exports).
#[no_mangle]
pub unsafe extern "C" fn libbpf_bpf_map_type_str(t: u32) -> *const c_char {
    ffi::val("libbpf_bpf_map_type_str", ptr::null(), || static_str(uapi::map_type_cstr(t)))
}
symver!(libbpf_bpf_map_type_str, "LIBBPF_1.0.0");

/// libbpf's name for a link type ("struct_ops", "tracing", …), or NULL.
///
/// # Safety
/// None: any value is accepted (`unsafe` only for uniformity with the other exports).
#[no_mangle]
pub unsafe extern "C" fn libbpf_bpf_link_type_str(t: u32) -> *const c_char {
    ffi::val("libbpf_bpf_link_type_str", ptr::null(), || static_str(uapi::link_type_cstr(t)))
}
symver!(libbpf_bpf_link_type_str, "LIBBPF_1.0.0");

/// The options struct is the one the headers declare (`types.rs`).
pub use super::types::libbpf_prog_handler_opts;

/// Register a custom `SEC()` handler. `sec` uses the built-in spellings' rules ("name", "name+"
/// for "name" or "name/…", "name/" for "name/…" only); such handlers are consulted before
/// libbpf's own definitions, in registration order. A NULL `sec` registers the one fallback
/// handler, consulted when nothing else matches (`-EBUSY` if there is one already). Returns the
/// handler id (> 0), or `-EINVAL` for bad options, `-E2BIG` when ids run out.
///
/// # Safety
/// `sec` is NULL or a NUL-terminated string; `opts` is NULL or points to at least `opts->sz`
/// readable bytes. Non-NULL callbacks must be functions of the documented C types; they are
/// stored and called later by the loader.
#[no_mangle]
pub unsafe extern "C" fn libbpf_register_prog_handler(
    sec: *const c_char,
    prog_type: u32,
    exp_attach_type: u32,
    opts: *const libbpf_prog_handler_opts,
) -> c_int {
    ffi::int("libbpf_register_prog_handler", || {
        // SAFETY: C passes NULL or an options struct of at least `sz` bytes.
        let o = unsafe { opts::read(opts) }?;
        // SAFETY: C passes NULL or a NUL-terminated string.
        let sec = unsafe { handle::opt_cstr(sec, "section name") }?;
        // The registry stores the callbacks with `void *` in place of the handle pointers; same
        // C ABI, and they are only ever called with our handles.
        // SAFETY: as just said.
        let setup =
            o.and_then(|o| o.prog_setup_fn).map(|f| unsafe { std::mem::transmute::<_, section::ProgSetupFn>(f) });
        // SAFETY: as just said.
        let prepare = o
            .and_then(|o| o.prog_prepare_load_fn)
            .map(|f| unsafe { std::mem::transmute::<_, section::ProgPrepareLoadFn>(f) });
        // SAFETY: as just said.
        let attach =
            o.and_then(|o| o.prog_attach_fn).map(|f| unsafe { std::mem::transmute::<_, section::ProgAttachFn>(f) });
        section::register_handler(sec, prog_type, exp_attach_type, o.map_or(0, |o| o.cookie), setup, prepare, attach)
    })
}
symver!(libbpf_register_prog_handler, "LIBBPF_0.8.0");

/// Remove a handler registered with `libbpf_register_prog_handler`. Returns 0, `-EINVAL` for an
/// id <= 0, `-ENOENT` for an id not registered. Programs that already matched the handler keep
/// it.
///
/// # Safety
/// None: any id is accepted.
#[no_mangle]
pub unsafe extern "C" fn libbpf_unregister_prog_handler(handler_id: c_int) -> c_int {
    ffi::int("libbpf_unregister_prog_handler", || section::unregister_handler(handler_id).map(|()| 0))
}
symver!(libbpf_unregister_prog_handler, "LIBBPF_0.8.0");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::*;

    fn errno() -> i32 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    }

    fn prog_type(name: Option<&CStr>) -> (c_int, i32, u32, u32) {
        let (mut pt, mut eat) = (u32::MAX, u32::MAX);
        ffi::set_errno(0);
        // SAFETY: valid string or NULL, valid out-pointers.
        let r = unsafe { libbpf_prog_type_by_name(name.map_or(ptr::null(), CStr::as_ptr), &mut pt, &mut eat) };
        (r, errno(), pt, eat)
    }

    fn attach_type(name: Option<&CStr>) -> (c_int, i32, u32) {
        let mut at = u32::MAX;
        ffi::set_errno(0);
        // SAFETY: valid string or NULL, valid out-pointer.
        let r = unsafe { libbpf_attach_type_by_name(name.map_or(ptr::null(), CStr::as_ptr), &mut at) };
        (r, errno(), at)
    }

    #[test]
    fn prog_type_by_name_ffi() {
        assert_eq!(prog_type(Some(c"struct_ops/init")), (0, 0, BPF_PROG_TYPE_STRUCT_OPS, 0));
        assert_eq!(prog_type(Some(c"fentry.s/bar")), (0, 0, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY));
        assert_eq!(
            prog_type(Some(c"cgroup/connect4")),
            (0, 0, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT)
        );
        // Unknown: -ESRCH, out-params untouched.
        assert_eq!(prog_type(Some(c"foo/bar")), (-libc::ESRCH, libc::ESRCH, u32::MAX, u32::MAX));
        assert_eq!(prog_type(Some(c"")), (-libc::ESRCH, libc::ESRCH, u32::MAX, u32::MAX));
        assert_eq!(prog_type(Some(c"kprobe\xff")), (-libc::ESRCH, libc::ESRCH, u32::MAX, u32::MAX));
        assert_eq!(prog_type(None), (-libc::EINVAL, libc::EINVAL, u32::MAX, u32::MAX));
        // NULL out-parameters are refused instead of crashing.
        let mut pt = 0u32;
        // SAFETY: valid string; NULL out-pointers are checked.
        unsafe {
            assert_eq!(libbpf_prog_type_by_name(c"xdp".as_ptr(), ptr::null_mut(), ptr::null_mut()), -libc::EINVAL);
            assert_eq!(libbpf_prog_type_by_name(c"xdp".as_ptr(), &mut pt, ptr::null_mut()), -libc::EINVAL);
        }
    }

    #[test]
    fn attach_type_by_name_ffi() {
        assert_eq!(attach_type(Some(c"cgroup/connect4")), (0, 0, BPF_CGROUP_INET4_CONNECT));
        assert_eq!(attach_type(Some(c"sk_msg")), (0, 0, BPF_SK_MSG_VERDICT));
        assert_eq!(attach_type(Some(c"xdp")), (0, 0, BPF_XDP));
        for s in [c"fentry/x", c"struct_ops/x", c"foo/bar", c"", c"xdp.frags"] {
            assert_eq!(attach_type(Some(s)), (-libc::EINVAL, libc::EINVAL, u32::MAX), "{s:?}");
        }
        assert_eq!(attach_type(None), (-libc::EINVAL, libc::EINVAL, u32::MAX));
        // SAFETY: valid string; the NULL out-pointer is checked.
        assert_eq!(unsafe { libbpf_attach_type_by_name(c"xdp".as_ptr(), ptr::null_mut()) }, -libc::EINVAL);
    }

    /// Every value round-trips through the C export to the same string as the safe table, and the
    /// pointers are stable (the same address on each call).
    #[test]
    fn str_exports_round_trip() {
        type Export = unsafe extern "C" fn(u32) -> *const c_char;
        type Safe = fn(u32) -> Option<&'static str>;
        let cases: [(Export, Safe, u32); 4] = [
            (libbpf_bpf_prog_type_str, prog_type_str, __MAX_BPF_PROG_TYPE),
            (libbpf_bpf_attach_type_str, attach_type_str, __MAX_BPF_ATTACH_TYPE),
            (libbpf_bpf_map_type_str, map_type_str, __MAX_BPF_MAP_TYPE),
            (libbpf_bpf_link_type_str, link_type_str, __MAX_BPF_LINK_TYPE),
        ];
        for (export, safe, max) in cases {
            for t in 0..max {
                // SAFETY: the exports take any value.
                let (p, q) = unsafe { (export(t), export(t)) };
                assert!(!p.is_null());
                assert_eq!(p, q);
                // SAFETY: non-NULL results are static NUL-terminated strings.
                let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap();
                assert_eq!(Some(s), safe(t));
            }
            for t in [max, max + 1, 1000, i32::MAX as u32, u32::MAX] {
                // SAFETY: as above.
                assert!(unsafe { export(t) }.is_null(), "{t}");
            }
        }
        // SAFETY: as above.
        unsafe {
            assert_eq!(CStr::from_ptr(libbpf_bpf_prog_type_str(BPF_PROG_TYPE_STRUCT_OPS)), c"struct_ops");
            assert_eq!(CStr::from_ptr(libbpf_bpf_attach_type_str(BPF_TRACE_FENTRY)), c"trace_fentry");
            assert_eq!(CStr::from_ptr(libbpf_bpf_map_type_str(BPF_MAP_TYPE_STRUCT_OPS)), c"struct_ops");
            assert_eq!(CStr::from_ptr(libbpf_bpf_link_type_str(BPF_LINK_TYPE_STRUCT_OPS)), c"struct_ops");
        }
    }

    #[test]
    fn unregister_rejects_bad_ids() {
        // Does not register anything (custom handlers are tested in tests/section_handlers.rs).
        ffi::set_errno(0);
        // SAFETY: takes any int.
        assert_eq!(unsafe { libbpf_unregister_prog_handler(0) }, -libc::EINVAL);
        assert_eq!(errno(), libc::EINVAL);
        // SAFETY: as above.
        assert_eq!(unsafe { libbpf_unregister_prog_handler(i32::MAX) }, -libc::ENOENT);
        assert_eq!(errno(), libc::ENOENT);
    }

    #[test]
    fn register_rejects_bad_opts_before_registering() {
        // Options whose size is below sizeof(size_t), or with unknown non-zero trailing bytes,
        // fail with EINVAL and register nothing.
        let small = libbpf_prog_handler_opts {
            sz: 4,
            cookie: 0,
            prog_setup_fn: None,
            prog_prepare_load_fn: None,
            prog_attach_fn: None,
        };
        // SAFETY: valid opts struct and string.
        assert_eq!(unsafe { libbpf_register_prog_handler(c"never_registered".as_ptr(), 0, 0, &small) }, -libc::EINVAL);
        #[repr(C)]
        struct Bigger {
            o: libbpf_prog_handler_opts,
            extra: u64,
        }
        let big = Bigger { o: libbpf_prog_handler_opts { sz: 48, ..small }, extra: 1 };
        let p = &big as *const Bigger as *const libbpf_prog_handler_opts;
        // SAFETY: `p` points at `sz` = 48 readable bytes.
        assert_eq!(unsafe { libbpf_register_prog_handler(c"never_registered".as_ptr(), 0, 0, p) }, -libc::EINVAL);
        assert_eq!(errno(), libc::EINVAL);
        assert!(section::find_sec_def("never_registered").is_none());
    }
}
