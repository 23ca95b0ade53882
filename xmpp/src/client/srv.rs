//! Where the client connects (RFC 6120 §3.2): the configured host, or the targets of
//! the domain's DNS SRV records (`_xmpp-client._tcp`, and `_xmpps-client._tcp` for
//! direct TLS, XEP-0368), or else the domain itself.
//!
//! The lookup blocks, so it runs off the loop
//! ([`Context::run_blocking`](jaxl_core::Context::run_blocking)), bounded in time.

use super::state::State;
use super::{ClientConfig, TlsMode};
use crate::dns::{order_srv, Resolver, SrvRecord};
use jaxl_core::Endpoint;
use std::collections::VecDeque;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// The loop gives the lookup thread this long before it falls back to the domain. The
/// resolver's own limits end it sooner: 3 servers x 2 attempts x 2 s per query.
pub(crate) const LOOKUP_LIMIT: Duration = Duration::from_secs(60);

/// Addresses of SRV targets are resolved (with [`ClientConfig::dns_server`]) only while
/// the lookup has taken less than this; the targets resolved by then are tried.
const RESOLVE_BUDGET: Duration = Duration::from_secs(20);

/// At most this many SRV targets are tried per connection attempt.
const MAX_TARGETS: usize = 16;

/// The port of the fallback without SRV records for direct TLS (XEP-0368's customary
/// one), used when [`ClientConfig::port`] is left at 5222.
const DIRECT_TLS_PORT: u16 = 5223;

/// One place to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The host name (for logs; the SRV target or the domain).
    host: String,
    /// Where to connect: a name the loop resolves, or an address already resolved.
    dest: Dest,
    /// Direct TLS from the first byte (an `_xmpps-client` record, or the configured
    /// [`TlsMode::Direct`] without SRV). Otherwise STARTTLS as configured.
    pub(crate) direct_tls: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Dest {
    Host(u16),
    Addr(SocketAddr),
}

impl Target {
    fn host(host: &str, port: u16, direct_tls: bool) -> Target {
        Target {
            host: host.to_owned(),
            dest: Dest::Host(port),
            direct_tls,
        }
    }

    /// What the loop connects to.
    pub(crate) fn endpoint(&self) -> Endpoint {
        match self.dest {
            Dest::Host(port) => Endpoint::from((self.host.as_str(), port)),
            Dest::Addr(a) => Endpoint::Addr(a),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.dest {
            Dest::Host(port) => write!(f, "{}:{port}", self.host)?,
            Dest::Addr(a) => write!(f, "{} ({a})", self.host)?,
        }
        if self.direct_tls {
            f.write_str(" with direct TLS")?;
        }
        Ok(())
    }
}

/// The outcome of a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Try these in order.
    Connect(VecDeque<Target>),
    /// The SRV records say the domain offers no such service (target `.`).
    NoService,
    /// Nothing to connect to (with a resolver of our own: no target has an address).
    Failed(String),
}

/// Where to connect without a lookup, or the lookup to run.
pub(crate) fn plan(st: &State) -> Result<VecDeque<Target>, Lookup> {
    let c = &st.config;
    let direct = c.tls == TlsMode::Direct && !st.is_component();
    let domain = c.jid.domain();
    if c.host.is_some() || st.is_component() || !srv_applies(domain) {
        return Ok(VecDeque::from([Target::host(
            c.connect_host(),
            c.port,
            direct,
        )]));
    }
    Err(Lookup::new(c, direct))
}

/// Whether SRV records are looked up for `domain`: not for an IP literal, `localhost`
/// (RFC 6761), nor a name that is not ASCII (no IDNA encoder here; the system resolver
/// gets it as is).
fn srv_applies(domain: &str) -> bool {
    let lower = domain.to_ascii_lowercase();
    !(domain.parse::<IpAddr>().is_ok()
        || domain.starts_with('[')
        || lower == "localhost"
        || lower.ends_with(".localhost")
        || !domain.is_ascii())
}

/// A DNS SRV lookup to run off the loop.
#[derive(Debug, Clone)]
pub(crate) struct Lookup {
    domain: String,
    direct: bool,
    dns_server: Option<SocketAddr>,
    fallback_port: u16,
}

impl Lookup {
    fn new(c: &ClientConfig, direct: bool) -> Lookup {
        Lookup {
            domain: c.jid.domain().to_owned(),
            direct,
            dns_server: c.dns_server,
            fallback_port: if direct && c.port == 5222 {
                DIRECT_TLS_PORT
            } else {
                c.port
            },
        }
    }

    pub(crate) fn domain(&self) -> &str {
        &self.domain
    }

    /// The plan without DNS: the domain on the fallback port, resolved by the loop.
    pub(crate) fn fallback(&self) -> Plan {
        Plan::Connect(VecDeque::from([Target::host(
            &self.domain,
            self.fallback_port,
            self.direct,
        )]))
    }

