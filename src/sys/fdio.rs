//! Whole-file reads and writes on a descriptor the caller owns (`bpf_linker__add_fd`,
//! `bpf_linker__new_fd`): positional, from offset 0, as libelf reads and writes, leaving the
//! descriptor's offset and ownership alone; and duplicating a descriptor (`bpf_map__reuse_fd`).

/// Every byte of `fd` from offset 0 to its end (`pread` until it returns 0). Errors: the errno.
pub fn read_fd_from_start(fd: i32) -> Result<Vec<u8>, i32> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        // SAFETY: `chunk` is a live, writable buffer of `chunk.len()` bytes; pread writes at
        // most that many and does not keep the pointer.
        let n = unsafe { libc::pread(fd, chunk.as_mut_ptr().cast(), chunk.len(), out.len() as libc::off_t) };
        match n {
            0 => return Ok(out),
            n if n > 0 => out.extend_from_slice(&chunk[..n as usize]),
            _ => {
                let e = super::last_errno();
                if e != libc::EINTR {
                    return Err(e);
                }
            }
        }
    }
}

/// Write all of `bytes` to `fd` at offset 0 (`pwrite` until done). Errors: the errno.
pub fn write_fd_at_start(fd: i32, bytes: &[u8]) -> Result<(), i32> {
    let mut done = 0usize;
    while done < bytes.len() {
        let rest = &bytes[done..];
        // SAFETY: `rest` is a live buffer of `rest.len()` bytes; pwrite only reads it.
        let n = unsafe { libc::pwrite(fd, rest.as_ptr().cast(), rest.len(), done as libc::off_t) };
        if n < 0 {
            let e = super::last_errno();
            if e != libc::EINTR {
                return Err(e);
            }
            continue;
        }
        if n == 0 {
            return Err(libc::EIO);
        }
        done += n as usize;
    }
    Ok(())
}

/// `fcntl(fd, F_DUPFD_CLOEXEC, min)`: a new close-on-exec descriptor for what `fd` refers to,
/// numbered `min` or above. An invalid `fd` fails with EBADF.
pub fn dup_cloexec_min(fd: std::os::fd::RawFd, min: std::os::fd::RawFd) -> std::io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: F_DUPFD_CLOEXEC only creates a new descriptor; an invalid `fd` fails.
    let new_fd = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, min) };
    if new_fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fcntl just returned this descriptor; nothing else owns it.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(new_fd) })
}
