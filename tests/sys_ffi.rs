//! The bpf.h C exports (`oxbpf::ffi::bpf`) called as C would call them, against the running
//! kernel: negative errno returns with `errno` set, options validation, output fields written
//! back only within the caller's `sz`. Skips without privileges.

use oxbpf::ffi::bpf::*;
use oxbpf::ffi::types_bpf::*;
use oxbpf::sys::attr::{bpf_btf_info, bpf_link_info, bpf_map_info, bpf_prog_info, name_str};
use oxbpf::sys::probe;
use oxbpf::uapi::{self, BpfInsn};
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::mem::{size_of, zeroed};
use std::ptr::{null, null_mut};

mod common;

/// Expect `-e` and errno `e`.
#[track_caller]
fn fails(r: c_int, e: c_int) {
    assert_eq!(r, -e, "return value");
    assert_eq!(common::errno(), e, "errno");
}

/// A C-owned fd, closed on drop.
struct Fd(c_int);
impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: we own this fd.
        unsafe { libc::close(self.0) };
    }
}
#[track_caller]
fn fd(r: c_int) -> Fd {
    assert!(r >= 3, "expected an fd above 2, got {r} (errno {})", common::errno());
    Fd(r)
}

fn privileged() -> bool {
    // SAFETY: NULL name and options are allowed.
    let r = unsafe { bpf_map_create(uapi::BPF_MAP_TYPE_ARRAY, null(), 4, 4, 1, null()) };
    if r < 0 {
        crate::skip!("bpf_map_create failed ({}): needs root / CAP_BPF", -r);
        return false;
    }
    drop(Fd(r));
    true
}

/// A zero-filled heap struct that is never moved by value, so its padding stays zero the way
/// `LIBBPF_OPTS()`'s memset leaves it in C (a by-value move may not preserve padding bytes, and
/// non-zero bytes past the last known field are rejected).
fn zbox<T>() -> Box<T> {
    let layout = std::alloc::Layout::new::<T>();
    // SAFETY: the layout is non-zero-sized (every struct here has a `sz`); the allocation is
    // zero-filled, which is a valid value of each struct used here (integers and raw pointers),
    // and Box::from_raw takes ownership of memory from the global allocator with T's layout.
    unsafe {
        let p = std::alloc::alloc_zeroed(layout) as *mut T;
        assert!(!p.is_null());
        Box::from_raw(p)
    }
}

/// `LIBBPF_OPTS(T, name)`: zeroed with `sz` set.
fn opts<T>() -> Box<T> {
    let mut o = zbox::<T>();
    // SAFETY: every options struct starts with `size_t sz`.
    unsafe { *(&mut *o as *mut T as *mut usize) = size_of::<T>() };
    o
}

fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> BpfInsn {
    BpfInsn::new(code, dst, src, off, imm)
}
fn ret(imm: i32) -> [BpfInsn; 2] {
    [insn(uapi::BPF_ALU64 | uapi::BPF_MOV | uapi::BPF_K, 0, 0, 0, imm), insn(uapi::BPF_JMP_EXIT, 0, 0, 0, 0)]
}

fn vp<T>(v: &T) -> *const c_void {
    v as *const T as *const c_void
}
fn vpm<T>(v: &mut T) -> *mut c_void {
    v as *mut T as *mut c_void
}

