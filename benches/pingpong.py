#!/usr/bin/env python3
"""Fixed-count echo client for instruction counting: CONNS connections on 127.0.0.1:PORT,
N messages of 64 bytes in total, one in flight per connection, each waited for.

  python3 benches/pingpong.py PORT N [CONNS]

Stdlib only, loopback only, bounded: it gives up after 60 s of trying to connect.
"""
import socket
import sys
import time

port, n = int(sys.argv[1]), int(sys.argv[2])
conns = int(sys.argv[3]) if len(sys.argv) > 3 else 8
deadline = time.monotonic() + 60
while True:
    try:
        socks = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(conns)]
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("pingpong: server never came up")
        time.sleep(0.05)
msg = b"x" * 64
for s in socks:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for _ in range(n // conns):
    for s in socks:
        s.sendall(msg)
    for s in socks:
        got = 0
        while got < len(msg):
            chunk = s.recv(len(msg) - got)
            if not chunk:
                sys.exit("pingpong: server closed")
            got += len(chunk)
for s in socks:
    s.close()
