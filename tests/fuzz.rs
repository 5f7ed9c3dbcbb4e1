//! Fuzzing on stable Rust (cargo-fuzz needs nightly): a seeded mutational fuzzer over five
//! targets, seeded from real clang-19 objects (the ctests fixtures `ctests/bpf/*.bpf.c` and
//! `tests/fixtures/objects/*.bpf.c`, compiled against this kernel's vmlinux.h):
//!
//! - `open_mem`   `bpf_object__open_mem` + `bpf_object__close` on the mutated object
//! - `btf`        `Btf::parse` of the mutated `.BTF` section, then every type read back
//! - `btf_ext`    `BtfExt::parse` of the mutated `.BTF.ext` against the seed's `.BTF`
//! - `core`       every CO-RE relocation of the object (mutated `.BTF` / `.BTF.ext`) resolved
//!   against the fixed vmlinux BTF of this kernel
//! - `skeleton`   `bpf_object__open_skeleton` / `destroy_skeleton` with the seed's map and
//!   program names over the mutated object
//!
//! Mutations: bit flips, interesting 32-bit values written at aligned offsets, byte runs,
//! truncation, chunk duplication. A panic fails the test; the input is written to
//! `target/fuzz-crashes/` and named in the message. Inputs that once crashed are kept in
//! `tests/fuzz/regressions/<target>/` and replayed first on every run.
//!
//! Budget: `OXBPF_FUZZ_INPUTS` inputs per target (default: a few seconds' worth per target,
//! 300 to 100,000), the same inputs on every machine, so a CI failure reproduces anywhere; `OXBPF_FUZZ_SECS` instead runs each target for
//! that many seconds (long campaigns). `OXBPF_FUZZ_SEED` picks the mutation stream (default:
//! fixed). The long campaign is described in the README ("Fuzzing").

mod common;

use oxbpf::btf::dedup::{dedup, DedupOpts};
use oxbpf::btf::{Btf, BtfExt, CDump, DataOpts};
use oxbpf::elf::Elf;
use oxbpf::ffi::map::bpf_map__name;
use oxbpf::ffi::object::{
    bpf_object__close, bpf_object__next_map, bpf_object__next_program, bpf_object__open_file, bpf_object__open_mem,
};

