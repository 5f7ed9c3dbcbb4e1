//! Uprobe target resolution (`oxbpf::attach::uprobe`) against binaries built here with the
//! system C compiler, checked against `readelf -sW`/`-SW` (an independent ELF reader): the file
//! offset of a function is its symbol value translated through its section's address and file
//! offset. Covers PIE and non-PIE executables, `.symtab`-only (static) functions, a stripped
//! binary (`.dynsym` only), versioned symbols of a shared library (`name@V1`, `name@@V2`),
//! ambiguous and weak duplicates, multi-uprobe name/pattern resolution, an ELF stored in a
//! zip archive, and USDT notes (`readelf -n`: site and semaphore offsets through the `PT_LOAD`
//! segments of `readelf -l`, argument specs).
//!
//! Skips (with a message) without cc, readelf or strip.

use oxbpf::attach::uprobe::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

mod common;

const LIBBPF_ERRNO_FORMAT: i32 = 4001;

fn run(cmd: &mut Command) -> Option<String> {
    match cmd.output() {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => panic!("{cmd:?} failed: {}\n{}", o.status, String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            crate::skip!("{cmd:?} not runnable ({e})");
            None
        }
    }
}

const MAIN_C: &str = r#"
int oxt_a(int x) { return x + 1; }
int oxt_ab(int x) { return x + 2; }
static __attribute__((noinline, used)) int oxt_static(int x) { return x * 5; }
static __attribute__((noinline, used)) int oxt_dup(int x) { return x * 7; }
static __attribute__((noinline, used)) int oxt_wl(int x) { return x * 13; }
int other(int);
int main(int argc, char **argv) { return oxt_a(argc) + oxt_ab(argc) + other(argc); }
"#;

const OTHER_C: &str = r#"
static __attribute__((noinline, used)) int oxt_dup(int x) { return x * 11; }
__attribute__((weak, noinline)) int oxt_wl(int x) { return x * 17; }
int other(int x) { return oxt_wl(x) + x; }
"#;

const LIB_C: &str = r#"
__asm__(".symver vfunc_v1, vfunc@V1");
__asm__(".symver vfunc_v2, vfunc@@V2");
int vfunc_v1(int x) { return x + 1; }
int vfunc_v2(int x) { return x + 2; }
int plain(int x) { return x + 3; }
"#;

const LIB_MAP: &str = "V1 { global: plain; vfunc; local: *; };\nV2 { global: vfunc; } V1;\n";

struct Fixtures {
    dir: PathBuf,
}

impl Fixtures {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }
}

/// Build every fixture once per test process.
fn fixtures() -> Option<&'static Fixtures> {
    static F: OnceLock<Option<Fixtures>> = OnceLock::new();
    F.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("attach-uprobe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (n, s) in [("main.c", MAIN_C), ("other.c", OTHER_C), ("lib.c", LIB_C), ("lib.map", LIB_MAP)] {
            std::fs::write(dir.join(n), s).unwrap();
        }
        let cc = |args: &[&str]| run(Command::new("cc").current_dir(&dir).args(args));
        cc(&["-O1", "-g0", "-fPIE", "-pie", "-o", "exe_pie", "main.c", "other.c"])?;
        cc(&["-O1", "-g0", "-fno-pie", "-no-pie", "-o", "exe_nopie", "main.c", "other.c"])?;
        cc(&["-O1", "-g0", "-rdynamic", "-o", "exe_stripped", "main.c", "other.c"])?;
        run(Command::new("strip").current_dir(&dir).args(["--strip-all", "exe_stripped"]))?;
        cc(&["-O1", "-g0", "-shared", "-fPIC", "-Wl,--version-script=lib.map", "-o", "libv.so", "lib.c"])?;
        Some(Fixtures { dir })
    })
    .as_ref()
}

/// One FUNC symbol as readelf prints it: name, value, bind, section index (None if UND).
type Sym = (String, u64, String, Option<usize>);

