//! Pinning maps and programs on a BPF file system, and adopting an existing map fd — libbpf 1.5's
//! `bpf_map__pin`/`unpin`, `bpf_program__pin`/`unpin`, `bpf_object__pin_maps` & co. and
//! `bpf_map__reuse_fd`, with the same checks, order of effects, rollbacks and log lines.
//!
//! Rules worth knowing (all libbpf's):
//! * a pin path's parent directory is created (mode 0700) and must be on a BPF FS
//!   (`statfs` magic `BPF_FS_MAGIC`), else `-EINVAL` "specified path … is not on BPF FS";
//! * a map remembers its pin path: `bpf_map__pin(map, NULL)` uses it, a different path is
//!   `-EINVAL`, pinning again at the same path is a no-op; unpinning keeps the path;
//! * `bpf_object__pin_maps(obj, dir)` pins every auto-created map at `dir/<map name>` with every
//!   `.` of that path turned into `_` (bpffs refuses dots), or, with `dir` NULL, only the maps
//!   that have a pin path; on failure the maps before the failing one that have a pin path are
//!   unpinned again;
//! * `bpf_object__pin_programs(obj, dir)` pins every entry program at `dir/<prog name>` and fails
//!   (rolling back) if one is not loaded.
//!
//! Differences from libbpf, all where libbpf crashes or misbehaves: a NULL program pin path is
//! `-EINVAL` (libbpf formats "(null)/name" and creates a "(null)" directory);
//! `bpf_map__reuse_fd` refuses an fd that is not a BPF map (`-EINVAL`) where libbpf, on a
//! non-BPF fd, falls back to parsing an fdinfo that has no map fields and adopts a map of type 0.

use super::{cstring, Map, Object, Program};
use crate::error::{Error, Result};
use crate::sys::attr::bpf_map_info;
use crate::sys::cmd;
use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, OwnedFd, RawFd};

/// `statfs.f_type` of a BPF file system.
pub const BPF_FS_MAGIC: u32 = 0xcafe_4a11;
/// Longest path libbpf builds (`PATH_MAX`, including the NUL).
pub const PATH_MAX: usize = libc::PATH_MAX as usize;

/// glibc's `dirname(3)`, which libbpf's `make_parent_dir` and `check_path` call: trailing
/// slashes and the slashes before the last component are dropped ("a//b" → "a", "/a/b/" →
/// "/a", "a/" → "."), a path of only slashes is "/", except that exactly two leading slashes
/// stay "//" ("//" → "//", "//x" → "//"), and a name without a slash is ".".
fn dirname(path: &CStr) -> CString {
    let b = path.to_bytes();
    let slashes_before = |mut i: usize| {
        while i > 0 && b[i - 1] == b'/' {
            i -= 1;
        }
        i
    };
    let dir: &[u8] = match b.iter().rposition(|&c| c == b'/') {
        None => b".",
        Some(mut last) => {
            let mut no_dir = false;
            if last != 0 && last + 1 == b.len() {
                // Trailing slashes: the component before them is the last one.
                let start = slashes_before(last);
                if start != 0 {
                    match b[..start].iter().rposition(|&c| c == b'/') {
                        Some(i) => last = i,
                        None => no_dir = true,
                    }
                }
            }
            if no_dir {
                b"."
            } else {
                match slashes_before(last) {
                    0 if last == 1 => &b[..2],
                    0 => &b[..1],
                    end => &b[..end],
                }
            }
        }
    };
    // The input had no interior NUL, so neither has this prefix of it.
    CString::new(dir).unwrap_or_else(|_| c".".to_owned())
}

/// libbpf's `make_parent_dir`: `mkdir(dirname(path), 0700)`, an existing directory is fine.
pub fn make_parent_dir(path: &CStr) -> Result<()> {
    let dir = dirname(path);
    if let Err(err) = crate::sys::fs::mkdir(&dir, 0o700) {
        let e = err.raw_os_error().unwrap_or(libc::EIO);
        if e != libc::EEXIST {
            return Err(Error::new(
                e,
                format!("failed to mkdir {}: {}", path.to_string_lossy(), crate::error::errstr(e)),
            ));
        }
    }
    Ok(())
}

