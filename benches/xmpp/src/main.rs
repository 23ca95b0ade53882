// CARGO_TARGET_DIR=target/xmpp-loadgen cargo run --release --manifest-path benches/xmpp/Cargo.toml -- MODE --addr 127.0.0.1:5222 --server-pid PID [options]
//! Load generator for XMPP servers, pointed the same way at jaxl's server and at any
//! other (Prosody): every client logs in over STARTTLS (certificates not verified: a
//! throwaway server on loopback) with SCRAM (SHA-256 if offered, else SHA-1) as `u0`, `u1`, ... (password `pw`,
//! or `--password`) and binds a resource. The server's CPU time (utime + stime from
//! `/proc/PID/stat`) and RSS (`/proc/PID/status`) are read before and after each phase.
//!
//! Modes:
//! * `route --pairs 50 --window 16 --seconds 10`: pairs of clients keep `window`
//!   messages in flight each way; each message received is answered with a new one.
//!   Prints messages/s and server CPU µs per routed message.
//! * `latency --messages 2000`: one pair, one message in flight, round trips timed.
//! * `login --count 200 --concurrency 8`: full logins (TCP, STARTTLS, SCRAM, bind)
//!   then a clean close; prints server CPU ms per login. `--users N` cycles through
//!   the first N accounts.
//! * `idle --sessions 5000`: opens that many authenticated sessions and prints the
//!   server's RSS growth per session.
//!
//! `--plaintext` skips STARTTLS (for a server that allows it on loopback), to tell the
//! cost of TLS apart.
//!
//! Everything runs on one jaxl loop (one thread), so the generator costs one core.

use jaxl_core::{Close, ConnId, Context, Handler, Loop, LoopConfig, Waker};
use jaxl_xmpp::sasl::{choose, decode_payload, encode_payload, Credentials, Mechanism, SaslClient};
use jaxl_xmpp::xml::{Config, StreamEvent, StreamReader};
use jaxl_xmpp::{ns, Element};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Route,
    Latency,
    Login,
    Idle,
}

struct Opts {
    mode: Mode,
    addr: SocketAddr,
    domain: String,
    password: String,
    pid: Option<u32>,
    pairs: usize,
    window: usize,
    seconds: u64,
    messages: usize,
    count: usize,
    concurrency: usize,
    sessions: usize,
    first_user: usize,
    users: Option<usize>,
    plaintext: bool,
}

fn usage(msg: &str) -> ! {
    eprintln!("xmpp_loadgen: {msg}\nusage: xmpp_loadgen route|latency|login|idle --addr A [--domain D] [--password P] [--server-pid PID] [--pairs N] [--window W] [--seconds S] [--messages M] [--count N] [--concurrency C] [--sessions N] [--first-user K] [--users N] [--plaintext]");
    std::process::exit(2)
}

fn parse() -> Opts {
    let mut args = std::env::args().skip(1);
    let mode = match args.next().as_deref() {
        Some("route") => Mode::Route,
        Some("latency") => Mode::Latency,
        Some("login") => Mode::Login,
        Some("idle") => Mode::Idle,
        _ => usage("first argument: route, latency, login or idle"),
    };
    let mut o = Opts {
        mode,
        addr: "127.0.0.1:5222"
            .parse()
            .unwrap_or_else(|_| usage("address")),
        domain: "localhost".into(),
        password: "pw".into(),
        pid: None,
        pairs: 50,
        window: 16,
        seconds: 10,
        messages: 2000,
        count: 200,
        concurrency: 8,
        sessions: 5000,
        first_user: 0,
        users: None,
        plaintext: false,
    };
    while let Some(flag) = args.next() {
        if flag == "--plaintext" {
            o.plaintext = true;
            continue;
        }
        let v = args
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let num = || {
            v.parse::<usize>()
                .unwrap_or_else(|_| usage(&format!("{flag}: not a number")))
        };
        match flag.as_str() {
            "--addr" => {
                o.addr = v
                    .parse()
                    .unwrap_or_else(|_| usage("--addr: not an address"))
            }
            "--domain" => o.domain = v.clone(),
            "--password" => o.password = v.clone(),
            "--server-pid" => o.pid = Some(num() as u32),
            "--pairs" => o.pairs = num(),
            "--window" => o.window = num(),
            "--seconds" => o.seconds = num() as u64,
            "--messages" => o.messages = num(),
            "--count" => o.count = num(),
            "--concurrency" => o.concurrency = num().max(1),
            "--sessions" => o.sessions = num(),
            "--first-user" => o.first_user = num(),
            "--users" => o.users = Some(num().max(1)),
            other => usage(&format!("unknown flag {other}")),
        }
    }
    o
}

