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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_bpftool() {
        assert_eq!(obj_name_from_path("/a/b/tcp-cc.bpf.o"), "tcp_cc_bpf");
        assert_eq!(obj_name_from_path("x.o"), "x");
        assert_eq!(obj_name_from_path("noext"), "noext");
        assert_eq!(obj_name_from_path(&"a".repeat(80)).len(), 63);
    }

    #[test]
    fn hex_wraps_at_78_columns() {
        let mut s = String::new();
        push_hex(&mut s, &[0u8; 40]);
        // 39 "\0" fit in 78 columns, the 40th starts a new line.
        assert_eq!(s, format!("{}\\\n\\0", "\\0".repeat(39)));
        let mut s = String::new();
        push_hex(&mut s, &[0xab, 0]);
        assert_eq!(s, "\\xab\\0");
    }
}
