#!/usr/bin/env bash
# The main job: install what is missing, build liboxbpf and the C programs, and run the demo:
# the BPF TCP congestion control of ctests/bpf/tcp_cc.bpf.c ("oxbpf_cc"), driven through its
# bpftool 7.5 skeleton by ctests/demo_cc.c linked against liboxbpf.
#
#   scripts/demo.sh              run the demo on liboxbpf
#   scripts/demo.sh --reference  run the same program on upstream libbpf 1.5 (trixie cache),
#                                to see what liboxbpf is meant to do
#
# Stages:
#   open      open the skeleton; print the struct_ops map, its programs and the shadow
#             (the map's initial value), then swap an alternative program into the shadow
#   register  load + attach (registers the CC), send loopback TCP traffic through it, print
#             the op counters, detach. Runs when the library exports what it needs
#             (skeleton load/attach, struct_ops attach), or always with OXBPF_DEMO_REGISTER=1;
#             OXBPF_DEMO_REGISTER=0 turns it off. Needs root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

reference=0
case "${1:-}" in
--reference) reference=1 ;;
"") ;;
*) echo "usage: $0 [--reference]" >&2; exit 2 ;;
esac

# shellcheck source=scripts/deps.sh
. scripts/deps.sh
# shellcheck source=scripts/kernel-fs.sh
. scripts/kernel-fs.sh
build="${OXBPF_BUILD_DIR:-build}"
setup=(meson setup "$build" "-Dtrixie_root=$OXBPF_TRIXIE_ROOT")
[[ -f "$build/meson-private/coredata.dat" ]] && setup+=(--reconfigure)
"${setup[@]}" >/dev/null
meson compile -C "$build" >/dev/null

if ((reference)); then
    run=(scripts/with-libbpf15 "$build/ctests/demo_cc_ref")
    lib="upstream libbpf 1.5 ($OXBPF_TRIXIE_ROOT)"
else
    run=("$build/ctests/demo_cc")
    lib="liboxbpf ($build/liboxbpf.so.1)"
fi

# Does liboxbpf export everything the register stage calls?
register="${OXBPF_DEMO_REGISTER:-auto}"
if [[ "$register" == auto ]]; then
    register=1
    if ((!reference)); then
        exports="$(readelf --dyn-syms -W "$build/liboxbpf.so" | awk '$7 != "UND" { print $8 }')"
        for sym in bpf_object__load_skeleton bpf_object__attach_skeleton \
                   bpf_map__attach_struct_ops bpf_link__destroy; do
            grep -q "^$sym@@" <<<"$exports" || { register=0; break; }
        done
    fi
fi

echo "== oxbpf demo on $lib"
echo "== stage 1: open the tcp_cc skeleton"
if ! "${run[@]}"; then
    echo "demo: the open stage failed on $lib." >&2
    ((reference)) || echo "demo: scripts/demo.sh --reference shows it on upstream libbpf 1.5." >&2
    exit 1
fi
echo
echo "== stage 1b: open again, swapping oxcc_cong_avoid_alt into the shadow"
"${run[@]}" --alt

echo
if ((register)); then
    echo "== stage 2: register oxbpf_cc and send 16 MiB over loopback with it"
    "${run[@]}" --register 16
    echo
    echo "== stage 2b: the same with the swapped-in program"
    "${run[@]}" --alt --register 16
else
    echo "== stage 2 (register + loopback traffic) skipped: liboxbpf does not export skeleton"
    echo "   load/attach and struct_ops attach yet. See it on upstream libbpf 1.5 with"
    echo "   scripts/demo.sh --reference, or force it with OXBPF_DEMO_REGISTER=1."
fi
