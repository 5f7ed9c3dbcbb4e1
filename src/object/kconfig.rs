//! Resolving `.kconfig` externs at load: libbpf's virtual `LINUX_*` values, then Kconfig lines
//! from `opts.kconfig`, then `/boot/config-$(uname -r)` or `/proc/config.gz`. Values are written
//! into the `.kconfig` map's buffer at each extern's offset, with libbpf's type rules (bool,
//! tristate, char, integer range, quoted strings).

use super::externs::{ExternKind, KcfgType};
use super::Object;
use crate::error::{Error, Result};
use std::io::Read;

/// Where one kcfg value goes and how to interpret it.
struct Slot {
    typ: KcfgType,
    size: u32,
    is_signed: bool,
    off: u32,
}

fn in_range(s: &Slot, v: u64) -> bool {
    let bits = s.size * 8;
    if s.size == 8 {
        return true;
    }
    if s.is_signed {
        v.wrapping_add(1u64 << (bits - 1)) < (1u64 << bits)
    } else {
        v >> bits == 0
    }
}

fn num_bytes(name: &str, s: &Slot, v: u64) -> Result<Vec<u8>> {
    if !matches!(s.typ, KcfgType::Int | KcfgType::Char | KcfgType::Bool) {
        return Err(Error::inval(format!("extern (kcfg) '{name}': value '{v}' implies integer, char, or boolean type")));
    }
    if s.typ == KcfgType::Bool && v > 1 {
        return Err(Error::inval(format!("extern (kcfg) '{name}': value '{v}' isn't boolean compatible")));
    }
    if !in_range(s, v) {
        return Err(Error::new(libc::ERANGE, format!("extern (kcfg) '{name}': value '{v}' doesn't fit in {} bytes", s.size)));
    }
    match s.size {
        1 | 2 | 4 | 8 => Ok(v.to_le_bytes()[..s.size as usize].to_vec()),
        _ => Err(Error::inval(format!("extern (kcfg) '{name}': unsupported size {}", s.size))),
    }
}

fn tri_bytes(name: &str, s: &Slot, c: u8) -> Result<Vec<u8>> {
    let v: u64 = match s.typ {
        KcfgType::Bool if c == b'm' => {
            return Err(Error::inval(format!("extern (kcfg) '{name}': value 'm' implies tristate or char type")))
        }
        KcfgType::Bool => (c == b'y') as u64,
        KcfgType::Tristate => match c {
            b'y' => 1,
            b'm' => 2,
            _ => 0,
        },
        KcfgType::Char => c as u64,
        _ => {
            return Err(Error::inval(format!(
                "extern (kcfg) '{name}': value '{}' implies bool, tristate, or char type",
                c as char
            )))
        }
    };
    Ok(v.to_le_bytes()[..s.size as usize].to_vec())
}

