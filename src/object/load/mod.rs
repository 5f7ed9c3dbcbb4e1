//! `bpf_object__load`: externs, relocation, BTF, maps and programs into the running kernel, in
//! libbpf 1.5's order and with its observable results: the same instructions (poisoning
//! included), the same maps and contents, the same bound maps, func/line info, errno values and
//! log lines (printed where libbpf prints them, with its wording). A failure anywhere unpins
//! what this load pinned and closes every fd created so far.
//!
//! Checked against libbpf 1.5 by `ctests/load` (load_diff dumps what the kernel got from each).

mod arg_ctx;
mod btf;
mod ctx;
mod externs;
mod maps;
mod prog;
mod relocate;
mod verifier_log;

pub(crate) use ctx::LoadCtx;
pub use prog::find_vmlinux_btf_id;

use crate::btf::Btf;
use crate::error::{errstr, Error, Result};
use crate::object::externs::ExternKind;
use crate::object::Object;
use crate::sys::{cmd, probe};
use crate::uapi::{self, BPF_JMP_CALL, BPF_LD_IMM64};
use maps::unpin_map;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;

/// The invalid helper id a poisoned CO-RE instruction calls (`bpf_core_poison_insn`).
pub(crate) const POISON_HELPER: i32 = 0xbad2310;
/// Poisoned `ld_imm64` of a map that was not created: two calls of helper BASE + map index.
const POISON_LDIMM64_MAP_BASE: i32 = 2001000000;
/// Poisoned call of an unresolved weak kfunc: helper BASE + extern index.
const POISON_CALL_KFUNC_BASE: i32 = 2002000000;

/// Instruction word helpers (`struct bpf_insn` as a little-endian u64).
pub(crate) mod insn {
    pub fn code(w: u64) -> u8 {
        (w & 0xff) as u8
    }
    pub fn src(w: u64) -> u8 {
        ((w >> 12) & 0xf) as u8
    }
    pub fn dst(w: u64) -> u8 {
        ((w >> 8) & 0xf) as u8
    }
    pub fn off(w: u64) -> i16 {
        ((w >> 16) & 0xffff) as u16 as i16
    }
    pub fn imm(w: u64) -> i32 {
        (w >> 32) as u32 as i32
    }
    pub fn set_src(w: &mut u64, v: u8) {
        *w = (*w & !(0xf << 12)) | (((v & 0xf) as u64) << 12);
    }
    pub fn set_imm(w: &mut u64, v: i32) {
        *w = (*w & 0xffff_ffff) | ((v as u32 as u64) << 32);
    }
    pub fn set_off(w: &mut u64, v: i16) {
        *w = (*w & !(0xffff << 16)) | ((v as u16 as u64) << 16);
    }
    pub fn make(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> u64 {
        code as u64
            | ((dst as u64 & 0xf) << 8)
            | ((src as u64 & 0xf) << 12)
            | ((off as u16 as u64) << 16)
            | ((imm as u32 as u64) << 32)
    }
}

fn is_subprog_call(w: u64) -> bool {
    insn::code(w) == BPF_JMP_CALL && insn::src(w) == uapi::BPF_PSEUDO_CALL && insn::dst(w) == 0 && insn::off(w) == 0
}

fn is_pseudo_func(w: u64) -> bool {
    insn::code(w) == BPF_LD_IMM64 && insn::src(w) == uapi::BPF_PSEUDO_FUNC
}

impl Object {
    /// Load everything into the kernel. May be attempted once; afterwards the object is marked
    /// loaded whether or not it succeeded (libbpf's rule), and a failure leaves nothing behind.
    ///
    /// Custom section handlers' prepare-load callbacks run during the load; one that calls back
    /// into the C API on this object must go through [`Object::load_raw`] (as
    /// `bpf_object__load` does), which holds no reference to the object while they run.
    pub fn load(&mut self) -> Result<()> {
        // SAFETY: `self` is a live object; the only reference to it is the one given up here.
        unsafe { Self::load_raw(self) }
    }

    /// [`Object::load`] on a raw handle.
    ///
    /// # Safety
    /// `obj` is a live object and no reference to it is alive during the call: a custom section
    /// handler's prepare-load callback runs with a program handle and may call the API.
    pub unsafe fn load_raw(obj: *mut Object) -> Result<()> {
        {
            // SAFETY: caller's contract; this reference ends before any callback runs.
            let o = unsafe { &*obj };
            if o.loaded {
                crate::pr_warn!("object '{}': load can't be attempted twice", o.name.to_string_lossy());
                return Err(Error::quiet(libc::EINVAL));
            }
        }
        // SAFETY: caller's contract, passed on.
        let res = unsafe { Self::load_steps(obj) };
        // SAFETY: caller's contract; the steps (and their callbacks) have returned.
        let o = unsafe { &mut *obj };
        o.loaded = true;
        if let Err(e) = res {
            if e.should_log() {
                crate::pr_warn!("{}", e);
            }
            o.unpin_loaded_maps();
            o.unload();
            crate::pr_warn!("failed to load object '{}'", o.path);
            return Err(Error::quiet(e.errno()));
        }
        Ok(())
    }

