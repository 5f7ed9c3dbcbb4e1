//! The exact attr bytes and sizes `oxbpf::sys::cmd` hands to bpf(2), observed through the
//! per-thread fake (`sys::fake::install`): no kernel, no privileges needed. Offsets below are
//! the kernel's `union bpf_attr` layout (x86_64), spelled out independently of `sys::attr`.

use oxbpf::sys::cmd::{self, LinkCreate, LinkExtra, MapCreate, ProgLoad, Relative};
use oxbpf::sys::fake;
use oxbpf::uapi;
use std::cell::RefCell;
use std::io;
use std::os::fd::{AsFd, AsRawFd, IntoRawFd, OwnedFd};
use std::rc::Rc;

#[derive(Debug, Clone)]
struct Call {
    cmd: u32,
    bytes: Vec<u8>,
    size: usize,
}

type Log = Rc<RefCell<Vec<Call>>>;

/// Install a fake answering with `answer(call index, attr bytes)`; every call is recorded
/// (bytes as they were on entry).
fn fake_with(answer: impl FnMut(usize, &mut [u8]) -> io::Result<i64> + 'static) -> (fake::Guard, Log) {
    let log: Log = Rc::default();
    let l2 = log.clone();
    let mut answer = answer;
    let g = fake::install(Box::new(move |cmd, attr, size| {
        let n = l2.borrow().len();
        l2.borrow_mut().push(Call { cmd, bytes: attr.to_vec(), size });
        answer(n, attr)
    }));
    (g, log)
}

/// A real fd for the fake to return (the wrappers own and close what bpf(2) returns).
fn new_fd() -> io::Result<i64> {
    Ok(std::fs::File::open("/dev/null")?.into_raw_fd() as i64)
}

fn devnull() -> OwnedFd {
    std::fs::File::open("/dev/null").unwrap().into()
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(b[off..off + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_ne_bytes(b[off..off + 8].try_into().unwrap())
}
fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_ne_bytes());
}

/// Expected bytes: zeros with the given (offset, little-endian bytes) patches.
fn expect(len: usize, fields: &[(usize, &[u8])]) -> Vec<u8> {
    let mut v = vec![0u8; len];
    for (off, b) in fields {
        v[*off..*off + b.len()].copy_from_slice(b);
    }
    v
}

#[test]
fn map_create_struct_ops_from_module_btf() {
    let (_g, log) = fake_with(|_, _| new_fd());
    let btf = devnull();
    let mod_btf = devnull();
    let m = cmd::map_create(&MapCreate {
        map_type: uapi::BPF_MAP_TYPE_STRUCT_OPS,
        name: "oxbpf_ops",
        key_size: 4,
        value_size: 192,
        max_entries: 1,
        map_flags: uapi::BPF_F_LINK,
        btf_fd: Some(btf.as_fd()),
        btf_vmlinux_value_type_id: 4242,
        value_type_btf_obj_fd: Some(mod_btf.as_fd()),
        ..Default::default()
    })
    .unwrap();
    drop(m);
    let calls = log.borrow();
    assert_eq!(calls.len(), 1);
    let c = &calls[0];
    assert_eq!(c.cmd, uapi::BPF_MAP_CREATE);
    assert_eq!(c.size, 80, "offsetofend(map_token_fd)");
    let flags = uapi::BPF_F_LINK | uapi::BPF_F_VTYPE_BTF_OBJ_FD;
    let want = expect(
        80,
        &[
            (0, &26u32.to_ne_bytes()),
            (4, &4u32.to_ne_bytes()),
            (8, &192u32.to_ne_bytes()),
            (12, &1u32.to_ne_bytes()),
            (16, &flags.to_ne_bytes()),
            (28, b"oxbpf_ops"),
            (48, &(btf.as_raw_fd() as u32).to_ne_bytes()),
            (60, &4242u32.to_ne_bytes()),
            (72, &mod_btf.as_raw_fd().to_ne_bytes()),
        ],
    );
    assert_eq!(c.bytes[..80], want[..]);
    assert_eq!(u32_at(&c.bytes, 16), 0xa000);
}

