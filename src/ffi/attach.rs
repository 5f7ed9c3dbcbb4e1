//! `bpf_program__attach*()` and `bpf_map__attach_struct_ops()`: attaching programs, each call
//! returning a new `struct bpf_link *` that the caller releases with `bpf_link__destroy()`.
//!
//! Each export reads its arguments and options (`opts::read`: NULL is the defaults, a bad `sz`
//! or non-zero bytes past what we know are `EINVAL`) and hands them to the safe core in
//! [`crate::attach`], which follows libbpf 1.5's rules; the link it returns is boxed and leaked
//! to C.
//!
//! Every export's safety contract is the C API's: handles are NULL or live handles this library
//! issued, strings are NULL or NUL-terminated, options NULL or `LIBBPF_OPTS`-declared.
#![allow(clippy::missing_safety_doc)]

use crate::attach;
use crate::error::{Error, Result};
use crate::ffi::handle;
use crate::ffi::opts::{self, Opts};
use crate::ffi::types::*;
use crate::ffi::{self, symver};
use crate::sys::cmd::LinkExtra;
use libc::pid_t;
use std::ffi::{c_char, c_int, CStr};
use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd};

fn boxed(r: Result<Link>) -> Result<*mut Link> {
    r.map(|l| handle::issue(Box::new(l)))
}

/// An all-zero options struct (every options struct is valid all-zero: the `Opts` contract).
fn zeroed<O: Opts>() -> O {
    // SAFETY: `Opts` implementors are valid for any bit pattern, in particular all zeroes.
    unsafe { std::mem::zeroed() }
}

/// A caller's array of `n` entries, or `None` for NULL. EINVAL if `n` is implausibly large.
///
/// # Safety
/// `p` is NULL or points to `n` readable `T`s that stay valid for `'a`.
unsafe fn array<'a, T>(p: *const T, n: usize, what: &str) -> Result<Option<&'a [T]>> {
    if p.is_null() {
        return Ok(None);
    }
    if n > (isize::MAX as usize) / size_of::<T>().max(1) {
        return Err(Error::inval(format!("{what}: {n} entries is too many")));
    }
    // SAFETY: non-NULL, `n` readable entries per the caller's contract.
    Ok(Some(unsafe { std::slice::from_raw_parts(p, n) }))
}

/// The C strings of a caller's array of `char *`; EINVAL for a NULL entry.
///
/// # Safety
/// Every non-NULL entry is a NUL-terminated string valid for `'a`.
unsafe fn c_strings<'a>(ptrs: &[*const c_char]) -> Result<Vec<&'a CStr>> {
    ptrs.iter()
        .map(|&s| {
            if s.is_null() {
                Err(Error::inval("symbol array holds a NULL entry"))
            } else {
                // SAFETY: non-NULL and NUL-terminated per the caller's contract.
                Ok(unsafe { CStr::from_ptr(s) })
            }
        })
        .collect()
}

/// Attach `p` to the caller's perf event `pfd`; on success the new link owns `pfd`.
///
/// # Safety
/// `pfd` is an open fd the caller hands over on success (libbpf's contract: `bpf_link__destroy`
/// closes it), and keeps on failure.
unsafe fn perf_event(p: &Program, pfd: c_int, o: Option<bpf_perf_event_opts>) -> Result<*mut Link> {
    let (cookie, force_ioctl, enable) =
        o.map_or((0, false, true), |o| (o.bpf_cookie, o.force_ioctl_attach.get(), !o.dont_enable.get()));
    if pfd < 0 {
        return Err(Error::inval(format!("prog '{}': invalid perf event FD {}", p.name().to_string_lossy(), pfd)));
    }
    // SAFETY: `pfd` is open (caller's contract); borrowed only for the attach calls.
    let link = attach::perf_event(p, unsafe { BorrowedFd::borrow_raw(pfd) }, cookie, force_ioctl, enable)?;
    // SAFETY: on success the link takes ownership of `pfd` (caller's contract).
    let perf = unsafe { OwnedFd::from_raw_fd(pfd) };
    boxed(Ok(attach::perf_link(link, perf, None)))
}

