//! `kubeward up --lab-node`: the certificates of the lab node and of the API server's kubelet
//! client, the RBAC binding the node needs (there is no Node authorizer), and the node itself.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleRef, Subject};
use kube::api::{Api, ObjectMeta, PostParams};
use kubeward_kubelet::{Credential, LabNode, LabNodeConfig};
use kubeward_pki::CertificateAuthority;
use time::OffsetDateTime;

use super::serve::ServeArgs;
use crate::files::{Access, write_atomic};

/// How long the lab node's certificates are valid.
const VALIDITY: Duration = Duration::from_secs(365 * 24 * 3600);
/// The ClusterRoleBinding that gives the node `system:node`'s permissions.
pub const NODE_BINDING: &str = "kubeward:lab-node";

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn issue(
    path: &Path,
    name: &str,
    issued: impl FnOnce() -> anyhow::Result<kubeward_pki::IssuedCert>,
) -> anyhow::Result<()> {
    let cert = path.join(format!("{name}.crt"));
    if cert.exists() {
        return Ok(());
    }
    let issued = issued()?;
    write_atomic(
        &path.join(format!("{name}.key")),
        issued.key_pem.as_bytes(),
        Access::Secret,
    )?;
    write_atomic(&cert, issued.cert_pem.as_bytes(), Access::Public)?;
    Ok(())
}

fn lab_dir(pki: &Path) -> PathBuf {
    pki.join("lab-node")
}

/// Creates what the data directory lacks: the API server's kubelet client certificate
/// (`kube-apiserver-kubelet-client`, `system:masters`, as kubeadm issued it), and the node's
/// client, serving and scheduler certificates.
pub fn provision(pki: &Path, node: &str) -> anyhow::Result<()> {
    let ca =
        CertificateAuthority::from_pem(&read(&pki.join("ca.crt"))?, &read(&pki.join("ca.key"))?)
            .context("loading the cluster CA")?;
    let now = OffsetDateTime::now_utc();
    issue(pki, "apiserver-kubelet-client", || {
        ca.issue_client(
            "kube-apiserver-kubelet-client",
            &["system:masters".to_string()],
            now,
            VALIDITY,
        )
        .context("issuing the kubelet client certificate")
    })?;
    let dir = lab_dir(pki);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    issue(&dir, "kubelet-client", || {
        ca.issue_client(
            &format!("system:node:{node}"),
            &["system:nodes".to_string()],
            now,
            VALIDITY,
        )
        .context("issuing the node's client certificate")
    })?;
    issue(&dir, "kubelet", || {
        ca.issue_serving(
            &[
                "127.0.0.1".to_string(),
                "localhost".to_string(),
                node.to_string(),
            ],
            now,
        )
        .context("issuing the node's serving certificate")
    })?;
    issue(&dir, "scheduler", || {
        ca.issue_client("system:kube-scheduler", &[], now, VALIDITY)
            .context("issuing the scheduler's client certificate")
    })
}

/// Makes the API server reach kubelets with its kubelet client certificate, trusting the
/// cluster CA for their serving certificates.
pub fn trust_kubelets(serve: &mut ServeArgs, pki: &Path) {
    serve
        .kubelet_client_certificate
        .get_or_insert_with(|| pki.join("apiserver-kubelet-client.crt"));
    serve
        .kubelet_client_key
        .get_or_insert_with(|| pki.join("apiserver-kubelet-client.key"));
    serve
        .kubelet_certificate_authority
        .get_or_insert_with(|| pki.join("ca.crt"));
}

fn credential(dir: &Path, name: &str) -> anyhow::Result<Credential> {
    Ok(Credential {
        cert_pem: read(&dir.join(format!("{name}.crt")))?,
        key_pem: read(&dir.join(format!("{name}.key")))?,
    })
}

/// Binds ClusterRole `system:node` to the node's user: kube-apiserver grants nodes their
/// permissions through the Node authorizer, which kubeward does not have.
async fn bind_node_role(url: &str, pki: &Path, node: &str) -> anyhow::Result<()> {
    let admin = credential(pki, "admin")?;
    let mut config = kube::Config::new(url.parse().context("API server URL")?);
    config.root_cert = Some(vec![pem_der(&read(&pki.join("ca.crt"))?)?]);
    config.auth_info.client_certificate_data = Some(base64_of(&admin.cert_pem));
    config.auth_info.client_key_data = Some(base64_of(&admin.key_pem).into());
    let client = kube::Client::try_from(config).context("admin client")?;
    let bindings: Api<ClusterRoleBinding> = Api::all(client);
    let binding = ClusterRoleBinding {
        metadata: ObjectMeta {
            name: Some(NODE_BINDING.to_string()),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_string(),
            kind: "ClusterRole".to_string(),
            name: "system:node".to_string(),
        },
        subjects: Some(vec![Subject {
            api_group: Some("rbac.authorization.k8s.io".to_string()),
            kind: "User".to_string(),
            name: format!("system:node:{node}"),
            namespace: None,
        }]),
    };
    match bindings.create(&PostParams::default(), &binding).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
        Err(error) => Err(error).context("binding system:node to the lab node"),
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn pem_der(pem: &str) -> anyhow::Result<Vec<u8>> {
    use base64::Engine as _;
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .context("cluster CA certificate")
}

/// Starts the lab node against the API server at `url`.
pub async fn start(pki: &Path, data_dir: &Path, url: &str, node: &str) -> anyhow::Result<LabNode> {
    bind_node_role(url, pki, node).await?;
    let dir = lab_dir(pki);
    let work_dir = data_dir.join("lab-node");
    std::fs::create_dir_all(&work_dir)
        .with_context(|| format!("creating {}", work_dir.display()))?;
    let config = LabNodeConfig {
        node_name: node.to_string(),
        api_server: url.to_string(),
        ca_pem: read(&pki.join("ca.crt"))?,
        node_credential: credential(&dir, "kubelet-client")?,
        scheduler_credential: Some(credential(&dir, "scheduler")?),
        serving: credential(&dir, "kubelet")?,
        work_dir,
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    };
    Ok(LabNode::start(config).await?)
}

/// Says plainly what the lab node is (on stdout; a closed stdout does not stop the server).
pub fn print_banner(node: &str, address: SocketAddr) {
    use std::io::Write as _;
    let _ = write!(
        std::io::stdout().lock(),
        "\nlab node: {node} (kubelet API https://{address})\n  no isolation: pods run as local processes of your user\n"
    );
}
