//! The message reader on hand-built packets: good answers, and every way a hostile
//! server can break one.

use super::*;
use std::net::{Ipv4Addr, Ipv6Addr};

const QNAME: &str = "_xmpp-client._tcp.example.test";
const ID: u16 = 0xBEEF;

/// A name in wire format, uncompressed.
fn wire(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A response header (RD, RA, QR set) with `flags_low` or'ed into the second flag byte
/// (RCODE), then one question.
fn response(id: u16, ancount: u16, rcode: u8, qname: &str, qtype: u16) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    m.extend_from_slice(&[0x81, 0x80 | rcode, 0, 1]);
    m.extend_from_slice(&ancount.to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    m.extend_from_slice(&wire(qname));
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
    m
}

/// A resource record: owner (wire bytes, possibly a pointer), type, class IN.
fn rr(owner: &[u8], rtype: u16, rdata: &[u8]) -> Vec<u8> {
    let mut m = owner.to_vec();
    m.extend_from_slice(&rtype.to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, 0, 0x0E, 0x10]);
    m.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    m.extend_from_slice(rdata);
    m
}

fn srv_data(priority: u16, weight: u16, port: u16, target: &[u8]) -> Vec<u8> {
    let mut d = Vec::new();
    for v in [priority, weight, port] {
        d.extend_from_slice(&v.to_be_bytes());
    }
    d.extend_from_slice(target);
    d
}

/// A pointer to the question's name (it starts right after the 12-byte header).
const TO_QNAME: [u8; 2] = [0xC0, 12];

fn srv_query() -> Query {
    Query::with_id(ID, QNAME, RecordType::Srv).unwrap()
}

fn srv(priority: u16, weight: u16, port: u16, target: &str) -> Record {
    Record::Srv(SrvRecord {
        priority,
        weight,
        port,
        target: target.into(),
    })
}

/// A valid answer with three SRV records, the last target compressed.
fn three_records() -> Vec<u8> {
    let mut m = response(ID, 3, 0, QNAME, 33);
    m.extend(rr(
        &TO_QNAME,
        33,
        &srv_data(10, 60, 5222, &wire("a.example.test")),
    ));
    m.extend(rr(
        &wire(QNAME),
        33,
        &srv_data(10, 40, 5223, &wire("B.Example.Test.")),
    ));
    // "c" + a pointer to "example.test" inside the question (offset 12 + 13 + 5).
    let mut target = vec![1, b'c'];
    target.extend_from_slice(&[0xC0, 12 + 13 + 5]);
    m.extend(rr(&TO_QNAME, 33, &srv_data(20, 0, 5224, &target)));
    m
}

#[test]
fn several_srv_records() {
    assert_eq!(
        parse_response(&three_records(), &srv_query()),
        Ok(Answer::Records(vec![
            srv(10, 60, 5222, "a.example.test"),
            srv(10, 40, 5223, "b.example.test"),
            srv(20, 0, 5224, "c.example.test"),
        ]))
    );
}

