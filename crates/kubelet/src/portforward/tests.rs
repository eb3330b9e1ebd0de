use super::*;

fn headers(kind: &str, port: &str, request: &str) -> Headers {
    let mut headers = Headers::new().with("streamtype", kind).with("port", port);
    if !request.is_empty() {
        headers.add("requestid", request);
    }
    headers
}

#[test]
fn error_and_data_streams_pair_by_request_id() {
    let mut pairs = Pairs::new();
    let e0 = accept_stream(1, &headers("error", "8080", "0")).unwrap();
    let e1 = accept_stream(3, &headers("error", "8080", "1")).unwrap();
    let d1 = accept_stream(5, &headers("data", "8080", "1")).unwrap();
    let d0 = accept_stream(7, &headers("data", "8080", "0")).unwrap();
    assert_eq!(pairs.add(e0), Ok(None));
    assert_eq!(pairs.add(e1), Ok(None));
    assert_eq!(
        pairs.add(d1),
        Ok(Some(Pair {
            request_id: "1".into(),
            port: 8080,
            data: 5,
            error: 3
        }))
    );
    assert!(pairs.is_pending("0"));
    assert_eq!(
        pairs.add(d0),
        Ok(Some(Pair {
            request_id: "0".into(),
            port: 8080,
            data: 7,
            error: 1
        }))
    );
    assert!(!pairs.is_pending("0"));
}

#[test]
fn a_second_stream_of_a_kind_is_an_error_on_the_requests_error_stream() {
    let mut pairs = Pairs::new();
    pairs
        .add(accept_stream(1, &headers("error", "80", "4")).unwrap())
        .unwrap();
    let refused = pairs
        .add(accept_stream(3, &headers("error", "80", "4")).unwrap())
        .unwrap_err();
    assert_eq!(
        refused,
        PairError {
            error_stream: Some(1),
            message: "error processing stream for request 4: error stream already assigned".into()
        }
    );
    assert_eq!(
        pairs.expire("4"),
        Some((Some(1), "(request=4) timed out waiting for streams".into()))
    );
}

#[test]
fn old_clients_without_request_ids_pair_by_consecutive_stream_ids() {
    let error = accept_stream(5, &headers("error", "80", "")).unwrap();
    let data = accept_stream(7, &headers("data", "80", "")).unwrap();
    assert_eq!(error.request_id, "5");
    assert_eq!(data.request_id, "5");
}

#[test]
fn bad_stream_headers_are_refused_in_the_kubelets_words() {
    let refuse = |h: Headers| accept_stream(1, &h).unwrap_err();
    assert_eq!(
        refuse(Headers::new().with("streamtype", "data")),
        "\"port\" header is required"
    );
    assert_eq!(
        refuse(headers("data", "http", "0")),
        "unable to parse \"http\" as a port: strconv.ParseUint: parsing \"http\": invalid syntax"
    );
    assert_eq!(
        refuse(headers("data", "70000", "0")),
        "unable to parse \"70000\" as a port: strconv.ParseUint: parsing \"70000\": value out of range"
    );
    assert_eq!(refuse(headers("data", "0", "0")), "port \"0\" must be > 0");
    assert_eq!(
        refuse(Headers::new().with("port", "80")),
        "\"streamType\" header is required"
    );
    assert_eq!(
        refuse(headers("stdin", "80", "0")),
        "invalid stream type \"stdin\""
    );
}

#[test]
fn websocket_ports_come_from_the_query() {
    let q = |v: &[&str]| -> Vec<(String, String)> {
        v.iter()
            .map(|p| ("port".to_string(), p.to_string()))
            .collect()
    };
    assert_eq!(
        websocket_ports(&q(&["80,443", "8080"])),
        Ok(vec![80, 443, 8080])
    );
    assert_eq!(
        websocket_ports(&[]),
        Err("query parameter \"port\" is required".into())
    );
    assert_eq!(
        websocket_ports(&q(&[""])),
        Err("query parameter \"port\" cannot be empty".into())
    );
    assert_eq!(
        websocket_ports(&q(&["0"])),
        Err("port \"0\" must be > 0".into())
    );
    assert_eq!(port_prefix(8080), [0x90, 0x1f]);
}

#[test]
fn tunneling_protocols_drop_their_prefix() {
    let requested = vec![
        "SPDY/3.1+portforward.k8s.io".to_string(),
        "v4.channel.k8s.io".to_string(),
    ];
    assert_eq!(tunneled_protocols(&requested), vec![PROTOCOL.to_string()]);
}
