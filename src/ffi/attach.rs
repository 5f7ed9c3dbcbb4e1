//! `bpf_program__attach*()` and `bpf_map__attach_struct_ops()`: attaching programs, each call
//! returning a new `struct bpf_link *` that the caller releases with `bpf_link__destroy()`.
//!
//! The behaviour arrives with the attach work (issue 3) and, for struct_ops maps, issue 4. Until
//! then each export checks what it can — a NULL handle and malformed options are `EINVAL` — and
//! fails with NULL and errno `EOPNOTSUPP`, naming itself in the log.
//!
//! Every export's safety contract is the C API's: handles are NULL or live handles this library
//! issued, strings are NULL or NUL-terminated, options NULL or `LIBBPF_OPTS`-declared.
#![allow(clippy::missing_safety_doc)]
// The stubs take every argument of the C signature (cbindgen prints their names into the
// header) but only check the handle and options so far.
#![allow(unused_variables)]

use crate::error::Result;
use crate::ffi::handle;
use crate::ffi::opts::{self, Opts};
use crate::ffi::types::*;
use crate::ffi::{self, not_yet, symver};
use libc::pid_t;
use std::ffi::{c_char, c_int};

/// The program handle must not be NULL.
///
/// # Safety
/// `prog` is NULL or a live program handle.
unsafe fn check_prog(prog: *const Program) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { handle::get(prog, "prog") }.map(|_| ())
}

/// The program handle must not be NULL and the options must pass libbpf's rules.
///
/// # Safety
/// `prog` is NULL or a live program handle; `o` is NULL or points to `(*o).sz` readable bytes.
unsafe fn check<O: Opts>(prog: *const Program, o: *const O) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe {
        check_prog(prog)?;
        opts::read(o)?;
    }
    Ok(())
}

/// Attach the program the way its SEC() name describes (kprobe, uprobe, tracepoint, raw
/// tracepoint, fentry/fexit, lsm, iter, ... or a custom handler's attach hook).
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach(prog: *const Program) -> *mut Link {
    ffi::ptr("bpf_program__attach", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach"))
    })
}
symver!(bpf_program__attach, "LIBBPF_0.0.7");

/// Attach to the perf event whose fd is `pfd`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_perf_event(
    prog: *const Program,
    pfd: c_int,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_perf_event", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_perf_event"))
    })
}
symver!(bpf_program__attach_perf_event, "LIBBPF_0.0.4");

/// Attach to the perf event whose fd is `pfd`, with options.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_perf_event_opts(
    prog: *const Program,
    pfd: c_int,
    opts: *const bpf_perf_event_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_perf_event_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_perf_event_opts"))
    })
}
symver!(bpf_program__attach_perf_event_opts, "LIBBPF_0.5.0");

/// Attach a kprobe (or, with `retprobe`, a kretprobe) to kernel function `func_name`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_kprobe(
    prog: *const Program,
    retprobe: bool,
    func_name: *const c_char,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_kprobe", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_kprobe"))
    })
}
symver!(bpf_program__attach_kprobe, "LIBBPF_0.0.4");

/// Attach a kprobe to kernel function `func_name`, with options.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_kprobe_opts(
    prog: *const Program,
    func_name: *const c_char,
    opts: *const bpf_kprobe_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_kprobe_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_kprobe_opts"))
    })
}
symver!(bpf_program__attach_kprobe_opts, "LIBBPF_0.5.0");

/// Attach one multi-kprobe link to every kernel function matching glob `pattern`, or to the
/// functions listed in `opts`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_kprobe_multi_opts(
    prog: *const Program,
    pattern: *const c_char,
    opts: *const bpf_kprobe_multi_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_kprobe_multi_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_kprobe_multi_opts"))
    })
}
symver!(bpf_program__attach_kprobe_multi_opts, "LIBBPF_0.8.0");

/// Attach one multi-uprobe link to the functions of `binary_path` matching `func_pattern`, or
/// to the symbols/offsets in `opts`; `pid` 0 is this process, -1 every process.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_uprobe_multi(
    prog: *const Program,
    pid: pid_t,
    binary_path: *const c_char,
    func_pattern: *const c_char,
    opts: *const bpf_uprobe_multi_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_uprobe_multi", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_uprobe_multi"))
    })
}
symver!(bpf_program__attach_uprobe_multi, "LIBBPF_1.3.0");

