//! tracefs: tracepoint ids, legacy kprobe/uprobe events, the kernel's list of traceable
//! functions.
//!
//! Like libbpf, tracefs is looked for at `/sys/kernel/debug/tracing` if that exists (the old
//! debugfs location) and at `/sys/kernel/tracing` otherwise; it is never mounted here.
//!
//! Legacy probes are what libbpf falls back to when the kernel has no `kprobe`/`uprobe` PMU (or
//! the caller asks for `PROBE_ATTACH_MODE_LEGACY`): a line appended to `kprobe_events` or
//! `uprobe_events` creates a trace event whose id is then opened as a tracepoint perf event.
//! [`LegacyProbe`] owns such an event and removes it when dropped.

use crate::error::{Error, Result};
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

const DEBUGFS: &str = "/sys/kernel/debug/tracing";
const TRACEFS: &str = "/sys/kernel/tracing";

/// The tracefs directory, decided once per process as libbpf does.
pub fn root() -> &'static str {
    static ROOT: OnceLock<&'static str> = OnceLock::new();
    ROOT.get_or_init(|| {
        // SAFETY: faccessat with a NUL-terminated path and no buffers.
        let debugfs = unsafe {
            libc::faccessat(libc::AT_FDCWD, c"/sys/kernel/debug/tracing".as_ptr(), libc::F_OK, libc::AT_EACCESS)
        } == 0;
        if debugfs {
            DEBUGFS
        } else {
            TRACEFS
        }
    })
}

/// `root()/name`.
pub fn path(name: &str) -> String {
    format!("{}/{}", root(), name)
}

/// Parse the first whitespace-delimited unsigned integer of a sysfs/tracefs file that holds one
/// (`prefix` is text expected before it, e.g. "config:" in PMU format files). Errors carry the
/// file name; a missing file is ENOENT. Like libbpf's `parse_uint_from_file`, a failure is also
/// logged at DEBUG (`failed to open '<file>': <-EXXX>`): callers probe with it.
pub fn read_uint(file: &str, prefix: &str) -> Result<u32> {
    let s = std::fs::read_to_string(file).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        crate::pr_debug!("failed to open '{}': {}", file, crate::error::errstr(errno));
        Error::new(errno, format!("failed to open '{file}': {}", crate::error::errstr(errno)))
    })?;
    let bad = || {
        crate::pr_debug!("failed to parse '{}': {}", file, crate::error::errstr(libc::EIO));
        Error::new(libc::EIO, format!("failed to parse '{file}': '{}'", s.trim()))
    };
    let rest = s.trim_start().strip_prefix(prefix).ok_or_else(bad)?;
    let digits: &str = rest.split(|c: char| !c.is_ascii_digit()).next().unwrap_or("");
    digits.parse::<u32>().map_err(|_| bad())
}

/// Append one line to a tracefs control file (`O_APPEND`, a single write, as the kernel
/// wants for `*_events`).
pub fn append(file: &str, line: &str) -> Result<()> {
    if line.len() >= 1024 {
        return Err(Error::inval(format!("{file}: command too long ({} bytes)", line.len())));
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(file)
        .map_err(|e| Error::io(format!("failed to open '{file}'"), &e))?;
    f.write_all(line.as_bytes()).map_err(|e| Error::io(format!("failed to write '{line}' to '{file}'"), &e))
}

/// The perf event id of tracepoint `category/name` (`events/<category>/<name>/id`).
pub fn tracepoint_id(category: &str, name: &str) -> Result<u32> {
    let file = format!("{}/events/{}/{}/id", root(), category, name);
    if file.len() >= libc::PATH_MAX as usize {
        return Err(Error::new(libc::E2BIG, format!("tracepoint {category}/{name} path is too long")));
    }
    read_uint(&file, "")
}

/// Kprobe or uprobe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    Kprobe,
    Uprobe,
}

impl ProbeKind {
    fn events_file(self) -> String {
        path(match self {
            ProbeKind::Kprobe => "kprobe_events",
            ProbeKind::Uprobe => "uprobe_events",
        })
    }
    /// The event group: `kprobes`, `kretprobes`, `uprobes`, `uretprobes`.
    fn group(self, retprobe: bool) -> &'static str {
        match (self, retprobe) {
            (ProbeKind::Kprobe, false) => "kprobes",
            (ProbeKind::Kprobe, true) => "kretprobes",
            (ProbeKind::Uprobe, false) => "uprobes",
            (ProbeKind::Uprobe, true) => "uretprobes",
        }
    }
}

