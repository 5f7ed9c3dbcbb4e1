//! `bpf_program__*` (attach functions live in `attach.rs`): names, types, load settings and
//! instructions before load.

use super::handle::{get, get_mut};
use super::types::{bpf_attach_type, bpf_prog_type};
use super::{int, ptr, symver, val};
use crate::caller::{CallerBuf, CallerFd};
use crate::error::{Error, Result};
use crate::object::{Map, Program};
use std::ffi::{c_char, c_int, c_void};

fn set(func: &str, prog: *mut Program, f: impl FnOnce(&mut Program) -> Result<()>) -> c_int {
    int(func, || {
        // SAFETY: C contract: prog is a live handle or NULL, not aliased during the call.
        let p = unsafe { get_mut(prog, "program") }?;
        f(p).map(|()| 0)
    })
}

fn read<T: Copy>(func: &str, prog: *const Program, fallback: T, f: impl FnOnce(&Program) -> T) -> T {
    val(func, fallback, || {
        // SAFETY: C contract: prog is a live handle or NULL.
        match unsafe { super::handle::opt_logged(func, prog, "program") } {
            Some(p) => f(p),
            None => {
                super::set_errno(libc::EINVAL);
                fallback
            }
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn bpf_program__name(prog: *const Program) -> *const c_char {
    ptr("bpf_program__name", || {
        // SAFETY: C contract: prog is a live handle or NULL.
        Ok(unsafe { get(prog, "program") }?.name().as_ptr() as *mut c_char)
    })
}
symver!(bpf_program__name, "LIBBPF_0.0.7");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__section_name(prog: *const Program) -> *const c_char {
    ptr("bpf_program__section_name", || {
        // SAFETY: C contract: prog is a live handle or NULL.
        Ok(unsafe { get(prog, "program") }?.sec_name().as_ptr() as *mut c_char)
    })
}
symver!(bpf_program__section_name, "LIBBPF_0.2.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__autoload(prog: *const Program) -> bool {
    read("bpf_program__autoload", prog, false, |p| p.autoload)
}
symver!(bpf_program__autoload, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__set_autoload(prog: *mut Program, autoload: bool) -> c_int {
    set("bpf_program__set_autoload", prog, |p| {
        p.ensure_not_loaded(libc::EINVAL)?;
        p.autoload = autoload;
        Ok(())
    })
}
symver!(bpf_program__set_autoload, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__autoattach(prog: *const Program) -> bool {
    read("bpf_program__autoattach", prog, false, |p| p.autoattach)
}
symver!(bpf_program__autoattach, "LIBBPF_1.0.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__set_autoattach(prog: *mut Program, autoattach: bool) {
    let _ = set("bpf_program__set_autoattach", prog, |p| {
        p.autoattach = autoattach;
        Ok(())
    });
}
symver!(bpf_program__set_autoattach, "LIBBPF_1.0.0");

/// The program's instructions as they are now (before load: as in the ELF; relocations and
/// appended subprograms arrive at load).
#[no_mangle]
pub unsafe extern "C" fn bpf_program__insns(prog: *const Program) -> *const c_void {
    read("bpf_program__insns", prog, std::ptr::null(), |p| {
        if p.insns.is_empty() {
            std::ptr::null()
        } else {
            p.insns.as_ptr() as *const c_void
        }
    })
}
symver!(bpf_program__insns, "LIBBPF_0.6.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__insn_cnt(prog: *const Program) -> usize {
    read("bpf_program__insn_cnt", prog, 0, |p| p.insn_cnt())
}
symver!(bpf_program__insn_cnt, "LIBBPF_0.6.0");

/// Replace the instructions (before load).
#[no_mangle]
pub unsafe extern "C" fn bpf_program__set_insns(
    prog: *mut Program,
    new_insns: *const c_void,
    new_insn_cnt: usize,
) -> c_int {
    set("bpf_program__set_insns", prog, |p| {
        p.ensure_not_loaded(libc::EBUSY)?;
        if new_insn_cnt > 0 && new_insns.is_null() {
            return Err(Error::inval("bpf_program__set_insns: NULL instructions"));
        }
        if new_insn_cnt > (1 << 24) {
            return Err(Error::inval("bpf_program__set_insns: too many instructions"));
        }
        let mut v = vec![0u64; new_insn_cnt];
        // SAFETY: the caller provides new_insn_cnt 8-byte instructions at new_insns (possibly
        // unaligned: copy bytewise into our aligned buffer).
        unsafe { std::ptr::copy_nonoverlapping(new_insns as *const u8, v.as_mut_ptr() as *mut u8, new_insn_cnt * 8) };
        p.insns = v;
        Ok(())
    })
}
symver!(bpf_program__set_insns, "LIBBPF_0.8.0");

/// Program fd once loaded; -ENOENT before.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__fd(prog: *const Program) -> c_int {
    int("bpf_program__fd", || {
        // SAFETY: C contract: prog is a live handle or NULL.
        let p = unsafe { get(prog, "program") }?;
        p.fd.as_ref().map(std::os::fd::AsRawFd::as_raw_fd).ok_or(Error::quiet(libc::ENOENT))
    })
}
symver!(bpf_program__fd, "LIBBPF_0.0.1");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__type(prog: *const Program) -> bpf_prog_type {
    read("bpf_program__type", prog, 0, |p| p.prog_type)
}
symver!(bpf_program__type, "LIBBPF_0.7.0");

/// Old name of `bpf_program__type`, still exported by libbpf 1.x.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__get_type(prog: *const Program) -> bpf_prog_type {
    read("bpf_program__get_type", prog, 0, |p| p.prog_type)
}
symver!(bpf_program__get_type, "LIBBPF_0.0.6");

/// Change the program type before load; a section-derived definition no longer applies.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__set_type(prog: *mut Program, prog_type: bpf_prog_type) -> c_int {
    set("bpf_program__set_type", prog, |p| {
        p.ensure_not_loaded(libc::EBUSY)?;
        if p.prog_type == prog_type {
            return Ok(());
        }
        p.prog_type = prog_type;
        if p.sec_def.is_some_and(|d| !d.custom.is_some_and(|c| c.fallback)) {
            p.sec_def = None;
        }
        Ok(())
    })
}
symver!(bpf_program__set_type, "LIBBPF_0.0.1");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__expected_attach_type(prog: *const Program) -> bpf_attach_type {
    read("bpf_program__expected_attach_type", prog, 0, |p| p.expected_attach_type)
}
symver!(bpf_program__expected_attach_type, "LIBBPF_0.7.0");

/// Old name of `bpf_program__expected_attach_type`, still exported by libbpf 1.x.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__get_expected_attach_type(prog: *const Program) -> bpf_attach_type {
    read("bpf_program__get_expected_attach_type", prog, 0, |p| p.expected_attach_type)
}
symver!(bpf_program__get_expected_attach_type, "LIBBPF_0.0.6");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__set_expected_attach_type(
    prog: *mut Program,
    attach_type: bpf_attach_type,
) -> c_int {
    set("bpf_program__set_expected_attach_type", prog, |p| {
        p.ensure_not_loaded(libc::EBUSY)?;
        p.expected_attach_type = attach_type;
        Ok(())
    })
}
symver!(bpf_program__set_expected_attach_type, "LIBBPF_0.0.1");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__flags(prog: *const Program) -> u32 {
    read("bpf_program__flags", prog, 0, |p| p.prog_flags)
}
symver!(bpf_program__flags, "LIBBPF_0.6.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__set_flags(prog: *mut Program, flags: u32) -> c_int {
    set("bpf_program__set_flags", prog, |p| {
        p.ensure_not_loaded(libc::EBUSY)?;
        p.prog_flags = flags;
        Ok(())
    })
}
symver!(bpf_program__set_flags, "LIBBPF_0.6.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__log_level(prog: *const Program) -> u32 {
    read("bpf_program__log_level", prog, 0, |p| p.log_level)
}
symver!(bpf_program__log_level, "LIBBPF_0.7.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__set_log_level(prog: *mut Program, log_level: u32) -> c_int {
    set("bpf_program__set_log_level", prog, |p| {
        p.ensure_not_loaded(libc::EBUSY)?;
        p.log_level = log_level;
        Ok(())
    })
}
symver!(bpf_program__set_log_level, "LIBBPF_0.7.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__log_buf(prog: *const Program, log_size: *mut usize) -> *const c_char {
    read("bpf_program__log_buf", prog, std::ptr::null(), |p| {
        if !log_size.is_null() {
            // SAFETY: the caller passed a writable size_t or NULL.
            unsafe { *log_size = p.log_buf.map_or(0, |b| b.len()) };
        }
        p.log_buf.map_or(std::ptr::null(), |b| b.as_ptr().cast_const())
    })
}
symver!(bpf_program__log_buf, "LIBBPF_0.7.0");

/// Caller-owned buffer for this program's verifier log at load.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__set_log_buf(prog: *mut Program, log_buf: *mut c_char, log_size: usize) -> c_int {
    set("bpf_program__set_log_buf", prog, |p| {
        if log_size != 0 && log_buf.is_null() {
            return Err(Error::quiet(libc::EINVAL));
        }
        if log_size > u32::MAX as usize {
            return Err(Error::quiet(libc::EINVAL));
        }
        p.ensure_not_loaded(libc::EBUSY)?;
        // SAFETY: libbpf's contract for a program's log buffer: log_size writable bytes the
        // caller keeps alive until the program is loaded (a buffer freed before is its bug).
        p.log_buf = unsafe { CallerBuf::new(log_buf, log_size) };
        Ok(())
    })
}
symver!(bpf_program__set_log_buf, "LIBBPF_0.7.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__set_ifindex(prog: *mut Program, ifindex: u32) {
    let _ = set("bpf_program__set_ifindex", prog, |p| {
        p.ifindex = ifindex;
        Ok(())
    });
}
symver!(bpf_program__set_ifindex, "LIBBPF_0.0.1");

/// Target for fentry/fexit/freplace/lsm: another program's fd and/or a function name. A name
/// is resolved against kernel BTF at load. Delivered in full by issue 3.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__set_attach_target(
    prog: *mut Program,
    attach_prog_fd: c_int,
    attach_func_name: *const c_char,
) -> c_int {
    set("bpf_program__set_attach_target", prog, |p| {
        p.ensure_not_loaded(libc::EINVAL)?;
        if attach_prog_fd < 0 {
            return Err(Error::quiet(libc::EINVAL));
        }
        // SAFETY: C contract: NULL or NUL-terminated.
        let name = unsafe { super::handle::opt_cstr(attach_func_name, "attach_func_name") }?;
        match (attach_prog_fd, name) {
            (0, None) => Err(Error::quiet(libc::EINVAL)),
            (fd, None) => {
                // SAFETY: libbpf's contract: the target program fd stays open until load.
                p.attach_prog_fd = Some(unsafe { CallerFd::new(fd) });
                Ok(())
            }
            (fd, Some(n)) => {
                // SAFETY: as above; 0 names no target program.
                p.attach_prog_fd = (fd != 0).then(|| unsafe { CallerFd::new(fd) });
                p.attach_func_name = Some(std::ffi::CString::new(n).map_err(|_| Error::quiet(libc::EINVAL))?);
                Ok(())
            }
        }
    })
}
symver!(bpf_program__set_attach_target, "LIBBPF_0.0.8");

