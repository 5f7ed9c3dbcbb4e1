//! bpf.h's map commands: the memlock limit, `bpf_map_create`, element access and batches.

use super::{bump, c_name, done, fd_out, need, read_opts};
use crate::ffi::types::bpf_map_type;
use crate::ffi::types_bpf::*;
use crate::ffi::{int, symver};
use crate::sys::cmd::raw;
use crate::sys::{attr, probe};
use crate::uapi;
use std::ffi::{c_char, c_int, c_void};

/// `libbpf_set_memlock_rlim()`: the RLIMIT_MEMLOCK libbpf sets on kernels that account BPF
/// memory against it (default: unlimited; 0: leave the limit alone). `-EBUSY` once a map,
/// program or BTF object has been created.
#[no_mangle]
pub unsafe extern "C" fn libbpf_set_memlock_rlim(memlock_bytes: usize) -> c_int {
    int("libbpf_set_memlock_rlim", || probe::set_memlock_rlim(memlock_bytes as u64).map(|()| 0))
}
symver!(libbpf_set_memlock_rlim, "LIBBPF_0.7.0");

/// Create a map (`BPF_MAP_CREATE`). `map_name` may be NULL; it is truncated to 15 bytes.
/// Returns the new map's fd.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_create(
    map_type: bpf_map_type,
    map_name: *const c_char,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    opts: *const bpf_map_create_opts,
) -> c_int {
    int("bpf_map_create", || {
        bump();
        // SAFETY: `opts` is NULL or a LIBBPF_OPTS-declared struct (C caller's contract).
        let o = unsafe { read_opts(opts) }?;
        let mut a = attr::MapCreateAttr {
            map_type,
            key_size,
            value_size,
            max_entries,
            map_flags: o.map_flags,
            inner_map_fd: o.inner_map_fd,
            numa_node: o.numa_node,
            // SAFETY: NULL or a NUL-terminated string (caller's contract).
            map_name: unsafe { c_name(map_name) },
            map_ifindex: o.map_ifindex,
            btf_fd: o.btf_fd,
            btf_key_type_id: o.btf_key_type_id,
            btf_value_type_id: o.btf_value_type_id,
            btf_vmlinux_value_type_id: o.btf_vmlinux_value_type_id,
            map_extra: o.map_extra,
            value_type_btf_obj_fd: o.value_type_btf_obj_fd,
            map_token_fd: o.token_fd as i32,
        };
        if o.excl_prog_hash.is_null() && o.excl_prog_hash_size == 0 {
            return fd_out(raw::map_create(&mut a));
        }
        // libbpf 1.7: the kernel reads the hash from the caller's pointer.
        let mut x = attr::MapCreateExclAttr {
            base: a,
            excl_prog_hash: o.excl_prog_hash as u64,
            excl_prog_hash_size: o.excl_prog_hash_size,
            _pad0: 0,
        };
        fd_out(raw::call_fd(uapi::BPF_MAP_CREATE, &mut x, attr::MapCreateExclAttr::SIZE))
    })
}
symver!(bpf_map_create, "LIBBPF_0.6.0");

/// `BPF_MAP_*_ELEM` with caller pointers.
///
/// # Safety
/// `key`/`value` are handed to the kernel as the C caller's buffers for this map.
unsafe fn elem(func: &str, cmd: u32, fd: c_int, key: *const c_void, value: *mut c_void, flags: u64) -> c_int {
    int(func, || {
        // SAFETY: the kernel accesses the caller's buffers, sized for the map by C's contract.
        done(unsafe { raw::map_elem(cmd, fd, key as u64, value as u64, flags) })
    })
}

/// Create or update an element (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`, `BPF_F_LOCK`).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_update_elem(fd: c_int, key: *const c_void, value: *const c_void, flags: u64) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe { elem("bpf_map_update_elem", uapi::BPF_MAP_UPDATE_ELEM, fd, key, value as *mut c_void, flags) }
}
symver!(bpf_map_update_elem, "LIBBPF_0.0.1");

/// Copy an element's value into `value` (`-ENOENT` if absent).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_elem(fd: c_int, key: *const c_void, value: *mut c_void) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe { elem("bpf_map_lookup_elem", uapi::BPF_MAP_LOOKUP_ELEM, fd, key, value, 0) }
}
symver!(bpf_map_lookup_elem, "LIBBPF_0.0.1");

/// `bpf_map_lookup_elem()` with flags (`BPF_F_LOCK`).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_elem_flags(
    fd: c_int,
    key: *const c_void,
    value: *mut c_void,
    flags: u64,
) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe { elem("bpf_map_lookup_elem_flags", uapi::BPF_MAP_LOOKUP_ELEM, fd, key, value, flags) }
}
symver!(bpf_map_lookup_elem_flags, "LIBBPF_0.0.2");

/// Look up and delete an element; pops queue/stack maps (key NULL).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_and_delete_elem(fd: c_int, key: *const c_void, value: *mut c_void) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe { elem("bpf_map_lookup_and_delete_elem", uapi::BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, 0) }
}
symver!(bpf_map_lookup_and_delete_elem, "LIBBPF_0.0.1");

/// `bpf_map_lookup_and_delete_elem()` with flags.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_and_delete_elem_flags(
    fd: c_int,
    key: *const c_void,
    value: *mut c_void,
    flags: u64,
) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe { elem("bpf_map_lookup_and_delete_elem_flags", uapi::BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, flags) }
}
symver!(bpf_map_lookup_and_delete_elem_flags, "LIBBPF_0.5.0");

