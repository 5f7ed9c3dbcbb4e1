//! Byte order of `.BTF.ext`: libbpf 1.5 parses opposite-endian `.BTF.ext` (converting it to
//! native order in memory) and can hand out its bytes in either order (`btf_ext__set_endianness`).
//!
//! Swapping follows the structure: the header words (the CO-RE fields only when the header has
//! them), then per info subsection its record size, each section header (`sec_name_off`,
//! `num_info`) and the known fields of each record (func_info 2 words, line_info 4, core_relo
//! 4); bytes of longer records past those fields are left as they are, as libbpf leaves them.
//! Every read is bounds-checked: a malformed blob is swapped as far as it can be and then
//! rejected by the native parser.

use super::BTF_MAGIC;

fn word(d: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(d.get(off..off.checked_add(4)?)?.try_into().ok()?))
}

fn swap_word(d: &mut [u8], off: usize) -> Option<()> {
    let w = word(d, off)?.swap_bytes();
    d.get_mut(off..off + 4)?.copy_from_slice(&w.to_ne_bytes());
    Some(())
}

/// Swap one info subsection `d[start..start + len]` whose records have `rec_words` known words.
/// `to_native`: the subsection is currently in the opposite order.
fn swap_info(d: &mut [u8], start: usize, len: usize, rec_words: usize, to_native: bool) -> Option<()> {
    if len == 0 {
        return Some(());
    }
    let end = start.checked_add(len)?;
    if end > d.len() {
        return None;
    }
    let read = |d: &[u8], off: usize| word(d, off).map(|w| if to_native { w.swap_bytes() } else { w });
    let rec_size = read(d, start)? as usize;
    swap_word(d, start)?;
    let mut pos = start + 4;
    while pos < end {
        let num = read(d, pos + 4)? as usize;
        swap_word(d, pos)?;
        swap_word(d, pos + 4)?;
        pos += 8;
        for _ in 0..num {
            if pos.checked_add(rec_size)? > end {
                return None;
            }
            for k in 0..rec_words.min(rec_size / 4) {
                swap_word(d, pos + 4 * k)?;
            }
            pos += rec_size;
        }
    }
    Some(())
}

/// Swap a whole `.BTF.ext` blob in place. `to_native`: it is currently in the opposite order.
pub(super) fn swap_ext(d: &mut [u8], to_native: bool) {
    let read = |d: &[u8], off: usize| word(d, off).map(|w| if to_native { w.swap_bytes() } else { w });
    let Some(hdr_len) = read(d, 4) else { return };
    let hdr_len = hdr_len as usize;
    let core = hdr_len >= 32;
    let secs: Vec<(Option<u32>, Option<u32>, usize)> = [(8, 2), (16, 4), (24, 4)]
        .into_iter()
        .filter(|&(o, _)| o != 24 || core)
        .map(|(o, n)| (read(d, o), read(d, o + 4), n))
        .collect();
    if d.len() < 2 {
        return;
    }
    let magic = u16::from_ne_bytes([d[0], d[1]]).swap_bytes();
    d[0..2].copy_from_slice(&magic.to_ne_bytes());
    for off in (4..if core { 32 } else { 24 }).step_by(4) {
        if swap_word(d, off).is_none() {
            return;
        }
    }
    for (off, len, n) in secs {
        let (Some(off), Some(len)) = (off, len) else {
            return;
        };
        let Some(start) = hdr_len.checked_add(off as usize) else {
            return;
        };
        if swap_info(d, start, len as usize, n, to_native).is_none() {
            return;
        }
    }
}

/// Whether `d` starts with the BTF magic in the opposite byte order.
pub(super) fn is_swapped(d: &[u8]) -> bool {
    d.len() >= 2 && u16::from_ne_bytes([d[0], d[1]]) == BTF_MAGIC.swap_bytes()
}

#[cfg(test)]
mod tests {
    use crate::btf::BtfExt;

    /// A `.BTF.ext` with one func_info record (rec_size 12: one unknown trailing word).
    fn blob() -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&super::BTF_MAGIC.to_ne_bytes());
        v.extend_from_slice(&[1, 0]);
        // hdr_len, func off/len, line off/len, core off/len
        for w in [32u32, 0, 24, 24, 0, 24, 0] {
            v.extend_from_slice(&w.to_ne_bytes());
        }
        // func_info: rec_size, sec_name_off, num_info, record {insn_off, type_id, extra}
        for w in [12u32, 1, 1, 8, 2, 0x0102_0304] {
            v.extend_from_slice(&w.to_ne_bytes());
        }
        v
    }

    #[test]
    fn swapped_ext_round_trips() {
        let native = blob();
        let mut e = BtfExt::parse_detached(&native).unwrap();
        e.set_big_endian(cfg!(target_endian = "little"));
        let swapped = e.raw_data_out().to_vec();
        assert_ne!(swapped, native);
        // the unknown trailing word of the record is left as it was
        assert_eq!(swapped[52..56], native[52..56]);
        let back = BtfExt::parse_detached(&swapped).unwrap();
        assert!(back.is_swapped());
        assert_eq!(back.raw_data(), &native[..]);
        assert_eq!(back.raw_data_out(), &swapped[..]);
    }
}
