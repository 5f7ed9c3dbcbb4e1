//! struct_ops kernel types found in kernel module BTF.
//!
//! This machine's kernel has no modules (and no module defines a struct_ops type we could
//! register anyway), so the module path is exercised against hand-built BTF
//! (`oxbpf::btf::builder::BtfBuilder`): a module's split BTF defining `struct oxmod_ops` and
//! `struct bpf_struct_ops_oxmod_ops`, on top of either a small hand-built base or the running
//! kernel's real vmlinux BTF; and the kernel's side of the conversation is played by the fake
//! bpf(2) layer (`oxbpf::sys::fake`), which lists BTF objects, hands out module BTF fds and
//! bytes, and records the exact attrs of map creation and program loads.
//!
//! The BPF side is `tests/fixtures/struct_ops/mod_ops.bpf.c` compiled by clang-19 (skipped
//! with a message when clang-19 is missing): local type `oxmod_ops___v1`, members in another
//! order than the module's, one member (`op_c`) the module lacks.

mod common;

use oxbpf::btf::builder::BtfBuilder;
use oxbpf::btf::{Btf, Kind};
use oxbpf::object::{Object, OpenOptions};
use oxbpf::struct_ops::kern::{load_module_btfs, KernBtfs, ModuleBtf};
use oxbpf::sys::attr::{bpf_btf_info, bpf_map_info, MapCreateAttr, ProgLoadAttr};
use oxbpf::sys::{fake, probe};
use oxbpf::uapi;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, IntoRawFd, OwnedFd};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

const FIXTURE: &str = "tests/fixtures/struct_ops/mod_ops.bpf.c";

/// The fixture object, compiled once per test process; `None` (with a message) without clang-19.
fn object_bytes() -> Option<Vec<u8>> {
    static OBJ: std::sync::OnceLock<Option<Vec<u8>>> = std::sync::OnceLock::new();
    OBJ.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
        Some(std::fs::read(common::bpf_object("mod_ops.bpf.o", &src, &[])?).unwrap())
    })
    .clone()
}

fn devnull() -> OwnedFd {
    std::fs::File::open("/dev/null").unwrap().into()
}

/// A small stand-in for vmlinux BTF: the base types a module refers to, and no oxmod_ops.
fn base_fixture() -> Btf {
    let mut b = BtfBuilder::new();
    b.add_int("int", 4, 1);
    b.add_int("unsigned int", 4, 0);
    b.add_int("char", 1, 1);
    let int = 1;
    b.add_struct("unrelated", 8, &[("a", int, 0), ("b", int, 32)]);
    Btf::parse(&b.build()).unwrap()
}

/// Ids of the module fixture's types.
#[derive(Debug, Clone, Copy)]
struct ModIds {
    ops: u32,
    value: u32,
}

/// Kernel member order of the module's struct oxmod_ops (other than the object's):
/// op_b (0), flags (1), op_a (2), name (3), op_d (4). Its value type puts it at byte 16.
const OPS_SIZE: u32 = 48;
const DATA_OFF: usize = 16;
const VALUE_SIZE: u32 = 64;

/// Split BTF of module "oxmod" on top of `base` (which must have int, unsigned int, char).
fn module_fixture(base: &Btf) -> (Vec<u8>, ModIds) {
    let int = base.find_by_name_kind("int", Kind::Int).unwrap();
    let uint = base.find_by_name_kind("unsigned int", Kind::Int).unwrap();
    let chr = base.find_by_name_kind("char", Kind::Int).unwrap();
    let mut b = BtfBuilder::new_split(base);
    let void_ptr = b.add_ptr(0);
    let proto = b.add_func_proto(int, &[("ctx", void_ptr)]);
    let fptr = b.add_ptr(proto);
    let name = b.add_array(chr, uint, 16);
    let ops = b.add_struct(
        "oxmod_ops",
        OPS_SIZE,
        &[("op_b", fptr, 0), ("flags", uint, 64), ("op_a", fptr, 128), ("name", name, 192), ("op_d", fptr, 320)],
    );
    let common = b.add_array(chr, uint, DATA_OFF as u32);
    let value = b.add_struct(
        "bpf_struct_ops_oxmod_ops",
        VALUE_SIZE,
        &[("common", common, 0), ("data", ops, DATA_OFF as u32 * 8)],
    );
    (b.build(), ModIds { ops, value })
}

