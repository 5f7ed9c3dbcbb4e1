//! A program's relocations: kept inside the program while there are few (a tracepoint program
//! writing one map has one), on the heap past that. A many-program object used to pay one
//! allocation per program for them at open and one free at close.

use super::relo::{Reloc, RelocKind};
use std::ops::{Deref, DerefMut};

/// Relocations kept inline.
const INLINE: usize = 2;
/// What unused inline slots hold (never read: only the first `len` are visible).
const FILL: Reloc = Reloc { insn_idx: 0, kind: RelocKind::Call { sym_off: 0 } };

#[derive(Clone, Debug)]
pub enum RelocList {
    Inline { len: usize, buf: [Reloc; INLINE] },
    Heap(Vec<Reloc>),
}

impl Default for RelocList {
    fn default() -> Self {
        RelocList::Inline { len: 0, buf: [FILL; INLINE] }
    }
}

impl RelocList {
    /// Room for `n` more: past the inline slots, one heap allocation of the whole size.
    pub fn reserve(&mut self, n: usize) {
        match self {
            RelocList::Inline { len, buf } => {
                if *len + n > INLINE {
                    let mut v = Vec::with_capacity(*len + n);
                    v.extend_from_slice(&buf[..*len]);
                    *self = RelocList::Heap(v);
                }
            }
            RelocList::Heap(v) => v.reserve(n),
        }
    }

    pub fn push(&mut self, r: Reloc) {
        match self {
            RelocList::Inline { len, buf } if *len < INLINE => {
                buf[*len] = r;
                *len += 1;
            }
            RelocList::Inline { .. } => {
                self.reserve(INLINE);
                if let RelocList::Heap(v) = self {
                    v.push(r);
                }
            }
            RelocList::Heap(v) => v.push(r),
        }
    }
}

impl Deref for RelocList {
    type Target = [Reloc];
    fn deref(&self) -> &[Reloc] {
        match self {
            RelocList::Inline { len, buf } => &buf[..*len],
            RelocList::Heap(v) => v,
        }
    }
}

impl DerefMut for RelocList {
    fn deref_mut(&mut self) -> &mut [Reloc] {
        match self {
            RelocList::Inline { len, buf } => &mut buf[..*len],
            RelocList::Heap(v) => v,
        }
    }
}

impl Extend<Reloc> for RelocList {
    fn extend<I: IntoIterator<Item = Reloc>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        self.reserve(iter.size_hint().0);
        for r in iter {
            self.push(r);
        }
    }
}

impl<'a> IntoIterator for &'a RelocList {
    type Item = &'a Reloc;
    type IntoIter = std::slice::Iter<'a, Reloc>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(i: usize) -> Reloc {
        Reloc { insn_idx: i, kind: RelocKind::Data { map: i, sym_off: i as u64 } }
    }

    #[test]
    fn inline_then_heap_keeps_order() {
        let mut l = RelocList::default();
        assert!(l.is_empty());
        for i in 0..7 {
            l.push(r(i));
            assert_eq!(l.len(), i + 1);
            assert!(l.iter().enumerate().all(|(j, x)| *x == r(j)));
        }
        assert!(matches!(l, RelocList::Heap(_)));
        l.extend([r(7), r(8)]);
        assert_eq!(l.iter().map(|x| x.insn_idx).collect::<Vec<_>>(), (0..9).collect::<Vec<_>>());
        l.sort_by_key(|x| std::cmp::Reverse(x.insn_idx));
        assert_eq!(l[0], r(8));
    }

    #[test]
    fn reserve_and_extend_small() {
        let mut l = RelocList::default();
        l.reserve(2);
        assert!(matches!(l, RelocList::Inline { .. }));
        l.extend([r(1), r(2)]);
        assert!(matches!(l, RelocList::Inline { len: 2, .. }));
        let c = l.clone();
        assert_eq!(&c[..], &[r(1), r(2)]);
        l.reserve(1);
        assert!(matches!(l, RelocList::Heap(_)));
        assert_eq!(&l[..], &[r(1), r(2)]);
    }
}
