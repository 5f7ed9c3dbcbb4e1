//! Step 6: an input's BTF types appended and renumbered, DATASEC entries collected per output
//! section, and its `.BTF.ext` records with adjusted offsets, type ids and strings.

use super::btfbuf::kind_of;
use super::{compat, find_src_sec, inval, is_non_static, rd_u32, wr_u32, ExtData, Linker, SrcObj, Underlying};
use crate::btf::{fields, Kind};
use crate::error::Result;

impl Linker {
    pub(super) fn append_btf(&mut self, obj: &mut SrcObj<'_>) -> Result<()> {
        let Some(src) = obj.btf.as_ref() else { return Ok(()) };
        let start = self.btf.type_cnt();
        let n = src.type_cnt();
        obj.type_map = vec![0; n as usize + 1];
        for i in 1..n {
            let t = compat::View::rec(src, i);
            if kind_of(t) == Kind::Datasec {
                continue;
            }
            let mut glob = None;
            if is_non_static(t) {
                let name = compat::View::str(src, t[0]);
                let Some(g) = self.find_glob(&name) else { continue };
                glob = Some(g);
                let gs = &mut self.glob_syms[g];
                if gs.underlying == Underlying::Unset {
                    gs.underlying = Underlying::Pending(t[2]);
                }
                if gs.btf_id != 0 {
                    obj.type_map[i as usize] = gs.btf_id;
                    continue;
                }
            }
            let id = self
                .btf
                .add_type_from(src, i)
                .map_err(|e| e.context(format!("failed to append BTF type #{i} from file '{}'", obj.filename)))?;
            obj.type_map[i as usize] = id;
            if let Some(g) = glob {
                let gs = &mut self.glob_syms[g];
                gs.btf_id = id;
                gs.underlying = Underlying::Pending(t[2]);
            }
        }
        // Renumber the appended types.
        for id in start..self.btf.type_cnt() {
            let rec = &mut self.btf.recs[id as usize];
            for slot in fields::type_id_slots(rec) {
                let old = rec[slot];
                let new = obj.type_map.get(old as usize).copied().unwrap_or(0);
                if new == 0 && old != 0 {
                    return Err(inval(format!("failed to find new ID mapping for original BTF type ID {old}")));
                }
                rec[slot] = new;
            }
        }
        // Point resolved globals' VAR/FUNC at the definition's (renumbered) type.
        for g in 0..self.glob_syms.len() {
            let Underlying::Pending(src_id) = self.glob_syms[g].underlying else { continue };
            let new = obj.type_map.get(src_id as usize).copied().unwrap_or(0);
            self.glob_syms[g].underlying = Underlying::Done;
            let bid = self.glob_syms[g].btf_id as usize;
            if let Some(w) = self.btf.recs.get_mut(bid).and_then(|r| r.get_mut(2)) {
                *w = new;
            }
        }
        // DATASEC entries.
        for i in 1..obj.secs.len() {
            let s = &obj.secs[i];
            if s.sec_type_id == 0 || s.skipped {
                continue;
            }
            let dst = s.dst_id;
            let dst_off = s.dst_off;
            self.secs[dst].has_btf = true;
            let Some(dt) = src.ty(s.sec_type_id) else { continue };
            let vars: Vec<_> = dt.secinfos().map(|v| v.iter().collect()).unwrap_or_default();
            for v in vars {
                let new_id = obj.type_map.get(v.type_id as usize).copied().unwrap_or(0);
                let t = compat::View::rec(&self.btf, new_id).to_vec();
                let mut glob = None;
                if is_non_static(&t) {
                    let name = compat::View::str(&self.btf, t[0]);
                    let g = self.find_glob(&name).ok_or_else(|| {
                        inval(format!("global '{name}': no symbol for its BTF {}", compat::kind_str(kind_of(&t))))
                    })?;
                    if self.glob_syms[g].sec_id != dst {
                        return Err(inval(format!(
                            "global '{name}': section mismatch {} vs {}",
                            self.glob_syms[g].sec_id, dst
                        )));
                    }
                    glob = Some(g);
                }
                if let Some(g) = glob {
                    if let Some(vi) = self.glob_syms[g].var_idx {
                        if kind_of(&t) == Kind::Func {
                            continue;
                        }
                        let under = compat::View::rec(&self.btf, self.glob_syms[g].btf_id)[2];
                        let name = &self.glob_syms[g].name;
                        let sz = self.btf.resolve_size(under).map_err(|e| {
                            inval(format!("global '{name}': failed to resolve size of underlying type: -{}", e.errno()))
                        })?;
                        self.secs[dst].sec_vars[vi][2] = sz;
                        continue;
                    }
                }
                let d = &mut self.secs[dst];
                d.sec_vars.push([new_id, (dst_off + v.offset as u64) as u32, v.size]);
                if let Some(g) = glob {
                    self.glob_syms[g].var_idx = Some(d.sec_vars.len() - 1);
                }
            }
        }
        Ok(())
    }