/// Per symbol table its FUNC symbols, and section index → (addr, offset), as readelf prints
/// them.
struct Readelf {
    tables: HashMap<String, Vec<Sym>>,
    sections: HashMap<usize, (u64, u64)>,
}

fn readelf(path: &str) -> Readelf {
    let s = run(Command::new("readelf").args(["-SW", path])).expect("readelf -S");
    let mut sections = HashMap::new();
    for line in s.lines() {
        let Some(rest) = line.trim_start().strip_prefix('[') else { continue };
        let Some((idx, rest)) = rest.split_once(']') else { continue };
        let Ok(idx) = idx.trim().parse::<usize>() else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        // Name Type Address Off ...; the null section has an empty name.
        let (addr, off) =
            if f.len() >= 4 && u64::from_str_radix(f[2], 16).is_ok() { (f[2], f[3]) } else { (f[1], f[2]) };
        sections.insert(idx, (u64::from_str_radix(addr, 16).unwrap(), u64::from_str_radix(off, 16).unwrap()));
    }
    let s = run(Command::new("readelf").args(["-sW", path])).expect("readelf -s");
    let mut tables: HashMap<String, Vec<Sym>> = HashMap::new();
    let mut cur = String::new();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix("Symbol table '") {
            cur = rest.split('\'').next().unwrap().to_string();
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 || !f[0].ends_with(':') || f[3] != "FUNC" {
            continue;
        }
        let value = u64::from_str_radix(f[1], 16).unwrap();
        // readelf appends " (N)" version indices in .dynsym; the name is the 8th field.
        tables.entry(cur.clone()).or_default().push((f[7].to_string(), value, f[4].to_string(), f[6].parse().ok()));
    }
    Readelf { tables, sections }
}

impl Readelf {
    /// File offsets of every `.symtab` FUNC symbol named exactly `name`.
    fn offsets(&self, table: &str, name: &str) -> Vec<u64> {
        self.tables
            .get(table)
            .into_iter()
            .flatten()
            .filter(|(n, ..)| n == name)
            .map(|(_, v, _, ndx)| {
                let (addr, off) = self.sections[&ndx.expect("defined symbol")];
                v - addr + off
            })
            .collect()
    }
    fn one(&self, table: &str, name: &str) -> u64 {
        let v = self.offsets(table, name);
        assert_eq!(v.len(), 1, "{name} in {table}: {v:x?}");
        v[0]
    }
}

#[test]
fn pie_and_non_pie_match_readelf() {
    let Some(f) = fixtures() else { return };
    for exe in ["exe_pie", "exe_nopie"] {
        let p = f.path(exe);
        let re = readelf(&p);
        for name in ["oxt_a", "oxt_ab", "oxt_static", "main"] {
            assert_eq!(find_func_offset_in_file(&p, name).unwrap(), re.one(".symtab", name), "{exe}: {name}");
        }
        // A name never matches a longer one ("oxt_a" is not "oxt_ab").
        assert_ne!(find_func_offset_in_file(&p, "oxt_a").unwrap(), find_func_offset_in_file(&p, "oxt_ab").unwrap());
        let e = find_func_offset_in_file(&p, "oxt_").unwrap_err();
        assert_eq!(e.errno(), libc::ENOENT, "{e}");
    }
    // In a non-PIE binary the symbol's address is not its file offset.
    let p = f.path("exe_nopie");
    let re = readelf(&p);
    let va = re.tables[".symtab"].iter().find(|(n, ..)| n == "oxt_a").unwrap().1;
    assert_ne!(va, find_func_offset_in_file(&p, "oxt_a").unwrap());
}