fn open_fixture() -> Option<Box<Object>> {
    let bytes = object_bytes()?;
    Some(Object::open(&bytes, "mod_ops.bpf.o", false, OpenOptions::default()).unwrap())
}

#[test]
fn module_type_found_when_vmlinux_lacks_it() {
    let Some(mut obj) = open_fixture() else { return };
    let base = base_fixture();
    let (mbytes, ids) = module_fixture(&base);
    let mbtf = Btf::parse_split(&mbytes, Arc::new(base.clone())).unwrap();
    let mfd = Arc::new(devnull());
    let module = ModuleBtf { name: "oxmod".into(), id: 77, fd: mfd.clone(), btf: mbtf };

    obj.init_kern_struct_ops_in(Some(KernBtfs::with_modules(&base, vec![module]))).unwrap();

    let m = obj.map_by_name("oxmod").unwrap();
    let k = m.struct_ops_kern().expect("kernel value built");
    assert_eq!(k.type_name, "oxmod_ops", "___v1 suffix dropped");
    assert_eq!(k.type_id, ids.ops);
    assert_eq!(k.value_type_id, ids.value);
    assert_eq!(k.vdata.len(), VALUE_SIZE as usize);
    assert_eq!(m.def().value_size, VALUE_SIZE, "value size is the kernel value type's");
    assert_eq!(
        k.value_type_btf_obj_fd().map(|f| f.as_raw_fd()),
        Some(mfd.as_raw_fd()),
        "map carries the module BTF fd"
    );
    // Data members by name at the module's offsets.
    assert_eq!(&k.vdata[DATA_OFF + 8..DATA_OFF + 12], &5u32.to_ne_bytes(), "flags");
    assert_eq!(&k.vdata[DATA_OFF + 24..DATA_OFF + 35], b"oxmod_test\0", "name");
    // Function slots: op_a at kernel offset 16, op_b at 0; op_d (not in the object) stays empty.
    let a = obj.find_program("op_a_impl").unwrap();
    let b = obj.find_program("op_b_impl").unwrap();
    let mut slots = k.func_slots.clone();
    slots.sort();
    assert_eq!(slots, vec![(DATA_OFF, b), (DATA_OFF + 16, a)]);
    for (prog, idx) in [("op_a_impl", 2), ("op_b_impl", 0)] {
        let p = obj.program_by_name(prog).unwrap();
        assert_eq!(p.struct_ops_binding(), (true, ids.ops, idx), "{prog}: autoload, attach_btf_id, member index");
        assert_eq!(p.attach_btf_obj_fd().map(|f| f.as_raw_fd()), Some(mfd.as_raw_fd()), "{prog}: attach_btf_obj_fd");
    }
    let alt = obj.program_by_name("op_alt_impl").unwrap();
    assert_eq!(alt.struct_ops_binding(), (false, 0, 0));
    assert!(alt.attach_btf_obj_fd().is_none());
}

#[test]
fn vmlinux_type_carries_no_module_fd() {
    let Some(mut obj) = open_fixture() else { return };
    // The same types, this time in the base ("vmlinux") itself.
    let base = base_fixture();
    let (mbytes, ids) = module_fixture(&base);
    let merged = Btf::parse_split(&mbytes, Arc::new(base.clone())).unwrap();
    // A module that also defines it must not be consulted: vmlinux wins.
    let other = ModuleBtf { name: "other".into(), id: 9, fd: Arc::new(devnull()), btf: merged.clone() };
    obj.init_kern_struct_ops_in(Some(KernBtfs::with_modules(&merged, vec![other]))).unwrap();
    let k = obj.map_by_name("oxmod").unwrap().struct_ops_kern().unwrap();
    assert_eq!(k.type_id, ids.ops);
    assert!(k.value_type_btf_obj_fd().is_none(), "a vmlinux type has no module fd");
    assert!(obj.program_by_name("op_a_impl").unwrap().attach_btf_obj_fd().is_none());
}

