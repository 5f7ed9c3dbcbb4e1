//! The `extern "C"` layer: libbpf's exported functions, one file per API family, each a thin shim
//! over the safe core.
//!
//! Every export has the same shape:
//! 1. `#[no_mangle] pub unsafe extern "C" fn name(...)` written out literally (cbindgen reads it to
//!    generate the headers), followed by `symver!(name, "LIBBPF_x.y.z")` binding it to the version
//!    node upstream libbpf assigns it (`abi/libbpf-1.5.symbols`; a test checks them all);
//! 2. its body is one call to [`int`], [`ptr`] or [`val`], which catch panics (nothing unwinds into
//!    C), turn pointers into references with the checks in [`handle`], and convert a core
//!    [`Error`] into libbpf's convention: int-returning APIs return `-errno` and set `errno`;
//!    pointer-returning APIs return NULL and set `errno`. Errors are logged once, here, as
//!    `libbpf: <message>` unless they are [`Error::quiet`] (those print nothing, as in libbpf).

use crate::error::{Error, Result};
use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[macro_use]
mod layout;
pub mod attach;
pub mod bpf;
pub mod bpf17;
pub mod btf;
pub mod btf_dedup;
pub mod btf_dump;
pub mod btf_write;
pub mod handle;
pub mod legacy;
pub mod linfo;
pub mod link;
pub mod linker;
pub mod map;
pub mod names;
pub mod netlink;
pub mod object;
pub mod opts;
pub mod perfbuf;
pub mod print;
pub mod probe;
pub mod program;
pub mod ringbuf;
pub mod skel_ext;
pub mod skeleton;
pub mod types;
pub mod types_bpf;
pub mod types_btf;

/// Bind an exported function to a libbpf version node as its default version (`name@@NODE`).
macro_rules! symver {
    ($name:ident, $node:literal) => {
        core::arch::global_asm!(concat!(".symver ", stringify!($name), ", ", stringify!($name), "@@@", $node));
    };
}
pub(crate) use symver;

/// Set the calling thread's errno.
pub fn set_errno(e: c_int) {
    // SAFETY: __errno_location returns the calling thread's errno slot, valid for the thread's life.
    unsafe { *libc::__errno_location() = e };
}

fn report(func: &str, e: &Error) -> c_int {
    // Quiet errors (outcomes libbpf treats as expected) print nothing, as in libbpf; a refused
    // handle names the export.
    if e.should_log() && e.names_func() {
        crate::pr_warn!("{func}: {e}");
    } else if e.should_log() {
        crate::pr_warn!("{}", e);
    }
    set_errno(e.errno());
    e.errno()
}

fn panicked(func: &str) -> c_int {
    crate::pr_warn!("{func}: internal error (panic) caught at the C boundary; please report it");
    set_errno(libc::ENOTRECOVERABLE);
    libc::ENOTRECOVERABLE
}

/// For int-returning exports: `Ok(v)` → `v`; `Err(e)` → `-errno` with errno set and the error
/// logged. A panic becomes `-ENOTRECOVERABLE`.
pub fn int(func: &str, f: impl FnOnce() -> Result<c_int>) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => -report(func, &e),
        Err(_) => -panicked(func),
    }
}

/// For pointer-returning exports: `Err` → NULL with errno set and the error logged.
pub fn ptr<T>(func: &str, f: impl FnOnce() -> Result<*mut T>) -> *mut T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            report(func, &e);
            std::ptr::null_mut()
        }
        Err(_) => {
            panicked(func);
            std::ptr::null_mut()
        }
    }
}

/// For exports that cannot report an error (accessors returning a value, `void` functions):
/// a panic yields `fallback`, which is also what a NULL handle should give.
pub fn val<T>(func: &str, fallback: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => {
            panicked(func);
            fallback
        }
    }
}

/// For exports that cannot report an error: `Err` is logged (naming `func` where the error
/// asks for it) with errno set, and becomes `None` so the caller returns its fallback.
pub fn logged<T>(func: &str, r: Result<T>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            report(func, &e);
            None
        }
    }
}

/// Exports whose behaviour arrives with a later issue: `-EOPNOTSUPP` (or NULL with errno
/// EOPNOTSUPP) and a log line naming the function.
pub fn not_yet(func: &str) -> Error {
    Error::notsup(format!("{func}() is not implemented by oxbpf yet"))
}
