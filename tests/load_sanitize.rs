//! BTF sanitization on the real kernel: the process-wide feature cache is told that the kernel
//! lacks DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 and `?`-named DATASECs (as on an old
//! kernel), then an object using all of them is loaded. The kernel must hold the rewritten BTF
//! (no such kinds; `.data` became STRUCT `_data`) and the program must still run on its globals.
//!
//! One test in its own binary: the presets are process-wide and can only be set once.

mod common;

use oxbpf::btf::{Btf, Kind};
use oxbpf::object::{Object, OpenOptions};
use oxbpf::sys::{cmd, probe};

const SRC: &str = r#"
#define SEC(n) __attribute__((section(n), used))
typedef unsigned long long u64;
enum big { BIG_A = 1ULL << 40, BIG_B = 2 };
struct tagged { int x __attribute__((btf_decl_tag("tagged_x"))); };
int counter = 5;
float ratio = 1.5f;
volatile enum big big_val = BIG_B;
struct tagged tv = { 3 };
int __attribute__((btf_type_tag("user"))) *tp_ptr;
SEC("socket") int sanitized(void *ctx)
{
	counter += tv.x + (int)big_val;
	return counter;
}
char LICENSE[] SEC("license") = "GPL";
"#;

#[test]
fn old_kernel_gets_sanitized_btf_and_programs_still_run() {
    if !common::privileged("needs root (CAP_BPF) to load programs") {
        return;
    }
    let Some(o) = common::bpf_object_text("s.bpf.o", SRC, &[]) else { return };

    for f in [
        probe::Feature::BtfDatasec,
        probe::Feature::BtfFloat,
        probe::Feature::BtfDeclTag,
        probe::Feature::BtfTypeTag,
        probe::Feature::BtfEnum64,
        probe::Feature::BtfQmarkDatasec,
    ] {
        assert!(probe::preset(f, false), "{f:?} was probed before the preset");
    }

    let bytes = std::fs::read(&o).expect("read object");
    let mut obj = Object::open(&bytes, o.to_str().unwrap(), false, OpenOptions::default()).expect("open");
    // The object's own BTF keeps its kinds (callers and CO-RE see the original).
    let own = obj.btf().expect("object BTF");
    assert!(own.find_by_name_kind(".data", Kind::Datasec).is_some());
    obj.load().expect("load with sanitized BTF");
    assert!(obj.btf().unwrap().find_by_name_kind(".data", Kind::Datasec).is_some(), "own BTF untouched by load");

    // What the kernel holds.
    let kfd = obj.kernel_btf_fd().expect("BTF was loaded");
    let kdata = cmd::btf_data(kfd).expect("kernel BTF bytes");
    let kbtf = Btf::parse(&kdata).expect("kernel BTF parses");
    for id in 1..kbtf.type_cnt() {
        let k = kbtf.ty(id).unwrap().kind;
        assert!(
            !matches!(k, Kind::Datasec | Kind::Float | Kind::DeclTag | Kind::TypeTag | Kind::Enum64 | Kind::Var),
            "kernel BTF still has {k:?} at [{id}]"
        );
    }
    let data = kbtf.find_by_name_kind("_data", Kind::Struct).expect("`.data` became STRUCT _data");
    let names: Vec<String> = kbtf.ty(data).unwrap().members().unwrap().iter().map(|m| m.name.to_string()).collect();
    assert!(names.iter().any(|n| n == "counter"), "members keep the variable names: {names:?}");

    // The program runs on the global data map: 5 + 3 + 2. (`ratio` only puts a FLOAT into
    // the BTF; BPF cannot convert floats.)
    let (_, p) = obj.programs().next().expect("one program");
    let fd = p.loaded_fd().expect("program loaded");
    let pkt = [0u8; 64];
    let out =
        cmd::prog_test_run(fd, &mut cmd::TestRun { data_in: &pkt, repeat: 1, ..Default::default() }).expect("test run");
    assert_eq!(out.retval, 10);
    drop(obj);
}
