//! The attach exports through their C ABI on the real kernel: options validation (`sz`
//! smaller than a `size_t`, unknown non-zero tail bytes, a zero tail accepted, argument
//! combinations libbpf refuses), and attachments the C suite does not cover: multi-uprobes
//! (by pattern and by symbol) on a function of this test binary, a custom section handler's
//! attach hook, an iterator, and links to a cgroup, a netns, XDP and tcx on `lo`.
//!
//! Needs root, clang-19, bpftool and kernel BTF; skips with a message otherwise.

mod common;

use oxbpf::ffi::attach::*;
use oxbpf::ffi::bpf::bpf_iter_create;
use oxbpf::ffi::link::*;
use oxbpf::ffi::map::bpf_map__initial_value;
use oxbpf::ffi::names::{libbpf_prog_handler_opts, libbpf_register_prog_handler};
use oxbpf::ffi::object::*;
use oxbpf::ffi::opts::CBool;
use oxbpf::ffi::program::bpf_program__fd;
use oxbpf::ffi::types::*;
use std::ffi::{c_char, c_int, c_long, c_void, CStr};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::ptr::null;
use std::sync::OnceLock;

const BPF_C: &str = r#"
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile int target_pid = 0;
struct { __u64 multi, multi_sym, custom, raw; } counts;

static __always_inline int mine(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == (__u32)target_pid;
}

SEC("uprobe.multi")
int multi(void *ctx) { if (mine()) __sync_fetch_and_add(&counts.multi, 1); return 0; }

SEC("uprobe.multi")
int multi_sym(void *ctx) { if (mine()) __sync_fetch_and_add(&counts.multi_sym, 1); return 0; }

SEC("uprobe")
int up(void *ctx) { return 0; }

SEC("raw_tp/sys_enter")
int raw(void *ctx) { if (mine()) __sync_fetch_and_add(&counts.raw, 1); return 0; }

SEC("tp/syscalls/sys_enter_getpid")
int tp(void *ctx) { return 0; }

SEC("oxattach/sys_enter")
int custom(void *ctx) { if (mine()) __sync_fetch_and_add(&counts.custom, 1); return 0; }

SEC("kprobe.multi/do_nanosleep*")
int kmulti(void *ctx) { return 0; }

SEC("iter/task")
int it(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;

	if (t && t->tgid == target_pid && t->pid == target_pid)
		BPF_SEQ_PRINTF(ctx->meta->seq, "oxbpf-iter %d\n", t->pid);
	return 0;
}

SEC("cgroup_skb/egress")
int cg(struct __sk_buff *skb) { return 1; }

SEC("flow_dissector")
int fd(struct __sk_buff *skb) { return BPF_OK; }

SEC("xdp")
int xdp_pass(struct xdp_md *ctx) { return XDP_PASS; }

SEC("tcx/ingress")
int tcx_pass(struct __sk_buff *skb) { return TCX_NEXT; }

char LICENSE[] SEC("license") = "GPL";
"#;

/// The uprobe target in this binary.
#[no_mangle]
#[inline(never)]
pub extern "C" fn oxt_rust_target(x: i32) -> i32 {
    std::hint::black_box(x) * 3 + 1
}

fn tmpdir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("attach-opts-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) -> Option<Vec<u8>> {
    match cmd.output() {
        Ok(o) if o.status.success() => Some(o.stdout),
        Ok(o) => panic!("{cmd:?} failed: {}\n{}", o.status, String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            crate::skip!("{cmd:?} not runnable ({e})");
            None
        }
    }
}

