//! CO-RE relocations with libbpf 1.5's semantics (`relo_core.c` and the CO-RE part of
//! `libbpf.c`).
//!
//! For every `struct bpf_core_relo` record clang put in `.BTF.ext`:
//! 1. parse the access string against the object's BTF into a local [`spec::Spec`];
//! 2. find candidate target types: same kind, same *essential* name (everything before the last
//!    `___flavor` suffix), first in vmlinux (or the custom target BTF), then — only if vmlinux has
//!    none — in module BTFs. Candidates are cached per local type id in a [`CandCache`] and pruned
//!    to the ones that matched each time a relocation for that type succeeds;
//! 3. match the local spec against every candidate; all matching candidates must agree on the bit
//!    offset and on the value (else the relocation is ambiguous: an error);
//! 4. validate that the instruction holds the value computed from the local BTF, and patch in the
//!    target value. A relocation without any matching target (that needs one) *poisons* the
//!    instruction instead: it becomes `call 0xbad2310`, which the verifier rejects only if the
//!    instruction is reachable, so programs can guard such accesses with
//!    `bpf_core_field_exists()` and friends.
//!
//! Entry points: [`relocate_insn_idx`] / [`relocate_insn`] for one record, built from
//! [`find_cands`], [`calc_relo_insn`] and [`patch_insn`], which are public for tools and tests.
//!
//! Where we knowingly differ from libbpf 1.5 (all on input libbpf mishandles):
//! * negative or out-of-`int` access indices are rejected (libbpf reads out of bounds);
//! * bit offsets that overflow 32 bits while parsing a spec are an error (libbpf wraps);
//! * a self-referencing ARRAY in a field's type is an error rather than an endless loop, and every
//!   type comparison has a work budget (hostile BTF can make libbpf's search exponential);
//! * a bitfield whose type has size 0 is an error (libbpf divides by zero);
//! * poisoning an `ld_imm64` without its second slot is an error (libbpf writes past the end);
//! * log lines name module BTFs `module #N` (the BTF's index in [`CoreTargets`]) instead of the
//!   module's name, and an enum spec never prints an enumerator that doesn't exist.

use crate::btf::dedup::FastMap;
use crate::btf::ext::CoreRelo;
use crate::btf::{Btf, Kind, Type, INT_SIGNED};
use crate::error::{Error, Result};

pub mod compat;
mod patch;
pub mod spec;

pub use compat::{essential_name_len, fields_are_compat, types_are_compat, types_match};
pub use patch::{patch_insn, POISON_CALL_IMM};
pub use spec::{format_spec, parse_spec, spec_match, Accessor, Spec, SPEC_MAX_LEN};

// `enum bpf_core_relo_kind`.
pub const BPF_CORE_FIELD_BYTE_OFFSET: u32 = 0;
pub const BPF_CORE_FIELD_BYTE_SIZE: u32 = 1;
pub const BPF_CORE_FIELD_EXISTS: u32 = 2;
pub const BPF_CORE_FIELD_SIGNED: u32 = 3;
pub const BPF_CORE_FIELD_LSHIFT_U64: u32 = 4;
pub const BPF_CORE_FIELD_RSHIFT_U64: u32 = 5;
pub const BPF_CORE_TYPE_ID_LOCAL: u32 = 6;
pub const BPF_CORE_TYPE_ID_TARGET: u32 = 7;
pub const BPF_CORE_TYPE_EXISTS: u32 = 8;
pub const BPF_CORE_TYPE_SIZE: u32 = 9;
pub const BPF_CORE_ENUMVAL_EXISTS: u32 = 10;
pub const BPF_CORE_ENUMVAL_VALUE: u32 = 11;
pub const BPF_CORE_TYPE_MATCHES: u32 = 12;

/// libbpf's short name of a relocation kind, as it appears in logs (`"byte_off"`, …);
/// `"unknown"` for values outside the enum.
pub fn relo_kind_str(kind: u32) -> &'static str {
    match kind {
        BPF_CORE_FIELD_BYTE_OFFSET => "byte_off",
        BPF_CORE_FIELD_BYTE_SIZE => "byte_sz",
        BPF_CORE_FIELD_EXISTS => "field_exists",
        BPF_CORE_FIELD_SIGNED => "signed",
        BPF_CORE_FIELD_LSHIFT_U64 => "lshift_u64",
        BPF_CORE_FIELD_RSHIFT_U64 => "rshift_u64",
        BPF_CORE_TYPE_ID_LOCAL => "local_type_id",
        BPF_CORE_TYPE_ID_TARGET => "target_type_id",
        BPF_CORE_TYPE_EXISTS => "type_exists",
        BPF_CORE_TYPE_MATCHES => "type_matches",
        BPF_CORE_TYPE_SIZE => "type_size",
        BPF_CORE_ENUMVAL_EXISTS => "enumval_exists",
        BPF_CORE_ENUMVAL_VALUE => "enumval_value",
        _ => "unknown",
    }
}

pub(crate) fn is_field_based(kind: u32) -> bool {
    kind <= BPF_CORE_FIELD_RSHIFT_U64
}

pub(crate) fn is_type_based(kind: u32) -> bool {
    matches!(
        kind,
        BPF_CORE_TYPE_ID_LOCAL
            | BPF_CORE_TYPE_ID_TARGET
            | BPF_CORE_TYPE_EXISTS
            | BPF_CORE_TYPE_MATCHES
            | BPF_CORE_TYPE_SIZE
    )
}