// ---- pinning ----

/// Pin the loaded program at `path` on a BPF FS (parent directory created).
#[no_mangle]
pub unsafe extern "C" fn bpf_program__pin(prog: *mut Program, path: *const c_char) -> c_int {
    set("bpf_program__pin", prog, |p| {
        // SAFETY: C contract: path is NULL or NUL-terminated.
        let path = (!path.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(path) });
        p.pin(path)
    })
}
symver!(bpf_program__pin, "LIBBPF_0.0.1");

/// Remove the loaded program's pin at `path`.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__unpin(prog: *mut Program, path: *const c_char) -> c_int {
    set("bpf_program__unpin", prog, |p| {
        // SAFETY: C contract: path is NULL or NUL-terminated.
        let path = (!path.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(path) });
        p.unpin(path)
    })
}
symver!(bpf_program__unpin, "LIBBPF_0.0.1");

/// Close the program's fd (it can be loaded again only by reloading the object).
#[no_mangle]
pub unsafe extern "C" fn bpf_program__unload(prog: *mut Program) {
    let _ = set("bpf_program__unload", prog, |p| {
        p.unload();
        Ok(())
    });
}
symver!(bpf_program__unload, "LIBBPF_0.0.1");

/// Kernel-format records of a program (func_info or line_info) as libbpf 1.6+ hands them out:
/// assembled for the main program and its appended subprograms when the object is loaded
/// (NULL before), and refused with `EOPNOTSUPP` unless they have the record size of the
/// kernel's struct (`want_rec_size`), as when the object has no `.BTF.ext` or before load.
fn ext_records(
    func: &str,
    prog: *const Program,
    which: fn(&Program) -> (&[u8], u32),
    want_rec_size: u32,
) -> *mut c_void {
    ptr(func, || {
        // SAFETY: C contract: prog is a live handle or NULL.
        let p = unsafe { get(prog, "program") }?;
        let (recs, rec_size) = which(p);
        if rec_size != want_rec_size {
            return Err(Error::quiet(libc::EOPNOTSUPP));
        }
        Ok(if recs.is_empty() { std::ptr::null_mut() } else { recs.as_ptr() as *mut c_void })
    })
}