#[test]
fn query_bytes() {
    let q = Query::with_id(0x0102, "Example.TEST.", RecordType::Aaaa).unwrap();
    assert_eq!(q.name(), "example.test");
    let mut expected = vec![1, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    expected.extend(wire("example.test"));
    expected.extend_from_slice(&[0, 28, 0, 1]);
    assert_eq!(q.to_bytes(), expected);
    for bad in ["", ".", "a..b", "a b.c", "é.test", &"x".repeat(64)] {
        assert_eq!(
            Query::with_id(1, bad, RecordType::A),
            Err(DnsError::BadName),
            "{bad:?}"
        );
    }
    let long = vec!["abcdefghi"; 26].join(".");
    assert_eq!(
        Query::with_id(1, &long, RecordType::A),
        Err(DnsError::NameTooLong)
    );
    assert!(Query::with_id(1, &vec!["abcdefghi"; 25].join("."), RecordType::A).is_ok());
    // Random ids differ (16 bits: 20 equal draws in a row do not happen).
    let ids: std::collections::HashSet<u16> = (0..20)
        .map(|_| Query::new("a.test", RecordType::A).unwrap().id())
        .collect();
    assert!(ids.len() > 1);
}

#[test]
fn root_target_means_no_service() {
    let mut m = response(ID, 1, 0, QNAME, 33);
    m.extend(rr(&TO_QNAME, 33, &srv_data(0, 0, 0, &[0])));
    assert_eq!(
        parse_response(&m, &srv_query()),
        Ok(Answer::Records(vec![srv(0, 0, 0, "")]))
    );
}

#[test]
fn rcodes_and_truncation() {
    let q = srv_query();
    assert_eq!(
        parse_response(&response(ID, 0, 3, QNAME, 33), &q),
        Ok(Answer::NoSuchName)
    );
    assert_eq!(
        parse_response(&response(ID, 0, 0, QNAME, 33), &q),
        Ok(Answer::Records(vec![]))
    );
    assert_eq!(
        parse_response(&response(ID, 0, 2, QNAME, 33), &q),
        Err(DnsError::ServerFailure(2))
    );
    assert_eq!(
        parse_response(&response(ID, 0, 5, QNAME, 33), &q),
        Err(DnsError::ServerFailure(5))
    );
    // TC: answers claimed but cut off; nothing after the question is read.
    let mut m = response(ID, 7, 0, QNAME, 33);
    m[2] |= 0x02;
    assert_eq!(parse_response(&m, &q), Ok(Answer::Truncated));
}

#[test]
fn answers_to_another_query_are_refused() {
    let q = srv_query();
    let good = three_records();
    let cases: Vec<(&str, Vec<u8>, DnsError)> = vec![
        (
            "wrong id",
            {
                let mut m = good.clone();
                m[1] ^= 1;
                m
            },
            DnsError::IdMismatch,
        ),
        (
            "a query, not a response",
            {
                let mut m = good.clone();
                m[2] &= 0x7F;
                m
            },
            DnsError::NotAResponse,
        ),
        (
            "opcode 2",
            {
                let mut m = good.clone();
                m[2] |= 0x10;
                m
            },
            DnsError::NotAResponse,
        ),
        (
            "other name",
            response(ID, 0, 0, "_xmpp-client._tcp.example.org", 33),
            DnsError::QuestionMismatch,
        ),
        (
            "other type",
            response(ID, 0, 0, QNAME, 1),
            DnsError::QuestionMismatch,
        ),
        (
            "other class",
            {
                let mut m = response(ID, 0, 0, QNAME, 33);
                let n = m.len();
                m[n - 1] = 3;
                m
            },
            DnsError::QuestionMismatch,
        ),
        (
            "no question",
            {
                let mut m = good.clone();
                m[5] = 0;
                m
            },
            DnsError::QuestionMismatch,
        ),
        (
            "two questions",
            {
                let mut m = good.clone();
                m[5] = 2;
                m
            },
            DnsError::QuestionMismatch,
        ),
    ];
    for (what, msg, err) in cases {
        assert_eq!(parse_response(&msg, &q), Err(err), "{what}");
    }
    // The question matches case-insensitively (some servers echo 0x20-mixed case).
    let upper = response(ID, 0, 0, &QNAME.to_uppercase(), 33);
    assert_eq!(parse_response(&upper, &q), Ok(Answer::Records(vec![])));
}

#[test]
fn every_truncation_is_an_error() {
    let q = srv_query();
    let good = three_records();
    for n in 0..good.len() {
        assert!(parse_response(&good[..n], &q).is_err(), "cut at {n}");
    }
    assert_eq!(parse_response(&good[..11], &q), Err(DnsError::Short));
    assert_eq!(parse_response(&[], &q), Err(DnsError::Short));
}

#[test]
fn bad_pointers() {
    let q = srv_query();
    let at = response(ID, 1, 0, QNAME, 33).len() as u8;
    let cases: Vec<(&str, Vec<u8>, DnsError)> = vec![
        ("to itself", vec![0xC0, at], DnsError::BadPointer),
        ("forward", vec![0xC0, at + 2, 0], DnsError::BadPointer),
        ("past the end", vec![0xC0, 0xFF], DnsError::BadPointer),
        // A label, then a pointer back to that label: a loop.
        (
            "loop through a label",
            vec![1, b'a', 0xC0, at],
            DnsError::BadPointer,
        ),
        ("label type 01", vec![0x40, 0], DnsError::BadLabel),
        ("label type 10", vec![0x80, 0], DnsError::BadLabel),
    ];
    for (what, owner, err) in cases {
        let mut m = response(ID, 1, 0, QNAME, 33);
        m.extend(rr(&owner, 33, &srv_data(0, 0, 1, &[0])));
        assert_eq!(parse_response(&m, &q), Err(err), "{what}");
    }
    // A pointer cut by the end of the message.
    let mut m = response(ID, 1, 0, QNAME, 33);
    m.push(0xC0);
    assert_eq!(parse_response(&m, &q), Err(DnsError::Short));
    // Two pointers at each other (records are 19 bytes): one of them points forward.
    let mut m = response(ID, 2, 0, QNAME, 33);
    let first = m.len() as u8;
    m.extend(rr(&[0xC0, first + 19], 33, &srv_data(0, 0, 1, &[0])));
    m.extend(rr(&[0xC0, first], 33, &srv_data(0, 0, 1, &[0])));
    assert_eq!(parse_response(&m, &q), Err(DnsError::BadPointer));
}

#[test]
fn long_pointer_chains_are_cut() {
    let q = srv_query();
    for (chain, result) in [(MAX_POINTERS - 1, true), (MAX_POINTERS + 5, false)] {
        // A first record of an unknown type whose data is a chain of pointers, each
        // to the one before, the first to the question; the second record's owner is
        // a pointer to the last of the chain.
        let mut m = response(ID, 2, 0, QNAME, 33);
        let data_at = m.len() + 2 + 10;
        let mut data = vec![0xC0, 12];
        for i in 1..chain {
            let prev = data_at + 2 * (i - 1);
            data.extend_from_slice(&[0xC0 | (prev >> 8) as u8, prev as u8]);
        }
        m.extend(rr(&TO_QNAME, 99, &data));
        let last = data_at + 2 * (chain - 1);
        m.extend(rr(
            &[0xC0 | (last >> 8) as u8, last as u8],
            33,
            &srv_data(1, 1, 5222, &wire("x.test")),
        ));
        let got = parse_response(&m, &q);
        if result {
            assert_eq!(got, Ok(Answer::Records(vec![srv(1, 1, 5222, "x.test")])));
        } else {
            assert_eq!(got, Err(DnsError::TooManyPointers));
        }
    }
}

#[test]
fn long_names() {
    let q = srv_query();
    // 4 labels of 63 bytes: 4 * 64 + 1 = 257 > 255.
    let long = vec!["a".repeat(63); 4].join(".");
    let mut m = response(ID, 1, 0, QNAME, 33);
    m.extend(rr(&TO_QNAME, 33, &srv_data(0, 0, 1, &wire(&long))));
    assert_eq!(parse_response(&m, &q), Err(DnsError::NameTooLong));
    // The same through a pointer: a 200-byte name in one record, then 60 more bytes
    // in front of a pointer to it.
    let mut m = response(ID, 2, 0, QNAME, 33);
    let first_target = m.len() + 2 + 10 + 6;
    let name200 = vec!["b".repeat(49); 4].join("."); // 4 * 50 + 1 = 201
    m.extend(rr(&TO_QNAME, 33, &srv_data(0, 0, 1, &wire(&name200))));
    let mut t = vec![59];
    t.extend(std::iter::repeat(b'c').take(59));
    t.extend_from_slice(&[0xC0 | (first_target >> 8) as u8, first_target as u8]);
    m.extend(rr(&TO_QNAME, 33, &srv_data(0, 0, 1, &t)));
    assert_eq!(parse_response(&m, &q), Err(DnsError::NameTooLong));
}

#[test]
fn huge_counts() {
    let q = srv_query();
    assert_eq!(
        parse_response(&response(ID, u16::MAX, 0, QNAME, 33), &q),
        Err(DnsError::TooManyRecords)
    );
    assert_eq!(
        parse_response(&response(ID, MAX_RECORDS as u16, 0, QNAME, 33), &q),
        Err(DnsError::Short)
    );
    // Authority and additional counts are not trusted for anything.
    let mut m = response(ID, 0, 0, QNAME, 33);
    m[8..12].copy_from_slice(&[0xFF; 4]);
    assert_eq!(parse_response(&m, &q), Ok(Answer::Records(vec![])));
}

#[test]
fn bad_record_data() {
    let q = srv_query();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("SRV too short for its numbers", vec![0, 1, 0, 2]),
        ("SRV target ends before the data", {
            let mut d = srv_data(1, 1, 1, &wire("x.test"));
            d.push(0);
            d
        }),
    ];
    for (what, data) in cases {
        let mut m = response(ID, 1, 0, QNAME, 33);
        m.extend(rr(&TO_QNAME, 33, &data));
        assert_eq!(parse_response(&m, &q), Err(DnsError::BadRecord), "{what}");
    }
    // Data running past the message.
    let mut m = response(ID, 1, 0, QNAME, 33);
    let mut r = rr(&TO_QNAME, 33, &srv_data(1, 1, 1, &[0]));
    let n = r.len();
    r[n - 9] = 0xFF; // RDLENGTH high byte
    m.extend(r);
    assert_eq!(parse_response(&m, &q), Err(DnsError::Short));
    // A target running past the data is caught as a misfit too.
    let mut m = response(ID, 1, 0, QNAME, 33);
    m.extend(rr(&TO_QNAME, 33, &srv_data(1, 1, 1, &[3, b'a'])));
    assert!(parse_response(&m, &q).is_err());
}

