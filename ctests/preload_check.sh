# shellcheck shell=bash
# Sourced by the differential scripts that preload liboxbpf over libbpf 1.5.
#
# oxt_require_preload_covers REF LIB: fail (exit 1, listing them) unless LIB defines every
# versioned libbpf symbol REF imports; otherwise libbpf 1.5 would quietly serve the missing ones
# and the comparison would prove nothing.
oxt_require_preload_covers() {
    local ref="$1" lib="$2" missing
    missing="$(comm -23 \
        <(readelf --dyn-syms -W "$ref" | awk '$7 == "UND" && $8 ~ /@LIBBPF_/ { sub(/@.*/, "", $8); print $8 }' | sort -u) \
        <(readelf --dyn-syms -W "$lib" | awk '$7 != "UND" && $8 ~ /@@LIBBPF_/ { sub(/@.*/, "", $8); print $8 }' | sort -u))"
    if [[ -n "$missing" ]]; then
        echo "FAIL: $lib does not define these libbpf symbols $ref uses, so LD_PRELOAD would leave them to libbpf 1.5:" >&2
        sed 's/^/  /' <<<"$missing" >&2
        exit 1
    fi
}
