//! btf.h: reading BTF through libbpf's C API.
//!
//! Handles:
//! * `struct btf *` is a `Box<Btf>` leaked to C by the constructors below (`btf__new*`,
//!   `btf__parse*`, `btf__load_vmlinux_btf`, `btf__load_module_btf`) and reclaimed by `btf__free`
//!   (NULL is a no-op). A split BTF holds its own (cheap, shared) copy of the base, so freeing the
//!   base first is harmless here, though libbpf requires the base to outlive the split.
//! * `struct btf_ext *` is a `Box<BtfExt>`, from `btf_ext__new` or the `btf_ext` out-parameter of
//!   `btf__parse`/`btf__parse_elf`, reclaimed by `btf_ext__free`.
//! * `const struct btf_type *` (from `btf__type_by_id`) points at the kernel-format record inside
//!   the BTF's never-moving type buffer (ids below a split's start id: inside the base's), so the
//!   static inline helpers of btf.h can walk members/params behind it. Valid until the BTF that
//!   owns it is freed. Strings (`btf__name_by_offset`) point into the string section likewise.
//!
//! Errors follow libbpf: lookups that find nothing set errno quietly (`-ENOENT`, NULL + `EINVAL`);
//! parse failures are logged.

use super::{handle, int, ptr, set_errno, symver, val};
use crate::btf::{Btf, BtfExt, Kind};
use crate::error::{Error, Result};
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

/// `enum btf_endianness`.
const BTF_LITTLE_ENDIAN: c_int = 0;
const BTF_BIG_ENDIAN: c_int = 1;

pub(super) fn leak(btf: Btf) -> *mut Btf {
    handle::issue(Box::new(btf))
}

/// The base a C caller passed, as the `Arc` a split BTF holds (a cheap copy sharing the parsed
/// data), plus the handle to report back from `btf__base_btf`.
///
/// # Safety
/// `base` must be NULL or a live `struct btf *`.
pub(super) unsafe fn base_of(base: *const Btf) -> Result<Option<(Arc<Btf>, usize)>> {
    // SAFETY: forwarded contract; checked as a live handle.
    let Some(b) = (unsafe { handle::opt(base, "base btf") })? else { return Ok(None) };
    Ok(Some((Arc::new(b.clone()), base as usize)))
}

/// Parse with an optional C base and remember the base handle.
pub(super) fn with_base(
    base: Option<(Arc<Btf>, usize)>,
    f: impl FnOnce(Option<Arc<Btf>>) -> Result<Btf>,
) -> Result<*mut Btf> {
    let (arc, h) = match base {
        Some((a, h)) => (Some(a), h),
        None => (None, 0),
    };
    let mut btf = f(arc)?;
    btf.set_c_base_handle(h);
    Ok(leak(btf))
}

/// Store the optional `.BTF.ext` into the caller's out-parameter.
///
/// # Safety
/// `out` must be NULL or writable.
unsafe fn put_ext(out: *mut *mut BtfExt, ext: Option<BtfExt>) {
    if !out.is_null() {
        let p = ext.map_or(std::ptr::null_mut(), |e| handle::issue(Box::new(e)));
        // SAFETY: non-NULL and writable per the caller's contract.
        unsafe { *out = p };
    }
}

/// `data`/`size` as a byte slice; NULL data is `-EINVAL`.
///
/// # Safety
/// `data` must be NULL or point to `size` readable bytes that stay valid for `'a`.
unsafe fn bytes<'a>(data: *const c_void, size: u32) -> Result<&'a [u8]> {
    if data.is_null() {
        return Err(Error::inval("BTF data pointer is NULL"));
    }
    // SAFETY: non-NULL and `size` readable bytes per the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(data as *const u8, size as usize) })
}

/// Creates a BTF object from the raw bytes of a `.BTF` section (copied). NULL + errno on error.
///
/// # Safety
/// `data` must point to `size` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn btf__new(data: *const c_void, size: u32) -> *mut Btf {
    // SAFETY: the caller provides `size` readable bytes at `data`.
    ptr("btf__new", || Ok(leak(Btf::parse(unsafe { bytes(data, size) }?)?)))
}
symver!(btf__new, "LIBBPF_0.0.1");