/// Server CPU seconds (user + system) and RSS in KiB, from /proc.
fn server_usage(pid: Option<u32>) -> Option<(f64, u64)> {
    let pid = pid?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    let hz = USER_HZ;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some((ticks / hz, rss))
}

/// Clock ticks per second in /proc/PID/stat: USER_HZ, 100 on every Linux architecture
/// this runs on.
const USER_HZ: f64 = 100.0;

/// What all connections share.
#[derive(Default)]
struct Shared {
    ready: usize,
    /// Full JIDs by client index, once bound.
    jids: Vec<Option<String>>,
    wakers: Vec<Option<Waker>>,
    started: bool,
    received: u64,
    rtts: Vec<Duration>,
    logins_done: usize,
    logins_started: usize,
    failures: usize,
    /// Idle mode: sessions started so far (they are opened `IDLE_WINDOW` at a time).
    spawned: usize,
}

/// Idle mode opens sessions this many at a time, so that neither server sees thousands
/// of simultaneous handshakes (a listen backlog overflow is not what is measured).
const IDLE_WINDOW: usize = 64;

/// Idle mode samples the server's memory this long after the last session is ready, so
/// that what a server frees once the logins are over (garbage collection, returning
/// memory to the system) is not counted as held per session.
const IDLE_SETTLE: Duration = Duration::from_secs(5);

/// The time allowed for every client to be ready; after it the phase runs with the
/// clients that are (and says so).
const SETUP_LIMIT: Duration = Duration::from_secs(300);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Features,
    Proceed,
    TlsFeatures,
    Sasl,
    BoundFeatures,
    Bind,
    Ready,
}

struct Bot {
    idx: usize,
    user: String,
    password: String,
    domain: String,
    reader: StreamReader,
    stage: Stage,
    sasl: Option<SaslClient>,
    mode: Mode,
    window: usize,
    tls: Arc<jaxl_core::tls::ClientConfig>,
    sent_at: Option<Instant>,
    plaintext: bool,
    /// A failure already counted (by `fail`).
    failed: bool,
}

impl Bot {
    fn header(&self, cx: &Context<'_>) {
        cx.write(format!("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='{}' version='1.0'>", self.domain).as_bytes());
    }

    fn partner(&self) -> usize {
        self.idx ^ 1
    }

    fn send_message(&self, cx: &Context<'_>, sh: &Shared, body: &str) {
        if let Some(Some(to)) = sh.jids.get(self.partner()) {
            cx.write(
                format!("<message to='{to}' type='chat'><body>{body}</body></message>").as_bytes(),
            );
        }
    }

    fn fail(&mut self, cx: &Context<'_>, what: &str) {
        eprintln!("client {}: {what}", self.user);
        self.failed = true;
        cx.state::<Shared>().failures += 1;
        cx.close();
    }

