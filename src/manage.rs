//! The struct_ops manager behind `oxbpf struct_ops`: what is registered in the kernel, its
//! value, registering an object's struct_ops maps and unregistering them (the "insmod / lsmod /
//! rmmod" of struct_ops).
//!
//! Everything here reads kernel state through the bpf(2) chokepoint (`sys::cmd`): struct_ops maps
//! are found by walking map ids, their links by walking link ids (`BPF_LINK_TYPE_STRUCT_OPS`
//! links name their map), pins by walking the mounted BPF file systems, and the processes holding
//! a map or link from `/proc/<pid>/fdinfo`.

use crate::btf::{Btf, Kind};
use crate::error::{Error, Result};
use crate::struct_ops::kern::VALUE_PREFIX;
use crate::sys::attr::bpf_map_info;
use crate::sys::cmd::{self, IdKind};
use crate::uapi;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `BPF_LINK_TYPE_STRUCT_OPS`.
const LINK_TYPE_STRUCT_OPS: u32 = 9;
/// Prefix of a struct_ops map's kernel value type (`bpf_struct_ops_tcp_congestion_ops`).
/// Bounds on the bpffs walk for pins (a bpffs with more is unusual; the rest is not searched).
const PIN_WALK_MAX_DEPTH: usize = 16;
const PIN_WALK_MAX_ENTRIES: usize = 100_000;

/// Which registrations a command is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    All,
    Id(u32),
    Name(String),
}

/// A process holding an fd of a map or link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    pub comm: String,
    pub fd: i32,
}

/// A struct_ops link and where it is pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub id: u32,
    pub pins: Vec<PathBuf>,
    pub holders: Vec<Holder>,
}

/// One struct_ops map in the kernel.
#[derive(Debug, Clone)]
pub struct Registration {
    pub map_id: u32,
    /// The map name (at most 15 bytes, as the kernel keeps it).
    pub name: String,
    /// The kernel struct it implements (`tcp_congestion_ops`).
    pub kernel_type: String,
    /// `BPF_F_LINK`: registered through a BPF link (else legacy, by map update).
    pub link_based: bool,
    /// The kernel's `bpf_struct_ops_state` in lower case without its prefix (`inuse`, `ready`,
    /// `init`, `tobefree`), or `unknown (N)`.
    pub state: String,
    pub links: Vec<LinkRef>,
    pub pins: Vec<PathBuf>,
    pub holders: Vec<Holder>,
}

/// One member of a dumped kernel value.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberValue {
    /// A function slot: the program id the kernel holds (0: empty) and the program's name.
    Prog {
        id: u32,
        name: Option<String>,
    },
    Int(i128),
    Str(String),
    Bytes(Vec<u8>),
}

/// A registration with its kernel value, member by member.
#[derive(Debug, Clone)]
pub struct Dump {
    pub reg: Registration,
    pub members: Vec<(String, MemberValue)>,
}

/// What `register` did for one map.
#[derive(Debug, Clone)]
pub struct Registered {
    pub map_name: String,
    pub map_id: u32,
    pub kernel_type: String,
    /// The link id (link-based maps).
    pub link_id: Option<u32>,
    /// Where the link was pinned.
    pub pinned: Option<PathBuf>,
}

/// What `unregister` did for one map.
#[derive(Debug, Clone)]
pub struct Unregistered {
    pub map_name: String,
    pub map_id: u32,
    pub kernel_type: String,
    /// Links detached (link-based maps).
    pub detached_links: Vec<u32>,
    /// Pins removed.
    pub unpinned: Vec<PathBuf>,
}

/// An open struct_ops map with its info.
struct MapHandle {
    fd: OwnedFd,
    info: bpf_map_info,
}

/// The kernel BTF holding a map's value type: vmlinux, or the module BTF `btf_vmlinux_id` names.
fn kernel_btf(info: &bpf_map_info) -> Result<Arc<Btf>> {
    let vmlinux = Btf::vmlinux()?;
    if info.btf_vmlinux_id == 0
        || vmlinux.ty(info.btf_vmlinux_value_type_id).is_some_and(|t| t.name.starts_with(VALUE_PREFIX))
    {
        return Ok(vmlinux);
    }
    let fd = cmd::get_fd_by_id(IdKind::Btf, info.btf_vmlinux_id, 0)
        .map_err(|e| e.context(format!("struct_ops map '{}': module BTF id {}", info.name(), info.btf_vmlinux_id)))?;
    let data = cmd::btf_data(fd.as_fd())?;
    Ok(Arc::new(Btf::parse_split(&data, vmlinux)?))
}