#[test]
fn type_in_no_btf_is_esrch_naming_it() {
    let Some(mut obj) = open_fixture() else { return };
    let base = base_fixture();
    let e = obj.init_kern_struct_ops_in(Some(KernBtfs::with_modules(&base, Vec::new()))).unwrap_err();
    assert_eq!(e.errno(), libc::ESRCH);
    // Neither the value type nor the ops type exists: libbpf 1.5 names the ops type.
    assert!(e.to_string().contains("struct oxmod_ops is not found in kernel BTF"), "{e}");
}

// ---- the kernel's BTF listing, played by the fake ----

/// What the fake kernel knows: BTF objects by id (name, kernel flag, raw bytes) and every
/// call made, with its attr bytes on entry.
#[derive(Default)]
struct Kernel {
    btfs: Vec<(u32, &'static str, bool, Vec<u8>)>,
    /// fd → BTF id, for fds handed out by BPF_BTF_GET_FD_BY_ID.
    btf_fds: HashMap<i32, u32>,
    /// fd → creation attr, for maps.
    maps: HashMap<i32, MapCreateAttr>,
    /// Ids whose fd-by-id fails with ENOENT (unloaded while listed).
    vanished: Vec<u32>,
    /// errno for BPF_BTF_GET_NEXT_ID, if it should fail.
    next_id_errno: Option<i32>,
    calls: Calls,
}

fn new_fd() -> io::Result<i64> {
    Ok(std::fs::File::open("/dev/null")?.into_raw_fd() as i64)
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(b[off..off + 4].try_into().unwrap())
}

fn handle(k: &mut Kernel, cmd: u32, attr: &mut [u8]) -> io::Result<i64> {
    k.calls.push((cmd, attr.to_vec()));
    match cmd {
        uapi::BPF_BTF_GET_NEXT_ID => {
            if let Some(e) = k.next_id_errno {
                return Err(io::Error::from_raw_os_error(e));
            }
            let start = u32_at(attr, 0);
            let next = k.btfs.iter().map(|b| b.0).filter(|&id| id > start).min();
            match next {
                Some(n) => {
                    attr[4..8].copy_from_slice(&n.to_ne_bytes());
                    Ok(0)
                }
                None => Err(io::Error::from_raw_os_error(libc::ENOENT)),
            }
        }
        uapi::BPF_BTF_GET_FD_BY_ID => {
            let id = u32_at(attr, 0);
            if k.vanished.contains(&id) || !k.btfs.iter().any(|b| b.0 == id) {
                return Err(io::Error::from_raw_os_error(libc::ENOENT));
            }
            let fd = new_fd()?;
            k.btf_fds.insert(fd as i32, id);
            Ok(fd)
        }
        uapi::BPF_OBJ_GET_INFO_BY_FD if k.maps.contains_key(&(u32_at(attr, 0) as i32)) => {
            let m = k.maps[&(u32_at(attr, 0) as i32)];
            assert!(u32_at(attr, 4) as usize >= std::mem::size_of::<bpf_map_info>());
            let info = bpf_map_info {
                type_: m.map_type,
                key_size: m.key_size,
                value_size: m.value_size,
                max_entries: m.max_entries,
                map_flags: m.map_flags,
                ..Default::default()
            };
            let ptr = u64::from_ne_bytes(attr[8..16].try_into().unwrap()) as *mut bpf_map_info;
            // SAFETY: the bpf_map_info oxbpf::sys::cmd passed to this call, of the size checked.
            unsafe { std::ptr::write_unaligned(ptr, info) };
            Ok(0)
        }
        uapi::BPF_OBJ_GET_INFO_BY_FD => {
            let fd = u32_at(attr, 0) as i32;
            let Some(id) = k.btf_fds.get(&fd).copied() else { return Err(io::Error::from_raw_os_error(libc::EINVAL)) };
            let (_, name, kernel, data) = k.btfs.iter().find(|b| b.0 == id).unwrap();
            let len = u32_at(attr, 4) as usize;
            assert!(len >= std::mem::size_of::<bpf_btf_info>());
            let ptr = u64::from_ne_bytes(attr[8..16].try_into().unwrap()) as *mut bpf_btf_info;
            // SAFETY: `ptr` is the bpf_btf_info that oxbpf::sys::cmd passed to this very call on
            // this thread, `len` bytes long (checked above).
            let mut info = unsafe { std::ptr::read_unaligned(ptr) };
            if info.name != 0 && info.name_len > 0 {
                let n = name.len().min(info.name_len as usize - 1);
                // SAFETY: the caller's name buffer is writable for name_len bytes; we write n + 1.
                unsafe {
                    std::ptr::copy_nonoverlapping(name.as_ptr(), info.name as *mut u8, n);
                    *(info.name as *mut u8).add(n) = 0;
                }
            }
            if info.btf != 0 {
                let n = data.len().min(info.btf_size as usize);
                // SAFETY: the caller's BTF buffer is writable for btf_size bytes; we write n.
                unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), info.btf as *mut u8, n) };
            }
            info.btf_size = data.len() as u32;
            info.id = id;
            info.kernel_btf = *kernel as u32;
            // SAFETY: as above.
            unsafe { std::ptr::write_unaligned(ptr, info) };
            Ok(0)
        }
        uapi::BPF_MAP_CREATE => {
            let fd = new_fd()?;
            // SAFETY: MapCreateAttr is a repr(C) struct of integers no larger than the attr.
            k.maps.insert(fd as i32, unsafe { std::ptr::read_unaligned(attr.as_ptr() as *const MapCreateAttr) });
            Ok(fd)
        }
        uapi::BPF_BTF_LOAD | uapi::BPF_PROG_LOAD | uapi::BPF_LINK_CREATE => new_fd(),
        uapi::BPF_MAP_UPDATE_ELEM => Ok(0),
        // The loader tries a BPF token on the default bpffs, as libbpf 1.5 does; a kernel
        // without token delegation refuses, and load goes on without one.
        uapi::BPF_TOKEN_CREATE => Err(std::io::Error::from_raw_os_error(libc::EOPNOTSUPP)),
        uapi::BPF_PROG_BIND_MAP => Ok(0),
        other => panic!("unexpected bpf command {other} ({})", oxbpf::sys::cmd::cmd_name(other)),
    }
}

