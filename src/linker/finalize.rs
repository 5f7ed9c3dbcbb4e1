//! [`Linker::finalize`]: one DATASEC per output section, `.BTF.ext` assembled, BTF
//! deduplicated, the ELF file written.

use super::{elfout, inval, Linker, Output, STRTAB_IDX, SYMTAB_IDX, SYM_SIZE};
use crate::btf::{Btf, BtfExt, Kind};
use crate::elf;
use crate::error::{Error, Result};
use std::io::Write;

impl Linker {
    /// `bpf_linker__finalize`: emit BTF, deduplicate it and write the ELF file.
    pub fn finalize(&mut self) -> Result<()> {
        if self.file.is_none() {
            // libbpf refuses silently once the ELF is written.
            return Err(Error::quiet(libc::EINVAL));
        }
        let btf_secs = self.finalize_btf()?;
        // Section contents in ELF index order.
        let mut symtab = Vec::with_capacity(self.syms.len() * SYM_SIZE);
        for s in &self.syms {
            symtab.extend_from_slice(&s.name.to_le_bytes());
            symtab.push(s.info);
            symtab.push(s.other);
            symtab.extend_from_slice(&s.shndx.to_le_bytes());
            symtab.extend_from_slice(&s.value.to_le_bytes());
            symtab.extend_from_slice(&s.size.to_le_bytes());
        }
        let mut order: Vec<usize> = (1..self.secs.len()).filter(|&i| self.secs[i].sec_idx != 0).collect();
        order.sort_by_key(|&i| self.secs[i].sec_idx);
        let mut out = Vec::with_capacity(order.len() + 2);
        for &i in &order {
            let s = &self.secs[i];
            let data: &[u8] = match i {
                STRTAB_IDX => self.strtab.bytes(),
                SYMTAB_IDX => &symtab,
                _ => &s.data,
            };
            let size = if s.sh_type == elf::SHT_NOBITS { s.size } else { data.len() as u64 };
            out.push(elfout::OutSec {
                name: self.strtab_off(&s.name),
                sh_type: s.sh_type,
                flags: s.flags,
                link: s.link,
                info: s.info,
                align: s.align,
                entsize: s.entsize,
                size,
                data,
            });
        }
        for (name_off, data) in &btf_secs {
            out.push(elfout::OutSec {
                name: *name_off,
                sh_type: elf::SHT_PROGBITS,
                flags: 0,
                link: 0,
                info: 0,
                align: 8,
                entsize: 0,
                size: data.len() as u64,
                data,
            });
        }
        // With no input, libelf writes its native (little-endian) byte order.
        let bytes = elfout::write(&out, STRTAB_IDX as u16, self.ei_data.max(1));
        let res = match self.file.take().ok_or_else(|| Error::quiet(libc::EINVAL))? {
            Output::Owned(mut file) => file.write_all(&bytes).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO)),
            Output::Caller(fd) => crate::sys::write_fd_at_start(fd, &bytes),
        };
        res.map_err(|errno| {
            Error::new(errno, format!("failed to write ELF contents: {}", crate::error::strerror(errno)))
        })
    }

    fn strtab_off(&self, name: &str) -> u32 {
        // Every section name was added when its section got its ELF index.
        self.strtab.find(name.as_bytes()).unwrap_or(0)
    }

    /// DATASECs, `.BTF.ext`, dedup; returns the `.BTF` and `.BTF.ext` sections to emit with
    /// their name offsets.
    fn finalize_btf(&mut self) -> Result<Vec<(u32, Vec<u8>)>> {
        if self.btf.type_cnt() == 1 {
            return Ok(Vec::new());
        }
        for i in 1..self.secs.len() {
            if !self.secs[i].has_btf {
                continue;
            }
            let s = &self.secs[i];
            let name_off = self.btf.strs.add(s.name.as_bytes());
            let mut rec = vec![name_off, ((Kind::Datasec as u32) << 24) | s.sec_vars.len() as u32, s.size as u32];
            for v in &s.sec_vars {
                rec.extend_from_slice(v);
            }
            if s.sec_vars.len() > 0xffff {
                return Err(Error::new(
                    libc::E2BIG,
                    format!("failed to add consolidated BTF type for datasec '{}': -{}", s.name, libc::E2BIG),
                ));
            }
            self.btf.recs.push(rec);
        }
        let ext = self.finalize_btf_ext().map_err(|e| e.context(".BTF.ext generation failed"))?;
        let (btf_raw, ext_raw) = dedup(self.btf.raw(), ext)?;
        let mut secs = vec![(self.strtab.add(b".BTF"), btf_raw)];
        if let Some(e) = ext_raw {
            secs.push((self.strtab.add(b".BTF.ext"), e));
        }
        Ok(secs)
    }

    fn finalize_btf_ext(&mut self) -> Result<Option<Vec<u8>>> {
        let mut rec_sz = [0u32; 3];
        let mut sizes = [0usize; 3];
        for s in &self.secs[1..] {
            for (k, (d, what)) in
                [(&s.func_info, "func_info"), (&s.line_info, "line_info"), (&s.core_relo, "core_relo_info")]
                    .into_iter()
                    .enumerate()
            {
                if d.cnt == 0 {
                    continue;
                }
                if rec_sz[k] == 0 {
                    rec_sz[k] = d.rec_sz;
                }
                if rec_sz[k] != d.rec_sz {
                    return Err(inval(format!("mismatch in {what} record size {} != {}", rec_sz[k], d.rec_sz)));
                }
                sizes[k] += 8 + d.recs.len();
            }
        }
        if sizes.iter().all(|&s| s == 0) {
            return Ok(None);
        }
        for s in sizes.iter_mut() {
            if *s != 0 {
                *s += 4;
            }
        }
        let mut out = Vec::new();
        out.extend_from_slice(&crate::btf::BTF_MAGIC.to_ne_bytes());
        out.push(crate::btf::BTF_VERSION);
        out.push(0);
        let hdr = [
            32u32,
            0,
            sizes[0] as u32,
            sizes[0] as u32,
            sizes[1] as u32,
            (sizes[0] + sizes[1]) as u32,
            sizes[2] as u32,
        ];
        for v in hdr {
            out.extend_from_slice(&v.to_ne_bytes());
        }
        for k in 0..3 {
            if sizes[k] == 0 {
                continue;
            }
            out.extend_from_slice(&rec_sz[k].to_ne_bytes());
            for i in 1..self.secs.len() {
                let s = &self.secs[i];
                let d = [&s.func_info, &s.line_info, &s.core_relo][k];
                if d.cnt == 0 {
                    continue;
                }
                let off = self.btf.strs.add(s.name.as_bytes());
                out.extend_from_slice(&off.to_ne_bytes());
                out.extend_from_slice(&(d.cnt as u32).to_ne_bytes());
                out.extend_from_slice(&d.recs);
            }
        }
        Ok(Some(out))
    }
}

/// Deduplicate the linked BTF, rewriting `.BTF.ext` type ids and string offsets along (libbpf
/// re-parses the `.BTF.ext` it assembles, then runs `btf__dedup` with it).
fn dedup(btf: Vec<u8>, ext: Option<Vec<u8>>) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
    let mut btf = Btf::parse(&btf).map_err(|e| e.context("linked BTF is invalid"))?;
    let mut ext = match &ext {
        Some(e) => Some(BtfExt::parse(e, &btf).map_err(|e| e.context("failed to parse final .BTF.ext data"))?),
        None => None,
    };
    // Built up from an empty BTF through a string set: libbpf keeps this string section as it
    // is (strs_deduped), unused strings included.
    btf.set_strs_deduped();
    crate::btf::dedup::dedup(&mut btf, ext.as_mut(), &crate::btf::dedup::DedupOpts::default())
        .map_err(|e| e.context("BTF dedup failed"))?;
    Ok((btf.raw_data().to_vec(), ext.map(|e| e.raw_data().to_vec())))
}
