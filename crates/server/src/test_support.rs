//! What the unit tests of filters and handlers share: a server state on an in-memory store
//! (bootstrap objects reconciled, controllers running, a cluster CA and a ServiceAccount key)
//! with static-token users, and requests run through the pipeline without a socket.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use kubeward_authn::AuthenticatorConfig;
use kubeward_authn::iam::{IamConfig, IamSettings};
use kubeward_store::{RedbStore, Store, StoreOptions};
use serde_json::Value;

use crate::config::{Authorizer, LeaderElection, ServerConfig, ServiceAccountSigning};
use crate::state::State;
use kubeward_net::ConnectionInfo as Connection;

/// The token of `kubernetes-admin` (in `system:masters`).
pub const ADMIN: &str = "admin-token";
/// The token of `alice`, who holds nothing but the defaults of authenticated users.
pub const ALICE: &str = "alice-token";

/// A running server state; the controllers stop when it is dropped.
pub struct TestServer {
    /// The state requests run against.
    pub state: Arc<State>,
    background: crate::Background,
}

/// What a request got back.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status code.
    pub code: u16,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn config() -> ServerConfig {
    let now = time::OffsetDateTime::now_utc();
    let ca = kubeward_pki::CertificateAuthority::generate("kubernetes", now).expect("a CA");
    let signing_key = kubeward_pki::generate_service_account_key().expect("a key");
    let tokens = format!("{ADMIN},kubernetes-admin,1,\"system:masters\"\n{ALICE},alice,2\n");
    ServerConfig {
        bind_address: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        tls_cert_pem: String::new(),
        tls_key_pem: String::new(),
        authentication: AuthenticatorConfig {
            token_auth_csv: Some(tokens),
            anonymous: true,
            ..AuthenticatorConfig::default()
        },
        authorization: vec![Authorizer::Rbac],
        token_webhook: None,
        gateway: None,
        cluster_signing: Some((ca.cert_pem().to_string(), ca.key_pem().to_string())),
        service_account_signing: Some(ServiceAccountSigning {
            issuer: "https://kubernetes.default.svc".to_string(),
            signing_key_pem: signing_key,
            audiences: vec!["https://kubernetes.default.svc".to_string()],
        }),
        store_path: std::path::PathBuf::new(),
        kubelet_client: None,
        max_requests_inflight: 400,
        max_mutating_requests_inflight: 200,
        limits: kubeward_net::Limits::default(),
        audit: None,
        leader_election: None,
        metrics_sources: Vec::new(),
    }
}

impl TestServer {
    /// A fresh server state.
    pub async fn start() -> Self {
        Self::start_with(StoreOptions::default()).await
    }

    /// A fresh server state on a store opened with `options` (a short event log, say).
    pub async fn start_with(options: StoreOptions) -> Self {
        Self::start_configured(options, |_| {}).await
    }

    /// A fresh server state with the test configuration changed by `change`.
    pub async fn start_configured(
        options: StoreOptions,
        change: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let mut config = config();
        change(&mut config);
        Self::start_config(config, options).await
    }

    /// A fresh server state that accepts IAM tokens for cluster id [`IAM_CLUSTER`], sending
    /// their presigned requests to `sts_endpoint` (a [`FakeSts`]).
    pub async fn start_iam(sts_endpoint: &str) -> Self {
        let mut config = config();
        let mut iam = IamConfig::new(IAM_CLUSTER);
        iam.sts_endpoint = Some(sts_endpoint.to_string());
        config.authentication.iam = Some(IamSettings {
            config: iam,
            sts_ca_pem: None,
            mapping_file: Default::default(),
            ec2: None,
        });
        Self::start_config(config, StoreOptions::default()).await
    }

    async fn start_config(config: ServerConfig, options: StoreOptions) -> Self {
        let store = Arc::new(RedbStore::in_memory_with(options).expect("an in-memory store"));
        Self::prepared(config, store).await
    }

    /// A server state on `store`, which other replicas may share (then with `election`).
    pub async fn replica(store: Arc<dyn Store>, election: Option<LeaderElection>) -> Self {
        let config = ServerConfig {
            leader_election: election,
            ..config()
        };
        Self::prepared(config, store).await
    }

    async fn prepared(config: ServerConfig, store: Arc<dyn Store>) -> Self {
        let (state, background) = crate::prepare(config, store)
            .await
            .expect("the state is prepared");
        Self { state, background }
    }

    /// Its identity in the leader election, if it takes part in one.
    pub fn identity(&self) -> Option<&str> {
        self.background.identity.as_deref()
    }

