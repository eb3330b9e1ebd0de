use super::*;

#[test]
fn a_refused_connection_reads_as_gos_client_words_it() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let target = Target {
        url: format!("https://127.0.0.1:{}/convert?timeout=30s", address.port()),
        ca_pem: None,
        connect_to: None,
    };
    let error = post(&target, b"{}".to_vec(), Duration::from_secs(5)).unwrap_err();
    assert_eq!(
        error,
        format!(
            "Post \"https://127.0.0.1:{port}/convert?timeout=30s\": dial tcp 127.0.0.1:{port}: connect: connection refused",
            port = address.port()
        )
    );
}

#[test]
fn status_answers_read_as_apimachinerys_generic_responses() {
    assert_eq!(
        status_error(500, b"boom"),
        "an error on the server (\"boom\") has prevented the request from succeeding"
    );
    assert_eq!(
        status_error(404, b""),
        "the server could not find the requested resource"
    );
    assert_eq!(
        status_error(400, br#"{"kind":"Status","message":"bad review"}"#),
        "bad review"
    );
    assert_eq!(
        status_error(418, b""),
        "the server responded with the status code 418 but did not return more information"
    );
}