/// Attach the program the way its SEC() name describes (kprobe, uprobe, tracepoint, raw
/// tracepoint, fentry/fexit, lsm, iter, ... or a custom handler's attach hook).
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach(prog: *const Program) -> *mut Link {
    ffi::ptr("bpf_program__attach", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        let p = unsafe { handle::get(prog, "prog") }?;
        attach::attach(p).map(handle::issue)
    })
}
symver!(bpf_program__attach, "LIBBPF_0.0.7");

/// Attach to the perf event whose fd is `pfd`.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_perf_event(prog: *const Program, pfd: c_int) -> *mut Link {
    ffi::ptr("bpf_program__attach_perf_event", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        let p = unsafe { handle::get(prog, "prog") }?;
        // SAFETY: `pfd` is the caller's perf event fd, whose ownership passes to the link on
        // success (C API contract).
        unsafe { perf_event(p, pfd, None) }
    })
}
symver!(bpf_program__attach_perf_event, "LIBBPF_0.0.4");

/// Attach to the perf event whose fd is `pfd`, with options.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_perf_event_opts(
    prog: *const Program,
    pfd: c_int,
    opts: *const bpf_perf_event_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_perf_event_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts)?) };
        // SAFETY: as in bpf_program__attach_perf_event.
        unsafe { perf_event(p, pfd, o) }
    })
}
symver!(bpf_program__attach_perf_event_opts, "LIBBPF_0.5.0");

/// Attach a kprobe (or, with `retprobe`, a kretprobe) to kernel function `func_name`.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_kprobe(
    prog: *const Program,
    retprobe: bool,
    func_name: *const c_char,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_kprobe", || {
        // SAFETY: `prog` is NULL or a live program handle; `func_name` NULL or a C string (C API
        // contract).
        let (p, f) = unsafe { (handle::get(prog, "prog")?, handle::opt_cstr(func_name, "func_name")?) };
        boxed(attach::kprobe(p, f, &attach::KprobeOpts { retprobe, ..Default::default() }))
    })
}
symver!(bpf_program__attach_kprobe, "LIBBPF_0.0.4");

/// Attach a kprobe to kernel function `func_name`, with options.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_kprobe_opts(
    prog: *const Program,
    func_name: *const c_char,
    opts: *const bpf_kprobe_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_kprobe_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `func_name` NULL or a C string;
        // `opts` NULL or a caller's options struct of at least `sz` bytes (C API contract).
        let (p, f, o) =
            unsafe { (handle::get(prog, "prog")?, handle::opt_cstr(func_name, "func_name")?, opts::read(opts)?) };
        let ko = o.map_or_else(Default::default, |o| attach::KprobeOpts {
            cookie: o.bpf_cookie,
            offset: o.offset,
            retprobe: o.retprobe.get(),
            attach_mode: o.attach_mode,
        });
        boxed(attach::kprobe(p, f, &ko))
    })
}
symver!(bpf_program__attach_kprobe_opts, "LIBBPF_0.5.0");

/// Attach one multi-kprobe link to every kernel function matching glob `pattern`, or to the
/// functions listed in `opts`.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_kprobe_multi_opts(
    prog: *const Program,
    pattern: *const c_char,
    opts: *const bpf_kprobe_multi_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_kprobe_multi_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `pattern` NULL or a C string; `opts`
        // NULL or a caller's options struct of at least `sz` bytes (C API contract).
        let (p, pat, o) =
            unsafe { (handle::get(prog, "prog")?, handle::opt_cstr(pattern, "pattern")?, opts::read(opts)?) };
        let o = o.unwrap_or(bpf_kprobe_multi_opts { sz: 0, ..zeroed() });
        let cnt = o.cnt;
        // SAFETY: per the C API, each non-NULL array in the options holds `cnt` entries, and
        // each symbol is a C string; all stay valid for the call.
        let ko = unsafe {
            attach::KprobeMultiOpts {
                syms: match array(o.syms as *const *const c_char, cnt, "syms")? {
                    Some(ptrs) => Some(c_strings(ptrs)?),
                    None => None,
                },
                addrs: array(o.addrs, cnt, "addrs")?,
                cookies: array(o.cookies, cnt, "cookies")?,
                cnt,
                retprobe: o.retprobe.get(),
                session: o.session.get(),
                unique_match: o.unique_match.get(),
            }
        };
        boxed(attach::kprobe_multi(p, pat, &ko))
    })
}
symver!(bpf_program__attach_kprobe_multi_opts, "LIBBPF_0.8.0");

