#!/usr/bin/env python3
"""Driver of scripts/bench.sh: builds the benchmark objects and measures both libraries.

    run.py WORKDIR [--short] [--build-only]

WORKDIR holds liboxbpf.so.1, bench_load and vmlinux.h (scripts/bench.sh prepares them)."""
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB15 = os.path.join(os.environ["OXBPF_TRIXIE_ROOT"], "usr", "lib", "x86_64-linux-gnu")
TRIXIE_INC = os.path.join(os.environ["OXBPF_TRIXIE_ROOT"], "usr", "include")


def build_objects(work, specs):
    """specs: [(label, kind, n)] -> [(label, path)]; kind 'file' takes n as a path."""
    out = []
    for label, kind, n in specs:
        if kind == "file":
            if os.path.exists(n):
                out.append((label, n))
            continue
        obj = os.path.join(work, label + ".bpf.o")
        src = os.path.join(work, label + ".bpf.c")
        if not os.path.exists(obj):
            text = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_obj.py"), kind, str(n)],
                                  check=True, capture_output=True, text=True).stdout
            with open(src, "w") as f:
                f.write(text)
            subprocess.run(["clang-19", "-target", "bpf", "-g", "-O2", "-D__TARGET_ARCH_x86",
                            "-I" + work, "-I" + TRIXIE_INC, "-c", src, "-o", obj + ".tmp"], check=True)
            os.replace(obj + ".tmp", obj)
        out.append((label, obj))
    return out


def run(work, side, obj, mode, iters, strace=None):
    """side: "ref" (libbpf 1.5), "ox" (liboxbpf preloaded over libbpf 1.5, as LD_PRELOAD users
    run it) or "linked" (bench_load_ox: the driver linked to liboxbpf, as a pkg-config user
    builds it; no libbpf, libelf, libz or libzstd in the process)."""
    # trixie's loader called directly, as scripts/with-libbpf15 does, not through that script:
    # the process CPU clock survives exec, so the shell's own start would be counted as the
    # driver's process start on both sides.
    cmd = [os.path.join(LIB15, "ld-linux-x86-64.so.2"), "--library-path", LIB15]
    # The syscall_time shim (bench/syscall_time.c) on both sides: CPU in bpf()/close(), the kernel's floor.
    preload = [os.path.join(work, "syscall_time.so")]
    if side == "ox":
        preload.append(os.path.join(work, "liboxbpf.so.1"))
    cmd += ["--preload", ":".join(preload)]
    cmd += [os.path.join(work, "bench_load_ox" if side == "linked" else "bench_load"), obj, mode, str(iters)]
    if strace:
        cmd = ["strace", "-f", "-c", "-e", "trace=bpf", "-o", strace] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s %s %s: %s" % (side, os.path.basename(obj), mode, p.stderr.strip() or p.stdout))
    return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", p.stdout)}


def bpf_calls(work, side, obj):
    path = os.path.join(work, "strace.%s.txt" % side)
    run(work, side, obj, "load", 1, strace=path)
    with open(path) as f:
        for line in f:
            cols = line.split()
            if cols and cols[-1] == "bpf":
                return int(cols[3]) if len(cols) >= 6 else int(cols[-2])
    return 0


def ms(ns):
    return ns / 1e6


