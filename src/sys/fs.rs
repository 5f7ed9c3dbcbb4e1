//! File-system calls the library makes besides reading and writing files: creating a pin
//! directory, asking which file system a directory is on, removing a pin, checking access.

use std::ffi::CStr;
use std::io;

/// `mkdir(path, mode)`.
pub fn mkdir(path: &CStr, mode: libc::mode_t) -> io::Result<()> {
    // SAFETY: `path` is a NUL-terminated string alive for the call.
    if unsafe { libc::mkdir(path.as_ptr(), mode) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `statfs(path).f_type`: the magic number of the file system `path` is on.
pub fn fs_type(path: &CStr) -> io::Result<u64> {
    // SAFETY: an all-zero statfs is a valid value for the kernel to overwrite.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and `st` is a writable statfs, both alive for the call.
    if unsafe { libc::statfs(path.as_ptr(), &mut st) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st.f_type as u64)
}

/// `unlink(path)` (removing a pin).
pub fn unlink(path: &CStr) -> io::Result<()> {
    // SAFETY: `path` is a NUL-terminated string alive for the call.
    if unsafe { libc::unlink(path.as_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `faccessat(AT_FDCWD, path, mode, AT_EACCESS) == 0`: whether this process, with its
/// effective ids, may access `path` as `mode` says.
pub fn accessible(path: &CStr, mode: libc::c_int) -> bool {
    // SAFETY: faccessat on a NUL-terminated path alive for the call; no buffers.
    unsafe { libc::faccessat(libc::AT_FDCWD, path.as_ptr(), mode, libc::AT_EACCESS) == 0 }
}