/// The BPF object, compiled once per test process; `None` (with a message) when the tools or
/// privileges are missing.
fn object_bytes() -> Option<&'static [u8]> {
    static OBJ: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    OBJ.get_or_init(|| {
        if !common::privileged("needs root (CAP_BPF, CAP_SYS_ADMIN, perf events)") {
            return None;
        }
        if !Path::new("/sys/kernel/btf/vmlinux").exists() {
            crate::skip!("needs /sys/kernel/btf/vmlinux");
            return None;
        }
        let d = tmpdir();
        let vmlinux = run(Command::new("/usr/sbin/bpftool").args([
            "btf",
            "dump",
            "file",
            "/sys/kernel/btf/vmlinux",
            "format",
            "c",
        ]))?;
        std::fs::write(d.join("vmlinux.h"), vmlinux).unwrap();
        let o = common::bpf_object_text("prog.bpf.o", BPF_C, &["-I".as_ref(), d.as_os_str()])?;
        Some(std::fs::read(o).unwrap())
    })
    .as_deref()
}

unsafe extern "C" fn custom_attach(
    prog: *const Program,
    cookie: c_long,
    link: *mut *mut oxbpf::attach::link::Link,
) -> c_int {
    assert_eq!(cookie, 0x0c00c1e);
    // SAFETY: `prog` is the program handle the loader passes to the handler.
    let l = unsafe { bpf_program__attach_raw_tracepoint(prog, c"sys_enter".as_ptr()) };
    if l.is_null() {
        return -common::errno();
    }
    // SAFETY: `link` is the loader's out-pointer.
    unsafe { *link = l };
    0
}

/// Register the custom section once: programs in SEC("oxattach/...") are raw tracepoints
/// attached by `custom_attach`.
fn register_custom() {
    static ONCE: OnceLock<c_int> = OnceLock::new();
    let id = *ONCE.get_or_init(|| {
        let opts = libbpf_prog_handler_opts {
            sz: size_of::<libbpf_prog_handler_opts>(),
            cookie: 0x0c00c1e,
            prog_setup_fn: None,
            prog_prepare_load_fn: None,
            prog_attach_fn: Some(custom_attach),
        };
        // SAFETY: valid section string and options.
        unsafe {
            libbpf_register_prog_handler(c"oxattach/".as_ptr(), 17 /* RAW_TRACEPOINT */, 0, &opts)
        }
    });
    assert!(id > 0, "register: {id}");
}

struct Obj(*mut Object);

impl Obj {
    fn prog(&self, name: &CStr) -> *mut Program {
        // SAFETY: live object, valid name.
        let p = unsafe { bpf_object__find_program_by_name(self.0, name.as_ptr()) };
        assert!(!p.is_null(), "{name:?}");
        p
    }
    fn map_data(&self, name: &CStr) -> *mut u8 {
        // SAFETY: live object, valid name.
        let m = unsafe { bpf_object__find_map_by_name(self.0, name.as_ptr()) };
        assert!(!m.is_null(), "{name:?}");
        let mut sz = 0usize;
        // SAFETY: live map; out-pointer valid.
        let p = unsafe { bpf_map__initial_value(m, &mut sz) };
        assert!(!p.is_null() && sz >= 8);
        p as *mut u8
    }
    /// `counts.<field>` (index into the struct of u64 counters in .bss).
    fn count(&self, idx: usize) -> u64 {
        // SAFETY: .bss holds `counts` (4 u64) at offset 0; the mapping lives with the object;
        // the kernel updates it concurrently, hence the volatile read.
        unsafe { std::ptr::read_volatile((self.map_data(c".bss") as *const u64).add(idx)) }
    }
}

impl Drop for Obj {
    fn drop(&mut self) {
        // SAFETY: the object was opened by bpf_object__open_mem and is closed once.
        unsafe { bpf_object__close(self.0) };
    }
}

/// Open and load the object with target_pid = this process; `None` when skipped.
fn loaded() -> Option<Obj> {
    let bytes = object_bytes()?;
    register_custom();
    // SAFETY: valid buffer and NULL options.
    let o = Obj(unsafe { bpf_object__open_mem(bytes.as_ptr() as *const c_void, bytes.len(), null()) });
    assert!(!o.0.is_null(), "open: {}", common::errno());
    // SAFETY: .rodata holds target_pid at offset 0; writable before load.
    unsafe { *(o.map_data(c".rodata") as *mut i32) = std::process::id() as i32 };
    // SAFETY: live object.
    let r = unsafe { bpf_object__load(o.0) };
    assert_eq!(r, 0, "load");
    Some(o)
}

