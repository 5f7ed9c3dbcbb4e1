//! The map element API and the ring buffer consumer on the running kernel, from Rust: a small
//! self-contained BPF object (compiled with clang-19) opened and loaded through the C API,
//! per-CPU size checks against the real possible-CPU count, and records written by a BPF
//! program read back through `oxbpf::buffers::ringbuf::RingBuffer` with Rust closures, across
//! wrap-arounds. Skips (with a message) without root or clang-19.

mod common;

use oxbpf::buffers::ringbuf::{RingBuffer, SampleFn};
use oxbpf::buffers::Record;
use oxbpf::ffi::map::{bpf_map__fd, bpf_map__lookup_elem, bpf_map__update_elem};
use oxbpf::ffi::object::{
    bpf_object__close, bpf_object__find_map_by_name, bpf_object__find_program_by_name, bpf_object__load,
    bpf_object__open_file,
};
use oxbpf::ffi::program::bpf_program__fd;
use oxbpf::sys::cmd::{self, TestRun};
use std::cell::RefCell;
use std::ffi::{c_void, CString};
use std::os::fd::BorrowedFd;
use std::path::PathBuf;
use std::rc::Rc;

const SRC: &str = r#"
typedef unsigned int __u32;
typedef unsigned long long __u64;
#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define BPF_MAP_TYPE_PERCPU_HASH 5
#define BPF_MAP_TYPE_RINGBUF 27

static long (*bpf_ringbuf_output)(void *ringbuf, void *data, __u64 size, __u64 flags) = (void *)130;

struct triple { __u32 a, b, c; };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct triple);
} ph SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

__u32 base;

SEC("raw_tp")
int emit(void *ctx)
{
	for (__u32 i = 0; i < 30; i++) {
		__u64 rec[3] = { base + i, (base + i) * 3, 0x5a5a5a5a5a5a5a5aULL };
		bpf_ringbuf_output(&rb, rec, 8 + 8 * ((base + i) % 3 == 0 ? 2 : 1), 0);
	}
	base += 30;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
"#;

fn compile() -> Option<PathBuf> {
    common::bpf_object_text("maps_kernel.o", SRC, &[])
}

fn root() -> bool {
    common::privileged("needs root (CAP_BPF)")
}

#[test]
fn per_cpu_sizes_and_ring_buffer_on_the_kernel() {
    if !root() {
        return;
    }
    let Some(obj_path) = compile() else { return };
    let path = CString::new(obj_path.to_str().unwrap()).unwrap();
    let ncpus = oxbpf::sys::possible_cpus().unwrap();
    // SAFETY: every pointer handed to the C API below is a live CString, a handle it returned,
    // or a buffer of the stated size; the object is closed once at the end.
    unsafe {
        let obj = bpf_object__open_file(path.as_ptr(), std::ptr::null());
        assert!(!obj.is_null());
        let ph = bpf_object__find_map_by_name(obj, c"ph".as_ptr());
        let rbm = bpf_object__find_map_by_name(obj, c"rb".as_ptr());
        assert!(!ph.is_null() && !rbm.is_null());
        let key = 1u32;
        let mut buf = vec![0u8; 16 * ncpus + 16];
        let kp = &key as *const u32 as *const c_void;
        // Not created yet.
        assert_eq!(bpf_map__lookup_elem(ph, kp, 4, buf.as_mut_ptr() as *mut c_void, 16 * ncpus, 0), -libc::ENOENT);
        assert_eq!(bpf_object__load(obj), 0);

        // value 12 bytes → 16 per possible CPU.
        let want = 16 * ncpus;
        for bad in [12, 12 * ncpus, want - 4, want + 16] {
            assert_eq!(
                bpf_map__update_elem(ph, kp, 4, buf.as_ptr() as *const c_void, bad, 0),
                -libc::EINVAL,
                "size {bad}"
            );
        }
        for c in 0..ncpus {
            buf[c * 16..c * 16 + 4].copy_from_slice(&(c as u32 + 7).to_ne_bytes());
        }
        assert_eq!(bpf_map__update_elem(ph, kp, 4, buf.as_ptr() as *const c_void, want, 0), 0);
        buf.fill(0);
        assert_eq!(bpf_map__lookup_elem(ph, kp, 4, buf.as_mut_ptr() as *mut c_void, want, 0), 0);
        for c in 0..ncpus {
            assert_eq!(u32::from_ne_bytes(buf[c * 16..c * 16 + 4].try_into().unwrap()), c as u32 + 7);
        }
        assert_eq!(bpf_map__lookup_elem(ph, kp, 8, buf.as_mut_ptr() as *mut c_void, want, 0), -libc::EINVAL);

        // Ring buffer: records of 16 or 24 bytes, in order, through several wrap-arounds.
        let got: Rc<RefCell<Vec<Vec<u8>>>> = Rc::default();
        let g = got.clone();
        let cb: SampleFn = Box::new(move |r: Record<'_>| {
            g.borrow_mut().push(r.to_vec());
            0
        });
        // The map stays open (the object is live) while the ring buffer exists.
        let rb = RingBuffer::new(oxbpf::caller::CallerFd::new(bpf_map__fd(rbm)), Some(cb)).expect("ring buffer");
        let prog = bpf_object__find_program_by_name(obj, c"emit".as_ptr());
        let pfd = BorrowedFd::borrow_raw(bpf_program__fd(prog));
        let mut next = 0u64;
        for round in 0..12 {
            let ctx = [0u8; 8];
            let out = cmd::prog_test_run(pfd, &mut TestRun { ctx_in: &ctx, ..Default::default() }).expect("test run");
            assert_eq!(out.retval, 0);
            let n = rb.poll(1000).unwrap_or_else(|e| panic!("poll: {e:?}"));
            assert_eq!(n, 30, "round {round}");
            for rec in got.borrow_mut().drain(..) {
                let long = next % 3 == 0;
                assert_eq!(rec.len(), if long { 16 } else { 8 } + 8, "record {next}");
                assert_eq!(u64::from_ne_bytes(rec[..8].try_into().unwrap()), next);
                assert_eq!(u64::from_ne_bytes(rec[8..16].try_into().unwrap()), next * 3);
                next += 1;
            }
        }
        assert_eq!(next, 360);
        let ring = &*rb.ring(0).unwrap();
        assert_eq!(ring.consumer_pos(), ring.producer_pos());
        assert!(ring.consumer_pos() > 2 * 4096, "wrapped: {}", ring.consumer_pos());
        drop(rb);
        bpf_object__close(obj);
    }
}
