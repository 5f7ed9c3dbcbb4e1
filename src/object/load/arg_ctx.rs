//! The `__arg_ctx` fallback for kernels whose verifier does not read the `arg:ctx` decl tag
//! (before Linux 6.8): libbpf 1.4+'s `bpf_program_fixup_func_info`. A global subprogram
//! argument tagged `arg:ctx` whose type is not already what the verifier takes as the context
//! (`void *`, `struct pt_regs *` for kprobes, `u64 *` for raw tracepoints, ...) gets a cloned
//! FUNC and FUNC_PROTO in the object's BTF with that argument retyped as a pointer to the
//! program type's named context struct, and the main program's func_info record points at
//! the clone. The BTF grows exactly as libbpf grows it (same types in the same order, same
//! strings), so the BTF the kernel gets is byte-identical.

use crate::btf::{Btf, Detail, Kind, FUNC_GLOBAL};
use crate::error::{Error, Result};
use crate::object::Program;
use crate::uapi;

const ARG_CTX_TAG: &str = "arg:ctx";

/// The named context struct of a program type (libbpf's `global_ctx_map`); the other program
/// types have none, and their programs are left alone.
fn ctx_struct_name(prog_type: u32) -> Option<&'static str> {
    use uapi::*;
    Some(match prog_type {
        BPF_PROG_TYPE_CGROUP_DEVICE => "bpf_cgroup_dev_ctx",
        BPF_PROG_TYPE_CGROUP_SKB
        | BPF_PROG_TYPE_FLOW_DISSECTOR
        | BPF_PROG_TYPE_LWT_IN
        | BPF_PROG_TYPE_LWT_OUT
        | BPF_PROG_TYPE_LWT_SEG6LOCAL
        | BPF_PROG_TYPE_LWT_XMIT
        | BPF_PROG_TYPE_SCHED_ACT
        | BPF_PROG_TYPE_SCHED_CLS
        | BPF_PROG_TYPE_SK_SKB
        | BPF_PROG_TYPE_SOCKET_FILTER => "__sk_buff",
        BPF_PROG_TYPE_CGROUP_SOCK => "bpf_sock",
        BPF_PROG_TYPE_CGROUP_SOCK_ADDR => "bpf_sock_addr",
        BPF_PROG_TYPE_CGROUP_SOCKOPT => "bpf_sockopt",
        BPF_PROG_TYPE_CGROUP_SYSCTL => "bpf_sysctl",
        BPF_PROG_TYPE_KPROBE => "bpf_user_pt_regs_t",
        BPF_PROG_TYPE_NETFILTER => "bpf_nf_ctx",
        BPF_PROG_TYPE_PERF_EVENT => "bpf_perf_event_data",
        BPF_PROG_TYPE_RAW_TRACEPOINT | BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE => "bpf_raw_tracepoint_args",
        BPF_PROG_TYPE_SK_LOOKUP => "bpf_sk_lookup",
        BPF_PROG_TYPE_SK_MSG => "sk_msg_md",
        BPF_PROG_TYPE_SK_REUSEPORT => "sk_reuseport_md",
        BPF_PROG_TYPE_SOCK_OPS => "bpf_sock_ops",
        BPF_PROG_TYPE_XDP => "xdp_md",
        _ => return None,
    })
}

/// Whether argument `arg_idx` (type `arg_type`) of `subprog` must be retyped to point at
/// `ctx_name` (libbpf's `need_func_arg_type_fixup`); warns, as libbpf does, when the argument
/// is neither already right nor one of the accepted stand-ins.
fn needs_fixup(btf: &Btf, prog: &Program, subprog: &str, arg_idx: u32, arg_type: u32, ctx_name: &str) -> bool {
    let warn = || {
        crate::pr_warn!(
            "prog '{}': subprog '{}' arg#{} is expected to be of `struct {} *` type",
            prog.name.to_string_lossy(),
            subprog,
            arg_idx,
            ctx_name
        );
        false
    };
    let Some((_, ptr)) = btf.skip_mods_and_typedefs(arg_type) else { return warn() };
    if !ptr.is_ptr() {
        return warn();
    }
    // The pointee, typedefs included (libbpf's check for the `bpf_user_pt_regs_t` typedef sits
    // before this step but looks at the pointer itself, so it never matches; neither does ours).
    let Some((_, t)) = btf.skip_mods_and_typedefs(ptr.size_or_type) else { return warn() };
    if t.is_void() {
        return true;
    }
    let is_struct = t.kind == Kind::Struct;
    if is_struct && t.name == ctx_name {
        return false;
    }
    match prog.prog_type {
        // x86-64: `bpf_user_pt_regs_t` is `struct pt_regs` for kprobes and perf events alike.
        uapi::BPF_PROG_TYPE_KPROBE | uapi::BPF_PROG_TYPE_PERF_EVENT if is_struct && t.name == "pt_regs" => true,
        uapi::BPF_PROG_TYPE_RAW_TRACEPOINT | uapi::BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE
            if t.is_int() && t.size_or_type == 8 =>
        {
            true
        }
        _ => warn(),
    }
}

