//! `oxbpf gen skeleton`: a C header with the API of bpftool 7.5's skeletons (same struct
//! members, functions, datasec layouts and struct_ops shadow types), built from the object as
//! this library opens it.

use super::{push_hex, sanitize};
use crate::btf::CDump;
use crate::btf::{Btf, Kind};
use crate::error::{Error, Result};
use crate::ffi::skel_ext::{OXBPF_SKEL_EXT_ACK, OXBPF_SKEL_EXT_MAGIC};
use crate::object::{Map, Object, OpenOptions};
use std::cell::RefCell;
use std::fmt::Write;
use std::rc::Rc;

pub(crate) use crate::uapi::BPF_MAP_TYPE_STRUCT_OPS;
use crate::uapi::{BPF_F_MMAPABLE, BPF_MAP_TYPE_ARENA};
/// The section LLVM puts `__arena` variables in.
const ARENA_SEC: &str = ".addr_space.1";
pub(crate) const BTF_VAR_STATIC: u32 = 0;
/// `offsetof(struct bpf_map_skeleton, link)` and `sizeof(struct bpf_map_skeleton)` (LP64).
const MAP_SKEL_SZ_NO_LINK: usize = 24;
const MAP_SKEL_SZ_LINK: usize = 32;

/// Internal-map section prefixes that have a skeleton identifier.
const SEC_PREFIXES: [&str; 4] = [".data", ".rodata", ".bss", ".kconfig"];

/// The skeleton identifier of a map: its name for user maps; for internal maps the part after
/// the first internal-section marker, sanitized (`tcp_cc.bss` → `bss`).
pub fn map_ident(m: &Map) -> Option<String> {
    let name = m.name().to_string_lossy();
    if !m.is_internal() {
        return Some(name.into_owned());
    }
    SEC_PREFIXES.iter().find_map(|sfx| name.find(sfx).map(|p| sanitize(&name[p + 1..])))
}

/// The identifier of a DATASEC named `sec` (`.rodata.str1.1` → `rodata_str1_1`).
fn datasec_ident(sec: &str) -> Option<String> {
    // The arena's variables (LLVM's fixed section name) are the skeleton's `arena`.
    if sec == ARENA_SEC {
        return Some("arena".into());
    }
    SEC_PREFIXES.iter().any(|p| sec.starts_with(p)).then(|| sanitize(&sec[1..]))
}

pub(crate) fn is_internal_mmapable(m: &Map) -> Option<String> {
    if !m.is_internal() || m.def().map_flags & BPF_F_MMAPABLE == 0 {
        return None;
    }
    map_ident(m)
}

/// The skeleton member through which a map's data is reached, as bpftool 7.5 decides: `arena`
/// for an ARENA map that holds `__arena` variables, else the identifier of an mmapable
/// internal map; None for other maps.
fn skel_data_ident(m: &Map) -> Option<String> {
    if m.def().map_type == BPF_MAP_TYPE_ARENA && m.has_initial_value() {
        return Some("arena".into());
    }
    is_internal_mmapable(m)
}

pub(crate) fn find_datasec(btf: &Btf, ident: &str) -> Option<u32> {
    (1..btf.type_cnt()).find(|&id| {
        btf.ty(id).is_some_and(|t| t.kind == Kind::Datasec && datasec_ident(t.name).as_deref() == Some(ident))
    })
}

/// A C dumper whose output is appended to a shared buffer.
pub(crate) struct Emitter {
    buf: Rc<RefCell<Vec<u8>>>,
    dump: CDump,
}

impl Emitter {
    pub(crate) fn new(btf: &Btf) -> Result<Emitter> {
        let buf = Rc::new(RefCell::new(Vec::new()));
        let b2 = buf.clone();
        let dump = CDump::new(
            btf,
            Box::new(move |t: &[u8]| b2.borrow_mut().extend_from_slice(t.strip_suffix(&[0]).unwrap_or(t))),
        )?;
        Ok(Emitter { buf, dump })
    }

    /// Full C definition of type `id` (and what it needs first) appended to `out`.
    pub(crate) fn dump_type(&mut self, out: &mut Vec<u8>, btf: &Btf, id: u32) -> Result<()> {
        self.dump.dump_type(btf, id)?;
        out.append(&mut self.buf.borrow_mut());
        Ok(())
    }

