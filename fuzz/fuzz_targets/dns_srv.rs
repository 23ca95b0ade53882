//! DNS responses from a hostile server: the reader errors, never panics, never loops,
//! and what it accepts holds together (records of the queried type, host-name targets).
//! The same body runs as a plain test over mutated packets in
//! `xmpp/src/dns/tests.rs` (`hostile_inputs_never_panic`).
#![no_main]

use jaxl_xmpp::dns::{parse_response, Answer, Query, Record, RecordType, MAX_RECORDS};
use libfuzzer_sys::fuzz_target;

fn check(result: Result<Answer, jaxl_xmpp::dns::DnsError>, qtype: RecordType) {
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

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let qtype = [RecordType::Srv, RecordType::A, RecordType::Aaaa][usize::from(selector % 3)];
    let name = match qtype {
        RecordType::Srv => "_xmpp-client._tcp.example.test",
        _ => "xmpp.example.test",
    };
    // As is, with the id the message claims (so that parsing goes past the id check).
    let id = rest
        .get(..2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
    let q = Query::with_id(id, name, qtype).expect("a valid name");
    check(parse_response(rest, &q), qtype);
    // After a valid header and question, with `selector` answers claimed.
    let mut msg = q.to_bytes();
    msg[2] |= 0x80;
    msg[7] = selector;
    msg.extend_from_slice(rest);
    check(parse_response(&msg, &q), qtype);
});
