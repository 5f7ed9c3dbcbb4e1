#!/usr/bin/env bash
# Build the Debian packages (scripts/build-debs.sh), install them, use them as a C developer
# would, remove them, and check nothing is left:
#   - the struct_ops demo (ctests/demo_cc.c with its bpftool 7.5 skeleton) built with
#     `pkg-config --cflags --libs oxbpf` links liboxbpf.so.1 from the package, finds the
#     headers under /usr/include/oxbpf, and registers its TCP congestion control with traffic;
#   - the same built with `pkg-config --static` and -static has no liboxbpf dependency and does
#     the same;
#   - a program linked against libbpf.so.1 runs on liboxbpf through the package's private
#     libbpf.so.1 name (LD_LIBRARY_PATH=/usr/lib/<triplet>/oxbpf) and does the same;
#   - the oxbpf tool and its man page are installed;
#   - `dpkg --purge` removes every file the packages installed.
# Needs root and the meson build (the demo's skeleton header); prints SKIP otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build="${OXBPF_BUILD_DIR:-build}"
if ((EUID != 0)); then
    echo "SKIP: installing packages needs root (running as uid $EUID)"
    exit 77
fi
skel="$build/ctests/tcp_cc.skel75.h"
[[ -f "$skel" ]] || { echo "test-debs: $skel is missing: run meson compile first" >&2; exit 1; }
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
scripts/build-debs.sh "$build/debs"
debs="$(realpath "$build/debs")"
pkgs=(oxbpf liboxbpf-dev liboxbpf1)
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
tmp="$(mktemp -d)"
purge() { dpkg --purge "${pkgs[@]}" >/dev/null 2>&1 || true; }
trap 'purge; rm -rf "$tmp"' EXIT
purge

fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

dpkg -i "$debs"/liboxbpf1_*.deb "$debs"/liboxbpf-dev_*.deb "$debs"/oxbpf_*.deb >"$tmp/dpkg.log" 2>&1 \
    || { cat "$tmp/dpkg.log" >&2; echo "FAIL: dpkg -i" >&2; exit 1; }
for p in "${pkgs[@]}"; do dpkg -L "$p"; done | sort -u >"$tmp/files"
# A library with packed relative relocations needs glibc 2.36; the package must say so.
lib="$(readlink -f "/usr/lib/$multiarch/liboxbpf.so.1")"
if readelf -d "$lib" | grep -q '(RELR)'; then
    dpkg -s liboxbpf1 | grep -q '^Depends:.*libc6 (>= 2.36)' \
        || fail "liboxbpf1 uses DT_RELR but does not depend on libc6 (>= 2.36): $(dpkg -s liboxbpf1 | grep '^Depends:')"
fi

# Dynamic link through pkg-config.
cflags="$(pkg-config --cflags oxbpf | xargs)"
[[ "$cflags" == "-I/usr/include/oxbpf" ]] || fail "pkg-config --cflags oxbpf: '$cflags'"
# shellcheck disable=SC2046,SC2086 # pkg-config's flags are meant to split into words
cc -O2 -I"$build/ctests" -Ictests ctests/demo_cc.c $cflags $(pkg-config --libs oxbpf) -o "$tmp/demo_dyn" \
    || fail "building the demo with pkg-config --libs oxbpf"
# Each tool's output is captured before grep reads it: under pipefail, `ldd X | grep -q` fails
# whenever grep exits before ldd's last write (SIGPIPE).
deps="$(ldd "$tmp/demo_dyn" 2>&1)" || fail "ldd demo_dyn: $deps"
grep -Eq "liboxbpf.so.1 => (/usr)?/lib/$multiarch/liboxbpf.so.1 " <<<"$deps" \
    || fail "demo_dyn does not load the packaged liboxbpf.so.1: $(tr '\n' ' ' <<<"$deps")"
"$tmp/demo_dyn" --register 2 >"$tmp/dyn.out" 2>&1 || fail "demo (dynamic) failed: $(cat "$tmp/dyn.out")"
grep -q "^unregistered oxbpf_cc$" "$tmp/dyn.out" || fail "demo (dynamic) did not finish: $(cat "$tmp/dyn.out")"

