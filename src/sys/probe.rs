//! Kernel feature probes, run lazily and at most once per cache (libbpf's `features.c`).
//!
//! Each probe asks the kernel with the smallest thing that only works when the feature exists:
//! a two-instruction program, a one-element map, a hand-encoded BTF blob of one to seven types.
//! [`supported`] uses the process-wide cache; an object with a BPF token keeps its own
//! [`FeatureCache`] and passes the token to every probe, as libbpf does.
//!
//! Probes go through the bpf(2) chokepoint, so a test fake installed on the calling thread
//! answers them too; tests that need a definite answer can [`preset`] it.

use super::cmd::{self, raw, LinkCreate, LinkExtra, MapCreate, ProgLoad};
use crate::uapi::{self, BpfInsn};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::OnceLock;

/// `BTF_FUNC_GLOBAL` of the raw BTF the probes build. Written out here (as crate::btf does
/// for its parser) so that the syscall layer does not depend on btf, which depends on it.
const FUNC_GLOBAL: u32 = 1;

/// What a probe checks. Names follow libbpf's `FEAT_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(usize)]
pub enum Feature {
    /// `prog_name`/`map_name` attributes (4.15).
    ProgName,
    /// Global data: array map values addressed by `ld_imm64` (`BPF_PSEUDO_MAP_VALUE`).
    GlobalData,
    /// Minimal BTF loading.
    Btf,
    /// BTF_KIND_FUNC / FUNC_PROTO.
    BtfFunc,
    /// BTF_KIND_FUNC with global linkage.
    BtfGlobalFunc,
    /// BTF_KIND_VAR / DATASEC.
    BtfDatasec,
    /// `BPF_F_MMAPABLE` array maps.
    ArrayMmap,
    /// `expected_attach_type` at `BPF_PROG_LOAD`.
    ExpAttachType,
    /// The `bpf_probe_read_kernel()` helper.
    ProbeReadKernel,
    /// `BPF_PROG_BIND_MAP`.
    ProgBindMap,
    /// Module BTF (named BTF objects in `bpf_btf_info`).
    ModuleBtf,
    /// BTF_KIND_FLOAT.
    BtfFloat,
    /// `BPF_LINK_CREATE` for perf events.
    PerfLink,
    /// BTF_KIND_DECL_TAG.
    BtfDeclTag,
    /// BTF_KIND_TYPE_TAG.
    BtfTypeTag,
    /// memcg-based accounting of BPF memory (no RLIMIT_MEMLOCK bump needed).
    MemcgAccount,
    /// `bpf_get_attach_cookie()`.
    BpfCookie,
    /// BTF_KIND_ENUM64.
    BtfEnum64,
    /// The kernel's syscalls are entered through arch wrappers (`__x64_sys_bpf`).
    SyscallWrapper,
    /// `BPF_TRACE_UPROBE_MULTI` links with working PID filtering.
    UprobeMultiLink,
    /// The verifier understands the `arg:ctx` decl tag on global subprogram arguments.
    ArgCtxTag,
    /// DATASEC names starting with `?`.
    BtfQmarkDatasec,
    /// `BPF_TOKEN_CREATE`.
    BpfToken,
    /// The x86-64 `uprobe()` syscall (6.18): a uprobe on a 5-byte nop can be optimized, so USDT
    /// probes go on the `nop5` of a `nop; nop5` site (libbpf 1.7).
    UprobeSyscall,
}

impl Feature {
    pub const ALL: [Feature; 24] = [
        Feature::ProgName,
        Feature::GlobalData,
        Feature::Btf,
        Feature::BtfFunc,
        Feature::BtfGlobalFunc,
        Feature::BtfDatasec,
        Feature::ArrayMmap,
        Feature::ExpAttachType,
        Feature::ProbeReadKernel,
        Feature::ProgBindMap,
        Feature::ModuleBtf,
        Feature::BtfFloat,
        Feature::PerfLink,
        Feature::BtfDeclTag,
        Feature::BtfTypeTag,
        Feature::MemcgAccount,
        Feature::BpfCookie,
        Feature::BtfEnum64,
        Feature::SyscallWrapper,
        Feature::UprobeMultiLink,
        Feature::ArgCtxTag,
        Feature::BtfQmarkDatasec,
        Feature::BpfToken,
        Feature::UprobeSyscall,
    ];

