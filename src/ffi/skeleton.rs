//! Skeleton and subskeleton binding (`bpf_object__*_skeleton`, `*_subskeleton`).
//!
//! Generated code owns the skeleton structs and the arrays they point to (allocated with libc
//! `calloc`; destroy frees them with libc `free`). Array entries are located by the stride the
//! generator wrote (`map_skel_sz`, `prog_skel_sz`, `var_skel_sz`), never by our own struct size:
//! bpftool 7.1 wrote 24-byte map entries, 7.5 writes 24 or 32 (with a `link` slot). Each field is
//! read at its offset inside the entry, so a short entry is never over-read.

use super::handle::{self, caller_mut, cstr, get};
use super::types::{bpf_object_open_opts, bpf_object_skeleton, bpf_object_subskeleton};
use super::{int, symver, val};
use crate::attach::link::Link;
use crate::error::{Error, Result};
use crate::object::{Map, Object, Program};
use std::ffi::{c_char, c_int, c_void};

const MAP_ENTRY_MIN: usize = 24; // name, map, mmaped
const MAP_ENTRY_WITH_LINK: usize = 32; // + link
const PROG_ENTRY_MIN: usize = 24; // name, prog, link
const PROG_ENTRY_NO_LINK: usize = 16; // subskeleton progs: name, prog
const VAR_ENTRY_MIN: usize = 24; // name, map, addr

/// Read the pointer-sized field at byte `off` of entry `i` of a generated array.
///
/// # Safety
/// `base` must point to at least `(i + 1) * stride` readable bytes, `off + 8 <= stride`, and the
/// field must hold a pointer (the layouts pinned in `types.rs`).
unsafe fn field<T>(base: *const u8, stride: usize, i: usize, off: usize) -> *mut T {
    // SAFETY: in bounds per the contract; generated arrays come from calloc (suitably aligned),
    // but read unaligned anyway: nothing in the ABI promises alignment of `maps`.
    unsafe { std::ptr::read_unaligned(base.add(i * stride + off) as *const *mut T) }
}

fn check_stride(what: &str, cnt: i32, stride: i32, min: usize, base: *const c_void) -> Result<usize> {
    if cnt < 0 {
        return Err(Error::inval(format!("skeleton: negative {what} count {cnt}")));
    }
    if cnt == 0 {
        return Ok(stride.max(0) as usize);
    }
    if stride < min as i32 {
        return Err(Error::inval(format!("skeleton: {what} entry size {stride} is smaller than {min}")));
    }
    if base.is_null() {
        return Err(Error::inval(format!("skeleton: {what} array is NULL with {cnt} entries")));
    }
    Ok(stride as usize)
}

/// Fill each map entry's `*map` (and `*mmaped`, except for `.kconfig` whose values come from the
/// kernel config at load) by name.
///
/// # Safety
/// `maps` holds `cnt` entries of `stride` bytes laid out as `struct bpf_map_skeleton` prefixes.
unsafe fn populate_maps(obj: &Object, maps: *const c_void, cnt: i32, stride: i32) -> Result<()> {
    let stride = check_stride("map", cnt, stride, MAP_ENTRY_MIN, maps)?;
    let base = maps as *const u8;
    for i in 0..cnt as usize {
        // SAFETY: entry i is within the generated array (contract), fields at 0/8/16.
        let (name, slot, mmaped) = unsafe {
            (
                field::<c_char>(base, stride, i, 0),
                field::<*mut Map>(base, stride, i, 8),
                field::<*mut c_void>(base, stride, i, 16),
            )
        };
        // SAFETY: generated names are NUL-terminated string literals.
        let name = unsafe { cstr(name, "skeleton map name") }?;
        let bound = obj.skeleton_map(name)?;
        if slot.is_null() {
            return Err(Error::inval(format!("skeleton map '{name}': NULL map slot")));
        }
        // SAFETY: slot points into the generated skeleton struct (writable).
        unsafe { *slot = obj.maps.ptr(bound.idx) };
        if let (false, Some(p)) = (mmaped.is_null(), bound.mmaped) {
            // SAFETY: mmaped points into the generated skeleton struct (writable).
            unsafe { *mmaped = p as *mut c_void };
        }
    }
    Ok(())
}

