//! Work counters for complexity tests: how much the open path did on this thread, counted in
//! units that do not depend on the machine's speed.
//!
//! The open path calls [`add`] where it does per-item work: one unit per ELF section header,
//! symbol and relocation parsed, per BTF type record indexed, and per candidate a lookup
//! examines (the name-index buckets of `btf__find_by_name`, the map scans of `.maps` and
//! struct_ops relocations). A lookup that turned into a scan of every item per item would make
//! [`Counts::total`] grow with the square of the input, which tests/open_hostile.rs asserts
//! against (linear, with a stated constant per item). Code that does per-item work without
//! counting is not seen by these tests; a hang still is (their watchdog).
//!
//! Counting exists only with the `fake-kernel` feature (the test build, scripts/test.sh); in the
//! shipped library [`add`] is an empty inline function and there is nothing to read.

/// What one unit of work was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An ELF section header, symbol or relocation entry parsed.
    ElfEntry,
    /// A BTF type record indexed.
    BtfType,
    /// A candidate examined by a lookup.
    ScanStep,
}

/// Work done on one thread since the last [`take`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub elf_entries: u64,
    pub btf_types: u64,
    pub scan_steps: u64,
}

impl Counts {
    /// All units together.
    pub fn total(&self) -> u64 {
        self.elf_entries + self.btf_types + self.scan_steps
    }
}

#[cfg(feature = "fake-kernel")]
thread_local! {
    static COUNTS: std::cell::Cell<Counts> = const {
        std::cell::Cell::new(Counts { elf_entries: 0, btf_types: 0, scan_steps: 0 })
    };
}

/// Count `n` units of `kind` on this thread (nothing without the `fake-kernel` feature).
#[inline(always)]
pub fn add(kind: Kind, n: usize) {
    #[cfg(feature = "fake-kernel")]
    COUNTS.with(|c| {
        let mut v = c.get();
        let n = n as u64;
        match kind {
            Kind::ElfEntry => v.elf_entries += n,
            Kind::BtfType => v.btf_types += n,
            Kind::ScanStep => v.scan_steps += n,
        }
        c.set(v);
    });
    #[cfg(not(feature = "fake-kernel"))]
    let _ = (kind, n);
}

/// This thread's counts since the last call, which are reset to zero.
#[cfg(feature = "fake-kernel")]
pub fn take() -> Counts {
    COUNTS.with(|c| c.take())
}
