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

/// A plain HTTP server on a free port answering every request with `answer` on kept-alive
/// connections; it counts the connections it accepted.
fn serve(answer: Vec<u8>) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut length = 0;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(value) =
                            line.to_ascii_lowercase().strip_prefix("content-length:")
                        {
                            length = value.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        answer.len()
                    );
                    if stream.write_all(head.as_bytes()).is_err()
                        || stream.write_all(&answer).is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (port, accepted)
}

#[test]
fn calls_to_the_same_webhook_share_one_client_and_its_connection() {
    let (port, accepted) = serve(b"{}".to_vec());
    let target = Target {
        url: format!("http://127.0.0.1:{port}/convert?timeout=30s"),
        ca_pem: None,
        connect_to: None,
    };
    for _ in 0..3 {
        assert_eq!(
            post(&target, b"{}".to_vec(), Duration::from_secs(5)).unwrap(),
            b"{}"
        );
    }
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn an_answer_over_the_limit_is_an_error_not_a_cut_answer() {
    let sent = b"{}".to_vec();
    let limit = answer_limit(sent.len());
    let (port, _) = serve(vec![b' '; limit + 1]);
    let url = format!("http://127.0.0.1:{port}/convert?timeout=30s");
    let target = Target {
        url: url.clone(),
        ca_pem: None,
        connect_to: None,
    };
    assert_eq!(
        post(&target, sent, Duration::from_secs(5)).unwrap_err(),
        format!("Post \"{url}\": the answer is larger than {limit} bytes")
    );
    let (port, _) = serve(vec![b' '; limit]);
    let target = Target {
        url: format!("http://127.0.0.1:{port}/convert?timeout=30s"),
        ca_pem: None,
        connect_to: None,
    };
    assert_eq!(
        post(&target, b"{}".to_vec(), Duration::from_secs(5))
            .unwrap()
            .len(),
        limit
    );
}
