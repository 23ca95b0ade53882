// cargo run --release --manifest-path benches/xmpp_client/Cargo.toml -p tokio_xmpp_login -- --mode bind --port 26222 --jid bench@localhost --password bench-pw --count 50
//! The tokio-xmpp peer of the connect → bound benchmark: `--count` sequential logins
//! (after `--warmup` uncounted ones) to 127.0.0.1:`--port` on a current-thread tokio
//! runtime, each timed from just before the client is built.
//!
//! Every login: TCP connect with TCP_NODELAY (tokio-xmpp's own connector leaves Nagle
//! on, so this connector is tokio-xmpp's `StartTlsServerConnector::connect` with that one
//! change), STARTTLS (rustls with ring, trust from the system store, which
//! rustls-native-certs reads from `SSL_CERT_FILE` when it is set, loaded at each connect
//! as tokio-xmpp does), SASL, bind.
//!
//! SASL: the connector reports the channel binding as `Unsupported` (gs2 flag `y`)
//! instead of the TLS 1.3 exporter, because with a channel binding tokio-xmpp only looks
//! for the `-PLUS` SCRAM variants; against a server that offers `PLAIN SCRAM-SHA-1` (Prosody
//! 0.12 under TLS 1.3) it would then log in with PLAIN. With `Unsupported` it uses
//! SCRAM-SHA-1, the mechanism the other clients use.
//!
//! `--mode bind` (default): tokio-xmpp's own pieces, stopped at the bind result: the
//! connector, `recv_features`, `client_login` (tokio-xmpp's SASL exchange), the stream
//! restart, and a bind iq on the `XmppStream`; the same milestone as the other clients.
//! `--mode client`: the high-level `tokio_xmpp::Client` until `Event::Online`, which
//! tokio-xmpp only emits after also enabling stream management (XEP-0198) when the server
//! offers it (Prosody does): one more round trip than bound.
//!
//! Prints `RESULT client=tokio-xmpp-MODE logins=K p50_ms=.. p90_ms=.. min_ms=.. mean_ms=..
//! max_ms=.. cpu_ms_per_login=..` (the same format as `jaxl_login`).

use futures::{SinkExt, StreamExt};
use std::borrow::Cow;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::{Duration, Instant};
use tokio::io::BufStream;
use tokio::net::TcpStream;
use tokio_xmpp::connect::starttls::starttls;
use tokio_xmpp::connect::tls_common::TlsStream;
use tokio_xmpp::connect::ServerConnector;
use tokio_xmpp::error::ProtocolError;
use tokio_xmpp::jid::{BareJid, Jid};
use tokio_xmpp::parsers::bind::BindQuery;
use tokio_xmpp::parsers::iq::Iq;
use tokio_xmpp::parsers::ns;
use tokio_xmpp::xmlstream::{
    initiate_stream, PendingFeaturesRecv, ReadError, StreamHeader, Timeouts, XmppStream,
    XmppStreamElement,
};
use tokio_xmpp::{Client, Error, Event, Stanza};

/// `StartTlsServerConnector` with TCP_NODELAY, to a fixed address.
#[derive(Clone, Debug)]
struct NodelayStartTls(SocketAddr);

fn header(domain: &str) -> StreamHeader<'_> {
    StreamHeader {
        to: Some(Cow::Borrowed(domain)),
        from: None,
        id: None,
    }
}

impl ServerConnector for NodelayStartTls {
    type Stream = BufStream<TlsStream<TcpStream>>;

    async fn connect(
        &self,
        jid: &Jid,
        ns: &'static str,
        timeouts: Timeouts,
    ) -> Result<
        (
            PendingFeaturesRecv<Self::Stream>,
            sasl::common::ChannelBinding,
        ),
        Error,
    > {
        let tcp = TcpStream::connect(self.0).await?;
        tcp.set_nodelay(true)?;
        let domain = jid.domain().as_str();
        let stream = initiate_stream(BufStream::new(tcp), ns, header(domain), timeouts).await?;
        let (features, stream) = stream.recv_features().await?;
        if !features.can_starttls() {
            return Err(Error::Protocol(ProtocolError::NoTls));
        }
        let (tls, _exporter) = starttls(stream, domain).await?;
        let stream = initiate_stream(BufStream::new(tls), ns, header(domain), timeouts).await?;
        Ok((stream, sasl::common::ChannelBinding::Unsupported))
    }
}