/// libbpf's `check_path`: the directory holding `path` must be on a BPF file system.
pub fn check_path(path: &CStr) -> Result<()> {
    let dir = dirname(path);
    let f_type = crate::sys::fs::fs_type(&dir).map_err(|err| {
        let e = err.raw_os_error().unwrap_or(libc::EIO);
        Error::new(e, format!("failed to statfs {}: {}", dir.to_string_lossy(), crate::error::errstr(e)))
    })?;
    if f_type as u32 != BPF_FS_MAGIC {
        return Err(Error::inval(format!("specified path {} is not on BPF FS", path.to_string_lossy())));
    }
    Ok(())
}

/// libbpf's `pathname_concat`: "`dir`/`name`", `-ENAMETOOLONG` (quiet) at `PATH_MAX`.
pub fn pathname_concat(dir: &str, name: &CStr) -> Result<CString> {
    let s = format!("{dir}/{}", name.to_string_lossy());
    if s.len() >= PATH_MAX {
        return Err(Error::quiet(libc::ENAMETOOLONG));
    }
    cstring(&s)
}

/// bpffs refuses dots in names: every `.` of the whole path becomes `_` (as libbpf does, the
/// directory part included).
pub fn sanitize_pin_path(p: CString) -> CString {
    let v: Vec<u8> = p.into_bytes().into_iter().map(|b| if b == b'.' { b'_' } else { b }).collect();
    // No NUL was added.
    CString::new(v).unwrap_or_default()
}

fn unlink(path: &CStr) -> Result<()> {
    crate::sys::fs::unlink(path).map_err(|e| Error::quiet(e.raw_os_error().unwrap_or(libc::EIO)))
}

impl Map {
    fn name_lossy(&self) -> String {
        self.name.to_string_lossy().into_owned()
    }

    /// `bpf_map__pin`: pin at `path`, or at the map's pin path when `path` is `None`.
    pub fn pin(&mut self, path: Option<&CStr>) -> Result<()> {
        let name = self.name_lossy();
        if self.fd.is_none() {
            return Err(Error::inval(format!("map '{name}': can't pin BPF map without FD (was it created?)")));
        }
        match (&self.pin_path, path) {
            (Some(pp), Some(p)) if pp.as_c_str() != p => {
                return Err(Error::inval(format!(
                    "map '{name}' already has pin path '{}' different from '{}'",
                    pp.to_string_lossy(),
                    p.to_string_lossy()
                )));
            }
            (Some(pp), _) if self.pinned => {
                // SAFETY: the map's name and its pin path, both NUL-terminated, for the `%s`.
                unsafe {
                    crate::pr_debug_c!(
                        c"libbpf: map '%s' already pinned at '%s'; not re-pinning\n",
                        self.name.as_ptr(),
                        pp.as_ptr()
                    )
                };
                return Ok(());
            }
            (Some(_), _) => {}
            (None, None) => return Err(Error::inval(format!("missing a path to pin map '{name}' at"))),
            (None, Some(_)) if self.pinned => {
                return Err(Error::new(libc::EEXIST, format!("map '{name}' already pinned")))
            }
            (None, Some(p)) => self.pin_path = Some(p.to_owned()),
        }
        let pin_path = self.pin_path.clone().unwrap_or_default();
        make_parent_dir(&pin_path)?;
        check_path(&pin_path)?;
        let fd = self.fd.as_ref().ok_or_else(|| Error::inval(format!("map '{name}': lost its FD")))?;
        cmd::obj_pin(fd.as_fd(), &pin_path)
            .map_err(|e| Error::new(e.errno(), format!("failed to pin map: {}", crate::error::errstr(e.errno()))))?;
        self.pinned = true;
        // SAFETY: the NUL-terminated pin path for `%s`.
        unsafe { crate::pr_debug_c!(c"libbpf: pinned map '%s'\n", pin_path.as_ptr()) };
        Ok(())
    }