/// Delete an element (`-ENOENT` if absent).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_delete_elem(fd: c_int, key: *const c_void) -> c_int {
    // SAFETY: C caller's buffer.
    unsafe { elem("bpf_map_delete_elem", uapi::BPF_MAP_DELETE_ELEM, fd, key, std::ptr::null_mut(), 0) }
}
symver!(bpf_map_delete_elem, "LIBBPF_0.0.1");

/// `bpf_map_delete_elem()` with flags.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_delete_elem_flags(fd: c_int, key: *const c_void, flags: u64) -> c_int {
    // SAFETY: C caller's buffer.
    unsafe { elem("bpf_map_delete_elem_flags", uapi::BPF_MAP_DELETE_ELEM, fd, key, std::ptr::null_mut(), flags) }
}
symver!(bpf_map_delete_elem_flags, "LIBBPF_0.8.0");

/// The key after `key` (NULL: the first key) into `next_key`; `-ENOENT` at the end.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_get_next_key(fd: c_int, key: *const c_void, next_key: *mut c_void) -> c_int {
    int("bpf_map_get_next_key", || {
        // SAFETY: C caller's buffers, sized for the map's key.
        done(unsafe { raw::map_get_next_key(fd, key as u64, next_key as u64) })
    })
}
symver!(bpf_map_get_next_key, "LIBBPF_0.0.1");

/// Make the map read-only for user space.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_freeze(fd: c_int) -> c_int {
    int("bpf_map_freeze", || done(raw::map_freeze(fd)))
}
symver!(bpf_map_freeze, "LIBBPF_0.0.3");

/// The shared body of the batch functions; `*count` is updated even on failure.
///
/// # Safety
/// Buffers per the C caller's contract; `count` NULL or writable.
#[allow(clippy::too_many_arguments)]
unsafe fn batch(
    func: &str,
    cmd: u32,
    fd: c_int,
    in_batch: *const c_void,
    out_batch: *mut c_void,
    keys: *const c_void,
    values: *const c_void,
    count: *mut u32,
    opts: *const bpf_map_batch_opts,
) -> c_int {
    int(func, || {
        // SAFETY: NULL or a LIBBPF_OPTS-declared struct.
        let o = unsafe { read_opts(opts) }?;
        let count = need(count, func, "count")?;
        let mut a = attr::MapBatchAttr {
            in_batch: in_batch as u64,
            out_batch: out_batch as u64,
            keys: keys as u64,
            values: values as u64,
            // SAFETY: non-NULL, and readable per the caller's contract.
            count: unsafe { *count },
            map_fd: fd as u32,
            elem_flags: o.elem_flags,
            flags: o.flags,
        };
        // SAFETY: the kernel accesses the caller's buffers for `count` elements.
        let r = unsafe { raw::map_batch(cmd, &mut a) };
        // SAFETY: non-NULL and writable per the caller's contract.
        unsafe { *count = a.count };
        done(r)
    })
}

/// Delete `*count` keys; `*count` becomes the number deleted.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_delete_batch(
    fd: c_int,
    keys: *const c_void,
    count: *mut u32,
    opts: *const bpf_map_batch_opts,
) -> c_int {
    let null = std::ptr::null();
    // SAFETY: C caller's buffers.
    unsafe {
        batch(
            "bpf_map_delete_batch",
            uapi::BPF_MAP_DELETE_BATCH,
            fd,
            null,
            std::ptr::null_mut(),
            keys,
            null,
            count,
            opts,
        )
    }
}
symver!(bpf_map_delete_batch, "LIBBPF_0.0.7");

/// Read up to `*count` elements after the token `in_batch` (NULL: from the start); the next
/// token goes to `out_batch`; `-ENOENT` when the map is exhausted (with `*count` set).
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_batch(
    fd: c_int,
    in_batch: *mut c_void,
    out_batch: *mut c_void,
    keys: *mut c_void,
    values: *mut c_void,
    count: *mut u32,
    opts: *const bpf_map_batch_opts,
) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe {
        batch("bpf_map_lookup_batch", uapi::BPF_MAP_LOOKUP_BATCH, fd, in_batch, out_batch, keys, values, count, opts)
    }
}
symver!(bpf_map_lookup_batch, "LIBBPF_0.0.7");

/// `bpf_map_lookup_batch()` deleting what it returns.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_lookup_and_delete_batch(
    fd: c_int,
    in_batch: *mut c_void,
    out_batch: *mut c_void,
    keys: *mut c_void,
    values: *mut c_void,
    count: *mut u32,
    opts: *const bpf_map_batch_opts,
) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe {
        batch(
            "bpf_map_lookup_and_delete_batch",
            uapi::BPF_MAP_LOOKUP_AND_DELETE_BATCH,
            fd,
            in_batch,
            out_batch,
            keys,
            values,
            count,
            opts,
        )
    }
}
symver!(bpf_map_lookup_and_delete_batch, "LIBBPF_0.0.7");

/// Update `*count` elements; `*count` becomes the number updated.
#[no_mangle]
pub unsafe extern "C" fn bpf_map_update_batch(
    fd: c_int,
    keys: *const c_void,
    values: *const c_void,
    count: *mut u32,
    opts: *const bpf_map_batch_opts,
) -> c_int {
    // SAFETY: C caller's buffers.
    unsafe {
        batch(
            "bpf_map_update_batch",
            uapi::BPF_MAP_UPDATE_BATCH,
            fd,
            std::ptr::null(),
            std::ptr::null_mut(),
            keys,
            values,
            count,
            opts,
        )
    }
}
symver!(bpf_map_update_batch, "LIBBPF_0.0.7");