pub(crate) fn is_enumval_based(kind: u32) -> bool {
    matches!(kind, BPF_CORE_ENUMVAL_EXISTS | BPF_CORE_ENUMVAL_VALUE)
}

/// libbpf's lower-case kind names used in CO-RE logs (`btf_kind_str`).
pub fn kind_str(k: Kind) -> &'static str {
    match k {
        Kind::Unkn => "void",
        Kind::Int => "int",
        Kind::Ptr => "ptr",
        Kind::Array => "array",
        Kind::Struct => "struct",
        Kind::Union => "union",
        Kind::Enum => "enum",
        Kind::Fwd => "fwd",
        Kind::Typedef => "typedef",
        Kind::Volatile => "volatile",
        Kind::Const => "const",
        Kind::Restrict => "restrict",
        Kind::Func => "func",
        Kind::FuncProto => "func_proto",
        Kind::Var => "var",
        Kind::Datasec => "datasec",
        Kind::Float => "float",
        Kind::DeclTag => "decl_tag",
        Kind::TypeTag => "type_tag",
        Kind::Enum64 => "enum64",
    }
}

/// [`Btf::skip_mods_and_typedefs`] with an error for bad ids and loops.
pub(crate) fn skip(btf: &Btf, id: u32) -> Result<(u32, Type<'_>)> {
    btf.skip_mods_and_typedefs(id)
        .ok_or_else(|| Error::inval(format!("CO-RE: type id {id} is out of range or its modifier/typedef chain loops")))
}

/// The BTFs relocations are resolved against.
///
/// `btfs[0]` is the main target: kernel (vmlinux) BTF, or the BTF loaded from `btf_custom_path`
/// (then it is the only entry). `btfs[1..]` are kernel module BTFs, split on top of `btfs[0]`;
/// they are searched only for local types that have no candidate in `btfs[0]`, and only their own
/// types are considered.
pub struct CoreTargets<'a> {
    pub btfs: Vec<&'a Btf>,
}

/// A candidate target type: `targets.btfs[btf_idx]`, type `id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cand {
    pub btf_idx: usize,
    pub id: u32,
}

/// Per-object candidate cache: local type id → candidate list. Reuse one cache for all
/// relocations of an object (with the same [`CoreTargets`]): lists are searched once and narrowed
/// to the candidates that matched, exactly like libbpf's `cand_cache`.
#[derive(Debug, Default)]
pub struct CandCache {
    map: FastMap<u32, Vec<Cand>>,
    /// vmlinux-only candidate lists found by [`CandCache::presearch`] and not yet used: the
    /// first relocation of the type logs them and moves a non-empty list to `map`.
    pre: FastMap<u32, Vec<Cand>>,
    /// Relocation number used in logs by [`relocate_insn`] (which has no index argument).
    next_relo_idx: usize,
    /// Successful [`calc_relo_insn`] results of this load, see [`Memo`].
    memo: FastMap<MemoKey, Memo>,
    /// Memoization off: every relocation takes the full path (for tests comparing both).
    memo_off: bool,
    /// Relocations answered from `memo`.
    memo_hits: usize,
}

/// A relocation's identity for [`Memo`]: (local type id, access string offset, kind).
type MemoKey = (u32, u32, u32);

/// One successful [`calc_relo_insn`], replayable. The computation depends only on the local
/// BTF, the targets (both fixed for a [`CandCache`]), the key and the candidate list it started
/// from; the program name and relocation number appear only in log lines and error texts. So a
/// later relocation with the same key and the same list gets the stored result and the stored
/// texts of its debug lines, printed with its own program name and number: the log is
/// byte-identical to a full computation. Errors are never stored.
#[derive(Debug)]
struct Memo {
    /// The candidate list the computation started from (a narrowing by another relocation of
    /// the type makes it differ: then the relocation is computed again and the memo replaced).
    cands: Vec<Cand>,
    /// For each candidate in order: matched, and its spec text (untruncated).
    lines: Vec<(bool, String)>,
    /// The candidates that matched (the list is narrowed to them when not empty).
    matched: Vec<Cand>,
    /// The result; its `local_spec` is the text of the `relo #N:` line.
    res: CoreReloRes,
}

impl CandCache {
    pub fn new() -> Self {
        Self::default()
    }
    /// The cached candidates of local type `local_id`, if searched already.
    pub fn candidates(&self, local_id: u32) -> Option<&[Cand]> {
        self.map.get(&local_id).map(|v| v.as_slice())
    }
    /// Number of local types with a cached list.
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    /// Turn the memoization of relocation results within this cache off (`false`) or on (the
    /// default): with it off every relocation is computed in full. For tests that compare both.
    #[doc(hidden)]
    pub fn set_memo(&mut self, on: bool) {
        self.memo_off = !on;
        if !on {
            self.memo.clear();
        }
    }
    /// Number of relocations answered from the memo so far.
    #[doc(hidden)]
    pub fn memo_hits(&self) -> usize {
        self.memo_hits
    }