/// Like `btf__new` but split BTF on top of `base_btf` (NULL: same as `btf__new`).
///
/// # Safety
/// `data` must point to `size` readable bytes; `base_btf` NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__new_split(data: *const c_void, size: u32, base_btf: *mut Btf) -> *mut Btf {
    ptr("btf__new_split", || {
        // SAFETY: the caller provides `size` readable bytes and a live or NULL base.
        let (data, base) = unsafe { (bytes(data, size)?, base_of(base_btf)?) };
        with_base(base, |b| Btf::parse_with(data, b))
    })
}
symver!(btf__new_split, "LIBBPF_1.4.0");

/// Raw BTF or ELF file at `path`; with a non-NULL `btf_ext`, also its `.BTF.ext` (or NULL).
///
/// # Safety
/// `path` must be a NUL-terminated string; `btf_ext` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn btf__parse(path: *const c_char, btf_ext: *mut *mut BtfExt) -> *mut Btf {
    ptr("btf__parse", || {
        // SAFETY: `btf_ext` is NULL or writable per the caller's contract.
        unsafe { put_ext(btf_ext, None) };
        // SAFETY: `path` is NUL-terminated per the caller's contract.
        let path = unsafe { handle::cstr(path, "path") }?;
        let (btf, ext) = Btf::parse_file(path, None, !btf_ext.is_null())?;
        // SAFETY: as above.
        unsafe { put_ext(btf_ext, ext) };
        Ok(leak(btf))
    })
}
symver!(btf__parse, "LIBBPF_0.1.0");

/// Raw BTF or ELF file at `path`, split on top of `base_btf`.
///
/// # Safety
/// `path` must be a NUL-terminated string; `base_btf` NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__parse_split(path: *const c_char, base_btf: *mut Btf) -> *mut Btf {
    ptr("btf__parse_split", || {
        // SAFETY: per the caller's contract.
        let (path, base) = unsafe { (handle::cstr(path, "path")?, base_of(base_btf)?) };
        with_base(base, |b| Ok(Btf::parse_file(path, b, false)?.0))
    })
}
symver!(btf__parse_split, "LIBBPF_0.3.0");

/// `.BTF` (and optionally `.BTF.ext`) of the ELF file at `path`.
///
/// # Safety
/// `path` must be a NUL-terminated string; `btf_ext` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn btf__parse_elf(path: *const c_char, btf_ext: *mut *mut BtfExt) -> *mut Btf {
    ptr("btf__parse_elf", || {
        // SAFETY: `btf_ext` is NULL or writable per the caller's contract.
        unsafe { put_ext(btf_ext, None) };
        // SAFETY: `path` is NUL-terminated per the caller's contract.
        let path = unsafe { handle::cstr(path, "path") }?;
        let (btf, ext) = Btf::parse_elf_file(path, None, !btf_ext.is_null())?;
        // SAFETY: as above.
        unsafe { put_ext(btf_ext, ext) };
        Ok(leak(btf))
    })
}
symver!(btf__parse_elf, "LIBBPF_0.0.4");

/// `.BTF` of the ELF file at `path`, split on top of `base_btf`.
///
/// # Safety
/// `path` must be a NUL-terminated string; `base_btf` NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__parse_elf_split(path: *const c_char, base_btf: *mut Btf) -> *mut Btf {
    ptr("btf__parse_elf_split", || {
        // SAFETY: per the caller's contract.
        let (path, base) = unsafe { (handle::cstr(path, "path")?, base_of(base_btf)?) };
        with_base(base, |b| Ok(Btf::parse_elf_file(path, b, false)?.0))
    })
}
symver!(btf__parse_elf_split, "LIBBPF_0.3.0");

/// Raw BTF file at `path` (`EPROTO` if it does not start with the BTF magic).
///
/// # Safety
/// `path` must be a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__parse_raw(path: *const c_char) -> *mut Btf {
    // SAFETY: `path` is NUL-terminated per the caller's contract.
    ptr("btf__parse_raw", || Ok(leak(Btf::parse_raw_file(unsafe { handle::cstr(path, "path") }?, None)?)))
}
symver!(btf__parse_raw, "LIBBPF_0.1.0");

