//! Attaching loaded programs: the safe core behind `bpf_program__attach*()`, with libbpf 1.5's
//! semantics.
//!
//! [`attach`] is `bpf_program__attach`: it dispatches on the program's section definition
//! ([`crate::section::SecDef::attach`]) to the same handlers libbpf registers for each
//! `SEC()` family, which parse the target out of the section name (`tp/syscalls/sys_enter_getpid`,
//! `uprobe/binary:func+off`, `raw_tp/sys_enter`, ...). [`auto_attach`] is what skeleton attach
//! uses: a section that names no target (`SEC("uprobe")`, `SEC("kprobe")`) is skipped there
//! rather than failing.
//!
//! The specific attach functions ([`kprobe`], [`uprobe`], [`tracepoint`], [`raw_tracepoint`],
//! [`trace`], [`iter`], [`fd_target`], ...) each return a [`Link`] that owns every resource of
//! the attachment (BPF link fd, perf event fd, tracefs probe), released by
//! [`Link::destroy`]. Nothing is left behind when one fails half-way: fds are `OwnedFd`s and a
//! tracefs probe event is a guard that removes itself.
//!
//! Modules: [`perf`] (perf_event_open, PMU probes, perf-event attach), [`tracefs`] (tracepoint
//! ids, legacy probe events, traceable kernel functions), [`uprobe`] (binary paths, ELF symbol
//! → file offset, uprobe section names), [`usdt`] (USDT notes, argument specs, spec ids).

pub mod link;
/// Perf-event and PMU plumbing lives in sys/ (the feature probes need it too).
pub use crate::sys::pmu as perf;
pub mod struct_ops;
pub use crate::sys::tracefs;
pub mod uprobe;
pub mod usdt;

use crate::error::{Error, Result};
use crate::object::Program;
use crate::section::AttachKind;
use crate::sys::cmd::{self, LinkCreate, LinkExtra, Relative};
use crate::sys::probe::{self, Feature};
use crate::uapi;
use link::{Link, LinkKind, PerfLink};
use std::ffi::{c_ulong, CStr, CString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use tracefs::{LegacyProbe, ProbeKind};

/// `enum probe_attach_mode`.
pub const PROBE_ATTACH_MODE_DEFAULT: u32 = 0;
pub const PROBE_ATTACH_MODE_LEGACY: u32 = 1;
pub const PROBE_ATTACH_MODE_PERF: u32 = 2;
pub const PROBE_ATTACH_MODE_LINK: u32 = 3;

fn pname(p: &Program) -> std::borrow::Cow<'_, str> {
    p.name().to_string_lossy()
}

/// The program's fd, or EINVAL with libbpf's message when it is not loaded.
pub fn prog_fd(p: &Program) -> Result<BorrowedFd<'_>> {
    p.fd.as_ref().map(|f| f.as_fd()).ok_or_else(|| {
        Error::inval(format!("prog '{}': can't attach BPF program without FD (was it loaded?)", pname(p)))
    })
}

fn cstring(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::inval(format!("{what} contains a NUL byte")))
}

fn fd_link(fd: OwnedFd) -> Link {
    Link::new(LinkKind::Fd(fd))
}

// =============================================================================================
// bpf_program__attach and the per-section handlers
// =============================================================================================

/// `bpf_program__attach`: attach the way the program's section says. EOPNOTSUPP when the
/// section has no automatic attachment or names no target; EINVAL when not loaded.
pub fn attach(p: &Program) -> Result<Box<Link>> {
    let def = match p.sec_def {
        Some(d) if has_handler(d) => d,
        // libbpf 1.5 is silent here: -EOPNOTSUPP alone.
        _ => return Err(Error::quiet(libc::EOPNOTSUPP)),
    };
    prog_fd(p)?;
    match run_handler(p, def)? {
        Some(l) => Ok(l),
        // A section naming no target: -EOPNOTSUPP, without a log line (as libbpf 1.5).
        None => Err(Error::quiet(libc::EOPNOTSUPP)),
    }
}

/// What skeleton attach does per program (libbpf's `prog_attach_fn` contract): `Ok(None)` when
/// the section has no automatic attachment or names no target (the program is skipped),
/// the link otherwise, or the failure.
pub fn auto_attach(p: &Program) -> Result<Option<Box<Link>>> {
    match p.sec_def {
        Some(d) if has_handler(d) => run_handler(p, d),
        _ => Ok(None),
    }
}

/// Whether the section has an attach handler (libbpf: a non-NULL `prog_attach_fn`).
pub fn has_handler(d: &crate::section::SecDef) -> bool {
    match d.attach {
        AttachKind::None => false,
        AttachKind::Custom => d.custom.is_some_and(|c| c.prog_attach_fn.is_some()),
        _ => true,
    }
}