    /// Search `vmlinux` (the main target, `btfs[0]`) alone for the candidates of every local
    /// type in `type_ids`, without logging, and keep the lists for the relocations to use.
    /// Returns whether some named local type has no vmlinux candidate: only then do module
    /// BTFs need to be listed (libbpf's `bpf_core_find_cands` looks at them only in that case).
    pub fn presearch(&mut self, local: &Btf, type_ids: impl IntoIterator<Item = u32>, vmlinux: &Btf) -> bool {
        let mut need_modules = false;
        for id in type_ids {
            if self.map.contains_key(&id) || self.pre.contains_key(&id) {
                continue;
            }
            // Bad or anonymous local types fail in `find_cands` whatever the targets are.
            let Some(t) = local.ty(id) else { continue };
            if t.name.is_empty() {
                continue;
            }
            let essent = &t.name[..essential_name_len(t.name)];
            let ids = vmlinux.vmlinux_core_cands(t.kind, essent, || {
                let mut c = Vec::new();
                add_cands(&t, essent, vmlinux, 0, None, 1, &mut c);
                c.into_iter().map(|c| c.id).collect()
            });
            let c: Vec<Cand> = ids.into_iter().map(|id| Cand { btf_idx: 0, id }).collect();
            need_modules |= c.is_empty();
            self.pre.insert(id, c);
        }
        need_modules
    }
}

/// What happened to a relocated instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreOutcome {
    /// The instruction now holds the target value.
    Patched,
    /// The instruction was replaced by `call 0xbad2310` (and, for `ld_imm64`, its second slot
    /// too); the verifier fails only if it is reachable.
    Poisoned { reason: String },
}

/// The computed relocation, `struct bpf_core_relo_res`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreReloRes {
    /// Value the instruction is expected to hold (from the local BTF), checked if `validate`.
    pub orig_val: u64,
    /// Value to patch in.
    pub new_val: u64,
    /// No target: poison the instruction rather than patch it.
    pub poison: bool,
    pub validate: bool,
    /// The field changed size in a way a load/store can't follow (signed ints, non-scalars).
    pub fail_memsz_adjust: bool,
    /// Field sizes and (modifier-stripped) field types, for load/store size adjustment.
    pub orig_sz: u32,
    pub orig_type_id: u32,
    pub new_sz: u32,
    pub new_type_id: u32,
    /// The local spec in libbpf's log format (for messages).
    pub local_spec: String,
}

/// Log lines are cut like libbpf's 256-byte spec buffer.
fn trunc(s: &str) -> &str {
    if s.len() <= 255 {
        return s;
    }
    let mut n = 255;
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    &s[..n]
}

/// `bpf_core_add_cands`: append every type of `targ` from `start_id` on that has the local type's
/// kind (ENUM/ENUM64 interchangeable) and essential name.
/// `targ_name` `None`: no log lines (see [`log_cand`]).
fn add_cands(
    local: &Type<'_>,
    local_essent: &str,
    targ: &Btf,
    btf_idx: usize,
    targ_name: Option<&str>,
    start_id: u32,
    out: &mut Vec<Cand>,
) {
    let elen = local_essent.len();
    let eb = local_essent.as_bytes();
    let own = targ.start_id();
    // No BTF name holds a NUL: a local name with one goes without the prefix filter (and then
    // matches nothing below, as before).
    let filter = !eb.contains(&0);
    // A kind the local type's can't match fails before the name is looked at (the same types
    // fail the kind test below).
    let name_starts_with_eb = targ.own_name_prefix_test(eb, |k| compat::kind_core_compat(k, local.kind));
    for id in start_id..targ.type_cnt() {
        // Cheap filter on the raw name bytes before decoding the type: a candidate's name
        // starts with the local essential name.
        if id >= own && filter && !name_starts_with_eb(id) {
            continue;
        }
        let Some(t) = targ.ty(id) else { continue };
        if !compat::kind_core_compat(t.kind, local.kind) || t.name.is_empty() {
            continue;
        }
        if essential_name_len(t.name) != elen || t.name.as_bytes()[..elen] != *local_essent.as_bytes() {
            continue;
        }
        if let Some(n) = targ_name {
            log_cand(local, &t, id, n);
        }
        out.push(Cand { btf_idx, id });
    }
}

fn log_cand(local: &Type<'_>, t: &Type<'_>, id: u32, targ_name: &str) {
    let ((lkl, lkp), (lnl, lnp)) = (crate::log::cs(kind_str(local.kind)), crate::log::cs(local.name));
    let ((tkl, tkp), (tnl, tnp), (bl, bp)) =
        (crate::log::cs(kind_str(t.kind)), crate::log::cs(t.name), crate::log::cs(targ_name));
    // SAFETY: u32 for each `%u`, (c_int, pointer) of live &str for each `%.*s`.
    unsafe {
        crate::pr_debug_c!(
            c"libbpf: CO-RE relocating [%u] %.*s %.*s: found target candidate [%u] %.*s %.*s in [%.*s]\n",
            local.id,
            lkl,
            lkp,
            lnl,
            lnp,
            id,
            tkl,
            tkp,
            tnl,
            tnp,
            bl,
            bp
        )
    };
}

