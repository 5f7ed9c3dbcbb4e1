//! Verifier-log fixups (libbpf's `fixup_verifier_log`): poisoned CO-RE, map and kfunc
//! instructions in the log are explained in place.

use super::{POISON_CALL_KFUNC_BASE, POISON_HELPER, POISON_LDIMM64_MAP_BASE};
use crate::object::relo::RelocKind;
use crate::object::Object;

/// libbpf's `fixup_verifier_log`: among the last 10 lines of a failed load's log, find the
/// verifier's complaint about a poisoned instruction and replace it (in place, within the
/// buffer) with what it means: a failed CO-RE relocation, a map that was not created or a weak
/// kfunc that was not resolved.
pub(super) fn fixup_verifier_log(obj: &Object, prog: usize, buf: &mut [u8]) {
    let Some(log_sz) = buf.iter().position(|&b| b == 0).map(|n| n + 1) else { return };
    // Line starts, from the end: `next` is the start of the line after `cur`.
    let mut next = log_sz - 1;
    for _ in 0..10 {
        let Some(cur) = prev_line(buf, next) else { return };
        let line = &buf[cur..next];
        let starts = |p: &str| line.starts_with(p.as_bytes());
        let kind = if starts("invalid func unknown#195896080\n") {
            1
        } else if starts("invalid func unknown#200100") {
            2
        } else if starts("invalid func unknown#2002") {
            3
        } else {
            next = cur;
            continue;
        };
        let Some(prev) = prev_line(buf, cur) else {
            next = cur;
            continue;
        };
        let line1 = String::from_utf8_lossy(&buf[prev..cur]).into_owned();
        let patch = match kind {
            1 => core_relo_patch(obj, prog, &line1),
            2 => map_patch(obj, &line1),
            _ => kfunc_patch(obj, &line1),
        };
        if let Some(patch) = patch {
            patch_log(buf, log_sz, prev, next - prev, patch.as_bytes());
        }
        return;
    }
}

fn prev_line(buf: &[u8], cur: usize) -> Option<usize> {
    if cur == 0 {
        return None;
    }
    let mut p = cur - 1;
    while p >= 1 && buf[p - 1] != b'\n' {
        p -= 1;
    }
    Some(p)
}

/// "123: (85) call unknown#N\n" → (123, N).
fn parse_call_line(line: &str) -> Option<(i64, i64)> {
    let (idx, rest) = line.split_once(": (")?;
    let idx: i64 = idx.trim().parse().ok()?;
    let (_, rest) = rest.split_once(") call unknown#")?;
    let n: i64 = rest.trim_end_matches('\n').parse().ok()?;
    Some((idx, n))
}

fn core_relo_patch(obj: &Object, prog: usize, line1: &str) -> Option<String> {
    let (insn_idx, n) = parse_call_line(line1)?;
    if n != POISON_HELPER as i64 {
        return None;
    }
    let p = obj.progs.get(prog)?;
    let r = p.relos.iter().find(|r| r.insn_idx as i64 == insn_idx && matches!(r.kind, RelocKind::Core { .. }))?;
    let RelocKind::Core { type_id, access_str_off, kind } = r.kind else { return None };
    let btf = obj.btf.as_deref()?;
    let relo = crate::btf::ext::CoreRelo { insn_off: (insn_idx as u32) * 8, type_id, access_str_off, kind };
    let spec = crate::reloc::core::spec::parse_spec(&p.name.to_string_lossy(), btf, &relo).ok()?;
    let s = crate::reloc::core::spec::format_spec(&spec);
    let (s, more) = if s.len() >= 256 { (&s[..255.min(s.len())], "...") } else { (s.as_str(), "") };
    Some(format!("{insn_idx}: <invalid CO-RE relocation>\nfailed to resolve CO-RE relocation {s}{more}\n"))
}

fn map_patch(obj: &Object, line1: &str) -> Option<String> {
    let (insn_idx, n) = parse_call_line(line1)?;
    let map_idx = n - POISON_LDIMM64_MAP_BASE as i64;
    if map_idx < 0 || map_idx >= obj.maps.len() as i64 {
        return None;
    }
    let m = obj.maps.get(map_idx as usize)?;
    Some(format!(
        "{insn_idx}: <invalid BPF map reference>\nBPF map '{}' is referenced but wasn't created\n",
        m.name.to_string_lossy()
    ))
}

fn kfunc_patch(obj: &Object, line1: &str) -> Option<String> {
    let (insn_idx, n) = parse_call_line(line1)?;
    let ext_idx = n - POISON_CALL_KFUNC_BASE as i64;
    if ext_idx < 0 || ext_idx >= obj.externs.len() as i64 {
        return None;
    }
    let e = obj.externs.get(ext_idx as usize)?;
    Some(format!("{insn_idx}: <invalid kfunc call>\nkfunc '{}' is referenced but wasn't resolved\n", e.name))
}

/// libbpf's `patch_log`: replace `orig_sz` bytes at `orig` with `patch`, shifting the rest of
/// the log (`log_sz` bytes including the NUL) and truncating at the end of the buffer.
fn patch_log(buf: &mut [u8], log_sz: usize, orig: usize, orig_sz: usize, patch: &[u8]) {
    let buf_sz = buf.len();
    let mut rem_sz = log_sz.saturating_sub(orig + orig_sz);
    let mut patch_sz = patch.len();
    if patch_sz != orig_sz {
        if patch_sz > orig_sz {
            if orig + patch_sz >= buf_sz {
                patch_sz -= (orig + patch_sz) - buf_sz + 1;
                rem_sz = 0;
            } else if patch_sz - orig_sz > buf_sz - log_sz {
                rem_sz -= (patch_sz - orig_sz) - (buf_sz - log_sz);
            }
        }
        buf.copy_within(orig + orig_sz..orig + orig_sz + rem_sz, orig + patch_sz);
    }
    buf[orig..orig + patch_sz].copy_from_slice(&patch[..patch_sz]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_log_replaces_in_place() {
        let mut buf = vec![0u8; 128];
        let log = b"a\n12: (85) call unknown#2001000001\ninvalid func unknown#2001000001\nz\n\0";
        buf[..log.len()].copy_from_slice(log);
        let start = 2;
        let end = log.len() - 3; // before "z\n\0"
        patch_log(&mut buf, log.len(), start, end - start, b"P\n");
        assert_eq!(&buf[..7], b"a\nP\nz\n\0");
    }

    #[test]
    fn patch_log_truncates_at_buffer_end() {
        let log = b"x\nshort\n\0";
        let mut buf = log.to_vec();
        buf.resize(12, 0xff);
        patch_log(&mut buf, log.len(), 2, 6, b"a much longer patch\n");
        assert_eq!(buf.len(), 12);
        assert_eq!(&buf[..2], b"x\n");
        assert_eq!(&buf[2..11], b"a much lo");
    }

    #[test]
    fn call_lines_parse_like_sscanf() {
        assert_eq!(parse_call_line("12: (85) call unknown#2001000003\n"), Some((12, 2001000003)));
        assert_eq!(parse_call_line("7: (85) call bpf_map_lookup_elem#1\n"), None);
    }
}
