#!/usr/bin/env python3
"""HEPv3 UDP load generator for test/bench/capture_kamailio.sh.

usage: hep_flood.py PORT COUNT RATE [TAG]
Sends COUNT HEPv3 SIP INVITEs (about 600 bytes, Call-ID "TAG-<n>", capture
id 2001, current time) to 127.0.0.1:PORT at RATE packets/s (0 = as fast as
possible), paced per millisecond. Packets are built before sending. Prints
"sent N in S s (R pkt/s)"."""
import socket, struct, sys, time

SIP = ("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-{n}\r\n"
       "Max-Forwards: 70\r\nTo: Bob <sip:bob@biloxi.example.com>\r\n"
       "From: Alice <sip:alice@atlanta.example.com>;tag={n}\r\n"
       "Call-ID: {tag}-{n}\r\nCSeq: 1 INVITE\r\n"
       "Contact: <sip:alice@192.0.2.10:5060>\r\nUser-Agent: hep-flood\r\n"
       "Content-Type: application/sdp\r\nContent-Length: 143\r\n\r\n"
       "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\n"
       "c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def chunk(t, data):
    return struct.pack("!HHH", 0, t, 6 + len(data)) + data


def packet(tag, n, now):
    c = chunk(1, b"\x02") + chunk(2, b"\x11")
    c += chunk(3, socket.inet_aton("192.0.2.10")) + chunk(4, socket.inet_aton("192.0.2.20"))
    c += chunk(7, struct.pack("!H", 5060)) + chunk(8, struct.pack("!H", 5080))
    c += chunk(9, struct.pack("!I", int(now))) + chunk(10, struct.pack("!I", n % 1000000))
    c += chunk(11, b"\x01") + chunk(12, struct.pack("!I", 2001))
    c += chunk(15, SIP.format(tag=tag, n=n).encode())
    return b"HEP3" + struct.pack("!H", 6 + len(c)) + c


def main():
    port, count, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    tag = sys.argv[4] if len(sys.argv) > 4 else "flood"
    now = time.time()
    pkts = [packet(tag, n, now) for n in range(count)]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.connect(("127.0.0.1", port))
    send = s.send
    t0 = time.perf_counter()
    if rate <= 0:
        for p in pkts:
            try:
                send(p)
            except (BlockingIOError, ConnectionRefusedError):
                pass
    else:
        per_ms = rate / 1000.0
        i = 0
        while i < count:
            due = min(count, int((time.perf_counter() - t0) * 1000.0 * per_ms) + 1)
            while i < due:
                try:
                    send(pkts[i])
                except ConnectionRefusedError:
                    pass
                i += 1
            if i < count:
                time.sleep(0.0005)
    dt = time.perf_counter() - t0
    print(f"sent {count} in {dt:.2f} s ({count / dt:.0f} pkt/s)", flush=True)


if __name__ == "__main__":
    main()