use oxbpf::ffi::program::{bpf_program__insn_cnt, bpf_program__name};
use oxbpf::ffi::skeleton::{bpf_object__destroy_skeleton, bpf_object__open_skeleton};
use oxbpf::ffi::types::{bpf_map_skeleton, bpf_object_skeleton, bpf_prog_skeleton};
use oxbpf::reloc::core::{relocate_insn_idx, CandCache, CoreTargets};
use std::ffi::{CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(rng: &mut Rng, seed: &[u8], window: std::ops::Range<usize>) -> Vec<u8> {
    let mut v = seed.to_vec();
    let (lo, hi) = (window.start.min(v.len()), window.end.min(v.len()));
    if hi <= lo {
        return v;
    }
    for _ in 0..1 + rng.below(4) {
        let at = lo + rng.below(hi - lo);
        match rng.below(6) {
            0 => v[at] ^= 1 << rng.below(8),
            1 => {
                let vals = [
                    0u32,
                    1,
                    2,
                    3,
                    4,
                    8,
                    12,
                    16,
                    0x7f,
                    0xff,
                    0x7fff,
                    0xffff,
                    0x8000_0000,
                    0x7fff_ffff,
                    u32::MAX,
                    rng.next() as u32,
                ];
                let a = at & !3;
                if a + 4 <= v.len() {
                    v[a..a + 4].copy_from_slice(&vals[rng.below(vals.len())].to_ne_bytes());
                }
            }
            2 => {
                let n = (1 + rng.below(16)).min(v.len() - at);
                let b = rng.next() as u8;
                v[at..at + n].iter_mut().for_each(|x| *x = b);
            }
            3 => v[at] = rng.next() as u8,
            4 => {
                let a = at & !3;
                if a + 4 <= v.len() {
                    let x = u32::from_ne_bytes(v[a..a + 4].try_into().unwrap());
                    let d = [1u32, 2, 4, 8, u32::MAX][rng.below(5)];
                    v[a..a + 4].copy_from_slice(&x.wrapping_add(d).to_ne_bytes());
                }
            }
            _ => {
                if rng.below(8) == 0 {
                    v.truncate(at.max(1));
                    return v;
                }
                let n = (1 + rng.below(64)).min(hi.min(v.len()) - at);
                let chunk = v[at..at + n].to_vec();
                let to = lo + rng.below(hi - lo);
                let end = (to + n).min(v.len());
                v[to..end].copy_from_slice(&chunk[..end - to]);
            }
        }
    }
    v
}

/// The seed objects, compiled once; `None` (with a message) without clang-19, bpftool, the
/// libbpf 1.5 headers or kernel BTF.
/// A seed: source file name and object bytes.
type Seed = (String, Vec<u8>);

fn seeds() -> Option<&'static [Seed]> {
    static S: OnceLock<Option<Vec<Seed>>> = OnceLock::new();
    S.get_or_init(|| {
        if !Path::new("/sys/kernel/btf/vmlinux").exists() {
            crate::skip!("no /sys/kernel/btf/vmlinux");
            return None;
        }
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let vmlinux = match Command::new("/usr/sbin/bpftool")
            .args(["btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"])
            .output()
        {
            Ok(o) if o.status.success() => o.stdout,
            _ => {
                crate::skip!("bpftool cannot dump vmlinux.h");
                return None;
            }
        };
        std::fs::write(tmp.join("vmlinux.h"), vmlinux).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut srcs: Vec<PathBuf> = Vec::new();
        for d in ["ctests/bpf", "tests/fixtures/objects"] {
            for e in std::fs::read_dir(root.join(d)).unwrap() {
                let p = e.unwrap().path();
                if p.to_string_lossy().ends_with(".bpf.c") {
                    srcs.push(p);
                }
            }
        }
        srcs.sort();
        let mut out = Vec::new();
        for (i, src) in srcs.iter().enumerate() {
            let obj = common::bpf_object(&format!("{i}.o"), src, &["-I".as_ref(), tmp.as_os_str()])?;
            out.push((src.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&obj).unwrap()));
        }
        let _ = std::fs::remove_dir_all(&tmp);
        Some(out)
    })
    .as_deref()
}

/// Byte range of the section header table and the ELF header's table fields in `obj`.
fn shdr_table_range(obj: &[u8]) -> std::ops::Range<usize> {
    let word =
        |off: usize, n: usize| obj.get(off..off + n).map(|b| b.iter().rev().fold(0usize, |a, &x| a << 8 | x as usize));
    match (word(0x28, 8), word(0x3c, 2)) {
        (Some(shoff), Some(shnum)) if shoff.saturating_add(shnum * 64) <= obj.len() => shoff..shoff + shnum * 64,
        _ => 0x28..0x40,
    }
}

/// Byte range of section `name` in `obj` (the whole file when absent).
fn section_range(obj: &[u8], name: &str) -> std::ops::Range<usize> {
    let Ok(elf) = oxbpf::elf::Elf::parse(obj, "seed") else { return 0..obj.len() };
    match elf.section_by_name(name) {
        Some(s) if !s.data.is_empty() => {
            let start = s.data.as_ptr() as usize - obj.as_ptr() as usize;
            start..start + s.data.len()
        }
        _ => 0..obj.len(),
    }
}

fn section<'a>(obj: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let r = section_range(obj, name);
    (r != (0..obj.len())).then(|| &obj[r])
}

fn vmlinux() -> &'static Btf {
    static V: OnceLock<Btf> = OnceLock::new();
    V.get_or_init(|| Btf::parse(&std::fs::read("/sys/kernel/btf/vmlinux").unwrap()).expect("vmlinux BTF"))
}

