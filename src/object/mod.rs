//! The safe object model: a BPF ELF object opened into maps and programs, the way libbpf 1.5
//! models it (`struct bpf_object`, `struct bpf_map`, `struct bpf_program`).
//!
//! Opening ([`Object::open`]) runs the same steps in the same order as libbpf, so that names,
//! ordering, sizes and failures match what C callers observe from libbpf:
//! 1. ELF collection: license/version, programs from executable sections (sorted by section
//!    index and offset; `.text` functions are subprograms), data sections, relocation sections;
//! 2. `.BTF`/`.BTF.ext` (required when the object has `.maps` or struct_ops sections);
//! 3. externs (`.kconfig`, `.ksyms`) and their DATASEC layout;
//! 4. DATASEC fixups from the ELF (sizes, variable offsets, hidden variables become static);
//! 5. maps: BTF-defined `.maps`, then global data (`.data*`, `.rodata*`, `.bss*`), then
//!    `.kconfig`, then struct_ops variables;
//! 6. program types from section names;
//! 7. relocations: instructions → maps/subprograms/externs, `.maps` initial slots (prog arrays,
//!    map-in-map), struct_ops function pointers → programs (filling the shadow).
//!
//! Handles given to C (`*mut Map`, `*mut Program`) are stable addresses inside [`Handles`].

pub mod btfq;
pub(crate) mod databuf;
mod externs;
pub mod handles;
pub mod image;
pub(crate) mod kconfig;
mod load;
mod name;
mod ranges;
pub mod st_state;
pub use load::find_vmlinux_btf_id;
pub(crate) mod maps;
pub(crate) mod pin;
mod relo;
mod relo_list;
mod sec_names;
mod sha256;
pub mod skel;

use crate::btf::{Btf, BtfExt, Kind};
use crate::elf::{self, Elf};
use crate::error::{lerr, Error, Result};
use crate::sys::mmap::Region;
use crate::uapi;
use crate::uapi::BPF_OBJ_NAME_LEN;
use databuf::MapBuf;
use std::ffi::CString;

pub use externs::{Extern, ExternKind};
pub use handles::Handles;
pub use relo::{Reloc, RelocKind};

pub(crate) fn format_err(msg: impl Into<String>) -> Error {
    Error::new(lerr::FORMAT, msg)
}

pub(crate) fn reloc_err(msg: impl Into<String>) -> Error {
    Error::new(lerr::RELOC, msg)
}

pub const BPF_INSN_SZ: usize = 8;

/// What libbpf calls `libbpf_map_type`: user-defined or one of the internal kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapKind {
    User,
    Data,
    Bss,
    Rodata,
    Kconfig,
}

/// Map attributes (`struct bpf_map_def` plus the BTF-map extras).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapDef {
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub numa_node: u32,
    pub map_extra: u64,
    pub pinning: u32,
}

/// An initial-value slot of a prog array or map-in-map (`.values = { [i] = &x }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Map(usize),
    Prog(usize),
}

/// The struct_ops part of a struct_ops map: the local BTF type and the shadow C sees.
pub struct StructOps {
    /// Local BTF type id of the struct (after typedef/modifier resolution).
    pub type_id: u32,
    /// The shadow: the variable's bytes laid out as the local BTF type; function-pointer members
    /// hold `struct bpf_program *` values. C writes it directly (skeleton `struct_ops.NAME`).
    pub data: Region,
    /// Per member: the program bound by relocation (index into the object's programs).
    pub progs: Vec<Option<usize>>,
    /// The shadow in the caller's layout, when `bpf_object_open_opts.struct_ops_shadow`
    /// described this map (then `bpf_map__initial_value` returns it; see `struct_ops::shadow`).
    pub user: Option<st_state::UserShadow>,
}

pub struct Map {
    /// Back-pointer to the owning object (stable: objects are boxed before maps are handed out).
    pub(crate) obj: *const Object,
    pub(crate) name: CString,
    /// The ELF section name for internal maps (`.data`, `.rodata.str1.1`, `.kconfig`).
    pub(crate) real_name: Option<CString>,
    pub(crate) kind: MapKind,
    pub(crate) def: MapDef,
    pub(crate) sec_idx: usize,
    pub(crate) sec_offset: u64,
    pub(crate) btf_var_idx: usize,
    pub(crate) btf_key_type_id: u32,
    pub(crate) btf_value_type_id: u32,
    pub(crate) inner: Option<Box<Map>>,
    pub(crate) init_slots: Vec<Option<Slot>>,
    /// The pre-load buffer C reads and writes, then the kernel map's memory ([`MapBuf`]).
    pub(crate) mmaped: MapBuf,
    pub(crate) pin_path: Option<CString>,
    pub(crate) autocreate: bool,
    pub(crate) autoattach: bool,
    pub(crate) ifindex: u32,
    pub(crate) inner_map_fd: i32,
    /// The kernel map, once created (or reused from a pin / bpf_map__reuse_fd).
    pub(crate) fd: Option<std::os::fd::OwnedFd>,
    pub(crate) reused: bool,
    pub(crate) pinned: bool,
    pub(crate) st_ops: Option<StructOps>,
    /// Kernel side of a struct_ops map, resolved at load.
    pub(crate) st_ops_kern: Option<st_state::KernInfo>,
    /// Index of the only program that may use this map (`bpf_map__set_exclusive_program`,
    /// libbpf 1.7): the map is created with the SHA-256 of that program's instructions.
    pub(crate) excl_prog: Option<usize>,
}