fn install(k: Kernel) -> (fake::Guard, Rc<RefCell<Kernel>>) {
    // The listing asks whether the kernel has module BTF at all; answer for the process (true
    // on every kernel this code meets) so the probe never reaches the fake.
    probe::preset(probe::Feature::ModuleBtf, true);
    // Likewise the `arg:ctx` probe of relocation (its program load would count as one of ours).
    probe::preset(probe::Feature::ArgCtxTag, true);
    let k = Rc::new(RefCell::new(k));
    let k2 = k.clone();
    (fake::install(Box::new(move |cmd, attr, _size| handle(&mut k2.borrow_mut(), cmd, attr))), k)
}

#[test]
fn listing_keeps_kernel_module_btf_only() {
    let base = Arc::new(base_fixture());
    let (mbytes, ids) = module_fixture(&base);
    let (_g, k) = install(Kernel {
        btfs: vec![
            (1, "vmlinux", true, Vec::new()),
            (5, "", false, Vec::new()), // a program's BTF: not kernel BTF
            (6, "gone", true, Vec::new()),
            (7, "oxmod", true, mbytes),
        ],
        vanished: vec![6],
        ..Default::default()
    });
    let mods = load_module_btfs(base).unwrap();
    assert_eq!(mods.len(), 1);
    assert_eq!((mods[0].name.as_str(), mods[0].id), ("oxmod", 7));
    assert_eq!(mods[0].btf.find_by_name_kind_own("oxmod_ops", Kind::Struct), Some(ids.ops));
    assert_eq!(k.borrow().btf_fds.get(&mods[0].fd.as_raw_fd()), Some(&7), "the module's own fd is kept");
    let cmds: Vec<u32> = k.borrow().calls.iter().map(|c| c.0).collect();
    use uapi::{BPF_BTF_GET_FD_BY_ID as FD, BPF_BTF_GET_NEXT_ID as NEXT, BPF_OBJ_GET_INFO_BY_FD as INFO};
    // vmlinux and the program BTF: listed, looked at, dropped; id 6 vanished before its fd was
    // taken; the module: name, then size and bytes of its BTF.
    assert_eq!(cmds, vec![NEXT, FD, INFO, NEXT, FD, INFO, NEXT, FD, NEXT, FD, INFO, INFO, INFO, NEXT]);
}

