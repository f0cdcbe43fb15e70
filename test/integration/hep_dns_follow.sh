#!/usr/bin/env bash
# HEP senders follow DNS (user-asks #6 "cache DNS with re-resolution", #50
# "DNS changes during the run"): a tracing node sends every SIP message it
# receives (sip_trace "m") to hep_ids naming the host collector.test, over
# UDP and over TCP, with hep_dns_refresh=1. The name is in a private
# /etc/hosts (a mount namespace of the test's own, so a real getaddrinfo
# reads it; nsswitch "files" only): first 127.0.0.2, then, while messages
# keep coming, 127.0.0.3.
# Collectors on both addresses (UDP and TCP, same port) decode what they
# get. Checked: before the change everything reaches .2, also while the
# name does not resolve at all for a while and its lookups hang on a DNS
# server that never answers (the working connections stay, and what is
# sent meanwhile arrives within 1 s: lookups never hold up sending); after
# the change the node
# reconnects (logged, both transports) and everything sent once the
# refresh has passed reaches .3; no message is lost or sent twice on
# either transport. Needs root (a mount namespace; CI runs as root).
if [ -z "${SIPCAPD_IN_MNTNS:-}" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
    echo "SKIP: needs root and unshare for a mount namespace"; exit 77
  fi
  exec env SIPCAPD_IN_MNTNS=1 unshare -m --propagation private bash "$0" "$@"
fi
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../lib/common.sh"
for m in proto_udp proto_hep siptrace; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built"
done

printf '127.0.0.1 localhost\n127.0.0.2 collector.test\n' >"$TMP/hosts"
mount --bind "$TMP/hosts" /etc/hosts || fail "cannot bind-mount a private /etc/hosts"
# Names not in that file go to a DNS server that never answers (127.0.0.9,
# bound by the python below): each such lookup takes the full 5 s timeout.
printf 'hosts: files dns\n' >"$TMP/nsswitch.conf"
printf 'nameserver 127.0.0.9\noptions timeout:5 attempts:1\n' >"$TMP/resolv.conf"
mount --bind "$TMP/nsswitch.conf" /etc/nsswitch.conf || fail "cannot bind-mount a private nsswitch.conf"
mount --bind "$TMP/resolv.conf" /etc/resolv.conf || fail "cannot bind-mount a private resolv.conf"
getent hosts collector.test | grep -q '^127\.0\.0\.2 ' || fail "private /etc/hosts not used: $(getent hosts collector.test)"

SIP_PORT=$(free_port udp)
HEP_PORT=$(free_port tcp)
cat >"$TMP/node.cfg" <<CFG
log_level=3
children=2
mpath="$SIPCAPD_MODULE_DIR"
listen=udp:127.0.0.1:$SIP_PORT
loadmodule "proto_udp.so"
loadmodule "proto_hep.so"
loadmodule "siptrace.so"
modparam("proto_hep", "hep_id", "[u] collector.test:$HEP_PORT; transport=udp")
modparam("proto_hep", "hep_id", "[t] collector.test:$HEP_PORT; transport=tcp")
modparam("proto_hep", "hep_dns_refresh", 1)
modparam("siptrace", "trace_id", "[tid]hep:u")
modparam("siptrace", "trace_id", "[tid]hep:t")
route {
  sip_trace("tid", "m");
  drop;
}
CFG
check_cfg "$TMP/node.cfg" "$TMP/check.out" "node cfg rejected"

"$PY" - "$SIP_PORT" "$HEP_PORT" "$TMP/hosts" "$TMP/node.cfg" "$SIPCAPD_BIN" "$TMP/node.log" "$here/../lib" <<'PY' || fail "DNS change not followed"
import selectors, socket, subprocess, sys, threading, time
sip_port, hep_port = int(sys.argv[1]), int(sys.argv[2])
hosts, cfg, binary, log = sys.argv[3:7]
sys.path.insert(0, sys.argv[7])
from hep_collector import chunks, frames
ips = ("127.0.0.2", "127.0.0.3")
got = {(ip, t): [] for ip in ips for t in ("udp", "tcp")}  # Call-IDs in arrival order
lock = threading.Lock()
sel = selectors.DefaultSelector()

def callid(frame):
    c = chunks(frame, whole=True)
    assert 0x0F in c, "no payload chunk"
    sip = c[0x0F].decode()
    return [x.split(": ", 1)[1] for x in sip.split("\r\n") if x.startswith("Call-ID:")][0]

dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); dns.bind(("127.0.0.9", 53))  # never answers
for ip in ips:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((ip, hep_port))
    sel.register(u, selectors.EVENT_READ, ("udp", ip, None))
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind((ip, hep_port)); l.listen(8)
    sel.register(l, selectors.EVENT_READ, ("listen", ip, None))