/// Raw split BTF file at `path` on top of `base_btf`.
///
/// # Safety
/// `path` must be a NUL-terminated string; `base_btf` NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__parse_raw_split(path: *const c_char, base_btf: *mut Btf) -> *mut Btf {
    ptr("btf__parse_raw_split", || {
        // SAFETY: per the caller's contract.
        let (path, base) = unsafe { (handle::cstr(path, "path")?, base_of(base_btf)?) };
        with_base(base, |b| Btf::parse_raw_file(path, b))
    })
}
symver!(btf__parse_raw_split, "LIBBPF_0.3.0");

/// Frees a BTF object; NULL is a no-op.
///
/// # Safety
/// `btf` must be NULL or a `struct btf *` from this library's constructors, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn btf__free(btf: *mut Btf) {
    val("btf__free", (), || {
        // SAFETY: a live `btf` was issued by a constructor here and is handed back once.
        if let Some(b) = super::logged("btf__free", unsafe { handle::reclaim(btf, "btf") }).flatten() {
            if let (0, Some(base)) = (b.c_base_handle(), b.base()) {
                handle::retire::<Btf>(Arc::as_ptr(base));
            }
            super::btf_write::close_fd(&b);
        }
    })
}
symver!(btf__free, "LIBBPF_0.0.1");

/// The running kernel's BTF as a new object (the caller frees it); the parse is shared and
/// cached per process.
///
/// # Safety
/// No pointer arguments; `unsafe` only for uniformity of the C API.
#[no_mangle]
pub unsafe extern "C" fn btf__load_vmlinux_btf() -> *mut Btf {
    ptr("btf__load_vmlinux_btf", || Ok(leak((*Btf::vmlinux()?).clone())))
}
symver!(btf__load_vmlinux_btf, "LIBBPF_0.5.0");

/// Old name of `btf__load_vmlinux_btf`.
///
/// # Safety
/// As `btf__load_vmlinux_btf`.
#[no_mangle]
pub unsafe extern "C" fn libbpf_find_kernel_btf() -> *mut Btf {
    ptr("libbpf_find_kernel_btf", || Ok(leak((*Btf::vmlinux()?).clone())))
}
symver!(libbpf_find_kernel_btf, "LIBBPF_0.0.7");

/// Split BTF of kernel module `module_name` (`/sys/kernel/btf/<module>`) on top of `vmlinux_btf`.
///
/// # Safety
/// `module_name` must be a NUL-terminated string; `vmlinux_btf` a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__load_module_btf(module_name: *const c_char, vmlinux_btf: *mut Btf) -> *mut Btf {
    ptr("btf__load_module_btf", || {
        // SAFETY: per the caller's contract.
        let (name, base) = unsafe { (handle::cstr(module_name, "module name")?, base_of(vmlinux_btf)?) };
        let (vmlinux, h) = base.ok_or_else(|| Error::inval("btf__load_module_btf: vmlinux BTF is NULL"))?;
        let mut btf = Btf::load_module(name, vmlinux)?;
        btf.set_c_base_handle(h);
        Ok(leak(btf))
    })
}
symver!(btf__load_module_btf, "LIBBPF_0.5.0");

/// Number of type ids, including id 0 and a split's base types.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__type_cnt(btf: *const Btf) -> u32 {
    // SAFETY: `btf` is NULL or live.
    val("btf__type_cnt", 0, || unsafe { handle::opt_logged("btf__type_cnt", btf, "btf") }.map_or(0, |b| b.type_cnt()))
}
symver!(btf__type_cnt, "LIBBPF_0.6.0");

/// The base of a split BTF (the handle it was created with), NULL for base BTF.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__base_btf(btf: *const Btf) -> *const Btf {
    val("btf__base_btf", std::ptr::null(), || {
        // SAFETY: `btf` is NULL or live.
        let Some(b) = (unsafe { handle::opt_logged("btf__base_btf", btf, "btf") }) else { return std::ptr::null() };
        match (b.c_base_handle(), b.base()) {
            (h, Some(_)) if h != 0 => h as *const Btf,
            (_, Some(base)) => {
                // Handed to C: a live handle while this split BTF holds it (retired by btf__free).
                handle::register::<Btf>(Arc::as_ptr(base));
                Arc::as_ptr(base)
            }
            (_, None) => std::ptr::null(),
        }
    })
}
symver!(btf__base_btf, "LIBBPF_0.3.0");

