// cargo run --release --manifest-path benches/xmpp_client/Cargo.toml --bin reader_bench -- --seconds 1
//! Throughput of `jaxl_xmpp::xml::StreamReader` alone (no socket, no TLS, no callbacks) on
//! corpora of realistic stanzas, fed in `--chunk` byte pieces (default 4096, a typical
//! read), every event taken after each piece and the elements dropped.
//!
//! Corpora (each a stream header, a few MB of stanzas, the stream end):
//! * `chat`: chat messages (full JIDs, id, chat state, origin-id) with bodies of 16 to
//!   1,200 bytes, some with escaped characters and non-ASCII text;
//! * `presence`: presence broadcasts with caps (XEP-0115), vCard avatar hash, status,
//!   priority, some with a delay;
//! * `roster`: roster results of 500 items (name, subscription, groups): 50 KB stanzas;
//! * `muc`: MUC history: groupchat messages with delay (XEP-0203) and stanza-id;
//! * `size256`, `size4k`, `size64k`: one chat message shape with the body padded so that
//!   the stanza is 256 B, 4 KiB and 64 KiB: for linear-in-size reading the MB/s of the
//!   three should be about the same.
//!
//! For each corpus, passes over the whole stream are repeated for `--seconds` (default
//! one second; at least 3 passes, at most 10,000); the median pass gives MB/s (10^6
//! bytes) and stanzas/s, the fastest pass `best_mb_per_s` (steadier on a busy machine).
//! `floor_mb_per_s` is quick-xml's own tokenizer over the same bytes in one slice (events
//! only, no namespaces, no tree): what reading costs at least. `allocs_per_stanza` counts
//! heap allocations (and reallocations) per stanza in one pass; the counting allocator
//! costs a load and a store per allocation. `--corpus NAME` runs one corpus only (for
//! profiling).
//!
//! Prints one line per corpus, `READER corpus=.. stanzas=.. bytes=.. avg_stanza_b=..
//! mb_per_s=.. stanzas_per_s=.. best_mb_per_s=.. floor_mb_per_s=.. allocs_per_stanza=..`,
//! then `READER linearity mb_per_s_64k_over_256=.. best_mb_per_s_64k_over_256=..`.

use jaxl_xmpp::xml::{Config, StreamEvent, StreamReader};
use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};
use xmpp_client_bench::{arg, num_arg};

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' id='a5f2c9' from='example.org' \
    to='alice@example.org' version='1.0' xml:lang='en'>";
const TEXT: &str = "Are we still on for tomorrow? I'll bring the slides & the notes <3. \
    Rendez-vous à 10h au café, d'accord? 👍 The build is green again, ship it. ";
/// Stream bytes of stanzas per corpus (the stanzas are repeated up to this).
const TARGET: usize = 4 << 20;

