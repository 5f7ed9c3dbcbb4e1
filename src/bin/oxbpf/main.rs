//! `oxbpf`: the command-line tool of oxbpf.
//!
//! ```text
//! oxbpf [OPTIONS] struct_ops { show | list } [id ID | name NAME]
//! oxbpf [OPTIONS] struct_ops dump [id ID | name NAME]
//! oxbpf [OPTIONS] struct_ops register OBJ [LINK_DIR]
//! oxbpf [OPTIONS] struct_ops unregister { id ID | name NAME }
//! oxbpf [OPTIONS] struct_ops watch { id ID | name NAME }
//! ```
//! Exit status: 0 success, 1 the operation failed (the reason on stderr), 2 bad usage.

mod json;

use json::Json;
use oxbpf::manage::{self, Dump, Filter, Holder, MemberValue, Registration};
use std::path::Path;
use std::process::ExitCode;

const USAGE_TOP: &str = "\
Usage: oxbpf [OPTIONS] OBJECT { COMMAND | help }
       oxbpf --version

OBJECT := { struct_ops | gen | btf }
OPTIONS := { -j|--json | -p|--pretty | -d|--debug | -h|--help }

  -j, --json     print JSON
  -p, --pretty   print indented JSON (implies --json)
  -d, --debug    print libbpf-style debug messages (LIBBPF_LOG_LEVEL=debug)

Exit status: 0 on success, 1 when the operation failed, 2 on bad usage.
";

const USAGE_STRUCT_OPS: &str = "\
Usage: oxbpf [OPTIONS] struct_ops { show | list } [STRUCT_OPS_MAP]
       oxbpf [OPTIONS] struct_ops dump [STRUCT_OPS_MAP]
       oxbpf [OPTIONS] struct_ops register OBJ [LINK_DIR]
       oxbpf [OPTIONS] struct_ops unregister STRUCT_OPS_MAP
       oxbpf [OPTIONS] struct_ops watch STRUCT_OPS_MAP
       oxbpf struct_ops help

       STRUCT_OPS_MAP := { id STRUCT_OPS_MAP_ID | name STRUCT_OPS_MAP_NAME }

  show, list   the struct_ops maps in the kernel: id, name, kernel type, state, whether
               registered through a BPF link, link ids, where pinned, processes holding them
  dump         the same with the kernel value, member by member (programs by id and name)
  register     load OBJ and register each struct_ops map it creates; with LINK_DIR (on a BPF
               file system, mounted there if needed) each link is pinned as LINK_DIR/MAP_NAME
               so the registration outlives the command; without it a link-based registration
               ends when the command exits (legacy .struct_ops registrations stay)
  unregister   detach the map's links (and remove their pins), or delete a legacy
               registration's element; afterwards the name is gone from its subsystem
  watch        wait until the registration's link is detached, print one line, exit 0
";

