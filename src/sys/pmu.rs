//! perf events: `perf_event_open(2)` for kprobe/uprobe PMUs, tracepoints and legacy tracefs
//! probes, and attaching a program to a perf event (a BPF perf link, or the
//! `PERF_EVENT_IOC_SET_BPF` ioctl on kernels without one).

use super::tracefs::{self, LegacyProbe, ProbeKind};
use crate::error::{Error, Result};
use crate::sys::cmd::{self, LinkCreate, LinkExtra};
use crate::sys::probe::{self, Feature};
use crate::uapi;
use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

/// `PERF_TYPE_TRACEPOINT`.
pub const PERF_TYPE_TRACEPOINT: u32 = 2;
use crate::sys::perf::{PERF_EVENT_IOC_DISABLE, PERF_EVENT_IOC_ENABLE, PERF_EVENT_IOC_SET_BPF};
/// The uprobe PMU takes the reference counter offset in `config` bits 32..63.
const REF_CTR_OFFSET_SHIFT: u32 = 32;

/// `struct perf_event_attr` up to `config2` (`PERF_ATTR_SIZE_VER1`, 72 bytes): all a probe or
/// tracepoint event needs. The kernel accepts any published size and zero-fills the rest.
pub use crate::sys::perf::PerfEventAttr;

/// `perf_event_open(attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC)`. The raw OS error is returned so
/// callers can word the message.
///
/// # Safety
/// Every pointer stored in `attr` (config1 for probes) must point to a live NUL-terminated
/// string for the duration of the call.
pub unsafe fn perf_event_open(attr: &mut PerfEventAttr, pid: i32, cpu: i32) -> std::io::Result<OwnedFd> {
    // SAFETY: forwarded contract.
    unsafe { crate::sys::perf::open(attr, pid, cpu) }
}

/// libbpf's pid/cpu convention for probe events: pid < 0 traces every process (on "cpu 0",
/// which for BPF-only trace events does not restrict anything), pid >= 0 that process on any
/// CPU.
fn pid_cpu(pid: i32) -> (i32, i32) {
    (if pid < 0 { -1 } else { pid }, if pid == -1 { 0 } else { -1 })
}

fn pmu_dir(kind: ProbeKind) -> &'static str {
    match kind {
        ProbeKind::Kprobe => "/sys/bus/event_source/devices/kprobe",
        ProbeKind::Uprobe => "/sys/bus/event_source/devices/uprobe",
    }
}

fn kind_str(kind: ProbeKind) -> &'static str {
    match kind {
        ProbeKind::Kprobe => "kprobe",
        ProbeKind::Uprobe => "uprobe",
    }
}

/// The dynamic PMU type of the kprobe or uprobe PMU; an error when the kernel has none (then
/// only legacy tracefs probes can work).
pub fn pmu_type(kind: ProbeKind) -> Result<u32> {
    tracefs::read_uint(&format!("{}/type", pmu_dir(kind)), "")
}

/// The `config` bit that makes a PMU probe a return probe.
pub fn retprobe_bit(kind: ProbeKind) -> Result<u32> {
    tracefs::read_uint(&format!("{}/format/retprobe", pmu_dir(kind)), "config:")
}

/// Open a kprobe (`name` = function, `offset` into it; no name: `offset` is an address) or
/// uprobe (`name` = binary path, `offset` = file offset) event through the PMU. `pid` only
/// matters for uprobes.
pub fn open_probe(
    kind: ProbeKind,
    retprobe: bool,
    name: Option<&CStr>,
    offset: u64,
    pid: i32,
    ref_ctr_off: u64,
) -> Result<OwnedFd> {
    if ref_ctr_off >= 1u64 << 32 {
        return Err(Error::inval(format!("reference counter offset 0x{ref_ctr_off:x} does not fit in 32 bits")));
    }
    let ty = pmu_type(kind).map_err(|e| e.context(format!("failed to determine {} perf type", kind_str(kind))))?;
    let mut attr = PerfEventAttr { type_: ty, config: ref_ctr_off << REF_CTR_OFFSET_SHIFT, ..Default::default() };
    if retprobe {
        let bit = retprobe_bit(kind)
            .map_err(|e| e.context(format!("failed to determine {} retprobe bit", kind_str(kind))))?;
        if bit >= 64 {
            return Err(Error::inval(format!("{} retprobe bit {bit} is out of range", kind_str(kind))));
        }
        attr.config |= 1u64 << bit;
    }
    attr.config1 = name.map_or(0, |n| n.as_ptr() as u64);
    attr.config2 = offset;
    let (pid, cpu) = pid_cpu(pid);
    // SAFETY: config1 is 0 or points to `name`, alive for the call.
    unsafe { perf_event_open(&mut attr, pid, cpu) }.map_err(|e| Error::io("perf_event_open() failed", &e))
}

/// libbpf's `probe_kern_syscall_wrapper` (the one probe behind both the
/// `LINUX_HAS_SYSCALL_WRAPPER` kconfig extern and ksyscall attach targets): whether a kprobe can
/// be created on `__<arch>_sys_bpf` for this process, through the kprobe PMU when the kernel has
/// one, else as a legacy tracefs kprobe event (added and removed again). False on a kernel
/// without kprobes.
pub fn syscall_wrapper_probe() -> bool {
    let Some(pfx) = probe::syscall_prefix() else { return false };
    let sym = format!("__{pfx}_sys_bpf");
    if pmu_type(ProbeKind::Kprobe).is_ok() {
        let Ok(name) = std::ffi::CString::new(sym) else { return false };
        // SAFETY: getpid has no preconditions.
        let pid = unsafe { libc::getpid() };
        open_probe(ProbeKind::Kprobe, false, Some(&name), 0, pid, 0).is_ok()
    } else {
        let event = tracefs::kprobe_event_name(&sym, 0);
        match LegacyProbe::add(ProbeKind::Kprobe, false, event, &format!("{sym}+0x0")) {
            Ok(p) => {
                let _ = p.remove();
                true
            }
            Err(_) => false,
        }
    }
}

