//! The declaration half of the C dumper: `btf_dump__emit_type_decl` and the type chains it
//! prints inside-out (modifiers, pointers, arrays, function prototypes), and the names types are
//! printed under (unique `name___N` suffixes).

use super::*;

impl CDump {
    /// `btf_dump__emit_type_decl`: declare `fname` (empty: abstract declarator) of type `id`.
    pub fn emit_type_decl_api(&mut self, btf: &Btf, id: u32, fname: &[u8], lvl: i32, strip_mods: bool) -> Result<()> {
        if id >= btf.type_cnt() {
            return Err(Error::inval(format!(
                "btf_dump__emit_type_decl: type id {id} out of range (type count {})",
                btf.type_cnt()
            )));
        }
        self.resize(btf)?;
        self.begin_call();
        self.strip_mods = strip_mods;
        self.emit_type_decl(btf, id, fname, lvl);
        self.strip_mods = false;
        self.end_call(id)
    }

    pub(in crate::btf) fn emit_type_decl(&mut self, btf: &Btf, id: u32, fname: &[u8], lvl: i32) {
        if self.nest > MAX_DEPTH {
            self.warn(format_args!("type declaration nests too deep (loop?), id:[{id}]"));
            return;
        }
        self.nest += 1;
        let start = self.decls.len();
        let mut id = id;
        let mut steps = 0u32;
        loop {
            let r = rec(btf, id);
            let k = kind(r);
            if !(self.strip_mods && is_mod(k)) {
                self.decls.push(id);
            }
            if id == 0 {
                break;
            }
            match k {
                K_PTR | K_VOLATILE | K_CONST | K_RESTRICT | K_FUNC_PROTO | K_TYPE_TAG => id = r[2],
                K_ARRAY => id = r[3],
                K_INT | K_ENUM | K_ENUM64 | K_FWD | K_STRUCT | K_UNION | K_TYPEDEF | K_FLOAT => break,
                _ => {
                    self.warn(format_args!("unexpected type in decl chain, kind:{k}, id:[{id}]"));
                    break;
                }
            }
            steps += 1;
            if steps > MAX_DEPTH {
                self.warn(format_args!("type declaration chain too long (loop?), id:[{id}]"));
                break;
            }
        }
        let mut cnt = self.decls.len() - start;
        self.emit_type_chain(btf, start, &mut cnt, fname, lvl);
        self.decls.truncate(start);
        self.nest -= 1;
    }

    pub(in crate::btf) fn emit_mods(&mut self, btf: &Btf, start: usize, cnt: &mut usize) {
        while *cnt > 0 {
            let id = self.decls[start + *cnt - 1];
            match kind(rec(btf, id)) {
                K_VOLATILE => self.put(b"volatile "),
                K_CONST => self.put(b"const "),
                K_RESTRICT => self.put(b"restrict "),
                _ => return,
            }
            *cnt -= 1;
        }
    }

    pub(in crate::btf) fn drop_mods(&mut self, btf: &Btf, start: usize, cnt: &mut usize) {
        while *cnt > 0 {
            let id = self.decls[start + *cnt - 1];
            if !is_mod(kind(rec(btf, id))) {
                return;
            }
            *cnt -= 1;
        }
    }

    pub(in crate::btf) fn emit_name(&mut self, fname: &[u8], last_was_ptr: bool) {
        if !fname.is_empty() && !last_was_ptr {
            self.put(b" ");
        }
        self.put(fname);
    }

