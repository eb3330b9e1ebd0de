use super::*;

const EXEC: &[ChannelProtocol] = &[
    ChannelProtocol::new(V5_CHANNEL, Codec::Binary),
    ChannelProtocol::new(V4_CHANNEL, Codec::Binary),
    ChannelProtocol::new(V4_BASE64_CHANNEL, Codec::Base64),
    ChannelProtocol::new(CHANNEL, Codec::Binary),
    ChannelProtocol::new(BASE64_CHANNEL, Codec::Base64),
    ChannelProtocol::new("", Codec::Binary),
];

#[test]
fn the_clients_first_acceptable_protocol_wins() {
    let asked = requested(["v5.channel.k8s.io", "v4.channel.k8s.io"]);
    assert_eq!(negotiate(&asked, EXEC).unwrap().name, V5_CHANNEL);
    let asked = requested(["SPDY/3.1+portforward.k8s.io, v4.base64.channel.k8s.io"]);
    let chosen = negotiate(&asked, EXEC).unwrap();
    assert_eq!(
        (chosen.name, chosen.codec),
        (V4_BASE64_CHANNEL, Codec::Base64)
    );
    assert_eq!(negotiate(&[], EXEC).unwrap().name, "");
    let asked = requested(["v9.channel.k8s.io"]);
    assert_eq!(negotiate(&asked, EXEC), None);
    assert_eq!(
        refusal(&asked, &EXEC[..2]),
        "requested protocol(s) are not supported: [v9.channel.k8s.io]; supports [v5.channel.k8s.io v4.channel.k8s.io]"
    );
}

#[test]
fn only_v5_has_the_close_signal() {
    assert!(EXEC[0].close_signal);
    assert!(EXEC[1..].iter().all(|p| !p.close_signal));
}

#[test]
fn binary_messages_carry_the_channel_first() {
    assert_eq!(
        encode(Codec::Binary, 1, b"hi"),
        Message::Binary(vec![1, b'h', b'i'])
    );
    assert_eq!(
        decode(&EXEC[1], &[0, b'l', b's'], 5),
        Incoming::Data {
            channel: 0,
            data: b"ls".to_vec()
        }
    );
}

#[test]
fn base64_messages_carry_an_ascii_digit() {
    // wsstream's own example: "foo\n" on channel 0.
    assert_eq!(
        encode(Codec::Base64, 1, b"\n"),
        Message::Text("1Cg==".into())
    );
    assert_eq!(
        decode(&EXEC[2], b"0Zm9vCg==", 5),
        Incoming::Data {
            channel: 0,
            data: b"foo\n".to_vec()
        }
    );
    assert!(matches!(decode(&EXEC[2], b"0!!!", 5), Incoming::Skipped(_)));
}

#[test]
fn the_v5_close_signal_half_closes_a_channel() {
    assert_eq!(
        decode(&EXEC[0], &[255, 0], 5),
        Incoming::Close { channel: 0 }
    );
    assert!(matches!(
        decode(&EXEC[0], &[255, 0, 1], 5),
        Incoming::Fatal(_)
    ));
    assert!(matches!(decode(&EXEC[0], &[255, 9], 5), Incoming::Fatal(_)));
    // Before v5, 255 is just a channel that does not exist.
    assert_eq!(decode(&EXEC[1], &[255, 0], 5), Incoming::Ignored);
}

#[test]
fn empty_messages_and_unknown_channels_are_ignored() {
    assert_eq!(decode(&EXEC[0], &[], 5), Incoming::Ignored);
    assert_eq!(decode(&EXEC[0], &[7, 1, 2], 5), Incoming::Ignored);
}

proptest::proptest! {
    #[test]
    fn decoding_any_message_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..32)) {
        for protocol in EXEC {
            let _ = decode(protocol, &bytes, 5);
        }
    }
}
