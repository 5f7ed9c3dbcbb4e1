//! oxbpf's skeleton extension block: how an `oxbpf gen skeleton --shadow-info` header hands its
//! struct_ops shadow layouts to liboxbpf without a new export and without upsetting upstream
//! libbpf.
//!
//! Such a skeleton allocates its `struct bpf_object_skeleton` with three 64-bit words after it
//! and sets `s->sz` to the larger size. The last 24 bytes of `s->sz` are the block:
//! `[magic, struct bpf_struct_ops_shadow_info *, ack]`. Upstream libbpf never reads `s->sz` nor
//! anything past its own fields, so the block is ignored there, silently. liboxbpf reads the
//! block only when `s->sz` leaves room for it after its own fields and the first word is
//! [`OXBPF_SKEL_EXT_MAGIC`]; it takes the second word as `bpf_object_open_opts.struct_ops_shadow`
//! and, once the skeleton is open, writes [`OXBPF_SKEL_EXT_ACK`] into the third word. A skeleton
//! whose shadow types differ from the object's BTF layout (a caller-supplied shadow type) checks
//! the ack after open and refuses to run on a library that did not write it.

use super::types::{bpf_object_skeleton, bpf_struct_ops_shadow_info};
use crate::error::{Error, Result};

/// First word of the block.
pub const OXBPF_SKEL_EXT_MAGIC: u64 = 0xb9f0_0bbf_5ce1_e7a1;
/// What liboxbpf writes into the third word once it has applied the block.
pub const OXBPF_SKEL_EXT_ACK: u64 = 0xb9f0_0bbf_ac6e_d001;
/// Size of the block: magic, shadow-info pointer, ack.
const EXT_LEN: usize = 24;
/// A skeleton struct larger than this is not one a generator wrote: its tail is not looked at.
const MAX_SKEL_SZ: usize = 4096;

/// The block of one skeleton, found by [`find`].
pub struct SkelExt {
    /// The shadow description (may be NULL: nothing to describe).
    pub info: *const bpf_struct_ops_shadow_info,
    ack: *mut u8,
}

/// The extension block of skeleton `s`, if it carries one.
///
/// # Safety
/// `s` must be NULL or point to a skeleton struct whose first `s->sz` bytes are readable and
/// writable (the generator's contract: `sz` is the size it allocated).
pub unsafe fn find(s: *mut bpf_object_skeleton) -> Result<Option<SkelExt>> {
    if s.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL; `sz` is the first field of every skeleton struct.
    let sz = unsafe { std::ptr::addr_of!((*s).sz).read_unaligned() };
    let own = std::mem::size_of::<bpf_object_skeleton>();
    if sz < own + EXT_LEN || sz > MAX_SKEL_SZ {
        return Ok(None);
    }
    let base = s as *mut u8;
    let word = |off: usize| -> u64 {
        // SAFETY: off + 8 <= sz, inside the caller's allocation per the contract.
        unsafe { (base.add(off) as *const u64).read_unaligned() }
    };
    let at = sz - EXT_LEN;
    if word(at) != OXBPF_SKEL_EXT_MAGIC {
        return Ok(None);
    }
    let info = word(at + 8);
    if info != 0 && info % std::mem::align_of::<bpf_struct_ops_shadow_info>() as u64 != 0 {
        return Err(Error::inval("skeleton extension: misaligned struct_ops shadow info pointer"));
    }
    Ok(Some(SkelExt {
        info: info as usize as *const bpf_struct_ops_shadow_info,
        // SAFETY: at + 16 + 8 == sz, inside the allocation.
        ack: unsafe { base.add(at + 16) },
    }))
}

impl SkelExt {
    /// Tell the skeleton its block was applied.
    ///
    /// # Safety
    /// The skeleton struct [`find`] read must still be alive and writable.
    pub unsafe fn ack(&self) {
        // SAFETY: the third word of the block, inside the allocation per the contract.
        unsafe { (self.ack as *mut u64).write_unaligned(OXBPF_SKEL_EXT_ACK) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: usize = std::mem::size_of::<bpf_object_skeleton>();

    /// A skeleton allocation of `sz` bytes (8-aligned) with `s->sz = sz` and the block words.
    fn skel(sz: usize, words: [u64; 3]) -> Vec<u64> {
        let mut v = vec![0u64; sz.div_ceil(8)];
        v[0] = sz as u64;
        if sz >= 24 {
            let at = (sz - EXT_LEN) / 8;
            v[at..at + 3].copy_from_slice(&words);
        }
        v
    }

    fn find_in(v: &mut [u64]) -> Result<Option<SkelExt>> {
        // SAFETY: v holds v[0] (= sz) bytes, 8-aligned, and is ours.
        unsafe { find(v.as_mut_ptr() as *mut bpf_object_skeleton) }
    }

    #[test]
    fn upstream_sized_skeletons_have_no_block() {
        let mut v = skel(OWN, [OXBPF_SKEL_EXT_MAGIC, 0, 0]);
        assert!(find_in(&mut v).unwrap().is_none());
        let mut v = skel(OWN + 16, [OXBPF_SKEL_EXT_MAGIC, 0, 0]);
        assert!(find_in(&mut v).unwrap().is_none());
        // SAFETY: NULL is allowed.
        assert!(unsafe { find(std::ptr::null_mut()) }.unwrap().is_none());
    }

    #[test]
    fn the_block_needs_the_magic_and_sane_sizes() {
        let mut v = skel(OWN + 24, [0x1234, 0, 0]);
        assert!(find_in(&mut v).unwrap().is_none());
        let mut v = skel(MAX_SKEL_SZ + 8, [OXBPF_SKEL_EXT_MAGIC, 0, 0]);
        assert!(find_in(&mut v).unwrap().is_none());
        let mut v = skel(OWN + 24, [OXBPF_SKEL_EXT_MAGIC, 0x1001, 0]);
        assert_eq!(find_in(&mut v).err().map(|e| e.errno()), Some(libc::EINVAL));
    }

    #[test]
    fn the_block_is_read_from_the_tail_and_acked() {
        // A newer generator's larger skeleton struct: the block still sits in the last 24 bytes.
        let info = 0x7000_0000_1000u64;
        let mut v = skel(OWN + 40, [OXBPF_SKEL_EXT_MAGIC, info, 0]);
        let e = find_in(&mut v).unwrap().expect("block");
        assert_eq!(e.info as usize as u64, info);
        // SAFETY: v is alive and writable.
        unsafe { e.ack() };
        assert_eq!(*v.last().unwrap(), OXBPF_SKEL_EXT_ACK);
    }
}