/// Attach one multi-uprobe link to the functions of `binary_path` matching `func_pattern`, or
/// to the symbols/offsets in `opts`; `pid` 0 is this process, -1 every process.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_uprobe_multi(
    prog: *const Program,
    pid: pid_t,
    binary_path: *const c_char,
    func_pattern: *const c_char,
    opts: *const bpf_uprobe_multi_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_uprobe_multi", || {
        // SAFETY: `prog` is NULL or a live program handle; the strings NULL or C strings; `opts`
        // NULL or a caller's options struct of at least `sz` bytes (C API contract).
        let (p, o, path, pat) = unsafe {
            (
                handle::get(prog, "prog")?,
                opts::read(opts)?,
                handle::opt_cstr(binary_path, "binary_path")?,
                handle::opt_cstr(func_pattern, "func_pattern")?,
            )
        };
        attach::prog_fd(p)?;
        let path = path.ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let o = o.unwrap_or(bpf_uprobe_multi_opts { sz: 0, ..zeroed() });
        let cnt = o.cnt;
        // SAFETY: per the C API, each non-NULL array in the options holds `cnt` entries, and
        // each symbol is a C string; all stay valid for the call.
        let uo = unsafe {
            attach::UprobeMultiOpts {
                syms: match array(o.syms as *const *const c_char, cnt, "syms")? {
                    Some(ptrs) => Some(
                        c_strings(ptrs)?
                            .into_iter()
                            .map(|c| c.to_str().map_err(|_| Error::inval("symbol name is not UTF-8")))
                            .collect::<Result<_>>()?,
                    ),
                    None => None,
                },
                offsets: array(o.offsets, cnt, "offsets")?,
                ref_ctr_offsets: array(o.ref_ctr_offsets, cnt, "ref_ctr_offsets")?,
                cookies: array(o.cookies, cnt, "cookies")?,
                cnt,
                retprobe: o.retprobe.get(),
                session: o.session.get(),
            }
        };
        boxed(attach::uprobe_multi(p, pid, path, pat, &uo))
    })
}
symver!(bpf_program__attach_uprobe_multi, "LIBBPF_1.3.0");

/// Attach a kprobe to the kernel entry of system call `syscall_name` (e.g. "openat"),
/// whatever the architecture's wrapper is called.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_ksyscall(
    prog: *const Program,
    syscall_name: *const c_char,
    opts: *const bpf_ksyscall_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_ksyscall", || {
        // SAFETY: `prog` is NULL or a live program handle; `syscall_name` NULL or a C string;
        // `opts` NULL or a caller's options struct of at least `sz` bytes (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts)?) };
        // SAFETY: as above.
        let name = unsafe { handle::cstr(syscall_name, "syscall_name") }?;
        let (retprobe, cookie) = o.map_or((false, 0), |o| (o.retprobe.get(), o.bpf_cookie));
        boxed(attach::ksyscall(p, name, retprobe, cookie))
    })
}
symver!(bpf_program__attach_ksyscall, "LIBBPF_1.0.0");

/// Attach a uprobe (or uretprobe) at file offset `func_offset` of `binary_path`; `pid` 0 is
/// this process, -1 every process.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_uprobe(
    prog: *const Program,
    retprobe: bool,
    pid: pid_t,
    binary_path: *const c_char,
    func_offset: usize,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_uprobe", || {
        // SAFETY: `prog` is NULL or a live program handle; `binary_path` NULL or a C string (C
        // API contract).
        let (p, path) = unsafe { (handle::get(prog, "prog")?, handle::opt_cstr(binary_path, "binary_path")?) };
        let path = path.ok_or_else(|| Error::quiet(libc::EINVAL))?;
        boxed(attach::uprobe(p, pid, path, func_offset, &attach::UprobeOpts { retprobe, ..Default::default() }))
    })
}
symver!(bpf_program__attach_uprobe, "LIBBPF_0.0.4");

