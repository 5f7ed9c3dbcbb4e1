//! Decoded, borrowed views of BTF type records.
//!
//! A [`Type`] is built on demand from the kernel-format record (`struct btf_type` followed by its
//! kind-specific trailer) and borrows the [`Btf`] it came from: decoding is a handful of word reads
//! and one string lookup, no allocation. Trailing arrays (struct members, enum values, function
//! parameters, DATASEC entries) are exposed as [`Records`], a lazy, indexable view.

use super::Btf;
use std::fmt;
use std::marker::PhantomData;

/// `BTF_KIND_*`: the kind of a type record (bits 24..28 of `info`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Only type id 0 (`void`) has this kind; a record of kind 0 is malformed.
    Unkn = 0,
    Int = 1,
    Ptr = 2,
    Array = 3,
    Struct = 4,
    Union = 5,
    Enum = 6,
    Fwd = 7,
    Typedef = 8,
    Volatile = 9,
    Const = 10,
    Restrict = 11,
    Func = 12,
    FuncProto = 13,
    Var = 14,
    Datasec = 15,
    Float = 16,
    DeclTag = 17,
    TypeTag = 18,
    Enum64 = 19,
}

impl Kind {
    /// The kind for a raw `BTF_KIND_*` value, `None` for values this library does not know.
    pub fn from_raw(k: u32) -> Option<Kind> {
        use Kind::*;
        Some(match k {
            0 => Unkn,
            1 => Int,
            2 => Ptr,
            3 => Array,
            4 => Struct,
            5 => Union,
            6 => Enum,
            7 => Fwd,
            8 => Typedef,
            9 => Volatile,
            10 => Const,
            11 => Restrict,
            12 => Func,
            13 => FuncProto,
            14 => Var,
            15 => Datasec,
            16 => Float,
            17 => DeclTag,
            18 => TypeTag,
            19 => Enum64,
            _ => return None,
        })
    }

    /// The upper-case name libbpf and bpftool print ("STRUCT", "FUNC_PROTO", …).
    pub fn name(self) -> &'static str {
        use Kind::*;
        match self {
            Unkn => "UNKN",
            Int => "INT",
            Ptr => "PTR",
            Array => "ARRAY",
            Struct => "STRUCT",
            Union => "UNION",
            Enum => "ENUM",
            Fwd => "FWD",
            Typedef => "TYPEDEF",
            Volatile => "VOLATILE",
            Const => "CONST",
            Restrict => "RESTRICT",
            Func => "FUNC",
            FuncProto => "FUNC_PROTO",
            Var => "VAR",
            Datasec => "DATASEC",
            Float => "FLOAT",
            DeclTag => "DECL_TAG",
            TypeTag => "TYPE_TAG",
            Enum64 => "ENUM64",
        }
    }

    /// Size of a record of this kind with `vlen` trailing entries, in 4-byte words
    /// (the 12-byte `struct btf_type` included). `None` for `Unkn`, which has no record layout.
    pub(crate) fn record_words(self, vlen: u16) -> Option<usize> {
        use Kind::*;
        let v = vlen as usize;
        Some(match self {
            Unkn => return None,
            Ptr | Fwd | Typedef | Volatile | Const | Restrict | Func | Float | TypeTag => 3,
            Int | Var | DeclTag => 4,
            Array => 6,
            Struct | Union | Datasec | Enum64 => 3 + 3 * v,
            Enum | FuncProto => 3 + 2 * v,
        })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `BTF_INT_SIGNED` bit of an INT's encoding.
pub const INT_SIGNED: u8 = 1 << 0;
/// `BTF_INT_CHAR` bit of an INT's encoding.
pub const INT_CHAR: u8 = 1 << 1;
/// `BTF_INT_BOOL` bit of an INT's encoding.
pub const INT_BOOL: u8 = 1 << 2;

/// `BTF_VAR_*` linkage of a VAR.
pub const VAR_STATIC: u32 = 0;
pub const VAR_GLOBAL_ALLOCATED: u32 = 1;
pub const VAR_GLOBAL_EXTERN: u32 = 2;
/// `BTF_FUNC_*` linkage of a FUNC (stored in its vlen).
pub const FUNC_STATIC: u32 = 0;
pub const FUNC_GLOBAL: u32 = 1;
pub const FUNC_EXTERN: u32 = 2;

/// One decoded type. `name` is `""` for anonymous types; for split BTF, types below the split's
/// start id are decoded from (and borrow) the base.
#[derive(Clone, Copy, Debug)]
pub struct Type<'a> {
    pub id: u32,
    pub kind: Kind,
    pub name: &'a str,
    pub name_off: u32,
    /// `kind_flag` (bit 31 of info): bitfield encoding for STRUCT/UNION, union-ness for FWD,
    /// signedness for ENUM/ENUM64, attribute-ness for DECL_TAG/TYPE_TAG.
    pub kflag: bool,
    pub vlen: u16,
    /// The raw `size`/`type` union of `struct btf_type`.
    pub size_or_type: u32,
    pub detail: Detail<'a>,
    /// The whole kernel-format record (header words included).
    pub(crate) record: &'a [u32],
}