/// # Safety
/// `progs` holds `cnt` entries of `stride` bytes laid out as `struct bpf_prog_skeleton` prefixes.
unsafe fn populate_progs(obj: &Object, progs: *const c_void, cnt: i32, stride: i32, min: usize) -> Result<()> {
    let stride = check_stride("program", cnt, stride, min, progs)?;
    let base = progs as *const u8;
    for i in 0..cnt as usize {
        // SAFETY: entry i is within the generated array, fields at 0/8.
        let (name, slot) = unsafe { (field::<c_char>(base, stride, i, 0), field::<*mut Program>(base, stride, i, 8)) };
        // SAFETY: generated names are NUL-terminated string literals.
        let name = unsafe { cstr(name, "skeleton program name") }?;
        let idx = obj.skeleton_program(name)?;
        if slot.is_null() {
            return Err(Error::inval(format!("skeleton program '{name}': NULL program slot")));
        }
        // SAFETY: slot points into the generated skeleton struct (writable).
        unsafe { *slot = obj.progs.ptr(idx) };
    }
    Ok(())
}

/// Open the skeleton's embedded object and bind its maps and programs.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__open_skeleton(
    s: *mut bpf_object_skeleton,
    opts: *const bpf_object_open_opts,
) -> c_int {
    int("bpf_object__open_skeleton", || {
        // SAFETY: C contract: s is a generated skeleton (s->sz bytes) or NULL.
        let ext = unsafe { super::skel_ext::find(s) }?;
        // SAFETY: C contract: s is a generated skeleton or NULL.
        let sk = unsafe { caller_mut(s, "skeleton") }?;
        // SAFETY: generated name is a NUL-terminated literal.
        let sname = unsafe { cstr(sk.name, "skeleton name") }?.to_owned();
        if sk.obj.is_null() || sk.data.is_null() || sk.data_sz == 0 {
            return Err(Error::inval(format!("skeleton '{sname}' has no object slot or no embedded ELF")));
        }
        // SAFETY: C contract for opts.
        let (mut o, _shadow) = unsafe { super::object::open_options(opts) }?;
        if let Some(info) = ext.as_ref().map(|e| e.info).filter(|p| !p.is_null()) {
            if o.struct_ops_shadow.is_some() {
                return Err(Error::inval(format!(
                    "skeleton '{sname}': struct_ops shadow info given both by the skeleton and in bpf_object_open_opts"
                )));
            }
            // SAFETY: the generator's contract: the block points at a description it emitted.
            o.struct_ops_shadow = unsafe { super::object::read_struct_ops_shadow(info) }
                .map_err(|e| e.context(format!("skeleton '{sname}'")))?;
        }
        if o.object_name.is_none() {
            o.object_name = Some(sname.clone());
        }
        o.eager_data = true;
        // SAFETY: the generator embeds data_sz bytes at data (possibly unaligned; copied).
        let bytes = unsafe { std::slice::from_raw_parts(sk.data as *const u8, sk.data_sz) };
        let obj = super::object::open_bytes(bytes, &sname, o)
            .map_err(|e| e.context(format!("failed to initialize skeleton BPF object '{sname}'")))?;
        // SAFETY: obj slot points into the generated struct.
        unsafe { *sk.obj = obj };
        // SAFETY: obj was just created (a live handle) and is exclusively ours for this call.
        let o = unsafe { get(obj, "skeleton object") }?;
        // SAFETY: arrays described by the skeleton (generator contract).
        unsafe { populate_maps(o, sk.maps as *const c_void, sk.map_cnt, sk.map_skel_sz) }
            .map_err(|e| e.context(format!("failed to populate skeleton maps for '{sname}'")))?;
        // SAFETY: as above.
        unsafe { populate_progs(o, sk.progs as *const c_void, sk.prog_cnt, sk.prog_skel_sz, PROG_ENTRY_MIN) }
            .map_err(|e| e.context(format!("failed to populate skeleton progs for '{sname}'")))?;
        if let Some(e) = ext {
            // SAFETY: the skeleton struct is the caller's, alive for this call (contract of find).
            unsafe { e.ack() };
        }
        Ok(0)
    })
}
symver!(bpf_object__open_skeleton, "LIBBPF_0.0.7");

