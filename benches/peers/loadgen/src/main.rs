//! loadgen: load generator for the echo benchmarks. Loopback only.
//!
//! ```text
//! loadgen echo --addr A [--conns 64] [--size 64] [--depth 1] [--duration 8s] [--threads 1]
//! loadgen idle --addr A [--conns 10000] [--hold SECS] [--pid PID] [--no-ping]
//! ```
//!
//! `echo`: every connection keeps `depth` messages of `size` bytes in flight; each
//! message that comes back completely is one round trip, timed from the moment it was
//! handed to the socket, and is replaced by a new one. One mio loop per thread. Prints
//!
//! `RESULT msgs=.. msgs_per_s=.. p50_us=.. p99_us=.. p999_us=.. max_us=.. conns=.. size=.. depth=.. duration_s=.. errors=..`
//!
//! `idle`: opens `conns` connections one after the other; on each it sends one byte and
//! waits for its echo (so the server has accepted and served it; `--no-ping` only
//! connects), then holds them all until a line (or EOF) on stdin, or for `--hold` seconds.
//! With `--pid` it samples that process's VmRSS before connecting and while holding.
//! Prints
//!
//! `IDLE conns=.. ok=.. failed=.. open_s=.. rss_before_kb=.. rss_after_kb=.. delta_per_conn_bytes=..`
//!
//! Every loop is bounded: the echo run by `--duration`, connecting by `--connect-timeout`
//! per connection and `--open-timeout` overall, holding by `--hold`.

use std::collections::VecDeque;
use std::io::{self, BufRead, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream as StdStream};
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

const USAGE: &str = "usage:
  loadgen echo --addr A [--conns 64] [--size 64] [--depth 1] [--duration 8s] [--threads 1]
               [--connect-timeout 5s]
  loadgen idle --addr A [--conns 10000] [--hold SECS] [--pid PID] [--no-ping]
               [--connect-timeout 5s] [--open-timeout 120s]
durations: 8s, 500ms, 2m or plain seconds; A must be a loopback address";

// ---------------------------------------------------------------- arguments

struct Args {
    addr: SocketAddr,
    conns: usize,
    size: usize,
    depth: usize,
    duration: Duration,
    threads: usize,
    connect_timeout: Duration,
    open_timeout: Duration,
    hold: Option<Duration>,
    pid: Option<u32>,
    ping: bool,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("bad duration {s:?}");
    let (num, mult) = if let Some(v) = s.strip_suffix("ms") {
        (v, 0.001)
    } else if let Some(v) = s.strip_suffix('s') {
        (v, 1.0)
    } else if let Some(v) = s.strip_suffix('m') {
        (v, 60.0)
    } else {
        (s, 1.0)
    };
    let v: f64 = num.parse().map_err(|_| bad())?;
    if !(v.is_finite() && v >= 0.0 && v * mult <= 86_400.0) {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(v * mult))
}

fn parse_args(mode: &str, rest: &[String]) -> Result<Args, String> {
    let mut a = Args {
        addr: "127.0.0.1:7101".parse().unwrap(),
        conns: if mode == "idle" { 10_000 } else { 64 },
        size: 64,
        depth: 1,
        duration: Duration::from_secs(8),
        threads: 1,
        connect_timeout: Duration::from_secs(5),
        open_timeout: Duration::from_secs(120),
        hold: None,
        pid: None,
        ping: true,
    };
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        if flag == "--no-ping" {
            a.ping = false;
            continue;
        }
        let val = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| format!("bad number {v:?} for {flag}"))
        };
        match flag.as_str() {
            "--addr" => a.addr = val.parse().map_err(|_| format!("bad address {val:?}"))?,
            "--conns" => a.conns = num(val)?,
            "--size" => a.size = num(val)?,
            "--depth" => a.depth = num(val)?,
            "--threads" => a.threads = num(val)?,
            "--duration" => a.duration = parse_duration(val)?,
            "--connect-timeout" => a.connect_timeout = parse_duration(val)?,
            "--open-timeout" => a.open_timeout = parse_duration(val)?,
            "--hold" => a.hold = Some(parse_duration(val)?),
            "--pid" => a.pid = Some(num(val)? as u32),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if !a.addr.ip().is_loopback() {
        return Err(format!("refusing {}: loopback addresses only", a.addr));
    }
    if a.conns == 0 || a.conns > 1_000_000 {
        return Err("--conns must be 1..=1000000".into());
    }
    if a.size == 0 || a.size > 16 * 1024 * 1024 {
        return Err("--size must be 1..=16777216".into());
    }
    if a.depth == 0 || a.depth > 4096 {
        return Err("--depth must be 1..=4096".into());
    }
    if a.threads == 0 || a.threads > 64 {
        return Err("--threads must be 1..=64".into());
    }
    if a.connect_timeout.is_zero() {
        a.connect_timeout = Duration::from_millis(1);
    }
    Ok(a)
}

