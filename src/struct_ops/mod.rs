//! struct_ops: building the kernel's value for a struct_ops map from the object's shadow.
//!
//! At load ([`Object::init_kern_struct_ops`]) each struct_ops map that will be created is matched
//! with its kernel type: the local type name without a `___suffix` must name a kernel struct
//! `T` in vmlinux or a module ([`kern`]), and `bpf_struct_ops_T` (whose `data` member has type
//! `T`) is the map's value type. Members are matched by name:
//! * a member the kernel lacks is skipped when its shadow bytes are all zero, refused with
//!   -ENOTSUP naming it otherwise;
//! * bitfields and kind mismatches are refused;
//! * data members are copied (sizes must agree);
//! * function-pointer members take the `struct bpf_program *` the shadow holds *now* (skeletons
//!   may have swapped or cleared it), and that program gets `attach_btf_id` = kernel struct type
//!   and `expected_attach_type` = kernel member index — reuse by another map must agree.
//!
//! Programs the shadow no longer references are not loaded; the slots are filled with program
//! fds once programs are loaded ([`Object::prepare_struct_ops`]).
//!
//! Callers may describe their own layout of the shadow at open ([`shadow`]); such shadows are
//! copied back into the object's shadow before any of this.

pub mod assoc;
pub mod kern;
pub mod shadow;

use crate::btf::{Btf, Kind};
use crate::error::{Error, Result};
use crate::object::Object;
use crate::uapi;
use kern::KernBtfs;
use std::ffi::CStr;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::Arc;

pub use crate::object::st_state::{KernInfo, ShadowMapDesc, ShadowMember, UserShadow};

pub use crate::btf::essential_name;

impl crate::object::Map {
    /// The kernel side of a struct_ops map, once load has built it.
    pub fn struct_ops_kern(&self) -> Option<&KernInfo> {
        self.st_ops_kern.as_ref()
    }
}

impl crate::object::Program {
    /// `attach_btf_obj_fd` for BPF_PROG_LOAD: the module BTF of a struct_ops program's kernel
    /// type (`None`: vmlinux, or not a struct_ops program). Set while loading.
    pub fn attach_btf_obj_fd(&self) -> Option<BorrowedFd<'_>> {
        self.attach_btf_obj_fd.as_deref().map(std::os::fd::AsFd::as_fd)
    }

    /// What struct_ops kernel value building decided for this program: (autoload,
    /// attach_btf_id = kernel struct type, expected_attach_type = kernel member index).
    pub fn struct_ops_binding(&self) -> (bool, u32, u32) {
        (self.autoload, self.attach_btf_id, self.expected_attach_type)
    }
}

impl Object {
    /// The map named `name` (struct_ops or not), for callers outside the C layer.
    pub fn map_by_name(&self, name: &str) -> Option<&crate::object::Map> {
        self.maps.get(self.find_map(name)?)
    }

    /// The entry program named `name`.
    pub fn program_by_name(&self, name: &str) -> Option<&crate::object::Program> {
        self.progs.get(self.find_program(name)?)
    }

    /// The stable handle of program `name`: the `struct bpf_program *` a struct_ops shadow holds.
    pub fn program_handle(&self, name: &str) -> Option<*const crate::object::Program> {
        Some(self.progs.ptr(self.find_program(name)?) as *const _)
    }
}

/// (kernel struct id, value struct id, offset of the `data` member in the value struct), looked
/// up in `kbtf` alone.
pub fn find_kern_types(kbtf: &Btf, tname: &str) -> Result<(u32, u32, u32)> {
    let t = KernBtfs::with_modules(kbtf, Vec::new()).find(tname)?;
    Ok((t.type_id, t.value_type_id, t.data_off))
}

impl Object {
    /// Resolve kernel types and build the kernel value of every struct_ops map that will be
    /// created, then settle which struct_ops programs load. Caller-layout shadows (shadow-info
    /// ABI) are copied back first.
    pub(crate) fn init_kern_struct_ops(&mut self, vmlinux: Option<&Btf>) -> Result<()> {
        // Nothing to do (nor to map the code of) for an object without struct_ops maps or
        // programs.
        let maps = self.maps.iter().any(|m| m.is_struct_ops() || m.st_ops.is_some());
        if !maps && !self.progs.iter().any(|p| p.prog_type == uapi::BPF_PROG_TYPE_STRUCT_OPS) {
            return Ok(());
        }
        self.init_kern_struct_ops_in(vmlinux.map(|v| KernBtfs::new(v, None)))
    }

