//! Stable-address storage for the handles C holds (`struct bpf_map *`, `struct bpf_program *`).
//!
//! Each element is a separate heap allocation created with `Box::into_raw` and owned by the
//! `Handles` value until it drops; the addresses never change, so pointers given to C (skeleton
//! slots, struct_ops shadows) stay valid for the object's life. Elements are kept behind raw
//! pointers rather than `Box` so that C holding and later passing back those pointers does not
//! conflict with Rust's uniqueness rules for `Box`. Rust code reaches elements only through
//! `&self`/`&mut self` borrows of the collection.
//!
//! Every element is registered as a live handle (`registry::register`) when pushed and
//! retired when the collection drops (with its object), so C passing one back after the
//! object closed is refused.

use crate::btf::dedup::FastMap as HashMap;
use crate::registry::{self, Handle};
use std::ptr::NonNull;

pub struct Handles<T: Handle> {
    items: Vec<NonNull<T>>,
    /// Address → index, so C handles map back to their position in O(1) (iteration from a
    /// handle, handle validation).
    index: HashMap<usize, usize>,
    /// Registry room asked for by [`Handles::reserve`], taken at the next push (reserving only
    /// once something is registered: a registry table left empty would never be freed).
    reg_reserve: usize,
}

// SAFETY: Handles owns its elements exclusively (like Vec<Box<T>>), so it is Send/Sync exactly
// when T is.
unsafe impl<T: Handle + Send> Send for Handles<T> {}
// SAFETY: as above.
unsafe impl<T: Handle + Sync> Sync for Handles<T> {}

impl<T: Handle> Default for Handles<T> {
    fn default() -> Self {
        Handles { items: Vec::new(), index: HashMap::default(), reg_reserve: 0 }
    }
}

impl<T: Handle> Handles<T> {
    pub fn push(&mut self, v: T) -> usize {
        if self.reg_reserve > 0 {
            registry::reserve(std::mem::take(&mut self.reg_reserve));
        }
        let p = NonNull::from(Box::leak(Box::new(v)));
        registry::register::<T>(p.as_ptr());
        self.items.push(p);
        self.index.insert(p.as_ptr() as usize, self.items.len() - 1);
        self.items.len() - 1
    }
    /// Room for `n` more elements (in the collection and in the registry of live handles), so
    /// pushing many programs does not grow the tables step by step.
    pub fn reserve(&mut self, n: usize) {
        self.items.reserve(n);
        self.index.reserve(n);
        self.reg_reserve = n;
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn get(&self, i: usize) -> Option<&T> {
        // SAFETY: every pointer came from Box::leak in `push` and stays alive until drop; the
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
        // SAFETY: as in `get_mut`; each element is a distinct allocation, so the references
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
        for p in self.items.drain(..) {
            // SAFETY: each pointer came from Box::leak in `push` and is dropped exactly once here.
            drop(unsafe { Box::from_raw(p.as_ptr()) });
        }
    }
}
