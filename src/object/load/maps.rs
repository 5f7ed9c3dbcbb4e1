//! Map creation (`bpf_object__create_maps`): reuse of pinned maps, creation with or without BTF,
//! internal maps filled and frozen, map-in-map slots, pinning.

use super::ctx::LoadCtx;
use super::prog::excl_prog_hash;
use super::{errstr, pr_perm_msg};
use crate::error::lerr;
use crate::error::{Error, Result};
use crate::object::{map_type_is_map_in_map, MapKind, Object, Slot};
use crate::sys::cmd;
use crate::uapi;
use std::borrow::Cow;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

impl Object {
    /// `bpf_object__create_maps`: in map order, reuse a pinned map or create the map (inner
    /// map template first), fill global data (then freeze read-only data and map the kernel
    /// map over the skeleton's memory) or map-in-map slots, then pin. A failure closes the maps
    /// created so far.
    pub(super) fn create_maps(&mut self, ctx: &LoadCtx) -> Result<()> {
        for idx in 0..self.maps.len() {
            if let Err(e) = self.create_one(idx, ctx.token()) {
                let name = self.maps.get(idx).map(|m| m.name.to_string_lossy().into_owned()).unwrap_or_default();
                if e.should_log() {
                    crate::pr_warn!("{}", e);
                }
                crate::pr_warn!("map '{}': failed to create: {}", name, errstr(e.errno()));
                pr_perm_msg(e.errno());
                for j in 0..idx {
                    if let Some(m) = self.maps.get_mut(j) {
                        m.fd = None;
                    }
                }
                return Err(Error::quiet(e.errno()));
            }
        }
        Ok(())
    }

    fn create_one(&mut self, idx: usize, token: Option<BorrowedFd>) -> Result<()> {
        let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
        let name = m.name.to_string_lossy().into_owned();
        if !m.autocreate {
            let (nl, np) = crate::log::cs(&name);
            // SAFETY: (c_int, pointer) of a live &str for `%.*s`.
            unsafe { crate::pr_debug_c!(c"libbpf: map '%.*s': skipped auto-creating...\n", nl, np) };
            return Ok(());
        }
        set_def_max_entries(m)?;
        let mut retried = false;
        loop {
            if self.maps.get(idx).is_some_and(|m| m.pin_path.is_some()) {
                self.reuse_pinned(idx).inspect_err(|_| {
                    crate::pr_warn!("map '{}': error reusing pinned map", name);
                })?;
                if retried && self.maps.get(idx).is_some_and(|m| m.fd.is_none()) {
                    crate::pr_warn!("map '{}': cannot find pinned map", name);
                    return Err(Error::quiet(libc::ENOENT));
                }
            }
            let reused = self.maps.get(idx).is_some_and(|m| m.reused);
            if reused {
                let fd = self.maps.get(idx).map_or(-1, |m| m.raw_fd());
                let (nl, np) = crate::log::cs(&name);
                // SAFETY: (c_int, pointer) of a live &str for `%.*s`, i32 for `%d`.
                unsafe { crate::pr_debug_c!(c"libbpf: map '%.*s': skipping creation (preset fd=%d)\n", nl, np, fd) };
            } else {
                let btf_fd = self.btf_fd_owned.as_ref().map(|f| f.as_raw_fd());
                let excl = match self.maps.get(idx).and_then(|m| m.excl_prog) {
                    Some(pi) => {
                        let p = self.progs.get(pi).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
                        Some(excl_prog_hash(&p.insns)?)
                    }
                    None => None,
                };
                let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
                create_map(m, btf_fd, token, excl.as_ref())?;
                let (nl, np) = crate::log::cs(&name);
                // SAFETY: (c_int, pointer) of a live &str for `%.*s`, i32 for `%d`.
                unsafe { crate::pr_debug_c!(c"libbpf: map '%.*s': created successfully, fd=%d\n", nl, np, m.raw_fd()) };
                if m.is_internal() {
                    populate_internal_map(m)?;
                } else if m.def.map_type == uapi::BPF_MAP_TYPE_ARENA {
                    // The `__arena` globals' initial values live in the pre-load buffer (open
                    // moved them there so C could edit them); they go into the kernel arena.
                    let sz = self.arena_data_sz;
                    let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
                    let data = m.mmaped.contents(sz)?.map(|d| d.into_owned()).filter(|d| !d.is_empty());
                    map_arena(m, data.as_deref())?;
                }
                let m = self.maps.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
                if !m.init_slots.is_empty() && m.def.map_type != uapi::BPF_MAP_TYPE_PROG_ARRAY {
                    self.init_map_in_map_slots(idx)?;
                }
            }
            let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
            if let (Some(path), false) = (m.pin_path.clone(), m.pinned) {
                if let Err(e) = pin_map(m) {
                    if !retried && e.errno() == libc::EEXIST {
                        retried = true;
                        continue;
                    }
                    crate::pr_warn!(
                        "map '{}': failed to auto-pin at '{}': {}",
                        name,
                        path.to_string_lossy(),
                        errstr(e.errno())
                    );
                    return Err(Error::quiet(e.errno()));
                }
            }
            return Ok(());
        }
    }

