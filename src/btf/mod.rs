//! BTF: the kernel's compact type format, as found in an object's `.BTF` section, in
//! `/sys/kernel/btf/vmlinux` and in module split BTF.
//!
//! On-disk layout (native endianness; only native is accepted):
//! ```text
//! struct btf_header { u16 magic = 0xeB9F; u8 version = 1; u8 flags = 0; u32 hdr_len;
//!                     u32 type_off, type_len, str_off, str_len; }   // offsets from end of header
//! type section:   records, each a 12-byte `struct btf_type {name_off, info, size|type}` plus a
//!                 kind-specific trailer (INT: 1 word, ARRAY: 3, STRUCT/UNION: vlen×3, ENUM: vlen×2,
//!                 ENUM64: vlen×3, FUNC_PROTO: vlen×2, VAR: 1, DATASEC: vlen×3, DECL_TAG: 1)
//! string section: NUL-separated names; offset 0 is "" in base BTF
//! ```
//! Type ids number the records from 1 (id 0 is `void`). Split BTF (kernel modules) continues
//! both the ids and the string offsets of its base.
//!
//! [`Btf::parse`] copies the blob, checks the header and section layout, indexes every record
//! (O(1) id lookup) and validates exactly what libbpf's btf_sanity_check does — referenced type
//! ids and string offsets in range, FUNC pointing at a FUNC_PROTO — so malformed input is an
//! `Err` naming the offending type, never a panic; what libbpf accepts (names that are not UTF-8,
//! a FUNC_PROTO return id out of range) is accepted and read defensively. Name lookups use a sorted index built on first
//! use.
//!
//! The type section is kept in a `u32` buffer that never moves, so [`Btf::type_record`] can hand C
//! callers (`btf__type_by_id`) a pointer to the kernel-format record. The parsed data is shared
//! behind an `Arc`: cloning a `Btf` is cheap (the cached vmlinux BTF is handed out that way) and
//! mutation copies on write.

use crate::error::{Error, Result};
use blob::{Blob, Words};
use std::ffi::CStr;
use std::sync::{Arc, OnceLock};

mod blob;
pub mod builder;
pub mod dedup;
pub mod distill;
mod edit;
mod namecmp;
pub(crate) use namecmp::NameIs;
mod names;
mod write;
pub use write::{field_id_slots, field_str_slots};
mod sanitize;
pub use edit::essential_name;
pub use sanitize::BtfFeatures;
mod cdump;
mod datadump;
mod dump;
pub mod ext;
mod ext_swap;
pub use cdump::{c_sink, CDump, DataOpts, RawDumpFn, Sink};
pub mod fields;
mod file;
mod index;
mod types;

pub use ext::BtfExt;
pub use types::*;

/// `BTF_MAGIC` as read in native byte order.
pub const BTF_MAGIC: u16 = 0xEB9F;
/// `BTF_VERSION`.
pub const BTF_VERSION: u8 = 1;
/// `sizeof(struct btf_header)`.
pub const HEADER_LEN: usize = 24;
/// libbpf's `MAX_RESOLVE_DEPTH`: how many links `resolve_size`/`resolve_type` follow.
const MAX_RESOLVE_DEPTH: usize = 32;
/// Bound on modifier/typedef chains walked by [`Btf::skip_mods_and_typedefs`] (only a malformed
/// BTF with a loop comes near it).
const MAX_CHAIN: usize = 256;
/// libbpf's `BTF_MAX_NR_TYPES` / `BTF_MAX_STR_OFFSET`.
const MAX_TYPE_ID: u64 = 0x7fff_ffff;
const MAX_STR_OFFSET: u64 = 0x7fff_ffff;

/// The record `btf__type_by_id(btf, 0)` points at: an all-zero `struct btf_type`.
pub(crate) static VOID_RECORD: [u32; 3] = [0; 3];

/// `struct btf_header`, as found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub magic: u16,
    pub version: u8,
    pub flags: u8,
    pub hdr_len: u32,
    pub type_off: u32,
    pub type_len: u32,
    pub str_off: u32,
    pub str_len: u32,
}

/// A parsed BTF blob (base or split). Owns a copy of the bytes; `Send + Sync`; `Clone` is cheap
/// (shares the parsed data).
#[derive(Clone)]
pub struct Btf {
    data: Arc<Data>,
    base: Option<Arc<Btf>>,
    /// Pointer size set from an ELF's class (or by the user), overriding the guess.
    ptr_size: Option<u32>,
    /// For the C API: the `struct btf *` handle the base was given as, so `btf__base_btf` returns
    /// the caller's own pointer (0 when the base came from Rust).
    c_base: usize,
    /// Strings known unique and all in use (libbpf's `strs_deduped`): set by dedup, after which
    /// a later dedup leaves the string section alone as libbpf does.
    strs_deduped: bool,
    /// Byte order wanted for [`Btf::raw_data_out`]: the opposite of the host's (libbpf's
    /// `swapped_endian`: set by parsing opposite-endian input or by `btf__set_endianness`).
    swapped: bool,
    /// Kernel fd of this BTF for the C API (`btf__fd`/`btf__set_fd`/`btf__load_into_kernel`), -1
    /// if none. A plain number: only `btf__free` closes it, as libbpf does.
    fd: i32,
}