    pub(super) fn append_btf_ext(&mut self, obj: &mut SrcObj<'_>) -> Result<()> {
        let (Some(ext), Some(src)) = (obj.ext.as_ref(), obj.btf.as_ref()) else { return Ok(()) };
        let dst_of = |name: &str| -> Result<(usize, u64)> {
            let s = find_src_sec(obj, name)
                .ok_or_else(|| inval(format!("can't find section '{name}' referenced from .BTF.ext")))?;
            Ok((obj.secs[s].dst_id, obj.secs[s].dst_off))
        };
        let check_sz = |d: &mut ExtData, rec_sz: u32, name: &str| -> Result<()> {
            if d.rec_sz == 0 {
                d.rec_sz = rec_sz;
            }
            if d.rec_sz != rec_sz {
                return Err(inval(format!("incompatible .BTF.ext record sizes for section '{name}'")));
            }
            Ok(())
        };
        for set in ext.func_info_sets() {
            let (dst, off) = dst_of(set.sec_name)?;
            check_sz(&mut self.secs[dst].func_info, set.rec_size, set.sec_name)?;
            for rec in set.raw.chunks_exact(set.rec_size as usize) {
                let mut r = rec.to_vec();
                let insn_off = rd_u32(&r, 0).wrapping_add(off as u32);
                wr_u32(&mut r, 0, insn_off);
                let t = rd_u32(&r, 4);
                wr_u32(&mut r, 4, obj.type_map.get(t as usize).copied().unwrap_or(0));
                let d = &mut self.secs[dst].func_info;
                d.recs.extend_from_slice(&r);
                d.cnt += 1;
            }
        }
        for set in ext.line_info_sets() {
            let (dst, off) = dst_of(set.sec_name)?;
            check_sz(&mut self.secs[dst].line_info, set.rec_size, set.sec_name)?;
            for rec in set.raw.chunks_exact(set.rec_size as usize) {
                let mut r = rec.to_vec();
                let insn_off = rd_u32(&r, 0).wrapping_add(off as u32);
                wr_u32(&mut r, 0, insn_off);
                for at in [4, 8] {
                    let s = src.str_bytes_at(rd_u32(&r, at)).unwrap_or(b"");
                    let o = self.btf.strs.add(s);
                    wr_u32(&mut r, at, o);
                }
                let d = &mut self.secs[dst].line_info;
                d.recs.extend_from_slice(&r);
                d.cnt += 1;
            }
        }
        for set in ext.core_relo_sets() {
            let (dst, off) = dst_of(set.sec_name)?;
            check_sz(&mut self.secs[dst].core_relo, set.rec_size, set.sec_name)?;
            for rec in set.raw.chunks_exact(set.rec_size as usize) {
                let mut r = rec.to_vec();
                let insn_off = rd_u32(&r, 0).wrapping_add(off as u32);
                wr_u32(&mut r, 0, insn_off);
                let t = rd_u32(&r, 4);
                wr_u32(&mut r, 4, obj.type_map.get(t as usize).copied().unwrap_or(0));
                let s = src.str_bytes_at(rd_u32(&r, 8)).unwrap_or(b"");
                let o = self.btf.strs.add(s);
                wr_u32(&mut r, 8, o);
                let d = &mut self.secs[dst].core_relo;
                d.recs.extend_from_slice(&r);
                d.cnt += 1;
            }
        }
        Ok(())
    }
}