#[test]
fn map_elements() {
    if !privileged() {
        return;
    }
    // SAFETY: (whole test) every pointer passed is to a live local of the map's key/value size.
    unsafe {
        let m = fd(bpf_map_create(uapi::BPF_MAP_TYPE_HASH, c"ffi_hash".as_ptr(), 4, 8, 8, null()));
        let (k1, k2, k9) = (1u32, 2u32, 9u32);
        assert_eq!(bpf_map_update_elem(m.0, vp(&k1), vp(&10u64), uapi::BPF_ANY), 0);
        assert_eq!(bpf_map_update_elem(m.0, vp(&k2), vp(&20u64), uapi::BPF_NOEXIST), 0);
        common::set_errno(0);
        fails(bpf_map_update_elem(m.0, vp(&k2), vp(&0u64), uapi::BPF_NOEXIST), libc::EEXIST);
        let mut v = 0u64;
        assert_eq!(bpf_map_lookup_elem(m.0, vp(&k1), vpm(&mut v)), 0);
        assert_eq!(v, 10);
        assert_eq!(bpf_map_lookup_elem_flags(m.0, vp(&k2), vpm(&mut v), 0), 0);
        assert_eq!(v, 20);
        fails(bpf_map_lookup_elem(m.0, vp(&k9), vpm(&mut v)), libc::ENOENT);

        let mut keys = vec![];
        let mut next = 0u32;
        let mut cur: *const c_void = null();
        while bpf_map_get_next_key(m.0, cur, vpm(&mut next)) == 0 {
            keys.push(next);
            cur = vp(&next);
        }
        assert_eq!(common::errno(), libc::ENOENT);
        keys.sort();
        assert_eq!(keys, [1, 2]);

        assert_eq!(bpf_map_lookup_and_delete_elem(m.0, vp(&k1), vpm(&mut v)), 0);
        assert_eq!(v, 10);
        fails(bpf_map_lookup_and_delete_elem_flags(m.0, vp(&k1), vpm(&mut v), 0), libc::ENOENT);
        assert_eq!(bpf_map_delete_elem_flags(m.0, vp(&k2), 0), 0);
        fails(bpf_map_delete_elem(m.0, vp(&k2)), libc::ENOENT);

        let mut info: bpf_map_info = zeroed();
        let mut len = size_of::<bpf_map_info>() as u32;
        assert_eq!(bpf_map_get_info_by_fd(m.0, &mut info, &mut len), 0);
        assert_eq!(name_str(&info.name), "ffi_hash");
        assert_eq!((info.type_, info.key_size, info.value_size), (uapi::BPF_MAP_TYPE_HASH, 4, 8));
        // A shorter buffer: the kernel fills only what fits.
        let mut small = [0u32; 2];
        let mut len = 8u32;
        assert_eq!(bpf_obj_get_info_by_fd(m.0, small.as_mut_ptr() as *mut c_void, &mut len), 0);
        assert_eq!((len, small[0], small[1]), (8, uapi::BPF_MAP_TYPE_HASH, info.id));
        fails(bpf_obj_get_info_by_fd(m.0, small.as_mut_ptr() as *mut c_void, null_mut()), libc::EINVAL);

        assert_eq!(bpf_map_freeze(m.0), 0);
        fails(bpf_map_update_elem(m.0, vp(&k1), vp(&1u64), 0), libc::EPERM);
        fails(bpf_map_freeze(-1), libc::EBADF);
    }
}

#[test]
fn map_create_opts_rules() {
    if !privileged() {
        return;
    }
    #[repr(C)]
    struct Newer {
        o: bpf_map_create_opts,
        extra: u64,
    }
    // SAFETY: (whole test) options point to live structs whose `sz` is within them.
    unsafe {
        let mut n = zbox::<Newer>();
        n.o.sz = size_of::<Newer>();
        n.o.map_flags = uapi::BPF_F_NO_PREALLOC;
        // A newer caller's struct with the unknown tail zero: fine.
        let m = fd(bpf_map_create(uapi::BPF_MAP_TYPE_HASH, c"ffi_newer".as_ptr(), 4, 4, 4, &n.o));
        let mut info: bpf_map_info = zeroed();
        let mut len = size_of::<bpf_map_info>() as u32;
        assert_eq!(bpf_map_get_info_by_fd(m.0, &mut info, &mut len), 0);
        assert_eq!(info.map_flags, uapi::BPF_F_NO_PREALLOC);
        // ... with a non-zero unknown field: -EINVAL.
        n.extra = 1;
        common::set_errno(0);
        fails(bpf_map_create(uapi::BPF_MAP_TYPE_HASH, null(), 4, 4, 4, &n.o), libc::EINVAL);
        // sz smaller than its own field: -EINVAL.
        let mut o = opts::<bpf_map_create_opts>();
        o.sz = 4;
        fails(bpf_map_create(uapi::BPF_MAP_TYPE_HASH, null(), 4, 4, 4, &*o), libc::EINVAL);
        // An older caller: fields past its sz are ignored (map_flags here would make prealloc
        // impossible to tell; use an invalid flag beyond sz instead).
        let mut o = opts::<bpf_map_create_opts>();
        o.map_flags = 0xffff_0000; // past sz below: never read
        o.sz = 24;
        let m2 = fd(bpf_map_create(uapi::BPF_MAP_TYPE_ARRAY, null(), 4, 4, 1, &*o));
        drop(m2);
        // The kernel's own errors come back as -errno too.
        fails(bpf_map_create(uapi::BPF_MAP_TYPE_ARRAY, null(), 4, 0, 1, null()), libc::EINVAL);
        fails(bpf_map_create(9999, null(), 4, 4, 1, null()), libc::EINVAL);
    }
}

