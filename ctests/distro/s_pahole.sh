#!/usr/bin/env bash
# pahole -J: encode the DWARF of a small object as BTF, in place (.BTF section) and detached;
# the transcript holds bpftool's dump of both, so every variant must produce the same BTF.
# needs: /usr/bin/pahole
. "$(dirname "$0")/lib.sh"
src="$(dirname "$0")/pahole_input.c"
w="$OXD_TMP/pahole.$OXD_VARIANT"
mkdir -p "$w"
gcc -g -O1 -c "$src" -o "$w/in.o" || { echo "gcc failed" >&2; exit 1; }
cp "$w/in.o" "$w/inplace.o"
t pahole -J "$w/inplace.o"
echo "pahole -J: exit $?"
t pahole --btf_encode_detached="$w/detached.btf" "$w/in.o"
echo "pahole --btf_encode_detached: exit $?"
echo "---- .BTF of the object"
bpftool btf dump file "$w/inplace.o" || oxd_fail "no .BTF in the object"
echo "---- detached BTF"
bpftool btf dump file "$w/detached.btf" || oxd_fail "no detached BTF"
n="$(bpftool btf dump file "$w/detached.btf" 2>/dev/null | grep -c "STRUCT 'node'")"
[[ "$n" == 1 ]] || oxd_fail "struct node appears $n times in the BTF"
oxd_done