    /// [`Object::init_kern_struct_ops`] with an explicit kernel BTF set (tests give module BTF
    /// fixtures this way).
    pub fn init_kern_struct_ops_in(&mut self, kbtfs: Option<KernBtfs<'_>>) -> Result<()> {
        self.sync_user_shadows()?;
        let idxs: Vec<usize> =
            self.maps.iter().enumerate().filter(|(_, m)| m.is_struct_ops() && m.autocreate).map(|(i, _)| i).collect();
        if !idxs.is_empty() {
            let mut kb = kbtfs.ok_or_else(|| Error::new(libc::ENOTSUP, "struct_ops maps need kernel BTF"))?;
            for idx in idxs {
                self.init_kern_one(idx, &mut kb)?;
            }
        }
        // A struct_ops program no map references is refused when it is about to load, after
        // relocation (the subprograms it calls are appended by then, as libbpf's
        // `bpf_program__insn_cnt` shows): `load_prog`.
        self.adjust_struct_ops_autoload();
        Ok(())
    }

    /// Out of line: a load without struct_ops maps never calls it (`link/hot-text.ld`).
    #[inline(never)]
    fn init_kern_one(&mut self, idx: usize, kb: &mut KernBtfs<'_>) -> Result<()> {
        let local = self.btf.as_deref().ok_or_else(|| Error::inval("struct_ops map without BTF"))?;
        let m = self.maps.get(idx).ok_or_else(|| Error::inval("map vanished"))?;
        let mname = m.name.to_string_lossy().into_owned();
        let st = m.st_ops.as_ref().ok_or_else(|| Error::inval("not a struct_ops map"))?;
        let t = local.ty(st.type_id).ok_or_else(|| Error::inval("struct_ops type vanished"))?;
        let tname = essential_name(t.name).to_string();
        let kt = kb.find(&tname)?;
        let (kern_type, vtype, data_off) = (kt.type_id, kt.value_type_id, kt.data_off);
        let btf_obj_fd = kb.module(kt.module).map(|m| m.fd.clone());
        let kbtf = kb.btf(kt.module);
        let mname_c: &CStr = &m.name;
        // SAFETY: the map's NUL-terminated name for `%s`, u32 for each `%u`.
        unsafe {
            crate::pr_debug_c!(
                c"libbpf: struct_ops init_kern %s: type_id:%u kern_type_id:%u kern_vtype_id:%u\n",
                mname_c.as_ptr(),
                st.type_id,
                kern_type,
                vtype
            )
        };
        let ktype = kbtf.ty(kern_type).ok_or_else(|| Error::inval("kernel type vanished"))?;
        let kmembers: Vec<_> = ktype.members().map(|ms| ms.iter().collect()).unwrap_or_default();
        let vsize = kbtf.ty(vtype).map(|v| v.size_or_type).unwrap_or(0) as usize;
        let mut vdata = vec![0u8; vsize];
        let mut func_slots = Vec::new();
        let shadow = st.data.read(t.size_or_type as usize);
        let members: Vec<_> = t.members().map(|ms| ms.iter().collect()).unwrap_or_default();
        let mut prog_updates: Vec<(usize, Option<usize>)> = Vec::new(); // (member, program)
        let mut attach_updates: Vec<(usize, u32, u32)> = Vec::new(); // (prog, btf id, member idx)
        let mut disable: Vec<usize> = Vec::new();
        let mut mod_fd_progs: Vec<(usize, Arc<OwnedFd>)> = Vec::new();
        for (i, lm) in members.iter().enumerate() {
            let moff = (lm.bit_offset / 8) as usize;
            let msize = local.resolve_size(lm.type_id).map_err(|e| {
                e.context(format!("struct_ops init_kern {mname}: failed to resolve the size of member {}", lm.name))
            })? as usize;
            let mdata = shadow.get(moff..moff + msize).ok_or_else(|| {
                Error::inval(format!("struct_ops init_kern {mname}: member {} lies outside the struct", lm.name))
            })?;
            let declared = st.progs.get(i).copied().flatten();
            let Some((kidx, km)) = kmembers.iter().enumerate().find(|(_, k)| k.name == lm.name) else {
                if mdata.iter().any(|&b| b != 0) {
                    return Err(Error::new(
                        libc::ENOTSUP,
                        format!("struct_ops init_kern {mname}: Cannot find member {} in kernel BTF", lm.name),
                    ));
                }
                if let Some(p) = declared {
                    disable.push(p);
                    prog_updates.push((i, None));
                }
                crate::pr_info!(
                    "struct_ops {}: member {} not found in kernel, skipping it as it's set to zero",
                    mname,
                    lm.name
                );
                continue;
            };
            if lm.bitfield_size != 0 || km.bitfield_size != 0 {
                return Err(Error::new(
                    libc::ENOTSUP,
                    format!("struct_ops init_kern {mname}: bitfield {} is not supported", lm.name),
                ));
            }
            let kmoff = (km.bit_offset / 8) as usize;
            let (_, lt) = local.skip_mods_and_typedefs(lm.type_id).ok_or_else(|| Error::inval("bad member type"))?;
            let (kt_id, kt) =
                kbtf.skip_mods_and_typedefs(km.type_id).ok_or_else(|| Error::inval("bad kernel member type"))?;
            if lt.kind != kt.kind {
                return Err(Error::new(
                    libc::ENOTSUP,
                    format!(
                        "struct_ops init_kern {mname}: Unmatched member type {} {} != {}(kernel)",
                        lm.name, lt.kind as u32, kt.kind as u32
                    ),
                ));
            }
            if lt.kind == Kind::Ptr {
                let raw = u64::from_ne_bytes(mdata.get(..8).and_then(|b| b.try_into().ok()).unwrap_or([0; 8]));
                let prog = if raw == 0 {
                    None
                } else {
                    let pi = self.progs.index_of(raw as usize as *const crate::object::Program).filter(|&pi| {
                        self.progs.get(pi).is_some_and(|p| p.prog_type == uapi::BPF_PROG_TYPE_STRUCT_OPS)
                    });
                    match pi {
                        Some(pi) => Some(pi),
                        None => {
                            return Err(Error::new(
                                libc::ENOTSUP,
                                format!("struct_ops init_kern {mname}: member {} is not a struct_ops program", lm.name),
                            ))
                        }
                    }
                };
                if let Some(d) = declared {
                    if Some(d) != prog {
                        disable.push(d);
                    }
                }
                prog_updates.push((i, prog));
                let Some(pi) = prog else { continue };
                let is_fp =
                    kbtf.skip_mods_and_typedefs(kt.size_or_type).is_some_and(|(_, f)| f.kind == Kind::FuncProto);
                if !is_fp {
                    return Err(Error::new(
                        libc::ENOTSUP,
                        format!("struct_ops init_kern {mname}: kernel member {} is not a func ptr", lm.name),
                    ));
                }
                let p = self.progs.get(pi).ok_or_else(|| Error::inval("program vanished"))?;
                let pname = p.name.to_string_lossy().into_owned();
                let psec = p.sec_name.to_string_lossy().into_owned();
                let (cur_id, cur_idx) = attach_updates
                    .iter()
                    .rev()
                    .find(|(q, _, _)| *q == pi)
                    .map(|(_, a, b)| (*a, *b))
                    .unwrap_or((p.attach_btf_id, p.expected_attach_type));
                let (id, eat) = if cur_id == 0 { (kern_type, kidx as u32) } else { (cur_id, cur_idx) };
                if id != kern_type {
                    return Err(Error::inval(format!(
                        "struct_ops init_kern {mname} func ptr {}: invalid reuse of prog {pname} in sec {psec} with type {}: attach_btf_id {id} != kern_type_id {kern_type}",
                        lm.name,
                        p.prog_type
                    )));
                }
                if eat != kidx as u32 {
                    return Err(Error::inval(format!(
                        "struct_ops init_kern {mname} func ptr {}: invalid reuse of prog {pname} in sec {psec} with type {}: expected_attach_type {eat} != kern_member_idx {kidx}",
                        lm.name,
                        p.prog_type
                    )));
                }
                attach_updates.push((pi, id, eat));
                if let Some(fd) = &btf_obj_fd {
                    mod_fd_progs.push((pi, fd.clone()));
                }
                func_slots.push((data_off as usize + kmoff, pi));
                let (ll, lp) = crate::log::cs(lm.name);
                // SAFETY: the map's and the program's NUL-terminated names for the `%s`, (c_int,
                // pointer) of a live &str for `%.*s`, usize for each `%zu`.
                unsafe {
                    crate::pr_debug_c!(
                        c"libbpf: struct_ops init_kern %s: func ptr %.*s is set to prog %s from data(+%zu) to kern_data(+%zu)\n",
                        mname_c.as_ptr(),
                        ll,
                        lp,
                        p.name.as_ptr(),
                        moff,
                        kmoff
                    )
                };
                continue;
            }
            let ksize = kbtf.resolve_size(kt_id).unwrap_or(u32::MAX) as usize;
            if msize == 0 || msize != ksize {
                return Err(Error::new(
                    libc::ENOTSUP,
                    format!(
                        "struct_ops init_kern {mname}: Error in size of member {}: {msize} != {ksize}(kernel)",
                        lm.name
                    ),
                ));
            }
            let dst = data_off as usize + kmoff;
            let end = dst
                .checked_add(msize)
                .filter(|&e| e <= vdata.len())
                .ok_or_else(|| Error::inval("kernel member out of range"))?;
            vdata[dst..end].copy_from_slice(mdata);
            let (ll, lp) = crate::log::cs(lm.name);
            // SAFETY: the map's NUL-terminated name for `%s`, (c_int, pointer) of a live &str for
            // `%.*s`, usize for each `%zu`.
            unsafe {
                crate::pr_debug_c!(
                    c"libbpf: struct_ops init_kern %s: copy %.*s %zu bytes from data(+%zu) to kern_data(+%zu)\n",
                    mname_c.as_ptr(),
                    ll,
                    lp,
                    msize,
                    moff,
                    kmoff
                )
            };
        }
        for p in disable {
            if let Some(p) = self.progs.get_mut(p) {
                p.autoload = false;
            }
        }
        for (pi, id, eat) in attach_updates {
            if let Some(p) = self.progs.get_mut(pi) {
                p.attach_btf_id = id;
                p.expected_attach_type = eat;
            }
        }
        for (pi, fd) in mod_fd_progs {
            if let Some(p) = self.progs.get_mut(pi) {
                p.attach_btf_obj_fd = Some(fd);
            }
        }
        let m = self.maps.get_mut(idx).ok_or_else(|| Error::inval("map vanished"))?;
        if let Some(st) = m.st_ops.as_mut() {
            for (i, p) in prog_updates {
                if let Some(s) = st.progs.get_mut(i) {
                    *s = p;
                }
            }
        }
        m.def.value_size = vsize as u32;
        m.st_ops_kern = Some(KernInfo {
            type_id: kern_type,
            value_type_id: vtype,
            vdata,
            func_slots,
            type_name: tname,
            btf_obj_fd,
        });
        Ok(())
    }