/// Load the skeleton's object, then point every map entry's `*mmaped` at the map's memory as it
/// is now (libbpf's rule): global data stays at the address it had (the kernel map was mapped
/// over it), an arena now shows the kernel arena, `.kconfig` its kernel-filled values, and a
/// map whose buffer went away (not mmapable) reads NULL.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__load_skeleton(s: *mut bpf_object_skeleton) -> c_int {
    int("bpf_object__load_skeleton", || {
        // SAFETY: C contract: s is a generated skeleton or NULL.
        let sk = unsafe { caller_mut(s, "skeleton") }?;
        if sk.obj.is_null() {
            return Err(Error::inval("skeleton has no object slot"));
        }
        // SAFETY: generated name is a NUL-terminated literal.
        let sname = unsafe { cstr(sk.name, "skeleton name") }.unwrap_or("?").to_owned();
        // SAFETY: obj slot is readable; its value is our handle or NULL.
        let obj = unsafe { *sk.obj };
        // SAFETY: forwarded.
        let r = unsafe { super::object::bpf_object__load(obj) };
        if r < 0 {
            crate::pr_warn!("failed to load BPF skeleton '{}': {}", sname, crate::error::errstr(r));
            return Err(Error::quiet(-r));
        }
        let stride = check_stride("map", sk.map_cnt, sk.map_skel_sz, MAP_ENTRY_MIN, sk.maps as *const c_void)?;
        for i in 0..sk.map_cnt.max(0) as usize {
            let base = sk.maps as *const u8;
            // SAFETY: entry i within the generated array; map@8, mmaped@16.
            let (map, mmaped) =
                unsafe { (*field::<*mut Map>(base, stride, i, 8), field::<*mut c_void>(base, stride, i, 16)) };
            if mmaped.is_null() {
                continue;
            }
            // SAFETY: filled by open_skeleton with our handle (or NULL); checked as a live map.
            let m = unsafe { handle::opt(map, "skeleton map") }?;
            let p = m.map_or(std::ptr::null_mut(), |m| m.mmaped.ptr());
            // SAFETY: mmaped slot inside the generated skeleton struct (writable).
            unsafe { *mmaped = p as *mut c_void };
        }
        Ok(0)
    })
}
symver!(bpf_object__load_skeleton, "LIBBPF_0.0.7");

