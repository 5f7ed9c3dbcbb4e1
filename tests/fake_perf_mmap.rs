//! perf_event_open(2), the perf ioctls and mmap/munmap through the fake kernel
//! (`oxbpf::sys::fake::install_perf` / `install_mmap`, with `install` for bpf(2)): a perf buffer
//! built on scripted answers, observed call by call, and its failure paths, which must return
//! libbpf's NULL + errno and leave no fd open and nothing mapped. Needs no root and no kernel
//! support: every answer is the fake's.

mod common;

use oxbpf::ffi::perfbuf::{perf_buffer__free, perf_buffer__new, perf_buffer__new_raw};
use oxbpf::ffi::print::libbpf_set_print;
use oxbpf::sys::fake::{self, MemCall, MmapAnswer, PerfCall};
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void};
use std::io;
use std::os::fd::{AsRawFd, IntoRawFd, OwnedFd};
use std::rc::Rc;
use std::sync::Mutex;

const BPF_MAP_CREATE: u32 = 0;
const BPF_MAP_UPDATE_ELEM: u32 = 2;
const BPF_PROG_LOAD: u32 = 5;
const BPF_BTF_LOAD: u32 = 18;
const BPF_MAP_FREEZE: u32 = 22;
const BPF_PROG_BIND_MAP: u32 = 35;
const BPF_OBJ_GET_INFO_BY_FD: u32 = 15;
const BPF_MAP_TYPE_PERF_EVENT_ARRAY: u32 = 4;
const PERF_EVENT_IOC_ENABLE: u64 = 0x2400;

/// The fakes and the print callback are per process or per thread; one test at a time.
static LOCK: Mutex<()> = Mutex::new(());
static LOG: Mutex<String> = Mutex::new(String::new());

extern "C" {
    fn vsnprintf(s: *mut c_char, n: usize, fmt: *const c_char, ap: *mut c_void) -> c_int;
}

