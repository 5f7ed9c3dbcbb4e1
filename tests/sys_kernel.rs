//! The typed bpf(2) commands of `oxbpf::sys::cmd` against the running kernel. Each test prints a
//! skip reason and returns when BPF objects cannot be created (not root / no CAP_BPF).

use oxbpf::btf::{Btf, Kind};
use oxbpf::sys::attr::name_str;
use oxbpf::sys::cmd::{self, IdKind, LinkCreate, LinkExtra, MapCreate, ProgAttach, ProgLoad, ProgQuery, TestRun};
use oxbpf::sys::probe;
use oxbpf::uapi::{self, BpfInsn};
use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

mod common;

fn privileged() -> bool {
    let ok = cmd::map_create(&MapCreate {
        map_type: uapi::BPF_MAP_TYPE_ARRAY,
        key_size: 4,
        value_size: 4,
        max_entries: 1,
        ..Default::default()
    })
    .is_ok();
    if !ok {
        crate::skip!("cannot create BPF maps (needs root / CAP_BPF)");
    }
    ok
}

fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> u64 {
    u64::from_ne_bytes(BpfInsn::new(code, dst, src, off, imm).to_array())
}
fn mov64_imm(dst: u8, imm: i32) -> u64 {
    insn(uapi::BPF_ALU64 | uapi::BPF_MOV | uapi::BPF_K, dst, 0, 0, imm)
}
fn exit() -> u64 {
    insn(uapi::BPF_JMP_EXIT, 0, 0, 0, 0)
}

fn map(map_type: u32, name: &str, key_size: u32, value_size: u32, max_entries: u32) -> OwnedFd {
    cmd::map_create(&MapCreate { map_type, name, key_size, value_size, max_entries, ..Default::default() })
        .unwrap_or_else(|e| panic!("{e}"))
}

