//! BTF → compilable C, with libbpf 1.5's `btf_dump` semantics (what `bpftool btf dump … format
//! c` prints through it).
//!
//! One [`CDump`] keeps the state libbpf keeps per dumper, so that successive calls continue one
//! another exactly as libbpf's do:
//! * per type: the topological-ordering state, the emission state, whether a forward declaration
//!   was printed, whether a unique name was assigned, whether any other type refers to it;
//! * two name tables counting occurrences: struct/union/enum (and INT) names, and typedef plus
//!   enumerator names; a name seen for the n-th time (n > 1) is printed as `name___n`;
//! * an output buffer handed to the sink at the end of every call and before every log line,
//!   so output and log interleave as libbpf's do while the user's callback runs once per chunk.
//!
//! The algorithm (libbpf's, re-expressed): `dump_type` first orders the type and everything it
//! needs by depth-first search, telling "strong" links (the full definition must come first:
//! embedding, anonymous types) from "weak" ones (through a pointer to a named type: a forward
//! declaration will do), queueing every named definition; then emits the queue, printing forward
//! declarations where a definition refers back to something being emitted. Declarations are
//! built from a stack of the type chain (modifiers, pointers, arrays, function prototypes) and
//! printed inside-out as C requires.
//!
//! The BTF is passed to every call, not held, because a C caller may add types between calls
//! (the per-type state grows then, as libbpf's does). Every recursion is bounded, so a looping
//! or absurdly deep BTF ends with a log line instead of exhausting the stack.

mod decl;
use decl::name_dups;

use super::{Btf, VOID_RECORD};
use crate::error::{Error, Result};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

pub(super) const K_UNKN: u32 = 0;
pub(super) const K_INT: u32 = 1;
pub(super) const K_PTR: u32 = 2;
pub(super) const K_ARRAY: u32 = 3;
pub(super) const K_STRUCT: u32 = 4;
pub(super) const K_UNION: u32 = 5;
pub(super) const K_ENUM: u32 = 6;
pub(super) const K_FWD: u32 = 7;
pub(super) const K_TYPEDEF: u32 = 8;
pub(super) const K_VOLATILE: u32 = 9;
pub(super) const K_CONST: u32 = 10;
pub(super) const K_RESTRICT: u32 = 11;
pub(super) const K_FUNC: u32 = 12;
pub(super) const K_FUNC_PROTO: u32 = 13;
pub(super) const K_VAR: u32 = 14;
pub(super) const K_DATASEC: u32 = 15;
pub(super) const K_FLOAT: u32 = 16;
pub(super) const K_DECL_TAG: u32 = 17;
pub(super) const K_TYPE_TAG: u32 = 18;
pub(super) const K_ENUM64: u32 = 19;

/// Deepest recursion (type nesting, decl chains) before giving up on a malformed BTF. Real C
/// types nest a few dozen levels at most.
const MAX_DEPTH: u32 = 600;

/// libbpf indents with at most this many tabs.
const MAX_TABS: usize = 13;
const TABS: &[u8; MAX_TABS] = b"\t\t\t\t\t\t\t\t\t\t\t\t\t";

// Order state 0 (the default) is "not ordered".
const ORDERING: u8 = 1;
const ORDERED: u8 = 2;
const NOT_EMITTED: u8 = 0;
const EMITTING: u8 = 1;
const EMITTED: u8 = 2;

/// Flush the output buffer to the sink once it holds this much.
const FLUSH_AT: usize = 1 << 16;
/// Most text one `dump_type`/`emit_type_decl` call may write. libbpf has no limit, and hostile
/// BTF makes its output explode: a member at bit offset 2^32 pads with 67 million lines, and an
/// anonymous struct is written out again at every use, so nested uses multiply. The whole C
/// dump of vmlinux is ~4 MiB; no real type comes near this.
const OUTPUT_CAP: u64 = 64 << 20;

// Raw record accessors (`struct btf_type` words: name_off, info, size/type, trailer...).
#[inline]
pub(super) fn rec(btf: &Btf, id: u32) -> &[u32] {
    btf.type_record(id).unwrap_or(&VOID_RECORD)
}
#[inline]
pub(super) fn kind(r: &[u32]) -> u32 {
    (r[1] >> 24) & 0x1f
}
#[inline]
pub(super) fn vlen(r: &[u32]) -> usize {
    (r[1] & 0xffff) as usize
}
#[inline]
pub(super) fn kflag(r: &[u32]) -> bool {
    r[1] >> 31 != 0
}
#[inline]
pub(super) fn is_mod(k: u32) -> bool {
    matches!(k, K_VOLATILE | K_CONST | K_RESTRICT | K_TYPE_TAG)
}
#[inline]
pub(super) fn name(btf: &Btf, off: u32) -> &[u8] {
    btf.str_bytes_at(off).unwrap_or(b"")
}
/// Member `i` of a STRUCT/UNION record: (name_off, type, bit offset, bitfield size).
#[inline]
pub(super) fn member(r: &[u32], i: usize) -> (u32, u32, u32, u32) {
    let w = &r[3 + 3 * i..3 + 3 * i + 3];
    if kflag(r) {
        (w[0], w[1], w[2] & 0xff_ffff, w[2] >> 24)
    } else {
        (w[0], w[1], w[2], 0)
    }
}