// ---------------------------------------------------------------- latency histogram

/// Log-linear histogram of nanoseconds: exact below 256 ns, then 128 sub-buckets per
/// power of two (under 1% relative error), fixed size whatever the run length.
struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;
const LINEAR: u64 = 2 * SUB;

impl Histogram {
    fn new() -> Self {
        let buckets = LINEAR as usize + (64 - (SUB_BITS as usize + 1)) * SUB as usize;
        Histogram {
            counts: vec![0; buckets],
            total: 0,
            max: 0,
        }
    }

    fn index(v: u64) -> usize {
        if v < LINEAR {
            return v as usize;
        }
        let p = 63 - v.leading_zeros(); // >= SUB_BITS + 1
        let sub = (v >> (p - SUB_BITS)) & (SUB - 1);
        (LINEAR + u64::from(p - SUB_BITS - 1) * SUB + sub) as usize
    }

    /// Midpoint of a bucket.
    fn value(i: usize) -> u64 {
        let i = i as u64;
        if i < LINEAR {
            return i;
        }
        let p = (i - LINEAR) / SUB + u64::from(SUB_BITS) + 1;
        let sub = (i - LINEAR) % SUB;
        let width = 1u64 << (p - u64::from(SUB_BITS));
        (SUB + sub) * width + width / 2
    }

    fn record(&mut self, ns: u64) {
        self.counts[Self::index(ns)] += 1;
        self.total += 1;
        self.max = self.max.max(ns);
    }

    fn merge(&mut self, o: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            *a += b;
        }
        self.total += o.total;
        self.max = self.max.max(o.max);
    }

    /// Value at quantile `q` (0..=1), in nanoseconds.
    fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        if rank == self.total {
            return self.max;
        }
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::value(i).min(self.max);
            }
        }
        self.max
    }
}

// ---------------------------------------------------------------- echo mode

struct Conn {
    sock: TcpStream,
    /// When each message in flight was handed to the socket, oldest first.
    sent: VecDeque<Instant>,
    /// Bytes of the oldest message in flight already echoed back.
    got: usize,
    /// Outgoing bytes the socket did not take yet.
    out: Vec<u8>,
    dead: bool,
}

struct ThreadResult {
    hist: Histogram,
    msgs: u64,
    errors: u64,
}

/// Hand `n` messages to the socket (bytes from `burst`, which holds `depth` messages).
fn send(c: &mut Conn, burst: &[u8], size: usize, n: usize, now: Instant) {
    for _ in 0..n {
        c.sent.push_back(now);
    }
    let mut data = &burst[..n * size];
    if c.out.is_empty() {
        while !data.is_empty() {
            match c.sock.write(data) {
                Ok(0) => {
                    c.dead = true;
                    return;
                }
                Ok(k) => data = &data[k..],
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    c.dead = true;
                    return;
                }
            }
        }
    }
    c.out.extend_from_slice(data);
}

fn flush(c: &mut Conn) {
    let mut off = 0;
    while off < c.out.len() {
        match c.sock.write(&c.out[off..]) {
            Ok(0) => {
                c.dead = true;
                return;
            }
            Ok(k) => off += k,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => {
                c.dead = true;
                return;
            }
        }
    }
    c.out.drain(..off);
}

