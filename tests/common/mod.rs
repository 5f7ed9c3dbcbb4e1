//! What the Rust tests share (each test crate has `mod common;`):
//!
//! - `skip!` / [`skip::record`]: how a test skips (the `OXBPF_SKIP_LOG` protocol scripts/test.sh counts);
//! - [`errno`]: the calling thread's errno;
//! - [`privileged`]: whether the test holds CAP_SYS_ADMIN and CAP_BPF, recording the caller's skip
//!   reason and the missing capability when not;
//! - [`warnings`]: the library's WARN lines, kept for the test to read;
//! - [`bpf_object`] / [`bpf_object_text`]: BPF C compiled by clang-19 with libbpf 1.5's headers
//!   ([`bpf_cc`]) once per distinct input, cached under `target/bpf-cache/` across test binaries
//!   and runs. Entries are never evicted (a new kernel's vmlinux.h adds new ones); `cargo clean`
//!   or removing the directory empties the cache.
#![allow(dead_code)]

pub mod bpf_cc;
pub mod skip;
pub mod warnings;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The calling thread's errno.
pub fn errno() -> i32 {
    // SAFETY: reading the calling thread's errno slot.
    unsafe { *libc::__errno_location() }
}

/// Sets the calling thread's errno (to see that a call sets or leaves it).
pub fn set_errno(e: i32) {
    // SAFETY: writing the calling thread's errno slot.
    unsafe { *libc::__errno_location() = e };
}

/// True when the test holds what BPF tests need: CAP_SYS_ADMIN and, on kernels that have it,
/// CAP_BPF in the effective set (root normally has both; root in a container may lack them);
/// otherwise records a skip with `reason` (e.g. "needs root (CAP_BPF)") plus the missing
/// capability, and returns false: the caller returns.
pub fn privileged(reason: &str) -> bool {
    match missing_caps() {
        None => true,
        Some(what) => {
            crate::skip!("{reason} ({what})");
            false
        }
    }
}

/// `None` when CAP_SYS_ADMIN and (where the kernel knows it) CAP_BPF are effective, else which
/// is missing, read from `/proc/self/status` (`CapEff`) and `/proc/sys/kernel/cap_last_cap`.
fn missing_caps() -> Option<String> {
    const CAP_SYS_ADMIN: u32 = 21;
    const CAP_BPF: u32 = 39;
    let status = match std::fs::read_to_string("/proc/self/status") {
        Ok(s) => s,
        Err(e) => return Some(format!("cannot read /proc/self/status: {e}")),
    };
    let Some(eff) =
        status.lines().find_map(|l| l.strip_prefix("CapEff:")).and_then(|h| u64::from_str_radix(h.trim(), 16).ok())
    else {
        return Some("no CapEff line in /proc/self/status".into());
    };
    let last_cap = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .unwrap_or(CAP_BPF);
    let mut missing = Vec::new();
    if eff & (1 << CAP_SYS_ADMIN) == 0 {
        missing.push("CAP_SYS_ADMIN");
    }
    if last_cap >= CAP_BPF && eff & (1 << CAP_BPF) == 0 {
        missing.push("CAP_BPF");
    }
    if missing.is_empty() {
        None
    } else {
        Some(format!("{} not in the effective capability set", missing.join(" and ")))
    }
}

/// 64-bit FNV-1a: a hash that is the same with every Rust version (std's `DefaultHasher` is not
/// promised to be), so cache names stay valid across toolchains.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for byte in b {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    /// Adds `b` preceded by its length, so that ("ab", "c") and ("a", "bc") differ.
    fn field(&mut self, b: &[u8]) {
        self.bytes(&(b.len() as u64).to_le_bytes());
        self.bytes(b);
    }
}

/// FNV-1a (64-bit) of `b`, as the cache computes it (exposed for its known-answer test).
pub fn fnv1a64(b: &[u8]) -> u64 {
    let mut h = Fnv::new();
    h.bytes(b);
    h.0
}

/// `clang-19 --version` output, run once per test process; `Err` holds why clang-19 is not usable.
fn clang_version() -> Result<&'static [u8], &'static str> {
    static V: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    let v = V.get_or_init(|| match Command::new("clang-19").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(o.stdout),
        Ok(o) => panic!("clang-19 --version failed: {}", o.status),
        Err(e) => Err(format!("clang-19 not runnable ({e})")),
    });
    match v {
        Ok(b) => Ok(b),
        Err(e) => Err(e),
    }
}

/// Hashes a directory given with `-I` by what it holds (names and bytes of its regular files, in
/// name order), not by its path: tests write a generated `vmlinux.h` into per-process directories.
fn hash_include_dir(h: &mut Fnv, dir: &Path) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read include dir {}: {e}", dir.display()))
        .map(|e| e.expect("read include dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for f in files {
        h.field(f.file_name().expect("file name").as_encoded_bytes());
        h.field(&std::fs::read(&f).unwrap_or_else(|e| panic!("read {}: {e}", f.display())));
    }
}

