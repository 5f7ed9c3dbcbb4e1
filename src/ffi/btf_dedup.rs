//! btf.h: deduplication (`btf__dedup`), distilled base BTF (`btf__distill_base`) and relocation
//! of split BTF (`btf__relocate`), over [`crate::btf::dedup`] and [`crate::btf::distill`].
//!
//! Each rewrites the `struct btf *` it is given in place (its records and strings are
//! re-encoded, so pointers from `btf__type_by_id`/`btf__name_by_offset` taken before the call
//! are stale afterwards, as with libbpf). `btf__distill_base` returns two new handles, freed with
//! `btf__free`; the new split BTF reports the new base from `btf__base_btf`. `btf__permute`
//! (libbpf 1.7) reorders the types of a `struct btf *` in place.

use super::types_btf::{btf_dedup_opts, btf_permute_opts};
use super::{handle, int, opts, symver};
use crate::btf::dedup::{dedup, DedupOpts};
use crate::btf::{distill, Btf, BtfExt};
use crate::error::Error;
use std::ffi::c_int;
use std::sync::Arc;

/// Deduplicates `btf` in place; with `opts->btf_ext`, rewrites that `.BTF.ext` to match.
/// Returns 0 or a negative errno.
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `opts` NULL or a valid `btf_dedup_opts` whose
/// `btf_ext` is NULL or a live `struct btf_ext *`.
#[no_mangle]
pub unsafe extern "C" fn btf__dedup(btf: *mut Btf, opts: *const btf_dedup_opts) -> c_int {
    int("btf__dedup", || {
        // SAFETY: forwarded contract.
        let (b, o) = unsafe { (handle::get_mut(btf, "btf")?, opts::read(opts)?) };
        let (ext_ptr, force) = o.map_or((std::ptr::null_mut(), false), |o| (o.btf_ext, o.force_collisions.get()));
        // SAFETY: `btf_ext` is NULL or a live `struct btf_ext *` (a Box<BtfExt>) per the contract.
        let ext = unsafe { (ext_ptr as *mut BtfExt).as_mut() };
        dedup(b, ext, &DedupOpts { force_collisions: force })?;
        Ok(0)
    })
}
symver!(btf__dedup, "LIBBPF_0.6.0");

/// Splits what split BTF `src_btf` needs from its base into a new minimal base
/// (`*new_base_btf`) and a new split BTF over it (`*new_split_btf`). Returns 0 or a negative
/// errno (`-EINVAL` for NULL arguments or a `src_btf` without base).
///
/// # Safety
/// `src_btf` must be NULL or live; the out-pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn btf__distill_base(
    src_btf: *const Btf,
    new_base_btf: *mut *mut Btf,
    new_split_btf: *mut *mut Btf,
) -> c_int {
    int("btf__distill_base", || {
        // SAFETY: forwarded contract.
        let src = unsafe { handle::get(src_btf, "btf") }?;
        if new_base_btf.is_null() || new_split_btf.is_null() || src.base().is_none() {
            return Err(Error::inval("btf__distill_base: needs split BTF and two out-pointers"));
        }
        let (base, mut split) = distill::distill_base(src)?;
        let base = super::btf::leak(base);
        split.set_c_base_handle(base as usize);
        // SAFETY: both out-pointers were checked non-NULL and are writable per the contract.
        unsafe {
            *new_base_btf = base;
            *new_split_btf = super::btf::leak(split);
        }
        Ok(0)
    })
}
symver!(btf__distill_base, "LIBBPF_1.5.0");

/// Moves split BTF `btf` from its (distilled) base onto `base_btf`: type ids and string offsets
/// are renumbered and `btf__base_btf(btf)` becomes `base_btf`. Returns 0 or a negative errno.
///
/// # Safety
/// `btf` and `base_btf` must be NULL or live `struct btf *`.
#[no_mangle]
pub unsafe extern "C" fn btf__relocate(btf: *mut Btf, base_btf: *const Btf) -> c_int {
    int("btf__relocate", || {
        // SAFETY: forwarded contract.
        let b = unsafe { handle::get_mut(btf, "btf") }?;
        // SAFETY: forwarded contract.
        let Some(base) = (unsafe { base_btf.as_ref() }) else {
            return Err(Error::inval("btf__relocate: base BTF is NULL"));
        };
        if b.c_base_handle() == base_btf as usize {
            return Err(Error::inval("btf__relocate: BTF is already based on that base"));
        }
        distill::relocate(b, Arc::new(base.clone()))?;
        b.set_c_base_handle(base_btf as usize);
        Ok(0)
    })
}
symver!(btf__relocate, "LIBBPF_1.5.0");

/// Reorders `btf`'s types in place: `id_map[old] = new` (a base BTF: `id_map_cnt` is the type
/// count and `id_map[0]` 0; a split BTF: `id_map[old - start_id]` over its own types). With
/// `opts->btf_ext`, that `.BTF.ext` follows. Returns 0 or a negative errno (`-EINVAL` for a map
/// that is not a bijection of the range).
///
/// # Safety
/// `btf` must be NULL or a live `struct btf *`; `id_map` NULL or `id_map_cnt` readable words;
/// `opts` NULL or a valid `btf_permute_opts` whose `btf_ext` is NULL or a live `struct btf_ext *`.
#[no_mangle]
pub unsafe extern "C" fn btf__permute(
    btf: *mut Btf,
    id_map: *mut u32,
    id_map_cnt: u32,
    opts: *const btf_permute_opts,
) -> c_int {
    int("btf__permute", || {
        // SAFETY: forwarded contract.
        let (b, o) = unsafe { (handle::get_mut(btf, "btf")?, opts::read(opts)?) };
        let ext_ptr = o.map_or(std::ptr::null_mut(), |o| o.btf_ext);
        // SAFETY: `btf_ext` is NULL or a live `struct btf_ext *` per the contract; checked
        // against the live-handle registry.
        let ext = unsafe { handle::opt_mut(ext_ptr as *mut BtfExt, "btf_ext") }?;
        if id_map.is_null() {
            return Err(Error::inval("btf__permute: id_map is NULL"));
        }
        // SAFETY: `id_map` is non-NULL and holds `id_map_cnt` words per the contract.
        let map = unsafe { std::slice::from_raw_parts(id_map, id_map_cnt as usize) };
        b.permute(map, ext)?;
        Ok(0)
    })
}
symver!(btf__permute, "LIBBPF_1.7.0");
