#!/usr/bin/env bash
# bcc (python3-bpfcc): a tracepoint program compiled and loaded by bcc, with BTF: bpftool lists
# it with a non-zero btf_id; it counts the getppid calls made while it is attached.
# needs: /usr/lib/x86_64-linux-gnu/libbcc.so.0
. "$(dirname "$0")/lib.sh"
# bcc compiles against the running kernel's headers (/lib/modules/$(uname -r)/build and
# source). When the running kernel has none, point them, in this scenario's private mount
# namespace only, at bookworm's headers (installed by deps.sh).
rel="$(uname -r)"
if [[ ! -e "/lib/modules/$rel/build" ]]; then
    b="$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | tail -n1)"
    c="$(ls -d /usr/src/linux-headers-*-common 2>/dev/null | tail -n1)"
    [[ -n "$b" && -n "$c" ]] || { echo "no kernel headers for bcc (linux-headers-amd64)" >&2; exit 1; }
    mount -t tmpfs oxd-modules /lib/modules || exit 1
    mkdir -p "/lib/modules/$rel"
    ln -s "$b" "/lib/modules/$rel/build"
    ln -s "$c" "/lib/modules/$rel/source"
fi
t /usr/bin/python3 - <<'PY'
import json, os, subprocess
from bcc import BPF
b = BPF(text="""
BPF_ARRAY(calls, u64, 1);
TRACEPOINT_PROBE(syscalls, sys_enter_getppid) {
    int k = 0;
    u64 *v = calls.lookup(&k);
    if (v && (bpf_get_current_pid_tgid() >> 32) == OXD_PID)
        __sync_fetch_and_add(v, 1);
    return 0;
}
""", cflags=["-DOXD_PID=%d" % os.getpid()])
progs = [p for p in json.loads(subprocess.check_output(["bpftool", "-j", "prog", "show"]))
         if p.get("name", "").startswith("tracepoint__sys")]
print("bcc programs loaded:", len(progs))
print("btf_id non-zero:", all(p.get("btf_id", 0) != 0 for p in progs) and bool(progs))
for _ in range(4):
    os.getppid()
print("getppid calls counted:", b["calls"][0].value)
PY
echo "bcc: exit $?"
oxd_done
