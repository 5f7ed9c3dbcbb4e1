//! `bpf_program__assoc_struct_ops` (libbpf 1.7): tie a loaded non-struct_ops program to a
//! created struct_ops map (`BPF_PROG_ASSOC_STRUCT_OPS`), so kfuncs it calls can find the
//! struct_ops instance. libbpf's checks, in its order, with its messages.

use crate::error::{Error, Result};
use crate::object::{Map, Program};
use std::os::fd::AsRawFd;

pub fn assoc_struct_ops(prog: &Program, map: &Map, flags: u32) -> Result<()> {
    let pname = prog.name.to_string_lossy();
    let Some(pfd) = prog.fd.as_ref() else {
        return Err(Error::inval(format!("prog '{pname}': can't associate BPF program without FD (was it loaded?)")));
    };
    if prog.prog_type == crate::uapi::BPF_PROG_TYPE_STRUCT_OPS {
        return Err(Error::inval(format!("prog '{pname}': can't associate struct_ops program")));
    }
    let mname = map.name.to_string_lossy();
    let Some(mfd) = map.fd.as_ref() else {
        return Err(Error::inval(format!("map '{mname}': can't associate BPF map without FD (was it created?)")));
    };
    if !map.is_struct_ops() {
        return Err(Error::inval(format!("map '{mname}': can't associate non-struct_ops map")));
    }
    // Like bpf_prog_assoc_struct_ops(): the kernel's errno, no log line.
    crate::sys::prog17::prog_assoc_struct_ops(pfd.as_raw_fd(), mfd.as_raw_fd(), flags)
        .map_err(|e| Error::quiet(e.raw_os_error().unwrap_or(libc::EIO)))
}