    /// Runs `method path` with bearer `token` (none: anonymous) and a JSON `body` through the
    /// pipeline.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let mut builder = http::Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let body = match body {
            Some(value) => {
                builder = builder.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(value).expect("JSON"))
            }
            None => Bytes::new(),
        };
        self.send(builder, body).await
    }

    /// Runs a request built by the caller (headers of its own) with `body`.
    pub async fn send(&self, builder: http::request::Builder, body: Bytes) -> Answer {
        let request = builder
            .body(crate::codec::body::boxed(Full::new(body)))
            .expect("a request");
        let response = crate::pipeline::handle(&self.state, &Connection::default(), request).await;
        let code = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|collected| collected.to_bytes())
            .unwrap_or_default();
        Answer {
            code,
            headers,
            body,
        }
    }

    /// `method path` as the admin with `body`; panics unless the answer is 2xx.
    pub async fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let answer = self.request(method, path, Some(ADMIN), body).await;
        assert!(
            (200..300).contains(&answer.code),
            "{method} {path}: {} {}",
            answer.code,
            answer.text()
        );
        answer.json()
    }

    /// Marks pod `namespace/name` Running and Ready, as a kubelet reports it (unconditionally:
    /// the controllers may write meanwhile).
    pub async fn make_pod_ready(&self, namespace: &str, name: &str) {
        let path = format!("/api/v1/namespaces/{namespace}/pods/{name}");
        let mut pod = self.admin("GET", &path, None).await;
        pod["status"] = serde_json::json!({"phase": "Running",
                                           "conditions": [{"type": "Ready", "status": "True"}]});
        if let Some(metadata) = pod["metadata"].as_object_mut() {
            metadata.remove("resourceVersion");
        }
        self.admin("PUT", &format!("{path}/status"), Some(&pod))
            .await;
    }
}

/// A plain-HTTP webhook on 127.0.0.1 that answers every POST with `answer` (200, JSON) and
/// counts the requests; stopped when dropped.
pub struct CannedWebhook {
    /// `http://127.0.0.1:<port>/review`.
    pub url: String,
    /// Requests answered so far.
    pub count: Arc<std::sync::atomic::AtomicUsize>,
    /// The body of the last request.
    pub last: Arc<std::sync::Mutex<String>>,
    /// The request line and headers of the last request.
    pub head: Arc<std::sync::Mutex<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl CannedWebhook {
    /// Starts answering with `answer`.
    pub async fn start(answer: &str) -> Self {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let url = format!(
            "http://{}/review",
            listener.local_addr().expect("an address")
        );
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let last = Arc::new(std::sync::Mutex::new(String::new()));
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        );
        let head = Arc::new(std::sync::Mutex::new(String::new()));
        let (counted, recorded, heads) = (count.clone(), last.clone(), head.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                while let Ok(read) = socket.read(&mut buffer).await {
                    if read == 0 {
                        break;
                    }
                    request.extend_from_slice(&buffer[..read]);
                    let text = String::from_utf8_lossy(&request).into_owned();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            *recorded.lock().expect("not poisoned") = body.to_string();
                            *heads.lock().expect("not poisoned") = head.to_string();
                            break;
                        }
                    }
                }
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        Self {
            url,
            count,
            last,
            head,
            task,
        }
    }

    /// Requests answered so far.
    pub fn requests(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for CannedWebhook {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The cluster id of [`TestServer::start_iam`].
pub const IAM_CLUSTER: &str = "myeks";
/// The IAM user the [`FakeSts`] vouches for.
pub const IAM_USER_ARN: &str = "arn:aws:iam::390844768149:user/testuser";

/// An STS stand-in on loopback (plain HTTP): every request gets `GetCallerIdentity`'s JSON
/// answer for [`IAM_USER_ARN`], whatever it carries (it checks no signature), and is counted.
pub struct FakeSts {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    calls: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSts {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeSts {
    /// Listens on a free port.
    pub async fn start() -> Self {
        Self::start_slow(std::time::Duration::ZERO).await
    }

    /// Listens on a free port and holds each answer for `delay` (so that concurrent requests
    /// overlap the call).
    pub async fn start_slow(delay: std::time::Duration) -> Self {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let counted = counted.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    counted.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    let body = format!(
                        r#"{{"GetCallerIdentityResponse":{{"GetCallerIdentityResult":{{"Account":"390844768149","Arn":"{IAM_USER_ARN}","UserId":"AIDAVZ3QK7EXAMPLE"}},"ResponseMetadata":{{"RequestId":"r"}}}}}}"#
                    );
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Self { url, calls, task }
    }

    /// How many requests it answered.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// A token as `aws eks get-token --cluster-name myeks` makes it now, for the global STS host
/// (its signature is not checked by a [`FakeSts`]).
pub fn iam_token() -> String {
    use base64::Engine as _;
    let date = kubeward_authn::iam::token::amz_date(crate::clock::system_now());
    let day = &date[..8];
    let url = format!(
        "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15\
         &X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F{day}%2Fus-east-1%2Fsts%2Faws4_request\
         &X-Amz-Date={date}&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
         &X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    );
    format!(
        "k8s-aws-v1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
    )
}
