//! Program load (`bpf_object_load_prog`): attach targets resolved in kernel BTF, the custom
//! section's prepare-load callback, the load itself with libbpf's log-buffer retries, bound maps;
//! then prog-array slots.

use super::ctx::LoadCtx;
use super::verifier_log::fixup_verifier_log;
use super::{errstr, insn, pr_perm_msg};
use crate::btf::{Btf, Kind};
use crate::caller::CallerFd;
use crate::error::lerr;
use crate::error::{Error, Result};
use crate::object::{MapKind, Object, Slot};
use crate::sys::cmd;
use crate::sys::cmd::{c_text, LOG_BUF_SIZE};
use crate::sys::probe::Feature;
use crate::uapi;
use crate::uapi::BPF_LD_IMM64;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

impl Object {
    /// `bpf_object__load_progs`: every entry program with autoload on, in order.
    ///
    /// # Safety
    /// `obj` is a live object and no reference to it is alive during the call: a custom section
    /// handler's prepare-load callback runs with a program handle and may call the API.
    pub(super) unsafe fn load_programs(obj: *mut Object, kb: &mut LoadCtx) -> Result<()> {
        // SAFETY: caller's contract; this shared reference ends before any callback runs.
        let n = unsafe { &*obj }.progs.len();
        for i in 0..n {
            let name = {
                // SAFETY: as above.
                let o = unsafe { &*obj };
                let Some(p) = o.progs.get(i) else { continue };
                if o.is_subprog(p) {
                    continue;
                }
                if !p.autoload {
                    // SAFETY: the program's NUL-terminated name for `%s`.
                    unsafe { crate::pr_debug_c!(c"libbpf: prog '%s': skipped loading\n", p.name.as_ptr()) };
                    continue;
                }
                p.name.to_string_lossy().into_owned()
            };
            // SAFETY: caller's contract, passed on.
            match unsafe { Self::load_prog(obj, i, kb) } {
                Ok(fd) => {
                    // SAFETY: caller's contract; no callback runs while this reference lives.
                    if let Some(p) = unsafe { &mut *obj }.progs.get_mut(i) {
                        p.fd = Some(fd);
                    }
                }
                Err(e) => {
                    if e.should_log() {
                        crate::pr_warn!("{}", e);
                    }
                    crate::pr_warn!("prog '{}': failed to load: {}", name, errstr(e.errno()));
                    return Err(Error::quiet(e.errno()));
                }
            }
        }
        Ok(())
    }

    /// `bpf_object_load_prog` for program `idx`: its load attributes worked out, a custom
    /// section handler's prepare-load callback run on them with no reference to the object
    /// alive (as [`Object::run_prog_setup`] runs setup callbacks), then the load itself.
    ///
    /// # Safety
    /// As [`Object::load_programs`].
    unsafe fn load_prog(obj: *mut Object, idx: usize, kb: &mut LoadCtx) -> Result<OwnedFd> {
        // SAFETY: caller's contract; the reference ends before the callback runs.
        let (mut attrs, call) = unsafe { &mut *obj }.prog_attrs(idx, kb)?;
        if let Some(mut c) = call {
            // SAFETY: the handler was registered with libbpf's callback signature; `c.prog` is
            // the program's stable handle (no Rust reference to the object is alive during the
            // call) and `c.opts` a bpf_prog_load_opts-layout struct the callback may write.
            let rc = unsafe { (c.f)(c.prog.cast(), (&mut c.opts as *mut ProgLoadOptsC).cast(), c.cookie) };
            if rc < 0 {
                crate::pr_warn!("prog '{}': failed to prepare load attributes: {}", attrs.name, errstr(rc));
                return Err(Error::quiet(-rc));
            }
            attrs.take_back(&c.opts);
        }
        // SAFETY: caller's contract; the callback has returned.
        unsafe { &mut *obj }.load_prog_with(idx, kb, attrs)
    }

