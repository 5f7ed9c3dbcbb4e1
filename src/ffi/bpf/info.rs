//! bpf.h's test runs, id iteration, fds by id and object info.

use super::{done, fd_out, need, opts_set, quiet, read_opts};
use crate::ffi::types_bpf::*;
use crate::ffi::{int, symver};
use crate::sys::attr;
use crate::sys::attr::{bpf_btf_info, bpf_link_info, bpf_map_info, bpf_prog_info};
use crate::sys::cmd::raw;
use crate::uapi;
use std::ffi::{c_char, c_int, c_void};
use std::mem::offset_of;

/// Run a program on test input (`BPF_PROG_TEST_RUN`); results go back into `opts`.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_test_run_opts(prog_fd: c_int, opts: *mut bpf_test_run_opts) -> c_int {
    int("bpf_prog_test_run_opts", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let mut a = attr::TestRunAttr {
            prog_fd: prog_fd as u32,
            data_size_in: o.data_size_in,
            data_size_out: o.data_size_out,
            data_in: o.data_in as u64,
            data_out: o.data_out as u64,
            repeat: o.repeat as u32,
            duration: o.duration,
            ctx_size_in: o.ctx_size_in,
            ctx_size_out: o.ctx_size_out,
            ctx_in: o.ctx_in as u64,
            ctx_out: o.ctx_out as u64,
            flags: o.flags,
            cpu: o.cpu,
            batch_size: o.batch_size,
            ..Default::default()
        };
        // SAFETY: buffers per the C caller's contract.
        let r = unsafe { raw::prog_test_run(&mut a) };
        // SAFETY: `opts` is NULL or the caller's writable options struct.
        unsafe {
            opts_set(opts, offset_of!(bpf_test_run_opts, data_size_out), a.data_size_out);
            opts_set(opts, offset_of!(bpf_test_run_opts, ctx_size_out), a.ctx_size_out);
            opts_set(opts, offset_of!(bpf_test_run_opts, duration), a.duration);
            opts_set(opts, offset_of!(bpf_test_run_opts, retval), a.retval);
        }
        done(r)
    })
}
symver!(bpf_prog_test_run_opts, "LIBBPF_0.2.0");

fn next_id(func: &str, cmd: u32, start_id: u32, next_id: *mut u32) -> c_int {
    int(func, || {
        let out = need(next_id, func, "next_id")?;
        let id = raw::get_next_id(cmd, start_id).map_err(quiet)?;
        // SAFETY: non-NULL and writable per the caller's contract.
        unsafe { *out = id };
        Ok(0)
    })
}

/// The next program id after `start_id`; `-ENOENT` after the last.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_get_next_id(start_id: u32, next_id: *mut u32) -> c_int {
    self::next_id("bpf_prog_get_next_id", uapi::BPF_PROG_GET_NEXT_ID, start_id, next_id)
}
symver!(bpf_prog_get_next_id, "LIBBPF_0.0.1");

/// The next map id after `start_id`; `-ENOENT` after the last.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_get_next_id(start_id: u32, next_id: *mut u32) -> c_int {
    self::next_id("bpf_map_get_next_id", uapi::BPF_MAP_GET_NEXT_ID, start_id, next_id)
}
symver!(bpf_map_get_next_id, "LIBBPF_0.0.1");

/// The next BTF object id after `start_id`; `-ENOENT` after the last.
#[no_mangle]
pub unsafe extern "C" fn bpf_btf_get_next_id(start_id: u32, next_id: *mut u32) -> c_int {
    self::next_id("bpf_btf_get_next_id", uapi::BPF_BTF_GET_NEXT_ID, start_id, next_id)
}
symver!(bpf_btf_get_next_id, "LIBBPF_0.0.5");

/// The next link id after `start_id`; `-ENOENT` after the last.
#[no_mangle]
pub unsafe extern "C" fn bpf_link_get_next_id(start_id: u32, next_id: *mut u32) -> c_int {
    self::next_id("bpf_link_get_next_id", uapi::BPF_LINK_GET_NEXT_ID, start_id, next_id)
}
symver!(bpf_link_get_next_id, "LIBBPF_0.0.9");

