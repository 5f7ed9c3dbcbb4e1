//! Storage of a parsed BTF: the blob bytes and the type section as words, either owned on the
//! heap or borrowed from a read-only mapping of the file (the kernel's vmlinux BTF). A mapped
//! store is copied to the heap on its first mutation.

use crate::sys::file_map::MappedFile;
use std::ops::Deref;
use std::sync::Arc;

/// A BTF blob's bytes.
#[derive(Clone)]
pub(super) enum Blob {
    Heap(Box<[u8]>),
    Mapped(Arc<MappedFile>),
}

impl Deref for Blob {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Blob::Heap(b) => b,
            Blob::Mapped(m) => m.bytes(),
        }
    }
}

impl Blob {
    /// The bytes, writable; a mapped blob is copied to the heap first.
    pub(super) fn to_mut(&mut self) -> &mut [u8] {
        if let Blob::Mapped(m) = self {
            *self = Blob::Heap(m.bytes().into());
        }
        match self {
            Blob::Heap(b) => b,
            Blob::Mapped(_) => unreachable!("a mapped blob was copied just above"),
        }
    }
}

impl From<Box<[u8]>> for Blob {
    fn from(b: Box<[u8]>) -> Self {
        Blob::Heap(b)
    }
}

/// The type section as native words.
#[derive(Clone)]
pub(super) enum Words {
    Heap(Vec<u32>),
    /// `len` words at `ptr`, inside `map` (checked aligned and in bounds when made by
    /// [`Words::mapped`]; `map` keeps them alive and unchanged).
    Mapped {
        /// Held only to keep the mapping alive.
        _map: Arc<MappedFile>,
        ptr: *const u32,
        len: usize,
    },
}

// SAFETY: `ptr` points into the read-only mapping `map` owns, which is Send + Sync; nothing
// is written through it.
unsafe impl Send for Words {}
// SAFETY: as above: shared reads of immutable memory only.
unsafe impl Sync for Words {}

impl Default for Words {
    fn default() -> Self {
        Words::Heap(Vec::new())
    }
}

impl Deref for Words {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        match self {
            Words::Heap(v) => v,
            // SAFETY: `ptr`/`len` came from `map.words()` (in bounds, aligned) in `mapped`, and
            // the mapping stays alive and read-only while `map` is held here.
            Words::Mapped { _map: _, ptr, len } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        }
    }
}

impl Words {
    /// A view of `len` words at byte `off` of `map`, if in bounds and aligned.
    pub(super) fn mapped(map: &Arc<MappedFile>, off: usize, len: usize) -> Option<Words> {
        let ptr = map.words(off, len)?.as_ptr();
        Some(Words::Mapped { _map: map.clone(), ptr, len })
    }

    /// The words, growable; a mapped section is copied to the heap first (record pointers
    /// handed out before move, as when libbpf makes a BTF modifiable).
    pub(super) fn to_mut(&mut self) -> &mut Vec<u32> {
        if let Words::Mapped { .. } = self {
            *self = Words::Heap(self.to_vec());
        }
        match self {
            Words::Heap(v) => v,
            Words::Mapped { .. } => unreachable!("a mapped section was copied just above"),
        }
    }
}

impl From<Vec<u32>> for Words {
    fn from(v: Vec<u32>) -> Self {
        Words::Heap(v)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Btf, Kind};
    use crate::sys::file_map::MappedFile;
    use std::sync::Arc;

    const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

    /// The kernel's BTF parsed from a mapping and from a heap copy; `None` where the kernel does
    /// not allow mapping it (before 6.16) or has no BTF.
    fn both() -> Option<(Btf, Btf)> {
        let map = std::fs::File::open(VMLINUX).and_then(|f| MappedFile::map(&f)).ok()?;
        let heap = Btf::parse(map.bytes()).expect("vmlinux BTF parses from a copy");
        let mapped = Btf::parse_mapped(Arc::new(map), None).expect("vmlinux BTF parses from its mapping");
        Some((mapped, heap))
    }