fn run_handler(p: &Program, def: &crate::section::SecDef) -> Result<Option<Box<Link>>> {
    let sec = p.sec_name().to_string_lossy().into_owned();
    let boxed = |r: Result<Link>| r.map(|l| Some(Box::new(l)));
    match def.attach {
        AttachKind::None => Ok(None),
        AttachKind::Kprobe => {
            if sec == "kprobe" || sec == "kretprobe" {
                return Ok(None);
            }
            let (func, offset, retprobe) = parse_kprobe_sec(&sec)?;
            boxed(kprobe(p, Some(&func), &KprobeOpts { offset, retprobe, ..Default::default() }))
        }
        AttachKind::Ksyscall => {
            if sec == "ksyscall" || sec == "kretsyscall" {
                return Ok(None);
            }
            let (retprobe, name) = match sec.strip_prefix("kretsyscall/") {
                Some(n) => (true, n),
                None => (false, sec.strip_prefix("ksyscall/").unwrap_or("")),
            };
            boxed(ksyscall(p, name, retprobe, 0))
        }
        AttachKind::Uprobe => match uprobe::parse_uprobe_sec(&pname(p), &sec)? {
            uprobe::UprobeSec::NoTarget => Ok(None),
            uprobe::UprobeSec::Target { retprobe, binary, func, offset } => boxed(uprobe(
                p,
                -1,
                &binary,
                offset as usize,
                &UprobeOpts { retprobe, func_name: Some(&func), ..Default::default() },
            )),
        },
        AttachKind::Usdt => {
            // libbpf: only exactly SEC("usdt") means "no target"; anything else must read as
            // usdt/<path>:<provider>:<name>.
            if sec == "usdt" {
                return Ok(None);
            }
            let spec = sec.strip_prefix("usdt/").unwrap_or("");
            let mut it = spec.split(':');
            match (it.next(), it.next(), it.next()) {
                (Some(path), Some(provider), Some(name))
                    if !path.is_empty() && !provider.is_empty() && !name.is_empty() =>
                {
                    boxed(usdt(p, -1, path, provider, name, 0))
                }
                _ => Err(Error::inval(format!(
                    "invalid section '{sec}', expected SEC(\"usdt/<path>:<provider>:<name>\")"
                ))),
            }
        }
        AttachKind::Tracepoint => {
            if sec == "tp" || sec == "tracepoint" {
                return Ok(None);
            }
            let rest = sec.strip_prefix("tp/").or_else(|| sec.strip_prefix("tracepoint/")).unwrap_or("");
            let (cat, name) = rest.split_once('/').ok_or_else(|| {
                Error::inval(format!("prog '{}': section '{}' is not tp/<category>/<name>", pname(p), sec))
            })?;
            boxed(tracepoint(p, cat, name, 0))
        }
        AttachKind::RawTracepoint => {
            let mut tp = None;
            for pfx in ["raw_tp", "raw_tracepoint", "raw_tp.w", "raw_tracepoint.w"] {
                let Some(rest) = sec.strip_prefix(pfx) else { continue };
                if rest.is_empty() {
                    return Ok(None);
                }
                if let Some(name) = rest.strip_prefix('/') {
                    tp = Some(name);
                    break;
                }
            }
            let tp = tp.ok_or_else(|| Error::inval(format!("prog '{}': invalid section name '{}'", pname(p), sec)))?;
            boxed(raw_tracepoint(p, Some(tp), 0))
        }
        AttachKind::Trace | AttachKind::Lsm => boxed(trace(p, 0)),
        AttachKind::Iter => boxed(iter(p, &[])),
        AttachKind::KprobeMulti | AttachKind::KprobeSession => {
            let session = def.attach == AttachKind::KprobeSession;
            if matches!(sec.as_str(), "kprobe.multi" | "kretprobe.multi" | "kprobe.session") {
                return Ok(None);
            }
            let (retprobe, spec) = if let Some(s) = sec.strip_prefix("kretprobe.multi/") {
                (true, s)
            } else if let Some(s) = sec.strip_prefix("kprobe.multi/") {
                (false, s)
            } else {
                (false, sec.strip_prefix("kprobe.session/").unwrap_or(""))
            };
            // libbpf reads the pattern as %m[a-zA-Z0-9_.*?]: up to the first other character.
            let end = spec.find(|c: char| !(c.is_ascii_alphanumeric() || "_.*?".contains(c))).unwrap_or(spec.len());
            let pattern = &spec[..end];
            if pattern.is_empty() {
                return Err(Error::inval(format!(
                    "kprobe {} pattern is invalid: {}",
                    if session { "session" } else { "multi" },
                    spec
                )));
            }
            boxed(kprobe_multi(p, Some(pattern), &KprobeMultiOpts { retprobe, session, ..Default::default() }))
        }
        AttachKind::UprobeMulti => match uprobe::parse_uprobe_multi_sec(&pname(p), &sec)? {
            None => Ok(None),
            Some((retprobe, session, binary, pattern)) => boxed(uprobe_multi(
                p,
                -1,
                &binary,
                Some(&pattern),
                &UprobeMultiOpts { retprobe, session, ..Default::default() },
            )),
        },
        AttachKind::Custom => {
            let Some(h) = def.custom else { return Ok(None) };
            let Some(f) = h.prog_attach_fn else { return Ok(None) };
            let mut out: *mut std::ffi::c_void = std::ptr::null_mut();
            // SAFETY: the handler was registered with libbpf's prog_attach_fn signature; it gets
            // this program's handle (its stable address) and the registered cookie, and stores a
            // link it created through this library's attach exports (or NULL) into `out`.
            let err = unsafe { f(p as *const Program as *const std::ffi::c_void, h.cookie, &mut out) };
            if err != 0 {
                let errno = err.checked_abs().unwrap_or(libc::EINVAL);
                if !out.is_null() {
                    crate::pr_warn!(
                        "prog '{}': custom attach handler failed ({}) but returned a link; leaking it",
                        pname(p),
                        err
                    );
                }
                return Err(Error::quiet(errno));
            }
            if out.is_null() {
                return Ok(None);
            }
            // SAFETY: a link from a custom handler must be a `struct bpf_link *` this library
            // issued, whose ownership the handler passes on; reclaim checks it is one.
            let l = unsafe { crate::registry::reclaim(out as *mut Link, "link from custom attach handler") }?;
            Ok(l)
        }
    }
}