    /// `bpf_map__unpin`: remove the pin at `path` (or the map's pin path). The map keeps its pin
    /// path.
    pub fn unpin(&mut self, path: Option<&CStr>) -> Result<()> {
        let name = self.name_lossy();
        let target: CString = match (&self.pin_path, path) {
            (Some(pp), Some(p)) if pp.as_c_str() != p => {
                return Err(Error::inval(format!(
                    "map '{name}' already has pin path '{}' different from '{}'",
                    pp.to_string_lossy(),
                    p.to_string_lossy()
                )));
            }
            (Some(pp), _) => pp.clone(),
            (None, Some(p)) => p.to_owned(),
            (None, None) => return Err(Error::inval(format!("no path to unpin map '{name}' from"))),
        };
        check_path(&target)?;
        unlink(&target)?;
        self.pinned = false;
        crate::pr_debug!("unpinned map '{}' from '{}'", name, target.to_string_lossy());
        Ok(())
    }

    /// `bpf_map__reuse_fd`: make this map a handle of the kernel map behind `fd` (duplicated
    /// `O_CLOEXEC` above 2; the caller keeps `fd`). Name, type, sizes, flags and BTF ids come
    /// from the kernel; the map counts as created from now on.
    pub fn reuse_fd(&mut self, fd: RawFd) -> Result<()> {
        let mut info = bpf_map_info::default();
        let mut len = std::mem::size_of::<bpf_map_info>() as u32;
        // SAFETY: `info` is a writable bpf_map_info of `len` bytes (no nested buffers); `fd` is
        // only a number handed to the kernel, which checks it.
        unsafe { cmd::raw::obj_get_info(fd, &mut info as *mut bpf_map_info as u64, &mut len) }.map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            if errno == libc::EINVAL {
                Error::inval(format!("map '{}': fd {fd} is not a BPF object", self.name_lossy()))
            } else {
                Error::quiet(errno)
            }
        })?;
        if !fd_is_bpf_map(fd) {
            return Err(Error::inval(format!("map '{}': fd {fd} is not a BPF map", self.name_lossy())));
        }
        let new_fd = crate::sys::fdio::dup_cloexec_min(fd, 3)
            .map_err(|e| Error::quiet(e.raw_os_error().unwrap_or(libc::EIO)))?;
        self.adopt_kernel_map(new_fd, &info);
        Ok(())
    }

    /// Become a handle of the kernel map behind `fd` (reused pin or `bpf_map__reuse_fd`): the
    /// kernel's type, sizes, flags and BTF ids, and its name unless that is the kernel's
    /// 15-character truncation of ours (libbpf's rule).
    pub(crate) fn adopt_kernel_map(&mut self, fd: OwnedFd, info: &bpf_map_info) {
        let kname_len = info.name.iter().position(|&c| c == 0).unwrap_or(info.name.len());
        let kname = &info.name[..kname_len];
        let keep = kname_len == crate::uapi::BPF_OBJ_NAME_LEN - 1 && self.name.as_bytes().starts_with(kname);
        if !keep {
            if let Ok(n) = std::ffi::CString::new(kname.to_vec()) {
                self.name = n;
            }
        }
        self.fd = Some(fd);
        self.def.map_type = info.type_;
        self.def.key_size = info.key_size;
        self.def.value_size = info.value_size;
        self.def.max_entries = info.max_entries;
        self.def.map_flags = info.map_flags;
        self.def.map_extra = info.map_extra;
        self.btf_key_type_id = info.btf_key_type_id;
        self.btf_value_type_id = info.btf_value_type_id;
        self.reused = true;
    }
}

/// Whether `fd` refers to a BPF map (its anon inode is "bpf-map").
fn fd_is_bpf_map(fd: RawFd) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{fd}")).is_ok_and(|p| p.as_os_str() == "anon_inode:bpf-map")
}

