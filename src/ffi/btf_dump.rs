//! btf.h: the BTF-to-C dumper (`btf_dump__*`), over the core in `src/btf/cdump/` and
//! `src/btf/datadump.rs`.
//!
//! Handle: `struct btf_dump *` is a `Box<BtfDump>` made by [`btf_dump__new`] (the one place it is
//! created) and reclaimed by [`btf_dump__free`] (the one place it is freed; NULL is a no-op). It
//! points to the caller's `struct btf`, which, as in libbpf, must outlive the dumper; types added
//! to that BTF between calls are picked up (the dumper's state grows).
//!
//! Output goes to the caller's `btf_dump_printf_fn_t` as the format `"%s"` with one string
//! argument, built into a `va_list` by `csrc/print_shim.c`; a `vfprintf`-style callback (bpftool's)
//! therefore prints exactly libbpf's bytes. Text is handed over at the end of each call and
//! before each log line, in chunks rather than one piece per `printf` as libbpf does.

use super::types_btf::{btf_dump_emit_type_decl_opts, btf_dump_opts, btf_dump_printf_fn_t, btf_dump_type_data_opts};
use super::{handle, int, opts, ptr, symver, val};
use crate::btf::{c_sink, Btf, CDump, DataOpts};
use crate::error::{Error, Result};
use std::ffi::{c_int, c_void, CStr};

/// `struct btf_dump`: the caller's BTF and the dumper's state.
pub struct BtfDump {
    btf: *const Btf,
    core: CDump,
}

impl handle::Handle for BtfDump {
    const KIND: &'static str = "struct btf_dump";
}

impl BtfDump {
    /// The BTF this dumper was created for.
    ///
    /// # Safety
    /// The `struct btf` passed to `btf_dump__new` must still be alive (libbpf's contract).
    unsafe fn parts(&mut self) -> (&Btf, &mut CDump) {
        // SAFETY: non-NULL (checked at creation) and alive per the caller's contract.
        (unsafe { &*self.btf }, &mut self.core)
    }
}

/// Creates a dumper printing `btf`'s types through `printf_fn(ctx, fmt, args)`.
///
/// # Safety
/// `btf` must be a live `struct btf *` that outlives the dumper; `opts` NULL or a valid
/// `btf_dump_opts`; `printf_fn` callable with `ctx` until the dumper is freed.
#[no_mangle]
pub unsafe extern "C" fn btf_dump__new(
    btf: *const Btf,
    printf_fn: btf_dump_printf_fn_t,
    ctx: *mut c_void,
    opts: *const btf_dump_opts,
) -> *mut BtfDump {
    ptr("btf_dump__new", || {
        // SAFETY: `opts` is NULL or a valid options struct per the caller's contract.
        unsafe { opts::read(opts) }?;
        let cb = printf_fn.ok_or_else(|| Error::inval("btf_dump__new: printf_fn is NULL"))?;
        // SAFETY: `btf` is NULL or live per the caller's contract.
        let b = unsafe { handle::get(btf, "btf") }?;
        // SAFETY: `cb` and `ctx` stay valid for the dumper's life per the caller's contract.
        let sink = unsafe { c_sink(cb, ctx) };
        let core = CDump::new(b, sink)?;
        Ok(handle::issue(Box::new(BtfDump { btf, core })))
    })
}
symver!(btf_dump__new, "LIBBPF_0.6.0");

/// Frees a dumper; NULL is a no-op.
///
/// # Safety
/// `d` must be NULL or a `struct btf_dump *` from `btf_dump__new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn btf_dump__free(d: *mut BtfDump) {
    val("btf_dump__free", (), || {
        // SAFETY: `d` is NULL or a handle from `btf_dump__new`; the registry refuses anything
        // else (logged) and frees nothing then.
        super::logged("btf_dump__free", unsafe { handle::reclaim(d, "btf_dump") });
    })
}
symver!(btf_dump__free, "LIBBPF_0.0.4");

/// Emits type `id` as C, preceded by every type it needs that this dumper has not emitted yet
/// (forward declarations where they suffice). 0 or a negative errno (`-ELOOP` for a cycle C
/// cannot express, `-EINVAL` for an id out of range).
///
/// # Safety
/// `d` must be NULL or a live `struct btf_dump *` whose BTF is alive.
#[no_mangle]
pub unsafe extern "C" fn btf_dump__dump_type(d: *mut BtfDump, id: u32) -> c_int {
    int("btf_dump__dump_type", || {
        // SAFETY: NULL or live per the caller's contract.
        let d = unsafe { handle::get_mut(d, "btf_dump") }?;
        // SAFETY: the BTF outlives the dumper per libbpf's contract.
        let (btf, core) = unsafe { d.parts() };
        core.dump_type(btf, id)?;
        Ok(0)
    })
}
symver!(btf_dump__dump_type, "LIBBPF_0.0.4");

