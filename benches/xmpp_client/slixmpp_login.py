# target/venv/bin/python benches/xmpp_client/slixmpp_login.py --port 26222 --jid bench@localhost --password bench-pw --count 50
"""The slixmpp peer of the connect -> bound benchmark (the counterpart of jaxl_login.rs).

--count sequential logins (after --warmup uncounted ones) on one asyncio loop, each timed
from just before the ClientXMPP is built to its 'session_bind' event (the bind result
arrived). Every login: TCP connect (TCP_NODELAY: asyncio sets it on TCP transports; set
again on 'connected' to be sure), STARTTLS only (direct TLS off: with an address given
slixmpp would try it first), certificate checked against --ca (or the default store,
which honours SSL_CERT_FILE), SASL restricted to --mech (default SCRAM-SHA-1), bind;
then a disconnect, awaited before the next login.

Prints RESULT client=slixmpp logins=K p50_ms=.. p90_ms=.. min_ms=.. mean_ms=.. max_ms=..
cpu_ms_per_login=.. (the same format as jaxl_login).
"""
import argparse
import asyncio
import logging
import math
import resource
import socket
import sys
import time

import slixmpp


def cpu_ms():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1000.0


async def login(a):
    loop = asyncio.get_running_loop()
    t0 = time.perf_counter()
    x = slixmpp.ClientXMPP(a.jid, a.password, sasl_mech=a.mech)
    x.enable_direct_tls = False
    if a.ca:
        x.ca_certs = a.ca
    bound = loop.create_future()

    def on_connected(_event):
        sock = x.transport.get_extra_info("socket") if x.transport else None
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def on_bind(_jid):
        if not bound.done():
            bound.set_result(time.perf_counter())

    def on_fail(event):
        if not bound.done():
            bound.set_exception(RuntimeError(f"login failed: {event}"))

    x.add_event_handler("connected", on_connected)
    x.add_event_handler("session_bind", on_bind)
    x.add_event_handler("failed_auth", on_fail)
    x.add_event_handler("connection_failed", on_fail)
    x.connect("127.0.0.1", a.port)
    t1 = await asyncio.wait_for(bound, 30)
    await x.disconnect(wait=0)
    return (t1 - t0) * 1000.0


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=26222)
    p.add_argument("--jid", default="bench@localhost")
    p.add_argument("--password", default="bench-pw")
    p.add_argument("--ca")
    p.add_argument("--mech", default="SCRAM-SHA-1")
    p.add_argument("--count", type=int, default=50)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--timeout", type=float, default=120)
    a = p.parse_args()

    async def run():
        times = []
        c0 = cpu_ms()
        for i in range(a.warmup + a.count):
            if i == a.warmup:
                c0 = cpu_ms()
            ms = await login(a)
            if i >= a.warmup:
                times.append(ms)
        return times, cpu_ms() - c0

    try:
        times, cpu = await asyncio.wait_for(run(), a.timeout)
    except Exception as e:  # timeout or a failed login
        print(f"slixmpp_login: {e!r}", file=sys.stderr)
        return 1
    t = sorted(times)
    rank = lambda q: t[min(max(math.ceil(q * len(t)), 1), len(t)) - 1]
    print(f"RESULT client=slixmpp logins={len(t)} p50_ms={rank(0.5):.3f} p90_ms={rank(0.9):.3f} "
          f"min_ms={t[0]:.3f} mean_ms={sum(t) / len(t):.3f} max_ms={t[-1]:.3f} "
          f"cpu_ms_per_login={cpu / len(t):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)
    sys.exit(asyncio.run(main()))