fn destroy(l: *mut Link) {
    assert!(!l.is_null());
    // SAFETY: a link this library returned, destroyed once.
    assert_eq!(unsafe { bpf_link__destroy(l) }, 0);
}

/// Expect NULL with errno `want`.
fn fails(l: *mut Link, want: i32, what: &str) {
    let e = common::errno();
    assert!(l.is_null(), "{what}: attached");
    assert_eq!(e, want, "{what}: errno {e}");
}

/// A caller's options struct of `T` followed by 16 bytes, as a newer libbpf header would
/// declare it: `sz` covers everything.
#[repr(C)]
struct Bigger<T> {
    o: T,
    tail: [u8; 16],
}

fn bigger<T: Copy>(sz: usize, tail_byte: u8) -> Box<Bigger<T>> {
    // SAFETY: option structs (and byte arrays) are valid all-zero.
    let mut b: Box<Bigger<T>> = Box::new(unsafe { std::mem::zeroed() });
    // SAFETY: `sz` is the first field (size_t) of every options struct.
    unsafe { *(&mut b.o as *mut T as *mut usize) = sz };
    b.tail[15] = tail_byte;
    b
}

/// For one options type: sz below a size_t, and a non-zero byte past what we know, are EINVAL;
/// `call` gets the options pointer.
fn check_opts<T: Copy>(what: &str, call: impl Fn(*const T) -> *mut Link) {
    let full = size_of::<Bigger<T>>();
    let b = bigger::<T>(4, 0);
    fails(call(&b.o), libc::EINVAL, &format!("{what} sz 4"));
    let b = bigger::<T>(full, 1);
    fails(call(&b.o), libc::EINVAL, &format!("{what} non-zero tail"));
}

