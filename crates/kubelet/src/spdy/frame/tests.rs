use super::*;

fn round_trip(frame: Frame) {
    let mut bytes = Vec::new();
    encode(&frame, &mut bytes);
    let (decoded, used) = decode(&bytes, MAX_PAYLOAD).unwrap().unwrap();
    assert_eq!(used, bytes.len());
    assert_eq!(decoded, frame);
}

#[test]
fn every_frame_type_round_trips() {
    round_trip(Frame::Data {
        stream_id: 7,
        fin: true,
        data: b"hello".to_vec(),
    });
    round_trip(Frame::SynStream {
        stream_id: 1,
        associated_to: 0,
        priority: 7,
        slot: 0,
        fin: false,
        unidirectional: true,
        header_block: vec![1, 2, 3],
    });
    round_trip(Frame::SynReply {
        stream_id: 3,
        fin: true,
        header_block: vec![9],
    });
    round_trip(Frame::Headers {
        stream_id: 3,
        fin: false,
        header_block: vec![],
    });
    round_trip(Frame::RstStream {
        stream_id: 5,
        status: RstStatus::Cancel,
    });
    round_trip(Frame::Settings {
        clear: true,
        entries: vec![Setting {
            flags: 1,
            id: 7,
            value: 65536,
        }],
    });
    round_trip(Frame::Ping { id: 1 });
    round_trip(Frame::GoAway {
        last_good_stream_id: 9,
        status: 0,
    });
    round_trip(Frame::WindowUpdate {
        stream_id: 1,
        delta: 1024,
    });
}

#[test]
fn control_frames_are_laid_out_as_spdy3_says() {
    let mut bytes = Vec::new();
    encode(&Frame::Ping { id: 0x0102_0304 }, &mut bytes);
    // C bit, version 3, type 6; flags 0, length 4; the id.
    assert_eq!(bytes, [0x80, 0x03, 0x00, 0x06, 0, 0, 0, 4, 1, 2, 3, 4]);
    let mut bytes = Vec::new();
    encode(
        &Frame::Data {
            stream_id: 1,
            fin: true,
            data: b"x".to_vec(),
        },
        &mut bytes,
    );
    assert_eq!(bytes, [0, 0, 0, 1, 0x01, 0, 0, 1, b'x']);
}

#[test]
fn a_partial_frame_asks_for_more_bytes() {
    let mut bytes = Vec::new();
    encode(
        &Frame::Data {
            stream_id: 1,
            fin: false,
            data: vec![0; 100],
        },
        &mut bytes,
    );
    for cut in 0..bytes.len() {
        assert_eq!(decode(&bytes[..cut], MAX_PAYLOAD), Ok(None), "cut at {cut}");
    }
}

#[test]
fn malformed_frames_are_refused_with_a_reason() {
    // Version 2.
    let v2 = [0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1];
    assert_eq!(
        decode(&v2, MAX_PAYLOAD),
        Err(FrameError::UnsupportedVersion(2))
    );
    // RST_STREAM of 4 bytes.
    let short_rst = [0x80, 0x03, 0x00, 0x03, 0, 0, 0, 4, 0, 0, 0, 1];
    assert_eq!(
        decode(&short_rst, MAX_PAYLOAD),
        Err(FrameError::InvalidLength {
            frame: "RST_STREAM",
            length: 4
        })
    );
    // RST_STREAM with status 0.
    let zero = [0x80, 0x03, 0x00, 0x03, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0];
    assert_eq!(decode(&zero, MAX_PAYLOAD), Err(FrameError::ZeroStatus));
    // Data on stream 0.
    let data0 = [0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        decode(&data0, MAX_PAYLOAD),
        Err(FrameError::ZeroStreamId("DATA"))
    );
    // SETTINGS whose count does not match its length.
    let settings = [0x80, 0x03, 0x00, 0x04, 0, 0, 0, 4, 0, 0, 0, 9];
    assert!(matches!(
        decode(&settings, MAX_PAYLOAD),
        Err(FrameError::InvalidLength {
            frame: "SETTINGS",
            ..
        })
    ));
    // A frame over the receiver's limit is refused from its header alone.
    let big = [0, 0, 0, 1, 0, 0x10, 0, 0];
    assert_eq!(
        decode(&big, 1024),
        Err(FrameError::TooLarge {
            length: 0x100000,
            limit: 1024
        })
    );
}

#[test]
fn unknown_control_frames_are_skipped_whole() {
    let bytes = [
        0x80, 0x03, 0x00, 0x0a, 0, 0, 0, 2, 0xaa, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0,
    ];
    let (frame, used) = decode(&bytes, MAX_PAYLOAD).unwrap().unwrap();
    assert_eq!(frame, Frame::UnknownControl { frame_type: 10 });
    assert_eq!(used, 10);
}

proptest::proptest! {
    #[test]
    fn decoding_any_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
        let _ = decode(&bytes, MAX_PAYLOAD);
    }

    #[test]
    fn data_frames_round_trip(stream_id in 1u32..0x7fff_ffff, fin: bool, data in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
        let frame = Frame::Data { stream_id, fin, data };
        let mut bytes = Vec::new();
        encode(&frame, &mut bytes);
        proptest::prop_assert_eq!(decode(&bytes, MAX_PAYLOAD).unwrap().unwrap().0, frame);
    }
}
