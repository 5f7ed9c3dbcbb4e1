//! Writing a computed CO-RE result into the instruction (libbpf's `bpf_core_patch_insn`).
//!
//! Relocatable instruction forms:
//! * `rX = imm`, `rX op= imm` (ALU/ALU64 with an immediate): `imm`;
//! * `rX = imm64` (`ld_imm64`, two slots): both halves of the immediate;
//! * `rX = *(T *)(rY + off)`, `*(T *)(rX + off) = rY | imm` (LDX/STX/ST): `off`, and the access
//!   size when the field changed size in a way that a load can follow.

use super::{CoreOutcome, CoreReloRes};
use crate::error::{Error, Result};
use crate::uapi::*;

/// The helper id a poisoned instruction calls: `0xbad2310` ("bad relo"). The verifier reports
/// `invalid func unknown#195896080` if such an instruction is reachable.
pub const POISON_CALL_IMM: i32 = 0xbad2310;

fn load(insns: &[u64], i: usize) -> Option<BpfInsn> {
    insns.get(i).map(|w| BpfInsn::from_array(w.to_le_bytes()))
}

fn store(insns: &mut [u64], i: usize, insn: BpfInsn) {
    if let Some(w) = insns.get_mut(i) {
        *w = u64::from_le_bytes(insn.to_array());
    }
}

fn poison_one(prog: &str, relo_idx: usize, insns: &mut [u64], i: usize) {
    let (pl, pp) = crate::log::cs(prog);
    // SAFETY: (c_int, pointer) of a live &str for `%.*s`, usize for each `%zu`.
    unsafe {
        crate::pr_debug_c!(
            c"libbpf: prog '%.*s': relo #%zu: substituting insn #%zu w/ invalid insn\n",
            pl,
            pp,
            relo_idx,
            i
        )
    };
    store(insns, i, BpfInsn::new(BPF_JMP | BPF_CALL, 0, 0, 0, POISON_CALL_IMM));
}

/// Replace insn `i` (and the second slot of an `ld_imm64`, so the verifier doesn't complain about
/// a stray `code 0`) with the invalid helper call.
fn poison(prog: &str, relo_idx: usize, insns: &mut [u64], i: usize, reason: String) -> Result<CoreOutcome> {
    let insn = load(insns, i).ok_or_else(|| past_end(prog, relo_idx, i, insns.len()))?;
    if insn.is_ld_imm64() {
        if i + 1 >= insns.len() {
            return Err(Error::inval(format!(
                "prog '{prog}': relo #{relo_idx}: ld_imm64 at insn #{i} lacks its second slot"
            )));
        }
        poison_one(prog, relo_idx, insns, i + 1);
    }
    poison_one(prog, relo_idx, insns, i);
    Ok(CoreOutcome::Poisoned { reason })
}

fn past_end(prog: &str, relo_idx: usize, i: usize, n: usize) -> Error {
    Error::inval(format!("prog '{prog}': relo #{relo_idx}: insn #{i} is past the end of the program ({n} insns)"))
}

fn size_bytes(code: u8) -> i32 {
    match code & BPF_SIZE_MASK {
        BPF_DW => 8,
        BPF_W => 4,
        BPF_H => 2,
        _ => 1, // BPF_B; the mask leaves no other value
    }
}

fn bytes_to_size(sz: u32) -> Option<u8> {
    Some(match sz {
        8 => BPF_DW,
        4 => BPF_W,
        2 => BPF_H,
        1 => BPF_B,
        _ => return None,
    })
}

