//! The `#[repr(C)]` option structs and callback types of libbpf's `btf.h` API, laid out as
//! libbpf 1.5 declares them on x86_64. `tools/gen-headers` prints them into
//! `include/bpf/btf.h`; the conventions are those of `types.rs`.

#![allow(non_camel_case_types)]

use crate::ffi::opts::CBool;
use crate::ffi::types::va_list;
use std::ffi::{c_char, c_int, c_void};

/// `struct btf_ext`: parsed `.BTF.ext` data, only pointed to here.
#[repr(C)]
pub struct btf_ext {
    _opaque: [u8; 0],
}

/// `struct btf_type` (defined by `<linux/btf.h>`): the head of a kernel-format BTF record,
/// only pointed to here.
#[repr(C)]
pub struct btf_type {
    _opaque: [u8; 0],
}

/// Output callback of a BTF dumper: `ctx` as registered, then a printf format and its arguments.
pub type btf_dump_printf_fn_t = Option<unsafe extern "C" fn(ctx: *mut c_void, fmt: *const c_char, args: va_list)>;

/// Options for `btf__dedup()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct btf_dedup_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// `.BTF.ext` data whose type references are rewritten along with the BTF, or NULL.
    pub btf_ext: *mut btf_ext,
    /// Treat every hash as colliding (a testing aid).
    pub force_collisions: CBool,
}
layout!(btf_dedup_opts = 24 { sz @ 0: 8, btf_ext @ 8: 8, force_collisions @ 16: 1 });
opts!(btf_dedup_opts, force_collisions);

/// Options for `btf_dump__new()` (none defined yet).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct btf_dump_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
}
layout!(btf_dump_opts = 8 { sz @ 0: 8 });
opts!(btf_dump_opts, sz);

/// Options for `btf_dump__emit_type_decl()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct btf_dump_emit_type_decl_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Name to declare (a field or variable name), or NULL for an abstract declarator.
    pub field_name: *const c_char,
    /// Tabs to indent continuation lines of multi-line declarations.
    pub indent_level: c_int,
    /// Drop const/volatile/restrict qualifiers.
    pub strip_mods: CBool,
}
layout!(btf_dump_emit_type_decl_opts = 24 {
    sz @ 0: 8, field_name @ 8: 8, indent_level @ 16: 4, strip_mods @ 20: 1,
});
opts!(btf_dump_emit_type_decl_opts, strip_mods);

/// Options for `btf_dump__dump_type_data()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct btf_dump_type_data_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// Indentation unit (default: a tab).
    pub indent_str: *const c_char,
    /// Starting indentation depth.
    pub indent_level: c_int,
    /// Print on one line.
    pub compact: CBool,
    /// Leave out member and type names.
    pub skip_names: CBool,
    /// Print members whose value is zero too.
    pub emit_zeroes: CBool,
    /// libbpf 1.7: print NUL-terminated char arrays as strings.
    pub emit_strings: CBool,
}
layout!(btf_dump_type_data_opts = 24 {
    sz @ 0: 8, indent_str @ 8: 8, indent_level @ 16: 4, compact @ 20: 1, skip_names @ 21: 1,
    emit_zeroes @ 22: 1, emit_strings @ 23: 1,
});
opts!(btf_dump_type_data_opts, emit_strings);

/// Options for `btf__permute()` (libbpf 1.7).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct btf_permute_opts {
    /// `sizeof` this struct as the caller compiled it.
    pub sz: usize,
    /// `.BTF.ext` data whose type references follow the new order, or NULL.
    pub btf_ext: *mut btf_ext,
}
layout!(btf_permute_opts = 16 { sz @ 0: 8, btf_ext @ 8: 8 });
opts!(btf_permute_opts, btf_ext);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::opts::Opts;

    #[test]
    fn known_ends() {
        assert_eq!(btf_dedup_opts::KNOWN_END, 17);
        assert_eq!(btf_dump_opts::KNOWN_END, 8);
        assert_eq!(btf_dump_emit_type_decl_opts::KNOWN_END, 21);
        assert_eq!(btf_dump_type_data_opts::KNOWN_END, 24);
        assert_eq!(btf_permute_opts::KNOWN_END, 16);
    }
}
