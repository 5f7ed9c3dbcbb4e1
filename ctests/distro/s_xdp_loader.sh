#!/usr/bin/env bash
# xdp-tools: `xdp-loader load -m skb`, `status`, packets counted, `unload --all`.
# needs: /usr/sbin/xdp-loader
. "$(dirname "$0")/lib.sh"
obj="$1"
oxd_veth
norm() { sed -E 's/[0-9a-f]{16}/TAG/g; s/ [0-9]+ +TAG/ ID TAG/g'; }

t xdp-loader load -m skb oxd0 "$obj" -s xdp
echo "xdp-loader load: exit $?"
t xdp-loader status oxd0 | norm
echo "xdp-loader status: exit ${PIPESTATUS[0]}"
has_xdp oxd0 && echo "oxd0 has an XDP program" || oxd_fail "no XDP program on oxd0"
ids="$(prog_ids oxd_xdp)"
[[ -n "$ids" ]] && echo "bpftool lists oxd_xdp" || oxd_fail "bpftool does not list oxd_xdp"
oxd_frames oxd1 6
n="$(prog_map_val oxd_xdp 0)"
echo "packets counted: $n"
[[ "$n" == 6 ]] || oxd_fail "counted $n packets, sent 6"

t xdp-loader unload oxd0 --all
echo "xdp-loader unload: exit $?"
t xdp-loader status oxd0 | norm
has_xdp oxd0 && oxd_fail "XDP program still on oxd0" || echo "oxd0 has no XDP program"
for id in $ids; do
    wait_prog_gone "$id" || oxd_fail "program $id still loaded"
done
oxd_done