/// `kprobe/func[+off]` / `kretprobe/func` → (function, offset, retprobe). libbpf reads the
/// function as `%m[a-zA-Z0-9_.]` and then an optional `+%li`.
fn parse_kprobe_sec(sec: &str) -> Result<(String, usize, bool)> {
    let (retprobe, spec) = match sec.strip_prefix("kretprobe/") {
        Some(s) => (true, s),
        None => (false, sec.strip_prefix("kprobe/").unwrap_or("")),
    };
    let end = spec.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(spec.len());
    let func = &spec[..end];
    if func.is_empty() {
        return Err(Error::inval(format!("kprobe name is invalid: {spec}")));
    }
    let mut offset = 0usize;
    if let Some(rest) = spec[end..].strip_prefix('+') {
        // %li stops at the first character that cannot continue the number; take the longest
        // valid prefix.
        let mut best = None;
        for i in (1..=rest.len()).rev() {
            if let Some(v) = rest.get(..i).and_then(uprobe::parse_c_long) {
                best = Some(v);
                break;
            }
        }
        offset = best.unwrap_or(0) as usize;
    }
    if retprobe && offset != 0 {
        return Err(Error::inval("kretprobes do not support offset specification"));
    }
    Ok((func.to_string(), offset, retprobe))
}

// =============================================================================================
// perf events: kprobe, uprobe, tracepoint, caller's perf event
// =============================================================================================

/// Attach to a perf event the caller opened (`bpf_program__attach_perf_event_opts`); on success
/// the link owns `pfd`, on failure the caller keeps it.
pub fn perf_event(
    p: &Program,
    pfd: BorrowedFd,
    cookie: u64,
    force_ioctl: bool,
    enable: bool,
) -> Result<Option<OwnedFd>> {
    if pfd.as_raw_fd() < 0 {
        return Err(Error::inval(format!("prog '{}': invalid perf event FD {}", pname(p), pfd.as_raw_fd())));
    }
    let fd = prog_fd(p)?;
    perf::attach_prog(&pname(p), fd, pfd, cookie, force_ioctl, enable)
}

/// The link of a perf event attachment.
pub fn perf_link(link: Option<OwnedFd>, perf: OwnedFd, legacy: Option<LegacyProbe>) -> Link {
    Link::new(LinkKind::Perf(PerfLink { link, perf, legacy }))
}

/// Resolve `probe_attach_mode` against what the kernel has: (legacy tracefs probe?, force the
/// ioctl?).
fn attach_mode(mode: u32, kind: ProbeKind) -> Result<(bool, bool)> {
    let legacy = perf::pmu_type(kind).is_err();
    match mode {
        PROBE_ATTACH_MODE_DEFAULT => Ok((legacy, false)),
        PROBE_ATTACH_MODE_LEGACY => Ok((true, true)),
        // libbpf 1.5 refuses these modes by errno alone, without a log line.
        PROBE_ATTACH_MODE_PERF if legacy => Err(Error::quiet(libc::ENOTSUP)),
        PROBE_ATTACH_MODE_PERF => Ok((false, true)),
        PROBE_ATTACH_MODE_LINK if legacy || !probe::supported(Feature::PerfLink) => Err(Error::quiet(libc::ENOTSUP)),
        PROBE_ATTACH_MODE_LINK => Ok((false, false)),
        _ => Err(Error::quiet(libc::EINVAL)),
    }
}

/// `bpf_kprobe_opts`.
#[derive(Debug, Clone, Copy, Default)]
pub struct KprobeOpts {
    pub cookie: u64,
    pub offset: usize,
    pub retprobe: bool,
    pub attach_mode: u32,
}

