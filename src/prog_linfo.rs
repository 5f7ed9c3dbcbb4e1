//! `struct bpf_prog_linfo`: a program's line info as the kernel reports it in `bpf_prog_info`
//! (xlated records, and where the JIT provides them, the jited address of each record split
//! per jited function), with libbpf's lookups by instruction offset and by jited address.
//!
//! The records are kept as the kernel wrote them (`line_info_rec_size` bytes each, the first
//! field being `insn_off`) in 4-byte-aligned storage, so the lookups can hand C a pointer to a
//! `struct bpf_line_info` that lives as long as this value.

use crate::error::{Error, Result};

/// Where each jited function's records start and how many it has.
#[derive(Debug)]
struct Jited {
    /// `nr_linfo` records of `rec_size` bytes, each starting with the jited address (u64).
    raw: Vec<u8>,
    rec_size: usize,
    func_start: Vec<usize>,
    func_count: Vec<usize>,
}

/// Line info of one loaded program.
#[derive(Debug)]
pub struct ProgLinfo {
    /// The xlated records, in u32 words so that records are 4-byte aligned.
    words: Vec<u32>,
    nr: usize,
    rec_size: usize,
    jited: Option<Jited>,
}

/// What `bpf_prog_info` holds about line info, with its buffers as byte slices.
pub struct LinfoSource<'a> {
    pub line_info: &'a [u8],
    pub nr_line_info: u32,
    pub line_info_rec_size: u32,
    /// The JIT's data when complete (libbpf's conditions; otherwise address lookups find
    /// nothing).
    pub jited: Option<JitedSource<'a>>,
}

/// `jited_line_info` (records of `rec_size` bytes starting with the address),
/// `jited_ksyms` and `jited_func_lens` of `bpf_prog_info`.
#[derive(Clone, Copy)]
pub struct JitedSource<'a> {
    pub line_info: &'a [u8],
    pub rec_size: u32,
    pub ksyms: &'a [u64],
    pub func_lens: &'a [u32],
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4).map_or(0, |s| u32::from_ne_bytes(s.try_into().unwrap_or([0; 4])))
}
fn u64_at(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8).map_or(0, |s| u64::from_ne_bytes(s.try_into().unwrap_or([0; 8])))
}

impl ProgLinfo {
    /// `bpf_prog_linfo__new`: `-EINVAL` without records, with records too small for
    /// `insn_off`, or with jited data that does not split into the jited functions.
    pub fn new(src: &LinfoSource) -> Result<ProgLinfo> {
        let nr = src.nr_line_info as usize;
        let rec_size = src.line_info_rec_size as usize;
        if nr == 0 || rec_size < 4 {
            return Err(Error::quiet(libc::EINVAL));
        }
        let bytes = nr.checked_mul(rec_size).ok_or(Error::quiet(libc::EINVAL))?;
        let raw = src.line_info.get(..bytes).ok_or(Error::quiet(libc::EINVAL))?;
        let mut words = vec![0u32; bytes.div_ceil(4)];
        for (w, c) in words.iter_mut().zip(raw.chunks(4)) {
            let mut b = [0u8; 4];
            b[..c.len()].copy_from_slice(c);
            *w = u32::from_ne_bytes(b);
        }
        let mut me = ProgLinfo { words, nr, rec_size, jited: None };
        if let Some(JitedSource { line_info: jraw, rec_size: jrec, ksyms, func_lens: lens }) = src.jited {
            let jrec = jrec as usize;
            let jbytes = nr.checked_mul(jrec).ok_or(Error::quiet(libc::EINVAL))?;
            let jraw = jraw.get(..jbytes).ok_or(Error::quiet(libc::EINVAL))?;
            me.jited = Some(dissect(jraw.to_vec(), jrec, nr, ksyms, lens).ok_or(Error::quiet(libc::EINVAL))?);
        }
        Ok(me)
    }

    fn raw(&self) -> &[u8] {
        // u32 words viewed as bytes: plain data, same memory.
        let len = self.words.len() * 4;
        // SAFETY: `words` owns `len` initialised bytes; u8 has no alignment or validity needs.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr() as *const u8, len) }
    }

    fn insn_off(&self, i: usize) -> u32 {
        u32_at(self.raw(), i * self.rec_size)
    }

    /// Address of record `i` (a `struct bpf_line_info` for C).
    pub fn record(&self, i: usize) -> *const u8 {
        self.raw()[i * self.rec_size..].as_ptr()
    }

    /// `bpf_prog_linfo__lfind`: the last record, from `nr_skip` on, whose `insn_off` is at most
    /// `insn_off`; `ENOENT` if there is none.
    pub fn lfind(&self, insn_off: u32, nr_skip: u32) -> Result<usize> {
        let skip = nr_skip as usize;
        if skip >= self.nr || insn_off < self.insn_off(skip) {
            return Err(Error::quiet(libc::ENOENT));
        }
        let n = (skip..self.nr).take_while(|&i| self.insn_off(i) <= insn_off).count();
        Ok(skip + n - 1)
    }

