//! The memo of CO-RE relocation results within one load (`CandCache`): relocations of the same
//! (local type, access string, kind) in different programs, before and after another
//! relocation of the type narrowed its candidate list, must print exactly the log lines and
//! patch exactly the instructions of a run without the memo.

use oxbpf::btf::builder::BtfBuilder;
use oxbpf::btf::ext::CoreRelo;
use oxbpf::btf::{Btf, INT_SIGNED};
use oxbpf::ffi::print::libbpf_set_print;
use oxbpf::reloc::core::*;
use oxbpf::uapi::*;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::Mutex;

static LOG: Mutex<String> = Mutex::new(String::new());

extern "C" {
    fn vsnprintf(s: *mut c_char, n: usize, fmt: *const c_char, ap: *mut c_void) -> c_int;
}

/// libbpf print callback keeping every level (DEBUG included). On x86_64 a `va_list`
/// parameter is a pointer to the register save area, which `vsnprintf` takes as is.
unsafe extern "C" fn capture(_level: u32, fmt: *const c_char, ap: *mut c_void) -> c_int {
    let mut buf = [0u8; 1024];
    // SAFETY: buf is writable for its length; fmt/ap come from the library's print shim.
    unsafe { vsnprintf(buf.as_mut_ptr().cast(), buf.len(), fmt, ap) };
    let text = CStr::from_bytes_until_nul(&buf).map(|c| c.to_string_lossy()).unwrap_or_default();
    LOG.lock().unwrap_or_else(|e| e.into_inner()).push_str(&text);
    0
}

fn take_log() -> String {
    std::mem::take(&mut *LOG.lock().unwrap_or_else(|e| e.into_inner()))
}

fn w(i: BpfInsn) -> u64 {
    u64::from_le_bytes(i.to_array())
}
/// `r1 += imm` (ALU64, immediate).
fn add_imm(imm: i32) -> u64 {
    w(BpfInsn::new(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, imm))
}
/// `r0 = imm` (ALU64 mov).
fn mov_imm(imm: i32) -> u64 {
    w(BpfInsn::new(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, imm))
}