/// # Safety
/// `opts` NULL or a LIBBPF_OPTS-declared struct.
unsafe fn fd_by_id(func: &str, cmd: u32, id: u32, opts: *const bpf_get_fd_by_id_opts) -> c_int {
    int(func, || {
        // SAFETY: forwarded contract.
        let o = unsafe { read_opts(opts) }?;
        if cmd == uapi::BPF_BTF_GET_FD_BY_ID {
            // libbpf 1.7 passes the token field (zero without one) for BTF only.
            let mut a = attr::GetIdTokenAttr {
                id: attr::GetIdAttr { start_id: id, open_flags: o.open_flags, ..Default::default() },
                fd_by_id_token_fd: o.token_fd,
            };
            return fd_out(raw::call_fd(cmd, &mut a, attr::GetIdTokenAttr::SIZE));
        }
        fd_out(raw::get_fd_by_id(cmd, id, o.open_flags))
    })
}

/// An fd for the program with this id.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_get_fd_by_id(id: u32) -> c_int {
    // SAFETY: NULL options.
    unsafe { fd_by_id("bpf_prog_get_fd_by_id", uapi::BPF_PROG_GET_FD_BY_ID, id, std::ptr::null()) }
}
symver!(bpf_prog_get_fd_by_id, "LIBBPF_0.0.1");

/// An fd for the program with this id, with `open_flags`.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_get_fd_by_id_opts(id: u32, opts: *const bpf_get_fd_by_id_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { fd_by_id("bpf_prog_get_fd_by_id_opts", uapi::BPF_PROG_GET_FD_BY_ID, id, opts) }
}
symver!(bpf_prog_get_fd_by_id_opts, "LIBBPF_1.1.0");

/// An fd for the map with this id.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_get_fd_by_id(id: u32) -> c_int {
    // SAFETY: NULL options.
    unsafe { fd_by_id("bpf_map_get_fd_by_id", uapi::BPF_MAP_GET_FD_BY_ID, id, std::ptr::null()) }
}
symver!(bpf_map_get_fd_by_id, "LIBBPF_0.0.1");

/// An fd for the map with this id, with `open_flags` (`BPF_F_RDONLY`, `BPF_F_WRONLY`).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_get_fd_by_id_opts(id: u32, opts: *const bpf_get_fd_by_id_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { fd_by_id("bpf_map_get_fd_by_id_opts", uapi::BPF_MAP_GET_FD_BY_ID, id, opts) }
}
symver!(bpf_map_get_fd_by_id_opts, "LIBBPF_1.1.0");

/// An fd for the BTF object with this id.
#[no_mangle]
pub unsafe extern "C" fn bpf_btf_get_fd_by_id(id: u32) -> c_int {
    // SAFETY: NULL options.
    unsafe { fd_by_id("bpf_btf_get_fd_by_id", uapi::BPF_BTF_GET_FD_BY_ID, id, std::ptr::null()) }
}
symver!(bpf_btf_get_fd_by_id, "LIBBPF_0.0.1");

/// An fd for the BTF object with this id, with `open_flags`.
#[no_mangle]
pub unsafe extern "C" fn bpf_btf_get_fd_by_id_opts(id: u32, opts: *const bpf_get_fd_by_id_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { fd_by_id("bpf_btf_get_fd_by_id_opts", uapi::BPF_BTF_GET_FD_BY_ID, id, opts) }
}
symver!(bpf_btf_get_fd_by_id_opts, "LIBBPF_1.1.0");

/// An fd for the link with this id.
#[no_mangle]
pub unsafe extern "C" fn bpf_link_get_fd_by_id(id: u32) -> c_int {
    // SAFETY: NULL options.
    unsafe { fd_by_id("bpf_link_get_fd_by_id", uapi::BPF_LINK_GET_FD_BY_ID, id, std::ptr::null()) }
}
symver!(bpf_link_get_fd_by_id, "LIBBPF_0.0.9");

/// An fd for the link with this id, with `open_flags`.
#[no_mangle]
pub unsafe extern "C" fn bpf_link_get_fd_by_id_opts(id: u32, opts: *const bpf_get_fd_by_id_opts) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { fd_by_id("bpf_link_get_fd_by_id_opts", uapi::BPF_LINK_GET_FD_BY_ID, id, opts) }
}
symver!(bpf_link_get_fd_by_id_opts, "LIBBPF_1.1.0");