    #[test]
    fn mapped_vmlinux_reads_as_the_heap_copy() {
        let Some((m, h)) = both() else {
            eprintln!("SKIP: {VMLINUX} cannot be mapped here");
            return;
        };
        assert!(matches!(m.data.raw.get(), Some(super::Blob::Mapped(_))));
        assert!(matches!(m.data.types, super::Words::Mapped { .. }));
        assert_eq!(m.type_cnt(), h.type_cnt());
        assert_eq!(m.raw_data(), h.raw_data());
        for id in (1..m.type_cnt()).step_by(97) {
            assert_eq!(m.type_record(id), h.type_record(id), "type [{id}]");
            assert_eq!(m.ty(id).map(|t| t.name), h.ty(id).map(|t| t.name), "name of [{id}]");
        }
    }

    #[test]
    fn mapped_vmlinux_copies_on_write() {
        let Some((m, mut h)) = both() else {
            eprintln!("SKIP: {VMLINUX} cannot be mapped here");
            return;
        };
        let mut w = m.clone();
        let id = w.add_int(Some(b"oxbpf_int"), 4, 0).unwrap();
        assert_eq!(h.add_int(Some(b"oxbpf_int"), 4, 0).unwrap(), id);
        assert!(matches!(w.data.types, super::Words::Heap(_)), "the writer owns its types");
        assert_eq!(w.raw_data(), h.raw_data());
        assert_eq!(w.find_by_name_kind("oxbpf_int", Kind::Int), Some(id));
        // The original still reads from the mapping, unchanged.
        assert!(matches!(m.data.types, super::Words::Mapped { .. }));
        assert_eq!(m.type_cnt(), id);
        assert_eq!(m.find_by_name_kind("oxbpf_int", Kind::Int), None);
    }

    /// A BTF in the canonical layout keeps no copy of its blob (types and strings are copied
    /// once); its raw bytes are rebuilt identical, and in-place edits reach them.
    #[test]
    fn canonical_blob_rebuilt_identical() {
        use crate::btf::builder::BtfBuilder;
        let mut b = BtfBuilder::new();
        let int = b.add_int("int", 4, 1);
        let v = b.add_var("x", int, 1);
        b.add_datasec(".data", 0, &[(v, 0, 4)]);
        let blob = b.build();
        let mut btf = Btf::parse(&blob).unwrap();
        assert!(btf.data.raw.get().is_none(), "no copy of the blob kept at parse");
        assert_eq!(btf.raw_data(), &blob[..]);
        let sec = btf.find_by_name_kind(".data", Kind::Datasec).unwrap();
        btf.set_datasec_size(sec, 8).unwrap();
        let mut want = blob.clone();
        let at = btf.type_offset(sec).unwrap() + 8;
        want[at..at + 4].copy_from_slice(&8u32.to_ne_bytes());
        assert_eq!(btf.raw_data(), &want[..]);
        assert_eq!(btf.ty(sec).unwrap().size_or_type, 8);
        // A header with padding (not canonical) keeps its bytes as given.
        let mut padded = blob[..24].to_vec();
        padded[4..8].copy_from_slice(&32u32.to_ne_bytes());
        padded.extend_from_slice(&[0; 8]);
        padded.extend_from_slice(&blob[24..]);
        let p = Btf::parse(&padded).unwrap();
        assert!(p.data.raw.get().is_some());
        assert_eq!(p.raw_data(), &padded[..]);
        assert_eq!(p.find_by_name("x"), btf.find_by_name("x"));
    }

    #[test]
    fn name_scans_and_index_agree() {
        let Some((m, _)) = both() else {
            eprintln!("SKIP: {VMLINUX} cannot be mapped here");
            return;
        };
        let names: Vec<(String, Kind)> = (1..m.type_cnt())
            .step_by(211)
            .filter_map(|id| m.ty(id).filter(|t| !t.name.is_empty()).map(|t| (t.name.to_string(), t.kind)))
            .collect();
        let by_scan: Vec<_> =
            names.iter().map(|(n, k)| (m.scan_own(n.as_bytes(), Some(*k)), m.scan_own(n.as_bytes(), None))).collect();
        // Past the scan budget every lookup goes through the sorted index.
        let by_index: Vec<_> = names.iter().map(|(n, k)| (m.find_by_name_kind(n, *k), m.find_by_name(n))).collect();
        assert!(m.data.by_name.get().is_some());
        assert_eq!(by_scan, by_index);
        assert!(by_scan.iter().all(|(a, b)| a.is_some() && b.is_some()));
        assert_eq!(m.scan_own(b"no_such_type_oxbpf", None), None);
    }
}
