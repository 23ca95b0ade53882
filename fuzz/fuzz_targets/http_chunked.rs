#![no_main]
use jaxl_http::chunked::{Chunk, ChunkedDecoder};
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (mut dec, mut rest) = (ChunkedDecoder::default(), data);
    while let Ok(d) = dec.decode(rest) {
        rest = rest.get(d.consumed..).unwrap_or_default();
        if !matches!(d.chunk, Chunk::Data(_)) {
            break;
        }
    }
});