struct Data {
    /// The blob exactly as it would be loaded, native byte order (in-place mutations are written
    /// here too). Set at parse; once the BTF is modifiable (see `write.rs`) it is a cache, emptied
    /// by every addition and rebuilt on demand from `hdr`, `types` and `own_strs`.
    raw: OnceLock<Blob>,
    /// The blob in the opposite byte order, built on demand (`btf__set_endianness`).
    raw_swapped: OnceLock<Box<[u8]>>,
    hdr: Header,
    /// The type section as native words; only additions (`btf__add_*`) reallocate it, so record
    /// pointers stay valid until then (as libbpf's).
    types: Words,
    /// Word index in `types` of each own type, `offs[id - start_id]`.
    offs: Vec<u32>,
    /// Byte range of the string section in `raw` (while not modifiable).
    str_start: usize,
    /// Once modifiable: the own string section, owned and growable.
    own_strs: Option<Vec<u8>>,
    /// A BTF parsed from a caller's buffer in the canonical layout (24-byte header, types then
    /// strings, nothing else): its own copy of the string section. `raw` is then not kept
    /// from the parse but rebuilt on demand (byte-identical), so the blob is copied once, as
    /// types and strings, not twice.
    parsed_strs: Option<Box<[u8]>>,
    /// Hash index of own strings, built on first string lookup and kept up to date by additions.
    str_index: OnceLock<write::StrIndex>,
    start_id: u32,
    start_str_off: u32,
    /// Name index of own types, built once name lookups outnumber [`NAME_SCANS`].
    by_name: OnceLock<names::NameIndex>,
    /// Pointer size guessed from a `long` INT, computed on first use.
    guessed_ptr_size: OnceLock<Option<u32>>,
    /// Name lookups still to be answered by a scan before `by_name` is built.
    scans: ScanBudget,
    /// The parsed string section is valid UTF-8 and ends with a NUL (see `namecmp`).
    strs_utf8: OnceLock<bool>,
    /// Ids of the own DATASECs, in order, as the parse's walk found them (open looks several up
    /// by name); `None` once anything changed the types ([`Btf::data_mut`]).
    datasecs: Option<Box<[u32]>>,
}

/// A copy only when a shared BTF is changed (`Arc::make_mut` of one another object or the cache
/// also holds): out of line, so the copy's code is not inlined into every function that may
/// change a BTF and is mapped only by a process that copies one.
impl Clone for Data {
    #[inline(never)]
    fn clone(&self) -> Data {
        Data {
            raw: self.raw.clone(),
            raw_swapped: self.raw_swapped.clone(),
            hdr: self.hdr,
            types: self.types.clone(),
            offs: self.offs.clone(),
            str_start: self.str_start,
            own_strs: self.own_strs.clone(),
            parsed_strs: self.parsed_strs.clone(),
            str_index: self.str_index.clone(),
            start_id: self.start_id,
            start_str_off: self.start_str_off,
            by_name: self.by_name.clone(),
            guessed_ptr_size: self.guessed_ptr_size.clone(),
            scans: self.scans.clone(),
            strs_utf8: self.strs_utf8.clone(),
            datasecs: self.datasecs.clone(),
        }
    }
}

/// How many name lookups a BTF answers by scanning its types before it builds its sorted name
/// index: a process that loads one object asks the kernel BTF only a few names (a 100-program
/// struct_ops object 20). Building the index costs about as much as 32 scans of the kernel BTF
/// (19M against 0.6M instructions), so past 32 lookups a process has paid at most twice what
/// the better choice in hindsight would have cost.
const NAME_SCANS: u32 = 32;

/// A countdown of name lookups by scan (shared by clones of one `Data` only by value).
struct ScanBudget(std::sync::atomic::AtomicU32);

impl ScanBudget {
    fn new() -> Self {
        ScanBudget(std::sync::atomic::AtomicU32::new(NAME_SCANS))
    }
    /// Use one scan; false once none are left.
    fn take_one(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        self.0.fetch_update(Relaxed, Relaxed, |n| n.checked_sub(1)).is_ok()
    }
}

impl Clone for ScanBudget {
    fn clone(&self) -> Self {
        ScanBudget(std::sync::atomic::AtomicU32::new(self.0.load(std::sync::atomic::Ordering::Relaxed)))
    }
}

impl Default for ScanBudget {
    fn default() -> Self {
        Self::new()
    }
}

fn rd_u16(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(off..off.checked_add(2)?)?.try_into().ok()?))
}

pub(crate) fn rd_u32(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(off..off.checked_add(4)?)?.try_into().ok()?))
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::format(format!("BTF: {msg}"))
}

impl Header {
    /// Check a header against a blob of `len` bytes: magic, version, flags, hdr_len, and that both
    /// sections lie inside the blob, 4-byte aligned, types before strings without overlap.
    fn parse(b: &[u8]) -> Result<Header> {
        if b.len() < HEADER_LEN {
            return Err(bad(format!("blob of {} bytes is shorter than the {HEADER_LEN}-byte header", b.len())));
        }
        let r = |off| rd_u32(b, off).unwrap_or(0);
        let h = Header {
            magic: rd_u16(b, 0).unwrap_or(0),
            version: b[2],
            flags: b[3],
            hdr_len: r(4),
            type_off: r(8),
            type_len: r(12),
            str_off: r(16),
            str_len: r(20),
        };
        if h.magic == BTF_MAGIC.swap_bytes() {
            return Err(Error::notsup(
                "BTF: data is in non-native byte order (byte-swapped magic 0x9feb); only native-endian BTF is supported",
            ));
        }
        if h.magic != BTF_MAGIC {
            return Err(bad(format!("bad magic 0x{:04x} (expected 0xeb9f)", h.magic)));
        }
        if h.version != BTF_VERSION {
            return Err(Error::notsup(format!("BTF: unsupported version {} (expected 1)", h.version)));
        }
        if h.flags != 0 {
            return Err(Error::notsup(format!("BTF: unsupported header flags 0x{:x}", h.flags)));
        }
        let hdr_len = h.hdr_len as usize;
        if hdr_len < HEADER_LEN || hdr_len > b.len() {
            return Err(bad(format!("header length {} is outside [{HEADER_LEN}, {}] (blob size)", h.hdr_len, b.len())));
        }
        if hdr_len % 4 != 0 {
            return Err(bad(format!("header length {} is not a multiple of 4", h.hdr_len)));
        }
        if b[HEADER_LEN..hdr_len].iter().any(|&x| x != 0) {
            return Err(bad(format!(
                "header is {} bytes and its bytes past the known {HEADER_LEN} are not zero (unknown header fields)",
                h.hdr_len
            )));
        }
        let meta = (b.len() - hdr_len) as u64;
        let (to, tl, so, sl) = (h.type_off as u64, h.type_len as u64, h.str_off as u64, h.str_len as u64);
        if so + sl > meta {
            return Err(bad(format!(
                "string section (offset {so}, length {sl}) extends past the end of the data ({meta} bytes after the header)"
            )));
        }
        if to + tl > so {
            return Err(bad(format!(
                "type section (offset {to}, length {tl}) overlaps or follows the string section (offset {so}, length {sl})"
            )));
        }
        if to % 4 != 0 {
            return Err(bad(format!("type section offset {to} is not 4-byte aligned")));
        }
        if tl % 4 != 0 {
            return Err(bad(format!("type section length {tl} is not a multiple of 4")));
        }
        Ok(h)
    }
}

