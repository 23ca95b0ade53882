//! [`Resolver`]: a blocking stub resolver over UDP, with TCP for truncated answers.

use super::{parse_response, Answer, DnsError, Query, Record, RecordType, SrvRecord};
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// glibc's `MAXNS`: later `nameserver` lines are ignored, as the system resolver does.
const MAX_SERVERS: usize = 3;

/// A UDP answer is read into a buffer this large (without EDNS0 a server sends at most
/// 512 bytes and sets TC when the answer is longer).
const UDP_BUFFER: usize = 4096;

/// A stub resolver: sends each query to recursive nameservers in turn and checks that
/// what comes back answers it. It blocks: call it off the event loop (the XMPP client
/// runs it on a short-lived thread).
///
/// Each attempt uses a fresh socket (a new source port) and a fresh random id. A
/// datagram from another address than the server, with another id, or with another
/// question is dropped and the wait goes on (a late or forged answer cannot end the
/// lookup); a malformed answer with the right id and question fails the attempt. An answer with the TC bit is asked again over TCP to the same server.
/// NXDOMAIN ends the lookup; a server failure, a refusal, a malformed answer or a
/// timeout moves on to the next server, for [`attempts`](Self::attempts) rounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolver {
    /// Nameservers, asked in this order.
    pub servers: Vec<SocketAddr>,
    /// How long one attempt waits for an answer. Default: 2 s.
    pub timeout: Duration,
    /// Rounds over all servers before giving up. Default: 2.
    pub attempts: u32,
}

impl Resolver {
    /// A resolver asking these servers, with the default timeout and attempts.
    pub fn new(servers: Vec<SocketAddr>) -> Resolver {
        Resolver {
            servers,
            timeout: Duration::from_secs(2),
            attempts: 2,
        }
    }

    /// A resolver asking the `nameserver`s of `/etc/resolv.conf` (at most 3, as the
    /// system's), or `127.0.0.1:53` if the file is missing or names none (what the
    /// system resolver does too). Its `options` (timeout, attempts, ndots) are not
    /// read; the names asked here are always fully qualified.
    pub fn system() -> Resolver {
        let text = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        let mut servers = parse_resolv_conf(&text);
        if servers.is_empty() {
            servers.push(SocketAddr::from((Ipv4Addr::LOCALHOST, 53)));
        }
        Resolver::new(servers)
    }

    /// Asks for the `qtype` records of `name` (fully qualified). `Ok(None)` is
    /// NXDOMAIN; `Ok(Some(records))` may be empty (the name has no such records).
    ///
    /// Fails with the last server's error: [`DnsError::Timeout`], [`DnsError::Io`],
    /// [`DnsError::ServerFailure`] or a malformed-message error; with
    /// [`DnsError::NoServer`] if no server is configured, and with
    /// [`DnsError::BadName`] or [`DnsError::NameTooLong`] for a name that cannot be
    /// asked.
    pub fn query(&self, name: &str, qtype: RecordType) -> Result<Option<Vec<Record>>, DnsError> {
        let mut query = Query::new(name, qtype)?;
        let mut last = DnsError::NoServer;
        for round in 0..self.attempts.max(1) {
            for (i, &server) in self.servers.iter().enumerate() {
                if round > 0 || i > 0 {
                    query = Query::new(name, qtype)?;
                }
                let answer = match self.exchange_udp(server, &query) {
                    Ok(Answer::Truncated) => self.exchange_tcp(server, &query),
                    other => other,
                };
                match answer {
                    Ok(Answer::Records(r)) => return Ok(Some(r)),
                    Ok(Answer::NoSuchName) => return Ok(None),
                    Ok(Answer::Truncated) => last = DnsError::Truncated,
                    Err(e) => {
                        log::debug!("DNS {name} {qtype:?} via {server}: {e}");
                        last = e;
                    }
                }
            }
        }
        Err(last)
    }

    /// The SRV records of `name` (`_service._proto.domain`). As [`query`](Self::query).
    pub fn srv(&self, name: &str) -> Result<Option<Vec<SrvRecord>>, DnsError> {
        Ok(self.query(name, RecordType::Srv)?.map(|records| {
            records
                .into_iter()
                .filter_map(|r| match r {
                    Record::Srv(s) => Some(s),
                    _ => None,
                })
                .collect()
        }))
    }