def ratio(a, b):
    return "%.2fx" % (a / b) if b else "-"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    work = sys.argv[1]
    short = "--short" in sys.argv[2:]
    ctests_cc = os.path.join(os.path.dirname(work), "ctests", "tcp_cc.bpf.o")
    if short:
        specs = [("tp10", "tp", 10), ("so12", "so", 12), ("data64k", "data", 64 << 10)]
        fresh_runs, iters, procs, open_procs = 3, 4, 3, 3
    else:
        specs = [("tp10", "tp", 10), ("tp100", "tp", 100), ("tp500", "tp", 500),
                 ("so12", "so", 12), ("so100", "so", 100), ("so500", "so", 500),
                 ("data64k", "data", 64 << 10), ("data1m", "data", 1 << 20), ("data3m", "data", 3 << 20),
                 ("tcp_cc", "file", ctests_cc)]
        fresh_runs, iters, procs, open_procs = 11, 21, 5, 11
    objs = build_objects(work, specs)
    if "--build-only" in sys.argv[2:]:
        return

    rows = []
    for label, obj in objs:
        fresh = {"ref": [], "ox": [], "linked": []}
        for _ in range(fresh_runs):  # A/B/C alternated
            for side in ("ref", "ox", "linked"):
                fresh[side].append(run(work, side, obj, "load", 1))
        r = {"label": label}
        r["linked_rss"] = statistics.median(x["maxrss_kb"] for x in fresh["linked"])
        r["linked_fuser"] = statistics.median(x["process_ns"] - x["floor_ns"] for x in fresh["linked"])
        for side in ("ref", "ox"):
            runs = fresh[side]
            r[side] = {
                "fresh": statistics.median(x["process_ns"] for x in runs),
                # user-space overhead above the floor: process CPU minus CPU inside bpf()/close()
                "fuser": statistics.median(x["process_ns"] - x["floor_ns"] for x in runs),
                "first": statistics.median(x["first_user_ns"] for x in runs),
                "start": statistics.median(x["process_ns"] - x["first_ns"] for x in runs),
                "floor": statistics.median(x["floor_ns"] for x in runs),
                "rss": statistics.median(x["maxrss_kb"] for x in runs),
            }
        # Several processes per side, alternated, and the median of their medians: open+close
        # (microseconds; ten times the iterations each, in eleven short processes: a busy spell of
        # the shared machine spans several processes of a few milliseconds, and with three or five
        # it moved a 20 us open by half) and steady open+load+close (five processes).
        opens, steadies = {"ref": [], "ox": []}, {"ref": [], "ox": []}
        for i in range(max(procs, open_procs)):
            for side in ("ref", "ox"):
                if i < open_procs:
                    opens[side].append(run(work, side, obj, "open", 10 * iters)["iter_ns"])
                if i < procs:
                    steadies[side].append(run(work, side, obj, "load", iters))
        for side in ("ref", "ox"):
            r[side]["open"] = statistics.median(opens[side])
            r[side]["steady"] = statistics.median(x["iter_ns"] for x in steadies[side])
            r[side]["suser"] = statistics.median(x["iter_user_ns"] for x in steadies[side])
            r[side]["kept"] = steadies[side][0]["retained"]
            r[side]["bpf"] = bpf_calls(work, side, obj)
        rows.append(r)

    print("oxbpf vs libbpf 1.5: CPU ms, open+close in us (ratio = oxbpf / libbpf; lower is better)")
    hdr = "%-9s | %-22s | %-22s | %-22s" % ("object", "fresh open+load+close", "open+close (us)",
                                            "steady open+load+close")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        a, b = r["ref"], r["ox"]
        cells = ["%7.2f %7.2f %6s" % (ms(a[k]), ms(b[k]), ratio(b[k], a[k])) for k in ("fresh", "open", "steady")]
        cells[1] = "%7.1f %7.1f %6s" % (a["open"] / 1e3, b["open"] / 1e3, ratio(b["open"], a["open"]))
        print("%-9s | %s" % (r["label"], " | ".join(cells)))
    print()
    print("user-space overhead above the kernel's floor: CPU ms outside bpf(), perf_event_open() and")
    print("close() (process CPU minus the CPU spent inside those calls, exact: bench/syscall_time.c);")
    print("fresh process = the whole process (start, dynamic loading and exit included), fresh: first")
    print("object = its first open+load+close alone; floor = CPU inside those calls in the fresh")
    print("process; process start = the rest of the fresh process outside the first object;")
    print("linked = the fresh process of the driver linked to liboxbpf alone (no libbpf, libelf, libz,")
    print("libzstd loaded: a program built with pkg-config), against libbpf 1.5's fresh process")
    hdr = "%-9s | %-22s | %-22s | %-22s | %-15s | %-15s | %-15s" % (
        "object", "fresh process", "fresh: first object", "steady: one object", "fresh: floor",
        "process start", "linked: fresh")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        a, b = r["ref"], r["ox"]
        cells = ["%7.2f %7.2f %6s" % (ms(a[k]), ms(b[k]), ratio(b[k], a[k])) for k in ("fuser", "first", "suser")]
        for k in ("floor", "start"):
            cells.append("%7.2f %7.2f" % (ms(a[k]), ms(b[k])))
        cells.append("%7.2f %6s" % (ms(r["linked_fuser"]), ratio(r["linked_fuser"], a["fuser"])))
        print("%-9s | %s" % (r["label"], " | ".join(cells)))
    print()
    print("peak RSS: ox = liboxbpf preloaded over libbpf 1.5 (which, with libelf, libz and libzstd,")
    print("the driver still loads); linked = the driver linked to liboxbpf alone (pkg-config)")
    hdr = "%-9s | %-24s | %-15s | %-26s | %-16s" % ("object", "peak RSS KiB (ref ox)", "linked", "heap kept after close (B)",
                                                   "bpf() calls")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        a, b = r["ref"], r["ox"]
        print("%-9s | %8d %8d %6s | %8d %6s | %11d %11d   | %5d %5d %5s" % (
            r["label"], a["rss"], b["rss"], ratio(b["rss"], a["rss"]), r["linked_rss"],
            ratio(r["linked_rss"], a["rss"]), a["kept"], b["kept"],
            a["bpf"], b["bpf"], ratio(b["bpf"], a["bpf"])))


if __name__ == "__main__":
    main()
