//! CO-RE relocations of real clang-19 objects (tests/fixtures/core/*.c), resolved against this
//! machine's kernel BTF and checked against ground truth read from `bpftool btf dump … format raw`
//! (an independent BTF reader), not from our own parser.
//!
//! Skips (with a message) without clang-19, bpftool or /sys/kernel/btf/vmlinux.

mod common;

use oxbpf::btf::Btf;
use oxbpf::reloc::core::*;
use oxbpf::uapi::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const VMLINUX: &str = "/sys/kernel/btf/vmlinux";
const BPFTOOL: &str = "/usr/sbin/bpftool";

fn tmpdir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("core-clang-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Run a command, returning stdout, or `None` if it can't be started.
fn output(cmd: &mut Command) -> Option<Vec<u8>> {
    match cmd.output() {
        Ok(o) if o.status.success() => Some(o.stdout),
        Ok(o) => panic!("{cmd:?} failed: {}\n{}", o.status, String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            crate::skip!("{cmd:?} not runnable ({e})");
            None
        }
    }
}

fn have_kernel_btf() -> bool {
    let ok = Path::new(VMLINUX).exists() && Path::new(BPFTOOL).exists();
    if !ok {
        crate::skip!("needs {VMLINUX} and {BPFTOOL}");
    }
    ok
}

/// vmlinux.h for this kernel, generated once per test process.
fn vmlinux_h_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        if !have_kernel_btf() {
            return None;
        }
        let h = output(Command::new(BPFTOOL).args(["btf", "dump", "file", VMLINUX, "format", "c"]))?;
        let d = tmpdir();
        std::fs::write(d.join("vmlinux.h"), h).unwrap();
        Some(d)
    })
    .as_deref()
}

/// Compile a fixture into bytes; `kernel`: against this kernel's vmlinux.h.
fn compile(name: &str, kernel: bool) -> Option<Vec<u8>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/core").join(format!("{name}.c"));
    let out = if kernel {
        common::bpf_object(&format!("{name}.o"), &src, &["-I".as_ref(), vmlinux_h_dir()?.as_os_str()])?
    } else {
        common::bpf_object(&format!("{name}.o"), &src, &[])?
    };
    Some(std::fs::read(&out).unwrap())
}

// ---------------------------------------------------------------------------------------------
// Ground truth from bpftool's raw dump.

/// A STRUCT as bpftool prints it: id, size, members as (name, bits_offset, bitfield_size).
type StructTruth = (u32, u32, Vec<(String, u32, u32)>);

#[derive(Debug, Default)]
struct Truth {
    structs: HashMap<String, StructTruth>,
    /// enum name → enumerators (name, value as u64)
    enums: HashMap<String, Vec<(String, u64)>>,
}

/// Parse the lines bpftool prints for STRUCT and ENUM/ENUM64 types:
/// `[114] STRUCT 'task_struct' size=3264 vlen=248`, `\t'pid' type_id=68 bits_offset=10112`,
/// `[1891] ENUM 'bpf_map_type' encoding=UNSIGNED size=4 vlen=37`, `\t'X' val=27`.
fn truth() -> Option<&'static Truth> {
    static T: OnceLock<Option<Truth>> = OnceLock::new();
    T.get_or_init(|| {
        if !have_kernel_btf() {
            return None;
        }
        let raw = output(Command::new(BPFTOOL).args(["btf", "dump", "file", VMLINUX, "format", "raw"]))?;
        let text = String::from_utf8(raw).unwrap();
        let mut t = Truth::default();
        enum Cur {
            None,
            Struct(String),
            Enum(String),
        }
        let mut cur = Cur::None;
        let field = |line: &str, key: &str| -> Option<String> {
            let i = line.find(key)? + key.len();
            Some(line[i..].split_whitespace().next()?.to_string())
        };
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix('[') {
                let id: u32 = rest.split(']').next().unwrap().parse().unwrap();
                let mut words = rest.split_whitespace();
                let kind = words.nth(1).unwrap_or("");
                let name = line.split('\'').nth(1).unwrap_or("").to_string();
                cur = Cur::None;
                match kind {
                    "STRUCT" if !t.structs.contains_key(&name) => {
                        let size = field(line, "size=").unwrap().parse().unwrap();
                        t.structs.insert(name.clone(), (id, size, Vec::new()));
                        cur = Cur::Struct(name);
                    }
                    "ENUM" | "ENUM64" if !t.enums.contains_key(&name) => {
                        t.enums.insert(name.clone(), Vec::new());
                        cur = Cur::Enum(name);
                    }
                    _ => {}
                }
            } else if let Some(m) = line.strip_prefix('\t') {
                let mname = m.split('\'').nth(1).unwrap_or("").to_string();
                match &cur {
                    Cur::Struct(s) => {
                        let off = field(m, "bits_offset=").unwrap().parse().unwrap();
                        let bf = field(m, "bitfield_size=").map_or(0, |v| v.parse().unwrap());
                        t.structs.get_mut(s).unwrap().2.push((mname, off, bf));
                    }
                    Cur::Enum(e) => {
                        let v = field(m, "val=").unwrap();
                        let v = v.trim_end_matches("ULL").trim_end_matches("LL");
                        let v = v.parse::<u64>().unwrap_or_else(|_| v.parse::<i64>().unwrap() as u64);
                        t.enums.get_mut(e).unwrap().push((mname, v));
                    }
                    Cur::None => {}
                }
            }
        }
        Some(t)
    })
    .as_ref()
}

