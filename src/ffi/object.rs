//! `bpf_object__*`: opening, closing, naming and iterating an object.

use super::handle::{self, cstr, get, get_mut, opt_cstr};
use super::types::{bpf_object_open_opts, bpf_struct_ops_shadow_info};
use super::{int, not_yet, ptr, symver, val};
use crate::btf::Btf;
use crate::caller::CallerBuf;
use crate::error::{Error, Result};
use crate::object::pin::PATH_MAX;
use crate::object::{Map, Object, OpenOptions, Program};
use std::ffi::{c_char, c_int, c_void};

/// Validate `bpf_object_open_opts` the way libbpf does and turn them into [`OpenOptions`].
///
/// # Safety
/// `opts` must be NULL or a valid options struct whose string fields are NULL or NUL-terminated.
pub(crate) unsafe fn open_options(opts: *const bpf_object_open_opts) -> Result<(OpenOptions, *const c_void)> {
    if opts.is_null() {
        return Ok((token_from_env(OpenOptions::default())?, std::ptr::null()));
    }
    // SAFETY: forwarded caller contract.
    unsafe { given_open_options(opts) }
}

/// [`open_options`] of a non-NULL struct: out of line, so that an open without options does
/// not run through (and map) the code that reads one.
///
/// # Safety
/// As [`open_options`].
#[inline(never)]
unsafe fn given_open_options(opts: *const bpf_object_open_opts) -> Result<(OpenOptions, *const c_void)> {
    use super::types::{OXBPF_OPEN_OPTS_EXT_LEN, OXBPF_OPEN_OPTS_EXT_MAGIC};
    // SAFETY: forwarded caller contract.
    let Some((o, ext)) =
        (unsafe { super::opts::read_with_ext(opts, Some((OXBPF_OPEN_OPTS_EXT_MAGIC, OXBPF_OPEN_OPTS_EXT_LEN))) })?
    else {
        return Ok((token_from_env(OpenOptions::default())?, std::ptr::null()));
    };
    // The extension block's second word: the struct_ops shadow description.
    let shadow = ext.map_or(0, |b| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[8..16]);
        u64::from_ne_bytes(w)
    }) as usize as *const bpf_struct_ops_shadow_info;
    // SAFETY: string fields are NULL or NUL-terminated per the caller's contract.
    let s = |p: *const c_char, what: &str| unsafe { opt_cstr(p, what) }.map(|o| o.map(str::to_owned));
    if o.kernel_log_size > u32::MAX as usize {
        return Err(Error::inval("bpf_object_open_opts: kernel_log_size is larger than 4 GiB"));
    }
    if o.kernel_log_size != 0 && o.kernel_log_buf.is_null() {
        return Err(Error::inval("bpf_object_open_opts: kernel_log_size set without kernel_log_buf"));
    }
    let out = OpenOptions {
        object_name: s(o.object_name, "object_name")?,
        relaxed_maps: o.relaxed_maps.get(),
        pin_root_path: s(o.pin_root_path, "pin_root_path")?,
        kconfig: s(o.kconfig, "kconfig")?,
        btf_custom_path: s(o.btf_custom_path, "btf_custom_path")?,
        // SAFETY: libbpf's contract for `kernel_log_buf`: kernel_log_size writable bytes the
        // caller keeps alive until the object is loaded (a buffer freed before is its bug).
        kernel_log_buf: unsafe { CallerBuf::new(o.kernel_log_buf, o.kernel_log_size) },
        kernel_log_level: o.kernel_log_level,
        bpf_token_path: s(o.bpf_token_path, "bpf_token_path")?,
        // SAFETY: the caller's contract extends to the description the field points to.
        struct_ops_shadow: unsafe { read_struct_ops_shadow(shadow) }?,
        eager_data: false,
        image: None,
        left: None,
    };
    for (p, what) in [(&out.btf_custom_path, "btf_custom_path"), (&out.bpf_token_path, "bpf_token_path")] {
        if p.as_ref().is_some_and(|p| p.len() >= PATH_MAX) {
            return Err(Error::new(libc::ENAMETOOLONG, format!("bpf_object_open_opts: {what} is too long")));
        }
    }
    Ok((token_from_env(out)?, shadow as *const c_void))
}

