//! DNS messages (RFC 1035 §4): building a query, and reading the answer to it.
//!
//! The reader treats every byte as hostile: all reads are bounds-checked, compression
//! pointers must point backwards (so they cannot loop) and are followed at most
//! [`MAX_POINTERS`] times per name, names are limited to 255 bytes on the wire, and the
//! answer count to [`MAX_RECORDS`]. Anything else is a [`DnsError`], never a panic.

use super::DnsError;
use std::net::{Ipv4Addr, Ipv6Addr};

/// At most this many answer records are read from one response; a response claiming
/// more is refused with [`DnsError::TooManyRecords`]. A 64 KiB TCP answer of minimal
/// compressed records could hold about 5000; no XMPP domain publishes more than a few.
pub const MAX_RECORDS: usize = 512;

/// At most this many compression pointers are followed in one name (each one must also
/// point before the previous, so loops are impossible anyway; this bounds the work).
pub const MAX_POINTERS: usize = 64;

/// A name is at most 255 bytes in wire format, length bytes included (RFC 1035 §2.3.4).
const MAX_NAME_WIRE: usize = 255;

/// A label is at most 63 bytes.
const MAX_LABEL: usize = 63;

/// CNAME chains in one answer are followed at most this many steps.
const MAX_CNAME_CHAIN: usize = 8;

const TYPE_A: u16 = 1;
const TYPE_CNAME: u16 = 5;
const TYPE_AAAA: u16 = 28;
const TYPE_SRV: u16 = 33;
const CLASS_IN: u16 = 1;

/// The record types this client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    /// An IPv4 address (type 1).
    A,
    /// An IPv6 address (type 28, RFC 3596).
    Aaaa,
    /// A service location (type 33, RFC 2782).
    Srv,
}

impl RecordType {
    /// The type's number on the wire.
    pub fn code(self) -> u16 {
        match self {
            RecordType::A => TYPE_A,
            RecordType::Aaaa => TYPE_AAAA,
            RecordType::Srv => TYPE_SRV,
        }
    }
}

/// One SRV record (RFC 2782).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvRecord {
    /// Lower is tried first.
    pub priority: u16,
    /// Among records of one priority, chosen with probability proportional to this.
    pub weight: u16,
    /// The port of the service.
    pub port: u16,
    /// The host offering the service, lower case, without the trailing dot. Empty for
    /// the root name `.`, which, as the only record, means "decidedly not available".
    pub target: String,
}

/// One record of the queried type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// An A record.
    A(Ipv4Addr),
    /// An AAAA record.
    Aaaa(Ipv6Addr),
    /// An SRV record.
    Srv(SrvRecord),
}

/// What a response says about a [`Query`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The records of the queried type for the name, directly or through CNAMEs given
    /// in the same answer, in the order received (possibly none: the name exists but
    /// has no such record). Records of other types, classes or names are left out;
    /// so are SRV records whose target is not a valid host name.
    Records(Vec<Record>),
    /// NXDOMAIN (RCODE 3): the name does not exist.
    NoSuchName,
    /// The TC bit is set: the answer did not fit in the datagram, ask again over TCP.
    /// Nothing else of the message is read.
    Truncated,
}

/// A question to send: a random 16-bit id, a name and a type (class IN, recursion
/// desired).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    id: u16,
    name: String,
    qtype: RecordType,
}

impl Query {
    /// A query for `name` (a dotted host or service name, with or without the trailing
    /// dot) with a random id from the operating system.
    ///
    /// Fails with [`DnsError::BadName`] if `name` is not a valid DNS name of letters,
    /// digits, `-` and `_` (an internationalised name must be given in its ASCII form),
    /// [`DnsError::NameTooLong`] past 255 bytes, and [`DnsError::Io`] if the operating
    /// system has no randomness to give.
    pub fn new(name: &str, qtype: RecordType) -> Result<Query, DnsError> {
        let mut id = [0u8; 2];
        getrandom::getrandom(&mut id).map_err(|_| DnsError::Io(std::io::ErrorKind::Other))?;
        Query::with_id(u16::from_be_bytes(id), name, qtype)
    }

    /// A query with a chosen id (tests, fuzzing). Fails as [`new`](Self::new).
    pub fn with_id(id: u16, name: &str, qtype: RecordType) -> Result<Query, DnsError> {
        let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        let mut wire = 1;
        for label in name.split('.') {
            if label.is_empty() || label.len() > MAX_LABEL || !label.bytes().all(host_byte) {
                return Err(DnsError::BadName);
            }
            wire += 1 + label.len();
        }
        if wire > MAX_NAME_WIRE {
            return Err(DnsError::NameTooLong);
        }
        Ok(Query { id, name, qtype })
    }

