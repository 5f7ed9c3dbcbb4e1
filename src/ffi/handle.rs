//! Checked conversions from the raw pointers C hands us to references into the safe core, and
//! the registry of live handles that makes those checks possible.
//!
//! Ownership (one documented way per handle):
//! * `struct bpf_object *` is a `Box<Object>` leaked by the open functions and reclaimed by
//!   `bpf_object__close` (or skeleton destroy).
//! * `struct bpf_map *` / `struct bpf_program *` point at `Box`ed entries owned by their object;
//!   the boxes never move or drop before the object closes, so the addresses stay stable (the
//!   struct_ops shadow and skeletons store them).
//! * `struct bpf_link *` is a `Box<Link>` leaked at attach and reclaimed by `bpf_link__destroy`.
//! * `struct btf *`, `struct btf_ext *`, ring/user ring/perf buffers: `Box`es issued by their
//!   constructors and reclaimed by their `__free`. An object's own BTF (`bpf_object__btf`), the
//!   inner map of a map-in-map (`bpf_map__inner_map`) and a ring buffer's rings
//!   (`ring_buffer__ring`) are registered handles owned by their parent and die with it.
//!
//! # The registry of live handles
//! Every pointer liboxbpf gives C as a handle is recorded, with its type, in one process-wide
//! table from the moment it is issued until it is freed. [`get`], [`get_mut`] and [`opt`] look a
//! pointer up there before forming a reference: a pointer liboxbpf did not issue (another
//! libbpf's `struct btf *`, a local struct, garbage), one of another handle type, or one already
//! freed is refused with `-EINVAL` and a log line naming the function
//! (`libbpf: bpf_map__fd: map 0x… is not a live struct bpf_map handle issued by liboxbpf`),
//! without ever being read through. A freed address that the allocator hands to a new handle
//! of the same type is live again: the registry catches foreign and stale pointers, not a
//! use-after-free whose address was recycled.
//!
//! Adding a handle type (btf_dump, bpf_linker, bpf_prog_linfo, …):
//! 1. `impl Handle for MyType { const KIND: &'static str = "struct my_type"; }` (in the type's
//!    own file is fine; `KIND` must differ from every other type's);
//! 2. create it in one function with [`issue`] (`Box` leaked and registered as owned by C);
//!    free it in one function with [`reclaim`] (checks, unregisters, gives the `Box` back;
//!    NULL is `Ok(None)`; a foreign/stale pointer is an error and nothing is freed);
//! 3. pointers into something else that C may hand back (a map of an object, a ring of a ring
//!    buffer) are [`register`]ed when handed out and [`retire`]d before their owner frees them;
//!    [`reclaim`] refuses them, since C does not own them.
//! 4. take it in exports with [`get`]/[`get_mut`] (or [`opt`] in accessors that cannot report
//!    an error: [`opt_logged`]). Caller-owned structs (skeletons, opts) are not handles:
//!    use [`caller_mut`] for them.
//!
//! Cost: the table sits behind a reader-writer lock, whose two atomic read-modify-writes cost
//! more than the look-up itself. So each thread remembers the last few handles it validated,
//! stamped with a global count of retirements: while nothing has been retired since, a
//! remembered handle is still live and the check is a thread-local read and one atomic load.
//! Any retirement (a free) invalidates every thread's memory at once. Figures:
//! `tests/handle_registry.rs`, `handle_check_cost`.

use crate::error::{Error, Result};
use parking_lot::RwLock;
use std::any::TypeId;
use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A type whose pointers C holds as opaque handles.
pub trait Handle: 'static {
    /// The C type name, for log lines (`"struct bpf_map"`); distinct for each type.
    const KIND: &'static str;
}

impl Handle for crate::object::Object {
    const KIND: &'static str = "struct bpf_object";
}
impl Handle for crate::object::Map {
    const KIND: &'static str = "struct bpf_map";
}
impl Handle for crate::object::Program {
    const KIND: &'static str = "struct bpf_program";
}
impl Handle for crate::attach::link::Link {
    const KIND: &'static str = "struct bpf_link";
}
impl Handle for crate::btf::Btf {
    const KIND: &'static str = "struct btf";
}
impl Handle for crate::btf::BtfExt {
    const KIND: &'static str = "struct btf_ext";
}
impl Handle for crate::buffers::ringbuf::RingBuffer {
    const KIND: &'static str = "struct ring_buffer";
}
impl Handle for crate::buffers::ringbuf::Ring {
    const KIND: &'static str = "struct ring";
}
impl Handle for crate::buffers::ringbuf::UserRingBuffer {
    const KIND: &'static str = "struct user_ring_buffer";
}
impl Handle for crate::buffers::perfbuf::PerfBuffer {
    const KIND: &'static str = "struct perf_buffer";
}