/// `tcp_congestion_ops` from the map's value type `bpf_struct_ops_tcp_congestion_ops`.
fn kernel_type_name(btf: &Btf, info: &bpf_map_info) -> String {
    match btf.ty(info.btf_vmlinux_value_type_id) {
        Some(t) => t.name.strip_prefix(VALUE_PREFIX).unwrap_or(t.name).to_string(),
        None => format!("<unknown value type {}>", info.btf_vmlinux_value_type_id),
    }
}

fn open_map(id: u32) -> Result<Option<MapHandle>> {
    let fd = match cmd::get_fd_by_id(IdKind::Map, id, 0) {
        Ok(fd) => fd,
        // Gone between listing and opening.
        Err(e) if e.errno() == libc::ENOENT => return Ok(None),
        Err(e) => return Err(e),
    };
    let info = cmd::map_info(fd.as_fd())?;
    Ok(Some(MapHandle { fd, info }))
}

/// Every id of `kind` currently in the kernel.
fn all_ids(kind: IdKind) -> Result<Vec<u32>> {
    let mut ids = Vec::new();
    let mut cur = 0;
    loop {
        match cmd::get_next_id(kind, cur) {
            Ok(id) => {
                ids.push(id);
                cur = id;
            }
            Err(e) if e.errno() == libc::ENOENT => return Ok(ids),
            Err(e) => return Err(e),
        }
    }
}

/// The struct_ops maps the filter selects. An `Id` that is not a struct_ops map is an error;
/// so is a `Name` or `Id` that selects nothing.
fn select_maps(filter: &Filter) -> Result<Vec<MapHandle>> {
    let mut out = Vec::new();
    match filter {
        Filter::Id(id) => {
            let m = open_map(*id)?.ok_or_else(|| Error::new(libc::ENOENT, format!("no map with id {id}")))?;
            if m.info.type_ != uapi::BPF_MAP_TYPE_STRUCT_OPS {
                return Err(Error::inval(format!("map '{}' id {id} is not a struct_ops map", m.info.name())));
            }
            out.push(m);
        }
        Filter::All | Filter::Name(_) => {
            for id in all_ids(IdKind::Map)? {
                let Some(m) = open_map(id)? else { continue };
                if m.info.type_ != uapi::BPF_MAP_TYPE_STRUCT_OPS {
                    continue;
                }
                if let Filter::Name(n) = filter {
                    if m.info.name() != *n {
                        continue;
                    }
                }
                out.push(m);
            }
            if let Filter::Name(n) = filter {
                if out.is_empty() {
                    return Err(Error::new(libc::ENOENT, format!("no struct_ops map named '{n}'")));
                }
            }
        }
    }
    Ok(out)
}

/// Ids of the struct_ops links and the map each points at.
fn struct_ops_links() -> Result<Vec<(u32, u32)>> {
    let mut out = Vec::new();
    for id in all_ids(IdKind::Link)? {
        let fd = match cmd::get_fd_by_id(IdKind::Link, id, 0) {
            Ok(fd) => fd,
            Err(e) if e.errno() == libc::ENOENT => continue,
            Err(e) => return Err(e),
        };
        let info = cmd::link_info(fd.as_fd())?;
        if info.type_ == LINK_TYPE_STRUCT_OPS {
            out.push((id, info.struct_ops_map_id()));
        }
    }
    Ok(out)
}

/// What an fd refers to, from its fdinfo: ("map" | "link", id).
fn fdinfo_object(path: &Path) -> Option<(&'static str, u32)> {
    let text = std::fs::read_to_string(path).ok()?;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("map_id:") {
            return Some(("map", v.trim().parse().ok()?));
        }
        if let Some(v) = line.strip_prefix("link_id:") {
            return Some(("link", v.trim().parse().ok()?));
        }
    }
    None
}