/// Longest name accepted in a struct_ops shadow description (BTF names are far shorter).
const SHADOW_NAME_MAX: usize = 1024;

/// A name from a struct_ops shadow description: non-NULL, NUL-terminated within
/// [`SHADOW_NAME_MAX`] bytes, UTF-8.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string (or at least `SHADOW_NAME_MAX` readable
/// bytes).
unsafe fn shadow_name(p: *const c_char, what: &str) -> Result<String> {
    if p.is_null() {
        return Err(Error::inval(format!("struct_ops shadow info: {what} has a NULL name")));
    }
    let mut bytes = Vec::new();
    for i in 0..SHADOW_NAME_MAX {
        // SAFETY: every byte before the NUL is readable per the contract; we stop at the NUL.
        let b = unsafe { *p.add(i) } as u8;
        if b == 0 {
            return String::from_utf8(bytes)
                .map_err(|_| Error::inval(format!("struct_ops shadow info: {what} name is not UTF-8")));
        }
        bytes.push(b);
    }
    Err(Error::inval(format!(
        "struct_ops shadow info: {what} name is not NUL-terminated within {SHADOW_NAME_MAX} bytes"
    )))
}

/// Copy the caller's `struct bpf_struct_ops_shadow_info` into owned descriptions and check them
/// on their own (`struct_ops::shadow::validate_all`); the object-dependent checks run at open.
///
/// # Safety
/// `p` must be NULL or point to a shadow info whose `maps` array holds `cnt` entries, each with
/// a `members` array of `cnt` entries and NUL-terminated names.
pub(crate) unsafe fn read_struct_ops_shadow(
    p: *const bpf_struct_ops_shadow_info,
) -> Result<Option<Vec<crate::struct_ops::ShadowMapDesc>>> {
    use crate::struct_ops::shadow::{validate_all, MAX_MAPS, MAX_MEMBERS};
    use crate::struct_ops::{ShadowMapDesc, ShadowMember};
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and valid per the contract; read unaligned, copying the plain struct.
    let info = unsafe { std::ptr::read_unaligned(p) };
    let cnt = info.cnt as usize;
    if cnt > MAX_MAPS {
        return Err(Error::inval(format!("struct_ops shadow info: {cnt} maps is too many")));
    }
    if cnt > 0 && info.maps.is_null() {
        return Err(Error::inval(format!("struct_ops shadow info: maps is NULL with cnt {cnt}")));
    }
    let mut out = Vec::with_capacity(cnt);
    for i in 0..cnt {
        // SAFETY: `maps` holds `cnt` entries per the contract; i < cnt.
        let m = unsafe { std::ptr::read_unaligned(info.maps.add(i)) };
        // SAFETY: names are NUL-terminated per the contract.
        let name = unsafe { shadow_name(m.name, &format!("map #{i}")) }?;
        let n = m.cnt as usize;
        if n > MAX_MEMBERS {
            return Err(Error::inval(format!("struct_ops shadow info: map '{name}': {n} members is too many")));
        }
        if n > 0 && m.members.is_null() {
            return Err(Error::inval(format!("struct_ops shadow info: map '{name}': members is NULL with cnt {n}")));
        }
        let mut members = Vec::with_capacity(n);
        for j in 0..n {
            // SAFETY: `members` holds `cnt` entries per the contract; j < cnt.
            let mi = unsafe { std::ptr::read_unaligned(m.members.add(j)) };
            // SAFETY: as above.
            let mname = unsafe { shadow_name(mi.name, &format!("map '{name}' member #{j}")) }?;
            members.push(ShadowMember { name: mname, offset: mi.offset, size: mi.size });
        }
        out.push(ShadowMapDesc { name, data_size: m.data_size, members });
    }
    validate_all(&out)?;
    Ok(Some(out))
}

/// `LIBBPF_BPF_TOKEN_PATH` stands in for an unset `bpf_token_path`, as in libbpf.
fn token_from_env(mut o: OpenOptions) -> Result<OpenOptions> {
    if o.bpf_token_path.is_none() {
        if let Ok(p) = std::env::var("LIBBPF_BPF_TOKEN_PATH") {
            if p.len() >= PATH_MAX {
                return Err(Error::new(libc::ENAMETOOLONG, "LIBBPF_BPF_TOKEN_PATH is too long"));
            }
            o.bpf_token_path = Some(p);
        }
    }
    Ok(o)
}

