//! Stable-address storage for the handles C holds (`struct bpf_map *`, `struct bpf_program *`).
//!
//! Elements live in blocks (chunks) allocated with a fixed capacity and never reallocated, owned
//! by the `Handles` value until it drops; the addresses never change, so pointers given to C
//! (skeleton slots, struct_ops shadows) stay valid for the object's life. A block holds many
//! elements (up to 16 KiB of them; an object's programs are counted before they are pushed), so
//! a 500-program object costs about 20 allocations for its programs, not 500. Elements are kept behind raw pointers rather
//! than references so that C holding and later passing back those pointers does not conflict
//! with Rust's uniqueness rules. Rust code reaches elements only through `&self`/`&mut self`
//! borrows of the collection.
//!
//! Every element is registered as a live handle (`registry::register`) when pushed and
//! retired when the collection drops (with its object), so C passing one back after the
//! object closed is refused.

use crate::btf::dedup::FastMap as HashMap;
use crate::registry::{self, Handle};
use std::mem::MaybeUninit;
use std::ptr::NonNull;

/// A block of `cap` slots for elements, of which the first `len` are written.
struct Chunk<T> {
    base: NonNull<T>,
    cap: usize,
    len: usize,
}

/// Smallest block allocated when nothing was reserved.
const MIN_CHUNK: usize = 4;
/// Largest block, in bytes: blocks stay well under malloc's mmap and trim thresholds (128 KiB).
/// One block for a 500-program object (about 300 KiB) was mapped or grown from the heap top
/// and given back at every open and close (page faults, `brk`): open+close of that object took
/// 206 us with one block, 157 us with blocks of 16 KiB.
const MAX_CHUNK_BYTES: usize = 16 << 10;

pub struct Handles<T: Handle> {
    items: Vec<NonNull<T>>,
    /// Address → index, so C handles map back to their position in O(1) (iteration from a
    /// handle, handle validation).
    index: HashMap<usize, usize>,
    /// The blocks the elements live in (dropped through `items`, freed at drop).
    chunks: Vec<Chunk<T>>,
    /// Size of the next block, as [`Handles::reserve`] asked (0: doubling).
    want: usize,
    /// Registry room asked for by [`Handles::reserve`], taken at the next push (only once
    /// something is registered: a registry table left empty would never be freed).
    reg_want: usize,
}

// SAFETY: Handles owns its elements exclusively (like Vec<Box<T>>), so it is Send/Sync exactly
// when T is.
unsafe impl<T: Handle + Send> Send for Handles<T> {}
// SAFETY: as above.
unsafe impl<T: Handle + Sync> Sync for Handles<T> {}

impl<T: Handle> Default for Handles<T> {
    fn default() -> Self {
        Handles { items: Vec::new(), index: HashMap::default(), chunks: Vec::new(), want: 0, reg_want: 0 }
    }
}

impl<T: Handle> Handles<T> {
    /// A free slot with a stable address: the next one of the last block, or the first of a
    /// new block (sized by what was reserved, else doubling the collection, at most
    /// [`MAX_CHUNK_BYTES`]).
    fn slot(&mut self) -> NonNull<T> {
        if let Some(c) = self.chunks.last_mut().filter(|c| c.len < c.cap) {
            // SAFETY: `len < cap`, so the slot lies inside the block's allocation.
            let p = unsafe { c.base.add(c.len) };
            c.len += 1;
            return p;
        }
        let most = (MAX_CHUNK_BYTES / std::mem::size_of::<T>().max(1)).max(MIN_CHUNK);
        let cap = std::mem::take(&mut self.want).max(self.items.len()).clamp(MIN_CHUNK, most);
        let block: &mut [MaybeUninit<T>] = Box::leak(Box::new_uninit_slice(cap));
        let base = NonNull::from(block).cast::<T>();
        self.chunks.push(Chunk { base, cap, len: 1 });
        base
    }

    pub fn push(&mut self, v: T) -> usize {
        if self.reg_want > 0 {
            registry::reserve(std::mem::take(&mut self.reg_want));
        }
        let i = self.push_unregistered(v);
        registry::register::<T>(self.ptr(i));
        i
    }