    /// libbpf's description, for messages.
    pub fn desc(self) -> &'static str {
        match self {
            Feature::ProgName => "BPF program name",
            Feature::GlobalData => "global variables",
            Feature::Btf => "minimal BTF",
            Feature::BtfFunc => "BTF functions",
            Feature::BtfGlobalFunc => "BTF global function",
            Feature::BtfDatasec => "BTF data section and variable",
            Feature::ArrayMmap => "ARRAY map mmap()",
            Feature::ExpAttachType => "BPF_PROG_LOAD expected_attach_type attribute",
            Feature::ProbeReadKernel => "bpf_probe_read_kernel() helper",
            Feature::ProgBindMap => "BPF_PROG_BIND_MAP support",
            Feature::ModuleBtf => "module BTF support",
            Feature::BtfFloat => "BTF_KIND_FLOAT support",
            Feature::PerfLink => "BPF perf link support",
            Feature::BtfDeclTag => "BTF_KIND_DECL_TAG support",
            Feature::BtfTypeTag => "BTF_KIND_TYPE_TAG support",
            Feature::MemcgAccount => "memcg-based memory accounting",
            Feature::BpfCookie => "BPF cookie support",
            Feature::BtfEnum64 => "BTF_KIND_ENUM64 support",
            Feature::SyscallWrapper => "Kernel using syscall wrapper",
            Feature::UprobeMultiLink => "BPF multi-uprobe link support",
            Feature::ArgCtxTag => "kernel-side __arg_ctx tag",
            Feature::BtfQmarkDatasec => "BTF DATASEC names starting from '?'",
            Feature::BpfToken => "BPF token",
            Feature::UprobeSyscall => "kernel supports uprobe syscall",
        }
    }
}

const N: usize = Feature::ALL.len();

/// Probe results, each computed at most once.
pub struct FeatureCache {
    res: [OnceLock<bool>; N],
}

impl Default for FeatureCache {
    fn default() -> Self {
        Self::new()
    }
}

impl FeatureCache {
    pub const fn new() -> Self {
        FeatureCache { res: [const { OnceLock::new() }; N] }
    }

    /// Whether the kernel has `f`, probing (with `token`, if the object has one) the first time.
    pub fn supported(&self, f: Feature, token: Option<BorrowedFd>) -> bool {
        // libbpf logs nothing about a probe's answer (only a probe that could not run warns).
        *self.res[f as usize].get_or_init(|| run(f, token))
    }

    /// Record an answer without probing; false if `f` was already known.
    pub fn preset(&self, f: Feature, v: bool) -> bool {
        self.res[f as usize].set(v).is_ok()
    }

    /// The cached answer, if probed or preset.
    pub fn known(&self, f: Feature) -> Option<bool> {
        self.res[f as usize].get().copied()
    }
}

static GLOBAL: FeatureCache = FeatureCache::new();

/// Whether the running kernel has `f` (process-wide cache, no token).
pub fn supported(f: Feature) -> bool {
    GLOBAL.supported(f, None)
}

/// Fix the process-wide answer for `f` without probing; false if it was already known.
pub fn preset(f: Feature, v: bool) -> bool {
    GLOBAL.preset(f, v)
}

// ---------------------------------------------------------------------------------------------
// RLIMIT_MEMLOCK (libbpf's bump_rlimit_memlock, for kernels before memcg accounting, 5.11).
// ---------------------------------------------------------------------------------------------

struct Memlock {
    bumped: bool,
    rlim: u64,
}

static MEMLOCK: std::sync::Mutex<Memlock> = std::sync::Mutex::new(Memlock { bumped: false, rlim: libc::RLIM_INFINITY });

/// `libbpf_set_memlock_rlim()`: the RLIMIT_MEMLOCK to set on kernels that account BPF memory
/// against it (0 disables the bump). `EBUSY` once the bump has happened.
pub fn set_memlock_rlim(bytes: u64) -> crate::Result<()> {
    let mut m = MEMLOCK.lock().unwrap_or_else(|p| p.into_inner());
    if m.bumped {
        return Err(crate::Error::new(libc::EBUSY, "RLIMIT_MEMLOCK was already raised"));
    }
    m.rlim = bytes;
    Ok(())
}