/// Replace every byte that is not ASCII alphanumeric with '_' (tracefs event names).
fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// libbpf 1.7's legacy probe event name (`gen_probe_legacy_event_name`):
/// `libbpf_<pid>_<n>_<name>_0x<off>`, sanitized (every byte but ASCII letters and digits becomes
/// `_`) and cut to 63 bytes, the event name limit. `n` counts per process, across kprobes and
/// uprobes, so two probes never share an event. (libbpf 1.5 put the counter last and a uprobe's
/// whole binary path in the name, which overflowed the limit for long paths.)
fn legacy_event_name(name: &str, offset: u64) -> String {
    static INDEX: AtomicU32 = AtomicU32::new(0);
    let n = INDEX.fetch_add(1, Ordering::Relaxed);
    let mut s = sanitize(&format!("libbpf_{}_{}_{}_0x{:x}", std::process::id(), n, name, offset));
    s.truncate(63);
    s
}

/// The legacy kprobe event name for `func+offset`.
pub fn kprobe_event_name(func: &str, offset: usize) -> String {
    legacy_event_name(func, offset as u64)
}

/// The legacy uprobe event name for `binary+offset`: from the binary's last path component
/// (with its `/`, as libbpf 1.7 takes it).
pub fn uprobe_event_name(binary: &str, offset: u64) -> String {
    let base = binary.rfind('/').map_or(binary, |i| &binary[i..]);
    legacy_event_name(base, offset)
}

/// A trace event created through `kprobe_events`/`uprobe_events`; removed on drop (or with
/// [`LegacyProbe::remove`], which reports failure). Remove only after closing every perf event
/// opened on it: the kernel refuses (EBUSY) while one is open.
#[derive(Debug)]
pub struct LegacyProbe {
    kind: ProbeKind,
    retprobe: bool,
    name: String,
    removed: bool,
}