    /// `bpf_object__reuse_map`: adopt the map pinned at the map's pin path, if any and
    /// compatible.
    #[inline(never)] // only for pinned maps, off the common path (`link/hot-text.ld`)
    fn reuse_pinned(&mut self, idx: usize) -> Result<()> {
        let m = self.maps.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
        let Some(path) = m.pin_path.clone() else { return Ok(()) };
        let fd = match cmd::obj_get(&path, 0) {
            Ok(fd) => fd,
            Err(e) if e.errno() == libc::ENOENT => {
                // SAFETY: the NUL-terminated pin path for `%s`.
                unsafe { crate::pr_debug_c!(c"libbpf: found no pinned map to reuse at '%s'\n", path.as_ptr()) };
                return Ok(());
            }
            Err(e) => {
                crate::pr_warn!("couldn't retrieve pinned map '{}': {}", path.to_string_lossy(), errstr(e.errno()));
                return Err(Error::quiet(e.errno()));
            }
        };
        let info = match cmd::map_info(fd.as_fd()) {
            Ok(i) => i,
            Err(e) => {
                crate::pr_warn!("failed to get map info for map FD {}: {}", fd.as_raw_fd(), errstr(e.errno()));
                crate::pr_warn!("couldn't reuse pinned map at '{}': parameter mismatch", path.to_string_lossy());
                return Err(Error::quiet(libc::EINVAL));
            }
        };
        let d = &m.def;
        let compat = info.type_ == d.map_type
            && info.key_size == d.key_size
            && info.value_size == d.value_size
            && info.max_entries == d.max_entries
            && info.map_flags == d.map_flags
            && info.map_extra == d.map_extra;
        if !compat {
            crate::pr_warn!("couldn't reuse pinned map at '{}': parameter mismatch", path.to_string_lossy());
            return Err(Error::quiet(libc::EINVAL));
        }
        m.adopt_kernel_map(fd, &info);
        m.pinned = true;
        // SAFETY: the NUL-terminated pin path for `%s`.
        unsafe { crate::pr_debug_c!(c"libbpf: reused pinned map at '%s'\n", path.as_ptr()) };
        Ok(())
    }

