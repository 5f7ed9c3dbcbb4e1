//! Fd hygiene of the bpf(2) layer, in a binary of its own (fd counts are process-wide): every
//! object created and every failure path leaves `/proc/self/fd` as it found it, returned fds
//! are close-on-exec, and an fd the kernel hands out as 0–2 is moved above 2.

use oxbpf::ffi::bpf as c;
use oxbpf::sys::cmd::{self, IdKind, MapCreate, ProgLoad, TestRun};
use oxbpf::sys::probe;
use oxbpf::uapi::{self, BpfInsn};
use std::os::fd::{AsFd, AsRawFd};
use std::ptr::{null, null_mut};

mod common;

fn open_fds() -> Vec<i32> {
    let mut v: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    v.sort();
    v
}

fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> u64 {
    u64::from_ne_bytes(BpfInsn::new(code, dst, src, off, imm).to_array())
}

/// One round of everything, through the safe API and the C exports, success and failure.
fn round() {
    let good = [insn(uapi::BPF_ALU64 | uapi::BPF_MOV | uapi::BPF_K, 0, 0, 0, 0), insn(uapi::BPF_JMP_EXIT, 0, 0, 0, 0)];
    let bad = [insn(uapi::BPF_JMP_EXIT, 0, 0, 0, 0)];
    let m = cmd::map_create(&MapCreate {
        map_type: uapi::BPF_MAP_TYPE_HASH,
        name: "fds",
        key_size: 4,
        value_size: 4,
        max_entries: 4,
        ..Default::default()
    })
    .unwrap();
    cmd::map_update_elem(m.as_fd(), &1u32.to_ne_bytes(), &2u32.to_ne_bytes(), 0).unwrap();
    let mut log = vec![0u8; 4096];
    assert!(cmd::prog_load(&mut ProgLoad {
        prog_type: 1,
        insns: &bad,
        license: c"GPL",
        log_buf: Some(&mut log),
        ..Default::default()
    })
    .is_err());
    let p = cmd::prog_load(&mut ProgLoad {
        prog_type: 1,
        name: "fds",
        insns: &good,
        license: c"GPL",
        ..Default::default()
    })
    .unwrap();
    cmd::prog_test_run(p.as_fd(), &mut TestRun { data_in: &[0; 64], ..Default::default() }).unwrap();
    let id = cmd::prog_info(p.as_fd()).unwrap().id;
    drop(cmd::get_fd_by_id(IdKind::Prog, id, 0).unwrap());
    assert!(cmd::get_fd_by_id(IdKind::Prog, 0x7fff_fff0, 0).is_err());
    let btf = cmd::btf_load(&probe::btf_blob(&[1, 1 << 24, 4, (1 << 24) | 32], b"\0int\0"), None, 0, None).unwrap();
    drop(cmd::btf_data(btf.as_fd()).unwrap());
    assert!(cmd::btf_load(&[0u8; 8], None, 0, None).is_err());
    let rp = cmd::prog_load(&mut ProgLoad {
        prog_type: uapi::BPF_PROG_TYPE_RAW_TRACEPOINT,
        insns: &good,
        license: c"GPL",
        ..Default::default()
    })
    .unwrap();
    let link = cmd::raw_tracepoint_open(Some(c"sys_enter"), rp.as_fd(), 0).unwrap();
    assert!(cmd::link_detach(link.as_fd()).is_err());
    assert!(cmd::raw_tracepoint_open(Some(c"oxbpf_none"), rp.as_fd(), 0).is_err());
    drop(cmd::enable_stats(0).unwrap());

    // SAFETY: C-style calls with live buffers; every returned fd is closed below.
    unsafe {
        let mfd = c::bpf_map_create(uapi::BPF_MAP_TYPE_ARRAY, null(), 4, 4, 1, null());
        assert!(mfd > 2);
        let pfd = c::bpf_prog_load(1, null(), c"GPL".as_ptr(), good.as_ptr() as *const BpfInsn, 2, null_mut());
        assert!(pfd > 2);
        assert!(c::bpf_prog_load(1, null(), c"GPL".as_ptr(), bad.as_ptr() as *const BpfInsn, 1, null_mut()) < 0);
        assert!(c::bpf_map_get_fd_by_id(0x7fff_fff0) < 0);
        let l = c::bpf_raw_tracepoint_open(c"sys_exit".as_ptr(), rp.as_raw_fd());
        assert!(l > 2);
        for fd in [mfd, pfd, l] {
            libc::close(fd);
        }
    }
}

#[test]
fn fds_back_to_baseline_and_cloexec() {
    if cmd::map_create(&MapCreate {
        map_type: uapi::BPF_MAP_TYPE_ARRAY,
        key_size: 4,
        value_size: 4,
        max_entries: 1,
        ..Default::default()
    })
    .is_err()
    {
        crate::skip!("cannot create BPF maps (needs root / CAP_BPF)");
        return;
    }
    // Warm the process-wide caches (probes, CPU count) first; they hold no fds anyway.
    probe::supported(probe::Feature::MemcgAccount);
    oxbpf::sys::possible_cpus().unwrap();
    let before = open_fds();
    for _ in 0..20 {
        round();
    }
    assert_eq!(open_fds(), before, "fds leaked");

    // Returned fds are close-on-exec.
    let m = cmd::map_create(&MapCreate {
        map_type: uapi::BPF_MAP_TYPE_ARRAY,
        key_size: 4,
        value_size: 4,
        max_entries: 1,
        ..Default::default()
    })
    .unwrap();
    // SAFETY: fcntl F_GETFD on an fd we own.
    let fl = unsafe { libc::fcntl(m.as_raw_fd(), libc::F_GETFD) };
    assert_ne!(fl & libc::FD_CLOEXEC, 0);
    drop(m);

    // With stdin closed, the kernel's next fd would be 0: it must come back above 2, and 0 must
    // be free again afterwards.
    // SAFETY: we save stdin, close it, and restore it with dup2 before returning.
    unsafe {
        let saved = libc::fcntl(0, libc::F_DUPFD_CLOEXEC, 10);
        assert!(saved >= 10);
        libc::close(0);
        let m = cmd::map_create(&MapCreate {
            map_type: uapi::BPF_MAP_TYPE_ARRAY,
            key_size: 4,
            value_size: 4,
            max_entries: 1,
            ..Default::default()
        });
        let c_fd = c::bpf_map_create(uapi::BPF_MAP_TYPE_ARRAY, null(), 4, 4, 1, null());
        let zero_free = libc::fcntl(0, libc::F_GETFD) == -1;
        libc::dup2(saved, 0);
        libc::close(saved);
        let m = m.unwrap();
        assert!(m.as_raw_fd() > 2, "got fd {}", m.as_raw_fd());
        assert!(c_fd > 2, "got fd {c_fd}");
        assert!(zero_free, "fd 0 was left open");
        let fl = libc::fcntl(m.as_raw_fd(), libc::F_GETFD);
        assert_ne!(fl & libc::FD_CLOEXEC, 0, "the moved fd is close-on-exec too");
        libc::close(c_fd);
    }
    assert_eq!(open_fds(), before, "fds leaked");
}
