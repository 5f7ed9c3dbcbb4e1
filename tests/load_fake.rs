//! `bpf_object__load` against a fake kernel (`oxbpf::sys::fake`), for what this machine's kernel
//! cannot show: a kernel module's BTF (this kernel has no modules). The fake serves one module,
//! "oxmod", whose split BTF (on top of the real vmlinux BTF) has a kfunc `oxmod_kfunc` and a
//! variable `oxmod_var`, and records every BPF_PROG_LOAD. Checked, as libbpf 1.5 does it:
//! - a kfunc call in a module: `src_reg` BPF_PSEUDO_KFUNC_CALL, `imm` the module's type id,
//!   `off` 1, and `fd_array[1]` the module's BTF fd (index 0 unused);
//! - a typed ksym in a module: `ld_imm64` with BPF_PSEUDO_BTF_ID, the id, and the module's BTF
//!   fd in the second half;
//! - an unresolved weak kfunc: its call becomes `call 2002000000 + extern index`;
//! - `SEC("fentry/oxmod:oxmod_kfunc")`: attach_btf_id in the module, attach_btf_obj_fd its fd;
//! - a map with autocreate off: both halves of its `ld_imm64` become `call 2001000000 + map
//!   index`.
//!
//! The fixture (tests/fixtures/load/module_refs.c) is compiled with clang-19; skips (with a
//! message) without clang-19, the libbpf headers or /sys/kernel/btf/vmlinux. Needs no root.

mod common;

use oxbpf::btf::{Btf, Kind};
use oxbpf::sys::probe::{self, Feature};
use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::io;
use std::os::fd::{IntoRawFd, RawFd};
use std::path::Path;
use std::rc::Rc;

const BPF_MAP_CREATE: u32 = 0;
const BPF_MAP_UPDATE_ELEM: u32 = 2;
const BPF_PROG_LOAD: u32 = 5;
const BPF_OBJ_GET_INFO_BY_FD: u32 = 15;
const BPF_BTF_LOAD: u32 = 18;
const BPF_BTF_GET_FD_BY_ID: u32 = 19;
const BPF_MAP_FREEZE: u32 = 22;
const BPF_BTF_GET_NEXT_ID: u32 = 23;
const BPF_PROG_BIND_MAP: u32 = 35;
const MODULE_BTF_ID: u32 = 4242;

fn compile(name: &str) -> Option<Vec<u8>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load").join(format!("{name}.c"));
    let out = common::bpf_object(&format!("{name}.o"), &src, &[])?;
    Some(std::fs::read(out).unwrap())
}

/// Split BTF of module "oxmod" on top of `vmlinux`: [N] FUNC_PROTO int(int x), [N+1] FUNC
/// oxmod_kfunc (global), [N+2] VAR oxmod_var int (global). Returns the bytes and N.
fn module_btf(vmlinux: &Btf) -> (Vec<u8>, u32) {
    let int = vmlinux.find_by_name_kind("int", Kind::Int).expect("vmlinux has int");
    let base_str = vmlinux.header().str_len;
    let strs = b"\0x\0oxmod_kfunc\0oxmod_var\0";
    let s = |local: u32| base_str + local;
    let n = vmlinux.type_cnt();
    let types: Vec<u32> = vec![
        0,
        (13 << 24) | 1,
        int, // FUNC_PROTO, 1 param, returns int
        s(1),
        int, // param x: int
        s(3),
        (12 << 24) | 1,
        n, // FUNC oxmod_kfunc, global, -> proto
        s(15),
        14 << 24,
        int,
        1, // VAR oxmod_var int, global
    ];
    let type_bytes: Vec<u8> = types.iter().flat_map(|w| w.to_ne_bytes()).collect();
    let mut out = Vec::new();
    out.extend_from_slice(&0xeb9fu16.to_ne_bytes());
    out.push(1);
    out.push(0);
    for w in [24u32, 0, type_bytes.len() as u32, type_bytes.len() as u32, strs.len() as u32] {
        out.extend_from_slice(&w.to_ne_bytes());
    }
    out.extend_from_slice(&type_bytes);
    out.extend_from_slice(strs);
    (out, n)
}

/// One BPF_PROG_LOAD the fake saw.
#[derive(Debug, Clone)]
struct Load {
    name: String,
    insns: Vec<u64>,
    fd_array: Vec<i32>,
    attach_btf_id: u32,
    attach_btf_obj_fd: u32,
}

fn u32_at(a: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(a[off..off + 4].try_into().unwrap())
}
fn u64_at(a: &[u8], off: usize) -> u64 {
    u64::from_ne_bytes(a[off..off + 8].try_into().unwrap())
}

/// An fd the caller will own and close: /dev/zero (maps can be mmap'ed over it).
fn new_fd() -> io::Result<i64> {
    Ok(std::fs::OpenOptions::new().read(true).write(true).open("/dev/zero")?.into_raw_fd() as i64)
}