fn quiet() {
    static Q: OnceLock<()> = OnceLock::new();
    Q.get_or_init(|| {
        // SAFETY: NULL print callback silences the library.
        unsafe { oxbpf::ffi::print::libbpf_set_print(None) };
    });
}

// ---- targets ---------------------------------------------------------------------------------

fn t_open_mem(data: &[u8], _seed: &[u8]) {
    // SAFETY: `data` is alive for the call; the object is closed once.
    unsafe {
        let obj = bpf_object__open_mem(data.as_ptr().cast(), data.len(), std::ptr::null());
        if !obj.is_null() {
            bpf_object__close(obj);
        }
    }
}

/// What an open gave, to compare two ways of opening the same bytes: `Err(errno)` or, per
/// program, its name and instruction count, and the map names.
type OpenSummary = Result<(Vec<(String, usize)>, Vec<String>), i32>;

/// Open through `open`, summarise, close.
///
/// # Safety
/// `open` returns a live object or NULL with errno set.
unsafe fn open_summary(open: impl FnOnce() -> *mut oxbpf::object::Object) -> OpenSummary {
    common::set_errno(0);
    let obj = open();
    if obj.is_null() {
        return Err(common::errno());
    }
    let (mut progs, mut maps) = (Vec::new(), Vec::new());
    // SAFETY: `obj` is live until the close below; names are NUL-terminated strings it owns.
    unsafe {
        let mut p = bpf_object__next_program(obj, std::ptr::null_mut());
        while !p.is_null() {
            progs.push((CStr::from_ptr(bpf_program__name(p)).to_string_lossy().into_owned(), bpf_program__insn_cnt(p)));
            p = bpf_object__next_program(obj, p);
        }
        let mut m = bpf_object__next_map(obj, std::ptr::null_mut());
        while !m.is_null() {
            // An internal map's name starts with the object's name, which is the path for one
            // and the buffer address for the other: compared from its '.'.
            let n = CStr::from_ptr(bpf_map__name(m)).to_string_lossy().into_owned();
            maps.push(n.find('.').map_or(n.clone(), |i| n[i..].to_string()));
            m = bpf_object__next_map(obj, m);
        }
        bpf_object__close(obj);
    }
    Ok((progs, maps))
}

/// `bpf_object__open_file` (which reads only what open parses, at new offsets: see
/// `oxbpf::elf::read_compact`) must open any bytes exactly as `bpf_object__open_mem` does:
/// the same errno, or the same programs and maps.
fn t_open_file(data: &[u8], _seed: &[u8]) {
    static PATH: OnceLock<CString> = OnceLock::new();
    let path = PATH.get_or_init(|| {
        let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-open-file-{}.o", std::process::id()));
        CString::new(p.to_string_lossy().into_owned()).unwrap()
    });
    std::fs::write(path.to_str().unwrap(), data).unwrap();
    // SAFETY: the path and `data` are alive for the calls; each object is closed once.
    let (file, mem) = unsafe {
        (
            open_summary(|| bpf_object__open_file(path.as_ptr(), std::ptr::null())),
            open_summary(|| bpf_object__open_mem(data.as_ptr().cast(), data.len(), std::ptr::null())),
        )
    };
    assert_eq!(file, mem, "open_file and open_mem disagree on the same bytes");
}

/// `oxbpf::elf::read_object_file` (open_file where the file cannot be mapped: the read plan
/// placed at the file's offsets, DWARF left unread) must parse as the bytes themselves do: the
/// same error, or the same sections (every field; the data of all but DWARF) and symbols.
fn t_read_in_place(data: &[u8], _seed: &[u8]) {
    static PATH: OnceLock<String> = OnceLock::new();
    let path = PATH.get_or_init(|| {
        let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-read-in-place-{}.o", std::process::id()));
        p.to_string_lossy().into_owned()
    });
    std::fs::write(path, data).unwrap();
    let img = oxbpf::elf::read_object_file(path).unwrap();
    let whole = oxbpf::elf::AlignedBuf::copy_from(data);
    assert_eq!(elf_summary(img.as_bytes()), elf_summary(whole.as_bytes()), "read in place and the bytes disagree");
}