    /// The addresses of `host`: AAAA then A records, through this resolver's servers
    /// only (no hosts file). An IP literal is returned as is and `localhost` (or a name
    /// under `.localhost`) is the loopback addresses without a query (RFC 6761 §6.3).
    /// An empty list means the name has no address.
    ///
    /// Fails only if both queries fail; then with the A query's error, as
    /// [`query`](Self::query).
    pub fn ip_addrs(&self, host: &str) -> Result<Vec<IpAddr>, DnsError> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let lower = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        if lower == "localhost" || lower.ends_with(".localhost") {
            return Ok(vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ]);
        }
        let v6 = self.query(host, RecordType::Aaaa);
        let v4 = self.query(host, RecordType::A);
        if let (Err(_), Err(e)) = (&v6, &v4) {
            return Err(*e);
        }
        let records = v6
            .ok()
            .flatten()
            .into_iter()
            .chain(v4.ok().flatten())
            .flatten();
        Ok(records
            .filter_map(|r| match r {
                Record::A(a) => Some(IpAddr::V4(a)),
                Record::Aaaa(a) => Some(IpAddr::V6(a)),
                Record::Srv(_) => None,
            })
            .collect())
    }

    /// One query over UDP to one server, waiting up to `timeout` for its answer.
    fn exchange_udp(&self, server: SocketAddr, query: &Query) -> Result<Answer, DnsError> {
        let io = |e: std::io::Error| DnsError::Io(e.kind());
        let local = match server {
            SocketAddr::V4(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            SocketAddr::V6(_) => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
        };
        let sock = UdpSocket::bind(local).map_err(io)?;
        // Connected: the kernel drops datagrams from other sources and reports an ICMP
        // "port unreachable" as ConnectionRefused (a quick move to the next server).
        sock.connect(server).map_err(io)?;
        sock.send(&query.to_bytes()).map_err(io)?;
        let deadline = Instant::now() + self.timeout;
        let mut buf = vec![0u8; UDP_BUFFER];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(DnsError::Timeout);
            }
            sock.set_read_timeout(Some(left)).map_err(io)?;
            let (n, from) = match sock.recv_from(&mut buf) {
                Ok(got) => got,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(DnsError::Timeout)
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(io(e)),
            };
            let msg = buf.get(..n).unwrap_or_default();
            // Whatever does not carry our id is not for us (a late answer to an earlier
            // attempt, or forged without knowing the id): ignore it, and keep waiting.
            if from != server || msg.get(..2) != Some(&query.id().to_be_bytes()[..]) {
                continue;
            }
            match parse_response(msg, query) {
                Err(DnsError::IdMismatch | DnsError::NotAResponse | DnsError::QuestionMismatch) => {
                    log::debug!(
                        "DNS: dropped a datagram from {from} that does not answer our query"
                    );
                }
                other => return other,
            }
        }
    }

    /// One query over TCP (RFC 1035 §4.2.2: two length bytes before each message).
    fn exchange_tcp(&self, server: SocketAddr, query: &Query) -> Result<Answer, DnsError> {
        let io = |e: std::io::Error| match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => DnsError::Timeout,
            k => DnsError::Io(k),
        };
        let deadline = Instant::now() + self.timeout;
        let mut s = TcpStream::connect_timeout(&server, self.timeout).map_err(io)?;
        let q = query.to_bytes();
        let len = u16::try_from(q.len()).map_err(|_| DnsError::NameTooLong)?;
        s.set_write_timeout(Some(self.timeout)).map_err(io)?;
        let mut out = len.to_be_bytes().to_vec();
        out.extend_from_slice(&q);
        s.write_all(&out).map_err(io)?;
        let mut len = [0u8; 2];
        read_full(&mut s, &mut len, deadline).map_err(io)?;
        let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
        read_full(&mut s, &mut msg, deadline).map_err(io)?;
        match parse_response(&msg, query)? {
            // TC over TCP makes no sense: the answer is not usable.
            Answer::Truncated => Err(DnsError::Truncated),
            a => Ok(a),
        }
    }
}

