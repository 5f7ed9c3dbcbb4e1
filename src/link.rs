//! BPF links (`struct bpf_link`): an attachment owned by user space. Created by attach functions
//! (issues 3 and 4) and destroyed by `bpf_link__destroy`.

use std::ffi::CString;

/// How a link ends when destroyed.
#[derive(Debug)]
pub enum Detach {
    /// A kernel link fd: closing it (or BPF_LINK_DETACH) ends the attachment.
    Fd,
    /// A legacy struct_ops map without BPF_F_LINK: detaching deletes key 0 of the map.
    StructOpsMap { map_fd: i32 },
}

#[derive(Debug)]
pub struct Link {
    pub(crate) fd: i32,
    pub(crate) pin_path: Option<CString>,
    pub(crate) disconnected: bool,
    pub(crate) detach: Detach,
}

impl Drop for Link {
    fn drop(&mut self) {
        if self.fd >= 0 {
            // SAFETY: the link owns its fd and closes it exactly once.
            unsafe { libc::close(self.fd) };
        }
    }
}
