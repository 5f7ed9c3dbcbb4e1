//! `.BTF.ext`: per-ELF-section function info, line info and CO-RE relocation records.
//!
//! Layout (native endianness only):
//! ```text
//! struct btf_ext_header { u16 magic = 0xeB9F; u8 version = 1; u8 flags = 0; u32 hdr_len;
//!                         u32 func_info_off, func_info_len, line_info_off, line_info_len;
//!                         u32 core_relo_off, core_relo_len; }   // last two optional (hdr_len >= 32)
//! each subsection (offsets relative to the end of the header, 4-byte aligned):
//!   u32 rec_size;                                   // >= the minimal record, multiple of 4
//!   repeated { u32 sec_name_off; u32 num_info; num_info × rec_size bytes of records }
//! ```
//! Records: func_info `{insn_off, type_id}`, line_info `{insn_off, file_name_off, line_off,
//! line_col}`, core_relo `{insn_off, type_id, access_str_off, kind}`; `insn_off` is in bytes from
//! the start of the ELF section. Records may be longer than these minimal forms (newer
//! compilers); the extra bytes are kept in [`InfoSet::raw`] so they can be passed on to the kernel.

use super::{rd_u32, Btf, BTF_MAGIC};
use crate::error::{Error, Result};
use std::ops::Range;

/// `sizeof(struct btf_ext_header)` up to `line_info_len`: the mandatory part.
const EXT_HDR_MIN: usize = 24;
/// `offsetofend(struct btf_ext_header, core_relo_len)`.
const EXT_HDR_CORE: usize = 32;

/// A func_info record (`struct bpf_func_info_min`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuncInfo {
    /// Byte offset of the function's first instruction in its ELF section.
    pub insn_off: u32,
    /// The FUNC type id.
    pub type_id: u32,
}

/// A line_info record (`struct bpf_line_info_min`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInfo {
    /// Byte offset of the instruction in its ELF section.
    pub insn_off: u32,
    /// String offsets (in the `.BTF` string section) of the file name and source line.
    pub file_name_off: u32,
    pub line_off: u32,
    /// `line << 10 | column`.
    pub line_col: u32,
}

impl LineInfo {
    pub fn line(&self) -> u32 {
        self.line_col >> 10
    }
    pub fn column(&self) -> u32 {
        self.line_col & 0x3ff
    }
}

/// A CO-RE relocation (`struct bpf_core_relo`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoreRelo {
    /// Byte offset of the instruction to patch in its ELF section.
    pub insn_off: u32,
    /// Root type id in the object's BTF.
    pub type_id: u32,
    /// String offset of the access spec ("0:1:2").
    pub access_str_off: u32,
    /// `enum bpf_core_relo_kind`.
    pub kind: u32,
}

const _: () = assert!(std::mem::size_of::<FuncInfo>() == 8);
const _: () = assert!(std::mem::size_of::<LineInfo>() == 16);
const _: () = assert!(std::mem::size_of::<CoreRelo>() == 16);

trait ExtRecord: Sized + Copy {
    const MIN_SIZE: u32;
    const DESC: &'static str;
    /// Decode from at least MIN_SIZE bytes.
    fn read(b: &[u8]) -> Option<Self>;
}

fn w(b: &[u8], i: usize) -> Option<u32> {
    rd_u32(b, i * 4)
}

impl ExtRecord for FuncInfo {
    const MIN_SIZE: u32 = 8;
    const DESC: &'static str = "func_info";
    fn read(b: &[u8]) -> Option<Self> {
        Some(FuncInfo { insn_off: w(b, 0)?, type_id: w(b, 1)? })
    }
}

impl ExtRecord for LineInfo {
    const MIN_SIZE: u32 = 16;
    const DESC: &'static str = "line_info";
    fn read(b: &[u8]) -> Option<Self> {
        Some(LineInfo { insn_off: w(b, 0)?, file_name_off: w(b, 1)?, line_off: w(b, 2)?, line_col: w(b, 3)? })
    }
}

