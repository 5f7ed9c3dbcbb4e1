#!/usr/bin/env bash
# Mount the kernel file systems the tests use when they are absent (a fresh machine or
# container has neither): tracefs at /sys/kernel/tracing (tracepoints, legacy uprobes) and
# bpffs at /sys/fs/bpf (pinning). Needs root; without it, prints why and leaves them alone
# (the tests that need them then skip or fail with the reason). Idempotent.
#
#   scripts/kernel-fs.sh    or    . scripts/kernel-fs.sh

oxbpf_kernel_fs() {
    local what dir fstype
    for what in "tracefs /sys/kernel/tracing" "bpf /sys/fs/bpf"; do
        read -r fstype dir <<<"$what"
        if [[ "$(stat -f -c %T "$dir" 2>/dev/null)" == "$fstype" || \
              ( "$fstype" == bpf && "$(stat -f -c %t "$dir" 2>/dev/null)" == cafe4a11 ) || \
              ( "$fstype" == tracefs && "$(stat -f -c %t "$dir" 2>/dev/null)" == 74726163 ) ]]; then
            continue
        fi
        if ((EUID != 0)); then
            printf 'kernel-fs: not root: %s is not mounted at %s\n' "$fstype" "$dir" >&2
            continue
        fi
        mkdir -p "$dir" 2>/dev/null
        if mount -t "$fstype" "$fstype" "$dir" 2>/dev/null; then
            printf 'kernel-fs: mounted %s at %s\n' "$fstype" "$dir" >&2
        else
            printf 'kernel-fs: cannot mount %s at %s\n' "$fstype" "$dir" >&2
        fi
    done
    return 0
}

oxbpf_kernel_fs
