//! Program commands: load (with libbpf's `EAGAIN` retries and log reporting), test runs,
//! cgroup-style attach/detach/query, bound maps, translated instructions and map ids.

use super::obj::{obj_info, prog_info};
use super::{addr, addr_mut, fail, fd_u32, obj_name, raw, u32_len, LOG_BUF_MAX, PROG_LOAD_ATTEMPTS};
use crate::error::{Error, Result};
use crate::sys::attr::*;
use crate::uapi;
use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};

/// Arguments of [`prog_load`].
#[derive(Default)]
pub struct ProgLoad<'a> {
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// `enum bpf_attach_type`.
    pub expected_attach_type: u32,
    /// Truncated to 15 bytes; bytes the kernel refuses become `_`.
    pub name: &'a str,
    /// Instructions, one `struct bpf_insn` per `u64` (host byte order).
    pub insns: &'a [u64],
    pub license: &'a CStr,
    pub kern_version: u32,
    /// `BPF_F_*`; `BPF_F_TOKEN_FD` is added when `token_fd` is set.
    pub prog_flags: u32,
    pub prog_ifindex: u32,
    pub prog_btf_fd: Option<BorrowedFd<'a>>,
    /// `.BTF.ext` func info records, `func_info_rec_size` bytes each.
    pub func_info: &'a [u8],
    pub func_info_rec_size: u32,
    pub line_info: &'a [u8],
    pub line_info_rec_size: u32,
    pub attach_btf_id: u32,
    /// Module BTF holding `attach_btf_id` (exclusive with `attach_prog_fd`).
    pub attach_btf_obj_fd: Option<BorrowedFd<'a>>,
    /// freplace target program.
    pub attach_prog_fd: Option<BorrowedFd<'a>>,
    /// fds indexed by `BPF_PSEUDO_MAP_IDX*` loads and module kfunc calls (every index used by
    /// `insns` must be inside it).
    pub fd_array: &'a [RawFd],
    /// 0 with a `log_buf`: log only on failure (a second load with level 1). Ignored without a
    /// `log_buf`.
    pub log_level: u32,
    /// Receives the verifier log (NUL-terminated by the kernel).
    pub log_buf: Option<&'a mut [u8]>,
    /// Sets `BPF_F_TOKEN_FD`.
    pub token_fd: Option<BorrowedFd<'a>>,
}

impl std::fmt::Debug for ProgLoad<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgLoad")
            .field("prog_type", &self.prog_type)
            .field("expected_attach_type", &self.expected_attach_type)
            .field("name", &self.name)
            .field("insns", &self.insns.len())
            .field("license", &self.license)
            .field("prog_flags", &self.prog_flags)
            .field("prog_btf_fd", &self.prog_btf_fd)
            .field("func_info", &self.func_info.len())
            .field("line_info", &self.line_info.len())
            .field("attach_btf_id", &self.attach_btf_id)
            .field("attach_btf_obj_fd", &self.attach_btf_obj_fd)
            .field("attach_prog_fd", &self.attach_prog_fd)
            .field("fd_array", &self.fd_array)
            .field("log_level", &self.log_level)
            .field("log_buf", &self.log_buf.as_ref().map(|b| b.len()))
            .field("token_fd", &self.token_fd)
            .finish_non_exhaustive()
    }
}

/// The highest `fd_array` index the instructions use, if any.
pub(super) fn max_fd_array_index(insns: &[u64]) -> Option<usize> {
    let mut max: Option<usize> = None;
    let mut bump = |i: usize| max = Some(max.map_or(i, |m: usize| m.max(i)));
    let mut i = 0;
    while i < insns.len() {
        let ins = uapi::BpfInsn::from_array(insns[i].to_ne_bytes());
        if ins.is_ld_imm64() {
            if matches!(ins.src(), uapi::BPF_PSEUDO_MAP_IDX | uapi::BPF_PSEUDO_MAP_IDX_VALUE) {
                bump(ins.imm as u32 as usize);
            }
            i += 2;
            continue;
        }
        if ins.is_call() && ins.src() == uapi::BPF_PSEUDO_KFUNC_CALL && ins.off > 0 {
            bump(ins.off as usize);
        }
        i += 1;
    }
    max
}

fn info_cnt(data: &[u8], rec: u32, what: impl std::fmt::Display) -> Result<u32> {
    if data.is_empty() {
        return Ok(0);
    }
    if rec == 0 || data.len() % rec as usize != 0 {
        return Err(Error::inval(format!("{what}: {} bytes is not a whole number of {rec}-byte records", data.len())));
    }
    u32_len(data.len() / rec as usize, what)
}