#[test]
fn batches() {
    if !privileged() {
        return;
    }
    // SAFETY: (whole test) arrays hold `count` elements of the map's sizes.
    unsafe {
        let m = fd(bpf_map_create(uapi::BPF_MAP_TYPE_HASH, null(), 4, 4, 32, null()));
        let keys: Vec<u32> = (0..10).collect();
        let vals: Vec<u32> = (0..10).map(|i| i * i).collect();
        let mut count = 10u32;
        let o = opts::<bpf_map_batch_opts>();
        assert_eq!(
            bpf_map_update_batch(m.0, keys.as_ptr() as *const c_void, vals.as_ptr() as *const c_void, &mut count, &*o),
            0
        );
        assert_eq!(count, 10);
        let mut ks = [0u32; 16];
        let mut vs = [0u32; 16];
        let mut out = 0u32;
        count = 16;
        common::set_errno(0);
        let r = bpf_map_lookup_batch(m.0, null_mut(), vpm(&mut out), vpm(&mut ks), vpm(&mut vs), &mut count, null());
        fails(r, libc::ENOENT); // exhausted in one go
        assert_eq!(count, 10);
        let mut got: Vec<(u32, u32)> = (0..10).map(|i| (ks[i], vs[i])).collect();
        got.sort();
        assert_eq!(got, (0..10).map(|i| (i, i * i)).collect::<Vec<_>>());
        count = 4;
        assert_eq!(bpf_map_delete_batch(m.0, keys.as_ptr() as *const c_void, &mut count, null()), 0);
        assert_eq!(count, 4);
        count = 16;
        let r = bpf_map_lookup_and_delete_batch(
            m.0,
            null_mut(),
            vpm(&mut out),
            vpm(&mut ks),
            vpm(&mut vs),
            &mut count,
            null(),
        );
        fails(r, libc::ENOENT);
        assert_eq!(count, 6);
        fails(bpf_map_delete_batch(m.0, keys.as_ptr() as *const c_void, null_mut(), null()), libc::EINVAL);
    }
}

#[test]
fn prog_load_test_run_info() {
    if !privileged() {
        return;
    }
    // SAFETY: (whole test) buffers and options are live locals of the declared sizes.
    unsafe {
        let insns = ret(7);
        let mut log = vec![0 as c_char; 4096];
        let mut lo = opts::<bpf_prog_load_opts>();
        lo.log_buf = log.as_mut_ptr();
        lo.log_size = log.len() as u32;
        lo.log_level = 1;
        let p = fd(bpf_prog_load(
            uapi::BPF_PROG_TYPE_SOCKET_FILTER,
            c"ffi_prog".as_ptr(),
            c"GPL".as_ptr(),
            insns.as_ptr(),
            2,
            &mut *lo,
        ));
        assert!(lo.log_true_size > 0, "the kernel reports the log size it used");
        assert!(CStr::from_ptr(log.as_ptr()).to_string_lossy().contains("processed"), "verifier stats in the log");

        let mut info: bpf_prog_info = zeroed();
        let mut len = size_of::<bpf_prog_info>() as u32;
        assert_eq!(bpf_prog_get_info_by_fd(p.0, &mut info, &mut len), 0);
        assert_eq!(name_str(&info.name), "ffi_prog");
        assert_eq!(info.type_, uapi::BPF_PROG_TYPE_SOCKET_FILTER);

        let pkt = [0u8; 64];
        let mut t = opts::<bpf_test_run_opts>();
        t.data_in = pkt.as_ptr() as *const c_void;
        t.data_size_in = 64;
        t.repeat = 2;
        t.retval = 0xdead;
        assert_eq!(bpf_prog_test_run_opts(p.0, &mut *t), 0);
        assert_eq!(t.retval, 7);
        // A caller whose struct ends before `retval` does not get it written.
        let mut t2 = opts::<bpf_test_run_opts>();
        t2.sz = 56; // up to ctx_size_out
        t2.data_in = pkt.as_ptr() as *const c_void;
        t2.data_size_in = 64;
        t2.retval = 0xdead;
        assert_eq!(bpf_prog_test_run_opts(p.0, &mut *t2), 0);
        assert_eq!(t2.retval, 0xdead);
        // Non-zero bytes past the last known field of a larger struct: -EINVAL.
        #[repr(C)]
        struct Newer {
            o: bpf_test_run_opts,
            extra: u32,
            _pad: u32,
        }
        let mut n = zbox::<Newer>();
        n.o.sz = size_of::<Newer>();
        n.extra = 3;
        fails(bpf_prog_test_run_opts(p.0, &mut n.o), libc::EINVAL);
    }
}