#[test]
fn options_are_validated() {
    let Some(o) = loaded() else { return };
    let (up, tp, raw, kmulti, multi, it, xdp, tcx) = (
        o.prog(c"up"),
        o.prog(c"tp"),
        o.prog(c"raw"),
        o.prog(c"kmulti"),
        o.prog(c"multi"),
        o.prog(c"it"),
        o.prog(c"xdp_pass"),
        o.prog(c"tcx_pass"),
    );
    let exe = c"/proc/self/exe".as_ptr();
    // SAFETY: (all calls below) live program handles, valid strings, options built above.
    unsafe {
        check_opts::<bpf_uprobe_opts>("uprobe_opts", |p| bpf_program__attach_uprobe_opts(up, -1, exe, 0, p));
        check_opts::<bpf_kprobe_opts>("kprobe_opts", |p| {
            bpf_program__attach_kprobe_opts(up, c"do_nanosleep".as_ptr(), p)
        });
        check_opts::<bpf_ksyscall_opts>("ksyscall_opts", |p| bpf_program__attach_ksyscall(up, c"getpid".as_ptr(), p));
        check_opts::<bpf_tracepoint_opts>("tracepoint_opts", |p| {
            bpf_program__attach_tracepoint_opts(tp, c"syscalls".as_ptr(), c"sys_enter_getpid".as_ptr(), p)
        });
        check_opts::<bpf_raw_tracepoint_opts>("raw_tracepoint_opts", |p| {
            bpf_program__attach_raw_tracepoint_opts(raw, c"sys_enter".as_ptr(), p as *mut _)
        });
        check_opts::<bpf_trace_opts>("trace_opts", |p| bpf_program__attach_trace_opts(raw, p));
        check_opts::<bpf_perf_event_opts>("perf_event_opts", |p| bpf_program__attach_perf_event_opts(tp, 0, p));
        check_opts::<bpf_kprobe_multi_opts>("kprobe_multi_opts", |p| {
            bpf_program__attach_kprobe_multi_opts(kmulti, c"x".as_ptr(), p)
        });
        check_opts::<bpf_uprobe_multi_opts>("uprobe_multi_opts", |p| {
            bpf_program__attach_uprobe_multi(multi, -1, exe, c"oxt_rust_target".as_ptr(), p)
        });
        check_opts::<bpf_usdt_opts>("usdt_opts", |p| {
            bpf_program__attach_usdt(up, -1, exe, c"p".as_ptr(), c"n".as_ptr(), p)
        });
        check_opts::<bpf_iter_attach_opts>("iter_attach_opts", |p| bpf_program__attach_iter(it, p));
        check_opts::<bpf_netfilter_opts>("netfilter_opts", |p| bpf_program__attach_netfilter(xdp, p));
        check_opts::<bpf_tcx_opts>("tcx_opts", |p| bpf_program__attach_tcx(tcx, 1, p));
        check_opts::<bpf_netkit_opts>("netkit_opts", |p| bpf_program__attach_netkit(tcx, 1, p));

        // A zero tail past what we know is fine: the attach goes through.
        let b = bigger::<bpf_uprobe_opts>(size_of::<Bigger<bpf_uprobe_opts>>(), 0);
        let mut b = b;
        b.o.func_name = c"oxt_rust_target".as_ptr();
        destroy(bpf_program__attach_uprobe_opts(up, -1, exe, 0, &b.o));
        let mut t = bigger::<bpf_tracepoint_opts>(size_of::<Bigger<bpf_tracepoint_opts>>(), 0);
        t.o.bpf_cookie = 3;
        destroy(bpf_program__attach_tracepoint_opts(tp, c"syscalls".as_ptr(), c"sys_enter_getpid".as_ptr(), &t.o));

        // Argument combinations libbpf refuses.
        fails(bpf_program__attach_uprobe_opts(up, -1, null(), 0, null()), libc::EINVAL, "uprobe without binary");
        fails(bpf_program__attach_perf_event(tp, -1), libc::EINVAL, "perf event fd -1");
        let syms = [c"oxt_rust_target".as_ptr()];
        let offs: [std::ffi::c_ulong; 1] = [0x1000];
        let addrs: [std::ffi::c_ulong; 1] = [0xffffffff81000000];
        let km = |f: &dyn Fn(&mut bpf_kprobe_multi_opts)| {
            let mut k: bpf_kprobe_multi_opts = std::mem::zeroed();
            k.sz = size_of::<bpf_kprobe_multi_opts>();
            f(&mut k);
            k
        };
        let k = km(&|_| {});
        fails(bpf_program__attach_kprobe_multi_opts(kmulti, null(), &k), libc::EINVAL, "kprobe_multi: nothing");
        let k = km(&|k| k.cnt = 1);
        fails(
            bpf_program__attach_kprobe_multi_opts(kmulti, c"do_*".as_ptr(), &k),
            libc::EINVAL,
            "kprobe_multi: pattern and cnt",
        );
        let k = km(&|k| {
            k.syms = syms.as_ptr() as *mut *const c_char;
            k.addrs = addrs.as_ptr();
            k.cnt = 1;
        });
        fails(bpf_program__attach_kprobe_multi_opts(kmulti, null(), &k), libc::EINVAL, "kprobe_multi: syms and addrs");
        let k = km(&|k| {
            k.addrs = addrs.as_ptr();
        });
        fails(bpf_program__attach_kprobe_multi_opts(kmulti, null(), &k), libc::EINVAL, "kprobe_multi: cnt 0");
        let k = km(&|k| {
            k.addrs = addrs.as_ptr();
            k.cnt = 1;
            k.retprobe = CBool(1);
            k.session = CBool(1);
        });
        fails(
            bpf_program__attach_kprobe_multi_opts(kmulti, null(), &k),
            libc::EINVAL,
            "kprobe_multi: retprobe and session",
        );
        let um = |f: &dyn Fn(&mut bpf_uprobe_multi_opts)| {
            let mut u: bpf_uprobe_multi_opts = std::mem::zeroed();
            u.sz = size_of::<bpf_uprobe_multi_opts>();
            f(&mut u);
            u
        };
        let u = um(&|_| {});
        fails(
            bpf_program__attach_uprobe_multi(multi, -1, null(), c"f".as_ptr(), &u),
            libc::EINVAL,
            "uprobe_multi: no path",
        );
        fails(bpf_program__attach_uprobe_multi(multi, -1, exe, null(), &u), libc::EINVAL, "uprobe_multi: nothing");
        let u = um(&|u| u.cnt = 1);
        fails(
            bpf_program__attach_uprobe_multi(multi, -1, exe, c"f".as_ptr(), &u),
            libc::EINVAL,
            "uprobe_multi: pattern and cnt",
        );
        let u = um(&|u| {
            u.syms = syms.as_ptr() as *mut *const c_char;
            u.offsets = offs.as_ptr();
            u.cnt = 1;
        });
        fails(
            bpf_program__attach_uprobe_multi(multi, -1, exe, null(), &u),
            libc::EINVAL,
            "uprobe_multi: syms and offsets",
        );
        let u = um(&|u| u.cnt = 1);
        fails(bpf_program__attach_uprobe_multi(multi, -1, exe, null(), &u), libc::EINVAL, "uprobe_multi: neither");

        fails(bpf_program__attach_tcx(tcx, 0, null()), libc::EINVAL, "tcx ifindex 0");
        let mut to: bpf_tcx_opts = std::mem::zeroed();
        to.sz = size_of::<bpf_tcx_opts>();
        to.relative_fd = 5;
        to.relative_id = 5;
        fails(bpf_program__attach_tcx(tcx, 1, &to), libc::EINVAL, "tcx relative fd and id");
        to.relative_id = 0;
        to.relative_fd = u32::MAX;
        fails(bpf_program__attach_tcx(tcx, 1, &to), libc::EBADF, "tcx relative fd -1");
        fails(bpf_program__attach_freplace(raw, 3, null()), libc::EINVAL, "freplace fd without name");
        fails(bpf_program__attach_freplace(raw, 0, null()), libc::EINVAL, "freplace of a non-EXT program");

        // Kprobes do not exist on this kernel; whatever the kernel says, nothing attaches.
        let l = bpf_program__attach(kmulti);
        if !l.is_null() {
            destroy(l);
        } else {
            assert!(common::errno() > 0);
        }
    }
}

