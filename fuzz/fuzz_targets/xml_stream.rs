//! Feeds arbitrary bytes to the XMPP stream reader, split at a point the
//! fuzzer chooses, and checks that:
//! - the reader never panics;
//! - the split does not change the events or the error;
//! - every stanza read, written back, parses to an equal element, both
//!   standalone and inside a stream.
#![no_main]

use jaxl_xmpp::xml::{Config, StreamEvent, StreamHeader, StreamReader, XmlError};
use jaxl_xmpp::Element;
use libfuzzer_sys::fuzz_target;

fn read(chunks: &[&[u8]], config: &Config) -> (Vec<StreamEvent>, Option<XmlError>) {
    let mut reader = StreamReader::new(config.clone());
    let mut events = Vec::new();
    for chunk in chunks {
        reader.feed(chunk);
        loop {
            match reader.next_event() {
                Ok(Some(e)) => events.push(e),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
    }
    (events, None)
}

/// Limits loose enough for anything the default limits accepted, once
/// written back (the writer may add namespace declarations and escapes).
fn loose() -> Config {
    let mut c = Config::default();
    c.max_stanza_bytes = 64 << 20;
    c.max_attributes = 1024;
    c.max_namespace_bindings = 1 << 16;
    c
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let split = usize::from(selector) * input.len() / 256;
    let (a, b) = input.split_at(split);
    let config = Config::default();
    let whole = read(&[input], &config);
    let parts = read(&[a, b], &config);
    assert_eq!(whole, parts, "split at {split}");

    let loose = loose();
    let mut default_ns = String::new();
    let mut stream = Vec::new();
    let mut expected = Vec::new();
    for event in &whole.0 {
        match event {
            StreamEvent::Header(h) => {
                default_ns = h.default_ns.clone();
                stream = StreamHeader::new(default_ns.clone()).to_bytes();
            }
            StreamEvent::Stanza(el) => {
                let text = el.to_string();
                assert_eq!(
                    Element::parse_with(&text, &loose).as_ref(),
                    Ok(el),
                    "{text}"
                );
                el.write_to_in_ns(&mut stream, &default_ns);
                expected.push(el);
            }
            StreamEvent::End => {}
        }
    }
    if !stream.is_empty() {
        let (again, err) = read(&[&stream], &loose);
        assert_eq!(err, None, "{}", String::from_utf8_lossy(&stream));
        let stanzas: Vec<&Element> = again
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Stanza(el) => Some(el),
                _ => None,
            })
            .collect();
        assert_eq!(stanzas, expected);
    }
});