/// Patch instruction `insn_idx` of `insns` with `res` (or poison it), after checking that it holds
/// `res.orig_val` when `res.validate`. Log lines and error texts follow libbpf's.
pub fn patch_insn(
    prog: &str,
    insns: &mut [u64],
    insn_idx: usize,
    relo_idx: usize,
    res: &CoreReloRes,
) -> Result<CoreOutcome> {
    let mut insn = load(insns, insn_idx).ok_or_else(|| past_end(prog, relo_idx, insn_idx, insns.len()))?;
    if res.poison {
        return poison(prog, relo_idx, insns, insn_idx, format!("no matching target for {}", res.local_spec));
    }
    let (orig_val, new_val) = (res.orig_val, res.new_val);
    let fail = |msg: String| {
        crate::pr_warn!("prog '{prog}': relo #{relo_idx}: {msg}");
        Error::inval(format!("prog '{prog}': relo #{relo_idx}: {msg} ({})", res.local_spec))
    };

    match insn.class() {
        BPF_ALU | BPF_ALU64 => {
            if insn.code & BPF_SRC_MASK != BPF_K {
                return Err(Error::inval(format!(
                    "prog '{prog}': relo #{relo_idx}: insn #{insn_idx} (ALU/ALU64) has a register operand, not an immediate"
                )));
            }
            // `imm` is compared sign-extended, as C compares an `__s32` with a `__u64`
            if res.validate && insn.imm as i64 as u64 != orig_val {
                return Err(fail(format!(
                    "unexpected insn #{insn_idx} (ALU/ALU64) value: got {}, exp {orig_val} -> {new_val}",
                    insn.imm as u32
                )));
            }
            let old = insn.imm as i64;
            insn.imm = new_val as i32;
            store(insns, insn_idx, insn);
            let (pl, pp) = crate::log::cs(prog);
            // SAFETY: (c_int, pointer) of a live &str for `%.*s`, usize for each `%zu`, u64 for
            // each `%llu`.
            unsafe {
                crate::pr_debug_c!(
                    c"libbpf: prog '%.*s': relo #%zu: patched insn #%zu (ALU/ALU64) imm %llu -> %llu\n",
                    pl,
                    pp,
                    relo_idx,
                    insn_idx,
                    old as u64,
                    new_val
                )
            };
        }
        BPF_LDX | BPF_ST | BPF_STX => {
            if res.validate && insn.off as i64 as u64 != orig_val {
                return Err(fail(format!(
                    "unexpected insn #{insn_idx} (LDX/ST/STX) value: got {}, exp {orig_val} -> {new_val}",
                    insn.off as i32 as u32
                )));
            }
            if new_val > i16::MAX as u64 {
                crate::pr_warn!(
                    "prog '{prog}': relo #{relo_idx}: insn #{insn_idx} (LDX/ST/STX) value too big: {new_val}"
                );
                return Err(Error::new(
                    libc::ERANGE,
                    format!("prog '{prog}': relo #{relo_idx}: insn #{insn_idx} (LDX/ST/STX) offset {new_val} does not fit in 16 bits ({})", res.local_spec),
                ));
            }
            if res.fail_memsz_adjust {
                let msg = format!(
                    "insn #{insn_idx} (LDX/ST/STX) accesses field incorrectly. Make sure you are accessing pointers, unsigned integers, or fields of matching type and size."
                );
                crate::pr_warn!("prog '{prog}': relo #{relo_idx}: {msg}");
                return poison(
                    prog,
                    relo_idx,
                    insns,
                    insn_idx,
                    format!("field size changed from {} to {} bytes: {msg}", res.orig_sz, res.new_sz),
                );
            }
            let old = insn.off as i64 as u64;
            insn.off = new_val as i16;
            let (pl, pp) = crate::log::cs(prog);
            // SAFETY: (c_int, pointer) of a live &str for `%.*s`, usize for each `%zu`, u64 for
            // each `%llu`.
            unsafe {
                crate::pr_debug_c!(
                    c"libbpf: prog '%.*s': relo #%zu: patched insn #%zu (LDX/ST/STX) off %llu -> %llu\n",
                    pl,
                    pp,
                    relo_idx,
                    insn_idx,
                    old,
                    new_val
                )
            };
            if res.new_sz != res.orig_sz {
                let have = size_bytes(insn.code);
                if have as i64 != res.orig_sz as i64 {
                    return Err(fail(format!(
                        "insn #{insn_idx} (LDX/ST/STX) unexpected mem size: got {have}, exp {}",
                        res.orig_sz
                    )));
                }
                let Some(sz) = bytes_to_size(res.new_sz) else {
                    return Err(fail(format!("insn #{insn_idx} (LDX/ST/STX) invalid new mem size: {}", res.new_sz)));
                };
                insn.code = (insn.code & BPF_MODE_MASK) | sz | insn.class();
                // SAFETY: (c_int, pointer) of a live &str for `%.*s`, usize for each `%zu`, u32
                // for each `%u`.
                unsafe {
                    crate::pr_debug_c!(
                        c"libbpf: prog '%.*s': relo #%zu: patched insn #%zu (LDX/ST/STX) mem_sz %u -> %u\n",
                        pl,
                        pp,
                        relo_idx,
                        insn_idx,
                        res.orig_sz,
                        res.new_sz
                    )
                };
            }
            store(insns, insn_idx, insn);
        }
        BPF_LD => {
            let second = load(insns, insn_idx + 1);
            let well_formed = insn.is_ld_imm64()
                && insn.src() == 0
                && insn.off == 0
                && second.is_some_and(|s| s.code == 0 && s.dst() == 0 && s.src() == 0 && s.off == 0);
            let (Some(mut second), true) = (second, well_formed) else {
                return Err(fail(format!("insn #{insn_idx} (LDIMM64) has unexpected form")));
            };
            let imm = insn.imm as u32 as u64 | ((second.imm as u32 as u64) << 32);
            if res.validate && imm != orig_val {
                return Err(fail(format!(
                    "unexpected insn #{insn_idx} (LDIMM64) value: got {imm}, exp {orig_val} -> {new_val}"
                )));
            }
            insn.imm = new_val as u32 as i32;
            second.imm = (new_val >> 32) as u32 as i32;
            store(insns, insn_idx, insn);
            store(insns, insn_idx + 1, second);
            let (pl, pp) = crate::log::cs(prog);
            // SAFETY: (c_int, pointer) of a live &str for `%.*s`, usize for each `%zu`, u64 for
            // each `%llu`.
            unsafe {
                crate::pr_debug_c!(
                    c"libbpf: prog '%.*s': relo #%zu: patched insn #%zu (LDIMM64) imm64 %llu -> %llu\n",
                    pl,
                    pp,
                    relo_idx,
                    insn_idx,
                    imm,
                    new_val
                )
            };
        }
        _ => {
            return Err(fail(format!(
                "trying to relocate unrecognized insn #{insn_idx}, code:0x{:x}, src:0x{:x}, dst:0x{:x}, off:0x{:x}, imm:0x{:x}",
                insn.code,
                insn.src(),
                insn.dst(),
                insn.off as i32 as u32,
                insn.imm as u32
            )));
        }
    }
    Ok(CoreOutcome::Patched)
}