#[test]
fn prog_load_errors() {
    if !privileged() {
        return;
    }
    // SAFETY: (whole test) as above.
    unsafe {
        let bad = [insn(uapi::BPF_JMP_EXIT, 0, 0, 0, 0)];
        let mut log = vec![0 as c_char; 8192];
        let mut lo = opts::<bpf_prog_load_opts>();
        lo.log_buf = log.as_mut_ptr();
        lo.log_size = log.len() as u32;
        // log_level 0 with a buffer: the failure is retried with level 1 to get the log.
        common::set_errno(0);
        fails(
            bpf_prog_load(uapi::BPF_PROG_TYPE_SOCKET_FILTER, null(), c"GPL".as_ptr(), bad.as_ptr(), 1, &mut *lo),
            libc::EACCES,
        );
        let text = CStr::from_ptr(log.as_ptr()).to_string_lossy().into_owned();
        assert!(text.contains("R0 !read_ok"), "{text:?}");
        assert!(lo.log_true_size as usize > text.len());

        // log_true_size is not written past a short caller's sz.
        let mut lo2 = opts::<bpf_prog_load_opts>();
        lo2.sz = 104; // ends at log_buf
        lo2.log_buf = log.as_mut_ptr();
        lo2.log_size = log.len() as u32;
        lo2.log_true_size = 12345;
        fails(
            bpf_prog_load(uapi::BPF_PROG_TYPE_SOCKET_FILTER, null(), c"GPL".as_ptr(), bad.as_ptr(), 1, &mut *lo2),
            libc::EACCES,
        );
        assert_eq!(lo2.log_true_size, 12345);

        let good = ret(0);
        let mut o = opts::<bpf_prog_load_opts>();
        o.log_buf = log.as_mut_ptr(); // without log_size
        fails(bpf_prog_load(1, null(), c"GPL".as_ptr(), good.as_ptr(), 2, &mut *o), libc::EINVAL);
        let mut o = opts::<bpf_prog_load_opts>();
        o.attempts = -1;
        fails(bpf_prog_load(1, null(), c"GPL".as_ptr(), good.as_ptr(), 2, &mut *o), libc::EINVAL);
        let mut o = opts::<bpf_prog_load_opts>();
        o.attach_prog_fd = 5;
        o.attach_btf_obj_fd = 6;
        fails(bpf_prog_load(1, null(), c"GPL".as_ptr(), good.as_ptr(), 2, &mut *o), libc::EINVAL);
        fails(bpf_prog_load(1, null(), c"GPL".as_ptr(), good.as_ptr(), 1 << 33, null_mut()), libc::E2BIG);
        // NULL license/instructions: the kernel's EFAULT.
        fails(bpf_prog_load(1, null(), c"GPL".as_ptr(), null(), 2, null_mut()), libc::EFAULT);
    }
}

