#!/usr/bin/env bash
# bpftrace: a tracepoint one-liner counting the getppid calls of the command it runs (7).
# needs: /usr/bin/bpftrace /usr/lib/x86_64-linux-gnu/libbcc_bpf.so.0
. "$(dirname "$0")/lib.sh"
trig="$OXD_TMP/getppid7.$OXD_VARIANT.py"
echo 'import os; [os.getppid() for _ in range(7)]' >"$trig"
out="$(t bpftrace -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @calls = count(); }' \
    -c "/usr/bin/python3 $trig" 2>&1)"
rc=$?
echo "$out"
echo "bpftrace: exit $rc"
[[ "$out" == *"@calls: 7"* ]] || oxd_fail "bpftrace did not count 7 getppid calls"
oxd_done