pub struct Program {
    pub(crate) obj: *const Object,
    pub(crate) name: name::SmallCStr,
    /// Section name without a leading `?`.
    pub(crate) sec_name: name::SmallCStr,
    pub(crate) sec_idx: usize,
    pub(crate) sec_insn_off: usize,
    pub(crate) sec_insn_cnt: usize,
    /// Instructions as raw 8-byte words (`struct bpf_insn`), so C can be handed a pointer.
    pub(crate) insns: Vec<u64>,
    pub(crate) sec_def: Option<&'static crate::section::SecDef>,
    pub(crate) prog_type: u32,
    pub(crate) expected_attach_type: u32,
    pub(crate) prog_flags: u32,
    pub(crate) autoload: bool,
    pub(crate) autoattach: bool,
    /// A global function with hidden/internal visibility: its BTF FUNC is loaded as static.
    pub(crate) mark_btf_static: bool,
    pub(crate) log_level: u32,
    /// The caller's verifier log buffer (`bpf_program__set_log_buf`), kept until load.
    pub(crate) log_buf: Option<crate::caller::CallerBuf>,
    pub(crate) ifindex: u32,
    pub(crate) attach_btf_id: u32,
    /// The caller's target program (`bpf_program__set_attach_target`), kept until load.
    pub(crate) attach_prog_fd: Option<crate::caller::CallerFd>,
    pub(crate) attach_func_name: Option<CString>,
    /// Module BTF of a struct_ops program's kernel type (`attach_btf_obj_fd` at load); set by
    /// struct_ops kernel value building, released after load.
    pub(crate) attach_btf_obj_fd: Option<std::sync::Arc<std::os::fd::OwnedFd>>,
    pub(crate) relos: relo_list::RelocList,
    /// The loaded program.
    pub(crate) fd: Option<std::os::fd::OwnedFd>,
    /// Where this subprogram's copy starts inside the main program being relocated (0 = not
    /// appended yet), libbpf's `sub_insn_off`.
    pub(crate) sub_insn_off: usize,
    /// Kernel-format func_info/line_info records assembled at relocation (insn offsets in
    /// instructions, relative to the relocated program).
    pub(crate) func_info: Vec<u8>,
    pub(crate) func_info_rec_size: u32,
    pub(crate) line_info: Vec<u8>,
    pub(crate) line_info_rec_size: u32,
    /// Record counts as assembled; kept when unloading frees the records (libbpf 1.6+'s
    /// `bpf_program__func_info_cnt`/`_line_info_cnt` still report them then).
    pub(crate) func_info_cnt: u32,
    pub(crate) line_info_cnt: u32,
}

/// Everything `bpf_object_open_opts` can say, validated.
#[derive(Default)]
pub struct OpenOptions {
    pub object_name: Option<String>,
    pub relaxed_maps: bool,
    pub pin_root_path: Option<String>,
    pub kconfig: Option<String>,
    pub btf_custom_path: Option<String>,
    /// The caller's log buffer for every BTF and program load of the object (size included).
    pub kernel_log_buf: Option<crate::caller::CallerBuf>,
    pub kernel_log_level: u32,
    pub bpf_token_path: Option<String>,
    /// Caller layouts of struct_ops shadows (oxbpf's shadow-info ABI), already checked on their
    /// own (`struct_ops::shadow::validate_all`); checked against the object at open.
    pub struct_ops_shadow: Option<Vec<st_state::ShadowMapDesc>>,
    /// Map every global-data buffer at open (a skeleton asks for all their addresses at once)
    /// rather than when first needed ([`databuf`]).
    pub eager_data: bool,
    /// The buffer `Object::open`'s bytes were read into, when it may be kept: global data not
    /// mapped yet points into it rather than copying it. Dropped at the end of the open.
    pub image: Option<std::sync::Arc<crate::elf::AlignedBuf>>,
    /// Global-data sections `bpf_object__open_file` left unread in the file (`image`'s notes):
    /// their maps' buffers wait on the file. Dropped at the end of the open.
    pub left: Option<std::sync::Arc<image::LeftInFile>>,
}

pub struct Object {
    pub(crate) name: CString,
    pub(crate) path: String,
    pub(crate) license: String,
    pub(crate) kern_version: u32,
    pub(crate) btf: Option<Box<Btf>>,
    pub(crate) btf_ext: Option<BtfExt>,
    pub(crate) maps: Handles<Map>,
    pub(crate) progs: Handles<Program>,
    pub(crate) externs: Vec<Extern>,
    pub(crate) text_shndx: usize,
    pub(crate) btf_maps_shndx: Option<usize>,
    pub(crate) kconfig_map_idx: Option<usize>,
    pub(crate) has_rodata: bool,
    pub(crate) loaded: bool,
    /// `bpf_object__prepare` succeeded (libbpf 1.6's `OBJ_PREPARED`): maps exist, programs
    /// are relocated but not loaded; `prep_ctx` carries the load context to `load`.
    pub(crate) prepared: bool,
    pub(crate) prep_ctx: Option<load::LoadCtx>,
    /// fd of the object's BTF in the kernel (-1 until load).
    pub(crate) btf_fd: i32,
    pub(crate) btf_fd_owned: Option<std::os::fd::OwnedFd>,
    /// Section names by index (for .BTF.ext lookups after the ELF is gone).
    pub(crate) sec_names: sec_names::SecNames,
    pub(crate) opts: OpenOptions,
    /// Arena (`.addr_space.1`) initial data, until it is moved into the arena map's buffer.
    pub(crate) arena_data: Option<Vec<u8>>,
    /// Size of the arena initial data (what `bpf_map__initial_value` reports for the arena map).
    pub(crate) arena_data_sz: usize,
}