fn load(prog_type: u32, attach: u32, name: &str, insns: &[u64]) -> OwnedFd {
    cmd::prog_load(&mut ProgLoad {
        prog_type,
        expected_attach_type: attach,
        name,
        insns,
        license: c"GPL",
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn k(v: u32) -> [u8; 4] {
    v.to_ne_bytes()
}

#[test]
fn array_map_crud() {
    if !privileged() {
        return;
    }
    let m = map(uapi::BPF_MAP_TYPE_ARRAY, "oxbpf_arr", 4, 8, 4);
    let fd = m.as_fd();
    let info = cmd::map_info(fd).unwrap();
    assert_eq!(name_str(&info.name), "oxbpf_arr");
    assert_eq!((info.type_, info.key_size, info.value_size, info.max_entries), (uapi::BPF_MAP_TYPE_ARRAY, 4, 8, 4));
    assert!(info.id > 0);

    cmd::map_update_elem(fd, &k(2), &77u64.to_ne_bytes(), uapi::BPF_ANY).unwrap();
    let mut v = [0u8; 8];
    cmd::map_lookup_elem(fd, &k(2), &mut v, 0).unwrap();
    assert_eq!(u64::from_ne_bytes(v), 77);
    cmd::map_lookup_elem(fd, &k(0), &mut v, 0).unwrap();
    assert_eq!(u64::from_ne_bytes(v), 0, "array elements exist zeroed");

    // Out of range: ENOENT, reported quietly (no message to log).
    let e = cmd::map_lookup_elem(fd, &k(9), &mut v, 0).unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT);
    assert!(!e.should_log());
    // Array elements cannot be deleted.
    assert_eq!(cmd::map_delete_elem(fd, &k(2), 0).unwrap_err().errno(), libc::EINVAL);
    // BPF_NOEXIST on an array: every element exists.
    assert_eq!(cmd::map_update_elem(fd, &k(1), &[0; 8], uapi::BPF_NOEXIST).unwrap_err().errno(), libc::EEXIST);

    let mut keys = vec![];
    let mut next = [0u8; 4];
    let mut cur: Option<[u8; 4]> = None;
    loop {
        match cmd::map_get_next_key(fd, cur.as_ref().map(|c| &c[..]), &mut next) {
            Ok(()) => {
                keys.push(u32::from_ne_bytes(next));
                cur = Some(next);
            }
            Err(e) => {
                assert_eq!(e.errno(), libc::ENOENT);
                break;
            }
        }
    }
    assert_eq!(keys, [0, 1, 2, 3]);
}

#[test]
fn hash_map_crud_and_iterate() {
    if !privileged() {
        return;
    }
    let m = map(uapi::BPF_MAP_TYPE_HASH, "oxbpf_hash", 4, 4, 16);
    let fd = m.as_fd();
    for i in 10..15u32 {
        cmd::map_update_elem(fd, &k(i), &k(i * 100), uapi::BPF_NOEXIST).unwrap();
    }
    let e = cmd::map_update_elem(fd, &k(10), &k(0), uapi::BPF_NOEXIST).unwrap_err();
    assert_eq!(e.errno(), libc::EEXIST);
    assert_eq!(e.message(), format!("map fd {}: BPF_MAP_UPDATE_ELEM failed: -EEXIST", fd.as_raw_fd()));
    assert_eq!(cmd::map_update_elem(fd, &k(99), &k(0), uapi::BPF_EXIST).unwrap_err().errno(), libc::ENOENT);

    let mut v = [0u8; 4];
    cmd::map_lookup_elem(fd, &k(12), &mut v, 0).unwrap();
    assert_eq!(u32::from_ne_bytes(v), 1200);

    let mut seen = vec![];
    let mut next = [0u8; 4];
    cmd::map_get_next_key(fd, None, &mut next).unwrap();
    seen.push(u32::from_ne_bytes(next));
    loop {
        let cur = next;
        match cmd::map_get_next_key(fd, Some(&cur), &mut next) {
            Ok(()) => seen.push(u32::from_ne_bytes(next)),
            Err(e) if e.errno() == libc::ENOENT => break,
            Err(e) => panic!("{e}"),
        }
    }
    seen.sort();
    assert_eq!(seen, [10, 11, 12, 13, 14]);

    cmd::map_lookup_and_delete_elem(fd, &k(13), &mut v, 0).unwrap();
    assert_eq!(u32::from_ne_bytes(v), 1300);
    cmd::map_delete_elem(fd, &k(14), 0).unwrap();
    assert_eq!(cmd::map_delete_elem(fd, &k(14), 0).unwrap_err().errno(), libc::ENOENT);
    assert_eq!(cmd::map_lookup_elem(fd, &k(13), &mut v, 0).unwrap_err().errno(), libc::ENOENT);
}

#[test]
fn hash_map_batches() {
    if !privileged() {
        return;
    }
    let m = map(uapi::BPF_MAP_TYPE_HASH, "oxbpf_batch", 4, 8, 64);
    let fd = m.as_fd();
    let n = 20u32;
    let keys: Vec<u8> = (0..n).flat_map(k).collect();
    let vals: Vec<u8> = (0..n).flat_map(|i| (i as u64 * 3).to_ne_bytes()).collect();
    assert_eq!(cmd::map_update_batch(fd, &keys, &vals, n, 0, 0).unwrap(), n);

    // Read back in chunks of 7, resuming with the token.
    let mut got = vec![];
    let mut token = [0u8; 4];
    let mut first = true;
    loop {
        let mut ks = vec![0u8; 7 * 4];
        let mut vs = vec![0u8; 7 * 8];
        let mut out = [0u8; 4];
        let in_tok = token;
        let r =
            cmd::map_lookup_batch(fd, if first { None } else { Some(&in_tok) }, &mut out, &mut ks, &mut vs, 7, 0, 0)
                .unwrap();
        for i in 0..r.count as usize {
            let key = u32::from_ne_bytes(ks[i * 4..i * 4 + 4].try_into().unwrap());
            let val = u64::from_ne_bytes(vs[i * 8..i * 8 + 8].try_into().unwrap());
            got.push((key, val));
        }
        if r.done {
            break;
        }
        token = out;
        first = false;
    }
    got.sort();
    assert_eq!(got, (0..n).map(|i| (i, i as u64 * 3)).collect::<Vec<_>>());

    // Delete half by batch, then drain the rest with lookup-and-delete.
    let half: Vec<u8> = (0..n / 2).flat_map(k).collect();
    assert_eq!(cmd::map_delete_batch(fd, &half, n / 2, 0, 0).unwrap(), n / 2);
    let mut ks = vec![0u8; n as usize * 4];
    let mut vs = vec![0u8; n as usize * 8];
    let mut out = [0u8; 4];
    let r = cmd::map_lookup_and_delete_batch(fd, None, &mut out, &mut ks, &mut vs, n, 0, 0).unwrap();
    assert_eq!((r.count, r.done), (n / 2, true));
    let mut next = [0u8; 4];
    assert_eq!(cmd::map_get_next_key(fd, None, &mut next).unwrap_err().errno(), libc::ENOENT, "map is empty");

    // Buffers too small for `count` elements are refused before the kernel sees them.
    let e = cmd::map_update_batch(fd, &keys[..8], &vals, 3, 0, 0).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
}

#[test]
fn percpu_values() {
    if !privileged() {
        return;
    }
    let ncpu = oxbpf::sys::possible_cpus().unwrap();
    let m = map(uapi::BPF_MAP_TYPE_PERCPU_ARRAY, "oxbpf_pcpu", 4, 4, 2);
    let fd = m.as_fd();
    let shape = cmd::map_shape(fd).unwrap();
    assert_eq!(shape.value_bytes, 8 * ncpu, "4-byte values round up to 8 per possible CPU");
    // One slot per CPU, 8-byte stride.
    let mut vals = vec![0u8; 8 * ncpu];
    for c in 0..ncpu {
        vals[c * 8..c * 8 + 4].copy_from_slice(&k(c as u32 + 1));
    }
    cmd::map_update_elem(fd, &k(1), &vals, 0).unwrap();
    let mut back = vec![0xffu8; 8 * ncpu];
    cmd::map_lookup_elem(fd, &k(1), &mut back, 0).unwrap();
    for c in 0..ncpu {
        assert_eq!(u32::from_ne_bytes(back[c * 8..c * 8 + 4].try_into().unwrap()), c as u32 + 1);
    }
    // A single-CPU-sized buffer would let the kernel write past it: refused up front.
    let mut short = [0u8; 8];
    let e = cmd::map_lookup_elem(fd, &k(1), &mut short, 0).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("smaller than the map's"), "{e}");

    let h = map(uapi::BPF_MAP_TYPE_PERCPU_HASH, "oxbpf_pcpuh", 4, 12, 2);
    assert_eq!(cmd::map_shape(h.as_fd()).unwrap().value_bytes, 16 * ncpu);
}

#[test]
fn freeze_blocks_updates() {
    if !privileged() {
        return;
    }
    let m = map(uapi::BPF_MAP_TYPE_ARRAY, "oxbpf_frozen", 4, 4, 1);
    let fd = m.as_fd();
    cmd::map_update_elem(fd, &k(0), &k(5), 0).unwrap();
    cmd::map_freeze(fd).unwrap();
    let e = cmd::map_update_elem(fd, &k(0), &k(6), 0).unwrap_err();
    assert_eq!(e.errno(), libc::EPERM);
    let mut v = [0u8; 4];
    cmd::map_lookup_elem(fd, &k(0), &mut v, 0).unwrap();
    assert_eq!(v, k(5));
    // The map fd lost its write permission: freezing again is EPERM.
    assert_eq!(cmd::map_freeze(fd).unwrap_err().errno(), libc::EPERM);
}

#[test]
fn queue_push_pop() {
    if !privileged() {
        return;
    }
    let q = map(uapi::BPF_MAP_TYPE_QUEUE, "oxbpf_queue", 0, 4, 8);
    let fd = q.as_fd();
    for i in [3u32, 1, 4] {
        cmd::map_update_elem(fd, &[], &k(i), 0).unwrap();
    }
    let mut v = [0u8; 4];
    cmd::map_lookup_elem(fd, &[], &mut v, 0).unwrap(); // peek
    assert_eq!(v, k(3));
    let mut popped = vec![];
    while cmd::map_lookup_and_delete_elem(fd, &[], &mut v, 0).is_ok() {
        popped.push(u32::from_ne_bytes(v));
    }
    assert_eq!(popped, [3, 1, 4]);
}

/// A BPF FS mounted on a fresh directory, unmounted and removed on drop.
struct Bpffs(PathBuf);

impl Bpffs {
    fn mount(tag: &str) -> Option<Bpffs> {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bpffs-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let c = CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: all strings are NUL-terminated; no data argument.
        let r = unsafe { libc::mount(c"bpf".as_ptr(), c.as_ptr(), c"bpf".as_ptr(), 0, std::ptr::null()) };
        if r != 0 {
            crate::skip!("bpffs part: mount -t bpf failed: {}", std::io::Error::last_os_error());
            let _ = std::fs::remove_dir(&dir);
            return None;
        }
        Some(Bpffs(dir))
    }
    fn path(&self, name: &str) -> CString {
        CString::new(self.0.join(name).as_os_str().as_encoded_bytes()).unwrap()
    }
}

impl Drop for Bpffs {
    fn drop(&mut self) {
        let c = CString::new(self.0.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: NUL-terminated path of the mount we made.
        unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn pin_and_get_on_private_bpffs() {
    if !privileged() {
        return;
    }
    let Some(fs) = Bpffs::mount("pin") else { return };
    let m = map(uapi::BPF_MAP_TYPE_HASH, "oxbpf_pinned", 4, 4, 4);
    cmd::map_update_elem(m.as_fd(), &k(1), &k(11), 0).unwrap();
    let p = fs.path("m");
    cmd::obj_pin(m.as_fd(), &p).unwrap();
    assert!(fs.0.join("m").exists());
    let e = cmd::obj_pin(m.as_fd(), &p).unwrap_err();
    assert_eq!(e.errno(), libc::EEXIST);
    assert!(e.message().contains("BPF_OBJ_PIN failed: -EEXIST"), "{e}");

    let again = cmd::obj_get(&p, 0).unwrap();
    assert_eq!(cmd::map_info(again.as_fd()).unwrap().id, cmd::map_info(m.as_fd()).unwrap().id);
    let mut v = [0u8; 4];
    cmd::map_lookup_elem(again.as_fd(), &k(1), &mut v, 0).unwrap();
    assert_eq!(v, k(11));

    // Read-only open: updates refused.
    let ro = cmd::obj_get(&p, uapi::BPF_F_RDONLY).unwrap();
    assert_eq!(cmd::map_update_elem(ro.as_fd(), &k(1), &k(0), 0).unwrap_err().errno(), libc::EPERM);

    // Programs pin too.
    let prog = load(uapi::BPF_PROG_TYPE_SOCKET_FILTER, 0, "oxbpf_pinprog", &[mov64_imm(0, 0), exit()]);
    cmd::obj_pin(prog.as_fd(), &fs.path("p")).unwrap();
    let p2 = cmd::obj_get(&fs.path("p"), 0).unwrap();
    assert_eq!(name_str(&cmd::prog_info(p2.as_fd()).unwrap().name), "oxbpf_pinprog");

    assert_eq!(cmd::obj_get(&fs.path("missing"), 0).unwrap_err().errno(), libc::ENOENT);
    std::fs::remove_file(fs.0.join("m")).unwrap();
    std::fs::remove_file(fs.0.join("p")).unwrap();
}

#[test]
fn socket_filter_load_info_test_run() {
    if !privileged() {
        return;
    }
    let insns = [mov64_imm(0, 42), exit()];
    let prog = load(uapi::BPF_PROG_TYPE_SOCKET_FILTER, 0, "oxbpf-sock.filter!", &insns);
    let info = cmd::prog_info(prog.as_fd()).unwrap();
    // Truncated to 15 bytes and sanitised for the kernel.
    assert_eq!(name_str(&info.name), "oxbpf_sock.filt");
    assert_eq!(info.type_, uapi::BPF_PROG_TYPE_SOCKET_FILTER);
    assert!(info.is_gpl_compatible());
    assert_eq!(info.name(), "oxbpf_sock.filt");
    assert_eq!(info.xlated_prog_len, 16);
    assert_ne!(info.tag, [0; 8]);
    assert_eq!(cmd::prog_xlated_insns(prog.as_fd()).unwrap(), insns);
    assert!(cmd::prog_map_ids(prog.as_fd()).unwrap().is_empty());

    let pkt = [0xabu8; 64];
    let mut out = [0u8; 64];
    let r = cmd::prog_test_run(
        prog.as_fd(),
        &mut TestRun { data_in: &pkt, data_out: Some(&mut out), repeat: 3, ..Default::default() },
    )
    .unwrap();
    assert_eq!(r.retval, 42);
    assert_eq!(r.data_size_out, 64);
    // The kernel rebuilds the Ethernet header of socket filter test packets; the rest is ours.
    assert_eq!(out[14..], pkt[14..]);

    // A program reading a map value through ld_imm64 (global data), with the map bound.
    let m = map(uapi::BPF_MAP_TYPE_ARRAY, "oxbpf_gdata", 4, 8, 1);
    cmd::map_update_elem(m.as_fd(), &k(0), &7u64.to_ne_bytes(), 0).unwrap();
    let mfd = m.as_raw_fd();
    let insns = [
        insn(uapi::BPF_LD_IMM64, 1, uapi::BPF_PSEUDO_MAP_VALUE, 0, mfd),
        insn(0, 0, 0, 0, 0),
        insn(uapi::BPF_LDX | uapi::BPF_MEM | uapi::BPF_DW, 0, 1, 0, 0),
        exit(),
    ];
    let p = load(uapi::BPF_PROG_TYPE_SOCKET_FILTER, 0, "oxbpf_gread", &insns);
    let r = cmd::prog_test_run(p.as_fd(), &mut TestRun { data_in: &pkt, ..Default::default() }).unwrap();
    assert_eq!(r.retval, 7);
    assert_eq!(cmd::prog_map_ids(p.as_fd()).unwrap(), [cmd::map_info(m.as_fd()).unwrap().id]);
    let xl = cmd::prog_xlated_insns(p.as_fd()).unwrap();
    assert_eq!(xl.len(), 4);
}

#[test]
fn fd_array_indices_are_checked() {
    if !privileged() {
        return;
    }
    let m = map(uapi::BPF_MAP_TYPE_ARRAY, "oxbpf_idx", 4, 8, 1);
    let insns = [
        insn(uapi::BPF_LD_IMM64, 1, uapi::BPF_PSEUDO_MAP_IDX_VALUE, 0, 1),
        insn(0, 0, 0, 0, 0),
        insn(uapi::BPF_LDX | uapi::BPF_MEM | uapi::BPF_DW, 0, 1, 0, 0),
        exit(),
    ];
    let mut a = ProgLoad {
        prog_type: uapi::BPF_PROG_TYPE_SOCKET_FILTER,
        name: "oxbpf_fdarr",
        insns: &insns,
        license: c"GPL",
        fd_array: &[m.as_raw_fd()],
        ..Default::default()
    };
    let e = cmd::prog_load(&mut a).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("fd_array[1]"), "{e}");
    let fds = [-1, m.as_raw_fd()];
    a.fd_array = &fds;
    let p = cmd::prog_load(&mut a).unwrap_or_else(|e| panic!("{e}"));
    let r = cmd::prog_test_run(p.as_fd(), &mut TestRun { data_in: &[0; 64], ..Default::default() }).unwrap();
    assert_eq!(r.retval, 0);
}

#[test]
fn ids_find_our_objects() {
    if !privileged() {
        return;
    }
    let prog = load(uapi::BPF_PROG_TYPE_SOCKET_FILTER, 0, "oxbpf_ids", &[mov64_imm(0, 0), exit()]);
    let m = map(uapi::BPF_MAP_TYPE_ARRAY, "oxbpf_ids_map", 4, 4, 1);
    let btf = cmd::btf_load(&probe::btf_blob(&[1, 1 << 24, 4, (1 << 24) | 32], b"\0int\0"), None, 0, None).unwrap();
    for (kind, fd) in [(IdKind::Prog, prog.as_fd()), (IdKind::Map, m.as_fd()), (IdKind::Btf, btf.as_fd())] {
        let want = match kind {
            IdKind::Prog => cmd::prog_info(fd).unwrap().id,
            IdKind::Map => cmd::map_info(fd).unwrap().id,
            _ => cmd::btf_info(fd).unwrap().id,
        };
        let mut id = 0;
        let mut found = false;
        loop {
            match cmd::get_next_id(kind, id) {
                Ok(n) => {
                    assert!(n > id);
                    id = n;
                    if n == want {
                        found = true;
                    }
                }
                Err(e) => {
                    assert_eq!(e.errno(), libc::ENOENT);
                    assert!(!e.should_log());
                    break;
                }
            }
        }
        assert!(found, "{kind:?} id {want} not listed");
        let again = cmd::get_fd_by_id(kind, want, 0).unwrap();
        let got = match kind {
            IdKind::Prog => cmd::prog_info(again.as_fd()).unwrap().id,
            IdKind::Map => cmd::map_info(again.as_fd()).unwrap().id,
            _ => cmd::btf_info(again.as_fd()).unwrap().id,
        };
        assert_eq!(got, want);
    }
    assert_eq!(cmd::get_fd_by_id(IdKind::Map, 0x7fff_fff0, 0).unwrap_err().errno(), libc::ENOENT);
    assert_eq!(cmd::get_next_id(IdKind::Link, 0x7fff_fff0).unwrap_err().errno(), libc::ENOENT);
    // Ids past INT_MAX are refused outright.
    assert_eq!(cmd::get_next_id(IdKind::Link, u32::MAX).unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn btf_load_and_info() {
    if !privileged() {
        return;
    }
    // int, struct pair { int a; int b; }
    let types = [1, 1 << 24, 4, (1 << 24) | 32, 5, (4 << 24) | 2, 8, 10, 1, 0, 12, 1, 32];
    let blob = probe::btf_blob(&types, b"\0int\0pair\0a\0b\0");
    let mut log = vec![0u8; 1 << 16];
    let fd = cmd::btf_load(&blob, Some(&mut log), 1, None).unwrap_or_else(|e| panic!("{e}"));
    let info = cmd::btf_info(fd.as_fd()).unwrap();
    assert_eq!(info.btf_size as usize, blob.len());
    assert!(info.id > 0);
    assert_eq!(info.kernel_btf, 0);
    let (_, name) = cmd::btf_info_name(fd.as_fd()).unwrap();
    assert_eq!(name, "");
    assert_eq!(cmd::btf_data(fd.as_fd()).unwrap(), blob);
    let parsed = Btf::parse(&cmd::btf_data(fd.as_fd()).unwrap()).unwrap();
    assert_eq!(parsed.find_by_name_kind("pair", Kind::Struct), Some(2));

    // The kernel's own BTF objects are named.
    let mut id = 0;
    let mut names = vec![];
    while let Ok(n) = cmd::get_next_id(IdKind::Btf, id) {
        id = n;
        if let Ok(f) = cmd::get_fd_by_id(IdKind::Btf, n, 0) {
            let (i, name) = cmd::btf_info_name(f.as_fd()).unwrap();
            if i.kernel_btf != 0 {
                names.push(name);
            }
        }
    }
    assert!(names.iter().any(|n| n == "vmlinux"), "{names:?}");
}

#[test]
fn verifier_rejection_fills_log() {
    if !privileged() {
        return;
    }
    // `exit` with r0 never written.
    let insns = [exit()];
    for level in [0, 1] {
        let mut log = vec![0u8; 64 * 1024];
        let (r, true_size) = cmd::prog_load_report(&mut ProgLoad {
            prog_type: uapi::BPF_PROG_TYPE_SOCKET_FILTER,
            name: "oxbpf_bad",
            insns: &insns,
            license: c"GPL",
            log_level: level,
            log_buf: Some(&mut log),
            ..Default::default()
        });
        let e = r.unwrap_err();
        assert!(matches!(e.errno(), libc::EACCES | libc::EINVAL), "{e}");
        assert_eq!(e.message(), format!("prog 'oxbpf_bad': BPF_PROG_LOAD failed: {}", oxbpf::error::errstr(e.errno())));
        let text = CStr::from_bytes_until_nul(&log).unwrap().to_string_lossy().into_owned();
        assert!(text.contains("R0 !read_ok"), "level {level}: {text:?}");
        assert!(true_size as usize > text.len());
    }
    // Without a log buffer there is nothing to fill, and the error is the same.
    let e = cmd::prog_load(&mut ProgLoad {
        prog_type: uapi::BPF_PROG_TYPE_SOCKET_FILTER,
        insns: &insns,
        license: c"GPL",
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.errno(), libc::EACCES);
    // A GPL-only helper from a non-GPL program: rejected as well.
    let e = cmd::prog_load(&mut ProgLoad {
        prog_type: uapi::BPF_PROG_TYPE_TRACEPOINT,
        insns: &[insn(uapi::BPF_JMP_CALL, 0, 0, 0, 6 /* trace_printk */), exit()],
        license: c"Proprietary",
        ..Default::default()
    })
    .unwrap_err();
    assert!(matches!(e.errno(), libc::EINVAL | libc::EACCES), "{e}");
}

#[test]
fn raw_tp_open_info_detach() {
    if !privileged() {
        return;
    }
    let prog = load(uapi::BPF_PROG_TYPE_RAW_TRACEPOINT, 0, "oxbpf_rawtp", &[mov64_imm(0, 0), exit()]);
    let link = cmd::raw_tracepoint_open(Some(c"sys_enter"), prog.as_fd(), 0).unwrap_or_else(|e| panic!("{e}"));
    let li = cmd::link_info(link.as_fd()).unwrap();
    assert_eq!(li.type_, uapi::BPF_LINK_TYPE_RAW_TRACEPOINT);
    assert_eq!(li.prog_id, cmd::prog_info(prog.as_fd()).unwrap().id);
    assert!(li.id > 0);
    // The link is listed and can be reopened by id.
    let again = cmd::get_fd_by_id(IdKind::Link, li.id, 0).unwrap();
    assert_eq!(cmd::link_info(again.as_fd()).unwrap().id, li.id);

    let q = cmd::task_fd_query(std::process::id() as i32, link.as_raw_fd(), 0, 64).unwrap();
    assert_eq!(q.fd_type, 0 /* BPF_FD_TYPE_RAW_TRACEPOINT */);
    assert_eq!(q.name, "sys_enter");
    assert_eq!(q.prog_id, li.prog_id);

    // Raw tracepoint links have no detach operation (cgroup links do: see below).
    let e = cmd::link_detach(link.as_fd()).unwrap_err();
    assert_eq!(e.errno(), libc::EOPNOTSUPP);
    assert_eq!(e.message(), format!("link fd {}: BPF_LINK_DETACH failed: -EOPNOTSUPP", link.as_raw_fd()));
    drop(again);
    drop(link);

    let e = cmd::raw_tracepoint_open(Some(c"oxbpf_no_such_tp"), prog.as_fd(), 0).unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT);
    assert!(e.message().contains("'oxbpf_no_such_tp'"), "{e}");
}

/// The cgroup v2 hierarchy's mount point, if any.
fn cgroup2_root() -> Option<PathBuf> {
    let m = std::fs::read_to_string("/proc/self/mounts").ok()?;
    m.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.get(2) == Some(&"cgroup2")).then(|| PathBuf::from(f[1]))
    })
}

#[test]
fn cgroup_attach_query_link_update() {
    if !privileged() {
        return;
    }
    let Some(root) = cgroup2_root() else {
        crate::skip!("no cgroup2 mount");
        return;
    };
    let dir = root.join(format!("oxbpf-sys-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir(&dir) {
        crate::skip!("cannot create {}: {e}", dir.display());
        return;
    }
    /// Removes the test cgroup even when an assertion fails.
    struct Rmdir(PathBuf);
    impl Drop for Rmdir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir(&self.0);
        }
    }
    let _rm = Rmdir(dir.clone());
    let cg = std::fs::File::open(&dir).unwrap();
    let p1 =
        load(uapi::BPF_PROG_TYPE_CGROUP_SKB, uapi::BPF_CGROUP_INET_INGRESS, "oxbpf_cg1", &[mov64_imm(0, 1), exit()]);
    let p2 =
        load(uapi::BPF_PROG_TYPE_CGROUP_SKB, uapi::BPF_CGROUP_INET_EGRESS, "oxbpf_cg2", &[mov64_imm(0, 1), exit()]);
    let id1 = cmd::prog_info(p1.as_fd()).unwrap().id;
    let id2 = cmd::prog_info(p2.as_fd()).unwrap().id;

    // PROG_ATTACH / QUERY / DETACH.
    let att = ProgAttach {
        prog_fd: Some(p1.as_fd()),
        target: cg.as_raw_fd(),
        attach_type: uapi::BPF_CGROUP_INET_INGRESS,
        flags: uapi::BPF_F_ALLOW_MULTI,
        ..Default::default()
    };
    cmd::prog_attach(&att).unwrap_or_else(|e| panic!("{e}"));
    let mut ids = [0u32; 4];
    let mut flags = [0u32; 4];
    let q = cmd::prog_query(&mut ProgQuery {
        target: cg.as_raw_fd(),
        attach_type: uapi::BPF_CGROUP_INET_INGRESS,
        prog_ids: Some(&mut ids),
        prog_attach_flags: Some(&mut flags),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(q.count, 1);
    assert_eq!(ids[0], id1);
    assert_eq!(q.attach_flags, uapi::BPF_F_ALLOW_MULTI);
    // Count only.
    let q = cmd::prog_query(&mut ProgQuery {
        target: cg.as_raw_fd(),
        attach_type: uapi::BPF_CGROUP_INET_INGRESS,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(q.count, 1);
    // Detach takes no attach flags.
    let det = ProgAttach { flags: 0, ..att };
    cmd::prog_detach(&det).unwrap();
    let e = cmd::prog_detach(&det).unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT);

    // LINK_CREATE / LINK_UPDATE / LINK_DETACH.
    let link = cmd::link_create(&LinkCreate {
        prog_fd: Some(p2.as_fd()),
        target_fd: cg.as_raw_fd(),
        attach_type: uapi::BPF_CGROUP_INET_EGRESS,
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let li = cmd::link_info(link.as_fd()).unwrap();
    assert_eq!(li.type_, uapi::BPF_LINK_TYPE_CGROUP);
    assert_eq!(li.prog_id, id2);
    assert_eq!(li.cgroup().1, uapi::BPF_CGROUP_INET_EGRESS);
    // Wrong expected old program: EPERM, nothing changes.
    let e = cmd::link_update(link.as_fd(), p1.as_fd(), 0, Some(p1.as_fd())).unwrap_err();
    assert_eq!(e.errno(), libc::EPERM);
    assert!(e.message().contains("BPF_LINK_UPDATE failed"), "{e}");
    cmd::link_update(link.as_fd(), p1.as_fd(), 0, Some(p2.as_fd())).unwrap();
    assert_eq!(cmd::link_info(link.as_fd()).unwrap().prog_id, id1);
    cmd::link_update(link.as_fd(), p2.as_fd(), 0, None).unwrap();
    assert_eq!(cmd::link_info(link.as_fd()).unwrap().prog_id, id2);
    cmd::link_detach(link.as_fd()).unwrap();
    // Detached: the link stays open but the cgroup no longer runs its program.
    let q = cmd::prog_query(&mut ProgQuery {
        target: cg.as_raw_fd(),
        attach_type: uapi::BPF_CGROUP_INET_EGRESS,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(q.count, 0);
    drop(link);
    drop(cg);
}

/// The BTF id of a kernel function, from vmlinux BTF.
fn vmlinux_func(name: &str) -> Option<u32> {
    Btf::vmlinux().ok()?.find_by_name_kind(name, Kind::Func)
}

#[test]
fn iter_link_and_read() {
    if !privileged() {
        return;
    }
    let Some(btf_id) = vmlinux_func("bpf_iter_bpf_map") else {
        crate::skip!("no vmlinux BTF or no bpf_map iterator");
        return;
    };
    let mut log = vec![0u8; 1 << 16];
    let r = cmd::prog_load(&mut ProgLoad {
        prog_type: uapi::BPF_PROG_TYPE_TRACING,
        expected_attach_type: uapi::BPF_TRACE_ITER,
        name: "oxbpf_iter",
        insns: &[mov64_imm(0, 0), exit()],
        license: c"GPL",
        attach_btf_id: btf_id,
        log_buf: Some(&mut log),
        ..Default::default()
    });
    let prog = match r {
        Ok(p) => p,
        Err(e) => {
            crate::skip!("iterator programs do not load here: {e}");
            return;
        }
    };
    let link = cmd::link_create(&LinkCreate {
        prog_fd: Some(prog.as_fd()),
        attach_type: uapi::BPF_TRACE_ITER,
        extra: LinkExtra::Iter { info: &[] },
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cmd::link_info(link.as_fd()).unwrap().type_, uapi::BPF_LINK_TYPE_ITER);
    let it = cmd::iter_create(link.as_fd()).unwrap();
    let mut f = std::fs::File::from(it);
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut f, &mut out).unwrap();
    assert!(out.is_empty(), "the program prints nothing");
}

#[test]
fn stats_bind_token() {
    if !privileged() {
        return;
    }
    let stats = cmd::enable_stats(0 /* BPF_STATS_RUN_TIME */).unwrap();
    let prog = load(uapi::BPF_PROG_TYPE_SOCKET_FILTER, 0, "oxbpf_stats", &[mov64_imm(0, 0), exit()]);
    cmd::prog_test_run(prog.as_fd(), &mut TestRun { data_in: &[0; 64], repeat: 10, ..Default::default() }).unwrap();
    let info = cmd::prog_info(prog.as_fd()).unwrap();
    assert!(info.run_cnt >= 1, "stats enabled: run_cnt {}", info.run_cnt);
    drop(stats);

    let m = map(uapi::BPF_MAP_TYPE_ARRAY, "oxbpf_bound", 4, 4, 1);
    cmd::prog_bind_map(prog.as_fd(), m.as_fd(), 0).unwrap();
    let mid = cmd::map_info(m.as_fd()).unwrap().id;
    assert_eq!(cmd::prog_map_ids(prog.as_fd()).unwrap(), [mid]);
    drop(m);
    // Still reachable through the program.
    assert!(cmd::get_fd_by_id(IdKind::Map, mid, 0).is_ok());

    // Tokens come from a BPF FS with delegation, inside a user namespace; a plain mount in the
    // initial namespace refuses.
    let Some(fs) = Bpffs::mount("token") else { return };
    let dir = std::fs::File::open(&fs.0).unwrap();
    let e = cmd::token_create(dir.as_fd(), 0).unwrap_err();
    assert!(matches!(e.errno(), libc::EOPNOTSUPP | libc::ENOENT | libc::EPERM), "{e}");
    // The errno alone: the load words libbpf's token lines, and formats nothing per load.
    assert!(e.message().is_empty(), "{e}");
    drop(dir);
}

#[test]
fn argument_errors_before_the_kernel() {
    if !privileged() {
        return;
    }
    let prog = load(uapi::BPF_PROG_TYPE_SOCKET_FILTER, 0, "oxbpf_args", &[mov64_imm(0, 0), exit()]);
    let b: BorrowedFd = prog.as_fd();
    let e = cmd::prog_load(&mut ProgLoad {
        prog_type: uapi::BPF_PROG_TYPE_EXT,
        insns: &[mov64_imm(0, 0), exit()],
        license: c"GPL",
        attach_prog_fd: Some(b),
        attach_btf_obj_fd: Some(b),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("exclusive"), "{e}");
    let e = cmd::prog_load(&mut ProgLoad {
        prog_type: uapi::BPF_PROG_TYPE_SOCKET_FILTER,
        insns: &[mov64_imm(0, 0), exit()],
        license: c"GPL",
        func_info: &[0; 12],
        func_info_rec_size: 8,
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    let e = cmd::link_create(&LinkCreate {
        prog_fd: Some(b),
        attach_type: uapi::BPF_TRACE_KPROBE_MULTI,
        extra: LinkExtra::KprobeMulti { flags: 0, syms: &[c"a"], addrs: &[1], cookies: &[] },
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    let e = cmd::link_create(&LinkCreate {
        prog_fd: Some(b),
        attach_type: uapi::BPF_PERF_EVENT,
        target_btf_id: 5,
        extra: LinkExtra::PerfEvent { cookie: 1 },
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
}
