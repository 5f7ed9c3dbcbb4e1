//! Typed data as C initializer text, with libbpf 1.5's `btf_dump__dump_type_data` semantics.
//!
//! The value at `data` of type `id` is printed the way libbpf prints it — `(struct foo){` …
//! `.member = (int)5,` … `}` — including its rules on which zero members are left out, on char
//! arrays (`'a','b','\0'`), bitfields (`0x…`), enums (the enumerator's name, else the number),
//! pointers (`%p`, so alignment of the caller's buffer matters as it does for libbpf), and its
//! errors: `-E2BIG` when a base value (int, float, pointer, enum) would lie past the end of the
//! data, `-EINVAL` for sizes it cannot print, `-ENOTSUP` for kinds without a value.
//!
//! Reads never go past the caller's buffer. Where libbpf would read beyond it without a check
//! (a nested member's zero test, high bytes of a bitfield's storage unit), missing bytes count
//! as non-zero in zero tests (so the member is printed and its base values then fail with
//! `-E2BIG`) and as zero bits in a bitfield's storage unit (bits the value never uses).

use super::cdump::*;
use super::Btf;

type R<T> = std::result::Result<T, i32>;

/// The work one `dump_type_data` may do, counted in values visited and indentation bytes
/// written: a fixed allowance plus an allowance per data byte. A real type visits each data
/// byte a few times (once per nesting level and union member), far below this.
const WORK_BUDGET_BASE: u64 = 1 << 22;
const WORK_BUDGET_PER_BYTE: u64 = 256;

use libc::{E2BIG, EINVAL, ENODATA, ENOTSUP};

extern "C" {
    /// csrc/print_shim.c: snprintf of a float/double/long double (%f, %lf, %Lf) read from
    /// `size` bytes, so the text is exactly the C library's.
    fn oxbpf_shim_fmt_float(
        buf: *mut std::ffi::c_char,
        len: usize,
        bytes: *const u8,
        size: std::ffi::c_int,
    ) -> std::ffi::c_int;
}

/// C `isprint` in the C locale.
fn isprint(c: u8) -> bool {
    (0x20..0x7f).contains(&c)
}

fn bytes(data: &[u8], pos: usize, n: usize) -> Option<&[u8]> {
    data.get(pos..pos.checked_add(n)?)
}

/// Little-endian value of up to 8 bytes at `pos`; bytes past the data read as zero.
fn le_partial(data: &[u8], pos: usize, n: usize) -> u64 {
    let mut v = 0u64;
    for i in (0..n.min(8)).rev() {
        let b = pos.checked_add(i).and_then(|p| data.get(p)).copied().unwrap_or(0);
        v = (v << 8) | b as u64;
    }
    v
}

fn le(b: &[u8]) -> u64 {
    let mut v = 0u64;
    for &x in b.iter().rev() {
        v = (v << 8) | x as u64;
    }
    v
}

impl CDump {
    /// `btf_dump__dump_type_data`: print the value of type `id` in `data` (the caller's bytes,
    /// found at address `addr`). Returns the type's size, or a positive errno.
    pub fn dump_type_data(&mut self, btf: &Btf, id: u32, data: &[u8], addr: usize, opts: &DataOpts) -> R<i32> {
        self.grow(btf);
        self.begin_call();
        let mut indent = opts.indent_str.clone().unwrap_or_else(|| b"\t".to_vec());
        indent.truncate(31);
        self.typed = Typed {
            indent_lvl: opts.indent_level as u8,
            indent_str: indent,
            compact: opts.compact,
            skip_names: opts.skip_names,
            emit_zeroes: opts.emit_zeroes,
            emit_strings: opts.emit_strings,
            depth: 0,
            is_array_member: false,
            is_array_terminated: false,
            is_array_char: false,
            addr,
            budget: WORK_BUDGET_BASE + WORK_BUDGET_PER_BYTE * data.len() as u64,
        };
        let res = self.dump_data(btf, data, b"", id, 0, 0, 0, 0);
        self.flush();
        res
    }