/// `bpf_program__attach_kprobe_opts`: a kprobe on kernel function `func` (+ offset) through the
/// kprobe PMU, or a legacy tracefs kprobe when the kernel has no PMU or it is asked for.
pub fn kprobe(p: &Program, func: Option<&str>, o: &KprobeOpts) -> Result<Link> {
    prog_fd(p)?;
    let (legacy, force_ioctl) = attach_mode(o.attach_mode, ProbeKind::Kprobe)?;
    let what = if o.retprobe { "kretprobe" } else { "kprobe" };
    let target = format!("{}+0x{:x}", func.unwrap_or("(null)"), o.offset);
    // libbpf's two lines: the step that failed, then this one with the errno text only.
    let mk_err = |e: Error| {
        let text = crate::error::errstr(e.errno());
        Error::new(e.errno(), format!("prog '{}': failed to create {what} '{target}' perf event: {text}", pname(p)))
    };
    let step = |what: String| {
        move |e: Error| {
            crate::pr_warn!("{}: {}", what, crate::error::errstr(e.errno()));
            mk_err(e)
        }
    };
    let cfunc = func.map(|f| cstring(f, "kprobe function name")).transpose()?;
    let (pfd, probe) = if legacy {
        let Some(func) = func else {
            return Err(Error::inval(format!("prog '{}': a legacy kprobe needs a function name", pname(p))));
        };
        let name = tracefs::kprobe_event_name(func, o.offset);
        let probe = LegacyProbe::add(ProbeKind::Kprobe, o.retprobe, name, &target)
            .map_err(step(format!("failed to add legacy kprobe event for '{target}'")))?;
        let id = probe.id().map_err(step(format!("failed to determine legacy kprobe event id for '{target}'")))?;
        let pfd = perf::open_tracepoint_id(id, -1)
            .map_err(|e| Error::io("legacy kprobe perf_event_open()", &e))
            .map_err(step("legacy kprobe perf_event_open() failed".to_string()))?;
        (pfd, Some(probe))
    } else {
        (
            perf::open_probe(ProbeKind::Kprobe, o.retprobe, cfunc.as_deref(), o.offset as u64, -1, 0)
                .map_err(mk_err)?,
            None,
        )
    };
    let link = perf::attach_prog(&pname(p), prog_fd(p)?, pfd.as_fd(), o.cookie, force_ioctl, true)
        .map_err(|e| e.context(format!("prog '{}': failed to attach to {what} '{target}'", pname(p))))?;
    Ok(perf_link(link, pfd, probe))
}

/// `bpf_program__attach_ksyscall`: a kprobe on the syscall's kernel entry point
/// (`__<arch>_sys_<name>` on kernels with syscall wrappers, else `__se_sys_<name>`).
pub fn ksyscall(p: &Program, name: &str, retprobe: bool, cookie: u64) -> Result<Link> {
    let func = match probe::syscall_prefix() {
        Some(pfx) if probe::supported(Feature::SyscallWrapper) => format!("__{pfx}_sys_{name}"),
        _ => format!("__se_sys_{name}"),
    };
    kprobe(p, Some(&func), &KprobeOpts { cookie, retprobe, ..Default::default() })
}

/// `bpf_uprobe_opts`.
#[derive(Debug, Clone, Copy, Default)]
pub struct UprobeOpts<'a> {
    pub ref_ctr_offset: usize,
    pub cookie: u64,
    pub retprobe: bool,
    /// Function to probe (`name`, `name@VER`, `name@@VER`); the offset argument is then added
    /// to its file offset.
    pub func_name: Option<&'a str>,
    pub attach_mode: u32,
}

/// `bpf_program__attach_uprobe_opts`: a uprobe on `binary` (a path, a name looked up in PATH or
/// the library directories, or `archive.zip!/member`) at `func_offset` (+ the offset of
/// `func_name`), for process `pid` (-1: every process; 0: this one).
pub fn uprobe(p: &Program, pid: i32, binary: &str, func_offset: usize, o: &UprobeOpts) -> Result<Link> {
    prog_fd(p)?;
    let mut path = binary.to_string();
    let mut archive: Option<(String, String)> = None;
    if let Some(sep) = binary.find("!/") {
        archive = Some((binary[..sep].to_string(), binary[sep + 2..].to_string()));
        path = binary[..sep].to_string();
    } else if !binary.contains('/') {
        path = uprobe::resolve_full_path(binary).map_err(|e| e.context(format!("prog '{}'", pname(p))))?;
    }
    let mut offset = func_offset as u64;
    if let Some(f) = o.func_name {
        let sym = match &archive {
            Some((a, member)) => uprobe::find_func_offset_in_archive(a, member, f)?,
            None => uprobe::find_func_offset_in_file(&path, f)?,
        };
        offset = offset.wrapping_add(sym);
    }
    let (legacy, force_ioctl) = attach_mode(o.attach_mode, ProbeKind::Uprobe)?;
    let what = if o.retprobe { "uretprobe" } else { "uprobe" };
    let target = format!("{path}:0x{offset:x}");
    let mk_err = |e: Error| {
        Error::new(e.errno(), format!("prog '{}': failed to create {what} '{target}' perf event: {e}", pname(p)))
    };
    let (pfd, probe) = if legacy {
        if o.ref_ctr_offset != 0 {
            return Err(Error::inval(format!(
                "prog '{}': legacy uprobes cannot have a reference counter offset",
                pname(p)
            )));
        }
        let name = tracefs::uprobe_event_name(&path, offset);
        let probe = LegacyProbe::add(ProbeKind::Uprobe, o.retprobe, name, &target)
            .map_err(|e| mk_err(e.context(format!("failed to add legacy uprobe event for {target}"))))?;
        (perf::open_legacy(&probe, pid).map_err(mk_err)?, Some(probe))
    } else {
        let cpath = cstring(&path, "binary path")?;
        (
            perf::open_probe(ProbeKind::Uprobe, o.retprobe, Some(&cpath), offset, pid, o.ref_ctr_offset as u64)
                .map_err(mk_err)?,
            None,
        )
    };
    let link = perf::attach_prog(&pname(p), prog_fd(p)?, pfd.as_fd(), o.cookie, force_ioctl, true)
        .map_err(|e| e.context(format!("prog '{}': failed to attach to {what} '{target}'", pname(p))))?;
    Ok(perf_link(link, pfd, probe))
}