# Fully static link through pkg-config --static.
# shellcheck disable=SC2046,SC2086 # as above
cc -static -O2 -I"$build/ctests" -Ictests ctests/demo_cc.c $cflags $(pkg-config --static --libs oxbpf) \
    -o "$tmp/demo_static" 2>"$tmp/static.log" || fail "static build: $(cat "$tmp/static.log")"
if ldd "$tmp/demo_static" >/dev/null 2>&1; then
    fail "demo_static is dynamically linked"
fi
"$tmp/demo_static" --register 2 >"$tmp/static.out" 2>&1 || fail "demo (static) failed: $(cat "$tmp/static.out")"
grep -q "^unregistered oxbpf_cc$" "$tmp/static.out" || fail "demo (static) did not finish: $(cat "$tmp/static.out")"

# Opt-in replacement of libbpf.so.1: a program linked against "libbpf.so.1" (here against
# libbpf 1.5's headers and library from the trixie cache) run with the private directory.
inc15="$OXBPF_TRIXIE_ROOT/usr/include" lib15="$OXBPF_TRIXIE_ROOT/usr/lib/x86_64-linux-gnu"
cc -O2 -I"$build/ctests" -Ictests -I"$inc15" ctests/demo_cc.c -L"$lib15" -l:libbpf.so.1 \
    -Wl,--allow-shlib-undefined -o "$tmp/demo_libbpf" || fail "building the demo against libbpf.so.1"
deps="$(LD_LIBRARY_PATH="/usr/lib/$multiarch/oxbpf" ldd "$tmp/demo_libbpf" 2>&1)" || fail "ldd demo_libbpf: $deps"
grep -q "libbpf.so.1 => /usr/lib/$multiarch/oxbpf/libbpf.so.1" <<<"$deps" \
    || fail "private libbpf.so.1 not used: $(tr '\n' ' ' <<<"$deps")"
LD_LIBRARY_PATH="/usr/lib/$multiarch/oxbpf" "$tmp/demo_libbpf" --register 2 >"$tmp/opt.out" 2>&1 \
    || fail "demo (libbpf.so.1 -> liboxbpf) failed: $(cat "$tmp/opt.out")"
grep -q "(v1.7)" "$tmp/opt.out" && grep -q "^unregistered oxbpf_cc$" "$tmp/opt.out" \
    || fail "demo (libbpf.so.1 -> liboxbpf) output: $(cat "$tmp/opt.out")"

# The tool.
ver="$(oxbpf --version 2>&1)" || fail "oxbpf --version exited $?: $ver"
grep -q "^oxbpf " <<<"$ver" || fail "oxbpf --version: $ver"
[[ "$(man -w oxbpf 2>/dev/null)" == /usr/share/man/man1/oxbpf.1.gz ]] || [[ -f /usr/share/man/man1/oxbpf.1.gz ]] \
    || fail "man page not installed"

# Removal leaves nothing.
dpkg --purge "${pkgs[@]}" >"$tmp/dpkg.log" 2>&1 || fail "dpkg --purge: $(cat "$tmp/dpkg.log")"
left=0
while IFS= read -r f; do
    [[ -z "$f" || -d "$f" ]] && continue
    if [[ -e "$f" || -L "$f" ]]; then
        echo "left behind: $f" >&2
        left=$((left + 1))
    fi
done <"$tmp/files"
for d in /usr/include/oxbpf "/usr/lib/$multiarch/oxbpf"; do
    [[ -e "$d" ]] && { echo "left behind: $d" >&2; left=$((left + 1)); }
done
((left == 0)) || fail "$left path(s) left after dpkg --purge"
dpkg -s "${pkgs[@]}" >/dev/null 2>&1 && fail "packages still known to dpkg after purge"

if ((fails)); then
    echo "Debian packages: $fails check(s) failed"
    exit 1
fi
echo "Debian packages: built, lintian-clean, installed, used (dynamic, static, libbpf.so.1 opt-in), purged without leftovers"
