//! Resolving `.kconfig` externs at load, as libbpf 1.5 does: values are written into the
//! `.kconfig` map's buffer at each extern's offset with libbpf's type rules (bool, tristate,
//! char, integer range, quoted strings) and libbpf's messages. Sources: the virtual `LINUX_*`
//! values (computed by the caller, `externs.rs`), then `CONFIG_*` lines from the `kconfig` open
//! option, then `/boot/config-$(uname -r)` or `/proc/config.gz` (either may be gzipped).
//!
//! Every failure prints libbpf's warning and returns a quiet error: the caller maps it to
//! libbpf's errno for the whole step (`-EINVAL`).

use super::externs::{ExternKind, KcfgType};
use super::Object;
use crate::error::{Error, Result};
use std::io::Read;

/// Where one kcfg value goes and how to interpret it.
struct Slot {
    typ: KcfgType,
    size: u32,
    is_signed: bool,
}

fn in_range(s: &Slot, v: u64) -> bool {
    let bits = s.size * 8;
    if s.size >= 8 {
        return true;
    }
    if s.is_signed {
        v.wrapping_add(1u64 << (bits - 1)) < (1u64 << bits)
    } else {
        v >> bits == 0
    }
}

/// `set_kcfg_value_num`.
fn num_bytes(name: &str, s: &Slot, v: u64) -> Result<Vec<u8>> {
    if !matches!(s.typ, KcfgType::Int | KcfgType::Char | KcfgType::Bool) {
        crate::pr_warn!("extern (kcfg) '{}': value '{}' implies integer, char, or boolean type", name, v);
        return Err(Error::quiet(libc::EINVAL));
    }
    if s.typ == KcfgType::Bool && v > 1 {
        crate::pr_warn!("extern (kcfg) '{}': value '{}' isn't boolean compatible", name, v);
        return Err(Error::quiet(libc::EINVAL));
    }
    if !in_range(s, v) {
        crate::pr_warn!("extern (kcfg) '{}': value '{}' doesn't fit in {} bytes", name, v, s.size);
        return Err(Error::quiet(libc::ERANGE));
    }
    match s.size {
        1 | 2 | 4 | 8 => Ok(v.to_le_bytes()[..s.size as usize].to_vec()),
        _ => Err(Error::quiet(libc::EINVAL)),
    }
}

/// `set_kcfg_value_tri`: 'y', 'n' or 'm'.
fn tri_bytes(name: &str, s: &Slot, c: u8) -> Result<Vec<u8>> {
    let v: u64 = match s.typ {
        KcfgType::Bool if c == b'm' => {
            crate::pr_warn!("extern (kcfg) '{}': value '{}' implies tristate or char type", name, c as char);
            return Err(Error::quiet(libc::EINVAL));
        }
        KcfgType::Bool => (c == b'y') as u64,
        KcfgType::Tristate => match c {
            b'y' => 1,
            b'm' => 2,
            _ => 0,
        },
        KcfgType::Char => c as u64,
        _ => {
            crate::pr_warn!("extern (kcfg) '{}': value '{}' implies bool, tristate, or char type", name, c as char);
            return Err(Error::quiet(libc::EINVAL));
        }
    };
    // bool and char are one byte, the tristate enum four.
    let n = if s.typ == KcfgType::Tristate { 4 } else { 1 };
    Ok(v.to_le_bytes()[..n.min(s.size as usize).max(1)].to_vec())
}

/// `set_kcfg_value_str`: a quoted string, truncated to the array with a warning.
fn str_bytes(name: &str, s: &Slot, value: &str) -> Result<Vec<u8>> {
    if s.typ != KcfgType::CharArr {
        crate::pr_warn!("extern (kcfg) '{}': value '{}' implies char array type", name, value);
        return Err(Error::quiet(libc::EINVAL));
    }
    if !value.ends_with('"') || value.len() < 2 {
        crate::pr_warn!("extern (kcfg) '{}': invalid string config '{}'", name, value);
        return Err(Error::quiet(libc::EINVAL));
    }
    let mut inner = value.as_bytes()[1..value.len() - 1].to_vec();
    if inner.len() >= s.size as usize {
        crate::pr_warn!(
            "extern (kcfg) '{}': long string '{}' of ({} bytes) truncated to {} bytes",
            name,
            value,
            inner.len(),
            s.size - 1
        );
        inner.truncate(s.size as usize - 1);
    }
    // libbpf copies the string and its terminating NUL; bytes after it keep their value.
    inner.push(0);
    Ok(inner)
}