/// `bpf_program__attach_tracepoint_opts`: tracepoint `category/name` through its perf event.
pub fn tracepoint(p: &Program, category: &str, name: &str, cookie: u64) -> Result<Link> {
    let pfd = perf::open_tracepoint(category, name).map_err(|e| {
        Error::new(
            e.errno(),
            format!(
                "prog '{}': failed to create tracepoint '{category}/{name}' perf event: {}",
                pname(p),
                crate::error::errstr(e.errno())
            ),
        )
    })?;
    let link = perf_event(p, pfd.as_fd(), cookie, false, true)
        .map_err(|e| e.context(format!("prog '{}': failed to attach to tracepoint '{category}/{name}'", pname(p))))?;
    Ok(perf_link(link, pfd, None))
}

/// `bpf_program__attach_usdt`: every site of USDT probe `provider:name` in `binary` (a path, or
/// a name looked up in PATH / the library directories), for process `pid` (-1: all, 0: this
/// one); `cookie` is what `bpf_usdt_cookie()` returns. See [`usdt`].
pub fn usdt(p: &Program, pid: i32, binary: &str, provider: &str, name: &str, cookie: u64) -> Result<Link> {
    prog_fd(p)?;
    let path = if binary.contains('/') {
        binary.to_string()
    } else {
        uprobe::resolve_full_path(binary).map_err(|e| e.context(format!("prog '{}'", pname(p))))?
    };
    usdt::attach(p, pid, &path, provider, name, cookie)
}

// =============================================================================================
// BPF links
// =============================================================================================

/// `bpf_program__attach_raw_tracepoint_opts` (`BPF_RAW_TRACEPOINT_OPEN`).
pub fn raw_tracepoint(p: &Program, name: Option<&str>, cookie: u64) -> Result<Link> {
    let fd = p.fd.as_ref().ok_or_else(|| Error::inval(format!("prog '{}': can't attach before loaded", pname(p))))?;
    let c = name.map(|n| cstring(n, "raw tracepoint name")).transpose()?;
    let l = cmd::raw_tracepoint_open(c.as_deref(), fd.as_fd(), cookie).map_err(|e| {
        Error::new(
            e.errno(),
            format!(
                "prog '{}': failed to attach to raw tracepoint '{}': {}",
                pname(p),
                name.unwrap_or(""),
                crate::error::errstr(e.errno())
            ),
        )
    })?;
    Ok(fd_link(l))
}

/// `bpf_program__attach_trace_opts` / `bpf_program__attach_lsm`: a BTF-id program (fentry,
/// fexit, fmod_ret, tp_btf, lsm, freplace without target) through `BPF_LINK_CREATE` with its
/// expected attach type; on kernels whose LINK_CREATE refuses these (EINVAL, no cookie) through
/// `BPF_RAW_TRACEPOINT_OPEN`, as libbpf's `bpf_link_create` falls back.
pub fn trace(p: &Program, cookie: u64) -> Result<Link> {
    let fd = p.fd.as_ref().ok_or_else(|| Error::inval(format!("prog '{}': can't attach before loaded", pname(p))))?;
    let at = p.expected_attach_type;
    let r = cmd::link_create(&LinkCreate {
        prog_fd: Some(fd.as_fd()),
        attach_type: at,
        extra: if cookie != 0 { LinkExtra::Tracing { cookie } } else { LinkExtra::None },
        ..Default::default()
    });
    let r = match r {
        Err(e)
            if e.errno() == libc::EINVAL
                && cookie == 0
                && matches!(
                    at,
                    uapi::BPF_TRACE_RAW_TP
                        | uapi::BPF_LSM_MAC
                        | uapi::BPF_TRACE_FENTRY
                        | uapi::BPF_TRACE_FEXIT
                        | uapi::BPF_MODIFY_RETURN
                ) =>
        {
            cmd::raw_tracepoint_open(None, fd.as_fd(), 0)
        }
        r => r,
    };
    r.map(fd_link).map_err(|e| {
        Error::new(e.errno(), format!("prog '{}': failed to attach: {}", pname(p), crate::error::errstr(e.errno())))
    })
}