/// Pointer to the kernel-format `struct btf_type` of `id` (id 0: an all-zero record); NULL and
/// errno `EINVAL` if `id >= btf__type_cnt()`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__type_by_id(btf: *const Btf, id: u32) -> *const c_void {
    ptr("btf__type_by_id", || {
        // SAFETY: `btf` is NULL or live.
        let b = unsafe { handle::get(btf, "btf") }?;
        let rec = b.type_record(id).ok_or(Error::quiet(libc::EINVAL))?;
        Ok(rec.as_ptr() as *mut c_void)
    }) as *const c_void
}
symver!(btf__type_by_id, "LIBBPF_0.0.1");

fn str_ptr(b: &Btf, off: u32) -> Result<*mut c_char> {
    Ok(b.cstr_at(off).ok_or(Error::quiet(libc::EINVAL))?.as_ptr() as *mut c_char)
}

/// The string at `offset` in the string section (base-aware); NULL + `EINVAL` if out of range.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__str_by_offset(btf: *const Btf, offset: u32) -> *const c_char {
    // SAFETY: `btf` is NULL or live.
    ptr("btf__str_by_offset", || str_ptr(unsafe { handle::get(btf, "btf") }?, offset)) as *const c_char
}
symver!(btf__str_by_offset, "LIBBPF_0.2.0");

/// Same as `btf__str_by_offset`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__name_by_offset(btf: *const Btf, offset: u32) -> *const c_char {
    // SAFETY: `btf` is NULL or live.
    ptr("btf__name_by_offset", || str_ptr(unsafe { handle::get(btf, "btf") }?, offset)) as *const c_char
}
symver!(btf__name_by_offset, "LIBBPF_0.0.1");

/// Smallest type id named `type_name` (any kind; "void" is 0), else `-ENOENT`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `type_name` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__find_by_name(btf: *const Btf, type_name: *const c_char) -> i32 {
    int("btf__find_by_name", || {
        // SAFETY: per the caller's contract.
        let (b, name) = unsafe { (handle::get(btf, "btf")?, handle::cstr(type_name, "type name")?) };
        b.find_by_name(name).map(|id| id as c_int).ok_or(Error::quiet(libc::ENOENT))
    })
}
symver!(btf__find_by_name, "LIBBPF_0.0.1");

/// Smallest type id named `type_name` of kind `kind` (`BTF_KIND_*`), else `-ENOENT`; "void" or
/// `BTF_KIND_UNKN` give 0.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `type_name` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf__find_by_name_kind(btf: *const Btf, type_name: *const c_char, kind: u32) -> i32 {
    int("btf__find_by_name_kind", || {
        // SAFETY: per the caller's contract.
        let (b, name) = unsafe { (handle::get(btf, "btf")?, handle::cstr(type_name, "type name")?) };
        let found = match Kind::from_raw(kind) {
            Some(k) => b.find_by_name_kind(name, k),
            None if name == "void" => Some(0),
            None => None,
        };
        found.map(|id| id as c_int).ok_or(Error::quiet(libc::ENOENT))
    })
}
symver!(btf__find_by_name_kind, "LIBBPF_0.0.6");

/// Byte size of type `type_id`; `-EINVAL` (sizeless type, bad id, chain too long) or `-E2BIG`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__resolve_size(btf: *const Btf, type_id: u32) -> i64 {
    val("btf__resolve_size", -(libc::EINVAL as i64), || {
        // SAFETY: `btf` is NULL or live.
        match unsafe { handle::get(btf, "btf") }.and_then(|b| b.resolve_size(type_id)) {
            Ok(s) => s as i64,
            Err(e) if e.names_func() => {
                super::logged::<()>("btf__resolve_size", Err(e));
                -(libc::EINVAL as i64)
            }
            Err(e) => {
                set_errno(e.errno());
                -(e.errno() as i64)
            }
        }
    })
}
symver!(btf__resolve_size, "LIBBPF_0.0.1");