/// Attach a uprobe in `binary_path`, with options (function name, cookie, return probe).
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_uprobe_opts(
    prog: *const Program,
    pid: pid_t,
    binary_path: *const c_char,
    func_offset: usize,
    opts: *const bpf_uprobe_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_uprobe_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `binary_path` NULL or a C string;
        // `opts` NULL or a caller's options struct of at least `sz` bytes, its `func_name` NULL
        // or a C string (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts)?) };
        // SAFETY: as above.
        let path =
            unsafe { handle::opt_cstr(binary_path, "binary_path") }?.ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let func = match &o {
            // SAFETY: as above.
            Some(o) => unsafe { handle::opt_cstr(o.func_name, "func_name") }?,
            None => None,
        };
        let uo = o.map_or_else(Default::default, |o| attach::UprobeOpts {
            ref_ctr_offset: o.ref_ctr_offset,
            cookie: o.bpf_cookie,
            retprobe: o.retprobe.get(),
            func_name: func,
            attach_mode: o.attach_mode,
        });
        boxed(attach::uprobe(p, pid, path, func_offset, &uo))
    })
}
symver!(bpf_program__attach_uprobe_opts, "LIBBPF_0.5.0");

/// Attach to the USDT probe `usdt_provider:usdt_name` of `binary_path`.
/// Returns the new link, or NULL with errno set.
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
        // SAFETY: `prog` is NULL or a live program handle; the strings NULL or C strings; `opts`
        // NULL or a caller's options struct of at least `sz` bytes (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts)?) };
        // SAFETY: as above.
        let (path, provider, name) = unsafe {
            (
                handle::opt_cstr(binary_path, "binary_path")?,
                handle::cstr(usdt_provider, "usdt_provider")?,
                handle::cstr(usdt_name, "usdt_name")?,
            )
        };
        attach::prog_fd(p)?;
        let path = path.ok_or_else(|| Error::quiet(libc::EINVAL))?;
        boxed(attach::usdt(p, pid, path, provider, name, o.map_or(0, |o| o.usdt_cookie)))
    })
}
symver!(bpf_program__attach_usdt, "LIBBPF_0.8.0");

/// Attach to tracepoint `tp_category:tp_name`.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_tracepoint(
    prog: *const Program,
    tp_category: *const c_char,
    tp_name: *const c_char,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_tracepoint", || {
        handle::check(prog, "prog")?;
        // SAFETY: forwarded C API contract; NULL options are the defaults.
        Ok(unsafe { bpf_program__attach_tracepoint_opts(prog, tp_category, tp_name, std::ptr::null()) })
    })
}
symver!(bpf_program__attach_tracepoint, "LIBBPF_0.0.4");

/// Attach to tracepoint `tp_category:tp_name`, with options.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_tracepoint_opts(
    prog: *const Program,
    tp_category: *const c_char,
    tp_name: *const c_char,
    opts: *const bpf_tracepoint_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_tracepoint_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; the names NULL or C strings; `opts`
        // NULL or a caller's options struct of at least `sz` bytes (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts)?) };
        // SAFETY: as above.
        let (cat, name) = unsafe { (handle::cstr(tp_category, "tp_category")?, handle::cstr(tp_name, "tp_name")?) };
        boxed(attach::tracepoint(p, cat, name, o.map_or(0, |o| o.bpf_cookie)))
    })
}
symver!(bpf_program__attach_tracepoint_opts, "LIBBPF_0.5.0");

/// Attach to raw tracepoint `tp_name`.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_raw_tracepoint(prog: *const Program, tp_name: *const c_char) -> *mut Link {
    ffi::ptr("bpf_program__attach_raw_tracepoint", || {
        handle::check(prog, "prog")?;
        // SAFETY: forwarded C API contract; NULL options are the defaults.
        Ok(unsafe { bpf_program__attach_raw_tracepoint_opts(prog, tp_name, std::ptr::null_mut()) })
    })
}
symver!(bpf_program__attach_raw_tracepoint, "LIBBPF_0.0.4");