/// `strtoull(value, &end, 0)` that must consume the whole string, with libbpf's messages.
fn parse_u64(value: &str) -> Result<u64> {
    let bad = |msg: String, errno: i32| {
        crate::pr_warn!("{}", msg);
        Error::quiet(errno)
    };
    let v = value.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, v) = match v.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let (radix, digits) = if let Some(h) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        (16, h)
    } else if v.len() > 1 && v.starts_with('0') {
        (8, &v[1..])
    } else {
        (10, v)
    };
    let end = digits.find(|c: char| !c.is_digit(radix)).unwrap_or(digits.len());
    if end == 0 && radix != 8 {
        return Err(bad(format!("failed to parse '{value}' as integer completely"), libc::EINVAL));
    }
    if end != digits.len() {
        return Err(bad(format!("failed to parse '{value}' as integer completely"), libc::EINVAL));
    }
    let n = if end == 0 {
        0
    } else {
        u64::from_str_radix(&digits[..end], radix).map_err(|_| {
            bad(format!("failed to parse '{value}' as integer: {}", crate::error::errstr(libc::ERANGE)), libc::ERANGE)
        })?
    };
    Ok(if neg { n.wrapping_neg() } else { n })
}

/// libbpf's FEAT_SYSCALL_WRAPPER: the one probe ksyscall attach targets also use
/// (`sys::pmu::syscall_wrapper_probe`), cached per process.
pub(super) fn has_syscall_wrapper() -> bool {
    crate::sys::probe::supported(crate::sys::probe::Feature::SyscallWrapper)
}

impl Object {
    fn kcfg_slot(&self, ext: usize) -> Option<(Slot, u32)> {
        match self.externs.get(ext)?.kind {
            ExternKind::Kcfg { typ, size, is_signed, data_off, .. } => Some((Slot { typ, size, is_signed }, data_off)),
            _ => None,
        }
    }

    fn write_kcfg(&mut self, ext: usize, off: u32, bytes: &[u8]) -> Result<()> {
        let idx = self.kconfig_map_idx.ok_or_else(|| Error::inval("kconfig extern without a .kconfig map"))?;
        let m = self.maps.get_mut(idx).ok_or_else(|| Error::inval(".kconfig map vanished"))?;
        m.write_initial_value_at(off as usize, bytes)?;
        self.externs[ext].is_set = true;
        Ok(())
    }

    /// Set numeric kcfg extern `ext` (libbpf's `set_kcfg_value_num`).
    pub(super) fn set_kcfg_num(&mut self, ext: usize, value: u64) -> Result<()> {
        let (slot, off) = self.kcfg_slot(ext).ok_or_else(|| Error::quiet(libc::EINVAL))?;
        let name = self.externs[ext].name.clone();
        let bytes = num_bytes(&name, &slot, value)?;
        self.write_kcfg(ext, off, &bytes)
    }

    /// One Kconfig line (`bpf_object__process_kconfig_line`): `CONFIG_FOO=value`; other lines,
    /// unknown names and externs already set are ignored. On failure, also the line as libbpf
    /// leaves its buffer for the caller's message: whole (no '='), without its newline (no
    /// value), or cut at the '=' (a bad value).
    fn apply_kconfig_line(&mut self, line: &str) -> std::result::Result<(), (Error, String)> {
        if !line.starts_with("CONFIG_") {
            return Ok(());
        }
        let Some((name, value)) = line.split_once('=') else {
            crate::pr_warn!("failed to parse '{}': no separator", line);
            return Err((Error::quiet(libc::EINVAL), line.to_string()));
        };
        let value = value.strip_suffix('\n').unwrap_or(value);
        if value.is_empty() {
            crate::pr_warn!("failed to parse '{}=': no value", name);
            return Err((Error::quiet(libc::EINVAL), format!("{name}=")));
        }
        let cut = |e: Error| (e, name.to_string());
        let Some(ext) = self.externs.iter().position(|e| e.name == name) else { return Ok(()) };
        if self.externs[ext].is_set {
            return Ok(());
        }
        let Some((slot, off)) = self.kcfg_slot(ext) else { return Ok(()) };
        let bytes = match value.as_bytes()[0] {
            c @ (b'y' | b'n' | b'm') => tri_bytes(name, &slot, c).map_err(cut)?,
            b'"' => str_bytes(name, &slot, value).map_err(cut)?,
            _ => {
                let v = parse_u64(value)
                    .inspect_err(|_| {
                        crate::pr_warn!("extern (kcfg) '{}': value '{}' isn't a valid integer", name, value);
                    })
                    .map_err(cut)?;
                if slot.typ != KcfgType::Int && slot.typ != KcfgType::Char {
                    crate::pr_warn!("extern (kcfg) '{}': value '{}' implies integer type", name, value);
                    return Err(cut(Error::quiet(libc::EINVAL)));
                }
                num_bytes(name, &slot, v).map_err(cut)?
            }
        };
        self.write_kcfg(ext, off, &bytes).map_err(cut)?;
        let ((nl, np), (vl, vp)) = (crate::log::cs(name), crate::log::cs(value));
        // SAFETY: (c_int, pointer) of live &str for each `%.*s`.
        unsafe { crate::pr_debug_c!(c"libbpf: extern (kcfg) '%.*s': set to %.*s\n", nl, np, vl, vp) };
        Ok(())
    }

