//! Step 3: an input section's data appended to the output section of the same name.

use super::{inval, Linker, SrcObj, SrcSec};
use crate::elf;
use crate::error::{Error, Result};

impl Linker {
    pub(super) fn extend_sec(&mut self, dst: usize, src: &mut SrcSec, src_data: &[u8]) {
        if src.ephemeral {
            return;
        }
        if self.secs[dst].ephemeral {
            self.init_sec(dst, src);
        }
        let d = &mut self.secs[dst];
        let align = d.align.max(1).max(src.align);
        let aligned = d.size.div_ceil(align) * align;
        if src.sh_type != elf::SHT_NOBITS {
            d.data.resize(aligned as usize, 0);
            d.data.extend_from_slice(src_data);
        }
        d.size = aligned + src.size;
        d.align = align;
        src.dst_off = aligned;
    }

    pub(super) fn append_sec_data(&mut self, obj: &mut SrcObj<'_>) -> Result<()> {
        for i in 1..obj.secs.len() {
            let s = &obj.secs[i];
            let is_data = !s.skipped && (s.ephemeral || s.sh_type == elf::SHT_PROGBITS || s.sh_type == elf::SHT_NOBITS);
            if !is_data {
                continue;
            }
            let name = s.name.clone();
            let data: &[u8] = if s.ephemeral { &[] } else { obj.elf.sections[s.sec_idx].data };
            let dst = match self.find_dst_sec(&name) {
                None => {
                    let id = self.add_dst_sec(&name);
                    self.init_sec(id, &obj.secs[i]);
                    id
                }
                Some(id) => {
                    if !self.secs_match(id, &obj.secs[i]) {
                        return Err(Error::new(libc::EPERM, format!("ELF sections {name} are incompatible")));
                    }
                    if name == "license" || name == "version" {
                        let d = &self.secs[id];
                        if d.size != obj.secs[i].size || d.data.as_slice() != data {
                            return Err(inval(format!("non-identical contents of section '{name}' are not supported")));
                        }
                        obj.secs[i].skipped = true;
                        obj.secs[i].dst_id = id;
                        continue;
                    }
                    id
                }
            };
            obj.secs[i].dst_id = dst;
            self.extend_sec(dst, &mut obj.secs[i], data);
        }
        Ok(())
    }

    pub(super) fn secs_match(&self, dst: usize, src: &SrcSec) -> bool {
        let d = &self.secs[dst];
        if d.ephemeral || src.ephemeral {
            return true;
        }
        let what = if d.sh_type != src.sh_type {
            "types"
        } else if d.flags != src.flags {
            "flags"
        } else if d.entsize != src.entsize {
            "entsize"
        } else {
            return true;
        };
        crate::pr_warn!("sec {} {} mismatch", d.name, what);
        false
    }
}