    /// `bpf_object__prepare` (libbpf 1.6): the first half of [`Object::load`], everything up to
    /// loading programs (BTF loaded, maps created and filled, programs relocated). Twice, or
    /// after load, `-EINVAL`; a failure unpins and closes what it made and leaves the object
    /// unloadable, as libbpf does.
    pub fn prepare(&mut self) -> Result<()> {
        if self.prepared || self.loaded {
            crate::pr_warn!("object '{}': prepare loading can't be attempted twice", self.name.to_string_lossy());
            return Err(Error::quiet(libc::EINVAL));
        }
        match self.prepare_steps() {
            Ok(ctx) => {
                self.prep_ctx = Some(ctx);
                self.prepared = true;
                Ok(())
            }
            Err(e) => {
                if e.should_log() {
                    crate::pr_warn!("{}", e);
                }
                self.unpin_loaded_maps();
                self.unload();
                self.loaded = true;
                Err(Error::quiet(e.errno()))
            }
        }
    }

    /// Unpin what this load pinned (not maps reused from a pin).
    fn unpin_loaded_maps(&mut self) {
        for m in self.maps.iter_mut() {
            if m.pinned && !m.reused && m.pin_path.is_some() {
                unpin_map(m);
            }
        }
    }

    /// # Safety
    /// As [`Object::load_raw`].
    unsafe fn load_steps(obj: *mut Object) -> Result<()> {
        let mut ctx = {
            // SAFETY: caller's contract; no callback runs while this reference lives.
            let o = unsafe { &mut *obj };
            match o.prep_ctx.take() {
                Some(ctx) => ctx,
                None => o.prepare_steps()?,
            }
        };
        // SAFETY: caller's contract, passed on.
        unsafe { Self::load_programs(obj, &mut ctx) }?;
        // SAFETY: caller's contract; the program callbacks have returned.
        let o = unsafe { &mut *obj };
        o.init_prog_arrays()?;
        o.prepare_struct_ops()?;
        Ok(())
    }

    /// libbpf's `bpf_object_prepare` steps.
    fn prepare_steps(&mut self) -> Result<LoadCtx> {
        let mut ctx = LoadCtx::new(self.prepare_token()?);
        probe_loading(ctx.token())?;
        if self.needs_vmlinux_btf() {
            ctx.vmlinux = Some(Btf::vmlinux().map_err(|e| {
                crate::pr_warn!("Error loading vmlinux BTF: {}", errstr(e.errno()));
                Error::quiet(e.errno())
            })?);
        }
        if !self.externs.is_empty() {
            self.resolve_externs(&mut ctx)?;
        }
        self.init_kern_struct_ops(ctx.vmlinux.as_deref())?;
        self.relocate(&mut ctx)?;
        self.load_btf(&ctx)?;
        self.create_maps(&ctx)?;
        self.patch_map_fds();
        Ok(ctx)
    }

    /// libbpf's `bpf_object_prepare_token`: a BPF token from the BPF FS at the `bpf_token_path`
    /// option (mandatory then; an empty path prevents tokens) or at /sys/fs/bpf (optional).
    fn prepare_token(&self) -> Result<Option<OwnedFd>> {
        let name = self.name.to_string_lossy();
        let path = self.opts.bpf_token_path.as_deref();
        if path == Some("") {
            // SAFETY: the object's NUL-terminated name for `%s`.
            unsafe {
                crate::pr_debug_c!(c"libbpf: object '%s': token is prevented, skipping...\n", self.name.as_ptr())
            };
            return Ok(None);
        }
        let mandatory = path.is_some();
        let bpffs = path.unwrap_or("/sys/fs/bpf");
        let say = |msg: String| {
            if mandatory {
                crate::pr_warn!("{}", msg)
            } else {
                crate::pr_debug!("{}", msg)
            }
        };
        let suffix = if mandatory { "" } else { ", skipping optional step..." };
        // O_DIRECTORY, as libbpf opens it: anything else fails the open with ENOTDIR, no stat.
        let dir = match std::fs::OpenOptions::new().read(true).custom_flags(libc::O_DIRECTORY).open(bpffs) {
            Ok(f) => f,
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(libc::EIO);
                say(format!("object '{name}': failed ({}) to open BPF FS mount at '{bpffs}'{suffix}", errstr(errno)));
                return if mandatory { Err(Error::quiet(errno)) } else { Ok(None) };
            }
        };
        match cmd::token_create(dir.as_fd(), 0) {
            Ok(t) => Ok(Some(t)),
            Err(e) if !mandatory && e.errno() == libc::ENOENT => {
                let (bl, bp) = crate::log::cs(bpffs);
                // SAFETY: the object's NUL-terminated name for `%s`, (c_int, pointer) of a live
                // &str for `%.*s`.
                unsafe {
                    crate::pr_debug_c!(
                        c"libbpf: object '%s': BPF FS at '%.*s' doesn't have BPF token delegation set up, skipping...\n",
                        self.name.as_ptr(),
                        bl,
                        bp
                    )
                };
                Ok(None)
            }
            Err(e) if mandatory => {
                crate::pr_warn!("object '{name}': failed ({}) to create BPF token from '{bpffs}'", -e.errno());
                Err(Error::quiet(e.errno()))
            }
            Err(e) => {
                // Every load of an object without a token path comes here on a BPF FS without
                // delegation: a C format, so a callback dropping debug lines formats nothing.
                let (bl, bp) = crate::log::cs(bpffs);
                // SAFETY: the object's NUL-terminated name for `%s`, c_int for `%d`, (c_int,
                // pointer) of a live &str for `%.*s`.
                unsafe {
                    crate::pr_debug_c!(
                        c"libbpf: object '%s': failed (%d) to create BPF token from '%.*s', skipping optional step...\n",
                        self.name.as_ptr(),
                        -e.errno(),
                        bl,
                        bp
                    )
                };
                Ok(None)
            }
        }
    }

