use super::*;

/// Decode a whole input, feeding it in pieces of `step` bytes like a socket would.
fn decode_all(input: &[u8], step: usize) -> Result<(Vec<u8>, usize), ChunkedError> {
    let mut dec = ChunkedDecoder::default();
    let mut body = Vec::new();
    let mut buffered: Vec<u8> = Vec::new();
    let mut fed = 0usize;
    let mut total_consumed = 0usize;
    loop {
        let d = dec.decode(&buffered)?;
        if let Chunk::Data(r) = &d.chunk {
            body.extend_from_slice(&buffered[r.clone()]);
        }
        buffered.drain(..d.consumed);
        total_consumed += d.consumed;
        match d.chunk {
            Chunk::End => return Ok((body, total_consumed)),
            Chunk::Data(_) => continue,
            Chunk::Partial => {
                if fed >= input.len() {
                    return Err(ChunkedError::InvalidLineEnding);
                }
                let end = (fed + step).min(input.len());
                buffered.extend_from_slice(&input[fed..end]);
                fed = end;
            }
        }
    }
}

#[test]
fn decodes_in_any_split() {
    let input = b"4\r\nWiki\r\n5;name=val\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\nNEXT";
    for step in 1..input.len() {
        let (body, consumed) = decode_all(input, step).unwrap();
        assert_eq!(body, b"Wikipedia in\r\n\r\nchunks.");
        assert_eq!(&input[consumed..], b"NEXT");
    }
}

#[test]
fn malformed_table() {
    let table: &[(&str, &[u8], ChunkedError)] = &[
        ("no digits", b"\r\n", ChunkedError::InvalidSize),
        ("non-hex", b"g\r\n", ChunkedError::InvalidSize),
        ("sign", b"-1\r\n", ChunkedError::InvalidSize),
        ("0x prefix", b"0x5\r\n", ChunkedError::InvalidSize),
        (
            "overflow",
            b"10000000000000000\r\n",
            ChunkedError::SizeOverflow,
        ),
        (
            "bare LF size",
            b"5\nhello\r\n0\r\n\r\n",
            ChunkedError::InvalidSize,
        ),
        ("bare CR size", b"5\rhello", ChunkedError::InvalidLineEnding),
        (
            "data not followed by CRLF",
            b"5\r\nhelloXX",
            ChunkedError::InvalidLineEnding,
        ),
        (
            "data LF only",
            b"5\r\nhello\n0\r\n\r\n",
            ChunkedError::InvalidLineEnding,
        ),
        ("ctl in ext", b"5;a\x01b\r\n", ChunkedError::InvalidByte),
        ("LF in ext", b"5;a\n", ChunkedError::InvalidLineEnding),
        (
            "trailer without colon",
            b"0\r\nbad trailer\r\n\r\n",
            ChunkedError::InvalidTrailer,
        ),
        (
            "trailer obs-fold",
            b"0\r\nA: b\r\n c\r\n\r\n",
            ChunkedError::InvalidTrailer,
        ),
        (
            "trailer bare LF",
            b"0\r\nA: b\n\r\n",
            ChunkedError::InvalidLineEnding,
        ),
        ("end bare CR", b"0\r\n\rX", ChunkedError::InvalidLineEnding),
    ];
    for (name, input, want) in table {
        assert_eq!(
            decode_all(input, input.len()).unwrap_err(),
            *want,
            "case {name:?}"
        );
    }
}

#[test]
fn max_size_is_accepted() {
    let mut dec = ChunkedDecoder::default();
    let d = dec.decode(b"ffffffffffffffff\r\nab").unwrap();
    assert_eq!(d.chunk, Chunk::Data(18..20));
}

#[test]
fn limits() {
    let mut dec = ChunkedDecoder::new(ChunkedLimits {
        max_size_line: 8,
        max_trailer_bytes: 8,
    });
    assert_eq!(
        dec.decode(b"5;aaaaaaaaaa").unwrap_err(),
        ChunkedError::SizeLineTooLong
    );
    // Failure is sticky.
    assert_eq!(
        dec.decode(b"0\r\n\r\n").unwrap_err(),
        ChunkedError::SizeLineTooLong
    );
    dec.reset();
    assert_eq!(
        dec.decode(b"0\r\nAAAAAAAA: b\r\n\r\n").unwrap_err(),
        ChunkedError::TrailersTooLarge
    );
    // Leading zeros are fine but bounded by the line limit.
    dec.reset();
    assert_eq!(
        dec.decode(b"000000000001\r\n").unwrap_err(),
        ChunkedError::SizeLineTooLong
    );
}

#[test]
fn encoder() {
    let mut out = Vec::new();
    encode_chunk(b"hello", &mut out);
    encode_chunk(b"", &mut out);
    encode_chunk(&[b'x'; 300], &mut out);
    out.extend_from_slice(LAST_CHUNK);
    let (body, consumed) = decode_all(&out, 7).unwrap();
    assert_eq!(consumed, out.len());
    assert_eq!(&body[..5], b"hello");
    assert_eq!(body.len(), 305);
    assert!(out.starts_with(b"5\r\nhello\r\n12c\r\n"));
    let (line, n) = chunk_size_line(usize::MAX);
    assert_eq!(&line[..n], b"ffffffffffffffff\r\n");
    let (line, n) = chunk_size_line(16);
    assert_eq!(&line[..n], b"10\r\n");
}

/// Deterministic pseudo-random inputs built from chunked-ish tokens: the decoder
/// never panics, data ranges stay inside the input and consumption is bounded.
#[test]
fn random_inputs_never_panic() {
    let tokens: &[&[u8]] = &[
        b"0",
        b"5",
        b"f",
        b"\r",
        b"\n",
        b"\r\n",
        b";x=y",
        b"hello",
        b" ",
        b":",
        b"A",
        b"\x00",
        b"ffffffffffffffffff",
    ];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..20_000 {
        let mut input = Vec::new();
        let n = (seed % 12) as usize;
        for _ in 0..n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            input.extend_from_slice(tokens[(seed % tokens.len() as u64) as usize]);
        }
        let mut dec = ChunkedDecoder::default();
        let mut rest = &input[..];
        while let Ok(d) = dec.decode(rest) {
            assert!(d.consumed <= rest.len());
            if let Chunk::Data(r) = &d.chunk {
                assert!(r.end <= d.consumed && r.start < r.end);
            }
            rest = &rest[d.consumed..];
            if !matches!(d.chunk, Chunk::Data(_)) {
                break;
            }
        }
    }
}

#[test]
fn trailers_are_kept_when_asked() {
    let body = b"3\r\nabc\r\n0\r\nX-Sum: 42 \r\nETag:\"x\"\r\n\r\n";
    let mut dec = ChunkedDecoder::default();
    dec.keep_trailers();
    // One byte at a time: trailers split across calls are still whole.
    let mut end = false;
    for b in body.chunks(1) {
        let d = dec.decode(b).unwrap();
        assert_eq!(d.consumed, 1);
        end = d.chunk == Chunk::End;
    }
    assert!(end);
    let t: Vec<(&[u8], &[u8])> = dec.trailer_fields().collect();
    assert_eq!(t, vec![(&b"X-Sum"[..], &b"42"[..]), (b"ETag", b"\"x\"")]);
    // Not kept by default.
    let mut dec = ChunkedDecoder::default();
    dec.decode(body).unwrap();
    assert_eq!(dec.trailer_fields().count(), 0);
}
