#!/usr/bin/env python3
"""A scripted UDP UAS for the tm black-box tests.

Usage: tm_uas.py PORT LOG SECONDS

Logs every datagram it receives as one JSON line to LOG (kernel receive
time in ms (SO_TIMESTAMPNS: free of this script's own scheduling delays), source
address, first line, method or status, top Via sent-by/transport/branch,
R-URI user, CSeq) and answers requests by the R-URI user:
  silent*  never answers (retransmissions are counted by the test)
  busy*    486 to the first copy of an INVITE, 200 to other requests
  late*    answers only the 3rd copy (486 to INVITE, 200 to others)
  ring*    180 to an INVITE at once, 486 one second later
  other    180 to INVITE and 200 100 ms later, 200 to other requests (ACK
           is never answered)
Runs for SECONDS, bounded.
"""
import json
import socket
import struct
import sys
import time

port, log, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(0.05)
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
copies = {}   # (call-id, cseq) -> copies received
later = []    # (due time, data, address)


def header(lines, name):
    for ln in lines:
        if ln.lower().startswith(name.lower() + ":"):
            return ln.split(":", 1)[1].strip()
    return ""


def reply(lines, code, reason, tag):
    out = ["SIP/2.0 %d %s" % (code, reason)]
    for ln in lines[1:]:
        low = ln.lower()
        if low.startswith(("via:", "from:", "call-id:", "cseq:")):
            out.append(ln)
        elif low.startswith("to:"):
            out.append(ln if ";tag=" in ln or code == 100 else ln + ";tag=" + tag)
    out.append("Content-Length: 0")
    return ("\r\n".join(out) + "\r\n\r\n").encode()


end = time.time() + secs
with open(log, "w") as f:
    while time.time() < end:
        now = time.time()
        for item in [x for x in later if x[0] <= now]:
            s.sendto(item[1], item[2])
            later.remove(item)
        try:
            d, anc, _, src = s.recvmsg(65535, 64)
        except socket.timeout:
            continue
        rx_ms = int(now * 1000)
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
                sec, nsec = struct.unpack("qq", data[:16])
                rx_ms = sec * 1000 + nsec // 1000000
        text = d.decode(errors="replace")
        lines = text.split("\r\n\r\n")[0].split("\r\n")
        first = lines[0]
        via = header(lines, "Via").split(",")[0]
        sent_by = via.split(" ")[1].split(";")[0] if " " in via else ""
        branch = via.split("branch=")[1].split(";")[0] if "branch=" in via else ""
        is_req = not first.startswith("SIP/2.0")
        method = first.split(" ")[0] if is_req else ""
        ruri = first.split(" ")[1] if is_req else ""
        user = ruri.split(":", 1)[1].split("@")[0] if "@" in ruri else ""
        cseq = header(lines, "CSeq")
        cid = header(lines, "Call-ID")
        rec = {"ms": rx_ms, "src": "%s:%d" % src, "first": first, "method": method,
               "user": user, "via": via.split(" ")[0], "sent_by": sent_by, "branch": branch,
               "cseq": cseq, "to": header(lines, "To"), "callid": cid}
        f.write(json.dumps(rec) + "\n")
        f.flush()
        if not is_req or method == "ACK":
            continue
        k = (cid, cseq)
        copies[k] = copies.get(k, 0) + 1
        n = copies[k]
        tag = "uas%d" % (abs(hash(cid)) % 100000)
        inv = method == "INVITE"
        if user.startswith("silent"):
            continue
        if user.startswith("busy"):
            if n == 1:
                s.sendto(reply(lines, 486 if inv else 200, "Busy Here" if inv else "OK", tag), src)
        elif user.startswith("late"):
            if n == 3:
                s.sendto(reply(lines, 486 if inv else 200, "Busy Here" if inv else "OK", tag), src)
        elif user.startswith("ring") and inv:
            if n == 1:
                s.sendto(reply(lines, 180, "Ringing", tag), src)
                later.append((now + 1.0, reply(lines, 486, "Busy Here", tag), src))
        elif inv:
            s.sendto(reply(lines, 180, "Ringing", tag), src)
            # Not back to back: a stateless proxy with several workers may
            # relay two datagrams that arrive together in either order.
            later.append((now + 0.1, reply(lines, 200, "OK", tag), src))
        else:
            s.sendto(reply(lines, 200, "OK", tag), src)
