//! bpf.h's `bpf_prog_load`.

use super::{bad, bump, c_name, fd_out, opts_set, read_opts, records};
use crate::error::Error;
use crate::ffi::types::bpf_prog_type;
use crate::ffi::types_bpf::*;
use crate::ffi::{int, symver};
use crate::sys::attr;
use crate::sys::cmd::raw;
use crate::uapi::BpfInsn as bpf_insn;
use std::ffi::{c_char, c_int};
use std::mem::offset_of;

/// Load a program (`BPF_PROG_LOAD`), retrying on `EAGAIN` (`opts->attempts`, default 5), on
/// `E2BIG` with func/line info records larger than the kernel's (their tails zeroed), and with
/// `log_level` 0 and a `log_buf`, once more with level 1 to collect the log of a failure.
/// `opts->log_true_size` receives the log size the kernel wanted.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_load(
    prog_type: bpf_prog_type,
    prog_name: *const c_char,
    license: *const c_char,
    insns: *const bpf_insn,
    insn_cnt: usize,
    opts: *mut bpf_prog_load_opts,
) -> c_int {
    int("bpf_prog_load", || {
        bump();
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let attempts = match o.attempts {
            a if a < 0 => return Err(bad(format_args!("bpf_prog_load: attempts {a} is negative"))),
            0 => crate::sys::cmd::PROG_LOAD_ATTEMPTS,
            a => a as u32,
        };
        let insn_cnt = u32::try_from(insn_cnt).map_err(|_| Error::quiet(libc::E2BIG))?;
        if o.attach_prog_fd != 0 && o.attach_btf_obj_fd != 0 {
            return Err(bad("bpf_prog_load: attach_prog_fd and attach_btf_obj_fd are exclusive"));
        }
        if o.log_buf.is_null() != (o.log_size == 0) {
            return Err(bad("bpf_prog_load: log_buf and log_size must be set together"));
        }
        let mut a = attr::ProgLoadAttr {
            prog_type,
            insn_cnt,
            insns: insns as u64,
            license: license as u64,
            kern_version: o.kern_version,
            prog_flags: o.prog_flags,
            // SAFETY: NULL or NUL-terminated (caller's contract).
            prog_name: unsafe { c_name(prog_name) },
            prog_ifindex: o.prog_ifindex,
            expected_attach_type: o.expected_attach_type,
            prog_btf_fd: o.prog_btf_fd,
            func_info_rec_size: o.func_info_rec_size,
            func_info: o.func_info as u64,
            func_info_cnt: o.func_info_cnt,
            line_info_rec_size: o.line_info_rec_size,
            line_info: o.line_info as u64,
            line_info_cnt: o.line_info_cnt,
            attach_btf_id: o.attach_btf_id,
            attach_btf_obj_fd: if o.attach_prog_fd != 0 { o.attach_prog_fd } else { o.attach_btf_obj_fd },
            fd_array: o.fd_array as u64,
            prog_token_fd: o.token_fd as i32,
            fd_array_cnt: o.fd_array_cnt,
            ..Default::default()
        };
        let log = raw::Log { buf: o.log_buf as u64, size: o.log_size, level: o.log_level };
        // SAFETY: the func/line info pointers describe cnt records of rec_size bytes (caller's
        // contract), read only for libbpf's E2BIG retry.
        let (finfo, linfo) = unsafe {
            (
                records(o.func_info, o.func_info_cnt, o.func_info_rec_size),
                records(o.line_info, o.line_info_cnt, o.line_info_rec_size),
            )
        };
        // SAFETY: every address comes from the C caller, valid for BPF_PROG_LOAD by contract.
        let (r, true_size) = unsafe { raw::prog_load(&mut a, attempts, log, finfo, linfo) };
        // SAFETY: `opts` is NULL or the caller's writable options struct.
        unsafe { opts_set(opts, offset_of!(bpf_prog_load_opts, log_true_size), true_size) };
        fd_out(r)
    })
}
symver!(bpf_prog_load, "LIBBPF_0.6.0");
