//! Getting BTF from files: raw BTF (sysfs), ELF objects (`.BTF`, `.BTF.ext`, `.BTF.base`), the
//! running kernel's vmlinux BTF (parsed once per process) and module split BTF.

use super::{Btf, BtfExt, Kind, BTF_MAGIC};
use crate::error::{Error, Result};
use crate::sys::file_map::MappedFile;
use object::{Object, ObjectSection};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

const SYSFS_VMLINUX: &str = "/sys/kernel/btf/vmlinux";

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(format!("BTF: cannot read '{}'", path.display()), &e))
}

/// Whether `data` starts with the BTF magic in either byte order (libbpf's test for raw BTF).
fn looks_raw(data: &[u8]) -> bool {
    data.len() >= 2 && {
        let m = u16::from_ne_bytes([data[0], data[1]]);
        m == BTF_MAGIC || m == BTF_MAGIC.swap_bytes()
    }
}

/// libbpf's first checks of a raw BTF file: at least 2 bytes (`EIO`), starting with the BTF
/// magic in either byte order (`EPROTO`).
fn check_raw(data: &[u8], path: &Path) -> Result<()> {
    if data.len() < 2 {
        return Err(Error::new(libc::EIO, format!("BTF: '{}' is too short to hold BTF", path.display())));
    }
    if !looks_raw(data) {
        return Err(Error::new(libc::EPROTO, format!("BTF: '{}' is not raw BTF (no BTF magic)", path.display())));
    }
    Ok(())
}

fn section<'d>(file: &object::File<'d>, name: &str) -> Result<Option<&'d [u8]>> {
    let Some(s) = file.section_by_name(name) else { return Ok(None) };
    let data = s
        .uncompressed_data()
        .map_err(|e| Error::format(format!("ELF section {name}: {e} (compressed sections are not supported)")))?;
    match data {
        std::borrow::Cow::Borrowed(d) => Ok(Some(d)),
        std::borrow::Cow::Owned(_) => Err(Error::notsup(format!("ELF section {name} is compressed; not supported"))),
    }
}

impl Btf {
    /// Parse a file holding raw BTF (as in `/sys/kernel/btf/*`). Not starting with the BTF magic
    /// is `EPROTO` (libbpf's "definitely not raw BTF").
    pub fn parse_raw_file(path: impl AsRef<Path>, base: Option<Arc<Btf>>) -> Result<Btf> {
        let path = path.as_ref();
        let data = read(path)?;
        check_raw(&data, path)?;
        Btf::parse_with(&data, base).map_err(|e| e.context(path.display()))
    }

    /// [`Btf::parse_raw_file`], borrowing the bytes from a read-only mapping of the file when
    /// the file can be mapped (sysfs vmlinux BTF on Linux 6.16+), else reading it.
    fn parse_raw_file_mapped(path: &Path, base: Option<Arc<Btf>>) -> Result<Btf> {
        let map = match std::fs::File::open(path).and_then(|f| MappedFile::map(&f)) {
            Ok(m) => m,
            Err(_) => return Btf::parse_raw_file(path, base),
        };
        check_raw(map.bytes(), path)?;
        Btf::parse_mapped(Arc::new(map), base).map_err(|e| e.context(path.display()))
    }