    fn element(&mut self, cx: &mut Context<'_>, el: Element) {
        match (self.stage, el.name()) {
            (Stage::Features, "features") if self.plaintext => {
                self.stage = Stage::TlsFeatures;
                self.element(cx, el);
            }
            (Stage::Features, "features") => {
                cx.write(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
                self.stage = Stage::Proceed;
            }
            (Stage::Proceed, "proceed") => {
                if cx.start_tls_client(self.tls.clone(), &self.domain).is_err() {
                    return self.fail(cx, "TLS start failed");
                }
                self.reader.reset();
                self.header(cx);
                self.stage = Stage::TlsFeatures;
            }
            (Stage::TlsFeatures, "features") => {
                let offered: Vec<String> = el
                    .get_child("mechanisms", ns::SASL)
                    .map(|m| m.children().map(Element::text).collect())
                    .unwrap_or_default();
                let Some(mech) = choose(
                    offered.iter().map(String::as_str),
                    &[Mechanism::ScramSha256, Mechanism::ScramSha1],
                    true,
                    true,
                ) else {
                    return self.fail(cx, "no SCRAM mechanism offered");
                };
                let mut sasl = SaslClient::new(
                    mech,
                    Credentials::new(self.user.clone(), self.password.clone()),
                );
                let first = sasl.initial_response().ok().flatten().unwrap_or_default();
                cx.write(
                    format!(
                        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='{}'>{}</auth>",
                        mech.name(),
                        encode_payload(&first)
                    )
                    .as_bytes(),
                );
                self.sasl = Some(sasl);
                self.stage = Stage::Sasl;
            }
            (Stage::Sasl, "challenge") => {
                let resp = decode_payload(&el.text())
                    .ok()
                    .and_then(|c| self.sasl.as_mut()?.challenge(&c).ok());
                match resp {
                    Some(r) => {
                        cx.write(
                            format!(
                                "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</response>",
                                encode_payload(&r)
                            )
                            .as_bytes(),
                        );
                    }
                    None => self.fail(cx, "bad SCRAM challenge"),
                }
            }
            (Stage::Sasl, "success") => {
                self.sasl = None;
                self.reader.reset();
                self.header(cx);
                self.stage = Stage::BoundFeatures;
            }
            (Stage::Sasl, "failure") => self.fail(cx, "authentication failed"),
            (Stage::BoundFeatures, "features") => {
                cx.write(b"<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
                self.stage = Stage::Bind;
            }
            (Stage::Bind, "iq") => {
                let jid = el
                    .get_child("bind", ns::BIND)
                    .and_then(|b| b.get_child("jid", ns::BIND))
                    .map(Element::text);
                let Some(jid) = jid else {
                    return self.fail(cx, "bind failed");
                };
                self.stage = Stage::Ready;
                self.ready(cx, jid);
            }
            (Stage::Ready, "message") => self.message(cx, &el),
            _ => {}
        }
    }

    fn ready(&mut self, cx: &mut Context<'_>, jid: String) {
        let mut sh = cx.state::<Shared>();
        sh.ready += 1;
        if let Some(slot) = sh.jids.get_mut(self.idx) {
            *slot = Some(jid);
        }
        if let Some(slot) = sh.wakers.get_mut(self.idx) {
            *slot = Some(cx.waker());
        }
        if self.mode == Mode::Login {
            sh.logins_done += 1;
            drop(sh);
            cx.write(b"</stream:stream>");
            cx.close();
        } else if self.mode == Mode::Idle {
            drop(sh);
            next_idle(cx);
        }
    }

    fn message(&mut self, cx: &mut Context<'_>, el: &Element) {
        let mut sh = cx.state::<Shared>();
        if !sh.started {
            return;
        }
        sh.received += 1;
        match self.mode {
            Mode::Route => self.send_message(cx, &sh, "load"),
            Mode::Latency if self.idx == 0 => {
                if let Some(t) = self.sent_at.take() {
                    sh.rtts.push(t.elapsed());
                }
                self.sent_at = Some(Instant::now());
                self.send_message(cx, &sh, "ping");
            }
            Mode::Latency => {
                let _ = el;
                self.send_message(cx, &sh, "pong");
            }
            _ => {}
        }
    }
}

impl Handler for Bot {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        self.header(cx);
    }

    fn on_data(&mut self, cx: &mut Context<'_>) {
        let data = cx.take_input();
        self.reader.feed(&data);
        loop {
            match self.reader.next_event() {
                Ok(Some(StreamEvent::Stanza(el))) => self.element(cx, el),
                Ok(Some(StreamEvent::Header(_))) => {}
                Ok(Some(StreamEvent::End)) => {
                    cx.close();
                    return;
                }
                Ok(None) => return,
                Err(e) => return self.fail(cx, &format!("bad XML: {e:?}")),
            }
        }
    }

    fn on_wake(&mut self, cx: &mut Context<'_>) {
        let sh = cx.state::<Shared>();
        match self.mode {
            Mode::Route => {
                for _ in 0..self.window {
                    self.send_message(cx, &sh, "load");
                }
            }
            Mode::Latency if self.idx == 0 => {
                self.sent_at = Some(Instant::now());
                self.send_message(cx, &sh, "ping");
            }
            _ => {}
        }
    }

    fn on_close(&mut self, cx: &mut Context<'_>, reason: &Close) {
        if self.stage != Stage::Ready {
            eprintln!("client {} closed before ready: {reason}", self.user);
            if !self.failed {
                self.failed = true;
                cx.state::<Shared>().failures += 1;
            }
        }
        match self.mode {
            Mode::Login => next_login(cx),
            Mode::Idle if self.stage != Stage::Ready => next_idle(cx),
            _ => {}
        }
    }
}

/// The parameters every bot is made from.
struct Factory {
    addr: SocketAddr,
    domain: String,
    password: String,
    first_user: usize,
    /// Accounts to cycle through (u{first_user} .. u{first_user + users - 1}).
    users: usize,
    mode: Mode,
    window: usize,
    tls: Arc<jaxl_core::tls::ClientConfig>,
    total: usize,
    plaintext: bool,
}

fn spawn(cx: &Context<'_>, f: &Factory, idx: usize) -> ConnId {
    let bot = Bot {
        idx,
        user: format!("u{}", f.first_user + idx % f.users.max(1)),
        password: f.password.clone(),
        domain: f.domain.clone(),
        reader: StreamReader::new(Config::default()),
        stage: Stage::Features,
        sasl: None,
        mode: f.mode,
        window: f.window,
        tls: f.tls.clone(),
        sent_at: None,
        plaintext: f.plaintext,
        failed: false,
    };
    cx.connect(f.addr, bot)
}

fn next_login(cx: &Context<'_>) {
    let (idx, f) = {
        let mut sh = cx.state::<Shared>();
        let fac = cx.state::<Factory>();
        if sh.logins_started >= fac.total {
            if sh.logins_done + sh.failures >= fac.total {
                cx.stop();
            }
            return;
        }
        sh.logins_started += 1;
        (
            sh.logins_started - 1,
            Factory {
                tls: fac.tls.clone(),
                domain: fac.domain.clone(),
                password: fac.password.clone(),
                ..*fac
            },
        )
    };
    spawn(cx, &f, idx % f.total.max(1));
}

/// Idle mode: opens the next session, if any is left to open.
fn next_idle(cx: &Context<'_>) {
    let idx = {
        let mut sh = cx.state::<Shared>();
        if sh.spawned >= cx.state::<Factory>().total {
            return;
        }
        sh.spawned += 1;
        sh.spawned - 1
    };
    let fac = cx.state::<Factory>();
    spawn(cx, &fac, idx);
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)].as_secs_f64() * 1e6
}