    /// Map-in-map initial slots (`init_map_in_map_slots`), right after the outer map exists.
    #[inline(never)] // only for maps of maps, off the common path (`link/hot-text.ld`)
    fn init_map_in_map_slots(&mut self, idx: usize) -> Result<()> {
        let m = self.maps.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "map vanished"))?;
        let outer = m.raw_fd();
        let mname = m.name.to_string_lossy().into_owned();
        let slots: Vec<(usize, usize)> = m
            .init_slots
            .iter()
            .enumerate()
            .filter_map(|(k, s)| match s {
                Some(Slot::Map(t)) => Some((k, *t)),
                _ => None,
            })
            .collect();
        for (key, target) in slots {
            let (tfd, tname) = self
                .maps
                .get(target)
                .map_or((-1, String::new()), |t| (t.raw_fd(), t.name.to_string_lossy().into_owned()));
            // SAFETY: `outer` is the fd this map owns (created just before); it stays open.
            let outer_b = unsafe { BorrowedFd::borrow_raw(outer) };
            if let Err(e) = cmd::map_update_elem(outer_b, &(key as u32).to_le_bytes(), &tfd.to_le_bytes(), 0) {
                crate::pr_warn!(
                    "map '{}': failed to initialize slot [{}] to map '{}' fd={}: {}",
                    mname,
                    key,
                    tname,
                    tfd,
                    errstr(e.errno())
                );
                return Err(Error::quiet(e.errno()));
            }
            let ((ml, mp), (tl, tp)) = (crate::log::cs(&mname), crate::log::cs(&tname));
            // SAFETY: (c_int, pointer) of live &str for each `%.*s`, usize for `%zu`, i32 for `%d`.
            unsafe {
                crate::pr_debug_c!(
                    c"libbpf: map '%.*s': slot [%zu] set to map '%.*s' fd=%d\n",
                    ml,
                    mp,
                    key,
                    tl,
                    tp,
                    tfd
                )
            };
        }
        Ok(())
    }
}

/// `map_set_def_max_entries`: a perf event array of size 0 gets one slot per possible CPU (the
/// only map that needs the CPU count, read from sysfs once per process when first needed).
fn set_def_max_entries(m: &mut crate::object::Map) -> Result<()> {
    if m.def.map_type == uapi::BPF_MAP_TYPE_PERF_EVENT_ARRAY && m.def.max_entries == 0 {
        let ncpus = crate::sys::possible_cpus().map_err(|e| {
            let name = m.name.to_string_lossy();
            e.context(format!("map '{name}': failed to determine number of system CPUs"))
        })?;
        // SAFETY: the map's NUL-terminated name for `%s`, usize for `%zu`.
        unsafe { crate::pr_debug_c!(c"libbpf: map '%s': setting size to %zu\n", m.name.as_ptr(), ncpus) };
        m.def.max_entries = ncpus as u32;
    }
    Ok(())
}

/// `bpf_map__pin(map, NULL)` during the load: [`crate::object::Map::pin`], its warning printed
/// at once (libbpf prints it before the load's own lines about the failure).
fn pin_map(m: &mut crate::object::Map) -> Result<()> {
    m.pin(None).map_err(warn_now)
}

/// `bpf_map__unpin(map, NULL)`, used to undo this load's pins after a failure.
pub(super) fn unpin_map(m: &mut crate::object::Map) {
    let _ = m.unpin(None).map_err(warn_now);
}

/// Print `e`'s warning now and keep only its errno.
fn warn_now(e: Error) -> Error {
    if e.should_log() {
        crate::pr_warn!("{}", e);
    }
    Error::quiet(e.errno())
}

