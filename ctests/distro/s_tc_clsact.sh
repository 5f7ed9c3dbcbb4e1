#!/usr/bin/env bash
# iproute2 tc: clsact qdiscs, `tc filter add ... bpf da obj O sec S` on oxd0 ingress and oxd1
# egress: two tc invocations sharing one map pinned by name; packets counted; filters deleted.
# needs: /usr/sbin/tc
. "$(dirname "$0")/lib.sh"
obj="$1"
oxd_veth

tc qdisc add dev oxd0 clsact && tc qdisc add dev oxd1 clsact || oxd_fail "clsact qdiscs"
t tc filter add dev oxd0 ingress bpf da obj "$obj" sec tc
echo "tc filter add ingress (sec tc): exit $?"
t tc filter add dev oxd1 egress bpf da obj "$obj" sec classifier
echo "tc filter add egress (sec classifier): exit $?"
# The filters as tc lists them, without run-specific ids and tags.
tc filter show dev oxd0 ingress | sed -E 's/ id [0-9]+//; s/ tag [0-9a-f]+//; s/^filter //' | grep handle
tc filter show dev oxd1 egress | sed -E 's/ id [0-9]+//; s/ tag [0-9a-f]+//; s/^filter //' | grep handle
in_id="$(prog_ids oxd_tc_in)" out_id="$(prog_ids oxd_tc_out)"
[[ -n "$in_id" && -n "$out_id" ]] && echo "bpftool lists oxd_tc_in and oxd_tc_out" || oxd_fail "programs not listed"
maps() { bpftool -j prog show id "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("map_ids"))'; }
if [[ -n "$in_id" && -n "$out_id" && "$(maps "$in_id")" == "$(maps "$out_id")" ]]; then
    echo "both filters use the same map"
else
    oxd_fail "the filters do not share the pinned map"
fi
pin="$(find /sys/fs/bpf -name oxd_counts | head -n1)"
echo "map pinned at ${pin#/sys/fs/bpf}"
oxd_frames oxd1 4
a="$(map_val "$pin" 1)" b="$(map_val "$pin" 2)"
echo "counted: ingress $a, egress $b"
[[ "$a" == 4 && "$b" == 4 ]] || oxd_fail "counted $a/$b, sent 4"

tc filter del dev oxd0 ingress && tc filter del dev oxd1 egress || oxd_fail "filter del"
for id in $in_id $out_id; do
    wait_prog_gone "$id" || oxd_fail "program $id still loaded"
done
[[ -z "$(prog_ids oxd_tc_in)$(prog_ids oxd_tc_out)" ]] && echo "programs gone after filter del"
tc qdisc del dev oxd0 clsact && tc qdisc del dev oxd1 clsact || oxd_fail "clsact del"
oxd_done
