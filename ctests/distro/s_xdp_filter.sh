#!/usr/bin/env bash
# xdp-tools: `xdp-filter load` on lo, `port 4242`, `status`, `unload`; loopback UDP shows that
# the port really is filtered (and that 4243 is not), and is delivered again after unload.
# needs: /usr/sbin/xdp-filter
. "$(dirname "$0")/lib.sh"

# Send 3 datagrams to each port; print how many arrived.
udp() {
    /usr/bin/python3 - <<'PY'
import socket
rx = {}
for port in (4242, 4243):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.settimeout(0.3)
    rx[port] = s
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for port in rx:
    for i in range(3):
        tx.sendto(b"oxbpf %d" % i, ("127.0.0.1", port))
for port, s in rx.items():
    n = 0
    try:
        while n < 3:
            s.recv(100)
            n += 1
    except socket.timeout:
        pass
    print("udp %d: %d of 3 received" % (port, n))
PY
}

echo "before:"; udp
t xdp-filter load -m skb lo
echo "xdp-filter load: exit $?"
t xdp-filter port 4242
echo "xdp-filter port 4242: exit $?"
echo "filtering:"; r="$(udp)"; echo "$r"
grep -q "udp 4242: 0 of 3" <<<"$r" || oxd_fail "port 4242 not filtered"
grep -q "udp 4243: 3 of 3" <<<"$r" || oxd_fail "port 4243 filtered"
t xdp-filter status | sed -E 's/[0-9a-f]{16}/TAG/g'
echo "xdp-filter status: exit ${PIPESTATUS[0]}"
ids="$(bpftool -j prog show | /usr/bin/python3 -c 'import json,sys; print(" ".join(str(p["id"]) for p in json.load(sys.stdin) if p.get("name","").startswith("xdpfilt")))')"
[[ -n "$ids" ]] && echo "bpftool lists the xdpfilt program" || oxd_fail "no xdpfilt program"
t xdp-filter unload lo
echo "xdp-filter unload: exit $?"
echo "after:"; r="$(udp)"; echo "$r"
grep -q "udp 4242: 3 of 3" <<<"$r" || oxd_fail "port 4242 still filtered after unload"
for id in $ids; do
    wait_prog_gone "$id" || oxd_fail "program $id still loaded"
done
oxd_done
