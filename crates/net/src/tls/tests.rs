use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::*;

/// A CA (its PEM) and what it issues: (certificate PEM, key PEM).
struct TestCa {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl TestCa {
    fn new() -> Self {
        let key = KeyPair::generate().expect("a key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let pem = params.self_signed(&key).expect("a CA").pem();
        Self {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    fn issue(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (String, String) {
        let key = KeyPair::generate().expect("a key");
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("params");
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &self.issuer).expect("a leaf");
        (cert.pem(), key.serialize_pem())
    }
}

#[test]
fn a_client_configuration_needs_a_ca_and_a_client_certificate() {
    let ca = TestCa::new();
    let (cert, key) = ca.issue(&["client"], ExtendedKeyUsagePurpose::ClientAuth);
    assert!(connector(&cert, &key, &ca.pem).is_ok());
    assert!(matches!(
        connector(&cert, &key, ""),
        Err(TlsError::Authority(_))
    ));
    assert!(matches!(
        connector("", "not a key", &ca.pem),
        Err(TlsError::ClientCertificate(_))
    ));
}

/// Accepts one connection with `acceptor`, answers `pong` to what it reads.
async fn serve_once(acceptor: TlsAcceptor) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let port = listener.local_addr().expect("an address").port();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("a connection");
        if let Ok(mut tls) = acceptor.accept(tcp).await {
            let mut buffer = [0u8; 4];
            if tls.read_exact(&mut buffer).await.is_ok() {
                let _ = tls.write_all(b"pong").await;
                let _ = tls.shutdown().await;
            }
        }
    });
    port
}

#[tokio::test]
async fn a_client_reaches_a_server_of_its_ca_and_refuses_another() {
    let ca = TestCa::new();
    let (serving, serving_key) = ca.issue(&["127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
    let (client, client_key) = ca.issue(&["client"], ExtendedKeyUsagePurpose::ClientAuth);
    let acceptor = acceptor(&serving, &serving_key, ClientAuth::Request).expect("an acceptor");
    let trusted = connector(&client, &client_key, &ca.pem).expect("a connector");
    let port = serve_once(acceptor.clone()).await;
    let mut tls = connect(&trusted, "127.0.0.1", port)
        .await
        .expect("a TLS session");
    tls.write_all(b"ping").await.expect("written");
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await.expect("read");
    assert_eq!(answer, b"pong");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));

    let stranger = TestCa::new();
    let untrusting = connector(&client, &client_key, &stranger.pem).expect("a connector");
    let port = serve_once(acceptor).await;
    let refused = connect(&untrusting, "127.0.0.1", port).await;
    assert!(refused.is_err(), "a server of another CA is refused");
}