/// FxHash: names are short and trusted enough; SipHash would dominate the name tables.
#[derive(Default, Clone, Copy)]
pub(super) struct Fx(u64);
impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut c = bytes.chunks_exact(8);
        for w in &mut c {
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w.try_into().unwrap_or([0; 8]))).wrapping_mul(K);
        }
        for &b in c.remainder() {
            h = (h.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
        self.0 = h;
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}
type NameMap = HashMap<Box<[u8]>, usize, BuildHasherDefault<Fx>>;

#[derive(Clone, Copy, Default)]
struct State {
    order: u8,
    emit: u8,
    fwd_emitted: bool,
    name_resolved: bool,
    referenced: bool,
}

/// Where output goes: called with the text followed by one NUL byte (so a C callback can take
/// it as a string without a copy).
pub type Sink = Box<dyn FnMut(&[u8])>;

/// A C `btf_dump_printf_fn_t` (its third argument is a `va_list`).
pub type RawDumpFn =
    unsafe extern "C" fn(ctx: *mut std::ffi::c_void, fmt: *const std::ffi::c_char, args: *mut std::ffi::c_void);

extern "C" {
    /// csrc/print_shim.c: `cb(ctx, fmt, <va_list of the variadic tail>)`.
    fn oxbpf_shim_dump_print(cb: RawDumpFn, ctx: *mut std::ffi::c_void, fmt: *const std::ffi::c_char, ...);
}

/// A sink calling the C callback `cb(ctx, "%s", text)`, so a `vfprintf`-style callback prints
/// the text verbatim.
///
/// # Safety
/// `cb` must be callable with `ctx` for as long as the sink lives.
pub unsafe fn c_sink(cb: RawDumpFn, ctx: *mut std::ffi::c_void) -> Sink {
    Box::new(move |text: &[u8]| {
        debug_assert_eq!(text.last(), Some(&0));
        // SAFETY: `cb` is valid with `ctx` (this function's contract); the format "%s" consumes
        // exactly the one string we pass, NUL-terminated by the sink contract, which outlives
        // the call.
        unsafe { oxbpf_shim_dump_print(cb, ctx, c"%s".as_ptr(), text.as_ptr()) }
    })
}

/// Options of `btf_dump__dump_type_data`, already read from the C struct.
#[derive(Clone, Debug, Default)]
pub struct DataOpts {
    /// Indentation unit (libbpf keeps at most 31 bytes of it); `None`: a tab.
    pub indent_str: Option<Vec<u8>>,
    pub indent_level: i32,
    pub compact: bool,
    pub skip_names: bool,
    pub emit_zeroes: bool,
    /// libbpf 1.7: NUL-terminated char arrays as `"strings"`.
    pub emit_strings: bool,
}

/// The per-call state of a typed-data dump (libbpf's `struct btf_dump_data`).
#[derive(Default)]
pub(super) struct Typed {
    pub(super) indent_lvl: u8,
    pub(super) indent_str: Vec<u8>,
    pub(super) compact: bool,
    pub(super) skip_names: bool,
    pub(super) emit_zeroes: bool,
    pub(super) emit_strings: bool,
    pub(super) depth: i32,
    pub(super) is_array_member: bool,
    pub(super) is_array_terminated: bool,
    pub(super) is_array_char: bool,
    /// Address of the caller's first data byte: alignment decides some output, as in libbpf.
    pub(super) addr: usize,
    /// Work left for this dump (values visited plus indentation bytes written): hostile BTF
    /// (arrays of structs declared smaller than their members, nested many levels) would
    /// otherwise make the dump exponential in time or quadratic in output.
    pub(super) budget: u64,
}

/// A BTF-to-C dumper (`struct btf_dump`).
pub struct CDump {
    /// `btf__pointer_size()` at creation, else the host's.
    pub(super) ptr_sz: u32,
    /// The BTF's own pointer size (what `btf__align_of`/`btf__resolve_size` use), per call.
    pub(super) btf_ptr_sz: u32,
    /// Highest type id whose references have been marked.
    last_id: u32,
    st: Vec<State>,
    cached: Vec<Option<Box<[u8]>>>,
    type_names: NameMap,
    ident_names: NameMap,
    queue: Vec<u32>,
    decls: Vec<u32>,
    pub(super) strip_mods: bool,
    pub(super) skip_anon_defs: bool,
    pub(super) out: Vec<u8>,
    sink: Sink,
    pub(super) typed: Typed,
    /// Current recursion depth of the decl emitter (bounded by [`MAX_DEPTH`]).
    nest: u32,
    /// Bytes handed to the sink since the current call began, and whether [`OUTPUT_CAP`] was hit.
    emitted: u64,
    over_cap: bool,
    /// Alignment of STRUCT/UNION types computed so far (0: not yet), valid for [`Self::btf_key`].
    align_cache: Vec<u32>,
    /// Identity of the BTF the cache describes: (type count, blob length, blob address, info
    /// word of the last type). Adding types, or members to the last type, changes it; then the
    /// cache is dropped.
    btf_key: (u32, usize, usize, u32),
}

impl std::fmt::Debug for CDump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CDump").field("ptr_sz", &self.ptr_sz).field("last_id", &self.last_id).finish()
    }
}