/// One login with tokio-xmpp's pieces, up to the bind result; then the stream is closed.
async fn login_bind(
    conn: &NodelayStartTls,
    jid: &Jid,
    password: &str,
    t0: Instant,
) -> Result<f64, Error> {
    let (stream, cb) = conn
        .connect(jid, ns::JABBER_CLIENT, Timeouts::default())
        .await?;
    let (features, stream) = stream.recv_features().await?;
    let creds = sasl::common::Credentials::default()
        .with_username(jid.node().map(|n| n.as_str()).unwrap_or(""))
        .with_password(password)
        .with_channel_binding(cb);
    let stream = tokio_xmpp::client_login(stream, features.sasl_mechanisms, creds).await?;
    let stream = stream.send_header(header(jid.domain().as_str())).await?;
    let (_features, mut stream): (_, XmppStream<_>) = stream.recv_features().await?;
    let bind = Iq::from_set("bind1", BindQuery::new(None));
    stream.send(&XmppStreamElement::Stanza(bind.into())).await?;
    loop {
        match stream
            .next()
            .await
            .map(|v| v.and_then(|v| v.into_read_error()))
        {
            Some(Ok(XmppStreamElement::Stanza(Stanza::Iq(iq)))) if iq.id() == "bind1" => {
                break;
            }
            Some(Ok(_)) | Some(Err(ReadError::SoftTimeout)) => {}
            Some(Err(ReadError::HardError(e))) => return Err(e.into()),
            Some(Err(e)) => return Err(Error::Io(std::io::Error::other(format!("{e:?}")))),
            None => return Err(Error::Disconnected),
        }
    }
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    // Untimed from here: a clean close.
    let _ = stream.shutdown().await;
    Ok(ms)
}

/// One login with `tokio_xmpp::Client`, up to `Event::Online`; then a clean close.
async fn login_client(
    conn: &NodelayStartTls,
    jid: &Jid,
    password: &str,
    t0: Instant,
) -> Result<f64, Error> {
    let mut client =
        Client::new_with_connector(jid.clone(), password, conn.clone(), Timeouts::default());
    loop {
        match client.next().await {
            Some(Event::Online { .. }) => break,
            Some(Event::Disconnected(e)) => return Err(e),
            Some(Event::Stanza(_)) => {}
            None => return Err(Error::Disconnected),
        }
    }
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    let _ = client.send_end().await;
    Ok(ms)
}

fn cpu_us() -> u64 {
    // SAFETY: getrusage only writes into the zeroed struct we pass it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer cannot fail.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    us(ru.ru_utime) + us(ru.ru_stime)
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |n: &str, d: u64| arg(&args, n).map_or(d, |v| v.parse().expect(n));
    let mode = arg(&args, "--mode").unwrap_or_else(|| "bind".into());
    let port = num("--port", 26222) as u16;
    let (count, warmup) = (num("--count", 50) as usize, num("--warmup", 2) as usize);
    let timeout = num("--timeout", 120);
    let jid: Jid =
        BareJid::from_str(&arg(&args, "--jid").unwrap_or_else(|| "bench@localhost".into()))
            .expect("--jid")
            .into();
    let password = arg(&args, "--password").unwrap_or_else(|| "bench-pw".into());
    let conn = NodelayStartTls(SocketAddr::from(([127, 0, 0, 1], port)));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(timeout), async {
            let mut times = Vec::with_capacity(count);
            let mut cpu0 = cpu_us();
            for i in 0..warmup + count {
                if i == warmup {
                    cpu0 = cpu_us();
                }
                let t0 = Instant::now();
                let ms = match mode.as_str() {
                    "bind" => login_bind(&conn, &jid, &password, t0).await?,
                    "client" => login_client(&conn, &jid, &password, t0).await?,
                    m => panic!("--mode: bind or client, not {m}"),
                };
                if i >= warmup {
                    times.push(ms);
                }
            }
            Ok::<_, Error>((times, (cpu_us() - cpu0) as f64 / 1000.0))
        })
        .await
    });
    let (times, cpu_ms) = match result {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            eprintln!("tokio_xmpp_login: {e}");
            std::process::exit(1);
        }
        Err(_) => {
            eprintln!("tokio_xmpp_login: timed out after {timeout}s");
            std::process::exit(1);
        }
    };
    let mut t = times;
    t.sort_by(f64::total_cmp);
    let rank = |q: f64| t[((q * t.len() as f64).ceil() as usize).clamp(1, t.len()) - 1];
    println!(
        "RESULT client=tokio-xmpp-{mode} logins={} p50_ms={:.3} p90_ms={:.3} min_ms={:.3} mean_ms={:.3} max_ms={:.3} cpu_ms_per_login={:.3}",
        t.len(),
        rank(0.5),
        rank(0.9),
        t[0],
        t.iter().sum::<f64>() / t.len() as f64,
        t[t.len() - 1],
        cpu_ms / t.len() as f64
    );
}