/// Raise RLIMIT_MEMLOCK once per process, unless the kernel accounts BPF memory to memcg
/// (then this never touches the limit). The bpf.h exports call it before creating maps,
/// programs and BTF, as libbpf does; the object loader should call it once before loading.
pub fn bump_rlimit_memlock() -> crate::Result<()> {
    let mut m = MEMLOCK.lock().unwrap_or_else(|p| p.into_inner());
    if m.bumped {
        return Ok(());
    }
    drop(m);
    if supported(Feature::MemcgAccount) {
        return Ok(());
    }
    m = MEMLOCK.lock().unwrap_or_else(|p| p.into_inner());
    if m.bumped {
        return Ok(());
    }
    m.bumped = true;
    if m.rlim == 0 {
        return Ok(());
    }
    let r = libc::rlimit { rlim_cur: m.rlim, rlim_max: m.rlim };
    // SAFETY: setrlimit reads the struct we pass; no other memory effects.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &r) } != 0 {
        let e = std::io::Error::last_os_error();
        return Err(crate::Error::io("failed to raise RLIMIT_MEMLOCK", &e));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Instruction and BTF encoding for the probes.
// ---------------------------------------------------------------------------------------------

fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> u64 {
    u64::from_ne_bytes(BpfInsn::new(code, dst, src, off, imm).to_array())
}
fn mov64_imm(dst: u8, imm: i32) -> u64 {
    insn(uapi::BPF_ALU64 | uapi::BPF_MOV | uapi::BPF_K, dst, 0, 0, imm)
}
fn exit() -> u64 {
    insn(uapi::BPF_JMP_EXIT, 0, 0, 0, 0)
}
fn call_helper(id: i32) -> u64 {
    insn(uapi::BPF_JMP_CALL, 0, 0, 0, id)
}

const FUNC_PROBE_READ_KERNEL: i32 = 113;
const FUNC_KTIME_GET_COARSE_NS: i32 = 160;
const FUNC_GET_FUNC_IP: i32 = 173;
const FUNC_GET_ATTACH_COOKIE: i32 = 174;

const KIND_INT: u32 = 1;
const KIND_PTR: u32 = 2;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;
const KIND_VAR: u32 = 14;
const KIND_DATASEC: u32 = 15;
const KIND_FLOAT: u32 = 16;
const KIND_DECL_TAG: u32 = 17;
const KIND_TYPE_TAG: u32 = 18;
const KIND_ENUM64: u32 = 19;
const INT_SIGNED: u32 = 1;

const fn info(kind: u32, vlen: u32) -> u32 {
    (kind << 24) | (vlen & 0xffff)
}
/// `BTF_TYPE_INT_ENC(name, BTF_INT_SIGNED, 0, 32, 4)`.
const fn int32(name: u32) -> [u32; 4] {
    [name, info(KIND_INT, 0), 4, (INT_SIGNED << 24) | 32]
}

/// A raw BTF blob: header, `types` (little-endian words), `strs`.
pub fn btf_blob(types: &[u32], strs: &[u8]) -> Vec<u8> {
    let tlen = (types.len() * 4) as u32;
    let mut v = Vec::with_capacity(24 + tlen as usize + strs.len());
    v.extend_from_slice(&0xeb9fu16.to_le_bytes());
    v.push(1); // version
    v.push(0); // flags
    for w in [24u32, 0, tlen, tlen, strs.len() as u32] {
        v.extend_from_slice(&w.to_le_bytes());
    }
    for w in types {
        v.extend_from_slice(&w.to_le_bytes());
    }
    v.extend_from_slice(strs);
    v
}

fn load_btf(types: &[u32], strs: &[u8], token: Option<BorrowedFd>) -> Option<std::os::fd::OwnedFd> {
    cmd::btf_load(&btf_blob(types, strs), None, 0, token).ok()
}

fn btf_ok(types: &[u32], strs: &[u8], token: Option<BorrowedFd>) -> bool {
    load_btf(types, strs, token).is_some()
}

fn load_prog(
    prog_type: u32,
    attach: u32,
    name: &str,
    insns: &[u64],
    token: Option<BorrowedFd>,
) -> crate::Result<std::os::fd::OwnedFd> {
    let gpl = Gpl::new();
    cmd::prog_load(&mut ProgLoad {
        prog_type,
        expected_attach_type: attach,
        name,
        insns,
        license: gpl.as_cstr(),
        token_fd: token,
        ..Default::default()
    })
}

fn array_map(
    name: &str,
    value_size: u32,
    flags: u32,
    token: Option<BorrowedFd>,
) -> crate::Result<std::os::fd::OwnedFd> {
    cmd::map_create(&MapCreate {
        map_type: uapi::BPF_MAP_TYPE_ARRAY,
        name,
        key_size: 4,
        value_size,
        max_entries: 1,
        map_flags: flags,
        token_fd: token,
        ..Default::default()
    })
}

// ---------------------------------------------------------------------------------------------
// The probes.
// ---------------------------------------------------------------------------------------------

fn run(f: Feature, t: Option<BorrowedFd>) -> bool {
    let ret0 = [mov64_imm(0, 0), exit()];
    match f {
        Feature::ProgName => load_prog(uapi::BPF_PROG_TYPE_SOCKET_FILTER, 0, "libbpf_nametest", &ret0, t).is_ok(),
        Feature::GlobalData => {
            let map = match array_map("libbpf_global", 32, 0, t) {
                Ok(m) => m,
                Err(e) => {
                    crate::pr_warn!(
                        "Error in probe_kern_global_data(): {}. Couldn't create simple array map.",
                        crate::error::errstr(e.errno())
                    );
                    return false;
                }
            };
            let fd = std::os::fd::AsRawFd::as_raw_fd(&map);
            let insns = [
                insn(uapi::BPF_LD_IMM64, 1, uapi::BPF_PSEUDO_MAP_VALUE, 0, fd),
                insn(0, 0, 0, 0, 16),
                insn(uapi::BPF_ST | uapi::BPF_MEM | uapi::BPF_DW, 1, 0, 0, 42),
                mov64_imm(0, 0),
                exit(),
            ];
            load_prog(uapi::BPF_PROG_TYPE_SOCKET_FILTER, 0, "", &insns, t).is_ok()
        }
        Feature::Btf => btf_ok(&int32(1), b"\0int\0", t),
        Feature::BtfFunc | Feature::BtfGlobalFunc => {
            // [1] int, [2] FUNC_PROTO (int a), [3] FUNC x -> [2]
            let linkage = if f == Feature::BtfGlobalFunc { FUNC_GLOBAL } else { 0 };
            let i = int32(1);
            let types = [i[0], i[1], i[2], i[3], 0, info(KIND_FUNC_PROTO, 1), 0, 7, 1, 5, info(KIND_FUNC, linkage), 2];
            btf_ok(&types, b"\0int\0x\0a\0", t)
        }
        Feature::BtfDatasec | Feature::BtfQmarkDatasec => {
            // [1] int, [2] VAR x static, [3] DATASEC .data / ?.data { x @0 size 4 }
            let strs: &[u8] = if f == Feature::BtfDatasec { b"\0x\0.data\0" } else { b"\0x\0?.data\0" };
            let i = int32(0);
            let types = [i[0], i[1], i[2], i[3], 1, info(KIND_VAR, 0), 1, 0, 3, info(KIND_DATASEC, 1), 4, 2, 0, 4];
            btf_ok(&types, strs, t)
        }
        Feature::BtfFloat => btf_ok(&[1, info(KIND_FLOAT, 0), 4], b"\0float\0", t),
        Feature::BtfDeclTag => {
            // [1] int, [2] VAR, [3] DECL_TAG "tag" -> [2], component -1
            let i = int32(0);
            let types = [i[0], i[1], i[2], i[3], 1, info(KIND_VAR, 0), 1, 0, 1, info(KIND_DECL_TAG, 0), 2, u32::MAX];
            btf_ok(&types, b"\0tag\0", t)
        }
        Feature::BtfTypeTag => {
            // [1] int, [2] TYPE_TAG "tag" -> [1], [3] PTR -> [2]
            let i = int32(0);
            let types = [i[0], i[1], i[2], i[3], 1, info(KIND_TYPE_TAG, 0), 1, 0, info(KIND_PTR, 0), 2];
            btf_ok(&types, b"\0tag\0", t)
        }
        Feature::BtfEnum64 => btf_ok(&[1, info(KIND_ENUM64, 0), 8], b"\0enum64\0", t),
        Feature::ArrayMmap => array_map("libbpf_mmap", 4, uapi::BPF_F_MMAPABLE, t).is_ok(),
        Feature::ExpAttachType => {
            load_prog(uapi::BPF_PROG_TYPE_CGROUP_SOCK, uapi::BPF_CGROUP_INET_SOCK_CREATE, "", &ret0, t).is_ok()
        }
        Feature::ProbeReadKernel => {
            let insns = [
                insn(uapi::BPF_ALU64 | uapi::BPF_MOV | uapi::BPF_X, 1, 10, 0, 0),
                insn(uapi::BPF_ALU64 | uapi::BPF_ADD | uapi::BPF_K, 1, 0, 0, -8),
                mov64_imm(2, 8),
                mov64_imm(3, 0),
                call_helper(FUNC_PROBE_READ_KERNEL),
                exit(),
            ];
            load_prog(uapi::BPF_PROG_TYPE_TRACEPOINT, 0, "", &insns, t).is_ok()
        }
        Feature::ProgBindMap => {
            let map = match array_map("libbpf_det_bind", 32, 0, t) {
                Ok(m) => m,
                Err(e) => {
                    crate::pr_warn!(
                        "Error in probe_prog_bind_map(): {}. Couldn't create simple array map.",
                        crate::error::errstr(e.errno())
                    );
                    return false;
                }
            };
            let Ok(prog) = load_prog(uapi::BPF_PROG_TYPE_SOCKET_FILTER, 0, "", &ret0, t) else { return false };
            cmd::prog_bind_map(prog.as_fd(), map.as_fd(), 0).is_ok()
        }
        Feature::ModuleBtf => {
            let Some(btf) = load_btf(&int32(1), b"\0int\0", t) else { return false };
            cmd::btf_info_name(btf.as_fd()).is_ok()
        }
        Feature::PerfLink => {
            let Ok(prog) = load_prog(uapi::BPF_PROG_TYPE_TRACEPOINT, 0, "", &ret0, t) else { return false };
            let r = cmd::link_create(&LinkCreate {
                prog_fd: Some(prog.as_fd()),
                target_fd: -1,
                attach_type: uapi::BPF_PERF_EVENT,
                ..Default::default()
            });
            matches!(r, Err(e) if e.errno() == libc::EBADF)
        }
        Feature::MemcgAccount => {
            let insns = [call_helper(FUNC_KTIME_GET_COARSE_NS), exit()];
            load_prog(uapi::BPF_PROG_TYPE_SOCKET_FILTER, 0, "", &insns, t).is_ok()
        }
        Feature::BpfCookie => {
            let insns = [call_helper(FUNC_GET_ATTACH_COOKIE), exit()];
            load_prog(uapi::BPF_PROG_TYPE_TRACEPOINT, 0, "", &insns, t).is_ok()
        }
        Feature::SyscallWrapper => super::pmu::syscall_wrapper_probe(),
        Feature::UprobeMultiLink => uprobe_multi_link(t),
        Feature::ArgCtxTag => arg_ctx_tag(t),
        Feature::BpfToken => {
            // A kernel that knows the command fails on the bad fd; others reject the command.
            matches!(raw::token_create(-1, 0), Err(e) if e.raw_os_error() == Some(libc::EBADF))
        }
        Feature::UprobeSyscall => uprobe_syscall(),
    }
}

/// `__NR_uprobe` on x86-64.
#[cfg(target_arch = "x86_64")]
const NR_UPROBE: libc::c_long = 336;

/// The `uprobe()` syscall, probed as it is meant to be seen from outside a uprobe trampoline:
/// a kernel that has it fails the call with ENXIO (ENOSYS otherwise).
#[cfg(target_arch = "x86_64")]
fn uprobe_syscall() -> bool {
    // SAFETY: a syscall without arguments; outside a trampoline the kernel only returns an error.
    let r = unsafe { libc::syscall(NR_UPROBE) };
    r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ENXIO)
}