    /// `.BTF` (and `.BTF.ext` if `want_ext`) of an ELF image. A `.BTF.base` section (distilled
    /// base) becomes the base when `base` is `None`; relocating onto another base is not supported.
    /// The pointer size is taken from the ELF class.
    pub fn parse_elf(data: &[u8], base: Option<Arc<Btf>>, want_ext: bool) -> Result<(Btf, Option<BtfExt>)> {
        let file = object::File::parse(data).map_err(|e| Error::format(format!("not a valid ELF file: {e}")))?;
        if file.is_little_endian() != cfg!(target_endian = "little") {
            return Err(Error::notsup("ELF file has non-native byte order; not supported"));
        }
        let btf_data =
            section(&file, ".BTF")?.ok_or_else(|| Error::new(libc::ENODATA, "ELF file has no '.BTF' section"))?;
        let base = match (section(&file, ".BTF.base")?, base) {
            (Some(_), Some(_)) => return Err(Error::notsup(
                "ELF file carries a distilled base (.BTF.base); relocating it onto another base BTF is not supported",
            )),
            (Some(d), None) => Some(Arc::new(Btf::parse(d).map_err(|e| e.context(".BTF.base"))?)),
            (None, b) => b,
        };
        let mut btf = Btf::parse_with(btf_data, base)?;
        btf.set_pointer_size(if file.is_64() { 8 } else { 4 })?;
        let ext = match (want_ext, section(&file, ".BTF.ext")?) {
            (true, Some(d)) => Some(BtfExt::parse(d, &btf)?),
            _ => None,
        };
        Ok((btf, ext))
    }

    /// [`Btf::parse_elf`] on a file.
    pub fn parse_elf_file(
        path: impl AsRef<Path>,
        base: Option<Arc<Btf>>,
        want_ext: bool,
    ) -> Result<(Btf, Option<BtfExt>)> {
        let path = path.as_ref();
        Btf::parse_elf(&read(path)?, base, want_ext).map_err(|e| e.context(path.display()))
    }

    /// Raw BTF or an ELF file, whichever `path` holds (libbpf's `btf__parse`).
    pub fn parse_file(path: impl AsRef<Path>, base: Option<Arc<Btf>>, want_ext: bool) -> Result<(Btf, Option<BtfExt>)> {
        let path = path.as_ref();
        let data = read(path)?;
        if looks_raw(&data) {
            Ok((Btf::parse_with(&data, base).map_err(|e| e.context(path.display()))?, None))
        } else {
            Btf::parse_elf(&data, base, want_ext).map_err(|e| e.context(path.display()))
        }
    }

    /// The running kernel's BTF: `/sys/kernel/btf/vmlinux`, or if that is missing the on-disk
    /// vmlinux images libbpf also tries. Parsed once per process and shared; a failure is not
    /// cached (the next call tries again). Each call logs libbpf's `loaded kernel BTF from`
    /// line, as libbpf's `btf__load_vmlinux_btf` (which reads the file every time) does.
    pub fn vmlinux() -> Result<Arc<Btf>> {
        Self::vmlinux_shared(true)
    }

    /// [`Btf::vmlinux`] without the debug line on a cache hit: for reusing the BTF an earlier
    /// call loaded (libbpf keeps that pointer and says nothing).
    pub fn vmlinux_cached() -> Result<Arc<Btf>> {
        Self::vmlinux_shared(false)
    }

    fn vmlinux_shared(log_hit: bool) -> Result<Arc<Btf>> {
        let mut slot = VMLINUX.lock();
        if let Some(b) = &*slot {
            if log_hit && Path::new(SYSFS_VMLINUX).exists() {
                log_loaded_vmlinux();
            }
            return Ok(b.clone());
        }
        let btf = Arc::new(load_vmlinux()?);
        *slot = Some(btf.clone());
        Ok(btf)
    }

    /// The CO-RE candidates (ids) in this BTF of a local type of kind `kind` whose essential
    /// name is `essent`, as `search` finds them. When `self` is the shared vmlinux BTF (of
    /// [`Btf::vmlinux`]), whose candidates depend on nothing else, lists are kept for the life of
    /// the process and a later load skips the search; [`VMLINUX_CANDS_MAX`] bounds how many.
    pub(crate) fn vmlinux_core_cands(&self, kind: Kind, essent: &str, search: impl FnOnce() -> Vec<u32>) -> Vec<u32> {
        let shared = VMLINUX.lock().as_deref().is_some_and(|v| std::ptr::eq(v, self));
        if !shared {
            return search();
        }
        let mut cache = VMLINUX_CANDS.lock();
        let cache = cache.get_or_insert_with(Default::default);
        if let Some(ids) = cache.get(essent).and_then(|l| l.iter().find(|(k, _)| *k == kind)) {
            return ids.1.to_vec();
        }
        let ids = search();
        if cache.len() < VMLINUX_CANDS_MAX || cache.contains_key(essent) {
            cache.entry(essent.into()).or_default().push((kind, ids.as_slice().into()));
        }
        ids
    }

