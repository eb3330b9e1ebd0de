//! The gateway's upstream inside a pod, as client-go's `rest.InClusterConfig` finds it: the API
//! server at `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, trusted with the
//! mounted `ca.crt`, the credential the pod's ServiceAccount `token` beside it — read again at
//! most once a minute while running, since kubelet rotates that file (`kubeward_server::Endpoint`'s
//! `bearer_token_file`).

use std::path::Path;

use anyhow::{Context as _, bail};
use kubeward_server::Endpoint;

/// Where kubelet mounts a pod's ServiceAccount token, CA and namespace.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The URL of `host` and `port` (an IPv6 address in brackets, as Go's `net.JoinHostPort`).
pub fn url(host: &str, port: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("https://[{host}]:{port}")
    } else {
        format!("https://{host}:{port}")
    }
}

/// The upstream of a pod: the service environment and the ServiceAccount files in `dir`.
pub fn load(dir: &Path) -> anyhow::Result<Endpoint> {
    let host = std::env::var("KUBERNETES_SERVICE_HOST").unwrap_or_default();
    let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_default();
    if host.is_empty() || port.is_empty() {
        bail!(
            "no --upstream-kubeconfig, and not in a pod: unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"
        );
    }
    let token_file = dir.join("token");
    let token = std::fs::read_to_string(&token_file).with_context(|| {
        format!(
            "in-cluster upstream: the ServiceAccount token {}",
            token_file.display()
        )
    })?;
    let ca_file = dir.join("ca.crt");
    let ca_pem = std::fs::read_to_string(&ca_file).with_context(|| {
        format!(
            "in-cluster upstream: the ServiceAccount CA {}",
            ca_file.display()
        )
    })?;
    Ok(Endpoint {
        url: url(&host, &port),
        ca_pem: Some(ca_pem),
        bearer_token: Some(token.trim().to_string()),
        bearer_token_file: Some(token_file),
        ..Endpoint::default()
    })
}

#[cfg(test)]
mod tests;
