#!/usr/bin/env bash
# Install everything oxbpf's build and tests need, idempotently and quietly.
#
#   scripts/deps.sh            run it, or
#   . scripts/deps.sh          source it: also exports OXBPF_TRIXIE_ROOT
#
# 1. Build tools from the machine's own Debian release (bookworm) via apt-get.
# 2. A "trixie tool cache": upstream libbpf 1.5 (library + headers), bpftool 7.5 and veristat from
#    Debian trixie, unpacked (never installed) under ${OXBPF_CACHE:-$HOME/.cache/oxbpf}/trixie/root
#    together with trixie's libc and every shared library they need. They are the reference
#    side of the differential tests and run through trixie's own ld.so (scripts/bpftool75,
#    scripts/with-libbpf15). A private apt configuration is used, so the system's apt state
#    is never touched. The archive URI is the one this machine's apt sources use for
#    bookworm main, reused for suite trixie.
#
# 3. Only when asked (OXBPF_LIBBPF17=1, or `scripts/deps.sh --libbpf17`, which scripts/sid-root
#    runs on first use): the same for Debian sid's libbpf 1.7 (libbpf1, libbpf-dev, libc6)
#    under .../sid/root, run through scripts/with-libbpf17.
#
# A stamp file records what was unpacked; a second run does no network access at all.
# OXBPF_REFRESH=1 forces the caches to be rebuilt.

# HOME may be unset under some CI runners; the cache lives under the user's home.
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
export HOME

# Bump when the package set or the unpack layout changes: invalidates existing caches.
OXBPF_TRIXIE_RECIPE=4
OXBPF_SID_RECIPE=1

