//! The local AWS of `kubeward up --aws-iam-cluster-id NAME`: IAM, STS, EC2 and EKS (the cluster
//! itself, for `aws eks update-kubeconfig`) on loopback over
//! TLS (the identity provider's certificate, from the cluster CA), state in the shared store,
//! the root's access key in `<data-dir>/aws-credentials` (0600, the AWS CLI's format).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::Context as _;
use kubeward_aws::State;
use kubeward_store::Store;
use tower::ServiceExt as _;

use crate::files::{Access, write_atomic};

/// The file in the data directory that names the running local AWS's URL.
pub const ENDPOINT_FILE: &str = "aws-endpoint";

/// A running local AWS.
pub struct LocalAws {
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// The account.
    pub account_id: String,
    /// The credentials file.
    pub credentials: PathBuf,
    /// The root's access key: the API server's credentials for EC2 (`{{EC2PrivateDNSName}}`).
    pub root: super::aws_credentials::Credentials,
    /// The clusters EKS's `DescribeCluster` answers (the API server, once it listens).
    pub clusters: kubeward_aws::Clusters,
}

impl LocalAws {
    /// Makes EKS describe the API server at `endpoint` as cluster `name`, so that
    /// `aws eks update-kubeconfig --name NAME` writes its kubeconfig.
    pub fn describe_cluster(&self, name: &str, endpoint: &str, ca_pem: &str, now: SystemTime) {
        let version: serde_json::Value =
            serde_json::from_str(kubeward_server::VERSION_JSON).unwrap_or_default();
        self.clusters.put(kubeward_aws::eks::Cluster {
            name: name.to_string(),
            endpoint: endpoint.to_string(),
            ca_pem: ca_pem.to_string(),
            version: format!(
                "{}.{}",
                version["major"].as_str().unwrap_or("1"),
                version["minor"].as_str().unwrap_or_default()
            ),
            created_at: now,
        });
    }
}

/// Opens the state (creating the account on the first start), writes the credentials file if
/// it is missing, and serves the endpoint on the current runtime.
pub async fn start(
    store: &Arc<dyn Store>,
    data_dir: &Path,
    listen: SocketAddr,
) -> anyhow::Result<LocalAws> {
    #[allow(clippy::disallowed_methods)] // The command line is where the clock is read.
    let now = SystemTime::now();
    let (state, _) = State::open(store.clone(), now).context("opening the local AWS")?;
    let credentials = data_dir.join("aws-credentials");
    let root = state
        .access_keys()
        .context("reading the local AWS's keys")?
        .into_iter()
        .find(|k| k.user_name.is_empty())
        .context("the local AWS has no root access key")?;
    if !credentials.exists() {
        let text = format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            root.access_key_id, root.secret_access_key
        );
        write_atomic(&credentials, text.as_bytes(), Access::Secret)
            .with_context(|| format!("writing {}", credentials.display()))?;
    }
    let pki = data_dir.join("pki");
    let read = |name: &str| {
        std::fs::read_to_string(pki.join(name))
            .with_context(|| format!("reading {}", pki.join(name).display()))
    };
    let acceptor = kubeward_net::acceptor(
        &read("idp.crt")?,
        &read("idp.key")?,
        kubeward_net::ClientAuth::None,
    )?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen} (--aws-port)"))?;
    let address = listener.local_addr()?;
    let account_id = state.account_id().to_string();
    let url = format!("https://{}:{}", address.ip(), address.port());
    // `kubeward auth explain --data-dir` sends IAM tokens here.
    write_atomic(
        &data_dir.join(ENDPOINT_FILE),
        format!("{url}\n").as_bytes(),
        Access::Public,
    )
    .context("writing the local AWS's endpoint")?;
    let clusters = kubeward_aws::Clusters::default();
    let app = kubeward_aws::router(state, clusters.clone());
    let handler = move |request: http::Request<hyper::body::Incoming>,
                        _connection: Arc<kubeward_net::ConnectionInfo>| {
        let app = app.clone();
        async move {
            match app.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
    };
    tokio::spawn(kubeward_net::serve(
        listener,
        Some(acceptor),
        kubeward_net::Limits::default(),
        handler,
        std::future::pending(),
    ));
    Ok(LocalAws {
        url,
        account_id,
        credentials,
        root: super::aws_credentials::Credentials {
            access_key_id: root.access_key_id,
            secret_access_key: root.secret_access_key,
            session_token: None,
        },
        clusters,
    })
}

/// The commands that use it.
pub fn print_banner(aws: &LocalAws, data_dir: &Path, cluster_id: &str) {
    let ca = data_dir.join("pki").join("ca.crt");
    println!(
        "Local AWS (IAM, STS, EC2, EKS): {} (account {})",
        aws.url, aws.account_id
    );
    println!(
        "  export AWS_SHARED_CREDENTIALS_FILE={} AWS_CA_BUNDLE={} AWS_DEFAULT_REGION=ap-northeast-2",
        aws.credentials.display(),
        ca.display()
    );
    println!(
        "  export AWS_ENDPOINT_URL_IAM={url} AWS_ENDPOINT_URL_EC2={url} AWS_ENDPOINT_URL_EKS={url}",
        url = aws.url
    );
    println!("  aws iam create-user --user-name testuser");
    println!(
        "  AWS_ENDPOINT_URL_STS={} aws sts get-caller-identity   # (not exported: `aws eks get-token` must sign for the real STS host)",
        aws.url
    );
    println!(
        "  kubeward eks iamidentitymapping create --cluster {cluster_id} --username testuser --group system:masters --arn arn:aws:iam::{}:user/testuser",
        aws.account_id
    );
    println!("  aws eks update-kubeconfig --name {cluster_id} --user-alias testuser");
    println!(
        "  kubeward auth explain --data-dir {} --aws-iam-cluster-id {cluster_id}   # IAM tokens: verified against this endpoint",
        data_dir.display()
    );
    println!();
}