impl CDump {
    /// A dumper for `btf` printing to `sink` (libbpf's `btf_dump__new`): marks which types are
    /// referenced by others (this decides whether an anonymous enum is a top-level definition).
    pub fn new(btf: &Btf, sink: Sink) -> Result<CDump> {
        let mut d = CDump {
            ptr_sz: btf.pointer_size().unwrap_or(std::mem::size_of::<usize>() as u32),
            btf_ptr_sz: btf.ptr_size_or_native(),
            last_id: 0,
            st: Vec::new(),
            cached: Vec::new(),
            type_names: NameMap::default(),
            ident_names: NameMap::default(),
            queue: Vec::new(),
            decls: Vec::new(),
            strip_mods: false,
            skip_anon_defs: false,
            out: Vec::with_capacity(FLUSH_AT + 4096),
            sink,
            typed: Typed::default(),
            nest: 0,
            emitted: 0,
            over_cap: false,
            align_cache: Vec::new(),
            btf_key: (0, 0, 0, 0),
        };
        let cnt = btf.type_cnt() as usize;
        d.type_names.reserve(cnt / 8);
        d.ident_names.reserve(cnt / 4);
        d.resize(btf)?;
        Ok(d)
    }

    /// Make room for types added to the BTF since the last call (state arrays only).
    pub(super) fn grow(&mut self, btf: &Btf) {
        let cnt = btf.type_cnt() as usize;
        if self.st.is_empty() {
            self.st.push(State { order: ORDERED, emit: EMITTED, ..State::default() });
            self.cached.push(None);
        }
        if self.st.len() < cnt {
            self.st.resize(cnt, State::default());
            self.cached.resize(cnt, None);
        }
        self.btf_ptr_sz = btf.ptr_size_or_native();
        let raw = btf.raw_data();
        let last = rec(btf, btf.type_cnt().saturating_sub(1))[1];
        let key = (btf.type_cnt(), raw.len(), raw.as_ptr() as usize, last);
        if key != self.btf_key {
            self.btf_key = key;
            self.align_cache.clear();
            self.align_cache.resize(cnt, 0);
        }
    }

    /// libbpf's `btf_dump_resize`: grow, then mark the references of the new types.
    fn resize(&mut self, btf: &Btf) -> Result<()> {
        self.grow(btf);
        let last = btf.type_cnt().saturating_sub(1);
        if last <= self.last_id {
            return Ok(());
        }
        self.mark_referenced(btf, self.last_id + 1, last + 1)?;
        self.last_id = last;
        Ok(())
    }

    fn mark(&mut self, id: u32) {
        if let Some(s) = self.st.get_mut(id as usize) {
            s.referenced = true;
        }
    }

