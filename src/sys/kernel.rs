//! The running kernel's release and version (uname(2)), as libbpf reads them.

/// `uname -r`.
pub fn uname_release() -> String {
    // SAFETY: uname writes into the zeroed struct we own.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable utsname.
    if unsafe { libc::uname(&mut u) } != 0 {
        return String::new();
    }
    let rel: Vec<u8> = u.release.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    String::from_utf8_lossy(&rel).into_owned()
}

/// libbpf's `get_kernel_version`: Ubuntu's `/proc/version_signature` first, else
/// `uname -r` parsed as "%u.%u.%u"; KERNEL_VERSION(a, b, c) with c capped at 255; 0 if neither
/// parses. Read once per process (the running kernel cannot change under it; libbpf asks at
/// every open, two syscalls each time).
pub fn kernel_version() -> u32 {
    static VERSION: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *VERSION.get_or_init(read_kernel_version)
}

fn read_kernel_version() -> u32 {
    fn three(s: &str) -> Option<(u32, u32, u32)> {
        let mut it = s.splitn(3, '.');
        let a = leading_u32(it.next()?)?;
        let b = leading_u32(it.next()?)?;
        let c = leading_u32(it.next()?)?;
        Some((a, b, c))
    }
    fn leading_u32(s: &str) -> Option<u32> {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        s[..end].parse().ok()
    }
    let ver = |(a, b, c): (u32, u32, u32)| (a << 16).wrapping_add(b << 8).wrapping_add(c.min(255));
    if let Ok(sig) = std::fs::read_to_string("/proc/version_signature") {
        // "Ubuntu 5.4.0-42.46-generic 5.4.44": the third word.
        return sig.split_whitespace().nth(2).and_then(three).map(ver).unwrap_or(0);
    }
    three(&uname_release()).map(ver).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_version_is_major_minor_patch() {
        let v = kernel_version();
        assert!(v >> 16 >= 3, "kernel version 0x{v:x}");
        assert_eq!(v, read_kernel_version(), "the cached value is what a fresh read gives");
    }
}