    fn newline(&self) -> &'static [u8] {
        if self.typed.compact || self.typed.depth == 0 {
            b""
        } else {
            b"\n"
        }
    }

    /// The delimiter and newline libbpf appends to every printed value.
    fn end_value(&mut self) {
        if self.typed.depth != 0 {
            self.out.push(b',');
        }
        let nl = self.newline();
        self.put(nl);
    }

    fn data_pfx(&mut self) {
        if self.typed.compact {
            return;
        }
        let lvl = self.typed.indent_lvl as i32 + self.typed.depth;
        let cost = lvl.max(0) as u64 * self.typed.indent_str.len() as u64;
        self.typed.budget = self.typed.budget.saturating_sub(cost);
        for _ in 0..lvl.max(0) {
            self.out.extend_from_slice(&self.typed.indent_str);
        }
    }

    /// libbpf's `skip_mods_and_typedefs` (bounded): the id and record under modifiers/typedefs.
    fn skip_mods(btf: &Btf, id: u32) -> (u32, &[u32]) {
        let mut id = id;
        for _ in 0..256 {
            let r = rec(btf, id);
            let k = kind(r);
            if !(is_mod(k) || k == K_TYPEDEF) {
                return (id, r);
            }
            id = r[2];
        }
        (0, rec(btf, 0))
    }

    fn ptr_is_aligned(&mut self, btf: &Btf, id: u32, pos: usize) -> bool {
        let a = self.align_of(btf, id);
        a != 0 && self.typed.addr.wrapping_add(pos) % a as usize == 0
    }

    fn type_cast(&mut self, btf: &Btf, id: u32, top: bool) {
        if self.typed.is_array_member {
            return;
        }
        let k = kind(rec(btf, id));
        if k == K_VAR || k == K_DATASEC {
            return;
        }
        if top {
            self.put(b"(");
        }
        self.skip_anon_defs = true;
        self.strip_mods = true;
        self.emit_type_decl(btf, id, b"", 0);
        self.strip_mods = false;
        self.skip_anon_defs = false;
        if top {
            self.put(b")");
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn dump_data(
        &mut self,
        btf: &Btf,
        data: &[u8],
        fname: &[u8],
        id: u32,
        pos: usize,
        bits_offset: u8,
        bit_sz: u8,
        depth: u32,
    ) -> R<i32> {
        if depth > 600 {
            self.warn(format_args!("typed data nests too deep (loop?), id:[{id}]"));
            return Err(EINVAL);
        }
        if self.typed.budget == 0 {
            return Err(E2BIG);
        }
        self.typed.budget -= 1;
        if self.typed.budget == 0 {
            self.warn(format_args!(
                "typed data of type [{id}] needs more work than its data size explains; dump stopped"
            ));
            return Err(E2BIG);
        }
        let size = self.check_overflow(btf, data, id, pos, bits_offset, bit_sz)?;
        match self.check_zero(btf, data, id, pos, bits_offset, bit_sz, 0) {
            Ok(()) => {}
            Err(ENODATA) => return Ok(size),
            Err(e) => return Err(e),
        }
        self.data_pfx();
        if !self.typed.skip_names {
            if !fname.is_empty() {
                self.put(b".");
                self.put(fname);
                self.put(b" = ");
            }
            self.type_cast(btf, id, true);
        }
        let (_, r) = Self::skip_mods(btf, id);
        let k = kind(r);
        let d = depth + 1;
        let res: R<()> = match k {
            K_UNKN | K_FWD | K_FUNC | K_FUNC_PROTO | K_DECL_TAG => {
                self.put(b"<unsupported kind:");
                self.put_u64(k as u64);
                self.put(b">");
                Err(ENOTSUP)
            }
            K_INT => {
                if bit_sz != 0 {
                    self.bitfield_value(r, data, pos, bits_offset, bit_sz).map(|v| {
                        self.put(format!("0x{v:x}").as_bytes());
                        self.end_value();
                    })
                } else {
                    self.int_data(btf, r, id, data, pos)
                }
            }
            K_FLOAT => self.float_data(btf, r, id, data, pos),
            K_PTR => self.ptr_data(btf, id, data, pos),
            K_ARRAY => self.array_data(btf, r, id, data, pos, d),
            K_STRUCT | K_UNION => self.struct_data(btf, r, data, pos, d).map(|_| ()),
            K_ENUM | K_ENUM64 => {
                if bit_sz != 0 {
                    match self.bitfield_value(r, data, pos, bits_offset, bit_sz) {
                        Ok(v) => match enum_from_u64(r, v) {
                            Some(val) => {
                                self.enum_print(btf, r, val);
                                Ok(())
                            }
                            None => {
                                self.warn(format_args!("unexpected size {} for enum, id:[{id}]", r[2] as i32));
                                Err(EINVAL)
                            }
                        },
                        Err(e) => Err(e),
                    }
                } else {
                    self.enum_value(btf, r, id, data, pos).map(|v| self.enum_print(btf, r, v))
                }
            }
            K_VAR => self.var_data(btf, r, data, pos, d),
            K_DATASEC => self.datasec_data(btf, r, data, pos, d),
            _ => {
                self.warn(format_args!("unexpected kind [{k}] for id [{id}]"));
                return Err(EINVAL);
            }
        };
        res?;
        Ok(size)
    }

    fn check_overflow(&mut self, btf: &Btf, data: &[u8], id: u32, pos: usize, bits_offset: u8, bit_sz: u8) -> R<i32> {
        if bit_sz != 0 {
            let nr = (bits_offset as u32 + bit_sz as u32).div_ceil(8) as u8;
            return if pos.saturating_add(nr as usize) > data.len() { Err(E2BIG) } else { Ok(nr as i32) };
        }
        let size = self.resolve_size(btf, id);
        if size < 0 || size >= i32::MAX as i64 {
            self.warn(format_args!("unexpected size [{}] for id [{id}]", size as u64));
            return Err(EINVAL);
        }
        let (_, r) = Self::skip_mods(btf, id);
        if matches!(kind(r), K_INT | K_FLOAT | K_PTR | K_ENUM | K_ENUM64)
            && pos.saturating_add(bits_offset as usize / 8).saturating_add(size as usize) > data.len()
        {
            return Err(E2BIG);
        }
        Ok(size as i32)
    }

    /// `Err(ENODATA)` when the value is zero and may be left out.
    #[allow(clippy::too_many_arguments)]
    fn check_zero(
        &mut self,
        btf: &Btf,
        data: &[u8],
        id: u32,
        pos: usize,
        bits_offset: u8,
        bit_sz: u8,
        depth: u32,
    ) -> R<()> {
        let t = &self.typed;
        if t.emit_zeroes || t.depth == 0 || (t.is_array_member && !t.is_array_char) {
            return Ok(());
        }
        if depth > 600 {
            return Ok(());
        }
        let (_, r) = Self::skip_mods(btf, id);
        match kind(r) {
            K_INT if bit_sz != 0 => {
                // Bits past the data: libbpf 1.5 reads them unchecked; count them as non-zero.
                let need = (bits_offset as usize + bit_sz as usize).div_ceil(8);
                if pos.saturating_add(need) > data.len() {
                    return Ok(());
                }
                match self.bitfield_value(r, data, pos, bits_offset, bit_sz)? {
                    0 => Err(ENODATA),
                    _ => Ok(()),
                }
            }
            K_INT | K_FLOAT | K_PTR => {
                let nr = if kind(r) == K_PTR { self.ptr_sz } else { r[2] };
                if !(1..=16).contains(&nr) {
                    self.warn(format_args!("unexpected size {} for id [{id}]", nr as i32));
                    return Err(EINVAL);
                }
                match bytes(data, pos, nr as usize) {
                    Some(b) if b.iter().all(|&x| x == 0) => Err(ENODATA),
                    _ => Ok(()),
                }
            }
            K_ARRAY => {
                let (elem, nelems) = (r[3], r[5]);
                let esz = self.resolve_size(btf, elem) as u32;
                let (_, er) = Self::skip_mods(btf, elem);
                let ischar = kind(er) == K_INT && esz == 1;
                for i in 0..nelems {
                    if i == 0 && ischar {
                        match data.get(pos) {
                            Some(0) => return Err(ENODATA),
                            Some(_) => {}
                            None => return Ok(()),
                        }
                    }
                    let Some(p) = (i as usize).checked_mul(esz as usize).and_then(|o| pos.checked_add(o)) else {
                        return Ok(());
                    };
                    if p >= data.len() {
                        return Ok(());
                    }
                    match self.check_zero(btf, data, elem, p, bits_offset, 0, depth + 1) {
                        Err(ENODATA) => {}
                        other => return other,
                    }
                }
                Err(ENODATA)
            }
            K_STRUCT | K_UNION => {
                // libbpf 1.5 compares the member's result with +ENODATA, so the first member
                // alone decides.
                if vlen(r) == 0 {
                    return Err(ENODATA);
                }
                let (_, mt, off, bsz) = member(r, 0);
                let Some(p) = pos.checked_add(off as usize / 8) else {
                    return Ok(());
                };
                self.check_zero(btf, data, mt, p, (off % 8) as u8, bsz as u8, depth + 1)
            }
            K_ENUM | K_ENUM64 => {
                // A misaligned enum reads as 0 without touching the data (see enum_value).
                if r[2] <= 8 && bytes(data, pos, r[2] as usize).is_none() && self.ptr_is_aligned(btf, id, pos) {
                    return Ok(());
                }
                match self.enum_value(btf, r, id, data, pos)? {
                    0 => Err(ENODATA),
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// libbpf's `btf_dump_get_bitfield_value` (little-endian), including its shift arithmetic.
    fn bitfield_value(&mut self, r: &[u32], data: &[u8], pos: usize, bits_offset: u8, bit_sz: u8) -> R<u64> {
        let size = r[2];
        if size > 8 {
            self.warn(format_args!("unexpected bitfield size {}", size as i32));
            return Err(EINVAL);
        }
        let num = le_partial(data, pos, size as usize);
        let nr_copy = bit_sz.wrapping_add(bits_offset);
        let left = 64u32.wrapping_sub(nr_copy as u32) as u16;
        let right = 64u32.wrapping_sub(bit_sz as u32) as u16;
        Ok(num.wrapping_shl(left as u32).wrapping_shr(right as u32))
    }

    fn int_data(&mut self, _btf: &Btf, r: &[u32], id: u32, data: &[u8], pos: usize) -> R<()> {
        let sign = (r[3] >> 24) & 1 != 0;
        let sz = r[2];
        if sz == 0 || sz > 16 {
            self.warn(format_args!("unexpected size {} for id [{id}]", sz as i32));
            return Err(EINVAL);
        }
        let b = match sz {
            1 | 2 | 4 | 8 | 16 => bytes(data, pos, sz as usize).ok_or(E2BIG)?,
            _ => {
                self.warn(format_args!("unexpected sz {} for id [{id}]", sz as i32));
                return Err(EINVAL);
            }
        };
        match sz {
            16 => {
                let (lsi, msi) = (le(&b[..8]), le(&b[8..]));
                if msi == 0 {
                    self.put(format!("0x{lsi:x}").as_bytes());
                } else {
                    self.put(format!("0x{msi:x}{lsi:016x}").as_bytes());
                }
            }
            8 | 4 | 2 => {
                let v = le(b);
                if sign {
                    let s = match sz {
                        8 => v as i64,
                        4 => v as u32 as i32 as i64,
                        _ => v as u16 as i16 as i64,
                    };
                    self.put_i64(s);
                } else {
                    self.put_u64(v);
                }
            }
            _ => {
                let c = b[0];
                if self.typed.is_array_char {
                    if self.typed.is_array_terminated {
                        return Ok(());
                    }
                    if c == 0 {
                        self.put(b"'\\0'");
                        self.end_value();
                        self.typed.is_array_terminated = true;
                        return Ok(());
                    }
                    if isprint(c) {
                        self.put(&[b'\'', c, b'\'']);
                        self.end_value();
                        return Ok(());
                    }
                }
                if sign {
                    self.put_i64(c as i8 as i64);
                } else {
                    self.put_u64(c as u64);
                }
            }
        }
        self.end_value();
        Ok(())
    }

    fn float_data(&mut self, _btf: &Btf, r: &[u32], id: u32, data: &[u8], pos: usize) -> R<()> {
        let sz = r[2];
        if !matches!(sz, 4 | 8 | 16) {
            self.warn(format_args!("unexpected size {} for id [{id}]", sz as i32));
            return Err(EINVAL);
        }
        let b = bytes(data, pos, sz as usize).ok_or(E2BIG)?;
        let mut buf = vec![0u8; 64];
        loop {
            // SAFETY: `buf` has `buf.len()` writable bytes; `b` has `sz` (4, 8 or 16) readable
            // bytes, which is all the shim reads; it writes at most `len` bytes including NUL.
            let n = unsafe { oxbpf_shim_fmt_float(buf.as_mut_ptr().cast(), buf.len(), b.as_ptr(), sz as i32) };
            if n < 0 {
                return Err(EINVAL);
            }
            if (n as usize) < buf.len() {
                buf.truncate(n as usize);
                break;
            }
            buf = vec![0u8; n as usize + 1];
        }
        self.put(&buf);
        self.end_value();
        Ok(())
    }

    fn ptr_data(&mut self, btf: &Btf, id: u32, data: &[u8], pos: usize) -> R<()> {
        let aligned = self.ptr_is_aligned(btf, id, pos);
        let n = self.ptr_sz as usize;
        let v = le(bytes(data, pos, n.min(8)).ok_or(E2BIG)?);
        if aligned && n == std::mem::size_of::<usize>() {
            if v == 0 {
                self.put(b"(nil)");
            } else {
                self.put(format!("0x{v:x}").as_bytes());
            }
        } else if n == 4 {
            self.put(format!("0x{:x}", v as u32).as_bytes());
        } else {
            self.put(format!("0x{v:x}").as_bytes());
        }
        self.end_value();
        Ok(())
    }

    /// The enum's value as libbpf reads it (`btf_dump_get_enum_value`).
    fn enum_value(&mut self, btf: &Btf, r: &[u32], id: u32, data: &[u8], pos: usize) -> R<i64> {
        let signed = kflag(r);
        if !self.ptr_is_aligned(btf, id, pos) {
            // libbpf reads a misaligned enum as a bitfield of offset 0 and size 0; its shifts by
            // 64 are folded to 0 in libbpf 1.5 as built, so the value always reads as 0.
            return self.bitfield_value(r, data, pos, 0, 0).map(|_| 0);
        }
        let sz = r[2];
        if !matches!(sz, 1 | 2 | 4 | 8) {
            self.warn(format_args!("unexpected size {} for enum, id:[{id}]", sz as i32));
            return Err(EINVAL);
        }
        let v = le(bytes(data, pos, sz as usize).ok_or(E2BIG)?);
        Ok(extend(v, sz, signed))
    }

    fn enum_print(&mut self, btf: &Btf, r: &[u32], value: i64) {
        let signed = kflag(r);
        if kind(r) == K_ENUM {
            for v in 0..vlen(r) {
                if value == r[3 + 2 * v + 1] as i32 as i64 {
                    self.put(name(btf, r[3 + 2 * v]));
                    self.end_value();
                    return;
                }
            }
            // libbpf's format for this is `is_signed ? "%d" : "%u" "%s%s"`: the delimiter
            // and newline are only pasted onto the unsigned one.
            if signed {
                self.put_i64(value as i32 as i64);
                return;
            }
            self.put_u64(value as u32 as u64);
        } else {
            for v in 0..vlen(r) {
                let w = &r[3 + 3 * v..3 + 3 * v + 3];
                if value as u64 == (w[1] as u64) | ((w[2] as u64) << 32) {
                    self.put(name(btf, w[0]));
                    self.end_value();
                    return;
                }
            }
            if signed {
                self.put_i64(value);
                self.put(b"LL");
                return;
            } else {
                self.put_u64(value as u64);
                self.put(b"ULL");
            }
        }
        self.end_value();
    }

    fn var_data(&mut self, btf: &Btf, r: &[u32], data: &[u8], pos: usize, depth: u32) -> R<()> {
        match r[3] {
            0 => self.put(b"static "),
            2 => self.put(b"extern "),
            _ => {}
        }
        let tid = r[2];
        self.type_cast(btf, tid, false);
        self.put(b" ");
        self.put(name(btf, r[0]));
        self.put(b" = ");
        self.dump_data(btf, data, b"", tid, pos, 0, 0, depth).map(|_| ())
    }

    /// libbpf 1.7's `btf_dump_string_data`: a char array holding a NUL within its `nelems`
    /// bytes (all inside the data) printed as `"..."`, unprintable bytes as `\xNN`. libbpf
    /// prints the prefix again and no delimiter after it; so do we. `false`: print it as an
    /// array.
    fn string_data(&mut self, nelems: u32, data: &[u8], pos: usize) -> bool {
        let mut end = None;
        for i in 0..nelems as usize {
            match pos.checked_add(i).and_then(|p| data.get(p)) {
                None => return false,
                Some(0) => {
                    end = Some(i);
                    break;
                }
                Some(_) => {}
            }
        }
        let Some(end) = end else { return false };
        self.data_pfx();
        self.put(b"\"");
        for &c in &data[pos..pos + end] {
            if isprint(c) {
                self.out.push(c);
            } else {
                self.put(format!("\\x{c:02x}").as_bytes());
            }
        }
        self.put(b"\"");
        true
    }

    fn array_data(&mut self, btf: &Btf, r: &[u32], id: u32, data: &[u8], pos: usize, depth: u32) -> R<()> {
        let (elem, nelems) = (r[3], r[5]);
        let (_, er) = Self::skip_mods(btf, elem);
        let esz = self.resolve_size(btf, elem);
        if esz <= 0 {
            self.warn(format_args!("unexpected elem size {esz} for array type [{id}]"));
            return Err(EINVAL);
        }
        let ek = kind(er);
        if ek == K_INT && esz == 1 {
            if self.typed.emit_strings && self.string_data(r[5], data, pos) {
                return Ok(());
            }
            self.typed.is_array_char = true;
        }
        let base_elem = matches!(ek, K_INT | K_FLOAT | K_PTR | K_ENUM | K_ENUM64);
        self.typed.depth += 1;
        self.put(b"[");
        let nl = self.newline();
        self.put(nl);
        let (was_member, was_terminated) = (self.typed.is_array_member, self.typed.is_array_terminated);
        self.typed.is_array_member = true;
        self.typed.is_array_terminated = false;
        for i in 0..nelems as usize {
            if self.typed.is_array_terminated {
                break;
            }
            let p = pos.saturating_add(i.saturating_mul(esz as usize));
            // libbpf visits every element, even past the end of the data (printing brackets
            // for each, with ever deeper indentation after a failed struct); for a hostile
            // element count that never ends, so the work budget stops it.
            if self.typed.budget == 0 {
                break;
            }
            let res = self.dump_data(btf, data, b"", elem, p, 0, 0, depth);
            // Every later base element lies further past the end: libbpf skips them silently.
            if base_elem && res == Err(E2BIG) {
                break;
            }
            if self.out.len() >= 1 << 16 {
                self.flush();
            }
        }
        self.typed.is_array_member = was_member;
        self.typed.is_array_terminated = was_terminated;
        self.typed.depth -= 1;
        self.data_pfx();
        self.put(b"]");
        self.end_value();
        Ok(())
    }

    fn struct_data(&mut self, btf: &Btf, r: &[u32], data: &[u8], pos: usize, depth: u32) -> R<i32> {
        self.typed.depth += 1;
        self.put(b"{");
        let nl = self.newline();
        self.put(nl);
        let mut last = 0;
        for m in 0..vlen(r) {
            let (mname, mt, off, bsz) = member(r, m);
            let p = pos.saturating_add(off as usize / 8);
            last = self.dump_data(btf, data, name(btf, mname), mt, p, (off % 8) as u8, bsz as u8, depth)?;
        }
        self.typed.depth -= 1;
        self.data_pfx();
        self.put(b"}");
        self.end_value();
        Ok(last)
    }

    fn datasec_data(&mut self, btf: &Btf, r: &[u32], data: &[u8], pos: usize, depth: u32) -> R<()> {
        self.put(b"SEC(\"");
        self.put(name(btf, r[0]));
        self.put(b"\") ");
        self.end_value();
        for v in 0..vlen(r) {
            let (t, off) = (r[3 + 3 * v], r[3 + 3 * v + 1]);
            self.dump_data(btf, data, b"", t, pos.saturating_add(off as usize), 0, 0, depth)?;
            self.put(b";");
        }
        Ok(())
    }
}

/// Sign- or zero-extend the low `sz` bytes of `v`.
fn extend(v: u64, sz: u32, signed: bool) -> i64 {
    match (sz, signed) {
        (8, _) => v as i64,
        (4, true) => v as u32 as i32 as i64,
        (4, false) => v as u32 as i64,
        (2, true) => v as u16 as i16 as i64,
        (2, false) => v as u16 as i64,
        (1, true) => v as u8 as i8 as i64,
        _ => v as u8 as i64,
    }
}

/// A bitfield enum: libbpf stores the bits in a 64-bit local and reads the enum's size from it.
fn enum_from_u64(r: &[u32], v: u64) -> Option<i64> {
    matches!(r[2], 1 | 2 | 4 | 8).then(|| extend(v, r[2], kflag(r)))
}
