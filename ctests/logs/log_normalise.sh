#!/usr/bin/env bash
# log_normalise.sh [PATH...]: the normaliser of libbpf DEBUG logs (stdin to stdout) shared by
# ctests/logs/logs_diff.sh and the VM lane (ctests/vm/guest.sh). Replaces what differs from
# run to run or between the libraries' process images but not in what libbpf says: fds,
# addresses, kernel ids, timings, the attach tests' per-process copies (/tmp/oxtPID), the pin
# test's mkdtemp directory (/tmp/oxbpf-pin-XXXXXX), and each PATH (an object's path) by OBJ.
set -euo pipefail
args=(-e 's/\bfd[ =:]*[0-9]+/fd N/g'
      -e 's/0x[0-9a-f]{6,}/0xADDR/g'
      -e 's/\b(id|prog_id|map_id|btf_id|obj_id)[ =:]+[0-9]+/\1 N/g'
      -e 's/[0-9]+(\.[0-9]+)? ?(us|ms|ns)\b/T\2/g'
      -e 's#/tmp/oxt[0-9]+#/tmp/oxtPID#g'
      -e 's#/tmp/oxbpf-pin-[A-Za-z0-9]{6}#/tmp/oxbpf-pin-XXXXXX#g')
for p in "$@"; do
    args+=(-e "s#$p#OBJ#g")
done
exec sed -E "${args[@]}"