#[cfg(not(target_arch = "x86_64"))]
fn uprobe_syscall() -> bool {
    false
}

/// The arch prefix of syscall wrappers (`__<pfx>_sys_bpf`), as libbpf spells it.
pub fn syscall_prefix() -> Option<&'static str> {
    if cfg!(target_arch = "x86_64") {
        Some("x64")
    } else if cfg!(target_arch = "x86") {
        Some("ia32")
    } else if cfg!(target_arch = "s390x") {
        Some("s390x")
    } else if cfg!(target_arch = "arm") {
        Some("arm")
    } else if cfg!(target_arch = "aarch64") {
        Some("arm64")
    } else if cfg!(any(target_arch = "mips", target_arch = "mips64")) {
        Some("mips")
    } else if cfg!(any(target_arch = "riscv32", target_arch = "riscv64")) {
        Some("riscv")
    } else if cfg!(target_arch = "powerpc") {
        Some("powerpc")
    } else if cfg!(target_arch = "powerpc64") {
        Some("powerpc64")
    } else {
        None
    }
}

fn uprobe_multi_link(t: Option<BorrowedFd>) -> bool {
    let ret0 = [mov64_imm(0, 0), exit()];
    let Ok(prog) = load_prog(uapi::BPF_PROG_TYPE_KPROBE, uapi::BPF_TRACE_UPROBE_MULTI, "", &ret0, t) else {
        return false;
    };
    let offsets = [0 as std::ffi::c_ulong];
    let try_pid = |pid: u32| {
        cmd::link_create(&LinkCreate {
            prog_fd: Some(prog.as_fd()),
            target_fd: -1,
            attach_type: uapi::BPF_TRACE_UPROBE_MULTI,
            extra: LinkExtra::UprobeMulti {
                path: c"/",
                offsets: &offsets,
                ref_ctr_offsets: &[],
                cookies: &[],
                flags: 0,
                pid,
            },
            ..Default::default()
        })
        .err()
        .map(|e| e.errno())
    };
    // A uprobe on "/" (not a regular file) fails with EBADF where multi-uprobes exist; with an
    // invalid pid, kernels with fixed PID filtering fail earlier with EINVAL.
    try_pid(0) == Some(libc::EBADF) && try_pid(u32::MAX) == Some(libc::EINVAL)
}