// SAFETY: the raw pointers inside (back-pointers, log buffers given by the caller) are only
// dereferenced at the C boundary under libbpf's threading contract (one object, one thread at a
// time); nothing is thread-affine.
unsafe impl Send for Object {}

/// Section roles found during ELF collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SecType {
    None,
    Data,
    Rodata,
    Bss,
    StructOps,
    Relo,
}

fn cstring(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::inval(format!("name '{}' contains a NUL byte", s.escape_debug())))
}

impl Object {
    /// Open an object from its bytes. `path` is the file path (for messages and the default
    /// name) or the caller-provided name for in-memory objects.
    pub fn open(bytes: &[u8], path: &str, from_mem: bool, opts: OpenOptions) -> Result<Box<Object>> {
        // libbpf keeps the name in a char[BPF_OBJ_NAME_LEN]: at most 15 bytes, cut before the
        // file name's first '.' after truncation.
        let name = match &opts.object_name {
            Some(n) => truncate_name(n, BPF_OBJ_NAME_LEN - 1),
            None if from_mem => truncate_name(path, BPF_OBJ_NAME_LEN - 1),
            None => {
                let base = truncate_name(path.rsplit('/').next().unwrap_or(path), BPF_OBJ_NAME_LEN - 1);
                base.split('.').next().unwrap_or(&base).to_string()
            }
        };
        let label = path.to_string();
        // The parser needs an 8-byte-aligned image; copy only one that is not (a skeleton's).
        let copy;
        let image = if bytes.as_ptr() as usize % 8 == 0 {
            bytes
        } else {
            copy = crate::elf::AlignedBuf::copy_from(bytes);
            copy.as_bytes()
        };
        let elf = Elf::parse(image, &label)?;
        let mut obj = Box::new(Object {
            name: cstring(&name)?,
            path: label.clone(),
            license: String::new(),
            kern_version: crate::sys::kernel::kernel_version(),
            btf: None,
            btf_ext: None,
            maps: Handles::default(),
            progs: Handles::default(),
            externs: Vec::new(),
            text_shndx: 0,
            btf_maps_shndx: None,
            kconfig_map_idx: None,
            has_rodata: false,
            loaded: false,
            prepared: false,
            prep_ctx: None,
            btf_fd: -1,
            btf_fd_owned: None,
            sec_names: sec_names::SecNames::new(elf.sections.iter().map(|s| s.name)),
            opts,
            arena_data: None,
            arena_data_sz: 0,
        });
        let sec_types = obj.collect_elf(&elf)?;
        externs::collect(&mut obj, &elf)?;
        obj.fixup_btf(&elf)?;
        maps::init_maps(&mut obj, &elf, &sec_types)?;
        obj.init_progs();
        relo::collect(&mut obj, &elf, &sec_types)?;
        if obj.opts.struct_ops_shadow.is_some() {
            obj.init_user_shadows()?;
        }
        obj.set_back_pointers();
        obj.opts.image = None;
        obj.opts.left = None;
        Ok(obj)
    }