/// The compile command for `src` with `extra` arguments, and the hash of everything that decides
/// its output: clang's version, the arguments (an `-I` directory by its contents), the source's
/// path and bytes, and the headers beside the source. `None` (skip recorded) without clang-19 or
/// the libbpf 1.5 headers.
fn command_and_key(src: &Path, extra: &[&OsStr]) -> Option<(Command, u64)> {
    let version = match clang_version() {
        Ok(v) => v,
        Err(why) => {
            crate::skip!("{why}");
            return None;
        }
    };
    let mut cmd = bpf_cc::clang()?;
    cmd.args(extra);
    let mut h = Fnv::new();
    h.field(version);
    let args: Vec<&OsStr> = cmd.get_args().collect();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_encoded_bytes();
        h.field(a);
        if a == b"-I" && i + 1 < args.len() && extra.contains(&args[i + 1]) {
            // A test's own include dir: by contents (libbpf 1.5's headers stay by path).
            hash_include_dir(&mut h, Path::new(args[i + 1]));
            i += 2;
            continue;
        }
        i += 1;
    }
    h.field(src.as_os_str().as_encoded_bytes());
    h.field(&std::fs::read(src).unwrap_or_else(|e| panic!("read {}: {e}", src.display())));
    if let Some(dir) = src.parent() {
        let mut headers: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|e| e.expect("read dir entry").path())
            .filter(|p| p.extension() == Some(OsStr::new("h")) && p.is_file())
            .collect();
        headers.sort();
        for f in headers {
            h.field(f.as_os_str().as_encoded_bytes());
            h.field(&std::fs::read(&f).unwrap_or_else(|e| panic!("read {}: {e}", f.display())));
        }
    }
    Some((cmd, h.0))
}

/// `target/bpf-cache`, beside cargo's `target/tmp`.
fn cache_root() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("CARGO_TARGET_TMPDIR has a parent").join("bpf-cache")
}

/// A name in `dir` no other thread or process writes: `.<name>.<pid>.<n>.tmp`.
fn temp_name(dir: &Path, name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), N.fetch_add(1, Ordering::Relaxed)))
}

/// `bytes` at `path`, written under a temporary name and renamed into place, so a reader in another
/// test binary sees the whole file or none.
fn write_atomically(path: &Path, bytes: &[u8]) {
    let dir = path.parent().expect("path has a directory");
    let tmp = temp_name(dir, &path.file_name().expect("file name").to_string_lossy());
    std::fs::write(&tmp, bytes).unwrap_or_else(|e| panic!("write {}: {e}", tmp.display()));
    std::fs::rename(&tmp, path).unwrap_or_else(|e| panic!("rename to {}: {e}", path.display()));
}

/// The BPF object compiled from the C file `source` (plus `extra_args`, e.g. `-I <dir>`) by
/// clang-19 with libbpf 1.5's headers, at `target/bpf-cache/<hash>/<name>` (the file name is
/// `name` itself, since libbpf derives the object's name from it). `<hash>` is a 64-bit FNV-1a of
/// clang's version, the arguments, the source and its neighbouring headers; the first call
/// compiles (to a temporary name, then renamed), later calls and runs return the cached file.
/// The file is shared: callers must not modify or delete it. `None` (skip recorded) without
/// clang-19 or the libbpf 1.5 headers; a failed compile panics with clang's messages.
pub fn bpf_object(name: &str, source: &Path, extra_args: &[&OsStr]) -> Option<PathBuf> {
    let (mut cmd, key) = command_and_key(source, extra_args)?;
    let dir = cache_root().join(format!("{key:016x}"));
    let out = dir.join(name);
    if out.is_file() {
        return Some(out);
    }
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    let tmp = temp_name(&dir, name);
    let r = cmd.arg("-c").arg(source).arg("-o").arg(&tmp).output();
    match r {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            let _ = std::fs::remove_file(&tmp);
            panic!("clang-19 failed on {}: {}\n{}", source.display(), o.status, String::from_utf8_lossy(&o.stderr))
        }
        Err(e) => {
            crate::skip!("clang-19 not runnable ({e})");
            return None;
        }
    }
    std::fs::rename(&tmp, &out).unwrap_or_else(|e| panic!("rename to {}: {e}", out.display()));
    Some(out)
}

/// Where [`bpf_object_text`] stores `text` for the object `name`:
/// `target/bpf-cache/src/<hash of text>/<name without .o>.c`.
pub fn text_source(name: &str, text: &str) -> PathBuf {
    let mut h = Fnv::new();
    h.field(text.as_bytes());
    cache_root()
        .join("src")
        .join(format!("{:016x}", h.0))
        .join(format!("{}.c", name.strip_suffix(".o").unwrap_or(name)))
}

/// [`bpf_object`] of C source given as text, stored once at [`text_source`] and compiled from there.
pub fn bpf_object_text(name: &str, text: &str, extra_args: &[&OsStr]) -> Option<PathBuf> {
    let src = text_source(name, text);
    let dir = src.parent().expect("source has a directory");
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    if std::fs::read(&src).ok().as_deref() != Some(text.as_bytes()) {
        write_atomically(&src, text.as_bytes());
    }
    bpf_object(name, &src, extra_args)
}