/// `bpf_core_find_cands`: candidates for local type `local_id`, vmlinux (`btfs[0]`) first and
/// module BTFs only if vmlinux has none.
pub fn find_cands(local: &Btf, local_id: u32, targets: &CoreTargets<'_>) -> Result<Vec<Cand>> {
    let t = local.ty(local_id).ok_or_else(|| Error::inval(format!("local type id {local_id} is out of range")))?;
    if t.name.is_empty() {
        return Err(Error::inval(format!("local type [{local_id}] {} is anonymous", kind_str(t.kind))));
    }
    let essent = &t.name[..essential_name_len(t.name)];
    let mut cands = Vec::new();
    let Some(main) = targets.btfs.first() else { return Ok(cands) };
    add_cands(&t, essent, main, 0, Some("vmlinux"), 1, &mut cands);
    if !cands.is_empty() {
        return Ok(cands);
    }
    for (i, m) in targets.btfs.iter().enumerate().skip(1) {
        add_cands(&t, essent, m, i, Some(&format!("module #{i}")), m.start_id(), &mut cands);
    }
    Ok(cands)
}

/// What [`calc_field_relo`] computed for one side.
struct FieldVal {
    val: u64,
    field_sz: u32,
    type_id: u32,
    /// `None`: leave the caller's default.
    validate: Option<bool>,
}

/// The memory access size a load/store of type `id` uses (libbpf 1.7): for arrays, of any
/// dimension, the size of one element, not of the whole array.
fn access_size(btf: &Btf, id: u32) -> Result<u32> {
    let (mut elem_id, mut t) = skip(btf, id)?;
    while let Some((elem, _, _)) = t.array() {
        (elem_id, t) = skip(btf, elem)?;
    }
    btf.resolve_size(elem_id).map_err(|e| Error::inval(format!("size of [{elem_id}]: {e}")))
}

/// `bpf_core_calc_field_relo`. `Ok(None)` asks for poisoning (no target spec).
fn calc_field_relo(prog: &str, relo: &CoreRelo, spec: Option<&Spec<'_>>) -> Result<Option<FieldVal>> {
    let mut r = FieldVal { val: 0, field_sz: 0, type_id: 0, validate: None };
    if relo.kind == BPF_CORE_FIELD_EXISTS {
        r.val = spec.is_some() as u64;
        return Ok(Some(r));
    }
    let Some(spec) = spec else { return Ok(None) };
    let btf = spec.btf;
    let acc = spec.spec.last().ok_or_else(|| Error::inval("CO-RE: field spec without accessors"))?;
    let insn = relo.insn_off / 8;

    // a[n]: the element itself
    if acc.name.is_none() {
        let sz = || {
            btf.resolve_size(acc.type_id)
                .map_err(|e| Error::inval(format!("size of array element [{}]: {e}", acc.type_id)))
        };
        match relo.kind {
            BPF_CORE_FIELD_BYTE_OFFSET => {
                r.val = (spec.bit_offset / 8) as u64;
                r.field_sz = access_size(btf, acc.type_id)?;
                r.type_id = acc.type_id;
            }
            BPF_CORE_FIELD_BYTE_SIZE => r.val = sz()? as u64,
            _ => {
                crate::pr_warn!("prog '{prog}': relo {} at insn #{insn} can't be applied to array access", relo.kind);
                return Err(Error::inval(format!(
                    "relocation {} at insn #{insn} can't be applied to array access",
                    relo_kind_str(relo.kind)
                )));
            }
        }
        r.validate = Some(true);
        return Ok(Some(r));
    }

    let t = btf.ty(acc.type_id).ok_or_else(|| Error::inval(format!("CO-RE: type [{}] missing", acc.type_id)))?;
    let m = t
        .members()
        .and_then(|ms| ms.get(acc.idx as usize))
        .ok_or_else(|| Error::inval(format!("CO-RE: {t} has no member {}", acc.idx)))?;
    let (field_type_id, mt) = skip(btf, m.type_id)?;
    let bit_off = spec.bit_offset;
    let mut bit_sz = m.bitfield_size;
    let bitfield = bit_sz > 0;
    let (byte_off, byte_sz);
    if bitfield {
        let mut bsz = mt.size_or_type;
        if bsz == 0 {
            return Err(Error::inval(format!("CO-RE: bitfield {}.{} has a zero-sized type", t.name, m.name)));
        }
        let mut boff = bit_off / 8 / bsz * bsz;
        // the smallest load that covers the whole bitfield
        while bit_off as u64 + bit_sz as u64 - boff as u64 * 8 > bsz as u64 * 8 {
            if bsz >= 8 {
                crate::pr_warn!("prog '{prog}': relo {} at insn #{insn} can't be satisfied for bitfield", relo.kind);
                return Err(Error::new(
                    libc::E2BIG,
                    format!("bitfield {}.{} can't be read with a 64-bit load", t.name, m.name),
                ));
            }
            bsz *= 2;
            boff = bit_off / 8 / bsz * bsz;
        }
        (byte_off, byte_sz) = (boff, bsz);
    } else {
        byte_sz = btf
            .resolve_size(field_type_id)
            .map_err(|e| Error::inval(format!("size of field {}.{}: {e}", t.name, m.name)))?;
        byte_off = bit_off / 8;
        bit_sz = byte_sz.wrapping_mul(8);
    }

    // For bitfields the compiler's choices may differ from ours: don't check the original value
    // (except for the signedness and the right shift, which are never ambiguous).
    r.validate = Some(!bitfield);
    match relo.kind {
        BPF_CORE_FIELD_BYTE_OFFSET => {
            r.val = byte_off as u64;
            if !bitfield {
                r.field_sz = access_size(btf, field_type_id)?;
                r.type_id = field_type_id;
            }
        }
        BPF_CORE_FIELD_BYTE_SIZE => r.val = byte_sz as u64,
        BPF_CORE_FIELD_SIGNED => {
            let signed = (mt.is_any_enum() && mt.kflag)
                || (mt.is_int() && mt.int().is_some_and(|(enc, _, _)| enc & INT_SIGNED != 0));
            r.val = signed as u64;
            r.validate = Some(true);
        }
        // u32 arithmetic, as in libbpf (little-endian formula)
        BPF_CORE_FIELD_LSHIFT_U64 => {
            r.val = 64u32.wrapping_sub(bit_off.wrapping_add(bit_sz).wrapping_sub(byte_off.wrapping_mul(8))) as u64
        }
        BPF_CORE_FIELD_RSHIFT_U64 => {
            r.val = 64u32.wrapping_sub(bit_sz) as u64;
            r.validate = Some(true);
        }
        k => return Err(unsupported(k)),
    }
    Ok(Some(r))
}