    /// Declaration of `name` with type `id` appended to `out`.
    pub(crate) fn decl(
        &mut self,
        out: &mut String,
        btf: &Btf,
        id: u32,
        name: &str,
        lvl: i32,
        strip: bool,
    ) -> Result<()> {
        self.dump.emit_type_decl_api(btf, id, name.as_bytes(), lvl, strip)?;
        let mut b = self.buf.borrow_mut();
        out.push_str(&String::from_utf8_lossy(&b));
        b.clear();
        Ok(())
    }
}

/// The function-prototype a pointer type points to, through modifiers and typedefs.
fn is_func_ptr(btf: &Btf, id: u32) -> bool {
    let Some((_, t)) = btf.skip_mods_and_typedefs(id) else { return false };
    if t.kind != Kind::Ptr {
        return false;
    }
    btf.skip_mods_and_typedefs(t.size_or_type).is_some_and(|(_, p)| p.kind == Kind::FuncProto)
}

/// Generated skeleton text plus facts later steps reuse.
pub struct Skeleton {
    pub text: String,
}

/// Open `bytes` (the object file `path`) as libbpf would for a skeleton named `name`.
pub fn open_object(bytes: &[u8], path: &str, name: &str) -> Result<Box<Object>> {
    let opts = OpenOptions { object_name: Some(name.to_string()), ..Default::default() };
    Object::open(bytes, path, true, opts)
}

fn datasec_def(out: &mut String, em: &mut Emitter, btf: &Btf, sec_id: u32, obj: &str) -> Result<()> {
    let Some(sec) = btf.ty(sec_id) else { return Ok(()) };
    let Some(sec_ident) = datasec_ident(sec.name) else { return Ok(()) };
    let strip = sec.name != ".kconfig";
    let _ = writeln!(out, "\tstruct {obj}__{sec_ident} {{");
    let (mut off, mut pads) = (0u32, 0);
    for (i, si) in sec.secinfos().into_iter().flat_map(|s| s.iter()).enumerate() {
        let var = btf.ty(si.type_id).ok_or_else(|| Error::inval(format!("bad var type {}", si.type_id)))?;
        if var.linkage() == Some(BTF_VAR_STATIC) {
            continue;
        }
        if off > si.offset {
            return Err(Error::inval(format!(
                "Something is wrong for {}'s variable #{i}: need offset {}, already at {off}.",
                sec.name, si.offset
            )));
        }
        let align = btf.align_of(var.size_or_type)?.min(4);
        if align == 0 {
            return Err(Error::inval(format!("Failed to determine alignment of variable '{}'", var.name)));
        }
        if off.div_ceil(align) * align != si.offset {
            let _ = writeln!(out, "\t\tchar __pad{pads}[{}];", si.offset - off);
            pads += 1;
        }
        out.push_str("\t\t");
        em.decl(out, btf, var.size_or_type, &sanitize(var.name), 2, strip)?;
        out.push_str(";\n");
        off = si.offset + si.size;
    }
    let _ = writeln!(out, "\t}} *{sec_ident};");
    Ok(())
}

