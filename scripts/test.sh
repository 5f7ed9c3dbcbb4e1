#!/usr/bin/env bash
# Run every test of oxbpf: installs what is missing (scripts/deps.sh), then
#   0. mounts tracefs and bpffs if absent (scripts/kernel-fs.sh)
#   1. cargo test --release --workspace --features oxbpf/fake-kernel (Rust unit and integration
#      tests; the feature builds the fake kernel some tests drive)
#   2. cargo run -p gen-headers -- --check         (committed headers are up to date), the
#      formatting (cargo fmt --check), the Rust lints (clippy -D warnings) and a lint of the
#      shell scripts (the shellcheck tool)
#   3. meson setup/reconfigure, meson compile, meson test   (the C suite in ctests/), then
#      scripts/diff-suite-17.sh: the same suite with libbpf 1.7 as the reference, differing only
#      where ctests/libbpf17/suite17-expected says (skipped when meson arguments are given)
#   4. scripts/vm-tests.sh                         (the VM lane: ctests/vm/ on real kernels in
#                                                   QEMU guests; OXBPF_SKIP_VM=1 skips it)
#   5. scripts/test-debs.sh                        (Debian packages built, installed, used, purged)
#   6. scripts/bench.sh --short                    (benchmark smoke run, no timing asserted)
# and ends with one line "total: N passed, N failed, N skipped" over cargo's, meson's, the VM
# lane's and the steps' results. Exits non-zero if anything failed.
#
#   scripts/test.sh            build dir: build/ (OXBPF_BUILD_DIR to change)
#   scripts/test.sh --suite reference      extra arguments go to `meson test`
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

# shellcheck source=scripts/deps.sh
. scripts/deps.sh || { echo "test.sh: installing dependencies failed" >&2; exit 1; }
# shellcheck source=scripts/kernel-fs.sh
. scripts/kernel-fs.sh

build="${OXBPF_BUILD_DIR:-build}"
passed=0 failed=0 skipped=0
failures=()
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

step() { printf '\n==== %s\n' "$*"; }
fail_step() { failed=$((failed + 1)); failures+=("$1"); }

# ---- 1. cargo tests -------------------------------------------------------------------------
step "cargo test --release --workspace --features oxbpf/fake-kernel --no-fail-fast"
skiplog="$(mktemp)"
OXBPF_SKIP_LOG="$skiplog" cargo test --release --workspace --features oxbpf/fake-kernel --no-fail-fast 2>&1 | tee "$log"
cargo_rc="${PIPESTATUS[0]}"
read -r p f i < <(awk '/^test result:/ {
        for (k = 1; k <= NF; k++) {
            if ($(k + 1) ~ /^passed/) p += $k
            if ($(k + 1) ~ /^failed/) f += $k
            if ($(k + 1) ~ /^ignored/) i += $k
        }
    } END { print p + 0, f + 0, i + 0 }' "$log")
# A Rust test that skips (tests/common/skip.rs) returns early and libtest counts it as passed:
# count it as skipped instead, and on CI refuse any skip .ci/allowed-skips does not allow.
n_skip="$(grep -c . "$skiplog" || true)"
passed=$((passed + p - n_skip)) failed=$((failed + f)) skipped=$((skipped + i + n_skip))
if ((n_skip > 0)); then
    echo "Rust tests skipped ($n_skip):"
    sed 's/^/  /' "$skiplog"
fi
if ((f > 0)); then
    failures+=("cargo test: $f failed")
elif ((cargo_rc != 0)); then
    fail_step "cargo test (exit $cargo_rc: did not build or run)"
fi
if [[ "${CI:-}" == true ]]; then
    allowed="$(grep -v '^[[:space:]]*\(#\|$\)' .ci/allowed-skips || true)"
    while IFS= read -r line; do
        [[ -z "$line" ]] && continue
        if [[ -z "$allowed" ]] || ! grep -qE -- "$allowed" <<<"$line"; then
            fail_step "skip not allowed on CI (.ci/allowed-skips): $line"
        fi
    done <"$skiplog"
fi
rm -f "$skiplog"

# ---- 2. generated headers ---------------------------------------------------------------------
if [[ -d tools/gen-headers ]]; then
    step "cargo run -p gen-headers -- --check"
    if cargo run --release --quiet -p gen-headers -- --check; then
        passed=$((passed + 1))
    else
        fail_step "gen-headers --check (include/ is stale or the generator failed)"
    fi
fi

# ---- Rust formatting: rustfmt.toml's style ------------------------------------------------------
step "cargo fmt --all -- --check"
if cargo fmt --all -- --check; then
    passed=$((passed + 1))
else
    fail_step "cargo fmt --check (run cargo fmt --all)"
fi