unsafe extern "C" fn capture(_level: u32, fmt: *const c_char, ap: *mut c_void) -> c_int {
    let mut buf = [0u8; 1024];
    // SAFETY: libbpf's print contract: fmt and ap are a valid format and its va_list.
    let n = unsafe { vsnprintf(buf.as_mut_ptr().cast(), buf.len(), fmt, ap) };
    let n = (n.max(0) as usize).min(buf.len() - 1);
    LOG.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
    0
}

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn online_cpus() -> usize {
    let s = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap();
    oxbpf::sys::parse_cpu_list(&s).unwrap()
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(b[off..off + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_ne_bytes(b[off..off + 8].try_into().unwrap())
}

/// What the fakes saw.
#[derive(Default)]
struct Seen {
    perf: Vec<PerfCall>,
    /// Every mmap/munmap, with the fake's answer (`Real` for unmaps).
    mem: Vec<(MemCall, MmapAnswer)>,
    /// (key, value) of every BPF_MAP_UPDATE_ELEM.
    updates: Vec<(i32, i32)>,
}

/// Install the three fakes: bpf(2) reports `map_fd` as a PERF_EVENT_ARRAY and accepts updates;
/// perf_event_open answers `open(n)` for the n-th open (an eventfd, which the library owns from
/// then on, or an errno); ioctls succeed; mmaps are `mmap(n)` for the n-th.
fn fakes(
    open: impl Fn(usize) -> Result<(), i32> + 'static,
    mmap: impl Fn(usize) -> MmapAnswer + 'static,
) -> (fake::Guard, fake::PerfGuard, fake::MmapGuard, Rc<RefCell<Seen>>) {
    let seen: Rc<RefCell<Seen>> = Rc::default();
    let s = seen.clone();
    let g = fake::install(Box::new(move |cmd, a, _| match cmd {
        BPF_OBJ_GET_INFO_BY_FD => {
            let len = u32_at(a, 4) as usize;
            let mut info = vec![0u8; len];
            info[..4].copy_from_slice(&BPF_MAP_TYPE_PERF_EVENT_ARRAY.to_ne_bytes());
            // SAFETY: the library's bpf_map_info of `len` bytes.
            unsafe { std::ptr::copy_nonoverlapping(info.as_ptr(), u64_at(a, 8) as *mut u8, len) };
            Ok(0)
        }
        BPF_MAP_UPDATE_ELEM => {
            // SAFETY: a PERF_EVENT_ARRAY's key and value are ints the library passes by address.
            let (k, v) = unsafe { (*(u64_at(a, 8) as *const i32), *(u64_at(a, 16) as *const i32)) };
            s.borrow_mut().updates.push((k, v));
            Ok(0)
        }
        _ => Err(io::Error::from_raw_os_error(libc::EINVAL)),
    }));
    let s = seen.clone();
    let opens = RefCell::new(0usize);
    let pg = fake::install_perf(Box::new(move |c| {
        s.borrow_mut().perf.push(c.clone());
        match c {
            PerfCall::Open { .. } => {
                let n = opens.replace_with(|n| *n + 1);
                open(n).map_err(io::Error::from_raw_os_error)?;
                // SAFETY: eventfd has no memory preconditions.
                let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
                assert!(fd >= 0);
                Ok(fd as i64)
            }
            PerfCall::Ioctl { .. } => Ok(0),
        }
    }));
    let s = seen.clone();
    let maps = RefCell::new(0usize);
    let mg = fake::install_mmap(Box::new(move |c| {
        let answer = match c {
            MemCall::Map { .. } => mmap(maps.replace_with(|n| *n + 1)),
            MemCall::Unmap { .. } => MmapAnswer::Real,
        };
        s.borrow_mut().mem.push((*c, answer));
        answer
    }));
    (g, pg, mg, seen)
}

/// Every mapping made (not refused) was unmapped once, with its length.
fn all_unmapped(seen: &Seen) {
    let mut live: Vec<usize> = Vec::new();
    let mut n_maps = 0;
    for (c, answer) in &seen.mem {
        match *c {
            MemCall::Map { len, .. } if !matches!(answer, MmapAnswer::Fail(_)) => {
                n_maps += 1;
                live.push(len);
            }
            MemCall::Map { .. } => {}
            MemCall::Unmap { addr, len } => {
                let i = live.iter().position(|&l| l == len).expect("an unmap of a length never mapped");
                live.remove(i);
                assert_ne!(addr, 0);
            }
        }
    }
    assert!(n_maps > 0, "nothing was mapped");
    assert!(live.is_empty(), "{n_maps} mappings, {} never unmapped: {:?}", live.len(), seen.mem);
}

/// `perf_buffer__new_raw` hands the kernel the caller's attr: the bytes its `size` says (72
/// here, between published sizes), those past the first published size included, and leaves
/// the caller's memory after the attr alone.
#[test]
fn perf_buffer_new_raw_hands_the_kernel_the_callers_attr() {
    let _l = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let map: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
    let fds0 = fd_count();
    let (g, pg, mg, seen) = fakes(|_| Ok(()), |_| MmapAnswer::Anonymous);
    let mut b = [0u8; 80];
    b[0..4].copy_from_slice(&1u32.to_ne_bytes()); // PERF_TYPE_SOFTWARE
    b[4..8].copy_from_slice(&72u32.to_ne_bytes());
    b[8..16].copy_from_slice(&10u64.to_ne_bytes()); // PERF_COUNT_SW_BPF_OUTPUT
    b[16..24].copy_from_slice(&1u64.to_ne_bytes());
    b[24..32].copy_from_slice(&(1u64 << 10).to_ne_bytes()); // PERF_SAMPLE_RAW
    b[64..72].fill(0x5a); // past PERF_ATTR_SIZE_VER0: part of this attr
    b[72..80].fill(0xee); // the caller's memory after the attr
    let mut words: Vec<u64> = b.chunks(8).map(|c| u64::from_ne_bytes(c.try_into().unwrap())).collect();
    // SAFETY: a map fd (the fake's), 4 pages, an attr of its `size` bytes (8-byte aligned),
    // no callback, NULL opts.
    let pb = unsafe {
        perf_buffer__new_raw(
            map.as_raw_fd(),
            4,
            words.as_mut_ptr().cast(),
            None,
            std::ptr::null_mut(),
            std::ptr::null(),
        )
    };
    assert!(!pb.is_null(), "errno {}", common::errno());
    // SAFETY: live perf buffer, freed once.
    unsafe { perf_buffer__free(pb) };
    drop((g, pg, mg));
    let seen = seen.borrow();
    let attrs: Vec<&Vec<u8>> = seen
        .perf
        .iter()
        .filter_map(|c| match c {
            PerfCall::Open { attr, .. } => Some(attr),
            _ => None,
        })
        .collect();
    assert_eq!(attrs.len(), online_cpus(), "one event per online CPU");
    for a in attrs {
        assert_eq!(&a[..], &b[..72], "the caller's 72 bytes");
    }
    assert_eq!(words[9], u64::from_ne_bytes([0xee; 8]), "the caller's memory is left alone");
    all_unmapped(&seen);
    assert_eq!(fd_count(), fds0, "every event fd and the epoll fd closed");
}

#[test]
fn perf_buffer_calls_as_libbpf_makes_them() {
    let _l = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let map: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
    let fds0 = fd_count();
    let ncpu = online_cpus();
    let (g, pg, mg, seen) = fakes(|_| Ok(()), |_| MmapAnswer::Anonymous);
    // SAFETY: a map fd (the fake's), 4 pages, no callbacks, NULL opts.
    let pb = unsafe { perf_buffer__new(map.as_raw_fd(), 4, None, None, std::ptr::null_mut(), std::ptr::null()) };
    assert!(!pb.is_null(), "errno {}", common::errno());
    // SAFETY: live perf buffer, freed once.
    unsafe { perf_buffer__free(pb) };
    drop((g, pg, mg));
    let seen = seen.borrow();
    let page = oxbpf::sys::mmap::page_size();
    let opens: Vec<_> = seen.perf.iter().filter(|c| matches!(c, PerfCall::Open { .. })).collect();
    assert_eq!(opens.len(), ncpu, "one event per online CPU: {:?}", seen.perf);
    let mut event_fds = Vec::new();
    for (i, c) in opens.iter().enumerate() {
        let PerfCall::Open { attr, pid, cpu, group_fd, flags } = c else { unreachable!() };
        // perf_event_attr: type@0 size@4 config@8 sample_period@16 sample_type@24 wakeup_events@48.
        assert_eq!(u32_at(attr, 0), 1, "PERF_TYPE_SOFTWARE");
        assert_eq!(u32_at(attr, 4) as usize, attr.len());
        assert_eq!(u64_at(attr, 8), 10, "PERF_COUNT_SW_BPF_OUTPUT");
        assert_eq!(u64_at(attr, 16), 1, "sample_period 1");
        assert_eq!(u64_at(attr, 24), 1 << 10, "PERF_SAMPLE_RAW");
        assert_eq!(u32_at(attr, 48), 1, "wakeup_events 1");
        assert_eq!((*pid, *group_fd, *flags), (-1, -1, 1 << 3), "any process, no group, FD_CLOEXEC");
        assert_eq!(*cpu as usize, i);
        // The ring of each event: its mapping, then PERF_EVENT_IOC_ENABLE on the same fd.
        let mut fd_of = seen.mem.iter().filter_map(|(m, _)| match *m {
            MemCall::Map { len, prot, flags, fd, offset, .. } => Some((len, prot, flags, fd, offset)),
            _ => None,
        });
        let (len, prot, flags, fd, offset) = fd_of.nth(i).unwrap();
        assert_eq!((len, prot, flags, offset), (5 * page, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, 0));
        event_fds.push(fd);
    }
    let enables: Vec<i32> = seen
        .perf
        .iter()
        .filter_map(|c| match *c {
            PerfCall::Ioctl { fd, req, arg: 0 } if req == PERF_EVENT_IOC_ENABLE => Some(fd),
            _ => None,
        })
        .collect();
    assert_eq!(enables, event_fds, "each event enabled once");
    let want: Vec<(i32, i32)> = event_fds.iter().enumerate().map(|(i, &fd)| (i as i32, fd)).collect();
    assert_eq!(seen.updates, want, "map slot = CPU -> that CPU's event fd");
    all_unmapped(&seen);
    assert_eq!(fd_count(), fds0, "every event fd and the epoll fd closed");
}

#[test]
fn perf_event_open_eacces_fails_cleanly() {
    let _l = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: capture is a valid print callback.
    let old = unsafe { libbpf_set_print(Some(capture)) };
    LOG.lock().unwrap().clear();
    let map: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
    let fds0 = fd_count();
    // The last CPU's perf_event_open is refused: everything opened for the others is undone.
    let last = online_cpus() - 1;
    let (g, pg, mg, seen) =
        fakes(move |n| if n == last { Err(libc::EACCES) } else { Ok(()) }, |_| MmapAnswer::Anonymous);
    // SAFETY: as above.
    let pb = unsafe { perf_buffer__new(map.as_raw_fd(), 4, None, None, std::ptr::null_mut(), std::ptr::null()) };
    let e = common::errno();
    drop((g, pg, mg));
    // SAFETY: restore the previous print callback.
    unsafe { libbpf_set_print(old) };
    assert!(pb.is_null());
    assert_eq!(e, libc::EACCES);
    let log = LOG.lock().unwrap().clone();
    assert!(log.contains(&format!("failed to open perf buffer event on cpu #{last}")), "log: {log}");
    let seen = seen.borrow();
    assert_eq!(seen.updates.len(), last, "the CPUs before the refused one were set up: {:?}", seen.updates);
    all_unmapped(&seen);
    assert_eq!(fd_count(), fds0, "no fd leaked");
}

#[test]
fn perf_ring_mmap_enomem_fails_cleanly() {
    let _l = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let map: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
    let fds0 = fd_count();
    let last = online_cpus() - 1;
    let (g, pg, mg, seen) =
        fakes(|_| Ok(()), move |n| if n == last { MmapAnswer::Fail(libc::ENOMEM) } else { MmapAnswer::Anonymous });
    // SAFETY: as above.
    let pb = unsafe { perf_buffer__new(map.as_raw_fd(), 4, None, None, std::ptr::null_mut(), std::ptr::null()) };
    let e = common::errno();
    drop((g, pg, mg));
    assert!(pb.is_null());
    assert_eq!(e, libc::ENOMEM);
    let seen = seen.borrow();
    let opens = seen.perf.iter().filter(|c| matches!(c, PerfCall::Open { .. })).count();
    assert_eq!(opens, last + 1, "the event whose ring failed was opened");
    all_unmapped(&seen);
    assert_eq!(fd_count(), fds0, "the event fd of the failed ring and all earlier ones closed");
}

fn compile(name: &str) -> Option<Vec<u8>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load").join(format!("{name}.c"));
    let out = common::bpf_object(&format!("{name}.o"), &src, &[])?;
    Some(std::fs::read(out).unwrap())
}

/// At load an mmapable `.data` map is mapped: over the buffer C holds the address of (MAP_FIXED
/// at the same address, as libbpf does), or where the kernel likes when nothing asked for the
/// address (the buffer was never mapped). When that mmap fails (ENOMEM here) the load fails
/// with the errno and libbpf's "failed to re-mmap() contents" line; the map's fd is closed at
/// once, the object's BTF fd at bpf_object__close, as in libbpf.
#[test]
fn map_mmap_enomem_fails_the_load_cleanly() {
    map_mmap_enomem(false);
    map_mmap_enomem(true);
}

fn map_mmap_enomem(ask_address: bool) {
    use oxbpf::ffi::map::bpf_map__initial_value;
    use oxbpf::ffi::object::{bpf_object__close, bpf_object__load, bpf_object__next_map, bpf_object__open_mem};
    use oxbpf::sys::probe::{self, Feature};
    let _l = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let Some(bytes) = compile("global_data") else { return };
    for f in [
        Feature::ProgName,
        Feature::GlobalData,
        Feature::Btf,
        Feature::BtfFunc,
        Feature::BtfGlobalFunc,
        Feature::BtfDatasec,
        Feature::ArrayMmap,
        Feature::ExpAttachType,
        Feature::ProgBindMap,
        Feature::MemcgAccount,
        Feature::BtfDeclTag,
        Feature::BtfTypeTag,
        Feature::BtfFloat,
        Feature::BtfEnum64,
        Feature::BtfQmarkDatasec,
    ] {
        probe::preset(f, true);
    }
    // SAFETY: capture is a valid print callback.
    let old = unsafe { libbpf_set_print(Some(capture)) };
    LOG.lock().unwrap().clear();
    let fds0 = fd_count();
    // SAFETY: a valid object image, NULL opts.
    let obj = unsafe { bpf_object__open_mem(bytes.as_ptr().cast(), bytes.len(), std::ptr::null()) };
    assert!(!obj.is_null(), "open: errno {}", common::errno());
    let addr = if ask_address {
        // SAFETY: a live object; its first map is `.data`.
        let p = unsafe { bpf_map__initial_value(bpf_object__next_map(obj, std::ptr::null()), std::ptr::null_mut()) };
        assert!(!p.is_null());
        Some(p as usize)
    } else {
        None
    };
    let fds_open = fd_count();
    let created: Rc<RefCell<Vec<u32>>> = Rc::default();
    let c2 = created.clone();
    // The map's create attr (type, key size, value size, max entries, flags): its info echoes it.
    let def: Rc<RefCell<[u8; 20]>> = Rc::default();
    let d2 = def.clone();
    let g = fake::install(Box::new(move |cmd, a, _| match cmd {
        BPF_BTF_LOAD | BPF_MAP_CREATE | BPF_PROG_LOAD => {
            if cmd == BPF_MAP_CREATE {
                d2.borrow_mut().copy_from_slice(&a[..20]);
            }
            c2.borrow_mut().push(cmd);
            Ok(std::fs::File::open("/dev/null")?.into_raw_fd() as i64)
        }
        BPF_OBJ_GET_INFO_BY_FD => {
            // bpf_map_info: type@0 id@4 key_size@8 value_size@12 max_entries@16 map_flags@20.
            let len = u32_at(a, 4) as usize;
            let mut info = vec![0u8; len];
            let d = d2.borrow();
            info[0..4].copy_from_slice(&d[0..4]);
            info[8..24].copy_from_slice(&d[4..20]);
            // SAFETY: the library's bpf_map_info of `len` bytes.
            unsafe { std::ptr::copy_nonoverlapping(info.as_ptr(), u64_at(a, 8) as *mut u8, len) };
            Ok(0)
        }
        BPF_MAP_UPDATE_ELEM | BPF_MAP_FREEZE | BPF_PROG_BIND_MAP => Ok(0),
        _ => Err(io::Error::from_raw_os_error(libc::EINVAL)),
    }));
    let maps: Rc<RefCell<Vec<(MemCall, MmapAnswer)>>> = Rc::default();
    let m2 = maps.clone();
    let mg = fake::install_mmap(Box::new(move |c| {
        // The map's fd (a fake /dev/null one) mapped (nothing asked for the buffer's address,
        // so not over it): refused.
        let answer = match c {
            MemCall::Map { fd, .. } if *fd >= 0 => MmapAnswer::Fail(libc::ENOMEM),
            _ => MmapAnswer::Real,
        };
        m2.borrow_mut().push((*c, answer));
        answer
    }));
    // SAFETY: a live object.
    let r = unsafe { bpf_object__load(obj) };
    let e = common::errno();
    drop((g, mg));
    let fds_failed = fd_count();
    // SAFETY: a live object, closed once.
    unsafe { bpf_object__close(obj) };
    // SAFETY: restore the previous print callback.
    unsafe { libbpf_set_print(old) };
    let log = LOG.lock().unwrap().clone();
    assert_eq!((r, e), (-libc::ENOMEM, libc::ENOMEM), "log: {log}");
    assert!(log.contains("failed to re-mmap() contents"), "log: {log}");
    let created = created.borrow();
    assert!(created.contains(&BPF_MAP_CREATE), "the map was created before its mmap: {created:?}");
    let after_map = created.iter().skip_while(|&&c| c != BPF_MAP_CREATE);
    assert!(!after_map.clone().any(|&c| c == BPF_PROG_LOAD), "no program is loaded after a failed map: {created:?}");
    let refused = maps.borrow().iter().filter(|(_, a)| matches!(a, MmapAnswer::Fail(_))).count();
    assert_eq!(refused, 1, "one map mmap attempted: {:?}", maps.borrow());
    let tried = maps.borrow().iter().find(|(_, a)| matches!(a, MmapAnswer::Fail(_))).map(|(c, _)| *c);
    match (tried, addr) {
        (Some(MemCall::Map { addr: at, flags, .. }), Some(p)) => {
            assert!(at == p && flags & libc::MAP_FIXED != 0, "over the buffer C holds: {tried:?}")
        }
        (Some(MemCall::Map { flags, .. }), None) => assert_eq!(flags & libc::MAP_FIXED, 0, "{tried:?}"),
        _ => panic!("{tried:?}"),
    }
    if addr.is_none() {
        let anon = maps.borrow().iter().filter(|(c, _)| matches!(c, MemCall::Map { fd: -1, .. })).count();
        assert_eq!(anon, 0, "no buffer was mapped for a .data nobody asked about: {:?}", maps.borrow());
    }
    // What stays open is the object's BTF fd, which libbpf too keeps until bpf_object__close.
    assert_eq!(fds_failed, fds_open + 1, "the failed load closed every fd but the BTF's ({created:?})");
    assert_eq!(fd_count(), fds0);
}

/// A global-data buffer is mapped when its address is first asked for, not when its value is
/// set. When that mapping fails (ENOMEM here) `bpf_map__initial_value` gives NULL with errno
/// ENOMEM and a warning, and the map keeps its bytes (a later call maps them).
#[test]
fn initial_value_mmap_enomem_is_null_with_errno() {
    use oxbpf::ffi::map::bpf_map__initial_value;
    use oxbpf::ffi::object::{bpf_object__close, bpf_object__next_map, bpf_object__open_mem};
    let _l = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let Some(bytes) = compile("global_data") else { return };
    // SAFETY: capture is a valid print callback.
    let old = unsafe { libbpf_set_print(Some(capture)) };
    LOG.lock().unwrap().clear();
    // SAFETY: a valid object image, NULL opts.
    let obj = unsafe { bpf_object__open_mem(bytes.as_ptr().cast(), bytes.len(), std::ptr::null()) };
    assert!(!obj.is_null(), "open: errno {}", common::errno());
    // SAFETY: a live object; its first map is `.data`.
    let map = unsafe { bpf_object__next_map(obj, std::ptr::null()) };
    let refused: Rc<RefCell<u32>> = Rc::default();
    let r2 = refused.clone();
    let mg = fake::install_mmap(Box::new(move |c| match c {
        MemCall::Map { fd: -1, .. } => {
            *r2.borrow_mut() += 1;
            MmapAnswer::Fail(libc::ENOMEM)
        }
        _ => MmapAnswer::Real,
    }));
    // Setting the initial value needs no address: nothing is mapped for it.
    // SAFETY: a live map handle.
    let vsz = unsafe { oxbpf::ffi::map::bpf_map__value_size(map) } as usize;
    let new_value: Vec<u8> = (1..=vsz as u8).collect();
    // SAFETY: vsz readable bytes.
    let r = unsafe { oxbpf::ffi::map::bpf_map__set_initial_value(map, new_value.as_ptr().cast(), vsz) };
    assert_eq!((r, *refused.borrow()), (0, 0), "set_initial_value mapped nothing");
    common::set_errno(0);
    let mut sz = 0usize;
    // SAFETY: a live map handle and a writable size.
    let p = unsafe { bpf_map__initial_value(map, &mut sz) };
    let e = common::errno();
    drop(mg);
    let log = LOG.lock().unwrap().clone();
    assert!(p.is_null() && e == libc::ENOMEM, "p {p:?} errno {e}");
    assert_eq!(*refused.borrow(), 1, "one anonymous mapping tried");
    assert!(log.contains("failed to map a global-data buffer"), "log: {log}");
    // The bytes are still there: once mappings work again the buffer comes back with them.
    // SAFETY: as above.
    let p = unsafe { bpf_map__initial_value(map, &mut sz) };
    assert!(!p.is_null() && sz > 0);
    // SAFETY: sz readable bytes at p (the map's buffer), read while the object is alive.
    let data = unsafe { std::slice::from_raw_parts(p as *const u8, sz) };
    assert_eq!(data, &new_value[..], "the values set survived the failure");
    // SAFETY: a live object, closed once.
    unsafe { bpf_object__close(obj) };
    // SAFETY: restore the previous print callback.
    unsafe { libbpf_set_print(old) };
}
