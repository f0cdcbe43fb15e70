#!/usr/bin/env bash
# sipcapture raw capture, black-box, in two private network namespaces
# joined by a veth pair (10.201.0.0/24 and fd00:201::/64 exist only inside
# them; nothing leaves): node in ns B, SIP sent from ns A.
#  1. raw_moni_capture_on + raw_moni_bpf_on + promiscuous_on on the veth:
#     IPv4 and IPv6 UDP SIP captured, IPv4/IPv6 fragmented SIP reassembled,
#     a datagram outside the port range never reaches user space (BPF).
#  2. the same without BPF: the off-range datagram is read and dropped by
#     the user-space port check (counted), not stored.
#  3. raw_ipip_capture_on: IPIP-encapsulated SIP captured.
# Needs root (CAP_SYS_ADMIN/CAP_NET_ADMIN for namespaces).
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
for m in db_sqlite sipcapture mi_fifo; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built"
done
command -v sqlite3 >/dev/null || fail "sqlite3 client not installed"
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
  echo "SKIP: needs root and iproute2 for network namespaces"; exit 77
fi
CTL="$SIPCAPD_SOURCE_DIR/scripts/opensipsctl"
NA="sipcapdA$$" NB="sipcapdB$$"
cleanup_ns() {
  ip netns pids "$NB" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns del "$NA" 2>/dev/null
  ip netns del "$NB" 2>/dev/null
  [ -n "${KEEP:-}" ] && { echo "kept $TMP"; return; }; cleanup_common
}
trap cleanup_ns EXIT
ip netns add "$NA" && ip netns add "$NB" || fail "ip netns add"
ip link add vA netns "$NA" type veth peer name vB netns "$NB" || fail "veth pair"
inA() { ip netns exec "$NA" "$@"; }
inB() { ip netns exec "$NB" "$@"; }
inA ip link set lo up; inB ip link set lo up
inA ip addr add 10.201.0.1/24 dev vA; inB ip addr add 10.201.0.2/24 dev vB
inA ip addr add fd00:201::1/64 dev vA nodad; inB ip addr add fd00:201::2/64 dev vB nodad
inA ip link set vA up; inB ip link set vB up
link_up() { inA ip link show vA | grep -q LOWER_UP && inB ip link show vB | grep -q LOWER_UP; }
WAIT_SECS=5 wait_for link_up || fail "veth link does not come up"

# send HOST PORT CALLID [SIZE] [SPORT]: one SIP OPTIONS over UDP from ns A.
send() {
  inA python3 - "$@" <<'PY'
import socket, sys
host, port, cid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
size = int(sys.argv[4]) if len(sys.argv) > 4 else 0
sport = int(sys.argv[5]) if len(sys.argv) > 5 else 5062
fam = socket.AF_INET6 if ':' in host else socket.AF_INET
body = 'x' * size
msg = (f"OPTIONS sip:bob@{host} SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK{cid}\r\n"
       f"From: <sip:alice@a>;tag=1\r\nTo: <sip:bob@b>\r\nCall-ID: {cid}\r\nCSeq: 1 OPTIONS\r\n"
       f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n{body}")
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sport))
s.sendto(msg.encode(), (host, port))
PY
}
# send_ipip CALLID: an IPv4/UDP SIP datagram inside IPIP (proto 4) to 10.201.0.2.
send_ipip() {
  inA python3 - "$1" <<'PY'
import socket, struct, sys
cid = sys.argv[1]
sip = (f"OPTIONS sip:bob@10.9.9.2 SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK{cid}\r\n"
       f"From: <sip:alice@a>;tag=1\r\nTo: <sip:bob@b>\r\nCall-ID: {cid}\r\nCSeq: 1 OPTIONS\r\n"
       "Content-Length: 0\r\n\r\n").encode()
udp = struct.pack("!HHHH", 5062, 5060, 8 + len(sip), 0) + sip
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton("10.9.9.1"), socket.inet_aton("10.9.9.2")) + udp
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 4)
s.sendto(ip, ("10.201.0.2", 0))
PY
}
q() { sqlite3 "$TMP/$1.db" "$2"; }
stat() {  # stat NAME STAT
  OSIPS_FIFO="$TMP/$1.fifo" OSIPS_FIFO_TIMEOUT=5 "$CTL" fifo get_statistics "sipcapture:$2" |
    sed -n "s/^sipcapture:$2:: *//p"
}

start_raw() {  # start_raw NAME MODPARAMS...
  local name=$1; shift
  {
    echo "log_level=3"
    echo "children=1"
    echo "mpath=\"$SIPCAPD_MODULE_DIR\""
    echo 'loadmodule "db_sqlite.so"'
    echo 'loadmodule "mi_fifo.so"'
    echo 'loadmodule "sipcapture.so"'
    echo "modparam(\"mi_fifo\", \"fifo_name\", \"$TMP/$name.fifo\")"
    echo "modparam(\"sipcapture\", \"db_url\", \"sqlite://$TMP/$name.db\")"
    echo 'modparam("sipcapture", "capture_on", 1)'
    echo "modparam(\"sipcapture\", \"spool_dir\", \"$TMP/spool-$name\")"
    for p in "$@"; do echo "modparam(\"sipcapture\", $p)"; done
    echo 'route { sip_capture(); }'
    echo 'onreply_route { sip_capture(); }'
  } >"$TMP/$name.cfg"
  check_cfg "$TMP/$name.cfg" "$TMP/$name.check" "$name: cfg check"
  ip netns exec "$NB" "$SIPCAPD_BIN" -F -E -f "$TMP/$name.cfg" >"$TMP/$name.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  WAIT_SECS=10 wait_for test -p "$TMP/$name.fifo" || { cat "$TMP/$name.log"; fail "$name: node did not start"; }
  sleep 0.3
}
rows_ge() { [ "$(q "$1" "select count(*) from sip_capture where callid like '$2%'")" -ge "$3" ]; }