/// Write map `ident`'s struct_ops shadow type (bpftool 7.5's form) as a member of the
/// skeleton's `struct_ops` block; returns the names of the members it gives a C name to (data
/// members and program slots), the ones a shadow description can list.
pub(crate) fn st_ops_shadow(
    out: &mut String,
    em: &mut Emitter,
    btf: &Btf,
    obj: &str,
    ident: &str,
    m: &Map,
) -> Result<Vec<String>> {
    let tid = m.btf_value_type_id;
    let t = btf.ty(tid).filter(|_| tid != 0).ok_or_else(|| Error::inval("struct_ops map without BTF value type"))?;
    let mut named = Vec::new();
    let _ = writeln!(out, "\t\tstruct {obj}__{ident}__{} {{", t.name);
    let mut next = 0u32;
    for (i, mb) in t.members().into_iter().flat_map(|ms| ms.iter()).enumerate() {
        let (mid, mt) = btf.skip_mods_and_typedefs(mb.type_id).ok_or_else(|| Error::inval("bad member type"))?;
        let off = mb.bit_offset / 8;
        if next < off {
            let _ = writeln!(out, "\t\t\tchar __padding_{i}[{}];", off - next);
        }
        match mt.kind {
            Kind::Int | Kind::Float | Kind::Enum | Kind::Enum64 => {
                out.push_str("\t\t\t");
                em.decl(out, btf, mid, mb.name, 3, false)?;
                out.push_str(";\n");
                next = off + btf.resolve_size(mid)?;
                if mb.bitfield_size == 0 && !mb.name.is_empty() {
                    named.push(mb.name.to_string());
                }
            }
            Kind::Ptr if is_func_ptr(btf, mb.type_id) => {
                let _ = writeln!(out, "\t\t\tstruct bpf_program *{};", mb.name);
                next = off + 8;
                named.push(mb.name.to_string());
            }
            _ => {
                let sz = btf.resolve_size(mid)?;
                let _ = writeln!(out, "\t\t\tchar __unsupported_{i}[{sz}];");
                next = off + sz;
            }
        }
    }
    let size = btf.resolve_size(tid)?;
    if next < size {
        let _ = writeln!(out, "\t\t\tchar __padding_end[{}];", size - next);
    }
    let _ = writeln!(out, "\t\t}} *{ident};");
    Ok(named)
}

/// Map types whose values are per-CPU arrays (a typed single-value helper would be wrong).
const PERCPU_MAP_TYPES: [u32; 4] = [
    crate::uapi::BPF_MAP_TYPE_PERCPU_HASH,
    crate::uapi::BPF_MAP_TYPE_PERCPU_ARRAY,
    crate::uapi::BPF_MAP_TYPE_LRU_PERCPU_HASH,
    crate::uapi::BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
];

/// `--typed-maps`: C definitions of the key and value types of BTF-defined maps, and
/// `NAME__MAP__lookup/update/delete` helpers taking `const key *` / `value *`.
fn typed_maps(o: &mut String, em: &mut Emitter, btf: &Btf, n: &str, maps: &[(&Map, String)]) -> Result<()> {
    let typed: Vec<&(&Map, String)> = maps
        .iter()
        .filter(|(m, _)| {
            !m.is_internal()
                && m.def().map_type != BPF_MAP_TYPE_STRUCT_OPS
                && !PERCPU_MAP_TYPES.contains(&m.def().map_type)
                && m.btf_key_type_id != 0
                && m.btf_value_type_id != 0
        })
        .collect();
    if typed.is_empty() {
        return Ok(());
    }
    let guard = format!("__{}_SKEL_MAP_TYPES__", n.to_ascii_uppercase());
    let _ = write!(
        o,
        "
/* Key and value types of the BTF-defined maps (oxbpf gen skeleton --typed-maps);
 * define {guard} if they are already defined. */
#ifndef {guard}
#define {guard}
"
    );
    let mut defs = Vec::new();
    for (m, _) in &typed {
        em.dump_type(&mut defs, btf, m.btf_key_type_id)?;
        em.dump_type(&mut defs, btf, m.btf_value_type_id)?;
    }
    o.push_str(&String::from_utf8_lossy(&defs));
    let _ = writeln!(o, "#endif /* {guard} */");
    for (m, id) in &typed {
        let (mut k, mut v) = (String::new(), String::new());
        em.decl(&mut k, btf, m.btf_key_type_id, "", 0, false)?;
        em.decl(&mut v, btf, m.btf_value_type_id, "", 0, false)?;
        let _ = write!(
            o,
            "
static inline int
{n}__{id}__lookup(const struct {n} *skel, const __typeof__({k}) *key, __typeof__({v}) *value, __u64 flags)
{{
	return bpf_map__lookup_elem(skel->maps.{id}, key, sizeof(*key), value, sizeof(*value), flags);
}}

static inline int
{n}__{id}__update(const struct {n} *skel, const __typeof__({k}) *key, const __typeof__({v}) *value, __u64 flags)
{{
	return bpf_map__update_elem(skel->maps.{id}, key, sizeof(*key), value, sizeof(*value), flags);
}}

static inline int
{n}__{id}__delete(const struct {n} *skel, const __typeof__({k}) *key, __u64 flags)
{{
	return bpf_map__delete_elem(skel->maps.{id}, key, sizeof(*key), flags);
}}
"
        );
    }
    Ok(())
}

