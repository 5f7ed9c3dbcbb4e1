//! The tree's layering, checked on the sources: data flows one way (elf/btf → object (open) →
//! load → attach, with ffi on top), so the modules listed in `FORBIDDEN` must not name the
//! modules listed beside them, and no source file may grow past `MAX_LINES`.
//!
//! A module "names" another when its code (comments aside) contains `crate::other` or, for a
//! sibling inside the same parent, `super::other`. Paths are module paths below `src/`
//! (`object::load`, `attach::link`, ...); a rule on `a` covers `a`'s submodules too.
//!
//! No edge against the flow remains: the perf-event and tracefs plumbing the feature probes need
//! lives in sys/ (`sys::pmu`, `sys::tracefs`; attach re-exports them as `attach::perf` and
//! `attach::tracefs`), and the struct_ops state a map carries is object data
//! (`object::st_state`, re-exported by struct_ops), so object never names struct_ops.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// (module, modules it must not name).
const FORBIDDEN: &[(&str, &[&str])] = &[
    // Parsers and the syscall layer know nothing of the object model or the C boundary.
    ("elf", &["object", "btf", "sys", "attach", "struct_ops", "ffi", "linker", "gen", "manage"]),
    ("reloc", &["object", "attach", "struct_ops", "ffi", "linker", "gen", "manage"]),
    ("section", &["object", "attach", "struct_ops", "ffi", "gen", "manage"]),
    ("prog_linfo", &["object", "attach", "ffi", "gen", "manage"]),
    ("error", &["sys", "object", "elf", "btf", "attach", "struct_ops", "ffi", "gen", "manage"]),
    ("uapi", &["object", "elf", "btf", "sys", "attach", "struct_ops", "ffi", "gen", "manage"]),
    ("sys", &["object", "btf", "attach", "ffi", "struct_ops", "buffers", "linker", "gen", "manage"]),
    ("btf", &["object", "ffi", "attach", "struct_ops", "linker", "gen", "manage"]),
    ("buffers", &["object", "attach", "struct_ops", "ffi", "gen", "manage"]),
    ("netlink", &["object", "attach", "struct_ops", "ffi", "gen", "manage"]),
    ("linker", &["attach", "struct_ops", "ffi", "gen", "manage"]),
    // The object model does not attach; struct_ops values are prepared by the object and
    // attached by attach/ (attach::struct_ops), so struct_ops names neither attach nor links.
    ("object", &["attach", "struct_ops", "ffi", "gen", "manage", "linker"]),
    ("struct_ops", &["attach", "ffi", "gen", "manage", "linker"]),
    // Externs are collected at open; their resolution at load lives in object::load::externs.
    ("object::externs", &["object::load"]),
    ("object::maps", &["object::load"]),
    ("object::relo", &["object::load"]),
    // Nothing below the binary uses its struct_ops manager.
    ("attach", &["ffi", "manage", "gen", "linker"]),
    // The live-handle registry is the core's: it names nothing but the error type.
    (
        "registry",
        &[
            "object",
            "attach",
            "btf",
            "buffers",
            "elf",
            "sys",
            "struct_ops",
            "ffi",
            "gen",
            "manage",
            "linker",
            "netlink",
        ],
    ),
    ("ffi", &["manage"]),
];

/// The longest a source file may be.
const MAX_LINES: usize = 1200;

/// Files allowed past `MAX_LINES` for now, each with why.
const TOO_LONG_FOR_NOW: &[(&str, &str)] = &[];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file below src/ ("object/load/mod.rs" → ["object", "load"]), `None`
/// for the crate root and the binaries.
fn module_of(rel: &Path) -> Option<Vec<String>> {
    let mut parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    let last = parts.pop()?;
    match last.as_str() {
        "lib.rs" if parts.is_empty() => return None,
        "mod.rs" => {}
        f => parts.push(f.trim_end_matches(".rs").to_string()),
    }
    Some(parts)
}