/// `bpf_program__attach_iter`: an iterator link; `info` is the `union bpf_iter_link_info` bytes
/// (empty: none).
pub fn iter(p: &Program, info: &[u8]) -> Result<Link> {
    let fd = p.fd.as_ref().ok_or_else(|| Error::inval(format!("prog '{}': can't attach before loaded", pname(p))))?;
    cmd::link_create(&LinkCreate {
        prog_fd: Some(fd.as_fd()),
        attach_type: uapi::BPF_TRACE_ITER,
        extra: if info.is_empty() { LinkExtra::None } else { LinkExtra::Iter { info } },
        ..Default::default()
    })
    .map(fd_link)
    .map_err(|e| {
        Error::new(
            e.errno(),
            format!("prog '{}': failed to attach to iterator: {}", pname(p), crate::error::errstr(e.errno())),
        )
    })
}

/// A link to a target fd or ifindex with the program's expected attach type (cgroup, netns,
/// sockmap, xdp, tcx, netkit, freplace); `what` names the target in messages.
pub fn fd_target(
    p: &Program,
    target: i32,
    what: &str,
    flags: u32,
    target_btf_id: u32,
    extra: LinkExtra,
) -> Result<Link> {
    let fd = p.fd.as_ref().ok_or_else(|| Error::inval(format!("prog '{}': can't attach before loaded", pname(p))))?;
    cmd::link_create(&LinkCreate {
        prog_fd: Some(fd.as_fd()),
        target_fd: target,
        attach_type: p.expected_attach_type,
        flags,
        target_btf_id,
        extra,
    })
    .map(fd_link)
    .map_err(|e| {
        Error::new(
            e.errno(),
            format!("prog '{}': failed to attach to {what}: {}", pname(p), crate::error::errstr(e.errno())),
        )
    })
}

/// `bpf_tcx_opts` / `bpf_netkit_opts`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MprogOpts {
    pub flags: u32,
    pub relative_fd: u32,
    pub relative_id: u32,
    pub expected_revision: u64,
}

/// `bpf_program__attach_cgroup_opts` (libbpf 1.6): a cgroup link placed as `o` says.
pub fn cgroup(p: &Program, cgroup_fd: i32, o: &MprogOpts) -> Result<Link> {
    if o.relative_fd != 0 && o.relative_id != 0 {
        return Err(Error::inval(format!(
            "prog '{}': relative_fd and relative_id cannot be set at the same time",
            pname(p)
        )));
    }
    let relative = relative_of(p, o)?;
    fd_target(
        p,
        cgroup_fd,
        "cgroup",
        o.flags,
        0,
        LinkExtra::Cgroup { relative, expected_revision: o.expected_revision },
    )
}

/// The placement target of `o` (an id, the caller's fd, or none).
fn relative_of<'a>(p: &Program, o: &MprogOpts) -> Result<Relative<'a>> {
    Ok(if o.relative_id != 0 {
        Relative::Id(o.relative_id)
    } else if o.relative_fd != 0 {
        let fd = i32::try_from(o.relative_fd)
            .map_err(|_| Error::new(libc::EBADF, format!("prog '{}': bad relative_fd {}", pname(p), o.relative_fd)))?;
        // SAFETY: the caller's relative_fd (a non-negative fd number) is handed to the kernel
        // only for this call; nothing here reads or closes it.
        Relative::Fd(unsafe { BorrowedFd::borrow_raw(fd) })
    } else {
        Relative::None
    })
}

/// `bpf_program__attach_tcx` (`netkit` false) / `bpf_program__attach_netkit`.
pub fn mprog(p: &Program, ifindex: i32, o: &MprogOpts, netkit: bool) -> Result<Link> {
    let what = if netkit { "netkit" } else { "tcx" };
    if ifindex == 0 {
        return Err(Error::inval(format!("prog '{}': target netdevice ifindex cannot be zero", pname(p))));
    }
    if o.relative_fd != 0 && o.relative_id != 0 {
        return Err(Error::inval(format!(
            "prog '{}': relative_fd and relative_id cannot be set at the same time",
            pname(p)
        )));
    }
    let relative = relative_of(p, o)?;
    let extra = if netkit {
        LinkExtra::Netkit { relative, expected_revision: o.expected_revision }
    } else {
        LinkExtra::Tcx { relative, expected_revision: o.expected_revision }
    };
    fd_target(p, ifindex, what, o.flags, 0, extra)
}

/// `bpf_program__attach_freplace`: replace function `func` of the loaded program `target_fd`
/// (both given), or attach to the target chosen at load (neither given).
pub fn freplace(p: &Program, target_fd: i32, func: Option<&str>) -> Result<Link> {
    if (target_fd != 0) != func.is_some() {
        return Err(Error::inval(format!(
            "prog '{}': supply none or both of target_fd and attach_func_name",
            pname(p)
        )));
    }
    if p.prog_type != uapi::BPF_PROG_TYPE_EXT {
        return Err(Error::inval(format!("prog '{}': only BPF_PROG_TYPE_EXT can attach as freplace", pname(p))));
    }
    let Some(func) = func else { return trace(p, 0) };
    if target_fd < 0 {
        return Err(Error::new(libc::EBADF, format!("prog '{}': bad target program fd {target_fd}", pname(p))));
    }
    // SAFETY: the caller's target fd is only queried and passed to the kernel during this call.
    let target = unsafe { BorrowedFd::borrow_raw(target_fd) };
    let btf_id = prog_btf_func_id(target, func)?;
    fd_target(p, target_fd, "freplace", 0, btf_id, LinkExtra::None)
}