    /// The `kconfig` open option (`bpf_object__read_kconfig_mem`).
    pub(super) fn read_kconfig_mem(&mut self, config: &str) -> Result<()> {
        for line in config.split_inclusive('\n') {
            if let Err((e, buf)) = self.apply_kconfig_line(line) {
                crate::pr_warn!("error parsing in-memory Kconfig line '{}': {}", buf, crate::error::errstr(e.errno()));
                return Err(e);
            }
        }
        Ok(())
    }

    /// The system Kconfig (`bpf_object__read_kconfig_file`).
    pub(super) fn read_kconfig_file(&mut self) -> Result<()> {
        let text = read_kernel_config().ok_or_else(|| {
            crate::pr_warn!("failed to open system Kconfig");
            Error::quiet(libc::ENOENT)
        })?;
        for line in text.split_inclusive('\n') {
            if let Err((e, buf)) = self.apply_kconfig_line(line) {
                crate::pr_warn!("error parsing system Kconfig line '{}': {}", buf, crate::error::errstr(e.errno()));
                return Err(e);
            }
        }
        Ok(())
    }
}

/// `/boot/config-$(uname -r)`, else `/proc/config.gz`; each plain or gzip-compressed (as
/// zlib's gzopen reads both). At most 64 MiB.
fn read_kernel_config() -> Option<String> {
    fn read(path: &str) -> Option<String> {
        let mut raw = Vec::new();
        std::fs::File::open(path).ok()?.take(64 << 20).read_to_end(&mut raw).ok()?;
        if raw.starts_with(&[0x1f, 0x8b]) {
            let mut s = String::new();
            flate2::read::MultiGzDecoder::new(&raw[..]).take(64 << 20).read_to_string(&mut s).ok()?;
            Some(s)
        } else {
            Some(String::from_utf8_lossy(&raw).into_owned())
        }
    }
    read(&format!("/boot/config-{}", crate::sys::kernel::uname_release())).or_else(|| read("/proc/config.gz"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(typ: KcfgType, size: u32, is_signed: bool) -> Slot {
        Slot { typ, size, is_signed }
    }

    #[test]
    fn numbers_follow_strtoull_base_0() {
        assert_eq!(parse_u64("250").unwrap(), 250);
        assert_eq!(parse_u64("0x10").unwrap(), 16);
        assert_eq!(parse_u64("010").unwrap(), 8);
        assert_eq!(parse_u64("0").unwrap(), 0);
        assert_eq!(parse_u64("-1").unwrap(), u64::MAX);
        assert!(parse_u64("12a").is_err());
        assert!(parse_u64("").is_err());
    }

    #[test]
    fn type_rules_match_libbpf() {
        assert!(tri_bytes("CONFIG_X", &slot(KcfgType::Bool, 1, false), b'm').is_err());
        assert_eq!(tri_bytes("CONFIG_X", &slot(KcfgType::Tristate, 4, false), b'm').unwrap(), vec![2, 0, 0, 0]);
        assert_eq!(tri_bytes("CONFIG_X", &slot(KcfgType::Char, 1, false), b'y').unwrap(), vec![b'y']);
        assert!(tri_bytes("CONFIG_X", &slot(KcfgType::Int, 4, false), b'y').is_err());
        assert_eq!(num_bytes("CONFIG_HZ", &slot(KcfgType::Int, 4, false), 250).unwrap(), vec![250, 0, 0, 0]);
        assert_eq!(num_bytes("X", &slot(KcfgType::Int, 1, false), 256).unwrap_err().errno(), libc::ERANGE);
        assert!(num_bytes("X", &slot(KcfgType::Int, 1, true), (-1i64) as u64).is_ok());
        assert_eq!(str_bytes("X", &slot(KcfgType::CharArr, 4, false), "\"abcdef\"").unwrap(), b"abc\0".to_vec());
        assert_eq!(str_bytes("X", &slot(KcfgType::CharArr, 8, false), "\"ab\"").unwrap(), b"ab\0".to_vec());
        assert!(str_bytes("X", &slot(KcfgType::Int, 4, false), "\"a\"").is_err());
    }
}
