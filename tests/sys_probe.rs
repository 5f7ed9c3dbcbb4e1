//! Kernel feature probes on the running kernel (6.18 here: everything but what needs kprobes
//! or a user namespace should be present).

use oxbpf::sys::cmd;
use oxbpf::sys::probe::{self, Feature, FeatureCache};
use oxbpf::uapi;

#[path = "support/skip.rs"]
mod skip;

/// Root with CAP_BPF: a one-element array map can be created.
fn privileged() -> bool {
    let ok = cmd::map_create(&cmd::MapCreate {
        map_type: uapi::BPF_MAP_TYPE_ARRAY,
        key_size: 4,
        value_size: 4,
        max_entries: 1,
        ..Default::default()
    })
    .is_ok();
    if !ok {
        crate::skip!("cannot create BPF maps (needs root / CAP_BPF)");
    }
    ok
}

fn check(f: Feature) -> bool {
    let r = probe::supported(f);
    eprintln!("{:?} ({}): {}", f, f.desc(), r);
    // A second call answers from the cache, identically.
    assert_eq!(probe::supported(f), r);
    r
}

macro_rules! expect_supported {
    ($($name:ident => $f:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            if !privileged() {
                return;
            }
            assert!(check(Feature::$f), "{} should be supported on this kernel", Feature::$f.desc());
        }
    )*};
}

expect_supported!(
    prog_name => ProgName,
    global_data => GlobalData,
    btf => Btf,
    btf_func => BtfFunc,
    btf_global_func => BtfGlobalFunc,
    btf_datasec => BtfDatasec,
    btf_qmark_datasec => BtfQmarkDatasec,
    btf_float => BtfFloat,
    btf_decl_tag => BtfDeclTag,
    btf_type_tag => BtfTypeTag,
    btf_enum64 => BtfEnum64,
    array_mmap => ArrayMmap,
    exp_attach_type => ExpAttachType,
    probe_read_kernel => ProbeReadKernel,
    prog_bind_map => ProgBindMap,
    module_btf => ModuleBtf,
    perf_link => PerfLink,
    memcg_account => MemcgAccount,
    bpf_cookie => BpfCookie,
    bpf_token => BpfToken,
);

#[test]
fn syscall_wrapper_is_a_kprobe_on_sys_bpf() {
    // libbpf's method: the wrapper counts as present when a kprobe on __<arch>_sys_bpf can be
    // created (kprobe PMU, or a legacy tracefs event). A kernel without kprobes answers false,
    // whatever /proc/kallsyms lists (libbpf 1.5 then sets LINUX_HAS_SYSCALL_WRAPPER to 0 and
    // attaches ksyscall programs to __se_sys_*; ctests/handles ksyscall compares the two).
    let want = format!("__{}_sys_bpf", probe::syscall_prefix().unwrap());
    let listed = std::fs::read_to_string("/proc/kallsyms")
        .map(|t| t.lines().any(|l| l.split_whitespace().nth(2) == Some(want.as_str())))
        .unwrap_or(false);
    let pmu = std::path::Path::new("/sys/bus/event_source/devices/kprobe/type").exists();
    let events = oxbpf::attach::tracefs::path("kprobe_events");
    let legacy = std::path::Path::new(&events).exists();
    let got = check(Feature::SyscallWrapper);
    if !pmu && !legacy {
        assert!(!got, "no kprobes on this kernel, yet the syscall wrapper probe said yes");
    } else if pmu && listed {
        assert!(got, "kprobe PMU present and {want} listed, yet the probe said no");
    }
}

#[test]
fn uprobe_multi_link() {
    if !privileged() {
        return;
    }
    // Needs CONFIG_UPROBES; report what this kernel says rather than assume.
    let r = check(Feature::UprobeMultiLink);
    let uprobes = std::path::Path::new("/sys/bus/event_source/devices/uprobe").exists();
    if uprobes {
        assert!(r, "uprobe PMU present, multi-uprobe links should be supported on 6.18");
    } else {
        eprintln!("no uprobe PMU here; uprobe_multi_link = {r}");
    }
}

#[test]
fn arg_ctx_tag() {
    if !privileged() {
        return;
    }
    // A kprobe-type program with a global subprogram taking `void *ctx __arg_ctx` (6.8+).
    assert!(check(Feature::ArgCtxTag));
}

/// The probes can say "no": the same loaders refuse a BTF kind no kernel knows.
#[test]
fn unknown_btf_kind_is_refused() {
    if !privileged() {
        return;
    }
    let blob = probe::btf_blob(&[1, 31 << 24, 4], b"\0x\0");
    let e = cmd::btf_load(&blob, None, 0, None).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("BPF_BTF_LOAD failed: Invalid argument"), "{e}");
    // With a log buffer and level 0, the failure is retried with a log (libbpf's convention).
    let mut log = vec![0u8; 4096];
    let e = cmd::btf_load(&blob, Some(&mut log), 0, None).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    let text = String::from_utf8_lossy(&log[..log.iter().position(|&b| b == 0).unwrap_or(0)]).into_owned();
    assert!(text.contains("kind"), "BTF log: {text:?}");
}

#[test]
fn token_cache_is_separate() {
    if !privileged() {
        return;
    }
    let c = FeatureCache::new();
    assert_eq!(c.known(Feature::BtfFloat), None);
    assert!(c.supported(Feature::BtfFloat, None));
    assert_eq!(c.known(Feature::BtfFloat), Some(true));
    assert!(c.preset(Feature::BtfEnum64, false));
    assert!(!c.supported(Feature::BtfEnum64, None), "a preset answer wins over probing");
}

#[test]
fn memlock_rlim_is_untouched_with_memcg() {
    if !privileged() {
        return;
    }
    let before = rlimit();
    probe::bump_rlimit_memlock().unwrap();
    assert_eq!(rlimit(), before, "memcg accounting: no RLIMIT_MEMLOCK change");
    // Not bumped, so the limit can still be configured.
    probe::set_memlock_rlim(1 << 20).unwrap();
    probe::set_memlock_rlim(u64::MAX).unwrap();
}

fn rlimit() -> (u64, u64) {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes the struct we pass.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut r) }, 0);
    (r.rlim_cur, r.rlim_max)
}