    /// The first half of `bpf_object_load_prog`: checks, libbpf's built-in prepare step (attach
    /// target in kernel BTF, flags), and the attributes a custom prepare-load callback may see.
    fn prog_attrs(&mut self, idx: usize, kb: &mut LoadCtx) -> Result<(ProgAttrs, Option<PrepareCall>)> {
        let (prog_type, attach_btf_id, name, sec_name) = {
            let p = self.progs.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
            (
                p.prog_type,
                p.attach_btf_id,
                p.name.to_string_lossy().into_owned(),
                p.sec_name.to_string_lossy().into_owned(),
            )
        };
        match prog_type {
            uapi::BPF_PROG_TYPE_UNSPEC => {
                crate::pr_warn!("prog '{}': missing BPF prog type, check ELF section name '{}'", name, sec_name);
                return Err(Error::quiet(libc::EINVAL));
            }
            uapi::BPF_PROG_TYPE_STRUCT_OPS if attach_btf_id == 0 => {
                crate::pr_warn!(
                    "prog '{}': SEC(\"struct_ops\") program isn't referenced anywhere, did you forget to use it?",
                    name
                );
                return Err(Error::quiet(libc::EINVAL));
            }
            _ => {}
        }
        if self.progs.get(idx).is_some_and(|p| p.insns.is_empty()) {
            return Err(Error::quiet(libc::EINVAL));
        }
        let mut prog_flags = self.progs.get(idx).map_or(0, |p| p.prog_flags);
        let mut expected_attach_type = self.progs.get(idx).map_or(0, |p| p.expected_attach_type);
        let mut attach_btf_obj_fd: Option<RawFd> = None;
        // libbpf_prepare_prog_load (the built-in sections' prepare step).
        let def = self.progs.get(idx).and_then(|p| p.sec_def);
        if let Some(def) = def.filter(|d| d.custom.is_none()) {
            let f = def.flags;
            if f & crate::section::SEC_EXP_ATTACH_OPT != 0 && !kb.supported(Feature::ExpAttachType) {
                expected_attach_type = 0;
            }
            if f & crate::section::SEC_SLEEPABLE != 0 {
                prog_flags |= uapi::BPF_F_SLEEPABLE;
            }
            if prog_type == uapi::BPF_PROG_TYPE_XDP && f & crate::section::SEC_XDP_FRAGS != 0 {
                prog_flags |= uapi::BPF_F_XDP_HAS_FRAGS;
            }
            if f & crate::section::SEC_USDT != 0 && kb.supported(Feature::UprobeMultiLink) {
                expected_attach_type = uapi::BPF_TRACE_UPROBE_MULTI;
                if let Some(p) = self.progs.get_mut(idx) {
                    p.expected_attach_type = uapi::BPF_TRACE_UPROBE_MULTI;
                }
            }
            if f & crate::section::SEC_ATTACH_BTF != 0 && attach_btf_id == 0 {
                let Some((_, target)) = sec_name.split_once('/') else {
                    crate::pr_warn!(
                        "prog '{}': no BTF-based attach target is specified, use bpf_program__set_attach_target()",
                        name
                    );
                    crate::pr_warn!("prog '{}': failed to prepare load attributes: {}", name, errstr(libc::EINVAL));
                    return Err(Error::quiet(libc::EINVAL));
                };
                let p = self.progs.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
                let (obj_fd, id) = find_attach_btf_id(p, target, kb).inspect_err(|e| {
                    crate::pr_warn!(
                        "prog '{}': failed to find kernel BTF type ID of '{}': {}",
                        name,
                        target,
                        errstr(e.errno())
                    );
                    crate::pr_warn!("prog '{}': failed to prepare load attributes: {}", name, errstr(e.errno()));
                })?;
                attach_btf_obj_fd = obj_fd;
                if let Some(p) = self.progs.get_mut(idx) {
                    p.attach_btf_id = id;
                }
            }
        }
        // struct_ops programs of a module's type load against that module's BTF object.
        if attach_btf_obj_fd.is_none() {
            attach_btf_obj_fd = self.progs.get(idx).and_then(|p| p.attach_btf_obj_fd()).map(|f| f.as_raw_fd());
        }
        let btf_fd = self.btf_fd_owned.as_ref().map(|f| f.as_raw_fd());
        let with_func_info = btf_fd.is_some() && kb.supported(Feature::BtfFunc);
        let (attach_btf_id, attach_prog_fd, prog_ifindex, kern_version) = {
            let p = self.progs.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
            (p.attach_btf_id, p.attach_prog_fd, p.ifindex, self.kern_version)
        };
        let attrs = ProgAttrs {
            name,
            prog_type,
            expected_attach_type,
            prog_flags,
            prog_ifindex,
            kern_version,
            attach_btf_id,
            attach_prog_fd,
            attach_btf_obj_fd,
            btf_fd,
            with_func_info,
        };
        // A custom section handler's prepare-load callback sees (and may change) the attributes.
        let call = match def.and_then(|d| d.custom).and_then(|c| c.prog_prepare_load_fn.map(|f| (f, c.cookie))) {
            None => None,
            Some((f, cookie)) => {
                let opts = ProgLoadOptsC {
                    sz: std::mem::size_of::<ProgLoadOptsC>(),
                    expected_attach_type,
                    prog_btf_fd: btf_fd.filter(|_| with_func_info).map_or(0, |fd| fd as u32),
                    prog_flags,
                    prog_ifindex,
                    kern_version,
                    attach_btf_id,
                    attach_prog_fd: attach_prog_fd.map_or(0, |f| f.raw() as u32),
                    attach_btf_obj_fd: attach_btf_obj_fd.map_or(0, |fd| fd as u32),
                    log_level: self.progs.get(idx).map_or(0, |p| p.log_level),
                    token_fd: kb.token().map_or(0, |t| t.as_raw_fd() as u32),
                    ..Default::default()
                };
                let prog: *mut crate::object::Program =
                    self.progs.get_mut(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
                Some(PrepareCall { f, cookie, prog, opts })
            }
        };
        Ok((attrs, call))
    }

    /// The second half of `bpf_object_load_prog`: the load with libbpf's log-buffer retries,
    /// the verifier log fixed up on failure, `.rodata` maps bound on success.
    fn load_prog_with(&mut self, idx: usize, kb: &mut LoadCtx, attrs: ProgAttrs) -> Result<OwnedFd> {
        let ProgAttrs {
            name,
            prog_type,
            expected_attach_type,
            prog_flags,
            prog_ifindex,
            kern_version,
            attach_btf_id,
            attach_prog_fd,
            attach_btf_obj_fd,
            btf_fd,
            with_func_info,
        } = attrs;
        let license = CString::new(self.license.clone()).unwrap_or_default();
        let obj_buf = self.opts.kernel_log_buf;
        let rodata: Vec<(Option<RawFd>, String)> = if self.has_rodata && kb.supported(Feature::ProgBindMap) {
            self.maps
                .iter()
                .filter(|m| m.kind == MapKind::Rodata)
                .map(|m| {
                    (
                        m.fd.as_ref().map(|f| f.as_raw_fd()),
                        m.real_name.as_ref().unwrap_or(&m.name).to_string_lossy().into_owned(),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        let p = self.progs.get(idx).ok_or_else(|| Error::new(lerr::INTERNAL, "program vanished"))?;
        // SAFETY: the object's BTF fd stays open for the whole load.
        let btf_b = btf_fd.filter(|_| with_func_info).map(|fd| unsafe { BorrowedFd::borrow_raw(fd) });
        let attach_prog = attach_prog_fd.as_ref().and_then(CallerFd::borrow);
        // SAFETY: a module BTF fd owned by `kb`, open until the load ends.
        let attach_obj = attach_btf_obj_fd.map(|fd| unsafe { BorrowedFd::borrow_raw(fd) });
        let empty: &[u8] = &[];
        let fd_array = kb.fd_array.clone();
        let attempt = |level: u32, buf: Option<&mut [u8]>| {
            cmd::prog_load(&mut cmd::ProgLoad {
                prog_type,
                expected_attach_type,
                name: &name,
                insns: &p.insns,
                license: &license,
                kern_version,
                prog_flags,
                prog_ifindex,
                prog_btf_fd: btf_b,
                func_info: if with_func_info { &p.func_info } else { empty },
                func_info_rec_size: if with_func_info { p.func_info_rec_size } else { 0 },
                line_info: if with_func_info { &p.line_info } else { empty },
                line_info_rec_size: if with_func_info { p.line_info_rec_size } else { 0 },
                attach_btf_id,
                attach_btf_obj_fd: if attach_prog.is_some() { None } else { attach_obj },
                attach_prog_fd: attach_prog,
                fd_array: &fd_array,
                log_level: level,
                log_buf: buf,
                token_fd: kb.token(),
            })
        };
        // The log buffer: the program's, else the object's, else our own (only when a log is
        // wanted). With log level 0 nothing is requested unless the load fails; then it is
        // retried with level 1 (libbpf's retry_load).
        let mut log_level = p.log_level;
        let user_buf = p.log_buf.or(obj_buf);
        let mut own: Vec<u8> = Vec::new();
        let res = loop {
            let own_buf = log_level != 0 && user_buf.is_none();
            let r = if log_level == 0 {
                attempt(0, None)
            } else if let Some(ub) = user_buf {
                ub.with(|b| attempt(log_level, Some(b)))
            } else {
                own = vec![0u8; LOG_BUF_SIZE.max(own.len() * 2)];
                attempt(log_level, Some(&mut own[..]))
            };
            match r {
                Ok(fd) => {
                    if own_buf {
                        crate::log::print_prog_load_log(crate::log::Level::Debug, &name, &c_text(&own));
                    }
                    break Ok(fd);
                }
                Err(e) => {
                    if log_level == 0 {
                        log_level = 1;
                        continue;
                    }
                    if own_buf && e.errno() == libc::ENOSPC && own.len() <= (u32::MAX / 2) as usize {
                        continue;
                    }
                    break Err(e);
                }
            }
        };
        let fd = match res {
            Ok(fd) => fd,
            Err(e) => {
                let errno = e.errno();
                let own_buf = user_buf.is_none();
                if let Some(ub) = user_buf.filter(|b| !b.is_empty()) {
                    ub.with(|b| fixup_verifier_log(self, idx, b));
                } else if own_buf {
                    fixup_verifier_log(self, idx, &mut own);
                }
                crate::pr_warn!("prog '{}': BPF program load failed: {}", name, errstr(errno));
                pr_perm_msg(errno);
                if own_buf && own.first().is_some_and(|&b| b != 0) {
                    crate::log::print_prog_load_log(crate::log::Level::Warn, &name, &c_text(&own));
                }
                return Err(Error::quiet(errno));
            }
        };
        // Bind .rodata maps so they live as long as the program (FEAT_PROG_BIND_MAP).
        for (mfd, mname) in rodata {
            let r = match mfd {
                // SAFETY: the map fd is owned by the object and open.
                Some(mfd) => cmd::prog_bind_map(fd.as_fd(), unsafe { BorrowedFd::borrow_raw(mfd) }, 0),
                // libbpf binds the never-created map's placeholder fd, which the kernel refuses.
                None => Err(Error::quiet(libc::EINVAL)),
            };
            if let Err(e) = r {
                crate::pr_warn!("prog '{}': failed to bind map '{}': {}", name, mname, errstr(e.errno()));
            }
        }
        Ok(fd)
    }

    /// Prog-array initial slots (`.values = { [i] = &prog }`), after programs are loaded
    /// (`bpf_object_init_prog_arrays`).
    pub(super) fn init_prog_arrays(&mut self) -> Result<()> {
        let progs: Vec<(i32, String)> = self
            .progs
            .iter()
            .map(|p| (p.fd.as_ref().map_or(-libc::ENOENT, |f| f.as_raw_fd()), p.name.to_string_lossy().into_owned()))
            .collect();
        for m in self.maps.iter() {
            if m.init_slots.is_empty() || m.def.map_type != uapi::BPF_MAP_TYPE_PROG_ARRAY {
                continue;
            }
            let mname = m.name.to_string_lossy();
            for (key, slot) in m.init_slots.iter().enumerate() {
                let Some(Slot::Prog(p)) = slot else { continue };
                let (pfd, pname) = progs.get(*p).cloned().unwrap_or((-libc::ENOENT, String::new()));
                let r = match m.fd.as_ref() {
                    Some(fd) => cmd::map_update_elem(fd.as_fd(), &(key as u32).to_le_bytes(), &pfd.to_le_bytes(), 0),
                    None => Err(Error::quiet(libc::EBADF)),
                };
                if let Err(e) = r {
                    crate::pr_warn!(
                        "map '{}': failed to initialize slot [{}] to prog '{}' fd={}: {}",
                        mname,
                        key,
                        pname,
                        pfd,
                        errstr(e.errno())
                    );
                    return Err(Error::quiet(e.errno()));
                }
                let (pl, pp) = crate::log::cs(&pname);
                // SAFETY: the map's NUL-terminated name for `%s`, usize for `%zu`, (c_int, pointer)
                // of a live &str for `%.*s`, i32 for `%d`.
                unsafe {
                    crate::pr_debug_c!(
                        c"libbpf: map '%s': slot [%zu] set to prog '%.*s' fd=%d\n",
                        m.name.as_ptr(),
                        key,
                        pl,
                        pp,
                        pfd
                    )
                };
            }
        }
        Ok(())
    }
}

/// A program's load attributes, as `bpf_object_load_prog` works them out before (and a custom
/// prepare-load callback may change them after) `libbpf_prepare_prog_load`.
struct ProgAttrs {
    name: String,
    prog_type: u32,
    expected_attach_type: u32,
    prog_flags: u32,
    prog_ifindex: u32,
    kern_version: u32,
    attach_btf_id: u32,
    attach_prog_fd: Option<CallerFd>,
    attach_btf_obj_fd: Option<RawFd>,
    btf_fd: Option<RawFd>,
    with_func_info: bool,
}

impl ProgAttrs {
    /// Take back the scalar attributes a prepare-load callback may have changed.
    fn take_back(&mut self, o: &ProgLoadOptsC) {
        self.expected_attach_type = o.expected_attach_type;
        self.prog_flags = o.prog_flags;
        self.prog_ifindex = o.prog_ifindex;
        self.kern_version = o.kern_version;
        self.attach_btf_id = o.attach_btf_id;
        // SAFETY: a prepare-load callback that names a target program fd keeps it open for the
        // load it prepares (libbpf's contract for `bpf_prog_load_opts.attach_prog_fd`).
        self.attach_prog_fd = (o.attach_prog_fd != 0).then(|| unsafe { CallerFd::new(o.attach_prog_fd as i32) });
        self.attach_btf_obj_fd = (o.attach_btf_obj_fd != 0).then_some(o.attach_btf_obj_fd as RawFd);
    }
}

/// A custom section handler's prepare-load callback, to be called on a program's handle.
struct PrepareCall {
    f: crate::section::ProgPrepareLoadFn,
    cookie: libc::c_long,
    prog: *mut crate::object::Program,
    opts: ProgLoadOptsC,
}

/// `struct bpf_prog_load_opts` as a custom section handler's prepare-load callback sees it
/// (libbpf 1.5 layout, 112 bytes). Of what the callback may change, the scalar attributes are
/// taken back; the func/line info, fd_array and token stay the loader's.
#[repr(C)]
struct ProgLoadOptsC {
    sz: usize,
    attempts: i32,
    expected_attach_type: u32,
    prog_btf_fd: u32,
    prog_flags: u32,
    prog_ifindex: u32,
    kern_version: u32,
    attach_btf_id: u32,
    attach_prog_fd: u32,
    attach_btf_obj_fd: u32,
    fd_array: *const i32,
    func_info: *const u8,
    func_info_cnt: u32,
    func_info_rec_size: u32,
    line_info: *const u8,
    line_info_cnt: u32,
    line_info_rec_size: u32,
    log_level: u32,
    log_size: u32,
    log_buf: *mut u8,
    log_true_size: u32,
    token_fd: u32,
}

const _: () = assert!(std::mem::size_of::<ProgLoadOptsC>() == 112);

const _: () = assert!(
    std::mem::offset_of!(ProgLoadOptsC, fd_array) == 48 && std::mem::offset_of!(ProgLoadOptsC, token_fd) == 108
);

impl Default for ProgLoadOptsC {
    fn default() -> Self {
        ProgLoadOptsC {
            sz: 0,
            attempts: 0,
            expected_attach_type: 0,
            prog_btf_fd: 0,
            prog_flags: 0,
            prog_ifindex: 0,
            kern_version: 0,
            attach_btf_id: 0,
            attach_prog_fd: 0,
            attach_btf_obj_fd: 0,
            fd_array: std::ptr::null(),
            func_info: std::ptr::null(),
            func_info_cnt: 0,
            func_info_rec_size: 0,
            line_info: std::ptr::null(),
            line_info_cnt: 0,
            line_info_rec_size: 0,
            log_level: 0,
            log_size: 0,
            log_buf: std::ptr::null_mut(),
            log_true_size: 0,
            token_fd: 0,
        }
    }
}

/// libbpf 1.7's `bpf_prog_compute_hash`: SHA-256 of the program's instructions as they stand
/// (relocated, map fds not yet written), with the immediates of map-fd and map-value
/// `ld_imm64`s zeroed so the digest does not depend on fds.
#[inline(never)] // only for exclusive maps, off the common path (`link/hot-text.ld`)
pub(super) fn excl_prog_hash(insns: &[u64]) -> Result<[u8; 32]> {
    let mut purged = insns.to_vec();
    let mut i = 0;
    while i < purged.len() {
        let w = purged[i];
        if insn::code(w) == BPF_LD_IMM64
            && (insn::src(w) == uapi::BPF_PSEUDO_MAP_FD || insn::src(w) == uapi::BPF_PSEUDO_MAP_VALUE)
        {
            insn::set_imm(&mut purged[i], 0);
            i += 1;
            // The second half must be all zero but for its immediate.
            match purged.get_mut(i) {
                Some(w2) if *w2 & 0xffff_ffff == 0 => insn::set_imm(w2, 0),
                _ => return Err(Error::inval("exclusive program: malformed ld_imm64 map reference")),
            }
        }
        i += 1;
    }
    let bytes: Vec<u8> = purged.iter().flat_map(|w| w.to_ne_bytes()).collect();
    Ok(crate::object::sha256::sha256(&bytes))
}

/// libbpf's `find_attach_btf_id` family: the attach target's BTF id, in the target program's
/// BTF (freplace and programs given an attach program), else in vmlinux, else in module BTFs
/// ("module:function" picks the module). Returns the module BTF fd (None for vmlinux).
#[inline(never)] // only for programs attached by BTF id (`link/hot-text.ld`)
fn find_attach_btf_id(p: &crate::object::Program, target: &str, kb: &mut LoadCtx) -> Result<(Option<RawFd>, u32)> {
    if p.prog_type == uapi::BPF_PROG_TYPE_EXT || p.attach_prog_fd.is_some() {
        let Some(target_fd) = p.attach_prog_fd else {
            crate::pr_warn!("prog '{}': attach program FD is not set", p.name.to_string_lossy());
            return Err(Error::quiet(libc::EINVAL));
        };
        let id = find_prog_btf_id(target, target_fd).inspect_err(|e| {
            crate::pr_warn!(
                "prog '{}': failed to find BPF program (FD {}) BTF ID for '{}': {}",
                p.name.to_string_lossy(),
                target_fd.raw(),
                target,
                errstr(e.errno())
            );
        })?;
        return Ok((None, id));
    }
    let (prefix, kind) = kernel_prefix_kind(p.expected_attach_type);
    let (module, func) = match target.split_once(':') {
        Some((m, f)) => (Some(m), f),
        None => (None, target),
    };
    let lookup = format!("{prefix}{func}");
    if module.is_none_or(|m| m == "vmlinux") {
        if let Some(id) = kb.vmlinux.as_deref().and_then(|v| v.find_by_name_kind(&lookup, kind)) {
            return Ok((None, id));
        }
    }
    for m in kb.modules()? {
        if module.is_some_and(|want| !m.name.starts_with(want)) {
            continue;
        }
        if let Some(id) = m.btf.find_by_name_kind_own(&lookup, kind) {
            return Ok((Some(m.fd.as_raw_fd()), id));
        }
    }
    Err(Error::quiet(libc::ESRCH))
}

/// The prefix and kind of the kernel BTF type a program of `attach_type` attaches to
/// (`btf_trace_<tp>` typedefs for raw tracepoints, `bpf_lsm_<hook>` and `bpf_iter_<name>`
/// functions, else the function itself): libbpf's `btf_get_kernel_prefix_kind`.
pub(crate) fn kernel_prefix_kind(attach_type: u32) -> (&'static str, Kind) {
    match attach_type {
        uapi::BPF_TRACE_RAW_TP => ("btf_trace_", Kind::Typedef),
        uapi::BPF_LSM_MAC | uapi::BPF_LSM_CGROUP => ("bpf_lsm_", Kind::Func),
        uapi::BPF_TRACE_ITER => ("bpf_iter_", Kind::Func),
        _ => ("", Kind::Func),
    }
}

/// `libbpf_find_vmlinux_btf_id()`: the vmlinux BTF id of what a program of `attach_type`
/// attaching to `name` attaches to. `-ENOENT` (logged) when vmlinux has no such type;
/// `-ENAMETOOLONG` when the prefixed name exceeds BTF's 128-byte limit.
pub fn find_vmlinux_btf_id(name: &str, attach_type: u32) -> Result<i32> {
    let vmlinux = Btf::vmlinux().map_err(|e| {
        crate::pr_warn!("vmlinux BTF is not found");
        Error::quiet(e.errno())
    })?;
    let (prefix, kind) = kernel_prefix_kind(attach_type);
    let lookup = format!("{prefix}{name}");
    let r = if lookup.len() >= 128 {
        Err(Error::quiet(libc::ENAMETOOLONG))
    } else if lookup == "void" {
        Ok(0)
    } else {
        vmlinux.find_by_name_kind(&lookup, kind).map(|id| id as i32).ok_or(Error::quiet(libc::ENOENT))
    };
    if !matches!(r, Ok(id) if id > 0) {
        crate::pr_warn!("{name} is not found in vmlinux BTF");
    }
    r
}

/// libbpf's `libbpf_find_prog_btf_id`: FUNC `name` in the BTF of program `prog_fd`.
fn find_prog_btf_id(name: &str, prog_fd: CallerFd) -> Result<u32> {
    let fd = prog_fd.borrow().ok_or_else(|| Error::quiet(libc::EBADF))?;
    let info = cmd::prog_info(fd).map_err(|e| {
        crate::pr_warn!("failed bpf_prog_get_info_by_fd for FD {}: {}", prog_fd.raw(), errstr(e.errno()));
        Error::quiet(e.errno())
    })?;
    if info.btf_id == 0 {
        crate::pr_warn!("The target program doesn't have BTF");
        return Err(Error::quiet(libc::EINVAL));
    }
    let btf = cmd::get_fd_by_id(cmd::IdKind::Btf, info.btf_id, 0)
        .and_then(|f| cmd::btf_data(f.as_fd()))
        .and_then(|d| Btf::parse(&d))
        .map_err(|e| {
            crate::pr_warn!("Failed to get BTF {} of the program: {}", info.btf_id, errstr(e.errno()));
            Error::quiet(libc::EINVAL)
        })?;
    btf.find_by_name_kind(name, Kind::Func).ok_or_else(|| {
        crate::pr_warn!("{} is not found in prog's BTF", name);
        Error::quiet(libc::EINVAL)
    })
}