fn unsupported(kind: u32) -> Error {
    Error::notsup(format!("unrecognized CO-RE relocation {} ({kind})", relo_kind_str(kind)))
}

/// `bpf_core_calc_type_relo`: `(value, validate)`.
fn calc_type_relo(relo: &CoreRelo, spec: Option<&Spec<'_>>) -> Result<(u64, bool)> {
    let Some(spec) = spec else { return Ok((0, true)) };
    match relo.kind {
        // type ids may change during linking; don't enforce the original
        BPF_CORE_TYPE_ID_TARGET => Ok((spec.root_type_id as u64, false)),
        BPF_CORE_TYPE_EXISTS | BPF_CORE_TYPE_MATCHES => Ok((1, true)),
        BPF_CORE_TYPE_SIZE => {
            let sz = spec
                .btf
                .resolve_size(spec.root_type_id)
                .map_err(|e| Error::inval(format!("size of [{}]: {e}", spec.root_type_id)))?;
            Ok((sz as u64, true))
        }
        k => Err(unsupported(k)),
    }
}

/// `bpf_core_calc_enumval_relo`. `Ok(None)` asks for poisoning.
fn calc_enumval_relo(relo: &CoreRelo, spec: Option<&Spec<'_>>) -> Result<Option<u64>> {
    match relo.kind {
        BPF_CORE_ENUMVAL_EXISTS => Ok(Some(spec.is_some() as u64)),
        BPF_CORE_ENUMVAL_VALUE => {
            let Some(spec) = spec else { return Ok(None) };
            let acc = spec.spec.first().ok_or_else(|| Error::inval("CO-RE: enum spec without accessor"))?;
            let t = spec.btf.ty(acc.type_id);
            let v = t
                .as_ref()
                .and_then(|t| Some((t.kind, t.enum_values()?.get(acc.idx as usize)?)))
                .ok_or_else(|| Error::inval(format!("CO-RE: enum [{}] has no value {}", acc.type_id, acc.idx)))?;
            // libbpf reads a 32-bit enumerator as `__s32` and widens it: always sign-extended.
            Ok(Some(match v.0 {
                Kind::Enum => v.1.value as u32 as i32 as i64 as u64,
                _ => v.1.value,
            }))
        }
        k => Err(unsupported(k)),
    }
}

/// `bpf_core_calc_relo`: original and new value of one relocation for one candidate (`targ`
/// `None`: no candidate matched).
fn calc_relo(
    prog: &str,
    relo: &CoreRelo,
    relo_idx: usize,
    local: &Spec<'_>,
    targ: Option<&Spec<'_>>,
) -> Result<CoreReloRes> {
    let mut res = CoreReloRes { validate: true, ..Default::default() };
    let r: Result<()> = (|| {
        if is_field_based(relo.kind) {
            let Some(l) = calc_field_relo(prog, relo, Some(local))? else { return Err(poison_req()) };
            res.orig_val = l.val;
            res.orig_sz = l.field_sz;
            res.orig_type_id = l.type_id;
            if let Some(v) = l.validate {
                res.validate = v;
            }
            let Some(t) = calc_field_relo(prog, relo, targ)? else { return Err(poison_req()) };
            res.new_val = t.val;
            res.new_sz = t.field_sz;
            res.new_type_id = t.type_id;
            if res.orig_sz != res.new_sz {
                // Loads/stores may change size only for pointers (a 32-bit kernel's pointers read
                // into a 64-bit register) and unsigned integers, which zero-extension keeps intact.
                let (Some(tspec), Some(ot)) = (targ, local.btf.ty(res.orig_type_id)) else {
                    res.fail_memsz_adjust = true;
                    return Ok(());
                };
                let nt = tspec.btf.ty(res.new_type_id);
                let ok = match (ot, nt) {
                    (o, Some(n)) if o.is_ptr() && n.is_ptr() => true,
                    (o, Some(n)) if o.is_int() && n.is_int() => {
                        let enc = |t: &Type<'_>| t.int().map_or(0, |(e, _, _)| e);
                        enc(&o) != INT_SIGNED && enc(&n) != INT_SIGNED
                    }
                    _ => false,
                };
                res.fail_memsz_adjust = !ok;
            }
        } else if is_type_based(relo.kind) {
            let (v, validate) = calc_type_relo(relo, Some(local))?;
            (res.orig_val, res.validate) = (v, validate);
            res.new_val = calc_type_relo(relo, targ)?.0;
        } else if is_enumval_based(relo.kind) {
            res.orig_val = calc_enumval_relo(relo, Some(local))?.ok_or_else(poison_req)?;
            res.new_val = calc_enumval_relo(relo, targ)?.ok_or_else(poison_req)?;
        } else {
            return Err(unsupported(relo.kind));
        }
        Ok(())
    })();
    match r {
        Ok(()) => Ok(res),
        Err(e) if e.errno() == libc::EUCLEAN => {
            res.poison = true;
            Ok(res)
        }
        Err(e) => {
            if e.errno() == libc::EOPNOTSUPP {
                crate::pr_warn!(
                    "prog '{prog}': relo #{relo_idx}: unrecognized CO-RE relocation {} ({}) at insn #{}",
                    relo_kind_str(relo.kind),
                    relo.kind,
                    relo.insn_off / 8
                );
            }
            Err(e)
        }
    }
}

