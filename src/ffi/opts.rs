//! Reading libbpf's extensible options structs (`LIBBPF_OPTS`) by libbpf's rules:
//! * a NULL pointer means "all defaults";
//! * `sz` (the first field, a `size_t`) below `sizeof(size_t)` is `-EINVAL`;
//! * bytes the caller declares past the end of the last field we know must all be zero, else
//!   `-EINVAL` naming the struct (a newer caller asking for something we do not do);
//! * fields beyond the caller's `sz` take their defaults (zero).

use crate::error::{Error, Result};

/// An options struct: `#[repr(C)]`, first field `sz: usize`, valid when all-zero (every field is
/// an integer, a raw pointer or a `CBool`).
///
/// # Safety
/// Implementors must be `#[repr(C)]`, start with `sz: usize`, and be valid for any bit pattern
/// (no Rust `bool`, enums or references), and `KNOWN_END` must not exceed `size_of::<Self>()`.
pub unsafe trait Opts: Copy {
    /// The C name, for messages: "bpf_object_open_opts".
    const NAME: &'static str;
    /// `offsetofend` of the last field we understand.
    const KNOWN_END: usize;
}

/// Copy the caller's options into a zero-initialised `T` after checking libbpf's rules.
///
/// # Safety
/// `p` must be NULL or point to at least `(*p).sz` readable bytes (what LIBBPF_OPTS guarantees).
pub unsafe fn read<T: Opts>(p: *const T) -> Result<Option<T>> {
    // SAFETY: forwarded contract.
    unsafe { read_with_ext(p, None) }.map(|o| o.map(|(t, _)| t))
}

/// Like [`read`], and also recognise an oxbpf extension block: `ext = Some((magic, len))`
/// names a block of `len` bytes that counts only as the *last* `len` bytes of the caller's
/// struct (by its `sz`) and only when its first 8 bytes hold `magic`. The block is returned
/// apart and left out of the upstream checks; without it every byte past `KNOWN_END` must be
/// zero as usual. Only bytes inside the caller's `sz` are read.
///
/// # Safety
/// As [`read`].
pub unsafe fn read_with_ext<T: Opts>(p: *const T, ext: Option<(u64, usize)>) -> Result<Option<(T, Option<Vec<u8>>)>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller guarantees `p` points at an options struct, whose first field is the
    // size_t `sz`; read it unaligned-safe as raw bytes.
    let sz = unsafe { std::ptr::read_unaligned(p as *const usize) };
    if sz < std::mem::size_of::<usize>() {
        return Err(Error::inval(format!("{} size ({}) is too small", T::NAME, sz)));
    }
    if sz > (1 << 20) {
        return Err(Error::inval(format!("{}: sz {} is implausibly large", T::NAME, sz)));
    }
    // SAFETY: the caller declares `sz` readable bytes at `p`.
    let all = unsafe { std::slice::from_raw_parts(p as *const u8, sz) };
    let mut block = None;
    let mut bytes = all;
    if let Some((magic, len)) = ext {
        if sz >= T::KNOWN_END + len && all[sz - len..sz - len + 8] == magic.to_ne_bytes() {
            block = Some(all[sz - len..].to_vec());
            bytes = &all[..sz - len];
        }
    }
    let sz = bytes.len();
    if sz > T::KNOWN_END && bytes[T::KNOWN_END..].iter().any(|&b| b != 0) {
        // libbpf's words exactly (callers and tests match on them).
        return Err(Error::inval(format!("{} has non-zero extra bytes", T::NAME)));
    }
    let n = sz.min(std::mem::size_of::<T>());
    let mut out = std::mem::MaybeUninit::<T>::zeroed();
    // SAFETY: `out` has size_of::<T>() >= n writable bytes; `bytes` has sz >= n readable bytes;
    // T is valid for any bit pattern (trait contract), so the partially overwritten zeroed value
    // is a valid T.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr() as *mut u8, n);
        Ok(Some((out.assume_init(), block)))
    }
}

/// A C `bool` field inside an options struct: any byte pattern is valid; non-zero is true.
/// cbindgen renames it to `bool` in the headers.
#[repr(transparent)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct CBool(pub u8);

impl CBool {
    pub fn get(self) -> bool {
        self.0 != 0
    }
}