#[test]
fn btf_and_ids() {
    if !privileged() {
        return;
    }
    // SAFETY: (whole test) as above.
    unsafe {
        let blob = probe::btf_blob(&[1, 1 << 24, 4, (1 << 24) | 32], b"\0int\0");
        let mut log = vec![0 as c_char; 4096];
        let mut o = opts::<bpf_btf_load_opts>();
        o.log_buf = log.as_mut_ptr();
        o.log_size = log.len() as u32;
        o.log_level = 1;
        let b = fd(bpf_btf_load(blob.as_ptr() as *const c_void, blob.len(), &mut *o));
        assert!(o.log_true_size > 0);
        let mut info: bpf_btf_info = zeroed();
        let mut len = size_of::<bpf_btf_info>() as u32;
        assert_eq!(bpf_btf_get_info_by_fd(b.0, &mut info, &mut len), 0);
        assert_eq!(info.btf_size as usize, blob.len());

        let mut o = opts::<bpf_btf_load_opts>();
        o.log_size = 100; // without a buffer
        fails(bpf_btf_load(blob.as_ptr() as *const c_void, blob.len(), &mut *o), libc::EINVAL);
        fails(bpf_btf_load(blob.as_ptr() as *const c_void, 10, null_mut()), libc::EINVAL);

        // Walk BTF ids to ours, reopen it.
        let mut id = 0;
        let mut found = false;
        while bpf_btf_get_next_id(id, &mut id) == 0 {
            found |= id == info.id;
        }
        assert_eq!(common::errno(), libc::ENOENT);
        assert!(found);
        let b2 = fd(bpf_btf_get_fd_by_id(info.id));
        let o = opts::<bpf_get_fd_by_id_opts>();
        let b3 = fd(bpf_btf_get_fd_by_id_opts(info.id, &*o));
        drop((b2, b3));
        fails(bpf_prog_get_next_id(0, null_mut()), libc::EINVAL);

        // Maps: a read-only fd by id refuses updates.
        let m = fd(bpf_map_create(uapi::BPF_MAP_TYPE_ARRAY, null(), 4, 4, 1, null()));
        let mut mi: bpf_map_info = zeroed();
        let mut len = size_of::<bpf_map_info>() as u32;
        assert_eq!(bpf_map_get_info_by_fd(m.0, &mut mi, &mut len), 0);
        let mut o = opts::<bpf_get_fd_by_id_opts>();
        o.open_flags = uapi::BPF_F_RDONLY;
        let ro = fd(bpf_map_get_fd_by_id_opts(mi.id, &*o));
        fails(bpf_map_update_elem(ro.0, vp(&0u32), vp(&1u32), 0), libc::EPERM);
        let rw = fd(bpf_map_get_fd_by_id(mi.id));
        assert_eq!(bpf_map_update_elem(rw.0, vp(&0u32), vp(&1u32), 0), 0);
        let mut next = 0;
        assert_eq!(bpf_map_get_next_id(0, &mut next), 0);
        fails(bpf_map_get_fd_by_id(0x7fff_fff0), libc::ENOENT);

        let p = fd(bpf_prog_load(1, null(), c"GPL".as_ptr(), ret(0).as_ptr(), 2, null_mut()));
        let mut pi: bpf_prog_info = zeroed();
        let mut len = size_of::<bpf_prog_info>() as u32;
        assert_eq!(bpf_prog_get_info_by_fd(p.0, &mut pi, &mut len), 0);
        let p2 = fd(bpf_prog_get_fd_by_id(pi.id));
        let p3 = fd(bpf_prog_get_fd_by_id_opts(pi.id, null()));
        drop((p2, p3));
        assert_eq!(bpf_prog_get_next_id(0, &mut next), 0);
    }
}