    pub(in crate::btf) fn emit_type_chain(&mut self, btf: &Btf, start: usize, cnt: &mut usize, fname: &[u8], lvl: i32) {
        let mut last_was_ptr = true;
        while *cnt > 0 {
            *cnt -= 1;
            let id = self.decls[start + *cnt];
            if id == 0 {
                self.emit_mods(btf, start, cnt);
                self.put(b"void");
                last_was_ptr = false;
                continue;
            }
            let r = rec(btf, id);
            let k = kind(r);
            match k {
                K_INT | K_FLOAT => {
                    self.emit_mods(btf, start, cnt);
                    self.put(name(btf, r[0]));
                }
                K_STRUCT | K_UNION => {
                    self.emit_mods(btf, start, cnt);
                    if r[0] == 0 && !self.skip_anon_defs {
                        self.emit_struct_def(btf, id, r, lvl);
                    } else {
                        self.emit_struct_fwd(btf, id, r);
                    }
                }
                K_ENUM | K_ENUM64 => {
                    self.emit_mods(btf, start, cnt);
                    if r[0] == 0 && !self.skip_anon_defs {
                        self.emit_enum_def(btf, id, r, lvl);
                    } else {
                        self.emit_enum_fwd(btf, id);
                    }
                }
                K_FWD => {
                    self.emit_mods(btf, start, cnt);
                    self.emit_fwd_def(btf, id, r);
                }
                K_TYPEDEF => {
                    self.emit_mods(btf, start, cnt);
                    let n = self.ident_name(btf, id);
                    self.put(&n);
                }
                K_PTR => self.put(if last_was_ptr { b"*" } else { b" *" }),
                K_VOLATILE => self.put(b" volatile"),
                K_CONST => self.put(b" const"),
                K_RESTRICT => self.put(b" restrict"),
                K_TYPE_TAG => {
                    self.emit_mods(btf, start, cnt);
                    // A kflag tag (an attribute, btf__add_type_attr) is printed as libbpf 1.5
                    // and bpftool 7.5 print it, so vmlinux.h stays theirs byte for byte
                    // (libbpf 1.6+ prints `__attribute__((value))`; ctests/libbpf17/DIFFERENCES.md).
                    self.put(b" __attribute__((btf_type_tag(\"");
                    self.put(name(btf, r[0]));
                    self.put(b"\")))");
                }
                K_ARRAY => {
                    let nelems = r[5];
                    self.drop_mods(btf, start, cnt);
                    if *cnt == 0 {
                        self.emit_name(fname, last_was_ptr);
                        self.put(b"[");
                        self.put_u64(nelems as u64);
                        self.put(b"]");
                        return;
                    }
                    let next = self.decls[start + *cnt - 1];
                    let multidim = kind(rec(btf, next)) == K_ARRAY;
                    if !fname.is_empty() && !last_was_ptr {
                        self.put(b" ");
                    }
                    if !multidim {
                        self.put(b"(");
                    }
                    self.emit_type_chain(btf, start, cnt, fname, lvl);
                    if !multidim {
                        self.put(b")");
                    }
                    self.put(b"[");
                    self.put_u64(nelems as u64);
                    self.put(b"]");
                    return;
                }
                K_FUNC_PROTO => {
                    let n = vlen(r);
                    self.drop_mods(btf, start, cnt);
                    if *cnt > 0 {
                        self.put(b" (");
                        self.emit_type_chain(btf, start, cnt, fname, lvl);
                        self.put(b")");
                    } else {
                        self.emit_name(fname, last_was_ptr);
                    }
                    self.put(b"(");
                    if n == 0 || (n == 1 && r[4] == 0) {
                        self.put(b"void)");
                        return;
                    }
                    for p in 0..n {
                        let (pname, ptype) = (r[3 + 2 * p], r[3 + 2 * p + 1]);
                        if p > 0 {
                            self.put(b", ");
                        }
                        if p == n - 1 && ptype == 0 {
                            self.put(b"...");
                            break;
                        }
                        self.emit_type_decl(btf, ptype, name(btf, pname), lvl);
                    }
                    self.put(b")");
                    return;
                }
                _ => {
                    self.warn(format_args!("unexpected type in decl chain, kind:{k}, id:[{id}]"));
                    return;
                }
            }
            last_was_ptr = k == K_PTR;
        }
        self.emit_name(fname, last_was_ptr);
    }

    // ---- names ----

    pub(in crate::btf) fn resolve_name<'b>(&mut self, btf: &'b Btf, id: u32, ident: bool) -> Cow<'b, [u8]> {
        let r = rec(btf, id);
        if r[0] == 0 {
            return Cow::Borrowed(b"");
        }
        let orig = name(btf, r[0]);
        let i = id as usize;
        let Some(s) = self.st.get(i) else {
            return Cow::Borrowed(orig);
        };
        if s.name_resolved {
            return match &self.cached[i] {
                Some(c) => Cow::Owned(c.to_vec()),
                None => Cow::Borrowed(orig),
            };
        }
        let k = kind(r);
        self.st[i].name_resolved = true;
        if k == K_FWD || (k == K_ENUM && vlen(r) == 0) {
            return Cow::Borrowed(orig);
        }
        let map = if ident { &mut self.ident_names } else { &mut self.type_names };
        let dup = name_dups(map, orig);
        if dup > 1 {
            let mut s = orig.to_vec();
            s.extend_from_slice(format!("___{dup}").as_bytes());
            s.truncate(255);
            self.cached[i] = Some(s.clone().into_boxed_slice());
            return Cow::Owned(s);
        }
        Cow::Borrowed(orig)
    }

    pub(in crate::btf) fn type_name<'b>(&mut self, btf: &'b Btf, id: u32) -> Cow<'b, [u8]> {
        self.resolve_name(btf, id, false)
    }

    pub(in crate::btf) fn ident_name<'b>(&mut self, btf: &'b Btf, id: u32) -> Cow<'b, [u8]> {
        self.resolve_name(btf, id, true)
    }
}

/// Count one more occurrence of `name`; returns how many there have been.
pub(in crate::btf) fn name_dups(map: &mut NameMap, name: &[u8]) -> usize {
    if let Some(c) = map.get_mut(name) {
        *c += 1;
        return *c;
    }
    map.insert(name.into(), 1);
    1
}
