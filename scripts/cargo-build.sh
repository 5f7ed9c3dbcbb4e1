#!/usr/bin/env bash
# cargo-build.sh SOURCE_ROOT OUTDIR
#
# Meson's custom target for liboxbpf (build_always_stale: cargo decides freshness). Builds the
# cdylib with `cargo build --release` into SOURCE_ROOT/target (or $CARGO_TARGET_DIR) and copies
# it into OUTDIR as liboxbpf.so and liboxbpf.so.1 (its soname, so binaries linked in the
# build tree find it). Copies only when the content changed, so an up-to-date cargo build
# leaves the copies' timestamps alone.
set -euo pipefail
src="$1" out="$2"
target_dir="${CARGO_TARGET_DIR:-$src/target}"
cargo build --release --quiet --manifest-path "$src/Cargo.toml" -p oxbpf --lib \
    --target-dir "$target_dir"
built="$target_dir/release/liboxbpf.so"
[[ -f "$built" ]] || { echo "cargo-build.sh: $built was not produced" >&2; exit 1; }
for name in liboxbpf.so liboxbpf.so.1; do
    if ! cmp -s "$built" "$out/$name"; then
        cp -f "$built" "$out/$name.tmp"
        mv -f "$out/$name.tmp" "$out/$name"
    fi
done