impl Program {
    /// `bpf_program__pin`.
    pub fn pin(&self, path: Option<&CStr>) -> Result<()> {
        let name = self.name.to_string_lossy();
        let Some(fd) = self.fd.as_ref() else {
            return Err(Error::inval(format!("prog '{name}': can't pin program that wasn't loaded")));
        };
        let path = path.ok_or_else(|| Error::inval(format!("prog '{name}': pin path is NULL")))?;
        make_parent_dir(path)?;
        check_path(path)?;
        cmd::obj_pin(fd.as_fd(), path).map_err(|e| {
            Error::new(
                e.errno(),
                format!(
                    "prog '{name}': failed to pin at '{}': {}",
                    path.to_string_lossy(),
                    crate::error::errstr(e.errno())
                ),
            )
        })?;
        crate::pr_debug!("prog '{}': pinned at '{}'", name, path.to_string_lossy());
        Ok(())
    }

    /// `bpf_program__unpin`.
    pub fn unpin(&self, path: Option<&CStr>) -> Result<()> {
        let name = self.name.to_string_lossy();
        if self.fd.is_none() {
            return Err(Error::inval(format!("prog '{name}': can't unpin program that wasn't loaded")));
        }
        let path = path.ok_or_else(|| Error::inval(format!("prog '{name}': unpin path is NULL")))?;
        check_path(path)?;
        unlink(path)?;
        crate::pr_debug!("prog '{}': unpinned from '{}'", name, path.to_string_lossy());
        Ok(())
    }
}

impl Object {
    fn require_loaded(&self) -> Result<()> {
        if !self.loaded {
            return Err(Error::new(libc::ENOENT, "object not yet loaded; load it first"));
        }
        Ok(())
    }

    /// The path `bpf_object__pin_maps`/`unpin_maps` use for map `idx`: `dir/<name>` sanitized,
    /// `None` to use the map's own pin path, or `Ok(None)` plus `skip` when it has none.
    fn map_pin_target(&self, idx: usize, dir: Option<&str>) -> Result<Option<Option<CString>>> {
        let m = self.maps.get(idx).ok_or_else(|| Error::inval("map index out of range"))?;
        match dir {
            Some(d) => Ok(Some(Some(sanitize_pin_path(pathname_concat(d, &m.name)?)))),
            None if m.pin_path.is_none() => Ok(None),
            None => Ok(Some(None)),
        }
    }