    /// Close the maps and programs load created (libbpf's `bpf_object_unload`). Global-data
    /// memory stays mapped where it is, and the object's BTF stays loaded (libbpf keeps it
    /// until close: `bpf_object__btf_fd` still reports it after a failed load).
    pub(crate) fn unload(&mut self) {
        for m in self.maps.iter_mut() {
            m.fd = None;
            if let Some(i) = m.inner.as_mut() {
                i.fd = None;
            }
        }
        for p in self.progs.iter_mut() {
            p.unload();
        }
        // Module BTF fds taken for struct_ops types are not needed past a failed load.
        self.release_struct_ops_btf_fds();
    }

    /// libbpf's `obj_needs_vmlinux_btf`.
    fn needs_vmlinux_btf(&self) -> bool {
        if self.btf_ext.as_ref().is_some_and(|e| e.has_core_relos()) && self.opts.btf_custom_path.is_none() {
            return true;
        }
        if self.externs.iter().any(|e| matches!(e.kind, ExternKind::Ksym { type_id } if type_id != 0)) {
            return true;
        }
        let prog_needs = self.progs.iter().any(|p| {
            p.autoload
                && (p.prog_type == uapi::BPF_PROG_TYPE_STRUCT_OPS
                    || p.prog_type == uapi::BPF_PROG_TYPE_LSM
                    || (p.prog_type == uapi::BPF_PROG_TYPE_TRACING && p.attach_prog_fd.is_none()))
        });
        prog_needs || self.maps.iter().any(|m| m.is_struct_ops())
    }
}

/// libbpf's `bpf_object__probe_loading`: raise RLIMIT_MEMLOCK where memory is not memcg
/// accounted, then make sure a trivial program loads at all.
fn probe_loading(token: Option<BorrowedFd>) -> Result<()> {
    if let Err(e) = probe::bump_rlimit_memlock() {
        crate::pr_warn!(
            "Failed to bump RLIMIT_MEMLOCK (err = {}), you might need to do it explicitly!",
            errstr(e.errno())
        );
    }
    let insns = [insn::make(0xb7, 0, 0, 0, 0), insn::make(0x95, 0, 0, 0, 0)];
    let gpl = probe::Gpl::new();
    let lic = gpl.as_cstr();
    let try_type = |t: u32| {
        cmd::prog_load(&mut cmd::ProgLoad {
            prog_type: t,
            insns: &insns,
            license: lic,
            token_fd: token,
            ..Default::default()
        })
    };
    match try_type(uapi::BPF_PROG_TYPE_SOCKET_FILTER).or_else(|_| try_type(uapi::BPF_PROG_TYPE_TRACEPOINT)) {
        Ok(_) => Ok(()),
        Err(e) => {
            crate::pr_warn!(
                "Error in bpf_object__probe_loading(): {}. Couldn't load trivial BPF program. Make sure your kernel supports BPF (CONFIG_BPF_SYSCALL=y) and/or that RLIMIT_MEMLOCK is set to big enough value.",
                errstr(e.errno())
            );
            Err(Error::quiet(e.errno()))
        }
    }
}

/// libbpf's `pr_perm_msg`: a hint about RLIMIT_MEMLOCK when root gets EPERM.
fn pr_perm_msg(errno: i32) {
    if errno != libc::EPERM || crate::sys::euid() != 0 {
        return;
    }
    let Some(cur) = crate::sys::memlock_limit() else { return };
    let buf = if cur < 1024 {
        format!("{cur} bytes")
    } else if cur < 1024 * 1024 {
        format!("{:.1} KiB", cur as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", cur as f64 / (1024.0 * 1024.0))
    };
    crate::pr_warn!("permission error while running as root; try raising 'ulimit -l'? current value: {}", buf);
}

impl crate::object::Program {
    /// libbpf's `bpf_program__unload`: closes the program and frees its func_info/line_info
    /// records (their counts and record sizes stay, as libbpf leaves them).
    pub(crate) fn unload(&mut self) {
        self.fd = None;
        self.func_info = Vec::new();
        self.line_info = Vec::new();
    }
}