    /// Call the `prog_setup_fn` of custom section handlers (libbpf_register_prog_handler) for
    /// the programs they matched, as libbpf does at open; a negative return fails the open.
    ///
    /// # Safety
    /// `obj` must point to a live object that no Rust reference points to: the callbacks are
    /// C code that calls back into the exported API with the program handles.
    pub unsafe fn run_prog_setup(obj: *mut Object) -> Result<()> {
        let calls: Vec<_> = {
            // SAFETY: caller's contract; this shared reference ends before any callback runs.
            let o = unsafe { &*obj };
            o.progs
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let c = p.sec_def?.custom?;
                    let f = c.prog_setup_fn?;
                    Some((f, c.cookie, o.progs.ptr(i), p.name.to_string_lossy().into_owned()))
                })
                .collect()
        };
        for (f, cookie, prog, name) in calls {
            // SAFETY: a callback registered with the documented libbpf signature, called with a
            // live program handle of this object and the cookie it registered.
            let r = unsafe { f(prog as *mut std::ffi::c_void, cookie) };
            if r < 0 {
                return Err(Error::new(
                    -r,
                    format!("prog '{name}': failed to initialize: {}", crate::error::errstr(r)),
                ));
            }
        }
        Ok(())
    }

    fn set_back_pointers(&mut self) {
        let me = self as *const Object;
        for m in self.maps.iter_mut() {
            m.obj = me;
        }
        for p in self.progs.iter_mut() {
            p.obj = me;
        }
    }

    fn collect_elf(&mut self, elf: &Elf) -> Result<Vec<SecType>> {
        let mut types = vec![SecType::None; elf.sections.len()];
        let mut btf_data: Option<&[u8]> = None;
        let mut btf_ext_data: Option<&[u8]> = None;
        let mut has_st_ops = false;
        let label = self.path.clone();
        // STT_FUNC symbols of each section, in symbol-table order, found once (a scan of the
        // whole symbol table per executable section made many-section objects quadratic).
        let mut funcs_by_sec: crate::btf::dedup::FastMap<usize, Vec<&elf::Symbol>> = Default::default();
        let mut nfuncs = 0;
        for sym in elf.symbols.iter().filter(|s| s.typ == elf::STT_FUNC) {
            funcs_by_sec.entry(sym.shndx as usize).or_default().push(sym);
            nfuncs += 1;
        }
        // At most one program per function symbol: the handle tables grow once.
        self.progs.reserve(nfuncs);
        // `.text` index first: program collection needs it to tell static programs apart.
        if let Some(t) = elf.sections.iter().find(|s| s.name == ".text" && s.is_exec()) {
            if t.size > 0 {
                self.text_shndx = t.index;
            }
        }
        for sec in elf.sections.iter().skip(1) {
            if ignore_section(sec) {
                continue;
            }
            let name = sec.name;
            // Global data open left in the file: no bytes here, read at load.
            let in_file = self.opts.left.as_ref().is_some_and(|l| l.section(sec.index).is_some());
            if let (Some(e), false) = (&sec.data_err, in_file) {
                return Err(format_err(format!(
                    "elf: failed to get section({}) {name} data from {label}: {e}",
                    sec.index
                )));
            }
            let (nl, np) = crate::log::cs(name);
            // SAFETY: usize for `%zu`, a (c_int, pointer) pair of a live &str for `%.*s`, u64 for
            // `%llu`/`%llx`, u32 for `%u`.
            unsafe {
                crate::pr_debug_c!(
                    c"libbpf: elf: section(%zu) %.*s, size %llu, link %u, flags %llx, type=%u\n",
                    sec.index,
                    nl,
                    np,
                    sec.size,
                    sec.link,
                    sec.flags,
                    sec.sh_type
                )
            };
            if name == "license" {
                let end = sec.data.iter().position(|&b| b == 0).unwrap_or(sec.data.len()).min(511);
                self.license = String::from_utf8_lossy(&sec.data[..end]).into_owned();
                let ((ll, lp), (cl, cp)) = (crate::log::cs(&label), crate::log::cs(&self.license));
                // SAFETY: (c_int, pointer) of live &str for each `%.*s`.
                unsafe { crate::pr_debug_c!(c"libbpf: license of %.*s is %.*s\n", ll, lp, cl, cp) };
            } else if name == "version" {
                if sec.data.len() != 4 {
                    return Err(Error::new(lerr::FORMAT, format!("invalid kver section in {label}")));
                }
                self.kern_version = u32::from_le_bytes([sec.data[0], sec.data[1], sec.data[2], sec.data[3]]);
            } else if name == "maps" {
                return Err(Error::new(
                    libc::EOPNOTSUPP,
                    "elf: legacy map definitions in 'maps' section are not supported by libbpf v1.0+",
                ));
            } else if name == ".maps" {
                self.btf_maps_shndx = Some(sec.index);
            } else if name == ".BTF" {
                if sec.sh_type != elf::SHT_PROGBITS {
                    return Err(format_err(format!("elf: section .BTF of {label} is not PROGBITS")));
                }
                btf_data = Some(sec.data);
            } else if name == ".BTF.ext" {
                if sec.sh_type != elf::SHT_PROGBITS {
                    return Err(format_err(format!("elf: section .BTF.ext of {label} is not PROGBITS")));
                }
                btf_ext_data = Some(sec.data);
            } else if sec.sh_type == elf::SHT_SYMTAB {
                // handled by Elf::parse
            } else if sec.sh_type == elf::SHT_PROGBITS && (!sec.data.is_empty() || in_file) {
                if sec.is_exec() {
                    let funcs = funcs_by_sec.get(&sec.index).map_or(&[][..], Vec::as_slice);
                    self.add_programs(funcs, sec)?;
                } else if elf::is_data_name(name.as_bytes()) {
                    types[sec.index] = SecType::Data;
                } else if name == ".rodata" || name.starts_with(".rodata.") {
                    types[sec.index] = SecType::Rodata;
                } else if is_struct_ops_data_sec(name) {
                    types[sec.index] = SecType::StructOps;
                    has_st_ops = true;
                } else if name == ".addr_space.1" {
                    self.arena_data = Some(sec.data.to_vec());
                } else {
                    crate::pr_info!("elf: skipping unrecognized data section({}) {}", sec.index, name);
                }
            } else if sec.sh_type == elf::SHT_REL {
                let target = sec.info as usize;
                if sec.entsize != 16 || target >= elf.sections.len() {
                    return Err(format_err(format!("elf: relocation section '{name}' of {label} is malformed")));
                }
                let tname = elf.sections[target].name;
                let keep = elf.sections[target].is_exec()
                    || [
                        ".rel.struct_ops",
                        ".rel.struct_ops.link",
                        ".rel?.struct_ops",
                        ".rel?.struct_ops.link",
                        ".rel.maps",
                    ]
                    .contains(&name);
                if !keep {
                    crate::pr_info!(
                        "elf: skipping relo section({}) {} for section({}) {}",
                        sec.index,
                        name,
                        target,
                        tname
                    );
                    continue;
                }
                types[sec.index] = SecType::Relo;
            } else if sec.sh_type == elf::SHT_NOBITS && (name == ".bss" || name.starts_with(".bss.")) {
                types[sec.index] = SecType::Bss;
            } else {
                crate::pr_info!("elf: skipping section({}) {} (size {})", sec.index, name, sec.size);
            }
        }
        // Programs in section order, then by offset (libbpf's cmp_progs), then registered as
        // live handles all at once.
        self.progs.sort_by(|a, b| (a.sec_idx, a.sec_insn_off).cmp(&(b.sec_idx, b.sec_insn_off)));
        self.progs.register_all();
        self.init_btf(btf_data, btf_ext_data, has_st_ops)?;
        Ok(types)
    }

    fn init_btf(&mut self, btf_data: Option<&[u8]>, ext: Option<&[u8]>, has_st_ops: bool) -> Result<()> {
        let needs_btf = self.btf_maps_shndx.is_some() || has_st_ops;
        let mut failure: Option<Error> = None;
        match btf_data {
            Some(d) => match Btf::parse(d) {
                Ok(b) => self.btf = Some(Box::new(b)),
                Err(e) => {
                    crate::pr_warn!("Error loading ELF section .BTF: {}.", crate::error::errstr(e.errno()));
                    failure = Some(e);
                }
            },
            None => failure = Some(Error::new(libc::ENOENT, "no .BTF section")),
        }
        if let (Some(d), Some(btf)) = (ext, self.btf.as_deref()) {
            match BtfExt::parse(d, btf) {
                Ok(e) => self.btf_ext = Some(e),
                Err(e) => {
                    crate::pr_warn!(
                        "Error loading ELF section .BTF.ext: {}. Ignored and continue.",
                        crate::error::errstr(e.errno())
                    );
                    failure = Some(e);
                }
            }
        }
        if let Some(e) = failure {
            if needs_btf {
                return Err(e.context("BTF is required, but is missing or corrupted"));
            }
        }
        Ok(())
    }

    /// Add the programs of executable section `sec`, given its STT_FUNC symbols in order.
    fn add_programs(&mut self, funcs: &[&elf::Symbol], sec: &elf::Section) -> Result<()> {
        let label = &self.path;
        let (autoload, sec_name) = match sec.name.strip_prefix('?') {
            Some(rest) => (false, rest),
            None => (true, sec.name),
        };
        // The section name made once for all its programs (at the first one, so that a section
        // without programs costs nothing and the NUL check comes in libbpf's order).
        let mut shared_sec_name: Option<name::SmallCStr> = None;
        for &sym in funcs {
            let (off, sz) = (sym.value as usize, sym.size as usize);
            if off.checked_add(sz).is_none_or(|e| e > sec.data.len()) {
                return Err(format_err(format!(
                    "sec '{}': program at offset {} crosses section boundary",
                    sec.name, off
                )));
            }
            if sec.index != self.text_shndx && sym.bind == elf::STB_LOCAL {
                return Err(Error::new(
                    libc::EOPNOTSUPP,
                    format!("sec '{}': program '{}' is static and not supported", sec.name, sym.name),
                ));
            }
            if sz == 0 || sz % BPF_INSN_SZ != 0 || off % BPF_INSN_SZ != 0 {
                return Err(Error::inval(format!(
                    "sec '{}': corrupted program '{}', offset {}, size {}",
                    sec.name, sym.name, off, sz
                )));
            }
            let bytes = &sec.data[off..off + sz];
            let insns = bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect();
            let global = sym.bind != elf::STB_LOCAL;
            let ((sl, sp), (nl, np)) = (crate::log::cs(sec.name), crate::log::cs(sym.name));
            // SAFETY: two (c_int, pointer) pairs of live &str for the `%.*s`, four usize for `%zu`.
            unsafe {
                crate::pr_debug_c!(
                    c"libbpf: sec '%.*s': found program '%.*s' at insn offset %zu (%zu bytes), code size %zu insns (%zu bytes)\n",
                    sl,
                    sp,
                    nl,
                    np,
                    off / 8,
                    off,
                    sz / 8,
                    sz
                )
            };
            let _ = label;
            self.progs.push_unregistered(Program {
                obj: std::ptr::null(),
                name: name::SmallCStr::new(sym.name)?,
                sec_name: match &shared_sec_name {
                    Some(n) => n.clone(),
                    None => shared_sec_name.insert(name::SmallCStr::new(sec_name)?).clone(),
                },
                sec_idx: sec.index,
                sec_insn_off: off / BPF_INSN_SZ,
                sec_insn_cnt: sz / BPF_INSN_SZ,
                insns,
                sec_def: None,
                prog_type: uapi::BPF_PROG_TYPE_UNSPEC,
                expected_attach_type: 0,
                prog_flags: 0,
                autoload,
                autoattach: true,
                mark_btf_static: global && (sym.visibility == elf::STV_HIDDEN || sym.visibility == elf::STV_INTERNAL),
                log_level: self.opts.kernel_log_level,
                log_buf: None,
                ifindex: 0,
                attach_btf_id: 0,
                attach_prog_fd: None,
                attach_func_name: None,
                attach_btf_obj_fd: None,
                relos: relo_list::RelocList::default(),
                fd: None,
                sub_insn_off: 0,
                func_info: Vec::new(),
                func_info_rec_size: 0,
                line_info: Vec::new(),
                line_info_rec_size: 0,
                func_info_cnt: 0,
                line_info_cnt: 0,
            });
        }
        Ok(())
    }

    /// Fix DATASEC sizes and variable offsets the compiler left at zero, mark hidden globals
    /// static, and sort each DATASEC's variables by offset (libbpf's `bpf_object_fixup_btf`).
    fn fixup_btf(&mut self, elf: &Elf) -> Result<()> {
        let Some(btf) = self.btf.as_deref_mut() else { return Ok(()) };
        let vars = btfq::ElfVars::new(elf);
        // The fixups rewrite words of existing records only: the DATASEC ids stay the same.
        for id in btf.ids_of_kind(Kind::Datasec) {
            btfq::fixup_datasec(btf, id, &vars)?;
        }
        Ok(())
    }

    fn init_progs(&mut self) {
        let text = self.text_shndx;
        // Entry programs only, as libbpf (subprograms in .text have no section definition, and
        // that is expected: nothing is logged for them).
        // Programs come in section order: a section's programs share one lookup (the table is
        // scanned linearly, which made many-program sections cost programs x definitions).
        let mut last: Option<(usize, Option<&'static crate::section::SecDef>)> = None;
        for p in self.progs.iter_mut().filter(|p| text == 0 || p.sec_idx != text) {
            let def = match last {
                Some((idx, def)) if idx == p.sec_idx => def,
                _ => crate::section::find_sec_def(p.sec_name.to_str().unwrap_or("")),
            };
            last = Some((p.sec_idx, def));
            match def {
                Some(def) => {
                    p.sec_def = Some(def);
                    p.prog_type = def.prog_type;
                    p.expected_attach_type = def.expected_attach_type;
                }
                None => {
                    // SAFETY: the program's and its section's NUL-terminated names for the `%s`.
                    unsafe {
                        crate::pr_debug_c!(
                            c"libbpf: prog '%s': unrecognized ELF section name '%s'\n",
                            p.name.as_ptr(),
                            p.sec_name.as_ptr()
                        )
                    };
                }
            }
        }
    }

    // ---- queries used by the C layer ----

    pub fn name(&self) -> &CString {
        &self.name
    }

    pub fn is_subprog(&self, p: &Program) -> bool {
        self.text_shndx != 0 && p.sec_idx == self.text_shndx
    }

    /// Entry-point programs (not subprograms), in libbpf's order.
    pub fn programs(&self) -> impl DoubleEndedIterator<Item = (usize, &Program)> {
        self.progs.iter().enumerate().filter(|(_, p)| !self.is_subprog(p))
    }

    pub fn find_program(&self, name: &str) -> Option<usize> {
        self.programs()
            .find(|(_, p)| {
                crate::work::add(crate::work::Kind::ScanStep, 1);
                p.name.to_bytes() == name.as_bytes()
            })
            .map(|(i, _)| i)
    }

    /// libbpf's `bpf_object__find_map_by_name`: the real (section) name of an internal map
    /// matches first, then the map name.
    pub fn find_map(&self, name: &str) -> Option<usize> {
        self.maps.iter().position(|m| {
            crate::work::add(crate::work::Kind::ScanStep, 1);
            m.real_name.as_ref().is_some_and(|r| r.as_bytes() == name.as_bytes())
                || m.name.as_bytes() == name.as_bytes()
        })
    }

    /// The next/previous entry program after `cur` (None = start), skipping subprograms.
    pub fn step_program(&self, cur: Option<usize>, forward: bool) -> Option<usize> {
        let n = self.progs.len();
        let mut i = cur;
        loop {
            let next = match (i, forward) {
                (None, true) => 0,
                (None, false) => n.checked_sub(1)?,
                (Some(c), true) => c + 1,
                (Some(c), false) => c.checked_sub(1)?,
            };
            if next >= n {
                return None;
            }
            if !self.is_subprog(self.progs.get(next)?) {
                return Some(next);
            }
            i = Some(next);
        }
    }

    pub fn step_map(&self, cur: Option<usize>, forward: bool) -> Option<usize> {
        let n = self.maps.len();
        let next = match (cur, forward) {
            (None, true) => 0,
            (None, false) => n.checked_sub(1)?,
            (Some(c), true) => c + 1,
            (Some(c), false) => c.checked_sub(1)?,
        };
        (next < n).then_some(next)
    }

    pub fn btf(&self) -> Option<&Btf> {
        self.btf.as_deref()
    }

    /// fd of the BTF the kernel holds for this object (None before load, or when the kernel
    /// refused optional BTF).
    pub fn kernel_btf_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        self.btf_fd_owned.as_ref().map(std::os::fd::AsFd::as_fd)
    }

    /// `bpf_map__set_value_size` for map `idx`: a global-data map's buffer is resized (ARRAY
    /// maps only) and its DATASEC's last array variable is re-typed to cover the new size; if that
    /// BTF edit is impossible the map loses its BTF key/value ids, as in libbpf.
    pub fn map_set_value_size(&mut self, idx: usize, size: u32) -> Result<()> {
        let (has_buf, map_type, max_entries, name, value_type_id) = {
            let m = self.maps.get(idx).ok_or_else(|| Error::inval("no such map"))?;
            (
                m.mmaped.is_some(),
                m.def.map_type,
                m.def.max_entries,
                m.name.to_string_lossy().into_owned(),
                m.btf_value_type_id,
            )
        };
        if has_buf {
            if map_type != uapi::BPF_MAP_TYPE_ARRAY {
                return Err(Error::quiet(libc::EOPNOTSUPP));
            }
            let new_len = maps::array_mmap_size(size, max_entries);
            // A buffer still waiting for its address is resized without mapping it.
            if let Some(m) = self.maps.get_mut(idx) {
                m.mmaped
                    .resize(new_len)
                    .map_err(|e| e.context(format!("map '{name}': failed to resize memory-mapped region")))?;
            }
            let res = match self.btf.as_deref_mut() {
                Some(btf) => btfq::resize_datasec(btf, value_type_id, size, &name),
                None => Err(Error::quiet(libc::ENOENT)),
            };
            if let Err(e) = res {
                if e.errno() != libc::ENOENT {
                    crate::pr_warn!("{}", e);
                    crate::pr_warn!(
                        "map '{}': failed to adjust resized BTF, clearing BTF key/value info: {}",
                        name,
                        crate::error::errstr(e.errno())
                    );
                    if let Some(m) = self.maps.get_mut(idx) {
                        m.btf_value_type_id = 0;
                        m.btf_key_type_id = 0;
                    }
                }
            }
        }
        if let Some(m) = self.maps.get_mut(idx) {
            m.def.value_size = size;
        }
        Ok(())
    }
}

