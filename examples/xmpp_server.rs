// cargo run --release --example xmpp_server -- --domain localhost --listen 127.0.0.1:5222 --data ./xmpp-data [--cert C --key K] [--add-user NAME:PASSWORD]... [--allow-registration] [--allow-plaintext-loopback] [--component-listen ADDR --component-secret S]
//! A small XMPP server for a team's own chat: clients (Gajim, Conversations, slixmpp,
//! jaxl bots) log in over STARTTLS, add each other, chat and see each other's
//! presence; messages to someone offline wait in the embedded SQLite store.
//!
//! On first start without `--cert/--key` a self-signed certificate for the domain is
//! created in the data directory (clients will ask you to trust it). `--add-user`
//! creates or updates an account, then the server runs as usual. Logs go through
//! `log` (set `RUST_LOG=info` or `debug`); Ctrl-C or SIGTERM stops it gracefully.

use jaxl::core::{Loop, LoopConfig};
use jaxl_xmpp::server::{Server, ServerConfig};
use jaxl_xmpp::store::SqliteStore;
use std::path::{Path, PathBuf};

struct Args {
    domain: String,
    listen: String,
    data: PathBuf,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    users: Vec<(String, String)>,
    allow_registration: bool,
    plaintext_loopback: bool,
    component_listen: Option<String>,
    component_secret: Option<String>,
}

fn usage(msg: &str) -> ! {
    eprintln!("xmpp_server: {msg}");
    eprintln!("usage: xmpp_server --domain D --listen ADDR --data DIR [--cert C --key K] [--add-user NAME:PASSWORD]... [--allow-registration] [--allow-plaintext-loopback] [--component-listen ADDR --component-secret S]");
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        domain: "localhost".into(),
        listen: "127.0.0.1:5222".into(),
        data: PathBuf::from("./xmpp-data"),
        cert: None,
        key: None,
        users: Vec::new(),
        allow_registration: false,
        plaintext_loopback: false,
        component_listen: None,
        component_secret: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--domain" => a.domain = value(),
            "--listen" => a.listen = value(),
            "--data" => a.data = value().into(),
            "--cert" => a.cert = Some(value().into()),
            "--key" => a.key = Some(value().into()),
            "--add-user" => {
                let v = value();
                let (u, p) = v
                    .split_once(':')
                    .unwrap_or_else(|| usage("--add-user takes NAME:PASSWORD"));
                a.users.push((u.to_owned(), p.to_owned()));
            }
            "--allow-registration" => a.allow_registration = true,
            "--allow-plaintext-loopback" => a.plaintext_loopback = true,
            "--component-listen" => a.component_listen = Some(value()),
            "--component-secret" => a.component_secret = Some(value()),
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    a
}

/// The certificate and key to use: given ones, or a self-signed pair for the domain
/// made on first start and kept in the data directory.
fn certificate(args: &Args) -> Result<(PathBuf, PathBuf), Box<dyn std::error::Error>> {
    if let (Some(c), Some(k)) = (&args.cert, &args.key) {
        return Ok((c.clone(), k.clone()));
    }
    if args.cert.is_some() != args.key.is_some() {
        usage("--cert and --key go together");
    }
    let cert = args.data.join("cert.pem");
    let key = args.data.join("key.pem");
    if !cert.exists() || !key.exists() {
        std::fs::create_dir_all(&args.data)?;
        let generated = rcgen::generate_simple_self_signed(vec![args.domain.clone()])?;
        write_private(&key, generated.signing_key.serialize_pem().as_bytes())?;
        std::fs::write(&cert, generated.cert.pem())?;
        log::warn!(
            "created a self-signed certificate for {} in {} (clients must be told to trust it)",
            args.domain,
            cert.display()
        );
        println!(
            "created a self-signed certificate for {} in {}",
            args.domain,
            cert.display()
        );
    }
    Ok((cert, key))
}

fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    o.mode(0o600);
    o.open(path)?.write_all(data)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args = parse_args();
    let (cert, key) = certificate(&args)?;
    let mut config = ServerConfig::new(args.domain.clone());
    config.tls = Some(jaxl::core::tls::server_config(&cert, &key)?);
    config.allow_registration = args.allow_registration;
    config.allow_plaintext_loopback = args.plaintext_loopback;
    config.component_secret = args.component_secret.clone();

    let store = SqliteStore::open_dir(&args.data)?;
    let mut ev = Loop::with_config(LoopConfig::default())?;
    let server = Server::new(config, Box::new(store));
    for (user, password) in &args.users {
        server.add_user(&mut ev, user, password)?;
        log::info!("account {user}@{} created or updated", args.domain);
    }
    let id = server.listen(&mut ev, args.listen.as_str())?;
    let addr = ev
        .local_addr(id)
        .map_or(args.listen.clone(), |a| a.to_string());
    log::info!(
        "serving {} on {addr} (data in {})",
        args.domain,
        args.data.display()
    );
    println!("xmpp server for {} listening on {addr}", args.domain);
    if let Some(c) = &args.component_listen {
        if args.component_secret.is_none() {
            usage("--component-listen needs --component-secret");
        }
        let id = server.listen_components(&mut ev, c.as_str())?;
        log::info!(
            "components accepted on {}",
            ev.local_addr(id).map_or(c.clone(), |a| a.to_string())
        );
    }
    ev.run()?;
    log::info!("stopped");
    Ok(())
}
