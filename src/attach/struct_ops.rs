//! Attaching a loaded struct_ops map: libbpf's `bpf_map__attach_struct_ops`, beside the other
//! attach paths (the struct_ops value itself is prepared at load, in `crate::struct_ops`).

use super::link::{Link, LinkKind};
use crate::error::{Error, Result};
use crate::object::Map;
use crate::sys::cmd;
use crate::uapi;
use std::os::fd::{AsFd, AsRawFd};

/// `bpf_map__attach_struct_ops`: register the map's kernel value (key 0), then for a
/// `.struct_ops.link` map create the BPF_STRUCT_OPS link; a legacy map's registration is its
/// "link" (destroy deletes key 0).
pub fn attach(m: &Map) -> Result<Link> {
    let name = m.name().to_string_lossy().into_owned();
    if !m.is_struct_ops() {
        return Err(Error::inval(format!("map '{name}': can't attach non-struct_ops map")));
    }
    let fd =
        m.fd.as_ref()
            .ok_or_else(|| Error::inval(format!("map '{name}': can't attach BPF map without FD (was it created?)")))?;
    let k = m
        .st_ops_kern
        .as_ref()
        .ok_or_else(|| Error::inval(format!("map '{name}': struct_ops value was not prepared at load")))?;
    let link_map = m.def.map_flags & uapi::BPF_F_LINK != 0;
    match cmd::map_update_elem(fd.as_fd(), &0u32.to_ne_bytes(), &k.vdata, 0) {
        Ok(()) => {}
        // A link map already used to create or update a link stays registered: not an error.
        Err(e) if link_map && e.errno() == libc::EBUSY => {}
        // libbpf 1.5 returns the kernel's errno without a log line.
        Err(e) => return Err(Error::quiet(e.errno())),
    }
    if !link_map {
        return Ok(Link::new(LinkKind::StructOpsMap { map_fd: fd.as_raw_fd() }));
    }
    let lfd = cmd::link_create(&cmd::LinkCreate {
        prog_fd: Some(fd.as_fd()),
        attach_type: uapi::BPF_STRUCT_OPS,
        extra: cmd::LinkExtra::StructOps,
        ..Default::default()
    })
    .map_err(|e| Error::quiet(e.errno()))?;
    Ok(Link::new(LinkKind::StructOps { fd: lfd, map_fd: fd.as_raw_fd() }))
}