/// The type `type_id` ends at after modifiers, typedefs and VARs; `-EINVAL` if void/FWD or too deep.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__resolve_type(btf: *const Btf, type_id: u32) -> c_int {
    int("btf__resolve_type", || {
        // SAFETY: `btf` is NULL or live.
        let b = unsafe { handle::get(btf, "btf") }?;
        b.resolve_type(type_id).map(|id| id as c_int).map_err(|e| Error::quiet(e.errno()))
    })
}
symver!(btf__resolve_type, "LIBBPF_0.0.1");

/// Alignment of type `id`; 0 with errno `EINVAL` for kinds without one.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__align_of(btf: *const Btf, id: u32) -> c_int {
    val("btf__align_of", 0, || {
        // SAFETY: `btf` is NULL or live.
        match unsafe { handle::get(btf, "btf") }.and_then(|b| b.align_of(id)) {
            Ok(a) => a as c_int,
            Err(e) if e.names_func() => {
                super::logged::<()>("btf__align_of", Err(e));
                0
            }
            Err(e) => {
                crate::pr_debug!("{e}");
                set_errno(e.errno());
                0
            }
        }
    })
}
symver!(btf__align_of, "LIBBPF_0.0.7");

/// Pointer size this BTF assumes (ELF class, or guessed from `long`); 0 if unknown.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__pointer_size(btf: *const Btf) -> usize {
    val("btf__pointer_size", 0, || {
        // SAFETY: `btf` is NULL or live.
        unsafe { handle::opt_logged("btf__pointer_size", btf, "btf") }.and_then(|b| b.pointer_size()).unwrap_or(0)
            as usize
    })
}
symver!(btf__pointer_size, "LIBBPF_0.1.0");