    /// Number of essential names whose vmlinux candidates [`Btf::vmlinux_core_cands`] keeps.
    #[doc(hidden)]
    pub fn vmlinux_core_cands_kept() -> usize {
        VMLINUX_CANDS.lock().as_ref().map_or(0, |c| c.len())
    }

    /// A kernel module's split BTF from `/sys/kernel/btf/<module>` on top of `vmlinux`.
    pub fn load_module(module: &str, vmlinux: Arc<Btf>) -> Result<Btf> {
        if module.is_empty() || module.contains('/') || module.starts_with('.') {
            return Err(Error::inval(format!("BTF: invalid module name '{module}'")));
        }
        Btf::parse_raw_file(Path::new("/sys/kernel/btf").join(module), Some(vmlinux))
    }
}

/// The running kernel's BTF, parsed once per process ([`Btf::vmlinux`]); never replaced once set.
static VMLINUX: Mutex<Option<Arc<Btf>>> = Mutex::new(None);

/// CO-RE candidate lists in the shared vmlinux BTF ([`Btf::vmlinux_core_cands`]): essential name
/// -> (local kind, candidate ids). Only names of types some loaded object relocates get here;
/// at most [`VMLINUX_CANDS_MAX`] names (a few hundred bytes each at most: a name, a kind, and
/// the ids, almost always one), after which new names are searched every time.
static VMLINUX_CANDS: Mutex<Option<CandLists>> = Mutex::new(None);

/// Essential name -> (local kind, candidate ids) of [`VMLINUX_CANDS`].
type CandLists = HashMap<Box<str>, Vec<(Kind, Box<[u32]>)>>;

/// Bound of [`VMLINUX_CANDS`]: names kept.
pub(crate) const VMLINUX_CANDS_MAX: usize = 512;

// libbpf's line for a vmlinux BTF loaded (or found loaded): a C format, formatted only by a
// callback that prints debug lines.
fn log_loaded_vmlinux() {
    let (pl, pp) = crate::log::cs(SYSFS_VMLINUX);
    // SAFETY: (c_int, pointer) of a live &str for `%.*s`.
    unsafe { crate::pr_debug_c!(c"libbpf: loaded kernel BTF from '%.*s'\n", pl, pp) };
}

fn load_vmlinux() -> Result<Btf> {
    if Path::new(SYSFS_VMLINUX).exists() {
        let btf = Btf::parse_raw_file_mapped(Path::new(SYSFS_VMLINUX), None)?;
        log_loaded_vmlinux();
        return Ok(btf);
    }
    crate::pr_warn!("kernel BTF is missing at '{SYSFS_VMLINUX}', was CONFIG_DEBUG_INFO_BTF enabled?");
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let r = release.trim();
    let candidates = [
        format!("/boot/vmlinux-{r}"),
        format!("/lib/modules/{r}/vmlinux-{r}"),
        format!("/lib/modules/{r}/build/vmlinux"),
        format!("/usr/lib/modules/{r}/kernel/vmlinux"),
        format!("/usr/lib/debug/boot/vmlinux-{r}"),
        format!("/usr/lib/debug/boot/vmlinux-{r}.debug"),
        format!("/usr/lib/debug/lib/modules/{r}/vmlinux"),
    ];
    for p in candidates.iter().filter(|p| !r.is_empty() && Path::new(p).exists()) {
        match Btf::parse_file(p, None, false) {
            Ok((b, _)) => return Ok(b),
            Err(e) => crate::pr_debug!("failed to read kernel BTF from '{p}': {e}"),
        }
    }
    Err(Error::new(libc::ESRCH, "failed to find valid kernel BTF"))
}