impl Btf {
    /// Parse a whole `.BTF` blob (header, types, strings).
    pub fn parse(data: &[u8]) -> Result<Btf> {
        Self::parse_with(data, None)
    }

    /// Parse split BTF (kernel module BTF) on top of `base`: its ids start at `base.type_cnt()`
    /// and its string offsets at the end of the base's strings.
    pub fn parse_split(data: &[u8], base: Arc<Btf>) -> Result<Btf> {
        Self::parse_with(data, Some(base))
    }

    /// Parse base (`base` None) or split BTF. Opposite-endian input is accepted as libbpf does
    /// (24-byte header only): it is parsed from a native copy and remembered as swapped.
    pub(crate) fn parse_with(data: &[u8], base: Option<Arc<Btf>>) -> Result<Btf> {
        if let Some(native) = write::native_copy(data)? {
            let mut btf = Self::parse_native(&native, base)?;
            btf.swapped = true;
            return Ok(btf);
        }
        Self::parse_native(data, base)
    }

    fn parse_native(data: &[u8], base: Option<Arc<Btf>>) -> Result<Btf> {
        let hdr = Header::parse(data)?;
        let (tl, sl) = (hdr.type_len as usize, hdr.str_len as usize);
        let canonical = hdr.hdr_len as usize == HEADER_LEN
            && hdr.type_off == 0
            && hdr.str_off == hdr.type_len
            && data.len() == HEADER_LEN + tl + sl;
        if !canonical {
            return Self::parse_blob(Blob::Heap(data.into()), base);
        }
        let types = Words::Heap(words_of(&data[HEADER_LEN..HEADER_LEN + tl]));
        let strs: Box<[u8]> = data[HEADER_LEN + tl..].into();
        Self::parse_parts(hdr, None, types, Some(strs), base)
    }

    /// Parse a read-only mapping of a BTF file, borrowing its bytes instead of copying them
    /// (opposite-endian BTF is converted into a heap copy as by [`Btf::parse_with`]).
    pub(crate) fn parse_mapped(map: Arc<crate::sys::file_map::MappedFile>, base: Option<Arc<Btf>>) -> Result<Btf> {
        if write::native_copy(map.bytes())?.is_some() {
            return Self::parse_with(map.bytes(), base);
        }
        Self::parse_blob(Blob::Mapped(map), base)
    }

    fn parse_blob(blob: Blob, base: Option<Arc<Btf>>) -> Result<Btf> {
        let data: &[u8] = &blob;
        let hdr = Header::parse(data)?;
        let ts = hdr.hdr_len as usize + hdr.type_off as usize;
        let tl = hdr.type_len as usize;
        let mapped = match &blob {
            Blob::Mapped(map) => Words::mapped(map, ts, tl / 4),
            Blob::Heap(_) => None,
        };
        let types = mapped.unwrap_or_else(|| Words::Heap(words_of(&data[ts..ts + tl])));
        Self::parse_parts(hdr, Some(blob), types, None, base)
    }

    /// The checks and indexing of a parse, over a checked header, the type section as words
    /// and the strings: in `blob` (kept as the raw bytes) or, without a blob, `parsed_strs`.
    fn parse_parts(
        hdr: Header,
        blob: Option<Blob>,
        types: Words,
        parsed_strs: Option<Box<[u8]>>,
        base: Option<Arc<Btf>>,
    ) -> Result<Btf> {
        let hdr_len = hdr.hdr_len as usize;
        let str_start = hdr_len + hdr.str_off as usize;
        let str_len = hdr.str_len as usize;
        let strs: &[u8] = match (&blob, &parsed_strs) {
            (Some(b), _) => &b[str_start..str_start + str_len],
            (None, Some(s)) => s,
            (None, None) => &[],
        };
        if str_len == 0 {
            if base.is_none() {
                return Err(bad("string section is empty (base BTF needs at least the empty name at offset 0)"));
            }
        } else {
            if str_len as u64 - 1 > MAX_STR_OFFSET {
                return Err(bad(format!("string section of {str_len} bytes is too large")));
            }
            if strs[str_len - 1] != 0 {
                return Err(bad("string section does not end with a NUL byte"));
            }
            if base.is_none() && strs[0] != 0 {
                return Err(bad(
                    "string section does not start with the empty string (split BTF parsed without its base?)",
                ));
            }
        }
        let (start_id, start_str_off) = match &base {
            None => (1u32, 0u32),
            Some(b) => {
                let s = b.start_str_off() as u64 + b.data.hdr.str_len as u64;
                if s + str_len as u64 > MAX_STR_OFFSET {
                    return Err(bad("base and split string sections together exceed the maximum string offset"));
                }
                (b.type_cnt(), s as u32)
            }
        };

        let (offs, quick, datasecs) = index::index_types(&types, start_id, start_str_off, str_len as u32)?;

        let btf = Btf {
            data: Arc::new(Data {
                raw: blob.map_or_else(OnceLock::new, OnceLock::from),
                raw_swapped: OnceLock::new(),
                hdr,
                types,
                offs,
                str_start,
                own_strs: None,
                parsed_strs,
                str_index: OnceLock::new(),
                start_id,
                start_str_off,
                by_name: OnceLock::new(),
                guessed_ptr_size: OnceLock::new(),
                scans: ScanBudget::new(),
                strs_utf8: OnceLock::new(),
                datasecs: Some(datasecs.into()),
            }),
            base,
            ptr_size: None,
            c_base: 0,
            strs_deduped: false,
            swapped: false,
            fd: -1,
        };
        // The walk that indexed the types also checked them while they were in cache; when that
        // says they are sound there is nothing left for the full check to find. Otherwise it runs,
        // and reports the first bad type with libbpf's message.
        if !quick.passes(&btf) {
            btf.validate()?;
        }
        Ok(btf)
    }