/// Attach every loaded, autoattach program whose section says where to attach, into its link
/// slot; then every struct_ops map with autocreate + autoattach into its map link slot (a
/// skeleton from a generator without map link slots gets a warning and no auto-attach, as with
/// libbpf). Slots the caller already filled are left alone.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__attach_skeleton(s: *mut bpf_object_skeleton) -> c_int {
    int("bpf_object__attach_skeleton", || {
        // SAFETY: C contract: s is a generated skeleton or NULL.
        let sk = unsafe { caller_mut(s, "skeleton") }?;
        let stride = check_stride("program", sk.prog_cnt, sk.prog_skel_sz, PROG_ENTRY_MIN, sk.progs as *const c_void)?;
        for i in 0..sk.prog_cnt.max(0) as usize {
            let base = sk.progs as *const u8;
            // SAFETY: entry i within the generated array; prog@8, link@16.
            let (prog, link) =
                unsafe { (*field::<*mut Program>(base, stride, i, 8), field::<*mut Link>(base, stride, i, 16)) };
            // SAFETY: filled by open_skeleton with our handle (or NULL); checked as a live program.
            let Some(p) = unsafe { handle::opt(prog, "skeleton program") }? else { continue };
            // SAFETY: link slot inside the generated entry.
            if !p.autoload || !p.autoattach || link.is_null() || unsafe { !(*link).is_null() } {
                continue;
            }
            match crate::attach::auto_attach(p) {
                // SAFETY: link slot inside the generated entry.
                Ok(Some(l)) => unsafe { *link = handle::issue(l) },
                // No attach handler for the section, or no target in it (SEC("uprobe")): skipped,
                // as libbpf does.
                Ok(None) => {}
                // libbpf 1.5: the handler's own warnings, then this line with the errno.
                Err(e) => {
                    if e.should_log() {
                        crate::pr_warn!("{e}");
                    }
                    crate::pr_warn!(
                        "prog '{}': failed to auto-attach: {}",
                        p.name().to_string_lossy(),
                        crate::error::errstr(e.errno())
                    );
                    return Err(Error::quiet(e.errno()));
                }
            }
        }
        let mstride = check_stride("map", sk.map_cnt, sk.map_skel_sz, MAP_ENTRY_MIN, sk.maps as *const c_void)?;
        for i in 0..sk.map_cnt.max(0) as usize {
            let base = sk.maps as *const u8;
            // SAFETY: entry i within the generated array; map@8.
            let map = unsafe { *field::<*mut Map>(base, mstride, i, 8) };
            // SAFETY: filled by open_skeleton with our handle (or NULL); checked as a live map.
            let Some(m) = unsafe { handle::opt(map, "skeleton map") }? else { continue };
            if !m.autocreate || !m.autoattach || !m.is_struct_ops() {
                continue;
            }
            if mstride < MAP_ENTRY_WITH_LINK {
                crate::pr_warn!(
                    "map '{}': BPF skeleton version is old, skipping map auto-attachment...",
                    m.name().to_string_lossy()
                );
                continue;
            }
            // SAFETY: entry i within the array; link@24 (stride >= 32 checked).
            let link = unsafe { field::<*mut Link>(base, mstride, i, 24) };
            if link.is_null() {
                // libbpf 1.5 writes through the NULL slot; 1.7 warns and goes on, as we do.
                crate::pr_warn!("map '{}': BPF map skeleton link is uninitialized", m.name().to_string_lossy());
                continue;
            }
            // SAFETY: link slot inside the generated entry.
            if unsafe { !(*link).is_null() } {
                continue;
            }
            let l = crate::attach::struct_ops::attach(m).map_err(|e| {
                if e.should_log() {
                    crate::pr_warn!("{e}");
                }
                crate::pr_warn!(
                    "map '{}': failed to auto-attach: {}",
                    m.name().to_string_lossy(),
                    crate::error::errstr(e.errno())
                );
                Error::quiet(e.errno())
            })?;
            // SAFETY: link slot inside the generated entry.
            unsafe { *link = handle::issue(Box::new(l)) };
        }
        Ok(0)
    })
}
symver!(bpf_object__attach_skeleton, "LIBBPF_0.0.7");

/// Destroy every link the skeleton holds (program links, and struct_ops map links when the
/// generator gave map entries a `link` slot) and clear the slots.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__detach_skeleton(s: *mut bpf_object_skeleton) {
    val("bpf_object__detach_skeleton", (), || {
        // SAFETY: C contract: s is a generated skeleton or NULL.
        if let Some(sk) = unsafe { s.as_mut() } {
            // SAFETY: arrays described by the skeleton (generator contract).
            unsafe { detach(sk) };
        }
    })
}
symver!(bpf_object__detach_skeleton, "LIBBPF_0.0.7");