/// `bpf_object__populate_internal_map`: initial contents, freeze read-only data, then put the
/// kernel map's memory where the skeleton's pointer already is (non-mmapable maps lose their
/// buffer).
fn populate_internal_map(m: &mut crate::object::Map) -> Result<()> {
    let name = m.name.to_string_lossy().into_owned();
    let fd = m.fd.as_ref().ok_or_else(|| Error::new(lerr::INTERNAL, "internal map without fd"))?;
    let value_size = m.def.value_size as usize;
    let mmapable = m.def.map_flags & uapi::BPF_F_MMAPABLE != 0;
    let writable = m.def.map_flags & uapi::BPF_F_RDONLY_PROG == 0;
    let len = crate::object::maps::array_mmap_size(m.def.value_size, m.def.max_entries);
    // Reading initial bytes that wait in the object file failed.
    let unreadable = |e: Error| {
        crate::pr_warn!("map '{}': failed to set initial contents: {}", name, e);
        Error::quiet(e.errno())
    };
    if mmapable && writable && m.mmaped.waits_in_file() {
        // Read from the object file straight into the kernel map's memory (`databuf`): no
        // update, and nothing to freeze (only read-only data is frozen).
        return m.mmaped.fill_kernel(fd.as_fd(), len).map_err(unreadable);
    }
    // The contents straight from the buffer, mapped or still waiting (a copy of 3 MiB of global
    // data cost as much as the kernel's own update).
    let data = m.mmaped.contents(value_size).map_err(unreadable)?;
    let data = data.unwrap_or_else(|| Cow::Owned(vec![0; value_size]));
    if let Err(e) = cmd::map_update_elem(fd.as_fd(), &0u32.to_le_bytes(), &data, 0) {
        crate::pr_warn!("map '{}': failed to set initial contents: {}", name, errstr(e.errno()));
        return Err(Error::quiet(e.errno()));
    }
    drop(data);
    if m.kind == MapKind::Rodata || m.kind == MapKind::Kconfig {
        if let Err(e) = cmd::map_freeze(fd.as_fd()) {
            crate::pr_warn!("map '{}': failed to freeze as read-only: {}", name, errstr(e.errno()));
            return Err(Error::quiet(e.errno()));
        }
    }
    if mmapable {
        // Over the buffer whose address C has, else (never asked for, never mapped) wherever the
        // kernel puts it.
        if let Err(e) = m.mmaped.map_kernel(fd.as_fd(), len, writable) {
            crate::pr_warn!("map '{}': failed to re-mmap() contents: {}", name, errstr(e.errno()));
            return Err(Error::quiet(e.errno()));
        }
    } else {
        m.mmaped.clear();
    }
    Ok(())
}

/// An ARENA map: map its pages into this process and copy the `.addr_space.1` initial data.
/// (A fixed user address, `map_extra`, is not supported yet.)
#[inline(never)] // only for arenas, off the common path (`link/hot-text.ld`)
fn map_arena(m: &mut crate::object::Map, data: Option<&[u8]>) -> Result<()> {
    let name = m.name.to_string_lossy().into_owned();
    let len = crate::sys::mmap::page_size() * m.def.max_entries as usize;
    let fd = m.fd.as_ref().ok_or_else(|| Error::new(lerr::INTERNAL, "arena without fd"))?;
    // map_extra asks for the arena at a fixed user address (libbpf maps it there MAP_FIXED).
    let at = (m.def.map_extra != 0).then_some(m.def.map_extra as usize);
    let mut r = match crate::sys::mmap::Region::from_fd(fd.as_fd(), len, at, true) {
        Ok(r) => r,
        Err(e) => {
            crate::pr_warn!("map '{}': failed to mmap arena: {}", name, errstr(e.errno()));
            return Err(Error::quiet(e.errno()));
        }
    };
    if let Some(d) = data {
        r.write(0, d)?;
    }
    m.mmaped.set(r);
    Ok(())
}

/// Map types whose BTF key/value the kernel refuses: created without, and the map forgets them.
fn map_type_has_no_btf(t: u32) -> bool {
    matches!(
        t,
        uapi::BPF_MAP_TYPE_PERF_EVENT_ARRAY
            | uapi::BPF_MAP_TYPE_CGROUP_ARRAY
            | uapi::BPF_MAP_TYPE_STACK_TRACE
            | uapi::BPF_MAP_TYPE_ARRAY_OF_MAPS
            | uapi::BPF_MAP_TYPE_HASH_OF_MAPS
            | uapi::BPF_MAP_TYPE_DEVMAP
            | uapi::BPF_MAP_TYPE_DEVMAP_HASH
            | uapi::BPF_MAP_TYPE_CPUMAP
            | uapi::BPF_MAP_TYPE_XSKMAP
            | uapi::BPF_MAP_TYPE_SOCKMAP
            | uapi::BPF_MAP_TYPE_SOCKHASH
            | uapi::BPF_MAP_TYPE_QUEUE
            | uapi::BPF_MAP_TYPE_STACK
            | uapi::BPF_MAP_TYPE_ARENA
    )
}