/// Attach a kprobe to the kernel entry of system call `syscall_name` (e.g. "openat"),
/// whatever the architecture's wrapper is called.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_ksyscall(
    prog: *const Program,
    syscall_name: *const c_char,
    opts: *const bpf_ksyscall_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_ksyscall", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_ksyscall"))
    })
}
symver!(bpf_program__attach_ksyscall, "LIBBPF_1.0.0");

/// Attach a uprobe (or uretprobe) at file offset `func_offset` of `binary_path`; `pid` 0 is
/// this process, -1 every process.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_uprobe(
    prog: *const Program,
    retprobe: bool,
    pid: pid_t,
    binary_path: *const c_char,
    func_offset: usize,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_uprobe", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_uprobe"))
    })
}
symver!(bpf_program__attach_uprobe, "LIBBPF_0.0.4");

/// Attach a uprobe in `binary_path`, with options (function name, cookie, return probe).
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_uprobe_opts(
    prog: *const Program,
    pid: pid_t,
    binary_path: *const c_char,
    func_offset: usize,
    opts: *const bpf_uprobe_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_uprobe_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_uprobe_opts"))
    })
}
symver!(bpf_program__attach_uprobe_opts, "LIBBPF_0.5.0");

/// Attach to the USDT probe `usdt_provider:usdt_name` of `binary_path`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_usdt(
    prog: *const Program,
    pid: pid_t,
    binary_path: *const c_char,
    usdt_provider: *const c_char,
    usdt_name: *const c_char,
    opts: *const bpf_usdt_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_usdt", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_usdt"))
    })
}
symver!(bpf_program__attach_usdt, "LIBBPF_0.8.0");

/// Attach to tracepoint `tp_category:tp_name`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_tracepoint(
    prog: *const Program,
    tp_category: *const c_char,
    tp_name: *const c_char,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_tracepoint", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_tracepoint"))
    })
}
symver!(bpf_program__attach_tracepoint, "LIBBPF_0.0.4");

/// Attach to tracepoint `tp_category:tp_name`, with options.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_tracepoint_opts(
    prog: *const Program,
    tp_category: *const c_char,
    tp_name: *const c_char,
    opts: *const bpf_tracepoint_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_tracepoint_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_tracepoint_opts"))
    })
}
symver!(bpf_program__attach_tracepoint_opts, "LIBBPF_0.5.0");

/// Attach to raw tracepoint `tp_name`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_raw_tracepoint(
    prog: *const Program,
    tp_name: *const c_char,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_raw_tracepoint", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_raw_tracepoint"))
    })
}
symver!(bpf_program__attach_raw_tracepoint, "LIBBPF_0.0.4");

/// Attach to raw tracepoint `tp_name`, with options.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_raw_tracepoint_opts(
    prog: *const Program,
    tp_name: *const c_char,
    opts: *mut bpf_raw_tracepoint_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_raw_tracepoint_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_raw_tracepoint_opts"))
    })
}
symver!(bpf_program__attach_raw_tracepoint_opts, "LIBBPF_1.4.0");

/// Attach a BTF-typed tracing program (fentry, fexit, fmod_ret, tp_btf) to its target.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_trace(prog: *const Program) -> *mut Link {
    ffi::ptr("bpf_program__attach_trace", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_trace"))
    })
}
symver!(bpf_program__attach_trace, "LIBBPF_0.0.6");

/// Attach a BTF-typed tracing program to its target, with options.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_trace_opts(
    prog: *const Program,
    opts: *const bpf_trace_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_trace_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_trace_opts"))
    })
}
symver!(bpf_program__attach_trace_opts, "LIBBPF_0.8.0");

/// Attach an LSM program to its hook.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_lsm(prog: *const Program) -> *mut Link {
    ffi::ptr("bpf_program__attach_lsm", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_lsm"))
    })
}
symver!(bpf_program__attach_lsm, "LIBBPF_0.0.8");

/// Attach to the cgroup open as `cgroup_fd`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_cgroup(
    prog: *const Program,
    cgroup_fd: c_int,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_cgroup", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_cgroup"))
    })
}
symver!(bpf_program__attach_cgroup, "LIBBPF_0.0.8");

/// Attach to the network namespace open as `netns_fd`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_netns(
    prog: *const Program,
    netns_fd: c_int,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_netns", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_netns"))
    })
}
symver!(bpf_program__attach_netns, "LIBBPF_0.0.9");

/// Attach to the sockmap or sockhash whose fd is `map_fd`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_sockmap(
    prog: *const Program,
    map_fd: c_int,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_sockmap", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_sockmap"))
    })
}
symver!(bpf_program__attach_sockmap, "LIBBPF_1.5.0");

