#!/usr/bin/env bash
# cargo-build.sh SOURCE_ROOT OUTDIR
#
# Meson's custom target for liboxbpf and the oxbpf tool (build_always_stale: cargo decides
# freshness). Builds the cdylib and the `oxbpf` binary with `cargo build --release` into
# SOURCE_ROOT/target (or $CARGO_TARGET_DIR) and copies them into OUTDIR as liboxbpf.so and
# liboxbpf.so.1 (its soname, so binaries linked in the build tree find it) and oxbpf. Copies
# only when the content changed, so an up-to-date cargo build leaves the copies' timestamps
# alone.
#
# cargo-build.sh --static SOURCE_ROOT OUTDIR
#   builds liboxbpf.a (the library as a static archive) into OUTDIR instead, in a target dir
#   of its own (target/static) so the crate types of the two builds do not invalidate each
#   other.
set -euo pipefail
static=0
if [[ "${1:-}" == --static ]]; then
    static=1
    shift
fi
src="$1" out="$2"
target_dir="${CARGO_TARGET_DIR:-$src/target}"
copy() {
    if ! cmp -s "$1" "$2"; then
        cp -f "$1" "$2.tmp"
        mv -f "$2.tmp" "$2"
    fi
}
if ((static)); then
    cargo rustc --release --quiet --manifest-path "$src/Cargo.toml" -p oxbpf --lib \
        --crate-type staticlib --target-dir "$target_dir/static"
    copy "$target_dir/static/release/liboxbpf.a" "$out/liboxbpf.a"
    exit 0
fi
cargo build --release --quiet --manifest-path "$src/Cargo.toml" -p oxbpf --lib --bin oxbpf \
    --target-dir "$target_dir"
built="$target_dir/release/liboxbpf.so"
[[ -f "$built" ]] || { echo "cargo-build.sh: $built was not produced" >&2; exit 1; }
copy "$built" "$out/liboxbpf.so"
copy "$built" "$out/liboxbpf.so.1"
copy "$target_dir/release/oxbpf" "$out/oxbpf"
