//! libbpf.h's `bpf_prog_linfo__*()`: line info of a loaded program, looked up by instruction
//! offset or jited address.
//!
//! A `struct bpf_prog_linfo *` is a `Box<ProgLinfo>` created by `bpf_prog_linfo__new` and
//! reclaimed by `bpf_prog_linfo__free`; the records the lookups return live inside it.
//!
//! Safety, for every export: `info` must point at a `struct bpf_prog_info` whose line info
//! buffers are readable for the counts it states; `prog_linfo` must be NULL or a live handle
//! from `bpf_prog_linfo__new`.

#![allow(clippy::missing_safety_doc)] // see "Safety, for every export" above

use super::{handle, ptr, symver, val};
use crate::error::Error;
use crate::prog_linfo::{JitedSource, LinfoSource, ProgLinfo};
use crate::sys::attr::bpf_prog_info;

impl handle::Handle for ProgLinfo {
    const KIND: &'static str = "struct bpf_prog_linfo";
}

/// `struct bpf_line_info` (kernel UAPI): the records the lookups return; only pointed to here.
#[repr(C)]
pub struct bpf_line_info {
    _opaque: [u8; 0],
}

/// `struct bpf_func_info` (kernel UAPI): the records `bpf_program__func_info` returns; only
/// pointed to here.
#[repr(C)]
pub struct bpf_func_info {
    _opaque: [u8; 0],
}

/// `n` elements of `T` at address `addr` (empty for 0 or a zero count).
///
/// # Safety
/// A non-zero `addr` must be readable for `n` elements of `T`.
unsafe fn slice<'a, T>(addr: u64, n: usize) -> &'a [T] {
    if addr == 0 || n == 0 {
        &[]
    } else {
        // SAFETY: per the contract.
        unsafe { std::slice::from_raw_parts(addr as usize as *const T, n) }
    }
}

/// `bpf_prog_linfo__new()`: copy the line info (and jited line info, when complete) out of a
/// `bpf_prog_info` the kernel filled. NULL with errno `EINVAL` without line info.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_linfo__new(info: *const bpf_prog_info) -> *mut ProgLinfo {
    ptr("bpf_prog_linfo__new", || {
        // SAFETY: export contract: `info` is NULL or a caller-owned bpf_prog_info (not a handle).
        let i = unsafe { info.as_ref() }.ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let nr = i.nr_line_info as usize;
        let nf = i.nr_jited_ksyms as usize;
        let jited_ok = nf != 0
            && i.jited_line_info != 0
            && i.nr_jited_line_info == i.nr_line_info
            && i.jited_line_info_rec_size >= 8
            && i.nr_jited_func_lens == i.nr_jited_ksyms
            && i.jited_ksyms != 0
            && i.jited_func_lens != 0;
        let rec_ok = nr != 0 && i.line_info_rec_size >= 4;
        // SAFETY: the kernel filled these buffers with the counts and record sizes stated
        // beside them (export contract); nothing is read unless the counts are usable.
        let src = unsafe {
            LinfoSource {
                line_info: if rec_ok { slice(i.line_info, nr * i.line_info_rec_size as usize) } else { &[] },
                nr_line_info: i.nr_line_info,
                line_info_rec_size: i.line_info_rec_size,
                jited: (rec_ok && jited_ok).then(|| JitedSource {
                    line_info: slice(i.jited_line_info, nr * i.jited_line_info_rec_size as usize),
                    rec_size: i.jited_line_info_rec_size,
                    ksyms: slice(i.jited_ksyms, nf),
                    func_lens: slice(i.jited_func_lens, nf),
                }),
            }
        };
        Ok(handle::issue(Box::new(ProgLinfo::new(&src)?)))
    })
}
symver!(bpf_prog_linfo__new, "LIBBPF_0.0.1");

/// `bpf_prog_linfo__free()`: release a handle from `bpf_prog_linfo__new` (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_linfo__free(prog_linfo: *mut ProgLinfo) {
    val("bpf_prog_linfo__free", (), || {
        // SAFETY: NULL or a handle from bpf_prog_linfo__new; the registry refuses anything else
        // (logged) and frees nothing then.
        super::logged("bpf_prog_linfo__free", unsafe { handle::reclaim(prog_linfo, "prog_linfo") });
    })
}
symver!(bpf_prog_linfo__free, "LIBBPF_0.0.1");

/// `bpf_prog_linfo__lfind()`: the line info record covering xlated instruction `insn_off`,
/// searching from record `nr_skip`; NULL with errno `ENOENT` if none.
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_linfo__lfind(
    prog_linfo: *const ProgLinfo,
    insn_off: u32,
    nr_skip: u32,
) -> *const bpf_line_info {
    ptr("bpf_prog_linfo__lfind", || {
        // SAFETY: export contract.
        let l = unsafe { handle::get(prog_linfo, "prog_linfo") }?;
        Ok(l.record(l.lfind(insn_off, nr_skip)?) as *mut bpf_line_info)
    })
}
symver!(bpf_prog_linfo__lfind, "LIBBPF_0.0.1");

/// `bpf_prog_linfo__lfind_addr_func()`: the line info record covering jited address `addr` in
/// jited function `func_idx`, searching from that function's record `nr_skip`; NULL with errno
/// `ENOENT` if none (or without jited line info).
#[no_mangle]
pub unsafe extern "C" fn bpf_prog_linfo__lfind_addr_func(
    prog_linfo: *const ProgLinfo,
    addr: u64,
    func_idx: u32,
    nr_skip: u32,
) -> *const bpf_line_info {
    ptr("bpf_prog_linfo__lfind_addr_func", || {
        // SAFETY: export contract.
        let l = unsafe { handle::get(prog_linfo, "prog_linfo") }?;
        Ok(l.record(l.lfind_addr_func(addr, func_idx, nr_skip)?) as *mut bpf_line_info)
    })
}
symver!(bpf_prog_linfo__lfind_addr_func, "LIBBPF_0.0.1");