/// Attach to raw tracepoint `tp_name`, with options.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_raw_tracepoint_opts(
    prog: *const Program,
    tp_name: *const c_char,
    opts: *mut bpf_raw_tracepoint_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_raw_tracepoint_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `tp_name` NULL or a C string; `opts`
        // NULL or a caller's options struct of at least `sz` bytes (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts as *const bpf_raw_tracepoint_opts)?) };
        // SAFETY: as above.
        let name = unsafe { handle::opt_cstr(tp_name, "tp_name") }?;
        boxed(attach::raw_tracepoint(p, name, o.map_or(0, |o| o.cookie)))
    })
}
symver!(bpf_program__attach_raw_tracepoint_opts, "LIBBPF_1.4.0");

/// Attach a BTF-typed tracing program (fentry, fexit, fmod_ret, tp_btf) to its target.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_trace(prog: *const Program) -> *mut Link {
    ffi::ptr("bpf_program__attach_trace", || {
        handle::check(prog, "prog")?;
        // SAFETY: forwarded C API contract; NULL options are the defaults.
        Ok(unsafe { bpf_program__attach_trace_opts(prog, std::ptr::null()) })
    })
}
symver!(bpf_program__attach_trace, "LIBBPF_0.0.6");

/// Attach a BTF-typed tracing program to its target, with options.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_trace_opts(
    prog: *const Program,
    opts: *const bpf_trace_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_trace_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts)?) };
        boxed(attach::trace(p, o.map_or(0, |o| o.cookie)))
    })
}
symver!(bpf_program__attach_trace_opts, "LIBBPF_0.8.0");

/// Attach an LSM program to its hook.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_lsm(prog: *const Program) -> *mut Link {
    ffi::ptr("bpf_program__attach_lsm", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        let p = unsafe { handle::get(prog, "prog") }?;
        boxed(attach::trace(p, 0))
    })
}
symver!(bpf_program__attach_lsm, "LIBBPF_0.0.8");

/// Attach to the cgroup open as `cgroup_fd`.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_cgroup(prog: *const Program, cgroup_fd: c_int) -> *mut Link {
    ffi::ptr("bpf_program__attach_cgroup", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        let p = unsafe { handle::get(prog, "prog") }?;
        boxed(attach::fd_target(p, cgroup_fd, "cgroup", 0, 0, LinkExtra::None))
    })
}
symver!(bpf_program__attach_cgroup, "LIBBPF_0.0.8");

/// The placement options shared by `bpf_tcx_opts`, `bpf_netkit_opts` and `bpf_cgroup_opts`
/// (three C structs of one layout).
macro_rules! mprog_opts {
    ($o:expr) => {
        attach::MprogOpts {
            flags: $o.flags,
            relative_fd: $o.relative_fd,
            relative_id: $o.relative_id,
            expected_revision: $o.expected_revision,
        }
    };
}

/// Attach to the cgroup open as `cgroup_fd`, placed in its program list as `opts` says
/// (libbpf 1.6). Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_cgroup_opts(
    prog: *const Program,
    cgroup_fd: c_int,
    opts: *const bpf_cgroup_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_cgroup_opts", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts)?) };
        let co = o.map_or_else(Default::default, |o| mprog_opts!(o));
        boxed(attach::cgroup(p, cgroup_fd, &co))
    })
}
symver!(bpf_program__attach_cgroup_opts, "LIBBPF_1.6.0");

/// Attach to the network namespace open as `netns_fd`.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_netns(prog: *const Program, netns_fd: c_int) -> *mut Link {
    ffi::ptr("bpf_program__attach_netns", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        let p = unsafe { handle::get(prog, "prog") }?;
        boxed(attach::fd_target(p, netns_fd, "netns", 0, 0, LinkExtra::None))
    })
}
symver!(bpf_program__attach_netns, "LIBBPF_0.0.9");

/// Attach to the sockmap or sockhash whose fd is `map_fd`.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_sockmap(prog: *const Program, map_fd: c_int) -> *mut Link {
    ffi::ptr("bpf_program__attach_sockmap", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        let p = unsafe { handle::get(prog, "prog") }?;
        boxed(attach::fd_target(p, map_fd, "sockmap", 0, 0, LinkExtra::None))
    })
}
symver!(bpf_program__attach_sockmap, "LIBBPF_1.5.0");