fn str_bytes(name: &str, s: &Slot, value: &str) -> Result<Vec<u8>> {
    if s.typ != KcfgType::CharArr {
        return Err(Error::inval(format!("extern (kcfg) '{name}': value '{value}' implies char array type")));
    }
    if value.len() < 2 || !value.ends_with('"') {
        return Err(Error::inval(format!("extern (kcfg) '{name}': invalid string config '{value}'")));
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
    inner.resize(s.size as usize, 0);
    Ok(inner)
}

/// strtoull(value, &end, 0) that must consume the whole string.
fn parse_u64(value: &str) -> Option<u64> {
    let v = value.trim_end();
    let (neg, v) = match v.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let n = if let Some(h) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if v.len() > 1 && v.starts_with('0') {
        u64::from_str_radix(&v[1..], 8).ok()?
    } else {
        v.parse::<u64>().ok()?
    };
    Some(if neg { n.wrapping_neg() } else { n })
}

impl Object {
    fn kcfg_slot(&self, name: &str) -> Option<(usize, Slot)> {
        self.externs.iter().enumerate().find_map(|(i, e)| match e.kind {
            ExternKind::Kcfg { typ, size, is_signed, data_off, .. } if e.name == name => {
                Some((i, Slot { typ, size, is_signed, off: data_off }))
            }
            _ => None,
        })
    }

    fn write_kcfg(&mut self, ext: usize, off: u32, bytes: &[u8]) -> Result<()> {
        let idx = self.kconfig_map_idx.ok_or_else(|| Error::inval("kconfig extern without a .kconfig map"))?;
        let m = self.maps.get_mut(idx).ok_or_else(|| Error::inval(".kconfig map vanished"))?;
        m.write_initial_value_at(off as usize, bytes)?;
        self.externs[ext].is_set = true;
        Ok(())
    }

    /// One `CONFIG_FOO=value` line (others are ignored).
    fn apply_kconfig_line(&mut self, line: &str) -> Result<()> {
        let line = line.trim_end_matches('\n');
        if !line.starts_with("CONFIG_") {
            return Ok(());
        }
        let (name, value) =
            line.split_once('=').ok_or_else(|| Error::inval(format!("failed to parse '{line}': no separator")))?;
        if value.is_empty() {
            return Err(Error::inval(format!("failed to parse '{line}': no value")));
        }
        let Some((ext, slot)) = self.kcfg_slot(name) else { return Ok(()) };
        if self.externs[ext].is_set {
            return Ok(());
        }
        let bytes = match value.as_bytes()[0] {
            c @ (b'y' | b'n' | b'm') => tri_bytes(name, &slot, c)?,
            b'"' => str_bytes(name, &slot, value)?,
            _ => {
                let v = parse_u64(value)
                    .ok_or_else(|| Error::inval(format!("extern (kcfg) '{name}': value '{value}' isn't a valid integer")))?;
                if slot.typ != KcfgType::Int && slot.typ != KcfgType::Char {
                    return Err(Error::inval(format!("extern (kcfg) '{name}': value '{value}' implies integer type")));
                }
                num_bytes(name, &slot, v)?
            }
        };
        self.write_kcfg(ext, slot.off, &bytes)?;
        crate::pr_debug!("extern (kcfg) '{}': set to {}", name, value);
        Ok(())
    }

    fn kconfig_unset(&self) -> bool {
        self.externs.iter().any(|e| matches!(e.kind, ExternKind::Kcfg { .. }) && !e.is_set)
    }

    /// Resolve every `.kconfig` extern (ksyms are resolved by the caller against kernel BTF
    /// and kallsyms).
    pub(super) fn resolve_kconfig(&mut self) -> Result<()> {
        let mut need_config = false;
        for i in 0..self.externs.len() {
            let name = self.externs[i].name.clone();
            let ExternKind::Kcfg { typ, size, is_signed, data_off, .. } = self.externs[i].kind else { continue };
            if name.starts_with("CONFIG_") {
                need_config = true;
                continue;
            }
            let value = match name.as_str() {
                "LINUX_KERNEL_VERSION" => super::running_kernel_version() as u64,
                "LINUX_HAS_BPF_COOKIE" => crate::sys::probe::supported(crate::sys::probe::Feature::BpfCookie) as u64,
                "LINUX_HAS_SYSCALL_WRAPPER" => crate::sys::probe::supported(crate::sys::probe::Feature::SyscallWrapper) as u64,
                _ if !name.starts_with("LINUX_") || !self.externs[i].is_weak => {
                    return Err(Error::inval(format!("extern (kcfg) '{name}': unrecognized virtual extern")));
                }
                _ => continue,
            };
            let bytes = num_bytes(&name, &Slot { typ, size, is_signed, off: data_off }, value)?;
            self.write_kcfg(i, data_off, &bytes)?;
            crate::pr_debug!("extern (kcfg) '{}': set to 0x{:x}", name, value);
        }
        if need_config {
            if let Some(extra) = self.opts.kconfig.clone() {
                for line in extra.lines() {
                    self.apply_kconfig_line(line).map_err(|e| e.context("failed to parse the kconfig option"))?;
                }
            }
        }
        if need_config && self.kconfig_unset() {
            let text = read_kernel_config()?;
            for line in text.lines() {
                self.apply_kconfig_line(line)?;
            }
        }
        Ok(())
    }
}

/// `/boot/config-$(uname -r)`, else `/proc/config.gz`.
fn read_kernel_config() -> Result<String> {
    let release = super::uname_release();
    let boot = format!("/boot/config-{release}");
    if let Ok(s) = std::fs::read_to_string(&boot) {
        return Ok(s);
    }
    let gz = std::fs::File::open("/proc/config.gz")
        .map_err(|e| Error::io(format!("failed to open system Kconfig ({boot} or /proc/config.gz)"), &e))?;
    let mut s = String::new();
    flate2::read::GzDecoder::new(gz)
        .take(64 << 20)
        .read_to_string(&mut s)
        .map_err(|e| Error::io("failed to read /proc/config.gz", &e))?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(typ: KcfgType, size: u32, is_signed: bool) -> Slot {
        Slot { typ, size, is_signed, off: 0 }
    }

    #[test]
    fn numbers_follow_strtoull_base_0() {
        assert_eq!(parse_u64("250"), Some(250));
        assert_eq!(parse_u64("0x10"), Some(16));
        assert_eq!(parse_u64("010"), Some(8));
        assert_eq!(parse_u64("-1"), Some(u64::MAX));
        assert_eq!(parse_u64("12a"), None);
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
        assert!(str_bytes("X", &slot(KcfgType::Int, 4, false), "\"a\"").is_err());
    }
}
