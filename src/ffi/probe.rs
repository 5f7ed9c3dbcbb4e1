//! libbpf.h's kernel probes: `libbpf_probe_bpf_prog_type()`, `libbpf_probe_bpf_map_type()`,
//! `libbpf_probe_bpf_helper()` (1 supported, 0 not, `-EOPNOTSUPP` for types libbpf 1.5 cannot
//! probe, `-EINVAL` for non-NULL `opts`, reserved), and `libbpf_find_vmlinux_btf_id()`.
//!
//! Safety, for every export: `name` must be a NUL-terminated string.

#![allow(clippy::missing_safety_doc)] // see "Safety, for every export" above

use super::types::{bpf_attach_type, bpf_func_id, bpf_map_type, bpf_prog_type};
use super::{handle, int, symver};
use crate::error::{Error, Result};
use crate::sys::probe;
use std::ffi::{c_char, c_int, c_void};

fn no_opts(opts: *const c_void) -> Result<()> {
    if opts.is_null() {
        Ok(())
    } else {
        Err(Error::quiet(libc::EINVAL))
    }
}

/// `libbpf_probe_bpf_prog_type()`: whether the kernel supports programs of `prog_type`.
#[no_mangle]
pub unsafe extern "C" fn libbpf_probe_bpf_prog_type(prog_type: bpf_prog_type, opts: *const c_void) -> c_int {
    int("libbpf_probe_bpf_prog_type", || {
        no_opts(opts)?;
        probe::prog_type(prog_type)
    })
}
symver!(libbpf_probe_bpf_prog_type, "LIBBPF_0.7.0");

/// `libbpf_probe_bpf_map_type()`: whether the kernel supports maps of `map_type`.
#[no_mangle]
pub unsafe extern "C" fn libbpf_probe_bpf_map_type(map_type: bpf_map_type, opts: *const c_void) -> c_int {
    int("libbpf_probe_bpf_map_type", || {
        no_opts(opts)?;
        probe::map_type(map_type)
    })
}
symver!(libbpf_probe_bpf_map_type, "LIBBPF_0.7.0");

/// `libbpf_probe_bpf_helper()`: whether programs of `prog_type` may call `helper_id`.
#[no_mangle]
pub unsafe extern "C" fn libbpf_probe_bpf_helper(
    prog_type: bpf_prog_type,
    helper_id: bpf_func_id,
    opts: *const c_void,
) -> c_int {
    int("libbpf_probe_bpf_helper", || {
        no_opts(opts)?;
        probe::helper(prog_type, helper_id)
    })
}
symver!(libbpf_probe_bpf_helper, "LIBBPF_0.7.0");

/// `libbpf_find_vmlinux_btf_id()`: the vmlinux BTF type id a program of `attach_type`
/// attaching to `name` uses (the function, `btf_trace_<name>`, `bpf_lsm_<name>` or
/// `bpf_iter_<name>`).
#[no_mangle]
pub unsafe extern "C" fn libbpf_find_vmlinux_btf_id(name: *const c_char, attach_type: bpf_attach_type) -> c_int {
    int("libbpf_find_vmlinux_btf_id", || {
        // SAFETY: export contract.
        let name = unsafe { handle::cstr(name, "name") }?;
        crate::object::find_vmlinux_btf_id(name, attach_type)
    })
}
symver!(libbpf_find_vmlinux_btf_id, "LIBBPF_0.0.6");
