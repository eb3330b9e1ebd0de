//! The pod's ServiceAccount token, projected as the kubelet projects `kube-api-access-*`: a
//! TokenRequest bound to the pod, refreshed at 80 % of its lifetime, written with the cluster CA
//! and the namespace into the pod's `serviceaccount` directory (what a container sees at
//! `/var/run/secrets/kubernetes.io/serviceaccount`), plus a kubeconfig there that points
//! in-"pod" clients at the API server with that token.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::authentication::v1::{BoundObjectReference, TokenRequest, TokenRequestSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, ServiceAccount};
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::PostParams;

use super::context::NodeContext;
use super::stop::stopped;
use crate::clock;

/// The kubelet's lifetime for `kube-api-access` tokens (an hour and seven seconds).
pub const DEFAULT_EXPIRATION_SECONDS: i64 = 3607;

/// Which token a pod gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSource {
    /// The projected volume's name (`kube-api-access-xxxxx`).
    pub volume: String,
    /// The ServiceAccount.
    pub service_account: String,
    /// The token's lifetime.
    pub expiration_seconds: i64,
    /// Its audience (`None`: the API server's).
    pub audience: Option<String>,
}

/// The token the pod's spec asks for: `None` with `automountServiceAccountToken: false`.
pub fn source_of(pod: &Pod) -> Option<TokenSource> {
    let spec = pod.spec.as_ref()?;
    if spec.automount_service_account_token == Some(false) {
        return None;
    }
    let service_account = spec
        .service_account_name
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".to_string());
    let projected = spec.volumes.iter().flatten().find_map(|volume| {
        let projection = volume
            .projected
            .as_ref()?
            .sources
            .iter()
            .flatten()
            .find_map(|s| s.service_account_token.clone())?;
        Some((volume.name.clone(), projection))
    });
    Some(match projected {
        Some((volume, projection)) => TokenSource {
            volume,
            service_account,
            expiration_seconds: projection
                .expiration_seconds
                .unwrap_or(DEFAULT_EXPIRATION_SECONDS),
            audience: projection.audience.filter(|a| !a.is_empty()),
        },
        None => TokenSource {
            volume: "kube-api-access".to_string(),
            service_account,
            expiration_seconds: DEFAULT_EXPIRATION_SECONDS,
            audience: None,
        },
    })
}

/// When a token issued at `issued` living `ttl` seconds must be refreshed (the kubelet's token
/// manager: at 80 % of its life, and at the latest after 24 hours).
pub fn refresh_at(issued: Timestamp, ttl_seconds: i64) -> Timestamp {
    let refresh = (ttl_seconds * 8 / 10).clamp(1, 24 * 3600);
    issued
        .checked_add(k8s_openapi::jiff::SignedDuration::from_secs(refresh))
        .unwrap_or(issued)
}

/// The directory of a pod's projected ServiceAccount files.
pub fn directory(pod_dir: &Path) -> PathBuf {
    pod_dir.join("serviceaccount")
}

fn write_file(dir: &Path, name: &str, content: &[u8], mode: u32) -> std::io::Result<()> {
    let temporary = dir.join(format!(".{name}.tmp"));
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(mode)
        .open(&temporary)?;
    file.write_all(content)?;
    file.sync_all()?;
    std::fs::rename(&temporary, dir.join(name))
}

/// The kubeconfig an in-"pod" kubectl reads through `KUBECONFIG`: the API server, the cluster
/// CA and token files of the directory, and the pod's namespace as the default.
pub fn kubeconfig(api_server: &str, dir: &Path, namespace: &str) -> String {
    let dir = dir.display();
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n    server: {api_server}\n    certificate-authority: {dir}/ca.crt\nusers:\n- name: serviceaccount\n  user:\n    tokenFile: {dir}/token\ncontexts:\n- name: in-pod\n  context:\n    cluster: kubernetes\n    user: serviceaccount\n    namespace: {namespace}\ncurrent-context: in-pod\n"
    )
}

/// Requests a token and writes the directory; returns when the token must be refreshed.
pub async fn project(
    ctx: &NodeContext,
    pod: &Pod,
    pod_dir: &Path,
    source: &TokenSource,
) -> Result<Timestamp, String> {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let request = TokenRequest {
        spec: TokenRequestSpec {
            audiences: source.audience.iter().cloned().collect(),
            expiration_seconds: Some(source.expiration_seconds),
            bound_object_ref: Some(BoundObjectReference {
                api_version: Some("v1".to_string()),
                kind: Some("Pod".to_string()),
                name: Some(name),
                uid: Some(uid),
            }),
        },
        ..TokenRequest::default()
    };
    let accounts: Api<ServiceAccount> = Api::namespaced(ctx.client.clone(), &namespace);
    let issued = clock::now();
    let answer: TokenRequest = accounts
        .create_subresource(
            "token",
            &source.service_account,
            &PostParams::default(),
            &request,
        )
        .await
        .map_err(|e| {
            format!(
                "MountVolume.SetUp failed for volume {:?} : failed to fetch token: {}",
                source.volume,
                crate::node::api_message(&e)
            )
        })?;
    let token = answer.status.map(|s| s.token).unwrap_or_default();
    let config_maps: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &namespace);
    let ca = match config_maps.get_opt("kube-root-ca.crt").await {
        Ok(Some(map)) => map
            .data
            .and_then(|d| d.get("ca.crt").cloned())
            .unwrap_or_else(|| ctx.ca_pem.clone()),
        _ => ctx.ca_pem.clone(),
    };
    let dir = directory(pod_dir);
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        write_file(&dir, "token", token.as_bytes(), 0o600)?;
        write_file(&dir, "ca.crt", ca.as_bytes(), 0o644)?;
        write_file(&dir, "namespace", namespace.as_bytes(), 0o644)?;
        write_file(
            &dir,
            "kubeconfig",
            kubeconfig(&ctx.api_server, &dir, &namespace).as_bytes(),
            0o600,
        )
    };
    write().map_err(|e| format!("writing {}: {e}", dir.display()))?;
    Ok(refresh_at(issued, source.expiration_seconds))
}

/// Keeps the token fresh until the pod stops.
pub async fn refresh(
    ctx: std::sync::Arc<NodeContext>,
    pod: std::sync::Arc<super::PodRuntime>,
    source: TokenSource,
    mut next: Timestamp,
) {
    let mut stop = pod.stop.subscribe();
    loop {
        let wait = next
            .duration_since(clock::now())
            .unsigned_abs()
            .min(Duration::from_secs(24 * 3600));
        let wait = if next > clock::now() {
            wait
        } else {
            Duration::ZERO
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopped(&mut stop) => return,
        }
        match project(&ctx, &pod.pod(), &pod.dir, &source).await {
            Ok(at) => next = at,
            Err(error) => {
                tracing::warn!(pod = %pod.name, %error, "token refresh failed");
                next = clock::now()
                    .checked_add(k8s_openapi::jiff::SignedDuration::from_secs(10))
                    .unwrap_or(next);
            }
        }
    }
}

#[cfg(test)]
mod tests;