/// Generate the skeleton header for the object file bytes `data` (named `path`) as `name`.
pub fn generate(data: &[u8], path: &str, name: &str) -> Result<Skeleton> {
    generate_with(data, path, name, Extras::default())
}

/// What `oxbpf gen skeleton` adds to bpftool 7.5's header on request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras {
    /// `--typed-maps`: C types of BTF-defined maps' keys and values and typed helpers.
    pub typed_maps: bool,
    /// `--shadow-info`: `NAME__shadow_info()` and its hand-over to liboxbpf (see [`shadow_info`]).
    pub shadow_info: bool,
}

/// As [`generate`], with the `extras` asked for.
pub fn generate_with(data: &[u8], path: &str, name: &str, extras: Extras) -> Result<Skeleton> {
    let typed = extras.typed_maps;
    let obj = open_object(data, path, name)?;
    let n = name;
    let maps: Vec<(&Map, String)> = obj
        .maps
        .iter()
        .filter_map(|m| {
            let id = map_ident(m);
            if id.is_none() {
                eprintln!("Error: ignoring unrecognized internal map '{}'...", m.name().to_string_lossy());
            }
            id.map(|i| (m, i))
        })
        .collect();
    let progs: Vec<String> = obj.programs().map(|(_, p)| p.name().to_string_lossy().into_owned()).collect();
    let st_maps: Vec<&(&Map, String)> =
        maps.iter().filter(|(m, _)| m.def().map_type == BPF_MAP_TYPE_STRUCT_OPS).collect();
    let guard = format!("__{}_SKEL_H__", n.to_ascii_uppercase());
    let btf = obj.btf();

    let mut o = String::with_capacity(data.len() * 4 + 8192);
    let _ = write!(
        o,
        "/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */\n\n\
/* THIS FILE IS AUTOGENERATED BY BPFTOOL! */\n#ifndef {guard}\n#define {guard}\n\n\
#include <errno.h>\n#include <stdlib.h>\n#include <bpf/libbpf.h>\n\n"
    );
    if extras.shadow_info && !st_maps.is_empty() {
        shadow_prelude(&mut o, n, st_maps.iter().map(|(_, id)| id.as_str()));
    }
    let _ = write!(
        o,
        "#define BPF_SKEL_SUPPORTS_MAP_AUTO_ATTACH 1\n\n\
struct {n} {{\n\tstruct bpf_object_skeleton *skeleton;\n\tstruct bpf_object *obj;\n"
    );
    if !maps.is_empty() {
        o.push_str("\tstruct {\n");
        for (_, id) in &maps {
            let _ = writeln!(o, "\t\tstruct bpf_map *{id};");
        }
        o.push_str("\t} maps;\n");
    }
    let mut em = match btf {
        Some(b) => Some(Emitter::new(b)?),
        None => None,
    };
    // With --shadow-info: per struct_ops map, the members its description lists.
    let mut described: Vec<(String, String, Vec<String>)> = Vec::new();
    if let (Some(b), Some(e)) = (btf, em.as_mut()) {
        if !st_maps.is_empty() {
            o.push_str("\tstruct {\n");
            for (m, id) in &st_maps {
                if extras.shadow_info {
                    let _ = writeln!(o, "#ifdef {n}__{id}__SHADOW_TYPE\n\t\t{n}__{id}__SHADOW_TYPE *{id};\n#else");
                }
                let members = st_ops_shadow(&mut o, e, b, n, id, m)?;
                if extras.shadow_info {
                    o.push_str("#endif\n");
                    described.push((id.clone(), m.name().to_string_lossy().into_owned(), members));
                }
            }
            o.push_str("\t} struct_ops;\n");
        }
    }
    let shadow_info = extras.shadow_info && !described.is_empty();
    if !progs.is_empty() {
        o.push_str("\tstruct {\n");
        for p in &progs {
            let _ = writeln!(o, "\t\tstruct bpf_program *{p};");
        }
        o.push_str("\t} progs;\n");
    }
    if !progs.is_empty() || !st_maps.is_empty() {
        o.push_str("\tstruct {\n");
        for p in &progs {
            let _ = writeln!(o, "\t\tstruct bpf_link *{p};");
        }
        for (_, id) in &st_maps {
            let _ = writeln!(o, "\t\tstruct bpf_link *{id};");
        }
        o.push_str("\t} links;\n");
    }
    if let (Some(b), Some(e)) = (btf, em.as_mut()) {
        for (m, _) in &maps {
            let Some(id) = skel_data_ident(m) else { continue };
            match find_datasec(b, &id) {
                None => {
                    let _ = write!(o, "\tstruct {n}__{id} {{\n\t}} *{id};\n");
                }
                Some(sec) => datasec_def(&mut o, e, b, sec, n)?,
            }
        }
    }
    let shadow_fn = if shadow_info { shadow_info_fn(n, &described) } else { String::new() };
    let _ = write!(
        o,
        "
#ifdef __cplusplus
	static inline struct {n} *open(const struct bpf_object_open_opts *opts = nullptr);
	static inline struct {n} *open_and_load();
	static inline int load(struct {n} *skel);
	static inline int attach(struct {n} *skel);
	static inline void detach(struct {n} *skel);
	static inline void destroy(struct {n} *skel);
	static inline const void *elf_bytes(size_t *sz);
#endif /* __cplusplus */
}};
{shadow_fn}
static void
{n}__destroy(struct {n} *obj)
{{
	if (!obj)
		return;
	if (obj->skeleton)
		bpf_object__destroy_skeleton(obj->skeleton);
	free(obj);
}}