#[test]
fn uprobe_multi_counts_calls() {
    let Some(o) = loaded() else { return };
    let exe = c"/proc/self/exe".as_ptr();
    // SAFETY: live handles, valid strings and options.
    unsafe {
        let by_pattern =
            bpf_program__attach_uprobe_multi(o.prog(c"multi"), 0, exe, c"oxt_rust_targe?".as_ptr(), null());
        assert!(!by_pattern.is_null(), "uprobe_multi by pattern: errno {}", common::errno());
        let syms = [c"oxt_rust_target".as_ptr()];
        let mut u: bpf_uprobe_multi_opts = std::mem::zeroed();
        u.sz = size_of::<bpf_uprobe_multi_opts>();
        u.syms = syms.as_ptr() as *mut *const c_char;
        u.cnt = 1;
        let by_sym = bpf_program__attach_uprobe_multi(o.prog(c"multi_sym"), -1, exe, null(), &u);
        assert!(!by_sym.is_null(), "uprobe_multi by symbol: errno {}", common::errno());
        let (m0, s0) = (o.count(0), o.count(1));
        for i in 0..9 {
            std::hint::black_box(oxt_rust_target(std::hint::black_box(i)));
        }
        assert_eq!((o.count(0) - m0, o.count(1) - s0), (9, 9));
        destroy(by_pattern);
        destroy(by_sym);
        for i in 0..9 {
            std::hint::black_box(oxt_rust_target(std::hint::black_box(i)));
        }
        assert_eq!((o.count(0) - m0, o.count(1) - s0), (9, 9), "counted after destroy");
    }
}