#[test]
fn duplicates_ambiguous_and_weak() {
    let Some(f) = fixtures() else { return };
    let p = f.path("exe_pie");
    let re = readelf(&p);
    // Two static oxt_dup at different offsets: libbpf refuses (LIBBPF_ERRNO__FORMAT).
    assert_eq!(re.offsets(".symtab", "oxt_dup").len(), 2);
    let e = find_func_offset_in_file(&p, "oxt_dup").unwrap_err();
    assert_eq!(e.errno(), LIBBPF_ERRNO_FORMAT, "{e}");
    assert!(e.message().contains("ambiguous"), "{e}");
    // A static oxt_wl and a weak global one: the weak one yields.
    let all = re.offsets(".symtab", "oxt_wl");
    assert_eq!(all.len(), 2, "{all:x?}");
    let local = re.tables[".symtab"].iter().find(|(n, _, b, _)| n == "oxt_wl" && b == "LOCAL").unwrap();
    let (addr, off) = re.sections[&local.3.unwrap()];
    assert_eq!(find_func_offset_in_file(&p, "oxt_wl").unwrap(), local.1 - addr + off);
}

#[test]
fn stripped_binary_uses_dynsym() {
    let Some(f) = fixtures() else { return };
    let p = f.path("exe_stripped");
    let re = readelf(&p);
    assert!(!re.tables.contains_key(".symtab"));
    assert_eq!(find_func_offset_in_file(&p, "oxt_a").unwrap(), re.one(".dynsym", "oxt_a"));
    assert_eq!(find_func_offset_in_file(&p, "oxt_static").unwrap_err().errno(), libc::ENOENT);
}

#[test]
fn versioned_symbols_of_a_shared_library() {
    let Some(f) = fixtures() else { return };
    let p = f.path("libv.so");
    let re = readelf(&p);
    let v1 = re.one(".symtab", "vfunc_v1");
    let v2 = re.one(".symtab", "vfunc_v2");
    assert_ne!(v1, v2);
    assert_eq!(find_func_offset_in_file(&p, "vfunc@@V2").unwrap(), v2);
    assert_eq!(find_func_offset_in_file(&p, "vfunc@V2").unwrap(), v2);
    assert_eq!(find_func_offset_in_file(&p, "vfunc@V1").unwrap(), v1);
    assert_eq!(find_func_offset_in_file(&p, "vfunc@V3").unwrap_err().errno(), libc::ENOENT);
    assert_eq!(find_func_offset_in_file(&p, "plain").unwrap(), re.one(".symtab", "plain"));
    // Unversioned "vfunc" matches both definitions: ambiguous, as in libbpf.
    assert_eq!(find_func_offset_in_file(&p, "vfunc").unwrap_err().errno(), LIBBPF_ERRNO_FORMAT);
}

#[test]
fn multi_uprobe_resolution() {
    let Some(f) = fixtures() else { return };
    let p = f.path("exe_pie");
    let re = readelf(&p);
    let (a, ab, m) = (re.one(".symtab", "oxt_a"), re.one(".symtab", "oxt_ab"), re.one(".symtab", "main"));
    assert_eq!(resolve_syms_offsets(&p, &["main", "oxt_a", "oxt_ab"], libc_stt_func()).unwrap(), vec![m, a, ab]);
    assert_eq!(resolve_syms_offsets(&p, &["oxt_a", "nope"], libc_stt_func()).unwrap_err().errno(), libc::ENOENT);
    assert_eq!(resolve_syms_offsets(&p, &["oxt_dup"], libc_stt_func()).unwrap_err().errno(), libc::ESRCH);
    let mut got = resolve_pattern_offsets(&p, "oxt_a*").unwrap();
    got.sort_unstable();
    let mut want = vec![a, ab];
    want.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(resolve_pattern_offsets(&p, "zzz*").unwrap_err().errno(), libc::ENOENT);
}

fn libc_stt_func() -> u8 {
    oxbpf::elf::STT_FUNC
}