    fn mark_referenced(&mut self, btf: &Btf, from: u32, to: u32) -> Result<()> {
        for id in from..to {
            let r = rec(btf, id);
            match kind(r) {
                K_INT | K_ENUM | K_ENUM64 | K_FWD | K_FLOAT => {}
                K_VOLATILE | K_CONST | K_RESTRICT | K_PTR | K_TYPEDEF | K_FUNC | K_VAR | K_DECL_TAG | K_TYPE_TAG => {
                    self.mark(r[2])
                }
                K_ARRAY => {
                    self.mark(r[4]);
                    self.mark(r[3]);
                }
                K_STRUCT | K_UNION => {
                    for i in 0..vlen(r) {
                        self.mark(r[3 + 3 * i + 1]);
                    }
                }
                K_FUNC_PROTO => {
                    for i in 0..vlen(r) {
                        self.mark(r[3 + 2 * i + 1]);
                    }
                }
                K_DATASEC => {
                    for i in 0..vlen(r) {
                        self.mark(r[3 + 3 * i]);
                    }
                }
                k => {
                    return Err(Error::inval(format!("btf_dump: type [{id}] has unknown kind {k}")));
                }
            }
        }
        Ok(())
    }

    // ---- output ----

    #[inline]
    pub(super) fn put(&mut self, s: &[u8]) {
        self.out.extend_from_slice(s);
    }
    #[inline]
    pub(super) fn put_u64(&mut self, mut v: u64) {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&buf[i..]);
    }
    #[inline]
    pub(super) fn put_i64(&mut self, v: i64) {
        if v < 0 {
            self.out.push(b'-');
        }
        self.put_u64(v.unsigned_abs());
    }
    #[inline]
    fn pfx(&mut self, lvl: i32) {
        let n = lvl.clamp(0, MAX_TABS as i32) as usize;
        self.out.extend_from_slice(&TABS[..n]);
    }

    /// Hand everything buffered to the sink.
    pub(super) fn flush(&mut self) {
        if !self.out.is_empty() {
            self.emitted += self.out.len() as u64;
            self.out.push(0);
            (self.sink)(&self.out);
            self.out.clear();
        }
    }

    /// A libbpf warning, after the output printed so far.
    pub(super) fn warn(&mut self, msg: std::fmt::Arguments<'_>) {
        self.flush();
        crate::pr_warn!("{}", msg);
    }

    /// Whether this call's output reached [`OUTPUT_CAP`] (checked where output can explode:
    /// padding lines, struct members); once true, emitters return early.
    fn check_cap(&mut self) -> bool {
        if !self.over_cap && self.emitted + self.out.len() as u64 > OUTPUT_CAP {
            self.over_cap = true;
        }
        self.over_cap
    }

    pub(super) fn begin_call(&mut self) {
        self.emitted = 0;
        self.over_cap = false;
    }

    /// The end of a call: `Err(E2BIG)` with a warning when the output was cut at the cap.
    fn end_call(&mut self, id: u32) -> Result<()> {
        self.flush();
        if self.over_cap {
            self.warn(format_args!(
                "C text of type [{id}] exceeds {} MiB (hostile BTF?); output cut",
                OUTPUT_CAP >> 20
            ));
            return Err(Error::quiet(libc::E2BIG));
        }
        Ok(())
    }

    // ---- btf_dump__dump_type ----

    /// Emit type `id` and every type it needs that was not emitted yet (`btf_dump__dump_type`).
    pub fn dump_type(&mut self, btf: &Btf, id: u32) -> Result<()> {
        if id >= btf.type_cnt() {
            return Err(Error::inval(format!(
                "btf_dump__dump_type: type id {id} out of range (type count {})",
                btf.type_cnt()
            )));
        }
        self.resize(btf)?;
        self.begin_call();
        self.queue.clear();
        let res = self.order_type(btf, id, false, 0);
        if let Err(e) = res {
            self.flush();
            return Err(e);
        }
        let queue = std::mem::take(&mut self.queue);
        for &q in &queue {
            if self.check_cap() {
                break;
            }
            self.emit_type(btf, q, 0, 0);
            if self.out.len() >= FLUSH_AT {
                self.flush();
            }
        }
        self.queue = queue;
        self.end_call(id)
    }

    /// Topological ordering (libbpf's `btf_dump_order_type`): `Ok(true)` when `id` is part of a
    /// strong link (its definition must precede), `Ok(false)` for a weak one.
    fn order_type(&mut self, btf: &Btf, id: u32, through_ptr: bool, depth: u32) -> Result<bool> {
        if depth > MAX_DEPTH {
            self.warn(format_args!("type chain too deep (loop?), id:[{id}]"));
            return Err(Error::quiet(libc::ELOOP));
        }
        let i = id as usize;
        let Some(&s) = self.st.get(i) else {
            return Err(Error::inval(format!("btf_dump: type id {id} out of range")));
        };
        if s.order == ORDERED {
            return Ok(true);
        }
        let r = rec(btf, id);
        let k = kind(r);
        if s.order == ORDERING {
            if (k == K_STRUCT || k == K_UNION) && through_ptr && r[0] != 0 {
                return Ok(false);
            }
            self.warn(format_args!("unsatisfiable type cycle, id:[{id}]"));
            return Err(Error::quiet(libc::ELOOP));
        }
        let d = depth + 1;
        match k {
            K_INT | K_FLOAT => {
                self.st[i].order = ORDERED;
                Ok(false)
            }
            K_PTR => {
                let res = self.order_type(btf, r[2], true, d);
                self.st[i].order = ORDERED;
                res
            }
            K_ARRAY => self.order_type(btf, r[3], false, d),
            K_STRUCT | K_UNION => {
                if through_ptr && r[0] != 0 {
                    return Ok(false);
                }
                self.st[i].order = ORDERING;
                for m in 0..vlen(r) {
                    self.order_type(btf, r[3 + 3 * m + 1], false, d)?;
                }
                if r[0] != 0 {
                    self.queue.push(id);
                }
                self.st[i].order = ORDERED;
                Ok(true)
            }
            K_ENUM | K_ENUM64 | K_FWD => {
                if r[0] != 0 || !s.referenced {
                    self.queue.push(id);
                }
                self.st[i].order = ORDERED;
                Ok(true)
            }
            K_TYPEDEF => {
                let strong = self.order_type(btf, r[2], through_ptr, d)?;
                if through_ptr && !strong {
                    return Ok(false);
                }
                self.queue.push(id);
                self.st[i].order = ORDERED;
                Ok(true)
            }
            K_VOLATILE | K_CONST | K_RESTRICT | K_TYPE_TAG => self.order_type(btf, r[2], through_ptr, d),
            K_FUNC_PROTO => {
                let mut strong = self.order_type(btf, r[2], through_ptr, d)?;
                for p in 0..vlen(r) {
                    if self.order_type(btf, r[3 + 2 * p + 1], through_ptr, d)? {
                        strong = true;
                    }
                }
                Ok(strong)
            }
            K_FUNC | K_VAR | K_DATASEC | K_DECL_TAG => {
                self.st[i].order = ORDERED;
                Ok(false)
            }
            _ => Err(Error::inval(format!("btf_dump: type [{id}] of unknown kind {k} cannot be ordered"))),
        }
    }

    fn is_blacklisted(btf: &Btf, r: &[u32]) -> bool {
        r[0] != 0 && name(btf, r[0]) == b"__builtin_va_list"
    }

    /// Emit one queued type and the forward declarations it needs (`btf_dump_emit_type`).
    fn emit_type(&mut self, btf: &Btf, id: u32, cont_id: u32, depth: u32) {
        let i = id as usize;
        let Some(&s) = self.st.get(i) else { return };
        if s.emit == EMITTED {
            return;
        }
        if depth > MAX_DEPTH {
            self.warn(format_args!("type chain too deep (loop?), id:[{id}]"));
            return;
        }
        let d = depth + 1;
        let r = rec(btf, id);
        let k = kind(r);
        let top = cont_id == 0;
        if s.emit == EMITTING {
            if s.fwd_emitted {
                return;
            }
            match k {
                K_STRUCT | K_UNION => {
                    if id == cont_id {
                        return;
                    }
                    if r[0] == 0 {
                        self.warn(format_args!("anonymous struct/union loop, id:[{id}]"));
                        return;
                    }
                    self.emit_struct_fwd(btf, id, r);
                    self.put(b";\n\n");
                    self.st[i].fwd_emitted = true;
                }
                K_TYPEDEF => {
                    if !Self::is_blacklisted(btf, r) {
                        self.emit_typedef_def(btf, id, r, 0);
                        self.put(b";\n\n");
                    }
                    self.st[i].fwd_emitted = true;
                }
                _ => {}
            }
            return;
        }
        match k {
            K_INT => {
                self.emit_missing_aliases(btf, id);
                self.st[i].emit = EMITTED;
            }
            K_ENUM | K_ENUM64 => {
                if top {
                    self.emit_enum_def(btf, id, r, 0);
                    self.put(b";\n\n");
                }
                self.st[i].emit = EMITTED;
            }
            K_PTR | K_VOLATILE | K_CONST | K_RESTRICT | K_TYPE_TAG => self.emit_type(btf, r[2], cont_id, d),
            K_ARRAY => self.emit_type(btf, r[3], cont_id, d),
            K_FWD => {
                self.emit_fwd_def(btf, id, r);
                self.put(b";\n\n");
                self.st[i].emit = EMITTED;
            }
            K_TYPEDEF => {
                self.st[i].emit = EMITTING;
                self.emit_type(btf, r[2], id, d);
                if !self.st[i].fwd_emitted && !Self::is_blacklisted(btf, r) {
                    self.emit_typedef_def(btf, id, r, 0);
                    self.put(b";\n\n");
                }
                self.st[i].emit = EMITTED;
            }
            K_STRUCT | K_UNION => {
                self.st[i].emit = EMITTING;
                if top || r[0] == 0 {
                    let new_cont = if r[0] == 0 { cont_id } else { id };
                    for m in 0..vlen(r) {
                        self.emit_type(btf, r[3 + 3 * m + 1], new_cont, d);
                    }
                } else if !self.st[i].fwd_emitted && id != cont_id {
                    self.emit_struct_fwd(btf, id, r);
                    self.put(b";\n\n");
                    self.st[i].fwd_emitted = true;
                }
                if top {
                    self.emit_struct_def(btf, id, r, 0);
                    self.put(b";\n\n");
                    self.st[i].emit = EMITTED;
                } else {
                    self.st[i].emit = NOT_EMITTED;
                }
            }
            K_FUNC_PROTO => {
                self.emit_type(btf, r[2], cont_id, d);
                for p in 0..vlen(r) {
                    self.emit_type(btf, r[3 + 2 * p + 1], cont_id, d);
                }
            }
            _ => {}
        }
    }

    // ---- alignment, as btf__align_of (with its log line) ----

    pub(super) fn align_of(&mut self, btf: &Btf, id: u32) -> u32 {
        self.align_of_depth(btf, id, 0)
    }

    fn align_of_depth(&mut self, btf: &Btf, id: u32, depth: u32) -> u32 {
        let r = rec(btf, id);
        let k = kind(r);
        if depth > MAX_DEPTH {
            self.warn(format_args!("unsupported BTF_KIND:{k}"));
            return 0;
        }
        match k {
            K_INT | K_ENUM | K_ENUM64 | K_FLOAT => self.btf_ptr_sz.min(r[2]),
            K_PTR => self.btf_ptr_sz,
            K_TYPEDEF | K_VOLATILE | K_CONST | K_RESTRICT | K_TYPE_TAG => self.align_of_depth(btf, r[2], depth + 1),
            K_ARRAY => self.align_of_depth(btf, r[3], depth + 1),
            K_STRUCT | K_UNION => {
                // Only non-zero results are cached: a zero comes with a log line, repeated as
                // libbpf repeats it.
                if let Some(&a) = self.align_cache.get(id as usize).filter(|&&a| a != 0) {
                    return a;
                }
                let a = self.struct_align(btf, r, depth);
                if let Some(slot) = self.align_cache.get_mut(id as usize) {
                    *slot = a;
                }
                a
            }
            _ => {
                self.warn(format_args!("unsupported BTF_KIND:{k}"));
                0
            }
        }
    }

    fn struct_align(&mut self, btf: &Btf, r: &[u32], depth: u32) -> u32 {
        let mut max_align = 1u32;
        for m in 0..vlen(r) {
            let (_, t, _, bsz) = member(r, m);
            let raw_off = r[3 + 3 * m + 2];
            let a = self.align_of_depth(btf, t, depth + 1);
            if a == 0 {
                return 0;
            }
            max_align = max_align.max(a);
            if bsz == 0 && raw_off % a.wrapping_mul(8).max(1) != 0 {
                return 1;
            }
        }
        if r[2] % max_align != 0 {
            return 1;
        }
        max_align
    }

    /// `btf__resolve_size` on raw records: the size, or `-EINVAL`/`-E2BIG`.
    pub(super) fn resolve_size(&self, btf: &Btf, id: u32) -> i64 {
        let mut nelems: u32 = 1;
        let mut id = id;
        let mut size: Option<u32> = None;
        for _ in 0..32 {
            if id == 0 {
                break;
            }
            let r = rec(btf, id);
            match kind(r) {
                K_INT | K_STRUCT | K_UNION | K_ENUM | K_ENUM64 | K_DATASEC | K_FLOAT => {
                    size = Some(r[2]);
                    break;
                }
                K_PTR => {
                    size = Some(self.btf_ptr_sz);
                    break;
                }
                K_TYPEDEF | K_VOLATILE | K_CONST | K_RESTRICT | K_VAR | K_DECL_TAG | K_TYPE_TAG => id = r[2],
                K_ARRAY => {
                    let n = r[5];
                    if nelems != 0 && n > u32::MAX / nelems {
                        return -(libc::E2BIG as i64);
                    }
                    nelems = nelems.wrapping_mul(n);
                    id = r[3];
                }
                _ => return -(libc::EINVAL as i64),
            }
        }
        let Some(size) = size else {
            return -(libc::EINVAL as i64);
        };
        if nelems != 0 && size > u32::MAX / nelems {
            return -(libc::E2BIG as i64);
        }
        (nelems as u64 * size as u64) as i64
    }

    fn is_struct_packed(&mut self, btf: &Btf, r: &[u32]) -> bool {
        let mut max_align = 1u32;
        for m in 0..vlen(r) {
            let (_, t, _, bsz) = member(r, m);
            let raw_off = r[3 + 3 * m + 2];
            let a = self.align_of(btf, t);
            if a != 0 && bsz == 0 && raw_off % a.wrapping_mul(8).max(1) != 0 {
                return true;
            }
            max_align = max_align.max(a);
        }
        r[2] % max_align != 0
    }

    // ---- definitions ----

    /// Explicit padding between bit offsets `cur_off` and `next_off` (libbpf's
    /// `btf_dump_emit_bit_padding`: `long: 0;` style alignment marks and `type: bits;` fillers).
    fn emit_bit_padding(&mut self, cur_off: i32, next_off: i32, next_align: i32, in_bitfield: bool, lvl: i32) {
        let pads: [(&[u8], i32); 4] =
            [(b"long", (self.ptr_sz as i32).wrapping_mul(8)), (b"int", 32), (b"short", 16), (b"char", 8)];
        fn roundup(x: i32, y: i32) -> i32 {
            if y == 0 {
                return x;
            }
            (x.wrapping_add(y - 1) / y).wrapping_mul(y)
        }
        let mut cur_off = cur_off;
        if cur_off >= next_off {
            return;
        }
        let (mut pad_type, mut pad_bits, mut new_off) = (pads[0].0, pads[0].1, 0);
        for &(n, b) in &pads {
            pad_type = n;
            pad_bits = b;
            new_off = roundup(cur_off, b);
            if new_off <= next_off {
                break;
            }
        }
        if new_off > cur_off && new_off <= next_off {
            if in_bitfield
                || (new_off == next_off && roundup(cur_off, next_align.wrapping_mul(8)) != new_off)
                || (new_off != next_off && next_off - new_off <= new_off - cur_off)
            {
                self.put(b"\n");
                self.pfx(lvl);
                self.put(pad_type);
                self.put(b": ");
                self.put_i64(if in_bitfield { (new_off - cur_off) as i64 } else { 0 });
                self.put(b";");
            }
            cur_off = new_off;
        }
        while cur_off != next_off {
            let bits = (next_off - cur_off).min(pad_bits);
            if bits == pad_bits {
                self.put(b"\n");
                self.pfx(lvl);
                self.put(pad_type);
                self.put(b": ");
                self.put_i64(pad_bits as i64);
                self.put(b";");
                cur_off += bits;
                // A member far past the previous one (hostile or huge structs) pads with
                // millions of lines: hand them to the sink as they come, up to the cap.
                if self.out.len() >= FLUSH_AT {
                    self.flush();
                    if self.check_cap() {
                        return;
                    }
                }
                continue;
            }
            let mut progressed = false;
            for &(n, b) in pads.iter().rev() {
                pad_type = n;
                pad_bits = b;
                if pad_bits < bits {
                    continue;
                }
                self.put(b"\n");
                self.pfx(lvl);
                self.put(pad_type);
                self.put(b": ");
                self.put_i64(bits as i64);
                self.put(b";");
                cur_off += bits;
                progressed = true;
                break;
            }
            if !progressed || bits <= 0 {
                break;
            }
        }
    }

    fn emit_struct_fwd(&mut self, btf: &Btf, id: u32, r: &[u32]) {
        self.put(if kind(r) == K_STRUCT { b"struct" } else { b"union" });
        if r[0] != 0 {
            self.put(b" ");
        }
        let n = self.type_name(btf, id);
        self.put(&n);
    }

    pub(super) fn emit_struct_def(&mut self, btf: &Btf, id: u32, r: &[u32], lvl: i32) {
        let is_struct = kind(r) == K_STRUCT;
        let n = vlen(r);
        let align = self.align_of(btf, id);
        let packed = is_struct && self.is_struct_packed(btf, r);

        self.emit_struct_fwd(btf, id, r);
        self.put(b" {");
        let mut off: i32 = 0;
        let mut prev_bitfield = false;
        for m in 0..n {
            if self.check_cap() {
                return;
            }
            let (name_off, t, m_off, m_bits) = member(r, m);
            let fname = name(btf, name_off);
            let (m_off, mut m_sz) = (m_off as i32, m_bits as i32);
            let m_align = if packed { 1 } else { self.align_of(btf, t) as i32 };
            let in_bitfield = prev_bitfield && m_sz != 0;
            self.emit_bit_padding(off, m_off, m_align, in_bitfield, lvl + 1);
            self.put(b"\n");
            self.pfx(lvl + 1);
            self.emit_type_decl(btf, t, fname, lvl + 1);
            if m_sz != 0 {
                self.put(b": ");
                self.put_i64(m_sz as i64);
                off = m_off.wrapping_add(m_sz);
                prev_bitfield = true;
            } else {
                m_sz = self.resolve_size(btf, t).max(0) as i32;
                off = m_off.wrapping_add(m_sz.wrapping_mul(8));
                prev_bitfield = false;
            }
            self.put(b";");
        }
        if is_struct {
            self.emit_bit_padding(off, r[2].wrapping_mul(8) as i32, align as i32, false, lvl + 1);
        }
        if n != 0 || r[2] != 0 {
            self.put(b"\n");
            self.pfx(lvl);
            self.put(b"}");
        } else {
            self.put(b"}");
        }
        if packed {
            self.put(b" __attribute__((packed))");
        }
    }

    fn emit_missing_aliases(&mut self, btf: &Btf, id: u32) {
        const MISSING: [(&[u8], &[u8]); 4] = [
            (b"__Poly8_t", b"unsigned char"),
            (b"__Poly16_t", b"unsigned short"),
            (b"__Poly64_t", b"unsigned long long"),
            (b"__Poly128_t", b"unsigned __int128"),
        ];
        let n = self.type_name(btf, id);
        if let Some((_, base)) = MISSING.iter().find(|(alias, _)| *alias == &*n) {
            self.put(b"typedef ");
            self.put(base);
            self.put(b" ");
            self.put(&n);
            self.put(b";\n\n");
        }
    }

    fn emit_enum_fwd(&mut self, btf: &Btf, id: u32) {
        self.put(b"enum ");
        let n = self.type_name(btf, id);
        self.put(&n);
    }

    fn emit_enum_vals(&mut self, btf: &Btf, r: &[u32], lvl: i32) {
        let signed = kflag(r);
        let is64 = kind(r) == K_ENUM64;
        let stride = if is64 { 3 } else { 2 };
        for v in 0..vlen(r) {
            let w = &r[3 + stride * v..3 + stride * v + stride];
            let vname = name(btf, w[0]);
            let dup = name_dups(&mut self.ident_names, vname);
            self.put(b"\n");
            self.pfx(lvl + 1);
            self.put(vname);
            if dup > 1 {
                self.put(b"___");
                self.put_u64(dup as u64);
            }
            self.put(b" = ");
            if is64 {
                let val = (w[1] as u64) | ((w[2] as u64) << 32);
                if signed {
                    self.put_i64(val as i64);
                    self.put(b"LL,");
                } else {
                    self.put_u64(val);
                    self.put(b"ULL,");
                }
            } else {
                if signed {
                    self.put_i64(w[1] as i32 as i64);
                } else {
                    self.put_u64(w[1] as u64);
                }
                self.put(b",");
            }
        }
    }

    pub(super) fn emit_enum_def(&mut self, btf: &Btf, id: u32, r: &[u32], lvl: i32) {
        let n = vlen(r);
        self.put(b"enum");
        if r[0] != 0 {
            self.put(b" ");
        }
        let nm = self.type_name(btf, id);
        self.put(&nm);
        if n == 0 {
            return;
        }
        self.put(b" {");
        self.emit_enum_vals(btf, r, lvl);
        self.put(b"\n");
        self.pfx(lvl);
        self.put(b"}");
        if r[2] == 1 {
            self.put(b" __attribute__((mode(byte)))");
        } else if r[2] == 8 && self.ptr_sz == 8 {
            let needs_word = if kind(r) == K_ENUM { true } else { (0..n).all(|v| r[3 + 3 * v + 2] == 0) };
            if needs_word {
                self.put(b" __attribute__((mode(word)))");
            }
        }
    }

    fn emit_fwd_def(&mut self, btf: &Btf, id: u32, r: &[u32]) {
        let n = self.type_name(btf, id);
        self.put(if kflag(r) { b"union " } else { b"struct " });
        self.put(&n);
    }

    fn emit_typedef_def(&mut self, btf: &Btf, id: u32, r: &[u32], lvl: i32) {
        let n = self.ident_name(btf, id);
        if r[2] == 0 && &*n == b"__gnuc_va_list" {
            self.put(b"typedef __builtin_va_list __gnuc_va_list");
            return;
        }
        self.put(b"typedef ");
        self.emit_type_decl(btf, r[2], &n, lvl);
    }
}
