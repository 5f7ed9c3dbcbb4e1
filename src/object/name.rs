//! Program and section names without an allocation each: a many-program object used to pay
//! two heap allocations (and two frees at close) per program for them.

use crate::error::Result;
use std::ffi::CStr;
use std::ops::Deref;
use std::sync::Arc;

/// Names up to this many bytes (NUL excluded) are kept inline.
const INLINE: usize = 47;

/// A NUL-terminated name, inline when short (most names), on the heap otherwise (shared by
/// clones: the programs of a section clone its name).
#[derive(Clone)]
pub struct SmallCStr(Repr);

#[derive(Clone)]
enum Repr {
    /// The name, its NUL and zero fill.
    Inline([u8; INLINE + 1]),
    Heap(Arc<CStr>),
}

impl SmallCStr {
    /// `s` as a C string; a NUL byte inside is refused as [`super::cstring`] refuses it.
    pub fn new(s: &str) -> Result<SmallCStr> {
        let b = s.as_bytes();
        if b.len() <= INLINE && !b.contains(&0) {
            let mut buf = [0u8; INLINE + 1];
            buf[..b.len()].copy_from_slice(b);
            return Ok(SmallCStr(Repr::Inline(buf)));
        }
        super::cstring(s).map(|c| SmallCStr(Repr::Heap(c.into())))
    }

    /// The name as text (it was made from a `&str`, so this never falls back to "").
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.to_bytes()).unwrap_or("")
    }
}

impl Deref for SmallCStr {
    type Target = CStr;
    fn deref(&self) -> &CStr {
        match &self.0 {
            // The buffer always holds a NUL (its last byte at least), so this never falls back.
            Repr::Inline(buf) => CStr::from_bytes_until_nul(buf).unwrap_or_default(),
            Repr::Heap(c) => c,
        }
    }
}

impl std::fmt::Debug for SmallCStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_heap_and_nul() {
        let short = SmallCStr::new("tp0").unwrap();
        assert_eq!(short.to_bytes(), b"tp0");
        assert_eq!(short.as_str(), "tp0");
        let edge = "x".repeat(INLINE);
        assert_eq!(SmallCStr::new(&edge).unwrap().to_bytes(), edge.as_bytes());
        let long = "y".repeat(INLINE + 1);
        let heap = SmallCStr::new(&long).unwrap();
        assert_eq!(heap.to_bytes(), long.as_bytes());
        assert_eq!(heap.clone().to_bytes(), long.as_bytes());
        assert_eq!(short.clone().to_bytes(), b"tp0");
        assert_eq!(SmallCStr::new("").unwrap().to_bytes(), b"");
        let e = SmallCStr::new("a\0b").err().unwrap();
        assert_eq!(e.errno(), libc::EINVAL);
    }
}
