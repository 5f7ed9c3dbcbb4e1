#!/usr/bin/env bash
# A libbpf-bootstrap-style tc program (ctests/distro/tc_example.c, linked to the distribution's
# libbpf.so.1, skeleton from bookworm's bpftool) on lo: hook, attach, count, query, detach.
# The program checks its own results; here: its transcript, and nothing left behind.
# needs: $1
. "$(dirname "$0")/lib.sh"
bin="$1"
t "$bin"
echo "tc_example: exit $?"
[[ -z "$(prog_ids tc_ingress)" ]] || wait_prog_gone "$(prog_ids tc_ingress | cut -d' ' -f1)" || oxd_fail "tc_ingress still loaded"
q="$(tc qdisc show dev lo)"
[[ "$q" == *clsact* ]] && oxd_fail "clsact left on lo" || echo "no clsact qdisc left on lo"
oxd_done