fn truncate_name(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// `.struct_ops`, `.struct_ops.link` and their `?` (autocreate off) forms.
pub(crate) fn is_struct_ops_data_sec(name: &str) -> bool {
    matches!(name, ".struct_ops" | ".struct_ops.link" | "?.struct_ops" | "?.struct_ops.link")
}

/// Sections libbpf never looks at: string tables, address-significance tables, an empty
/// `.text`, DWARF and the relocations of DWARF/BTF sections.
fn ignore_section(sec: &elf::Section) -> bool {
    if sec.sh_type == elf::SHT_STRTAB || sec.sh_type == elf::SHT_LLVM_ADDRSIG {
        return true;
    }
    if sec.sh_type == elf::SHT_PROGBITS && sec.size == 0 && sec.name == ".text" {
        return true;
    }
    let is_dwarf = |n: &str| n.starts_with(".debug_");
    if is_dwarf(sec.name) {
        return true;
    }
    if let Some(rest) = sec.name.strip_prefix(".rel") {
        if is_dwarf(rest) || rest == ".BTF" || rest == ".BTF.ext" {
            return true;
        }
    }
    false
}

impl Drop for Map {
    fn drop(&mut self) {
        // The inner-map template is a handle once bpf_map__inner_map hands it out.
        if let Some(i) = self.inner.as_deref() {
            crate::registry::retire::<Map>(i);
        }
    }
}

impl Map {
    /// The pre-load buffer C may read and write, and its size: struct_ops shadow, arena data,
    /// or global-data contents.
    pub fn initial_value(&self) -> Option<(*mut u8, usize)> {
        let sz = self.initial_value_size()?;
        let p = match &self.st_ops {
            Some(st) => st.user.as_ref().map_or(st.data.as_ptr(), |u| u.as_ptr()),
            None => self.mmaped.get()?.as_ptr(),
        };
        Some((p, sz))
    }

    /// The size [`Map::initial_value`] reports, without mapping anything.
    pub fn initial_value_size(&self) -> Option<usize> {
        if let Some(st) = &self.st_ops {
            return Some(st.user.as_ref().map_or(self.def.value_size as usize, |u| u.size()));
        }
        if !self.mmaped.is_some() {
            return None;
        }
        Some(if self.def.map_type == uapi::BPF_MAP_TYPE_ARENA {
            self.object().arena_data_sz
        } else {
            self.def.value_size as usize
        })
    }

    /// Whether [`Map::initial_value`] has a buffer to give (asking maps nothing).
    pub fn has_initial_value(&self) -> bool {
        self.initial_value_size().is_some()
    }

    /// Overwrite the global-data buffer from the start.
    pub fn write_initial_value(&mut self, src: &[u8]) -> Result<()> {
        self.write_initial_value_at(0, src)
    }

    /// Overwrite part of the global-data buffer.
    pub fn write_initial_value_at(&mut self, off: usize, src: &[u8]) -> Result<()> {
        self.mmaped.write(off, src)
    }

    /// The map fd as C sees it (-1 when not created).
    pub fn raw_fd(&self) -> i32 {
        self.fd.as_ref().map_or(-1, std::os::fd::AsRawFd::as_raw_fd)
    }

    /// `bpf_map__set_max_entries`: ring buffers are rounded up to a power-of-two page count.
    pub fn set_max_entries(&mut self, n: u32) {
        self.def.max_entries = n;
        if self.def.map_type == uapi::BPF_MAP_TYPE_RINGBUF || self.def.map_type == uapi::BPF_MAP_TYPE_USER_RINGBUF {
            self.def.max_entries = maps::adjust_ringbuf_size(n);
        }
    }

    pub fn name(&self) -> &CString {
        &self.name
    }
    pub fn def(&self) -> &MapDef {
        &self.def
    }
    pub fn is_internal(&self) -> bool {
        self.kind != MapKind::User
    }
    pub fn is_struct_ops(&self) -> bool {
        self.st_ops.is_some()
    }
    /// `bpf_map__set_exclusive_program` (libbpf 1.7): only `prog`, of the same object, may use
    /// this map once created. Refused (libbpf's warnings) once the map exists.
    pub fn set_exclusive_program(&mut self, prog: &Program) -> Result<()> {
        if self.is_created() {
            crate::pr_warn!("exclusive programs must be set before map creation");
            return Err(Error::quiet(libc::EINVAL));
        }
        let idx = (std::ptr::eq(prog.obj, self.obj)).then(|| self.object().progs.index_of(prog)).flatten().ok_or_else(
            || {
                crate::pr_warn!("excl_prog and map must be from the same bpf object");
                Error::quiet(libc::EINVAL)
            },
        )?;
        self.excl_prog = Some(idx);
        Ok(())
    }
    /// `bpf_map__exclusive_program`: the program set above (index in the object), if any.
    pub fn exclusive_program(&self) -> Option<usize> {
        self.excl_prog
    }
    /// The owning object. Valid for the map's whole life (set at open, object boxed).
    pub fn object(&self) -> &Object {
        // SAFETY: `obj` is set by Object::open to the boxed object that owns this map; the object
        // outlives its maps and is not moved. Only shared access is formed.
        unsafe { &*self.obj }
    }
}

impl Program {
    /// libbpf's rule for the program setters (`obj->loaded`): once the object is loaded they
    /// fail quietly with `errno` (-EBUSY for most, -EINVAL for `set_autoload` and
    /// `set_attach_target`, as libbpf 1.5).
    pub fn ensure_not_loaded(&self, errno: i32) -> Result<()> {
        if self.object().loaded {
            Err(Error::quiet(errno))
        } else {
            Ok(())
        }
    }

    /// The loaded program's fd (None before load or when not loaded).
    pub fn loaded_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        self.fd.as_ref().map(std::os::fd::AsFd::as_fd)
    }

    pub fn name(&self) -> &std::ffi::CStr {
        &self.name
    }
    pub fn sec_name(&self) -> &std::ffi::CStr {
        &self.sec_name
    }
    pub fn insn_cnt(&self) -> usize {
        self.insns.len()
    }
    pub fn object(&self) -> &Object {
        // SAFETY: as for Map::object.
        unsafe { &*self.obj }
    }
}