#[test]
fn listing_without_privilege_is_empty_and_other_errors_fail() {
    let base = Arc::new(base_fixture());
    {
        let (_g, _k) = install(Kernel { next_id_errno: Some(libc::EPERM), ..Default::default() });
        assert!(load_module_btfs(base.clone()).unwrap().is_empty());
    }
    let (_g, _k) = install(Kernel { next_id_errno: Some(libc::EIO), ..Default::default() });
    let e = load_module_btfs(base).unwrap_err();
    assert_eq!(e.errno(), libc::EIO);
    assert!(e.to_string().contains("failed to iterate BTF objects"), "{e}");
}

/// The whole open → load → attach path against the fake kernel with the module's split BTF
/// over the running kernel's real vmlinux: returns the kernel's record, the module BTF fd the
/// fake handed out, the module's type ids and the object after attach. `None` (with a message)
/// without clang-19 or /sys/kernel/btf/vmlinux.
type Calls = Vec<(u32, Vec<u8>)>;

fn load_through_fake() -> Option<(Calls, i32, ModIds, Box<Object>)> {
    let mut obj = open_fixture()?;
    let vmlinux = match Btf::vmlinux() {
        Ok(v) => v,
        Err(e) => {
            crate::skip!("no kernel BTF ({e})");
            return None;
        }
    };
    let (mbytes, ids) = module_fixture(&vmlinux);
    let (g, k) = install(Kernel {
        btfs: vec![(1, "vmlinux", true, Vec::new()), (40, "oxmod", true, mbytes)],
        ..Default::default()
    });
    obj.load().unwrap();
    let m = obj.map_by_name("oxmod").unwrap();
    assert!(m.struct_ops_kern().unwrap().value_type_btf_obj_fd().is_none(), "module fd released after load");
    let link = oxbpf::attach::struct_ops::attach(m).unwrap();
    link.destroy().unwrap();
    drop(g);
    let k = Rc::try_unwrap(k).ok().unwrap().into_inner();
    let fd = k.btf_fds.iter().find(|(_, &id)| id == 40).map(|(&fd, _)| fd).unwrap();
    Some((k.calls, fd, ids, obj))
}

fn map_create(calls: &[(u32, Vec<u8>)]) -> MapCreateAttr {
    let c = calls.iter().filter(|c| c.0 == uapi::BPF_MAP_CREATE).collect::<Vec<_>>();
    assert_eq!(c.len(), 1, "one map: the struct_ops map");
    // SAFETY: MapCreateAttr is a repr(C) struct of integers; the recorded bytes are at least
    // its size (the attr union the chokepoint passes).
    unsafe { std::ptr::read_unaligned(c[0].1.as_ptr() as *const MapCreateAttr) }
}