impl ExtRecord for CoreRelo {
    const MIN_SIZE: u32 = 16;
    const DESC: &'static str = "core_relo";
    fn read(b: &[u8]) -> Option<Self> {
        Some(CoreRelo { insn_off: w(b, 0)?, type_id: w(b, 1)?, access_str_off: w(b, 2)?, kind: w(b, 3)? })
    }
}

/// The records one subsection holds for one ELF section.
#[derive(Debug, Clone, Copy)]
pub struct InfoSet<'a, T> {
    /// The ELF section the records describe.
    pub sec_name: &'a str,
    /// Size of each record in the file (>= the minimal record).
    pub rec_size: u32,
    /// The records, decoded (minimal fields).
    pub records: &'a [T],
    /// The records as found in the file: `records.len() * rec_size` bytes.
    pub raw: &'a [u8],
    /// The records' instruction offsets (each record's first word) never decrease, so the
    /// records of an instruction range can be found by binary search.
    pub sorted: bool,
}

#[derive(Debug, Clone)]
struct Sec {
    name_off: u32,
    /// Resolved through the BTF string section (empty until resolved).
    name: String,
    /// Range of the decoded records in `Sub::recs`.
    recs: Range<usize>,
    /// Byte range of the records in `BtfExt::raw`.
    raw: Range<usize>,
    /// See [`InfoSet::sorted`].
    sorted: bool,
}

#[derive(Debug, Clone)]
struct Sub<T> {
    rec_size: u32,
    secs: Vec<Sec>,
    /// The decoded records of every section, in file order (one allocation per subsection).
    recs: Vec<T>,
}

impl<T> Default for Sub<T> {
    fn default() -> Self {
        Sub { rec_size: 0, secs: Vec::new(), recs: Vec::new() }
    }
}

impl<T: ExtRecord> Sub<T> {
    /// Parse the subsection at `off`/`len` (relative to the end of the header).
    fn parse(raw: &[u8], hdr_len: usize, off: u32, len: u32) -> Result<Sub<T>> {
        let d = T::DESC;
        let bad = |m: String| Error::format(format!("BTF.ext: {d} {m}"));
        if len == 0 {
            return Ok(Sub::default());
        }
        if off % 4 != 0 {
            return Err(bad(format!("subsection offset {off} is not 4-byte aligned")));
        }
        let start = hdr_len as u64 + off as u64;
        let end = start + len as u64;
        if end > raw.len() as u64 {
            return Err(bad(format!(
                "subsection (offset {off}, length {len}) extends past the end of .BTF.ext ({} bytes)",
                raw.len()
            )));
        }
        let (start, end) = (start as usize, end as usize);
        let rec_size = rd_u32(raw, start).filter(|_| len >= 4).ok_or_else(|| bad("record size missing".into()))?;
        if rec_size < T::MIN_SIZE || rec_size % 4 != 0 {
            return Err(bad(format!(
                "record size {rec_size} is invalid (must be a multiple of 4 and at least {})",
                T::MIN_SIZE
            )));
        }
        let mut pos = start + 4;
        if pos == end {
            return Err(bad("subsection has no records".into()));
        }
        let mut secs = Vec::new();
        // At most this many records fit in the subsection: no growth while decoding.
        let mut recs = Vec::with_capacity((end - pos) / rec_size as usize);
        while pos < end {
            let i = secs.len();
            if end - pos < 8 {
                return Err(bad(format!("section {i} header is truncated")));
            }
            let name_off = rd_u32(raw, pos).unwrap_or(0);
            let num = rd_u32(raw, pos + 4).unwrap_or(0);
            if num == 0 {
                return Err(bad(format!("section {i} has no records")));
            }
            let bytes = num as u64 * rec_size as u64;
            if bytes > (end - pos - 8) as u64 {
                return Err(bad(format!(
                    "section {i} claims {num} records of {rec_size} bytes but only {} bytes remain",
                    end - pos - 8
                )));
            }
            let r = pos + 8..pos + 8 + bytes as usize;
            let first = recs.len();
            for c in raw[r.clone()].chunks_exact(rec_size as usize) {
                recs.push(T::read(c).ok_or_else(|| bad(format!("section {i} record truncated")))?);
            }
            let sorted = raw[r.clone()]
                .chunks_exact(rec_size as usize)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .is_sorted();
            pos = r.end;
            secs.push(Sec { name_off, name: String::new(), recs: first..recs.len(), raw: r, sorted });
        }
        Ok(Sub { rec_size, secs, recs })
    }