    /// The message id.
    pub fn id(&self) -> u16 {
        self.id
    }

    /// The name asked about (lower case, no trailing dot).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type asked for.
    pub fn qtype(&self) -> RecordType {
        self.qtype
    }

    /// The query message: header (RD set), one question of class IN.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(18 + self.name.len());
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&[0x01, 0x00]); // QR=0, opcode QUERY, RD=1
        out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // QDCOUNT=1
        for label in self.name.split('.') {
            // Checked in `with_id`: 1..=63 bytes.
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
        out.push(0);
        out.extend_from_slice(&self.qtype.code().to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out
    }
}

/// Bytes allowed in the labels of the names this client handles: letters, digits, `-`
/// (host names, RFC 1123) and `_` (service labels, RFC 2782).
fn host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Reads the response `msg` to `query`.
///
/// Checks that it answers this very query: the id, the QR bit and opcode, and that its
/// only question is the query's name (case-insensitively), type and class. Then, unless
/// truncated or NXDOMAIN, reads the answer section and keeps the records of the queried
/// type owned by the name or by a CNAME of it given in the answer (at most 8 steps).
/// The authority and additional sections are not read (their data is not trusted).
///
/// # Errors
/// [`DnsError::IdMismatch`], [`DnsError::NotAResponse`] and
/// [`DnsError::QuestionMismatch`] for a message that does not answer `query` (a stray
/// or forged datagram: a resolver keeps waiting); [`DnsError::ServerFailure`] for an
/// RCODE other than 0 and 3; [`DnsError::Short`], [`DnsError::BadLabel`],
/// [`DnsError::BadPointer`], [`DnsError::TooManyPointers`], [`DnsError::NameTooLong`],
/// [`DnsError::TooManyRecords`] and [`DnsError::BadRecord`] for a malformed message.
pub fn parse_response(msg: &[u8], query: &Query) -> Result<Answer, DnsError> {
    let mut r = Reader { msg, pos: 0 };
    let id = r.u16()?;
    let flags = r.u16()?;
    let qdcount = r.u16()?;
    let ancount = usize::from(r.u16()?);
    let _nscount = r.u16()?;
    let _arcount = r.u16()?;
    if id != query.id {
        return Err(DnsError::IdMismatch);
    }
    if flags & 0x8000 == 0 || (flags >> 11) & 0xF != 0 {
        return Err(DnsError::NotAResponse);
    }
    if qdcount != 1 {
        return Err(DnsError::QuestionMismatch);
    }
    let qname = r.name()?;
    let qtype = r.u16()?;
    let qclass = r.u16()?;
    if qname.as_deref() != Some(query.name.as_str())
        || qtype != query.qtype.code()
        || qclass != CLASS_IN
    {
        return Err(DnsError::QuestionMismatch);
    }
    if flags & 0x0200 != 0 {
        return Ok(Answer::Truncated);
    }
    match flags & 0xF {
        0 => {}
        3 => return Ok(Answer::NoSuchName),
        rcode => return Err(DnsError::ServerFailure(rcode as u8)),
    }
    if ancount > MAX_RECORDS {
        return Err(DnsError::TooManyRecords);
    }
    let mut cnames: Vec<(String, String)> = Vec::new();
    let mut found: Vec<(String, Record)> = Vec::new();
    for _ in 0..ancount {
        let owner = r.name()?;
        let rtype = r.u16()?;
        let class = r.u16()?;
        let _ttl = r.u32()?;
        let len = usize::from(r.u16()?);
        let start = r.pos;
        let end = start.checked_add(len).ok_or(DnsError::Short)?;
        let data = msg.get(start..end).ok_or(DnsError::Short)?;
        r.pos = end;
        let Some(owner) = owner else { continue };
        if class != CLASS_IN {
            continue;
        }
        let record = match rtype {
            TYPE_A if query.qtype == RecordType::A => {
                let b: [u8; 4] = data.try_into().map_err(|_| DnsError::BadRecord)?;
                Record::A(Ipv4Addr::from(b))
            }
            TYPE_AAAA if query.qtype == RecordType::Aaaa => {
                let b: [u8; 16] = data.try_into().map_err(|_| DnsError::BadRecord)?;
                Record::Aaaa(Ipv6Addr::from(b))
            }
            TYPE_SRV if query.qtype == RecordType::Srv => {
                let mut d = Reader { msg, pos: start };
                let (priority, weight, port) = (d.u16_in(end)?, d.u16_in(end)?, d.u16_in(end)?);
                let target = d.name()?;
                if d.pos != end {
                    return Err(DnsError::BadRecord);
                }
                let Some(target) = target else { continue };
                Record::Srv(SrvRecord {
                    priority,
                    weight,
                    port,
                    target,
                })
            }
            TYPE_CNAME => {
                let mut d = Reader { msg, pos: start };
                let target = d.name()?;
                if d.pos != end {
                    return Err(DnsError::BadRecord);
                }
                if let Some(target) = target {
                    cnames.push((owner, target));
                }
                continue;
            }
            _ => continue,
        };
        found.push((owner, record));
    }
    // The names that stand for the query's: itself and its CNAME chain.
    let mut names = vec![query.name.clone()];
    for _ in 0..MAX_CNAME_CHAIN {
        let Some(last) = names.last() else { break };
        match cnames.iter().find(|(from, _)| from == last) {
            Some((_, to)) if !names.contains(to) => names.push(to.clone()),
            _ => break,
        }
    }
    Ok(Answer::Records(
        found
            .into_iter()
            .filter(|(owner, _)| names.contains(owner))
            .map(|(_, rec)| rec)
            .collect(),
    ))
}