    /// `bpf_object__pin_maps`.
    pub fn pin_maps(&mut self, dir: Option<&str>) -> Result<()> {
        // Maps exist once prepared (libbpf 1.6: `state >= OBJ_PREPARED`).
        if !self.prepared {
            self.require_loaded()?;
        }
        for i in 0..self.maps.len() {
            if !self.maps.get(i).is_some_and(|m| m.autocreate) {
                continue;
            }
            let res = self.map_pin_target(i, dir).and_then(|t| match t {
                None => Ok(()),
                Some(p) => match self.maps.get_mut(i) {
                    Some(m) => m.pin(p.as_deref()),
                    None => Ok(()),
                },
            });
            if let Err(e) = res {
                // libbpf warns where the pin fails, before the rollback's debug lines.
                let e = log_now(e);
                for j in (0..i).rev() {
                    if let Some(m) = self.maps.get_mut(j) {
                        if m.pin_path.is_some() {
                            let _ = m.unpin(None);
                        }
                    }
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// `bpf_object__unpin_maps`: every map (auto-created or not) is unpinned from
    /// `dir/<name>` (or its pin path when `dir` is `None`); the first failure is returned.
    pub fn unpin_maps(&mut self, dir: Option<&str>) -> Result<()> {
        for i in 0..self.maps.len() {
            let Some(target) = self.map_pin_target(i, dir)? else { continue };
            if let Some(m) = self.maps.get_mut(i) {
                m.unpin(target.as_deref())?;
            }
        }
        Ok(())
    }

    fn prog_pin_path(&self, dir: Option<&str>, idx: usize) -> Result<Option<CString>> {
        let p = self.progs.get(idx).ok_or_else(|| Error::inval("program index out of range"))?;
        dir.map(|d| pathname_concat(d, &p.name)).transpose()
    }

    /// `bpf_object__pin_programs`: every entry program at `dir/<name>`; on failure the ones
    /// before it are unpinned.
    pub fn pin_programs(&mut self, dir: Option<&str>) -> Result<()> {
        self.require_loaded()?;
        let entries: Vec<usize> = self.programs().map(|(i, _)| i).collect();
        for (k, &i) in entries.iter().enumerate() {
            let res = self
                .prog_pin_path(dir, i)
                .and_then(|path| self.progs.get(i).map_or(Ok(()), |p| p.pin(path.as_deref())));
            if let Err(e) = res {
                let e = log_now(e);
                for &j in entries[..k].iter().rev() {
                    if let (Ok(path), Some(p)) = (self.prog_pin_path(dir, j), self.progs.get(j)) {
                        let _ = p.unpin(path.as_deref());
                    }
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// `bpf_object__unpin_programs`.
    pub fn unpin_programs(&mut self, dir: Option<&str>) -> Result<()> {
        let entries: Vec<usize> = self.programs().map(|(i, _)| i).collect();
        for i in entries {
            let path = self.prog_pin_path(dir, i)?;
            if let Some(p) = self.progs.get(i) {
                p.unpin(path.as_deref())?;
            }
        }
        Ok(())
    }

    /// `bpf_object__pin`: maps, then programs (maps are unpinned again if programs fail).
    pub fn pin(&mut self, dir: Option<&str>) -> Result<()> {
        self.pin_maps(dir)?;
        if let Err(e) = self.pin_programs(dir) {
            let _ = self.unpin_maps(dir);
            return Err(e);
        }
        Ok(())
    }

    /// `bpf_object__unpin`: programs, then maps.
    pub fn unpin(&mut self, dir: Option<&str>) -> Result<()> {
        self.unpin_programs(dir)?;
        self.unpin_maps(dir)
    }
}

/// Log `e` now (as libbpf does at the failing step) and keep only its errno for the caller.
fn log_now(e: Error) -> Error {
    if e.should_log() {
        crate::pr_warn!("{e}");
    }
    Error::quiet(e.errno())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirname_like_libc() {
        for (p, d) in [
            ("/a/b", "/a"),
            ("a", "."),
            ("/a", "/"),
            ("a/b/", "a"),
            ("/", "/"),
            ("", "."),
            ("//x//y//", "//x"),
            ("a//b", "a"),
            ("a/", "."),
            ("a//", "."),
            ("//", "//"),
            ("//x", "//"),
            ("///", "/"),
            ("///x", "/"),
            ("/sys/fs/bpf//x", "/sys/fs/bpf"),
            ("/sys/fs/bpf/x/", "/sys/fs/bpf"),
            ("/sys/fs/bpf/m", "/sys/fs/bpf"),
        ] {
            let c = CString::new(p).unwrap();
            assert_eq!(dirname(&c).to_str().unwrap(), d, "dirname({p:?})");
        }
    }

    #[test]
    fn concat_and_sanitize() {
        let p = pathname_concat("/sys/fs/bpf/x.y", c"obj.bss").unwrap();
        assert_eq!(p.to_str().unwrap(), "/sys/fs/bpf/x.y/obj.bss");
        assert_eq!(sanitize_pin_path(p).to_str().unwrap(), "/sys/fs/bpf/x_y/obj_bss");
        let long = "d".repeat(PATH_MAX - 2);
        assert_eq!(pathname_concat(&long, c"n").unwrap_err().errno(), libc::ENAMETOOLONG);
        assert!(pathname_concat(&"d".repeat(PATH_MAX - 3), c"n").is_ok());
    }

    #[test]
    fn check_path_rejects_non_bpffs() {
        let e = check_path(c"/proc/self/x").unwrap_err();
        assert_eq!(e.errno(), libc::EINVAL);
        assert_eq!(e.message(), "specified path /proc/self/x is not on BPF FS");
        let e = check_path(c"/nonexistent-oxbpf-dir/x").unwrap_err();
        assert_eq!(e.errno(), libc::ENOENT);
        assert!(e.message().starts_with("failed to statfs /nonexistent-oxbpf-dir: "), "{}", e.message());
    }
}