    fn resolve(&mut self, btf: &Btf) {
        for s in self.secs.iter_mut() {
            s.name = btf.str_at(s.name_off).unwrap_or("").to_owned();
        }
    }

    fn all<'a>(&'a self, raw: &'a [u8]) -> impl Iterator<Item = InfoSet<'a, T>> + 'a {
        let rec_size = self.rec_size;
        self.secs.iter().map(move |s| InfoSet {
            sec_name: &s.name,
            rec_size,
            records: self.recs.get(s.recs.clone()).unwrap_or(&[]),
            raw: raw.get(s.raw.clone()).unwrap_or(&[]),
            sorted: s.sorted,
        })
    }

    fn get<'a>(&'a self, raw: &'a [u8], name: &str) -> Option<InfoSet<'a, T>> {
        let s = self.secs.iter().find(|s| !s.name.is_empty() && s.name == name)?;
        Some(InfoSet {
            sec_name: &s.name,
            rec_size: self.rec_size,
            records: self.recs.get(s.recs.clone())?,
            raw: raw.get(s.raw.clone())?,
            sorted: s.sorted,
        })
    }
}

/// A parsed `.BTF.ext`.
#[derive(Debug, Clone)]
pub struct BtfExt {
    raw: Box<[u8]>,
    func_info: Sub<FuncInfo>,
    line_info: Sub<LineInfo>,
    core_relo: Sub<CoreRelo>,
    resolved: bool,
    /// `btf_ext__raw_data` gives the opposite of the host's byte order (see `ext_swap.rs`).
    swapped: bool,
    /// The blob in the opposite byte order, built on demand.
    raw_swapped: std::sync::OnceLock<Box<[u8]>>,
}

impl BtfExt {
    /// Parse `.BTF.ext` and resolve its section names against the object's `.BTF`.
    pub fn parse(data: &[u8], btf: &Btf) -> Result<BtfExt> {
        let mut ext = Self::parse_detached(data)?;
        ext.resolve(btf)?;
        Ok(ext)
    }

    /// Parse and check the structure only; section names stay unresolved (lookups by name find
    /// nothing until [`BtfExt::resolve`]). This is what `btf_ext__new` does.
    pub fn parse_detached(data: &[u8]) -> Result<BtfExt> {
        let bad = |m: String| Error::format(format!("BTF.ext: {m}"));
        if data.len() < 8 {
            return Err(bad(format!("{} bytes is too short for a header", data.len())));
        }
        if super::ext_swap::is_swapped(data) {
            let mut native = data.to_vec();
            super::ext_swap::swap_ext(&mut native, true);
            let mut ext = Self::parse_detached(&native)?;
            ext.swapped = true;
            return Ok(ext);
        }
        let magic = u16::from_ne_bytes([data[0], data[1]]);
        if magic != BTF_MAGIC {
            return Err(bad(format!("bad magic 0x{magic:04x} (expected 0xeb9f)")));
        }
        if data[2] != 1 {
            return Err(Error::notsup(format!("BTF.ext: unsupported version {}", data[2])));
        }
        if data[3] != 0 {
            return Err(Error::notsup(format!("BTF.ext: unsupported flags 0x{:x}", data[3])));
        }
        let hdr_len = rd_u32(data, 4).unwrap_or(0) as usize;
        if hdr_len > data.len() {
            return Err(bad(format!("header length {hdr_len} exceeds the data size {}", data.len())));
        }
        if hdr_len == data.len() {
            return Err(bad("no data after the header".into()));
        }
        if hdr_len < EXT_HDR_MIN {
            return Err(bad(format!("header length {hdr_len} lacks the func_info/line_info fields")));
        }
        let r = |o| rd_u32(data, o).unwrap_or(0);
        let func_info = Sub::parse(data, hdr_len, r(8), r(12))?;
        let line_info = Sub::parse(data, hdr_len, r(16), r(20))?;
        let core_relo = if hdr_len >= EXT_HDR_CORE { Sub::parse(data, hdr_len, r(24), r(28))? } else { Sub::default() };
        Ok(BtfExt {
            raw: data.into(),
            func_info,
            line_info,
            core_relo,
            resolved: false,
            swapped: false,
            raw_swapped: std::sync::OnceLock::new(),
        })
    }

