#!/usr/bin/env python3
"""A scripted UDP UAC for the tm black-box tests.

Usage: tm_uac.py PROXY_PORT METHOD USER [HOLD_ACK_SECONDS]

Sends one METHOD request for sip:USER@127.0.0.1 to 127.0.0.1:PROXY_PORT and
prints one JSON object: every reply received ({"ms", "code", "method"}, ms
since the request was sent) and, for an INVITE, when the hop-by-hop ACK of
a non-2xx final reply was sent ("ack_ms"). With HOLD_ACK_SECONDS the ACK is
held back that long (the proxy retransmits its final reply: timer G) and
replies are collected one more second after it. Bounded: 12 s at most.
"""
import json
import socket
import sys
import time

port, method, user = int(sys.argv[1]), sys.argv[2], sys.argv[3]
hold = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(0.05)
lp = s.getsockname()[1]
t0 = time.time()
cid = "%s-%d-%d@tm" % (user, lp, int(t0 * 1000))
br = "z9hG4bK-%s-%d" % (user, int(t0 * 1000))
via = "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s\r\n" % (lp, br)
frm = "From: <sip:a@127.0.0.1>;tag=ft%d\r\n" % lp


def req(m, to, cseq_m):
    return ("%s sip:%s@127.0.0.1:%d SIP/2.0\r\n" % (m, user, port) + via + frm + "To: %s\r\n" % to +
            "Call-ID: %s\r\nCSeq: 1 %s\r\nContact: <sip:a@127.0.0.1:%d>\r\n"
            "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % (cid, cseq_m, lp)).encode()


s.sendto(req(method, "<sip:%s@127.0.0.1>" % user, method), ("127.0.0.1", port))
out = {"callid": cid, "replies": [], "ack_ms": None}
final_at = None
ack_due = None
deadline = t0 + 12
while time.time() < deadline:
    now = time.time()
    if ack_due is not None and now >= ack_due and out["ack_ms"] is None:
        s.sendto(ack, ("127.0.0.1", port))
        out["ack_ms"] = int((now - t0) * 1000)
        deadline = min(deadline, now + 1.0)
    if final_at is not None and ack_due is None and now > final_at + 1.0:
        break
    try:
        d = s.recv(65535).decode(errors="replace")
    except socket.timeout:
        continue
    code = int(d.split(" ")[1])
    cseq_m = d.split("CSeq:")[1].split("\r\n")[0].split()[-1]
    out["replies"].append({"ms": int((time.time() - t0) * 1000), "code": code, "method": cseq_m})
    if code >= 200 and cseq_m == method and final_at is None:
        final_at = time.time()
        if method == "INVITE" and code >= 300:
            to = [ln for ln in d.split("\r\n") if ln.startswith("To:")][0][3:].strip()
            ack = req("ACK", to, "ACK")
            ack_due = final_at + hold
print(json.dumps(out))