/// `prog 'NAME'` in error texts, formatted only when one is made (not once per load).
struct ProgWhat<'a>(&'a str);

impl std::fmt::Display for ProgWhat<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "prog '{}'", self.0)
    }
}

/// `BPF_PROG_LOAD` with libbpf's retries; also returns the kernel's `log_true_size`.
pub fn prog_load_report(a: &mut ProgLoad) -> (Result<OwnedFd>, u32) {
    let what = ProgWhat(a.name);
    let mut attr = ProgLoadAttr::default();
    let setup = (|| -> Result<()> {
        if a.attach_btf_obj_fd.is_some() && a.attach_prog_fd.is_some() {
            return Err(Error::inval(format!("{what}: attach_btf_obj_fd and attach_prog_fd are exclusive")));
        }
        if let Some(m) = max_fd_array_index(a.insns) {
            if m >= a.fd_array.len() {
                return Err(Error::inval(format!(
                    "{what}: instructions use fd_array[{m}] but fd_array has {} entries",
                    a.fd_array.len()
                )));
            }
        }
        attr.prog_type = a.prog_type;
        attr.expected_attach_type = a.expected_attach_type;
        attr.insn_cnt = u32_len(a.insns.len(), &what)?;
        attr.insns = addr(a.insns);
        attr.license = a.license.as_ptr() as u64;
        attr.kern_version = a.kern_version;
        attr.prog_flags = a.prog_flags | if a.token_fd.is_some() { uapi::BPF_F_TOKEN_FD } else { 0 };
        attr.prog_name = obj_name(a.name);
        attr.prog_ifindex = a.prog_ifindex;
        attr.prog_btf_fd = fd_u32(a.prog_btf_fd);
        attr.func_info_cnt = info_cnt(a.func_info, a.func_info_rec_size, &what)?;
        if attr.func_info_cnt > 0 {
            attr.func_info_rec_size = a.func_info_rec_size;
            attr.func_info = addr(a.func_info);
        }
        attr.line_info_cnt = info_cnt(a.line_info, a.line_info_rec_size, &what)?;
        if attr.line_info_cnt > 0 {
            attr.line_info_rec_size = a.line_info_rec_size;
            attr.line_info = addr(a.line_info);
        }
        attr.attach_btf_id = a.attach_btf_id;
        attr.attach_btf_obj_fd = fd_u32(a.attach_prog_fd.or(a.attach_btf_obj_fd));
        attr.fd_array = addr(a.fd_array);
        attr.prog_token_fd = a.token_fd.map_or(0, |f| f.as_raw_fd());
        Ok(())
    })();
    if let Err(e) = setup {
        return (Err(e), 0);
    }
    let log = match a.log_buf.as_deref_mut() {
        Some(b) if !b.is_empty() => {
            raw::Log { buf: b.as_mut_ptr() as u64, size: b.len().min(LOG_BUF_MAX) as u32, level: a.log_level }
        }
        _ => raw::Log::default(),
    };
    // SAFETY: every address in `attr` comes from a borrow in `a` that outlives the call, with
    // the counts derived from those slices (fd_array indices checked above); the log buffer is
    // an exclusive borrow of at least `log.size` bytes.
    let (r, true_size) = unsafe { raw::prog_load(&mut attr, PROG_LOAD_ATTEMPTS, log, a.func_info, a.line_info) };
    (r.map_err(|e| fail(&what, uapi::BPF_PROG_LOAD, &e)), true_size)
}

/// `BPF_PROG_LOAD`. On failure the error carries the kernel's errno and `log_buf` holds the
/// verifier log; `EAGAIN` is retried like libbpf does.
pub fn prog_load(a: &mut ProgLoad) -> Result<OwnedFd> {
    prog_load_report(a).0
}

/// The program's instructions after verification and rewriting (two info calls: size, then
/// the instructions).
pub fn prog_xlated_insns(fd: BorrowedFd) -> Result<Vec<u64>> {
    let len = prog_info(fd)?.xlated_prog_len as usize;
    let mut insns = vec![0u64; len / 8];
    let mut i = bpf_prog_info {
        xlated_prog_len: (insns.len() * 8) as u32,
        xlated_prog_insns: addr_mut(&mut insns),
        ..Default::default()
    };
    // SAFETY: `insns` is writable for xlated_prog_len bytes and outlives the call.
    unsafe { obj_info(fd, &mut i, "prog") }?;
    insns.truncate(i.xlated_prog_len as usize / 8);
    Ok(insns)
}