/// The system allocator, counting allocations (a plain load and store: this program
/// has one thread, so the count costs a few cycles, not an atomic read-modify-write).
struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.store(ALLOCS.load(Relaxed) + 1, Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.store(ALLOCS.load(Relaxed) + 1, Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
}

/// `n` bytes (or a little more) of escaped body text, cut on a character boundary.
fn body(n: usize) -> String {
    let mut s = String::new();
    while s.len() < n {
        s.push_str(TEXT);
    }
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    escape(&s[..end])
}

fn chat(i: usize, body_len: usize) -> String {
    format!(
        "<message from='bob@example.org/phone-{r}' to='alice@example.org/laptop' type='chat' \
         id='msg-{i:08x}' xml:lang='en'><body>{b}</body>\
         <active xmlns='http://jabber.org/protocol/chatstates'/>\
         <origin-id xmlns='urn:xmpp:sid:0' id='6d1f{i:08x}-0c1e-4b4f-9a3e-2f0e'/></message>",
        r = i % 3,
        b = body(body_len)
    )
}

fn presence(i: usize) -> String {
    let delay = if i.is_multiple_of(4) {
        "<delay xmlns='urn:xmpp:delay' from='example.org' stamp='2024-05-01T12:34:56.789Z'/>"
    } else {
        ""
    };
    format!(
        "<presence from='contact{i}@example.net/Conversations.{i:04x}' to='alice@example.org/laptop' \
         id='p{i}'><show>away</show><status>In a meeting until 3pm</status><priority>5</priority>\
         <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://conversations.im' \
         ver='{v}'/><x xmlns='vcard-temp:x:update'><photo>2f4c1e8a9b3d7c6e5f4a3b2c1d0e9f8a7b6c5d4e</photo></x>\
         {delay}</presence>",
        v = if i.is_multiple_of(2) { "q07IKJEyjvHSyhy//CH0CxmKi8w=" } else { "IfQwbaaDB4LEP5tkGArEaB/3Y+s=" }
    )
}

fn roster(i: usize) -> String {
    let mut s = format!(
        "<iq to='alice@example.org/laptop' type='result' id='roster-{i}'><query xmlns='jabber:iq:roster' ver='ver{i}'>"
    );
    for k in 0..500 {
        let groups = match k % 3 {
            0 => "<group>Friends</group>",
            1 => "<group>Work</group><group>Project X</group>",
            _ => "",
        };
        let sub = ["both", "to", "from", "none"][k % 4];
        write!(
            s,
            "<item jid='contact{k}@example.net' name='Contact {k} Müller' subscription='{sub}'>{groups}</item>"
        )
        .unwrap();
    }
    s.push_str("</query></iq>");
    s
}

fn muc(i: usize) -> String {
    format!(
        "<message from='room@conference.example.org/nick{n}' to='alice@example.org/laptop' \
         type='groupchat' id='muc-{i:08x}'><body>{b}</body>\
         <delay xmlns='urn:xmpp:delay' from='room@conference.example.org' stamp='2024-05-01T12:{m:02}:{sec:02}.123Z'/>\
         <stanza-id xmlns='urn:xmpp:sid:0' id='c2b1{i:08x}-7b8d-4c0a' by='room@conference.example.org'/></message>",
        n = i % 17,
        b = body([40, 120, 300][i % 3]),
        m = i % 60,
        sec = (i * 7) % 60
    )
}

/// A plain chat message (JIDs, type, id, body) of `size` bytes, give or take a character.
fn sized(i: usize, size: usize) -> String {
    let make = |n: usize| {
        format!(
            "<message from='bob@example.org/phone' to='alice@example.org/laptop' type='chat' \
             id='m{i:08x}'><body>{}</body></message>",
            body(n)
        )
    };
    // Escaping makes the body longer than asked: shrink it until the stanza fits.
    let mut n = size.saturating_sub(make(0).len());
    let mut s = make(n);
    while s.len() > size && n > 0 {
        n -= (s.len() - size).min(n);
        s = make(n);
    }
    s
}

/// Makes the `i`th stanza of a corpus.
type Maker = Box<dyn Fn(usize) -> String>;

/// A stream of stanzas made by `make` until `TARGET` bytes; returns it and the count.
fn corpus(make: impl Fn(usize) -> String) -> (Vec<u8>, usize) {
    let mut out = String::from(HEADER);
    let mut n = 0;
    while out.len() < TARGET {
        out.push_str(&make(n));
        n += 1;
    }
    out.push_str("</stream:stream>");
    (out.into_bytes(), n)
}

/// One pass of the reader over `data` in `chunk`-byte pieces; returns the stanza count.
fn read_pass(data: &[u8], chunk: usize) -> usize {
    let mut r = StreamReader::new(Config::default());
    let mut stanzas = 0;
    for piece in data.chunks(chunk) {
        r.feed(piece);
        loop {
            match r.next_event() {
                Ok(Some(StreamEvent::Stanza(el))) => {
                    stanzas += 1;
                    std::hint::black_box(el);
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => panic!("reader: {}", e.message()),
            }
        }
    }
    stanzas
}

/// quick-xml's tokenizer over the whole slice: the floor.
fn floor_pass(data: &[u8]) -> usize {
    let mut r = quick_xml::Reader::from_reader(data);
    let mut events = 0;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(ev) => {
                events += 1;
                std::hint::black_box(ev);
            }
            Err(e) => panic!("quick-xml: {e}"),
        }
    }
    events
}

/// (median, fastest) seconds per pass of `f`, repeated for `budget` (3 to 10,000 passes).
fn time(budget: Duration, mut f: impl FnMut()) -> (f64, f64) {
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < 3 || (start.elapsed() < budget && times.len() < 10_000) {
        let t = Instant::now();
        f();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[0])
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let chunk = num_arg(&args, "--chunk", 4096) as usize;
    let secs: f64 = arg(&args, "--seconds").map_or(1.0, |s| s.parse().expect("--seconds"));
    let budget = Duration::from_secs_f64(secs);
    // `--corpus NAME`: that corpus only (for profiling).
    let only = arg(&args, "--corpus");
    let corpora: Vec<(&str, Maker)> = vec![
        (
            "chat",
            Box::new(|i| chat(i, [16, 60, 140, 400, 1200][i % 5])),
        ),
        ("presence", Box::new(presence)),
        ("roster", Box::new(roster)),
        ("muc", Box::new(muc)),
        ("size256", Box::new(|i| sized(i, 256))),
        ("size4k", Box::new(|i| sized(i, 4096))),
        ("size64k", Box::new(|i| sized(i, 65536))),
    ];
    let mut sized_rates = Vec::new();
    for (name, make) in &corpora {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        let (data, n) = corpus(make);
        let a0 = ALLOCS.load(Relaxed);
        assert_eq!(read_pass(&data, chunk), n, "{name}: stanza count");
        let allocs = (ALLOCS.load(Relaxed) - a0) as f64 / n as f64;
        let (t, best) = time(budget, || {
            std::hint::black_box(read_pass(&data, chunk));
        });
        let (tf, _) = time(budget / 2, || {
            std::hint::black_box(floor_pass(&data));
        });
        let mbps = data.len() as f64 / t / 1e6;
        let best_mbps = data.len() as f64 / best / 1e6;
        println!(
            "READER corpus={name} stanzas={n} bytes={} avg_stanza_b={} mb_per_s={mbps:.1} stanzas_per_s={:.0} best_mb_per_s={best_mbps:.1} floor_mb_per_s={:.1} allocs_per_stanza={allocs:.1}",
            data.len(),
            (data.len() - HEADER.len()) / n,
            n as f64 / t,
            data.len() as f64 / tf / 1e6
        );
        if name.starts_with("size") {
            sized_rates.push((mbps, best_mbps));
        }
    }
    if let [a, .., c] = sized_rates[..] {
        println!(
            "READER linearity mb_per_s_64k_over_256={:.2} best_mb_per_s_64k_over_256={:.2}",
            c.0 / a.0,
            c.1 / a.1
        );
    }
}
