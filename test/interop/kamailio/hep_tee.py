#!/usr/bin/env python3
"""UDP tee for the interop tests: every datagram received on 127.0.0.1:PORT
is sent unchanged to each DEST port (127.0.0.1), in arrival order.

usage: hep_tee.py LISTEN_PORT DEST_PORT... (runs until killed, at most 300 s)
Prints the number of datagrams forwarded and the first one in hex on exit
(SIGTERM)."""
import signal, socket, sys, time

def main():
    port, dests = int(sys.argv[1]), [int(p) for p in sys.argv[2:]]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("127.0.0.1", port))
    s.settimeout(0.2)
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n = 0
    first = b""
    def done(*_):
        nonlocal first
        print(f"forwarded {n}\nfirst {first.hex()}", flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, done)
    end = time.time() + 300
    while time.time() < end:
        try:
            b = s.recv(70000)
        except socket.timeout:
            continue
        for d in dests:
            out.sendto(b, ("127.0.0.1", d))
        if n == 0:
            first = b
        n += 1
    done()

if __name__ == "__main__":
    main()
