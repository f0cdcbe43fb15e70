#!/usr/bin/env python3
"""HEPv3 UDP collector for black-box tests (shared by trace_events.sh and
trace_scopes.sh); its chunks() and frames() are imported by others
(hep_dns_follow.sh).

Usage: hep_collector.py PORT OUT_JSONL SECS
Listens on 127.0.0.1:PORT for SECS seconds (bounded) and writes one JSON
object per packet to OUT_JSONL (flushed at once):
  src, dst      "ip:port" of chunks 3/7 and 4/8 (IPv4)
  ip_proto      chunk 2
  proto_type    chunk 0x0b
  corr          chunk 0x11 (correlation id), "" when absent
  extra         chunk 0x65 (extra correlation JSON), "" when absent
  payload       chunk 0x0f as latin-1, "" when absent
  line          the payload's first line (up to CRLF)
A packet that is not HEPv3 stops the collector with an AssertionError.
"""
import json
import socket
import struct
import sys
import time


def chunks(d, whole=False):
    """Chunk type -> data of the HEPv3 packet d. Asserts the magic and, with
    whole, that d is exactly as long as the packet says."""
    assert d[:4] == b"HEP3", d[:4]
    total = struct.unpack("!H", d[4:6])[0]
    assert not whole or total == len(d), (total, len(d))
    i, c = 6, {}
    while i + 6 <= total:
        _, tid, ln = struct.unpack("!HHH", d[i:i + 6])
        c[tid] = d[i + 6:i + ln]
        i += ln
    return c


def frames(buf):
    """Splits a HEP-over-TCP byte stream: (its whole frames, the rest)."""
    out = []
    while len(buf) >= 6 and len(buf) >= struct.unpack("!H", buf[4:6])[0]:
        n = struct.unpack("!H", buf[4:6])[0]
        out.append(buf[:n])
        buf = buf[n:]
    return out, buf


def main():
    port, out, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.settimeout(0.2)
    end = time.time() + secs
    ip = socket.inet_ntoa
    with open(out, "w") as f:
        while time.time() < end:
            try:
                d, _ = s.recvfrom(65535)
            except socket.timeout:
                continue
            c = chunks(d)
            payload = c.get(0xf, b"")
            rec = {"src": "%s:%d" % (ip(c[3]), struct.unpack("!H", c[7])[0]),
                   "dst": "%s:%d" % (ip(c[4]), struct.unpack("!H", c[8])[0]),
                   "ip_proto": c[2][0], "proto_type": c[0xb][0],
                   "corr": c.get(0x11, b"").decode(), "extra": c.get(0x65, b"").decode(),
                   "payload": payload.decode("latin-1"),
                   "line": payload.split(b"\r\n")[0].decode("latin-1")}
            f.write(json.dumps(rec) + "\n")
            f.flush()


if __name__ == "__main__":
    main()