/// What [`Elf::parse`] makes of `b`: its error, or every section field, the data of all but
/// DWARF's sections, and the symbols.
fn elf_summary(b: &[u8]) -> String {
    match Elf::parse(b, "f") {
        Err(e) => format!("error {}: {}", e.errno(), e.message()),
        Ok(e) => {
            let mut out = String::new();
            for s in &e.sections {
                let dwarf = s.name.starts_with(".debug_") || s.name.starts_with(".rel.debug_");
                let fields = (s.index, s.name, s.sh_type, s.flags, s.size, s.link, s.info, s.entsize, s.align);
                let data = if dwarf { &[][..] } else { s.data };
                out += &format!("{fields:?} {:?} {data:?}\n", s.data_err);
            }
            for sym in &e.symbols {
                out += &format!("{sym:?}\n");
            }
            out
        }
    }
}

fn walk(btf: &Btf) {
    for id in 0..btf.type_cnt().min(100_000) {
        if let Some(t) = btf.ty(id) {
            let _ = btf.resolve_size(id);
            if !t.name.is_empty() {
                let _ = btf.find_by_name(t.name);
            }
        }
    }
}

fn t_btf(data: &[u8], _seed: &[u8]) {
    if let Ok(b) = Btf::parse(data) {
        walk(&b);
    }
}

fn t_btf_ext(data: &[u8], seed: &[u8]) {
    let Some(btf) = section(seed, ".BTF").and_then(|b| Btf::parse(b).ok()) else { return };
    if let Ok(e) = BtfExt::parse(data, &btf) {
        let names: Vec<String> = e.sections().map(String::from).collect();
        for s in names {
            let _ = e.func_info(&s).map(|i| i.records.len());
            let _ = e.line_info(&s).map(|i| i.records.len());
            let _ = e.core_relos(&s).map(|r| r.len());
        }
    }
}

fn t_core(data: &[u8], _seed: &[u8]) {
    let Ok((local, Some(ext))) = Btf::parse_elf(data, None, true) else { return };
    let Ok(elf) = oxbpf::elf::Elf::parse(data, "fuzz") else { return };
    let targets = CoreTargets { btfs: vec![vmlinux()] };
    let mut cache = CandCache::new();
    let names: Vec<String> = ext.sections().map(String::from).collect();
    for s in names {
        let Some(sec) = elf.section_by_name(&s) else { continue };
        let mut insns: Vec<u64> = sec.data.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
        for (i, r) in ext.core_relos(&s).unwrap_or(&[]).iter().enumerate() {
            let idx = r.insn_off as usize / 8;
            let _ = relocate_insn_idx(&local, r, i, &mut insns, idx, &targets, &mut cache, "fuzz");
        }
    }
}