    /// [`Handles::push`] without registering the handle: for elements pushed in bulk before any
    /// pointer is handed out, registered together by [`Handles::register_all`] (one registry
    /// update instead of one per element). Dropping unregistered elements is fine.
    pub fn push_unregistered(&mut self, v: T) -> usize {
        let p = self.slot();
        // SAFETY: `slot` gives an unwritten slot of a live block, aligned and sized for T.
        unsafe { p.as_ptr().write(v) };
        self.items.push(p);
        self.index.insert(p.as_ptr() as usize, self.items.len() - 1);
        self.items.len() - 1
    }
    /// Register every element as a live handle (idempotent for those already registered).
    pub fn register_all(&mut self) {
        self.reg_want = 0;
        registry::register_all::<T>(self.items.iter().map(|p| p.as_ptr() as *const T));
    }

    /// Room for `n` more elements (in the collection and in the registry of live handles), so
    /// pushing many programs does not grow the tables step by step.
    pub fn reserve(&mut self, n: usize) {
        self.items.reserve(n);
        self.index.reserve(n);
        let room = self.chunks.last().map_or(0, |c| c.cap - c.len);
        self.want = n.saturating_sub(room);
        self.reg_want = n;
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn get(&self, i: usize) -> Option<&T> {
        // SAFETY: every pointer is a slot written in `push`, alive until drop; the
        // shared borrow of self prevents concurrent &mut access through this collection.
        self.items.get(i).map(|p| unsafe { p.as_ref() })
    }
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        // SAFETY: as in `get`; the exclusive borrow of self makes this the only live reference
        // created through the collection.
        self.items.get(i).map(|p| unsafe { &mut *p.as_ptr() })
    }
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        // SAFETY: as in `get`.
        self.items.iter().map(|p| unsafe { p.as_ref() })
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        // SAFETY: as in `get_mut`; each element is a distinct slot, so the references
        // handed out are disjoint.
        self.items.iter().map(|p| unsafe { &mut *p.as_ptr() })
    }
    /// The stable address of element `i`, for handing to C.
    pub fn ptr(&self, i: usize) -> *mut T {
        self.items.get(i).map_or(std::ptr::null_mut(), |p| p.as_ptr())
    }
    /// Index of the element at address `p`, if it belongs to this collection.
    pub fn index_of(&self, p: *const T) -> Option<usize> {
        self.index.get(&(p as usize)).copied()
    }
    /// Reorder elements (addresses unchanged). Only used before any pointer is handed out.
    pub fn sort_by(&mut self, mut f: impl FnMut(&T, &T) -> std::cmp::Ordering) {
        // SAFETY: as in `get`; only shared references are formed for the comparison.
        self.items.sort_by(|a, b| unsafe { f(a.as_ref(), b.as_ref()) });
        // Refilled in place: the table keeps its capacity.
        self.index.clear();
        for (i, p) in self.items.iter().enumerate() {
            self.index.insert(p.as_ptr() as usize, i);
        }
    }
}

impl<T: Handle> Drop for Handles<T> {
    fn drop(&mut self) {
        self.index.clear();
        // One registry update for the whole collection.
        registry::retire_all::<T>(self.items.iter().map(|p| p.as_ptr() as *const T));
        // Elements in the collection's order (as they were dropped when each was a Box).
        for p in self.items.drain(..) {
            // SAFETY: each pointer is a slot written in `push`, dropped exactly once here.
            unsafe { std::ptr::drop_in_place(p.as_ptr()) };
        }
        for c in self.chunks.drain(..) {
            let slots = std::ptr::slice_from_raw_parts_mut(c.base.as_ptr().cast::<MaybeUninit<T>>(), c.cap);
            // SAFETY: the block was leaked in `slot` as a Box of `cap` MaybeUninit slots; its
            // elements were dropped above and MaybeUninit drops nothing, so this only frees it.
            drop(unsafe { Box::from_raw(slots) });
        }
    }
}
