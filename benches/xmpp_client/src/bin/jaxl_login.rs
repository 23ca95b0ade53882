// cargo run --release --manifest-path benches/xmpp_client/Cargo.toml --bin jaxl_login -- --port 26222 --jid bench@localhost --password bench-pw --ca target/xmpp-client-bench/prosody/certs/ca.crt --count 50
//! The jaxl side of the connect → bound benchmark: `--count` sequential logins (after
//! `--warmup` uncounted ones) of a `jaxl_xmpp` client to 127.0.0.1:`--port` on one loop,
//! each timed from just before the client is built and connected to `on_online`, which,
//! with the roster fetch and the initial presence turned off, is called when the bind
//! result arrives. Every login does TCP connect (TCP_NODELAY: the loop's default),
//! STARTTLS (certificate checked against `--ca` and the system store, loaded at each
//! connect as a new client does), SASL with `--mech` (default SCRAM-SHA-1, the strongest
//! mechanism Prosody 0.12 offers every client), bind; then a clean close, and the next
//! login starts once the previous stream has ended.
//!
//! Prints `RESULT client=jaxl logins=K p50_ms=.. p90_ms=.. min_ms=.. mean_ms=.. max_ms=..
//! cpu_ms_per_login=..` (percentiles by nearest rank; CPU = this process's user + system
//! time over the counted logins).

use jaxl_core::{Context, Loop};
use jaxl_xmpp::client::{ClientBuilder, ClientConfig, Reconnect, TlsVerify};
use jaxl_xmpp::sasl::Mechanism;
use jaxl_xmpp::Jid;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use xmpp_client_bench::{arg, cpu::process_cpu_us, num_arg};

struct Run {
    config: ClientConfig,
    warmup: usize,
    count: usize,
    started: usize,
    /// Whether the login in progress reached `on_online`.
    bound: bool,
    t0: Instant,
    cpu0: u64,
    times_ms: Vec<f64>,
    failed: Option<String>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let jid = arg(&args, "--jid").unwrap_or_else(|| "bench@localhost".into());
    let password = arg(&args, "--password").unwrap_or_else(|| "bench-pw".into());
    let mut config = ClientConfig::new(Jid::new(&jid).expect("--jid"), password);
    config.host = Some("127.0.0.1".into());
    config.port = num_arg(&args, "--port", 26222) as u16;
    config.verify = match arg(&args, "--ca") {
        Some(ca) => TlsVerify::CaFile(ca.into()),
        None => TlsVerify::System,
    };
    config.mechanisms = vec![match arg(&args, "--mech").as_deref() {
        None | Some("SCRAM-SHA-1") => Mechanism::ScramSha1,
        Some("SCRAM-SHA-256") => Mechanism::ScramSha256,
        Some("PLAIN") => Mechanism::Plain,
        Some(m) => panic!("--mech: unknown mechanism {m}"),
    }];
    config.fetch_roster = false;
    config.initial_presence = false;
    config.ping_interval = None;
    config.reconnect = Reconnect::never();
    let timeout = num_arg(&args, "--timeout", 120);
    let run = Rc::new(RefCell::new(Run {
        config,
        warmup: num_arg(&args, "--warmup", 2) as usize,
        count: num_arg(&args, "--count", 50) as usize,
        started: 0,
        bound: false,
        t0: Instant::now(),
        cpu0: 0,
        times_ms: Vec::new(),
        failed: None,
    }));

    let mut ev = Loop::new().expect("loop");
    {
        let run = run.clone();
        ev.enter(move |cx| {
            cx.set_timeout(Duration::from_secs(timeout), move |cx| {
                eprintln!("jaxl_login: timed out after {timeout}s");
                cx.stop();
            });
            start(cx, run);
        });
    }
    ev.run().expect("loop run");

    let r = run.borrow();
    if let Some(why) = &r.failed {
        eprintln!("jaxl_login: {why}");
        std::process::exit(1);
    }
    if r.times_ms.len() < r.count {
        eprintln!(
            "jaxl_login: only {} of {} logins",
            r.times_ms.len(),
            r.count
        );
        std::process::exit(1);
    }
    let cpu_ms = (process_cpu_us() - r.cpu0) as f64 / 1000.0;
    println!("{}", summary("jaxl", &r.times_ms, cpu_ms));
}

/// `RESULT ...` line for a list of login times (shared format with the peers).
fn summary(client: &str, times: &[f64], cpu_ms: f64) -> String {
    let mut t = times.to_vec();
    t.sort_by(f64::total_cmp);
    let rank = |q: f64| t[((q * t.len() as f64).ceil() as usize).clamp(1, t.len()) - 1];
    format!(
        "RESULT client={client} logins={} p50_ms={:.3} p90_ms={:.3} min_ms={:.3} mean_ms={:.3} max_ms={:.3} cpu_ms_per_login={:.3}",
        t.len(),
        rank(0.5),
        rank(0.9),
        t[0],
        t.iter().sum::<f64>() / t.len() as f64,
        t[t.len() - 1],
        cpu_ms / t.len() as f64
    )
}

/// Starts the next login (the clock starts before the client is built).
fn start(cx: &Context<'_>, run: Rc<RefCell<Run>>) {
    let config = {
        let mut r = run.borrow_mut();
        if r.started == r.warmup {
            r.cpu0 = process_cpu_us();
        }
        r.started += 1;
        r.bound = false;
        r.t0 = Instant::now();
        r.config.clone()
    };
    let (on_online, on_close, on_fail, on_auth) =
        (run.clone(), run.clone(), run.clone(), run.clone());
    let client = ClientBuilder::new(config)
        .on_online(move |s| {
            {
                let mut r = on_online.borrow_mut();
                let ms = r.t0.elapsed().as_secs_f64() * 1000.0;
                r.bound = true;
                if r.started > r.warmup {
                    r.times_ms.push(ms);
                }
            }
            s.disconnect();
        })
        .on_auth_failure(move |_, why| {
            on_auth.borrow_mut().failed = Some(format!("authentication failed: {why}"));
        })
        .on_disconnect(move |s, why| {
            let next = {
                let mut r = on_close.borrow_mut();
                if r.failed.is_none() && !r.bound {
                    r.failed = Some(format!("disconnected before bound: {why}"));
                }
                r.failed.is_none() && r.times_ms.len() < r.count
            };
            if next {
                let run = on_close.clone();
                s.cx().set_timeout(Duration::ZERO, move |cx| start(cx, run));
            } else {
                s.cx().stop();
            }
        })
        .on_connect_error(move |s, why| {
            on_fail.borrow_mut().failed = Some(format!("could not connect: {why}"));
            s.cx().stop();
        })
        .build();
    if let Err(e) = client.connect_in(cx) {
        run.borrow_mut().failed = Some(format!("client: {e}"));
        cx.stop();
    }
}
