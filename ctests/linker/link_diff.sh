#!/usr/bin/env bash
# link_diff.sh REF OX WITH_LIBBPF15 BPFTOOL75 OUTDIR NAME MODE IN...
# Differential test of the static linker: link IN... with link_files built on upstream libbpf
# 1.5 (REF, run through WITH_LIBBPF15) and on liboxbpf (OX), into OUTDIR/NAME/{ref,ox}/NAME.o.
# Both must print the same lines (return codes, errno, libbpf's warnings, the reference's errno
# text normalised by scripts/errno-normalise) and exit alike. With
# LINK_PRELOAD set to liboxbpf.so.1, the libbpf 1.5 build runs a third time with liboxbpf
# preloaded over libbpf 1.5 (OUTDIR/NAME/pre/), and must match as well.
# MODE:
#   ok     linking succeeds; both files are byte-identical, and identical to what
#          `bpftool gen object` (bpftool 7.5, libbpf 1.5) writes
#   fail   linking fails on both (same errno and warning)
#   load   as ok, then both libraries open and load the liboxbpf-linked object on this kernel
#          and report the same programs, maps and global data (skips without root)
#   MODE:nobpftool  skip the bpftool comparison: for inputs that bpftool 7.5's own copy of the
#          linker (built from the kernel tree, older than libbpf 1.5.0's) refuses
#   loadfail  as load, but the object is one libbpf 1.5 itself fails to open or load: both
#          must fail alike
set -uo pipefail
ref=$1 ox=$2 with15=$3 bpftool=$4 outdir=$5 name=$6 mode=$7
shift 7
bpftool_cmp=1
if [[ $mode == *:nobpftool ]]; then
    bpftool_cmp=0
    mode=${mode%:nobpftool}
fi
dir="$outdir/$name"
rm -rf "$dir"
mkdir -p "$dir/ref" "$dir/ox" "$dir/bpftool" "$dir/pre"
fail() { echo "FAIL: $*"; exit 1; }
# The reference's warnings with their errno text in libbpf 1.7's form, as liboxbpf writes it.
errno_normalise="$(cd "$(dirname "$0")/../.." && pwd)/scripts/errno-normalise"
normalise_ref() { "$errno_normalise" <"$1" >"$1.n" && mv "$1.n" "$1"; }

"$with15" "$ref" --log "$dir/ref/$name.o" "$@" > "$dir/ref.log"; rc_ref=$?
normalise_ref "$dir/ref.log" || fail "errno-normalise failed"
"$ox" --log "$dir/ox/$name.o" "$@" > "$dir/ox.log"; rc_ox=$?
# Paths differ only in the output directory, which no line mentions.
if ! diff -u "$dir/ref.log" "$dir/ox.log"; then
    fail "link output differs (upstream first)"
fi
[[ $rc_ref == "$rc_ox" ]] || fail "exit codes differ: upstream $rc_ref, liboxbpf $rc_ox"
if [[ -n ${LINK_PRELOAD:-} ]]; then
    "$with15" --preload "$LINK_PRELOAD" "$ref" --log "$dir/pre/$name.o" "$@" > "$dir/pre.log"; rc_pre=$?
    diff -u "$dir/ref.log" "$dir/pre.log" || fail "output with liboxbpf preloaded differs (upstream first)"
    [[ $rc_pre == "$rc_ref" ]] || fail "exit codes differ: upstream $rc_ref, preloaded $rc_pre"
    cmp "$dir/ref/$name.o" "$dir/pre/$name.o" || fail "file linked with liboxbpf preloaded differs"
fi
cat "$dir/ox.log"
case $mode in
    fail)
        [[ $rc_ox == 1 ]] || fail "linking was expected to fail (exit $rc_ox)"
        exit 0 ;;
    ok|load|loadfail) [[ $rc_ox == 0 ]] || fail "linking failed (exit $rc_ox)" ;;
    *) fail "bad mode $mode" ;;
esac
cmp "$dir/ref/$name.o" "$dir/ox/$name.o" || fail "linked files differ"
if ((bpftool_cmp && $# > 0)); then # bpftool wants at least one input
    "$bpftool" gen object "$dir/bpftool/$name.o" "$@" || fail "bpftool gen object failed"
    cmp "$dir/bpftool/$name.o" "$dir/ox/$name.o" || fail "bpftool's file differs"
fi
echo "byte-identical to libbpf 1.5's: $name.o ($(stat -c %s "$dir/ox/$name.o") bytes)"
[[ $mode == load || $mode == loadfail ]] || exit 0

# Load the liboxbpf-linked file with both libraries (same path, so same object name).
"$with15" "$ref" --log --load "$dir/ox/$name.o" > "$dir/load-ref.log"; rc_ref=$?
normalise_ref "$dir/load-ref.log" || fail "errno-normalise failed"
"$ox" --log --load "$dir/ox/$name.o" > "$dir/load-ox.log"; rc_ox=$?
diff -u "$dir/load-ref.log" "$dir/load-ox.log" || fail "load output differs (upstream first)"
cat "$dir/load-ox.log"
[[ $rc_ref == "$rc_ox" ]] || fail "load exit codes differ: upstream $rc_ref, liboxbpf $rc_ox"
[[ $rc_ox == 77 ]] && exit 77
if [[ $mode == loadfail ]]; then
    [[ $rc_ox == 1 ]] || fail "open/load was expected to fail as on libbpf 1.5"
else
    [[ $rc_ox == 0 ]] || fail "load failed"
fi
exit 0
