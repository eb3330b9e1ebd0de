use super::*;

fn stream_headers(kind: &str) -> Headers {
    Headers::new().with("streamtype", kind)
}

/// Moves everything `from` has to send into `to`, returning `to`'s events.
fn deliver(from: &mut Session, to: &mut Session) -> Vec<Event> {
    let bytes = from.take_output();
    to.receive(&bytes).unwrap()
}

#[test]
fn a_client_stream_is_opened_replied_written_and_finished() {
    let mut client = Session::client();
    let mut server = Session::server();
    let id = client.open_stream(&stream_headers("stdout"), false);
    assert_eq!(id, 1);
    let events = deliver(&mut client, &mut server);
    assert_eq!(
        events,
        vec![Event::StreamOpened {
            stream_id: 1,
            headers: stream_headers("stdout"),
            fin: false
        }]
    );
    server.reply(1, &Headers::new()).unwrap();
    server.send_data(1, b"hello", true).unwrap();
    let events = deliver(&mut server, &mut client);
    assert_eq!(
        events,
        vec![
            Event::Replied {
                stream_id: 1,
                headers: Headers::new()
            },
            Event::Data {
                stream_id: 1,
                data: b"hello".to_vec()
            },
            Event::RemoteFinished { stream_id: 1 },
        ]
    );
    assert!(server.is_open(1), "half-closed: the client may still send");
    client.send_data(1, b"", true).unwrap();
    let events = deliver(&mut client, &mut server);
    assert_eq!(events, vec![Event::RemoteFinished { stream_id: 1 }]);
    assert!(!server.is_open(1), "closed both ways");
    assert_eq!(
        server.send_data(1, b"late", false),
        Err(SessionError::UnknownStream(1))
    );
}

#[test]
fn frames_split_anywhere_are_reassembled() {
    let mut client = Session::client();
    let mut server = Session::server();
    for kind in ["error", "stdin", "stdout", "stderr", "resize"] {
        client.open_stream(&stream_headers(kind), false);
    }
    let bytes = client.take_output();
    let mut events = Vec::new();
    for byte in bytes {
        events.extend(server.receive(&[byte]).unwrap());
    }
    let kinds: Vec<String> = events
        .iter()
        .map(|e| match e {
            Event::StreamOpened { headers, .. } => headers.get("streamtype").unwrap().to_string(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["error", "stdin", "stdout", "stderr", "resize"]);
}

#[test]
fn large_writes_are_split_into_frames() {
    let mut client = Session::client();
    let mut server = Session::server();
    client.open_stream(&stream_headers("stdout"), false);
    deliver(&mut client, &mut server);
    server.reply(1, &Headers::new()).unwrap();
    let payload: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    server.send_data(1, &payload, false).unwrap();
    let events = deliver(&mut server, &mut client);
    let chunks: Vec<&[u8]> = events
        .iter()
        .filter_map(|e| match e {
            Event::Data { data, .. } => Some(data.as_slice()),
            _ => None,
        })
        .collect();
    assert_eq!(chunks.len(), 4);
    assert!(chunks.iter().all(|c| c.len() <= MAX_DATA_CHUNK));
    assert_eq!(chunks.concat(), payload);
}

#[test]
fn pings_from_the_peer_are_echoed_and_ours_reported() {
    let mut client = Session::client();
    let mut server = Session::server();
    let id = client.ping();
    assert_eq!(id, 1);
    assert!(deliver(&mut client, &mut server).is_empty());
    assert_eq!(
        deliver(&mut server, &mut client),
        vec![Event::PingAnswered { id: 1 }]
    );
    let id = server.ping();
    assert_eq!(id, 2);
    deliver(&mut server, &mut client);
    assert_eq!(
        deliver(&mut client, &mut server),
        vec![Event::PingAnswered { id: 2 }]
    );
}

#[test]
fn a_stream_id_going_backwards_or_of_the_wrong_parity_is_reset() {
    for (stream_id, last_remote) in [(1, 3), (4, 0)] {
        let mut forger = Session::client();
        let mut bytes = Vec::new();
        frame::encode(
            &Frame::SynStream {
                stream_id,
                associated_to: 0,
                priority: 0,
                slot: 0,
                fin: false,
                unidirectional: false,
                header_block: forger.compressor.compress(&stream_headers("data")),
            },
            &mut bytes,
        );
        let mut server = Session::server();
        server.last_remote_stream = last_remote;
        assert!(server.receive(&bytes).unwrap().is_empty());
        let answer = server.take_output();
        let (rst, _) = frame::decode(&answer, usize::MAX).unwrap().unwrap();
        assert_eq!(
            rst,
            Frame::RstStream {
                stream_id,
                status: RstStatus::ProtocolError
            }
        );
    }
}

#[test]
fn reset_and_go_away_end_streams_as_kubernetes_closes_a_connection() {
    let mut client = Session::client();
    let mut server = Session::server();
    client.open_stream(&stream_headers("error"), false);
    client.open_stream(&stream_headers("stdout"), false);
    deliver(&mut client, &mut server);
    server.reset_all();
    server.go_away();
    let events = deliver(&mut server, &mut client);
    assert_eq!(
        events,
        vec![
            Event::Reset {
                stream_id: 1,
                status: RstStatus::Cancel
            },
            Event::Reset {
                stream_id: 3,
                status: RstStatus::Cancel
            },
            Event::GoAway {
                last_good_stream_id: 3
            },
        ]
    );
    assert_eq!(server.open_streams(), 0);
    // After GOAWAY new streams are ignored.
    client.open_stream(&stream_headers("stdin"), false);
    assert!(deliver(&mut client, &mut server).is_empty());
}

#[test]
fn data_for_unknown_streams_and_flow_control_frames_are_ignored() {
    let mut server = Session::server();
    let mut bytes = Vec::new();
    frame::encode(
        &Frame::Data {
            stream_id: 9,
            fin: false,
            data: b"x".to_vec(),
        },
        &mut bytes,
    );
    frame::encode(
        &Frame::WindowUpdate {
            stream_id: 9,
            delta: 10,
        },
        &mut bytes,
    );
    frame::encode(
        &Frame::Settings {
            clear: false,
            entries: vec![],
        },
        &mut bytes,
    );
    assert!(server.receive(&bytes).unwrap().is_empty());
    assert!(server.take_output().is_empty());
}

#[test]
fn a_corrupt_header_block_fails_the_session() {
    let mut server = Session::server();
    let mut bytes = Vec::new();
    frame::encode(
        &Frame::SynStream {
            stream_id: 1,
            associated_to: 0,
            priority: 0,
            slot: 0,
            fin: false,
            unidirectional: false,
            header_block: b"garbage".to_vec(),
        },
        &mut bytes,
    );
    assert!(matches!(
        server.receive(&bytes),
        Err(SessionError::Headers(HeaderError::Compression(_)))
    ));
}

proptest::proptest! {
    #[test]
    fn receiving_any_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
        let mut server = Session::server();
        let _ = server.receive(&bytes);
    }
}