/// Fills `buf` from `s` before `deadline`.
fn read_full(s: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> std::io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ErrorKind::TimedOut.into());
        }
        s.set_read_timeout(Some(left))?;
        match s.read(buf.get_mut(done..).unwrap_or_default()) {
            Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
            Ok(n) => done += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The `nameserver` addresses of a resolv.conf text (IPv4 or IPv6, port 53, at most
/// 3). Comments (`#`, `;`), other keywords and unparsable addresses are skipped; an
/// IPv6 zone must be numeric (`fe80::1%2`), as interface names cannot be mapped here.
pub fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split(['#', ';']).next().unwrap_or_default();
        let mut words = line.split_whitespace();
        if words.next() != Some("nameserver") {
            continue;
        }
        let Some(addr) = words.next() else { continue };
        let (ip, zone) = match addr.split_once('%') {
            Some((ip, zone)) => (ip, zone.parse::<u32>().ok()),
            None => (addr, Some(0)),
        };
        let (Ok(ip), Some(zone)) = (ip.parse::<IpAddr>(), zone) else {
            continue;
        };
        let sa = match ip {
            IpAddr::V4(v4) => SocketAddr::from((v4, 53)),
            IpAddr::V6(v6) => SocketAddr::V6(std::net::SocketAddrV6::new(v6, 53, 0, zone)),
        };
        if out.len() < MAX_SERVERS {
            out.push(sa);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolv_conf() {
        let text = "# comment\nsearch example.com\nnameserver 10.0.0.1\nnameserver  ::1 # v6\n\
                    nameserver fe80::1%eth0\nnameserver fe80::2%3\n;nameserver 9.9.9.9\n\
                    nameserver bogus\nnameserver 10.0.0.2\n";
        let got = parse_resolv_conf(text);
        assert_eq!(
            got,
            [
                "10.0.0.1:53".parse::<SocketAddr>().unwrap(),
                "[::1]:53".parse().unwrap(),
                "[fe80::2%3]:53".parse().unwrap(),
            ]
        );
        assert!(parse_resolv_conf("").is_empty());
    }

    /// A server on 127.0.0.1 that answers each of `rounds` queries with whatever
    /// `reply` sends (through the server socket, or others) and then stops.
    fn server(
        rounds: usize,
        reply: impl Fn(&UdpSocket, SocketAddr, &[u8]) + Send + 'static,
    ) -> (SocketAddr, std::thread::JoinHandle<()>) {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = sock.local_addr().unwrap();
        let t = std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            for _ in 0..rounds {
                let (n, from) = sock.recv_from(&mut buf).unwrap();
                reply(&sock, from, &buf[..n]);
            }
        });
        (addr, t)
    }

    /// The answer to `query` (a query message): its header with QR, RA and `rcode`,
    /// its question, and one A record 192.0.2.1 when `rcode` is 0.
    fn answer(query: &[u8], rcode: u8) -> Vec<u8> {
        let mut m = query.to_vec();
        m[2] |= 0x80;
        m[3] = 0x80 | rcode;
        if rcode == 0 {
            m[7] = 1;
            m.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
        }
        m
    }

    #[test]
    fn forged_and_stray_answers_are_ignored() {
        let (addr, t) = server(1, |sock, from, q| {
            // Another source with the right id and question.
            let other = UdpSocket::bind("127.0.0.1:0").unwrap();
            other.send_to(&answer(q, 3), from).unwrap();
            // The wrong id.
            let mut m = answer(q, 3);
            m[0] ^= 0xFF;
            sock.send_to(&m, from).unwrap();
            // The wrong question (a byte of the name changed).
            let mut m = answer(q, 3);
            m[13] ^= 0x01;
            sock.send_to(&m, from).unwrap();
            // Not a response.
            let mut m = answer(q, 3);
            m[2] &= 0x7F;
            sock.send_to(&m, from).unwrap();
            // Garbage.
            sock.send_to(b"\x00", from).unwrap();
            // At last, the answer.
            sock.send_to(&answer(q, 0), from).unwrap();
        });
        let r = Resolver::new(vec![addr]);
        assert_eq!(
            r.query("xmpp.example.test", RecordType::A),
            Ok(Some(vec![Record::A(Ipv4Addr::new(192, 0, 2, 1))]))
        );
        t.join().unwrap();
    }

    #[test]
    fn failures_move_on_to_the_next_server() {
        // The first server fails (SERVFAIL), the second says the name does not exist:
        // that ends the lookup.
        let (first, t1) = server(1, |sock, from, q| {
            sock.send_to(&answer(q, 2), from).unwrap();
        });
        let (second, t2) = server(1, |sock, from, q| {
            sock.send_to(&answer(q, 3), from).unwrap();
        });
        let r = Resolver::new(vec![first, second]);
        assert_eq!(r.query("nx.example.test", RecordType::Srv), Ok(None));
        t1.join().unwrap();
        t2.join().unwrap();
        // Only failures: the last error, after every attempt on every server.
        let (addr, t) = server(4, |sock, from, q| {
            sock.send_to(&answer(q, 5), from).unwrap();
        });
        let mut r = Resolver::new(vec![addr, addr]);
        r.attempts = 2;
        assert_eq!(
            r.query("x.example.test", RecordType::A),
            Err(DnsError::ServerFailure(5))
        );
        t.join().unwrap();
    }

    #[test]
    fn silence_is_a_timeout() {
        // A bound socket that never answers.
        let quiet = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut r = Resolver::new(vec![quiet.local_addr().unwrap()]);
        r.timeout = Duration::from_millis(50);
        let started = Instant::now();
        assert_eq!(
            r.query("x.example.test", RecordType::A),
            Err(DnsError::Timeout)
        );
        // Two attempts of 50 ms, not more than the test's patience.
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn literals_and_localhost_need_no_query() {
        // No server at all: any query would fail with NoServer.
        let r = Resolver::new(Vec::new());
        assert_eq!(
            r.ip_addrs("192.0.2.1"),
            Ok(vec!["192.0.2.1".parse().unwrap()])
        );
        assert_eq!(r.ip_addrs("::1"), Ok(vec!["::1".parse().unwrap()]));
        assert_eq!(r.ip_addrs("LocalHost.").map(|v| v.len()), Ok(2));
        assert_eq!(r.ip_addrs("a.localhost").map(|v| v.len()), Ok(2));
        assert_eq!(r.ip_addrs("example.test"), Err(DnsError::NoServer));
        assert_eq!(r.query("bad name", RecordType::A), Err(DnsError::BadName));
    }
}