fn t_skeleton(data: &[u8], seed: &[u8]) {
    // Names from the seed (what a generator would have written), the mutated bytes as data.
    let mut maps = Vec::new();
    let mut progs = Vec::new();
    // SAFETY: the seed object is opened, walked and closed here; names are copied out.
    unsafe {
        let obj = bpf_object__open_mem(seed.as_ptr().cast(), seed.len(), std::ptr::null());
        if obj.is_null() {
            return;
        }
        let mut m = bpf_object__next_map(obj, std::ptr::null());
        while !m.is_null() {
            maps.push(CStr::from_ptr(bpf_map__name(m)).to_owned());
            m = bpf_object__next_map(obj, m);
        }
        let mut p = bpf_object__next_program(obj, std::ptr::null_mut());
        while !p.is_null() {
            progs.push(CStr::from_ptr(bpf_program__name(p)).to_owned());
            p = bpf_object__next_program(obj, p);
        }
        bpf_object__close(obj);
    }
    let n_maps = maps.len();
    let n_progs = progs.len();
    let mut handles = vec![std::ptr::null_mut(); n_maps + n_progs + 1];
    let mut mmaped = vec![std::ptr::null_mut(); n_maps];
    let name = CString::new("fuzz").unwrap();
    // SAFETY: the skeleton arrays come from libc calloc (destroy frees them with free); every
    // pointer stored in them (names, handle slots) outlives the skeleton.
    unsafe {
        let s = libc::calloc(1, std::mem::size_of::<bpf_object_skeleton>()) as *mut bpf_object_skeleton;
        let ms = libc::calloc(n_maps.max(1), std::mem::size_of::<bpf_map_skeleton>()) as *mut bpf_map_skeleton;
        let ps = libc::calloc(n_progs.max(1), std::mem::size_of::<bpf_prog_skeleton>()) as *mut bpf_prog_skeleton;
        assert!(!s.is_null() && !ms.is_null() && !ps.is_null());
        let (obj_slot, rest) = handles.split_at_mut(1);
        for (i, n) in maps.iter().enumerate() {
            let e = &mut *ms.add(i);
            e.name = n.as_ptr();
            e.map = (&mut rest[i]) as *mut _ as *mut _;
            e.mmaped = &mut mmaped[i];
        }
        for (i, n) in progs.iter().enumerate() {
            let e = &mut *ps.add(i);
            e.name = n.as_ptr();
            e.prog = (&mut rest[n_maps + i]) as *mut _ as *mut _;
        }
        (*s).sz = std::mem::size_of::<bpf_object_skeleton>();
        (*s).name = name.as_ptr();
        (*s).data = data.as_ptr().cast();
        (*s).data_sz = data.len();
        (*s).obj = (&mut obj_slot[0]) as *mut _ as *mut _;
        (*s).map_cnt = n_maps as i32;
        (*s).map_skel_sz = std::mem::size_of::<bpf_map_skeleton>() as i32;
        (*s).maps = ms;
        (*s).prog_cnt = n_progs as i32;
        (*s).prog_skel_sz = std::mem::size_of::<bpf_prog_skeleton>() as i32;
        (*s).progs = ps;
        let _ = bpf_object__open_skeleton(s, std::ptr::null());
        bpf_object__destroy_skeleton(s);
    }
}

// ---- driver ----------------------------------------------------------------------------------

/// BTF construction: every type of the mutated BTF copied one by one into a new BTF, then the
/// whole BTF appended again, and the raw data built (both byte orders).
fn t_btf_write(data: &[u8], _seed: &[u8]) {
    let Ok(src) = Btf::parse(data) else { return };
    let mut dst = Btf::new_empty(None);
    for id in src.start_id()..src.type_cnt().min(20_000) {
        if let Some(rec) = src.type_record(id) {
            let _ = dst.add_type(&src, rec);
        }
    }
    let _ = dst.add_btf(&src);
    walk(&dst);
    let _ = dst.raw_data_out().len();
    dst.set_big_endian(cfg!(target_endian = "little"));
    let _ = dst.raw_data_out().len();
}

/// Deduplication of the mutated BTF, with the seed's .BTF.ext remapped when it parses.
fn t_btf_dedup(data: &[u8], seed: &[u8]) {
    let Ok(mut btf) = Btf::parse(data) else { return };
    let mut ext = section(seed, ".BTF.ext").and_then(|e| BtfExt::parse(e, &btf).ok());
    if dedup(&mut btf, ext.as_mut(), &DedupOpts::default()).is_ok() {
        walk(&btf);
    }
}

/// The C dump of every type, each type's declaration, and a typed-data dump of the first types
/// over a buffer of 0xff bytes.
fn t_btf_dump(data: &[u8], _seed: &[u8]) {
    let Ok(btf) = Btf::parse(data) else { return };
    let Ok(mut d) = CDump::new(&btf, Box::new(|_: &[u8]| {})) else { return };
    let n = btf.type_cnt().min(5_000);
    for id in 1..n {
        let _ = d.dump_type(&btf, id);
        let _ = d.emit_type_decl_api(&btf, id, b"x", 1, false);
    }
    let buf = [0xffu8; 256];
    for id in 1..n.min(200) {
        let _ = d.dump_type_data(&btf, id, &buf, buf.as_ptr() as usize, &DataOpts::default());
    }
}