static inline int
{n}__create_skeleton(struct {n} *obj);

static inline struct {n} *
{n}__open_opts(const struct bpf_object_open_opts *opts)
{{
	struct {n} *obj;
	int err;

	obj = (struct {n} *)calloc(1, sizeof(*obj));
	if (!obj) {{
		errno = ENOMEM;
		return NULL;
	}}

	err = {n}__create_skeleton(obj);
	if (err)
		goto err_out;

	err = bpf_object__open_skeleton(obj->skeleton, opts);
	if (err)
		goto err_out;

"
    );
    if shadow_info {
        shadow_ack_check(&mut o, n);
    }
    if btf.is_some() {
        super::push_struct_ops_shadows(&mut o, st_maps.iter().map(|(_, id)| id.as_str()));
    }
    let _ = write!(
        o,
        "\treturn obj;
err_out:
	{n}__destroy(obj);
	errno = -err;
	return NULL;
}}

static inline struct {n} *
{n}__open(void)
{{
	return {n}__open_opts(NULL);
}}

static inline int
{n}__load(struct {n} *obj)
{{
	return bpf_object__load_skeleton(obj->skeleton);
}}

static inline struct {n} *
{n}__open_and_load(void)
{{
	struct {n} *obj;
	int err;

	obj = {n}__open();
	if (!obj)
		return NULL;
	err = {n}__load(obj);
	if (err) {{
		{n}__destroy(obj);
		errno = -err;
		return NULL;
	}}
	return obj;
}}

static inline int
{n}__attach(struct {n} *obj)
{{
	return bpf_object__attach_skeleton(obj->skeleton);
}}

static inline void
{n}__detach(struct {n} *obj)
{{
	bpf_object__detach_skeleton(obj->skeleton);
}}

static inline const void *{n}__elf_bytes(size_t *sz);