/// Hand a freshly opened object to C: register it (and its BTF, which `bpf_object__btf` hands
/// out) as live handles, then run custom section handlers' setup callbacks (they get live
/// program handles and may call back into the API); on failure the object is closed.
fn setup_callbacks(obj: Box<Object>) -> Result<*mut Object> {
    let raw = handle::issue(obj);
    // SAFETY: `raw` was just issued and nothing else refers to it yet.
    if let Some(b) = unsafe { (*raw).btf.as_deref() } {
        handle::register::<Btf>(b);
    }
    // SAFETY: `raw` was just issued and nothing else refers to it yet.
    match unsafe { Object::run_prog_setup(raw) } {
        Ok(()) => Ok(raw),
        Err(e) => {
            // SAFETY: reclaim the object we issued above; no handle escaped to the caller.
            drop(unsafe { close(raw) });
            Err(e)
        }
    }
}

/// Take an object back from C and free it (with its maps, programs and BTF, whose handles die
/// with it). NULL is a no-op; a pointer that is no live object is refused and left alone.
///
/// # Safety
/// No reference to the object may be live.
unsafe fn close(obj: *mut Object) -> Result<()> {
    // SAFETY: forwarded: every object is issued by `setup_callbacks`.
    if let Some(o) = unsafe { handle::reclaim(obj, "object") }? {
        if let Some(b) = o.btf.as_deref() {
            handle::retire::<Btf>(b);
        }
        drop(o);
    }
    Ok(())
}

/// Open from a file path.
pub(crate) fn open_path(path: &str, opts: OpenOptions) -> Result<*mut Object> {
    let (pl, pp) = crate::log::cs(path);
    // SAFETY: (c_int, pointer) of a live &str for `%.*s`.
    unsafe { crate::pr_debug_c!(c"libbpf: loading object from %.*s\n", pl, pp) };
    // A skeleton maps its global data at open: leaving it in the file would gain nothing.
    let image = crate::object::image::ObjectImage::open(path, !opts.eager_data)
        .map_err(|e| Error::io(format!("elf: failed to open {path}"), &e))?;
    let opts = OpenOptions { image: image.shared(), left: image.left(), ..opts };
    let obj = Object::open(image.as_bytes(), path, false, opts)?;
    setup_callbacks(obj)
}

/// Open from memory; `name` is the object name (libbpf's default is the buffer address/size).
pub(crate) fn open_bytes(bytes: &[u8], name: &str, opts: OpenOptions) -> Result<*mut Object> {
    let (nl, np) = crate::log::cs(name);
    // SAFETY: (c_int, pointer) of a live &str for `%.*s`.
    unsafe { crate::pr_debug_c!(c"libbpf: loading object '%.*s' from buffer\n", nl, np) };
    let obj = Object::open(bytes, name, true, opts)?;
    setup_callbacks(obj)
}

/// Open an object file with default options.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__open(path: *const c_char) -> *mut Object {
    // SAFETY: forwarded C contract (path NUL-terminated or NULL).
    unsafe { bpf_object__open_file(path, std::ptr::null()) }
}
symver!(bpf_object__open, "LIBBPF_0.0.1");

/// Open an object file. Returns NULL with errno set on failure.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__open_file(path: *const c_char, opts: *const bpf_object_open_opts) -> *mut Object {
    ptr("bpf_object__open_file", || {
        // SAFETY: C contract: path is NULL or NUL-terminated.
        let path = unsafe { cstr(path, "path") }?;
        // SAFETY: C contract for opts.
        let (o, _shadow) = unsafe { open_options(opts) }?;
        open_path(path, o)
    })
}
symver!(bpf_object__open_file, "LIBBPF_0.0.6");

