//! Kernel feature probes on the running kernel, each checked against what the kernel's own BTF
//! names (see `kernel_names`), not against a list of this machine's answers.

use oxbpf::sys::cmd;
use oxbpf::sys::probe::{self, Feature, FeatureCache};
use oxbpf::uapi;

mod common;

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

/// What the kernel itself says it has: the names in its own BTF (enumerators of its uapi enums,
/// members of `union bpf_attr` and `struct bpf_btf_info`, functions). Each probe is checked
/// against one such piece of evidence, so the expectation follows the kernel the test runs on
/// instead of being this machine's answers written down.
fn kernel_names() -> &'static std::collections::HashSet<String> {
    static NAMES: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(collect_kernel_names)
}

/// One pass over the kernel's BTF for [`kernel_names`].
fn collect_kernel_names() -> std::collections::HashSet<String> {
    let btf = oxbpf::btf::Btf::vmlinux().expect("vmlinux BTF");
    let mut names = std::collections::HashSet::new();
    for id in 1..btf.type_cnt() {
        let Some(t) = btf.ty(id) else { continue };
        if let Some(vals) = t.enum_values() {
            names.extend(vals.iter().map(|v| v.name.to_string()));
        } else if t.is_func() {
            names.insert(t.name.to_string());
        } else if t.name == "bpf_attr" || t.name == "bpf_btf_info" {
            // union bpf_attr nests its command structs anonymously: one level down is enough.
            for m in t.members().into_iter().flat_map(|m| m.iter()) {
                names.insert(format!("{}.{}", t.name, m.name));
                if let Some(inner) = btf.ty(m.type_id).filter(|i| i.name.is_empty()) {
                    for im in inner.members().into_iter().flat_map(|m| m.iter()) {
                        names.insert(format!("{}.{}", t.name, im.name));
                    }
                }
            }
        }
    }
    names
}

macro_rules! expect_as_kernel_says {
    ($($name:ident => $f:ident if $evidence:literal),* $(,)?) => {$(
        #[test]
        fn $name() {
            if !privileged() {
                return;
            }
            let want = kernel_names().contains($evidence);
            assert_eq!(
                check(Feature::$f),
                want,
                "{}: the kernel's BTF {} {}",
                Feature::$f.desc(),
                if want { "has" } else { "lacks" },
                $evidence
            );
        }
    )*};
}

expect_as_kernel_says!(
    prog_name => ProgName if "bpf_attr.prog_name",
    global_data => GlobalData if "array_map_direct_value_addr",
    btf => Btf if "BPF_BTF_LOAD",
    btf_func => BtfFunc if "BTF_KIND_FUNC",
    btf_global_func => BtfGlobalFunc if "BTF_FUNC_GLOBAL",
    btf_datasec => BtfDatasec if "BTF_KIND_DATASEC",
    btf_float => BtfFloat if "BTF_KIND_FLOAT",
    btf_decl_tag => BtfDeclTag if "BTF_KIND_DECL_TAG",
    btf_type_tag => BtfTypeTag if "BTF_KIND_TYPE_TAG",
    btf_enum64 => BtfEnum64 if "BTF_KIND_ENUM64",
    array_mmap => ArrayMmap if "BPF_F_MMAPABLE",
    exp_attach_type => ExpAttachType if "bpf_attr.expected_attach_type",
    probe_read_kernel => ProbeReadKernel if "BPF_FUNC_probe_read_kernel",
    prog_bind_map => ProgBindMap if "BPF_PROG_BIND_MAP",
    module_btf => ModuleBtf if "bpf_btf_info.kernel_btf",
    perf_link => PerfLink if "BPF_PERF_EVENT",
    memcg_account => MemcgAccount if "bpf_map_kzalloc",
    bpf_cookie => BpfCookie if "BPF_FUNC_get_attach_cookie",
    bpf_token => BpfToken if "BPF_TOKEN_CREATE",
    uprobe_syscall => UprobeSyscall if "__x64_sys_uprobe",
    // `void *ctx __arg_ctx` on a global subprogram: the kernel's `enum btf_arg_tag` (6.8).
    arg_ctx_tag => ArgCtxTag if "ARG_TAG_CTX",
);

/// `?`-prefixed DATASEC names have no uapi name to point at; every kernel with BTF_KIND_ENUM64
/// (6.0) accepts them, and this probe must say so wherever that holds.
#[test]
fn btf_qmark_datasec() {
    if !privileged() {
        return;
    }
    let r = check(Feature::BtfQmarkDatasec);
    if kernel_names().contains("BTF_KIND_ENUM64") {
        assert!(r, "a 6.0+ kernel (BTF_KIND_ENUM64 in its BTF) accepts '?' DATASEC names");
    }
}

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
    // The link type is in the kernel's BTF, and it works only with uprobes (CONFIG_UPROBES,
    // which gives the uprobe PMU).
    let r = check(Feature::UprobeMultiLink);
    let uprobes = std::path::Path::new("/sys/bus/event_source/devices/uprobe").exists();
    let link_type = kernel_names().contains("BPF_TRACE_UPROBE_MULTI");
    assert_eq!(
        r,
        uprobes && link_type,
        "uprobe PMU: {uprobes}, BPF_TRACE_UPROBE_MULTI in the kernel's BTF: {link_type}"
    );
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
    assert!(e.message().contains("BPF_BTF_LOAD failed: -EINVAL"), "{e}");
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