/// Attach an XDP program to network device `ifindex` through a link.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_xdp(prog: *const Program, ifindex: c_int) -> *mut Link {
    ffi::ptr("bpf_program__attach_xdp", || {
        // SAFETY: `prog` is NULL or a live program handle (C API contract).
        let p = unsafe { handle::get(prog, "prog") }?;
        boxed(attach::fd_target(p, ifindex, "xdp", 0, 0, LinkExtra::None))
    })
}
symver!(bpf_program__attach_xdp, "LIBBPF_0.1.0");

/// Replace function `attach_func_name` of the loaded program `target_fd` with this one.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_freplace(
    prog: *const Program,
    target_fd: c_int,
    attach_func_name: *const c_char,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_freplace", || {
        // SAFETY: `prog` is NULL or a live program handle; `attach_func_name` NULL or a C string
        // (C API contract).
        let (p, f) = unsafe { (handle::get(prog, "prog")?, handle::opt_cstr(attach_func_name, "attach_func_name")?) };
        boxed(attach::freplace(p, target_fd, f))
    })
}
symver!(bpf_program__attach_freplace, "LIBBPF_0.2.0");

/// Attach a netfilter program to the hook described by `opts`.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_netfilter(
    prog: *const Program,
    opts: *const bpf_netfilter_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_netfilter", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts)?) };
        let no = o.map_or_else(Default::default, |o| attach::NetfilterOpts {
            pf: o.pf,
            hooknum: o.hooknum,
            priority: o.priority,
            flags: o.flags,
        });
        boxed(attach::netfilter(p, &no))
    })
}
symver!(bpf_program__attach_netfilter, "LIBBPF_1.3.0");

/// Attach to the tcx hook of network device `ifindex`.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_tcx(
    prog: *const Program,
    ifindex: c_int,
    opts: *const bpf_tcx_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_tcx", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts)?) };
        let mo = o.map_or_else(Default::default, |o| mprog_opts!(o));
        boxed(attach::mprog(p, ifindex, &mo, false))
    })
}
symver!(bpf_program__attach_tcx, "LIBBPF_1.3.0");

/// Attach to the netkit device `ifindex`.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_netkit(
    prog: *const Program,
    ifindex: c_int,
    opts: *const bpf_netkit_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_netkit", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts)?) };
        let mo = o.map_or_else(Default::default, |o| mprog_opts!(o));
        boxed(attach::mprog(p, ifindex, &mo, true))
    })
}
symver!(bpf_program__attach_netkit, "LIBBPF_1.3.0");

/// Create an iterator link; read its output through `bpf_iter_create()` on the link's fd.
/// Returns the new link, or NULL with errno set.
#[no_mangle]
pub unsafe extern "C" fn bpf_program__attach_iter(
    prog: *const Program,
    opts: *const bpf_iter_attach_opts,
) -> *mut Link {
    ffi::ptr("bpf_program__attach_iter", || {
        // SAFETY: `prog` is NULL or a live program handle; `opts` NULL or a caller's options
        // struct of at least `sz` bytes (C API contract).
        let (p, o) = unsafe { (handle::get(prog, "prog")?, opts::read(opts)?) };
        let info: &[u8] = match o {
            Some(o) if !o.link_info.is_null() && o.link_info_len > 0 => {
                // SAFETY: the caller's link_info points to link_info_len readable bytes (C API
                // contract), alive for the call.
                unsafe { std::slice::from_raw_parts(o.link_info as *const u8, o.link_info_len as usize) }
            }
            _ => &[],
        };
        boxed(attach::iter(p, info))
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
        crate::attach::struct_ops::attach(m).map(|l| handle::issue(Box::new(l)))
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

    /// Every `symver!` in this file and link.rs names the node upstream (1.7) gives the symbol.
    #[test]
    fn version_nodes_match_upstream() {
        let table = include_str!("../../abi/libbpf-1.7.symbols");
        let nodes: std::collections::HashMap<&str, &str> =
            table.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split_once(' ')).collect();
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