/// Open an object from a memory buffer (copied; the caller may free it after the call).
#[no_mangle]
pub unsafe extern "C" fn bpf_object__open_mem(
    obj_buf: *const c_void,
    obj_buf_sz: usize,
    opts: *const bpf_object_open_opts,
) -> *mut Object {
    ptr("bpf_object__open_mem", || {
        if obj_buf.is_null() || obj_buf_sz == 0 {
            return Err(Error::inval("bpf_object__open_mem: empty buffer"));
        }
        // SAFETY: C contract for opts.
        let (o, _shadow) = unsafe { open_options(opts) }?;
        // SAFETY: the caller guarantees obj_buf_sz readable bytes at obj_buf; we copy them
        // before returning and keep no reference.
        let bytes = unsafe { std::slice::from_raw_parts(obj_buf as *const u8, obj_buf_sz) };
        let name = format!("{:x}-{:x}", obj_buf as usize, obj_buf_sz);
        open_bytes(bytes, &name, o)
    })
}
symver!(bpf_object__open_mem, "LIBBPF_0.0.6");

/// Free an object and everything it owns (maps, programs, their fds). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__close(obj: *mut Object) {
    val("bpf_object__close", (), || {
        // SAFETY: C contract: closed once, with no reference to it live.
        super::logged("bpf_object__close", unsafe { close(obj) });
    })
}
symver!(bpf_object__close, "LIBBPF_0.0.1");

/// Object name (NULL object → NULL with errno EINVAL).
#[no_mangle]
pub unsafe extern "C" fn bpf_object__name(obj: *const Object) -> *const c_char {
    ptr("bpf_object__name", || {
        // SAFETY: C contract: obj is a live handle or NULL.
        let o = unsafe { get(obj, "object") }?;
        Ok(o.name().as_ptr() as *mut c_char)
    })
}
symver!(bpf_object__name, "LIBBPF_0.0.1");

#[no_mangle]
pub unsafe extern "C" fn bpf_object__kversion(obj: *const Object) -> u32 {
    val("bpf_object__kversion", 0, || {
        // SAFETY: C contract: obj is a live handle or NULL.
        unsafe { handle::opt_logged("bpf_object__kversion", obj, "object") }.map_or(0, |o| o.kern_version)
    })
}
symver!(bpf_object__kversion, "LIBBPF_0.0.1");

#[no_mangle]
pub unsafe extern "C" fn bpf_object__set_kversion(obj: *mut Object, kern_version: u32) -> c_int {
    int("bpf_object__set_kversion", || {
        // SAFETY: C contract: obj is a live handle or NULL.
        let o = unsafe { get_mut(obj, "object") }?;
        if o.loaded {
            return Err(Error::quiet(libc::EINVAL));
        }
        o.kern_version = kern_version;
        Ok(0)
    })
}
symver!(bpf_object__set_kversion, "LIBBPF_0.4.0");

/// The BPF token fd in use, or -1 (tokens are created at load).
#[no_mangle]
pub unsafe extern "C" fn bpf_object__token_fd(obj: *const Object) -> c_int {
    val("bpf_object__token_fd", -1, || {
        // SAFETY: C contract: obj is a live handle or NULL.
        unsafe { handle::opt_logged("bpf_object__token_fd", obj, "object") }.map_or(-1, |_| -1)
    })
}
symver!(bpf_object__token_fd, "LIBBPF_1.5.0");

/// The object's own BTF, or NULL (errno ENOENT) when it has none.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__btf(obj: *const Object) -> *mut Btf {
    val("bpf_object__btf", std::ptr::null_mut(), || {
        // SAFETY: C contract: obj is a live handle or NULL.
        match unsafe { handle::opt_logged("bpf_object__btf", obj, "object") }.and_then(|o| o.btf.as_deref()) {
            Some(b) => b as *const Btf as *mut Btf,
            None => std::ptr::null_mut(),
        }
    })
}
symver!(bpf_object__btf, "LIBBPF_0.0.2");

/// fd of the object's BTF once loaded into the kernel, else -1 (BTF is loaded by
/// `bpf_object__load`).
#[no_mangle]
pub unsafe extern "C" fn bpf_object__btf_fd(obj: *const Object) -> c_int {
    val("bpf_object__btf_fd", -1, || {
        // SAFETY: C contract: obj is a live handle or NULL.
        unsafe { handle::opt_logged("bpf_object__btf_fd", obj, "object") }.map_or(-1, |o| o.btf_fd)
    })
}
symver!(bpf_object__btf_fd, "LIBBPF_0.0.1");