/// Kind-specific contents of a record.
#[derive(Clone, Copy, Debug)]
pub enum Detail<'a> {
    /// Kinds with nothing after `struct btf_type` (PTR, FWD, TYPEDEF, modifiers, FLOAT, TYPE_TAG)
    /// and `void`.
    None,
    /// INT: `BTF_INT_ENCODING` bits ([`INT_SIGNED`], …), bit offset and number of bits.
    Int { encoding: u8, offset: u8, bits: u8 },
    /// ARRAY: element type, index type, element count.
    Array { elem: u32, index: u32, nelems: u32 },
    /// STRUCT/UNION members, bitfield encoding already decoded.
    Members(Members<'a>),
    /// ENUM and ENUM64 values.
    Enum(EnumValues<'a>),
    /// FUNC_PROTO parameters (return type is `size_or_type`); a last param with type 0 means `...`.
    Params(Params<'a>),
    /// VAR linkage ([`VAR_STATIC`], …).
    Var { linkage: u32 },
    /// DATASEC entries.
    Datasec(Secinfos<'a>),
    /// FUNC linkage ([`FUNC_STATIC`], …), taken from vlen.
    Func { linkage: u32 },
    /// DECL_TAG: -1 for the declaration itself, else a member/parameter index.
    DeclTag { component_idx: i32 },
}

/// A trailing entry decoded from `words` (exactly one entry's worth).
pub trait Record<'a>: Sized {
    /// Decode one entry; `btf` resolves names, `kflag` is the owning type's kind flag.
    fn decode(btf: &'a Btf, words: &'a [u32], kflag: bool) -> Self;
}

/// A lazy view of a record's trailing entries: `len`, `get(i)` and iteration, each entry decoded
/// when read.
pub struct Records<'a, R> {
    btf: &'a Btf,
    words: &'a [u32],
    stride: usize,
    kflag: bool,
    _r: PhantomData<fn() -> R>,
}

impl<R> Clone for Records<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for Records<'_, R> {}

impl<'a, R: Record<'a>> Records<'a, R> {
    pub(crate) fn new(btf: &'a Btf, words: &'a [u32], stride: usize, kflag: bool) -> Self {
        Records { btf, words, stride, kflag, _r: PhantomData }
    }
    pub fn len(&self) -> usize {
        self.words.len() / self.stride
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn get(&self, i: usize) -> Option<R> {
        let start = i.checked_mul(self.stride)?;
        let w = self.words.get(start..start.checked_add(self.stride)?)?;
        Some(R::decode(self.btf, w, self.kflag))
    }
    pub fn iter(&self) -> RecordsIter<'a, R> {
        RecordsIter { recs: *self, next: 0 }
    }
}

impl<'a, R: Record<'a> + fmt::Debug> fmt::Debug for Records<'a, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, R: Record<'a>> IntoIterator for Records<'a, R> {
    type Item = R;
    type IntoIter = RecordsIter<'a, R>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over [`Records`].
pub struct RecordsIter<'a, R> {
    recs: Records<'a, R>,
    next: usize,
}

impl<'a, R: Record<'a>> Iterator for RecordsIter<'a, R> {
    type Item = R;
    fn next(&mut self) -> Option<R> {
        let r = self.recs.get(self.next)?;
        self.next += 1;
        Some(r)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.recs.len().saturating_sub(self.next);
        (n, Some(n))
    }
}

impl<'a, R: Record<'a>> ExactSizeIterator for RecordsIter<'a, R> {}

pub type Members<'a> = Records<'a, Member<'a>>;
pub type EnumValues<'a> = Records<'a, EnumValue<'a>>;
pub type Params<'a> = Records<'a, Param<'a>>;
pub type Secinfos<'a> = Records<'a, VarSecinfo>;

/// A STRUCT/UNION member (`struct btf_member`), with the kind-flag bitfield encoding decoded:
/// `bit_offset` is always the member's offset in bits, `bitfield_size` 0 unless a bitfield.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member<'a> {
    pub name: &'a str,
    pub name_off: u32,
    pub type_id: u32,
    pub bit_offset: u32,
    pub bitfield_size: u32,
}

