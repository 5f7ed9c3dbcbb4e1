#!/usr/bin/env bash
# check_symbols.sh LIBOXBPF ABI_FILE [OLDER_LIBBPF [REFERENCE_LIBBPF]]
#
# Checks the dynamic symbol table of liboxbpf against the libbpf ABI list
# (abi/libbpf-1.7.symbols: "symbol node" per line, '#' comments):
#   - the soname is liboxbpf.so.1;
#   - every version node of the ABI list (LIBBPF_0.0.1 ... LIBBPF_1.7.0) is defined, and no
#     other node is;
#   - every defined exported symbol reads name@@LIBBPF_x.y.z, with the node the ABI list
#     gives for that name: nothing unversioned, nothing outside the list (no Rust internals,
#     no oxbpf_shim_*), nothing bound to the wrong node;
#   - every symbol of the list is exported (liboxbpf has libbpf 1.7's whole ABI);
#   - it exports something at all, and with OLDER_LIBBPF every symbol the older libbpf exports
#     (the complete libbpf.so.1 liboxbpf claims to be: a program calling a missing one would
#     fall through to another libbpf under LD_PRELOAD).
# With OLDER_LIBBPF (an older upstream libbpf.so.1, e.g. trixie's 1.5), every symbol it
# exports must be in the list on the same node (libbpf removes and moves nothing); with
# REFERENCE_LIBBPF (upstream libbpf.so.1 of the list's version), the list must equal its
# exports. Prints how much of the list is exported.
set -euo pipefail

lib="$1" abi="$2" older="${3:-}" ref="${4:-}"
fail=0
err() { echo "FAIL: $*" >&2; fail=1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

grep -v '^[[:space:]]*#' "$abi" | awk 'NF >= 2 { print $1, $2 }' | sort -u >"$tmp/abi"
awk '{ print $2 }' "$tmp/abi" | sort -u >"$tmp/abi-nodes"
[[ -s "$tmp/abi" ]] || { echo "FAIL: $abi lists no symbols" >&2; exit 1; }

# "name@@NODE" (or "name@NODE", "name") of every defined dynamic symbol, leaving out the
# ABS entries GNU ld emits for version nodes themselves.
defined_syms() {
    readelf --dyn-syms -W "$1" | awk '
        $1 ~ /^[0-9]+:$/ && $7 != "UND" && $5 != "LOCAL" && NF >= 8 {
            if ($7 == "ABS" && $8 ~ /^LIBBPF_[0-9.]+$/) next
            print $8
        }'
}
version_defs() {
    readelf -V -W "$1" | sed -n '/\.gnu\.version_d/,/\.gnu\.version_r/p' \
        | awk '/Flags:/ && !/BASE/ { for (i = 1; i < NF; i++) if ($i == "Name:") print $(i + 1) }' \
        | sort -u
}

if [[ -n "$older" ]]; then
    defined_syms "$older" | sed 's/@@/ /' | sort -u >"$tmp/older"
    if [[ -n "$(comm -23 "$tmp/older" "$tmp/abi")" ]]; then
        err "exports of $older missing from $abi, or on another node there:"
        comm -23 "$tmp/older" "$tmp/abi" >&2
    fi
fi
if [[ -n "$ref" ]]; then
    defined_syms "$ref" | sed 's/@@/ /' | sort -u >"$tmp/ref"
    if ! diff -u "$tmp/abi" "$tmp/ref" >"$tmp/ref.diff"; then
        err "$abi differs from the exports of $ref (- list, + upstream):"
        cat "$tmp/ref.diff" >&2
    fi
fi

soname="$(readelf -d -W "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
[[ "$soname" == liboxbpf.so.1 ]] || err "soname is '$soname', want liboxbpf.so.1"

version_defs "$lib" >"$tmp/nodes"
if ! diff -u "$tmp/abi-nodes" "$tmp/nodes" >"$tmp/nodes.diff"; then
    err "version nodes differ from the ABI list (- list, + $lib):"
    cat "$tmp/nodes.diff" >&2
fi

defined_syms "$lib" | sort -u >"$tmp/exports"
exported=0
while read -r entry; do
    if [[ "$entry" != *@@* ]]; then
        err "exported without a default version: $entry"
        continue
    fi
    name="${entry%%@@*}" node="${entry#*@@}"
    want="$(awk -v n="$name" '$1 == n { print $2; exit }' "$tmp/abi")"
    if [[ -z "$want" ]]; then
        err "exported but not in the libbpf ABI: $entry"
    elif [[ "$node" != "$want" ]]; then
        err "$name is bound to $node, libbpf binds it to $want"
    else
        exported=$((exported + 1))
    fi
done <"$tmp/exports"

total="$(wc -l <"$tmp/abi")"
((exported > 0)) || err "$lib exports no libbpf symbol at all"
if [[ -n "$older" ]]; then
    missing="$(awk '{ print $1 }' "$tmp/older" | sort -u | comm -23 - <(sed 's/@@.*//' "$tmp/exports" | sort -u))"
    [[ -z "$missing" ]] || err "$(wc -l <<<"$missing") exports of $older are missing: $(tr '\n' ' ' <<<"$missing")"
fi
# The list is complete: every symbol of it must be exported (libbpf 1.7's whole ABI).
absent="$(awk '{ print $1 }' "$tmp/abi" | sort -u | comm -23 - <(sed 's/@@.*//' "$tmp/exports" | sort -u))"
[[ -z "$absent" ]] || err "$(wc -l <<<"$absent") symbols of $abi are not exported: $(tr '\n' ' ' <<<"$absent")"
echo "$lib: soname $soname, $(wc -l <"$tmp/nodes") version nodes, $exported of $total libbpf symbols exported"
exit "$fail"