static inline int
{n}__create_skeleton(struct {n} *obj)
{{
	struct bpf_object_skeleton *s;
	struct bpf_map_skeleton *map __attribute__((unused));
	int err;

	s = (struct bpf_object_skeleton *)calloc(1, {alloc});
	if (!s)	{{
		err = -ENOMEM;
		goto err;
	}}

	s->sz = {alloc};
	s->name = \"{n}\";
	s->obj = &obj->obj;
",
        alloc = if shadow_info { format!("{n}__skeleton_size()") } else { "sizeof(*s)".into() }
    );
    if shadow_info {
        let _ = write!(
            o,
            "#ifdef OXBPF_HEADERS\n\t((struct {n}__oxbpf_skeleton *)s)->oxbpf_magic = {OXBPF_SKEL_EXT_MAGIC:#x}ULL;\n\
\t((struct {n}__oxbpf_skeleton *)s)->oxbpf_shadow_info = (__u64)(unsigned long){n}__shadow_info();\n#endif\n"
        );
    }
    if !maps.is_empty() {
        let sz = if st_maps.is_empty() { MAP_SKEL_SZ_NO_LINK } else { MAP_SKEL_SZ_LINK };
        super::push_maps_alloc(&mut o, maps.len(), sz);
        for (i, (m, id)) in maps.iter().enumerate() {
            super::push_map_entry(&mut o, i, &m.name().to_string_lossy(), id);
            if let Some(data) = skel_data_ident(m) {
                let _ = writeln!(o, "\tmap->mmaped = (void **)&obj->{data};");
            }
            if m.def().map_type == BPF_MAP_TYPE_STRUCT_OPS {
                let _ = writeln!(o, "\tmap->link = &obj->links.{id};");
            }
        }
    }
    if !progs.is_empty() {
        super::push_progs_alloc(&mut o, progs.len());
        for (i, p) in progs.iter().enumerate() {
            let _ = write!(
                o,
                "\n\ts->progs[{i}].name = \"{p}\";\n\ts->progs[{i}].prog = &obj->progs.{p};\n\ts->progs[{i}].link = &obj->links.{p};\n"
            );
        }
    }
    let _ = write!(
        o,
        "
	s->data = {n}__elf_bytes(&s->data_sz);

	obj->skeleton = s;
	return 0;
err:
	bpf_object__destroy_skeleton(s);
	return err;
}}

static inline const void *{n}__elf_bytes(size_t *sz)
{{
	static const char data[] __attribute__((__aligned__(8))) = \"\\
"
    );
    push_hex(&mut o, data);
    let _ = write!(
        o,
        "\";

	*sz = sizeof(data) - 1;
	return (const void *)data;
}}

#ifdef __cplusplus
struct {n} *{n}::open(const struct bpf_object_open_opts *opts) {{ return {n}__open_opts(opts); }}
struct {n} *{n}::open_and_load() {{ return {n}__open_and_load(); }}
int {n}::load(struct {n} *skel) {{ return {n}__load(skel); }}
int {n}::attach(struct {n} *skel) {{ return {n}__attach(skel); }}
void {n}::detach(struct {n} *skel) {{ {n}__detach(skel); }}
void {n}::destroy(struct {n} *skel) {{ {n}__destroy(skel); }}
const void *{n}::elf_bytes(size_t *sz) {{ return {n}__elf_bytes(sz); }}
#endif /* __cplusplus */

"
    );
    if let Some(b) = btf {
        asserts(&mut o, b, n, &maps)?;
        if typed {
            let mut e = Emitter::new(b)?;
            typed_maps(&mut o, &mut e, b, n, &maps)?;
        }
    }
    let _ = write!(o, "\n#endif /* {guard} */\n");
    Ok(Skeleton { text: o })
}

/// `--shadow-info`, before `struct NAME`: a caller-supplied shadow type needs oxbpf's headers.
fn shadow_prelude<'a>(o: &mut String, n: &str, ids: impl Iterator<Item = &'a str>) {
    let ids: Vec<&str> = ids.collect();
    let any = ids.iter().map(|id| format!("defined({n}__{id}__SHADOW_TYPE)")).collect::<Vec<_>>().join(" || ");
    let _ = write!(
        o,
        "/* oxbpf --shadow-info: define NAME__MAP__SHADOW_TYPE (e.g. {n}__{first}__SHADOW_TYPE) to a
 * struct of your own, with the members of the generated shadow type in any order, before
 * including this header; {n}__shadow_info() describes the shadows as this compiler laid them
 * out, and liboxbpf maps them to the object's BTF type by member name. Upstream libbpf
 * ignores the description and reads the object's layout, so with a type of your own
 * {n}__open_opts() fails with EOPNOTSUPP unless the library acknowledges it (liboxbpf does). */
#if ({any}) && !defined(OXBPF_HEADERS)
#error \"a custom struct_ops shadow type needs oxbpf's <bpf/libbpf.h>\"
#endif
#if {any}
#define {n}__CUSTOM_SHADOW 1
#endif

",
        first = ids.first().copied().unwrap_or("MAP")
    );
}

