# shellcheck shell=bash
# Sourced by the s_*.sh scenarios, which run.sh starts inside a fresh network and mount
# namespace as `s_NAME.sh VARIANT ARGS...`.
#   t CMD...        run a program under test with the variant's libbpf
#   oxd_fail MSG    record a failed check (stderr); the scenario then exits 1 at oxd_done
#   oxd_veth        lo up, IPv6 off, veth pair oxd0/oxd1 up
#   oxd_frames DEV N  send N raw Ethernet frames out of DEV
#   map_val PIN KEY   a u64 array value from a pinned map, via bpftool
set -uo pipefail
OXD_VARIANT="$1"
shift
oxd_failures=0

case "$OXD_VARIANT" in
    distro) t() { env -u LD_PRELOAD "$@"; } ;;
    preload) t() { env LD_PRELOAD="$OXD_LIB" "$@"; } ;;
    replace) t() { env -u LD_PRELOAD LD_LIBRARY_PATH="$OXD_REPLACE_DIR" "$@"; } ;;
    *) echo "unknown variant $OXD_VARIANT" >&2; exit 2 ;;
esac

oxd_fail() {
    echo "CHECK FAILED ($OXD_VARIANT): $*" >&2
    echo "check failed: $*"
    oxd_failures=$((oxd_failures + 1))
}

oxd_done() {
    exit $((oxd_failures ? 1 : 0))
}

# A private bpffs (this mount namespace's own) and tracefs where missing.
mount -t bpf bpf /sys/fs/bpf || { echo "cannot mount bpffs" >&2; exit 1; }
[[ -e /sys/kernel/tracing/events ]] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
ip link set lo up

oxd_veth() {
    echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
    echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
    ip link add oxd0 type veth peer name oxd1 && ip link set oxd0 up && ip link set oxd1 up \
        || { echo "cannot create the veth pair" >&2; exit 1; }
}

oxd_frames() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + bytes(50)
for _ in range(int(sys.argv[2])):
    s.send(frame)
time.sleep(0.05)
PY
}

# The value of KEY in a pinned array map of u64 (bpftool's JSON dump).
map_val() {
    bpftool -j map dump pinned "$1" | /usr/bin/python3 -c '
import json, sys
key = int(sys.argv[1])
for e in json.load(sys.stdin):
    k = e.get("key")
    k = int.from_bytes(bytes(int(b, 16) for b in k), "little") if isinstance(k, list) else int(k)
    if k == key:
        v = e.get("value")
        print(int.from_bytes(bytes(int(b, 16) for b in v), "little") if isinstance(v, list) else int(v))
' "$2"
}

# Program ids bpftool lists with NAME.
prog_ids() {
    bpftool -j prog show | /usr/bin/python3 -c '
import json, sys
print(" ".join(str(p["id"]) for p in json.load(sys.stdin) if p.get("name") == sys.argv[1]))' "$1"
}

# Wait until program ID is gone: the kernel frees a program after an RCU grace period, so
# it may still be listed for a moment after its last reference went. Polls up to 5 s.
wait_prog_gone() {
    local _
    for _ in $(seq 50); do
        bpftool prog show id "$1" >/dev/null 2>&1 || return 0
        sleep 0.1
    done
    return 1
}

# The value of KEY in the first map of the (first) program named NAME.
prog_map_val() {
    local id map
    id="$(prog_ids "$1" | cut -d' ' -f1)"
    [[ -n "$id" ]] || return 1
    map="$(bpftool -j prog show id "$id" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["map_ids"][0])')"
    bpftool -j map dump id "$map" | /usr/bin/python3 -c '
import json, sys
key = int(sys.argv[1])
for e in json.load(sys.stdin):
    k = e.get("key")
    k = int.from_bytes(bytes(int(b, 16) for b in k), "little") if isinstance(k, list) else int(k)
    if k == key:
        v = e.get("value")
        print(int.from_bytes(bytes(int(b, 16) for b in v), "little") if isinstance(v, list) else int(v))
' "$2"
}

# Whether DEV has an XDP program attached (in any mode).
has_xdp() {
    local l
    l="$(ip -d link show dev "$1")"
    [[ "$l" == *"prog/xdp"* ]]
}