/// Emits the declaration of `opts->field_name` (empty or NULL: an abstract declarator) with
/// type `id`, indenting nested definitions by `opts->indent_level` tabs; `strip_mods` drops
/// const/volatile/restrict.
///
/// # Safety
/// `d` must be NULL or a live `struct btf_dump *`; `opts` NULL or a valid options struct whose
/// `field_name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn btf_dump__emit_type_decl(
    d: *mut BtfDump,
    id: u32,
    opts: *const btf_dump_emit_type_decl_opts,
) -> c_int {
    int("btf_dump__emit_type_decl", || {
        // SAFETY: `opts` is NULL or valid per the caller's contract.
        let o = unsafe { opts::read(opts) }?;
        // SAFETY: NULL or live per the caller's contract.
        let d = unsafe { handle::get_mut(d, "btf_dump") }?;
        let (fname, lvl, strip) = match o {
            Some(o) => (o.field_name, o.indent_level, o.strip_mods.get()),
            None => (std::ptr::null(), 0, false),
        };
        let fname = if fname.is_null() {
            &[][..]
        } else {
            // SAFETY: a non-NULL `field_name` is NUL-terminated per the caller's contract.
            unsafe { CStr::from_ptr(fname) }.to_bytes()
        };
        // SAFETY: the BTF outlives the dumper.
        let (btf, core) = unsafe { d.parts() };
        core.emit_type_decl_api(btf, id, fname, lvl, strip)?;
        Ok(0)
    })
}
symver!(btf_dump__emit_type_decl, "LIBBPF_0.0.7");

fn data_opts(o: Option<btf_dump_type_data_opts>) -> Result<DataOpts> {
    let Some(o) = o else {
        return Ok(DataOpts::default());
    };
    let indent_str = if o.indent_str.is_null() {
        None
    } else {
        // SAFETY: a non-NULL `indent_str` is a NUL-terminated string per the API contract.
        Some(unsafe { CStr::from_ptr(o.indent_str) }.to_bytes().to_vec())
    };
    Ok(DataOpts {
        indent_str,
        indent_level: o.indent_level,
        compact: o.compact.get(),
        skip_names: o.skip_names.get(),
        emit_zeroes: o.emit_zeroes.get(),
        emit_strings: o.emit_strings.get(),
    })
}

/// Prints the `data_sz` bytes at `data` as a C initializer of type `id`. Returns the number of
/// bytes the type spans, or a negative errno: `-E2BIG` when a value lies past `data_sz`,
/// `-ENOENT` for an unknown id, `-EINVAL`/`-ENOTSUP` for types without a printable value.
///
/// # Safety
/// `d` must be NULL or a live `struct btf_dump *`; `data` must point to `data_sz` readable
/// bytes; `opts` NULL or valid, its `indent_str` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn btf_dump__dump_type_data(
    d: *mut BtfDump,
    id: u32,
    data: *const c_void,
    data_sz: usize,
    opts: *const btf_dump_type_data_opts,
) -> c_int {
    int("btf_dump__dump_type_data", || {
        // SAFETY: `opts` is NULL or valid per the caller's contract.
        let o = data_opts(unsafe { opts::read(opts) }?)?;
        // SAFETY: NULL or live per the caller's contract.
        let d = unsafe { handle::get_mut(d, "btf_dump") }?;
        // SAFETY: the BTF outlives the dumper.
        let (btf, core) = unsafe { d.parts() };
        if id >= btf.type_cnt() {
            return Err(Error::new(
                libc::ENOENT,
                format!("btf_dump__dump_type_data: type id {id} out of range (type count {})", btf.type_cnt()),
            ));
        }
        let bytes: &[u8] = if data_sz == 0 {
            &[]
        } else if data.is_null() {
            return Err(Error::inval("btf_dump__dump_type_data: data is NULL"));
        } else {
            // SAFETY: `data` points to `data_sz` readable bytes per the caller's contract.
            unsafe { std::slice::from_raw_parts(data as *const u8, data_sz) }
        };
        core.dump_type_data(btf, id, bytes, data as usize, &o).map_err(Error::quiet)
    })
}
symver!(btf_dump__dump_type_data, "LIBBPF_0.5.0");
