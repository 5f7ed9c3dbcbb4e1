//! BTF commands: load raw BTF into the kernel, read back its info, name and data.

use super::obj::obj_info;
use super::{addr, addr_mut, c_text, fail, raw, u32_len, LOG_BUF_MAX, LOG_BUF_SIZE};
use crate::error::{Error, Result};
use crate::sys::attr::*;
use crate::uapi;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

/// `BPF_BTF_LOAD` of a raw BTF blob, with libbpf's log convention (level 0 with a buffer: log
/// only on failure).
pub fn btf_load(
    data: &[u8],
    log_buf: Option<&mut [u8]>,
    log_level: u32,
    token_fd: Option<BorrowedFd>,
) -> Result<OwnedFd> {
    let mut attr = BtfLoadAttr {
        btf: addr(data),
        btf_size: u32_len(data.len(), "BTF")?,
        btf_flags: if token_fd.is_some() { uapi::BPF_F_TOKEN_FD } else { 0 },
        btf_token_fd: token_fd.map_or(0, |f| f.as_raw_fd()),
        ..Default::default()
    };
    let log = match log_buf {
        Some(b) if !b.is_empty() => {
            raw::Log { buf: b.as_mut_ptr() as u64, size: b.len().min(LOG_BUF_MAX) as u32, level: log_level }
        }
        _ => raw::Log::default(),
    };
    // SAFETY: `data` is readable for btf_size bytes and the log buffer (an exclusive borrow for
    // this call) is writable for log.size bytes.
    unsafe { raw::btf_load(&mut attr, log) }.map_err(|e| fail("BTF", uapi::BPF_BTF_LOAD, &e))
}

/// The kernel's `bpf_btf_info` (no data or name requested; see [`btf_info_name`]).
pub fn btf_info(fd: BorrowedFd) -> Result<bpf_btf_info> {
    let mut i = bpf_btf_info::default();
    // SAFETY: all buffer addresses in `i` are 0.
    unsafe { obj_info(fd, &mut i, "BTF") }?;
    Ok(i)
}

/// `bpf_btf_info` plus the BTF object's name ("vmlinux", a module name, or empty for user BTF).
pub fn btf_info_name(fd: BorrowedFd) -> Result<(bpf_btf_info, String)> {
    let mut name = [0u8; 64];
    let mut i = bpf_btf_info { name: name.as_mut_ptr() as u64, name_len: name.len() as u32, ..Default::default() };
    // SAFETY: `name` is writable for name_len bytes and outlives the call.
    unsafe { obj_info(fd, &mut i, "BTF") }?;
    i.name = 0;
    Ok((i, name_str(&name)))
}

/// The raw BTF the kernel holds for a BTF object.
pub fn btf_data(fd: BorrowedFd) -> Result<Vec<u8>> {
    let size = btf_info(fd)?.btf_size as usize;
    let mut data = vec![0u8; size];
    let mut i = bpf_btf_info { btf: addr_mut(&mut data), btf_size: size as u32, ..Default::default() };
    // SAFETY: `data` is writable for btf_size bytes and outlives the call.
    unsafe { obj_info(fd, &mut i, "BTF") }?;
    data.truncate((i.btf_size as usize).min(size));
    Ok(data)
}

/// libbpf's `btf_load_into_kernel`: level 0 first, then level 1 with the caller's buffer or our
/// own growing one; our own log is printed on failure.
pub fn btf_load_into_kernel(
    raw: &[u8],
    user_buf: Option<crate::caller::CallerBuf>,
    level: u32,
    token: Option<BorrowedFd>,
) -> Result<OwnedFd> {
    let mut level = level;
    let mut own: Vec<u8> = Vec::new();
    loop {
        let r = match user_buf {
            _ if level == 0 => btf_load(raw, None, level, token),
            Some(ub) => ub.with(|b| btf_load(raw, Some(b), level, token)),
            None => {
                own = vec![0u8; LOG_BUF_SIZE.max(own.len() * 2)];
                btf_load(raw, Some(&mut own[..]), level, token)
            }
        };
        match r {
            Ok(fd) => return Ok(fd),
            Err(e) => {
                if level == 0 {
                    level = 1;
                    continue;
                }
                if user_buf.is_none() && e.errno() == libc::ENOSPC && own.len() <= (u32::MAX / 2) as usize {
                    continue;
                }
                crate::pr_warn!("BTF loading error: {}", crate::error::errstr(e.errno()));
                if user_buf.is_none() && own.first().is_some_and(|&b| b != 0) {
                    crate::pr_warn!("-- BEGIN BTF LOAD LOG ---\n{}\n-- END BTF LOAD LOG --", c_text(&own));
                }
                return Err(Error::quiet(e.errno()));
            }
        }
    }
}
