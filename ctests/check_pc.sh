#!/usr/bin/env bash
# check_pc.sh BUILD_DIR CARGO_TOML
# The generated oxbpf.pc resolves with pkg-config, says -loxbpf and an include dir, and
# carries the same version as Cargo.toml (meson's project version must follow the crate's).
set -euo pipefail
dir="$1" cargo_toml="$2"
export PKG_CONFIG_PATH="$dir"
fail=0
version="$(pkg-config --modversion oxbpf)"
libs="$(pkg-config --libs oxbpf)"
cflags="$(pkg-config --cflags oxbpf)"
crate="$(sed -n 's/^version = "\(.*\)"/\1/p' "$cargo_toml" | head -n1)"
echo "oxbpf.pc: version $version, libs '$libs', cflags '$cflags'; Cargo.toml version $crate"
[[ "$version" == "$crate" ]] || { echo "FAIL: pc version $version != Cargo.toml version $crate" >&2; fail=1; }
[[ " $libs " == *" -loxbpf "* ]] || { echo "FAIL: Libs lacks -loxbpf" >&2; fail=1; }
[[ "$cflags" == -I* ]] || { echo "FAIL: Cflags has no include directory" >&2; fail=1; }
exit "$fail"