/// The BTF id of FUNC `name` in the BTF of loaded program `prog` (libbpf's
/// `libbpf_find_prog_btf_id`).
pub fn prog_btf_func_id(prog: BorrowedFd, name: &str) -> Result<u32> {
    let info = cmd::prog_info(prog)
        .map_err(|e| e.context(format!("failed bpf_prog_get_info_by_fd for FD {}", prog.as_raw_fd())))?;
    if info.btf_id == 0 {
        return Err(Error::inval("the target program doesn't have BTF"));
    }
    let btf_fd = cmd::get_fd_by_id(cmd::IdKind::Btf, info.btf_id, 0)
        .map_err(|e| e.context(format!("failed to get BTF {} of the program", info.btf_id)))?;
    let data = cmd::btf_data(btf_fd.as_fd())
        .map_err(|e| e.context(format!("failed to get BTF {} of the program", info.btf_id)))?;
    let btf = crate::btf::Btf::parse(&data)
        .map_err(|e| e.context(format!("failed to parse BTF {} of the program", info.btf_id)))?;
    btf.find_by_name_kind(name, crate::btf::Kind::Func)
        .ok_or_else(|| Error::new(libc::ENOENT, format!("{name} is not found in prog's BTF")))
}

/// `bpf_netfilter_opts`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NetfilterOpts {
    pub pf: u32,
    pub hooknum: u32,
    pub priority: i32,
    pub flags: u32,
}

/// `bpf_program__attach_netfilter`.
pub fn netfilter(p: &Program, o: &NetfilterOpts) -> Result<Link> {
    let fd = p.fd.as_ref().ok_or_else(|| Error::inval(format!("prog '{}': can't attach before loaded", pname(p))))?;
    cmd::link_create(&LinkCreate {
        prog_fd: Some(fd.as_fd()),
        attach_type: uapi::BPF_NETFILTER,
        extra: LinkExtra::Netfilter { pf: o.pf, hooknum: o.hooknum, priority: o.priority, flags: o.flags },
        ..Default::default()
    })
    .map(fd_link)
    .map_err(|e| {
        Error::new(
            e.errno(),
            format!("prog '{}': failed to attach to netfilter: {}", pname(p), crate::error::errstr(e.errno())),
        )
    })
}

// =============================================================================================
// multi-probes
// =============================================================================================

/// `bpf_kprobe_multi_opts`; `None` for a NULL array, else the caller's `cnt` entries.
#[derive(Debug, Clone, Default)]
pub struct KprobeMultiOpts<'a> {
    pub syms: Option<Vec<&'a CStr>>,
    pub addrs: Option<&'a [c_ulong]>,
    pub cookies: Option<&'a [u64]>,
    pub cnt: usize,
    pub retprobe: bool,
    pub session: bool,
    /// libbpf 1.7: the pattern must match exactly one function.
    pub unique_match: bool,
}

/// `bpf_program__attach_kprobe_multi_opts`: one link over every traceable kernel function
/// matching `pattern`, or over the symbols/addresses in `o`.
pub fn kprobe_multi(p: &Program, pattern: Option<&str>, o: &KprobeMultiOpts) -> Result<Link> {
    let fd = prog_fd(p)?;
    let inval = |m: &str| Error::inval(format!("prog '{}': {m}", pname(p)));
    if pattern.is_none() && o.addrs.is_none() && o.syms.is_none() {
        return Err(inval("kprobe_multi needs a pattern, symbols or addresses"));
    }
    if pattern.is_some() && (o.addrs.is_some() || o.syms.is_some() || o.cookies.is_some() || o.cnt != 0) {
        return Err(inval("kprobe_multi: a pattern excludes syms, addrs, cookies and cnt"));
    }
    if pattern.is_none() && o.cnt == 0 {
        return Err(inval("kprobe_multi: cnt is zero"));
    }
    if pattern.is_none() && o.unique_match {
        // libbpf 1.7 refuses this silently.
        return Err(Error::quiet(libc::EINVAL));
    }
    if o.addrs.is_some() && o.syms.is_some() {
        return Err(inval("kprobe_multi: syms and addrs are exclusive"));
    }
    let resolved: Vec<c_ulong>;
    let addrs: &[c_ulong] = match pattern {
        Some(pat) => {
            resolved = tracefs::kernel_functions_matching(pat)?.into_iter().map(|a| a as c_ulong).collect();
            if o.unique_match && resolved.len() != 1 {
                return Err(inval(&format!("failed to find a unique match for '{pat}' ({} matches)", resolved.len())));
            }
            &resolved
        }
        None => o.addrs.unwrap_or(&[]),
    };
    if o.retprobe && o.session {
        return Err(inval("kprobe_multi: retprobe and session are exclusive"));
    }
    let no_syms = Vec::new();
    cmd::link_create(&LinkCreate {
        prog_fd: Some(fd),
        attach_type: if o.session { uapi::BPF_TRACE_KPROBE_SESSION } else { uapi::BPF_TRACE_KPROBE_MULTI },
        extra: LinkExtra::KprobeMulti {
            flags: if o.retprobe { uapi::BPF_F_KPROBE_MULTI_RETURN } else { 0 },
            syms: o.syms.as_ref().unwrap_or(&no_syms),
            addrs,
            cookies: o.cookies.unwrap_or(&[]),
        },
        ..Default::default()
    })
    .map(fd_link)
    .map_err(|e| {
        Error::new(e.errno(), format!("prog '{}': failed to attach: {}", pname(p), crate::error::errstr(e.errno())))
    })
}