# oxbpf_apt_ensure PKG...: install those of the Debian packages that are not installed yet
# (with sudo when not root). A machine's package lists may be missing or stale (an install
# then fails with 404 for a superseded version), so a failed install refreshes the lists and
# tries again, three tries in all. Other scripts source this file and call it for their own
# packages. Returns non-zero if the packages could not be installed.
oxbpf_apt_ensure() {
    local missing=() p pre=() try log rc
    for p in "$@"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$p")
        fi
    done
    ((${#missing[@]})) || return 0
    if ((EUID != 0)); then
        command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; return 1; }
        pre=(sudo)
    fi
    echo "deps: installing ${missing[*]}" >&2
    log="$(mktemp)"
    for try in 1 2 3; do
        if ((try > 1)) || ! oxbpf_apt_lists_know "${missing[@]}"; then
            "${pre[@]}" apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; echo "deps: apt-get update failed (try $try)" >&2; }
        fi
        rc=0
        "${pre[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${missing[@]}" >"$log" 2>&1 || rc=$?
        if ((rc == 0)); then
            rm -f "$log"
            return 0
        fi
        cat "$log" >&2
        echo "deps: apt-get install ${missing[*]} failed (exit $rc, try $try of 3); refreshing the package lists" >&2
        sleep $((try * 2))
    done
    rm -f "$log"
    return 1
}

# True when the package lists know every named package.
oxbpf_apt_lists_know() {
    local q
    for q in "$@"; do apt-cache show "$q" >/dev/null 2>&1 || return 1; done
}

# oxbpf_archive_uri: the archive URI of bookworm main, as apt itself parses this machine's
# sources (sources.list and sources.list.d/*.list / *.sources); other suites are fetched from it.
oxbpf_archive_uri() {
    local uri
    # awk reads to the end (no early exit), so apt-get never writes into a closed pipe.
    uri="$(apt-get indextargets --no-release-info \
             --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Created-By: Packages' 2>/dev/null \
           | awk '$2 == "bookworm" && $3 == "main" && !u { u = $1 } END { if (u) print u }')"
    [[ -n "$uri" ]] && printf '%s\n' "$uri"
}

# oxbpf_private_apt DIR SUITE KEYRING: a private apt configuration in DIR for SUITE main of the
# archive oxbpf_archive_uri names, signed by a key in KEYRING; refreshes its package lists
# (three tries) and sets the array OXBPF_APT_OPTS to the options that make apt-get and
# apt-cache use it. The system's apt state is never touched.
oxbpf_private_apt() {
    local dir="$1" suite="$2" keyring="$3" uri try
    uri="$(oxbpf_archive_uri)" || { echo "deps: no apt source for bookworm main" >&2; return 1; }
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    : >"$dir/status"
    printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$uri" "$suite" >"$dir/sources.list"
    OXBPF_APT_OPTS=(
        -o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State=$dir" -o "Dir::State::Lists=$dir/lists" -o "Dir::State::status=$dir/status"
        -o "Dir::Cache=$dir/cache" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
        -o APT::Architecture=amd64 -o APT::Architectures::=amd64
        -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
        -o Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false
        -o Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false
        -o Acquire::Languages=none -o Debug::NoLocking=1 -o APT::Sandbox::User=root
    )
    for try in 1 2 3; do
        apt-get "${OXBPF_APT_OPTS[@]}" -qq update >/dev/null && return 0
        echo "deps: apt-get update ($suite) failed (try $try of 3)" >&2
        ((try < 3)) && sleep $((try * 2))
    done
    return 1
}

oxbpf_deps() (
    set -euo pipefail

    say() { printf 'deps: %s\n' "$*" >&2; }
    die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

    # ---- 1. bookworm packages -------------------------------------------------------------
    local pkgs=(clang-19 llvm-19 bpftool meson ninja-build pkg-config gcc libc6-dev make
                python3 iproute2 procps binutils)
    oxbpf_apt_ensure "${pkgs[@]}" || die "installing ${pkgs[*]} failed"
    # Distribution programs run over liboxbpf by ctests/distro/ (each links bookworm's
    # libbpf 1.1): xdp-loader/xdp-filter, bpftrace, pahole, bcc's Python bindings (which compile
    # against kernel headers: bookworm's, through BCC_KERNEL_SOURCE, when the running kernel has none).
    local distro_pkgs=(xdp-tools bpftrace dwarves python3-bpfcc linux-headers-amd64)
    oxbpf_apt_ensure "${distro_pkgs[@]}" || die "installing ${distro_pkgs[*]} failed"
    command -v cargo >/dev/null || die "cargo not found: install a Rust toolchain (rustup) first"

    # ---- 2. trixie tool cache ------------------------------------------------------------
    # veristat (libbpf/veristat 0.4) runs on libbpf 1.5 and with liboxbpf preloaded (ctests/distro).
    oxbpf_suite_cache trixie "$OXBPF_TRIXIE_RECIPE" bpftool libbpf1 libc6 veristat
    # ---- 3. sid cache (libbpf 1.7), only when asked ---------------------------------------
    if [[ "${OXBPF_LIBBPF17:-0}" == 1 ]]; then
        oxbpf_suite_cache sid "$OXBPF_SID_RECIPE" libbpf1 libc6
    fi
)

# oxbpf_suite_cache SUITE RECIPE PKG...: unpack (never install) PKG... from Debian SUITE, with
# the closure of their Depends/Pre-Depends and libbpf-dev's headers, under
# ${OXBPF_CACHE:-~/.cache/oxbpf}/SUITE/root, and check with SUITE's own ld.so that libbpf.so.1
# (and bpftool, when unpacked) resolve every library. A stamp records RECIPE and the versions;
# a populated cache of the same RECIPE is kept without network access unless OXBPF_REFRESH=1.
oxbpf_suite_cache() (
    set -euo pipefail
    say() { printf 'deps: %s\n' "$*" >&2; }
    die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }
    local suite="$1" recipe="$2"
    shift 2
    local want=("$@")
    local cache="${OXBPF_CACHE:-$HOME/.cache/oxbpf}/$suite"
    local root="$cache/root" stamp="$cache/stamp"
    if [[ "${OXBPF_REFRESH:-0}" != 1 && -f "$stamp" && -e "$root/usr/lib/x86_64-linux-gnu/libbpf.so.1" ]] \
        && head -n1 "$stamp" | grep -qx "recipe $recipe"; then
        return 0
    fi

    local uri
    uri="$(oxbpf_archive_uri)" || die "no apt source for suite bookworm, component main: cannot derive the $suite URI"

    local apt="$cache/apt"
    rm -rf "$apt" "$cache/debs" "$root.new"
    mkdir -p "$cache/debs" "$root.new"

    # Trusted keys: the system's Debian archive keyring, if it holds trixie's key (which also
    # signs sid); otherwise the newest debian-archive-keyring package the bookworm sources
    # offer, unpacked here.
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    if ! has_trixie_key "$keyring"; then
        say "system keyring lacks the trixie archive key; fetching debian-archive-keyring"
        mkdir -p "$cache/keyring"
        (cd "$cache/keyring" && rm -f ./*.deb && apt-get -o APT::Sandbox::User=root download -qq debian-archive-keyring >/dev/null) \
            || die "apt-get download debian-archive-keyring failed"
        dpkg-deb -x "$cache"/keyring/debian-archive-keyring_*.deb "$cache/keyring/x"
        keyring="$cache/keyring/x/usr/share/keyrings/debian-archive-keyring.gpg"
        has_trixie_key "$keyring" || say "warning: cannot confirm the trixie key is in $keyring"
    fi
    say "updating private apt lists for $suite ($uri)"
    oxbpf_private_apt "$apt" "$suite" "$keyring" || die "apt-get update ($suite) failed"
    local aptopts=("${OXBPF_APT_OPTS[@]}")

    # Closure of the runtime packages' Depends/Pre-Depends (first alternative of each);
    # libbpf-dev is taken alone: its -dev dependencies are not needed for headers.
    local seen=() queue=() q ctl deps d
    queue=("${want[@]}")
    while ((${#queue[@]})); do
        q="${queue[0]}"; queue=("${queue[@]:1}")
        [[ " ${seen[*]} " == *" $q "* ]] && continue
        seen+=("$q")
        ctl="$(apt-cache "${aptopts[@]}" show --no-all-versions "$q" 2>/dev/null)" \
            || die "$suite has no package $q"
        deps="$(awk -F': ' '/^(Pre-)?Depends: / { print $2 }' <<<"$ctl" \
                | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/[[:space:]]//g' \
                | grep -v '^$' || true)"
        for d in $deps; do queue+=("$d"); done
    done
    seen+=(libbpf-dev)

    (cd "$cache/debs" && apt-get "${aptopts[@]}" -qq download "${seen[@]}" >/dev/null) \
        || die "apt-get download ($suite) ${seen[*]} failed"
    local deb
    for deb in "$cache"/debs/*.deb; do
        dpkg-deb -x "$deb" "$root.new"
    done

    # Check with the suite's ld.so that every shared library of the binaries resolves.
    local ldso="$root.new/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    [[ -x "$ldso" ]] || die "$suite libc6 did not provide $ldso"
    local libpath="$root.new/usr/lib/x86_64-linux-gnu:$root.new/lib/x86_64-linux-gnu"
    local bin out bins=("$root.new/usr/lib/x86_64-linux-gnu/libbpf.so.1")
    for bin in usr/sbin/bpftool usr/bin/veristat usr/sbin/veristat; do
        [[ -e "$root.new/$bin" ]] && bins+=("$root.new/$bin")
    done
    for bin in "${bins[@]}"; do
        out="$("$ldso" --library-path "$libpath" --list "$bin")" || die "ld.so --list $bin failed"
        if grep -q 'not found' <<<"$out"; then
            die "unresolved libraries for $bin: $(grep 'not found' <<<"$out" | tr '\n' ' ')"
        fi
    done

    rm -rf "$root"
    mv "$root.new" "$root"
    {
        echo "recipe $recipe"
        echo "uri $uri"
        for deb in "$cache"/debs/*.deb; do
            dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb"
        done
    } >"$stamp.new"
    mv "$stamp.new" "$stamp"
    rm -rf "$apt/lists" "$apt/cache"
    say "$suite cache in $root:"
    tail -n +3 "$stamp" | sed 's/^/deps:   /' >&2
)

# True if KEYRING holds the Debian 13 (trixie) archive signing key.
has_trixie_key() {
    local k="$1"
    [[ -r "$k" ]] || return 1
    if command -v gpg >/dev/null; then
        local home keys rc=0
        home="$(mktemp -d)"
        # Captured, not piped into grep -q: under the caller's pipefail, gpg killed by SIGPIPE
        # after grep's first match would read as "no key".
        keys="$(GNUPGHOME="$home" gpg --batch --show-keys --with-colons "$k" 2>/dev/null)" || true
        grep -q '^uid:.*(13/trixie)' <<<"$keys" || rc=1
        rm -rf "$home"
        return "$rc"
    else
        # No gpg to look inside: trust a keyring package new enough to carry trixie's key.
        dpkg --compare-versions "$(dpkg-query -W -f='${Version}' debian-archive-keyring 2>/dev/null || echo 0)" ge 2023.3
    fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" && "${1:-}" == --libbpf17 ]]; then
    # Only the sid cache (libbpf 1.7), as scripts/sid-root asks for it.
    oxbpf_suite_cache sid "$OXBPF_SID_RECIPE" libbpf1 libc6
elif [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    oxbpf_deps
else
    oxbpf_deps || return 1
    OXBPF_TRIXIE_ROOT="${OXBPF_CACHE:-$HOME/.cache/oxbpf}/trixie/root"
    export OXBPF_TRIXIE_ROOT
fi
