#!/usr/bin/env bash
# Build the Debian packages liboxbpf1, liboxbpf-dev and oxbpf from debian/ and check them with
# lintian (no errors allowed).
#
#   scripts/build-debs.sh [OUTDIR]     default OUTDIR: ${OXBPF_BUILD_DIR:-build}/debs
#
# The tree (tracked and untracked-but-not-ignored files) is copied to OUTDIR/src and built
# there with dpkg-buildpackage (binary only, unsigned). The Rust toolchain may come from
# rustup instead of Debian's cargo/rustc, so build dependencies are not checked (-d); cargo's
# build directory persists in OUTDIR/target between runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
oxbpf_apt_ensure debhelper lintian dpkg-dev || { echo "build-debs: installing the packaging tools failed" >&2; exit 1; }

out="${1:-${OXBPF_BUILD_DIR:-build}/debs}"
mkdir -p "$out"
out="$(realpath "$out")"
version="$(dpkg-parsechangelog -l debian/changelog -S Version)"
src="$out/src/oxbpf-$version"
rm -rf "$out/src" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo "$out"/*.ddeb
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [[ -e "$f" ]] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$src"

# debhelper (compat 13) points HOME at a scratch directory for the build; keep the toolchain
# and cargo's registry where they are.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export CARGO_TARGET_DIR="$out/target"
(cd "$src" && dpkg-buildpackage -b -us -uc -d) >"$out/build.log" 2>&1 || {
    tail -n 60 "$out/build.log" >&2
    echo "build-debs: dpkg-buildpackage failed (log: $out/build.log)" >&2
    exit 1
}
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/ 2>/dev/null || true
mv "$out"/src/*.ddeb "$out"/ 2>/dev/null || true

echo "build-debs: built in $out:"
ls -1 "$out"/*.deb
echo "build-debs: lintian"
lintian --fail-on error --tag-display-limit 0 "$out"/*.changes
