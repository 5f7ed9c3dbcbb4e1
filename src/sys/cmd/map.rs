//! Map commands: create, element access and batches, with value sizes checked against the
//! map's shape (per-CPU values are rounded to 8 bytes per possible CPU).

use super::obj::map_info;
use super::{addr, addr_mut, fail, fail_or_quiet, fd_u32, obj_name, raw};
use crate::error::{Error, Result};
use crate::sys::attr::*;
use crate::uapi;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

/// Arguments of [`map_create`]. `Default` is an unnamed, zero-sized map of type 0: fill what
/// you need.
#[derive(Debug, Clone, Default)]
pub struct MapCreate<'a> {
    /// `enum bpf_map_type`.
    pub map_type: u32,
    /// Truncated to 15 bytes; bytes the kernel refuses become `_` (see [`obj_name`]).
    pub name: &'a str,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    /// `BPF_F_*`; the flags implied by the options below are added automatically.
    pub map_flags: u32,
    pub btf_fd: Option<BorrowedFd<'a>>,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    /// Kernel type id of a struct_ops map's value.
    pub btf_vmlinux_value_type_id: u32,
    pub inner_map_fd: Option<BorrowedFd<'a>>,
    /// Sets `BPF_F_NUMA_NODE`.
    pub numa_node: Option<u32>,
    pub map_extra: u64,
    pub map_ifindex: u32,
    /// Module BTF holding `btf_vmlinux_value_type_id`; sets `BPF_F_VTYPE_BTF_OBJ_FD`.
    pub value_type_btf_obj_fd: Option<BorrowedFd<'a>>,
    /// Sets `BPF_F_TOKEN_FD`.
    pub token_fd: Option<BorrowedFd<'a>>,
    /// SHA-256 of the only program allowed to use the map (kernel 6.18+, libbpf 1.7).
    pub excl_prog_hash: Option<&'a [u8; 32]>,
}

impl MapCreate<'_> {
    /// The attr this request becomes.
    pub fn attr(&self) -> MapCreateAttr {
        let mut flags = self.map_flags;
        if self.numa_node.is_some() {
            flags |= uapi::BPF_F_NUMA_NODE;
        }
        if self.value_type_btf_obj_fd.is_some() {
            flags |= uapi::BPF_F_VTYPE_BTF_OBJ_FD;
        }
        if self.token_fd.is_some() {
            flags |= uapi::BPF_F_TOKEN_FD;
        }
        MapCreateAttr {
            map_type: self.map_type,
            key_size: self.key_size,
            value_size: self.value_size,
            max_entries: self.max_entries,
            map_flags: flags,
            inner_map_fd: fd_u32(self.inner_map_fd),
            numa_node: self.numa_node.unwrap_or(0),
            map_name: obj_name(self.name),
            map_ifindex: self.map_ifindex,
            btf_fd: fd_u32(self.btf_fd),
            btf_key_type_id: self.btf_key_type_id,
            btf_value_type_id: self.btf_value_type_id,
            btf_vmlinux_value_type_id: self.btf_vmlinux_value_type_id,
            map_extra: self.map_extra,
            value_type_btf_obj_fd: self.value_type_btf_obj_fd.map_or(0, |f| f.as_raw_fd()),
            map_token_fd: self.token_fd.map_or(0, |f| f.as_raw_fd()),
        }
    }
}

/// `BPF_MAP_CREATE`.
pub fn map_create(a: &MapCreate) -> Result<OwnedFd> {
    let mut attr = a.attr();
    let r = match a.excl_prog_hash {
        None => raw::map_create(&mut attr),
        Some(h) => {
            let mut x = crate::sys::attr::MapCreateExclAttr {
                base: attr,
                excl_prog_hash: h.as_ptr() as u64,
                excl_prog_hash_size: h.len() as u32,
                _pad0: 0,
            };
            // `excl_prog_hash` points to the 32 bytes of `h`, borrowed for this call.
            raw::call_fd(uapi::BPF_MAP_CREATE, &mut x, crate::sys::attr::MapCreateExclAttr::SIZE)
        }
    };
    r.map_err(|e| fail(format_args!("map '{}'", a.name), uapi::BPF_MAP_CREATE, &e))
}