/// Override the pointer size (4 or 8, else `-EINVAL`).
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *` not otherwise borrowed.
#[no_mangle]
pub unsafe extern "C" fn btf__set_pointer_size(btf: *mut Btf, ptr_sz: usize) -> c_int {
    int("btf__set_pointer_size", || {
        // SAFETY: `btf` is NULL or live and unaliased.
        let b = unsafe { handle::get_mut(btf, "btf") }?;
        b.set_pointer_size(u32::try_from(ptr_sz).unwrap_or(0)).map_err(|e| Error::quiet(e.errno()))?;
        Ok(0)
    })
}
symver!(btf__set_pointer_size, "LIBBPF_0.1.0");

/// Byte order of the BTF data `btf__raw_data` gives: the input's, or as set by `btf__set_endianness`.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__endianness(btf: *const Btf) -> c_int {
    val("btf__endianness", BTF_LITTLE_ENDIAN, || {
        // SAFETY: `btf` is NULL or live; a refused pointer is logged and read as NULL.
        let swapped = unsafe { handle::opt_logged("btf__endianness", btf, "btf") }.is_some_and(|b| b.is_swapped());
        if cfg!(target_endian = "big") != swapped {
            BTF_BIG_ENDIAN
        } else {
            BTF_LITTLE_ENDIAN
        }
    })
}
symver!(btf__endianness, "LIBBPF_0.2.0");

fn raw_data(b: &Btf, size: *mut u32) -> Result<*mut c_void> {
    let raw = b.raw_data_out();
    if !size.is_null() {
        // SAFETY: the caller passes NULL or a writable __u32.
        unsafe { *size = raw.len() as u32 };
    }
    Ok(raw.as_ptr() as *mut c_void)
}

/// The BTF blob (header, types, strings) in the BTF's byte order; `*size` gets its length.
/// Valid until the BTF is modified or freed.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `size` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn btf__raw_data(btf: *const Btf, size: *mut u32) -> *const c_void {
    // SAFETY: per the caller's contract.
    ptr("btf__raw_data", || raw_data(unsafe { handle::get(btf, "btf") }?, size)) as *const c_void
}
symver!(btf__raw_data, "LIBBPF_0.6.0");

/// Old name of `btf__raw_data`.
///
/// # Safety
/// As `btf__raw_data`.
#[no_mangle]
pub unsafe extern "C" fn btf__get_raw_data(btf: *const Btf, size: *mut u32) -> *const c_void {
    // SAFETY: per the caller's contract.
    ptr("btf__get_raw_data", || raw_data(unsafe { handle::get(btf, "btf") }?, size)) as *const c_void
}
symver!(btf__get_raw_data, "LIBBPF_0.0.2");

/// Kernel fd of the BTF (from `btf__load_into_kernel` or `btf__set_fd`), -1 if none.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__fd(btf: *const Btf) -> c_int {
    // SAFETY: `btf` is NULL or live; a refused pointer is logged and read as NULL.
    val("btf__fd", -1, || unsafe { handle::opt_logged("btf__fd", btf, "btf") }.map_or(-1, |b| b.fd()))
}
symver!(btf__fd, "LIBBPF_0.0.1");

/// Parse `.BTF.ext` bytes (copied). Section names are not resolved without the `.BTF`.
///
/// # Safety
/// `data` must point to `size` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn btf_ext__new(data: *const u8, size: u32) -> *mut BtfExt {
    ptr("btf_ext__new", || {
        // SAFETY: `size` readable bytes at `data` per the caller's contract.
        let d = unsafe { bytes(data as *const c_void, size) }?;
        Ok(handle::issue(Box::new(BtfExt::parse_detached(d)?)))
    })
}
symver!(btf_ext__new, "LIBBPF_0.0.2");

/// Frees a `struct btf_ext`; NULL is a no-op.
///
/// # Safety
/// `btf_ext` must be NULL or a `struct btf_ext *` from this library, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn btf_ext__free(btf_ext: *mut BtfExt) {
    val("btf_ext__free", (), || {
        // SAFETY: a live pointer was issued by btf_ext__new/btf__parse* and is handed back once.
        super::logged("btf_ext__free", unsafe { handle::reclaim(btf_ext, "btf_ext") });
    })
}
symver!(btf_ext__free, "LIBBPF_0.0.2");

fn ext_raw(e: &BtfExt, size: *mut u32) -> Result<*mut c_void> {
    let raw = e.raw_data_out();
    if !size.is_null() {
        // SAFETY: the caller passes NULL or a writable __u32.
        unsafe { *size = raw.len() as u32 };
    }
    Ok(raw.as_ptr() as *mut c_void)
}

/// The `.BTF.ext` bytes; `*size` gets the length.
///
/// # Safety
/// `btf_ext` must be NULL or a live `struct btf_ext *`; `size` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn btf_ext__raw_data(btf_ext: *const BtfExt, size: *mut u32) -> *const c_void {
    // SAFETY: per the caller's contract.
    ptr("btf_ext__raw_data", || ext_raw(unsafe { handle::get(btf_ext, "btf_ext") }?, size)) as *const c_void
}
symver!(btf_ext__raw_data, "LIBBPF_1.4.0");

/// Old name of `btf_ext__raw_data`.
///
/// # Safety
/// As `btf_ext__raw_data`.
#[no_mangle]
pub unsafe extern "C" fn btf_ext__get_raw_data(btf_ext: *const BtfExt, size: *mut u32) -> *const c_void {
    // SAFETY: per the caller's contract.
    ptr("btf_ext__get_raw_data", || ext_raw(unsafe { handle::get(btf_ext, "btf_ext") }?, size)) as *const c_void
}
symver!(btf_ext__get_raw_data, "LIBBPF_0.0.2");

/// Byte order of the `.BTF.ext` data `btf_ext__raw_data` gives.
///
/// # Safety
/// `btf_ext` must be NULL or a live `struct btf_ext *`.
#[no_mangle]
pub unsafe extern "C" fn btf_ext__endianness(btf_ext: *const BtfExt) -> c_int {
    val("btf_ext__endianness", BTF_LITTLE_ENDIAN, || {
        // SAFETY: `btf_ext` is NULL or live; a refused pointer is logged and read as NULL.
        let swapped =
            unsafe { handle::opt_logged("btf_ext__endianness", btf_ext, "btf_ext") }.is_some_and(|e| e.is_swapped());
        if cfg!(target_endian = "big") != swapped {
            BTF_BIG_ENDIAN
        } else {
            BTF_LITTLE_ENDIAN
        }
    })
}
symver!(btf_ext__endianness, "LIBBPF_1.5.0");