/// `bpf_object__create_map`: BPF_MAP_CREATE for `m` (its inner map template first, created with
/// BTF like any map, then dropped together with the template); a failure with BTF ids is retried without them,
/// which the map then forgets.
fn create_map(
    m: &mut crate::object::Map,
    btf_fd: Option<RawFd>,
    token: Option<BorrowedFd>,
    excl_prog_hash: Option<&[u8; 32]>,
) -> Result<()> {
    let mut inner_fd: Option<OwnedFd> = None;
    if map_type_is_map_in_map(m.def.map_type) {
        if let Some(inner) = m.inner.as_mut() {
            set_def_max_entries(inner)?;
            if let Err(e) = create_map(inner, btf_fd, token, None) {
                crate::pr_warn!(
                    "map '{}': failed to create inner map: {}",
                    m.name.to_string_lossy(),
                    errstr(e.errno())
                );
                return Err(e);
            }
            inner_fd = inner.fd.take();
        }
    }
    let d = m.def.clone();
    if map_type_has_no_btf(d.map_type) {
        m.btf_key_type_id = 0;
        m.btf_value_type_id = 0;
    }
    let name = m.name.to_string_lossy().into_owned();
    // SAFETY: btf_fd is the object's BTF fd, owned by the object for the whole load.
    let btf_b = btf_fd.map(|fd| unsafe { BorrowedFd::borrow_raw(fd) });
    let inner_b = match (&inner_fd, m.inner_map_fd) {
        (Some(f), _) => Some(f.as_fd()),
        // SAFETY: a caller-provided inner map fd (bpf_map__set_inner_map_fd) stays open until
        // load, per libbpf's contract.
        (None, fd) if fd >= 0 && map_type_is_map_in_map(d.map_type) => Some(unsafe { BorrowedFd::borrow_raw(fd) }),
        _ => None,
    };
    let mut a = cmd::MapCreate {
        map_type: d.map_type,
        name: &name,
        key_size: d.key_size,
        value_size: d.value_size,
        max_entries: d.max_entries,
        map_flags: d.map_flags,
        btf_fd: btf_b,
        btf_key_type_id: if btf_b.is_some() { m.btf_key_type_id } else { 0 },
        btf_value_type_id: if btf_b.is_some() { m.btf_value_type_id } else { 0 },
        btf_vmlinux_value_type_id: 0,
        inner_map_fd: inner_b,
        numa_node: (d.map_flags & uapi::BPF_F_NUMA_NODE != 0).then_some(d.numa_node),
        map_extra: d.map_extra,
        map_ifindex: m.ifindex,
        value_type_btf_obj_fd: None,
        token_fd: token,
        excl_prog_hash,
    };
    if map_type_has_no_btf(d.map_type) {
        a.btf_fd = None;
    }
    if let Some(st) = &m.st_ops_kern {
        a.btf_vmlinux_value_type_id = st.value_type_id;
        a.btf_value_type_id = 0;
        // A module's struct_ops type: the map names that module's BTF object.
        a.value_type_btf_obj_fd = st.value_type_btf_obj_fd();
    }
    let res = match cmd::map_create(&a) {
        Ok(fd) => Ok(fd),
        Err(e) if a.btf_key_type_id != 0 || a.btf_value_type_id != 0 => {
            crate::pr_warn!("Error in bpf_create_map_xattr({}): {}. Retrying without BTF.", name, errstr(e.errno()));
            a.btf_fd = None;
            a.btf_key_type_id = 0;
            a.btf_value_type_id = 0;
            m.btf_key_type_id = 0;
            m.btf_value_type_id = 0;
            cmd::map_create(&a)
        }
        Err(e) => Err(e),
    };
    drop(inner_fd);
    // As libbpf: once the outer map was asked for, its inner-map template is gone, whether the
    // create worked or not (`bpf_map__inner_map` returns NULL from then on).
    if map_type_is_map_in_map(d.map_type) {
        if let Some(old) = m.inner.take() {
            crate::registry::retire::<crate::object::Map>(&*old);
        }
    }
    let fd = res.map_err(|e| Error::quiet(e.errno()))?;
    m.fd = Some(fd);
    Ok(())
}
