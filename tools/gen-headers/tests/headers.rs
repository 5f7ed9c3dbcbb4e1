//! The committed headers are current, compile as C and C++ in any include order with every
//! compiler present, and agree with libbpf 1.5's ABI (`ctests/abi_layout.c`).
//!
//! Set `OXBPF_UPSTREAM_INCLUDE` to a directory whose `bpf/` holds libbpf 1.5's headers to also
//! compile the ABI checks against upstream.

use std::path::{Path, PathBuf};
use std::process::Command;

const HEADERS: &[&str] = &["libbpf_version.h", "libbpf_common.h", "libbpf_legacy.h", "libbpf.h", "bpf.h", "btf.h"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compilers present on this machine among `names`.
fn compilers(names: &[&'static str]) -> Vec<&'static str> {
    names
        .iter()
        .copied()
        .filter(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
        .collect()
}

fn compile(cc: &str, args: &[&str], src: &Path, out: &Path, include: &Path) {
    let res = Command::new(cc)
        .args(args)
        .args(["-Wall", "-Wextra", "-Werror", "-I"])
        .arg(include)
        .arg(src)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    assert!(res.status.success(), "{cc} {args:?} {}:\n{}", src.display(), String::from_utf8_lossy(&res.stderr));
}

#[test]
fn committed_headers_are_fresh() {
    let res = Command::new(env!("CARGO_BIN_EXE_gen-headers")).arg("--check").output().unwrap();
    assert!(res.status.success(), "run `cargo run -p gen-headers`:\n{}", String::from_utf8_lossy(&res.stderr));
}

#[test]
fn headers_compile_in_any_order_as_c_and_cxx() {
    let dir = scratch("orders");
    let include = root().join("include");
    let mut orders: Vec<Vec<&str>> = HEADERS.iter().map(|h| vec![*h]).collect();
    orders.push(HEADERS.to_vec());
    orders.push(HEADERS.iter().rev().copied().collect());
    // Each header first, the rest after it.
    for i in 0..HEADERS.len() {
        let mut o = HEADERS.to_vec();
        o.rotate_left(i);
        orders.push(o);
    }
    let cc = compilers(&["cc", "gcc", "clang-19", "clang"]);
    let cxx = compilers(&["c++", "g++", "clang++-19", "clang++"]);
    assert!(!cc.is_empty(), "no C compiler found");
    for (n, order) in orders.iter().enumerate() {
        let src = dir.join(format!("order{n}.c"));
        let mut text: String = order.iter().map(|h| format!("#include <bpf/{h}>\n")).collect();
        text.push_str("int main(void) { return 0; }\n");
        std::fs::write(&src, text).unwrap();
        let obj = dir.join(format!("order{n}.o"));
        for c in &cc {
            compile(c, &["-std=gnu11", "-c"], &src, &obj, &include);
        }
        for c in &cxx {
            compile(c, &["-x", "c++", "-c"], &src, &obj, &include);
        }
    }
}

/// Typical caller code written for upstream libbpf builds warning-free.
#[test]
fn upstream_style_usage_compiles() {
    let dir = scratch("usage");
    let src = dir.join("usage.c");
    std::fs::write(
        &src,
        r#"#include <bpf/libbpf.h>
#include <bpf/btf.h>
#include <bpf/bpf.h>

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

static int sample(void *ctx, void *data, size_t size) { (void)ctx; (void)data; return (int)size; }
static void lost(void *ctx, int cpu, __u64 cnt) { (void)ctx; (void)cpu; (void)cnt; }
static int setup(struct bpf_program *prog, long cookie) { (void)prog; return (int)cookie; }

int main(void)
{
	static const __u64 cookies[2] = { 1, 2 };
	static const char *syms[2] = { "a", "b" };
	libbpf_print_fn_t fn = print_fn;
	ring_buffer_sample_fn rb = sample;
	perf_buffer_lost_fn pl = lost;
	struct bpf_map_skeleton ms = { 0 };
	struct bpf_link *link = NULL;
	struct bpf_program *prog = NULL;
	struct bpf_object *obj = NULL;
	struct bpf_map *map = NULL;
	__u32 words[4] = { 0, (BTF_KIND_STRUCT << 24) | 1, 8, 0 };
	const struct btf_type *t = (const struct btf_type *)words;

	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .object_name = "x", .relaxed_maps = true);
	LIBBPF_OPTS(bpf_kprobe_multi_opts, km, .syms = syms, .cookies = cookies, .cnt = 2);
	LIBBPF_OPTS(bpf_uprobe_opts, up, .func_name = "main", .attach_mode = PROBE_ATTACH_MODE_LINK);
	LIBBPF_OPTS(libbpf_prog_handler_opts, ho, .prog_setup_fn = setup);
	LIBBPF_OPTS(btf_dump_type_data_opts, dd, .compact = true);
	LIBBPF_OPTS_RESET(open_opts, .kernel_log_level = 1);

	ms.link = &link;
	link = bpf_program__attach_kprobe_multi_opts(prog, "tcp_*", &km);
	link = bpf_program__attach_uprobe_opts(prog, -1, "/bin/true", 0, &up);
	bpf_link__destroy(link);
	link = bpf_map__attach_struct_ops(map);
	(void)ms; (void)obj; (void)fn; (void)rb; (void)pl; (void)ho; (void)dd; (void)open_opts;
	return btf_is_composite(t) && btf_vlen(t) == 1 && btf_member_bit_offset(t, 0) == 0 ? 0 : 1;
}
"#,
    )
    .unwrap();
    let include = root().join("include");
    for c in compilers(&["cc", "gcc", "clang-19"]) {
        compile(c, &["-std=gnu11", "-c"], &src, &dir.join("usage.o"), &include);
    }
}

#[test]
fn abi_layout_checks_pass() {
    let dir = scratch("abi");
    let src = root().join("ctests/abi_layout.c");
    let mut includes = vec![root().join("include")];
    if let Some(up) = std::env::var_os("OXBPF_UPSTREAM_INCLUDE") {
        includes.push(PathBuf::from(up));
    }
    for (i, include) in includes.iter().enumerate() {
        for c in compilers(&["cc", "gcc", "clang-19"]) {
            let exe = dir.join(format!("abi_layout{i}"));
            compile(c, &["-std=gnu11"], &src, &exe, include);
            let out = Command::new(&exe).output().unwrap();
            assert!(out.status.success());
            assert_eq!(String::from_utf8_lossy(&out.stdout), "abi_layout: ok\n");
        }
    }
}
