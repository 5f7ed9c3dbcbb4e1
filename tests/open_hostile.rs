//! Hostile input for the open path, through the C exports: real clang-19 objects
//! (tests/fixtures/objects/*.bpf.c) are truncated, bit-flipped, overwritten with boundary values
//! in every structure the open path reads (ELF header, section headers, symbols, relocations,
//! `.BTF`, `.BTF.ext`, `.maps`, struct_ops data) and have their section-header tables permuted,
//! tens of thousands of times, deterministically.
//!
//! Every open must either succeed (and then every map and program is walked through the
//! accessors, touching the memory they hand out) or return NULL with a positive errno and a WARN
//! log line. Never: a panic caught at the boundary (errno ENOTRECOVERABLE), a crash, a hang (a
//! watchdog aborts the process), an open doing more than linear work in its size (the library's
//! work counters, `oxbpf::work`, built with the `fake-kernel` feature), a leaked fd, allocation
//! or mapping. Hand-crafted cases at the end pin the errno libbpf 1.5 gives for specific damage.
//! No assertion here is about time; open speed is the benchmark's business (bench/).
//!
//! Skips (with a message) when clang-19 is not installed; any other missing piece fails.

mod common;

use object::elf::{FileHeader64, SectionHeader64, SHT_REL, SHT_SYMTAB};
use object::read::elf::{FileHeader, SectionHeader};
use object::LittleEndian as LE;
use oxbpf::ffi::map::*;
use oxbpf::ffi::object::*;
use oxbpf::ffi::print::libbpf_set_print;
use oxbpf::ffi::program::*;
use oxbpf::object::{Map, Object};
use oxbpf::work;
use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::{c_char, c_int, c_void, CStr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Live-allocation accounting: the whole test binary (including liboxbpf's rlib) allocates
// through this, so a leak of even one small allocation per open shows up exactly.

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static LIVE_ALLOCS: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded contract.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(l.size() as isize, Ordering::Relaxed);
            LIVE_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded contract.
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(l.size() as isize, Ordering::Relaxed);
            LIVE_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(p, l) };
        LIVE_BYTES.fetch_sub(l.size() as isize, Ordering::Relaxed);
        LIVE_ALLOCS.fetch_sub(1, Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: forwarded contract.
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE_BYTES.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

// ---------------------------------------------------------------------------------------------
// Serialisation and log capture. fd, RSS and allocation counts are process-wide and the print
// callback is global, so the tests of this binary never overlap.

static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    let g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: installing a callback with libbpf's signature.
    unsafe { libbpf_set_print(Some(capture)) };
    g
}

/// WARN and INFO lines of the current open (DEBUG is dropped: it is chatty and never the only
/// account of a failure).
static LOG: Mutex<String> = Mutex::new(String::new());
static WARNED: AtomicBool = AtomicBool::new(false);

extern "C" {
    fn vsnprintf(s: *mut c_char, n: usize, fmt: *const c_char, ap: *mut c_void) -> c_int;
}

/// libbpf print callback. The third argument is a `va_list`; on x86_64 a `va_list` parameter is a
/// pointer to the register save area, which `vsnprintf` takes as is.
unsafe extern "C" fn capture(level: u32, fmt: *const c_char, ap: *mut c_void) -> c_int {
    if level >= 2 {
        return 0;
    }
    let mut buf = [0u8; 512];
    if cfg!(target_arch = "x86_64") {
        // SAFETY: buf is writable for its length; fmt/ap come from the library's print shim.
        unsafe { vsnprintf(buf.as_mut_ptr().cast(), buf.len(), fmt, ap) };
    }
    let text = CStr::from_bytes_until_nul(&buf).map(|c| c.to_string_lossy()).unwrap_or_default();
    if level == 0 {
        WARNED.store(true, Ordering::Relaxed);
    }
    let mut log = LOG.lock().unwrap_or_else(|e| e.into_inner());
    if log.len() < 16 * 1024 {
        log.push_str(&text);
    }
    0
}

fn take_log() -> String {
    std::mem::take(&mut *LOG.lock().unwrap_or_else(|e| e.into_inner()))
}

fn clear_log() {
    LOG.lock().unwrap_or_else(|e| e.into_inner()).clear();
    WARNED.store(false, Ordering::Relaxed);
}

// ---------------------------------------------------------------------------------------------
// Fixtures: compiled once per process.

const LIBBPF_ERRNO_LIBELF: i32 = 4000;
const LIBBPF_ERRNO_FORMAT: i32 = 4001;

struct Fixture {
    name: String,
    bytes: Vec<u8>,
    lay: Layout2,
}

/// Where things are in a fixture's file.
#[derive(Default)]
struct Layout2 {
    shoff: usize,
    shnum: usize,
    shstrndx: usize,
    secs: Vec<Sec>,
    /// Type records of `.BTF`: file offset, kind, vlen.
    btf_types: Vec<(usize, u32, u32)>,
    btf_nr_types: u32,
    btf_str_len: u32,
    /// File offset of `.BTF`'s string section.
    btf_str: usize,
    /// `.BTF.ext`: file offsets of record_size words, and of (sec_name_off, num_info) pairs.
    ext_words: Vec<usize>,
}

#[derive(Clone)]
struct Sec {
    index: usize,
    name: String,
    sh_type: u32,
    link: u32,
    /// File offset of this section's header.
    hdr: usize,
    off: usize,
    size: usize,
}

impl Layout2 {
    fn sec(&self, name: &str) -> Option<&Sec> {
        self.secs.iter().find(|s| s.name == name)
    }
    /// Sections the open path reads (everything but DWARF and its relocations).
    fn interesting(&self) -> impl Iterator<Item = &Sec> {
        self.secs
            .iter()
            .filter(|s| s.index != 0 && !s.name.contains(".debug_") && s.name != ".rel.BTF" && s.name != ".rel.BTF.ext")
    }
    fn rel_secs(&self) -> impl Iterator<Item = &Sec> {
        self.interesting().filter(|s| s.sh_type == SHT_REL)
    }
}

fn layout(bytes: &[u8]) -> Layout2 {
    let hdr = FileHeader64::<LE>::parse(bytes).expect("fixture ELF header");
    let e = LE;
    let table = hdr.sections(e, bytes).expect("fixture sections");
    let shoff = hdr.e_shoff(e) as usize;
    let mut lay = Layout2 { shoff, shnum: table.len(), shstrndx: hdr.e_shstrndx(e) as usize, ..Default::default() };
    for (i, sh) in table.iter().enumerate() {
        let sh: &SectionHeader64<LE> = sh;
        let name = String::from_utf8_lossy(table.section_name(e, sh).unwrap_or(b"")).into_owned();
        lay.secs.push(Sec {
            index: i,
            name,
            sh_type: sh.sh_type(e),
            link: sh.sh_link(e),
            hdr: shoff + i * 64,
            off: sh.sh_offset(e) as usize,
            size: sh.sh_size(e) as usize,
        });
    }
    if let Some(btf) = lay.sec(".BTF").cloned() {
        let b = &bytes[btf.off..btf.off + btf.size];
        let u32at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        let hdr_len = u32at(4) as usize;
        let (type_off, type_len) = (u32at(8) as usize, u32at(12) as usize);
        lay.btf_str_len = u32at(20);
        lay.btf_str = btf.off + hdr_len + u32at(16) as usize;
        let mut o = hdr_len + type_off;
        let end = o + type_len;
        while o < end {
            let info = u32at(o + 4);
            let (kind, vlen) = ((info >> 24) & 0x1f, info & 0xffff);
            lay.btf_types.push((btf.off + o, kind, vlen));
            let extra = match kind {
                1 | 14 | 17 => 4,                      // INT, VAR, DECL_TAG
                3 => 12,                               // ARRAY
                4 | 5 | 15 | 19 => 12 * vlen as usize, // STRUCT, UNION, DATASEC, ENUM64
                6 | 13 => 8 * vlen as usize,           // ENUM, FUNC_PROTO
                _ => 0,
            };
            o += 12 + extra;
        }
        assert_eq!(o, end, "BTF type section walk must end at its end");
        lay.btf_nr_types = lay.btf_types.len() as u32 + 1;
    }
    if let Some(ext) = lay.sec(".BTF.ext").cloned() {
        let b = &bytes[ext.off..ext.off + ext.size];
        let u32at = |o: usize| b.get(o..o + 4).map(|w| u32::from_le_bytes(w.try_into().unwrap()));
        let hdr_len = u32at(4).unwrap() as usize;
        // func_info, line_info, core_relo: (off, len) pairs at 8, 16, 24.
        for pair in [8usize, 16, 24] {
            if pair + 8 > hdr_len {
                break;
            }
            let (off, len) = (u32at(pair).unwrap() as usize, u32at(pair + 4).unwrap() as usize);
            if len == 0 {
                continue;
            }
            let start = hdr_len + off;
            let rec = u32at(start).unwrap() as usize;
            lay.ext_words.push(ext.off + start);
            let mut o = start + 4;
            while o + 8 <= start + len {
                lay.ext_words.push(ext.off + o);
                lay.ext_words.push(ext.off + o + 4);
                let n = u32at(o + 4).unwrap() as usize;
                o += 8 + n * rec;
            }
        }
    }
    lay
}

fn build_fixtures() -> Option<Vec<Fixture>> {
    match Command::new("clang-19").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("clang-19 --version failed: {}", o.status),
        Err(e) => {
            eprintln!("SKIPPED open_hostile: clang-19 is not runnable ({e}); install clang-19 to run these tests");
            return None;
        }
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("open_hostile-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let vmlinux = Command::new("bpftool")
        .args(["btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"])
        .output()
        .expect("bpftool is needed to generate vmlinux.h");
    assert!(vmlinux.status.success(), "bpftool btf dump failed: {}", String::from_utf8_lossy(&vmlinux.stderr));
    std::fs::write(tmp.join("vmlinux.h"), &vmlinux.stdout).expect("write vmlinux.h");
    let src_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/objects");
    let mut srcs: Vec<PathBuf> = std::fs::read_dir(&src_dir)
        .expect("fixture dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".bpf.c"))
        .collect();
    srcs.sort();
    assert!(!srcs.is_empty(), "no fixtures in {}", src_dir.display());
    let mut out = Vec::new();
    for src in srcs {
        let name = src.file_name().unwrap().to_string_lossy().trim_end_matches(".bpf.c").to_string();
        let args = ["-Wall".as_ref(), "-I".as_ref(), tmp.as_os_str()];
        let obj =
            common::bpf_object(&format!("{name}.bpf.o"), &src, &args).expect("libbpf 1.5 headers (scripts/deps.sh)");
        let bytes = std::fs::read(&obj).expect("read object");
        let lay = layout(&bytes);
        out.push(Fixture { name, bytes, lay });
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Some(out)
}

fn fixtures() -> Option<&'static [Fixture]> {
    static F: OnceLock<Option<Vec<Fixture>>> = OnceLock::new();
    F.get_or_init(build_fixtures).as_deref()
}

fn fixture(name: &str) -> Option<&'static Fixture> {
    fixtures().map(|f| f.iter().find(|x| x.name == name).unwrap_or_else(|| panic!("fixture {name} missing")))
}

// ---------------------------------------------------------------------------------------------
// Opening and walking.

#[derive(Debug, Default)]
struct Outcome {
    ok: bool,
    errno: i32,
    warned: bool,
    panicked: bool,
    /// An accessor contradicting another on a successfully opened object.
    walk_err: Option<String>,
    maps: usize,
    progs: usize,
    /// Bytes of the object opened.
    input_len: usize,
    /// The library's work counters for the open call alone (`oxbpf::work`).
    work: work::Counts,
}

fn cstr_len(p: *const c_char) -> usize {
    if p.is_null() {
        0
    } else {
        // SAFETY: accessors return NUL-terminated strings owned by the object.
        unsafe { CStr::from_ptr(p) }.to_bytes().len()
    }
}

/// Read the memory a map hands out: the first 64 KiB and the last byte (a 4 GiB `.bss` is legal).
fn touch(p: *const u8, sz: usize) -> u64 {
    if p.is_null() || sz == 0 {
        return 0;
    }
    let n = sz.min(64 * 1024);
    // SAFETY: the library promises `sz` readable bytes at `p` while the object lives.
    let head = unsafe { std::slice::from_raw_parts(p, n) };
    // SAFETY: as above, sz - 1 < sz.
    let last = unsafe { *p.add(sz - 1) };
    head.iter().map(|&b| b as u64).sum::<u64>() + last as u64
}

/// Walk every map and program of an open object through the C accessors.
///
/// # Safety
/// `obj` is a live object.
unsafe fn walk(obj: *mut Object) -> Result<(usize, usize), String> {
    let mut sum = 0u64;
    let (mut nmaps, mut nprogs) = (0, 0);
    // SAFETY: every handle comes from the iterators of the live object; strings and buffers are
    // read within the sizes the accessors report.
    unsafe {
        let mut m: *mut Map = std::ptr::null_mut();
        loop {
            m = bpf_object__next_map(obj, m);
            if m.is_null() {
                break;
            }
            nmaps += 1;
            sum += cstr_len(bpf_map__name(m)) as u64;
            sum += bpf_map__type(m) as u64 + bpf_map__key_size(m) as u64 + bpf_map__value_size(m) as u64;
            sum += bpf_map__max_entries(m) as u64 + bpf_map__map_flags(m) as u64;
            let mut sz = 0usize;
            let v = bpf_map__initial_value(m, &mut sz);
            sum += touch(v as *const u8, sz);
            let inner = bpf_map__inner_map(m);
            if !inner.is_null() {
                sum += cstr_len(bpf_map__name(inner)) as u64 + bpf_map__value_size(inner) as u64;
            }
            sum += bpf_map__btf_key_type_id(m) as u64 + bpf_map__btf_value_type_id(m) as u64;
            sum +=
                cstr_len(bpf_map__pin_path(m)) as u64 + bpf_map__is_internal(m) as u64 + bpf_map__autocreate(m) as u64;
            // Lookup by the name just read must find a map (possibly an earlier one of that name).
            if bpf_object__find_map_by_name(obj, bpf_map__name(m)).is_null() {
                return Err(format!("find_map_by_name of listed map #{nmaps} failed"));
            }
        }
        // Backwards too.
        let mut back = 0;
        let mut m: *mut Map = std::ptr::null_mut();
        loop {
            m = bpf_object__prev_map(obj, m);
            if m.is_null() {
                break;
            }
            back += 1;
        }
        if back != nmaps {
            return Err(format!("prev_map lists {back} maps, next_map {nmaps}"));
        }
        let mut p = std::ptr::null_mut();
        loop {
            p = bpf_object__next_program(obj, p);
            if p.is_null() {
                break;
            }
            nprogs += 1;
            sum += cstr_len(bpf_program__name(p)) as u64 + cstr_len(bpf_program__section_name(p)) as u64;
            sum += bpf_program__type(p) as u64;
            let n = bpf_program__insn_cnt(p);
            let insns = bpf_program__insns(p) as *const u8;
            sum += touch(insns, n * 8);
            sum += bpf_program__autoload(p) as u64 + bpf_program__expected_attach_type(p) as u64;
            if bpf_object__find_program_by_name(obj, bpf_program__name(p)).is_null() {
                return Err(format!("find_program_by_name of listed program #{nprogs} failed"));
            }
        }
        let btf = bpf_object__btf(obj);
        if !btf.is_null() {
            let n = oxbpf::ffi::btf::btf__type_cnt(btf);
            for id in 0..n.min(256) {
                let t = oxbpf::ffi::btf::btf__type_by_id(btf, id) as *const u32;
                if !t.is_null() {
                    sum += cstr_len(oxbpf::ffi::btf::btf__name_by_offset(btf, *t)) as u64;
                }
            }
        }
        sum += cstr_len(bpf_object__name(obj)) as u64;
    }
    std::hint::black_box(sum);
    Ok((nmaps, nprogs))
}

fn open_mem(buf: &[u8]) -> Outcome {
    clear_log();
    common::set_errno(0);
    work::take();
    // SAFETY: buf is readable for its length; NULL opts.
    let obj = unsafe { bpf_object__open_mem(buf.as_ptr().cast(), buf.len(), std::ptr::null()) };
    let e = common::errno();
    let mut out = Outcome { errno: e, input_len: buf.len(), work: work::take(), ..Default::default() };
    if !obj.is_null() {
        out.ok = true;
        // SAFETY: obj was just opened; closed once.
        unsafe {
            match walk(obj) {
                Ok((m, p)) => (out.maps, out.progs) = (m, p),
                Err(e) => out.walk_err = Some(e),
            }
            bpf_object__close(obj);
        }
    }
    out.warned = WARNED.load(Ordering::Relaxed);
    out.panicked = e == libc::ENOTRECOVERABLE || LOG.lock().unwrap_or_else(|e| e.into_inner()).contains("(panic)");
    out
}

/// What a generated skeleton for a fixture binds: its maps' and programs' names.
struct SkelNames {
    maps: Vec<std::ffi::CString>,
    progs: Vec<std::ffi::CString>,
}

const SKEL_NAME: &CStr = c"hostile";

/// The names a skeleton of the unmutated fixture would carry (internal maps are named after the
/// skeleton, so they come from a skeleton-named open).
fn skel_names(fx: &Fixture) -> SkelNames {
    let opts = oxbpf::ffi::types::bpf_object_open_opts {
        sz: std::mem::size_of::<oxbpf::ffi::types::bpf_object_open_opts>(),
        object_name: SKEL_NAME.as_ptr(),
        // SAFETY: an all-zero opts struct is the C default (every field NULL/0/false).
        ..unsafe { std::mem::zeroed() }
    };
    let mut names = SkelNames { maps: Vec::new(), progs: Vec::new() };
    // SAFETY: valid buffer and opts; the object is closed below.
    unsafe {
        let obj = bpf_object__open_mem(fx.bytes.as_ptr().cast(), fx.bytes.len(), &opts);
        assert!(!obj.is_null(), "{} does not open", fx.name);
        let mut m: *mut Map = std::ptr::null_mut();
        loop {
            m = bpf_object__next_map(obj, m);
            if m.is_null() {
                break;
            }
            names.maps.push(CStr::from_ptr(bpf_map__name(m)).to_owned());
        }
        let mut p = std::ptr::null_mut();
        loop {
            p = bpf_object__next_program(obj, p);
            if p.is_null() {
                break;
            }
            names.progs.push(CStr::from_ptr(bpf_program__name(p)).to_owned());
        }
        bpf_object__close(obj);
    }
    names
}

/// Open `buf` the way a `bpftool gen skeleton` skeleton does (calloc'ed skeleton, map entries
/// with `link` slots, programs by name), walk it, then destroy the skeleton as generated code
/// does on both success and failure.
fn open_skel(buf: &[u8], names: &SkelNames) -> Outcome {
    use oxbpf::ffi::skeleton::{bpf_object__destroy_skeleton, bpf_object__open_skeleton};
    use oxbpf::ffi::types::{bpf_map_skeleton, bpf_object_skeleton, bpf_prog_skeleton};
    let (nm, np) = (names.maps.len(), names.progs.len());
    let mut obj: *mut Object = std::ptr::null_mut();
    let mut map_slots = vec![std::ptr::null_mut::<Map>(); nm];
    let mut mmaped = vec![std::ptr::null_mut::<c_void>(); nm];
    let mut links = vec![std::ptr::null_mut(); nm + np];
    let mut prog_slots = vec![std::ptr::null_mut(); np];
    clear_log();
    let counts: work::Counts;
    // SAFETY: the skeleton and its arrays are calloc'ed like generated code does and handed to
    // destroy_skeleton, which frees them; every slot points at a local that outlives both calls.
    let (r, e) = unsafe {
        let s = libc::calloc(1, std::mem::size_of::<bpf_object_skeleton>()) as *mut bpf_object_skeleton;
        let maps = libc::calloc(nm.max(1), std::mem::size_of::<bpf_map_skeleton>()) as *mut bpf_map_skeleton;
        let progs = libc::calloc(np.max(1), std::mem::size_of::<bpf_prog_skeleton>()) as *mut bpf_prog_skeleton;
        assert!(!s.is_null() && !maps.is_null() && !progs.is_null());
        for i in 0..nm {
            *maps.add(i) = bpf_map_skeleton {
                name: names.maps[i].as_ptr(),
                map: &mut map_slots[i],
                mmaped: &mut mmaped[i],
                link: &mut links[i],
            };
        }
        for i in 0..np {
            *progs.add(i) =
                bpf_prog_skeleton { name: names.progs[i].as_ptr(), prog: &mut prog_slots[i], link: &mut links[nm + i] };
        }
        *s = bpf_object_skeleton {
            sz: std::mem::size_of::<bpf_object_skeleton>(),
            name: SKEL_NAME.as_ptr(),
            data: buf.as_ptr().cast(),
            data_sz: buf.len(),
            obj: &mut obj,
            map_cnt: nm as c_int,
            map_skel_sz: std::mem::size_of::<bpf_map_skeleton>() as c_int,
            maps,
            prog_cnt: np as c_int,
            prog_skel_sz: std::mem::size_of::<bpf_prog_skeleton>() as c_int,
            progs,
        };
        common::set_errno(0);
        work::take();
        let r = bpf_object__open_skeleton(s, std::ptr::null());
        let e = common::errno();
        counts = work::take();
        if r == 0 {
            for &p in mmaped.iter().filter(|p| !p.is_null()) {
                std::hint::black_box(*(p as *const u8));
            }
            let _ = walk(obj);
        }
        bpf_object__destroy_skeleton(s);
        (r, e)
    };
    let mut out = Outcome {
        ok: r == 0,
        errno: if r == 0 { 0 } else { e },
        input_len: buf.len(),
        work: counts,
        ..Default::default()
    };
    if r != 0 && r != -e {
        out.walk_err = Some(format!("open_skeleton returned {r} but errno is {e}"));
    }
    if r == 0 && (map_slots.iter().any(|p| p.is_null()) || prog_slots.iter().any(|p| p.is_null())) {
        out.walk_err = Some("open_skeleton succeeded with unfilled map/program slots".into());
    }
    out.warned = WARNED.load(Ordering::Relaxed);
    out.panicked = e == libc::ENOTRECOVERABLE || LOG.lock().unwrap_or_else(|e| e.into_inner()).contains("(panic)");
    out
}

/// Open with the file API (exercises the path that reads a file).
fn open_file(path: &Path) -> Outcome {
    clear_log();
    common::set_errno(0);
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let input_len = std::fs::metadata(path).map_or(0, |m| m.len() as usize);
    work::take();
    // SAFETY: NUL-terminated path, NULL opts.
    let obj = unsafe { bpf_object__open_file(c.as_ptr(), std::ptr::null()) };
    let e = common::errno();
    let mut out = Outcome { errno: e, input_len, work: work::take(), ..Default::default() };
    if !obj.is_null() {
        out.ok = true;
        // SAFETY: as in open_mem.
        unsafe {
            match walk(obj) {
                Ok((m, p)) => (out.maps, out.progs) = (m, p),
                Err(e) => out.walk_err = Some(e),
            }
            bpf_object__close(obj);
        }
    }
    out.warned = WARNED.load(Ordering::Relaxed);
    out.panicked = e == libc::ENOTRECOVERABLE || LOG.lock().unwrap_or_else(|e| e.into_inner()).contains("(panic)");
    out
}

// ---------------------------------------------------------------------------------------------
// Mutations.

/// A small deterministic PRNG (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())]
    }
}

