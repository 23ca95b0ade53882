"""slixmpp against the jaxl XMPP server: two accounts log in over STARTTLS,
subscribe to each other's presence, see each other come online and exchange
messages.

usage: slixmpp_server.py HOST PORT CA_PEM
Exits 0 when everything happened within the deadline, 1 otherwise. The Rust test
tests/xmpp_server_slixmpp.rs starts the server and runs this script with those
arguments; run without them (as the suite's loop over tests/interop/ does) it
only says so and exits 0.
"""

import asyncio
import logging
import os
import sys
from pathlib import Path

import slixmpp

DEADLINE = float(os.environ.get("SLIXMPP_DEADLINE", "30"))


class Peer(slixmpp.ClientXMPP):
    def __init__(self, jid, password, ca, events):
        super().__init__(jid, password)
        self.enable_direct_tls = False
        self.enable_starttls = True
        self.enable_plaintext = False
        self.ca_certs = Path(ca)
        self.events = events
        self.roster.auto_authorize = True
        self.roster.auto_subscribe = True
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("presence_available", self.on_available)
        self.add_event_handler("failed_auth", lambda _: self.events.put_nowait(("failed_auth", self.boundjid.bare)))

    async def start(self, _event):
        await self.get_roster()
        self.send_presence()
        self.events.put_nowait(("session", self.boundjid.full, self.is_secure()))

    def is_secure(self):
        return self.socket is not None and hasattr(self.socket, "cipher")

    def on_message(self, msg):
        if msg["type"] in ("chat", "normal"):
            self.events.put_nowait(("message", self.boundjid.bare, str(msg["from"]), msg["body"]))

    def on_available(self, pres):
        if pres["from"].bare != self.boundjid.bare:
            self.events.put_nowait(("available", self.boundjid.bare, str(pres["from"])))


async def main(host, port, ca):
    events = asyncio.Queue()
    alice = Peer("alice@localhost/slix", "wonderland", ca, events)
    bob = Peer("bob@localhost/slix", "builder", ca, events)
    for p in (alice, bob):
        p.connect(host, port)

    async def expect(pred, what):
        while True:
            ev = await events.get()
            print("event:", ev, flush=True)
            if ev[0] == "failed_auth":
                raise RuntimeError(f"authentication failed: {ev}")
            if pred(ev):
                return ev

    sessions = {}
    while len(sessions) < 2:
        ev = await expect(lambda e: e[0] == "session", "session")
        if not ev[2]:
            raise RuntimeError(f"{ev[1]} is not on TLS")
        sessions[ev[1].split("/")[0]] = ev[1]

    alice.send_presence_subscription(pto="bob@localhost")
    seen = set()
    while seen != {"alice@localhost", "bob@localhost"}:
        ev = await expect(lambda e: e[0] == "available", "presence")
        seen.add(ev[1])

    alice.send_message(mto="bob@localhost", mbody="hello bob", mtype="chat")
    ev = await expect(lambda e: e[0] == "message" and e[1] == "bob@localhost", "message to bob")
    assert ev[2].startswith("alice@localhost/"), ev
    assert ev[3] == "hello bob", ev
    bob.send_message(mto=ev[2], mbody="hello alice", mtype="chat")
    ev = await expect(lambda e: e[0] == "message" and e[1] == "alice@localhost", "message to alice")
    assert ev[2].startswith("bob@localhost/"), ev
    assert ev[3] == "hello alice", ev

    for p in (alice, bob):
        p.disconnect()
    print("OK: two slixmpp clients logged in over STARTTLS, subscribed, saw presence, exchanged messages")


if __name__ == "__main__":
    logging.basicConfig(level=logging.DEBUG if os.environ.get("SLIXMPP_DEBUG") else logging.WARNING)
    if len(sys.argv) != 4:
        print("SKIPPED: slixmpp_server.py needs HOST PORT CA_PEM; tests/xmpp_server_slixmpp.rs runs it against our server")
        sys.exit(0)
    host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(asyncio.wait_for(main(host, port, ca), DEADLINE))
    except Exception as e:  # noqa: BLE001 - any failure fails the test
        print(f"FAILED: {type(e).__name__}: {e}", flush=True)
        sys.exit(1)
    sys.exit(0)
