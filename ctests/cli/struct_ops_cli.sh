#!/usr/bin/env bash
# struct_ops_cli.sh OXBPF TCP_CC_OBJ TCP_CC_LEGACY_OBJ
#
# The oxbpf struct_ops manager on the real kernel, for the link-based (.struct_ops.link) and
# the legacy (.struct_ops) TCP congestion control fixtures:
#   register with LINK_DIR -> the CC is in tcp_available_congestion_control after the command
#   exits, a loopback connection can use it and its init callback counts the connection;
#   list (text and JSON, parsed) shows id, kernel type, state, link and pin; dump shows the
#   programs in their slots and the name; watch returns when another process unregisters;
#   unregister removes the CC and the pin. Bad usage exits 2, a failed operation 1; a closed
#   output pipe ends the tool by SIGPIPE without a panic.
set -euo pipefail
ox="$(realpath "$1")" cc="$2" legacy="$3"
avail=/proc/sys/net/ipv4/tcp_available_congestion_control
if ((EUID != 0)); then
    echo "SKIP: needs root (CAP_BPF, CAP_SYS_ADMIN); running as uid $EUID"
    exit 77
fi
dir="/sys/fs/bpf/oxbpf-cli-$$"
tmp="$(mktemp -d)"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
cleanup() {
    "$ox" struct_ops unregister name oxcc >/dev/null 2>&1 || true
    "$ox" struct_ops unregister name oxccl >/dev/null 2>&1 || true
    rm -rf "$dir" 2>/dev/null || true
    umount "$dir" 2>/dev/null || true
    rmdir "$dir" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
for n in oxbpf_cc oxbpf_ccl; do
    if grep -qw "$n" "$avail"; then
        echo "SKIP: $n is already registered by someone else"
        exit 77
    fi
done

# Open a loopback TCP connection that uses congestion control $1 and send 1 MiB through it.
use_cc() {
    python3 - "$1" <<'PY'
import socket, sys, threading
cc = sys.argv[1].encode()
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
def sink():
    c, _ = srv.accept()
    while c.recv(65536): pass
t = threading.Thread(target=sink, daemon=True); t.start()
s = socket.socket()
s.settimeout(10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc)
s.connect(srv.getsockname())
assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0") == cc
s.sendall(b"x" * (1 << 20)); s.close(); t.join(10)
PY
}

json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# ---- link-based: register with a link dir; the registration outlives the command ----------
out="$("$ox" struct_ops register "$cc" "$dir")" || fail "register $cc exited $?"
echo "$out"
grep -q "^Registered tcp_congestion_ops oxcc map id [0-9]* link id [0-9]* pinned at $dir/oxcc$" <<<"$out" \
    || fail "register output: $out"
grep -qw oxbpf_cc "$avail" || fail "oxbpf_cc not in $avail after register"
[[ -e "$dir/oxcc" ]] || fail "link not pinned at $dir/oxcc"
use_cc oxbpf_cc || fail "a connection could not use oxbpf_cc"

out="$("$ox" struct_ops list)" || fail "list exited $?"
echo "$out"
grep -q "^[0-9]*: oxcc  *tcp_congestion_ops  *ready (link)$" <<<"$out" || fail "text list line for oxcc"
grep -qP "^\tlink [0-9]+  pinned $dir/oxcc$" <<<"$out" || fail "text list link line for oxcc"
js="$("$ox" -j struct_ops show name oxcc)"
echo "$js"
[[ "$(json_field 'd[0]["kernel_struct_ops"], d[0]["state"], d[0]["link_based"], len(d[0]["links"])' <<<"$js")" \
    == "tcp_congestion_ops ready True 1" ]] || fail "JSON show: $js"
[[ "$(json_field 'd[0]["links"][0]["pinned"]' <<<"$js")" == "['$dir/oxcc']" ]] || fail "JSON pin: $js"
map_id="$(json_field 'd[0]["id"]' <<<"$js")"
[[ "$("$ox" -p struct_ops show id "$map_id" | json_field 'd[0]["name"]')" == oxcc ]] || fail "show id $map_id"

dump="$("$ox" struct_ops dump name oxcc)"
echo "$dump"
for want in '.init = prog oxcc_init id' '.ssthresh = prog oxcc_ssthresh id' \
            '.cong_avoid = prog oxcc_cong_avoid id' '.undo_cwnd = prog oxcc_undo_cwnd id' \
            '.name = "oxbpf_cc"' '.release = NULL'; do
    grep -qF "	$want" <<<"$dump" || fail "dump lacks '$want'"
done
jd="$("$ox" -j struct_ops dump name oxcc)"
[[ "$(json_field '[m["value"] for m in d[0]["members"] if m["name"] == "name"][0]' <<<"$jd")" == oxbpf_cc ]] \
    || fail "JSON dump name member"

# The init callback counted our connection: the events map (key 0 = init) of the object.
bpftool -j map dump name oxcc_events >"$tmp/events" 2>/dev/null || true
python3 - "$tmp/events" <<'PY' || fail "init events not counted in oxcc_events"
import json, sys
d = json.load(open(sys.argv[1]))
n = sum(int.from_bytes(bytes(int(b, 16) for b in e["value"]), "little")
        for e in d if int.from_bytes(bytes(int(b, 16) for b in e["key"]), "little") == 0)
print("init events:", n)
sys.exit(0 if n >= 1 else 1)
PY
rm -f "$tmp/events"

# watch in the background returns once another process unregisters.
"$ox" struct_ops watch name oxcc >"$tmp/watch" 2>&1 &
watcher=$!
sleep 0.5
kill -0 "$watcher" 2>/dev/null || fail "watch returned before anything was detached: $(cat "$tmp/watch")"
# While it waits, the watcher holds the link: show names it (pid from /proc/*/fdinfo). The
# watcher opens the link after the map, so give a busy machine up to 5 s to get there.
for _ in $(seq 50); do
    js="$("$ox" -j struct_ops show name oxcc)"
    held="$(json_field '[h["pid"] for h in d[0]["links"][0]["holders"]]' <<<"$js")"
    [[ "$held" == "[$watcher]" ]] && break
    sleep 0.1
done
[[ "$held" == "[$watcher]" ]] || fail "JSON show does not list the watcher ($watcher) as the link's holder: $js"
# Captured first: under pipefail, `oxbpf ... | grep -q` fails whenever grep closes the pipe
# before the tool's last write.
show="$("$ox" struct_ops show name oxcc)" || fail "text show exited $?"
grep -q "held by .*$watcher" <<<"$show" || fail "text show lacks the link's holder: $show"
out="$("$ox" struct_ops unregister name oxcc)" || fail "unregister oxcc exited $?"
echo "$out"
grep -q "^Unregistered tcp_congestion_ops oxcc id $map_id (detached link [0-9]*) (unpinned $dir/oxcc)$" <<<"$out" \
    || fail "unregister output: $out"
if timeout 10 tail --pid="$watcher" -f /dev/null; then
    wait "$watcher" || fail "watch exited $?"
    grep -qx "tcp_congestion_ops oxcc id $map_id: detached" "$tmp/watch" || fail "watch said: $(cat "$tmp/watch")"
else
    fail "watch did not return after unregister"
    kill "$watcher" 2>/dev/null || true
fi
rm -f "$tmp/watch"
grep -qw oxbpf_cc "$avail" && fail "oxbpf_cc still registered after unregister"
[[ -e "$dir/oxcc" ]] && fail "pin $dir/oxcc left behind"

# ---- legacy: registered by map update, stays after the command, no link -------------------
out="$("$ox" struct_ops register "$legacy")" || fail "register $legacy exited $?"
grep -q "^Registered tcp_congestion_ops oxccl map id [0-9]*$" <<<"$out" || fail "legacy register output: $out"
grep -qw oxbpf_ccl "$avail" || fail "oxbpf_ccl not in $avail after register"
use_cc oxbpf_ccl || fail "a connection could not use oxbpf_ccl"
js="$("$ox" -j struct_ops list name oxccl)"
[[ "$(json_field 'd[0]["state"], d[0]["link_based"], d[0]["links"]' <<<"$js")" == "inuse False []" ]] \
    || fail "legacy JSON: $js"
"$ox" struct_ops watch name oxccl 2>/dev/null && fail "watch of a legacy registration succeeded"
out="$("$ox" struct_ops unregister name oxccl)" || fail "legacy unregister exited $?"
grep -q "^Unregistered tcp_congestion_ops oxccl id [0-9]*$" <<<"$out" || fail "legacy unregister: $out"
grep -qw oxbpf_ccl "$avail" && fail "oxbpf_ccl still registered after unregister"

# ---- errors and usage --------------------------------------------------------------------
rc=0; "$ox" struct_ops unregister name oxcc 2>/dev/null || rc=$?
((rc == 1)) || fail "unregister of nothing exited $rc, want 1"
rc=0; "$ox" struct_ops unregister 2>/dev/null || rc=$?
((rc == 2)) || fail "unregister without a map exited $rc, want 2"
rc=0; "$ox" struct_ops frobnicate 2>/dev/null || rc=$?
((rc == 2)) || fail "unknown command exited $rc, want 2"
rc=0; "$ox" struct_ops register /nonexistent.bpf.o 2>/dev/null || rc=$?
((rc == 1)) || fail "register of a missing file exited $rc, want 1"
rc=0; out="$("$ox" struct_ops show id 4294967295 2>&1)" || rc=$?
((rc == 1)) && grep -q "^Error: no map with id 4294967295$" <<<"$out" || fail "show of a missing id: exit $rc, '$out'"
# A reader that stops early ends the tool by SIGPIPE, as it ends bpftool: no panic, no backtrace.
{ "$ox" btf dump file /sys/kernel/btf/vmlinux format c 2>"$tmp/pipe.err"; echo "$?" >"$tmp/pipe.rc"; } \
    | head -c 64 >/dev/null || true
[[ "$(cat "$tmp/pipe.rc")" == 141 ]] || fail "btf dump into a closed pipe exited $(cat "$tmp/pipe.rc"), want 141 (SIGPIPE)"
[[ ! -s "$tmp/pipe.err" ]] || fail "btf dump into a closed pipe printed: $(head -c 300 "$tmp/pipe.err")"
out="$("$ox" struct_ops --help)" || fail "struct_ops --help exited $?"
grep -q "struct_ops register OBJ \[LINK_DIR\]" <<<"$out" || fail "struct_ops --help text"

if ((fails)); then
    echo "$fails check(s) failed"
    exit 1
fi
echo "struct_ops CLI: all checks passed"
