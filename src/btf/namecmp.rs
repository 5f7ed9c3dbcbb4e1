//! Comparing a type's or member's name with a wanted one without decoding it: the CO-RE field
//! matcher compares one accessor name with every member of a kernel struct (hundreds per
//! relocation), and decoding each member name (a NUL search and a UTF-8 check) was most of a
//! steady CO-RE load. [`Btf::name_is`] answers what comparing the decoded name
//! ([`Btf::str_at`], `""` when absent or not UTF-8) would answer, byte for byte.

use super::Btf;

/// How the decoded name at an offset compares with a wanted name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameIs {
    /// Decodes to `""`: no name, an offset out of range, no NUL before the end, or not UTF-8.
    Empty,
    /// Decodes to the wanted name (never for an empty wanted name).
    Equal,
    /// Decodes to another, non-empty name.
    Other,
}

impl Btf {
    /// `match str_at(off).unwrap_or("")` against `want` (valid UTF-8, no NUL), cheaply: in a
    /// string section that is valid UTF-8 and ends with a NUL (checked once and cached), a
    /// string that starts at a character boundary is valid UTF-8 too (NUL is a boundary), so
    /// only the bytes up to the first difference are read.
    pub(crate) fn name_is(&self, off: u32, want: &[u8]) -> NameIs {
        if off < self.data.start_str_off {
            return match self.base.as_deref() {
                Some(b) => b.name_is(off, want),
                None => NameIs::Empty,
            };
        }
        let strs = self.strs();
        let Some(s) = strs.get((off - self.data.start_str_off) as usize..) else { return NameIs::Empty };
        match s.first() {
            None | Some(0) => return NameIs::Empty,
            // In the middle of a multi-byte character: not UTF-8 on its own.
            Some(&b) if (b & 0xc0) == 0x80 => return NameIs::Empty,
            Some(_) => {}
        }
        if !want.is_empty() && s.len() > want.len() && s.starts_with(want) && s[want.len()] == 0 {
            return NameIs::Equal;
        }
        if self.own_strs_are_utf8() {
            return NameIs::Other;
        }
        match self.str_at(off) {
            Some(n) if !n.is_empty() => NameIs::Other,
            _ => NameIs::Empty,
        }
    }

    /// Whether this BTF's own string section, as parsed (not yet made growable), is valid UTF-8
    /// and ends with a NUL. Cached; in-place renames reset it ([`Btf::strs_mut`]).
    fn own_strs_are_utf8(&self) -> bool {
        let d = &*self.data;
        if d.own_strs.is_some() {
            return false;
        }
        *d.strs_utf8.get_or_init(|| {
            let s = self.strs();
            s.last() == Some(&0) && std::str::from_utf8(s).is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BTF with one INT whose string section is `strs` (must start with NUL).
    fn btf_with_strs(strs: &[u8]) -> Btf {
        let mut raw = Vec::new();
        let types: [u32; 4] = [1, 1 << 24, 4, 32]; // INT named at offset 1, size 4, 32 bits
        raw.extend_from_slice(&0xeb9fu16.to_le_bytes());
        raw.extend_from_slice(&[1, 0]);
        raw.extend_from_slice(&24u32.to_le_bytes());
        raw.extend_from_slice(&0u32.to_le_bytes());
        raw.extend_from_slice(&16u32.to_le_bytes());
        raw.extend_from_slice(&16u32.to_le_bytes());
        raw.extend_from_slice(&(strs.len() as u32).to_le_bytes());
        for w in types {
            raw.extend_from_slice(&w.to_le_bytes());
        }
        raw.extend_from_slice(strs);
        Btf::parse(&raw).unwrap()
    }

    /// `name_is` agrees with comparing the decoded name, for every offset of the section and
    /// past it, valid and invalid UTF-8 sections alike.
    #[test]
    fn agrees_with_decoding() {
        let valid = "\0int\0tgid\0pid\0t\u{e9}l\u{e9}\0\0x".as_bytes().to_vec();
        let mut valid_nul = valid.clone();
        valid_nul.push(0);
        let mut invalid = b"\0int\0tg\xffid\0pid\0".to_vec();
        invalid.extend_from_slice("\u{e9}\0".as_bytes());
        for strs in [valid_nul, invalid] {
            let btf = btf_with_strs(&strs);
            for want in ["int", "tgid", "pid", "t\u{e9}l\u{e9}", "id", "x", ""] {
                for off in 0..strs.len() as u32 + 3 {
                    let decoded = btf.str_at(off).unwrap_or("");
                    let expect = if decoded.is_empty() {
                        NameIs::Empty
                    } else if decoded == want {
                        NameIs::Equal
                    } else {
                        NameIs::Other
                    };
                    assert_eq!(btf.name_is(off, want.as_bytes()), expect, "off {off} want {want:?}");
                }
            }
        }
    }
}