/// The object's program loads, by name. The loader's unnamed probe load (libbpf checks that
/// the kernel loads a trivial program before anything else) is left out.
fn prog_loads(calls: &[(u32, Vec<u8>)]) -> HashMap<String, ProgLoadAttr> {
    calls
        .iter()
        .filter(|c| c.0 == uapi::BPF_PROG_LOAD)
        .map(|c| {
            // SAFETY: as for MapCreateAttr.
            let a: ProgLoadAttr = unsafe { std::ptr::read_unaligned(c.1.as_ptr() as *const ProgLoadAttr) };
            let name: String = a.prog_name.iter().take_while(|&&b| b != 0).map(|&b| b as char).collect();
            (name, a)
        })
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

#[test]
fn module_struct_ops_load_and_attach_through_fake_kernel() {
    let Some((calls, _mod_fd, ids, obj)) = load_through_fake() else { return };
    let k = obj.map_by_name("oxmod").unwrap().struct_ops_kern().unwrap();
    let cmds: Vec<u32> = calls.iter().map(|c| c.0).collect();
    assert!(cmds.contains(&uapi::BPF_BTF_GET_NEXT_ID), "module BTFs were listed: {cmds:?}");
    let mc = map_create(&calls);
    assert_eq!(mc.map_type, uapi::BPF_MAP_TYPE_STRUCT_OPS);
    assert_eq!((mc.key_size, mc.value_size, mc.max_entries), (4, VALUE_SIZE, 1));
    assert_eq!(mc.btf_vmlinux_value_type_id, ids.value, "value type id from the module's split BTF");
    assert_eq!((mc.btf_key_type_id, mc.btf_value_type_id), (0, 0));
    assert_ne!(mc.btf_fd, 0, "the object's BTF goes along");
    assert_eq!(mc.map_flags & uapi::BPF_F_LINK, uapi::BPF_F_LINK);
    let loads = prog_loads(&calls);
    assert_eq!(loads.len(), 2, "op_a_impl and op_b_impl; op_alt_impl is referenced nowhere: {:?}", loads.keys());
    for (name, idx) in [("op_a_impl", 2), ("op_b_impl", 0)] {
        let p = &loads[name];
        assert_eq!(p.prog_type, uapi::BPF_PROG_TYPE_STRUCT_OPS, "{name}");
        assert_eq!(p.attach_btf_id, ids.ops, "{name}: attach_btf_id is the module's struct");
        assert_eq!(p.expected_attach_type, idx, "{name}: kernel member index");
    }
    // Attach: the value (key 0) holds the programs' fds at the module's member offsets.
    let upd: Vec<_> = calls.iter().filter(|c| c.0 == uapi::BPF_MAP_UPDATE_ELEM).collect();
    assert_eq!(upd.len(), 1);
    assert_eq!(
        u64::from_ne_bytes(upd[0].1[16..24].try_into().unwrap()),
        k.vdata.as_ptr() as u64,
        "the kernel value is sent"
    );
    for off in [DATA_OFF, DATA_OFF + 16] {
        let fd = u64::from_ne_bytes(k.vdata[off..off + 8].try_into().unwrap());
        assert!(fd > 2 && fd < 1 << 20, "slot +{off} holds a program fd, not {fd:#x}");
    }
    assert_eq!(&k.vdata[DATA_OFF + 40..DATA_OFF + 48], &[0; 8], "op_d (not in the object) stays empty");
    assert!(calls.iter().any(|c| c.0 == uapi::BPF_LINK_CREATE && u32_at(&c.1, 8) == uapi::BPF_STRUCT_OPS));
}

/// The module BTF fd must reach the kernel: `BPF_F_VTYPE_BTF_OBJ_FD` + `value_type_btf_obj_fd`
/// on map create, `attach_btf_obj_fd` on program load. The struct_ops side records the fd
/// (`KernInfo::value_type_btf_obj_fd()`, `Program::attach_btf_obj_fd()`; checked by
/// `module_type_found_when_vmlinux_lacks_it`) and `src/object/load/` passes them on in
/// `create_kernel_map` and `load_programs`.
#[test]
fn module_btf_fd_reaches_map_create_and_prog_load() {
    let Some((calls, mod_fd, _ids, _obj)) = load_through_fake() else { return };
    let mc = map_create(&calls);
    assert_eq!(mc.map_flags, uapi::BPF_F_LINK | uapi::BPF_F_VTYPE_BTF_OBJ_FD);
    assert_eq!(mc.value_type_btf_obj_fd, mod_fd);
    for (name, p) in prog_loads(&calls) {
        assert_eq!(p.attach_btf_obj_fd, mod_fd as u32, "{name}");
    }
}