#[test]
fn raw_tp_links() {
    if !privileged() {
        return;
    }
    // SAFETY: (whole test) as above.
    unsafe {
        let p = fd(bpf_prog_load(
            uapi::BPF_PROG_TYPE_RAW_TRACEPOINT,
            c"ffi_rawtp".as_ptr(),
            c"GPL".as_ptr(),
            ret(0).as_ptr(),
            2,
            null_mut(),
        ));
        let l = fd(bpf_raw_tracepoint_open(c"sys_enter".as_ptr(), p.0));
        let mut o = opts::<bpf_raw_tp_opts>();
        o.tp_name = c"sys_exit".as_ptr();
        o.cookie = 77;
        let l2 = fd(bpf_raw_tracepoint_open_opts(p.0, &mut *o));
        let mut li: bpf_link_info = zeroed();
        let mut len = size_of::<bpf_link_info>() as u32;
        assert_eq!(bpf_link_get_info_by_fd(l2.0, &mut li, &mut len), 0);
        assert_eq!(li.type_, uapi::BPF_LINK_TYPE_RAW_TRACEPOINT);
        let l3 = fd(bpf_link_get_fd_by_id(li.id));
        let l4 = fd(bpf_link_get_fd_by_id_opts(li.id, null()));
        drop((l3, l4));
        let mut next = 0;
        assert_eq!(bpf_link_get_next_id(0, &mut next), 0);

        let mut buf = [0 as c_char; 32];
        let (mut blen, mut pid, mut ty, mut off, mut addr) = (buf.len() as u32, 0u32, 99u32, 0u64, 0u64);
        let r = bpf_task_fd_query(
            libc::getpid(),
            l.0,
            0,
            buf.as_mut_ptr(),
            &mut blen,
            &mut pid,
            &mut ty,
            &mut off,
            &mut addr,
        );
        assert_eq!(r, 0);
        assert_eq!(CStr::from_ptr(buf.as_ptr()).to_str().unwrap(), "sys_enter");
        assert_eq!((blen, ty), (9, 0));
        fails(
            bpf_task_fd_query(
                libc::getpid(),
                l.0,
                0,
                buf.as_mut_ptr(),
                null_mut(),
                &mut pid,
                &mut ty,
                &mut off,
                &mut addr,
            ),
            libc::EINVAL,
        );

        common::set_errno(0);
        fails(bpf_link_detach(l.0), libc::EOPNOTSUPP);
        fails(bpf_raw_tracepoint_open(c"ffi_no_such_tp".as_ptr(), p.0), libc::ENOENT);
    }
}

#[test]
fn link_create_opts_rules() {
    if !privileged() {
        return;
    }
    // SAFETY: (whole test) as above.
    unsafe {
        let p =
            fd(bpf_prog_load(uapi::BPF_PROG_TYPE_TRACEPOINT, null(), c"GPL".as_ptr(), ret(0).as_ptr(), 2, null_mut()));
        // perf_event link on fd -1: the kernel's EBADF proves the attr got through.
        let mut o = opts::<bpf_link_create_opts>();
        o._anon0.perf_event.bpf_cookie = 5;
        fails(bpf_link_create(p.0, -1, uapi::BPF_PERF_EVENT, &*o), libc::EBADF);
        // Fields of another attach type's member set: -EINVAL before the kernel.
        o._anon0.kprobe_multi.syms = std::ptr::NonNull::dangling().as_ptr();
        fails(bpf_link_create(p.0, -1, uapi::BPF_PERF_EVENT, &*o), libc::EINVAL);
        // iter_info_len and target_btf_id together: -EINVAL.
        let mut o = opts::<bpf_link_create_opts>();
        o.iter_info_len = 4;
        o.target_btf_id = 4;
        fails(bpf_link_create(p.0, 0, uapi::BPF_TRACE_ITER, &*o), libc::EINVAL);
        // Non-zero bytes past uprobe_multi.pid (the last known field): -EINVAL.
        let mut r = opts::<bpf_link_create_opts>();
        let bytes = &mut *r as *mut bpf_link_create_opts as *mut u8;
        *bytes.add(BPF_LINK_CREATE_OPTS_END) = 1;
        fails(bpf_link_create(p.0, -1, uapi::BPF_PERF_EVENT, &*r), libc::EINVAL);
        // The same byte with a caller sz that stops before it: ignored (EBADF from the kernel).
        r.sz = BPF_LINK_CREATE_OPTS_END;
        fails(bpf_link_create(p.0, -1, uapi::BPF_PERF_EVENT, &*r), libc::EBADF);
        // Default attach types take no union member at all.
        let mut o = opts::<bpf_link_create_opts>();
        o._anon0.tracing.cookie = 1;
        fails(bpf_link_create(p.0, 0, uapi::BPF_CGROUP_INET_INGRESS, &*o), libc::EINVAL);
    }
}