#[derive(Debug, Clone)]
enum Mut {
    Truncate(usize),
    Flip {
        off: usize,
        mask: u8,
    },
    /// Little-endian write of the low `width` bytes of `val`.
    Put {
        off: usize,
        width: u8,
        val: u64,
    },
    Swap {
        a: usize,
        b: usize,
    },
    /// Fisher-Yates shuffle of the section-header table with this seed (index 0 stays).
    Shuffle {
        seed: u64,
    },
    Many(Vec<Mut>),
}

impl Mut {
    fn apply(&self, buf: &mut Vec<u8>, lay: &Layout2) {
        match self {
            Mut::Truncate(n) => buf.truncate(*n),
            Mut::Flip { off, mask } => {
                if let Some(b) = buf.get_mut(*off) {
                    *b ^= mask;
                }
            }
            Mut::Put { off, width, val } => {
                for (i, byte) in val.to_le_bytes().into_iter().take(*width as usize).enumerate() {
                    if let Some(b) = buf.get_mut(off + i) {
                        *b = byte;
                    }
                }
            }
            Mut::Swap { a, b } => swap_shdr(buf, lay, *a, *b),
            Mut::Shuffle { seed } => {
                let mut r = Rng(*seed);
                for i in (2..lay.shnum).rev() {
                    let j = 1 + r.below(i);
                    swap_shdr(buf, lay, i, j);
                }
            }
            Mut::Many(v) => v.iter().for_each(|m| m.apply(buf, lay)),
        }
    }
}

