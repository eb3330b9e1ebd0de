//! The node's clients of the API server: `kube::Client`s with a client certificate.

use kube::config::AuthInfo;

use crate::config::Credential;

/// The User-Agent of kube's component `component` (`kubelet`, `kube-scheduler`):
/// `kubelet/v1.33.0 (linux/amd64) kubernetes/kubeward`, as client-go's `DefaultKubernetesUserAgent`
/// writes it; the API server names the writes' field manager after its first part.
pub fn user_agent(component: &str) -> String {
    format!(
        "{component}/{} ({}/{}) kubernetes/kubeward",
        crate::node::object::KUBELET_VERSION,
        std::env::consts::OS,
        go_arch()
    )
}

/// Go's name of this machine's architecture.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// A client of `api_server` trusting `ca_pem`, authenticating with `credential`, with the
/// User-Agent of `component`.
pub fn kube_client(
    api_server: &str,
    ca_pem: &str,
    credential: &Credential,
    component: &str,
) -> Result<kube::Client, String> {
    let url = api_server
        .parse::<http::Uri>()
        .map_err(|e| format!("API server URL {api_server:?}: {e}"))?;
    let mut config = kube::Config::new(url);
    config.root_cert = Some(pem_blocks(ca_pem)?);
    config.auth_info = AuthInfo {
        client_certificate_data: Some(base64_of(&credential.cert_pem)),
        client_key_data: Some(base64_of(&credential.key_pem).into()),
        ..AuthInfo::default()
    };
    config.read_timeout = None;
    let agent = http::HeaderValue::from_str(&user_agent(component))
        .map_err(|e| format!("User-Agent: {e}"))?;
    config.headers.push((http::header::USER_AGENT, agent));
    kube::Client::try_from(config).map_err(|e| format!("client for {api_server}: {e}"))
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// The DER bodies of a PEM bundle's certificates.
pub fn pem_blocks(pem: &str) -> Result<Vec<Vec<u8>>, String> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    let certificates = CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(|c| c.map(|c| c.as_ref().to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("CA bundle: {e}"))?;
    if certificates.is_empty() {
        return Err("CA bundle: no CERTIFICATE block".to_string());
    }
    Ok(certificates)
}
