//! The one way Rust tests compile BPF C: `clang-19 -target bpf` with upstream libbpf 1.5's
//! BPF-side headers (the trixie cache `scripts/deps.sh` fills, found by `scripts/trixie-root`)
//! searched with `-I`, ahead of every system directory. A distribution's `/usr/include/bpf`
//! (Debian bookworm's libbpf-dev is 1.1, without `bpf_ksym_exists` and friends) is therefore
//! never picked up, whether or not it is installed.
//!
//! Part of `tests/common`; tests call `common::bpf_object`, which runs this command once per
//! distinct input and caches the object.

use std::path::PathBuf;
use std::process::Command;

/// `<trixie root>/usr/include`, holding `bpf/bpf_helpers.h` & co. of libbpf 1.5; `None` (with a
/// message) when the cache is not populated.
pub fn libbpf15_include() -> Option<PathBuf> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/trixie-root");
    let root = match Command::new(script).output() {
        Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        Ok(o) => {
            crate::skip!(
                "libbpf 1.5 headers missing ({}); run scripts/deps.sh",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Err(e) => panic!("cannot run {script}: {e}"),
    };
    let inc = root.join("usr/include");
    if !inc.join("bpf/bpf_helpers.h").exists() {
        crate::skip!("{} lacks bpf/bpf_helpers.h; run scripts/deps.sh", inc.display());
        return None;
    }
    Some(inc)
}

/// `clang-19 -target bpf -g -O2 -D__TARGET_ARCH_x86 -I <libbpf 1.5 headers>`; callers add their
/// own `-I` for generated headers (searched before these), `-c SRC -o OUT`. `None` (with a
/// message) when the headers are missing; a missing clang-19 shows when the command runs.
pub fn clang() -> Option<Command> {
    let inc = libbpf15_include()?;
    let mut cmd = Command::new("clang-19");
    cmd.args(["-target", "bpf", "-g", "-O2", "-D__TARGET_ARCH_x86", "-I"]).arg(inc);
    Some(cmd)
}