fn arg_ctx_tag(t: Option<BorrowedFd>) -> bool {
    let i = int32(1);
    #[rustfmt::skip]
    let types = [
        i[0], i[1], i[2], i[3],                         // [1] int a
        0, info(KIND_PTR, 0), 0,                        // [2] void *
        0, info(KIND_FUNC_PROTO, 1), 1, 1, 2,           // [3] int (void *a)
        1, info(KIND_FUNC, FUNC_GLOBAL), 3,             // [4] FUNC a
        0, info(KIND_FUNC_PROTO, 1), 1, 3, 2,           // [5] int (void *b)
        3, info(KIND_FUNC, FUNC_GLOBAL), 5,             // [6] FUNC b
        5, info(KIND_DECL_TAG, 0), 6, 0,                // [7] "arg:ctx" -> b, arg 0
    ];
    let Some(btf) = load_btf(&types, b"\0a\0b\0arg:ctx\0", t) else { return false };
    let insns =
        [insn(uapi::BPF_JMP_CALL, 0, uapi::BPF_PSEUDO_CALL, 0, 1), exit(), call_helper(FUNC_GET_FUNC_IP), exit()];
    let func_info: Vec<u8> = [0u32, 4, 2, 6].iter().flat_map(|w| w.to_ne_bytes()).collect();
    let gpl = Gpl::new();
    cmd::prog_load(&mut ProgLoad {
        prog_type: uapi::BPF_PROG_TYPE_KPROBE,
        name: "det_arg_ctx",
        insns: &insns,
        license: gpl.as_cstr(),
        prog_btf_fd: Some(btf.as_fd()),
        func_info: &func_info,
        func_info_rec_size: 8,
        token_fd: t,
        ..Default::default()
    })
    .is_ok()
}