fn cgroup2_root() -> Option<std::path::PathBuf> {
    let m = std::fs::read_to_string("/proc/self/mounts").ok()?;
    m.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.get(2) == Some(&"cgroup2")).then(|| std::path::PathBuf::from(f[1]))
    })
}

#[test]
fn cgroup_attach_query_links() {
    if !privileged() {
        return;
    }
    let Some(root) = cgroup2_root() else {
        crate::skip!("no cgroup2 mount");
        return;
    };
    let dir = root.join(format!("oxbpf-ffi-{}", std::process::id()));
    if std::fs::create_dir(&dir).is_err() {
        crate::skip!("cannot create a cgroup");
        return;
    }
    struct Rmdir(std::path::PathBuf);
    impl Drop for Rmdir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir(&self.0);
        }
    }
    let _rm = Rmdir(dir.clone());
    let cpath = CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: (whole block) as above.
    unsafe {
        let cg = fd(libc::open(cpath.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC));
        let load = |attach: u32| {
            let mut o = opts::<bpf_prog_load_opts>();
            o.expected_attach_type = attach;
            fd(bpf_prog_load(uapi::BPF_PROG_TYPE_CGROUP_SKB, null(), c"GPL".as_ptr(), ret(1).as_ptr(), 2, &mut *o))
        };
        let p1 = load(uapi::BPF_CGROUP_INET_INGRESS);
        let p2 = load(uapi::BPF_CGROUP_INET_INGRESS);
        assert_eq!(bpf_prog_attach(p1.0, cg.0, uapi::BPF_CGROUP_INET_INGRESS, uapi::BPF_F_ALLOW_MULTI), 0);
        let mut ao = opts::<bpf_prog_attach_opts>();
        ao.flags = uapi::BPF_F_ALLOW_MULTI;
        assert_eq!(bpf_prog_attach_opts(p2.0, cg.0, uapi::BPF_CGROUP_INET_INGRESS, &*ao), 0);

        let mut ids = [0u32; 8];
        let mut cnt = ids.len() as u32;
        let mut flags = 0u32;
        assert_eq!(bpf_prog_query(cg.0, uapi::BPF_CGROUP_INET_INGRESS, 0, &mut flags, ids.as_mut_ptr(), &mut cnt), 0);
        assert_eq!((cnt, flags), (2, uapi::BPF_F_ALLOW_MULTI));
        let mut q = opts::<bpf_prog_query_opts>();
        q.prog_ids = ids.as_mut_ptr();
        q._anon0.count = ids.len() as u32;
        assert_eq!(bpf_prog_query_opts(cg.0, uapi::BPF_CGROUP_INET_INGRESS, &mut *q), 0);
        assert_eq!(q._anon0.prog_cnt, 2);
        fails(bpf_prog_query(cg.0, uapi::BPF_CGROUP_INET_INGRESS, 0, null_mut(), null_mut(), null_mut()), libc::EINVAL);

        assert_eq!(bpf_prog_detach2(p1.0, cg.0, uapi::BPF_CGROUP_INET_INGRESS), 0);
        let d = opts::<bpf_prog_detach_opts>();
        assert_eq!(bpf_prog_detach_opts(p2.0, cg.0, uapi::BPF_CGROUP_INET_INGRESS, &*d), 0);
        common::set_errno(0);
        fails(bpf_prog_detach2(p2.0, cg.0, uapi::BPF_CGROUP_INET_INGRESS), libc::ENOENT);
        let mut ao = opts::<bpf_prog_attach_opts>();
        ao.relative_fd = p1.0;
        ao.relative_id = 1;
        fails(bpf_prog_attach_opts(p2.0, cg.0, uapi::BPF_CGROUP_INET_INGRESS, &*ao), libc::EINVAL);

        // Links, with a guarded update.
        let l = fd(bpf_link_create(p1.0, cg.0, uapi::BPF_CGROUP_INET_INGRESS, null()));
        let mut uo = opts::<bpf_link_update_opts>();
        uo.flags = uapi::BPF_F_REPLACE;
        uo.old_prog_fd = p2.0 as u32;
        fails(bpf_link_update(l.0, p2.0, &*uo), libc::EPERM);
        uo.old_prog_fd = p1.0 as u32;
        assert_eq!(bpf_link_update(l.0, p2.0, &*uo), 0);
        uo.old_map_fd = 3;
        fails(bpf_link_update(l.0, p2.0, &*uo), libc::EINVAL);
        assert_eq!(bpf_link_update(l.0, p1.0, null()), 0);
        assert_eq!(bpf_link_detach(l.0), 0);
        cnt = ids.len() as u32;
        assert_eq!(bpf_prog_query(cg.0, uapi::BPF_CGROUP_INET_INGRESS, 0, null_mut(), ids.as_mut_ptr(), &mut cnt), 0);
        assert_eq!(cnt, 0);
    }
}