impl<'a> Records<'a, Member<'a>> {
    /// Member `i` as `(name_off, type_id, bit_offset)`, its name left undecoded (the bit
    /// offset decoded as [`Member`]'s).
    pub fn fields(&self, i: usize) -> Option<(u32, u32, u32)> {
        let start = i.checked_mul(self.stride)?;
        let w = self.words.get(start..start.checked_add(self.stride)?)?;
        let off = *w.get(2)?;
        Some((w[0], w[1], if self.kflag { off & 0xff_ffff } else { off }))
    }
}

impl<'a> Record<'a> for Member<'a> {
    fn decode(btf: &'a Btf, w: &'a [u32], kflag: bool) -> Self {
        let (name_off, type_id, off) = (w[0], w[1], w[2]);
        let (bit_offset, bitfield_size) = if kflag { (off & 0xff_ffff, off >> 24) } else { (off, 0) };
        Member { name: btf.str_at(name_off).unwrap_or(""), name_off, type_id, bit_offset, bitfield_size }
    }
}

/// An ENUM (`struct btf_enum`) or ENUM64 (`struct btf_enum64`) value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnumValue<'a> {
    pub name: &'a str,
    pub name_off: u32,
    /// The value as a 64-bit pattern: 32-bit values are sign-extended when `signed`, else
    /// zero-extended. Read it with [`EnumValue::as_i64`] / [`EnumValue::as_u64`].
    pub value: u64,
    /// The enum's kind flag: values are signed.
    pub signed: bool,
}

impl EnumValue<'_> {
    pub fn as_i64(&self) -> i64 {
        self.value as i64
    }
    pub fn as_u64(&self) -> u64 {
        self.value
    }
}

impl<'a> Record<'a> for EnumValue<'a> {
    fn decode(btf: &'a Btf, w: &'a [u32], kflag: bool) -> Self {
        let value = if w.len() == 3 {
            (w[1] as u64) | ((w[2] as u64) << 32)
        } else if kflag {
            w[1] as i32 as i64 as u64
        } else {
            w[1] as u64
        };
        EnumValue { name: btf.str_at(w[0]).unwrap_or(""), name_off: w[0], value, signed: kflag }
    }
}

/// A FUNC_PROTO parameter (`struct btf_param`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param<'a> {
    pub name: &'a str,
    pub name_off: u32,
    pub type_id: u32,
}

impl<'a> Record<'a> for Param<'a> {
    fn decode(btf: &'a Btf, w: &'a [u32], _: bool) -> Self {
        Param { name: btf.str_at(w[0]).unwrap_or(""), name_off: w[0], type_id: w[1] }
    }
}

/// A DATASEC entry (`struct btf_var_secinfo`): a VAR (or, in `.ksyms`, a FUNC) at `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarSecinfo {
    pub type_id: u32,
    pub offset: u32,
    pub size: u32,
}

impl<'a> Record<'a> for VarSecinfo {
    fn decode(_: &'a Btf, w: &'a [u32], _: bool) -> Self {
        VarSecinfo { type_id: w[0], offset: w[1], size: w[2] }
    }
}