/// Every BPF map and link fd held by any other process: (kind, id) → holders. Processes we
/// may not inspect are passed over, and so is this one (its fds are the ones opened to look).
fn holders() -> std::collections::HashMap<(&'static str, u32), Vec<Holder>> {
    let mut out: std::collections::HashMap<(&'static str, u32), Vec<Holder>> = std::collections::HashMap::new();
    let Ok(procs) = std::fs::read_dir("/proc") else { return out };
    let me = std::process::id();
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else { continue };
        let comm = std::fs::read_to_string(p.path().join("comm")).map(|s| s.trim_end().to_string()).unwrap_or_default();
        for f in fds.flatten() {
            let Ok(target) = std::fs::read_link(f.path()) else { continue };
            let t = target.to_string_lossy();
            // Links are "bpf_link" on older kernels, "bpf-link" on newer ones.
            if !matches!(t.as_ref(), "anon_inode:bpf-map" | "anon_inode:bpf_link" | "anon_inode:bpf-link") {
                continue;
            }
            let Some(fd) = f.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
            if let Some(key) = fdinfo_object(&p.path().join("fdinfo").join(f.file_name())) {
                out.entry(key).or_default().push(Holder { pid, comm: comm.clone(), fd });
            }
        }
    }
    out
}

/// Mount points of BPF file systems.
fn bpffs_mounts() -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string("/proc/self/mounts") else { return Vec::new() };
    let mut v: Vec<PathBuf> = text
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_, dir, fstype) = (f.next()?, f.next()?, f.next()?);
            (fstype == "bpf").then(|| PathBuf::from(dir.replace("\\040", " ")))
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Every pinned map and link under the mounted BPF file systems: (kind, id) → paths.
fn pins() -> std::collections::HashMap<(&'static str, u32), Vec<PathBuf>> {
    let mut out: std::collections::HashMap<(&'static str, u32), Vec<PathBuf>> = std::collections::HashMap::new();
    let mut seen = 0usize;
    let mut stack: Vec<(PathBuf, usize)> = bpffs_mounts().into_iter().map(|p| (p, 0)).collect();
    while let Some((dir, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            seen += 1;
            if seen > PIN_WALK_MAX_ENTRIES {
                crate::pr_warn!("struct_ops: stopped looking for pins after {PIN_WALK_MAX_ENTRIES} entries");
                return out;
            }
            let Ok(ft) = e.file_type() else { continue };
            let path = e.path();
            if ft.is_dir() {
                if depth + 1 < PIN_WALK_MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
                continue;
            }
            if !ft.is_file() {
                continue;
            }
            let Ok(c) = CString::new(path.as_os_str().as_encoded_bytes()) else { continue };
            // Links open only read-write (flags 0); maps too.
            let Ok(fd) = cmd::obj_get(&c, 0) else { continue };
            if let Some(key) = fdinfo_object(Path::new(&format!("/proc/self/fdinfo/{}", fd.as_raw_fd()))) {
                out.entry(key).or_default().push(path);
            }
        }
    }
    out
}

/// Name of the kernel's state value, from the `bpf_struct_ops_state` enum in `btf`.
fn state_name(btf: &Btf, v: u32) -> String {
    let id = btf.find_by_name_kind("bpf_struct_ops_state", Kind::Enum);
    if let Some(vals) = id.and_then(|id| btf.ty(id)).and_then(|t| t.enum_values()) {
        for e in vals.iter() {
            if e.as_u64() as u32 == v {
                return e.name.trim_start_matches("BPF_STRUCT_OPS_STATE_").to_ascii_lowercase();
            }
        }
    }
    format!("unknown ({v})")
}

/// Byte offset of member `name` in struct `id`, descending through a member named `via`
/// first if the struct has one (the kernel's `common` header).
fn member_offset(btf: &Btf, id: u32, via: &str, name: &str) -> Option<(usize, u32)> {
    let t = btf.ty(id)?;
    let ms = t.members()?;
    for m in ms.iter() {
        if m.name == name {
            return Some(((m.bit_offset / 8) as usize, m.type_id));
        }
    }
    let common = ms.iter().find(|m| m.name == via)?;
    let (cid, _) = btf.skip_mods_and_typedefs(common.type_id)?;
    let (off, ty) = member_offset(btf, cid, "", name)?;
    Some(((common.bit_offset / 8) as usize + off, ty))
}

/// The map's kernel value (key 0).
fn value(m: &MapHandle) -> Result<Vec<u8>> {
    let mut v = vec![0u8; m.info.value_size as usize];
    cmd::map_lookup_elem(m.fd.as_fd(), &0u32.to_ne_bytes(), &mut v, 0)
        .map_err(|e| e.context(format!("can't look up struct_ops map '{}' id {}", m.info.name(), m.info.id)))?;
    Ok(v)
}

/// Up to 8 bytes of a kernel value as a native-endian integer (zero-extended).
fn read_ne(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    u64::from_ne_bytes(b)
}

fn describe(
    m: &MapHandle,
    btf: &Btf,
    links: &[(u32, u32)],
    pins: &PinIndex,
    holders: &HolderIndex,
) -> Result<Registration> {
    let state = match value(m) {
        Ok(v) => match member_offset(btf, m.info.btf_vmlinux_value_type_id, "common", "state") {
            Some((off, _)) if off + 4 <= v.len() => state_name(btf, read_ne(&v[off..off + 4]) as u32),
            _ => "unknown".to_string(),
        },
        Err(e) => format!("unknown ({})", crate::error::strerror(e.errno())),
    };
    let id = m.info.id;
    Ok(Registration {
        map_id: id,
        name: m.info.name(),
        kernel_type: kernel_type_name(btf, &m.info),
        link_based: m.info.map_flags & uapi::BPF_F_LINK != 0,
        state,
        links: links
            .iter()
            .filter(|(_, map)| *map == id)
            .map(|&(lid, _)| LinkRef {
                id: lid,
                pins: pins.get(&("link", lid)).cloned().unwrap_or_default(),
                holders: holders.get(&("link", lid)).cloned().unwrap_or_default(),
            })
            .collect(),
        pins: pins.get(&("map", id)).cloned().unwrap_or_default(),
        holders: holders.get(&("map", id)).cloned().unwrap_or_default(),
    })
}

type PinIndex = std::collections::HashMap<(&'static str, u32), Vec<PathBuf>>;
type HolderIndex = std::collections::HashMap<(&'static str, u32), Vec<Holder>>;

/// `list` / `show`: the selected struct_ops maps with their links, pins and holders.
pub fn list(filter: &Filter) -> Result<Vec<Registration>> {
    let maps = select_maps(filter)?;
    if maps.is_empty() {
        return Ok(Vec::new());
    }
    let links = struct_ops_links()?;
    let (pins, holders) = (pins(), holders());
    maps.iter().map(|m| describe(m, &*kernel_btf(&m.info)?, &links, &pins, &holders)).collect()
}

/// `dump`: each selected map's kernel value, member by member of the kernel struct.
pub fn dump(filter: &Filter) -> Result<Vec<Dump>> {
    let maps = select_maps(filter)?;
    if maps.is_empty() {
        return Ok(Vec::new());
    }
    let links = struct_ops_links()?;
    let (pins, holders) = (pins(), holders());
    let mut out = Vec::new();
    for m in &maps {
        let btf = kernel_btf(&m.info)?;
        let reg = describe(m, &btf, &links, &pins, &holders)?;
        let v = value(m)?;
        let (data_off, data_ty) = member_offset(&btf, m.info.btf_vmlinux_value_type_id, "", "data")
            .ok_or_else(|| Error::inval(format!("struct_ops map '{}': value type has no 'data' member", reg.name)))?;
        let (_, st) = btf
            .skip_mods_and_typedefs(data_ty)
            .ok_or_else(|| Error::inval(format!("struct_ops map '{}': bad kernel type", reg.name)))?;
        let mut members = Vec::new();
        for mem in st.members().into_iter().flat_map(|ms| ms.iter().collect::<Vec<_>>()) {
            let off = data_off + (mem.bit_offset / 8) as usize;
            let size = btf.resolve_size(mem.type_id).unwrap_or(0) as usize;
            let Some(bytes) = v.get(off..off + size) else { continue };
            members.push((
                mem.name.to_string(),
                member_value(&btf, mem.type_id, mem.bitfield_size, mem.bit_offset, bytes),
            ));
        }
        out.push(Dump { reg, members });
    }
    Ok(out)
}

fn prog_name(id: u32) -> Option<String> {
    let fd = cmd::get_fd_by_id(IdKind::Prog, id, 0).ok()?;
    let info = cmd::prog_info(fd.as_fd()).ok()?;
    Some(crate::sys::attr::name_str(&info.name))
}

fn member_value(btf: &Btf, type_id: u32, bitfield: u32, bit_offset: u32, bytes: &[u8]) -> MemberValue {
    let Some((_, t)) = btf.skip_mods_and_typedefs(type_id) else { return MemberValue::Bytes(bytes.to_vec()) };
    match t.kind {
        Kind::Ptr => {
            let target = btf.skip_mods_and_typedefs(t.size_or_type).map(|(_, p)| p.kind);
            let v = read_ne(bytes);
            if target == Some(Kind::FuncProto) {
                // The kernel keeps the program id in a registered function slot.
                let id = v as u32;
                MemberValue::Prog { id, name: if id == 0 { None } else { prog_name(id) } }
            } else {
                MemberValue::Int(v as i128)
            }
        }
        Kind::Int | Kind::Enum | Kind::Enum64 if bytes.len() <= 8 => {
            let mut v = read_ne(bytes);
            if bitfield != 0 {
                v = (v >> (bit_offset % 8)) & ((1u64 << bitfield.min(63)) - 1);
            }
            let signed =
                matches!(t.detail, crate::btf::Detail::Int { encoding, .. } if encoding & crate::btf::INT_SIGNED != 0);
            if signed && bitfield == 0 && !bytes.is_empty() {
                let shift = 64 - 8 * bytes.len() as u32;
                MemberValue::Int((((v << shift) as i64) >> shift) as i128)
            } else {
                MemberValue::Int(v as i128)
            }
        }
        Kind::Array => {
            let elem_is_char = match t.detail {
                crate::btf::Detail::Array { elem, .. } => {
                    btf.skip_mods_and_typedefs(elem).is_some_and(|(_, e)| e.kind == Kind::Int && e.size_or_type == 1)
                }
                _ => false,
            };
            if elem_is_char {
                let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                MemberValue::Str(String::from_utf8_lossy(&bytes[..end]).into_owned())
            } else {
                MemberValue::Bytes(bytes.to_vec())
            }
        }
        _ => MemberValue::Bytes(bytes.to_vec()),
    }
}

/// Make `dir` usable for pins: create it (and its parents) and, when it is not on a BPF file
/// system, mount one there (as bpftool does for LINK_DIR).
fn ensure_bpffs_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("can't create {}", dir.display()), &e))?;
    // `check_path` looks at the directory holding its argument.
    let probe = CString::new(dir.join("x").as_os_str().as_encoded_bytes())
        .map_err(|_| Error::inval("LINK_DIR contains a NUL byte"))?;
    match crate::object::pin::check_path(&probe) {
        Ok(()) => Ok(()),
        Err(e) if e.errno() == libc::EINVAL => crate::sys::mount_bpffs(dir),
        Err(e) => Err(e),
    }
}