fn insn_code(w: u64) -> u8 {
    w as u8
}
fn insn_src(w: u64) -> u8 {
    ((w >> 12) & 0xf) as u8
}
fn insn_off(w: u64) -> i16 {
    (w >> 16) as u16 as i16
}
fn insn_imm(w: u64) -> i32 {
    (w >> 32) as u32 as i32
}

#[test]
fn module_kfunc_ksym_attach_and_poisoning() {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        crate::skip!("needs /sys/kernel/btf/vmlinux");
        return;
    }
    let Some(obj_bytes) = compile("module_refs") else { return };
    let vmlinux = Btf::vmlinux().expect("vmlinux BTF");
    let (mod_btf, first_id) = module_btf(&vmlinux);
    // Probes would reach the fake too: fix their answers (a modern kernel's).
    for f in [
        Feature::ModuleBtf,
        Feature::BtfFunc,
        Feature::BtfDeclTag,
        Feature::ExpAttachType,
        Feature::ProgBindMap,
        Feature::MemcgAccount,
        Feature::GlobalData,
    ] {
        probe::preset(f, true);
    }
    probe::preset(Feature::UprobeMultiLink, false);

    let loads: Rc<RefCell<Vec<Load>>> = Rc::default();
    let module_fd: Rc<RefCell<Option<RawFd>>> = Rc::default();
    // Created maps: fd -> the first 20 bytes of their BPF_MAP_CREATE attr (type, key size,
    // value size, max entries, flags), what bpf_map_info reports back.
    type Created = Rc<RefCell<Vec<(RawFd, [u8; 20])>>>;
    let maps: Created = Rc::default();
    let (l2, m2, maps2) = (loads.clone(), module_fd.clone(), maps.clone());
    let _fake = oxbpf::sys::fake::install(Box::new(move |cmd, a, _size| match cmd {
        BPF_PROG_LOAD => {
            let cnt = u32_at(a, 4) as usize;
            let ptr = u64_at(a, 8) as *const u64;
            // SAFETY: the loader passes its instruction array of insn_cnt words, alive for the call.
            let insns = unsafe { std::slice::from_raw_parts(ptr, cnt) }.to_vec();
            let name_bytes = &a[48..64];
            let name = String::from_utf8_lossy(&name_bytes[..name_bytes.iter().position(|&b| b == 0).unwrap_or(16)])
                .into_owned();
            let fa = u64_at(a, 120) as *const i32;
            let fd_array = if fa.is_null() {
                Vec::new()
            } else {
                // SAFETY: when set, fd_array covers every index the instructions use; this
                // fixture uses index 1 at most.
                unsafe { std::slice::from_raw_parts(fa, 2) }.to_vec()
            };
            l2.borrow_mut().push(Load {
                name,
                insns,
                fd_array,
                attach_btf_id: u32_at(a, 108),
                attach_btf_obj_fd: u32_at(a, 112),
            });
            new_fd()
        }
        BPF_MAP_CREATE => {
            let fd = new_fd()?;
            maps2.borrow_mut().push((fd as RawFd, a[..20].try_into().unwrap()));
            Ok(fd)
        }
        BPF_BTF_LOAD => new_fd(),
        BPF_MAP_UPDATE_ELEM | BPF_MAP_FREEZE | BPF_PROG_BIND_MAP => Ok(0),
        BPF_BTF_GET_NEXT_ID => {
            if u32_at(a, 0) < MODULE_BTF_ID {
                a[4..8].copy_from_slice(&MODULE_BTF_ID.to_ne_bytes());
                Ok(0)
            } else {
                Err(io::Error::from_raw_os_error(libc::ENOENT))
            }
        }
        BPF_BTF_GET_FD_BY_ID => {
            let fd = new_fd()?;
            *m2.borrow_mut() = Some(fd as RawFd);
            Ok(fd)
        }
        BPF_OBJ_GET_INFO_BY_FD => {
            let fd = u32_at(a, 0) as RawFd;
            let info = u64_at(a, 8) as *mut u8;
            let len = u32_at(a, 4) as usize;
            if let Some((_, def)) = maps2.borrow().iter().find(|(f, _)| *f == fd) {
                // bpf_map_info: type@0 id@4 key_size@8 value_size@12 max_entries@16 flags@20.
                let mut mi = vec![0u8; len];
                mi[0..4].copy_from_slice(&def[0..4]);
                mi[8..24].copy_from_slice(&def[4..20]);
                // SAFETY: the loader's bpf_map_info of `len` bytes.
                unsafe { std::ptr::copy_nonoverlapping(mi.as_ptr(), info, len) };
                return Ok(0);
            }
            if Some(fd) != *m2.borrow() {
                return Err(io::Error::from_raw_os_error(libc::EINVAL));
            }
            let mut buf = vec![0u8; len];
            // SAFETY: the loader passes a bpf_btf_info of `len` bytes.
            unsafe { std::ptr::copy_nonoverlapping(info, buf.as_mut_ptr(), len) };
            let data = u64_at(&buf, 0) as *mut u8;
            if !data.is_null() && u32_at(&buf, 8) as usize >= mod_btf.len() {
                // SAFETY: the loader's buffer of btf_size bytes.
                unsafe { std::ptr::copy_nonoverlapping(mod_btf.as_ptr(), data, mod_btf.len()) };
            }
            let name = u64_at(&buf, 16) as *mut u8;
            if !name.is_null() && u32_at(&buf, 24) >= 6 {
                // SAFETY: the loader's name buffer of name_len bytes.
                unsafe { std::ptr::copy_nonoverlapping(c"oxmod".as_ptr().cast::<u8>(), name, 6) };
            }
            buf[8..12].copy_from_slice(&(mod_btf.len() as u32).to_ne_bytes());
            buf[12..16].copy_from_slice(&MODULE_BTF_ID.to_ne_bytes());
            buf[28..32].copy_from_slice(&1u32.to_ne_bytes());
            // SAFETY: write back into the loader's struct, `len` bytes.
            unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), info, len) };
            Ok(0)
        }
        _ => Err(io::Error::from_raw_os_error(libc::EOPNOTSUPP)),
    }));

    let name = CString::new("module_refs").unwrap();
    // SAFETY: the C API on bytes we own; the object is closed below.
    let obj = unsafe {
        oxbpf::ffi::object::bpf_object__open_mem(obj_bytes.as_ptr().cast(), obj_bytes.len(), std::ptr::null())
    };
    assert!(!obj.is_null(), "open failed: {}", io::Error::last_os_error());
    let skipped = CString::new("skipped").unwrap();
    // SAFETY: obj is the live object; the map pointer is one of its handles.
    unsafe {
        let m = oxbpf::ffi::object::bpf_object__find_map_by_name(obj, skipped.as_ptr() as *const c_char);
        assert!(!m.is_null());
        assert_eq!(oxbpf::ffi::map::bpf_map__set_autocreate(m, false), 0);
    }
    // SAFETY: as above.
    let err = unsafe { oxbpf::ffi::object::bpf_object__load(obj) };
    let _ = name;
    assert_eq!(err, 0, "load against the fake kernel failed");
    let module_fd = module_fd.borrow().expect("the module's BTF was opened");
    let loads = loads.borrow().clone();

    let user = loads.iter().find(|l| l.name == "use_module").expect("use_module loaded");
    // The kfunc call in the module.
    let call = user.insns.iter().find(|&&w| insn_code(w) == 0x85 && insn_src(w) == 2).expect("a kfunc call");
    assert_eq!(insn_imm(*call), first_id as i32 + 1, "kfunc call imm: the module's FUNC id");
    assert_eq!(insn_off(*call), 1, "kfunc call off: fd_array index of the module's BTF");
    assert_eq!(user.fd_array, vec![0, module_fd], "fd_array: [unused, module BTF fd]");
    // The typed ksym in the module.
    let var =
        user.insns.iter().position(|&w| insn_code(w) == 0x18 && insn_src(w) == 3).expect("an ld_imm64 of a BTF id");
    assert_eq!(insn_imm(user.insns[var]), first_id as i32 + 2, "ksym ld_imm64: the module's VAR id");
    assert_eq!(insn_imm(user.insns[var + 1]), module_fd, "ksym ld_imm64: the module's BTF fd");
    // The weak kfunc the module lacks: extern #2 (sorted by name) is poisoned.
    assert!(
        user.insns.iter().any(|&w| insn_code(w) == 0x85 && insn_src(w) == 0 && insn_imm(w) == 2002000000 + 2),
        "no poisoned call of oxmod_weak_missing: {:x?}",
        user.insns
    );
    // The map not created: map #0, both halves of its ld_imm64 poisoned.
    let poison =
        user.insns.iter().position(|&w| insn_code(w) == 0x85 && insn_imm(w) == 2001000000).expect("poisoned map load");
    assert_eq!(user.insns[poison + 1], user.insns[poison], "both halves of the ld_imm64 are the same call");

    let fentry = loads.iter().find(|l| l.name == "on_module_func").expect("on_module_func loaded");
    assert_eq!(fentry.attach_btf_id, first_id + 1, "fentry attach_btf_id in the module");
    assert_eq!(fentry.attach_btf_obj_fd as i32, module_fd, "fentry attach_btf_obj_fd: the module's BTF fd");

    // SAFETY: obj came from open_mem and is closed once.
    unsafe { oxbpf::ffi::object::bpf_object__close(obj) };
}