/// The code of a file without its comments (line and doc comments; block comments are not
/// used in this tree's Rust).
fn code_of(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).unwrap_or(s.len());
    s[..end].trim_end_matches(':')
}

/// The module paths a file names: `crate::a::b::c` gives "a::b::c"; `super::x::y` in module
/// `m::n` gives "m::x::y" (`super` is the module's parent), and `super::{x, y::z}` gives
/// "m::x" and "m::y::z".
fn names(module: &[String], code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let prefixed = |i: usize| {
        code[..i].chars().last().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '$')
    };
    for (i, _) in code.match_indices("crate::") {
        if !prefixed(i) {
            out.insert(ident_at(&code[i + "crate::".len()..]).to_string());
        }
    }
    let parent = &module[..module.len().saturating_sub(1)];
    let under_parent = |rest: &str| {
        let mut p = parent.to_vec();
        p.push(rest.to_string());
        p.join("::")
    };
    for (i, _) in code.match_indices("super::") {
        if prefixed(i) {
            continue;
        }
        let after = &code[i + "super::".len()..];
        if let Some(list) = after.strip_prefix('{') {
            let list = &list[..list.find('}').unwrap_or(list.len())];
            for item in list.split(',') {
                let item = ident_at(item.trim());
                if !item.is_empty() && item != "self" {
                    out.insert(under_parent(item));
                }
            }
        } else {
            let rest = ident_at(after);
            if !rest.is_empty() {
                out.insert(under_parent(rest));
            }
        }
    }
    out
}

/// Whether path `p` is module `m` or inside it.
fn within(p: &str, m: &str) -> bool {
    p == m || p.starts_with(&format!("{m}::"))
}

#[test]
fn forbidden_edges_are_absent() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let Some(module) = module_of(rel) else { continue };
        let path = module.join("::");
        let code = code_of(&std::fs::read_to_string(f).unwrap());
        let named = names(&module, &code);
        for (from, tos) in FORBIDDEN {
            if !within(&path, from) {
                continue;
            }
            for to in *tos {
                for n in named.iter().filter(|n| within(n, to) && !within(n, from)) {
                    bad.push(format!("{} ({path}) names {n}: {from} must not name {to}", rel.display()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "layering broken:\n  {}", bad.join("\n  "));
}

#[test]
fn no_source_file_is_too_long() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        let n = std::fs::read_to_string(f).unwrap().lines().count();
        if n > MAX_LINES && !TOO_LONG_FOR_NOW.iter().any(|(p, _)| *p == rel) {
            bad.push(format!("src/{rel}: {n} lines"));
        }
    }
    assert!(bad.is_empty(), "source files over {MAX_LINES} lines (split them by concern):\n  {}", bad.join("\n  "));
}

#[test]
fn the_checks_see_what_they_check() {
    // The scanner must find real edges, or the rules above would pass on nothing.
    let m: Vec<String> = vec!["object".into(), "load".into(), "prog".into()];
    let code = "use super::ctx::LoadCtx;\nuse crate::sys::cmd;\n// crate::ffi in a comment\n";
    let named = names(&m, &code_of(code));
    assert!(named.contains("object::load::ctx::LoadCtx") || named.contains("object::load::ctx"), "{named:?}");
    assert!(named.iter().any(|n| within(n, "sys")), "{named:?}");
    assert!(!named.iter().any(|n| within(n, "ffi")), "{named:?}");
    // object/load/mod.rs is module object::load: its `super` is object.
    let m: Vec<String> = vec!["object".into(), "load".into()];
    let named = names(&m, "use super::{externs::Extern, Object};");
    assert!(named.iter().any(|n| within(n, "object::externs")), "{named:?}");
    assert!(named.contains("object::Object"), "{named:?}");
    // A file of the tree that is known to use the syscall layer is seen doing so.
    let text = std::fs::read_to_string(src_dir().join("object/load/maps.rs")).unwrap();
    let named = names(&["object".into(), "load".into(), "maps".into()], &code_of(&text));
    assert!(named.iter().any(|n| within(n, "sys::cmd")), "{named:?}");
}
