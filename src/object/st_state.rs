//! The struct_ops state an object's maps and options carry: the caller's shadow descriptions
//! (`bpf_object_open_opts.struct_ops_shadow`), a map's caller-layout shadow, and the kernel
//! side of a struct_ops map. Only the data lives here, with the object model; what is done with
//! it (kernel types, values, shadows) is `crate::struct_ops`, which re-exports these types.

use crate::sys::mmap::Region;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::Arc;

/// One member of a described shadow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowMember {
    /// Member name as in the object's BTF type.
    pub name: String,
    /// Byte offset in the caller's struct.
    pub offset: u32,
    /// Size in bytes (must equal the BTF member's size).
    pub size: u32,
}

/// The caller's layout of one struct_ops map's shadow (`struct bpf_struct_ops_map_info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowMapDesc {
    /// Map name (the struct_ops variable).
    pub name: String,
    /// Size of the caller's struct: what `bpf_map__initial_value()` reports.
    pub data_size: u32,
    pub members: Vec<ShadowMember>,
}

/// A struct_ops map's shadow in the caller's layout.
pub struct UserShadow {
    /// What `bpf_map__initial_value()` returns; C writes it at any time before load.
    pub(crate) data: Region,
    /// The caller's `data_size`.
    pub(crate) size: usize,
    /// Per described member: (offset in `data`, offset in the object's shadow, size).
    pub(crate) members: Vec<(usize, usize, usize)>,
}

impl UserShadow {
    pub fn as_ptr(&self) -> *mut u8 {
        self.data.as_ptr()
    }
    pub fn size(&self) -> usize {
        self.size
    }
}

/// Kernel side of a struct_ops map.
#[derive(Debug, Clone)]
pub struct KernInfo {
    /// Kernel struct (e.g. `tcp_congestion_ops`) type id.
    pub type_id: u32,
    /// `bpf_struct_ops_<name>` type id: the map's btf_vmlinux_value_type_id.
    pub value_type_id: u32,
    /// The value the kernel gets at attach: data members copied, program fds filled in.
    pub vdata: Vec<u8>,
    /// (offset in vdata, program index) of each function slot.
    pub func_slots: Vec<(usize, usize)>,
    /// The kernel struct's name (`tcp_congestion_ops`), for messages.
    pub type_name: String,
    /// The module BTF holding `value_type_id`, when the type is not in vmlinux: map creation
    /// passes it as `value_type_btf_obj_fd` (with `BPF_F_VTYPE_BTF_OBJ_FD`). Released once the
    /// object is loaded.
    pub btf_obj_fd: Option<Arc<OwnedFd>>,
}

impl KernInfo {
    /// `value_type_btf_obj_fd` for `BPF_MAP_CREATE` (`None`: the type is in vmlinux).
    pub fn value_type_btf_obj_fd(&self) -> Option<BorrowedFd<'_>> {
        self.btf_obj_fd.as_deref().map(std::os::fd::AsFd::as_fd)
    }
}
