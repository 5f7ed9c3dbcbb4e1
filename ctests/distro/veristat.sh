#!/usr/bin/env bash
# veristat.sh VERISTAT15 LIBOXBPF OBJ...: Debian trixie's veristat, unchanged (built on libbpf
# 1.5), verifies every program of the test objects twice: on libbpf 1.5, and with liboxbpf
# preloaded over it. veristat opens each object once per program, turns autoload off for all
# programs but one, loads, and reads the verifier's statistics; the CSV it prints (program type,
# attach type, verdict, program size, instructions and states processed) and everything else it
# prints (libbpf's warnings, and the loader's if the preload failed) must be the same, 1.5's
# errno text normalised by scripts/errno-normalise.
set -uo pipefail
if ((EUID != 0)); then
    echo "SKIP: veristat loads programs: needs root (CAP_BPF, CAP_SYS_ADMIN); running as uid $EUID"
    exit 77
fi
veristat=$1 lib=$2
shift 2
stats=file,prog,prog_type,attach_type,verdict,prog_size,insns,states,peak_states,mark_read
ref="$("$veristat" -o csv -e "$stats" "$@" 2>&1)"
rc_ref=$?
# libbpf 1.5's warnings with their errno text in libbpf 1.7's form, as liboxbpf writes it
# (--force: veristat15 runs on 1.5 whatever OXBPF_REFERENCE says).
ref="$("$(cd "$(dirname "$0")/../.." && pwd)/scripts/errno-normalise" --force <<<"$ref")"
ox="$("$veristat" --preload "$lib" -o csv -e "$stats" "$@" 2>&1)"
rc_ox=$?
echo "$ref"
echo "veristat exit: libbpf 1.5 $rc_ref, liboxbpf preloaded $rc_ox"
rows="$(grep -c '\.o,' <<<"$ref")"
ok="$(grep -c ',success,' <<<"$ref")"
if ((rows < $# || ok == 0)); then
    echo "FAIL: veristat on libbpf 1.5 verified $rows programs ($ok successes): the run itself is broken" >&2
    exit 1
fi
if [[ "$ref" != "$ox" || $rc_ref != "$rc_ox" ]]; then
    echo "FAIL: veristat with liboxbpf preloaded differs from libbpf 1.5 (- 1.5, + liboxbpf):" >&2
    diff <(echo "$ref") <(echo "$ox") >&2
    exit 1
fi
echo "veristat: $rows programs, $ok verified, the same on libbpf 1.5 and with liboxbpf preloaded"