#[test]
fn odd_records_are_skipped() {
    let q = srv_query();
    let mut m = response(ID, 4, 0, QNAME, 33);
    // A target with bytes no host name has: skipped, not an error.
    m.extend(rr(
        &TO_QNAME,
        33,
        &srv_data(1, 1, 1, b"\x03a\x00b\x04test\x00"),
    ));
    // Another name's SRV record: skipped.
    m.extend(rr(
        &wire("_xmpp-client._tcp.evil.test"),
        33,
        &srv_data(1, 1, 2, &wire("evil.test")),
    ));
    // Another class (CH): skipped.
    let mut ch = rr(&TO_QNAME, 33, &srv_data(1, 1, 3, &wire("ch.test")));
    ch[5] = 3;
    m.extend(ch);
    // An A record in an SRV answer: skipped.
    m.extend(rr(&TO_QNAME, 1, &[127, 0, 0, 1]));
    assert_eq!(parse_response(&m, &q), Ok(Answer::Records(vec![])));
}

#[test]
fn addresses_through_cnames() {
    let q = Query::with_id(ID, "xmpp.example.test", RecordType::A).unwrap();
    let mut m = response(ID, 4, 0, "xmpp.example.test", 1);
    m.extend(rr(&[0xC0, 12], 5, &wire("host.example.test")));
    m.extend(rr(&wire("host.example.test"), 1, &[192, 0, 2, 7]));
    m.extend(rr(&wire("unrelated.test"), 1, &[192, 0, 2, 66]));
    m.extend(rr(&[0xC0, 12], 1, &[192, 0, 2, 8]));
    assert_eq!(
        parse_response(&m, &q),
        Ok(Answer::Records(vec![
            Record::A(Ipv4Addr::new(192, 0, 2, 7)),
            Record::A(Ipv4Addr::new(192, 0, 2, 8)),
        ]))
    );
    // A CNAME loop ends the chain; no error.
    let mut m = response(ID, 2, 0, "xmpp.example.test", 1);
    m.extend(rr(&[0xC0, 12], 5, &wire("b.test")));
    m.extend(rr(&wire("b.test"), 5, &wire("xmpp.example.test")));
    assert_eq!(parse_response(&m, &q), Ok(Answer::Records(vec![])));
    // AAAA, and an A record of the wrong length.
    let q6 = Query::with_id(ID, "v6.test", RecordType::Aaaa).unwrap();
    let mut m = response(ID, 1, 0, "v6.test", 28);
    m.extend(rr(&[0xC0, 12], 28, &Ipv6Addr::LOCALHOST.octets()));
    assert_eq!(
        parse_response(&m, &q6),
        Ok(Answer::Records(vec![Record::Aaaa(Ipv6Addr::LOCALHOST)]))
    );
    let mut m = response(ID, 1, 0, "xmpp.example.test", 1);
    m.extend(rr(&[0xC0, 12], 1, &[1, 2, 3, 4, 5]));
    assert_eq!(parse_response(&m, &q), Err(DnsError::BadRecord));
}

