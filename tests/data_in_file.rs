//! Large `.data` that `bpf_object__open_file` leaves in the file and reads at load straight into
//! the kernel map's memory (`src/object/image.rs`), on the running kernel: the kernel map holds
//! the file's bytes, the map's memory after load is the kernel's, writes before load count, the
//! file is held open from open to load and no longer, a file rewritten in place in between fails
//! the load with `-ESTALE` and a log line (a new file renamed over it does not), and at most 64
//! objects hold their files at once. Opens run anywhere; loads skip (with a message) without root
//! or clang-19.

mod common;

use oxbpf::ffi::map::*;
use oxbpf::ffi::object::*;
use oxbpf::ffi::program::bpf_program__fd;
use oxbpf::object::{Map as bpf_map, Object as bpf_object};
use oxbpf::sys::cmd::{self, TestRun};
use std::ffi::{CStr, CString};
use std::os::fd::BorrowedFd;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

const SRC: &str = r#"
typedef unsigned int __u32;
typedef unsigned long long __u64;
#define SEC(name) __attribute__((section(name), used))

/* 32 KiB of global data (mmapable: a global variable) and 32 KiB of static data in a section
 * of its own (not mmapable: no global variable). */
__u64 big[4096] = { 1, 2, 3, [100] = 0x1234, [4095] = 0xfeed };
static __u64 hidden[4096] SEC(".data.hidden") = { 7, [4095] = 9 };
struct { __u32 idx; __u32 pad; __u64 out; } io;

SEC("raw_tp")
int peek(void *ctx)
{
	io.out = big[io.idx & 4095] + hidden[io.idx & 4095];
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
"#;

/// The compiled object, copied to a file of this test's own (the cached one must not change).
fn object(tag: &str) -> Option<PathBuf> {
    let cached = common::bpf_object_text("data_in_file.o", SRC, &[])?;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("data-in-file-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("data_in_file.o");
    std::fs::copy(&cached, &p).unwrap();
    Some(p)
}

static LOCK: Mutex<()> = Mutex::new(());
/// One test at a time (fds and held files are the process's), its log captured.
fn lock() -> MutexGuard<'static, ()> {
    let g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    common::warnings::install();
    g
}

/// How many of this process's fds refer to `path`.
fn fds_on(path: &Path) -> usize {
    let want = std::fs::canonicalize(path).unwrap();
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|t| *t == want)
        .count()
}

fn open(path: &Path) -> *mut bpf_object {
    let c = CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a live NUL-terminated path, no options.
    let obj = unsafe { bpf_object__open_file(c.as_ptr(), std::ptr::null()) };
    assert!(!obj.is_null(), "open {}", path.display());
    obj
}

/// The map whose name ends with `suffix` (internal maps carry the object's name first).
///
/// # Safety
/// `obj` is a live object.
unsafe fn map(obj: *mut bpf_object, suffix: &str) -> *mut bpf_map {
    // SAFETY: caller's contract; names are NUL-terminated strings the library owns.
    unsafe {
        let mut m = bpf_object__next_map(obj, std::ptr::null());
        while !m.is_null() {
            if CStr::from_ptr(bpf_map__name(m)).to_str().unwrap().ends_with(suffix) {
                return m;
            }
            m = bpf_object__next_map(obj, m);
        }
    }
    panic!("no map ending with {suffix}");
}

/// The 4096 u64 values of a 32 KiB global-data map, from the kernel.
///
/// # Safety
/// `m` is a live, created map.
unsafe fn kernel_values(m: *mut bpf_map) -> Vec<u64> {
    let mut v = vec![0u64; 4096];
    let key = 0u32;
    // SAFETY: caller's contract; key and value buffers of the sizes given.
    let r = unsafe { bpf_map__lookup_elem(m, (&key as *const u32).cast(), 4, v.as_mut_ptr().cast(), 32768, 0) };
    assert_eq!(r, 0, "lookup");
    v
}

fn expected(nonzero: &[(usize, u64)]) -> Vec<u64> {
    let mut v = vec![0u64; 4096];
    for &(i, x) in nonzero {
        v[i] = x;
    }
    v
}

/// Run `peek` with `io.idx` set to `i` and return what it wrote to `io.out`.
///
/// # Safety
/// `obj` is a live, loaded object.
unsafe fn peek(obj: *mut bpf_object, i: u32) -> u64 {
    // SAFETY: caller's contract; `.bss` is mmapable, so its initial value is the kernel map's
    // memory after load: `io.idx` at offset 0, `io.out` at 8.
    unsafe {
        let bss = map(obj, ".bss");
        let mut sz = 0usize;
        let p = bpf_map__initial_value(bss, &mut sz) as *mut u8;
        assert!(!p.is_null() && sz >= 16);
        (p as *mut u32).write_volatile(i);
        let prog = bpf_object__find_program_by_name(obj, c"peek".as_ptr());
        let pfd = BorrowedFd::borrow_raw(bpf_program__fd(prog));
        let ctx = [0u8; 8];
        let r = cmd::prog_test_run(pfd, &mut TestRun { ctx_in: &ctx, ..Default::default() }).expect("test run");
        assert_eq!(r.retval, 0);
        (p.add(8) as *const u64).read_volatile()
    }
}

