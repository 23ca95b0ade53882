// cargo run --release --manifest-path benches/xmpp_client/Cargo.toml --bin jaxl_flood -- --port 26322 --ca target/flood.crt
//! The jaxl side of the received-stanza benchmark: a `jaxl_xmpp` client (STARTTLS,
//! certificate checked against `--ca`, SASL, bind, roster, initial presence: its defaults)
//! logs in to `flood_server`, counts the `on_chat_message` callbacks until the marker
//! message (body `__end__`), and prints
//! `RESULT client=jaxl stanzas=N cpu_us=C wall_s=W cpu_us_per_stanza=.. stanzas_per_s=..`,
//! where C is this process's CPU time (user + system, `getrusage`) from `on_online` (the
//! initial presence, which starts the flood, has just been queued) to the marker, and W
//! the wall time over the same span. Gives up after `--timeout` seconds (default 120).

use jaxl_xmpp::client::{self, ClientConfig, Reconnect, TlsVerify};
use jaxl_xmpp::Jid;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use xmpp_client_bench::{arg, cpu::process_cpu_us, num_arg};

#[derive(Default)]
struct Count {
    start: Option<(Instant, u64)>,
    stanzas: u64,
    done: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = num_arg(&args, "--port", 26322) as u16;
    let timeout = num_arg(&args, "--timeout", 120);
    let jid = arg(&args, "--jid").unwrap_or_else(|| "bench@localhost/flood".into());
    let mut config = ClientConfig::new(Jid::new(&jid).expect("--jid"), "bench-pw");
    config.host = Some("127.0.0.1".into());
    config.port = port;
    config.verify = match arg(&args, "--ca") {
        Some(ca) => TlsVerify::CaFile(ca.into()),
        None => TlsVerify::DangerousNoVerification,
    };
    config.reconnect = Reconnect::never();
    config.ping_interval = None;

    let count = Rc::new(RefCell::new(Count::default()));
    let (c1, c2, c3, c4) = (count.clone(), count.clone(), count.clone(), count.clone());
    let result = client::run(config, move |b| {
        b.on_online(move |s| {
            c1.borrow_mut().start = Some((Instant::now(), process_cpu_us()));
            let stop = c3.clone();
            s.cx().set_timeout(Duration::from_secs(timeout), move |cx| {
                eprintln!("jaxl_flood: timed out after {timeout}s with {} stanzas", stop.borrow().stanzas);
                cx.stop();
            });
        })
        .on_chat_message(move |s, msg| {
            let mut c = c2.borrow_mut();
            if c.done {
                return;
            }
            if msg.body().as_deref() == Some("__end__") {
                c.done = true;
                let (t0, cpu0) = c.start.unwrap_or((Instant::now(), process_cpu_us()));
                let cpu = process_cpu_us() - cpu0;
                let wall = t0.elapsed().as_secs_f64();
                println!(
                    "RESULT client=jaxl stanzas={} cpu_us={cpu} wall_s={wall:.4} cpu_us_per_stanza={:.3} stanzas_per_s={:.0}",
                    c.stanzas,
                    cpu as f64 / c.stanzas.max(1) as f64,
                    c.stanzas as f64 / wall
                );
                s.cx().stop();
            } else {
                c.stanzas += 1;
            }
        })
        .on_disconnect(move |s, why| {
            if !c4.borrow().done {
                eprintln!("jaxl_flood: disconnected: {why}");
            }
            s.cx().stop();
        })
        .on_connect_error(|s, why| {
            eprintln!("jaxl_flood: could not connect: {why}");
            s.cx().stop();
        })
    });
    if let Err(e) = result {
        eprintln!("jaxl_flood: {e}");
        std::process::exit(1);
    }
    if !count.borrow().done {
        std::process::exit(1);
    }
}