# 1. mirror port + BPF ------------------------------------------------------
start_raw moni '"raw_moni_capture_on", 1' '"raw_moni_bpf_on", 1' '"promiscuous_on", 1' \
  '"raw_interface", "vB"' '"raw_socket_listen", "10.201.0.2:5060-5070"' '"raw_sock_children", 2'
inB ip link show vB | grep -q PROMISC || fail "moni: promiscuous mode not set on vB"
send 10.201.0.2 5060 moni-v4
send fd00:201::2 5065 moni-v6
send 10.201.0.2 5070 moni-frag4 4000
send fd00:201::2 5060 moni-frag6 3000
send 10.201.0.2 6000 moni-offport 0 6001
WAIT_SECS=10 wait_for rows_ge moni moni- 4 || { cat "$TMP/moni.log"; fail "moni: rows: $(q moni 'select callid from sip_capture')"; }
sleep 0.5
row=$(q moni "select method,callid,source_ip,source_port,destination_ip,destination_port,proto,family,type from sip_capture where callid='moni-v4'")
[ "$row" = "OPTIONS|moni-v4|10.201.0.1|5062|10.201.0.2|5060|17|2|1" ] || fail "moni: v4 row: $row"
row=$(q moni "select source_ip,destination_ip,destination_port,family from sip_capture where callid='moni-v6'")
[ "$row" = "fd00:201::1|fd00:201::2|5065|10" ] || fail "moni: v6 row: $row"
[ "$(q moni "select length(msg) > 4000 from sip_capture where callid='moni-frag4'")" = 1 ] || fail "moni: frag4 row"
[ "$(q moni "select length(msg) > 3000 from sip_capture where callid='moni-frag6'")" = 1 ] || fail "moni: frag6 row"
[ "$(q moni "select count(*) from sip_capture where callid='moni-offport'")" = 0 ] || fail "moni: off-port datagram stored"
[ "$(q moni "select count(*) from sip_capture")" = 4 ] || fail "moni: duplicate rows: $(q moni 'select callid from sip_capture')"
[ "$(stat moni raw_port_filtered)" = 0 ] || fail "moni: BPF let an off-port datagram through ($(stat moni raw_port_filtered))"
[ "$(stat moni raw_reassembled)" -ge 2 ] || fail "moni: raw_reassembled=$(stat moni raw_reassembled)"
[ "$(stat moni raw_captured)" = 4 ] || fail "moni: raw_captured=$(stat moni raw_captured)"
stop_node "$NODE_PID" || fail "moni: exit code $?"
inB ip link show vB | grep -q PROMISC && fail "moni: promiscuous mode left on"
pass "mirror capture with BPF: IPv4, IPv6, fragments reassembled, other port filtered in kernel"

# 2. mirror port, no BPF ------------------------------------------------------
start_raw nobpf '"raw_moni_capture_on", 1' '"raw_interface", "vB"' '"raw_socket_listen", "10.0.0.0:5060"'
send 10.201.0.2 5060 nobpf-in
send 10.201.0.2 6000 nobpf-off 0 6001
WAIT_SECS=10 wait_for rows_ge nobpf nobpf-in 1 || { cat "$TMP/nobpf.log"; fail "nobpf: row missing"; }
sleep 0.5
[ "$(q nobpf "select count(*) from sip_capture where callid='nobpf-off'")" = 0 ] || fail "nobpf: off-port stored"
[ "$(stat nobpf raw_port_filtered)" -ge 1 ] || fail "nobpf: off-port datagram not counted"
stop_node "$NODE_PID" || fail "nobpf: exit code $?"
pass "mirror capture without BPF: user-space port check"

# 3. IPIP ----------------------------------------------------------------------
start_raw ipip '"raw_ipip_capture_on", 1' '"raw_socket_listen", "10.201.0.2:5060-5061"'
send_ipip ipip-1
WAIT_SECS=10 wait_for rows_ge ipip ipip-1 1 || { cat "$TMP/ipip.log"; fail "ipip: row missing"; }
row=$(q ipip "select source_ip,source_port,destination_ip,destination_port from sip_capture where callid='ipip-1'")
[ "$row" = "10.9.9.1|5062|10.9.9.2|5060" ] || fail "ipip: row: $row"
stop_node "$NODE_PID" || fail "ipip: exit code $?"
pass "IPIP capture"

# Both modes at once is a startup error.
start_cfg_err=$(printf 'mpath="%s"\nloadmodule "db_sqlite.so"\nloadmodule "sipcapture.so"\nmodparam("sipcapture","db_url","sqlite://%s/x.db")\nmodparam("sipcapture","raw_ipip_capture_on",1)\nmodparam("sipcapture","raw_moni_capture_on",1)\nmodparam("sipcapture","raw_socket_listen","10.0.0.1:5060")\nroute{sip_capture();}\n' "$SIPCAPD_MODULE_DIR" "$TMP")
echo "$start_cfg_err" >"$TMP/both.cfg"
if inB timeout 10 "$SIPCAPD_BIN" -F -E -f "$TMP/both.cfg" >"$TMP/both.log" 2>&1; then fail "both raw modes accepted"; fi
grep -q "only one raw mode" "$TMP/both.log" || { cat "$TMP/both.log"; fail "both modes: no clear error"; }
pass "both raw modes refused"