impl Truth {
    fn member(&self, s: &str, m: &str) -> (usize, u32, u32) {
        let (_, _, ms) = &self.structs[s];
        let i = ms.iter().position(|x| x.0 == m).unwrap_or_else(|| panic!("{s}.{m} not in vmlinux"));
        (i, ms[i].1, ms[i].2)
    }
    fn enumerator(&self, e: &str, n: &str) -> (usize, u64) {
        let vs = &self.enums[e];
        let i = vs.iter().position(|x| x.0 == n).unwrap();
        (i, vs[i].1)
    }
}

// ---------------------------------------------------------------------------------------------
// Relocating an object.

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Got {
    /// The patched value: ALU imm (sign-extended) or ld_imm64's 64 bits.
    Val(u64),
    /// A load/store's offset and access size in bytes.
    Mem(i16, u8),
    Poison,
}

/// One relocation: kind name, local root type name, access string, and what the instruction holds.
type Row = (&'static str, String, String, Got);

/// Relocate every CO-RE record of `obj` against `targets`; rows per ELF section.
fn relocate_object(obj: &[u8], targets: &CoreTargets<'_>) -> BTreeMap<String, BTreeSet<Row>> {
    use object::{Object, ObjectSection};
    let (btf, ext) = Btf::parse_elf(obj, None, true).expect(".BTF/.BTF.ext");
    let ext = ext.expect(".BTF.ext");
    let file = object::File::parse(obj).unwrap();
    let mut cache = CandCache::new();
    let mut out = BTreeMap::new();
    for sec in ext.sections().map(str::to_owned).collect::<Vec<_>>() {
        let Some(relos) = ext.core_relos(&sec) else { continue };
        let data = file.section_by_name(&sec).unwrap().data().unwrap();
        let mut insns: Vec<u64> = data.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
        let mut rows = BTreeSet::new();
        for (i, r) in relos.iter().enumerate() {
            let idx = (r.insn_off / 8) as usize;
            let outcome = relocate_insn_idx(&btf, r, i, &mut insns, idx, targets, &mut cache, &sec)
                .unwrap_or_else(|e| panic!("{sec}: relo #{i}: {e}"));
            let insn = BpfInsn::from_array(insns[idx].to_le_bytes());
            let got = match outcome {
                CoreOutcome::Poisoned { .. } => {
                    assert_eq!((insn.code, insn.imm), (BPF_JMP | BPF_CALL, POISON_CALL_IMM));
                    Got::Poison
                }
                CoreOutcome::Patched => match insn.class() {
                    BPF_ALU | BPF_ALU64 => Got::Val(insn.imm as i64 as u64),
                    BPF_LDX | BPF_ST | BPF_STX => {
                        let size = match insn.code & BPF_SIZE_MASK {
                            BPF_B => 1,
                            BPF_H => 2,
                            BPF_W => 4,
                            _ => 8,
                        };
                        Got::Mem(insn.off, size)
                    }
                    BPF_LD => {
                        let hi = BpfInsn::from_array(insns[idx + 1].to_le_bytes());
                        Got::Val(insn.imm as u32 as u64 | (hi.imm as u32 as u64) << 32)
                    }
                    c => panic!("{sec}: relocated insn of class {c:#x}"),
                },
            };
            let root = btf.ty(r.type_id).unwrap().name.to_string();
            let access = btf.str_at(r.access_str_off).unwrap().to_string();
            rows.insert((relo_kind_str(r.kind), root, access, got));
        }
        out.insert(sec, rows);
    }
    out
}

fn row(kind: &'static str, root: &str, access: String, got: Got) -> Row {
    (kind, root.to_string(), access, got)
}

fn off_of(t: &Truth, s: &str, m: &str) -> (String, u64) {
    let (i, bits, _) = t.member(s, m);
    (format!("0:{i}"), bits as u64 / 8)
}

#[test]
fn kernel_relocations_match_bpftool() {
    let (Some(obj), Some(t)) = (compile("core_kernel", true), truth()) else { return };
    let vmlinux = Btf::vmlinux().expect("vmlinux BTF");
    let got = relocate_object(&obj, &CoreTargets { btfs: vec![&*vmlinux] });
    let secs: Vec<_> = got.keys().cloned().collect();
    assert_eq!(
        secs,
        [
            "kprobe/bitfield",
            "kprobe/enums",
            "kprobe/exists_sizes",
            "kprobe/flavor",
            "kprobe/read_chain",
            "kprobe/read_pid",
            "kprobe/types",
            "tp_btf/sched_switch"
        ]
    );
    let set = |rows: Vec<Row>| rows.into_iter().collect::<BTreeSet<_>>();
    let (pid_acc, pid_off) = off_of(t, "task_struct", "pid");
    let (tgid_acc, tgid_off) = off_of(t, "task_struct", "tgid");
    let (rp_acc, rp_off) = off_of(t, "task_struct", "real_parent");
    let (comm_acc, _) = off_of(t, "task_struct", "comm");
    let (ts_id, ts_size, _) = t.structs["task_struct"];

    assert_eq!(got["kprobe/read_pid"], set(vec![row("byte_off", "task_struct", pid_acc.clone(), Got::Val(pid_off))]));
    assert_eq!(
        got["kprobe/read_chain"],
        set(vec![
            row("byte_off", "task_struct", rp_acc, Got::Val(rp_off)),
            row("byte_off", "task_struct", tgid_acc.clone(), Got::Val(tgid_off)),
        ])
    );
    // the local flavor's missing field: exists 0, guarded read poisoned; its pid still resolves
    assert_eq!(
        got["kprobe/flavor"],
        set(vec![
            row("field_exists", "task_struct___v2", "0:1".into(), Got::Val(0)),
            row("byte_off", "task_struct___v2", "0:1".into(), Got::Poison),
            row("byte_off", "task_struct___v2", "0:0".into(), Got::Val(pid_off)),
        ])
    );
    assert_eq!(
        got["kprobe/exists_sizes"],
        set(vec![
            row("field_exists", "task_struct", tgid_acc, Got::Val(1)),
            row("byte_sz", "task_struct", comm_acc, Got::Val(16)),
            row("type_size", "task_struct", "0".into(), Got::Val(ts_size as u64)),
        ])
    );
    assert_eq!(
        got["kprobe/types"],
        set(vec![
            row("type_exists", "task_struct", "0".into(), Got::Val(1)),
            row("type_exists", "oxbpf_not_in_kernel", "0".into(), Got::Val(0)),
            row("type_matches", "list_head", "0".into(), Got::Val(1)),
            row("type_matches", "list_head___bad", "0".into(), Got::Val(0)),
            row("target_type_id", "task_struct", "0".into(), Got::Val(ts_id as u64)),
        ])
    );
    let (rb_idx, rb_val) = t.enumerator("bpf_map_type", "BPF_MAP_TYPE_RINGBUF");
    assert_eq!(rb_val, BPF_MAP_TYPE_RINGBUF as u64);
    let (pcu_idx, pcu_val) = t.enumerator("perf_callchain_context", "PERF_CONTEXT_USER");
    assert_eq!(pcu_val, (-512i64) as u64, "a 64-bit enumerator");
    assert_eq!(
        got["kprobe/enums"],
        set(vec![
            row("enumval_value", "bpf_map_type", rb_idx.to_string(), Got::Val(rb_val)),
            row("enumval_value", "bpf_map_type___local", "0".into(), Got::Val(rb_val)),
            row("enumval_exists", "bpf_map_type___local", "1".into(), Got::Val(0)),
            row("enumval_value", "perf_callchain_context", pcu_idx.to_string(), Got::Val(pcu_val)),
        ])
    );

    // sk_buff.fclone: a 2-bit u8 bitfield; libbpf's load is the u8 that holds it
    let (fi, bits, bf) = t.member("sk_buff", "fclone");
    assert_eq!(bf, 2);
    let acc = format!("0:{fi}");
    let (byte_off, byte_sz) = (bits / 8, 1u32);
    let lshift = 64 - (bits + bf - byte_off * 8);
    assert_eq!(
        got["kprobe/bitfield"],
        set(vec![
            row("byte_off", "sk_buff", acc.clone(), Got::Val(byte_off as u64)),
            row("byte_sz", "sk_buff", acc.clone(), Got::Val(byte_sz as u64)),
            row("lshift_u64", "sk_buff", acc.clone(), Got::Val(lshift as u64)),
            row("rshift_u64", "sk_buff", acc.clone(), Got::Val(64 - bf as u64)),
            row("signed", "sk_buff", acc, Got::Val(0)),
        ])
    );
    // a direct load: the LDX offset is patched
    assert_eq!(
        got["tp_btf/sched_switch"],
        set(vec![row("byte_off", "task_struct", pid_acc, Got::Mem(pid_off as i16, 4))])
    );
}

/// The `btf_custom_path` case: a target BTF compiled from C whose layout we know, so this runs
/// (and checks load widening, flexible arrays and signed bitfields) on any kernel.
#[test]
fn custom_target_btf() {
    let (Some(prog), Some(targ)) = (compile("custom_prog", false), compile("custom_target", false)) else { return };
    let (targ, _) = Btf::parse_elf(&targ, None, false).unwrap();
    let got = relocate_object(&prog, &CoreTargets { btfs: vec![&targ] });
    let set = |rows: Vec<Row>| rows.into_iter().collect::<BTreeSet<_>>();
    let cfg = |kind, access: &str, g| row(kind, "cfg", access.to_string(), g);
    // local: flags 0, mode/level bits 32..40, big 8 (u32), name 12, gone 20, tail 24
    // target: pad 0, flags 8, level bits 96..101 (signed), mode 101..104, big 16 (u64), name 24, tail 32
    assert_eq!(
        got["tp_btf/loads"],
        set(vec![
            cfg("byte_off", "0:0", Got::Mem(8, 4)),
            cfg("byte_off", "0:3", Got::Mem(16, 8)), // u32 -> u64: the load is widened
            cfg("byte_off", "0:4:3", Got::Mem(27, 1)),
            cfg("byte_off", "0:6:2", Got::Mem(40, 4)), // flexible array
        ])
    );
    assert_eq!(
        got["tp_btf/bitfields"],
        set(vec![
            cfg("byte_off", "0:2", Got::Val(12)),
            cfg("byte_sz", "0:2", Got::Val(4)),
            cfg("lshift_u64", "0:2", Got::Val(59)),
            cfg("rshift_u64", "0:2", Got::Val(59)),
            cfg("signed", "0:2", Got::Val(1)),
            cfg("byte_off", "0:1", Got::Val(12)),
            cfg("byte_sz", "0:1", Got::Val(4)),
            cfg("lshift_u64", "0:1", Got::Val(56)),
            cfg("rshift_u64", "0:1", Got::Val(61)),
            cfg("signed", "0:1", Got::Val(0)),
        ])
    );
    assert_eq!(
        got["tp_btf/missing"],
        set(vec![cfg("field_exists", "0:5", Got::Val(0)), cfg("byte_off", "0:5", Got::Poison)])
    );
    assert_eq!(
        got["tp_btf/types"],
        set(vec![
            cfg("type_size", "0", Got::Val(32)),
            cfg("type_exists", "0", Got::Val(1)),
            cfg("byte_sz", "0:4", Got::Val(8)),
            row("enumval_value", "color", "0".into(), Got::Val(20)),
            row("enumval_exists", "color", "1".into(), Got::Val(0)),
        ])
    );
}
