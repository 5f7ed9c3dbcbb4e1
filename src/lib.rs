//! oxbpf: a memory-safe implementation of libbpf's object, skeleton and struct_ops layer that
//! exports libbpf's own C ABI (`liboxbpf.so.1`, symbol-versioned like `libbpf.so.1`).
//!
//! Layout: a safe core (ELF and BTF parsing, the object model, the syscall chokepoints in [`sys`])
//! and a thin `extern "C"` layer in [`ffi`] that converts the caller's pointers and option structs
//! (caller-owned buffers and fds into [`caller`]'s types), calls the core, catches panics and
//! maps errors to errno; the API's rules (what may change once loaded, option checks) live in the
//! core.

pub mod error;
#[macro_use]
pub mod log;
pub mod attach;
pub mod btf;
pub mod buffers;
pub mod caller;
pub mod elf;
pub mod gen;
pub mod linker;
pub mod manage;
// The C boundary: every export's safety contract is libbpf's C API (handles NULL or issued by
// this library and checked against the live-handle registry, strings NUL-terminated, options
// LIBBPF_OPTS-initialised), stated once in `ffi`'s docs rather than on each of ~340 exports.
#[allow(clippy::missing_safety_doc)]
pub mod ffi;
pub mod netlink;
pub mod object;
pub mod prog_linfo;
pub mod registry;
pub mod reloc;
pub mod section;
pub mod struct_ops;
pub mod sys;
pub mod uapi;
pub mod work;

pub use error::{Error, Result};