    /// The header as found in the blob.
    pub fn header(&self) -> &Header {
        &self.data.hdr
    }

    /// First type id owned by this BTF: 1 for base BTF, `base.type_cnt()` for split.
    pub fn start_id(&self) -> u32 {
        self.data.start_id
    }

    /// Number of type ids, counting id 0 and the base's types (libbpf's `btf__type_cnt`).
    pub fn type_cnt(&self) -> u32 {
        self.data.start_id + self.data.offs.len() as u32
    }

    /// First string offset owned by this BTF (0 for base BTF).
    pub fn start_str_off(&self) -> u32 {
        self.data.start_str_off
    }

    pub fn base(&self) -> Option<&Arc<Btf>> {
        self.base.as_ref()
    }

    /// This BTF's own string section.
    pub(crate) fn strs(&self) -> &[u8] {
        let d = &*self.data;
        if let Some(s) = &d.own_strs {
            return s;
        }
        if let Some(s) = &d.parsed_strs {
            return s;
        }
        d.raw.get().and_then(|r| r.get(d.str_start..d.str_start + d.hdr.str_len as usize)).unwrap_or(&[])
    }

    /// The data for changing: every change that may add types or change a kind goes through
    /// here, which forgets the DATASEC list (in-place edits of other words keep it).
    fn data_mut(&mut self) -> &mut Data {
        let d = Arc::make_mut(&mut self.data);
        d.datasecs = None;
        d
    }

    /// This BTF's own string section, writable (in-place renames); invalidates cached blobs that
    /// do not hold it.
    pub(crate) fn strs_mut(&mut self) -> &mut [u8] {
        // (Renames keep the DATASEC list: it holds ids; names are compared at each lookup.)
        let d = Arc::make_mut(&mut self.data);
        d.raw_swapped = OnceLock::new();
        d.by_name = OnceLock::new();
        d.str_index = OnceLock::new();
        d.strs_utf8 = OnceLock::new();
        if let Some(s) = d.own_strs.as_mut() {
            d.raw = OnceLock::new();
            return s;
        }
        if let Some(s) = d.parsed_strs.as_mut() {
            d.raw = OnceLock::new();
            return s;
        }
        let (a, n) = (d.str_start, d.hdr.str_len as usize);
        d.raw.get_mut().and_then(|r| r.to_mut().get_mut(a..a + n)).unwrap_or(&mut [])
    }

    /// The string at logical offset `off` as raw bytes (without its NUL); base-aware.
    pub fn str_bytes_at(&self, off: u32) -> Option<&[u8]> {
        if off < self.data.start_str_off {
            return self.base.as_deref()?.str_bytes_at(off);
        }
        let s = self.strs().get((off - self.data.start_str_off) as usize..)?;
        Some(CStr::from_bytes_until_nul(s).ok()?.to_bytes())
    }

    /// The string at logical offset `off` (`None` if out of range or not UTF-8); base-aware.
    pub fn str_at(&self, off: u32) -> Option<&str> {
        std::str::from_utf8(self.str_bytes_at(off)?).ok()
    }

    /// The NUL-terminated string at `off`, pointing into the string section (for C callers).
    pub fn cstr_at(&self, off: u32) -> Option<&CStr> {
        if off < self.data.start_str_off {
            return self.base.as_deref()?.cstr_at(off);
        }
        let s = self.strs().get((off - self.data.start_str_off) as usize..)?;
        CStr::from_bytes_until_nul(s).ok()
    }

    /// The kernel-format record of type `id` (`struct btf_type` + trailer) as stored in this
    /// BTF's (or, for ids below `start_id`, the base's) never-moving type buffer. Id 0 gives an
    /// all-zero record. `None` for ids `>= type_cnt()`.
    pub fn type_record(&self, id: u32) -> Option<&[u32]> {
        if id == 0 {
            return Some(&VOID_RECORD);
        }
        if id < self.data.start_id {
            return self.base.as_deref()?.type_record(id);
        }
        let d = &*self.data;
        let start = *d.offs.get((id - d.start_id) as usize)? as usize;
        let w = d.types.get(start..)?;
        let info = *w.get(1)?;
        let n = Kind::from_raw((info >> 24) & 0x1f)?.record_words((info & 0xffff) as u16)?;
        w.get(..n)
    }

