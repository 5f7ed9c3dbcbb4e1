#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Run one fault_cycle under inject.c with call N failing, for N = 1, 2, ... until a cycle
completes without reaching N (the first run, N = 0, injects nothing and must succeed).

After each run the process must not have died by a signal (or hung) and must report no fd
leak (fault_cycle exits 3). After all runs no map/program/link/BTF created by them may still
be alive (BPF_*_GET_NEXT_ID listings before and after, taken here in the parent; objects of
other processes are told apart by name: the cycle's objects carry known name prefixes) and no
congestion control of the fixtures may stay in tcp_available_congestion_control; if any is,
the runs are repeated one by one, each compared on its own, to name the N that left it.

  fault_run.py [--info-only] [--errno E] --inject INJECT.so [--with-libbpf15 W] -- PROG CYCLE

--info-only (upstream libbpf 1.5): report what goes wrong, exit 0 regardless.
Anything left behind is cleaned up (struct_ops unregistered) so that the next run starts clean.
"""
import argparse
import ctypes
import os
import struct
import subprocess
import sys
import time

SYS_BPF = 321
# kind: (GET_NEXT_ID, GET_FD_BY_ID)
CMDS = {"prog": (11, 13), "map": (12, 14), "btf": (23, 19), "link": (31, 30)}
OBJ_GET_INFO_BY_FD = 15
MAP_DELETE_ELEM = 3
MAP_TYPE_STRUCT_OPS = 26
CC_NAMES = ("oxbpf_cc", "oxbpf_ccl")
PREFIXES = {
    "cc-link": (b"oxcc", b"tcp_cc"),
    "cc-legacy": (b"oxcc", b"tcp_cc"),
    "trace": (b"oxf_", b"fault."),
    "subskel": (b"main_prog", b"lib_", b"final_b"),
}

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, buf):
    r = libc.syscall(ctypes.c_long(SYS_BPF), ctypes.c_long(cmd), buf, ctypes.c_long(len(buf)))
    return r


def ids(kind):
    out, start = set(), 0
    while True:
        buf = ctypes.create_string_buffer(struct.pack("III", start, 0, 0), 12)
        if bpf(CMDS[kind][0], buf) < 0:
            return out
        start = struct.unpack_from("I", buf.raw, 4)[0]
        out.add(start)


def snapshot():
    return {k: ids(k) for k in CMDS}


def with_fd(kind, id_, fn):
    """fn(fd) on a fresh fd of object `id_`; None when the object is gone."""
    fd = bpf(CMDS[kind][1], ctypes.create_string_buffer(struct.pack("III", id_, 0, 0), 12))
    if fd < 0:
        return None
    try:
        return fn(fd)
    finally:
        os.close(fd)


def info(fd, size=256, data_at=None, data_len=0):
    ib = ctypes.create_string_buffer(size)
    keep = None
    if data_at is not None:
        keep = ctypes.create_string_buffer(data_len)
        struct.pack_into("QI", ib, data_at, ctypes.addressof(keep), data_len)
    attr = ctypes.create_string_buffer(struct.pack("IIQ", fd, size, ctypes.addressof(ib)), 16)
    if bpf(OBJ_GET_INFO_BY_FD, attr) < 0:
        return b"", b""
    return ib.raw, (keep.raw if keep is not None else b"")


def cname(raw, off):
    return raw[off:off + 16].split(b"\0")[0]


def describe(kind, id_, prefixes):
    """(ours, text) for a live object; None when it is gone."""
    def look(fd):
        if kind == "prog":
            n = cname(info(fd)[0], 64)
            return n.startswith(prefixes), f"prog {id_} '{n.decode(errors='replace')}'"
        if kind == "map":
            raw = info(fd)[0]
            n = cname(raw, 24)
            t = struct.unpack_from("I", raw, 0)[0] if raw else 0
            return n.startswith(prefixes), f"map {id_} '{n.decode(errors='replace')}' (type {t})"
        if kind == "link":
            pid = struct.unpack_from("I", info(fd)[0], 8)[0]
            d = describe("prog", pid, prefixes) if pid else None
            return bool(d and d[0]), f"link {id_} (prog {pid})"
        size = struct.unpack_from("I", info(fd, 32)[0], 8)[0]
        data = info(fd, 32, 0, size)[1] if size else b""
        return any(p in data for p in prefixes), f"btf {id_} ({size} bytes)"
    return with_fd(kind, id_, look)


def leaks(before, prefixes):
    out = []
    after = snapshot()
    for kind in CMDS:
        for id_ in sorted(after[kind] - before[kind]):
            d = describe(kind, id_, prefixes)
            if d and d[0]:
                out.append((kind, id_, d[1]))
    return out


def held_ids():
    """Ids of the BPF objects some live process holds an fd of (from /proc/*/fdinfo): such an
    object belongs to a running process (another test using the same fixtures), not to a run
    that has exited."""
    held = {k: set() for k in CMDS}
    keys = {"prog_id:": "prog", "map_id:": "map", "link_id:": "link", "btf_id:": "btf"}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fdinfo")
        except OSError:
            continue
        for fd in fds:
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    for line in f:
                        k, _, v = line.partition("\t")
                        if k in keys and v.strip().isdigit():
                            held[keys[k]].add(int(v))
            except OSError:
                continue
    return held


def registered_ccs():
    with open("/proc/sys/net/ipv4/tcp_available_congestion_control") as f:
        return [c for c in f.read().split() if c in CC_NAMES]


def clean_up(found):
    """Unregister leftover struct_ops maps so that the next run starts clean."""
    for kind, id_, _ in found:
        if kind != "map":
            continue

        def unregister(fd):
            raw = info(fd)[0]
            if raw and struct.unpack_from("I", raw, 0)[0] == MAP_TYPE_STRUCT_OPS:
                key = ctypes.c_uint32(0)
                bpf(MAP_DELETE_ELEM, ctypes.create_string_buffer(
                    struct.pack("IIQQQ", fd, 0, ctypes.addressof(key), 0, 0), 32))
        with_fd("map", id_, unregister)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inject", required=True)
    ap.add_argument("--with-libbpf15")
    ap.add_argument("--errno", type=int, default=22)
    ap.add_argument("--info-only", action="store_true")
    ap.add_argument("--max", type=int, default=3000)
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()
    cycle = a.cmd[-1]
    prefixes = PREFIXES[cycle]
    if os.geteuid() != 0:
        print("SKIP: needs root (CAP_BPF, struct_ops registration)")
        return 77
    a.inject = os.path.abspath(a.inject)
    env = dict(os.environ, OXF_ERRNO=str(a.errno))
    if a.with_libbpf15:
        cmd = [a.with_libbpf15, "--preload", a.inject] + a.cmd
    else:
        cmd = a.cmd
        env["LD_PRELOAD"] = a.inject
    problems = []

    def run(n):
        """One run with call n failing: (fields, problems of the process itself, stderr)."""
        env["OXF_FAIL_NTH"] = str(n)
        try:
            p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = "hang", e.stdout or "", e.stderr or ""
        fields = dict(kv.split("=", 1) for kv in out.split() if "=" in kv)
        if isinstance(err, bytes):
            err = err.decode(errors="replace")
        bad = []
        if rc == "hang":
            bad.append("hung (no exit within 60 s)")
        elif rc < 0:
            bad.append(f"killed by signal {-rc}")
        elif rc == 3:
            bad.append(f"fd leak ({fields.get('fds', '?')} before/after)")
        elif rc != 0:
            bad.append(f"exit {rc}")
        elif n == 0 and fields.get("result") != "ok":
            bad.append("the cycle fails without any injected fault")
        return fields, bad, err

    def report(n, fields, bad, err):
        msg = f"N={n} ({fields.get('result', '?')}, calls={fields.get('calls', '?')}): " + "; ".join(bad)
        problems.append(msg)
        print(msg)
        for line in err.strip().splitlines()[-5:]:
            print("    " + line)

    def settle(before, ccs_before):
        """What the runs since `before` left behind. The kernel frees a dead process's objects
        asynchronously (and a concurrent process using the same fixtures may hold some for a
        while): wait for what goes away to go; a leak stays."""
        for _ in range(150):
            found = leaks(before, prefixes)
            ccs = [c for c in registered_ccs() if c not in ccs_before]
            if not found and not ccs:
                break
            time.sleep(0.02)
        if found or ccs:
            # What a live process holds is that process's; a registration can only outlive
            # its process through a struct_ops map nobody holds.
            held = held_ids()
            found = [f for f in found if f[1] not in held[f[0]]]
            if not found:
                ccs = []
        if found or ccs:
            clean_up(found)
        left = [t for _, _, t in found] + [f"congestion control {c} registered" for c in ccs]
        return left

    # Fast pass: every N in turn, process-level checks after each run, kernel objects compared
    # once at the end (they take a moment to be freed after each exit).
    start, ccs_start = snapshot(), set(registered_ccs())
    n, runs, last = 0, 0, 0
    while n <= a.max:
        fields, bad, err = run(n)
        runs += 1
        if bad:
            report(n, fields, bad, err)
        if "calls" not in fields:
            if n == 0:
                break
        elif n > 0 and fields.get("hit") == "0":
            break
        last = n
        n += 1
    left = settle(start, ccs_start)
    if left:
        print("left alive after the runs: " + ", ".join(left) + "; finding the runs that left them:")
        # Slow pass: the same runs, each followed by its own comparison.
        for m in range(0, last + 1):
            before, ccs_before = snapshot(), set(registered_ccs())
            fields, _, err = run(m)
            runs += 1
            gone = settle(before, ccs_before)
            if gone:
                report(m, fields, ["left alive: " + ", ".join(gone)], err)
    lib = "libbpf 1.5" if a.with_libbpf15 else "liboxbpf"
    print(f"{lib} {cycle}: {runs} runs (each of {last} counted calls failed in turn, errno {a.errno}), "
          f"{len(problems)} with problems")
    if problems and a.info_only:
        print("(information only: upstream libbpf's behaviour does not fail this test)")
        return 0
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