/// Attach an XDP program to network device `ifindex` through a link.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_xdp(
    prog: *const Program,
    ifindex: c_int,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_xdp", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_xdp"))
    })
}
symver!(bpf_program__attach_xdp, "LIBBPF_0.1.0");

/// Replace function `attach_func_name` of the loaded program `target_fd` with this one.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_freplace(
    prog: *const Program,
    target_fd: c_int,
    attach_func_name: *const c_char,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_freplace", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        unsafe { check_prog(prog) }?;
        Err(not_yet("bpf_program__attach_freplace"))
    })
}
symver!(bpf_program__attach_freplace, "LIBBPF_0.2.0");

/// Attach a netfilter program to the hook described by `opts`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_netfilter(
    prog: *const Program,
    opts: *const bpf_netfilter_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_netfilter", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_netfilter"))
    })
}
symver!(bpf_program__attach_netfilter, "LIBBPF_1.3.0");

/// Attach to the tcx hook of network device `ifindex`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_tcx(
    prog: *const Program,
    ifindex: c_int,
    opts: *const bpf_tcx_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_tcx", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_tcx"))
    })
}
symver!(bpf_program__attach_tcx, "LIBBPF_1.3.0");

/// Attach to the netkit device `ifindex`.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_netkit(
    prog: *const Program,
    ifindex: c_int,
    opts: *const bpf_netkit_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_netkit", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_netkit"))
    })
}
symver!(bpf_program__attach_netkit, "LIBBPF_1.3.0");

/// Create an iterator link; read its output through `bpf_iter_create()` on the link's fd.
/// Returns the new link, or NULL with errno set.
// Delivered by issue 3 (attach)
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_iter(
    prog: *const Program,
    opts: *const bpf_iter_attach_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_iter", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        unsafe { check(prog, opts) }?;
        Err(not_yet("bpf_program__attach_iter"))
    })
}
symver!(bpf_program__attach_iter, "LIBBPF_0.0.9");

/// Register the struct_ops map `map` with the kernel (its programs become live), returning a
/// link whose destruction unregisters it. Returns NULL with errno set on failure.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__attach_struct_ops(map: *const Map) -> *mut Link {
    ffi::ptr("bpf_map__attach_struct_ops", || {
        // SAFETY: `map` is NULL or a live map handle (C API contract).
        let m = unsafe { handle::get(map, "map") }?;
        crate::struct_ops::attach(m).map(|l| Box::into_raw(Box::new(l)))
    })
}
symver!(bpf_map__attach_struct_ops, "LIBBPF_0.0.7");

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::{null, null_mut};

    fn errno() -> c_int {
        // SAFETY: reads the calling thread's errno slot.
        unsafe { *libc::__errno_location() }
    }

    #[test]
    fn null_handles_are_einval() {
        // SAFETY: NULL handles and options are valid arguments.
        unsafe {
            assert!(bpf_program__attach(null()).is_null());
            assert_eq!(errno(), libc::EINVAL);
            assert!(bpf_program__attach_kprobe_opts(null(), c"f".as_ptr(), null()).is_null());
            assert_eq!(errno(), libc::EINVAL);
            assert!(bpf_program__attach_raw_tracepoint_opts(null(), null(), null_mut()).is_null());
            assert_eq!(errno(), libc::EINVAL);
            assert!(bpf_map__attach_struct_ops(null()).is_null());
            assert_eq!(errno(), libc::EINVAL);
        }
    }

    /// Every `symver!` in this file and link.rs names the node upstream 1.5 gives the symbol.
    #[test]
    fn version_nodes_match_upstream() {
        let table = include_str!("../../abi/libbpf-1.5.symbols");
        let nodes: std::collections::HashMap<&str, &str> = table
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(' '))
            .collect();
        let mut seen = 0;
        for src in [include_str!("attach.rs"), include_str!("link.rs")] {
            for line in src.lines().filter(|l| l.starts_with("symver!(")) {
                let inner = &line["symver!(".len()..line.len() - 2];
                let (name, node) = inner.split_once(", ").unwrap();
                assert_eq!(nodes.get(name), Some(&node.trim_matches('"')), "{name}");
                seen += 1;
            }
        }
        // Every bpf_link__* and attach export upstream has is here.
        let expected = nodes
            .keys()
            .filter(|n| {
                n.starts_with("bpf_link__")
                    || n.starts_with("bpf_program__attach")
                    || **n == "bpf_map__attach_struct_ops"
            })
            .count();
        assert_eq!(seen, expected);
    }
}
