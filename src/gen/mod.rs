//! Code generators behind `oxbpf gen`: C skeleton headers with bpftool 7.5's API.

pub mod btfdump;
pub mod skeleton;
pub mod subskeleton;

/// Replace every byte that cannot appear in a C identifier with `_`.
pub fn sanitize(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'_' { b as char } else { '_' }).collect()
}

/// The object name bpftool derives from a file path: base name, `.o` dropped, sanitized,
/// at most 63 bytes.
pub fn obj_name_from_path(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    let mut b = base.as_bytes()[..base.len().min(63)].to_vec();
    if b.ends_with(b".o") {
        b.truncate(b.len() - 2);
    }
    sanitize(&String::from_utf8_lossy(&b))
}

/// Append `data` as the body of a C string literal, wrapped with `\` newlines at 78 columns
/// (the layout bpftool uses for embedded bytes).
pub fn push_hex(out: &mut String, data: &[u8]) {
    use std::fmt::Write;
    let mut col = 0;
    for &b in data {
        let w = if b == 0 { 2 } else { 4 };
        col += w;
        if col > 78 {
            out.push_str("\\\n");
            col = w;
        }
        if b == 0 {
            out.push_str("\\0");
        } else {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}