/// An entry program by name (never a subprogram); NULL with errno ENOENT if absent.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__find_program_by_name(obj: *const Object, name: *const c_char) -> *mut Program {
    ptr("bpf_object__find_program_by_name", || {
        // SAFETY: C contract for both pointers.
        let (o, n) = unsafe { (get(obj, "object")?, cstr(name, "name")?) };
        o.find_program(n).map(|i| o.progs.ptr(i)).ok_or(Error::quiet(libc::ENOENT))
    })
}
symver!(bpf_object__find_program_by_name, "LIBBPF_0.0.7");

fn step_prog(obj: *const Object, cur: *const Program, forward: bool) -> Result<*mut Program> {
    // SAFETY: C contract: obj is a live handle or NULL.
    let o = unsafe { get(obj, "object") }?;
    let cur_idx = if cur.is_null() {
        None
    } else {
        Some(o.progs.index_of(cur).ok_or_else(|| Error::inval("error: program handler doesn't match object"))?)
    };
    Ok(o.step_program(cur_idx, forward).map_or(std::ptr::null_mut(), |i| o.progs.ptr(i)))
}

/// Iterate entry programs: NULL starts, NULL ends.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__next_program(obj: *const Object, prog: *mut Program) -> *mut Program {
    ptr("bpf_object__next_program", || step_prog(obj, prog, true))
}
symver!(bpf_object__next_program, "LIBBPF_0.6.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_object__prev_program(obj: *const Object, prog: *mut Program) -> *mut Program {
    ptr("bpf_object__prev_program", || step_prog(obj, prog, false))
}
symver!(bpf_object__prev_program, "LIBBPF_0.6.0");

/// A map by name; for internal maps the section name (`.data`, `.rodata`) matches too.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__find_map_by_name(obj: *const Object, name: *const c_char) -> *mut Map {
    ptr("bpf_object__find_map_by_name", || {
        // SAFETY: C contract for both pointers.
        let (o, n) = unsafe { (get(obj, "object")?, cstr(name, "name")?) };
        o.find_map(n).map(|i| o.maps.ptr(i)).ok_or(Error::quiet(libc::ENOENT))
    })
}
symver!(bpf_object__find_map_by_name, "LIBBPF_0.0.1");

#[no_mangle]
pub unsafe extern "C" fn bpf_object__find_map_fd_by_name(obj: *const Object, name: *const c_char) -> c_int {
    int("bpf_object__find_map_fd_by_name", || {
        // SAFETY: C contract for both pointers.
        let (o, n) = unsafe { (get(obj, "object")?, cstr(name, "name")?) };
        let i = o.find_map(n).ok_or(Error::quiet(libc::EINVAL))?;
        Ok(o.maps.get(i).map_or(-1, |m| m.raw_fd()))
    })
}
symver!(bpf_object__find_map_fd_by_name, "LIBBPF_0.0.2");

fn step_map(obj: *const Object, cur: *const Map, forward: bool) -> Result<*mut Map> {
    // SAFETY: C contract: obj is a live handle or NULL.
    let o = unsafe { get(obj, "object") }?;
    let cur_idx = if cur.is_null() {
        None
    } else {
        Some(o.maps.index_of(cur).ok_or_else(|| Error::inval("error: map handler doesn't match object"))?)
    };
    Ok(o.step_map(cur_idx, forward).map_or(std::ptr::null_mut(), |i| o.maps.ptr(i)))
}

#[no_mangle]
pub unsafe extern "C" fn bpf_object__next_map(obj: *const Object, map: *const Map) -> *mut Map {
    ptr("bpf_object__next_map", || step_map(obj, map, true))
}
symver!(bpf_object__next_map, "LIBBPF_0.6.0");

#[no_mangle]
pub unsafe extern "C" fn bpf_object__prev_map(obj: *const Object, map: *const Map) -> *mut Map {
    ptr("bpf_object__prev_map", || step_map(obj, map, false))
}
symver!(bpf_object__prev_map, "LIBBPF_0.6.0");

// ---- load and pinning ----

/// Create maps and load programs into the kernel. Can be attempted once.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__load(obj: *mut Object) -> c_int {
    int("bpf_object__load", || {
        handle::check(obj, "object")?;
        // SAFETY: C contract: obj is a live handle (just checked), not aliased during the call;
        // load_raw keeps no reference to it while custom section callbacks run.
        unsafe { Object::load_raw(obj) }.map(|()| 0)
    })
}
symver!(bpf_object__load, "LIBBPF_0.0.1");