impl<'a> Type<'a> {
    /// The `void` type, id 0.
    pub(crate) fn void() -> Type<'static> {
        Type {
            id: 0,
            kind: Kind::Unkn,
            name: "",
            name_off: 0,
            kflag: false,
            vlen: 0,
            size_or_type: 0,
            detail: Detail::None,
            record: &super::VOID_RECORD,
        }
    }

    /// Decode the record `w` (exactly its words, as sized by [`Kind::record_words`]) owned by
    /// `btf`. Returns `None` if `w` is shorter than its kind needs.
    pub(crate) fn decode(btf: &'a Btf, id: u32, w: &'a [u32]) -> Option<Type<'a>> {
        let (name_off, info, size_or_type) = (*w.first()?, *w.get(1)?, *w.get(2)?);
        let kind = Kind::from_raw((info >> 24) & 0x1f)?;
        let vlen = (info & 0xffff) as u16;
        let kflag = info >> 31 != 0;
        let need = kind.record_words(vlen)?;
        let record = w.get(..need)?;
        let rest = &record[3..];
        use Kind::*;
        let detail = match kind {
            Unkn | Ptr | Fwd | Typedef | Volatile | Const | Restrict | Float | TypeTag => Detail::None,
            Int => {
                let v = rest[0];
                Detail::Int { encoding: ((v >> 24) & 0x0f) as u8, offset: (v >> 16) as u8, bits: v as u8 }
            }
            Array => Detail::Array { elem: rest[0], index: rest[1], nelems: rest[2] },
            Struct | Union => Detail::Members(Records::new(btf, rest, 3, kflag)),
            Enum => Detail::Enum(Records::new(btf, rest, 2, kflag)),
            Enum64 => Detail::Enum(Records::new(btf, rest, 3, kflag)),
            FuncProto => Detail::Params(Records::new(btf, rest, 2, kflag)),
            Var => Detail::Var { linkage: rest[0] },
            Datasec => Detail::Datasec(Records::new(btf, rest, 3, kflag)),
            Func => Detail::Func { linkage: vlen as u32 },
            DeclTag => Detail::DeclTag { component_idx: rest[0] as i32 },
        };
        Some(Type {
            id,
            kind,
            name: btf.str_at(name_off).unwrap_or(""),
            name_off,
            kflag,
            vlen,
            size_or_type,
            detail,
            record,
        })
    }

    /// The byte size for kinds that have one (INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT).
    pub fn size(&self) -> Option<u32> {
        use Kind::*;
        match self.kind {
            Int | Struct | Union | Enum | Enum64 | Datasec | Float => Some(self.size_or_type),
            _ => None,
        }
    }

    /// The referenced type for kinds whose `size_or_type` is a type id (PTR, TYPEDEF, modifiers,
    /// FUNC, FUNC_PROTO's return type, VAR, DECL_TAG, TYPE_TAG). ARRAY's element is in
    /// [`Detail::Array`].
    pub fn ref_type(&self) -> Option<u32> {
        use Kind::*;
        match self.kind {
            Ptr | Typedef | Volatile | Const | Restrict | Func | FuncProto | Var | DeclTag | TypeTag => {
                Some(self.size_or_type)
            }
            _ => None,
        }
    }

    /// The kernel-format record words (`struct btf_type` and its trailer).
    pub fn raw_record(&self) -> &'a [u32] {
        self.record
    }

    pub fn members(&self) -> Option<Members<'a>> {
        match self.detail {
            Detail::Members(m) => Some(m),
            _ => None,
        }
    }
    pub fn enum_values(&self) -> Option<EnumValues<'a>> {
        match self.detail {
            Detail::Enum(v) => Some(v),
            _ => None,
        }
    }
    pub fn params(&self) -> Option<Params<'a>> {
        match self.detail {
            Detail::Params(p) => Some(p),
            _ => None,
        }
    }
    pub fn secinfos(&self) -> Option<Secinfos<'a>> {
        match self.detail {
            Detail::Datasec(s) => Some(s),
            _ => None,
        }
    }
    /// `(elem, index, nelems)` of an ARRAY.
    pub fn array(&self) -> Option<(u32, u32, u32)> {
        match self.detail {
            Detail::Array { elem, index, nelems } => Some((elem, index, nelems)),
            _ => None,
        }
    }
    /// `(encoding, bit offset, bits)` of an INT.
    pub fn int(&self) -> Option<(u8, u8, u8)> {
        match self.detail {
            Detail::Int { encoding, offset, bits } => Some((encoding, offset, bits)),
            _ => None,
        }
    }
    /// Linkage of a VAR or FUNC.
    pub fn linkage(&self) -> Option<u32> {
        match self.detail {
            Detail::Var { linkage } | Detail::Func { linkage } => Some(linkage),
            _ => None,
        }
    }

    pub fn is_void(&self) -> bool {
        self.id == 0 && self.kind == Kind::Unkn
    }
    /// STRUCT or UNION.
    pub fn is_composite(&self) -> bool {
        matches!(self.kind, Kind::Struct | Kind::Union)
    }
    /// CONST, VOLATILE, RESTRICT or TYPE_TAG (libbpf's `btf_is_mod`).
    pub fn is_mod(&self) -> bool {
        matches!(self.kind, Kind::Const | Kind::Volatile | Kind::Restrict | Kind::TypeTag)
    }
    /// ENUM or ENUM64.
    pub fn is_any_enum(&self) -> bool {
        matches!(self.kind, Kind::Enum | Kind::Enum64)
    }
    pub fn is_int(&self) -> bool {
        self.kind == Kind::Int
    }
    pub fn is_ptr(&self) -> bool {
        self.kind == Kind::Ptr
    }
    pub fn is_fwd(&self) -> bool {
        self.kind == Kind::Fwd
    }
    pub fn is_typedef(&self) -> bool {
        self.kind == Kind::Typedef
    }
    pub fn is_func(&self) -> bool {
        self.kind == Kind::Func
    }
    pub fn is_func_proto(&self) -> bool {
        self.kind == Kind::FuncProto
    }
    pub fn is_var(&self) -> bool {
        self.kind == Kind::Var
    }
    pub fn is_datasec(&self) -> bool {
        self.kind == Kind::Datasec
    }
    /// A FWD declaring a union (kind flag set) rather than a struct.
    pub fn is_fwd_union(&self) -> bool {
        self.kind == Kind::Fwd && self.kflag
    }
}

impl fmt::Display for Type<'_> {
    /// `[17] STRUCT 'foo'`, the form used in error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {} '{}'", self.id, self.kind, self.name)
    }
}
