//! The x86-64 `uprobe()` syscall (Linux 6.18+), which makes uprobes on a 5-byte nop cheap: the
//! kernel rewrites the nop into a call of a uprobe trampoline. libbpf 1.7 probes it the way it is
//! meant to be seen from outside a trampoline (the call fails with ENXIO) and, when present,
//! moves a USDT probe from the `nop` of a `nop; nop5` site onto the `nop5`.

use std::sync::OnceLock;

/// `__NR_uprobe` on x86-64.
#[cfg(target_arch = "x86_64")]
const NR_UPROBE: libc::c_long = 336;

/// Does the kernel have the `uprobe()` syscall? Probed once per process.
pub fn supported() -> bool {
    static CACHE: OnceLock<bool> = OnceLock::new();
    *CACHE.get_or_init(probe)
}

#[cfg(target_arch = "x86_64")]
fn probe() -> bool {
    // SAFETY: a syscall without arguments; outside a uprobe trampoline the kernel only returns
    // an error (ENXIO when it has the call, ENOSYS when it does not).
    let r = unsafe { libc::syscall(NR_UPROBE) };
    r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ENXIO)
}

#[cfg(not(target_arch = "x86_64"))]
fn probe() -> bool {
    false
}