#[test]
fn custom_handler_attaches() {
    let Some(o) = loaded() else { return };
    // SAFETY: live handle.
    unsafe {
        let l = bpf_program__attach(o.prog(c"custom"));
        assert!(!l.is_null(), "custom attach: errno {}", common::errno());
        let before = o.count(2);
        for _ in 0..5 {
            libc::syscall(libc::SYS_getppid);
        }
        assert!(o.count(2) >= before + 5, "custom handler's raw tracepoint did not run");
        destroy(l);
        let after = o.count(2);
        libc::syscall(libc::SYS_getppid);
        assert_eq!(o.count(2), after);
    }
}

#[test]
fn iterator_link() {
    let Some(o) = loaded() else { return };
    // SAFETY: live handle; the iterator fd is read then closed.
    unsafe {
        let l = bpf_program__attach(o.prog(c"it"));
        assert!(!l.is_null(), "iter attach: errno {}", common::errno());
        let fd = bpf_iter_create(bpf_link__fd(l));
        assert!(fd >= 0, "bpf_iter_create: {fd}");
        let mut f = std::fs::File::from_raw_fd(fd);
        let mut out = String::new();
        f.read_to_string(&mut out).unwrap();
        assert!(out.contains(&format!("oxbpf-iter {}\n", std::process::id())), "{out}");
        destroy(l);
    }
}

#[test]
fn fd_and_ifindex_targets() {
    let Some(o) = loaded() else { return };
    // SAFETY: live handles; fds opened here stay open across the calls.
    unsafe {
        // A fresh cgroup v2 child (if cgroup2 is mounted).
        let root = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]
            .into_iter()
            .find(|r| Path::new(&format!("{r}/cgroup.procs")).exists());
        if let Some(root) = root {
            let dir = format!("{root}/oxbpf-attach-{}", std::process::id());
            std::fs::create_dir(&dir).unwrap();
            let cg = std::fs::File::open(&dir).unwrap();
            let l = bpf_program__attach_cgroup(o.prog(c"cg"), cg.as_raw_fd());
            assert!(!l.is_null(), "cgroup attach: errno {}", common::errno());
            destroy(l);
            drop(cg);
            std::fs::remove_dir(&dir).unwrap();
        }
        let ns = std::fs::File::open("/proc/self/ns/net").unwrap();
        let l = bpf_program__attach_netns(o.prog(c"fd"), ns.as_raw_fd());
        assert!(!l.is_null(), "netns attach: errno {}", common::errno());
        destroy(l);
        let lo = libc::if_nametoindex(c"lo".as_ptr()) as c_int;
        let l = bpf_program__attach_xdp(o.prog(c"xdp_pass"), lo);
        assert!(!l.is_null(), "xdp attach: errno {}", common::errno());
        destroy(l);
        let l = bpf_program__attach_tcx(o.prog(c"tcx_pass"), lo, null());
        assert!(!l.is_null(), "tcx attach: errno {}", common::errno());
        destroy(l);
        // A program type the target refuses: the kernel's errno comes back.
        let l = bpf_program__attach_xdp(o.prog(c"raw"), lo);
        assert!(l.is_null() && common::errno() > 0);
    }
}

#[test]
fn raw_tracepoint_cookie_and_unloaded() {
    let Some(o) = loaded() else { return };
    // SAFETY: live handles.
    unsafe {
        assert!(bpf_program__fd(o.prog(c"raw")) >= 0);
        let before = o.count(3);
        let l = bpf_program__attach(o.prog(c"raw"));
        assert!(!l.is_null());
        libc::syscall(libc::SYS_getppid);
        assert!(o.count(3) > before);
        destroy(l);
        // NULL handles.
        fails(bpf_program__attach(null()), libc::EINVAL, "NULL program");
        fails(bpf_program__attach_raw_tracepoint(null(), c"sys_enter".as_ptr()), libc::EINVAL, "NULL program");
    }
}
