#!/usr/bin/env python3
"""Minimal HEP v1/v2/v3 sender for the sipcapture black-box tests.

usage: hep_send.py [--tcp] [--version N] [--proto-type T] [--corr ID]
                   [--src IP:PORT] [--dst IP:PORT] [--ts SEC] [--capt ID]
                   [--chunk VENDOR:TYPE:TEXT]... [--json-wrap]
                   HOST PORT PAYLOAD_FILE|-
       hep_send.py [options] --sip KIND --callid ID HOST PORT
         KIND: INVITE, REGISTER, OPTIONS, INFO, NOTIFY-refer, 200-INVITE,
         200-REGISTER (a generated SIP message as the payload)
--json-wrap: the payload becomes {"payload": "<payload>"} (OpenSIPS HOMER 6
tracer format).
       hep_send.py [options] --text TEXT HOST PORT   (TEXT is the payload)
       hep_send.py --batch < LINES  (one packet per line: the options and
         HOST PORT of one of the forms above, shell-quoted; one process)
Also: hep_send.py --listen-udp PORT[,PORT...] [--out-dir DIR] --count N
--timeout S (prints the decoded chunk types/payloads of the packets it
receives, one JSON a line; with --out-dir to DIR/PORT per port).
"""
import argparse, json, select, shlex, socket, struct, sys, time


def ip_bytes(ip):
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    return fam, socket.inet_pton(fam, ip)


def chunk(vendor, typ, data):
    return struct.pack("!HHH", vendor, typ, 6 + len(data)) + data


def build(a, payload):
    sip, sport = a.src.rsplit(":", 1)
    dip, dport = a.dst.rsplit(":", 1)
    fam, sb = ip_bytes(sip)
    _, db = ip_bytes(dip)
    sport, dport = int(sport), int(dport)
    af = 2 if fam == socket.AF_INET else 10
    if a.version in (1, 2):
        hl = 8 + 2 * len(sb) + (12 if a.version == 2 else 0)
        hdr = struct.pack("!BBBBHH", a.version, 8 + 2 * len(sb), af, 17, sport, dport) + sb + db
        if a.version == 2:
            hdr += struct.pack("<IIHH", a.ts, 123, a.capt, 0)
        return hdr + payload
    c = chunk(0, 1, struct.pack("!B", af)) + chunk(0, 2, struct.pack("!B", 17))
    c += chunk(0, 3 if af == 2 else 5, sb) + chunk(0, 4 if af == 2 else 6, db)
    c += chunk(0, 7, struct.pack("!H", sport)) + chunk(0, 8, struct.pack("!H", dport))
    c += chunk(0, 9, struct.pack("!I", a.ts)) + chunk(0, 10, struct.pack("!I", 123))
    c += chunk(0, 11, struct.pack("!B", a.proto_type)) + chunk(0, 12, struct.pack("!I", a.capt))
    if a.corr:
        c += chunk(0, 0x11, a.corr.encode())
    for spec in a.chunk:
        v, t, text = spec.split(":", 2)
        c += chunk(int(v, 0), int(t, 0), text.encode())
    c += chunk(0, 15, payload)
    return b"HEP3" + struct.pack("!H", 6 + len(c)) + c


def sip_message(kind, callid):
    code = None
    if kind.startswith("200-"):
        code, method = 200, kind[4:]
    else:
        method = kind.split("-")[0]
    lines = []
    if code:
        lines.append("SIP/2.0 200 OK")
    else:
        lines.append("%s sip:bob@biloxi.example.com SIP/2.0" % method)
    lines += ["Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK-%s" % callid,
              "Max-Forwards: 70",
              "To: Bob <sip:bob@biloxi.example.com>%s" % (";tag=b0b" if code else ""),
              "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
              "Call-ID: %s" % callid,
              "CSeq: 1 %s" % method,
              "Contact: <sip:alice@192.0.2.7:5062>"]
    if kind == "NOTIFY-refer":
        lines.append("Event: refer;id=1")
    lines += ["User-Agent: capture-test", "Content-Length: 0", "", ""]
    return "\r\n".join(lines).encode()


def decode3(b):
    out = {"version": 3, "chunks": []}
    pos = 6
    while pos + 6 <= len(b):
        v, t, l = struct.unpack("!HHH", b[pos:pos + 6])
        d = b[pos + 6:pos + l]
        item = {"vendor": v, "type": t}
        if t in (15, 0x11, 0x65) or v != 0:
            item["text"] = d.decode("latin-1")
        elif len(d) in (1, 2, 4):
            item["int"] = int.from_bytes(d, "big")
        out["chunks"].append(item)
        pos += l
    return out


def describe(b):
    if b[:4] == b"HEP3":
        return json.dumps(decode3(b))
    return json.dumps({"version": b[0], "payload": b[(8 + 2 * 4 + (12 if b[0] == 2 else 0)):].decode("latin-1")})


def listen(ports, count, timeout, out_dir):
    socks = {}
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", port))
        socks[s] = open("%s/%d" % (out_dir, port), "w") if out_dir else sys.stdout
    end = time.time() + timeout
    n = 0
    while n < count and time.time() < end:
        ready, _, _ = select.select(list(socks), [], [], 0.2)
        for s in ready:
            b, _ = s.recvfrom(70000)
            n += 1
            print(describe(b), file=socks[s], flush=True)


def send_one(a):
    if a.sip:
        host, port = a.rest
        payload = sip_message(a.sip, a.callid)
    elif a.text is not None:
        host, port = a.rest
        payload = a.text.encode()
    else:
        host, port, f = a.rest
        payload = sys.stdin.buffer.read() if f == "-" else open(f, "rb").read()
    if a.json_wrap:
        payload = json.dumps({"payload": payload.decode("latin-1")}).encode()
    pkt = build(a, payload)
    if a.tcp:
        s = socket.create_connection((host, int(port)), timeout=5)
        s.sendall(pkt)
        time.sleep(0.05)
        s.close()
    else:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(pkt, (host, int(port)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tcp", action="store_true")
    p.add_argument("--version", type=int, default=3)
    p.add_argument("--proto-type", type=int, default=1)
    p.add_argument("--corr", default="")
    p.add_argument("--src", default="192.0.2.10:5060")
    p.add_argument("--dst", default="192.0.2.20:5080")
    p.add_argument("--ts", type=int, default=1700000000)
    p.add_argument("--capt", type=int, default=2001)
    p.add_argument("--chunk", action="append", default=[])
    p.add_argument("--json-wrap", action="store_true")
    p.add_argument("--sip")
    p.add_argument("--callid", default="test-call")
    p.add_argument("--text")
    p.add_argument("--batch", action="store_true")
    p.add_argument("--listen-udp")
    p.add_argument("--out-dir")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--timeout", type=float, default=5)
    p.add_argument("rest", nargs="*")
    a = p.parse_args()
    if a.listen_udp:
        return listen([int(x) for x in a.listen_udp.split(",")], a.count, a.timeout, a.out_dir)
    if a.batch:
        for line in sys.stdin:
            if line.strip():
                send_one(p.parse_args(shlex.split(line)))
        return
    send_one(a)


if __name__ == "__main__":
    main()