struct Env {
    local: Btf,
    targ: Btf,
    /// (program name, relocation, instruction it applies to)
    relos: Vec<(&'static str, CoreRelo, u64)>,
}

/// Local `struct foo { int a; int b; int c; }`; the target has two flavors, `foo { int a; }`
/// and `foo___new { int a; long pad; int b; }`: `a` matches both (same offset), `b` only
/// `foo___new` (which narrows the list), `c` neither.
fn env() -> Env {
    let mut l = BtfBuilder::new();
    let int = l.add_int("int", 4, INT_SIGNED);
    let root = l.add_struct("foo", 12, &[("a", int, 0), ("b", int, 32), ("c", int, 64)]);
    let mut r = |prog, access: &str, kind, insn| {
        (prog, CoreRelo { insn_off: 0, type_id: root, access_str_off: l.add_str(access), kind }, insn)
    };
    let relos = vec![
        r("p1", "0:0", BPF_CORE_FIELD_BYTE_OFFSET, add_imm(0)),
        r("p2", "0:0", BPF_CORE_FIELD_BYTE_OFFSET, add_imm(0)), // memo hit (two candidates)
        r("p1", "0:1", BPF_CORE_FIELD_BYTE_OFFSET, add_imm(4)), // narrows to foo___new
        r("p2", "0:0", BPF_CORE_FIELD_BYTE_OFFSET, add_imm(0)), // list changed: computed again
        r("p3", "0:0", BPF_CORE_FIELD_BYTE_OFFSET, add_imm(0)), // memo hit (one candidate)
        r("p3", "0:1", BPF_CORE_FIELD_BYTE_SIZE, mov_imm(4)),
        r("p4", "0:2", BPF_CORE_FIELD_EXISTS, mov_imm(1)), // no matching targets
        r("p5", "0:2", BPF_CORE_FIELD_EXISTS, mov_imm(1)), // memo hit
        r("p5", "0:2", BPF_CORE_FIELD_BYTE_OFFSET, add_imm(8)), // poisoned
        r("p6", "0:2", BPF_CORE_FIELD_BYTE_OFFSET, add_imm(8)), // memo hit, poisoned
        r("p6", "0", BPF_CORE_TYPE_ID_LOCAL, mov_imm(root as i32)),
        r("p7", "0", BPF_CORE_TYPE_ID_LOCAL, mov_imm(root as i32)), // memo hit
        r("p8", "0:0", BPF_CORE_FIELD_BYTE_OFFSET, add_imm(5)),     // memo hit, then the insn check fails
    ];
    let mut t = BtfBuilder::new();
    let tint = t.add_int("int", 4, INT_SIGNED);
    let tlong = t.add_int("long", 8, INT_SIGNED);
    t.add_struct("foo", 4, &[("a", tint, 0)]);
    t.add_struct("foo___new", 24, &[("a", tint, 0), ("pad", tlong, 64), ("b", tint, 128)]);
    Env { local: Btf::parse(&l.build()).unwrap(), targ: Btf::parse(&t.build()).unwrap(), relos }
}

/// Every relocation of `e` in order with one cache, memo on or off: the log, the instructions
/// and each outcome (or error text), and the number of memo hits.
fn run(e: &Env, memo: bool) -> (String, Vec<u64>, Vec<String>, usize) {
    let targets = CoreTargets { btfs: vec![&e.targ] };
    let mut cache = CandCache::new();
    cache.set_memo(memo);
    let mut insns: Vec<u64> = e.relos.iter().map(|r| r.2).collect();
    take_log();
    let outcomes = e
        .relos
        .iter()
        .enumerate()
        .map(|(i, (prog, r, _))| match relocate_insn_idx(&e.local, r, i, &mut insns, i, &targets, &mut cache, prog) {
            Ok(o) => format!("{o:?}"),
            Err(err) => format!("error: {err}"),
        })
        .collect();
    (take_log(), insns, outcomes, cache.memo_hits())
}

#[test]
fn memoized_relocations_log_and_patch_like_full_ones() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: installing a callback with libbpf's signature.
    unsafe { libbpf_set_print(Some(capture)) };
    let e = env();
    let (full_log, full_insns, full_out, full_hits) = run(&e, false);
    let (log, insns, out, hits) = run(&e, true);
    // SAFETY: restoring the default printer.
    unsafe { libbpf_set_print(None) };

    assert_eq!(full_hits, 0);
    assert_eq!(hits, 6, "{log}");
    assert_eq!(out, full_out);
    assert_eq!(insns, full_insns);
    assert_eq!(log, full_log);

    // The log holds what a full computation prints, per program and relocation number.
    for line in [
        "libbpf: prog 'p2': relo #1: <byte_off> [2] struct foo.a (0:0 @ offset 0)\n",
        "libbpf: prog 'p2': relo #1: matching candidate #0 <byte_off> [3] struct foo.a (0:0 @ offset 0)\n",
        "libbpf: prog 'p2': relo #1: matching candidate #1 <byte_off> [4] struct foo___new.a (0:0 @ offset 0)\n",
        "libbpf: prog 'p1': relo #2: non-matching candidate #0 <byte_off> [3] struct foo (0 @ offset 0)\n",
        "libbpf: prog 'p3': relo #4: matching candidate #0 <byte_off> [4] struct foo___new.a (0:0 @ offset 0)\n",
        "libbpf: prog 'p5': relo #7: no matching targets found\n",
        "libbpf: prog 'p6': relo #9: no matching targets found\n",
        "libbpf: prog 'p7': relo #11: <local_type_id> [2] struct foo\n",
    ] {
        assert!(log.contains(line), "missing {line:?} in:\n{log}");
    }
    // `b` is at byte 16 of foo___new; `a` at 0; `c` poisoned; the last insn check failed.
    assert_eq!(BpfInsn::from_array(insns[2].to_le_bytes()).imm, 16);
    assert!(out[9].starts_with("Poisoned"), "{}", out[9]);
    assert!(out[12].starts_with("error: ") && out[12].contains("prog 'p8': relo #12:"), "{}", out[12]);
    assert!(log.contains("libbpf: prog 'p8': relo #12: "), "{log}");
}