/// Internal "poison the instruction" signal (libbpf's -EUCLEAN).
fn poison_req() -> Error {
    Error::quiet(libc::EUCLEAN)
}

/// `bpf_core_calc_relo_insn`: resolve one relocation against its (cached) candidates, narrowing
/// `cands` to the ones that matched. `cands` is ignored for TYPE_ID_LOCAL.
pub fn calc_relo_insn(
    prog: &str,
    relo: &CoreRelo,
    relo_idx: usize,
    local_btf: &Btf,
    cands: &mut Vec<Cand>,
    targets: &CoreTargets<'_>,
) -> Result<CoreReloRes> {
    calc_relo_insn_rec(prog, relo, relo_idx, local_btf, cands, targets, None)
}

/// [`calc_relo_insn`] through the memo of `cache` (see [`Memo`]): a relocation whose key and
/// candidate list were computed before in this cache replays the stored debug lines with its
/// own `prog` and `relo_idx` and returns the stored result; any other is computed in full and,
/// if it succeeds, stored.
#[allow(clippy::too_many_arguments)]
fn calc_relo_insn_memo<'m>(
    prog: &str,
    relo: &CoreRelo,
    relo_idx: usize,
    local_btf: &Btf,
    cands: &mut Vec<Cand>,
    targets: &CoreTargets<'_>,
    memo: &'m mut FastMap<MemoKey, Memo>,
    hits: &mut usize,
) -> Result<&'m CoreReloRes> {
    let key = (relo.type_id, relo.access_str_off, relo.kind);
    if let Some(m) = memo.get(&key).filter(|m| m.cands == *cands) {
        *hits += 1;
        let ((pl, pp), (dl, dp)) = (crate::log::cs(prog), crate::log::cs(trunc(&m.res.local_spec)));
        // SAFETY: (c_int, pointer) of live &str for each `%.*s`, usize for `%zu`.
        unsafe { crate::pr_debug_c!(c"libbpf: prog '%.*s': relo #%zu: %.*s\n", pl, pp, relo_idx, dl, dp) };
        if relo.kind != BPF_CORE_TYPE_ID_LOCAL {
            for (i, (matched, desc)) in m.lines.iter().enumerate() {
                log_cand_match(pl, pp, relo_idx, *matched, i, desc);
            }
            if m.matched.is_empty() {
                log_no_match(pl, pp, relo_idx);
            } else {
                cands.clone_from(&m.matched);
            }
        }
        // Found again rather than returned from the `get` above: a returned borrow of it
        // would keep `memo` borrowed on the path that inserts.
        return memo
            .get(&key)
            .map(|m| &m.res)
            .ok_or_else(|| Error::new(crate::error::lerr::INTERNAL, "CO-RE memo lost"));
    }
    let before = cands.clone();
    let mut lines = Vec::new();
    let res = calc_relo_insn_rec(prog, relo, relo_idx, local_btf, cands, targets, Some(&mut lines))?;
    let matched = lines.iter().zip(&before).filter(|((m, _), _)| *m).map(|(_, c)| *c).collect();
    let m = memo.entry(key).insert_entry(Memo { cands: before, lines, matched, res }).into_mut();
    Ok(&m.res)
}

/// The `matching`/`non-matching candidate` debug line of [`calc_relo_insn`].
fn log_cand_match(pl: std::ffi::c_int, pp: *const std::ffi::c_char, relo_idx: usize, m: bool, i: usize, desc: &str) {
    let ((ml, mp), (dl, dp)) =
        (crate::log::cs(if m { "matching" } else { "non-matching" }), crate::log::cs(trunc(desc)));
    // SAFETY: (c_int, pointer) of live &str for each `%.*s` (the caller's `(pl, pp)` is
    // [`crate::log::cs`] of a live &str), usize for each `%zu`.
    unsafe {
        crate::pr_debug_c!(
            c"libbpf: prog '%.*s': relo #%zu: %.*s candidate #%zu %.*s\n",
            pl,
            pp,
            relo_idx,
            ml,
            mp,
            i,
            dl,
            dp
        )
    };
}

/// The `no matching targets found` debug line of [`calc_relo_insn`].
fn log_no_match(pl: std::ffi::c_int, pp: *const std::ffi::c_char, relo_idx: usize) {
    // SAFETY: (c_int, pointer) of a live &str for `%.*s` (the caller's [`crate::log::cs`]),
    // usize for `%zu`.
    unsafe { crate::pr_debug_c!(c"libbpf: prog '%.*s': relo #%zu: no matching targets found\n", pl, pp, relo_idx) };
}