/// A bounds-checked cursor over a message.
struct Reader<'a> {
    msg: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> Result<u8, DnsError> {
        let b = *self.msg.get(self.pos).ok_or(DnsError::Short)?;
        self.pos += 1;
        Ok(b)
    }

    fn u16(&mut self) -> Result<u16, DnsError> {
        Ok(u16::from_be_bytes([self.u8()?, self.u8()?]))
    }

    /// A u16 that must end at or before `end` (inside a record's data).
    fn u16_in(&mut self, end: usize) -> Result<u16, DnsError> {
        if self.pos + 2 > end {
            return Err(DnsError::BadRecord);
        }
        self.u16()
    }

    fn u32(&mut self) -> Result<u32, DnsError> {
        Ok(u32::from(self.u16()?) << 16 | u32::from(self.u16()?))
    }

    /// A possibly compressed name, leaving the cursor after it (after its first
    /// pointer, if any). `Ok(None)` for a name that is well formed on the wire but not a
    /// host name (a label with other bytes than letters, digits, `-`, `_`): it can match
    /// nothing this client asks for, so its record is skipped rather than the message
    /// refused. `Ok(Some(""))` is the root.
    fn name(&mut self) -> Result<Option<String>, DnsError> {
        let mut out = String::new();
        let mut host = true;
        let mut wire = 0usize;
        let mut pos = self.pos;
        // Where the cursor resumes: after the first pointer, or after the final 0.
        let mut resume = None;
        // Every pointer must point before the start of the labels read since the last
        // jump: positions strictly decrease, so there is no loop.
        let mut segment_start = pos;
        let mut jumps = 0;
        loop {
            let len = *self.msg.get(pos).ok_or(DnsError::Short)?;
            match len & 0xC0 {
                0x00 => {
                    wire += 1 + usize::from(len);
                    if wire > MAX_NAME_WIRE {
                        return Err(DnsError::NameTooLong);
                    }
                    if len == 0 {
                        resume.get_or_insert(pos + 1);
                        break;
                    }
                    let label = self
                        .msg
                        .get(pos + 1..pos + 1 + usize::from(len))
                        .ok_or(DnsError::Short)?;
                    if host {
                        if label.iter().all(|&b| host_byte(b)) {
                            if !out.is_empty() {
                                out.push('.');
                            }
                            out.extend(label.iter().map(|&b| char::from(b.to_ascii_lowercase())));
                        } else {
                            host = false;
                        }
                    }
                    pos += 1 + usize::from(len);
                }
                0xC0 => {
                    let low = *self.msg.get(pos + 1).ok_or(DnsError::Short)?;
                    let target = usize::from(len & 0x3F) << 8 | usize::from(low);
                    if target >= segment_start {
                        return Err(DnsError::BadPointer);
                    }
                    jumps += 1;
                    if jumps > MAX_POINTERS {
                        return Err(DnsError::TooManyPointers);
                    }
                    resume.get_or_insert(pos + 2);
                    segment_start = target;
                    pos = target;
                }
                _ => return Err(DnsError::BadLabel),
            }
        }
        self.pos = resume.unwrap_or(pos);
        Ok(host.then_some(out))
    }
}
