#!/usr/bin/env bash
# cargo-build.sh SOURCE_ROOT OUTDIR
#
# Meson's custom target for liboxbpf and the oxbpf tool (build_always_stale: cargo decides
# freshness). Builds the cdylib and the `oxbpf` binary with `cargo build --release` into
# SOURCE_ROOT/target (or $CARGO_TARGET_DIR) and copies them into OUTDIR as liboxbpf.so and
# liboxbpf.so.1 (its soname, so binaries linked in the build tree find it) and oxbpf. Copies
# only when the content changed, so an up-to-date cargo build leaves the copies' timestamps
# alone.
set -euo pipefail
src="$1" out="$2"
target_dir="${CARGO_TARGET_DIR:-$src/target}"
cargo build --release --quiet --manifest-path "$src/Cargo.toml" -p oxbpf --lib --bin oxbpf \
    --target-dir "$target_dir"
built="$target_dir/release/liboxbpf.so"
[[ -f "$built" ]] || { echo "cargo-build.sh: $built was not produced" >&2; exit 1; }
copy() {
    if ! cmp -s "$1" "$2"; then
        cp -f "$1" "$2.tmp"
        mv -f "$2.tmp" "$2"
    fi
}
copy "$built" "$out/liboxbpf.so"
copy "$built" "$out/liboxbpf.so.1"
copy "$target_dir/release/oxbpf" "$out/oxbpf"
