//! `bpf_linker__*`: the static linker (`struct bpf_linker *`), as `bpftool gen object` uses it.
//!
//! A linker is a `Box<Linker>` created by `bpf_linker__new()` / `bpf_linker__new_fd()` and reclaimed by
//! `bpf_linker__free()`, nowhere else. Every export's safety contract is the C API's: handle
//! arguments are NULL or live handles this library issued, strings are NULL or NUL-terminated,
//! options NULL or `LIBBPF_OPTS`-initialised.
#![allow(clippy::missing_safety_doc)]

use crate::ffi::types::{bpf_linker_file_opts, bpf_linker_opts, Linker};
use crate::ffi::{self, handle, opts, symver};
use std::ffi::{c_char, c_int};

impl handle::Handle for Linker {
    const KIND: &'static str = "struct bpf_linker";
}

/// Start linking into the ELF file `filename` (created or truncated now). Returns NULL with
/// errno set on failure.
#[no_mangle]
pub unsafe extern "C" fn bpf_linker__new(filename: *const c_char, opts: *mut bpf_linker_opts) -> *mut Linker {
    ffi::ptr("bpf_linker__new", || {
        // SAFETY: `opts` is NULL or a LIBBPF_OPTS struct; `filename` NULL or a C string (C API
        // contract).
        let (_, f) = unsafe { (opts::read(opts)?, handle::cstr(filename, "filename")?) };
        Ok(handle::issue(Box::new(Linker::new(f)?)))
    })
}
symver!(bpf_linker__new, "LIBBPF_0.4.0");

/// Add the BPF object file `filename` to the output. 0 or a negative error; after an error the
/// linker's output is incomplete (as with libbpf) and should only be freed.
#[no_mangle]
pub unsafe extern "C" fn bpf_linker__add_file(
    linker: *mut Linker,
    filename: *const c_char,
    opts: *const bpf_linker_file_opts,
) -> c_int {
    ffi::int("bpf_linker__add_file", || {
        // SAFETY: as above; `linker` is NULL or a live linker handle.
        let (_, l, f) =
            unsafe { (opts::read(opts)?, handle::get_mut(linker, "linker")?, handle::cstr(filename, "filename")?) };
        l.add_file(f).map(|()| 0)
    })
}
symver!(bpf_linker__add_file, "LIBBPF_0.4.0");

/// Start linking into the caller's descriptor `fd` (libbpf 1.6): the ELF is written at offset
/// 0 by `bpf_linker__finalize()`; `fd` stays open and the caller's. NULL with errno set on
/// failure (`EINVAL` for a negative fd).
#[no_mangle]
pub unsafe extern "C" fn bpf_linker__new_fd(fd: c_int, opts: *mut bpf_linker_opts) -> *mut Linker {
    ffi::ptr("bpf_linker__new_fd", || {
        if fd < 0 {
            return Err(crate::error::Error::quiet(libc::EINVAL));
        }
        // SAFETY: `opts` is NULL or a LIBBPF_OPTS struct (C API contract).
        unsafe { opts::read(opts) }?;
        Ok(handle::issue(Box::new(Linker::new_fd(fd)?)))
    })
}
symver!(bpf_linker__new_fd, "LIBBPF_1.6.0");

/// Add the BPF object held by the caller's descriptor `fd` (read from offset 0; `fd` stays
/// open). 0 or a negative error (libbpf 1.6).
#[no_mangle]
pub unsafe extern "C" fn bpf_linker__add_fd(
    linker: *mut Linker,
    fd: c_int,
    opts: *const bpf_linker_file_opts,
) -> c_int {
    ffi::int("bpf_linker__add_fd", || {
        // SAFETY: as above; `linker` is NULL or a live linker handle.
        let (_, l) = unsafe { (opts::read(opts)?, handle::get_mut(linker, "linker")?) };
        l.add_fd(fd).map(|()| 0)
    })
}
symver!(bpf_linker__add_fd, "LIBBPF_1.6.0");

/// Add the BPF object held in `buf` (`buf_sz` bytes, copied). 0 or a negative error (libbpf
/// 1.6).
#[no_mangle]
pub unsafe extern "C" fn bpf_linker__add_buf(
    linker: *mut Linker,
    buf: *mut std::ffi::c_void,
    buf_sz: usize,
    opts: *const bpf_linker_file_opts,
) -> c_int {
    ffi::int("bpf_linker__add_buf", || {
        // SAFETY: as above; `linker` is NULL or a live linker handle.
        let (_, l) = unsafe { (opts::read(opts)?, handle::get_mut(linker, "linker")?) };
        let bytes: &[u8] = if buf_sz == 0 {
            &[]
        } else if buf.is_null() {
            // libbpf copies the buffer into a memfd: write(2) from NULL fails with EFAULT.
            return Err(crate::error::Error::new(
                libc::EFAULT,
                format!("failed to write 'mem:(nil)+{buf_sz}': {}", crate::error::errstr(libc::EFAULT)),
            ));
        } else {
            // SAFETY: `buf` is non-NULL and holds `buf_sz` readable bytes (C API contract).
            unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), buf_sz) }
        };
        l.add_buf(bytes, buf as usize).map(|()| 0)
    })
}
symver!(bpf_linker__add_buf, "LIBBPF_1.6.0");

/// Finish linking: emit the merged, deduplicated BTF and write the ELF file. 0 or a negative
/// error.
#[no_mangle]
pub unsafe extern "C" fn bpf_linker__finalize(linker: *mut Linker) -> c_int {
    ffi::int("bpf_linker__finalize", || {
        // SAFETY: `linker` is NULL or a live linker handle (C API contract).
        unsafe { handle::get_mut(linker, "linker") }?.finalize().map(|()| 0)
    })
}
symver!(bpf_linker__finalize, "LIBBPF_0.4.0");

/// Free a linker (NULL is fine). The output file stays as it is (empty unless finalized).
#[no_mangle]
pub unsafe extern "C" fn bpf_linker__free(linker: *mut Linker) {
    ffi::val("bpf_linker__free", (), || {
        // SAFETY: `linker` is NULL or a handle from bpf_linker__new; the registry refuses
        // anything else (logged) and frees nothing then. This is the one place that reclaims it.
        ffi::logged("bpf_linker__free", unsafe { handle::reclaim(linker, "linker") });
    })
}
symver!(bpf_linker__free, "LIBBPF_0.4.0");