/// # Safety
/// `sk` describes generated arrays (generator contract).
unsafe fn detach(sk: &mut bpf_object_skeleton) {
    let destroy_slot = |slot: *mut *mut Link| {
        if !slot.is_null() {
            // SAFETY: slot points into a generated entry; its value is our link or NULL.
            unsafe {
                super::link::bpf_link__destroy(*slot);
                *slot = std::ptr::null_mut();
            }
        }
    };
    if sk.prog_cnt > 0 && sk.prog_skel_sz as usize >= PROG_ENTRY_MIN && !sk.progs.is_null() {
        for i in 0..sk.prog_cnt as usize {
            // SAFETY: entry i within the array; link field at 16.
            destroy_slot(unsafe { field::<*mut Link>(sk.progs as *const u8, sk.prog_skel_sz as usize, i, 16) });
        }
    }
    if sk.map_cnt > 0 && sk.map_skel_sz as usize >= MAP_ENTRY_WITH_LINK && !sk.maps.is_null() {
        for i in 0..sk.map_cnt as usize {
            // SAFETY: entry i within the array; link field at 24 (stride >= 32 checked).
            destroy_slot(unsafe { field::<*mut Link>(sk.maps as *const u8, sk.map_skel_sz as usize, i, 24) });
        }
    }
}

/// Detach, close the object, and free the generated arrays and the skeleton with libc `free`.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__destroy_skeleton(s: *mut bpf_object_skeleton) {
    val("bpf_object__destroy_skeleton", (), || {
        // SAFETY: C contract: s is a calloc'ed generated skeleton or NULL.
        let Some(sk) = (unsafe { s.as_mut() }) else { return };
        // SAFETY: generator contract for the arrays.
        unsafe { detach(sk) };
        if !sk.obj.is_null() {
            // SAFETY: obj slot holds our handle or NULL; close takes ownership.
            unsafe {
                super::object::bpf_object__close(*sk.obj);
                *sk.obj = std::ptr::null_mut();
            }
        }
        // SAFETY: the generator allocated these with libc calloc and hands ownership to us here.
        unsafe {
            libc::free(sk.maps as *mut c_void);
            libc::free(sk.progs as *mut c_void);
            libc::free(s as *mut c_void);
        }
    })
}
symver!(bpf_object__destroy_skeleton, "LIBBPF_0.0.7");

/// Point each variable entry's `*addr` into its map's buffer: the variable is looked up by name
/// among the entries of the map's DATASEC (in the final object's BTF, so offsets are the final
/// object's, not the library's). A variable that cannot be resolved gets `*addr = NULL` and a
/// warning naming it.
///
/// # Safety
/// `vars` holds `cnt` entries of `stride` bytes laid out as `struct bpf_var_skeleton` prefixes,
/// whose `map` slots were filled by [`populate_maps`] (or hold one of our map handles).
unsafe fn populate_vars(obj: &Object, btf: &crate::btf::Btf, vars: *const c_void, cnt: i32, stride: i32) -> Result<()> {
    let stride = check_stride("variable", cnt, stride, VAR_ENTRY_MIN, vars)?;
    let base = vars as *const u8;
    for i in 0..cnt as usize {
        // SAFETY: entry i within the array; fields name@0, map@8, addr@16.
        let (name, map_slot, addr) = unsafe {
            (
                field::<c_char>(base, stride, i, 0),
                field::<*mut Map>(base, stride, i, 8),
                field::<*mut c_void>(base, stride, i, 16),
            )
        };
        // SAFETY: generated names are NUL-terminated literals.
        let name = unsafe { cstr(name, "subskeleton variable name") }?;
        if map_slot.is_null() || addr.is_null() {
            return Err(Error::inval(format!("subskeleton variable '{name}': NULL map or address slot")));
        }
        // SAFETY: map_slot points into the generated struct (a readable pointer slot).
        let handle = unsafe { *map_slot };
        // Only a handle of this object is dereferenced (populate_maps filled the slot from it).
        let map_idx = obj.maps.index_of(handle).ok_or_else(|| {
            Error::inval(format!("subskeleton variable '{name}': its map slot holds no map of this object"))
        })?;
        let p = obj.subskeleton_var(btf, map_idx, name)? as *mut c_void;
        // SAFETY: addr points into the generated struct (writable pointer slot).
        unsafe { *addr = p };
    }
    Ok(())
}