/// What the kernel reads and writes per element of a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapShape {
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    /// Bytes of one value as user space sees it: `value_size`, or for per-CPU maps
    /// `round_up(value_size, 8) * possible CPUs`.
    pub value_bytes: usize,
}

/// Whether lookups of this map type return one value per possible CPU.
pub fn is_percpu(map_type: u32) -> bool {
    matches!(
        map_type,
        uapi::BPF_MAP_TYPE_PERCPU_HASH
            | uapi::BPF_MAP_TYPE_PERCPU_ARRAY
            | uapi::BPF_MAP_TYPE_LRU_PERCPU_HASH
            | uapi::BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE
    )
}

/// The user-visible size of one value: per-CPU maps hold `round_up(value_size, 8)` per
/// possible CPU.
pub fn value_bytes(map_type: u32, value_size: u32) -> Result<usize> {
    if is_percpu(map_type) {
        Ok((value_size as usize).next_multiple_of(8) * crate::sys::possible_cpus()?)
    } else {
        Ok(value_size as usize)
    }
}

/// Key and value sizes of a map, from the kernel.
pub fn map_shape(fd: BorrowedFd) -> Result<MapShape> {
    let i = map_info(fd)?;
    Ok(MapShape {
        map_type: i.type_,
        key_size: i.key_size,
        value_size: i.value_size,
        value_bytes: value_bytes(i.type_, i.value_size)?,
    })
}

fn check_len(fd: BorrowedFd, what: &str, have: usize, need: usize) -> Result<()> {
    if have < need {
        return Err(Error::inval(format!(
            "map fd {}: {what} buffer of {have} bytes is smaller than the map's {need}",
            fd.as_raw_fd()
        )));
    }
    Ok(())
}

fn map_what(fd: BorrowedFd) -> String {
    format!("map fd {}", fd.as_raw_fd())
}

/// `BPF_MAP_UPDATE_ELEM`. `key`/`value` must be at least the map's key/value size (per-CPU:
/// one slot per possible CPU), checked against the kernel's view of the map.
pub fn map_update_elem(fd: BorrowedFd, key: &[u8], value: &[u8], flags: u64) -> Result<()> {
    let s = map_shape(fd)?;
    check_len(fd, "key", key.len(), s.key_size as usize)?;
    check_len(fd, "value", value.len(), s.value_bytes)?;
    // SAFETY: both buffers are at least as large as what the kernel reads (checked above).
    unsafe { raw::map_elem(uapi::BPF_MAP_UPDATE_ELEM, fd.as_raw_fd(), addr(key), addr(value), flags) }
        .map_err(|e| fail(map_what(fd), uapi::BPF_MAP_UPDATE_ELEM, &e))
}

/// `BPF_MAP_LOOKUP_ELEM` into `value` (at least the map's value size; per-CPU: all CPUs).
/// A missing key is a quiet `ENOENT`.
pub fn map_lookup_elem(fd: BorrowedFd, key: &[u8], value: &mut [u8], flags: u64) -> Result<()> {
    let s = map_shape(fd)?;
    check_len(fd, "key", key.len(), s.key_size as usize)?;
    check_len(fd, "value", value.len(), s.value_bytes)?;
    // SAFETY: sizes checked above; the kernel writes at most value_bytes into `value`.
    unsafe { raw::map_elem(uapi::BPF_MAP_LOOKUP_ELEM, fd.as_raw_fd(), addr(key), addr_mut(value), flags) }
        .map_err(|e| fail_or_quiet(map_what(fd), uapi::BPF_MAP_LOOKUP_ELEM, &e))
}