/// Serializes the tests of this binary: the print callback is process-wide.
static SERIAL: Mutex<()> = Mutex::new(());

/// Relocations of local types against the running kernel's BTF, each with a fresh cache after
/// `presearch` (as a load does): the log and the instructions.
fn kernel_run(local: &Btf, vml: &Btf, relos: &[(CoreRelo, u64)]) -> (String, Vec<u64>) {
    let targets = CoreTargets { btfs: vec![vml] };
    let mut cache = CandCache::new();
    let need_modules = cache.presearch(local, relos.iter().map(|r| r.0.type_id), vml);
    assert!(need_modules, "the union and the missing struct have no vmlinux candidate");
    let mut insns: Vec<u64> = relos.iter().map(|r| r.1).collect();
    take_log();
    for (i, (r, _)) in relos.iter().enumerate() {
        relocate_insn_idx(local, r, i, &mut insns, i, &targets, &mut cache, "k").unwrap();
    }
    (take_log(), insns)
}

#[test]
fn vmlinux_candidates_kept_across_loads_log_like_a_search() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
        eprintln!("SKIP: no /sys/kernel/btf/vmlinux");
        return;
    }
    let shared = Btf::vmlinux().unwrap();
    // Not the shared BTF (another handle on the same data): searched every time.
    let unshared = (*shared).clone();

    let mut l = BtfBuilder::new();
    let int = l.add_int("int", 4, INT_SIGNED);
    let ts = l.add_struct("task_struct", 4, &[("pid", int, 0)]);
    let ts_flavor = l.add_struct("task_struct___mine", 4, &[("tgid", int, 0)]);
    let ts_union = l.add_union("task_struct", 4, &[("pid", int, 0)]);
    let missing = l.add_struct("oxbpf_no_such_kernel_type", 4, &[("x", int, 0)]);
    let mut r = |type_id, access: &str, kind, insn| {
        (CoreRelo { insn_off: 0, type_id, access_str_off: l.add_str(access), kind }, insn)
    };
    let relos = vec![
        r(ts, "0:0", BPF_CORE_FIELD_EXISTS, mov_imm(1)),
        r(ts_flavor, "0:0", BPF_CORE_FIELD_EXISTS, mov_imm(1)),
        r(ts_union, "0:0", BPF_CORE_FIELD_EXISTS, mov_imm(1)),
        r(missing, "0:0", BPF_CORE_FIELD_EXISTS, mov_imm(1)),
    ];
    let local = Btf::parse(&l.build()).unwrap();

    // SAFETY: installing a callback with libbpf's signature.
    unsafe { libbpf_set_print(Some(capture)) };
    let searched = kernel_run(&local, &unshared, &relos);
    let kept_before = Btf::vmlinux_core_cands_kept();
    let first = kernel_run(&local, &shared, &relos);
    let kept_after = Btf::vmlinux_core_cands_kept();
    let second = kernel_run(&local, &shared, &relos);
    // SAFETY: restoring the default printer.
    unsafe { libbpf_set_print(None) };

    assert_eq!(first, searched);
    assert_eq!(second, searched);
    // task_struct (struct), task_struct (union) and the missing name; an earlier test of this
    // process may have kept some of them already.
    assert!(kept_after >= 2 && kept_after <= kept_before + 2, "{kept_before} -> {kept_after}");
    assert!(
        searched.0.contains("libbpf: CO-RE relocating [2] struct task_struct: found target candidate ["),
        "{}",
        searched.0
    );
    assert!(searched.0.contains("libbpf: CO-RE relocating [3] struct task_struct___mine: found target candidate ["));
    assert!(searched.0.contains("libbpf: prog 'k': relo #3: <field_exists> [5] struct oxbpf_no_such_kernel_type.x"));
    // pid and tgid exist in the kernel's task_struct; the union and the missing type do not.
    let imms: Vec<i32> = searched.1.iter().map(|w| BpfInsn::from_array(w.to_le_bytes()).imm).collect();
    assert_eq!(imms, [1, 1, 0, 0]);
}
