//! A small DNS stub resolver for what XMPP needs: SRV records (RFC 2782) to find a
//! domain's server (RFC 6120 §3.2, XEP-0368), and A/AAAA records of their targets.
//!
//! * [`Query`] and [`parse_response`]: the message format (RFC 1035 §4), no I/O. The
//!   reader is written for hostile input (every read bounds-checked, compression
//!   pointers only backwards and at most [`MAX_POINTERS`] per name, names ≤ 255 bytes,
//!   at most [`MAX_RECORDS`] answers) and checks that a response answers the query
//!   (id, question).
//! * [`Resolver`]: blocking queries over UDP to the nameservers of `/etc/resolv.conf`
//!   (or given ones), TCP when an answer is truncated. Run it off the event loop.
//! * [`order_srv`]: the order of SRV targets (priority, then weighted random).
//!
//! No crate is used for this: the lookups are a few hundred lines, and the project
//! keeps its dependency graph small. No cache either: a client looks up once per
//! connection attempt.
//!
//! ```
//! use jaxl_xmpp::dns::{parse_response, Answer, Query, Record, RecordType};
//!
//! let q = Query::with_id(0x1234, "_xmpp-client._tcp.example.com", RecordType::Srv)?;
//! // What a server answers: the query with QR set, and one SRV record.
//! let mut msg = q.to_bytes();
//! msg[2] |= 0x80; // QR: a response
//! msg[7] = 1; // ANCOUNT = 1
//! msg.extend_from_slice(&[0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 60, 0, 24]); // name, SRV, IN, TTL, RDLENGTH
//! msg.extend_from_slice(&[0, 5, 0, 10, 0x14, 0x66]); // priority 5, weight 10, port 5222
//! msg.extend_from_slice(b"\x04xmpp\x07example\x03com\x00");
//! let Answer::Records(records) = parse_response(&msg, &q)? else { panic!() };
//! let Record::Srv(srv) = &records[0] else { panic!() };
//! assert_eq!((srv.target.as_str(), srv.port), ("xmpp.example.com", 5222));
//! # Ok::<(), jaxl_xmpp::dns::DnsError>(())
//! ```

mod order;
mod packet;
mod resolver;

pub use order::{order_srv, order_srv_with};
pub use packet::{
    parse_response, Answer, Query, Record, RecordType, SrvRecord, MAX_POINTERS, MAX_RECORDS,
};
pub use resolver::{parse_resolv_conf, Resolver};

use std::fmt;

/// Why a DNS query or the reading of its answer failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DnsError {
    /// The message ends before what its header or lengths announce.
    Short,
    /// The response's id is not the query's.
    IdMismatch,
    /// The message is not a response (QR clear) to a standard query (opcode 0).
    NotAResponse,
    /// The response's question is not the query's (name, type, class), or it has not
    /// exactly one.
    QuestionMismatch,
    /// A label of a reserved type (first bits `01` or `10`, RFC 1035 §4.1.4, RFC 6891).
    BadLabel,
    /// A compression pointer that does not point before the labels it ends (a forward,
    /// self or looping pointer).
    BadPointer,
    /// More than [`MAX_POINTERS`] compression pointers in one name.
    TooManyPointers,
    /// A name longer than 255 bytes on the wire.
    NameTooLong,
    /// A name to ask about that is not made of letters, digits, `-` and `_` in labels
    /// of 1 to 63 bytes (an internationalised name must be given in ASCII form).
    BadName,
    /// More answer records than [`MAX_RECORDS`].
    TooManyRecords,
    /// A record whose data does not have the length its type requires.
    BadRecord,
    /// The server answered with this RCODE (2 SERVFAIL, 4 NOTIMP, 5 REFUSED, ...).
    ServerFailure(u8),
    /// An answer over TCP still had the TC bit set: it is not complete.
    Truncated,
    /// No server answered in time.
    Timeout,
    /// No nameserver to ask.
    NoServer,
    /// A socket operation failed (`ConnectionRefused`: nothing listens on the server's
    /// port).
    Io(std::io::ErrorKind),
}

impl DnsError {
    /// A short description, the same for every value of the variant's data.
    pub fn message(&self) -> &'static str {
        match self {
            DnsError::Short => "DNS message shorter than its contents",
            DnsError::IdMismatch => "DNS response id does not match the query",
            DnsError::NotAResponse => "DNS message is not a response to a standard query",
            DnsError::QuestionMismatch => "DNS response question does not match the query",
            DnsError::BadLabel => "DNS name with a reserved label type",
            DnsError::BadPointer => "DNS name with a compression pointer that does not point back",
            DnsError::TooManyPointers => "DNS name with too many compression pointers",
            DnsError::NameTooLong => "DNS name longer than 255 bytes",
            DnsError::BadName => "not a valid DNS host or service name",
            DnsError::TooManyRecords => "DNS response with too many records",
            DnsError::BadRecord => "DNS record data of the wrong length",
            DnsError::ServerFailure(_) => "DNS server failure",
            DnsError::Truncated => "DNS answer truncated even over TCP",
            DnsError::Timeout => "DNS query timed out",
            DnsError::NoServer => "no DNS server configured",
            DnsError::Io(_) => "DNS socket error",
        }
    }
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DnsError::ServerFailure(rcode) => write!(f, "{} (RCODE {rcode})", self.message()),
            DnsError::Io(kind) => write!(f, "{}: {kind}", self.message()),
            _ => f.write_str(self.message()),
        }
    }
}

impl std::error::Error for DnsError {}

#[cfg(test)]
mod tests;
