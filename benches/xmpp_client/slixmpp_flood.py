# target/venv/bin/python benches/xmpp_client/slixmpp_flood.py --port 26322 --ca target/xmpp-client-bench/flood.crt
"""The slixmpp side of the received-stanza benchmark (the counterpart of jaxl_flood.rs).

A slixmpp ClientXMPP (STARTTLS, certificate checked against --ca, SASL, bind) logs in to
flood_server; on session_start it fetches the roster and sends its initial presence (what
jaxl's client does by default), which starts the flood. It counts the 'message' event
callbacks until the marker message (body '__end__') and prints
RESULT client=slixmpp stanzas=N cpu_us=C wall_s=W cpu_us_per_stanza=.. stanzas_per_s=..
where C is this process's CPU time (user + system, getrusage) from the presence being
queued to the marker, and W the wall time over the same span. Gives up after --timeout s.
"""
import argparse
import asyncio
import logging
import resource
import sys
import time

import slixmpp


def cpu_us():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return int((r.ru_utime + r.ru_stime) * 1e6)


class Flood(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.stanzas = 0
        self.start = None
        self.done = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("disconnected", self.on_disconnected)

    async def on_start(self, _event):
        await self.get_roster()
        self.send_presence()
        self.start = (time.perf_counter(), cpu_us())

    def on_message(self, msg):
        if self.done.done():
            return
        if msg["body"] == "__end__":
            t0, c0 = self.start or (time.perf_counter(), cpu_us())
            cpu = cpu_us() - c0
            wall = time.perf_counter() - t0
            n = self.stanzas
            self.done.set_result(
                f"RESULT client=slixmpp stanzas={n} cpu_us={cpu} wall_s={wall:.4f} "
                f"cpu_us_per_stanza={cpu / max(n, 1):.3f} stanzas_per_s={n / wall:.0f}")
        else:
            self.stanzas += 1

    def on_disconnected(self, _event):
        if not self.done.done():
            self.done.set_exception(RuntimeError(f"disconnected after {self.stanzas} stanzas"))


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=26322)
    p.add_argument("--jid", default="bench@localhost/flood")
    p.add_argument("--ca")
    p.add_argument("--timeout", type=float, default=120)
    a = p.parse_args()
    xmpp = Flood(a.jid, "bench-pw")
    xmpp.enable_direct_tls = False  # STARTTLS only (with an address given, slixmpp tries direct TLS first)
    if a.ca:
        xmpp.ca_certs = a.ca
    xmpp.connect("127.0.0.1", a.port)
    try:
        line = await asyncio.wait_for(xmpp.done, a.timeout)
    except asyncio.TimeoutError:
        print(f"slixmpp_flood: timed out after {a.timeout}s with {xmpp.stanzas} stanzas", file=sys.stderr)
        return 1
    except RuntimeError as e:
        print(f"slixmpp_flood: {e}", file=sys.stderr)
        return 1
    print(line, flush=True)
    xmpp.abort()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    sys.exit(asyncio.run(main()))
