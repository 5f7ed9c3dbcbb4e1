//! The registry of live handles. Every pointer liboxbpf gives C as a handle is recorded, with
//! its type, in one process-wide table from the moment it is issued until it is freed: the core
//! records here what it hands out and takes back, and the C boundary's conversions
//! (`ffi::handle::get`, `get_mut`, `opt`) look a pointer up here before forming a reference: a pointer liboxbpf did not issue (another
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
//! 4. take it in exports with `ffi::handle::get`/`get_mut` (or `opt` in accessors that cannot
//!    report an error: `opt_logged`). Caller-owned structs (skeletons, opts) are not handles:
//!    use `ffi::handle::caller_mut` for them.
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
    retire_all(std::iter::once(p));
}

/// Room in the table for `n` more handles, registered next (an object about to push its
/// programs): the table then grows once instead of step by step.
pub fn reserve(n: usize) {
    if n > 0 {
        LIVE.write().get_or_insert_with(Table::default).reserve(n);
    }
}

/// [`register`] of many handles under one lock (an object's programs, once all are pushed).
pub fn register_all<T: Handle>(ps: impl ExactSizeIterator<Item = *const T>) {
    let mut g = LIVE.write();
    let t = g.get_or_insert_with(Table::default);
    t.reserve(ps.len());
    for p in ps.filter(|p| !p.is_null()) {
        t.insert(p as usize, Entry { ty: TypeId::of::<T>(), owned: false });
    }
    if t.is_empty() {
        // Nothing registered: leave no empty table behind (see `retire`).
        *g = None;
    }
}

/// [`retire`] of many handles under one lock (an object dropping its programs or maps); unknown
/// pointers are ignored.
pub fn retire_all<T: Handle>(ps: impl Iterator<Item = *const T>) {
    let mut g = LIVE.write();
    if let Some(t) = g.as_mut() {
        let mut n = 0u64;
        for p in ps {
            if t.remove(&(p as usize)).is_some() {
                n += 1;
            }
        }
        if n > 0 {
            RETIRED.fetch_add(n, Ordering::Release);
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