/// `bpf_uprobe_multi_opts`; `None` for a NULL array, else the caller's `cnt` entries.
#[derive(Debug, Clone, Default)]
pub struct UprobeMultiOpts<'a> {
    pub syms: Option<Vec<&'a str>>,
    pub offsets: Option<&'a [c_ulong]>,
    pub ref_ctr_offsets: Option<&'a [c_ulong]>,
    pub cookies: Option<&'a [u64]>,
    pub cnt: usize,
    pub retprobe: bool,
    /// libbpf 1.7: a session probe (`BPF_TRACE_UPROBE_SESSION`).
    pub session: bool,
}

/// `bpf_program__attach_uprobe_multi`: one link over the functions of `path` matching
/// `pattern`, or the symbols/offsets in `o`; for process `pid` (-1 all, 0 this one).
pub fn uprobe_multi(p: &Program, pid: i32, path: &str, pattern: Option<&str>, o: &UprobeMultiOpts) -> Result<Link> {
    let fd = prog_fd(p)?;
    let inval = |m: &str| Error::inval(format!("prog '{}': {m}", pname(p)));
    if pattern.is_none() && o.cnt == 0 {
        return Err(inval("uprobe_multi needs a pattern or cnt entries"));
    }
    if pattern.is_some() {
        if o.syms.is_some() || o.offsets.is_some() || o.ref_ctr_offsets.is_some() || o.cookies.is_some() || o.cnt != 0 {
            return Err(inval("uprobe_multi: a pattern excludes syms, offsets, ref_ctr_offsets, cookies and cnt"));
        }
    } else if o.syms.is_some() == o.offsets.is_some() {
        return Err(inval("uprobe_multi needs exactly one of syms and offsets"));
    }
    if o.retprobe && o.session {
        // libbpf 1.7 refuses this silently.
        return Err(Error::quiet(libc::EINVAL));
    }
    let mut path = path.to_string();
    let resolved: Vec<c_ulong>;
    let offsets: &[c_ulong] = if let Some(pat) = pattern {
        if !path.contains('/') {
            path = uprobe::resolve_full_path(&path).map_err(|e| e.context(format!("prog '{}'", pname(p))))?;
        }
        resolved = uprobe::resolve_pattern_offsets(&path, pat)?.into_iter().map(|o| o as c_ulong).collect();
        &resolved
    } else if let Some(syms) = &o.syms {
        resolved = uprobe::resolve_syms_offsets(&path, syms, crate::elf::STT_FUNC)?
            .into_iter()
            .map(|o| o as c_ulong)
            .collect();
        &resolved
    } else {
        o.offsets.unwrap_or(&[])
    };
    let pid = if pid == 0 { std::process::id() as i32 } else { pid };
    let cpath = cstring(&path, "binary path")?;
    cmd::link_create(&LinkCreate {
        prog_fd: Some(fd),
        attach_type: if o.session { uapi::BPF_TRACE_UPROBE_SESSION } else { uapi::BPF_TRACE_UPROBE_MULTI },
        extra: LinkExtra::UprobeMulti {
            path: &cpath,
            offsets,
            ref_ctr_offsets: o.ref_ctr_offsets.unwrap_or(&[]),
            cookies: o.cookies.unwrap_or(&[]),
            flags: if o.retprobe { uapi::BPF_F_UPROBE_MULTI_RETURN } else { 0 },
            pid: if pid > 0 { pid as u32 } else { 0 },
        },
        ..Default::default()
    })
    .map(fd_link)
    .map_err(|e| {
        Error::new(
            e.errno(),
            format!("prog '{}': failed to attach multi-uprobe: {}", pname(p), crate::error::errstr(e.errno())),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kprobe_sections() {
        assert_eq!(parse_kprobe_sec("kprobe/do_exit").unwrap(), ("do_exit".into(), 0, false));
        assert_eq!(parse_kprobe_sec("kprobe/do_exit+0x10").unwrap(), ("do_exit".into(), 16, false));
        assert_eq!(parse_kprobe_sec("kprobe/foo.isra.0+8").unwrap(), ("foo.isra.0".into(), 8, false));
        assert_eq!(parse_kprobe_sec("kretprobe/do_exit").unwrap(), ("do_exit".into(), 0, true));
        assert_eq!(parse_kprobe_sec("kretprobe/do_exit+4").unwrap_err().errno(), libc::EINVAL);
        assert_eq!(parse_kprobe_sec("kprobe/+4").unwrap_err().errno(), libc::EINVAL);
    }
}
