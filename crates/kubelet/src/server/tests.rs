use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::*;

/// The deadline the tests serve with.
const DEADLINE: Duration = Duration::from_millis(300);

/// How long a test waits for the server to close a connection before it fails (not a
/// measurement: only a bound so that a server that never closes fails the test instead of
/// hanging it).
const PATIENCE: Duration = Duration::from_secs(20);

/// A lab node's kubelet API on a free loopback port, serving with [`DEADLINE`]; the port and a
/// connector trusting its CA.
async fn kubelet_api() -> (u16, TlsConnector) {
    let ca_key = KeyPair::generate().expect("a key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_pem = ca_params.self_signed(&ca_key).expect("a CA").pem();
    let issuer = Issuer::new(ca_params, ca_key);
    let serving_key = KeyPair::generate().expect("a key");
    let serving = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .signed_by(&serving_key, &issuer)
        .expect("a serving certificate");
    let credential = Credential {
        cert_pem: serving.pem(),
        key_pem: serving_key.serialize_pem(),
    };
    let acceptor = acceptor(&credential, &ca_pem).expect("an acceptor");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let nowhere = kube::Config::new("https://127.0.0.1:1".parse().expect("a URL"));
    let client = kube::Client::try_from(nowhere).expect("a client");
    let state = Arc::new(ApiState {
        registry: Arc::new(PodRegistry::default()),
        authorizer: Authorizer::new(client, "lab".into()),
    });
    tokio::spawn(serve_with_deadline(listener, acceptor, state, DEADLINE));

    let mut roots = rustls::RootCertStore::empty();
    for der in crate::client::pem_blocks(&ca_pem).expect("the CA") {
        roots.add(CertificateDer::from(der)).expect("a root");
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    (port, TlsConnector::from(Arc::new(config)))
}

/// Reads until the server closes the connection; what was read.
async fn read_until_closed(stream: &mut (impl AsyncRead + Unpin)) -> Vec<u8> {
    let mut received = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open");
    received
}

/// A TLS connection to the kubelet API on `port`, its handshake done.
async fn handshake(
    port: u16,
    connector: &TlsConnector,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("a connection");
    let name = ServerName::try_from("127.0.0.1").expect("a name");
    connector.connect(name, tcp).await.expect("a handshake")
}

#[tokio::test]
async fn a_client_that_never_starts_the_handshake_is_disconnected() {
    let (port, _) = kubelet_api().await;
    let mut tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("a connection");
    assert!(read_until_closed(&mut tcp).await.is_empty());
}

#[tokio::test]
async fn a_client_that_stalls_in_its_header_block_is_disconnected() {
    let (port, connector) = kubelet_api().await;
    let mut tls = handshake(port, &connector).await;
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .expect("a partial header");
    let answer = read_until_closed(&mut tls).await;
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn a_prompt_request_is_answered_and_the_idle_connection_closed_after() {
    let (port, connector) = kubelet_api().await;
    let mut tls = handshake(port, &connector).await;
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("a request");
    let answer = String::from_utf8_lossy(&read_until_closed(&mut tls).await).into_owned();
    // Without a client certificate the kubelet answers 401; then nothing more comes and the
    // connection is closed at the deadline.
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert_eq!(answer.matches("HTTP/1.1").count(), 1, "{answer}");
}