#[test]
fn elf_inside_a_zip_archive() {
    let Some(f) = fixtures() else { return };
    // Stored (-0), so the library's bytes appear as they are; the ELF magic marks where.
    if run(Command::new("zip").current_dir(&f.dir).args(["-q", "-0", "app.zip", "main.c", "libv.so"])).is_none() {
        return;
    }
    let zip = f.path("app.zip");
    let bytes = std::fs::read(&zip).unwrap();
    let data_off = bytes.windows(4).position(|w| w == b"\x7fELF").unwrap() as u64;
    let re = readelf(&f.path("libv.so"));
    let got = find_func_offset_in_archive(&zip, "libv.so", "plain").unwrap();
    assert_eq!(got, data_off + re.one(".symtab", "plain"));
    assert_eq!(find_func_offset_in_archive(&zip, "nope.so", "plain").unwrap_err().errno(), libc::ENOENT);
}

#[test]
fn bad_files() {
    let Some(f) = fixtures() else { return };
    assert_eq!(find_func_offset_in_file(&f.path("main.c"), "main").unwrap_err().errno(), LIBBPF_ERRNO_FORMAT);
    assert_eq!(find_func_offset_in_file(&f.path("missing"), "main").unwrap_err().errno(), libc::ENOENT);
    let empty = f.path("empty");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(find_func_offset_in_file(&empty, "main").unwrap_err().errno(), LIBBPF_ERRNO_FORMAT);
    // A truncated ELF: bounds-checked, an error rather than a crash.
    let exe = std::fs::read(f.path("exe_pie")).unwrap();
    for cut in [16, 64, 1000, exe.len() / 2] {
        let t = f.path(&format!("trunc{cut}"));
        std::fs::write(&t, &exe[..cut]).unwrap();
        let _ = find_func_offset_in_file(&t, "oxt_a");
    }
}

// ---- USDT notes ----------------------------------------------------------------------------

const USDT_C: &str = r#"
#include "oxt_usdt.h"
unsigned short oxt_sema __attribute__((section(".probes"), used));
__attribute__((noipa)) void sites(int x)
{
	OXT_USDT1(oxt, hit, x);
	OXT_USDT1(oxt, hit, 7);
	OXT_USDT1(oxt, other, x);
	/* A site with a semaphore, as <sys/sdt.h> emits it for provider_name_semaphore. */
	__asm__ __volatile__(
		"990: nop\n"
		".pushsection .note.stapsdt,\"?\",\"note\"\n"
		".balign 4\n"
		".4byte 992f-991f, 994f-993f, 3\n"
		"991: .asciz \"stapsdt\"\n"
		"992: .balign 4\n"
		"993: .8byte 990b\n"
		".8byte _.stapsdt.base\n"
		".8byte oxt_sema\n"
		".asciz \"oxt\"\n"
		".asciz \"sema\"\n"
		".asciz \"8@-16(%%rbp) -1@%0\"\n"
		"994: .balign 4\n"
		".popsection\n" : : "r"((char)x));
}
int main(int argc, char **argv) { sites(argc); return 0; }
"#;

/// (location, base, semaphore, args) per note, and the LOAD segments, as readelf shows them.
struct ReadelfNotes {
    notes: Vec<(String, String, u64, u64, u64, String)>,
    /// (offset, vaddr, memsz, executable)
    loads: Vec<(u64, u64, u64, bool)>,
    base_sh_addr: u64,
}