#[test]
fn errors_have_messages() {
    assert_eq!(
        DnsError::ServerFailure(2).to_string(),
        "DNS server failure (RCODE 2)"
    );
    assert!(DnsError::Io(std::io::ErrorKind::ConnectionRefused)
        .to_string()
        .starts_with("DNS socket error: "));
}

/// The body of the `dns_srv` fuzz target (`fuzz/fuzz_targets/dns_srv.rs`): the reader
/// never panics, and what it accepts holds together.
fn fuzz_dns_srv(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let qtype = [RecordType::Srv, RecordType::A, RecordType::Aaaa][usize::from(selector % 3)];
    // As is, with the id the message claims (so that parsing goes past the id check).
    let id = rest
        .get(..2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
    let name = match qtype {
        RecordType::Srv => QNAME,
        _ => "xmpp.example.test",
    };
    let q = Query::with_id(id, name, qtype).unwrap();
    check(parse_response(rest, &q), qtype);
    // After a valid header and question, with `selector` answers claimed.
    let mut msg = q.to_bytes();
    msg[2] |= 0x80;
    msg[7] = selector;
    msg.extend_from_slice(rest);
    check(parse_response(&msg, &q), qtype);
}

fn check(result: Result<Answer, DnsError>, qtype: RecordType) {
    let Ok(Answer::Records(records)) = result else {
        return;
    };
    assert!(records.len() <= MAX_RECORDS);
    for r in records {
        match (r, qtype) {
            (Record::Srv(s), RecordType::Srv) => {
                assert!(s.target.len() <= 253, "{s:?}");
                if !s.target.is_empty() {
                    assert!(
                        s.target.split('.').all(|l| !l.is_empty()
                            && l.len() <= 63
                            && l.bytes().all(|b| b.is_ascii_lowercase()
                                || b.is_ascii_digit()
                                || b == b'-'
                                || b == b'_')),
                        "{s:?}"
                    );
                }
            }
            (Record::A(_), RecordType::A) | (Record::Aaaa(_), RecordType::Aaaa) => {}
            (r, t) => panic!("{r:?} in an answer to {t:?}"),
        }
    }
}

/// A small deterministic PRNG (xorshift64*): the same inputs on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn hostile_inputs_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Hand-picked nasties, through the fuzz body (selector byte first).
    let mut seeds: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        vec![0xFF; 12],
        vec![0xC0; 600],
        [0u8; 12].iter().chain(&[0xC0, 0x00]).copied().collect(),
    ];
    let mut good = three_records();
    good.insert(0, 0); // selector: SRV
    seeds.push(good);
    let mut a = response(ID, 2, 0, "xmpp.example.test", 1);
    a.extend(rr(&[0xC0, 12], 5, &wire("host.example.test")));
    a.extend(rr(&wire("host.example.test"), 1, &[192, 0, 2, 7]));
    a.insert(0, 1); // selector: A
    seeds.push(a);
    // Answer sections alone, for the second half of the fuzz body (selector: count).
    let mut answers = vec![3]; // 3 SRV records
    answers.extend(rr(
        &TO_QNAME,
        33,
        &srv_data(10, 60, 5222, &wire("a.example.test")),
    ));
    answers.extend(rr(
        &TO_QNAME,
        33,
        &srv_data(10, 40, 5223, &[1, b'b', 0xC0, 12 + 13 + 5]),
    ));
    answers.extend(rr(&TO_QNAME, 33, &srv_data(0, 0, 0, &[0])));
    seeds.push(answers);
    let mut answers = vec![4]; // 2 records for an A query (selector 4 % 3 == 1)
    answers.extend(rr(&TO_QNAME, 5, &wire("h.test")));
    answers.extend(rr(&wire("h.test"), 1, &[127, 0, 0, 1]));
    seeds.push(answers);
    for s in &seeds {
        fuzz_dns_srv(s);
    }
    // Mutations of the seeds: flipped, inserted, deleted and overwritten bytes, cuts.
    for _ in 0..10_000 {
        let mut m = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(m.len() + 1);
            let byte = rng.next() as u8;
            match rng.below(6) {
                0 if at < m.len() => m[at] ^= 1 << (byte % 8),
                1 => m.insert(at, byte),
                2 if at < m.len() => {
                    m.remove(at);
                }
                3 if at < m.len() => m[at] = [0, 0xC0, 0x3F, 0xFF, 12][usize::from(byte % 5)],
                4 => m.truncate(at),
                _ => m.extend_from_slice(&[0xC0, byte]),
            }
        }
        fuzz_dns_srv(&m);
    }
    // Random bytes.
    for _ in 0..2000 {
        let len = rng.below(300);
        let m: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        fuzz_dns_srv(&m);
    }
}