    /// Resolve section names through `btf`, as libbpf does at open: nothing else is checked
    /// here. A name offset out of range (or naming bytes that are not UTF-8) leaves the section
    /// unnamed, so its records are never used; func_info type ids and line_info string offsets go
    /// to the kernel as they are, for it to judge at load; CO-RE records are checked when they
    /// are applied (an unnamed CO-RE section fails the load, see
    /// [`BtfExt::has_unnamed_core_relo_section`]).
    pub fn resolve(&mut self, btf: &Btf) -> Result<()> {
        self.func_info.resolve(btf);
        self.line_info.resolve(btf);
        self.core_relo.resolve(btf);
        self.resolved = true;
        Ok(())
    }

    /// Whether a CO-RE subsection's section name did not resolve (libbpf fails the load with
    /// `-EINVAL` on such a section).
    pub fn has_unnamed_core_relo_section(&self) -> bool {
        self.core_relo.secs.iter().any(|s| s.name.is_empty())
    }

    /// Function info records for ELF section `sec_name`.
    pub fn func_info(&self, sec_name: &str) -> Option<InfoSet<'_, FuncInfo>> {
        self.func_info.get(&self.raw, sec_name)
    }

    /// Line info records for ELF section `sec_name`.
    pub fn line_info(&self, sec_name: &str) -> Option<InfoSet<'_, LineInfo>> {
        self.line_info.get(&self.raw, sec_name)
    }

    /// CO-RE relocations for ELF section `sec_name`.
    pub fn core_relos(&self, sec_name: &str) -> Option<&[CoreRelo]> {
        self.core_relo.get(&self.raw, sec_name).map(|s| s.records)
    }

    /// Whether any section carries CO-RE relocations.
    pub fn has_core_relos(&self) -> bool {
        self.core_relo.secs.iter().any(|s| !s.recs.is_empty())
    }

    /// CO-RE relocations with their record size and raw bytes.
    pub fn core_relo_set(&self, sec_name: &str) -> Option<InfoSet<'_, CoreRelo>> {
        self.core_relo.get(&self.raw, sec_name)
    }

    /// Every func_info section set, in file order (names resolved or empty).
    pub fn func_info_sets(&self) -> impl Iterator<Item = InfoSet<'_, FuncInfo>> {
        self.func_info.all(&self.raw)
    }

    /// Every line_info section set, in file order.
    pub fn line_info_sets(&self) -> impl Iterator<Item = InfoSet<'_, LineInfo>> {
        self.line_info.all(&self.raw)
    }

    /// Every core_relo section set, in file order.
    pub fn core_relo_sets(&self) -> impl Iterator<Item = InfoSet<'_, CoreRelo>> {
        self.core_relo.all(&self.raw)
    }

    /// Names of the ELF sections having any info, in order of first appearance.
    pub fn sections(&self) -> impl Iterator<Item = &str> {
        let mut seen: Vec<&str> = Vec::new();
        let all = self.func_info.secs.iter().map(|s| s.name.as_str());
        let all = all.chain(self.line_info.secs.iter().map(|s| s.name.as_str()));
        let all = all.chain(self.core_relo.secs.iter().map(|s| s.name.as_str()));
        for n in all.filter(|n| !n.is_empty()) {
            if !seen.contains(&n) {
                seen.push(n);
            }
        }
        seen.into_iter()
    }

    /// Record sizes of the func_info, line_info and core_relo subsections (0 when absent).
    pub fn rec_sizes(&self) -> (u32, u32, u32) {
        (self.func_info.rec_size, self.line_info.rec_size, self.core_relo.rec_size)
    }

    /// Whether section names have been resolved against a BTF.
    pub fn is_resolved(&self) -> bool {
        self.resolved
    }

    /// The `.BTF.ext` bytes in native byte order.
    pub fn raw_data(&self) -> &[u8] {
        &self.raw
    }

    /// The bytes `btf_ext__raw_data` hands out: native, or byte-swapped when the endianness was
    /// set (or found) to be the host's opposite.
    pub fn raw_data_out(&self) -> &[u8] {
        if !self.swapped {
            return &self.raw;
        }
        self.raw_swapped.get_or_init(|| {
            let mut d = self.raw.to_vec();
            super::ext_swap::swap_ext(&mut d, false);
            d.into_boxed_slice()
        })
    }

    /// Whether the data is handed out in the opposite of the host's byte order.
    pub fn is_swapped(&self) -> bool {
        self.swapped
    }

    /// `btf_ext__set_endianness`: `big_endian` is the byte order wanted.
    pub fn set_big_endian(&mut self, big_endian: bool) {
        self.swapped = cfg!(target_endian = "big") != big_endian;
    }
}

