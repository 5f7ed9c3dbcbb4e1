#!/usr/bin/env python3
"""Write the BPF C source of a benchmark object to stdout.

    gen_obj.py tp N        N tracepoint programs, each with a CO-RE read of task_struct
    gen_obj.py so N        N struct_ops programs in ceil(N/10) tcp_congestion_ops maps
                           (.struct_ops.link), each with a CO-RE read of tcp_sock
    gen_obj.py data BYTES  one program and BYTES of initialised global data (.data)

The objects only need to load (benchmarks never attach them)."""
import sys

HEAD = """#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
char LICENSE[] SEC("license") = "GPL";
"""

# tcp_congestion_ops members with (name, BPF_PROG arguments, returns a value).
SO_MEMBERS = [
    ("init", "struct sock *sk", False),
    ("release", "struct sock *sk", False),
    ("ssthresh", "struct sock *sk", True),
    ("cong_avoid", "struct sock *sk, __u32 ack, __u32 acked", False),
    ("set_state", "struct sock *sk, __u8 new_state", False),
    ("cwnd_event", "struct sock *sk, enum tcp_ca_event ev", False),
    ("in_ack_event", "struct sock *sk, __u32 flags", False),
    ("pkts_acked", "struct sock *sk, const struct ack_sample *sample", False),
    ("min_tso_segs", "struct sock *sk", True),
    ("undo_cwnd", "struct sock *sk", True),
]


def tp(n):
    out = [HEAD, "__u64 hits[%d];\n" % n]
    for i in range(n):
        out.append(
            'SEC("tracepoint/syscalls/sys_enter_getpid")\n'
            "int tp%d(void *ctx)\n{\n"
            "\tstruct task_struct *t = (void *)bpf_get_current_task();\n"
            "\thits[%d] += BPF_CORE_READ(t, tgid) + BPF_CORE_READ(t, real_parent, pid);\n"
            "\treturn 0;\n}\n" % (i, i)
        )
    return "".join(out)


def so(n):
    out = [HEAD, "__u64 calls;\n"]
    maps = (n + len(SO_MEMBERS) - 1) // len(SO_MEMBERS)
    made = 0
    for m in range(maps):
        slots = []
        for name, args, ret in SO_MEMBERS:
            if made == n:
                break
            prog = "m%d_%s" % (m, name)
            body = "\tstruct tcp_sock *tp = (struct tcp_sock *)sk;\n\tcalls += BPF_CORE_READ(tp, snd_cwnd);\n"
            out.append(
                'SEC("struct_ops")\n%s BPF_PROG(%s, %s)\n{\n%s\treturn%s;\n}\n'
                % ("__u32" if ret else "void", prog, args, body, " 1" if ret else "")
            )
            slots.append("\t.%s = (void *)%s,\n" % (name, prog))
            made += 1
        out.append(
            'SEC(".struct_ops.link")\nstruct tcp_congestion_ops ops%d = {\n%s\t.name = "oxbench%d",\n};\n'
            % (m, "".join(slots), m)
        )
    return "".join(out)


def data(size):
    words = max(size // 8, 1)
    return HEAD + (
        "__u64 blob[%d] = { 1, 2, 3 };\n"
        'SEC("tracepoint/syscalls/sys_enter_getpid")\n'
        "int touch(void *ctx)\n{\n\tblob[%d] += 1;\n\treturn 0;\n}\n" % (words, words - 1)
    )


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("tp", "so", "data"):
        sys.exit(__doc__)
    kind, n = sys.argv[1], int(sys.argv[2])
    sys.stdout.write({"tp": tp, "so": so, "data": data}[kind](n))


if __name__ == "__main__":
    main()