/// Hasher for addresses: one folded 64x64→128 multiply (addresses are aligned, so their low
/// bits carry nothing; the fold spreads the high bits over the whole word).
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, x: usize) {
        let m = u128::from(x as u64) * 0x9E37_79B9_7F4A_7C15_u128;
        self.0 = (m as u64) ^ ((m >> 64) as u64);
    }
}

#[derive(Clone, Copy)]
struct Entry {
    ty: TypeId,
    /// Freed by C through [`reclaim`] (true), or owned by another handle (false).
    owned: bool,
}

type Table = HashMap<usize, Entry, BuildHasherDefault<AddrHasher>>;

static LIVE: RwLock<Option<Table>> = RwLock::new(None);

/// Retirements so far; bumped under the write lock after each removal.
static RETIRED: AtomicU64 = AtomicU64::new(0);

/// A handle this thread found live while `RETIRED` was `gen`; `ty` is [`kind_tag`].
#[derive(Clone, Copy)]
struct Seen {
    addr: usize,
    ty: usize,
    gen: u64,
}

const SEEN_SLOTS: usize = 4;
const UNSEEN: Seen = Seen { addr: 0, ty: 0, gen: u64::MAX };

thread_local! {
    static SEEN: [Cell<Seen>; SEEN_SLOTS] = const {
        [Cell::new(UNSEEN), Cell::new(UNSEEN), Cell::new(UNSEEN), Cell::new(UNSEEN)]
    };
}

/// A word naming `T` for the per-thread memory (the address of its distinct `KIND` string; the
/// table itself compares `TypeId`s).
fn kind_tag<T: Handle>() -> usize {
    T::KIND.as_ptr() as usize
}

fn seen_slot(addr: usize) -> usize {
    (addr >> 4 ^ addr >> 10) % SEEN_SLOTS
}

fn insert<T: Handle>(p: *const T, owned: bool) {
    if p.is_null() {
        return;
    }
    LIVE.write().get_or_insert_with(Table::default).insert(p as usize, Entry { ty: TypeId::of::<T>(), owned });
}

/// Record `p` as a live handle of type `T` owned by another handle (a map or program of an
/// object, a ring of a ring buffer, an object's BTF). Idempotent. [`reclaim`] refuses it.
pub fn register<T: Handle>(p: *const T) {
    insert(p, false);
}

/// Forget `p` (its owner is about to free it). Unknown pointers are ignored.
pub fn retire<T: Handle>(p: *const T) {
    let mut g = LIVE.write();
    if let Some(t) = g.as_mut() {
        if t.remove(&(p as usize)).is_some() {
            RETIRED.fetch_add(1, Ordering::Release);
        }
        if t.is_empty() {
            // No handle left: free the table (a process that closed everything holds no memory).
            *g = None;
        }
    }
}

/// Leak `b` to C as a handle it owns and frees through [`reclaim`].
pub fn issue<T: Handle>(b: Box<T>) -> *mut T {
    let p = Box::into_raw(b);
    insert(p, true);
    p
}

fn lookup(p: usize) -> Option<Entry> {
    LIVE.read().as_ref().and_then(|t| t.get(&p).copied())
}

/// Whether `p` is a live handle of type `T` issued by this library.
pub fn is_live<T: Handle>(p: *const T) -> bool {
    let addr = p as usize;
    let ty = kind_tag::<T>();
    let slot = seen_slot(addr);
    // Read before the look-up: a retirement after it makes what we remember stale.
    let gen = RETIRED.load(Ordering::Acquire);
    let fast = SEEN.with(|s| {
        let s = s[slot].get();
        s.addr == addr && s.ty == ty && s.gen == gen
    });
    if fast {
        return true;
    }
    let live = lookup(addr).is_some_and(|e| e.ty == TypeId::of::<T>());
    if live {
        SEEN.with(|s| s[slot].set(Seen { addr, ty, gen }));
    }
    live
}

fn refused<T: Handle>(p: *const T, what: &str) -> Error {
    Error::bad_handle(format!("{what} {p:p} is not a live {} handle issued by liboxbpf", T::KIND))
}

/// `Ok(())` for a live handle of type `T`; `-EINVAL` naming `what` for NULL, and `-EINVAL` with
/// a log line naming the calling export for anything else.
pub fn check<T: Handle>(p: *const T, what: &str) -> Result<()> {
    if p.is_null() {
        return Err(Error::inval(format!("{what} is NULL")));
    }
    if is_live(p) {
        Ok(())
    } else {
        Err(refused(p, what))
    }
}