impl LegacyProbe {
    /// Create the event: `p:kprobes/NAME func+0xOFF`, `r:uretprobes/NAME /path:0xOFF`, ...
    /// `target` is `func+0xOFF` for kprobes and `path:0xOFF` for uprobes.
    pub fn add(kind: ProbeKind, retprobe: bool, name: String, target: &str) -> Result<LegacyProbe> {
        let line = format!("{}:{}/{} {}", if retprobe { 'r' } else { 'p' }, kind.group(retprobe), name, target);
        append(&kind.events_file(), &line)?;
        Ok(LegacyProbe { kind, retprobe, name, removed: false })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The event's perf id (`events/<group>/<name>/id`).
    pub fn id(&self) -> Result<u32> {
        read_uint(&format!("{}/events/{}/{}/id", root(), self.kind.group(self.retprobe), self.name), "")
    }

    /// Delete the event (`-:<group>/<name>`).
    pub fn remove(mut self) -> Result<()> {
        self.removed = true;
        self.delete()
    }

    fn delete(&self) -> Result<()> {
        append(&self.kind.events_file(), &format!("-:{}/{}", self.kind.group(self.retprobe), self.name))
    }
}

impl Drop for LegacyProbe {
    fn drop(&mut self) {
        if !self.removed {
            if let Err(e) = self.delete() {
                crate::pr_debug!("failed to remove legacy probe '{}': {}", self.name, e);
            }
        }
    }
}

/// libbpf's `glob_match`: `?` matches one character, `*` any run (also empty); nothing else is
/// special.
pub fn glob_match(s: &[u8], pat: &[u8]) -> bool {
    // Iterative matcher with one backtrack point: equivalent to the recursive definition.
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < pat.len() && (pat[pi] == b'?' || (pat[pi] != b'*' && pat[pi] == s[si])) {
            si += 1;
            pi += 1;
        } else if pi < pat.len() && pat[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    while pi < pat.len() && pat[pi] == b'*' {
        pi += 1;
    }
    pi == pat.len()
}

/// Addresses of the kernel functions matching `pattern` that ftrace can probe: from
/// `available_filter_functions_addrs` when the kernel has it (6.5+), else the names in
/// `available_filter_functions` looked up in `/proc/kallsyms`. ENOENT when nothing matches.
pub fn kernel_functions_matching(pattern: &str) -> Result<Vec<u64>> {
    let pat = pattern.as_bytes();
    let addrs_file = path("available_filter_functions_addrs");
    let mut out = Vec::new();
    // SAFETY: access() on a NUL-free path we built (CString checked) has no other preconditions.
    let has_addrs =
        std::ffi::CString::new(addrs_file.clone()).is_ok_and(|c| unsafe { libc::access(c.as_ptr(), libc::R_OK) } == 0);
    if has_addrs {
        let text =
            std::fs::read_to_string(&addrs_file).map_err(|e| Error::io(format!("failed to open {addrs_file}"), &e))?;
        for line in text.lines().filter(|l| !l.is_empty()) {
            let mut it = line.split_whitespace();
            let (Some(a), Some(name)) = (it.next(), it.next()) else {
                return Err(Error::inval(format!("failed to parse available_filter_functions_addrs entry '{line}'")));
            };
            let addr = u64::from_str_radix(a, 16).map_err(|_| {
                Error::inval(format!("failed to parse available_filter_functions_addrs entry '{line}'"))
            })?;
            if glob_match(name.as_bytes(), pat) {
                out.push(addr);
            }
        }
    } else {
        let file = path("available_filter_functions");
        let text = std::fs::read_to_string(&file).map_err(|e| Error::io(format!("failed to open {file}"), &e))?;
        let mut names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| glob_match(n.as_bytes(), pat))
            .collect();
        if names.is_empty() {
            return Err(Error::new(libc::ENOENT, format!("no traceable kernel function matches '{pattern}'")));
        }
        names.sort_unstable();
        let ksyms =
            std::fs::read_to_string("/proc/kallsyms").map_err(|e| Error::io("failed to read /proc/kallsyms", &e))?;
        for line in ksyms.lines() {
            let mut it = line.split_whitespace();
            let (Some(a), Some(_ty), Some(name)) = (it.next(), it.next(), it.next()) else { continue };
            if names.binary_search(&name).is_ok() {
                if let Ok(addr) = u64::from_str_radix(a, 16) {
                    out.push(addr);
                }
            }
        }
    }
    if out.is_empty() {
        return Err(Error::new(libc::ENOENT, format!("no traceable kernel function matches '{pattern}'")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match(b"do_exit", b"do_exit"));
        assert!(glob_match(b"do_exit", b"do_*"));
        assert!(glob_match(b"do_exit", b"*exit"));
        assert!(glob_match(b"do_exit", b"d?_e*t"));
        assert!(glob_match(b"", b"*"));
        assert!(glob_match(b"abcabc", b"*abc"));
        assert!(glob_match(b"aXbYc", b"a*b*c"));
        assert!(!glob_match(b"do_exit", b"do_"));
        assert!(!glob_match(b"do_exit", b"*exi"));
        assert!(!glob_match(b"ab", b"a?b"));
        assert!(!glob_match(b"", b"?"));
    }

    #[test]
    fn event_names_are_sanitized() {
        let pid = std::process::id();
        let n = uprobe_event_name("/usr/lib/libc.so.6", 0x1234);
        assert!(n.starts_with(&format!("libbpf_{pid}_")) && n.ends_with("__libc_so_6_0x1234"), "{n}");
        assert!(n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        let a = kprobe_event_name("do_sys_open", 0x10);
        let b = kprobe_event_name("do_sys_open", 0x10);
        assert_ne!(a, b);
        assert!(a.ends_with("_do_sys_open_0x10"), "{a}");
        let long = uprobe_event_name(&format!("/{}", "x".repeat(200)), 1);
        assert_eq!(long.len(), 63, "{long}");
    }

    #[test]
    fn read_uint_forms() {
        let dir = std::env::temp_dir().join(format!("oxbpf-tracefs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("v");
        std::fs::write(&f, "config:12\n").unwrap();
        assert_eq!(read_uint(f.to_str().unwrap(), "config:").unwrap(), 12);
        std::fs::write(&f, "309\n").unwrap();
        assert_eq!(read_uint(f.to_str().unwrap(), "").unwrap(), 309);
        std::fs::write(&f, "x\n").unwrap();
        assert_eq!(read_uint(f.to_str().unwrap(), "").unwrap_err().errno(), libc::EIO);
        assert_eq!(read_uint(dir.join("missing").to_str().unwrap(), "").unwrap_err().errno(), libc::ENOENT);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