impl BtfExt {
    /// Byte positions in [`BtfExt::raw_data`] of every string offset, in libbpf's visiting
    /// order (`btf_ext_visit_str_offs`): func_info section names; line_info section names, each
    /// followed by its records' file and line offsets; core_relo section names, each followed by
    /// its records' access strings.
    pub(crate) fn str_off_positions(&self) -> Vec<usize> {
        let mut v = Vec::new();
        for s in &self.func_info.secs {
            v.push(s.raw.start - 8);
        }
        let rs = self.line_info.rec_size as usize;
        for s in &self.line_info.secs {
            v.push(s.raw.start - 8);
            for r in s.raw.clone().step_by(rs.max(1)) {
                v.push(r + 4);
                v.push(r + 8);
            }
        }
        let rs = self.core_relo.rec_size as usize;
        for s in &self.core_relo.secs {
            v.push(s.raw.start - 8);
            for r in s.raw.clone().step_by(rs.max(1)) {
                v.push(r + 8);
            }
        }
        v
    }

    /// Byte positions of every type id (func_info then core_relo records), in libbpf's order
    /// (`btf_ext_visit_type_ids`).
    pub(crate) fn type_id_positions(&self) -> Vec<usize> {
        let mut v = Vec::new();
        let ranges = |secs: Vec<Range<usize>>, rs: u32, v: &mut Vec<usize>| {
            for r in secs {
                v.extend(r.step_by((rs as usize).max(1)).map(|p| p + 4));
            }
        };
        ranges(self.func_info.secs.iter().map(|s| s.raw.clone()).collect(), self.func_info.rec_size, &mut v);
        ranges(self.core_relo.secs.iter().map(|s| s.raw.clone()).collect(), self.core_relo.rec_size, &mut v);
        v
    }

    /// Overwrite 4-byte words of the raw data (`(position, value)`, later entries win), then
    /// re-read the records; section names are resolved again through `btf` if they were.
    pub(crate) fn patch(&mut self, patches: &[(usize, u32)], btf: Option<&Btf>) -> Result<()> {
        let mut raw = self.raw.to_vec();
        for &(pos, val) in patches {
            raw.get_mut(pos..pos + 4)
                .ok_or_else(|| Error::inval(format!("BTF.ext: patch position {pos} out of range")))?
                .copy_from_slice(&val.to_ne_bytes());
        }
        let mut fresh = Self::parse_detached(&raw)?;
        if let (true, Some(b)) = (self.resolved, btf) {
            fresh.resolve(b)?;
        }
        *self = fresh;
        Ok(())
    }
}