/// `--shadow-info`, after `struct NAME`: the extension-carrying skeleton struct, its size, and
/// `NAME__shadow_info()`.
fn shadow_info_fn(n: &str, described: &[(String, String, Vec<String>)]) -> String {
    let mut f = format!(
        "
#ifdef OXBPF_HEADERS
/* The skeleton struct followed by oxbpf's extension block: liboxbpf reads the last 24 bytes of
 * s->sz (magic, shadow info, ack) and writes the ack once it has applied the shadow info;
 * upstream libbpf reads neither. */
struct {n}__oxbpf_skeleton {{
	struct bpf_object_skeleton s;
	__u64 oxbpf_magic;
	__u64 oxbpf_shadow_info;
	__u64 oxbpf_ack;
}};

/* The struct_ops shadows of struct {n} as this compiler laid them out. */
static inline const struct bpf_struct_ops_shadow_info *
{n}__shadow_info(void)
{{
"
    );
    for (id, _, members) in described {
        let _ = writeln!(f, "\tstatic const struct bpf_struct_ops_member_info {id}_members[] = {{");
        for m in members {
            let _ = writeln!(
                f,
                "\t\t{{ \"{m}\", __builtin_offsetof(__typeof__(*((struct {n} *)0)->struct_ops.{id}), {m}),\n\
\t\t  sizeof(((struct {n} *)0)->struct_ops.{id}->{m}) }},"
            );
        }
        f.push_str(
            "	};
",
        );
    }
    f.push_str(
        "	static const struct bpf_struct_ops_map_info maps[] = {
",
    );
    for (id, name, members) in described {
        let _ = writeln!(
            f,
            "		{{ \"{name}\", {id}_members, {}, sizeof(*((struct {n} *)0)->struct_ops.{id}) }},",
            members.len()
        );
    }
    let _ = write!(
        f,
        "	}};
	static const struct bpf_struct_ops_shadow_info info = {{ maps, {} }};

	return &info;
}}
#endif /* OXBPF_HEADERS */

static inline size_t
{n}__skeleton_size(void)
{{
#ifdef OXBPF_HEADERS
	return sizeof(struct {n}__oxbpf_skeleton);
#else
	return sizeof(struct bpf_object_skeleton);
#endif
}}
",
        described.len()
    );
    f
}

/// `--shadow-info`, in `NAME__open_opts()` after the open: a custom shadow type is usable only
/// if the library applied the description.
fn shadow_ack_check(o: &mut String, n: &str) {
    let _ = write!(
        o,
        "#ifdef {n}__CUSTOM_SHADOW
	/* A shadow type of the caller's: only a library that applied {n}__shadow_info()
	 * (liboxbpf acknowledges it) lays the shadows out as that type. */
	if (((struct {n}__oxbpf_skeleton *)obj->skeleton)->oxbpf_ack != {OXBPF_SKEL_EXT_ACK:#x}ULL) {{
		err = -EOPNOTSUPP;
		goto err_out;
	}}
#endif

"
    );
}

fn asserts(o: &mut String, btf: &Btf, n: &str, maps: &[(&Map, String)]) -> Result<()> {
    let _ = write!(
        o,
        "__attribute__((unused)) static void\n{n}__assert(struct {n} *s __attribute__((unused)))\n{{\n\
#ifdef __cplusplus\n#define _Static_assert static_assert\n#endif\n"
    );
    for (m, _) in maps {
        let Some(id) = skel_data_ident(m) else { continue };
        let Some(sec) = find_datasec(btf, &id).and_then(|s| btf.ty(s)) else { continue };
        for si in sec.secinfos().into_iter().flat_map(|s| s.iter()) {
            let Some(var) = btf.ty(si.type_id) else { continue };
            if var.linkage() == Some(BTF_VAR_STATIC) {
                continue;
            }
            let Ok(sz) = btf.resolve_size(var.size_or_type) else { continue };
            let v = sanitize(var.name);
            let _ = writeln!(o, "\t_Static_assert(sizeof(s->{id}->{v}) == {sz}, \"unexpected size of '{v}'\");");
        }
    }
    o.push_str("#ifdef __cplusplus\n#undef _Static_assert\n#endif\n}\n");
    Ok(())
}