fn swap_shdr(buf: &mut [u8], lay: &Layout2, a: usize, b: usize) {
    if a == b || a >= lay.shnum || b >= lay.shnum {
        return;
    }
    let (x, y) = (lay.shoff + a * 64, lay.shoff + b * 64);
    let tmp: [u8; 64] = buf[x..x + 64].try_into().unwrap();
    buf.copy_within(y..y + 64, x);
    buf[y..y + 64].copy_from_slice(&tmp);
}

#[derive(Debug, Clone)]
struct Case {
    fx: usize,
    region: &'static str,
    m: Mut,
}

/// 32-bit boundary values, some relative to the file and a section.
fn vals32(file_len: usize, sec_size: usize, rng: &mut Rng) -> Vec<u64> {
    let mut v = vec![0, 1, 2, 7, 8, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xffff_fff8, 0xffff, 0x10000];
    for x in [file_len, sec_size] {
        v.extend([x.wrapping_sub(1) as u64, x as u64, x as u64 + 1, x as u64 + 8, (x / 2) as u64]);
    }
    v.push(rng.next() & 0xffff_ffff);
    v.iter().map(|x| x & 0xffff_ffff).collect()
}

fn vals64(file_len: usize, sec_size: usize, rng: &mut Rng) -> Vec<u64> {
    let mut v = vals32(file_len, sec_size, rng);
    v.extend([u64::MAX, u64::MAX - 7, 1 << 63, (1 << 63) - 1, 1 << 32, (1 << 32) - 1 + 8, rng.next()]);
    v
}