    /// The decoded type `id` (id 0 is `void`; ids below `start_id` come from the base).
    pub fn ty(&self, id: u32) -> Option<Type<'_>> {
        if id == 0 {
            return Some(Type::void());
        }
        if id < self.data.start_id {
            return self.base.as_deref()?.ty(id);
        }
        Type::decode(self, id, self.type_record(id)?)
    }

    /// This BTF's own types in id order (not the base's).
    pub fn types(&self) -> impl Iterator<Item = Type<'_>> + '_ {
        (self.start_id()..self.type_cnt()).filter_map(move |id| self.ty(id))
    }

    /// Kind of type `id` (base-aware; `Unkn` for void), read from the record's kind bits
    /// without decoding the type; `None` when out of range.
    pub fn kind_of(&self, id: u32) -> Option<Kind> {
        if id == 0 {
            return Some(Kind::Unkn);
        }
        if id < self.data.start_id {
            return self.base.as_deref()?.kind_of(id);
        }
        self.own_kind(id)
    }

    /// Ids of every type of `kind` (the base's first), ascending, read from each record's kind
    /// bits without decoding the types.
    pub fn ids_of_kind(&self, kind: Kind) -> Vec<u32> {
        let mut out = self.base.as_deref().map(|b| b.ids_of_kind(kind)).unwrap_or_default();
        let d = &*self.data;
        if let (Kind::Datasec, Some(ids)) = (kind, d.datasecs.as_deref()) {
            out.extend_from_slice(ids);
            return out;
        }
        let types: &[u32] = &d.types;
        out.extend(d.offs.iter().enumerate().filter_map(|(i, &w)| {
            let info = *types.get(w as usize + 1)?;
            (Kind::from_raw((info >> 24) & 0x1f) == Some(kind)).then_some(d.start_id + i as u32)
        }));
        out
    }

    /// Kind of own type `id`, without decoding the rest.
    fn own_kind(&self, id: u32) -> Option<Kind> {
        let d = &*self.data;
        let w = *d.offs.get(id.checked_sub(d.start_id)? as usize)? as usize;
        Kind::from_raw((d.types.get(w + 1)? >> 24) & 0x1f)
    }

    /// Name offset of own type `id`.
    pub(super) fn own_name_off(&self, id: u32) -> Option<u32> {
        let d = &*self.data;
        let w = *d.offs.get(id.checked_sub(d.start_id)? as usize)?;
        d.types.get(w as usize).copied()
    }

    /// The string section from logical offset `off` to its end (base-aware): the string at
    /// `off` and those after it.
    fn str_tail(&self, off: u32) -> Option<&[u8]> {
        let start = self.data.start_str_off;
        if off < start {
            return self.base.as_deref()?.str_tail(off);
        }
        self.strs().get((off - start) as usize..)
    }

    /// Whether the string at `off` starts with `prefix` (raw bytes; base-aware), without
    /// measuring the whole string. `prefix` must not hold a NUL.
    fn str_starts_with(&self, off: u32, prefix: &[u8]) -> bool {
        let start = self.data.start_str_off;
        if off < start {
            return self.base.as_deref().is_some_and(|b| b.str_starts_with(off, prefix));
        }
        let o = (off - start) as usize;
        o.checked_add(prefix.len()).and_then(|end| self.strs().get(o..end)) == Some(prefix)
    }

    /// Whether the string at `off` is exactly `name` (raw bytes; base-aware). `name` must not
    /// hold a NUL.
    fn str_is(&self, off: u32, name: &[u8]) -> bool {
        let start = self.data.start_str_off;
        if off < start {
            return self.base.as_deref().is_some_and(|b| b.str_is(off, name));
        }
        let o = (off - start) as usize;
        let s = self.strs();
        // The first byte decides most comparisons without a call to the slice compare.
        if s.get(o) != name.first().or(Some(&0)) {
            return false;
        }
        o.checked_add(name.len()).is_some_and(|end| s.get(o..end) == Some(name) && s.get(end) == Some(&0))
    }

    /// A test of whether own type `id`'s name starts with `prefix` (raw bytes, no UTF-8 check),
    /// with the type and string sections looked up once: the cheap filter of the CO-RE
    /// candidate search, run on every type of vmlinux. `prefix` must hold no NUL: the caller
    /// checks that once, not once per type. With `kind_ok`, a type whose kind bits decode to a
    /// kind it refuses fails without its name being looked at (one word read instead of a
    /// string compare for most types).
    pub(crate) fn own_name_prefix_test<'a>(
        &'a self,
        prefix: &'a [u8],
        kind_ok: impl Fn(Kind) -> bool + 'a,
    ) -> impl Fn(u32) -> bool + 'a {
        let d = &*self.data;
        let (types, offs, strs) = (&*d.types, &d.offs[..], self.strs());
        let (start_id, start_str) = (d.start_id, d.start_str_off);
        let first = prefix.first().copied();
        move |id: u32| {
            let Some(&w) = id.checked_sub(start_id).and_then(|i| offs.get(i as usize)) else { return false };
            let w = w as usize;
            if types.get(w + 1).and_then(|&info| Kind::from_raw((info >> 24) & 0x1f)).is_some_and(|k| !kind_ok(k)) {
                return false;
            }
            let Some(&off) = types.get(w) else { return false };
            if off < start_str {
                return self.base.as_deref().is_some_and(|b| b.str_starts_with(off, prefix));
            }
            let o = (off - start_str) as usize;
            // The first byte inline: most names differ there, without a call to compare.
            if first.is_some_and(|f| strs.get(o) != Some(&f)) {
                return false;
            }
            o.checked_add(prefix.len()).and_then(|end| strs.get(o..end)) == Some(prefix)
        }
    }

    /// Smallest own id named `name` (of `kind`, if given). The first few lookups scan the
    /// types (a large BTF asked a handful of names, as in one load, never pays for an index);
    /// later ones use the name index, built on the first of them.
    fn find_own(&self, name: &str, kind: Option<Kind>) -> Option<u32> {
        let nb = name.as_bytes();
        if nb.contains(&0) {
            return None; // no BTF name holds a NUL
        }
        if let (Some(Kind::Datasec), Some(ids)) = (kind, self.data.datasecs.as_deref()) {
            return ids.iter().copied().find(|&id| self.own_name_off(id).is_some_and(|off| self.str_is(off, nb)));
        }
        if nb.is_empty() || (self.data.by_name.get().is_none() && self.data.scans.take_one()) {
            return self.scan_own(nb, kind);
        }
        let idx = self.data.by_name.get_or_init(|| names::NameIndex::build(self));
        idx.candidates(nb).iter().copied().find(|&id| {
            crate::work::add(crate::work::Kind::ScanStep, 1);
            self.own_name_off(id).is_some_and(|off| self.str_is(off, nb))
                && (kind.is_none() || self.own_kind(id) == kind)
        })
    }

    /// [`Btf::find_own`] by a scan in id order, comparing raw name bytes.
    fn scan_own(&self, nb: &[u8], kind: Option<Kind>) -> Option<u32> {
        let d = &*self.data;
        let (types, strs, start) = (&*d.types, self.strs(), d.start_str_off);
        // The first byte of the wanted name ("" wants a NUL there): own names are tested on it
        // inline before the full compare.
        let first = nb.first().copied().unwrap_or(0);
        // The kind (one word) is checked before the name (a string compare): same answer.
        d.offs.iter().enumerate().find_map(|(i, &w)| {
            crate::work::add(crate::work::Kind::ScanStep, 1);
            let w = w as usize;
            if kind.is_some() && Kind::from_raw((types.get(w + 1)? >> 24) & 0x1f) != kind {
                return None;
            }
            let name_off = *types.get(w)?;
            if name_off >= start && strs.get((name_off - start) as usize) != Some(&first) {
                return None;
            }
            self.str_is(name_off, nb).then_some(d.start_id + i as u32)
        })
    }

    /// Smallest type id with this name and kind, base first (libbpf's `btf__find_by_name_kind`):
    /// `"void"` or kind `Unkn` give 0.
    pub fn find_by_name_kind(&self, name: &str, kind: Kind) -> Option<u32> {
        if kind == Kind::Unkn || name == "void" {
            return Some(0);
        }
        if let Some(id) = self.base.as_deref().and_then(|b| b.find_by_name_kind(name, kind)) {
            return Some(id);
        }
        self.find_own(name, Some(kind))
    }

    /// Like [`Btf::find_by_name_kind`] but only among this BTF's own types (for module BTF).
    pub fn find_by_name_kind_own(&self, name: &str, kind: Kind) -> Option<u32> {
        if kind == Kind::Unkn || name == "void" {
            return Some(0);
        }
        self.find_own(name, Some(kind))
    }

    /// Smallest type id of any kind with this name (`"void"` gives 0).
    pub fn find_by_name(&self, name: &str) -> Option<u32> {
        if name == "void" {
            return Some(0);
        }
        if let Some(id) = self.base.as_deref().and_then(|b| b.find_by_name(name)) {
            return Some(id);
        }
        self.find_own(name, None)
    }

    /// Follow CONST/VOLATILE/RESTRICT/TYPE_TAG/TYPEDEF links from `id` to the first other type.
    /// `None` if an id is out of range or the chain loops.
    pub fn skip_mods_and_typedefs(&self, id: u32) -> Option<(u32, Type<'_>)> {
        let mut id = id;
        for _ in 0..MAX_CHAIN {
            let t = self.ty(id)?;
            if !(t.is_mod() || t.is_typedef()) {
                return Some((id, t));
            }
            id = t.size_or_type;
        }
        None
    }

    /// Follow only CONST/VOLATILE/RESTRICT/TYPE_TAG links.
    pub fn skip_mods(&self, id: u32) -> Option<(u32, Type<'_>)> {
        let mut id = id;
        for _ in 0..MAX_CHAIN {
            let t = self.ty(id)?;
            if !t.is_mod() {
                return Some((id, t));
            }
            id = t.size_or_type;
        }
        None
    }

    /// Pointer size: set explicitly (ELF class), else guessed from a 4- or 8-byte INT named like
    /// `long`/`unsigned long` (base first), else `None`.
    pub fn pointer_size(&self) -> Option<u32> {
        if let Some(p) = self.ptr_size {
            return Some(p);
        }
        *self.data.guessed_ptr_size.get_or_init(|| {
            if let Some(p) = self.base.as_deref().and_then(|b| b.pointer_size()) {
                return Some(p);
            }
            const LONGS: [&str; 11] = [
                "long",
                "long int",
                "int long",
                "unsigned long",
                "long unsigned",
                "unsigned long int",
                "unsigned int long",
                "long unsigned int",
                "long int unsigned",
                "int unsigned long",
                "int long unsigned",
            ];
            self.types()
                .find(|t| t.is_int() && (t.size_or_type == 4 || t.size_or_type == 8) && LONGS.contains(&t.name))
                .map(|t| t.size_or_type)
        })
    }

    /// Pointer size to compute with: [`Btf::pointer_size`] or the host's.
    pub fn ptr_size_or_native(&self) -> u32 {
        self.pointer_size().unwrap_or(std::mem::size_of::<usize>() as u32)
    }

    /// Override the pointer size (4 or 8).
    pub fn set_pointer_size(&mut self, size: u32) -> Result<()> {
        if size != 4 && size != 8 {
            return Err(Error::inval(format!("BTF: pointer size {size} is not 4 or 8")));
        }
        self.ptr_size = Some(size);
        Ok(())
    }

    /// Byte size of type `id` like `btf__resolve_size`: through typedefs, modifiers, VARs and
    /// DECL_TAGs, arrays multiply, pointers are [`Btf::ptr_size_or_native`]. At most 32 links;
    /// `E2BIG` if the size exceeds `u32::MAX`, `EINVAL` for sizeless types (void, FWD, FUNC…).
    pub fn resolve_size(&self, id: u32) -> Result<u32> {
        let mut nelems: u32 = 1;
        let mut cur = id;
        let mut size = None;
        for _ in 0..MAX_RESOLVE_DEPTH {
            let t =
                self.ty(cur).ok_or_else(|| Error::inval(format!("BTF: size of [{id}]: type id {cur} out of range")))?;
            use Kind::*;
            match t.kind {
                Int | Struct | Union | Enum | Enum64 | Datasec | Float => {
                    size = Some(t.size_or_type);
                    break;
                }
                Ptr => {
                    size = Some(self.ptr_size_or_native());
                    break;
                }
                Typedef | Volatile | Const | Restrict | Var | DeclTag | TypeTag => cur = t.size_or_type,
                Array => {
                    let (elem, _, n) = t.array().unwrap_or((0, 0, 0));
                    if nelems != 0 && n > u32::MAX / nelems {
                        return Err(Error::new(libc::E2BIG, format!("BTF: size of [{id}] overflows 32 bits")));
                    }
                    nelems *= n;
                    cur = elem;
                }
                Unkn | Fwd | Func | FuncProto => {
                    return Err(Error::inval(format!("BTF: [{id}] has no size (reaches {t})")));
                }
            }
        }
        let size = size.ok_or_else(|| {
            Error::inval(format!("BTF: size of [{id}]: more than {MAX_RESOLVE_DEPTH} type links (loop?)"))
        })?;
        if nelems != 0 && size > u32::MAX / nelems {
            return Err(Error::new(libc::E2BIG, format!("BTF: size of [{id}] overflows 32 bits")));
        }
        Ok(nelems * size)
    }

    /// Like `btf__resolve_type`: follow modifiers, typedefs and VARs (at most 32 links) to the
    /// underlying type id; `EINVAL` if that is void/FWD, out of range or the chain is too long.
    pub fn resolve_type(&self, id: u32) -> Result<u32> {
        let mut cur = id;
        for _ in 0..MAX_RESOLVE_DEPTH {
            let t = self
                .ty(cur)
                .ok_or_else(|| Error::inval(format!("BTF: resolving [{id}]: type id {cur} out of range")))?;
            if t.is_void() || t.is_fwd() {
                return Err(Error::inval(format!("BTF: [{id}] resolves to void or a forward declaration")));
            }
            if !(t.is_mod() || t.is_typedef() || t.is_var()) {
                return Ok(cur);
            }
            cur = t.size_or_type;
        }
        Err(Error::inval(format!("BTF: resolving [{id}]: more than {MAX_RESOLVE_DEPTH} type links (loop?)")))
    }

    /// Alignment of type `id` like `btf__align_of` (1 for packed structs).
    pub fn align_of(&self, id: u32) -> Result<u32> {
        self.align_of_depth(id, 0)
    }

    fn align_of_depth(&self, id: u32, depth: usize) -> Result<u32> {
        if depth >= MAX_RESOLVE_DEPTH {
            return Err(Error::inval(format!("BTF: alignment of [{id}]: types nest too deep (loop?)")));
        }
        let t = self.ty(id).ok_or_else(|| Error::inval(format!("BTF: alignment: type id {id} out of range")))?;
        use Kind::*;
        match t.kind {
            Int | Enum | Enum64 | Float => Ok(self.ptr_size_or_native().min(t.size_or_type)),
            Ptr => Ok(self.ptr_size_or_native()),
            Typedef | Volatile | Const | Restrict | TypeTag => self.align_of_depth(t.size_or_type, depth + 1),
            Array => self.align_of_depth(t.array().map_or(0, |a| a.0), depth + 1),
            Struct | Union => {
                let mut max_align = 1;
                for m in t.members().into_iter().flatten() {
                    let a = self.align_of_depth(m.type_id, depth + 1)?;
                    if a == 0 {
                        return Err(Error::inval(format!(
                            "BTF: alignment of {t}: member '{}' has alignment 0",
                            m.name
                        )));
                    }
                    max_align = max_align.max(a);
                    if m.bitfield_size == 0 && m.bit_offset % (8 * a) != 0 {
                        return Ok(1); // misaligned member: packed
                    }
                }
                if t.size_or_type % max_align != 0 {
                    return Ok(1);
                }
                Ok(max_align)
            }
            Unkn | Fwd | Func | FuncProto | Var | Datasec | DeclTag => {
                Err(Error::inval(format!("BTF: alignment of {t}: unsupported kind")))
            }
        }
    }

    /// The bytes as they would be loaded into the kernel (this BTF's own blob in native byte
    /// order; reflects mutations and additions).
    pub fn raw_data(&self) -> &[u8] {
        self.data.raw.get_or_init(|| self.build_blob(false).into())
    }

    /// The blob `btf__raw_data` hands out: [`Btf::raw_data`], or its byte-swapped form when the
    /// BTF's endianness is not the host's.
    pub fn raw_data_out(&self) -> &[u8] {
        if self.swapped {
            self.data.raw_swapped.get_or_init(|| self.build_blob(true))
        } else {
            self.raw_data()
        }
    }

    /// Byte offset of own type `id`'s record inside [`Btf::raw_data`].
    pub fn type_offset(&self, id: u32) -> Option<usize> {
        let d = &*self.data;
        let w = *d.offs.get(id.checked_sub(d.start_id)? as usize)? as usize;
        Some(d.hdr.hdr_len as usize + d.hdr.type_off as usize + w * 4)
    }

    /// Overwrite word `word` of own type `id`'s record in both the word buffer and the raw bytes
    /// (a modifiable BTF's cached blob is dropped instead).
    fn write_record_word(&mut self, id: u32, word: usize, val: u32) -> Result<()> {
        let rec = self.type_offset(id).ok_or_else(|| Error::inval(format!("BTF: type [{id}] is not an own type")))?;
        // A record's info word holds its kind: only rewriting that word can make the DATASEC
        // list wrong (open's fixups rewrite sizes, offsets and linkages and keep it).
        let d = if word == 1 { self.data_mut() } else { Arc::make_mut(&mut self.data) };
        d.raw_swapped = OnceLock::new();
        let w = d.offs[(id - d.start_id) as usize] as usize + word;
        let byte = rec + word * 4;
        if d.own_strs.is_some() || d.parsed_strs.is_some() {
            d.raw = OnceLock::new();
            let slot = d
                .types
                .to_mut()
                .get_mut(w)
                .ok_or_else(|| Error::inval(format!("BTF: type [{id}] word {word} is outside its record")))?;
            *slot = val;
            return Ok(());
        }
        match (d.types.to_mut().get_mut(w), d.raw.get_mut().and_then(|r| r.to_mut().get_mut(byte..byte + 4))) {
            (Some(slot), Some(bytes)) => {
                *slot = val;
                bytes.copy_from_slice(&val.to_ne_bytes());
                Ok(())
            }
            _ => Err(Error::inval(format!("BTF: type [{id}] word {word} is outside its record"))),
        }
    }

    fn own_datasec(&self, id: u32) -> Result<Type<'_>> {
        match self.ty(id) {
            Some(t) if id >= self.start_id() && t.kind == Kind::Datasec => Ok(t),
            Some(t) => Err(Error::inval(format!("BTF: {t} is not an own DATASEC"))),
            None => Err(Error::inval(format!("BTF: type id {id} out of range"))),
        }
    }

    /// Set a DATASEC's size (clang leaves it 0; the loader takes it from the ELF section).
    pub fn set_datasec_size(&mut self, id: u32, size: u32) -> Result<()> {
        self.own_datasec(id)?;
        self.write_record_word(id, 2, size)
    }

    /// Set the offset of entry `idx` of a DATASEC (from the variable's ELF symbol).
    pub fn set_datasec_var_offset(&mut self, id: u32, idx: usize, offset: u32) -> Result<()> {
        let t = self.own_datasec(id)?;
        if idx >= t.vlen as usize {
            return Err(Error::inval(format!("BTF: {t} has {} entries, no entry {idx}", t.vlen)));
        }
        self.write_record_word(id, 3 + 3 * idx + 1, offset)
    }

    /// The C handle this BTF's base was given as (see `btf__base_btf`).
    pub(crate) fn c_base_handle(&self) -> usize {
        self.c_base
    }
    pub(crate) fn set_c_base_handle(&mut self, h: usize) {
        self.c_base = h;
    }

    /// Check every own type exactly as libbpf's `btf_sanity_check` does, with libbpf's messages,
    /// no more: name offsets in range, referenced ids in range, FUNC → FUNC_PROTO. What libbpf
    /// lets through (names that are not UTF-8, a FUNC_PROTO return type id out of range, unknown
    /// FUNC linkage) is left for the kernel to judge; readers of such types get `None`/"" rather
    /// than a panic (a name that is not UTF-8 reads as "" through [`Btf::str_at`]).
    #[cold]
    #[inline(never)]
    fn validate(&self) -> Result<()> {
        let cnt = self.type_cnt();
        let d = &*self.data;
        let (str_start, str_len) = (d.start_str_off, self.strs().len());
        let lb = |m: String| Error::inval(format!("btf: {m}"));
        // A name offset is valid when it falls in the string sections (base and own): both end
        // with a NUL (checked at parse), so every offset in range starts a string.
        let name_in_range = |off: u32| {
            if off < str_start {
                self.base.as_deref().is_some_and(|b| b.str_bytes_at(off).is_some())
            } else {
                ((off - str_start) as usize) < str_len
            }
        };
        let kind_of = |id: u32| {
            if id >= d.start_id {
                self.own_kind(id)
            } else {
                self.ty(id).map(|t| t.kind)
            }
        };
        let types: &[u32] = &d.types;
        for (i, &w) in d.offs.iter().enumerate() {
            let id = d.start_id + i as u32;
            let end = d.offs.get(i + 1).map_or(types.len(), |&n| n as usize);
            let rec = types.get(w as usize..end).filter(|r| r.len() >= 3);
            let rec = rec.ok_or_else(|| bad(format!("type [{id}] record missing")))?;
            let (name_off, info) = (rec[0], rec[1]);
            let kind = Kind::from_raw((info >> 24) & 0x1f).unwrap_or(Kind::Unkn);
            // The in-range tests are inline (one compare for an own string or id, the common
            // case); only a failure pays for the closures and the message.
            let check_name = |off: u32, what: &str| {
                if (off >= str_start && ((off - str_start) as usize) < str_len) || name_in_range(off) {
                    Ok(())
                } else {
                    Err(invalid_name(id, what, off))
                }
            };
            let check_id = |t: u32| if t < cnt { Ok(()) } else { Err(invalid_ref(id, t)) };
            check_name(name_off, "type name")?;
            let entries = |stride: usize| rec[3..].chunks_exact(stride);
            use Kind::*;
            match kind {
                Int | Fwd | Float | Unkn => {}
                Ptr | Typedef | Volatile | Const | Restrict | Var | DeclTag | TypeTag => check_id(rec[2])?,
                Array => {
                    check_id(rec[3])?;
                    check_id(rec[4])?;
                }
                Struct | Union => {
                    for m in entries(3) {
                        check_name(m[0], "field name")?;
                        check_id(m[1])?;
                    }
                }
                Enum | Enum64 => {
                    for e in entries(if kind == Enum { 2 } else { 3 }) {
                        check_name(e[0], "enum name")?;
                    }
                }
                Func => {
                    check_id(rec[2])?;
                    if rec[2] == 0 || kind_of(rec[2]) != Some(FuncProto) {
                        return Err(lb(format!("type [{id}]: referenced type [{}] is not FUNC_PROTO", rec[2])));
                    }
                }
                FuncProto => {
                    for p in entries(2) {
                        check_name(p[0], "param name")?;
                        check_id(p[1])?;
                    }
                }
                Datasec => {
                    for v in entries(3) {
                        check_id(v[0])?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// libbpf's message for a name offset outside the string sections (kept out of line: the
/// check that calls it runs for every name of every type).
#[cold]
#[inline(never)]
fn invalid_name(id: u32, what: &str, off: u32) -> Error {
    Error::inval(format!("btf: type [{id}]: invalid {what} (string offset {off})"))
}

/// libbpf's message for a referenced type id out of range (out of line, as above).
#[cold]
#[inline(never)]
fn invalid_ref(id: u32, t: u32) -> Error {
    Error::inval(format!("btf: type [{id}]: invalid referenced type ID {t}"))
}

/// `bytes` (a multiple of 4 long) as native words, by one copy (no zero fill, no per-word
/// push).
fn words_of(bytes: &[u8]) -> Vec<u32> {
    let n = bytes.len() / 4;
    let mut out = Vec::<u32>::with_capacity(n);
    // SAFETY: `out` has room for `n` words = `n * 4` bytes, `bytes` holds at least that many,
    // the two do not overlap, and every bit pattern is a valid u32, so the first `n` words are
    // initialized before `set_len`.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr().cast::<u8>(), n * 4);
        out.set_len(n);
    }
    out
}

impl std::fmt::Debug for Btf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Btf")
            .field("start_id", &self.start_id())
            .field("type_cnt", &self.type_cnt())
            .field("str_len", &self.data.hdr.str_len)
            .field("split", &self.base.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests;