/// `BPF_MAP_DELETE_ELEM`. A missing key is a quiet `ENOENT`.
pub fn map_delete_elem(fd: BorrowedFd, key: &[u8], flags: u64) -> Result<()> {
    let s = map_shape(fd)?;
    check_len(fd, "key", key.len(), s.key_size as usize)?;
    // SAFETY: key size checked above; no value buffer.
    unsafe { raw::map_elem(uapi::BPF_MAP_DELETE_ELEM, fd.as_raw_fd(), addr(key), 0, flags) }
        .map_err(|e| fail_or_quiet(map_what(fd), uapi::BPF_MAP_DELETE_ELEM, &e))
}

/// `BPF_MAP_GET_NEXT_KEY`: the key after `key` (`None`: the first key) into `next`. The end
/// of the map is a quiet `ENOENT`.
pub fn map_get_next_key(fd: BorrowedFd, key: Option<&[u8]>, next: &mut [u8]) -> Result<()> {
    let s = map_shape(fd)?;
    if let Some(k) = key {
        check_len(fd, "key", k.len(), s.key_size as usize)?;
    }
    check_len(fd, "next key", next.len(), s.key_size as usize)?;
    // SAFETY: sizes checked above; the kernel writes key_size bytes into `next`.
    unsafe { raw::map_get_next_key(fd.as_raw_fd(), key.map_or(0, addr), addr_mut(next)) }
        .map_err(|e| fail_or_quiet(map_what(fd), uapi::BPF_MAP_GET_NEXT_KEY, &e))
}

/// `BPF_MAP_LOOKUP_AND_DELETE_ELEM` (also: pop from queue/stack maps, whose key is empty).
pub fn map_lookup_and_delete_elem(fd: BorrowedFd, key: &[u8], value: &mut [u8], flags: u64) -> Result<()> {
    let s = map_shape(fd)?;
    check_len(fd, "key", key.len(), s.key_size as usize)?;
    check_len(fd, "value", value.len(), s.value_bytes)?;
    // SAFETY: sizes checked above.
    unsafe { raw::map_elem(uapi::BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd.as_raw_fd(), addr(key), addr_mut(value), flags) }
        .map_err(|e| fail_or_quiet(map_what(fd), uapi::BPF_MAP_LOOKUP_AND_DELETE_ELEM, &e))
}

/// `BPF_MAP_FREEZE`: user space can no longer update the map (`EPERM`).
pub fn map_freeze(fd: BorrowedFd) -> Result<()> {
    raw::map_freeze(fd.as_raw_fd()).map_err(|e| fail(map_what(fd), uapi::BPF_MAP_FREEZE, &e))
}

/// What a lookup batch returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOut {
    /// Elements copied into the key/value buffers.
    pub count: u32,
    /// The map has no more elements (the kernel said `ENOENT`); `count` may still be > 0.
    pub done: bool,
}

/// Size of the opaque resume token of batch operations: hash maps use a 4-byte bucket index,
/// arrays a key.
fn batch_token_size(s: &MapShape) -> usize {
    (s.key_size as usize).max(4)
}

#[allow(clippy::too_many_arguments)]
fn lookup_batch(
    cmd: u32,
    fd: BorrowedFd,
    in_batch: Option<&[u8]>,
    out_batch: &mut [u8],
    keys: &mut [u8],
    values: &mut [u8],
    count: u32,
    elem_flags: u64,
    flags: u64,
) -> Result<BatchOut> {
    let s = map_shape(fd)?;
    let n = count as usize;
    let tok = batch_token_size(&s);
    if let Some(b) = in_batch {
        check_len(fd, "in_batch", b.len(), tok)?;
    }
    check_len(fd, "out_batch", out_batch.len(), tok)?;
    check_len(fd, "keys", keys.len(), n.saturating_mul(s.key_size as usize))?;
    check_len(fd, "values", values.len(), n.saturating_mul(s.value_bytes))?;
    let mut a = MapBatchAttr {
        in_batch: in_batch.map_or(0, addr),
        out_batch: addr_mut(out_batch),
        keys: addr_mut(keys),
        values: addr_mut(values),
        count,
        map_fd: fd.as_raw_fd() as u32,
        elem_flags,
        flags,
    };
    // SAFETY: every buffer holds `count` elements / a token of the map's sizes (checked above).
    match unsafe { raw::map_batch(cmd, &mut a) } {
        Ok(()) => Ok(BatchOut { count: a.count, done: false }),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(BatchOut { count: a.count, done: true }),
        Err(e) => Err(fail(map_what(fd), cmd, &e)),
    }
}