/// [`calc_relo_insn`], recording in `rec` (if given) whether each candidate matched and its
/// spec text, as logged.
fn calc_relo_insn_rec(
    prog: &str,
    relo: &CoreRelo,
    relo_idx: usize,
    local_btf: &Btf,
    cands: &mut Vec<Cand>,
    targets: &CoreTargets<'_>,
    mut rec: Option<&mut Vec<(bool, String)>>,
) -> Result<CoreReloRes> {
    let local_id = relo.type_id;
    let lt = local_btf
        .ty(local_id)
        .ok_or_else(|| Error::inval(format!("relo #{relo_idx}: local type id {local_id} is out of range")))?;
    let local_name = if lt.name.is_empty() { "<anon>" } else { lt.name };

    let local_spec = parse_spec(prog, local_btf, relo).map_err(|e| {
        let spec_str = local_btf.str_at(relo.access_str_off).unwrap_or("<?>");
        crate::pr_warn!(
            "prog '{prog}': relo #{relo_idx}: parsing [{local_id}] {} {local_name} + {spec_str} failed: {}",
            kind_str(lt.kind),
            -e.errno()
        );
        Error::inval(format!(
            "prog '{prog}': relo #{relo_idx}: parsing [{local_id}] {} {local_name} + {spec_str} failed: {}",
            kind_str(lt.kind),
            e.message()
        ))
    })?;
    let local_desc = format_spec(&local_spec);
    let ((pl, pp), (dl, dp)) = (crate::log::cs(prog), crate::log::cs(trunc(&local_desc)));
    // SAFETY: (c_int, pointer) of live &str for each `%.*s`, usize for `%zu`.
    unsafe { crate::pr_debug_c!(c"libbpf: prog '%.*s': relo #%zu: %.*s\n", pl, pp, relo_idx, dl, dp) };

    // TYPE_ID_LOCAL needs no candidates; the id may have changed during linking, so no check.
    if relo.kind == BPF_CORE_TYPE_ID_LOCAL {
        let id = local_spec.root_type_id as u64;
        return Ok(CoreReloRes { orig_val: id, new_val: id, local_spec: local_desc, ..Default::default() });
    }

    if lt.name.is_empty() {
        crate::pr_warn!(
            "prog '{prog}': relo #{relo_idx}: <{}> ({}) relocation doesn't support anonymous types",
            relo_kind_str(relo.kind),
            relo.kind
        );
        return Err(Error::notsup(format!(
            "prog '{prog}': relo #{relo_idx}: <{}> relocation of anonymous type [{local_id}] is not supported",
            relo_kind_str(relo.kind)
        )));
    }

    let mut best: Option<(CoreReloRes, Spec<'_>)> = None;
    let mut matched = Vec::new();
    for (i, c) in cands.iter().enumerate() {
        let targ = *targets.btfs.get(c.btf_idx).ok_or_else(|| {
            Error::inval(format!(
                "relo #{relo_idx}: candidate cache refers to target BTF #{} which is not given",
                c.btf_idx
            ))
        })?;
        let mut cand_spec = Spec::empty(targ, c.id, relo.kind);
        let m = spec_match(&local_spec, targ, c.id, &mut cand_spec);
        let desc = format_spec(&cand_spec);
        let m = m.map_err(|e| {
            crate::pr_warn!(
                "prog '{prog}': relo #{relo_idx}: error matching candidate #{i} {}: {}",
                trunc(&desc),
                -e.errno()
            );
            e.context(format!("prog '{prog}': relo #{relo_idx}: error matching candidate #{i} {desc}"))
        })?;
        log_cand_match(pl, pp, relo_idx, m, i, &desc);
        if let Some(r) = rec.as_deref_mut() {
            r.push((m, desc));
        }
        if !m {
            continue;
        }
        let mut cand_res = calc_relo(prog, relo, relo_idx, &local_spec, Some(&cand_spec))
            .map_err(|e| e.context(format!("prog '{prog}': relo #{relo_idx}")))?;
        cand_res.local_spec.clone_from(&local_desc);
        match &best {
            None => best = Some((cand_res, cand_spec)),
            Some((_, bs)) if bs.bit_offset != cand_spec.bit_offset => {
                // all matching field candidates must agree on the offset
                crate::pr_warn!(
                    "prog '{prog}': relo #{relo_idx}: field offset ambiguity: {} != {}",
                    cand_spec.bit_offset,
                    bs.bit_offset
                );
                return Err(Error::inval(format!(
                    "prog '{prog}': relo #{relo_idx}: field offset ambiguity: {} != {} ({local_desc})",
                    cand_spec.bit_offset, bs.bit_offset
                )));
            }
            Some((br, _)) if br.poison != cand_res.poison || br.new_val != cand_res.new_val => {
                let verdict = |p: bool| if p { "failure" } else { "success" };
                let msg = format!(
                    "relocation decision ambiguity: {} {} != {} {}",
                    verdict(cand_res.poison),
                    cand_res.new_val,
                    verdict(br.poison),
                    br.new_val
                );
                crate::pr_warn!("prog '{prog}': relo #{relo_idx}: {msg}");
                return Err(Error::inval(format!("prog '{prog}': relo #{relo_idx}: {msg} ({local_desc})")));
            }
            Some(_) => {}
        }
        matched.push(*c);
    }

    // Keep only the candidates that matched; if none did, keep the list as it was (a field may be
    // legitimately missing, and later relocations of the type must still see all candidates).
    if !matched.is_empty() {
        *cands = matched;
    }

    match best {
        Some((res, _)) => Ok(res),
        None => {
            log_no_match(pl, pp, relo_idx);
            let mut res = calc_relo(prog, relo, relo_idx, &local_spec, None)
                .map_err(|e| e.context(format!("prog '{prog}': relo #{relo_idx}")))?;
            res.local_spec = local_desc;
            Ok(res)
        }
    }
}

/// Apply one CO-RE relocation to `insns` (one program's instructions as raw `u64` words, each the
/// little-endian bytes of a `struct bpf_insn`); `insn_idx` is `relo.insn_off / 8` made relative to
/// the program's first instruction, and `relo_idx` the record's number within its ELF section
/// (libbpf numbers relocations that way in its log lines).
///
/// `Err` for malformed input (bad access string, ids or indices out of range, an instruction that
/// does not hold the value the local BTF predicts, ambiguous candidates, …) with a message naming
/// the program, relocation and problem; libbpf-style lines are logged along the way.
#[allow(clippy::too_many_arguments)]
pub fn relocate_insn_idx(
    local: &Btf,
    relo: &CoreRelo,
    relo_idx: usize,
    insns: &mut [u64],
    insn_idx: usize,
    targets: &CoreTargets<'_>,
    cache: &mut CandCache,
    prog_name: &str,
) -> Result<CoreOutcome> {
    if relo.insn_off % 8 != 0 {
        return Err(Error::inval(format!(
            "prog '{prog_name}': relo #{relo_idx}: insn_off {} is not a multiple of 8",
            relo.insn_off
        )));
    }
    if insn_idx >= insns.len() {
        return Err(Error::inval(format!(
            "prog '{prog_name}': relo #{relo_idx}: insn #{insn_idx} is past the end of the program ({} insns)",
            insns.len()
        )));
    }
    // The local type, decoded only when no earlier relocation of it got a candidate list
    // (which it did only after this check passed; the BTF does not change during a load).
    let local_type = || {
        local.ty(relo.type_id).ok_or_else(|| {
            Error::inval(format!(
                "prog '{prog_name}': relo #{relo_idx}: local type id {} is out of range (type count {})",
                relo.type_id,
                local.type_cnt()
            ))
        })
    };
    let known = relo.kind != BPF_CORE_TYPE_ID_LOCAL && cache.map.contains_key(&relo.type_id);
    let lt = if known { None } else { Some(local_type()?) };

    let mut none = Vec::new();
    let cands = if relo.kind == BPF_CORE_TYPE_ID_LOCAL {
        &mut none
    } else {
        match cache.map.entry(relo.type_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let lt = match lt {
                    Some(t) => t,
                    None => local_type()?,
                };
                match cache.pre.remove(&relo.type_id).filter(|c| !c.is_empty()) {
                    Some(c) => {
                        if let Some(main) = targets.btfs.first() {
                            for cand in &c {
                                if let Some(t) = main.ty(cand.id) {
                                    log_cand(&lt, &t, cand.id, "vmlinux");
                                }
                            }
                        }
                        v.insert(c)
                    }
                    None => {
                        let c = find_cands(local, relo.type_id, targets).map_err(|e| {
                            crate::pr_warn!(
                        "prog '{prog_name}': relo #{relo_idx}: target candidate search failed for [{}] {} {}: {}",
                        relo.type_id,
                        kind_str(lt.kind),
                        lt.name,
                        -e.errno()
                    );
                            e.context(format!("prog '{prog_name}': relo #{relo_idx}: target candidate search failed"))
                        })?;
                        v.insert(c)
                    }
                }
            }
        }
    };

    let res = if cache.memo_off {
        calc_relo_insn(prog_name, relo, relo_idx, local, cands, targets).map(std::borrow::Cow::Owned)
    } else {
        calc_relo_insn_memo(prog_name, relo, relo_idx, local, cands, targets, &mut cache.memo, &mut cache.memo_hits)
            .map(std::borrow::Cow::Borrowed)
    }
    .inspect_err(|e| {
        crate::pr_warn!(
            "prog '{prog_name}': relo #{relo_idx}: failed to relocate: {}",
            crate::error::errstr(e.errno())
        );
    })?;
    patch_insn(prog_name, insns, insn_idx, relo_idx, &res).inspect_err(|e| {
        crate::pr_warn!(
            "prog '{prog_name}': relo #{relo_idx}: failed to patch insn #{insn_idx}: {}",
            crate::error::errstr(e.errno())
        );
    })
}

/// [`relocate_insn_idx`] without a relocation number: log lines number relocations by a running
/// count kept in `cache` (correct when called for every record of one section in order; callers
/// that know the record index should use [`relocate_insn_idx`]).
pub fn relocate_insn(
    local: &Btf,
    relo: &CoreRelo,
    insns: &mut [u64],
    insn_idx: usize,
    targets: &CoreTargets<'_>,
    cache: &mut CandCache,
    prog_name: &str,
) -> Result<CoreOutcome> {
    let idx = cache.next_relo_idx;
    cache.next_relo_idx += 1;
    relocate_insn_idx(local, relo, idx, insns, insn_idx, targets, cache, prog_name)
}