/// Open a tracepoint perf event by id (all processes, "cpu 0" as libbpf does).
pub fn open_tracepoint_id(id: u32, pid: i32) -> std::io::Result<OwnedFd> {
    let mut attr = PerfEventAttr { type_: PERF_TYPE_TRACEPOINT, config: id as u64, ..Default::default() };
    let (pid, cpu) = pid_cpu(pid);
    // SAFETY: no pointers in attr.
    unsafe { perf_event_open(&mut attr, pid, cpu) }
}

/// Open tracepoint `category/name` for every process.
pub fn open_tracepoint(category: &str, name: &str) -> Result<OwnedFd> {
    // libbpf 1.5 warns here, naming the errno's text only; the caller adds its own line.
    let id = tracefs::tracepoint_id(category, name).map_err(|e| {
        crate::pr_warn!(
            "failed to determine tracepoint '{category}/{name}' perf event ID: {}",
            crate::error::errstr(e.errno())
        );
        Error::quiet(e.errno())
    })?;
    open_tracepoint_id(id, -1).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        crate::pr_warn!("tracepoint '{category}/{name}' perf_event_open() failed: {}", crate::error::errstr(errno));
        Error::quiet(errno)
    })
}

/// Open the perf event of a legacy tracefs probe.
pub fn open_legacy(probe: &LegacyProbe, pid: i32) -> Result<OwnedFd> {
    let id = probe
        .id()
        .map_err(|e| e.context(format!("failed to determine legacy probe event id of '{}'", probe.name())))?;
    open_tracepoint_id(id, pid).map_err(|e| Error::io("legacy probe perf_event_open() failed", &e))
}

use crate::sys::perf::ioctl;

/// Stop a perf event (before closing it at detach).
pub fn disable(fd: BorrowedFd) -> Result<()> {
    ioctl(fd, PERF_EVENT_IOC_DISABLE, 0)
        .map_err(|e| Error::io(format!("failed to disable perf_event FD {}", fd.as_raw_fd()), &e))
}

/// Attach program `prog_fd` (named `prog` in messages) to the perf event `pfd` and enable it.
/// Returns the BPF link fd, or `None` when the ioctl was used (kernels without perf links, or
/// `force_ioctl`). `pfd` stays the caller's: it is closed by nobody here, on success or failure.
/// With `enable` false (libbpf 1.7's `dont_enable`) the event is left as the caller opened it.
pub fn attach_prog(
    prog: &str,
    prog_fd: BorrowedFd,
    pfd: BorrowedFd,
    cookie: u64,
    force_ioctl: bool,
    enable: bool,
) -> Result<Option<OwnedFd>> {
    if pfd.as_raw_fd() < 0 {
        return Err(Error::inval(format!("prog '{prog}': invalid perf event FD {}", pfd.as_raw_fd())));
    }
    let link = if probe::supported(Feature::PerfLink) && !force_ioctl {
        let fd = cmd::link_create(&LinkCreate {
            prog_fd: Some(prog_fd),
            target_fd: pfd.as_raw_fd(),
            attach_type: uapi::BPF_PERF_EVENT,
            extra: LinkExtra::PerfEvent { cookie },
            ..Default::default()
        })
        .map_err(|e| {
            Error::new(
                e.errno(),
                format!("prog '{prog}': failed to create BPF link for perf_event FD {}: {}", pfd.as_raw_fd(), e),
            )
        })?;
        Some(fd)
    } else {
        if cookie != 0 {
            return Err(Error::notsup(format!("prog '{prog}': user context value (BPF cookie) needs a BPF perf link")));
        }
        ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd.as_raw_fd() as libc::c_ulong).map_err(|e| {
            let mut err = Error::io(format!("prog '{prog}': failed to attach to perf_event FD {}", pfd.as_raw_fd()), &e);
            if e.raw_os_error() == Some(libc::EPROTO) {
                err = err.context(format!(
                    "prog '{prog}': add PERF_SAMPLE_CALLCHAIN to, or remove exclude_callchain_[kernel|user] from, perf event FD {}",
                    pfd.as_raw_fd()
                ));
            }
            err
        })?;
        None
    };
    if enable {
        ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)
            .map_err(|e| Error::io(format!("prog '{prog}': failed to enable perf_event FD {}", pfd.as_raw_fd()), &e))?;
    }
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_cpu_convention() {
        assert_eq!(pid_cpu(-1), (-1, 0));
        assert_eq!(pid_cpu(0), (0, -1));
        assert_eq!(pid_cpu(1234), (1234, -1));
        // libbpf passes other negative pids as "all processes, all CPUs", which the kernel
        // refuses; so do we.
        assert_eq!(pid_cpu(-2), (-1, -1));
    }

    #[test]
    fn oversized_ref_ctr_offset_is_einval() {
        let e = open_probe(ProbeKind::Uprobe, false, Some(c"/bin/true"), 0, -1, 1 << 32).unwrap_err();
        assert_eq!(e.errno(), libc::EINVAL);
    }
}