fn echo_thread(
    mut socks: Vec<StdStream>,
    size: usize,
    depth: usize,
    duration: Duration,
    start: Arc<Barrier>,
) -> io::Result<ThreadResult> {
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    let mut conns = Vec::with_capacity(socks.len());
    for (i, s) in socks.drain(..).enumerate() {
        s.set_nonblocking(true)?;
        let mut sock = TcpStream::from_std(s);
        poll.registry()
            .register(&mut sock, Token(i), Interest::READABLE | Interest::WRITABLE)?;
        conns.push(Conn {
            sock,
            sent: VecDeque::with_capacity(depth),
            got: 0,
            out: Vec::new(),
            dead: false,
        });
    }
    let burst: Vec<u8> = (0..size * depth).map(|i| b'a' + (i % 26) as u8).collect();
    let mut rbuf = vec![0u8; 256 * 1024];
    let mut res = ThreadResult {
        hist: Histogram::new(),
        msgs: 0,
        errors: 0,
    };

    start.wait();
    let t0 = Instant::now();
    let deadline = t0 + duration;
    for c in conns.iter_mut() {
        send(c, &burst, size, depth, t0);
    }
    let mut alive = conns.iter().filter(|c| !c.dead).count();
    while alive > 0 {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        match poll.poll(&mut events, Some(deadline - now)) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        for ev in events.iter() {
            let c = &mut conns[ev.token().0];
            if c.dead {
                continue;
            }
            if ev.is_writable() && !c.out.is_empty() {
                flush(c);
            }
            if !c.dead && (ev.is_readable() || ev.is_read_closed()) {
                let mut done = 0usize;
                loop {
                    match c.sock.read(&mut rbuf) {
                        Ok(0) => {
                            c.dead = true;
                            break;
                        }
                        Ok(n) => {
                            c.got += n;
                            let now = Instant::now();
                            while c.got >= size {
                                match c.sent.pop_front() {
                                    Some(t) => {
                                        c.got -= size;
                                        done += 1;
                                        if now <= deadline {
                                            res.hist.record((now - t).as_nanos() as u64);
                                            res.msgs += 1;
                                        }
                                    }
                                    None => {
                                        // More bytes back than were sent: not an echo.
                                        c.dead = true;
                                        break;
                                    }
                                }
                            }
                            if c.dead || n < rbuf.len() {
                                break;
                            }
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(_) => {
                            c.dead = true;
                            break;
                        }
                    }
                }
                if !c.dead && done > 0 {
                    send(c, &burst, size, done, Instant::now());
                }
            }
            if c.dead {
                res.errors += 1;
                alive -= 1;
                let _ = poll.registry().deregister(&mut c.sock);
            }
        }
    }
    Ok(res)
}

fn connect(addr: SocketAddr, timeout: Duration) -> io::Result<StdStream> {
    let s = StdStream::connect_timeout(&addr, timeout)?;
    s.set_nodelay(true)?;
    Ok(s)
}

fn run_echo(a: &Args) -> Result<(), String> {
    let open_deadline = Instant::now() + a.open_timeout;
    let mut groups: Vec<Vec<StdStream>> = (0..a.threads).map(|_| Vec::new()).collect();
    for i in 0..a.conns {
        if Instant::now() > open_deadline {
            return Err(format!(
                "opened only {i} of {} connections in time",
                a.conns
            ));
        }
        let s = connect(a.addr, a.connect_timeout)
            .map_err(|e| format!("connect {} (connection {i}): {e}", a.addr))?;
        groups[i % a.threads].push(s);
    }
    let start = Arc::new(Barrier::new(a.threads));
    let handles: Vec<_> = groups
        .into_iter()
        .map(|g| {
            let start = start.clone();
            let (size, depth, duration) = (a.size, a.depth, a.duration);
            std::thread::spawn(move || echo_thread(g, size, depth, duration, start))
        })
        .collect();
    let mut hist = Histogram::new();
    let (mut msgs, mut errors) = (0u64, 0u64);
    for h in handles {
        let r = h
            .join()
            .map_err(|_| "worker thread panicked".to_string())?
            .map_err(|e| format!("poll: {e}"))?;
        hist.merge(&r.hist);
        msgs += r.msgs;
        errors += r.errors;
    }
    let secs = a.duration.as_secs_f64().max(1e-9);
    let us = |ns: u64| ns as f64 / 1000.0;
    println!(
        "RESULT msgs={msgs} msgs_per_s={:.0} p50_us={:.1} p99_us={:.1} p999_us={:.1} max_us={:.1} \
         conns={} size={} depth={} duration_s={:.2} errors={errors}",
        msgs as f64 / secs,
        us(hist.quantile(0.50)),
        us(hist.quantile(0.99)),
        us(hist.quantile(0.999)),
        us(hist.max),
        a.conns,
        a.size,
        a.depth,
        secs
    );
    if msgs == 0 {
        return Err("no round trip completed".into());
    }
    Ok(())
}

// ---------------------------------------------------------------- idle mode

fn rss_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

fn raise_nofile(want: u64) {
    // Best effort: soft limit up to the hard limit.
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain libc calls with a valid rlimit struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 && r.rlim_cur < want {
            r.rlim_cur = want.min(r.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        }
    }
}

fn ping(s: &mut StdStream, timeout: Duration) -> io::Result<()> {
    s.set_read_timeout(Some(timeout))?;
    s.write_all(b"p")?;
    let mut b = [0u8; 1];
    s.read_exact(&mut b)?;
    if b[0] != b'p' {
        return Err(io::Error::new(ErrorKind::InvalidData, "not an echo"));
    }
    Ok(())
}

fn run_idle(a: &Args) -> Result<(), String> {
    raise_nofile(a.conns as u64 + 64);
    let before = a.pid.and_then(rss_kb);
    let t0 = Instant::now();
    let deadline = t0 + a.open_timeout;
    let mut held = Vec::with_capacity(a.conns);
    let mut failed = 0usize;
    for _ in 0..a.conns {
        if Instant::now() > deadline {
            failed += a.conns - held.len() - failed;
            eprintln!("open timeout reached; giving up on the rest");
            break;
        }
        let r = connect(a.addr, a.connect_timeout).and_then(|mut s| {
            if a.ping {
                ping(&mut s, a.connect_timeout)?;
            }
            Ok(s)
        });
        match r {
            Ok(s) => held.push(s),
            Err(e) => {
                failed += 1;
                if failed <= 3 {
                    eprintln!("connection failed: {e}");
                }
                // Out of descriptors or ports: more attempts would fail the same way.
                if failed >= 100 && held.is_empty() {
                    failed += a.conns - held.len() - failed;
                    break;
                }
            }
        }
    }
    let open_s = t0.elapsed().as_secs_f64();
    eprintln!(
        "holding {} connections (failed {failed}); {}",
        held.len(),
        match a.hold {
            Some(d) => format!("for {:.1}s", d.as_secs_f64()),
            None => "until a line or EOF on stdin".into(),
        }
    );
    match a.hold {
        Some(d) => std::thread::sleep(d),
        None => {
            let mut line = String::new();
            let _ = io::stdin().lock().read_line(&mut line);
        }
    }
    let after = a.pid.and_then(rss_kb);
    let ok = held.len();
    let fmt = |v: Option<u64>| v.map_or("NA".to_string(), |v| v.to_string());
    let delta = match (before, after) {
        (Some(b), Some(af)) if ok > 0 => {
            format!("{:.0}", (af as f64 - b as f64) * 1024.0 / ok as f64)
        }
        _ => "NA".into(),
    };
    println!(
        "IDLE conns={} ok={ok} failed={failed} open_s={open_s:.2} rss_before_kb={} rss_after_kb={} delta_per_conn_bytes={delta}",
        a.conns,
        fmt(before),
        fmt(after)
    );
    drop(held);
    if ok == 0 {
        return Err("no connection could be opened".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(mode) = args.first().map(String::as_str) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if mode == "-h" || mode == "--help" {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if mode != "echo" && mode != "idle" {
        eprintln!("unknown subcommand {mode:?}\n{USAGE}");
        return ExitCode::from(2);
    }
    let a = match parse_args(mode, &args[1..]) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("loadgen: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let r = if mode == "echo" {
        run_echo(&a)
    } else {
        run_idle(&a)
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles() {
        let mut h = Histogram::new();
        for v in 1..=100_000u64 {
            h.record(v * 100);
        }
        let p50 = h.quantile(0.5) as f64;
        let p99 = h.quantile(0.99) as f64;
        assert!((p50 / 5_000_000.0 - 1.0).abs() < 0.01, "{p50}");
        assert!((p99 / 9_900_000.0 - 1.0).abs() < 0.01, "{p99}");
        assert_eq!(h.quantile(1.0), 10_000_000);
        for v in [0u64, 1, 255, 256, 257, 1 << 20, u64::MAX / 2] {
            let i = Histogram::index(v);
            assert!(i < h.counts.len());
            let mid = Histogram::value(i) as f64;
            assert!(v < 256 || (mid / v as f64 - 1.0).abs() < 0.01, "{v} {mid}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("8s").unwrap(), Duration::from_secs(8));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("x").is_err());
    }
}