/// The first half of `bpf_object__load` (libbpf 1.6): BTF loaded, maps created, programs
/// relocated but not loaded; `bpf_object__load` then finishes. Map setters refuse afterwards.
/// Twice, or after load, `-EINVAL`; a failure leaves the object unloadable.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__prepare(obj: *mut Object) -> c_int {
    int("bpf_object__prepare", || {
        // SAFETY: C contract: obj is a live handle or NULL, not aliased during the call.
        unsafe { get_mut(obj, "object") }?.prepare().map(|()| 0)
    })
}
symver!(bpf_object__prepare, "LIBBPF_1.6.0");

/// Run a pinning operation on an object; a NULL object is `-ENOENT` as in libbpf.
fn pin_op(
    func: &str,
    obj: *mut Object,
    path: *const c_char,
    f: impl FnOnce(&mut Object, Option<&str>) -> Result<()>,
) -> c_int {
    int(func, || {
        if obj.is_null() {
            return Err(Error::quiet(libc::ENOENT));
        }
        // SAFETY: C contract: obj is not aliased during the call; checked as a live object.
        let o = unsafe { get_mut(obj, "object") }?;
        // SAFETY: C contract: path is NULL or NUL-terminated.
        let p = unsafe { opt_cstr(path, "path") }?;
        f(o, p).map(|()| 0)
    })
}

/// Pin every auto-created map at `path/<map name>` (each `.` of that path becomes `_`), or,
/// with `path` NULL, the maps that have a pin path at it. The object must be loaded
/// (`-ENOENT`). On failure the maps before the failing one that have a pin path are unpinned.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__pin_maps(obj: *mut Object, path: *const c_char) -> c_int {
    pin_op("bpf_object__pin_maps", obj, path, |o, p| o.pin_maps(p))
}
symver!(bpf_object__pin_maps, "LIBBPF_0.0.1");

/// Unpin every map from `path/<map name>` (or, with `path` NULL, those with a pin path from
/// it); stops at the first failure.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__unpin_maps(obj: *mut Object, path: *const c_char) -> c_int {
    pin_op("bpf_object__unpin_maps", obj, path, |o, p| o.unpin_maps(p))
}
symver!(bpf_object__unpin_maps, "LIBBPF_0.0.1");

/// Pin every entry program at `path/<prog name>`. The object must be loaded (`-ENOENT`) and
/// every program too (`-EINVAL`); on failure the programs pinned so far are unpinned.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__pin_programs(obj: *mut Object, path: *const c_char) -> c_int {
    pin_op("bpf_object__pin_programs", obj, path, |o, p| o.pin_programs(p))
}
symver!(bpf_object__pin_programs, "LIBBPF_0.0.1");

/// Unpin every entry program from `path/<prog name>`; stops at the first failure.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__unpin_programs(obj: *mut Object, path: *const c_char) -> c_int {
    pin_op("bpf_object__unpin_programs", obj, path, |o, p| o.unpin_programs(p))
}
symver!(bpf_object__unpin_programs, "LIBBPF_0.0.1");

/// `bpf_object__pin_maps` then `bpf_object__pin_programs`; if programs fail the maps are
/// unpinned again.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__pin(obj: *mut Object, path: *const c_char) -> c_int {
    pin_op("bpf_object__pin", obj, path, |o, p| o.pin(p))
}
symver!(bpf_object__pin, "LIBBPF_0.0.1");

/// `bpf_object__unpin_programs` then `bpf_object__unpin_maps`.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__unpin(obj: *mut Object, path: *const c_char) -> c_int {
    pin_op("bpf_object__unpin", obj, path, |o, p| o.unpin(p))
}
symver!(bpf_object__unpin, "LIBBPF_1.3.0");

/// Light-skeleton loader generation (bpftool gen skeleton -L). Not offered by oxbpf: its
/// generator emits normal skeletons.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__gen_loader(obj: *mut Object, opts: *mut c_void) -> c_int {
    int("bpf_object__gen_loader", || {
        // SAFETY: C contract: obj is a live handle or NULL.
        unsafe { get_mut(obj, "object") }?;
        let _ = opts;
        Err(not_yet("bpf_object__gen_loader"))
    })
}
symver!(bpf_object__gen_loader, "LIBBPF_0.5.0");