fn main() -> std::io::Result<()> {
    let o = parse();
    let mut lc = LoopConfig::default();
    lc.handle_signals = true;
    let mut ev = Loop::with_config(lc)?;
    let clients = match o.mode {
        Mode::Route => o.pairs * 2,
        Mode::Latency => 2,
        Mode::Login => o.count,
        Mode::Idle => o.sessions,
    };
    let factory = Factory {
        addr: o.addr,
        domain: o.domain.clone(),
        password: o.password.clone(),
        first_user: o.first_user,
        users: o.users.unwrap_or(clients),
        mode: o.mode,
        window: o.window,
        tls: jaxl_core::tls::dangerous_client_config_without_verification(),
        total: clients,
        plaintext: o.plaintext,
    };
    ev.insert_state(Shared {
        jids: vec![None; clients],
        wakers: vec![None; clients],
        ..Shared::default()
    });
    let before = server_usage(o.pid);
    let t0 = Instant::now();
    match o.mode {
        Mode::Login => {
            ev.insert_state(factory);
            ev.enter(|cx| {
                for _ in 0..o.concurrency.min(o.count) {
                    next_login(cx);
                }
            });
            ev.run()?;
            let wall = t0.elapsed().as_secs_f64();
            let after = server_usage(o.pid);
            let sh = ev
                .state_mut::<Shared>()
                .map(|s| (s.logins_done, s.failures))
                .unwrap_or_default();
            let cpu = before.zip(after).map(|(b, a)| a.0 - b.0);
            println!(
                "RESULT mode=login logins={} failures={} wall_s={wall:.2} logins_per_s={:.1} server_cpu_ms_per_login={}",
                sh.0,
                sh.1,
                sh.0 as f64 / wall,
                cpu.map_or("n/a".into(), |c| format!("{:.3}", c * 1e3 / sh.0.max(1) as f64))
            );
        }
        _ => {
            let mode = o.mode;
            ev.insert_state(factory);
            ev.enter(|cx| {
                if mode == Mode::Idle {
                    for _ in 0..IDLE_WINDOW.min(clients) {
                        next_idle(cx);
                    }
                } else {
                    let fac = cx.state::<Factory>();
                    for i in 0..clients {
                        spawn(cx, &fac, i);
                    }
                }
                // Poll for readiness, then run the phase.
                let (seconds, messages, pid) = (o.seconds, o.messages, o.pid);
                cx.set_interval(Duration::from_millis(20), move |cx| {
                    let mut sh = cx.state::<Shared>();
                    if sh.started
                        || (sh.ready + sh.failures < clients && t0.elapsed() < SETUP_LIMIT)
                    {
                        if mode == Mode::Latency && sh.rtts.len() >= messages {
                            cx.stop();
                        }
                        return;
                    }
                    sh.started = true;
                    let wakers: Vec<Waker> = sh.wakers.iter().flatten().cloned().collect();
                    let ready = sh.ready;
                    let sh_failures = sh.failures;
                    drop(sh);
                    eprintln!("{ready} clients ready");
                    if ready + sh_failures < clients {
                        println!(
                            "WARNING: only {ready} of {clients} clients ready after {} s",
                            SETUP_LIMIT.as_secs()
                        );
                    }
                    match mode {
                        Mode::Idle => {
                            cx.set_timeout(IDLE_SETTLE, move |cx| {
                            if let Some((_, rss)) = server_usage(pid) {
                                let base = cx.state::<Option<(f64, u64)>>().map(|b| b.1).unwrap_or(0);
                                println!(
                                    "RESULT mode=idle sessions={ready} failures={sh_failures} server_rss_kib={rss} rss_growth_kib={} bytes_per_session={:.0}",
                                    rss.saturating_sub(base),
                                    rss.saturating_sub(base) as f64 * 1024.0 / ready.max(1) as f64
                                );
                            }
                            cx.stop();
                            });
                        }
                        Mode::Route => {
                            let start = server_usage(pid);
                            let t = Instant::now();
                            for w in &wakers {
                                w.wake();
                            }
                            cx.set_timeout(Duration::from_secs(seconds), move |cx| {
                                let after = server_usage(pid);
                                let n = cx.state::<Shared>().received;
                                let wall = t.elapsed().as_secs_f64();
                                let cpu = start.zip(after).map(|(b, a)| a.0 - b.0);
                                println!(
                                    "RESULT mode=route messages={n} msgs_per_s={:.0} server_cpu_us_per_msg={} server_cpu_util={}",
                                    n as f64 / wall,
                                    cpu.map_or("n/a".into(), |c| format!("{:.2}", c * 1e6 / n.max(1) as f64)),
                                    cpu.map_or("n/a".into(), |c| format!("{:.2}", c / wall))
                                );
                                cx.stop();
                            });
                        }
                        Mode::Latency => {
                            for w in &wakers {
                                w.wake();
                            }
                        }
                        Mode::Login => {}
                    }
                });
            });
            ev.insert_state(before);
            ev.run()?;
            if o.mode == Mode::Latency {
                if let Some(sh) = ev.state_mut::<Shared>() {
                    let n = sh.rtts.len();
                    let (p50, p99) = (pct(&mut sh.rtts, 0.5), pct(&mut sh.rtts, 0.99));
                    println!("RESULT mode=latency round_trips={n} rtt_p50_us={p50:.0} rtt_p99_us={p99:.0}");
                }
            }
        }
    }
    Ok(())
}
