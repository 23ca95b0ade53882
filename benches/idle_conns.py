#!/usr/bin/env python3
"""Hold N idle keep-alive HTTP/1.1 connections to a server on loopback and report how
much resident memory the server grew by per connection.

Opens N connections to HOST:PORT, sends one `GET /` on each and reads the response (so the
server has accepted and served every one), holds them all idle for --hold seconds, then
samples the server's VmRSS from /proc/PID/status. Stdlib only; loopback addresses only.

  python3 benches/idle_conns.py --port 8101 -n 10000 --pid SERVER_PID [--hold 2] [--no-request]

Prints one machine-readable line:
  IDLE conns=N ok=N failed=N open_s=.. rss_before_kb=.. rss_after_kb=.. hwm_kb=.. threads=.. delta_per_conn_bytes=..
Both this process and the server need `ulimit -n` above N (this script raises its own soft
limit up to the hard limit). Exit status 1 when no connection succeeded.
"""
import argparse
import asyncio
import resource
import sys
import time

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def proc_mem(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:", "Threads:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])
    return out


async def one(host, port, req, do_request, sem, conns, stats, deadline):
    async with sem:
        try:
            left = max(0.1, deadline - time.monotonic())
            r, w = await asyncio.wait_for(asyncio.open_connection(host, port), left)
            if do_request:
                w.write(req)
                await w.drain()
                head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 10)
                if not head.startswith(b"HTTP/1.1 200"):
                    status = head.split(b"\r\n", 1)[0]
                    raise ValueError(f"unexpected status line {status!r}")
                clen = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        clen = int(line.split(b":", 1)[1])
                if clen:
                    await asyncio.wait_for(r.readexactly(clen), 10)
            conns.append((r, w))
            stats["ok"] += 1
        except Exception as e:  # noqa: BLE001 - count every failure, show the first few
            stats["failed"] += 1
            if stats["failed"] <= 3:
                print(f"connection failed: {type(e).__name__}: {e}", file=sys.stderr)


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("-n", type=int, default=10000, help="connections to open (default 10000)")
    ap.add_argument("--pid", type=int, required=True, help="server pid, for /proc/PID/status")
    ap.add_argument("--hold", type=float, default=2.0, help="seconds idle before sampling (default 2)")
    ap.add_argument("--concurrency", type=int, default=256, help="connections opened at once")
    ap.add_argument("--timeout", type=float, default=60.0, help="bound for the open phase, seconds")
    ap.add_argument("--no-request", action="store_true", help="only connect, send nothing")
    a = ap.parse_args()
    if a.host not in LOOPBACK:
        sys.exit("refusing: loopback addresses only")
    if not 0 < a.n <= 100_000:
        sys.exit("-n must be 1..100000")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.n + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    before = proc_mem(a.pid)
    req = f"GET / HTTP/1.1\r\nHost: {a.host}:{a.port}\r\n\r\n".encode()
    sem = asyncio.Semaphore(a.concurrency)
    conns, stats = [], {"ok": 0, "failed": 0}
    t0 = time.monotonic()
    deadline = t0 + a.timeout
    await asyncio.gather(
        *(one(a.host, a.port, req, not a.no_request, sem, conns, stats, deadline) for _ in range(a.n))
    )
    t_open = time.monotonic() - t0
    await asyncio.sleep(a.hold)
    after = proc_mem(a.pid)
    delta = (after["VmRSS"] - before["VmRSS"]) * 1024 / max(1, stats["ok"])
    print(
        f"IDLE conns={a.n} ok={stats['ok']} failed={stats['failed']} open_s={t_open:.2f} "
        f"rss_before_kb={before['VmRSS']} rss_after_kb={after['VmRSS']} hwm_kb={after['VmHWM']} "
        f"threads={after['Threads']} delta_per_conn_bytes={delta:.0f}",
        flush=True,
    )
    for _, w in conns:
        w.close()
    return 0 if stats["ok"] else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