def serve():
    bufs = {}
    while True:
        for key, _ in sel.select(0.2):
            kind, ip, _ = key.data
            s = key.fileobj
            if kind == "udp":
                d = s.recv(65535)
                with lock: got[(ip, "udp")].append(callid(d))
            elif kind == "listen":
                c, _ = s.accept(); bufs[c] = b""
                sel.register(c, selectors.EVENT_READ, ("tcp", ip, None))
            else:
                d = s.recv(65536)
                if not d:
                    sel.unregister(s); s.close(); bufs.pop(s, None); continue
                whole, bufs[s] = frames(bufs[s] + d)
                with lock: got[(ip, "tcp")] += [callid(f) for f in whole]
threading.Thread(target=serve, daemon=True).start()

node = subprocess.Popen([binary, "-F", "-E", "-f", cfg], stdout=open(log, "w"), stderr=subprocess.STDOUT)
try:
    ua = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); ua.bind(("127.0.0.1", 0))
    def send(prefix, n, gap):
        for i in range(n):
            cid = "%s-%d" % (prefix, i)
            ua.sendto(("OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s\r\n"
                       "From: <sip:a@x>;tag=1\r\nTo: <sip:x@x>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"
                       "Content-Length: 0\r\n\r\n" % (ua.getsockname()[1], cid, cid)).encode(),
                      ("127.0.0.1", sip_port))
            time.sleep(gap)
    def count(ip=None, t=None):
        with lock:
            return sum(len(v) for (i, tt), v in got.items() if (ip in (None, i)) and (t in (None, tt)))
    def wait(cond, secs, what):
        end = time.time() + secs
        while time.time() < end and not cond(): time.sleep(0.05)
        assert cond(), "%s; got %s" % (what, {k: len(v) for k, v in got.items()})
    deadline = time.time() + 10  # the node listens
    while time.time() < deadline and "started" not in open(log).read(): time.sleep(0.1)
    send("p1", 100, 0.005)
    wait(lambda: count("127.0.0.2", "udp") == 100 and count("127.0.0.2", "tcp") == 100, 10,
         "phase 1: 100 a transport at 127.0.0.2")
    assert count("127.0.0.3") == 0, "127.0.0.3 got packets before the change"
    # The name leaves the hosts file: its lookup now waits 5 s for the DNS
    # server and then fails. The connections stay, and sending goes on at
    # its pace meanwhile (the lookup runs on a thread of its own): what was
    # sent arrives within 1 s, long before the lookup ends.
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n")
    send("p1b", 300, 0.01)  # 3 s: the refresh passes and a lookup starts
    wait(lambda: count("127.0.0.2", "udp") == 400 and count("127.0.0.2", "tcp") == 400, 1,
         "phase 1b (name unresolvable, DNS silent): 400 a transport at 127.0.0.2 within 1 s")
    with open(hosts, "w") as f:  # the same file (inode) the bind mount shows
        f.write("127.0.0.1 localhost\n127.0.0.3 collector.test\n")
    send("p2", 600, 0.01)  # 6 s: the silent lookup ends, a new one reads the file
    wait(lambda: count(t="udp") == 1000 and count(t="tcp") == 1000, 10, "phase 2: 1000 a transport")
    before = {t: count("127.0.0.2", t) for t in ("udp", "tcp")}
    send("p3", 100, 0.005)
    wait(lambda: count(t="udp") == 1100 and count(t="tcp") == 1100, 10, "phase 3: 1100 a transport")
    time.sleep(0.5)  # nothing more arrives
    for t in ("udp", "tcp"):
        assert count("127.0.0.2", t) == before[t], (t, "127.0.0.2 still got packets", before[t], count("127.0.0.2", t))
        assert count("127.0.0.3", t) >= 100, (t, count("127.0.0.3", t))
        with lock: ids = got[("127.0.0.2", t)] + got[("127.0.0.3", t)]
        want = ["%s-%d" % (p, i) for p, n in (("p1", 100), ("p1b", 300), ("p2", 600), ("p3", 100))
                for i in range(n)]
        assert sorted(ids) == sorted(want), (t, "lost or duplicated", len(ids))
        print("%s: %d to 127.0.0.2, %d to 127.0.0.3" % (t, count("127.0.0.2", t), count("127.0.0.3", t)))
finally:
    node.terminate()
    try: node.wait(10)
    except subprocess.TimeoutExpired: node.kill()
PY
moves=$(grep -c "no longer resolves to the connected address" "$TMP/node.log")
[ "$moves" = 2 ] || fail "want 2 reconnects logged (udp, tcp), got $moves: $(tail -20 "$TMP/node.log")"
pass "both transports moved to the new address within the refresh; nothing lost or doubled"