const USAGE_GEN: &str = "\
Usage: oxbpf gen skeleton FILE [name OBJECT_NAME] [--typed-maps] [--shadow-info]
       oxbpf gen subskeleton FILE [name OBJECT_NAME]
       oxbpf gen object OUTPUT_FILE INPUT_FILE [INPUT_FILE...]
       oxbpf gen help

  skeleton   print a C skeleton header for the BPF object FILE, with the API of bpftool 7.5's
             'gen skeleton' (OBJECT_NAME defaults to FILE's base name without '.o');
             --typed-maps adds the C types of BTF-defined maps' keys and values and
             NAME__MAP__lookup/update/delete helpers taking typed pointers;
             --shadow-info adds NAME__shadow_info(), the struct_ops shadow layouts as the C
             compiler laid them out, handed to liboxbpf when the skeleton opens (a shadow
             type of the caller's own, NAME__MAP__SHADOW_TYPE, then reaches the kernel by
             member name; upstream libbpf ignores the description)
  subskeleton  print a C subskeleton header for the BPF library object FILE (bpftool 7.5's
             'gen subskeleton'): it finds the library's variables, maps and programs in a
             final object linked from it
  object     statically link BPF object files into one (bpftool's 'gen object'; the
             same bytes as bpftool 7.5 writes)
";

const USAGE_BTF: &str = "\
Usage: oxbpf btf dump BTF_SRC [format FORMAT] [unsorted]
       oxbpf btf help

       BTF_SRC := { id BTF_ID | file FILE }
       FORMAT  := { raw | c }

  dump   print the BTF object: 'raw' (the default) lists every type as bpftool's raw format
         does; 'c' prints a C header (vmlinux.h) byte-identical to bpftool 7.5's, types in
         bpftool's stable sorted order unless 'unsorted', then the kernel's kfunc prototypes.
         A file under /sys/kernel/btf/ other than vmlinux (module BTF) is read on top of
         /sys/kernel/btf/vmlinux.
";

struct Opts {
    json: bool,
    pretty: bool,
}

enum Fail {
    Usage(String),
    Op(oxbpf::Error),
}

impl From<oxbpf::Error> for Fail {
    fn from(e: oxbpf::Error) -> Self {
        Fail::Op(e)
    }
}

fn main() -> ExitCode {
    oxbpf::sys::default_sigpipe();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = Opts { json: false, pretty: false };
    let mut rest = Vec::new();
    let mut help = false;
    for a in args {
        match a.as_str() {
            "-j" | "--json" => opts.json = true,
            "-p" | "--pretty" => {
                opts.json = true;
                opts.pretty = true;
            }
            "-d" | "--debug" => std::env::set_var("LIBBPF_LOG_LEVEL", "debug"),
            "-h" | "--help" => help = true,
            "-V" | "--version" => {
                println!("oxbpf {} (libbpf 1.5 API)", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            _ => rest.push(a),
        }
    }
    let r = match rest.first().map(String::as_str) {
        None if help => {
            print!("{USAGE_TOP}");
            Ok(())
        }
        None => Err(Fail::Usage("no OBJECT given".into())),
        Some("help") => {
            print!("{USAGE_TOP}");
            Ok(())
        }
        Some("struct_ops") => struct_ops(&rest[1..], help, &opts),
        Some("gen") => gen(&rest[1..], help),
        Some("btf") => btf(&rest[1..], help),
        Some(other) => Err(Fail::Usage(format!("unknown object '{other}'"))),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail::Usage(m)) => {
            eprintln!("Error: {m}\n");
            eprint!(
                "{}",
                match rest.first().map(String::as_str) {
                    Some("struct_ops") => USAGE_STRUCT_OPS,
                    Some("gen") => USAGE_GEN,
                    Some("btf") => USAGE_BTF,
                    _ => USAGE_TOP,
                }
            );
            ExitCode::from(2)
        }
        Err(Fail::Op(e)) => {
            if opts.json {
                println!("{}", Json::Obj(vec![("error", Json::str(e.to_string()))]).render(opts.pretty));
            }
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}

fn gen(args: &[String], help: bool) -> Result<(), Fail> {
    if help || args.first().map(String::as_str) == Some("help") {
        print!("{USAGE_GEN}");
        return Ok(());
    }
    let Some(cmd) = args.first() else { return Err(Fail::Usage("no gen command given".into())) };
    match cmd.as_str() {
        "skeleton" => {
            let extras = oxbpf::gen::skeleton::Extras {
                typed_maps: args.iter().any(|a| a == "--typed-maps"),
                shadow_info: args.iter().any(|a| a == "--shadow-info"),
            };
            let args: Vec<String> =
                args.iter().filter(|a| *a != "--typed-maps" && *a != "--shadow-info").cloned().collect();
            let (file, name) = match &args[1..] {
                [f] => (f, oxbpf::gen::obj_name_from_path(f)),
                [f, k, v] if k == "name" => (f, v.chars().take(63).collect()),
                _ => return Err(Fail::Usage("skeleton takes FILE [name OBJECT_NAME]".into())),
            };
            let data = std::fs::read(file).map_err(|e| oxbpf::Error::inval(format!("failed to read {file}: {e}")))?;
            let sk = oxbpf::gen::skeleton::generate_with(&data, file, &name, extras)?;
            write_stdout(sk.text.as_bytes())
        }
        "subskeleton" => {
            let (file, name) = match &args[1..] {
                [f] => (f, oxbpf::gen::obj_name_from_path(f)),
                [f, k, v] if k == "name" => (f, v.chars().take(63).collect()),
                _ => return Err(Fail::Usage("subskeleton takes FILE [name OBJECT_NAME]".into())),
            };
            let data = std::fs::read(file).map_err(|e| oxbpf::Error::inval(format!("failed to read {file}: {e}")))?;
            write_stdout(oxbpf::gen::subskeleton::generate(&data, file, &name)?.as_bytes())
        }
        "object" => {
            let [out, inputs @ ..] = &args[1..] else {
                return Err(Fail::Usage("object takes OUTPUT_FILE INPUT_FILE...".into()));
            };
            if inputs.is_empty() {
                return Err(Fail::Usage("object takes OUTPUT_FILE INPUT_FILE...".into()));
            }
            let mut l = oxbpf::linker::Linker::new(out)?;
            for i in inputs {
                l.add_file(i)?;
            }
            l.finalize()?;
            Ok(())
        }
        other => Err(Fail::Usage(format!("unknown gen command '{other}'"))),
    }
}

fn btf(args: &[String], help: bool) -> Result<(), Fail> {
    use oxbpf::btf::Btf;
    if help || args.first().map(String::as_str) == Some("help") {
        print!("{USAGE_BTF}");
        return Ok(());
    }
    let Some(cmd) = args.first() else { return Err(Fail::Usage("no btf command given".into())) };
    if cmd != "dump" {
        return Err(Fail::Usage(format!("unknown btf command '{cmd}'")));
    }
    let (btf, rest) = match &args[1..] {
        [k, v, rest @ ..] if k == "file" => {
            const SYSFS: &str = "/sys/kernel/btf/";
            let base =
                if v.starts_with(SYSFS) && v != "/sys/kernel/btf/vmlinux" { Some(Btf::vmlinux()?) } else { None };
            (Btf::parse_file(v, base, false)?.0, rest)
        }
        [k, v, rest @ ..] if k == "id" => {
            let id = v.parse::<u32>().map_err(|_| Fail::Usage(format!("can't parse {v} as ID")))?;
            let btf = match Btf::load_from_kernel_by_id(id, None) {
                Ok(b) => b,
                // Module BTF is split BTF: read it again on top of vmlinux.
                Err(_) => Btf::load_from_kernel_by_id(id, Some(Btf::vmlinux()?))?,
            };
            (btf, rest)
        }
        _ => return Err(Fail::Usage("expected id BTF_ID | file FILE".into())),
    };
    let (mut c, mut sort) = (false, true);
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "format" => match it.next().map(String::as_str) {
                Some("c") => c = true,
                Some("raw") => c = false,
                Some(f) => {
                    return Err(Fail::Usage(format!("unrecognized format specifier: '{f}', possible values: raw, c")))
                }
                None => return Err(Fail::Usage("expecting value for 'format' option".into())),
            },
            "unsorted" => sort = false,
            other => return Err(Fail::Usage(format!("unrecognized option: '{other}'"))),
        }
    }
    let text = if c {
        oxbpf::gen::btfdump::dump_c(&btf, &[], sort)?
    } else {
        oxbpf::gen::btfdump::dump_raw(&btf, &[]).into_bytes()
    };
    write_stdout(&text)
}

fn write_stdout(b: &[u8]) -> Result<(), Fail> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(b)
        .and_then(|()| out.flush())
        .map_err(|e| Fail::Op(oxbpf::Error::inval(format!("writing output: {e}"))))
}

/// `[id ID | name NAME]`; `required` makes an empty selection a usage error.
fn filter(args: &[String], required: bool) -> Result<Filter, Fail> {
    match args {
        [] if !required => Ok(Filter::All),
        [k, v] if k == "id" => v
            .parse::<u32>()
            .ok()
            .filter(|&id| id != 0)
            .map(Filter::Id)
            .ok_or_else(|| Fail::Usage(format!("invalid id '{v}'"))),
        [k, v] if k == "name" => Ok(Filter::Name(v.clone())),
        _ => Err(Fail::Usage(format!("expected {}id ID | name NAME", if required { "" } else { "nothing or " }))),
    }
}

fn struct_ops(args: &[String], help: bool, o: &Opts) -> Result<(), Fail> {
    if help {
        print!("{USAGE_STRUCT_OPS}");
        return Ok(());
    }
    let Some(cmd) = args.first() else { return Err(Fail::Usage("no struct_ops command given".into())) };
    let rest = &args[1..];
    match cmd.as_str() {
        "help" => {
            print!("{USAGE_STRUCT_OPS}");
            Ok(())
        }
        "show" | "list" => {
            let regs = manage::list(&filter(rest, false)?)?;
            if o.json {
                println!("{}", Json::Arr(regs.iter().map(reg_json).collect()).render(o.pretty));
            } else {
                for r in &regs {
                    print_reg(r);
                }
            }
            Ok(())
        }
        "dump" => {
            let dumps = manage::dump(&filter(rest, false)?)?;
            if o.json {
                println!("{}", Json::Arr(dumps.iter().map(dump_json).collect()).render(o.pretty));
            } else {
                for d in &dumps {
                    print_dump(d);
                }
            }
            Ok(())
        }
        "register" => {
            let (obj, dir) = match rest {
                [obj] => (obj, None),
                [obj, dir] => (obj, Some(Path::new(dir))),
                _ => return Err(Fail::Usage("register takes OBJ [LINK_DIR]".into())),
            };
            let regs = manage::register(obj, dir)?;
            if o.json {
                let v = regs
                    .iter()
                    .map(|r| {
                        Json::Obj(vec![
                            ("map_id", Json::Num(r.map_id.into())),
                            ("name", Json::str(&r.map_name)),
                            ("kernel_struct_ops", Json::str(&r.kernel_type)),
                            ("link_id", r.link_id.map_or(Json::Null, |l| Json::Num(l.into()))),
                            ("pinned", r.pinned.as_ref().map_or(Json::Null, |p| Json::str(p.display().to_string()))),
                        ])
                    })
                    .collect();
                println!("{}", Json::Arr(v).render(o.pretty));
            } else {
                for r in &regs {
                    let mut line = format!("Registered {} {} map id {}", r.kernel_type, r.map_name, r.map_id);
                    if let Some(l) = r.link_id {
                        line += &format!(" link id {l}");
                    }
                    if let Some(p) = &r.pinned {
                        line += &format!(" pinned at {}", p.display());
                    }
                    println!("{line}");
                }
            }
            Ok(())
        }
        "unregister" => {
            let done = manage::unregister(&filter(rest, true)?)?;
            if o.json {
                let v = done
                    .iter()
                    .map(|u| {
                        Json::Obj(vec![
                            ("map_id", Json::Num(u.map_id.into())),
                            ("name", Json::str(&u.map_name)),
                            ("kernel_struct_ops", Json::str(&u.kernel_type)),
                            (
                                "detached_links",
                                Json::Arr(u.detached_links.iter().map(|&l| Json::Num(l.into())).collect()),
                            ),
                            (
                                "unpinned",
                                Json::Arr(u.unpinned.iter().map(|p| Json::str(p.display().to_string())).collect()),
                            ),
                        ])
                    })
                    .collect();
                println!("{}", Json::Arr(v).render(o.pretty));
            } else {
                for u in &done {
                    let mut line = format!("Unregistered {} {} id {}", u.kernel_type, u.map_name, u.map_id);
                    for l in &u.detached_links {
                        line += &format!(" (detached link {l})");
                    }
                    for p in &u.unpinned {
                        line += &format!(" (unpinned {})", p.display());
                    }
                    println!("{line}");
                }
            }
            Ok(())
        }
        "watch" => {
            let r = manage::watch(&filter(rest, true)?)?;
            if o.json {
                println!(
                    "{}",
                    Json::Obj(vec![
                        ("map_id", Json::Num(r.map_id.into())),
                        ("name", Json::str(&r.name)),
                        ("event", Json::str("detached"))
                    ])
                    .render(o.pretty)
                );
            } else {
                println!("{} {} id {}: detached", r.kernel_type, r.name, r.map_id);
            }
            Ok(())
        }
        other => Err(Fail::Usage(format!("unknown struct_ops command '{other}'"))),
    }
}

fn holders_json(h: &[Holder]) -> Json {
    Json::Arr(
        h.iter()
            .map(|h| {
                Json::Obj(vec![
                    ("pid", Json::Num(h.pid.into())),
                    ("comm", Json::str(&h.comm)),
                    ("fd", Json::Num(h.fd.into())),
                ])
            })
            .collect(),
    )
}

fn paths_json(p: &[std::path::PathBuf]) -> Json {
    Json::Arr(p.iter().map(|p| Json::str(p.display().to_string())).collect())
}

fn reg_json(r: &Registration) -> Json {
    Json::Obj(vec![
        ("id", Json::Num(r.map_id.into())),
        ("name", Json::str(&r.name)),
        ("kernel_struct_ops", Json::str(&r.kernel_type)),
        ("state", Json::str(&r.state)),
        ("link_based", Json::Bool(r.link_based)),
        (
            "links",
            Json::Arr(
                r.links
                    .iter()
                    .map(|l| {
                        Json::Obj(vec![
                            ("id", Json::Num(l.id.into())),
                            ("pinned", paths_json(&l.pins)),
                            ("holders", holders_json(&l.holders)),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("pinned", paths_json(&r.pins)),
        ("holders", holders_json(&r.holders)),
    ])
}

fn holders_text(h: &[Holder]) -> String {
    h.iter().map(|h| format!("{}[{}] fd {}", h.comm, h.pid, h.fd)).collect::<Vec<_>>().join(", ")
}

fn print_reg(r: &Registration) {
    println!(
        "{}: {:<15} {:<32} {} ({})",
        r.map_id,
        r.name,
        r.kernel_type,
        r.state,
        if r.link_based { "link" } else { "legacy" }
    );
    for l in &r.links {
        let mut line = format!("\tlink {}", l.id);
        if !l.pins.is_empty() {
            line +=
                &format!("  pinned {}", l.pins.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
        }
        if !l.holders.is_empty() {
            line += &format!("  held by {}", holders_text(&l.holders));
        }
        println!("{line}");
    }
    if !r.pins.is_empty() {
        println!("\tmap pinned {}", r.pins.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    if !r.holders.is_empty() {
        println!("\tmap held by {}", holders_text(&r.holders));
    }
}

fn member_json(v: &MemberValue) -> Json {
    match v {
        MemberValue::Prog { id, name } => Json::Obj(vec![
            ("prog_id", Json::Num((*id).into())),
            ("prog_name", name.as_ref().map_or(Json::Null, Json::str)),
        ]),
        MemberValue::Int(n) => Json::Num(*n),
        MemberValue::Str(s) => Json::str(s),
        MemberValue::Bytes(b) => Json::str(hex(b)),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

fn dump_json(d: &Dump) -> Json {
    let mut o = match reg_json(&d.reg) {
        Json::Obj(f) => f,
        _ => unreachable!("reg_json returns an object"),
    };
    o.push((
        "members",
        Json::Arr(
            d.members.iter().map(|(n, v)| Json::Obj(vec![("name", Json::str(n)), ("value", member_json(v))])).collect(),
        ),
    ));
    Json::Obj(o)
}

fn print_dump(d: &Dump) {
    print_reg(&d.reg);
    for (name, v) in &d.members {
        let text = match v {
            MemberValue::Prog { id: 0, .. } => "NULL".to_string(),
            MemberValue::Prog { id, name } => format!("prog {} id {id}", name.as_deref().unwrap_or("?")),
            MemberValue::Int(n) => n.to_string(),
            MemberValue::Str(s) => format!("\"{s}\""),
            MemberValue::Bytes(b) => hex(b),
        };
        println!("\t.{name} = {text}");
    }
}
