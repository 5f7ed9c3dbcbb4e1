//! bpf.h's remaining commands: stats, bound maps, BPF tokens.

use super::{done, fd_out, read_opts};
use crate::ffi::types::bpf_stats_type;
use crate::ffi::types_bpf::*;
use crate::ffi::{int, symver};
use crate::sys::cmd::raw;
use std::ffi::c_int;

/// Enable kernel statistics (`BPF_STATS_RUN_TIME`) while the returned fd stays open.
#[no_mangle]
pub unsafe extern "C" fn bpf_enable_stats(type_: bpf_stats_type) -> c_int {
    int("bpf_enable_stats", || fd_out(raw::enable_stats(type_)))
}
symver!(bpf_enable_stats, "LIBBPF_0.0.9");

/// Keep `map_fd` alive as long as `prog_fd` (`BPF_PROG_BIND_MAP`).
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_bind_map(prog_fd: c_int, map_fd: c_int, opts: *const bpf_prog_bind_opts) -> c_int {
    int("bpf_prog_bind_map", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        done(raw::prog_bind_map(prog_fd, map_fd, o.flags))
    })
}
symver!(bpf_prog_bind_map, "LIBBPF_0.2.0");

/// Create a BPF token from a BPF FS mount with delegation options (`bpffs_fd`: an fd of the
/// mount's root directory).
#[no_mangle]
pub unsafe extern "C" fn bpf_token_create(bpffs_fd: c_int, opts: *mut bpf_token_create_opts) -> c_int {
    int("bpf_token_create", || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        fd_out(raw::token_create(bpffs_fd, o.flags))
    })
}
symver!(bpf_token_create, "LIBBPF_1.4.0");