/// Take back ownership of a handle C frees: NULL → `Ok(None)`; a live handle issued with
/// [`issue`] → unregistered and returned; anything else (foreign, stale, or owned by another
/// handle) → error, and nothing is freed.
///
/// # Safety
/// A registered owned pointer of type `T` must still be the `Box` [`issue`] leaked (guaranteed
/// when every free goes through this function).
pub unsafe fn reclaim<T: Handle>(p: *mut T, what: &str) -> Result<Option<Box<T>>> {
    if p.is_null() {
        return Ok(None);
    }
    {
        let mut g = LIVE.write();
        let t = g.get_or_insert_with(Table::default);
        match t.get(&(p as usize)) {
            Some(e) if e.ty == TypeId::of::<T>() && e.owned => {
                t.remove(&(p as usize));
                RETIRED.fetch_add(1, Ordering::Release);
                if t.is_empty() {
                    *g = None;
                }
            }
            Some(e) if e.ty == TypeId::of::<T>() => {
                return Err(Error::bad_handle(format!("{what} {p:p} belongs to another handle and is freed with it")));
            }
            _ => return Err(refused(p as *const T, what)),
        }
    }
    // SAFETY: registered as owned by `issue`, which leaked exactly this Box; removed from the
    // table above, so it is reclaimed once.
    Ok(Some(unsafe { Box::from_raw(p) }))
}

/// `&T` from a handle pointer: `-EINVAL` for NULL and for anything not a live `T` handle.
///
/// # Safety
/// No `&mut` to `*p` may be live for `'a`, and the handle must stay alive for `'a`.
pub unsafe fn get<'a, T: Handle>(p: *const T, what: &str) -> Result<&'a T> {
    check(p, what)?;
    // SAFETY: p is a live, registered handle of type T (checked just above).
    Ok(unsafe { &*p })
}

/// `&mut T` from a handle pointer, checked as [`get`].
///
/// # Safety
/// As [`get`], and no other reference to `*p` may be live for `'a`.
pub unsafe fn get_mut<'a, T: Handle>(p: *mut T, what: &str) -> Result<&'a mut T> {
    check(p, what)?;
    // SAFETY: p is a live, registered handle of type T (checked just above).
    Ok(unsafe { &mut *p })
}

/// For accessors where NULL is a silent fallback: NULL → `Ok(None)`, a live handle →
/// `Ok(Some)`, anything else → the error of [`check`] (log it with [`super::logged`]).
///
/// # Safety
/// As [`get`].
pub unsafe fn opt<'a, T: Handle>(p: *const T, what: &str) -> Result<Option<&'a T>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { get(p, what) }.map(Some)
}

/// [`opt`] yielding `&mut T`.
///
/// # Safety
/// As [`get_mut`].
pub unsafe fn opt_mut<'a, T: Handle>(p: *mut T, what: &str) -> Result<Option<&'a mut T>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { get_mut(p, what) }.map(Some)
}

/// [`opt`] for accessors that return a fallback: NULL and a refused pointer both give `None`
/// (the latter logged, naming `func`, with errno EINVAL).
///
/// # Safety
/// As [`get`].
pub unsafe fn opt_logged<'a, T: Handle>(func: &str, p: *const T, what: &str) -> Option<&'a T> {
    // SAFETY: forwarded contract.
    super::logged(func, unsafe { opt(p, what) }).flatten()
}

/// `&mut T` for a struct the caller owns (skeletons, subskeletons): not a handle, only NULL is
/// refused.
///
/// # Safety
/// `p` must be NULL or point to a valid, unaliased `T` for `'a`.
pub unsafe fn caller_mut<'a, T>(p: *mut T, what: &str) -> Result<&'a mut T> {
    // SAFETY: the caller guarantees a non-NULL `p` is valid and unaliased.
    unsafe { p.as_mut() }.ok_or_else(|| Error::inval(format!("{what} is NULL")))
}

/// A NUL-terminated C string as `&str`; NULL or non-UTF-8 → `-EINVAL` naming `what`.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string that lives for `'a`.
pub unsafe fn cstr<'a>(p: *const std::ffi::c_char, what: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(Error::inval(format!("{what} is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let c = unsafe { std::ffi::CStr::from_ptr(p) };
    c.to_str().map_err(|_| Error::inval(format!("{what} is not valid UTF-8")))
}

/// Like [`cstr`] but NULL is `None` (optional string arguments and option fields).
///
/// # Safety
/// As [`cstr`].
pub unsafe fn opt_cstr<'a>(p: *const std::ffi::c_char, what: &str) -> Result<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { cstr(p, what) }.map(Some)
    }
}
