//! Compile-time layout pinning for the `#[repr(C)]` structs of `types*.rs`, and the `Opts`
//! implementations of options structs. Macros are textually scoped: this module is declared
//! (with `#[macro_use]`) before the type modules in `ffi/mod.rs`.

/// Size of the field a projection closure points at (usable in `const` items).
pub(crate) const fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    core::mem::size_of::<F>()
}

/// Assert a struct's size and 8-byte alignment and each listed field's offset and size, with
/// the values measured by compiling against libbpf 1.5's headers on x86_64.
macro_rules! layout {
    ($t:ident = $size:literal { $($f:ident @ $off:literal : $fsz:literal),* $(,)? }) => {
        const _: () = {
            assert!(core::mem::size_of::<$t>() == $size);
            assert!(core::mem::align_of::<$t>() == 8);
            $(
                assert!(core::mem::offset_of!($t, $f) == $off);
                assert!($crate::ffi::layout::field_size(|s: &$t| &s.$f) == $fsz);
            )*
        };
    };
}

/// `Opts` for an options struct whose last understood field is `$last` (or which ends at
/// `end = EXPR`, for a last field inside an anonymous union).
macro_rules! opts {
    ($t:ident, $last:ident) => {
        opts!($t, end = core::mem::offset_of!($t, $last) + $crate::ffi::layout::field_size(|s: &$t| &s.$last));
    };
    ($t:ident, end = $end:expr) => {
        // SAFETY: $t is #[repr(C)], starts with `sz: usize` and holds only integers, raw
        // pointers, `CBool`s, `Option<extern fn>` (all-zero = None) and unions of those, so
        // every bit pattern is a valid value; KNOWN_END is an offsetofend inside the struct
        // (asserted below).
        unsafe impl $crate::ffi::opts::Opts for $t {
            const NAME: &'static str = stringify!($t);
            const KNOWN_END: usize = $end;
        }
        const _: () = assert!(<$t as $crate::ffi::opts::Opts>::KNOWN_END <= core::mem::size_of::<$t>());
    };
}