pub(crate) fn map_type_is_map_in_map(t: u32) -> bool {
    t == uapi::BPF_MAP_TYPE_ARRAY_OF_MAPS || t == uapi::BPF_MAP_TYPE_HASH_OF_MAPS
}

// ---- map-level element API (bpf_map__lookup_elem & co.): libbpf's `validate_map_op` ----

/// libbpf's `validate_map_op` size checks for a created map: `key_sz` must be the key size;
/// `value_sz` (when the operation takes a value) the value size, or for per-CPU maps
/// `round_up(value_size, 8) * ncpus`, or with libbpf 1.7's `BPF_F_CPU` / `BPF_F_ALL_CPUS` in
/// `flags` one value. `has_fd` is checked between the two, as libbpf does.
pub fn validate_elem_sizes(
    name: &str,
    def: &MapDef,
    has_fd: bool,
    ncpus: usize,
    key_sz: usize,
    value_sz: Option<usize>,
    flags: u64,
) -> Result<()> {
    if def.key_size as usize != key_sz {
        return Err(Error::inval(format!(
            "map '{name}': unexpected key size {key_sz} provided, expected {}",
            def.key_size
        )));
    }
    if !has_fd {
        return Err(Error::inval(format!("map '{name}': can't use BPF map without FD (was it created?)")));
    }
    let Some(value_sz) = value_sz else { return Ok(()) };
    use uapi::{BPF_F_ALL_CPUS, BPF_F_CPU};
    if crate::sys::cmd::is_percpu(def.map_type) && flags & (BPF_F_CPU | BPF_F_ALL_CPUS) != 0 {
        if flags & BPF_F_CPU != 0 && flags & BPF_F_ALL_CPUS != 0 {
            return Err(Error::inval(format!("map '{name}': BPF_F_CPU and BPF_F_ALL_CPUS are mutually exclusive")));
        }
        if def.value_size as usize != value_sz {
            return Err(Error::inval(format!(
                "map '{name}': unexpected value size {value_sz} provided for either BPF_F_CPU or BPF_F_ALL_CPUS, expected {}",
                def.value_size
            )));
        }
    } else if crate::sys::cmd::is_percpu(def.map_type) {
        let elem_sz = (def.value_size as usize).next_multiple_of(8);
        let want = elem_sz.saturating_mul(ncpus);
        if value_sz != want {
            return Err(Error::inval(format!(
                "map '{name}': unexpected value size {value_sz} provided for per-CPU map, expected {ncpus} * {elem_sz} = {want}"
            )));
        }
    } else if def.value_size as usize != value_sz {
        return Err(Error::inval(format!(
            "map '{name}': unexpected value size {value_sz} provided, expected {}",
            def.value_size
        )));
    }
    Ok(())
}