/// Ids of the maps a program uses.
pub fn prog_map_ids(fd: BorrowedFd) -> Result<Vec<u32>> {
    let n = prog_info(fd)?.nr_map_ids as usize;
    let mut ids = vec![0u32; n];
    let mut i = bpf_prog_info { nr_map_ids: n as u32, map_ids: addr_mut(&mut ids), ..Default::default() };
    // SAFETY: `ids` is writable for nr_map_ids u32s and outlives the call.
    unsafe { obj_info(fd, &mut i, "prog") }?;
    ids.truncate((i.nr_map_ids as usize).min(n));
    Ok(ids)
}

/// Arguments of [`prog_test_run`].
#[derive(Debug, Default)]
pub struct TestRun<'a> {
    pub data_in: &'a [u8],
    /// Receives the packet after the run; its length is the capacity passed.
    pub data_out: Option<&'a mut [u8]>,
    pub ctx_in: &'a [u8],
    pub ctx_out: Option<&'a mut [u8]>,
    pub repeat: u32,
    /// `BPF_F_TEST_RUN_ON_CPU`, `BPF_F_TEST_XDP_LIVE_FRAMES`, ...
    pub flags: u32,
    pub cpu: u32,
    pub batch_size: u32,
}

/// What [`prog_test_run`] reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TestRunOut {
    /// The program's return value.
    pub retval: u32,
    /// Average ns per repetition.
    pub duration: u32,
    pub data_size_out: u32,
    pub ctx_size_out: u32,
}

/// `BPF_PROG_TEST_RUN`.
pub fn prog_test_run(prog: BorrowedFd, t: &mut TestRun) -> Result<TestRunOut> {
    let what = format!("prog fd {}", prog.as_raw_fd());
    let (data_out, data_size_out) = match t.data_out.as_deref_mut() {
        Some(b) => (addr_mut(b), u32_len(b.len(), &what)?),
        None => (0, 0),
    };
    let (ctx_out, ctx_size_out) = match t.ctx_out.as_deref_mut() {
        Some(b) => (addr_mut(b), u32_len(b.len(), &what)?),
        None => (0, 0),
    };
    let mut a = TestRunAttr {
        prog_fd: prog.as_raw_fd() as u32,
        data_size_in: u32_len(t.data_in.len(), &what)?,
        data_size_out,
        data_in: addr(t.data_in),
        data_out,
        repeat: t.repeat,
        ctx_size_in: u32_len(t.ctx_in.len(), &what)?,
        ctx_size_out,
        ctx_in: addr(t.ctx_in),
        ctx_out,
        flags: t.flags,
        cpu: t.cpu,
        batch_size: t.batch_size,
        ..Default::default()
    };
    // SAFETY: inputs are borrowed slices of the sizes given; outputs are exclusive borrows whose
    // lengths are the capacities given, which the kernel does not exceed.
    unsafe { raw::prog_test_run(&mut a) }.map_err(|e| fail(&what, uapi::BPF_PROG_TEST_RUN, &e))?;
    Ok(TestRunOut {
        retval: a.retval,
        duration: a.duration,
        data_size_out: a.data_size_out,
        ctx_size_out: a.ctx_size_out,
    })
}

/// Where to insert relative to (mprog attach: tcx, netkit, and `BPF_PROG_ATTACH` of those).
#[derive(Debug, Clone, Copy, Default)]
pub enum Relative<'a> {
    #[default]
    None,
    /// A program or link fd.
    Fd(BorrowedFd<'a>),
    /// A program or link id (sets `BPF_F_ID`).
    Id(u32),
}

impl Relative<'_> {
    /// (`relative_fd`/`relative_id` value, extra flags)
    pub(super) fn encode(self) -> (u32, u32) {
        match self {
            Relative::None => (0, 0),
            Relative::Fd(f) => (f.as_raw_fd() as u32, 0),
            Relative::Id(id) => (id, uapi::BPF_F_ID),
        }
    }
}

/// Arguments of [`prog_attach`] / [`prog_detach`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ProgAttach<'a> {
    /// The program (detach: optional for attach types with a single program).
    pub prog_fd: Option<BorrowedFd<'a>>,
    /// Target fd (cgroup, sockmap, netns) or ifindex (tcx).
    pub target: i32,
    /// `enum bpf_attach_type`.
    pub attach_type: u32,
    /// `BPF_F_ALLOW_OVERRIDE`, `BPF_F_ALLOW_MULTI`, `BPF_F_REPLACE`, `BPF_F_BEFORE`, ...
    pub flags: u32,
    /// With `BPF_F_REPLACE`: the program to replace.
    pub replace_fd: Option<BorrowedFd<'a>>,
    pub relative: Relative<'a>,
    pub expected_revision: u64,
}