fn func_info_of(p: &Program) -> (&[u8], u32) {
    (&p.func_info, p.func_info_rec_size)
}

fn line_info_of(p: &Program) -> (&[u8], u32) {
    (&p.line_info, p.line_info_rec_size)
}

/// The program's func_info records once loaded (libbpf 1.6); NULL again once unloaded.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__func_info(prog: *const Program) -> *mut super::linfo::bpf_func_info {
    ext_records("bpf_program__func_info", prog, func_info_of, 8).cast()
}
symver!(bpf_program__func_info, "LIBBPF_1.6.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__func_info_cnt(prog: *const Program) -> u32 {
    read("bpf_program__func_info_cnt", prog, 0, |p| p.func_info_cnt)
}
symver!(bpf_program__func_info_cnt, "LIBBPF_1.6.0");

/// The program's line_info records once loaded (libbpf 1.6); NULL again once unloaded.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__line_info(prog: *const Program) -> *mut super::linfo::bpf_line_info {
    ext_records("bpf_program__line_info", prog, line_info_of, 16).cast()
}
symver!(bpf_program__line_info, "LIBBPF_1.6.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_program__line_info_cnt(prog: *const Program) -> u32 {
    read("bpf_program__line_info_cnt", prog, 0, |p| p.line_info_cnt)
}
symver!(bpf_program__line_info_cnt, "LIBBPF_1.6.0");

/// Associate the loaded program `prog` (not itself struct_ops) with the created struct_ops
/// map `map`. 0 or a negative errno, with libbpf's warning when an argument is unfit.
///
/// # Safety
/// `prog`/`map` NULL or live handles; `opts` NULL or a LIBBPF_OPTS struct.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__assoc_struct_ops(
    prog: *mut Program,
    map: *mut Map,
    opts: *mut crate::ffi::types_bpf::bpf_prog_assoc_struct_ops_opts,
) -> c_int {
    int("bpf_program__assoc_struct_ops", || {
        // SAFETY: per the contract; only shared references are formed.
        let (p, m) = unsafe { (get(prog, "prog")?, get(map, "map")?) };
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe {
            crate::ffi::bpf::read_opts(opts as *const crate::ffi::types_bpf::bpf_prog_assoc_struct_ops_opts)
        }?;
        crate::struct_ops::assoc::assoc_struct_ops(p, m, o.flags)?;
        Ok(0)
    })
}
symver!(bpf_program__assoc_struct_ops, "LIBBPF_1.7.0");
