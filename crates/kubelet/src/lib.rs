//! kubeward's lab node: a kubelet for learning, built as a real kubelet is — a client of the API
//! server with a node identity — that runs each pod's containers as local processes of the user
//! who started it (no isolation of any kind), and serves the kubelet API that the API server
//! proxies `kubectl logs|exec|attach|port-forward` to, over SPDY/3.1 and WebSocket.
//!
//! The protocol modules (`spdy`, `wsstream`, `remotecommand`, `portforward`) and the pure parts
//! of `pods` (status, environment, log format) take values and return values. The rest does
//! I/O: `node` (registration, lease), `scheduler` (binding pending pods), `pods` (processes,
//! tokens, status writes), `server` (the HTTPS kubelet API).
#![forbid(unsafe_code)]

pub mod portforward;
pub mod remotecommand;
pub mod spdy;
pub mod wsstream;

mod client;
mod clock;
mod config;
pub mod node;
pub mod pods;
pub mod scheduler;
mod server;

use std::net::SocketAddr;
use std::sync::Arc;

pub use config::{Credential, LabNodeConfig};

/// Why the lab node could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A certificate, key or URL of the configuration cannot be used.
    #[error("lab node configuration: {0}")]
    Config(String),
    /// The kubelet API's socket could not be bound.
    #[error("lab node: cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// The operating system's answer.
        source: std::io::Error,
    },
    /// The API server refused the Node (or could not be reached).
    #[error("lab node: registering node {node:?}: {message}")]
    Register {
        /// The node's name.
        node: String,
        /// The API server's answer.
        message: String,
    },
}

/// A running lab node.
pub struct LabNode {
    address: SocketAddr,
    registry: Arc<pods::PodRegistry>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl LabNode {
    /// Registers the Node, starts its lease, its pod watch, its scheduler (with a scheduler
    /// credential) and its HTTPS server; returns once the Node is registered.
    pub async fn start(config: LabNodeConfig) -> Result<Self, StartError> {
        let url: http::Uri = config
            .api_server
            .parse()
            .map_err(|e| StartError::Config(format!("API server URL: {e}")))?;
        let api_host = url
            .host()
            .unwrap_or("127.0.0.1")
            .trim_matches(['[', ']'])
            .to_string();
        let api_port = url.port_u16().unwrap_or(443);
        let node_client = client::kube_client(
            &config.api_server,
            &config.ca_pem,
            &config.node_credential,
            "kubelet",
        )
        .map_err(StartError::Config)?;
        let acceptor =
            server::acceptor(&config.serving, &config.ca_pem).map_err(StartError::Config)?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartError::Bind {
                address: config.listen,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartError::Bind {
            address: config.listen,
            source,
        })?;
        let node_uid = node::register(&node_client, &config.node_name, address.port())
            .await
            .map_err(|e| StartError::Register {
                node: config.node_name.clone(),
                message: node::api_message(&e),
            })?;
        let registry = Arc::new(pods::PodRegistry::default());
        let context = Arc::new(pods::NodeContext {
            node_name: config.node_name.clone(),
            client: node_client.clone(),
            api_server: config.api_server.clone(),
            api_host,
            api_port,
            ca_pem: config.ca_pem.clone(),
            work_dir: config.work_dir.clone(),
            host_ip: "127.0.0.1".to_string(),
            path: std::env::var("PATH")
                .unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_string()),
            registry: registry.clone(),
        });
        let mut tasks = vec![
            tokio::spawn(node::heartbeat(
                node_client.clone(),
                config.node_name.clone(),
                node_uid,
                address.port(),
            )),
            tokio::spawn(pods::watch_pods(context)),
            tokio::spawn(server::serve(
                listener,
                acceptor,
                Arc::new(server::ApiState {
                    registry: registry.clone(),
                    authorizer: server::Authorizer::new(node_client, config.node_name.clone()),
                }),
            )),
        ];
        if let Some(credential) = &config.scheduler_credential {
            let scheduler = client::kube_client(
                &config.api_server,
                &config.ca_pem,
                credential,
                "kube-scheduler",
            )
            .map_err(StartError::Config)?;
            tasks.push(tokio::spawn(scheduler::run(
                scheduler,
                config.node_name.clone(),
            )));
        }
        Ok(Self {
            address,
            registry,
            tasks,
        })
    }

    /// Where the kubelet API listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops every pod's processes (SIGTERM, then SIGKILL after two seconds) and the node's
    /// tasks.
    pub async fn shutdown(self) {
        for task in &self.tasks {
            task.abort();
        }
        for pod in self.registry.all() {
            let _ = pod.stop.send(Some(2));
        }
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        while !self.registry.all().is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