    /// A struct_ops program loads when some map that will be created references it; programs
    /// referenced only by maps that won't be created do not (libbpf's
    /// `bpf_object_adjust_struct_ops_autoload`).
    fn adjust_struct_ops_autoload(&mut self) {
        let mut uses: Vec<(usize, bool)> = Vec::new();
        for m in self.maps.iter() {
            let Some(st) = m.st_ops.as_ref() else { continue };
            for p in st.progs.iter().flatten() {
                uses.push((*p, m.autocreate));
            }
        }
        for (i, p) in self.progs.iter_mut().enumerate() {
            if p.prog_type != uapi::BPF_PROG_TYPE_STRUCT_OPS {
                continue;
            }
            let mine: Vec<bool> = uses.iter().filter(|(q, _)| *q == i).map(|(_, c)| *c).collect();
            if !mine.is_empty() {
                p.autoload = mine.iter().any(|&c| c);
            }
        }
    }

    /// Drop the module BTF fds struct_ops kernel value building recorded (maps and programs).
    /// Done at the end of a successful load; a failed load should do it too (from `unload`).
    pub(crate) fn release_struct_ops_btf_fds(&mut self) {
        for p in self.progs.iter_mut() {
            p.attach_btf_obj_fd = None;
        }
        for k in self.maps.iter_mut().filter_map(|m| m.st_ops_kern.as_mut()) {
            k.btf_obj_fd = None;
        }
    }

    /// After programs load: put each referenced program's fd into its kernel slot, and let go
    /// of module BTF fds (the kernel holds its own references from map creation and program
    /// load, as with libbpf, which closes them at the end of load).
    pub(crate) fn prepare_struct_ops(&mut self) -> Result<()> {
        self.release_struct_ops_btf_fds();
        let fds: Vec<i64> = self
            .progs
            .iter()
            .map(|p| p.fd.as_ref().map_or(-1, |f| std::os::fd::AsRawFd::as_raw_fd(f) as i64))
            .collect();
        for m in self.maps.iter_mut() {
            let name = m.name.to_string_lossy().into_owned();
            let Some(k) = m.st_ops_kern.as_mut() else { continue };
            for &(off, pi) in &k.func_slots {
                let fd = fds.get(pi).copied().unwrap_or(-1);
                if fd < 0 {
                    return Err(Error::inval(format!("struct_ops {name}: program #{pi} was not loaded")));
                }
                k.vdata[off..off + 8].copy_from_slice(&(fd as u64).to_ne_bytes());
            }
        }
        Ok(())
    }
}