#[test]
fn the_kernel_map_gets_the_files_bytes_and_the_file_is_let_go_at_load() {
    if !common::privileged("needs root (CAP_BPF)") {
        return;
    }
    let _g = lock();
    let Some(path) = object("load") else { return };
    assert_eq!(fds_on(&path), 0);
    let obj = open(&path);
    assert_eq!(fds_on(&path), 1, "held open from open to load");
    // SAFETY: a live object, closed once at the end; pointers from the library used while it lives.
    unsafe {
        assert_eq!(bpf_object__load(obj), 0, "{}", common::warnings::take());
        assert_eq!(fds_on(&path), 0, "closed at load");
        assert_eq!(
            kernel_values(map(obj, ".data")),
            expected(&[(0, 1), (1, 2), (2, 3), (100, 0x1234), (4095, 0xfeed)])
        );
        assert_eq!(kernel_values(map(obj, ".data.hidden")), expected(&[(0, 7), (4095, 9)]), "not mmapable: updated");
        // After load the map's initial value is the kernel map's memory: the program sees a
        // write through it.
        let mut sz = 0usize;
        let big = bpf_map__initial_value(map(obj, ".data"), &mut sz) as *mut u64;
        assert!(!big.is_null() && sz == 32768);
        assert_eq!(big.add(100).read_volatile(), 0x1234);
        assert_eq!(peek(obj, 100), 0x1234);
        assert_eq!(peek(obj, 4095), 0xfeed + 9);
        big.add(5).write_volatile(55);
        assert_eq!(peek(obj, 5), 55);
        bpf_object__close(obj);
    }
    assert_eq!(fds_on(&path), 0);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn writes_before_load_reach_the_kernel() {
    if !common::privileged("needs root (CAP_BPF)") {
        return;
    }
    let _g = lock();
    let Some(path) = object("write") else { return };
    let obj = open(&path);
    // SAFETY: a live object, closed once at the end; pointers from the library used while it lives.
    unsafe {
        let data = map(obj, ".data");
        // Asked for its address: the file's bytes, mapped.
        let mut sz = 0usize;
        let big = bpf_map__initial_value(data, &mut sz) as *mut u64;
        assert!(!big.is_null() && sz == 32768);
        assert_eq!((big.read(), big.add(100).read(), big.add(7).read()), (1, 0x1234, 0));
        big.add(7).write(77);
        // Written without an address: the waiting bytes are read from the file first.
        let hidden = map(obj, ".data.hidden");
        let v = [11u64; 4096];
        assert_eq!(bpf_map__set_initial_value(hidden, v.as_ptr().cast(), 32768), 0);
        assert_eq!(bpf_object__load(obj), 0, "{}", common::warnings::take());
        assert_eq!(fds_on(&path), 0);
        assert_eq!(kernel_values(data), expected(&[(0, 1), (1, 2), (2, 3), (7, 77), (100, 0x1234), (4095, 0xfeed)]));
        assert_eq!(kernel_values(hidden), vec![11u64; 4096]);
        assert_eq!(peek(obj, 7), 77 + 11);
        bpf_object__close(obj);
    }
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn a_file_rewritten_in_place_fails_the_load_and_one_renamed_over_does_not() {
    if !common::privileged("needs root (CAP_BPF)") {
        return;
    }
    let _g = lock();
    let Some(path) = object("stale") else { return };
    let fds_before = std::fs::read_dir("/proc/self/fd").unwrap().count();
    let obj = open(&path);
    // Rewritten in place (same inode, same size, other bytes), as `cp new.o path` does.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.iter_mut().for_each(|b| *b = !*b);
    std::fs::write(&path, &bytes).unwrap();
    // SAFETY: a live object, closed once.
    unsafe {
        assert_eq!(bpf_object__load(obj), -libc::ESTALE);
        let log = common::warnings::take();
        assert!(
            log.contains("failed to set initial contents") && log.contains("was modified after it was opened"),
            "{log}"
        );
        bpf_object__close(obj);
    }
    assert_eq!(fds_on(&path), 0);
    assert_eq!(std::fs::read_dir("/proc/self/fd").unwrap().count(), fds_before, "nothing left open");

    // A new file renamed over the path: the open file keeps the bytes the object was opened with.
    let Some(fresh) = object("renamed") else { return };
    let obj = open(&fresh);
    let other = fresh.with_extension("new");
    std::fs::write(&other, &bytes).unwrap();
    std::fs::rename(&other, &fresh).unwrap();
    // SAFETY: a live object, closed once.
    unsafe {
        assert_eq!(bpf_object__load(obj), 0, "{}", common::warnings::take());
        assert_eq!(kernel_values(map(obj, ".data"))[100], 0x1234);
        bpf_object__close(obj);
    }
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    std::fs::remove_dir_all(fresh.parent().unwrap()).unwrap();
}

#[test]
fn at_most_64_objects_hold_their_files() {
    let _g = lock();
    let Some(path) = object("many") else { return };
    let objs: Vec<_> = (0..70).map(|_| open(&path)).collect();
    assert_eq!(fds_on(&path), 64, "past 64, open reads the data as before");
    let root = common::privileged("loads need root (CAP_BPF)");
    // SAFETY: live objects, each closed once.
    unsafe {
        if root {
            // One that holds its file and one that read its data at open load alike.
            for &obj in [objs[0], objs[69]].iter() {
                assert_eq!(bpf_object__load(obj), 0, "{}", common::warnings::take());
                assert_eq!(kernel_values(map(obj, ".data"))[4095], 0xfeed);
            }
            assert_eq!(fds_on(&path), 63);
        }
        for obj in objs {
            bpf_object__close(obj);
        }
    }
    assert_eq!(fds_on(&path), 0);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}
