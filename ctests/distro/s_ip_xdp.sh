#!/usr/bin/env bash
# iproute2: `ip link set dev X xdpgeneric obj O sec xdp`, packets counted, then `xdpgeneric off`.
# needs: /usr/sbin/ip
. "$(dirname "$0")/lib.sh"
obj="$1"
oxd_veth

t ip link set dev oxd0 xdpgeneric obj "$obj" sec xdp
echo "ip link set xdpgeneric obj: exit $?"
has_xdp oxd0 && echo "oxd0 has a generic XDP program" || oxd_fail "no XDP program on oxd0"
ids="$(prog_ids oxd_xdp)"
[[ -n "$ids" ]] && echo "bpftool lists oxd_xdp" || oxd_fail "bpftool does not list oxd_xdp"
pin="$(find /sys/fs/bpf -name oxd_counts | head -n1)"
echo "map pinned at ${pin#/sys/fs/bpf}"
oxd_frames oxd1 5
n="$(map_val "$pin" 0)"
echo "packets counted: $n"
[[ "$n" == 5 ]] || oxd_fail "counted $n packets, sent 5"

t ip link set dev oxd0 xdpgeneric off
echo "ip link set xdpgeneric off: exit $?"
has_xdp oxd0 && oxd_fail "XDP program still on oxd0" || echo "oxd0 has no XDP program"
for id in $ids; do
    wait_prog_gone "$id" || oxd_fail "program $id still loaded"
done
[[ -z "$(prog_ids oxd_xdp)" ]] && echo "oxd_xdp gone after unload"
oxd_frames oxd1 2
echo "packets counted after unload: $(map_val "$pin" 0)"
oxd_done