/// The `type_id` word of func_info record `idx` (kernel format: insn_off, type_id, ...).
fn rec_type_id(p: &Program, idx: usize) -> Option<u32> {
    let at = idx * p.func_info_rec_size as usize + 4;
    p.func_info.get(at..at + 4).map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

fn set_rec_type_id(p: &mut Program, idx: usize, id: u32) {
    let at = idx * p.func_info_rec_size as usize + 4;
    if let Some(b) = p.func_info.get_mut(at..at + 4) {
        b.copy_from_slice(&id.to_ne_bytes());
    }
}

/// Copy FUNC `fn_id` and its FUNC_PROTO (libbpf's `clone_func_btf_info`): the clone keeps the
/// original name and parameter names (their string offsets reused), and `prog_name` is added to
/// the strings as libbpf's `btf__add_func(btf, prog->name, ...)` adds it before renaming.
fn clone_func(btf: &mut Btf, fn_id: u32, prog_name: &[u8]) -> Result<u32> {
    let (fn_name_off, linkage, proto_id) = {
        let f = btf.ty(fn_id).ok_or_else(|| Error::inval("arg:ctx fixup: FUNC vanished"))?;
        (f.name_off, f.linkage().unwrap_or(0), f.size_or_type)
    };
    let (ret, params): (u32, Vec<(u32, u32)>) = {
        let proto = btf.ty(proto_id).ok_or_else(|| Error::inval("arg:ctx fixup: FUNC_PROTO vanished"))?;
        let params = proto.params().map(|ps| ps.iter().map(|p| (p.name_off, p.type_id)).collect()).unwrap_or_default();
        (proto.size_or_type, params)
    };
    let new_proto = btf.add_func_proto(ret as i32).map_err(|_| Error::inval("arg:ctx fixup: FUNC_PROTO clone"))?;
    for (i, &(name_off, type_id)) in params.iter().enumerate() {
        btf.add_func_param(None, type_id as i32)?;
        btf.set_param_name_off(new_proto, i, name_off)?;
    }
    let new_fn = btf
        .add_func(Some(prog_name), linkage, new_proto as i32)
        .map_err(|_| Error::inval("arg:ctx fixup: FUNC clone"))?;
    btf.set_name_off(new_fn, fn_name_off)?;
    Ok(new_fn)
}

/// libbpf's `bpf_program_fixup_func_info` for main program `p`, on a kernel without native
/// `arg:ctx` support. `btf` is the object's BTF; the types this adds are not revisited.
#[inline(never)] // only on kernels without arg:ctx, off the common path (`link/hot-text.ld`)
pub(super) fn fixup_func_info(btf: &mut Btf, p: &mut Program) -> Result<()> {
    if p.func_info.is_empty() || p.func_info_rec_size < 8 {
        return Ok(());
    }
    let Some(ctx_name) = ctx_struct_name(p.prog_type) else { return Ok(()) };
    let nrec = p.func_info.len() / p.func_info_rec_size as usize;
    let orig: Vec<u32> = (0..nrec).map(|i| rec_type_id(p, i).unwrap_or(0)).collect();
    let mut ptr_id = 0u32;
    let n = btf.type_cnt();
    for id in 1..n {
        if btf.kind_of(id) != Some(Kind::DeclTag) {
            continue;
        }
        let Some(tag) = btf.ty(id) else { continue };
        if tag.name != ARG_CTX_TAG {
            continue;
        }
        let Detail::DeclTag { component_idx: arg_idx } = tag.detail else { continue };
        let orig_fn = tag.size_or_type;
        let Some(f) = btf.ty(orig_fn) else { continue };
        if !f.is_func() || f.linkage() != Some(FUNC_GLOBAL) {
            continue;
        }
        let fn_name = if f.name.is_empty() { "<anon>".to_owned() } else { f.name.to_owned() };
        let Some(proto) = btf.ty(f.size_or_type) else { continue };
        if !proto.is_func_proto() {
            continue;
        }
        let Some(rec) = orig.iter().position(|&t| t == orig_fn) else { continue };
        if arg_idx < 0 || arg_idx as usize >= proto.vlen as usize {
            continue;
        }
        let Some(arg_type) = proto.params().and_then(|ps| ps.get(arg_idx as usize)).map(|a| a.type_id) else {
            continue;
        };
        if !needs_fixup(btf, p, &fn_name, arg_idx as u32, arg_type, ctx_name) {
            continue;
        }
        if rec_type_id(p, rec) == Some(orig_fn) {
            let clone = clone_func(btf, orig_fn, p.name.to_bytes())?;
            set_rec_type_id(p, rec, clone);
        }
        if ptr_id == 0 {
            let s = btf.add_composite(false, Some(ctx_name.as_bytes()), 0);
            let ptr = s.and_then(|s| btf.add_ptr(s as i32));
            ptr_id = ptr.map_err(|_| Error::inval("arg:ctx fixup: context pointer"))?;
        }
        let fn_now = rec_type_id(p, rec).unwrap_or(orig_fn);
        btf.add_decl_tag(Some(ARG_CTX_TAG.as_bytes()), fn_now as i32, arg_idx)
            .map_err(|_| Error::inval("arg:ctx fixup: decl tag"))?;
        let proto_now = btf.ty(fn_now).map(|f| f.size_or_type).ok_or_else(|| Error::inval("arg:ctx fixup: clone"))?;
        btf.set_param_type(proto_now, arg_idx as usize, ptr_id)?;
    }
    Ok(())
}
