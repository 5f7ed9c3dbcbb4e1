//! `bpf_map__*`: map attributes before load, initial values, and the map-level element API.
//!
//! Setters follow libbpf's rules: attributes that shape the kernel map fail with -EBUSY once the
//! map exists (object loaded or fd reused). Unlike libbpf, a NULL map is -EINVAL (or a zero
//! value), never a crash.

use super::handle::{get, get_mut, opt_cstr};
use super::types::bpf_map_type;
use super::{int, ptr, symver, val};
use crate::error::{Error, Result};
use crate::object::{Map, MapKind};
use crate::sys::cmd;
use crate::uapi;
use std::ffi::{c_char, c_int, c_void};

/// Run a setter on a map.
fn set(func: &str, map: *mut Map, f: impl FnOnce(&mut Map) -> Result<()>) -> c_int {
    int(func, || {
        // SAFETY: C contract: map is a live handle or NULL, not aliased during the call.
        let m = unsafe { get_mut(map, "map") }?;
        f(m).map(|()| 0)
    })
}

/// Read a value from a map; a NULL map gives `fallback` with errno EINVAL.
fn read<T: Copy>(func: &str, map: *const Map, fallback: T, f: impl FnOnce(&Map) -> T) -> T {
    val(func, fallback, || {
        // SAFETY: C contract: map is a live handle or NULL.
        match unsafe { super::handle::opt_logged(func, map, "map") } {
            Some(m) => f(m),
            None => {
                super::set_errno(libc::EINVAL);
                fallback
            }
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn bpf_map__name(map: *const Map) -> *const c_char {
    ptr("bpf_map__name", || {
        // SAFETY: C contract: map is a live handle or NULL.
        Ok(unsafe { get(map, "map") }?.name().as_ptr() as *mut c_char)
    })
}
symver!(bpf_map__name, "LIBBPF_0.0.1");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__fd(map: *const Map) -> c_int {
    int("bpf_map__fd", || {
        // SAFETY: C contract: map is a live handle or NULL.
        let m = unsafe { get(map, "map") }?;
        Ok(if m.is_created() { m.raw_fd() } else { -1 })
    })
}
symver!(bpf_map__fd, "LIBBPF_0.0.1");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__type(map: *const Map) -> bpf_map_type {
    read("bpf_map__type", map, 0, |m| m.def.map_type)
}
symver!(bpf_map__type, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_type(map: *mut Map, map_type: bpf_map_type) -> c_int {
    set("bpf_map__set_type", map, |m| {
        m.ensure_not_created()?;
        m.def.map_type = map_type;
        Ok(())
    })
}
symver!(bpf_map__set_type, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__max_entries(map: *const Map) -> u32 {
    read("bpf_map__max_entries", map, 0, |m| m.def.max_entries)
}
symver!(bpf_map__max_entries, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_max_entries(map: *mut Map, max_entries: u32) -> c_int {
    set("bpf_map__set_max_entries", map, |m| {
        m.ensure_object_not_loaded()?;
        m.set_max_entries(max_entries);
        Ok(())
    })
}
symver!(bpf_map__set_max_entries, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__map_flags(map: *const Map) -> u32 {
    read("bpf_map__map_flags", map, 0, |m| m.def.map_flags)
}
symver!(bpf_map__map_flags, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_map_flags(map: *mut Map, flags: u32) -> c_int {
    set("bpf_map__set_map_flags", map, |m| {
        m.ensure_not_created()?;
        m.def.map_flags = flags;
        Ok(())
    })
}
symver!(bpf_map__set_map_flags, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__numa_node(map: *const Map) -> u32 {
    read("bpf_map__numa_node", map, 0, |m| m.def.numa_node)
}
symver!(bpf_map__numa_node, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_numa_node(map: *mut Map, numa_node: u32) -> c_int {
    set("bpf_map__set_numa_node", map, |m| {
        m.ensure_not_created()?;
        m.def.numa_node = numa_node;
        Ok(())
    })
}
symver!(bpf_map__set_numa_node, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__key_size(map: *const Map) -> u32 {
    read("bpf_map__key_size", map, 0, |m| m.def.key_size)
}
symver!(bpf_map__key_size, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_key_size(map: *mut Map, size: u32) -> c_int {
    set("bpf_map__set_key_size", map, |m| {
        m.ensure_not_created()?;
        m.def.key_size = size;
        Ok(())
    })
}
symver!(bpf_map__set_key_size, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__value_size(map: *const Map) -> u32 {
    read("bpf_map__value_size", map, 0, |m| m.def.value_size)
}
symver!(bpf_map__value_size, "LIBBPF_0.1.0");

/// Change the value size; for a global-data map this resizes its buffer (the address may
/// change: re-read it with `bpf_map__initial_value`) and, when the section's last variable is an
/// array, its BTF so the array covers the new size.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_value_size(map: *mut Map, size: u32) -> c_int {
    int("bpf_map__set_value_size", || {
        // SAFETY: C contract: map is a live handle or NULL. The object is reached through the
        // map's back-pointer only after this reference is no longer used.
        let m = unsafe { get_mut(map, "map") }?;
        m.ensure_not_created()?;
        let obj = m.obj as *mut crate::object::Object;
        // SAFETY: the back-pointer is the live owning object; `m` is not used past this point,
        // so the object (which reaches the map) is the only live reference.
        let obj = unsafe { &mut *obj };
        let idx = obj.maps.index_of(map).ok_or_else(|| Error::inval("map does not belong to its object"))?;
        obj.map_set_value_size(idx, size).map(|()| 0)
    })
}
symver!(bpf_map__set_value_size, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__btf_key_type_id(map: *const Map) -> u32 {
    read("bpf_map__btf_key_type_id", map, 0, |m| m.btf_key_type_id)
}
symver!(bpf_map__btf_key_type_id, "LIBBPF_0.0.1");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__btf_value_type_id(map: *const Map) -> u32 {
    read("bpf_map__btf_value_type_id", map, 0, |m| m.btf_value_type_id)
}
symver!(bpf_map__btf_value_type_id, "LIBBPF_0.0.1");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__ifindex(map: *const Map) -> u32 {
    read("bpf_map__ifindex", map, 0, |m| m.ifindex)
}
symver!(bpf_map__ifindex, "LIBBPF_0.1.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_ifindex(map: *mut Map, ifindex: u32) -> c_int {
    set("bpf_map__set_ifindex", map, |m| {
        m.ensure_not_created()?;
        m.ifindex = ifindex;
        Ok(())
    })
}
symver!(bpf_map__set_ifindex, "LIBBPF_0.0.1");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__map_extra(map: *const Map) -> u64 {
    read("bpf_map__map_extra", map, 0, |m| m.def.map_extra)
}
symver!(bpf_map__map_extra, "LIBBPF_0.6.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_map_extra(map: *mut Map, map_extra: u64) -> c_int {
    set("bpf_map__set_map_extra", map, |m| {
        m.ensure_not_created()?;
        m.def.map_extra = map_extra;
        Ok(())
    })
}
symver!(bpf_map__set_map_extra, "LIBBPF_0.6.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__autocreate(map: *const Map) -> bool {
    read("bpf_map__autocreate", map, false, |m| m.autocreate)
}
symver!(bpf_map__autocreate, "LIBBPF_0.8.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_autocreate(map: *mut Map, autocreate: bool) -> c_int {
    set("bpf_map__set_autocreate", map, |m| {
        m.ensure_object_not_loaded()?;
        m.autocreate = autocreate;
        Ok(())
    })
}
symver!(bpf_map__set_autocreate, "LIBBPF_0.8.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__autoattach(map: *const Map) -> bool {
    read("bpf_map__autoattach", map, false, |m| m.autoattach)
}
symver!(bpf_map__autoattach, "LIBBPF_1.5.0");

/// Only struct_ops maps attach; others give -EINVAL as in libbpf.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_autoattach(map: *mut Map, autoattach: bool) -> c_int {
    set("bpf_map__set_autoattach", map, |m| {
        if !m.is_struct_ops() {
            return Err(Error::quiet(libc::EINVAL));
        }
        m.autoattach = autoattach;
        Ok(())
    })
}
symver!(bpf_map__set_autoattach, "LIBBPF_1.5.0");

/// Make `prog` (of the same object) the only program allowed to use `map` (libbpf 1.7): the
/// map is created with the SHA-256 of its instructions. Before load only.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_exclusive_program(map: *mut Map, prog: *mut crate::object::Program) -> c_int {
    int("bpf_map__set_exclusive_program", || {
        // SAFETY: C contract: live handles or NULL; the map and the program are distinct
        // allocations, so the two references do not alias.
        let (m, p) = unsafe { (get_mut(map, "map")?, get(prog as *const crate::object::Program, "prog")?) };
        m.set_exclusive_program(p).map(|()| 0)
    })
}
symver!(bpf_map__set_exclusive_program, "LIBBPF_1.7.0");

/// The program set by `bpf_map__set_exclusive_program`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__exclusive_program(map: *mut Map) -> *mut crate::object::Program {
    val("bpf_map__exclusive_program", std::ptr::null_mut(), || {
        // SAFETY: C contract: a live map handle or NULL.
        let m = unsafe { super::handle::opt_logged("bpf_map__exclusive_program", map as *const Map, "map") };
        m.and_then(|m| m.exclusive_program().map(|i| m.object().progs.ptr(i))).unwrap_or(std::ptr::null_mut())
    })
}
symver!(bpf_map__exclusive_program, "LIBBPF_1.7.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__is_internal(map: *const Map) -> bool {
    read("bpf_map__is_internal", map, false, |m| m.is_internal())
}
symver!(bpf_map__is_internal, "LIBBPF_0.0.3");

/// The map's pre-load contents: the global-data buffer (skeletons' `*mmaped`), the arena data,
/// or for struct_ops maps the shadow. NULL for maps without one. After load a global-data map
/// returns the kernel map's memory. A global-data buffer is mapped when first asked for here;
/// if that mapping fails the answer is NULL with errno set (and a warning logged).
#[no_mangle]
pub unsafe extern "C" fn bpf_map__initial_value(map: *const Map, psize: *mut usize) -> *mut c_void {
    val("bpf_map__initial_value", std::ptr::null_mut(), || {
        // SAFETY: C contract: map is a live handle or NULL.
        let Some(m) = (unsafe { super::handle::opt_logged("bpf_map__initial_value", map, "map") }) else {
            super::set_errno(libc::EINVAL);
            return std::ptr::null_mut();
        };
        match m.initial_value() {
            Some((p, sz)) => {
                if !psize.is_null() {
                    // SAFETY: the caller passed a writable size_t or NULL.
                    unsafe { *psize = sz };
                }
                p as *mut c_void
            }
            None => {
                if m.has_initial_value() {
                    // It has a buffer, which could not be mapped (`MapBuf::get` logged why).
                    super::set_errno(libc::ENOMEM);
                }
                std::ptr::null_mut()
            }
        }
    })
}
symver!(bpf_map__initial_value, "LIBBPF_0.5.0");

/// Replace a global-data map's initial contents; `size` must equal the value size.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_initial_value(map: *mut Map, data: *const c_void, size: usize) -> c_int {
    set("bpf_map__set_initial_value", map, |m| {
        m.ensure_not_created()?;
        if m.kind == MapKind::Kconfig {
            return Err(Error::quiet(libc::EINVAL));
        }
        let expected = m.initial_value_size().ok_or(Error::quiet(libc::EINVAL))?;
        if size != expected || (size != 0 && data.is_null()) {
            return Err(Error::quiet(libc::EINVAL));
        }
        // SAFETY: the caller provides `size` readable bytes at `data`; we copy them out.
        let src = unsafe { std::slice::from_raw_parts(data as *const u8, size) };
        m.write_initial_value(src)
    })
}
symver!(bpf_map__set_initial_value, "LIBBPF_0.0.8");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_pin_path(map: *mut Map, path: *const c_char) -> c_int {
    set("bpf_map__set_pin_path", map, |m| {
        // SAFETY: C contract: path is NULL or NUL-terminated.
        let p = unsafe { opt_cstr(path, "path") }?;
        m.pin_path = p.map(|s| std::ffi::CString::new(s).map_err(|_| Error::inval("bad pin path"))).transpose()?;
        Ok(())
    })
}
symver!(bpf_map__set_pin_path, "LIBBPF_0.0.6");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__pin_path(map: *const Map) -> *const c_char {
    read("bpf_map__pin_path", map, std::ptr::null(), |m| m.pin_path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr()))
}
symver!(bpf_map__pin_path, "LIBBPF_0.5.0");

/// Old name of `bpf_map__pin_path`, still exported by libbpf 1.x.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__get_pin_path(map: *const Map) -> *const c_char {
    read("bpf_map__get_pin_path", map, std::ptr::null(), |m| {
        m.pin_path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr())
    })
}
symver!(bpf_map__get_pin_path, "LIBBPF_0.0.6");

#[no_mangle]
pub unsafe extern "C" fn bpf_map__is_pinned(map: *const Map) -> bool {
    read("bpf_map__is_pinned", map, false, |m| m.pinned)
}
symver!(bpf_map__is_pinned, "LIBBPF_0.0.6");

/// The inner-map template of a map-in-map (NULL with errno EINVAL for other maps).
#[no_mangle]
pub unsafe extern "C" fn bpf_map__inner_map(map: *mut Map) -> *mut Map {
    ptr("bpf_map__inner_map", || {
        // SAFETY: C contract: map is a live handle or NULL.
        let m = unsafe { get_mut(map, "map") }?;
        if !crate::object::map_type_is_map_in_map(m.def.map_type) {
            return Err(Error::quiet(libc::EINVAL));
        }
        let inner = m.inner.as_deref_mut().map_or(std::ptr::null_mut(), |i| i as *mut Map);
        // A handle C may pass back; it dies with its outer map (Map's Drop) or its replacement.
        super::handle::register(inner);
        Ok(inner)
    })
}
symver!(bpf_map__inner_map, "LIBBPF_0.4.0");

/// Use an existing map fd as the inner-map template (replaces the BTF-declared one).
#[no_mangle]
pub unsafe extern "C" fn bpf_map__set_inner_map_fd(map: *mut Map, fd: c_int) -> c_int {
    set("bpf_map__set_inner_map_fd", map, |m| {
        if !crate::object::map_type_is_map_in_map(m.def.map_type) {
            return Err(Error::inval("error: unsupported map type"));
        }
        if m.inner_map_fd != -1 {
            return Err(Error::inval("error: inner_map_fd already specified"));
        }
        if let Some(old) = m.inner.take() {
            super::handle::retire::<Map>(&*old);
        }
        m.inner_map_fd = fd;
        Ok(())
    })
}
symver!(bpf_map__set_inner_map_fd, "LIBBPF_0.0.1");

// ---- pinning, fd reuse, element access ----

/// Adopt the kernel map behind `fd` (duplicated with `O_CLOEXEC` above 2; the caller keeps
/// `fd`): the map takes the kernel map's name, type, sizes, flags and BTF ids and counts as
/// created, so the object's load will not create it. `-EINVAL` if `fd` is not a BPF map.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__reuse_fd(map: *mut Map, fd: c_int) -> c_int {
    set("bpf_map__reuse_fd", map, |m| m.reuse_fd(fd))
}
symver!(bpf_map__reuse_fd, "LIBBPF_0.0.1");

/// Pin the map at `path` on a BPF FS (parent directory created), or at its pin path when
/// `path` is NULL. A map that has a pin path can only be pinned there (a different `path` is
/// `-EINVAL`); pinning again where it is pinned does nothing.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__pin(map: *mut Map, path: *const c_char) -> c_int {
    set("bpf_map__pin", map, |m| {
        // SAFETY: C contract: path is NULL or NUL-terminated.
        let p = unsafe { opt_cstr_raw(path) };
        m.pin(p)
    })
}
symver!(bpf_map__pin, "LIBBPF_0.0.1");

/// Remove the map's pin at `path` (or at its pin path when `path` is NULL). The map keeps its
/// pin path.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__unpin(map: *mut Map, path: *const c_char) -> c_int {
    set("bpf_map__unpin", map, |m| {
        // SAFETY: C contract: path is NULL or NUL-terminated.
        let p = unsafe { opt_cstr_raw(path) };
        m.unpin(p)
    })
}
symver!(bpf_map__unpin, "LIBBPF_0.0.1");

/// A NUL-terminated C string as `&CStr` (any bytes), NULL → `None`.
///
/// # Safety
/// `p` must be NULL or NUL-terminated and live for `'a`.
unsafe fn opt_cstr_raw<'a>(p: *const c_char) -> Option<&'a std::ffi::CStr> {
    // SAFETY: forwarded contract.
    (!p.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(p) })
}

/// The shared shape of the map-level element functions (libbpf's `validate_map_op`, then the
/// bpf(2) command): quiet `-ENOENT` before the map is created; `-EINVAL` (logged) when
/// `key_sz` is not the key size or `value_sz` not the value size (per-CPU maps:
/// `round_up(value_size, 8) * libbpf_num_possible_cpus()`); then the kernel's answer as
/// `-errno`, unlogged.
fn elem_op(
    func: &'static str,
    map: *const Map,
    key_sz: usize,
    value_sz: Option<usize>,
    flags: u64,
    op: impl FnOnce(c_int) -> std::io::Result<()>,
) -> c_int {
    int(func, || {
        // SAFETY: C contract: map is a live handle or NULL.
        let m = unsafe { get(map, "map") }?;
        let fd = m.elem_op_fd(key_sz, value_sz, flags)?;
        op(fd).map(|()| 0).map_err(|e| Error::quiet(e.raw_os_error().unwrap_or(libc::EIO)))
    })
}

/// Look up `key` into `value`. `key_sz`/`value_sz` must match the map (per-CPU maps: one
/// 8-byte-aligned slot per possible CPU). `flags`: `BPF_F_LOCK`.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__lookup_elem(
    map: *const Map,
    key: *const c_void,
    key_sz: usize,
    value: *mut c_void,
    value_sz: usize,
    flags: u64,
) -> c_int {
    elem_op("bpf_map__lookup_elem", map, key_sz, Some(value_sz), flags, |fd| {
        // SAFETY: the caller's buffers hold key_sz/value_sz bytes, which were checked to be
        // exactly what the kernel reads and writes for this map.
        unsafe { cmd::raw::map_elem(uapi::BPF_MAP_LOOKUP_ELEM, fd, key as u64, value as u64, flags) }
    })
}
symver!(bpf_map__lookup_elem, "LIBBPF_0.8.0");

/// Create or update `key` with `value` (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`, `BPF_F_LOCK`).
#[no_mangle]
pub unsafe extern "C" fn bpf_map__update_elem(
    map: *const Map,
    key: *const c_void,
    key_sz: usize,
    value: *const c_void,
    value_sz: usize,
    flags: u64,
) -> c_int {
    elem_op("bpf_map__update_elem", map, key_sz, Some(value_sz), flags, |fd| {
        // SAFETY: as in bpf_map__lookup_elem; the kernel only reads `value`.
        unsafe { cmd::raw::map_elem(uapi::BPF_MAP_UPDATE_ELEM, fd, key as u64, value as u64, flags) }
    })
}
symver!(bpf_map__update_elem, "LIBBPF_0.8.0");

/// Delete `key` (`-ENOENT` if absent).
#[no_mangle]
pub unsafe extern "C" fn bpf_map__delete_elem(map: *const Map, key: *const c_void, key_sz: usize, flags: u64) -> c_int {
    elem_op("bpf_map__delete_elem", map, key_sz, None, flags, |fd| {
        // SAFETY: the caller's key holds key_sz bytes, checked to be the map's key size.
        unsafe { cmd::raw::map_elem(uapi::BPF_MAP_DELETE_ELEM, fd, key as u64, 0, flags) }
    })
}
symver!(bpf_map__delete_elem, "LIBBPF_0.8.0");

/// Look up `key` into `value` and delete it (queue/stack maps: pop, with a zero key size).
#[no_mangle]
pub unsafe extern "C" fn bpf_map__lookup_and_delete_elem(
    map: *const Map,
    key: *const c_void,
    key_sz: usize,
    value: *mut c_void,
    value_sz: usize,
    flags: u64,
) -> c_int {
    elem_op("bpf_map__lookup_and_delete_elem", map, key_sz, Some(value_sz), flags, |fd| {
        // SAFETY: as in bpf_map__lookup_elem.
        unsafe { cmd::raw::map_elem(uapi::BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key as u64, value as u64, flags) }
    })
}
symver!(bpf_map__lookup_and_delete_elem, "LIBBPF_0.8.0");

/// The key after `cur_key` (NULL: the first key) into `next_key`; `-ENOENT` at the end.
#[no_mangle]
pub unsafe extern "C" fn bpf_map__get_next_key(
    map: *const Map,
    cur_key: *const c_void,
    next_key: *mut c_void,
    key_sz: usize,
) -> c_int {
    elem_op("bpf_map__get_next_key", map, key_sz, None, 0, |fd| {
        // SAFETY: both keys hold key_sz bytes (or cur_key is NULL), the map's key size.
        unsafe { cmd::raw::map_get_next_key(fd, cur_key as u64, next_key as u64) }
    })
}
symver!(bpf_map__get_next_key, "LIBBPF_0.8.0");