/// The static linker on the mutated object (a file, as bpf_linker__add_file takes), linked
/// alone and after the unmutated seed.
fn t_linker(data: &[u8], seed: &[u8]) {
    let dir = std::env::temp_dir().join(format!("oxbpf-fuzz-linker-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let (input, base, out) = (dir.join("in.o"), dir.join("seed.o"), dir.join("out.o"));
    if std::fs::write(&input, data).is_err() || std::fs::write(&base, seed).is_err() {
        return;
    }
    for files in [&[&input][..], &[&base, &input][..]] {
        let Ok(mut l) = oxbpf::linker::Linker::new(&out.to_string_lossy()) else { return };
        if files.iter().all(|f| l.add_file(&f.to_string_lossy()).is_ok()) {
            let _ = l.finalize();
        }
    }
}

type Target = fn(&[u8], &[u8]);

fn save(target: &str, what: &str, input: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-crashes");
    std::fs::create_dir_all(&dir).unwrap();
    let h = input.iter().fold(0xcbf29ce484222325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3));
    let p = dir.join(format!("{target}-{what}-{h:016x}.bin"));
    std::fs::write(&p, input).unwrap();
    p
}

/// The input each target is running and since when, for the hang watchdog.
type Current = std::sync::Arc<std::sync::Mutex<Option<(Vec<u8>, Instant)>>>;

/// A hang is an input still running after `OXBPF_FUZZ_HANG_SECS` (default 120: inputs are a
/// few KiB and take milliseconds, so only a runaway loop gets there): the input is saved and
/// the process aborts, like libFuzzer's timeout.
fn watchdog(target: &'static str) -> Current {
    let cur: Current = Default::default();
    let limit =
        Duration::from_secs(std::env::var("OXBPF_FUZZ_HANG_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(120));
    let c = cur.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(1));
        let g = c.lock().unwrap();
        if let Some((input, since)) = g.as_ref() {
            if since.elapsed() > limit {
                let p = save(target, "hang", input);
                eprintln!("fuzz target {target}: one input ran for over {limit:?}; saved to {}", p.display());
                std::process::abort();
            }
        }
    });
    cur
}

fn run_one(target: &'static str, f: Target, input: &[u8], seed: &[u8], cur: &Current) {
    *cur.lock().unwrap() = Some((input.to_vec(), Instant::now()));
    let r = catch_unwind(AssertUnwindSafe(|| f(input, seed)));
    *cur.lock().unwrap() = None;
    if r.is_err() {
        let p = save(target, "panic", input);
        panic!(
            "fuzz target {target} panicked; input saved to {} (keep it in tests/fuzz/regressions/{target}/)",
            p.display()
        );
    }
}