/// `register OBJ [LINK_DIR]`: open and load the object, attach each struct_ops map it creates.
/// Link-based maps are pinned in `link_dir` when given, so the registration outlives this
/// process; without it they end with the process (a warning says so). Legacy maps stay
/// registered by the kernel after the process ends.
pub fn register(obj_path: &str, link_dir: Option<&Path>) -> Result<Vec<Registered>> {
    if let Some(d) = link_dir {
        ensure_bpffs_dir(d)?;
    }
    let bytes = std::fs::read(obj_path).map_err(|e| Error::io(format!("can't read {obj_path}"), &e))?;
    let mut obj = crate::object::Object::open(&bytes, obj_path, false, Default::default())?;
    obj.load().map_err(|e| e.context(format!("can't load {obj_path}")))?;
    let mut out = Vec::new();
    let mut links = Vec::new();
    let result = (|| {
        for m in obj.maps.iter() {
            if !m.is_struct_ops() || !m.autocreate {
                continue;
            }
            let map_name = m.name().to_string_lossy().into_owned();
            let mut link = crate::attach::struct_ops::attach(m)
                .map_err(|e| e.context(format!("can't register struct_ops '{map_name}'")))?;
            let fd =
                m.fd.as_ref()
                    .map(|f| f.as_fd())
                    .ok_or_else(|| Error::inval(format!("map '{map_name}' was not created")))?;
            let info = cmd::map_info(fd)?;
            let kernel_type = kernel_type_name(&*kernel_btf(&info)?, &info);
            let mut reg =
                Registered { map_name: map_name.clone(), map_id: info.id, kernel_type, link_id: None, pinned: None };
            if info.map_flags & uapi::BPF_F_LINK != 0 {
                // SAFETY: raw_fd is the live fd owned by `link`, borrowed only for this call.
                let lfd = unsafe { BorrowedFd::borrow_raw(link.raw_fd()) };
                reg.link_id = Some(cmd::link_info(lfd)?.id);
                if let Some(d) = link_dir {
                    let p = d.join(&map_name);
                    link.pin(&p.to_string_lossy())
                        .map_err(|e| e.context(format!("can't pin the link of '{map_name}'")))?;
                    reg.pinned = Some(p);
                } else {
                    crate::pr_warn!(
                        "struct_ops '{map_name}' is registered through a BPF link that ends with this process; give LINK_DIR to keep it"
                    );
                }
            }
            links.push(link);
            out.push(reg);
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            for mut l in links {
                // Leave the registrations in place: pinned links and legacy registrations
                // outlive this process; an unpinned link ends with it.
                l.pin_path = None;
                l.disconnected = true;
                let _ = l.destroy();
            }
            if out.is_empty() {
                return Err(Error::new(libc::ENOENT, format!("no struct_ops found in {obj_path}")));
            }
            Ok(out)
        }
        Err(e) => {
            // Undo what was done: unpin and detach every registration made so far.
            for mut l in links {
                if l.pin_path.is_some() {
                    let _ = l.unpin();
                }
                let _ = l.destroy();
            }
            Err(e)
        }
    }
}

/// `unregister`: end each selected registration. A link-based one is detached (every link of the
/// map) and its link pins removed; a legacy one's map element is deleted.
pub fn unregister(filter: &Filter) -> Result<Vec<Unregistered>> {
    if *filter == Filter::All {
        return Err(Error::inval("unregister needs 'id ID' or 'name NAME'"));
    }
    let maps = select_maps(filter)?;
    let links = struct_ops_links()?;
    let pins = pins();
    let mut out = Vec::new();
    for m in &maps {
        let btf = kernel_btf(&m.info)?;
        let mut u = Unregistered {
            map_name: m.info.name(),
            map_id: m.info.id,
            kernel_type: kernel_type_name(&btf, &m.info),
            detached_links: Vec::new(),
            unpinned: Vec::new(),
        };
        if m.info.map_flags & uapi::BPF_F_LINK != 0 {
            for &(lid, _) in links.iter().filter(|(_, map)| *map == m.info.id) {
                let lfd = cmd::get_fd_by_id(IdKind::Link, lid, 0)?;
                cmd::link_detach(lfd.as_fd())
                    .map_err(|e| e.context(format!("can't detach link {lid} of '{}'", u.map_name)))?;
                u.detached_links.push(lid);
                for p in pins.get(&("link", lid)).into_iter().flatten() {
                    std::fs::remove_file(p).map_err(|e| Error::io(format!("can't unpin {}", p.display()), &e))?;
                    u.unpinned.push(p.clone());
                }
            }
            if u.detached_links.is_empty() {
                return Err(Error::new(
                    libc::ENOENT,
                    format!("struct_ops '{}' id {} has no link to detach", u.map_name, u.map_id),
                ));
            }
        } else {
            cmd::map_delete_elem(m.fd.as_fd(), &0u32.to_ne_bytes(), 0).map_err(|e| {
                e.context(format!("can't unregister {} '{}' id {}", u.kernel_type, u.map_name, u.map_id))
            })?;
        }
        out.push(u);
    }
    Ok(out)
}

/// `watch`: block until the selected registration's link is detached (EPOLLHUP on it, by any
/// process or by the kernel). Legacy registrations have no link and cannot be watched.
pub fn watch(filter: &Filter) -> Result<Registration> {
    if *filter == Filter::All {
        return Err(Error::inval("watch needs 'id ID' or 'name NAME'"));
    }
    let mut maps = select_maps(filter)?;
    if maps.len() != 1 {
        return Err(Error::inval(format!("{} struct_ops maps match; name one by id", maps.len())));
    }
    let m = maps.remove(0);
    let btf = kernel_btf(&m.info)?;
    let links = struct_ops_links()?;
    let reg = describe(&m, &btf, &links, &Default::default(), &Default::default())?;
    if !reg.link_based {
        return Err(Error::inval(format!(
            "struct_ops '{}' id {} is registered without a BPF link: nothing to watch",
            reg.name, reg.map_id
        )));
    }
    let lid = reg.links.first().map(|l| l.id).ok_or_else(|| {
        Error::new(libc::ENOENT, format!("struct_ops '{}' id {} is not registered (no link)", reg.name, reg.map_id))
    })?;
    let lfd = cmd::get_fd_by_id(IdKind::Link, lid, 0)?;
    let ep = crate::buffers::Epoll::new()?;
    ep.add(lfd.as_raw_fd(), (libc::EPOLLHUP | libc::EPOLLERR) as u32, 0)?;
    loop {
        match ep.wait(1, -1) {
            Ok(ev) if !ev.is_empty() => return Ok(reg),
            Ok(_) => {}
            Err(e) if e.errno() == libc::EINTR => {}
            Err(e) => return Err(e.context("epoll_wait on the struct_ops link")),
        }
    }
}
