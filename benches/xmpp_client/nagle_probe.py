# python3 benches/xmpp_client/nagle_probe.py --port 26222 --ca target/xmpp-client-bench/prosody/certs/ca.crt
"""Where a login to Prosody waits: the stall after STARTTLS, with and without TCP_QUICKACK.

A bare client (Python stdlib, TCP_NODELAY) opens a stream, does STARTTLS and sends the
new stream header, and times the wait for the features of the restarted stream. Prosody
keeps Nagle on (net.server_epoll `nagle = true`) and writes its TLS 1.3 session ticket
and the header + features as two segments: the second waits for the client's ACK of the
first, which Linux delays by ~40 ms unless the client asks for an immediate ACK
(TCP_QUICKACK, re-armed before each read since the kernel clears it). Alternates the two
ways --rounds times each and prints
PROBE features_after_tls_ms_default=.. features_after_tls_ms_quickack=.. (medians).
"""
import argparse
import socket
import ssl
import statistics
import time

HDR = (b"<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' "
       b"xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")


def once(port, ca, quick):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def read_until(sock, marker):
        data = b""
        while marker not in data:
            if quick:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError("server closed")
            data += chunk
        return data

    try:
        s.sendall(HDR)
        read_until(s, b"</stream:features>")
        s.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        read_until(s, b"<proceed")
        if quick:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        t = ssl.create_default_context(cafile=ca).wrap_socket(s, server_hostname="localhost")
        t0 = time.perf_counter()
        t.sendall(HDR)
        read_until(t, b"</stream:features>")
        ms = (time.perf_counter() - t0) * 1000
        t.close()
        return ms
    finally:
        s.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=26222)
    p.add_argument("--ca", required=True)
    p.add_argument("--rounds", type=int, default=10)
    a = p.parse_args()
    res = {False: [], True: []}
    for _ in range(a.rounds):
        for quick in (False, True):
            res[quick].append(once(a.port, a.ca, quick))
    print(f"PROBE features_after_tls_ms_default={statistics.median(res[False]):.2f} "
          f"features_after_tls_ms_quickack={statistics.median(res[True]):.2f}", flush=True)


if __name__ == "__main__":
    main()
