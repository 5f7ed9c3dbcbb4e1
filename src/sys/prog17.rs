//! The program commands of kernels 6.17+ that libbpf 1.6/1.7 wrap: `BPF_PROG_STREAM_READ_BY_FD`
//! (a program's BPF stream: `bpf_stream_printk` output, error reports) and
//! `BPF_PROG_ASSOC_STRUCT_OPS` (tie a program to a struct_ops map). Raw: the caller's buffer
//! address goes to the kernel as given, as libbpf passes it.

use super::attr::{ProgAssocStructOpsAttr, ProgStreamReadAttr};
use crate::uapi;
use std::io;

/// `BPF_PROG_STREAM_READ_BY_FD`: the number of bytes the kernel copied into `buf`.
///
/// # Safety
/// `buf` must be 0 or writable for `buf_len` bytes.
pub unsafe fn prog_stream_read(prog_fd: i32, stream_id: u32, buf: u64, buf_len: u32) -> io::Result<i64> {
    let mut a =
        ProgStreamReadAttr { stream_buf: buf, stream_buf_len: buf_len, stream_id, prog_fd: prog_fd as u32, _pad0: 0 };
    super::bpf(uapi::BPF_PROG_STREAM_READ_BY_FD, &mut a, ProgStreamReadAttr::SIZE)
}

/// `BPF_PROG_ASSOC_STRUCT_OPS`.
pub fn prog_assoc_struct_ops(prog_fd: i32, map_fd: i32, flags: u32) -> io::Result<()> {
    let mut a = ProgAssocStructOpsAttr { map_fd: map_fd as u32, prog_fd: prog_fd as u32, flags };
    super::bpf(uapi::BPF_PROG_ASSOC_STRUCT_OPS, &mut a, ProgAssocStructOpsAttr::SIZE).map(|_| ())
}