/// Bind a BPF library's subskeleton to the final object it was linked into (never the library's
/// own file): maps by name (a leading `.` matches the section name: `.data`, `.rodata`, `.bss`,
/// `.kconfig`, `.data.custom`), programs by name (never subprograms), variables by name inside
/// their map's DATASEC, pointing into the map's buffer. Entries are read at the generator's
/// strides (`map_skel_sz`, `prog_skel_sz`, `var_skel_sz`); map entries' `mmaped` slots are filled
/// when present (bpftool leaves them NULL in subskeletons).
///
/// Works before load (the buffers hold the initial values; C may write them, `.rodata` included)
/// and after it (global-data maps are mapped at the same addresses, `.rodata` read-only). After
/// `bpf_map__set_value_size` on a global-data map its buffer may move, and, as libbpf documents,
/// pointers into it must be re-resolved: call this again on the same subskeleton
/// (`bpf_object__open_subskeleton(skel->subskel)`).
///
/// Errors: `-EINVAL` for a NULL subskeleton or object or a variable whose map's value type is not
/// a DATASEC (e.g. after a resize libbpf could not describe in BTF); `-ESRCH` for a map or
/// program the object lacks, with a log line naming the kind (libbpf 1.5's second line says
/// "maps" for programs too); `-ENOENT` when the object has no BTF.
///
/// A variable the object's DATASEC does not have: the call still succeeds (as with libbpf: a
/// library built with an extra global must not break binaries linked with an older one), but
/// its address is set to NULL and a warning names it. libbpf leaves the slot untouched and says
/// nothing; writing NULL means a re-open never leaves a stale address behind.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__open_subskeleton(s: *mut bpf_object_subskeleton) -> c_int {
    int("bpf_object__open_subskeleton", || {
        // SAFETY: C contract: s is a generated subskeleton or NULL.
        let sk = unsafe { caller_mut(s, "subskeleton") }?;
        // SAFETY: obj is our live handle or NULL.
        let obj = unsafe { get(sk.obj, "subskeleton object") }?;
        let btf = obj.btf().ok_or_else(|| {
            Error::new(
                libc::ENOENT,
                format!("subskeletons require BTF at runtime (object {})", obj.name().to_string_lossy()),
            )
        })?;
        // SAFETY: arrays described by the subskeleton (generator contract).
        unsafe { populate_maps(obj, sk.maps as *const c_void, sk.map_cnt, sk.map_skel_sz) }
            .map_err(|e| e.context("failed to populate subskeleton maps"))?;
        // SAFETY: as above; subskeleton program entries need no link slot.
        unsafe { populate_progs(obj, sk.progs as *const c_void, sk.prog_cnt, sk.prog_skel_sz, PROG_ENTRY_NO_LINK) }
            .map_err(|e| e.context("failed to populate subskeleton progs"))?;
        // SAFETY: as above; map slots were just filled.
        unsafe { populate_vars(obj, btf, sk.vars as *const c_void, sk.var_cnt, sk.var_skel_sz) }
            .map_err(|e| e.context("failed to populate subskeleton variables"))?;
        Ok(0)
    })
}
symver!(bpf_object__open_subskeleton, "LIBBPF_0.8.0");

/// Free the subskeleton's generated arrays and itself (libc `free`); the object is not touched.
#[no_mangle]
pub unsafe extern "C" fn bpf_object__destroy_subskeleton(s: *mut bpf_object_subskeleton) {
    val("bpf_object__destroy_subskeleton", (), || {
        // SAFETY: C contract: s is a calloc'ed generated subskeleton or NULL.
        let Some(sk) = (unsafe { s.as_mut() }) else { return };
        // SAFETY: the generator allocated these with libc calloc and hands ownership to us here.
        unsafe {
            libc::free(sk.maps as *mut c_void);
            libc::free(sk.progs as *mut c_void);
            libc::free(sk.vars as *mut c_void);
            libc::free(s as *mut c_void);
        }
    })
}
symver!(bpf_object__destroy_subskeleton, "LIBBPF_0.8.0");
