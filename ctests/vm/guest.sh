#!/usr/bin/env bash
# guest.sh KERNEL BUILD VMBUILD: the VM lane's tests for one kernel, run inside its guest by
# scripts/vm-tests.sh (through scripts/vm.sh). Each test program runs three times:
#   ref      built against libbpf 1.5's headers, run on upstream libbpf 1.5 (scripts/with-libbpf15)
#   linked   the same source linked to liboxbpf
#   preload  the ref binary with liboxbpf preloaded over libbpf 1.5
# ref must pass (exit 0) on its own; linked and preload must pass and print the same stdout as
# ref (the programs print transcripts free of run-dependent numbers), and write the same libbpf
# log at every level (OXBPF_TEST_DEBUG_LOG, ctests/vm/vm_log.h) as ref, compared by
# ctests/logs/log_compare.sh: normalised as ctests/logs does, only ctests/logs/allowed-diffs's
# differences accepted. Exit 77 is a skip.
# One line per run: "VMTEST PASS|FAIL|SKIP NAME-VARIANT@KERNEL [reason]".
set -uo pipefail
k="$1" build="$2" vb="$3"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
w15="$src/scripts/with-libbpf15"
lib="$build/liboxbpf.so.1"
compare="$src/ctests/logs/log_compare.sh" allowed="$src/ctests/logs/allowed-diffs"
tmp="$(mktemp -d)"

result() { echo "VMTEST $1 $2@$k${3:+ $3}"; }

# vmtest [--ignore REGEX] NAME REF_BIN OX_BIN ARGS...: --ignore drops the transcript lines
# matching REGEX before comparing (tests written for meson print counters and notes).
vmtest() {
    local ignore='^$'
    if [[ "$1" == --ignore ]]; then ignore="$2"; shift 2; fi
    local name="$1" ref="$2" ox="$3" rc v
    shift 3
    rm -f "$tmp"/*.dlog
    rc=0
    OXBPF_TEST_DEBUG_LOG="$tmp/ref.dlog" "$w15" "$ref" "$@" >"$tmp/ref" 2>"$tmp/ref.err" || rc=$?
    if ((rc == 77)); then
        for v in ref linked preload; do result SKIP "$name-$v" "$(grep -m1 SKIP "$tmp/ref")"; done
        return
    fi
    if ((rc != 0)); then
        result FAIL "$name-ref" "(exit $rc)"
        sed 's/^/    /' "$tmp/ref" "$tmp/ref.err"
    else
        result PASS "$name-ref"
    fi
    sed 's/^/    | /' "$tmp/ref"
    for v in linked preload; do
        rc=0
        if [[ $v == linked ]]; then
            OXBPF_TEST_DEBUG_LOG="$tmp/$v.dlog" "$ox" "$@" >"$tmp/$v" 2>"$tmp/$v.err" || rc=$?
        else
            OXBPF_TEST_DEBUG_LOG="$tmp/$v.dlog" "$w15" --preload "$lib" "$ref" "$@" >"$tmp/$v" 2>"$tmp/$v.err" || rc=$?
        fi
        if ((rc != 0)); then
            result FAIL "$name-$v" "(exit $rc)"
            sed 's/^/    /' "$tmp/$v" "$tmp/$v.err"
        elif grep -Ev "$ignore" "$tmp/ref" | "$src/scripts/errno-normalise" >"$tmp/ref.cmp"; grep -Ev "$ignore" "$tmp/$v" >"$tmp/$v.cmp"
             ! diff -u --label "libbpf 1.5" --label "liboxbpf $v" "$tmp/ref.cmp" "$tmp/$v.cmp" >"$tmp/diff"; then
            result FAIL "$name-$v" "(transcript differs from libbpf 1.5)"
            sed 's/^/    /' "$tmp/diff" "$tmp/$v.err"
        elif [[ ! -s "$tmp/ref.dlog" ]]; then
            result FAIL "$name-$v" "(libbpf 1.5 wrote no debug log: OXBPF_TEST_DEBUG_LOG)"
        elif ! touch "$tmp/$v.dlog" \
             || ! "$compare" "$allowed" "$tmp/ref.dlog" "$tmp/$v.dlog" "$name-$v@$k" "$ref" "$ox" \
                >/dev/null 2>"$tmp/ldiff"; then
            result FAIL "$name-$v" "(debug log differs from libbpf 1.5)"
            sed 's/^/    /' "$tmp/ldiff"
        else
            result PASS "$name-$v"
        fi
    done
}

st="$build/ctests/struct_ops"
case "$k" in
    7.2)
        vmtest scx-run "$vb/scx_test_ref" "$vb/scx_test_ox" run
        vmtest scx-eject "$vb/scx_test_ref" "$vb/scx_test_ox" eject
        ;;
    6.1)
        # The legacy .struct_ops form registers a congestion control on a kernel without
        # struct_ops links; traffic runs through it. (counters vary from run to run; only
        # liboxbpf runs the bpftool 7.1 skeleton's attach: see st_legacy.c)
        vmtest --ignore '^(counters:|skipping tcp_cc_legacy__attach)' \
            st-legacy "$st/st_legacy_ref" "$st/st_legacy_ox"
        vmtest link-refused "$vb/link_refused_ref" "$vb/link_refused_ox"
        ;;
esac
vmtest probes "$vb/probes_ref" "$vb/probes_ox"
# __arg_ctx subprograms: retyped by the loader before 6.8, read by the kernel after.
vmtest argctx "$vb/argctx_ref" "$vb/argctx_ox"
vmtest argctx-bad "$vb/argctx_ref" "$vb/argctx_ox" bad
# Built for kernels with module-defined struct_ops types (vm-tests.sh).
if [[ -f "$vb/kmod/oxbpf_testmod.ko" ]]; then
    if insmod "$vb/kmod/oxbpf_testmod.ko"; then
        vmtest modops "$vb/modops_test_ref" "$vb/modops_test_ox"
        vmtest modops-missing-member "$vb/modops_test_ref" "$vb/modops_test_ox" missing
    else
        result FAIL modops "(insmod oxbpf_testmod.ko failed)"
    fi
fi
# Built where the kernel's hid module has hid_bpf_ops (vm-tests.sh).
if [[ -x "$vb/hid_test_ref" ]]; then
    modprobe uhid && modprobe hid-generic
    vmtest hid-bpf "$vb/hid_test_ref" "$vb/hid_test_ox"
    vmtest hid-bpf-missing-member "$vb/hid_test_ref" "$vb/hid_test_ox" missing
fi
rm -rf "$tmp"