/// `BPF_MAP_LOOKUP_BATCH`: up to `count` elements after the resume token `in_batch` (`None`:
/// from the start) into `keys`/`values`; the next token goes to `out_batch` (at least
/// `max(key_size, 4)` bytes).
#[allow(clippy::too_many_arguments)]
pub fn map_lookup_batch(
    fd: BorrowedFd,
    in_batch: Option<&[u8]>,
    out_batch: &mut [u8],
    keys: &mut [u8],
    values: &mut [u8],
    count: u32,
    elem_flags: u64,
    flags: u64,
) -> Result<BatchOut> {
    lookup_batch(uapi::BPF_MAP_LOOKUP_BATCH, fd, in_batch, out_batch, keys, values, count, elem_flags, flags)
}

/// `BPF_MAP_LOOKUP_AND_DELETE_BATCH`, as [`map_lookup_batch`] but deleting what it returns.
#[allow(clippy::too_many_arguments)]
pub fn map_lookup_and_delete_batch(
    fd: BorrowedFd,
    in_batch: Option<&[u8]>,
    out_batch: &mut [u8],
    keys: &mut [u8],
    values: &mut [u8],
    count: u32,
    elem_flags: u64,
    flags: u64,
) -> Result<BatchOut> {
    lookup_batch(uapi::BPF_MAP_LOOKUP_AND_DELETE_BATCH, fd, in_batch, out_batch, keys, values, count, elem_flags, flags)
}

/// `BPF_MAP_UPDATE_BATCH`: `count` keys and values, packed. Returns the number updated.
pub fn map_update_batch(
    fd: BorrowedFd,
    keys: &[u8],
    values: &[u8],
    count: u32,
    elem_flags: u64,
    flags: u64,
) -> Result<u32> {
    let s = map_shape(fd)?;
    let n = count as usize;
    check_len(fd, "keys", keys.len(), n.saturating_mul(s.key_size as usize))?;
    check_len(fd, "values", values.len(), n.saturating_mul(s.value_bytes))?;
    let mut a = MapBatchAttr {
        keys: addr(keys),
        values: addr(values),
        count,
        map_fd: fd.as_raw_fd() as u32,
        elem_flags,
        flags,
        ..Default::default()
    };
    // SAFETY: the kernel reads `count` keys and values, which the buffers hold (checked).
    unsafe { raw::map_batch(uapi::BPF_MAP_UPDATE_BATCH, &mut a) }
        .map(|_| a.count)
        .map_err(|e| fail(map_what(fd), uapi::BPF_MAP_UPDATE_BATCH, &e))
}

/// `BPF_MAP_DELETE_BATCH`: `count` packed keys. Returns the number deleted.
pub fn map_delete_batch(fd: BorrowedFd, keys: &[u8], count: u32, elem_flags: u64, flags: u64) -> Result<u32> {
    let s = map_shape(fd)?;
    check_len(fd, "keys", keys.len(), (count as usize).saturating_mul(s.key_size as usize))?;
    let mut a = MapBatchAttr {
        keys: addr(keys),
        count,
        map_fd: fd.as_raw_fd() as u32,
        elem_flags,
        flags,
        ..Default::default()
    };
    // SAFETY: the kernel reads `count` keys, which the buffer holds (checked).
    unsafe { raw::map_batch(uapi::BPF_MAP_DELETE_BATCH, &mut a) }
        .map(|_| a.count)
        .map_err(|e| fail(map_what(fd), uapi::BPF_MAP_DELETE_BATCH, &e))
}
