//! Instruction relocations.
//!
//! [`core`] implements BPF CO-RE ("compile once, run everywhere"): the `.BTF.ext` relocation
//! records clang emits for `__builtin_preserve_*` accesses are resolved against kernel BTF and the
//! referenced instructions patched, with libbpf 1.5's semantics.

pub mod core;

pub use self::core::{
    relo_kind_str, relocate_insn, relocate_insn_idx, CandCache, CoreOutcome, CoreReloRes, CoreTargets,
};
