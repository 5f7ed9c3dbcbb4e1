//! File-system calls the library makes besides reading and writing files: creating a pin
//! directory, asking which file system a directory is on, removing a pin, checking access,
//! the size and times of an open file.

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

/// What [`fstat`] says of an open file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStat {
    pub size: u64,
    pub is_file: bool,
    /// Modification time: seconds, nanoseconds.
    pub mtime: (i64, i64),
}

/// `fstat(fd)`: std's `File::metadata` asks `statx` with an empty path string, a literal in the
/// library's read-only data that the kernel then reads, mapping in a 64 KiB window of it that
/// nothing else a load does touches (`link/cstrings.ld`); `fstat` takes no string.
pub fn fstat(f: &std::fs::File) -> io::Result<FileStat> {
    use std::os::fd::AsRawFd;
    // SAFETY: an all-zero stat is a valid value for the kernel to overwrite.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `f` is an open file and `st` a writable stat, both alive for the call.
    if unsafe { libc::fstat(f.as_raw_fd(), &mut st) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(FileStat {
        size: st.st_size as u64,
        is_file: st.st_mode & libc::S_IFMT == libc::S_IFREG,
        mtime: (st.st_mtime, st.st_mtime_nsec),
    })
}