/// The license of probe programs, "GPL", in the caller's stack frame: the kernel reads it
/// through the pointer, and a literal would sit in the library's C strings, where that read
/// maps in a 64 KiB window a load touches for nothing else (`link/cstrings.ld`). `black_box`
/// keeps the compiler from pointing at a constant instead.
pub(crate) struct Gpl([u8; 4]);

impl Gpl {
    pub(crate) fn new() -> Gpl {
        Gpl(std::hint::black_box(*b"GPL\0"))
    }

    pub(crate) fn as_cstr(&self) -> &std::ffi::CStr {
        std::ffi::CStr::from_bytes_with_nul(&self.0).unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
// The public probes of libbpf.h: libbpf_probe_bpf_prog_type/_map_type/_helper. Unlike the
// feature probes above they are not cached: each call asks the kernel, and answers 1
// (supported), 0 (not supported) or an error (-EOPNOTSUPP for a type libbpf 1.5 cannot probe).
// ---------------------------------------------------------------------------------------------

/// The kernel's `-ENOTSUPP` (524), which some probes expect as their proof of support.
use crate::error::ENOTSUPP;

/// libbpf's probe_prog_load: load `insns` as a program of `prog_type` with the attributes that
/// type needs. `log` receives the verifier log (level 1) when given.
fn probe_prog_load(prog_type: u32, insns: &[u64], log: Option<&mut [u8]>) -> crate::Result<i32> {
    let mut tlog = [0u8; 4096];
    let mut expect: Option<(i32, Option<&str>)> = None;
    let gpl = Gpl::new();
    let mut a = ProgLoad { prog_type, insns, license: gpl.as_cstr(), ..Default::default() };
    match prog_type {
        uapi::BPF_PROG_TYPE_CGROUP_SOCK_ADDR => a.expected_attach_type = uapi::BPF_CGROUP_INET4_CONNECT,
        uapi::BPF_PROG_TYPE_CGROUP_SOCKOPT => a.expected_attach_type = uapi::BPF_CGROUP_GETSOCKOPT,
        uapi::BPF_PROG_TYPE_SK_LOOKUP => a.expected_attach_type = uapi::BPF_SK_LOOKUP,
        uapi::BPF_PROG_TYPE_KPROBE => a.kern_version = crate::sys::kernel::kernel_version(),
        uapi::BPF_PROG_TYPE_LIRC_MODE2 => a.expected_attach_type = uapi::BPF_LIRC_MODE2,
        uapi::BPF_PROG_TYPE_TRACING | uapi::BPF_PROG_TYPE_LSM => {
            a.expected_attach_type =
                if prog_type == uapi::BPF_PROG_TYPE_TRACING { uapi::BPF_TRACE_FENTRY } else { uapi::BPF_MODIFY_RETURN };
            a.attach_btf_id = 1;
            expect = Some((libc::EINVAL, Some("attach_btf_id 1 is not a function")));
        }
        uapi::BPF_PROG_TYPE_EXT => {
            a.attach_btf_id = 1;
            expect = Some((libc::EINVAL, Some("Cannot replace kernel functions")));
        }
        uapi::BPF_PROG_TYPE_SYSCALL => a.prog_flags = uapi::BPF_F_SLEEPABLE,
        uapi::BPF_PROG_TYPE_STRUCT_OPS => expect = Some((ENOTSUPP, None)),
        uapi::BPF_PROG_TYPE_NETFILTER => a.expected_attach_type = uapi::BPF_NETFILTER,
        uapi::BPF_PROG_TYPE_UNSPEC..=uapi::BPF_PROG_TYPE_RAW_TRACEPOINT
        | uapi::BPF_PROG_TYPE_LWT_SEG6LOCAL
        | uapi::BPF_PROG_TYPE_SK_REUSEPORT..=uapi::BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE => {}
        _ => return Err(crate::Error::quiet(libc::EOPNOTSUPP)),
    }
    // TRACING, LSM and EXT are judged by their log text, in a buffer of our own.
    let own_log = matches!(expect, Some((_, Some(_))));
    a.log_buf = if own_log { Some(&mut tlog[..]) } else { log };
    if a.log_buf.is_some() {
        a.log_level = 1;
    }
    let r = cmd::prog_load(&mut a).map(drop).map_err(|e| e.errno());
    Ok(match expect {
        None => r.is_ok() as i32,
        Some((errno, msg)) => {
            let text = crate::sys::attr::name_str(&tlog);
            (r == Err(errno) && msg.is_none_or(|m| text.contains(m))) as i32
        }
    })
}

/// `libbpf_probe_bpf_prog_type()`: whether the kernel loads a trivial program of this type.
pub fn prog_type(prog_type: u32) -> crate::Result<i32> {
    probe_prog_load(prog_type, &[mov64_imm(0, 0), exit()], None)
}

/// `libbpf_probe_bpf_helper()`: whether programs of `prog_type` may call helper `helper_id`,
/// judged by the verifier's log as libbpf does ("invalid func", "unknown func", "program of this
/// type cannot use helper" mean no; anything else, yes).
pub fn helper(prog_type: u32, helper_id: u32) -> crate::Result<i32> {
    if matches!(
        prog_type,
        uapi::BPF_PROG_TYPE_TRACING
            | uapi::BPF_PROG_TYPE_EXT
            | uapi::BPF_PROG_TYPE_LSM
            | uapi::BPF_PROG_TYPE_STRUCT_OPS
    ) {
        return Err(crate::Error::quiet(libc::EOPNOTSUPP));
    }
    let mut log = [0u8; 4096];
    let r = probe_prog_load(prog_type, &[call_helper(helper_id as i32), exit()], Some(&mut log))?;
    let text = crate::sys::attr::name_str(&log);
    let refused = ["invalid func ", "unknown func ", "program of this type cannot use helper "];
    Ok(if r == 0 && refused.iter().any(|m| text.contains(m)) { 0 } else { 1 })
}

/// libbpf's local-storage probe BTF: `struct bpf_spin_lock { int val; }` and
/// `struct val { int cnt; struct bpf_spin_lock l; }`.
fn local_storage_btf() -> crate::Result<std::os::fd::OwnedFd> {
    const KIND_STRUCT: u32 = 4;
    let i = int32(0);
    #[rustfmt::skip]
    let types = [
        i[0], i[1], i[2], i[3],                   // [1] int
        1, info(KIND_STRUCT, 1), 4, 15, 1, 0,     // [2] struct bpf_spin_lock { int val; }
        15, info(KIND_STRUCT, 2), 8,              // [3] struct val {
        19, 1, 0,                                 //       int cnt;
        23, 2, 32,                                //       struct bpf_spin_lock l; }
    ];
    cmd::btf_load(&btf_blob(&types, b"\0bpf_spin_lock\0val\0cnt\0l\0"), None, 0, None)
        .map_err(|e| crate::Error::quiet(e.errno()))
}

/// `libbpf_probe_bpf_map_type()`: whether the kernel creates a small map of this type.
pub fn map_type(map_type: u32) -> crate::Result<i32> {
    use uapi::*;
    let mut attr =
        super::attr::MapCreateAttr { map_type, key_size: 4, value_size: 4, max_entries: 1, ..Default::default() };
    let mut expect = None;
    let mut btf = None;
    let mut inner = None;
    match map_type {
        BPF_MAP_TYPE_STACK_TRACE => attr.value_size = 8,
        BPF_MAP_TYPE_LPM_TRIE => {
            (attr.key_size, attr.value_size) = (8, 8);
            attr.map_flags = BPF_F_NO_PREALLOC;
        }
        BPF_MAP_TYPE_CGROUP_STORAGE | BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE => {
            // struct bpf_cgroup_storage_key { __u64 cgroup_inode_id; __u32 attach_type; }
            (attr.key_size, attr.value_size, attr.max_entries) = (16, 8, 0);
        }
        BPF_MAP_TYPE_QUEUE | BPF_MAP_TYPE_STACK => attr.key_size = 0,
        BPF_MAP_TYPE_SK_STORAGE
        | BPF_MAP_TYPE_INODE_STORAGE
        | BPF_MAP_TYPE_TASK_STORAGE
        | BPF_MAP_TYPE_CGRP_STORAGE => {
            (attr.value_size, attr.max_entries, attr.map_flags) = (8, 0, BPF_F_NO_PREALLOC);
            (attr.btf_key_type_id, attr.btf_value_type_id) = (1, 3);
            btf = Some(local_storage_btf()?);
        }
        BPF_MAP_TYPE_RINGBUF | BPF_MAP_TYPE_USER_RINGBUF => {
            // SAFETY: sysconf only returns a value.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            (attr.key_size, attr.value_size, attr.max_entries) = (0, 0, page as u32);
        }
        BPF_MAP_TYPE_STRUCT_OPS => {
            // An invalid value type id: kernels with struct_ops maps refuse it with -ENOTSUPP.
            attr.btf_vmlinux_value_type_id = 1;
            attr.value_type_btf_obj_fd = -1;
            expect = Some(ENOTSUPP);
        }
        BPF_MAP_TYPE_BLOOM_FILTER => attr.key_size = 0,
        BPF_MAP_TYPE_ARENA => {
            (attr.key_size, attr.value_size, attr.max_entries) = (0, 0, 1);
            attr.map_flags = BPF_F_MMAPABLE;
        }
        BPF_MAP_TYPE_HASH..=BPF_MAP_TYPE_PERCPU_ARRAY
        | BPF_MAP_TYPE_CGROUP_ARRAY..=BPF_MAP_TYPE_LRU_PERCPU_HASH
        | BPF_MAP_TYPE_ARRAY_OF_MAPS..=BPF_MAP_TYPE_SOCKHASH
        | BPF_MAP_TYPE_REUSEPORT_SOCKARRAY
        | BPF_MAP_TYPE_DEVMAP_HASH => {}
        _ => return Err(crate::Error::quiet(libc::EOPNOTSUPP)),
    }
    if matches!(map_type, BPF_MAP_TYPE_ARRAY_OF_MAPS | BPF_MAP_TYPE_HASH_OF_MAPS) {
        let mut ia = super::attr::MapCreateAttr {
            map_type: BPF_MAP_TYPE_HASH,
            key_size: 4,
            value_size: 4,
            max_entries: 1,
            ..Default::default()
        };
        match cmd::raw::map_create(&mut ia) {
            Ok(fd) => inner = Some(fd),
            Err(_) => return Ok(0),
        }
    }
    if let Some(f) = &inner {
        attr.inner_map_fd = std::os::fd::AsRawFd::as_raw_fd(f) as u32;
    }
    if let Some(f) = &btf {
        attr.btf_fd = std::os::fd::AsRawFd::as_raw_fd(f) as u32;
    }
    let r = cmd::raw::map_create(&mut attr).map(drop).map_err(|e| e.raw_os_error());
    Ok(match expect {
        None => r.is_ok() as i32,
        Some(errno) => (r == Err(Some(errno))) as i32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn btf_blob_header() {
        let b = btf_blob(&[1, 2], b"\0x\0");
        assert_eq!(b.len(), 24 + 8 + 3);
        assert_eq!(&b[..4], &[0x9f, 0xeb, 1, 0]);
        assert_eq!(u32::from_le_bytes(b[4..8].try_into().unwrap()), 24);
        assert_eq!(u32::from_le_bytes(b[12..16].try_into().unwrap()), 8); // type_len
        assert_eq!(u32::from_le_bytes(b[16..20].try_into().unwrap()), 8); // str_off
        assert_eq!(u32::from_le_bytes(b[20..24].try_into().unwrap()), 3); // str_len
    }

    #[test]
    fn feature_table_is_dense() {
        for (i, f) in Feature::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
            assert!(!f.desc().is_empty());
        }
    }

    #[test]
    fn local_cache_preset() {
        let c = FeatureCache::new();
        assert_eq!(c.known(Feature::BtfFloat), None);
        assert!(c.preset(Feature::BtfFloat, false));
        assert!(!c.preset(Feature::BtfFloat, true));
        assert!(!c.supported(Feature::BtfFloat, None));
    }
}