#[test]
fn pin_get_stats_bind_token() {
    if !privileged() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bpffs-ffi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cdir = CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: (whole block) strings NUL-terminated, buffers live.
    unsafe {
        if libc::mount(c"bpf".as_ptr(), cdir.as_ptr(), c"bpf".as_ptr(), 0, null()) != 0 {
            crate::skip!("mount -t bpf failed ({})", common::errno());
            return;
        }
        let path = CString::new(dir.join("m").as_os_str().as_encoded_bytes()).unwrap();
        let m = fd(bpf_map_create(uapi::BPF_MAP_TYPE_ARRAY, c"ffi_pin".as_ptr(), 4, 4, 1, null()));
        assert_eq!(bpf_obj_pin(m.0, path.as_ptr()), 0);
        common::set_errno(0);
        fails(bpf_obj_pin(m.0, path.as_ptr()), libc::EEXIST);
        let g = fd(bpf_obj_get(path.as_ptr()));
        assert_eq!(bpf_map_update_elem(g.0, vp(&0u32), vp(&5u32), 0), 0);
        let mut o = opts::<bpf_obj_get_opts>();
        o.file_flags = uapi::BPF_F_RDONLY;
        let ro = fd(bpf_obj_get_opts(path.as_ptr(), &*o));
        fails(bpf_map_update_elem(ro.0, vp(&0u32), vp(&5u32), 0), libc::EPERM);
        // Relative to a directory fd.
        let dfd = fd(libc::open(cdir.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC));
        let mut po = opts::<bpf_obj_pin_opts>();
        po.file_flags = uapi::BPF_F_PATH_FD;
        po.path_fd = dfd.0;
        assert_eq!(bpf_obj_pin_opts(m.0, c"rel".as_ptr(), &*po), 0);
        let mut go = opts::<bpf_obj_get_opts>();
        go.file_flags = uapi::BPF_F_PATH_FD;
        go.path_fd = dfd.0;
        let rel = fd(bpf_obj_get_opts(c"rel".as_ptr(), &*go));
        drop(rel);
        fails(bpf_obj_get(c"/nonexistent/oxbpf".as_ptr()), libc::ENOENT);

        // Tokens need delegation inside a user namespace: refused here.
        let t = bpf_token_create(dfd.0, null_mut());
        assert!(t < 0, "token created in the initial user namespace?");
        assert_eq!(common::errno(), -t);

        drop((g, ro, dfd));
        libc::umount2(cdir.as_ptr(), libc::MNT_DETACH);
        let _ = std::fs::remove_dir(&dir);

        let stats = fd(bpf_enable_stats(0));
        drop(stats);
        let p = fd(bpf_prog_load(1, null(), c"GPL".as_ptr(), ret(0).as_ptr(), 2, null_mut()));
        let bo = opts::<bpf_prog_bind_opts>();
        assert_eq!(bpf_prog_bind_map(p.0, m.0, &*bo), 0);
        fails(bpf_prog_bind_map(p.0, -1, null()), libc::EBADF);
        fails(bpf_iter_create(-1), libc::EBADF);
        assert_eq!(libbpf_set_memlock_rlim(0), 0, "memcg kernels never bump, so this stays settable");
        assert_eq!(libbpf_set_memlock_rlim(usize::MAX), 0);
    }
}
