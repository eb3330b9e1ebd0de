use super::*;

/// Two header blocks that Python's zlib (the reference C zlib) compressed in one stream primed
/// with the SPDY/3 dictionary, as Go's framer does: `streamtype: error`, then `streamtype: stdout`.
const ZLIB_BLOCK_1: &str = "78f9e3c6a7c202a62346703a2b294a4dcc851625aca9a08006000000ffff";
const ZLIB_BLOCK_2: &str = "c22a054ccc29f9a52500000000ffff";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn the_dictionary_is_the_spdy3_one() {
    let dictionary = dictionary();
    assert_eq!(dictionary.len(), 1423);
    assert_eq!(&dictionary[..11], b"\0\0\0\x07options");
    assert!(dictionary.ends_with(b",enq=0."));
}

#[test]
fn blocks_from_the_reference_zlib_decompress_in_sequence() {
    let mut decompressor = HeaderDecompressor::new();
    let first = decompressor.decompress(&unhex(ZLIB_BLOCK_1)).unwrap();
    assert_eq!(first.get("streamType"), Some("error"));
    let second = decompressor.decompress(&unhex(ZLIB_BLOCK_2)).unwrap();
    assert_eq!(second.get("streamtype"), Some("stdout"));
}

#[test]
fn the_stream_names_the_dictionary_by_its_adler32() {
    let mut compressor = HeaderCompressor::new();
    let block = compressor.compress(&Headers::new().with("streamtype", "error"));
    // zlib header with FDICT, then the dictionary's Adler-32 (as in the reference stream).
    assert_eq!(&block[2..6], &unhex(ZLIB_BLOCK_1)[2..6]);
    assert!(block.ends_with(&[0, 0, 0xff, 0xff]), "sync flush");
}

#[test]
fn compressed_blocks_round_trip_through_one_session_context() {
    let mut compressor = HeaderCompressor::new();
    let mut decompressor = HeaderDecompressor::new();
    for i in 0..20 {
        let headers = Headers::new()
            .with("streamtype", "data")
            .with("port", &format!("{}", 8000 + i))
            .with("requestid", &i.to_string());
        let block = compressor.compress(&headers);
        assert_eq!(decompressor.decompress(&block).unwrap(), headers);
    }
    let empty = compressor.compress(&Headers::new());
    assert!(decompressor.decompress(&empty).unwrap().is_empty());
}

#[test]
fn several_values_travel_nul_separated() {
    let headers = Headers::new().with("x", "a").with("x", "b");
    let block = encode_block(&headers);
    assert_eq!(block, b"\0\0\0\x01\0\0\0\x01x\0\0\0\x03a\0b");
    assert_eq!(decode_block(&block).unwrap(), headers);
}

#[test]
fn malformed_blocks_are_refused() {
    assert_eq!(decode_block(b"\0\0\0\x01\0\0"), Err(HeaderError::Truncated));
    assert_eq!(
        decode_block(b"\0\0\0\x01\0\0\0\x01X\0\0\0\0"),
        Err(HeaderError::NotLowercase("X".into()))
    );
    assert_eq!(
        decode_block(b"\0\0\0\x02\0\0\0\x01x\0\0\0\0\0\0\0\x01x\0\0\0\0"),
        Err(HeaderError::Duplicate("x".into()))
    );
    assert_eq!(
        decode_block(b"\xff\xff\xff\xff"),
        Err(HeaderError::Truncated)
    );
    let mut decompressor = HeaderDecompressor::new();
    assert!(matches!(
        decompressor.decompress(b"not zlib at all"),
        Err(HeaderError::Compression(_))
    ));
}

#[test]
fn a_zlib_bomb_stops_at_the_limit() {
    // 4 MiB of zeros compress to a few KiB; the decompressor stops at 1 MiB.
    let mut zlib = flate2::Compress::new(flate2::Compression::best(), true);
    zlib.set_dictionary(&dictionary()).unwrap();
    let zeros = vec![0u8; 4 << 20];
    let mut out = Vec::with_capacity(64 << 10);
    zlib.compress_vec(&zeros, &mut out, flate2::FlushCompress::Sync)
        .unwrap();
    let mut decompressor = HeaderDecompressor::new();
    assert_eq!(decompressor.decompress(&out), Err(HeaderError::TooLarge));
}

proptest::proptest! {
    #[test]
    fn decoding_any_block_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
        let _ = decode_block(&bytes);
        let _ = HeaderDecompressor::new().decompress(&bytes);
    }
}
