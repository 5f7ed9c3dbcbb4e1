//! The bpf.h commands libbpf 1.6/1.7 added: `bpf_prog_stream_read` and
//! `bpf_prog_assoc_struct_ops` (the raw commands: the kernel's errno, no log line).
//! `bpf_program__assoc_struct_ops` (libbpf.h) is in `program.rs`.

use super::types_bpf::{bpf_prog_assoc_struct_ops_opts, bpf_prog_stream_read_opts};
use crate::ffi::bpf::{quiet, read_opts};
use crate::ffi::{int, symver};
use std::ffi::{c_int, c_void};

/// Read up to `buf_len` bytes of stream `stream_id` (1: stdout, 2: stderr) of the program
/// `prog_fd` into `buf`. Returns the number of bytes read or a negative errno.
///
/// # Safety
/// `buf` must be NULL or writable for `buf_len` bytes; `opts` NULL or a LIBBPF_OPTS struct.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_stream_read(
    prog_fd: c_int,
    stream_id: u32,
    buf: *mut c_void,
    buf_len: u32,
    opts: *mut bpf_prog_stream_read_opts,
) -> c_int {
    int("bpf_prog_stream_read", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        unsafe { read_opts(opts as *const bpf_prog_stream_read_opts) }?;
        // SAFETY: `buf` is NULL or writable for `buf_len` bytes per the contract; the kernel
        // checks the address itself.
        let n =
            unsafe { crate::sys::prog17::prog_stream_read(prog_fd, stream_id, buf as u64, buf_len) }.map_err(quiet)?;
        Ok(n as c_int)
    })
}
symver!(bpf_prog_stream_read, "LIBBPF_1.6.0");

/// Associate the program `prog_fd` with the struct_ops map `map_fd`. 0 or a negative errno.
///
/// # Safety
/// `opts` NULL or a LIBBPF_OPTS struct.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_assoc_struct_ops(
    prog_fd: c_int,
    map_fd: c_int,
    opts: *mut bpf_prog_assoc_struct_ops_opts,
) -> c_int {
    int("bpf_prog_assoc_struct_ops", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts as *const bpf_prog_assoc_struct_ops_opts) }?;
        crate::sys::prog17::prog_assoc_struct_ops(prog_fd, map_fd, o.flags).map_err(quiet)?;
        Ok(0)
    })
}
symver!(bpf_prog_assoc_struct_ops, "LIBBPF_1.7.0");
