//! Writing the linked ELF: a 64-bit little-endian relocatable BPF object laid out the way libelf
//! lays out a new file (what libbpf's linker produces): the 64-byte header, then each section's
//! contents in section-index order at an offset rounded up to its alignment (NOBITS sections
//! take the aligned offset but no bytes), then the section header table at the next 8-byte
//! boundary. Gaps are zero bytes.

/// One output section (index 0, the null section, is implicit).
pub(super) struct OutSec<'a> {
    pub name: u32,
    pub sh_type: u32,
    pub flags: u64,
    pub link: u32,
    pub info: u32,
    pub align: u64,
    pub entsize: u64,
    /// `sh_size`; for non-NOBITS sections it equals `data.len()`.
    pub size: u64,
    pub data: &'a [u8],
}

const EHDR_SIZE: usize = 64;
const SHDR_SIZE: usize = 64;
const ET_REL: u16 = 1;

fn align_up(v: usize, a: u64) -> usize {
    let a = a.max(1) as usize;
    v.div_ceil(a) * a
}

/// The file bytes for `secs` (sections 1..=n), with `shstrndx` naming the section-name table
/// and `ei_data` the byte order byte of `e_ident` (ELFDATA2LSB once an input was added).
pub(super) fn write(secs: &[OutSec<'_>], shstrndx: u16, ei_data: u8) -> Vec<u8> {
    let mut out = vec![0u8; EHDR_SIZE];
    let mut offsets = Vec::with_capacity(secs.len());
    for s in secs {
        let off = align_up(out.len(), s.align);
        offsets.push(off as u64);
        out.resize(off, 0);
        if s.sh_type != crate::elf::SHT_NOBITS {
            out.extend_from_slice(s.data);
        }
    }
    let shoff = align_up(out.len(), 8);
    out.resize(shoff, 0);
    // Null section header, then one per section.
    out.extend_from_slice(&[0u8; SHDR_SIZE]);
    for (s, off) in secs.iter().zip(&offsets) {
        out.extend_from_slice(&s.name.to_le_bytes());
        out.extend_from_slice(&s.sh_type.to_le_bytes());
        out.extend_from_slice(&s.flags.to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes()); // sh_addr
        out.extend_from_slice(&off.to_le_bytes());
        out.extend_from_slice(&s.size.to_le_bytes());
        out.extend_from_slice(&s.link.to_le_bytes());
        out.extend_from_slice(&s.info.to_le_bytes());
        out.extend_from_slice(&s.align.to_le_bytes());
        out.extend_from_slice(&s.entsize.to_le_bytes());
    }
    // ELF header.
    let h = &mut out[..EHDR_SIZE];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2; // ELFCLASS64
    h[5] = ei_data;
    h[6] = 1; // EV_CURRENT
    h[16..18].copy_from_slice(&ET_REL.to_le_bytes());
    h[18..20].copy_from_slice(&crate::elf::EM_BPF.to_le_bytes());
    h[20..24].copy_from_slice(&1u32.to_le_bytes()); // e_version
    h[40..48].copy_from_slice(&(shoff as u64).to_le_bytes());
    h[52..54].copy_from_slice(&(EHDR_SIZE as u16).to_le_bytes());
    h[58..60].copy_from_slice(&(SHDR_SIZE as u16).to_le_bytes());
    h[60..62].copy_from_slice(&((secs.len() + 1) as u16).to_le_bytes());
    h[62..64].copy_from_slice(&shstrndx.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_follows_libelf() {
        let strs = b"\0.strtab\0.bss\0x\0";
        let x = [1u8, 2, 3];
        let secs = [
            OutSec {
                name: 1,
                sh_type: 3,
                flags: 0,
                link: 0,
                info: 0,
                align: 1,
                entsize: 0,
                size: strs.len() as u64,
                data: strs,
            },
            OutSec {
                name: 9,
                sh_type: crate::elf::SHT_NOBITS,
                flags: 3,
                link: 0,
                info: 0,
                align: 8,
                entsize: 0,
                size: 64,
                data: &[],
            },
            OutSec { name: 14, sh_type: 1, flags: 2, link: 0, info: 0, align: 1, entsize: 0, size: 3, data: &x },
        ];
        let bytes = write(&secs, 1, 1);
        // .strtab at 64 (16 bytes) → .bss at 80 (no bytes) → x at 80 → headers at 88.
        assert_eq!(u64::from_le_bytes(bytes[40..48].try_into().unwrap()), 88);
        assert_eq!(bytes.len(), 88 + 4 * 64);
        assert_eq!(&bytes[80..83], &x);
    }
}