impl ProgAttach<'_> {
    pub fn attr(&self) -> ProgAttachAttr {
        let (rel, extra) = self.relative.encode();
        ProgAttachAttr {
            target_fd: self.target as u32,
            attach_bpf_fd: fd_u32(self.prog_fd),
            attach_type: self.attach_type,
            attach_flags: self.flags | extra,
            replace_bpf_fd: fd_u32(self.replace_fd),
            relative_fd: rel,
            expected_revision: self.expected_revision,
        }
    }
}

fn attach_what(a: &ProgAttach) -> String {
    format!(
        "prog fd {} to target {} ({})",
        a.prog_fd.map_or(-1, |f| f.as_raw_fd()),
        a.target,
        uapi::attach_type_str(a.attach_type).unwrap_or("unknown attach type")
    )
}

/// `BPF_PROG_ATTACH`.
pub fn prog_attach(a: &ProgAttach) -> Result<()> {
    raw::prog_attach(uapi::BPF_PROG_ATTACH, &mut a.attr()).map_err(|e| fail(attach_what(a), uapi::BPF_PROG_ATTACH, &e))
}

/// `BPF_PROG_DETACH`.
pub fn prog_detach(a: &ProgAttach) -> Result<()> {
    raw::prog_attach(uapi::BPF_PROG_DETACH, &mut a.attr()).map_err(|e| fail(attach_what(a), uapi::BPF_PROG_DETACH, &e))
}

/// Arguments of [`prog_query`]. The kernel fills at most as many entries as the shortest
/// array given holds.
#[derive(Debug, Default)]
pub struct ProgQuery<'a> {
    /// Target fd or ifindex.
    pub target: i32,
    pub attach_type: u32,
    /// `BPF_F_QUERY_EFFECTIVE`.
    pub query_flags: u32,
    pub prog_ids: Option<&'a mut [u32]>,
    pub prog_attach_flags: Option<&'a mut [u32]>,
    pub link_ids: Option<&'a mut [u32]>,
    pub link_attach_flags: Option<&'a mut [u32]>,
}

/// What [`prog_query`] reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgQueryOut {
    pub attach_flags: u32,
    /// Programs attached (may exceed what the arrays received).
    pub count: u32,
    pub revision: u64,
}

/// `BPF_PROG_QUERY`.
pub fn prog_query(q: &mut ProgQuery) -> Result<ProgQueryOut> {
    let what =
        format!("target {} ({})", q.target, uapi::attach_type_str(q.attach_type).unwrap_or("unknown attach type"));
    let mut a = QueryAttr {
        target_fd: q.target as u32,
        attach_type: q.attach_type,
        query_flags: q.query_flags,
        ..Default::default()
    };
    let mut cap: Option<usize> = None;
    for (slot, arr) in [
        (&mut a.prog_ids, q.prog_ids.as_deref_mut()),
        (&mut a.prog_attach_flags, q.prog_attach_flags.as_deref_mut()),
        (&mut a.link_ids, q.link_ids.as_deref_mut()),
        (&mut a.link_attach_flags, q.link_attach_flags.as_deref_mut()),
    ] {
        if let Some(arr) = arr {
            *slot = addr_mut(arr);
            cap = Some(cap.map_or(arr.len(), |c| c.min(arr.len())));
        }
    }
    a.count = u32_len(cap.unwrap_or(0), &what)?;
    // SAFETY: every array address set above is an exclusive borrow of at least `count` u32s.
    unsafe { raw::prog_query(&mut a) }.map_err(|e| fail(&what, uapi::BPF_PROG_QUERY, &e))?;
    Ok(ProgQueryOut { attach_flags: a.attach_flags, count: a.count, revision: a.revision })
}

/// `BPF_PROG_BIND_MAP`: keep `map` alive as long as `prog`.
pub fn prog_bind_map(prog: BorrowedFd, map: BorrowedFd, flags: u32) -> Result<()> {
    raw::prog_bind_map(prog.as_raw_fd(), map.as_raw_fd(), flags).map_err(|e| {
        fail(format_args!("prog fd {} map fd {}", prog.as_raw_fd(), map.as_raw_fd()), uapi::BPF_PROG_BIND_MAP, &e)
    })
}