#[test]
fn map_create_numa_token_and_errors() {
    let (_g, log) = fake_with(|n, _| if n == 0 { new_fd() } else { Err(io::Error::from_raw_os_error(libc::EINVAL)) });
    let tok = devnull();
    cmd::map_create(&MapCreate {
        map_type: uapi::BPF_MAP_TYPE_HASH,
        name: "a name-with:bad*chars",
        key_size: 8,
        value_size: 8,
        max_entries: 10,
        numa_node: Some(1),
        token_fd: Some(tok.as_fd()),
        ..Default::default()
    })
    .unwrap();
    let b = log.borrow()[0].bytes.clone();
    assert_eq!(u32_at(&b, 16), uapi::BPF_F_NUMA_NODE | uapi::BPF_F_TOKEN_FD);
    assert_eq!(u32_at(&b, 24), 1);
    assert_eq!(&b[28..44], b"a_name_with_bad\0");
    assert_eq!(u32_at(&b, 76), tok.as_raw_fd() as u32);

    let e = cmd::map_create(&MapCreate {
        map_type: 1,
        name: "foo",
        key_size: 4,
        value_size: 4,
        max_entries: 1,
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert_eq!(e.message(), "map 'foo': BPF_MAP_CREATE failed: -EINVAL");
}

#[test]
fn prog_load_struct_ops_from_module_btf() {
    let (_g, log) = fake_with(|_, _| new_fd());
    let btf = devnull();
    let mod_btf = devnull();
    let insns = [0x0000_0000_0000_00b7u64, 0x0000_0000_0000_0095];
    let p = cmd::prog_load(&mut ProgLoad {
        prog_type: uapi::BPF_PROG_TYPE_STRUCT_OPS,
        expected_attach_type: 3, // member index
        name: "oxbpf_init",
        insns: &insns,
        license: c"GPL",
        prog_btf_fd: Some(btf.as_fd()),
        attach_btf_id: 4243,
        attach_btf_obj_fd: Some(mod_btf.as_fd()),
        ..Default::default()
    })
    .unwrap();
    drop(p);
    let calls = log.borrow();
    assert_eq!(calls.len(), 1);
    let c = &calls[0];
    assert_eq!(c.cmd, uapi::BPF_PROG_LOAD);
    assert_eq!(c.size, 148, "offsetofend(prog_token_fd)");
    let want = expect(
        148,
        &[
            (0, &27u32.to_ne_bytes()),
            (4, &2u32.to_ne_bytes()),
            (8, &(insns.as_ptr() as u64).to_ne_bytes()),
            (16, &(c"GPL".as_ptr() as u64).to_ne_bytes()),
            (48, b"oxbpf_init"),
            (68, &3u32.to_ne_bytes()),
            (72, &(btf.as_raw_fd() as u32).to_ne_bytes()),
            (108, &4243u32.to_ne_bytes()),
            (112, &(mod_btf.as_raw_fd() as u32).to_ne_bytes()),
        ],
    );
    // The license pointer is whatever the literal's address is; compare it separately.
    assert_eq!(c.bytes[..16], want[..16]);
    assert_eq!(c.bytes[24..148], want[24..148]);
    assert_ne!(u64_at(&c.bytes, 16), 0);
}

#[test]
fn prog_load_retries_eagain_like_libbpf() {
    // Two EAGAINs, then success: three calls.
    let (g, log) = fake_with(|n, _| if n < 2 { Err(io::Error::from_raw_os_error(libc::EAGAIN)) } else { new_fd() });
    let insns = [0xb7u64, 0x95];
    let mut a = ProgLoad { prog_type: 1, insns: &insns, license: c"GPL", ..Default::default() };
    cmd::prog_load(&mut a).unwrap();
    assert_eq!(log.borrow().len(), 3);
    drop(g);
    // Always EAGAIN: gives up after 5 attempts with EAGAIN.
    let (_g, log) = fake_with(|_, _| Err(io::Error::from_raw_os_error(libc::EAGAIN)));
    let e = cmd::prog_load(&mut a).unwrap_err();
    assert_eq!(e.errno(), libc::EAGAIN);
    assert_eq!(log.borrow().len(), cmd::PROG_LOAD_ATTEMPTS as usize);
}

#[test]
fn prog_load_log_level_zero_retries_with_log() {
    let (_g, log) = fake_with(|_, _| Err(io::Error::from_raw_os_error(libc::EACCES)));
    let insns = [0x95u64];
    let mut buf = vec![0u8; 4096];
    let buf_addr = buf.as_ptr() as u64;
    let e = cmd::prog_load(&mut ProgLoad {
        prog_type: 1,
        insns: &insns,
        license: c"GPL",
        log_buf: Some(&mut buf),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.errno(), libc::EACCES);
    let calls = log.borrow();
    assert_eq!(calls.len(), 2, "one plain attempt, one with a log");
    // log_level @24, log_size @28, log_buf @32.
    assert_eq!((u32_at(&calls[0].bytes, 24), u32_at(&calls[0].bytes, 28), u64_at(&calls[0].bytes, 32)), (0, 0, 0));
    assert_eq!(
        (u32_at(&calls[1].bytes, 24), u32_at(&calls[1].bytes, 28), u64_at(&calls[1].bytes, 32)),
        (1, 4096, buf_addr)
    );
}

#[test]
fn prog_load_e2big_func_info_is_retried_with_zeroed_tails() {
    // Records of 12 bytes where the kernel knows 8: it answers E2BIG and writes its size back.
    let seen: Rc<RefCell<Vec<u8>>> = Rc::default();
    let s2 = seen.clone();
    let (_g, log) = fake_with(move |n, attr| {
        if n == 0 {
            put_u32(attr, 76, 8); // func_info_rec_size
            return Err(io::Error::from_raw_os_error(libc::E2BIG));
        }
        let ptr = u64_at(attr, 80) as *const u8;
        let len = u32_at(attr, 88) as usize * u32_at(attr, 76) as usize;
        // SAFETY: the wrapper points func_info at a live buffer of cnt * rec_size bytes for the
        // duration of the call.
        *s2.borrow_mut() = unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec();
        new_fd()
    });
    let insns = [0xb7u64, 0x95];
    let finfo: Vec<u8> = [0u32, 1, 0xdead, 1, 2, 0xbeef].iter().flat_map(|w| w.to_ne_bytes()).collect();
    cmd::prog_load(&mut ProgLoad {
        prog_type: 1,
        insns: &insns,
        license: c"GPL",
        func_info: &finfo,
        func_info_rec_size: 12,
        ..Default::default()
    })
    .unwrap();
    let calls = log.borrow();
    assert_eq!(calls.len(), 2);
    assert_eq!(u32_at(&calls[0].bytes, 88), 2, "func_info_cnt");
    assert_eq!(u64_at(&calls[0].bytes, 80), finfo.as_ptr() as u64);
    assert_eq!(u32_at(&calls[1].bytes, 76), 12, "the caller's record size again");
    assert_ne!(u64_at(&calls[1].bytes, 80), finfo.as_ptr() as u64, "a zero-tailed copy");
    let want: Vec<u8> = [0u32, 1, 0, 1, 2, 0].iter().flat_map(|w| w.to_ne_bytes()).collect();
    assert_eq!(*seen.borrow(), want);
}

#[test]
fn btf_load_bytes_and_log_retry() {
    let (_g, log) = fake_with(|_, _| Err(io::Error::from_raw_os_error(libc::EINVAL)));
    let blob = [1u8; 40];
    let mut buf = vec![0u8; 512];
    let e = cmd::btf_load(&blob, Some(&mut buf), 0, None).unwrap_err();
    assert_eq!(e.message(), "BTF: BPF_BTF_LOAD failed: -EINVAL");
    let calls = log.borrow();
    assert_eq!(calls.len(), 2);
    for c in calls.iter() {
        assert_eq!((c.cmd, c.size), (uapi::BPF_BTF_LOAD, 40));
        assert_eq!(u64_at(&c.bytes, 0), blob.as_ptr() as u64);
        assert_eq!(u32_at(&c.bytes, 16), 40);
    }
    // btf_log_buf @8, btf_log_size @20, btf_log_level @24.
    assert_eq!((u64_at(&calls[0].bytes, 8), u32_at(&calls[0].bytes, 24)), (0, 0));
    assert_eq!((u32_at(&calls[1].bytes, 20), u32_at(&calls[1].bytes, 24)), (512, 1));
}

#[test]
fn link_create_parts() {
    let (_g, log) = fake_with(|_, _| new_fd());
    let prog = devnull();
    // struct_ops: the map goes where the program would.
    cmd::link_create(&LinkCreate {
        prog_fd: Some(prog.as_fd()),
        attach_type: uapi::BPF_STRUCT_OPS,
        extra: LinkExtra::StructOps,
        ..Default::default()
    })
    .unwrap();
    // tcx by relative id: BPF_F_ID is added.
    cmd::link_create(&LinkCreate {
        prog_fd: Some(prog.as_fd()),
        target_fd: 7, // ifindex
        attach_type: uapi::BPF_TCX_INGRESS,
        flags: uapi::BPF_F_BEFORE,
        extra: LinkExtra::Tcx { relative: Relative::Id(99), expected_revision: 5 },
        ..Default::default()
    })
    .unwrap();
    // fentry-style target with a cookie (they overlay).
    cmd::link_create(&LinkCreate {
        prog_fd: Some(prog.as_fd()),
        attach_type: uapi::BPF_TRACE_FENTRY,
        target_btf_id: 1234,
        extra: LinkExtra::Tracing { cookie: 0xc00c1e },
        ..Default::default()
    })
    .unwrap();
    // uprobe_multi.
    let offsets: [std::ffi::c_ulong; 2] = [0x100, 0x200];
    let cookies = [1u64, 2];
    cmd::link_create(&LinkCreate {
        prog_fd: Some(prog.as_fd()),
        attach_type: uapi::BPF_TRACE_UPROBE_MULTI,
        extra: LinkExtra::UprobeMulti {
            path: c"/bin/true",
            offsets: &offsets,
            ref_ctr_offsets: &[],
            cookies: &cookies,
            flags: 1,
            pid: 42,
        },
        ..Default::default()
    })
    .unwrap();
    let calls = log.borrow();
    let pfd = prog.as_raw_fd() as u32;
    for c in calls.iter() {
        assert_eq!((c.cmd, c.size), (uapi::BPF_LINK_CREATE, 64));
        assert_eq!(u32_at(&c.bytes, 0), pfd);
    }
    assert_eq!(u32_at(&calls[0].bytes, 8), uapi::BPF_STRUCT_OPS);
    assert_eq!(calls[0].bytes[4..8], [0u8; 4][..]);
    assert_eq!(calls[0].bytes[12..64], [0u8; 52][..]);
    let t = &calls[1].bytes;
    assert_eq!(
        (u32_at(t, 4), u32_at(t, 8), u32_at(t, 12)),
        (7, uapi::BPF_TCX_INGRESS, uapi::BPF_F_BEFORE | uapi::BPF_F_ID)
    );
    assert_eq!((u32_at(t, 16), u64_at(t, 24)), (99, 5));
    let f = &calls[2].bytes;
    assert_eq!((u32_at(f, 16), u64_at(f, 24)), (1234, 0xc00c1e));
    let u = &calls[3].bytes;
    assert_eq!(u64_at(u, 24), offsets.as_ptr() as u64);
    assert_eq!(u64_at(u, 32), 0, "no ref_ctr_offsets");
    assert_eq!(u64_at(u, 40), cookies.as_ptr() as u64);
    assert_eq!((u32_at(u, 48), u32_at(u, 52), u32_at(u, 56)), (2, 1, 42));
}

#[test]
fn link_update_map_replace_semantics() {
    let (_g, log) = fake_with(|_, _| Ok(0));
    let (link, new, old) = (devnull(), devnull(), devnull());
    cmd::link_update_map(link.as_fd(), new.as_fd(), Some(old.as_fd())).unwrap();
    cmd::link_update_map(link.as_fd(), new.as_fd(), None).unwrap();
    let calls = log.borrow();
    let b = &calls[0].bytes;
    assert_eq!((calls[0].cmd, calls[0].size), (uapi::BPF_LINK_UPDATE, 16));
    assert_eq!(
        (u32_at(b, 0), u32_at(b, 4), u32_at(b, 8), u32_at(b, 12)),
        (link.as_raw_fd() as u32, new.as_raw_fd() as u32, uapi::BPF_F_REPLACE, old.as_raw_fd() as u32)
    );
    assert_eq!((u32_at(&calls[1].bytes, 8), u32_at(&calls[1].bytes, 12)), (0, 0));
}

#[test]
fn small_commands_sizes() {
    let (_g, log) = fake_with(|_, _| Ok(0));
    let fd = devnull();
    cmd::map_freeze(fd.as_fd()).unwrap();
    cmd::link_detach(fd.as_fd()).unwrap();
    cmd::prog_bind_map(fd.as_fd(), fd.as_fd(), 0).unwrap();
    cmd::obj_pin(fd.as_fd(), c"/sys/fs/bpf/x").unwrap();
    let calls = log.borrow();
    let got: Vec<(u32, usize)> = calls.iter().map(|c| (c.cmd, c.size)).collect();
    assert_eq!(
        got,
        [(uapi::BPF_MAP_FREEZE, 4), (uapi::BPF_LINK_DETACH, 4), (uapi::BPF_PROG_BIND_MAP, 12), (uapi::BPF_OBJ_PIN, 20)]
    );
}