fn gen_cases(fx_idx: usize, fx: &Fixture, seed: u64) -> Vec<Case> {
    let mut rng = Rng(seed);
    let lay = &fx.lay;
    let len = fx.bytes.len();
    let mut cases = Vec::new();
    let mut add = |region: &'static str, m: Mut| cases.push(Case { fx: fx_idx, region, m });

    // Truncation: every length for the first 4 KiB, then strided, and around the section headers.
    for n in 0..4096.min(len) {
        add("truncate", Mut::Truncate(n));
    }
    let mut n = 4096;
    while n < len {
        add("truncate", Mut::Truncate(n));
        n += 1021;
    }
    for d in 1..=130 {
        add("truncate", Mut::Truncate(len - d));
    }

    // ELF header fields: (offset, width).
    let ehdr_fields: &[(usize, u8)] = &[
        (4, 1),
        (5, 1),
        (6, 1),
        (7, 1),
        (16, 2),
        (18, 2),
        (20, 4),
        (32, 8),
        (40, 8),
        (48, 4),
        (52, 2),
        (54, 2),
        (56, 2),
        (58, 2),
        (60, 2),
        (62, 2),
    ];
    for &(off, w) in ehdr_fields {
        let vs = if w == 8 { vals64(len, lay.shoff, &mut rng) } else { vals32(len, lay.shnum, &mut rng) };
        let mut extra = vec![lay.shnum as u64 - 1, lay.shnum as u64 + 1, lay.shstrndx as u64 + 1, 0xff00, 0xffff];
        extra.extend(vs);
        for v in extra {
            add("elf-header", Mut::Put { off, width: w, val: v });
        }
    }

    // Section headers: every field of every section, with values that mean something there.
    let shstr_size = lay.secs.get(lay.shstrndx).map_or(0, |s| s.size) as u64;
    let symtab_idx = lay.secs.iter().position(|s| s.sh_type == SHT_SYMTAB).unwrap_or(0) as u64;
    let shn = lay.shnum as u64;
    let len64 = len as u64;
    for s in &lay.secs {
        let size = s.size as u64;
        let other = lay.secs[rng.below(lay.secs.len())].off as u64;
        let fields: Vec<(usize, u8, Vec<u64>)> = vec![
            (
                0,
                4,
                vec![
                    0,
                    0xffff_ffff,
                    shstr_size,
                    shstr_size - 1,
                    rng.next() % shstr_size,
                    rng.next() % shstr_size,
                    rng.next() % shstr_size,
                ],
            ),
            (4, 4, vec![0, 1, 2, 3, 4, 8, 9, 11, 0x6fff_4c03, 0xffff_ffff]),
            (8, 8, vec![0, 2, 4, 6, u64::MAX]),
            (24, 8, vec![0, 1, 7, len64 - 1, len64, len64 + 1, len64.saturating_sub(size), other, u64::MAX, 1 << 63]),
            (32, 8, vec![0, 1, size.wrapping_sub(1), size + 1, size + 8, len64, len64 + 1, 1 << 32, u64::MAX, 1 << 63]),
            (40, 4, vec![0, 1, shn - 1, shn, s.index as u64, symtab_idx, 0xffff_ffff, rng.next() % shn]),
            (44, 4, vec![0, 1, shn - 1, shn, s.index as u64, symtab_idx, 0xffff_ffff, rng.next() % shn]),
            (48, 8, vec![0, 3, u64::MAX]),
            (56, 8, vec![0, 1, 8, 15, 16, 17, 24, u64::MAX]),
        ];
        let dwarf = s.name.contains(".debug_");
        for (f, w, vs) in fields {
            if dwarf {
                // DWARF is skipped by name; one value per field is enough.
                let v = rng.pick(&vs);
                add("shdr", Mut::Put { off: s.hdr + f, width: w, val: v });
                continue;
            }
            for v in vs {
                add("shdr", Mut::Put { off: s.hdr + f, width: w, val: v });
            }
        }
        // The section's size shrunk (its contents truncated from the reader's point of view).
        if !dwarf && s.index != 0 {
            let mut k = 0usize;
            while k < s.size {
                add("sec-size", Mut::Put { off: s.hdr + 32, width: 8, val: k as u64 });
                k += match k {
                    0..64 => 1,
                    64..256 => 4,
                    _ => 1 + s.size / 150,
                };
            }
        }
    }
    // The size of .BTF's sections as its header says, too.
    if let Some(b) = lay.sec(".BTF") {
        for f in [4usize, 8, 12, 16, 20] {
            for v in vals32(b.size, b.size - 24, &mut rng) {
                add("btf-header", Mut::Put { off: b.off + f, width: 4, val: v });
            }
        }
        for v in [0u64, 1, 2, 0xeb9f, 0x9feb] {
            add("btf-header", Mut::Put { off: b.off, width: 2, val: v });
        }
        add("btf-header", Mut::Put { off: b.off + 2, width: 1, val: 2 });
        add("btf-header", Mut::Put { off: b.off + 3, width: 1, val: 1 });
    }
    // .BTF type records: header words of a sample, every word of DATASEC/VAR/ARRAY records.
    let nt = lay.btf_nr_types as u64;
    let idv = |rng: &mut Rng, self_id: u64| vec![0, self_id, nt - 1, nt, 0xffff_ffff, rng.next() % nt];
    for (i, &(off, kind, vlen)) in lay.btf_types.iter().enumerate() {
        let id = i as u64 + 1;
        // In full: ARRAY, VAR, DATASEC, map definitions (structs whose first member is `type`)
        // and the struct_ops type; a fifth of PTRs (map attributes are pointers to arrays) and
        // FUNCs (kfunc externs); a sample of the rest.
        let name = cstr_at(&fx.bytes, lay.btf_str + rd(&fx.bytes, off, 4) as usize);
        let map_def =
            kind == 4 && vlen > 0 && cstr_at(&fx.bytes, lay.btf_str + rd(&fx.bytes, off + 12, 4) as usize) == "type";
        let full = matches!(kind, 3 | 14 | 15)
            || map_def
            || (kind == 4 && name == "tcp_congestion_ops")
            || (matches!(kind, 2 | 12) && rng.below(5) == 0)
            || rng.below(14) == 0;
        if !full {
            continue;
        }
        for v in [0u64, 1, lay.btf_str_len as u64 - 1, lay.btf_str_len as u64, 0xffff_ffff] {
            add("btf-type", Mut::Put { off, width: 4, val: v });
        }
        // info: kind, vlen, kflag.
        let info = (kind << 24) | vlen;
        for v in [
            info + 1,
            info.wrapping_sub(1),
            (info & 0xffff) | (20 << 24),
            (info & 0xffff) | (31 << 24),
            (info & 0xffff_0000) | 0xffff,
            info | 0x8000_0000,
            (info & 0xffff) | (rng.below(20) as u32) << 24,
        ] {
            add("btf-type", Mut::Put { off: off + 4, width: 4, val: v as u64 });
        }
        for v in idv(&mut rng, id).into_iter().chain([4, 8, 0x1_0000_0000 - 8]) {
            add("btf-type", Mut::Put { off: off + 8, width: 4, val: v & 0xffff_ffff });
        }
        let extra_words = match kind {
            1 | 14 | 17 => 1,
            3 => 3,
            4 | 5 | 15 | 19 => 3 * vlen as usize,
            6 | 13 => 2 * vlen as usize,
            _ => 0,
        };
        for w in 0..extra_words.min(24) {
            for v in idv(&mut rng, id).into_iter().chain([8, 64, 0x7fff_fff8, 0x1000_0000]) {
                add("btf-type", Mut::Put { off: off + 12 + 4 * w, width: 4, val: v });
            }
        }
    }
    // .BTF.ext: header and the record_size / sec_name_off / num_info words.
    if let Some(x) = lay.sec(".BTF.ext") {
        for f in (4..32).step_by(4) {
            for v in vals32(x.size, x.size - 32, &mut rng) {
                add("btf-ext", Mut::Put { off: x.off + f, width: 4, val: v });
            }
        }
        for &w in &lay.ext_words {
            for v in vals32(x.size, 16, &mut rng).into_iter().chain([4, 12, 16, 24, 0x100_0000]) {
                add("btf-ext", Mut::Put { off: w, width: 4, val: v });
            }
        }
    }
    // Symbols: every field of every symbol.
    if let Some(st) = lay.secs.iter().find(|s| s.sh_type == SHT_SYMTAB) {
        let nsyms = st.size / 24;
        for i in 0..nsyms {
            let base = st.off + i * 24;
            for v in vals32(len, 0, &mut rng).into_iter().step_by(3) {
                add("symbol", Mut::Put { off: base, width: 4, val: v });
            }
            for v in [0x00u64, 0x02, 0x03, 0x04, 0x10, 0x12, 0x22, 0xff] {
                add("symbol", Mut::Put { off: base + 4, width: 1, val: v });
            }
            for v in [1u64, 2, 3, 0xff] {
                add("symbol", Mut::Put { off: base + 5, width: 1, val: v });
            }
            let cands = [
                0u64,
                1,
                2,
                lay.shnum as u64 - 1,
                lay.shnum as u64,
                lay.shnum as u64 + 1,
                0xff00,
                0xfff1,
                0xfff2,
                0xffff,
            ];
            for v in cands {
                add("symbol", Mut::Put { off: base + 6, width: 2, val: v });
            }
            for f in [8usize, 16] {
                for v in vals64(len, 0, &mut rng).into_iter().step_by(3).chain([8, 16, 0x1000]) {
                    add("symbol", Mut::Put { off: base + f, width: 8, val: v });
                }
            }
        }
    }
    // Relocations of the sections the open path reads.
    for r in lay.rel_secs() {
        for i in 0..r.size / 16 {
            let base = r.off + i * 16;
            for v in vals64(len, 0, &mut rng).into_iter().chain([4, 8, 16, 0x138, 0x1000]) {
                add("reloc", Mut::Put { off: base, width: 8, val: v });
            }
            let nsyms = lay.secs.iter().find(|s| s.sh_type == SHT_SYMTAB).map_or(0, |s| s.size / 24) as u64;
            for sym in [0u64, 1, nsyms - 1, nsyms, nsyms + 1, 0xffff_ffff, rng.next() % nsyms] {
                add("reloc", Mut::Put { off: base + 12, width: 4, val: sym });
            }
            for t in [0u64, 1, 2, 3, 4, 10, 0xff, 0xffff_ffff] {
                add("reloc", Mut::Put { off: base + 8, width: 4, val: t });
            }
        }
    }
    // Section contents the open path interprets: .maps, struct_ops data, programs, data, strings.
    for s in lay.interesting() {
        if s.size == 0 || s.sh_type == 8 {
            continue;
        }
        let region: &'static str = match s.name.as_str() {
            ".maps" => "maps-data",
            n if n.contains("struct_ops") && !n.starts_with(".rel") => "struct_ops-data",
            ".BTF" => "btf-random",
            ".BTF.ext" => "btf-ext-random",
            _ => "section-data",
        };
        let n = match region {
            "btf-random" => 1500,
            "btf-ext-random" => 400,
            "section-data" => 60,
            _ => 200,
        };
        for _ in 0..n {
            let off = s.off + rng.below(s.size);
            match rng.below(4) {
                0 => add(region, Mut::Flip { off, mask: 1 << rng.below(8) }),
                1 => add(region, Mut::Flip { off, mask: rng.next() as u8 | 1 }),
                2 => {
                    let vs = vals32(len, s.size, &mut rng);
                    let v = rng.pick(&vs);
                    add(region, Mut::Put { off: off & !3, width: 4, val: v })
                }
                _ => {
                    let m = (0..2 + rng.below(6))
                        .map(|_| Mut::Flip { off: s.off + rng.below(s.size), mask: 1 << rng.below(8) })
                        .collect();
                    add(region, Mut::Many(m))
                }
            }
        }
    }
    // Anywhere in the file the reader looks at (headers, tables, interesting sections): flips.
    let mut spots: Vec<(usize, usize)> =
        lay.interesting().filter(|s| s.sh_type != 8).map(|s| (s.off, s.size)).collect();
    spots.push((0, 64));
    spots.push((lay.shoff, lay.shnum * 64));
    for _ in 0..1500 {
        let k = 1 + rng.below(8);
        let m = (0..k)
            .map(|_| {
                let (o, sz) = rng.pick(&spots);
                Mut::Flip { off: o + rng.below(sz.max(1)), mask: 1 << rng.below(8) }
            })
            .collect();
        add("multi-flip", Mut::Many(m));
    }
    // Section-header-table permutations.
    for a in 1..lay.shnum {
        for _ in 0..4 {
            let b = 1 + rng.below(lay.shnum - 1);
            add("shdr-swap", Mut::Swap { a, b });
        }
    }
    for _ in 0..100 {
        add("shdr-shuffle", Mut::Shuffle { seed: rng.next() });
    }
    // Swap two headers, then damage one more field.
    for _ in 0..300 {
        let (a, b) = (1 + rng.below(lay.shnum - 1), 1 + rng.below(lay.shnum - 1));
        let (f, w) = rng.pick(&[(0usize, 4u8), (4, 4), (24, 8), (32, 8), (40, 4), (44, 4), (56, 8)]);
        let vs = vals32(len, 64, &mut rng);
        let v = rng.pick(&vs);
        add(
            "shdr-swap",
            Mut::Many(vec![
                Mut::Swap { a, b },
                Mut::Put { off: lay.shoff + rng.below(lay.shnum) * 64 + f, width: w, val: v },
            ]),
        );
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Process-wide measurements.

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

fn rss_bytes() -> usize {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = s.split_whitespace().nth(1).and_then(|x| x.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize
}

fn mapping_count() -> usize {
    std::fs::read_to_string("/proc/self/maps").map(|s| s.lines().count()).unwrap_or(0)
}

/// Aborts the process if no case finishes for `limit` (a hang in the library would otherwise
/// stall the test run forever). Reports the case that was running.
struct Watchdog {
    progress: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(limit: Duration) -> Watchdog {
        let progress = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let (p, d) = (progress.clone(), done.clone());
        let thread = std::thread::spawn(move || {
            let mut last = u64::MAX;
            let mut since = Instant::now();
            while !d.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                let now = p.load(Ordering::Relaxed);
                if now != last {
                    last = now;
                    since = Instant::now();
                } else if since.elapsed() > limit {
                    eprintln!("open_hostile: case #{now} has been running for {:?}: hang; aborting", since.elapsed());
                    std::process::abort();
                }
            }
        });
        Watchdog { progress, done, thread: Some(thread) }
    }
    fn tick(&self, case: u64) {
        self.progress.store(case, Ordering::Relaxed);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The most work (`oxbpf::work` units: ELF entries and BTF types parsed, lookup candidates
/// examined) one open may do on `len` bytes: every counted entry occupies at least 12 bytes of
/// the file (a BTF type record; section headers 64, symbols 24, relocations 16) and each takes
/// a bounded number of lookups, so an open is linear with a small constant: at most 2 units per
/// input byte plus a fixed 4096 (a file a few bytes long still parses its headers). A lookup that
/// scans every item for every item exceeds it on the objects in this file.
fn work_bound(len: usize) -> u64 {
    2 * len as u64 + 4096
}

/// What is wrong with one outcome, if anything.
fn violation(o: &Outcome) -> Option<String> {
    if o.panicked {
        return Some(format!("panic caught at the C boundary (errno {})", o.errno));
    }
    if !o.ok && o.errno <= 0 {
        return Some(format!("NULL with errno {}", o.errno));
    }
    if !o.ok && cfg!(target_arch = "x86_64") && !o.warned {
        return Some(format!("NULL (errno {}) without a WARN log line", o.errno));
    }
    if o.work.total() > work_bound(o.input_len) {
        return Some(format!(
            "did {} units of work ({:?}) on {} bytes, over the linear bound {}",
            o.work.total(),
            o.work,
            o.input_len,
            work_bound(o.input_len)
        ));
    }
    if let Some(e) = &o.walk_err {
        return Some(format!("opened, but {e}"));
    }
    None
}

// ---------------------------------------------------------------------------------------------
// The campaign.

#[test]
fn mutation_campaign() {
    let _g = lock();
    let Some(fxs) = fixtures() else { return };

    // Every fixture opens cleanly and has what its source declares.
    for fx in fxs {
        let o = open_mem(&fx.bytes);
        assert!(o.ok, "fixture {} does not open: errno {}: {}", fx.name, o.errno, take_log());
        assert!(o.maps > 0 && o.progs > 0, "fixture {}: {} maps, {} programs", fx.name, o.maps, o.progs);
    }

    let mut cases = Vec::new();
    for (i, fx) in fxs.iter().enumerate() {
        cases.extend(gen_cases(i, fx, 0x6f78_6270_6600 + i as u64));
    }

    // Unoptimised builds (plain `cargo test`, with overflow checks) take a third of the cases to
    // keep the run short; `cargo test --release` takes them all.
    if cfg!(debug_assertions) {
        cases = cases.into_iter().step_by(3).collect();
    }

    let fds_before = fd_count();
    let wd = Watchdog::start(Duration::from_secs(20));
    let mut buf = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    let mut n_ok = 0usize;
    // The open with the most work per input byte: (units, bytes, case).
    let mut max_work = (0u64, 1usize, 0usize);
    let mut errnos: std::collections::BTreeMap<i32, usize> = Default::default();
    let mut first_log: std::collections::BTreeMap<i32, String> = Default::default();
    let mut regions: std::collections::BTreeMap<&str, (usize, usize, u64)> = Default::default();
    for (i, c) in cases.iter().enumerate() {
        wd.tick(i as u64);
        let fx = &fxs[c.fx];
        buf.clear();
        buf.extend_from_slice(&fx.bytes);
        c.m.apply(&mut buf, &fx.lay);
        let o = open_mem(&buf);
        let log = take_log();
        if o.work.total() as u128 * max_work.1 as u128 > max_work.0 as u128 * o.input_len.max(1) as u128 {
            max_work = (o.work.total(), o.input_len.max(1), i);
        }
        let r = regions.entry(c.region).or_default();
        r.0 += 1;
        r.2 += o.work.total();
        if o.ok {
            n_ok += 1;
            r.1 += 1;
        } else {
            *errnos.entry(o.errno).or_default() += 1;
            first_log.entry(o.errno).or_insert_with(|| format!("{} {:?}: {}", c.region, c.m, log.trim_end()));
        }
        if let Some(v) = violation(&o) {
            if bad.len() < 25 {
                let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("open_hostile-case-{i}.o"));
                let _ = std::fs::write(&path, &buf);
                bad.push(format!(
                    "#{i} {} {} {:?}: {v}\n    log: {}\n    saved as {}",
                    fx.name,
                    c.region,
                    c.m,
                    log.trim_end(),
                    path.display()
                ));
            } else {
                bad.push(String::new());
            }
        }
    }

    // The file API on a sample of the same damage (it reads the file itself).
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("open_hostile-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(7);
    let mut file_opens = 0;
    for k in 0..300 {
        let i = rng.below(cases.len());
        let c = &cases[i];
        let fx = &fxs[c.fx];
        buf.clear();
        buf.extend_from_slice(&fx.bytes);
        c.m.apply(&mut buf, &fx.lay);
        let path = dir.join(format!("{k}.bpf.o"));
        std::fs::write(&path, &buf).unwrap();
        wd.tick(cases.len() as u64 + k);
        let o = open_file(&path);
        file_opens += 1;
        if let Some(v) = violation(&o) {
            bad.push(format!("open_file of case #{i} {:?}: {v}", c.m));
        }
    }
    // The skeleton API on a sample: binding by name fails on many of them after the object
    // opened, and destroy must free everything either way.
    let skel: Vec<SkelNames> = fxs.iter().map(skel_names).collect();
    for (fx, names) in fxs.iter().zip(&skel) {
        let o = open_skel(&fx.bytes, names);
        assert!(o.ok && o.walk_err.is_none(), "skeleton of unmutated {}: {o:?}: {}", fx.name, take_log());
    }
    let mut skel_opens = 0;
    let mut skel_ok = 0;
    for k in 0..if cfg!(debug_assertions) { 1000 } else { 3000 } {
        let i = rng.below(cases.len());
        let c = &cases[i];
        let fx = &fxs[c.fx];
        buf.clear();
        buf.extend_from_slice(&fx.bytes);
        c.m.apply(&mut buf, &fx.lay);
        wd.tick(cases.len() as u64 + 1000 + k);
        let o = open_skel(&buf, &skel[c.fx]);
        skel_opens += 1;
        skel_ok += o.ok as usize;
        if let Some(v) = violation(&o) {
            bad.push(format!("open_skeleton of case #{i} {:?}: {v}\n    log: {}", c.m, take_log().trim_end()));
        }
    }
    let o = open_file(&dir.join("does-not-exist.o"));
    assert!(!o.ok && o.errno == libc::ENOENT, "missing file: {o:?}");
    std::fs::remove_dir_all(&dir).unwrap();
    drop(wd);
    let fds_after = fd_count();

    eprintln!(
        "open_hostile: {} mutated opens ({} succeeded) + {file_opens} file opens + {skel_opens} skeleton opens ({skel_ok} succeeded); most work per byte: {} units on {} bytes (case #{})",
        cases.len(),
        n_ok,
        max_work.0,
        max_work.1,
        max_work.2
    );
    for (r, (n, ok, w)) in &regions {
        eprintln!("    {r:>16}: {n:>6} opens, {ok:>5} opened, {w:>10} work units");
    }
    eprintln!("    errnos of failures: {errnos:?}");
    for (e, l) in &first_log {
        eprintln!("    first failure with errno {e}: {l}");
    }

    assert!(
        bad.is_empty(),
        "{} violations; first ones:\n{}",
        bad.len(),
        bad.iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join("\n")
    );
    assert_eq!(fds_before, fds_after, "fd leak: {fds_before} fds before, {fds_after} after");
    assert!(
        max_work.0 <= work_bound(max_work.1),
        "case #{} did {} units on {} bytes",
        max_work.2,
        max_work.0,
        max_work.1
    );
    assert!(cases.len() >= if cfg!(debug_assertions) { 10_000 } else { 20_000 }, "only {} mutated opens", cases.len());
    assert!(n_ok > 500 && n_ok < cases.len() - 500, "mutations should both pass and fail: {n_ok} of {}", cases.len());
}

/// Run the same 2,000 mutated opens (a quarter through skeletons) twice; the second run must
/// not grow RSS, live heap allocations or memory mappings.
#[test]
fn no_memory_growth() {
    let _g = lock();
    let Some(fxs) = fixtures() else { return };
    let mut all = Vec::new();
    for (i, fx) in fxs.iter().enumerate() {
        all.extend(gen_cases(i, fx, 0x1ea4 + i as u64));
    }
    // A mix: skip the cheap truncations, which mostly fail at the ELF header.
    let mut rng = Rng(99);
    let batch: Vec<Case> = (0..2000)
        .map(|_| loop {
            let c = &all[rng.below(all.len())];
            if c.region != "truncate" || rng.below(10) == 0 {
                break c.clone();
            }
        })
        .collect();
    drop(all);
    let skel: Vec<SkelNames> = fxs.iter().map(skel_names).collect();
    let mut buf = Vec::with_capacity(fxs.iter().map(|f| f.bytes.len()).max().unwrap());
    let mut run = |n_ok: &mut usize| {
        for (i, c) in batch.iter().enumerate() {
            let fx = &fxs[c.fx];
            buf.clear();
            buf.extend_from_slice(&fx.bytes);
            c.m.apply(&mut buf, &fx.lay);
            // Every fourth through a skeleton (its error path closes after a failed bind).
            let o = if i % 4 == 0 { open_skel(&buf, &skel[c.fx]) } else { open_mem(&buf) };
            *n_ok += o.ok as usize;
            assert!(violation(&o).is_none(), "{:?}: {:?}", c.m, o);
        }
        clear_log();
    };
    let mut ok = 0;
    run(&mut ok);
    let (rss0, bytes0, allocs0, maps0) =
        (rss_bytes(), LIVE_BYTES.load(Ordering::SeqCst), LIVE_ALLOCS.load(Ordering::SeqCst), mapping_count());
    let mut ok2 = 0;
    run(&mut ok2);
    let (rss1, bytes1, allocs1, maps1) =
        (rss_bytes(), LIVE_BYTES.load(Ordering::SeqCst), LIVE_ALLOCS.load(Ordering::SeqCst), mapping_count());
    eprintln!(
        "open_hostile: 2000 opens ({ok2} succeeded): RSS {} -> {} KiB, live heap {} -> {} bytes in {} -> {} allocations, {} -> {} mappings",
        rss0 / 1024,
        rss1 / 1024,
        bytes0,
        bytes1,
        allocs0,
        allocs1,
        maps0,
        maps1
    );
    assert!(ok2 > 100, "the batch should contain objects that open ({ok2})");
    assert!(rss1 < rss0 + 4 * 1024 * 1024, "RSS grew by {} KiB over 2000 opens", (rss1 - rss0) / 1024);
    assert!(allocs1 - allocs0 <= 16, "live allocations grew by {} over 2000 opens", allocs1 - allocs0);
    assert!(bytes1 - bytes0 <= 64 * 1024, "live heap grew by {} bytes over 2000 opens", bytes1 - bytes0);
    assert!(maps1 <= maps0 + 4, "memory mappings grew from {maps0} to {maps1}");
}

// ---------------------------------------------------------------------------------------------
// Hand-crafted damage with exact expectations. Where libbpf 1.5's source makes the errno clear
// the same errno is required (4001 is -LIBBPF_ERRNO__FORMAT); the log must name the problem.

fn rd(b: &[u8], off: usize, width: usize) -> u64 {
    let mut v = [0u8; 8];
    v[..width].copy_from_slice(&b[off..off + width]);
    u64::from_le_bytes(v)
}

fn wr(b: &mut [u8], off: usize, width: usize, val: u64) {
    b[off..off + width].copy_from_slice(&val.to_le_bytes()[..width]);
}

fn cstr_at(b: &[u8], off: usize) -> &str {
    let end = b[off..].iter().position(|&c| c == 0).map_or(b.len(), |n| off + n);
    std::str::from_utf8(&b[off..end]).unwrap_or("")
}

/// A symbol's index and the file offset of its entry.
fn symbol(fx: &Fixture, name: &str) -> (usize, usize) {
    let st = fx.lay.secs.iter().find(|s| s.sh_type == SHT_SYMTAB).unwrap();
    let strtab = &fx.lay.secs[st.link as usize];
    (0..st.size / 24)
        .map(|i| (i, st.off + i * 24))
        .find(|&(_, o)| cstr_at(&fx.bytes, strtab.off + rd(&fx.bytes, o, 4) as usize) == name)
        .unwrap_or_else(|| panic!("{}: no symbol {name}", fx.name))
}

/// File offset of the relocation entry in `rel_sec` against symbol `sym`.
fn reloc_against(fx: &Fixture, rel_sec: &str, sym: &str) -> usize {
    let (idx, _) = symbol(fx, sym);
    let r = fx.lay.sec(rel_sec).unwrap_or_else(|| panic!("{}: no section {rel_sec}", fx.name));
    (0..r.size / 16)
        .map(|i| r.off + i * 16)
        .find(|&o| rd(&fx.bytes, o + 12, 4) as usize == idx)
        .unwrap_or_else(|| panic!("{}: no relocation against {sym} in {rel_sec}", fx.name))
}

/// BTF type id and record file offset of the type of `kind` named `name`.
fn btf_type(fx: &Fixture, kind: u32, name: &str) -> (u32, usize) {
    fx.lay
        .btf_types
        .iter()
        .enumerate()
        .find(|(_, &(o, k, _))| k == kind && cstr_at(&fx.bytes, fx.lay.btf_str + rd(&fx.bytes, o, 4) as usize) == name)
        .map(|(i, &(o, _, _))| (i as u32 + 1, o))
        .unwrap_or_else(|| panic!("{}: no BTF type {name} of kind {kind}", fx.name))
}

const BTF_KIND_ARRAY: u32 = 3;
const BTF_KIND_TYPEDEF: u32 = 8;
const BTF_KIND_VAR: u32 = 14;

/// Open `buf`, which must fail with `want` (or any positive errno if None) and a WARN log
/// containing `says`. Returns the log.
fn must_fail(what: &str, buf: &[u8], want: Option<i32>, says: &str) -> String {
    let o = open_mem(buf);
    let log = take_log();
    assert!(!o.ok, "{what}: opened ({} maps, {} programs); log:\n{log}", o.maps, o.progs);
    assert!(!o.panicked, "{what}: panic caught at the boundary:\n{log}");
    match want {
        Some(e) => assert_eq!(o.errno, e, "{what}: errno; log:\n{log}"),
        None => assert!(o.errno > 0, "{what}: errno {}", o.errno),
    }
    if cfg!(target_arch = "x86_64") {
        assert!(o.warned, "{what}: no WARN line; log:\n{log}");
        assert!(log.contains(says), "{what}: log should say '{says}':\n{log}");
    }
    log
}

#[test]
fn empty_and_null_buffers() {
    let _g = lock();
    let b = [0x7fu8, b'E', b'L', b'F'];
    common::set_errno(0);
    // SAFETY: zero-length read of a valid pointer; NULL buffer is the documented error case.
    let (a, c) = unsafe {
        (
            bpf_object__open_mem(b.as_ptr().cast(), 0, std::ptr::null()),
            bpf_object__open_mem(std::ptr::null(), 16, std::ptr::null()),
        )
    };
    assert!(a.is_null() && c.is_null());
    assert_eq!(common::errno(), libc::EINVAL);
    let o = open_mem(&[]);
    assert!(!o.ok && o.errno == libc::EINVAL, "{o:?}");
}

#[test]
fn not_elf() {
    let _g = lock();
    let f = LIBBPF_ERRNO_FORMAT;
    must_fail("text", b"#!/bin/sh\necho this is not an ELF object\n", Some(f), "not a proper ELF object");
    must_fail("3 bytes", b"\x7fEL", Some(f), "not a proper ELF object");
    must_fail("zeros", &[0u8; 4096], Some(f), "not a proper ELF object");
    // Identification bytes of a 64-bit ELF but no room for the rest of the header.
    let mut short = vec![0u8; 40];
    short[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    must_fail("short header", &short, Some(f), "ELF header");
}

#[test]
fn elf32() {
    let _g = lock();
    // A complete, valid 32-bit relocatable BPF ELF header with no sections.
    let mut h = vec![0u8; 52];
    h[..7].copy_from_slice(b"\x7fELF\x01\x01\x01");
    wr(&mut h, 16, 2, 1); // ET_REL
    wr(&mut h, 18, 2, 247); // EM_BPF
    wr(&mut h, 20, 4, 1);
    wr(&mut h, 40, 2, 52); // e_ehsize
    wr(&mut h, 46, 2, 40); // e_shentsize
    must_fail("ELFCLASS32", &h, Some(LIBBPF_ERRNO_FORMAT), "not a 64-bit ELF object");
}

#[test]
fn byte_order() {
    let _g = lock();
    let Some(fx) = fixture("maps_progs") else { return };
    let mut b = fx.bytes.clone();
    b[5] = 2; // ELFDATA2MSB
              // libbpf 1.5 opens big-endian objects for light skeletons only; oxbpf refuses them at open.
    must_fail("big-endian", &b, Some(libc::EOPNOTSUPP), "big-endian");
    b[5] = 0;
    must_fail("ELFDATANONE", &b, Some(4003), "unknown byte order"); // -LIBBPF_ERRNO__ENDIAN
    b[5] = 7;
    must_fail("EI_DATA 7", &b, Some(4003), "unknown byte order");
}

#[test]
fn not_relocatable_bpf() {
    let _g = lock();
    let Some(fx) = fixture("maps_progs") else { return };
    for (what, off, val) in [("ET_EXEC", 16, 2u64), ("ET_DYN", 16, 3), ("ET_CORE", 16, 4), ("EM_X86_64", 18, 62)] {
        let mut b = fx.bytes.clone();
        wr(&mut b, off, 2, val);
        must_fail(what, &b, Some(LIBBPF_ERRNO_FORMAT), "is not a valid eBPF object file");
    }
    // EM_NONE (old LLVM) is accepted.
    let mut b = fx.bytes.clone();
    wr(&mut b, 18, 2, 0);
    assert!(open_mem(&b).ok, "EM_NONE should open: {}", take_log());
}

#[test]
fn section_headers_past_eof() {
    let _g = lock();
    let Some(fx) = fixture("maps_progs") else { return };
    let len = fx.bytes.len() as u64;
    // libbpf's answer depends on libelf here (elfutils refuses the image: LIBELF 4000; otherwise
    // FORMAT 4001); oxbpf gives FORMAT.
    for shoff in [len, len + 64, len - 64, u64::MAX - 63, 1 << 63] {
        let mut b = fx.bytes.clone();
        wr(&mut b, 40, 8, shoff);
        let log = must_fail(&format!("e_shoff {shoff:#x}"), &b, None, "section headers");
        let o = open_mem(&b);
        assert!(
            [LIBBPF_ERRNO_LIBELF, LIBBPF_ERRNO_FORMAT].contains(&o.errno),
            "e_shoff {shoff:#x}: errno {}: {log}",
            o.errno
        );
    }
    // A section count that runs past the end.
    let mut b = fx.bytes.clone();
    wr(&mut b, 60, 2, fx.lay.shnum as u64 + 1);
    must_fail("e_shnum + 1", &b, Some(LIBBPF_ERRNO_FORMAT), "section headers");
}

#[test]
fn symbol_section_index_out_of_range() {
    let _g = lock();
    let Some(fx) = fixture("maps_progs") else { return };
    // `rb` is referenced by a relocation of on_fork; SHN_ABS/SHN_COMMON are past the section
    // count too, and libbpf 1.5 calls all of them corrupted.
    let (_, sym) = symbol(fx, "rb");
    for shndx in [fx.lay.shnum as u64, fx.lay.shnum as u64 + 7, 0xfeff, 0xfff1, 0xfff2, 0xffff] {
        let mut b = fx.bytes.clone();
        wr(&mut b, sym + 6, 2, shndx);
        must_fail(&format!("st_shndx {shndx:#x}"), &b, Some(LIBBPF_ERRNO_FORMAT), "pointing to invalid section");
    }
}

#[test]
fn relocation_offset_out_of_range() {
    let _g = lock();
    let Some(fx) = fixture("maps_progs") else { return };
    let rel = reloc_against(fx, ".reltp_btf/sched_process_fork", "rb");
    let size = fx.lay.sec("tp_btf/sched_process_fork").unwrap().size as u64;
    for off in [size, size + 8, 1 << 40, u64::MAX - 7, 4, size - 1] {
        let mut b = fx.bytes.clone();
        wr(&mut b, rel, 8, off);
        must_fail(&format!("r_offset {off:#x}"), &b, Some(LIBBPF_ERRNO_FORMAT), "invalid offset");
    }
    // A relocation against a symbol index past the symbol table.
    let mut b = fx.bytes.clone();
    wr(&mut b, rel + 12, 4, 0xffff_fff0);
    must_fail("r_sym past the table", &b, Some(LIBBPF_ERRNO_FORMAT), "not found");
}

#[test]
fn program_crosses_section_end() {
    let _g = lock();
    let Some(fx) = fixture("maps_progs") else { return };
    let (_, sym) = symbol(fx, "on_unlink");
    let size = fx.lay.sec("kprobe/do_unlinkat").unwrap().size as u64;
    let value = rd(&fx.bytes, sym + 8, 8);
    for (v, sz) in [(value, size - value + 8), (value, u64::MAX), (size, 8), (u64::MAX - 7, 16), (1 << 62, 1 << 62)] {
        let mut b = fx.bytes.clone();
        wr(&mut b, sym + 8, 8, v);
        wr(&mut b, sym + 16, 8, sz);
        must_fail(
            &format!("st_value {v:#x} st_size {sz:#x}"),
            &b,
            Some(LIBBPF_ERRNO_FORMAT),
            "crosses section boundary",
        );
    }
    // Misaligned or empty: libbpf's "corrupted program", EINVAL.
    for (v, sz) in [(value, 12), (value + 4, 8), (value, 0)] {
        let mut b = fx.bytes.clone();
        wr(&mut b, sym + 8, 8, v);
        wr(&mut b, sym + 16, 8, sz);
        must_fail(&format!("st_value {v:#x} st_size {sz}"), &b, Some(libc::EINVAL), "corrupted program");
    }
}

#[test]
fn maps_entry_beyond_section() {
    let _g = lock();
    let Some(fx) = fixture("maps_progs") else { return };
    // clang leaves .maps DATASEC offsets at 0; they come from the symbols at open.
    let (_, sym) = symbol(fx, "jmp_table");
    let size = fx.lay.sec(".maps").unwrap().size as u64;
    for v in [size, size - 8, 0xffff_fff8] {
        let mut b = fx.bytes.clone();
        wr(&mut b, sym + 8, 8, v);
        must_fail(&format!("jmp_table at {v:#x}"), &b, Some(libc::EINVAL), "BTF data is corrupted");
    }
    // The section shrunk under its last map.
    let mut b = fx.bytes.clone();
    wr(&mut b, fx.lay.sec(".maps").unwrap().hdr + 32, 8, size - 8);
    must_fail(".maps shrunk", &b, Some(libc::EINVAL), "BTF data is corrupted");
}

#[test]
fn struct_ops_var_beyond_section() {
    let _g = lock();
    let Some(fx) = fixture("tcp_cc") else { return };
    let (_, sym) = symbol(fx, "oxreno");
    for v in [8u64, 0xffff_fff8] {
        let mut b = fx.bytes.clone();
        wr(&mut b, sym + 8, 8, v);
        must_fail(&format!("oxreno at {v:#x}"), &b, Some(libc::EINVAL), "beyond the end of DATASEC");
    }
    let sec = fx.lay.sec(".struct_ops").unwrap();
    let mut b = fx.bytes.clone();
    wr(&mut b, sec.hdr + 32, 8, sec.size as u64 - 8);
    must_fail(".struct_ops shrunk", &b, Some(libc::EINVAL), "beyond the end of DATASEC");
}

#[test]
fn looping_typedefs() {
    let _g = lock();
    let Some(fx) = fixture("maps_progs") else { return };
    // u32 -> __u32 -> u32: LINUX_KERNEL_VERSION (a u32 kconfig extern) has no size; libbpf's
    // btf__resolve_size gives up after 32 links with EINVAL.
    let (u32_id, _) = btf_type(fx, BTF_KIND_TYPEDEF, "u32");
    let (_, under) = btf_type(fx, BTF_KIND_TYPEDEF, "__u32");
    let mut b = fx.bytes.clone();
    wr(&mut b, under + 8, 4, u32_id as u64);
    must_fail("u32 <-> __u32", &b, Some(libc::EINVAL), "LINUX_KERNEL_VERSION");
    // u64 -> u64: the value type of the `counters` map.
    let (u64_id, rec) = btf_type(fx, BTF_KIND_TYPEDEF, "u64");
    let mut b = fx.bytes.clone();
    wr(&mut b, rec + 8, 4, u64_id as u64);
    must_fail("u64 -> u64", &b, Some(libc::EINVAL), "counters");
}

#[test]
fn kconfig_extern_of_4gib() {
    let _g = lock();
    let Some(fx) = fixture("maps_progs") else { return };
    // CONFIG_DEFAULT_HOSTNAME is a char[8] kconfig extern; make the array 0xffffffff long. The
    // .kconfig layout (other externs first, then this one) no longer fits in 32 bits. libbpf 1.5
    // stores the size in an int (errno garbage); oxbpf says E2BIG.
    let (_, var) = btf_type(fx, BTF_KIND_VAR, "CONFIG_DEFAULT_HOSTNAME");
    let arr_id = rd(&fx.bytes, var + 8, 4) as usize;
    let (arr, kind, _) = fx.lay.btf_types[arr_id - 1];
    assert_eq!(kind, BTF_KIND_ARRAY);
    for n in [0xffff_ffffu64, 0xffff_fff8] {
        let mut b = fx.bytes.clone();
        wr(&mut b, arr + 12 + 8, 4, n);
        must_fail(&format!("char[{n:#x}]"), &b, Some(libc::E2BIG), "exceeds 4 GiB");
    }
}

#[test]
fn unreadable_sections() {
    let _g = lock();
    let Some(fx) = fixture("maps_progs") else { return };
    let len = fx.bytes.len() as u64;
    // libbpf never reads DWARF (nor address-significance tables): an object whose .debug_info
    // lies outside the file still opens.
    for (sec, field, val) in
        [(".debug_info", 24, len + 4096), (".debug_info", 32, u64::MAX), (".llvm_addrsig", 24, len)]
    {
        let mut b = fx.bytes.clone();
        wr(&mut b, fx.lay.sec(sec).unwrap().hdr + field, 8, val);
        let o = open_mem(&b);
        assert!(o.ok, "{sec} field {field} = {val:#x}: errno {}: {}", o.errno, take_log());
    }
    // A section the open path uses must be readable: -LIBBPF_ERRNO__FORMAT.
    for sec in [".data", "license", ".maps", "kprobe/do_unlinkat", ".BTF", ".rel.maps"] {
        let mut b = fx.bytes.clone();
        wr(&mut b, fx.lay.sec(sec).unwrap().hdr + 24, 8, len);
        must_fail(&format!("{sec} past EOF"), &b, Some(LIBBPF_ERRNO_FORMAT), "failed to get section");
    }
}

/// A synthetic BPF ELF object written from scratch, for sizes no compiler run would produce.
struct Synth {
    /// (name, type, flags, info, entsize, contents); section i+1. SHT_REL sections link to the
    /// symbol table.
    secs: Vec<(String, u32, u64, u32, u64, Vec<u8>)>,
    syms: Vec<u8>,
    symstr: Vec<u8>,
    types: Vec<u8>,
    ntypes: u32,
    strs: Vec<u8>,
}

impl Synth {
    fn new() -> Synth {
        Synth { secs: Vec::new(), syms: vec![0; 24], symstr: vec![0], types: Vec::new(), ntypes: 0, strs: vec![0] }
    }
    fn sec(&mut self, name: &str, typ: u32, flags: u64, data: Vec<u8>) -> u16 {
        self.secs.push((name.to_string(), typ, flags, 0, 0, data));
        self.secs.len() as u16
    }
    /// Executable PROGBITS.
    fn code(&mut self, name: &str, insns: &[[u8; 8]]) -> u16 {
        self.sec(name, 1, 6, insns.concat())
    }
    /// `Elf64_Rel`s (offset, symbol, type) for section `target`.
    fn rels(&mut self, target: u16, rels: &[(u64, u32, u32)]) {
        let name = format!(".rel{}", self.secs[target as usize - 1].0);
        let mut d = Vec::with_capacity(rels.len() * 16);
        for &(off, sym, typ) in rels {
            d.extend_from_slice(&off.to_le_bytes());
            d.extend_from_slice(&(((sym as u64) << 32) | typ as u64).to_le_bytes());
        }
        self.secs.push((name, 9, 0, target as u32, 16, d));
    }
    fn sym(&mut self, name: &str, info: u8, shndx: u16, value: u64, size: u64) -> u32 {
        let off = self.symstr.len() as u32;
        self.symstr.extend_from_slice(name.as_bytes());
        self.symstr.push(0);
        self.syms.extend_from_slice(&off.to_le_bytes());
        self.syms.extend_from_slice(&[info, 0]);
        self.syms.extend_from_slice(&shndx.to_le_bytes());
        self.syms.extend_from_slice(&value.to_le_bytes());
        self.syms.extend_from_slice(&size.to_le_bytes());
        (self.syms.len() / 24 - 1) as u32
    }
    fn str(&mut self, s: &str) -> u32 {
        let off = self.strs.len() as u32;
        self.strs.extend_from_slice(s.as_bytes());
        self.strs.push(0);
        off
    }
    /// One BTF type record (header and extra words); returns its id.
    fn ty(&mut self, words: &[u32]) -> u32 {
        for w in words {
            self.types.extend_from_slice(&w.to_le_bytes());
        }
        self.ntypes += 1;
        self.ntypes
    }
    fn finish(mut self) -> Vec<u8> {
        if self.ntypes > 0 {
            let mut btf = vec![0x9f, 0xeb, 1, 0];
            for x in [24, 0, self.types.len() as u32, self.types.len() as u32, self.strs.len() as u32] {
                btf.extend_from_slice(&x.to_le_bytes());
            }
            btf.extend_from_slice(&self.types);
            btf.extend_from_slice(&self.strs);
            self.sec(".BTF", 1, 0, btf);
        }
        self.sec("license", 1, 3, b"GPL\0".to_vec());
        let syms = std::mem::take(&mut self.syms);
        let symtab = self.sec(".symtab", 2, 0, syms);
        self.secs[symtab as usize - 1].4 = 24;
        let symstr = std::mem::take(&mut self.symstr);
        let strtab = self.sec(".strtab", 3, 0, symstr);
        let mut shstr = vec![0u8];
        let mut names = Vec::new();
        for s in &self.secs {
            names.push(shstr.len() as u32);
            shstr.extend_from_slice(s.0.as_bytes());
            shstr.push(0);
        }
        names.push(shstr.len() as u32);
        shstr.extend_from_slice(b".shstrtab\0");
        let shstrndx = self.sec(".shstrtab", 3, 0, shstr);
        let mut out = vec![0u8; 64];
        let mut hdrs = vec![0u8; 64];
        for (i, (_, typ, flags, info, entsize, data)) in self.secs.iter().enumerate() {
            out.resize(out.len().next_multiple_of(8), 0);
            let off = out.len() as u64;
            out.extend_from_slice(data);
            let (link, info) = match *typ {
                2 => (strtab as u32, 1),
                9 => (symtab as u32, *info),
                _ => (0, *info),
            };
            hdrs.extend_from_slice(&names[i].to_le_bytes());
            hdrs.extend_from_slice(&typ.to_le_bytes());
            hdrs.extend_from_slice(&flags.to_le_bytes());
            hdrs.extend_from_slice(&0u64.to_le_bytes());
            hdrs.extend_from_slice(&off.to_le_bytes());
            hdrs.extend_from_slice(&(data.len() as u64).to_le_bytes());
            hdrs.extend_from_slice(&link.to_le_bytes());
            hdrs.extend_from_slice(&info.to_le_bytes());
            hdrs.extend_from_slice(&8u64.to_le_bytes());
            hdrs.extend_from_slice(&entsize.to_le_bytes());
        }
        out.resize(out.len().next_multiple_of(8), 0);
        let shoff = out.len() as u64;
        out.extend_from_slice(&hdrs);
        out[..16].copy_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
        wr(&mut out, 16, 2, 1); // ET_REL
        wr(&mut out, 18, 2, 247); // EM_BPF
        wr(&mut out, 20, 4, 1);
        wr(&mut out, 40, 8, shoff);
        wr(&mut out, 52, 2, 64);
        wr(&mut out, 58, 2, 64);
        wr(&mut out, 60, 2, self.secs.len() as u64 + 1);
        wr(&mut out, 62, 2, shstrndx as u64);
        out
    }
}

const LD_IMM64_R1: [[u8; 8]; 2] = [[0x18, 0x01, 0, 0, 0, 0, 0, 0], [0; 8]];
const MOV_R0_0: [u8; 8] = [0xb7, 0, 0, 0, 0, 0, 0, 0];
const EXIT: [u8; 8] = [0x95, 0, 0, 0, 0, 0, 0, 0];
const STT_FUNC_GLOBAL: u8 = 0x12;
const STT_OBJECT_GLOBAL: u8 = 0x11;
const STT_NOTYPE_GLOBAL: u8 = 0x10;
const R_BPF_64_64: u32 = 1;
const R_BPF_64_ABS64: u32 = 2;

/// BTF `int` (signed, 32 bits): id.
fn btf_int(o: &mut Synth) -> u32 {
    let name = o.str("int");
    o.ty(&[name, 1 << 24, 4, (1 << 24) | 32])
}

/// A DATASEC named `name` listing `vars` (type id, offset, size), size 0 as clang leaves it.
fn btf_datasec(o: &mut Synth, name: &str, vars: &[(u32, u32, u32)]) -> u32 {
    let name = o.str(name);
    let mut w = vec![name, (15 << 24) | vars.len() as u32, 0];
    for &(t, off, sz) in vars {
        w.extend([t, off, sz]);
    }
    o.ty(&w)
}

/// Open a synthetic object, counting the library's work for the open alone, then check it has
/// map `map` (if any) and program `prog` (lookups, not iteration: stepping through 60,000
/// handles is a test of its own).
fn open_counted(b: &[u8], map: Option<&str>, prog: Option<&str>) -> work::Counts {
    clear_log();
    work::take();
    // SAFETY: valid buffer, NULL opts.
    let obj = unsafe { bpf_object__open_mem(b.as_ptr().cast(), b.len(), std::ptr::null()) };
    let counts = work::take();
    assert!(!obj.is_null(), "errno {}: {}", common::errno(), take_log());
    let c = |s: &str| std::ffi::CString::new(s).unwrap();
    // SAFETY: live object, closed once.
    unsafe {
        if let Some(m) = map {
            assert!(!bpf_object__find_map_by_name(obj, c(m).as_ptr()).is_null(), "no map {m}");
        }
        if let Some(p) = prog {
            assert!(!bpf_object__find_program_by_name(obj, c(p).as_ptr()).is_null(), "no program {p}");
        }
        bpf_object__close(obj);
    }
    counts
}

/// A synthetic object of `n` items, with the map and program names it must have.
struct Built {
    bytes: Vec<u8>,
    map: Option<String>,
    prog: Option<String>,
}

/// Open `build(n/2)` and `build(n)` and require the work to grow linearly: doubling the items
/// at most multiplies the work by 2.25 (linear and n·log n growth pass, the binary searches of
/// program lookup are n·log n; a quadratic open multiplies it by 4), and the larger open stays
/// within [`work_bound`] of its size. A hang aborts the test (watchdog), whatever the counters say.
fn assert_linear_open(what: &str, n: usize, build: impl Fn(usize) -> Built) -> Built {
    let wd = Watchdog::start(Duration::from_secs(120));
    let half = build(n / 2);
    let w_half = open_counted(&half.bytes, half.map.as_deref(), half.prog.as_deref());
    wd.tick(1);
    let full = build(n);
    let w_full = open_counted(&full.bytes, full.map.as_deref(), full.prog.as_deref());
    drop(wd);
    eprintln!("open_hostile: {} {what}: {:?}; {n}: {:?}", n / 2, w_half, w_full);
    assert!(
        w_full.total() * 4 <= w_half.total() * 9,
        "{what}: {} items took {} work units, {} items {}: more than linear",
        n / 2,
        w_half.total(),
        n,
        w_full.total()
    );
    assert!(
        w_full.total() <= work_bound(full.bytes.len()),
        "{what}: {n} items took {} work units on {} bytes",
        w_full.total(),
        full.bytes.len()
    );
    assert!(
        w_full.elf_entries >= n as u64,
        "{what}: the counters saw {} ELF entries for {n} items",
        w_full.elf_entries
    );
    full
}

// Object sizes no compiler produces but nothing forbids: each must open with work linear in
// its size. Unoptimised builds use a sixth of the size.
const HUGE: usize = if cfg!(debug_assertions) { 10_000 } else { 60_000 };

/// `n` `.kconfig` extern ints, each loaded once by one program (4.3 MB for 60,000).
fn build_externs(n: usize) -> Built {
    let mut o = Synth::new();
    let int = btf_int(&mut o);
    let vars: Vec<u32> = (0..n)
        .map(|i| {
            let name = o.str(&format!("CONFIG_X{i}"));
            o.ty(&[name, 14 << 24, int, 2])
        })
        .collect();
    btf_datasec(&mut o, ".kconfig", &vars.iter().map(|&v| (v, 0, 4)).collect::<Vec<_>>());
    let mut insns = Vec::new();
    for _ in 0..n {
        insns.extend(LD_IMM64_R1);
    }
    insns.extend([MOV_R0_0, EXIT]);
    let text = o.code("kprobe/x", &insns);
    o.sym("x", STT_FUNC_GLOBAL, text, 0, insns.len() as u64 * 8);
    let rels: Vec<_> = (0..n)
        .map(|i| (16 * i as u64, o.sym(&format!("CONFIG_X{i}"), STT_NOTYPE_GLOBAL, 0, 0, 0), R_BPF_64_64))
        .collect();
    o.rels(text, &rels);
    Built { bytes: o.finish(), map: Some(".kconfig".into()), prog: Some("x".into()) }
}

#[test]
fn many_externs_open_in_linear_work() {
    let _g = lock();
    let b = assert_linear_open("externs", HUGE, build_externs);
    // SAFETY: valid buffer; the object is closed below.
    unsafe {
        let obj = bpf_object__open_mem(b.bytes.as_ptr().cast(), b.bytes.len(), std::ptr::null());
        let m = bpf_object__find_map_by_name(obj, c".kconfig".as_ptr());
        assert_eq!(bpf_map__value_size(m), 4 * HUGE as u32, ".kconfig holds every extern");
        bpf_object__close(obj);
    }
}

/// `n` global ints in .data: each DATASEC entry's offset comes from its ELF symbol.
fn build_globals(n: usize) -> Built {
    let mut o = Synth::new();
    let int = btf_int(&mut o);
    let vars: Vec<(u32, u32, u32)> = (0..n)
        .map(|i| {
            let name = o.str(&format!("g{i}"));
            (o.ty(&[name, 14 << 24, int, 1]), 0, 4)
        })
        .collect();
    btf_datasec(&mut o, ".data", &vars);
    let data = o.sec(".data", 1, 3, vec![0; 4 * n]);
    for i in 0..n {
        o.sym(&format!("g{i}"), STT_OBJECT_GLOBAL, data, 4 * i as u64, 4);
    }
    let text = o.code("kprobe/x", &[MOV_R0_0, EXIT]);
    o.sym("x", STT_FUNC_GLOBAL, text, 0, 16);
    Built { bytes: o.finish(), map: Some(".data".into()), prog: Some("x".into()) }
}

#[test]
fn many_globals_open_in_linear_work() {
    let _g = lock();
    assert_linear_open("globals", HUGE, build_globals);
}

/// `n` programs in one section, each loading a global: one relocation per program.
fn build_programs(n: usize) -> Built {
    let mut o = Synth::new();
    let int = btf_int(&mut o);
    let name = o.str("g");
    let g = o.ty(&[name, 14 << 24, int, 1]);
    btf_datasec(&mut o, ".data", &[(g, 0, 4)]);
    let data = o.sec(".data", 1, 3, vec![0; 4]);
    let gsym = o.sym("g", STT_OBJECT_GLOBAL, data, 0, 4);
    let mut insns = Vec::new();
    for _ in 0..n {
        insns.extend(LD_IMM64_R1);
        insns.extend([MOV_R0_0, EXIT]);
    }
    let text = o.code("kprobe", &insns);
    let rels: Vec<_> = (0..n)
        .map(|i| {
            o.sym(&format!("p{i}"), STT_FUNC_GLOBAL, text, 32 * i as u64, 32);
            (32 * i as u64, gsym, R_BPF_64_64)
        })
        .collect();
    o.rels(text, &rels);
    Built { bytes: o.finish(), map: Some(".data".into()), prog: Some(format!("p{}", n - 1)) }
}

#[test]
fn many_programs_open_in_linear_work() {
    let _g = lock();
    assert_linear_open("programs", HUGE, build_programs);
}

/// `n` one-program sections.
fn build_program_sections(n: usize) -> Built {
    let mut o = Synth::new();
    for i in 0..n {
        let s = o.code(&format!("kprobe/p{i}"), &[MOV_R0_0, EXIT]);
        o.sym(&format!("p{i}"), STT_FUNC_GLOBAL, s, 0, 16);
    }
    Built { bytes: o.finish(), map: None, prog: Some(format!("p{}", n - 1)) }
}

#[test]
fn many_program_sections_open_in_linear_work() {
    let _g = lock();
    // As many one-program sections as the ELF section count allows without extension.
    let n = if cfg!(debug_assertions) { HUGE } else { 0xff00 - 16 };
    assert_linear_open("program sections", n, build_program_sections);
}

/// `n` BTF-defined array maps (`__uint(type, BPF_MAP_TYPE_ARRAY)` only), each loaded once.
fn build_maps(n: usize) -> Built {
    let mut o = Synth::new();
    let int = btf_int(&mut o);
    let arr = o.ty(&[0, 3 << 24, 0, int, int, 2]); // int[2]: BPF_MAP_TYPE_ARRAY
    let ptr = o.ty(&[0, 2 << 24, arr]);
    let ty = o.str("type");
    let def = o.ty(&[0, (4 << 24) | 1, 8, ty, ptr, 0]);
    let vars: Vec<(u32, u32, u32)> = (0..n)
        .map(|i| {
            let name = o.str(&format!("m{i}"));
            (o.ty(&[name, 14 << 24, def, 1]), 0, 8)
        })
        .collect();
    btf_datasec(&mut o, ".maps", &vars);
    let maps_sec = o.sec(".maps", 1, 3, vec![0; 8 * n]);
    let mut insns = Vec::new();
    for _ in 0..n {
        insns.extend(LD_IMM64_R1);
    }
    insns.extend([MOV_R0_0, EXIT]);
    let text = o.code("kprobe/x", &insns);
    o.sym("x", STT_FUNC_GLOBAL, text, 0, insns.len() as u64 * 8);
    let rels: Vec<_> = (0..n)
        .map(|i| (16 * i as u64, o.sym(&format!("m{i}"), STT_OBJECT_GLOBAL, maps_sec, 8 * i as u64, 8), R_BPF_64_64))
        .collect();
    o.rels(text, &rels);
    Built { bytes: o.finish(), map: Some(format!("m{}", n - 1)), prog: Some("x".into()) }
}

#[test]
fn many_maps_open_in_linear_work() {
    let _g = lock();
    assert_linear_open("maps", HUGE, build_maps);
}

/// One `BPF_MAP_TYPE_PROG_ARRAY` map "jmp" whose `values` hold `n` programs (one `.maps`
/// relocation per slot), as `__array(values, int (void *))` with an initializer compiles to.
fn build_prog_array(n: usize) -> Built {
    let mut o = Synth::new();
    let int = btf_int(&mut o);
    let arr = |o: &mut Synth, elem: u32, len: u32| o.ty(&[0, 3 << 24, 0, elem, int, len]);
    let ptr = |o: &mut Synth, to: u32| o.ty(&[0, 2 << 24, to]);
    let (a3, a4, an) = (arr(&mut o, int, 3), arr(&mut o, int, 4), arr(&mut o, int, n as u32));
    let (p3, p4, pn) = (ptr(&mut o, a3), ptr(&mut o, a4), ptr(&mut o, an));
    let proto = o.ty(&[0, 13 << 24, int]);
    let pproto = ptr(&mut o, proto);
    let values = arr(&mut o, pproto, 0);
    let names = ["type", "key_size", "value_size", "max_entries", "values"].map(|s| o.str(s));
    let members = [p3, p4, p4, pn, values];
    let mut def = vec![0, (4 << 24) | 5, 32];
    for (i, (name, ty)) in names.iter().zip(members).enumerate() {
        def.extend([*name, ty, 64 * i as u32]);
    }
    let def = o.ty(&def);
    let size = 32 + 8 * n as u32;
    let name = o.str("jmp");
    let var = o.ty(&[name, 14 << 24, def, 1]);
    btf_datasec(&mut o, ".maps", &[(var, 0, size)]);
    let maps_sec = o.sec(".maps", 1, 3, vec![0; size as usize]);
    o.sym("jmp", STT_OBJECT_GLOBAL, maps_sec, 0, size as u64);
    let mut insns = Vec::new();
    for _ in 0..n {
        insns.extend([MOV_R0_0, EXIT]);
    }
    let text = o.code("kprobe", &insns);
    let rels: Vec<_> = (0..n)
        .map(|i| (32 + 8 * i as u64, o.sym(&format!("p{i}"), STT_FUNC_GLOBAL, text, 16 * i as u64, 16), R_BPF_64_ABS64))
        .collect();
    o.rels(maps_sec, &rels);
    Built { bytes: o.finish(), map: Some("jmp".into()), prog: Some(format!("p{}", n - 1)) }
}

#[test]
fn many_prog_array_slots_open_in_linear_work() {
    let _g = lock();
    assert_linear_open("prog array slots", HUGE, build_prog_array);
}
