//! TLS server configurations: a serving certificate and key, HTTP/2 and HTTP/1.1 by ALPN, and
//! either no client certificates (the identity provider) or client certificates *requested*
//! but never required, as kube-apiserver does: any chain is accepted at the handshake (key
//! possession is still proven), so that whether it is trusted is the x509 authenticator's
//! decision — an unknown CA gives 401, or falls through to a bearer token, instead of a failed
//! handshake. And one client configuration: the API server's connections to kubelets, with a
//! client certificate, servers checked against a CA bundle.

use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::DistinguishedName;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Whether clients are asked for a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// Never.
    None,
    /// Always asked, never required, any chain accepted (checked later by the authenticator).
    Request,
}

/// Why TLS cannot be set up.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsError {
    /// The certificate chain does not parse, or holds no certificate.
    #[error("serving certificate: {0}")]
    Certificate(String),
    /// The key does not parse or does not fit the certificate.
    #[error("serving key: {0}")]
    Key(String),
    /// A client certificate or its key does not parse, or they do not fit.
    #[error("client certificate: {0}")]
    ClientCertificate(String),
    /// The CA bundle that servers are checked against does not parse.
    #[error("certificate authority: {0}")]
    Authority(String),
}

/// The acceptor for `cert_pem` (leaf first) and `key_pem`.
pub fn acceptor(
    cert_pem: &str,
    key_pem: &str,
    client_auth: ClientAuth,
) -> Result<TlsAcceptor, TlsError> {
    let certificates = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    if certificates.is_empty() {
        return Err(TlsError::Certificate("no CERTIFICATE block".to_string()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| TlsError::Key(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Key(e.to_string()))?;
    let builder = match client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Request => {
            builder.with_client_cert_verifier(Arc::new(RequestClientCertificate { provider }))
        }
    };
    let mut config = builder
        .with_single_cert(certificates, key)
        .map_err(|e| TlsError::Key(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A client that presents `cert_pem` (leaf first) with `key_pem` and trusts servers whose
/// certificates chain to a CA of `ca_pem`, speaking HTTP/1.1 (connection upgrades need it).
pub fn connector(cert_pem: &str, key_pem: &str, ca_pem: &str) -> Result<TlsConnector, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        let certificate = certificate.map_err(|e| TlsError::Authority(e.to_string()))?;
        roots
            .add(certificate)
            .map_err(|e| TlsError::Authority(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(TlsError::Authority("no CERTIFICATE block".to_string()));
    }
    let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::ClientCertificate(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| TlsError::ClientCertificate(format!("key: {e}")))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::ClientCertificate(e.to_string()))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| TlsError::ClientCertificate(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Opens a TCP connection to `host:port` and a TLS session over it, checking the server's
/// certificate for `host` (an IP address or a DNS name).
pub async fn connect(
    connector: &TlsConnector,
    host: &str,
    port: u16,
) -> std::io::Result<TlsStream<TcpStream>> {
    let server_name = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => ServerName::try_from(host.to_string())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
    };
    let tcp = TcpStream::connect((host, port)).await?;
    connector.connect(server_name, tcp).await
}

/// Asks for a client certificate, accepts any chain, checks the handshake signature.
#[derive(Debug)]
struct RequestClientCertificate {
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for RequestClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests;
