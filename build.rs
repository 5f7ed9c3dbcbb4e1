//! Link arguments for liboxbpf.so and the C print shim.
//!
//! * `libbpf.map` only *defines* the version nodes LIBBPF_0.0.1 … (chained, no symbols): rustc
//!   passes its own export list, so each export is bound to its node with `.symver` in
//!   `src/ffi/mod.rs` (`symver!`) rather than by listing it in this script.
//! * The soname is liboxbpf.so.1 so it can sit beside a distro libbpf.so.1.
//! * `csrc/print_shim.c` builds the `va_list` libbpf print callbacks take; stable Rust cannot.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rerun-if-changed=libbpf.map");
    println!("cargo:rerun-if-changed=csrc/print_shim.c");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={dir}/libbpf.map");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,liboxbpf.so.1");
    cc::Build::new().file("csrc/print_shim.c").flag("-fvisibility=hidden").warnings(true).compile("oxbpf_print_shim");
    // The unwinder from libgcc_eh.a, linked in ahead of std's `-lgcc_s` (which `--as-needed`
    // then drops): liboxbpf.so does not load libgcc_s.so.1, whose constructor runs CPUID a dozen
    // times (`__cpu_indicator_init`), each a VM exit under a hypervisor.
    let cc = cc::Build::new().get_compiler();
    let out = std::process::Command::new(cc.path()).arg("-print-file-name=libgcc_eh.a").output();
    if let Ok(o) = out {
        let path = std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
        if path.is_absolute() && path.is_file() {
            if let Some(d) = path.parent() {
                println!("cargo:rustc-link-search=native={}", d.display());
                println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
            }
        }
    }
}