fn fuzz(target: &'static str, f: Target, section_name: Option<&str>, default_inputs: u64) {
    quiet();
    let Some(seeds) = seeds() else { return };
    let cur = watchdog(target);
    // Regressions first: each is a whole input for the target (seeded with the first object).
    let reg = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/regressions").join(target);
    if let Ok(rd) = std::fs::read_dir(&reg) {
        for e in rd {
            let p = e.unwrap().path();
            run_one(target, f, &std::fs::read(&p).unwrap(), &seeds[0].1, &cur);
        }
    }
    // A time budget (OXBPF_FUZZ_SECS) runs as many inputs as fit, which depends on the machine;
    // without one a fixed number of inputs runs, so every machine (CI included) sees the same ones.
    let secs: Option<u64> = std::env::var("OXBPF_FUZZ_SECS").ok().and_then(|s| s.parse().ok());
    let inputs: u64 = std::env::var("OXBPF_FUZZ_INPUTS").ok().and_then(|s| s.parse().ok()).unwrap_or(default_inputs);
    let seed: u64 = std::env::var("OXBPF_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x0b5f_f022);
    let mut rng = Rng(seed | 1);
    let start = Instant::now();
    let end = secs.map(|s| start + Duration::from_secs(s));
    let mut n = 0u64;
    while match end {
        Some(end) => Instant::now() < end,
        None => n < inputs,
    } {
        let (_, obj) = &seeds[rng.below(seeds.len())];
        let input = match section_name {
            // whole-object targets mutate mostly inside the BTF sections, sometimes anywhere
            None => {
                // open_file reads by the section table: it gets table mutations half the time.
                let w = match rng.below(if target == "open_file" || target == "read_in_place" { 6 } else { 3 }) {
                    0 => section_range(obj, ".BTF"),
                    1 => section_range(obj, ".BTF.ext"),
                    2 => 0..obj.len(),
                    _ => shdr_table_range(obj),
                };
                mutate(&mut rng, obj, w)
            }
            Some(s) => {
                let Some(d) = section(obj, s) else { continue };
                mutate(&mut rng, d, 0..d.len())
            }
        };
        run_one(target, f, &input, obj, &cur);
        n += 1;
    }
    eprintln!("fuzz {target}: {n} inputs in {:.1} s, seed {seed}", start.elapsed().as_secs_f64());
}

#[test]
fn fuzz_open_mem() {
    fuzz("open_mem", t_open_mem, None, 20000);
}

#[test]
fn fuzz_open_file() {
    fuzz("open_file", t_open_file, None, 3000);
}

#[test]
fn fuzz_read_in_place() {
    fuzz("read_in_place", t_read_in_place, None, 3000);
}

/// Each seed as a file: the compact image parses to the same sections (every field; the data
/// of all but DWARF) and symbols as the whole file.
#[test]
fn compact_image_parses_like_the_file() {
    let Some(seeds) = seeds() else { return };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let mut left_total = 0;
    for (name, obj) in seeds {
        let p = dir.join(format!("compact-{}-{name}.o", std::process::id()));
        std::fs::write(&p, obj).unwrap();
        let f = std::fs::File::open(&p).unwrap();
        let img = oxbpf::elf::read_compact(&f, obj.len() as u64, false).unwrap().map(|c| c.image);
        let left = oxbpf::elf::read_compact(&f, obj.len() as u64, true).unwrap();
        let in_place = oxbpf::elf::read_object_file(p.to_str().unwrap()).unwrap();
        std::fs::remove_file(&p).unwrap();
        let img = img.unwrap_or_else(|| panic!("{name}: a clang object has a plain layout"));
        let (whole, compact) = (Elf::parse(obj, name).unwrap(), Elf::parse(img.as_bytes(), name).unwrap());
        assert_eq!(whole.sections.len(), compact.sections.len(), "{name}");
        let mut dwarf = 0;
        for (a, b) in whole.sections.iter().zip(&compact.sections) {
            let what = format!("{name}: section {} {}", a.index, a.name);
            assert_eq!(
                (a.index, a.name, a.sh_type, a.flags, a.size, a.link, a.info, a.entsize, a.align),
                (b.index, b.name, b.sh_type, b.flags, b.size, b.link, b.info, b.entsize, b.align),
                "{what}"
            );
            if a.name.starts_with(".debug_") || a.name.starts_with(".rel.debug_") {
                assert!(b.data.is_empty() && b.data_err.is_some(), "{what}: DWARF is not read");
                dwarf += 1;
            } else {
                assert_eq!(a.data, b.data, "{what}: data");
                assert_eq!(a.data_err, b.data_err, "{what}");
            }
        }
        assert!(dwarf > 0, "{name}: seeds are built with -g");
        let syms = |e: &Elf| e.symbols.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>();
        assert_eq!(syms(&whole), syms(&compact), "{name}: symbols");
        // The same plan read in place (open_file where the file cannot be mapped): every field
        // and all data but DWARF's are the file's.
        let placed = Elf::parse(in_place.as_bytes(), name).unwrap();
        assert_eq!(whole.sections.len(), placed.sections.len(), "{name}");
        for (a, b) in whole.sections.iter().zip(&placed.sections) {
            let what = format!("{name}: in place: section {} {}", a.index, a.name);
            assert_eq!(
                format!("{:?}", (a.index, a.name, a.sh_type, a.size, a.link, a.info)),
                format!("{:?}", (b.index, b.name, b.sh_type, b.size, b.link, b.info)),
                "{what}"
            );
            assert_eq!(a.data_err, b.data_err, "{what}");
            if a.name.starts_with(".debug_") || a.name.starts_with(".rel.debug_") {
                // Not read, but for bytes in a gap merged into a read (so not asserted zero).
                assert_eq!(a.data.len(), b.data.len(), "{what}");
            } else {
                assert!(a.data == b.data, "{what}: data");
            }
        }
        assert_eq!(syms(&whole), syms(&placed), "{name}: in place: symbols");
        // Asked to leave large writable data in the file: exactly the `.data`/`.data.*`
        // sections of LEAVE_MIN bytes or more are unread (their size kept); all else as read.
        let left = left.unwrap_or_else(|| panic!("{name}: a plain layout"));
        let shoff = u64::from_le_bytes(obj[0x28..0x30].try_into().unwrap()) as usize;
        let sh_offset = |i: usize| u64::from_le_bytes(obj[shoff + i * 64 + 0x18..][..8].try_into().unwrap());
        let leaves = |s: &oxbpf::elf::Section| {
            (s.name == ".data" || s.name.starts_with(".data."))
                && s.sh_type == oxbpf::elf::SHT_PROGBITS
                && s.size >= oxbpf::elf::LEAVE_MIN
        };
        let want: Vec<_> = whole
            .sections
            .iter()
            .filter(|s| leaves(s))
            .map(|s| oxbpf::elf::LeftSection { index: s.index, offset: sh_offset(s.index), size: s.size })
            .collect();
        assert_eq!(left.left, want, "{name}: the sections left in the file");
        left_total += want.len();
        let lean = Elf::parse(left.image.as_bytes(), name).unwrap();
        for (a, b) in whole.sections.iter().zip(&lean.sections) {
            let what = format!("{name}: leaving data: section {} {}", a.index, a.name);
            assert_eq!((a.name, a.size), (b.name, b.size), "{what}");
            if leaves(a) {
                assert!(b.data.is_empty() && b.data_err.is_some(), "{what}: left in the file");
            } else if !(a.name.starts_with(".debug_") || a.name.starts_with(".rel.debug_")) {
                assert!(a.data == b.data, "{what}: data");
            }
        }
    }
    assert!(left_total >= 2, "the big_data fixture's .data and .data.spare are left in the file");
}

#[test]
fn fuzz_btf() {
    fuzz("btf", t_btf, Some(".BTF"), 60000);
}

#[test]
fn fuzz_btf_ext() {
    fuzz("btf_ext", t_btf_ext, Some(".BTF.ext"), 100000);
}

#[test]
fn fuzz_core() {
    fuzz("core", t_core, None, 1000);
}

#[test]
fn fuzz_skeleton() {
    fuzz("skeleton", t_skeleton, None, 10000);
}

#[test]
fn fuzz_btf_write() {
    fuzz("btf_write", t_btf_write, Some(".BTF"), 20000);
}

#[test]
fn fuzz_btf_dedup() {
    fuzz("btf_dedup", t_btf_dedup, Some(".BTF"), 20000);
}

#[test]
fn fuzz_btf_dump() {
    fuzz("btf_dump", t_btf_dump, Some(".BTF"), 300);
}

#[test]
fn fuzz_linker() {
    fuzz("linker", t_linker, None, 2000);
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("oxbpf-fuzz-linker-{}", std::process::id())));
}