    /// Looks up the SRV records (blocking) and orders their targets; falls back to the
    /// domain when there are none or the lookup fails (RFC 6120 §3.2.1 step 5 and
    /// §3.2.2), but not when they say "no service" (target `.`, §3.2.1 step 4).
    pub(crate) fn run(&self) -> Plan {
        let started = Instant::now();
        let resolver = match self.dns_server {
            Some(server) => Resolver::new(vec![server]),
            None => Resolver::system(),
        };
        let services: &[(&str, bool)] = if self.direct {
            // XEP-0368: both services, priorities and weights mixed; `xmpps-` targets
            // speak direct TLS, `xmpp-` ones STARTTLS.
            &[("_xmpps-client._tcp", true), ("_xmpp-client._tcp", false)]
        } else {
            &[("_xmpp-client._tcp", false)]
        };
        let mut records: Vec<(SrvRecord, bool)> = Vec::new();
        let mut no_service = false;
        for &(service, tls) in services {
            let name = format!("{service}.{}", self.domain);
            match resolver.srv(&name) {
                Ok(Some(found))
                    if !found.is_empty() && found.iter().all(|r| r.target.is_empty()) =>
                {
                    log::info!("{name}: SRV target \".\": the service is decidedly not available");
                    no_service = true;
                }
                Ok(Some(found)) => {
                    log::debug!("{name}: {} SRV record(s)", found.len());
                    records.extend(
                        found
                            .into_iter()
                            .filter(|r| !r.target.is_empty())
                            .map(|r| (r, tls)),
                    );
                }
                Ok(None) => log::debug!("{name}: no such name"),
                Err(e) => log::info!("{name}: SRV lookup failed: {e}"),
            }
        }
        if records.is_empty() {
            if no_service {
                return Plan::NoService;
            }
            log::info!(
                "{}: no SRV records; falling back to {}:{}",
                self.domain,
                self.domain,
                self.fallback_port
            );
            return self.resolve(
                vec![(self.domain.clone(), self.fallback_port, self.direct)],
                &resolver,
                started,
            );
        }
        let targets = order_srv(records)
            .into_iter()
            .take(MAX_TARGETS)
            .map(|(r, tls)| (r.target, r.port, tls))
            .collect();
        self.resolve(targets, &resolver, started)
    }

    /// Makes targets of host names: as they are (the loop resolves them with the
    /// system resolver), or, with a configured DNS server, resolved through it.
    fn resolve(
        &self,
        hosts: Vec<(String, u16, bool)>,
        resolver: &Resolver,
        started: Instant,
    ) -> Plan {
        if self.dns_server.is_none() {
            return Plan::Connect(
                hosts
                    .iter()
                    .map(|(h, port, tls)| Target::host(h, *port, *tls))
                    .collect(),
            );
        }
        let mut out = VecDeque::new();
        let mut why = String::new();
        for (host, port, tls) in hosts {
            if started.elapsed() > RESOLVE_BUDGET {
                log::info!(
                    "{}: DNS lookups took too long; trying the targets resolved so far",
                    self.domain
                );
                break;
            }
            match resolver.ip_addrs(&host) {
                Ok(ips) if !ips.is_empty() => out.extend(ips.into_iter().map(|ip| Target {
                    host: host.clone(),
                    dest: Dest::Addr(SocketAddr::new(ip, port)),
                    direct_tls: tls,
                })),
                Ok(_) => why = format!("{host}: no address"),
                Err(e) => why = format!("{host}: {e}"),
            }
        }
        if out.is_empty() {
            Plan::Failed(why)
        } else {
            Plan::Connect(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::state::Kind;
    use crate::Jid;

    fn state(jid: &str, f: impl FnOnce(&mut ClientConfig)) -> State {
        let mut c = ClientConfig::new(Jid::new(jid).unwrap(), "pw");
        f(&mut c);
        State::new(c, Kind::Client)
    }

    #[test]
    fn when_srv_is_looked_up() {
        let host = |t: VecDeque<Target>| t.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        // An explicit host: no lookup.
        let st = state("a@example.com", |c| {
            c.host = Some("xmpp.example.net".into());
            c.port = 5300;
        });
        assert_eq!(host(plan(&st).unwrap()), ["xmpp.example.net:5300"]);
        // IP literals and localhost: no lookup.
        for domain in ["127.0.0.1", "localhost", "Chat.LocalHost"] {
            let st = state(&format!("a@{domain}"), |_| {});
            assert!(plan(&st).is_ok(), "{domain}");
        }
        // A component never looks up client SRV records.
        let mut st = state("comp.example.com", |_| {});
        st.kind = Kind::Component {
            secret: String::new(),
        };
        assert!(plan(&st).is_ok());
        // A domain: lookup, falling back to 5222, or 5223 for direct TLS.
        let Err(l) = plan(&state("a@example.com", |_| {})) else {
            panic!("no lookup")
        };
        assert_eq!(
            (l.domain(), l.fallback_port, l.direct),
            ("example.com", 5222, false)
        );
        let Err(l) = plan(&state("a@example.com", |c| c.tls = TlsMode::Direct)) else {
            panic!("no lookup")
        };
        assert_eq!((l.fallback_port, l.direct), (5223, true));
        assert_eq!(
            l.fallback(),
            Plan::Connect(VecDeque::from([Target::host("example.com", 5223, true)]))
        );
        let Err(l) = plan(&state("a@example.com", |c| {
            c.tls = TlsMode::Direct;
            c.port = 443;
        })) else {
            panic!("no lookup")
        };
        assert_eq!(l.fallback_port, 443);
    }
}
