//! The `__arg_ctx` fallback (libbpf's `bpf_program_fixup_func_info`) on the real kernel: the
//! process-wide feature cache is told that the verifier does not know the `arg:ctx` decl tag
//! (as before Linux 6.8), then an object whose global subprograms take tagged context arguments
//! is loaded. The BTF the kernel holds must carry libbpf's clones (a FUNC and FUNC_PROTO per
//! retyped subprogram and program, the argument a pointer to the program type's context struct,
//! a copied decl tag), each program's func_info must point at its own clone, a subprogram whose
//! argument already has the context type must be left alone, and the programs must still run.
//! The VM lane (`argctx` on Linux 6.1, whose verifier refuses these programs without the
//! fallback) compares the same with libbpf 1.5 byte for byte.
//!
//! One test in its own binary: the presets are process-wide and can only be set once.

mod common;

use std::os::fd::{AsRawFd, BorrowedFd};

use oxbpf::btf::{Btf, Detail, Kind};
use oxbpf::object::{Object, OpenOptions};
use oxbpf::sys::{attr::bpf_prog_info, cmd, probe};

const SRC: &str = r#"
#define SEC(n) __attribute__((section(n), used))
#define __arg_ctx __attribute__((btf_decl_tag("arg:ctx")))
#define __noinline __attribute__((noinline))
struct xdp_md { unsigned int data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
struct __sk_buff { unsigned int len; };

/* void *: retyped for each program type that calls it (xdp_md, then __sk_buff). */
__noinline int shared_sub(void *ctx __arg_ctx, int k)
{
	return k + (ctx != 0);
}

__noinline int xdp_sub(void *ctx __arg_ctx)
{
	struct xdp_md *x = ctx;
	return x->data_end - x->data >= 14 ? 2 : 1;
}

/* Already the context type: no clone. */
__noinline int skb_sub(struct __sk_buff *skb __arg_ctx)
{
	return skb->len > 10 ? 3 : 4;
}

SEC("xdp") int ox_xdp(struct xdp_md *ctx)
{
	return xdp_sub(ctx) + shared_sub(ctx, 0) - 1;
}

SEC("socket") int ox_skb(struct __sk_buff *skb)
{
	return skb_sub(skb) + shared_sub(skb, 1) - 2;
}
char LICENSE[] SEC("license") = "GPL";
"#;

/// The loaded program's func_info records (insn_off, type_id), read from the kernel.
fn kernel_func_info(fd: BorrowedFd) -> Vec<(u32, u32)> {
    let n = cmd::prog_info(fd).expect("prog info").nr_func_info as usize;
    let mut recs = vec![[0u32; 2]; n];
    let mut info = bpf_prog_info { nr_func_info: n as u32, func_info_rec_size: 8, ..Default::default() };
    info.func_info = recs.as_mut_ptr() as u64;
    let mut attr = [0u64; 2];
    attr[0] = fd.as_raw_fd() as u64 | ((std::mem::size_of::<bpf_prog_info>() as u64) << 32);
    attr[1] = &mut info as *mut bpf_prog_info as u64;
    // SAFETY: BPF_OBJ_GET_INFO_BY_FD (15) with {bpf_fd, info_len, info}: the kernel writes at most
    // info_len bytes into `info` and nr_func_info records of 8 bytes into `recs`, both live here.
    let rc = unsafe { libc::syscall(libc::SYS_bpf, 15, attr.as_mut_ptr(), 16u32) };
    assert_eq!(rc, 0, "BPF_OBJ_GET_INFO_BY_FD: {}", std::io::Error::last_os_error());
    recs.iter().map(|r| (r[0], r[1])).collect()
}

fn func_named(btf: &Btf, name: &str) -> Vec<u32> {
    (1..btf.type_cnt()).filter(|&id| btf.ty(id).is_some_and(|t| t.kind == Kind::Func && t.name == name)).collect()
}

/// Type of parameter `idx` of FUNC `id`, followed to what it points at: (pointee kind, name).
fn param_pointee(btf: &Btf, id: u32, idx: usize) -> (Kind, String) {
    let f = btf.ty(id).expect("FUNC");
    let proto = btf.ty(f.size_or_type).expect("FUNC_PROTO");
    let p = proto.params().and_then(|ps| ps.get(idx)).expect("param");
    let ptr = btf.ty(p.type_id).expect("param type");
    assert_eq!(ptr.kind, Kind::Ptr, "param {idx} of [{id}] is not a pointer");
    let t = btf.ty(ptr.size_or_type).expect("pointee");
    (t.kind, t.name.to_owned())
}

#[test]
fn subprog_ctx_args_are_retyped_for_a_kernel_without_arg_ctx() {
    if !common::privileged("needs root (CAP_BPF) to load programs") {
        return;
    }
    let Some(o) = common::bpf_object_text("a.bpf.o", SRC, &[]) else { return };

    assert!(probe::preset(probe::Feature::ArgCtxTag, false), "ArgCtxTag was probed before the preset");
    let bytes = std::fs::read(&o).expect("read object");
    let mut obj = Object::open(&bytes, o.to_str().unwrap(), false, OpenOptions::default()).expect("open");
    let before = obj.btf().expect("object BTF").type_cnt();
    obj.load().expect("load with the arg:ctx fallback");

    let kfd = obj.kernel_btf_fd().expect("BTF was loaded");
    let kbtf = Btf::parse(&cmd::btf_data(kfd).expect("kernel BTF bytes")).expect("kernel BTF parses");
    // libbpf's additions, in its order: ox_xdp clones xdp_sub and shared_sub (FUNC_PROTO, FUNC,
    // then STRUCT xdp_md + PTR once, then a DECL_TAG, per subprogram); ox_skb clones shared_sub
    // only (skb_sub's argument is already `struct __sk_buff *`).
    let added: Vec<Kind> = (before..kbtf.type_cnt()).map(|id| kbtf.ty(id).unwrap().kind).collect();
    use Kind::*;
    assert_eq!(
        added,
        [FuncProto, Func, Struct, Ptr, DeclTag, FuncProto, Func, DeclTag, FuncProto, Func, Struct, Ptr, DeclTag],
        "types added to the object's BTF"
    );
    let xdp_subs = func_named(&kbtf, "xdp_sub");
    let shared = func_named(&kbtf, "shared_sub");
    assert_eq!(xdp_subs.len(), 2, "xdp_sub and its clone");
    assert_eq!(shared.len(), 3, "shared_sub and one clone per program");
    assert_eq!(func_named(&kbtf, "skb_sub").len(), 1, "skb_sub needs no clone");
    assert_eq!(param_pointee(&kbtf, xdp_subs[1], 0), (Struct, "xdp_md".to_owned()));
    assert_eq!(param_pointee(&kbtf, shared[1], 0), (Struct, "xdp_md".to_owned()));
    assert_eq!(param_pointee(&kbtf, shared[2], 0), (Struct, "__sk_buff".to_owned()));
    // The context struct stand-ins are empty; the untouched originals keep `void *`.
    for id in (before..kbtf.type_cnt()).filter(|&id| kbtf.ty(id).unwrap().kind == Struct) {
        let t = kbtf.ty(id).unwrap();
        assert_eq!((t.vlen, t.size_or_type), (0, 0), "[{id}] {} is not an empty struct", t.name);
    }
    assert_eq!(param_pointee(&kbtf, shared[0], 0).0, Unkn, "original shared_sub keeps void *");
    // Clones keep the parameter names; the copied decl tags point at the clones.
    let f = kbtf.ty(shared[2]).unwrap();
    let names: Vec<String> =
        kbtf.ty(f.size_or_type).unwrap().params().unwrap().iter().map(|p| p.name.to_owned()).collect();
    assert_eq!(names, ["ctx", "k"]);
    let mut tags: Vec<(u32, i32)> = (before..kbtf.type_cnt())
        .filter_map(|id| match kbtf.ty(id).unwrap().detail {
            Detail::DeclTag { component_idx } => Some((kbtf.ty(id).unwrap().size_or_type, component_idx)),
            _ => None,
        })
        .collect();
    tags.sort();
    let mut want = [(xdp_subs[1], 0), (shared[1], 0), (shared[2], 0)];
    want.sort();
    assert_eq!(tags, want);

    // Each program's func_info names its own clones.
    let fi = |name: &str| {
        let i = obj.find_program(name).expect(name);
        let (_, p) = obj.programs().find(|(j, _)| *j == i).unwrap();
        kernel_func_info(p.loaded_fd().expect("loaded")).into_iter().map(|(_, t)| t).collect::<Vec<u32>>()
    };
    let xdp_fi = fi("ox_xdp");
    assert_eq!(xdp_fi.len(), 3);
    assert_eq!(&xdp_fi[1..], [xdp_subs[1], shared[1]], "ox_xdp's subprogram records");
    let skb_fi = fi("ox_skb");
    assert_eq!(&skb_fi[1..], [func_named(&kbtf, "skb_sub")[0], shared[2]], "ox_skb's subprogram records");

    // And the programs run: a 64-byte packet passes (xdp_sub 2 + shared_sub 1 - 1).
    let i = obj.find_program("ox_xdp").unwrap();
    let (_, p) = obj.programs().find(|(j, _)| *j == i).unwrap();
    let pkt = [0u8; 64];
    let out = cmd::prog_test_run(
        p.loaded_fd().unwrap(),
        &mut cmd::TestRun { data_in: &pkt, repeat: 1, ..Default::default() },
    )
    .expect("test run");
    assert_eq!(out.retval, 2, "XDP_PASS");
}