# ---- Rust lints: clippy, every warning an error ------------------------------------------------
step "cargo clippy --release --workspace --all-targets --features oxbpf/fake-kernel -- -D warnings"
if cargo clippy --release --workspace --all-targets --features oxbpf/fake-kernel -- -D warnings; then
    passed=$((passed + 1))
else
    fail_step "cargo clippy (warnings)"
fi

# ---- shell scripts: shellcheck (warnings and errors) ------------------------------------------
step "shellcheck"
if ! oxbpf_apt_ensure shellcheck; then
    fail_step "shellcheck (could not be installed)"
elif shellcheck -x -S warning scripts/*.sh scripts/with-libbpf15 scripts/bpftool75 scripts/trixie-root \
        .ci/run ctests/*.sh ctests/*/*.sh; then
    passed=$((passed + 1))
else
    fail_step "shellcheck"
fi

# ---- 3. meson: build and the C test suite ------------------------------------------------------
step "meson setup $build"
setup=(meson setup "$build" "-Dtrixie_root=$OXBPF_TRIXIE_ROOT")
[[ -f "$build/meson-private/coredata.dat" ]] && setup+=(--reconfigure)
if ! "${setup[@]}"; then
    fail_step "meson setup"
else
    step "meson compile -C $build"
    if ! meson compile -C "$build"; then
        fail_step "meson compile"
    else
        step "meson test -C $build --print-errorlogs $*"
        meson test -C "$build" --print-errorlogs "$@" 2>&1 | tee "$log"
        meson_rc="${PIPESTATUS[0]}"
        read -r p f s < <(awk -F: '
            /^Ok:/ || /^Expected Fail:/ { p += $2 }
            /^Fail:/ || /^Unexpected Pass:/ || /^Timeout:/ { f += $2 }
            /^Skipped:/ { s += $2 }
            END { print p + 0, f + 0, s + 0 }' "$log")
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
        if ((f > 0)); then
            failures+=("meson test: $f failed")
        elif ((meson_rc != 0)); then
            fail_step "meson test (exit $meson_rc)"
        elif ((p + s == 0)); then
            fail_step "meson test ran no test"
        fi
        # Skipped C tests (exit 77, reason printed in the test log): on CI each must be allowed
        # by .ci/allowed-skips, matched as "meson:<test name>".
        if [[ "${CI:-}" == true ]]; then
            allowed="$(grep -v '^[[:space:]]*\(#\|$\)' .ci/allowed-skips || true)"
            while IFS= read -r name; do
                if [[ -z "$allowed" ]] || ! grep -qE -- "$allowed" <<<"meson:$name"; then
                    fail_step "skip not allowed on CI (.ci/allowed-skips): meson:$name"
                fi
            done < <(awk 'NF > 4 && / SKIP / && $1 ~ /^[0-9]+\/[0-9]+$/ { for (k = 1; k < NF; k++) if ($k == "/") { print $(k + 1); break } }' "$log" | sort -u)
        fi

        # ---- 3b. the same suite with libbpf 1.7 as the reference: differences only as listed --
        step "scripts/diff-suite-17.sh $build"
        rc=0
        if (($# > 0)); then
            echo "suite17: skipped (meson arguments given: $*)"
            rc=77
        else
            scripts/diff-suite-17.sh "$build" || rc=$?
        fi
        case "$rc" in
            0) passed=$((passed + 1)) ;;
            77) skipped=$((skipped + 1)) ;;
            *) fail_step "diff-suite-17.sh (differences from libbpf 1.7 not as listed)" ;;
        esac

        # ---- 4. the VM lane: real kernels in QEMU guests (OXBPF_SKIP_VM=1 skips it) ----------
        step "scripts/vm-tests.sh $build"
        scripts/vm-tests.sh "$build" 2>&1 | tee "$log"
        vm_rc="${PIPESTATUS[0]}"
        read -r p f s < <(sed -n 's/^vm: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$log" | tail -n1)
        passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0})) skipped=$((skipped + ${s:-0}))
        if ((${f:-0} > 0)); then
            failures+=("vm tests: $f failed")
        elif ((vm_rc != 0)); then
            fail_step "vm tests (exit $vm_rc)"
        fi
    fi
fi

# ---- 5. Debian packages: build, lintian, install, use, purge ----------------------------------
step "scripts/test-debs.sh"
rc=0
scripts/test-debs.sh || rc=$?
case "$rc" in
    0) passed=$((passed + 1)) ;;
    77) skipped=$((skipped + 1)) ;;
    *) fail_step "test-debs.sh (Debian packages)" ;;
esac

# ---- 6. benchmark smoke run (no timing asserted: the benchmark must only run) -----------------
step "scripts/bench.sh --short"
if scripts/bench.sh --short; then
    passed=$((passed + 1))
else
    fail_step "bench.sh --short (the benchmark did not run)"
fi

step "summary"
for f in "${failures[@]}"; do
    echo "  $f"
done
echo "total: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