fn readelf_notes(path: &str) -> ReadelfNotes {
    let n = run(Command::new("readelf").args(["-nW", path])).unwrap();
    let mut notes = Vec::new();
    let (mut prov, mut name) = (String::new(), String::new());
    let mut addrs = (0, 0, 0);
    for line in n.lines().map(str::trim) {
        // With -W, "Provider:" follows the note header on the same line.
        if let Some((_, p)) = line.split_once("Provider: ") {
            prov = p.trim().to_string();
        } else if let Some(p) = line.strip_prefix("Name: ") {
            name = p.to_string();
        } else if let Some(l) = line.strip_prefix("Location: ") {
            let v: Vec<u64> = l
                .split(", ")
                .map(|kv| u64::from_str_radix(kv.rsplit(": ").next().unwrap().trim_start_matches("0x"), 16).unwrap())
                .collect();
            addrs = (v[0], v[1], v[2]);
        } else if let Some(a) = line.strip_prefix("Arguments: ") {
            notes.push((prov.clone(), name.clone(), addrs.0, addrs.1, addrs.2, a.to_string()));
        }
    }
    let l = run(Command::new("readelf").args(["-lW", path])).unwrap();
    let loads = l
        .lines()
        .map(str::split_whitespace)
        .map(|f| f.collect::<Vec<_>>())
        .filter(|f| f.first() == Some(&"LOAD"))
        .map(|f| {
            let h = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
            (h(f[1]), h(f[2]), h(f[5]), f[6..].iter().any(|x| x.contains('E')))
        })
        .collect();
    let re = readelf(path);
    let s = run(Command::new("readelf").args(["-SW", path])).unwrap();
    let base_idx = s
        .lines()
        .find(|l| l.contains(" .stapsdt.base "))
        .and_then(|l| l.trim_start().strip_prefix('[')?.split(']').next()?.trim().parse::<usize>().ok());
    let base_sh_addr = base_idx.map_or(0, |i| re.sections[&i].0);
    ReadelfNotes { notes, loads, base_sh_addr }
}

#[test]
fn usdt_targets_match_readelf() {
    use oxbpf::attach::usdt::{collect_targets, parse_spec, KernelSupport};
    let Some(f) = fixtures() else { return };
    std::fs::write(f.dir.join("usdt.c"), USDT_C).unwrap();
    let inc = Path::new(env!("CARGO_MANIFEST_DIR")).join("ctests/attach");
    for (exe, pie) in [("usdt_pie", "-pie"), ("usdt_nopie", "-no-pie")] {
        let pic = if pie == "-pie" { "-fPIE" } else { "-fno-pie" };
        run(Command::new("cc").current_dir(&f.dir).args(["-O1", pic, pie, "-I"]).arg(&inc).args(["-o", exe, "usdt.c"]))
            .unwrap();
        let p = f.path(exe);
        let re = readelf_notes(&p);
        let data = std::fs::read(&p).unwrap();
        let k = KernelSupport { cookie: true, sema_refcnt: true, uprobe_syscall: false };
        let to_off = |va: u64| {
            let (off, vaddr, _, _) = *re.loads.iter().find(|(_, v, m, _)| *v <= va && va < v + m).unwrap();
            va - vaddr + off
        };
        for (probe, want) in [("hit", 2), ("other", 1), ("sema", 1)] {
            let got = collect_targets(&data, &p, -1, "oxt", probe, 42, k).unwrap();
            let notes: Vec<_> = re.notes.iter().filter(|n| n.0 == "oxt" && n.1 == probe).collect();
            assert_eq!((got.len(), notes.len()), (want, want), "{exe} {probe}");
            for (t, n) in got.iter().zip(&notes) {
                let loc = n.2 + re.base_sh_addr - n.3;
                assert_eq!(t.rel_ip, to_off(loc), "{exe} {probe}: site offset");
                assert_eq!(t.sema_off, if n.4 == 0 { 0 } else { to_off(n.4) }, "{exe} {probe}: semaphore offset");
                assert_eq!(t.spec_str, n.5);
                assert_eq!(t.spec, parse_spec(&n.5, 42, "t").unwrap());
            }
        }
        assert_eq!(collect_targets(&data, &p, -1, "oxt", "nope", 0, k).unwrap().len(), 0);
        let e = collect_targets(
            &data,
            &p,
            -1,
            "oxt",
            "sema",
            0,
            KernelSupport { cookie: true, sema_refcnt: false, uprobe_syscall: false },
        )
        .unwrap_err();
        assert_eq!(e.errno(), libc::EOPNOTSUPP, "{e}");
    }
    // A binary without notes.
    let data = std::fs::read(f.path("exe_pie")).unwrap();
    let k = KernelSupport { cookie: true, sema_refcnt: true, uprobe_syscall: false };
    assert_eq!(collect_targets(&data, "exe_pie", -1, "oxt", "hit", 0, k).unwrap_err().errno(), libc::ENOENT);
}
