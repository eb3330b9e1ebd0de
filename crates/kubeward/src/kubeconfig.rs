//! Kubeconfig files as kubeadm writes them: one cluster, one user, one context, certificates
//! embedded as base64 data. The context is named `NAMESPACE/CLUSTER/USER` (`oc login`'s form), so
//! that seed 002's `kubectl config current-context | cut -d/ -f2` yields the cluster's name.

pub mod merge;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

/// What a kubeconfig for one user of one cluster holds.
pub struct KubeconfigSpec<'a> {
    /// The cluster's name, e.g. `kubernetes`.
    pub cluster_name: &'a str,
    /// The API server URL, e.g. `https://127.0.0.1:6443`.
    pub server: &'a str,
    /// The cluster CA, PEM.
    pub ca_pem: &'a str,
    /// The user's name in the file, e.g. `kubernetes-admin`.
    pub user_name: &'a str,
    /// The client certificate, PEM.
    pub client_certificate_pem: &'a str,
    /// The client key, PEM.
    pub client_key_pem: &'a str,
}

#[derive(Serialize)]
struct Config<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    clusters: [Named<'a, Cluster>; 1],
    contexts: [Named<'a, Context<'a>>; 1],
    #[serde(rename = "current-context")]
    current_context: &'a str,
    users: [Named<'a, User>; 1],
}

#[derive(Serialize)]
struct Named<'a, T> {
    name: &'a str,
    #[serde(flatten)]
    value: T,
}

#[derive(Serialize)]
struct Cluster {
    cluster: ClusterBody,
}

#[derive(Serialize)]
struct ClusterBody {
    #[serde(rename = "certificate-authority-data")]
    certificate_authority_data: String,
    server: String,
}

#[derive(Serialize)]
struct Context<'a> {
    context: ContextBody<'a>,
}

#[derive(Serialize)]
struct ContextBody<'a> {
    cluster: &'a str,
    namespace: &'static str,
    user: &'a str,
}

#[derive(Serialize)]
struct User {
    user: UserBody,
}

#[derive(Serialize, Default)]
struct UserBody {
    #[serde(
        rename = "client-certificate-data",
        skip_serializing_if = "Option::is_none"
    )]
    client_certificate_data: Option<String>,
    #[serde(rename = "client-key-data", skip_serializing_if = "Option::is_none")]
    client_key_data: Option<String>,
}

/// How the holder of a kubeconfig proves who it is.
pub enum Credential<'a> {
    /// A client certificate and its key, PEM.
    Certificate {
        /// The certificate.
        certificate_pem: &'a str,
        /// Its key.
        key_pem: &'a str,
    },
    /// Nothing.
    None,
}

/// The name of the context of `user` on `cluster`: `default/CLUSTER/USER`. Its second
/// `/`-separated field is the cluster (kubeadm's `USER@CLUSTER` has no `/`, so seed 002's
/// `cut -d/ -f2` would give the whole name, which names no cluster).
pub fn context_name(cluster: &str, user: &str) -> String {
    format!("default/{cluster}/{user}")
}

/// Renders the kubeconfig as YAML; the context is [`context_name`].
pub fn render(spec: &KubeconfigSpec<'_>) -> Result<String, serde_saphyr::ser::Error> {
    render_with(
        spec.cluster_name,
        spec.server,
        spec.ca_pem,
        spec.user_name,
        &Credential::Certificate {
            certificate_pem: spec.client_certificate_pem,
            key_pem: spec.client_key_pem,
        },
    )
}

/// Renders a kubeconfig for `user_name` with `credential` (or none) on cluster `cluster_name`
/// at `server`, trusting `ca_pem`.
pub fn render_with(
    cluster_name: &str,
    server: &str,
    ca_pem: &str,
    user_name: &str,
    credential: &Credential<'_>,
) -> Result<String, serde_saphyr::ser::Error> {
    let spec = Names {
        cluster_name,
        server,
        ca_pem,
        user_name,
    };
    let user = match credential {
        Credential::Certificate {
            certificate_pem,
            key_pem,
        } => UserBody {
            client_certificate_data: Some(STANDARD.encode(certificate_pem)),
            client_key_data: Some(STANDARD.encode(key_pem)),
        },
        Credential::None => UserBody::default(),
    };
    let context_name = context_name(spec.cluster_name, spec.user_name);
    let config = Config {
        api_version: "v1",
        kind: "Config",
        clusters: [Named {
            name: spec.cluster_name,
            value: Cluster {
                cluster: ClusterBody {
                    certificate_authority_data: STANDARD.encode(spec.ca_pem),
                    server: spec.server.to_string(),
                },
            },
        }],
        contexts: [Named {
            name: &context_name,
            value: Context {
                context: ContextBody {
                    cluster: spec.cluster_name,
                    namespace: "default",
                    user: spec.user_name,
                },
            },
        }],
        current_context: &context_name,
        users: [Named {
            name: spec.user_name,
            value: User { user },
        }],
    };
    serde_saphyr::to_string(&config)
}

/// The names and places of a kubeconfig.
struct Names<'a> {
    cluster_name: &'a str,
    server: &'a str,
    ca_pem: &'a str,
    user_name: &'a str,
}

#[cfg(test)]
mod tests;