/// # Safety
/// `info` writable for `*info_len` bytes, buffer addresses inside it valid (C's contract).
unsafe fn info_by_fd(func: &str, fd: c_int, info: *mut c_void, info_len: *mut u32) -> c_int {
    int(func, || {
        let len_p = need(info_len, func, "info_len")?;
        // SAFETY: non-NULL, readable per the caller's contract.
        let mut len = unsafe { *len_p };
        // SAFETY: the kernel writes at most `len` bytes to `info` (caller's buffer).
        let r = unsafe { raw::obj_get_info(fd, info as u64, &mut len) };
        if r.is_ok() {
            // SAFETY: non-NULL and writable per the caller's contract.
            unsafe { *len_p = len };
        }
        done(r)
    })
}

/// Fill `info` (`*info_len` bytes of a `struct bpf_{prog,map,btf,link}_info`); `*info_len`
/// becomes the size the kernel filled.
#[no_mangle]
pub unsafe extern "C" fn bpf_obj_get_info_by_fd(bpf_fd: c_int, info: *mut c_void, info_len: *mut u32) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { info_by_fd("bpf_obj_get_info_by_fd", bpf_fd, info, info_len) }
}
symver!(bpf_obj_get_info_by_fd, "LIBBPF_0.0.1");

/// `bpf_obj_get_info_by_fd()` for a program.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_get_info_by_fd(
    prog_fd: c_int,
    info: *mut bpf_prog_info,
    info_len: *mut u32,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { info_by_fd("bpf_prog_get_info_by_fd", prog_fd, info as *mut c_void, info_len) }
}
symver!(bpf_prog_get_info_by_fd, "LIBBPF_1.2.0");

/// `bpf_obj_get_info_by_fd()` for a map.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_get_info_by_fd(map_fd: c_int, info: *mut bpf_map_info, info_len: *mut u32) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { info_by_fd("bpf_map_get_info_by_fd", map_fd, info as *mut c_void, info_len) }
}
symver!(bpf_map_get_info_by_fd, "LIBBPF_1.2.0");

/// `bpf_obj_get_info_by_fd()` for a BTF object.
#[no_mangle]
pub unsafe extern "C" fn bpf_btf_get_info_by_fd(btf_fd: c_int, info: *mut bpf_btf_info, info_len: *mut u32) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { info_by_fd("bpf_btf_get_info_by_fd", btf_fd, info as *mut c_void, info_len) }
}
symver!(bpf_btf_get_info_by_fd, "LIBBPF_1.2.0");

/// `bpf_obj_get_info_by_fd()` for a link.
#[no_mangle]
pub unsafe extern "C" fn bpf_link_get_info_by_fd(
    link_fd: c_int,
    info: *mut bpf_link_info,
    info_len: *mut u32,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { info_by_fd("bpf_link_get_info_by_fd", link_fd, info as *mut c_void, info_len) }
}
symver!(bpf_link_get_info_by_fd, "LIBBPF_1.2.0");

/// What a task's fd (perf event, raw tracepoint) has attached (`BPF_TASK_FD_QUERY`). The name
/// goes to `buf` (`*buf_len` bytes); every other out-pointer must be non-NULL.
#[no_mangle]
pub unsafe extern "C" fn bpf_task_fd_query(
    pid: c_int,
    fd: c_int,
    flags: u32,
    buf: *mut c_char,
    buf_len: *mut u32,
    prog_id: *mut u32,
    fd_type: *mut u32,
    probe_offset: *mut u64,
    probe_addr: *mut u64,
) -> c_int {
    const F: &str = "bpf_task_fd_query";
    int(F, || {
        let buf_len = need(buf_len, F, "buf_len")?;
        let prog_id = need(prog_id, F, "prog_id")?;
        let fd_type = need(fd_type, F, "fd_type")?;
        let probe_offset = need(probe_offset, F, "probe_offset")?;
        let probe_addr = need(probe_addr, F, "probe_addr")?;
        let mut a = attr::TaskFdQueryAttr {
            pid: pid as u32,
            fd: fd as u32,
            flags,
            // SAFETY: non-NULL, readable per the caller's contract.
            buf_len: unsafe { *buf_len },
            buf: buf as u64,
            ..Default::default()
        };
        // SAFETY: `buf` holds `buf_len` bytes per the caller's contract.
        let r = unsafe { raw::task_fd_query(&mut a) };
        // SAFETY: all non-NULL (checked) and writable per the caller's contract.
        unsafe {
            *buf_len = a.buf_len;
            *prog_id = a.prog_id;
            *fd_type = a.fd_type;
            *probe_offset = a.probe_offset;
            *probe_addr = a.probe_addr;
        }
        done(r)
    })
}
symver!(bpf_task_fd_query, "LIBBPF_0.0.1");
