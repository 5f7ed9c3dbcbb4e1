//! bpf.h's `bpf_btf_load`.

use super::{bad, bump, fd_out, opts_set, read_opts};
use crate::ffi::types_bpf::*;
use crate::ffi::{int, symver};
use crate::sys::attr;
use crate::sys::cmd::raw;
use std::ffi::{c_int, c_void};
use std::mem::offset_of;

/// Load raw BTF (`BPF_BTF_LOAD`); `log_level` 0 with a `log_buf` logs only after a failure.
#[no_mangle]
pub unsafe extern "C" fn bpf_btf_load(btf_data: *const c_void, btf_size: usize, opts: *mut bpf_btf_load_opts) -> c_int {
    int("bpf_btf_load", || {
        bump();
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        if o.log_size != 0 && o.log_buf.is_null() {
            return Err(bad("bpf_btf_load: log_size without log_buf"));
        }
        let mut a = attr::BtfLoadAttr {
            btf: btf_data as u64,
            btf_size: u32::try_from(btf_size).map_err(|_| bad("bpf_btf_load: btf_size too large"))?,
            btf_flags: o.btf_flags,
            btf_token_fd: o.token_fd as i32,
            ..Default::default()
        };
        let log = raw::Log { buf: o.log_buf as u64, size: o.log_size, level: o.log_level };
        // SAFETY: data and log buffers per the C caller's contract.
        let r = unsafe { raw::btf_load(&mut a, log) };
        // SAFETY: `opts` is NULL or the caller's writable options struct.
        unsafe { opts_set(opts, offset_of!(bpf_btf_load_opts, log_true_size), a.btf_log_true_size) };
        fd_out(r)
    })
}
symver!(bpf_btf_load, "LIBBPF_0.7.0");
