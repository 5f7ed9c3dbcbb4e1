//! A per-thread stand-in for the kernel: when a handler is installed on the current thread, every
//! [`super::bpf`] call on that thread goes to it instead of the syscall. Tests use it to drive
//! loader paths (module BTF, failure injection) that this machine's kernel cannot exercise.

use std::cell::RefCell;
use std::io;

/// Receives `(cmd, attr bytes, size)`; may write into the attr bytes like the kernel does.
pub type Handler = Box<dyn FnMut(u32, &mut [u8], usize) -> io::Result<i64>>;

thread_local! {
    static HANDLER: RefCell<Option<Handler>> = const { RefCell::new(None) };
}

/// Route this thread's bpf(2) calls to `h` until the returned guard drops.
pub fn install(h: Handler) -> Guard {
    HANDLER.with(|c| *c.borrow_mut() = Some(h));
    Guard(())
}

/// Removes the fake when dropped.
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        HANDLER.with(|c| *c.borrow_mut() = None);
    }
}

pub(super) fn dispatch(cmd: u32, attr: &mut [u8], size: usize) -> Option<io::Result<i64>> {
    HANDLER.with(|c| c.borrow_mut().as_mut().map(|h| h(cmd, attr, size)))
}
