//! Unit tests of the redirect listener's answers and of binding.

use std::io::{Read as _, Write as _};

use super::*;

fn expect() -> Expectation {
    Expectation {
        state: "s1".into(),
        callback_path: "/".into(),
        authorization_url: "https://idp/auth?x=1".into(),
    }
}

#[test]
fn the_index_redirects_to_the_authorization_url() {
    let (reply, outcome) = respond(&expect(), &Method::GET, "/");
    assert_eq!(reply.status, 302);
    assert_eq!(reply.location.as_deref(), Some("https://idp/auth?x=1"));
    assert_eq!(outcome, None);
}

#[test]
fn the_callback_with_the_right_state_returns_the_code_and_the_success_page() {
    let (reply, outcome) = respond(&expect(), &Method::GET, "/?code=c0de&state=s1");
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("You have logged in to the cluster."));
    assert_eq!(outcome, Some(Ok("c0de".to_string())));
}

#[test]
fn a_wrong_state_or_an_error_ends_the_flow_with_an_error() {
    let (reply, outcome) = respond(&expect(), &Method::GET, "/?code=c0de&state=evil");
    assert_eq!(reply.status, 500);
    assert_eq!(
        outcome.unwrap().unwrap_err().to_string(),
        "state does not match (wants s1 but got evil)"
    );
    let (_, outcome) = respond(
        &expect(),
        &Method::GET,
        "/?error=access_denied&error_description=End-User+aborted+interaction&state=s1",
    );
    assert_eq!(
        outcome.unwrap().unwrap_err().to_string(),
        "authorization error from server: access_denied End-User aborted interaction"
    );
}

#[test]
fn other_paths_and_methods_are_not_found() {
    assert_eq!(
        respond(&expect(), &Method::GET, "/favicon.ico").0.status,
        404
    );
    assert_eq!(
        respond(&expect(), &Method::POST, "/?code=c&state=s1").1,
        None
    );
    let custom = Expectation {
        callback_path: "/callback".into(),
        ..expect()
    };
    assert_eq!(
        respond(&custom, &Method::GET, "/callback?code=c&state=s1").1,
        Some(Ok("c".into()))
    );
    assert_eq!(respond(&custom, &Method::GET, "/?code=c&state=s1").1, None);
}

#[test]
fn binding_falls_back_to_the_next_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_address = taken.local_addr().unwrap().to_string();
    let listener = bind(&[taken_address.clone(), "127.0.0.1:0".into()]).unwrap();
    assert_ne!(listener.local_addr().unwrap().to_string(), taken_address);
    let error = bind(std::slice::from_ref(&taken_address)).unwrap_err();
    assert!(matches!(error, RedirectError::Bind { .. }), "{error}");
    assert_eq!(
        default_redirect_uri("127.0.0.1:8000".parse().unwrap()),
        "http://localhost:8000"
    );
}

#[test]
fn the_listener_serves_the_success_page_then_stops() {
    let listener = bind(&["127.0.0.1:0".into()]).unwrap();
    let address = listener.local_addr().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let browser = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .write_all(b"GET /?code=abc&state=s1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut page = String::new();
        stream.read_to_string(&mut page).unwrap();
        page
    });
    let code = runtime
        .block_on(receive_code(listener, expect(), Duration::from_secs(10)))
        .unwrap();
    assert_eq!(code, "abc");
    let page = browser.join().unwrap();
    assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    assert!(page.contains("<h1>Authenticated</h1>"));
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "the listener is closed"
    );
}

#[test]
fn the_listener_times_out() {
    let listener = bind(&["127.0.0.1:0".into()]).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let error = runtime
        .block_on(receive_code(listener, expect(), Duration::from_millis(50)))
        .unwrap_err();
    assert_eq!(error, RedirectError::Timeout(0));
}