    /// `bpf_prog_linfo__lfind_addr_func`: within jited function `func_idx`, from its record
    /// `nr_skip` on, the last record whose jited address is at most `addr`.
    pub fn lfind_addr_func(&self, addr: u64, func_idx: u32, nr_skip: u32) -> Result<usize> {
        let noent = || Error::quiet(libc::ENOENT);
        let j = self.jited.as_ref().ok_or_else(noent)?;
        let f = func_idx as usize;
        let count = *j.func_count.get(f).ok_or_else(noent)?;
        let skip = nr_skip as usize;
        if skip >= count {
            return Err(noent());
        }
        let start = j.func_start[f] + skip;
        let jaddr = |i: usize| u64_at(&j.raw, i * j.rec_size);
        if addr < jaddr(start) {
            return Err(noent());
        }
        let n = (start..start + count - skip).take_while(|&i| jaddr(i) <= addr).count();
        Ok(start + n - 1)
    }
}

/// libbpf's dissect_jited_func: find where each jited function's records start (the record
/// whose address is the function's ksym), checking that addresses grow within a function and
/// stay inside its length.
fn dissect(raw: Vec<u8>, rec: usize, nr: usize, ksyms: &[u64], lens: &[u32]) -> Option<Jited> {
    let nf = ksyms.len();
    if nf == 0 || lens.len() != nf || rec < 8 {
        return None;
    }
    let addr = |i: usize| u64_at(&raw, i * rec);
    if ksyms[0] != addr(0) {
        return None;
    }
    let mut func_start = vec![0usize; nf];
    let mut func_count = vec![0usize; nf];
    let (mut prev, mut f) = (0usize, 1usize);
    let mut i = 1;
    while i < nr && f < nf {
        let last = addr(i - 1);
        let cur = addr(i);
        if ksyms[f] == cur {
            func_start[f] = i;
            if last.wrapping_sub(ksyms[f - 1]).wrapping_add(1) > lens[f - 1] as u64 {
                return None;
            }
            func_count[f - 1] = i - prev;
            prev = i;
            f += 1;
        } else if cur <= last {
            return None;
        }
        i += 1;
    }
    if f != nf {
        return None;
    }
    func_count[nf - 1] = nr - prev;
    Some(Jited { raw, rec_size: rec, func_start, func_count })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recs(offs: &[u32]) -> Vec<u8> {
        offs.iter().flat_map(|&o| [o, 1, 2, 3]).flat_map(|w| w.to_ne_bytes()).collect()
    }

    #[test]
    fn lfind_by_insn() {
        let raw = recs(&[0, 3, 3, 10]);
        let l = ProgLinfo::new(&LinfoSource { line_info: &raw, nr_line_info: 4, line_info_rec_size: 16, jited: None })
            .unwrap();
        assert_eq!(l.lfind(0, 0).unwrap(), 0);
        assert_eq!(l.lfind(2, 0).unwrap(), 0);
        assert_eq!(l.lfind(3, 0).unwrap(), 2);
        assert_eq!(l.lfind(100, 0).unwrap(), 3);
        assert_eq!(l.lfind(3, 1).unwrap(), 2);
        assert_eq!(l.lfind(1, 1).unwrap_err().errno(), libc::ENOENT);
        assert_eq!(l.lfind(1, 4).unwrap_err().errno(), libc::ENOENT);
        assert_eq!(l.lfind_addr_func(0, 0, 0).unwrap_err().errno(), libc::ENOENT);
        assert!(ProgLinfo::new(&LinfoSource { line_info: &raw, nr_line_info: 0, line_info_rec_size: 16, jited: None })
            .is_err());
        assert!(ProgLinfo::new(&LinfoSource { line_info: &raw, nr_line_info: 4, line_info_rec_size: 3, jited: None })
            .is_err());
    }

    #[test]
    fn lfind_by_addr() {
        let raw = recs(&[0, 2, 5, 7]);
        let jaddrs: Vec<u8> = [100u64, 108, 200, 220].iter().flat_map(|a| a.to_ne_bytes()).collect();
        let ksyms = [100u64, 200];
        let lens = [50u32, 40];
        let src = LinfoSource {
            line_info: &raw,
            nr_line_info: 4,
            line_info_rec_size: 16,
            jited: Some(JitedSource { line_info: &jaddrs, rec_size: 8, ksyms: &ksyms, func_lens: &lens }),
        };
        let l = ProgLinfo::new(&src).unwrap();
        assert_eq!(l.lfind_addr_func(100, 0, 0).unwrap(), 0);
        assert_eq!(l.lfind_addr_func(120, 0, 0).unwrap(), 1);
        assert_eq!(l.lfind_addr_func(250, 1, 0).unwrap(), 3);
        assert_eq!(l.lfind_addr_func(210, 1, 0).unwrap(), 2);
        assert_eq!(l.lfind_addr_func(99, 0, 0).unwrap_err().errno(), libc::ENOENT);
        assert_eq!(l.lfind_addr_func(100, 2, 0).unwrap_err().errno(), libc::ENOENT);
        assert_eq!(l.lfind_addr_func(100, 0, 2).unwrap_err().errno(), libc::ENOENT);
        // a function longer than its ksym length is refused
        let short = [5u32, 40];
        let bad = LinfoSource { jited: Some(JitedSource { func_lens: &short, ..src.jited.unwrap() }), ..src };
        assert!(ProgLinfo::new(&bad).is_err());
    }
}