impl Map {
    /// Whether the kernel map exists (libbpf's `map_is_created`: object loaded or fd reused).
    pub fn is_created(&self) -> bool {
        self.reused || self.object().loaded || self.object().prepared
    }

    /// libbpf's rule for setters of what shapes the kernel map (type, sizes, flags, BTF ids,
    /// initial value...): quiet `-EBUSY` once the map exists.
    pub fn ensure_not_created(&self) -> Result<()> {
        if self.is_created() {
            Err(Error::quiet(libc::EBUSY))
        } else {
            Ok(())
        }
    }

    /// libbpf 1.5's rule for the setters that check the object rather than the map
    /// (`bpf_map__set_max_entries`, `bpf_map__set_autocreate`: `obj->loaded`, which libbpf 1.6
    /// widened to "prepared or loaded"): quiet `-EBUSY` once the object is prepared or loaded.
    pub fn ensure_object_not_loaded(&self) -> Result<()> {
        if self.object().loaded || self.object().prepared {
            Err(Error::quiet(libc::EBUSY))
        } else {
            Ok(())
        }
    }

    /// Check an element operation's buffer sizes and return the map fd to use: quiet `-ENOENT`
    /// before the map is created, `-EINVAL` with libbpf's message on a size mismatch.
    pub fn elem_op_fd(&self, key_sz: usize, value_sz: Option<usize>, flags: u64) -> Result<i32> {
        if !self.is_created() {
            return Err(Error::quiet(libc::ENOENT));
        }
        let ncpus = if value_sz.is_some() && crate::sys::cmd::is_percpu(self.def.map_type) {
            crate::sys::possible_cpus()?
        } else {
            1
        };
        let name = self.name.to_string_lossy();
        validate_elem_sizes(&name, &self.def, self.fd.is_some(), ncpus, key_sz, value_sz, flags)?;
        Ok(self.raw_fd())
    }
}
