//! The webhook backend (`--audit-webhook-config-file`): batches of events POSTed to the URL of
//! a kubeconfig-formatted file as an `audit.k8s.io/v1` `EventList`, with the file's CA, client
//! certificate or token. Each batch is sent by a task of its own and retried as client-go
//! retries webhooks (`backoff`); a batch given up on is counted as lost. Batches are made by the
//! buffered backend in front (`--audit-webhook-batch-*`; kube-apiserver's default mode, the one
//! kubeward runs).

use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinSet;

use super::backoff::{Backoff, DEFAULT_INITIAL_BACKOFF, Failure};
use super::buffered::{BatchConfig, Buffered, Deliver};
use super::{Backend, Counters, Mode, Plugin, StartError};
use crate::event::Event;

/// How long one attempt may take (client-go's webhook default).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// The most of an error answer kept for the log.
const MAX_ERROR_BODY: usize = 512;

/// Where batches go: what the webhook's kubeconfig says of the cluster and user of its current
/// context.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// The receiver's URL (`clusters[].cluster.server`).
    pub url: String,
    /// CA certificates (PEM) the receiver's certificate must chain to; none: the system's.
    pub ca_pem: Option<Vec<u8>>,
    /// `insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// The client certificate and its key (PEM, together).
    pub client_identity_pem: Option<Vec<u8>>,
    /// A bearer token.
    pub token: Option<String>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("url", &self.url)
            .field("ca_pem", &self.ca_pem.as_ref().map(|_| "…"))
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field(
                "client_identity_pem",
                &self.client_identity_pem.as_ref().map(|_| "(redacted)"),
            )
            .field("token", &self.token.as_ref().map(|_| "(redacted)"))
            .finish()
    }
}

/// The webhook flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The receiver.
    pub target: Target,
    /// `--audit-webhook-initial-backoff`.
    pub initial_backoff: Duration,
    /// `--audit-webhook-batch-*`.
    pub batch: BatchConfig,
}

impl Options {
    /// kube-apiserver's defaults for `target`.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
            batch: BatchConfig::webhook(),
        }
    }

    /// `--audit-webhook-mode`: kubeward sends webhooks in batches only.
    pub fn check_mode(mode: Mode) -> Result<(), String> {
        match mode {
            Mode::Batch => Ok(()),
            Mode::Blocking | Mode::BlockingStrict => Err(
                "--audit-webhook-mode: kubeward sends audit webhooks in batch mode only"
                    .to_string(),
            ),
        }
    }
}

/// One event as an item of an `EventList` (its compact JSON).
pub fn item(event: &Event) -> String {
    let mut out = String::with_capacity(768);
    event.write_json(&mut out);
    out
}

/// The events, each encoded by [`item`], as the body of one POST.
pub fn event_list(items: &[String]) -> String {
    let length: usize = items.iter().map(|i| i.len() + 1).sum();
    let mut out = String::with_capacity(96 + length);
    out.push_str(r#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":["#);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push_str("]}");
    out
}

/// Starts the webhook backend.
pub fn start(options: &Options, counters: Arc<Counters>) -> Result<Box<dyn Backend>, StartError> {
    let client = client(&options.target).map_err(StartError::Webhook)?;
    let sender = Sender {
        client,
        target: Arc::new(options.target.clone()),
        backoff: Backoff::from_initial(options.initial_backoff),
        counters: counters.clone(),
    };
    let delivery = Delivery::start(sender).map_err(|e| StartError::Webhook(e.to_string()))?;
    let buffered = Buffered::start(
        Plugin::Webhook,
        options.batch,
        Box::new(item),
        delivery,
        counters,
    )
    .map_err(|e| StartError::Webhook(e.to_string()))?;
    Ok(Box::new(buffered))
}

fn client(target: &Target) -> Result<reqwest::Client, String> {
    reqwest::Url::parse(&target.url)
        .map_err(|e| format!("invalid server URL {:?}: {e}", target.url))?;
    let mut builder = reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .user_agent("kubeward")
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = &target.ca_pem {
        let roots = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| format!("certificate-authority: {e}"))?;
        if roots.is_empty() {
            return Err("certificate-authority: no CERTIFICATE block".to_string());
        }
        builder = builder.tls_certs_only(roots);
    }
    if target.insecure_skip_tls_verify {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    if let Some(pem) = &target.client_identity_pem {
        let identity = reqwest::Identity::from_pem(pem)
            .map_err(|e| format!("client certificate and key: {e}"))?;
        builder = builder.identity(identity);
    }
    builder.build().map_err(|e| e.to_string())
}

/// Posts batches, each with its retries.
#[derive(Clone)]
struct Sender {
    client: reqwest::Client,
    target: Arc<Target>,
    backoff: Backoff,
    counters: Arc<Counters>,
}

impl Sender {
    async fn send(self, batch: Vec<String>) {
        let body = event_list(&batch);
        let mut failed = 0;
        loop {
            let failure = match self.attempt(body.clone()).await {
                Ok(()) => return,
                Err(failure) => failure,
            };
            failed += 1;
            let pause = failure
                .should_retry()
                .then(|| self.backoff.pause(failed, fastrand::f64()))
                .flatten();
            let Some(pause) = pause else {
                self.counters.failed(Plugin::Webhook, batch.len(), &failure);
                return;
            };
            tokio::time::sleep(pause).await;
        }
    }

    async fn attempt(&self, body: String) -> Result<(), Failure> {
        let mut request = self
            .client
            .post(&self.target.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json, */*")
            .body(body);
        if let Some(token) = &self.target.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| classify(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = response
            .headers()
            .contains_key(reqwest::header::RETRY_AFTER);
        let mut text = response.text().await.unwrap_or_default();
        if text.len() > MAX_ERROR_BODY {
            let mut end = MAX_ERROR_BODY;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        Err(Failure::Status {
            code: status.as_u16(),
            retry_after,
            body: text.trim().to_string(),
        })
    }
}

/// A reset connection is retried; any other transport error is not.
fn classify(error: &reqwest::Error) -> Failure {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    let mut reset = false;
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            reset |= matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            );
        }
        source = cause.source();
    }
    if reset {
        Failure::Reset(message)
    } else {
        Failure::Other(message)
    }
}

/// The thread whose runtime runs the sending tasks.
struct Delivery {
    batches: Option<UnboundedSender<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl Delivery {
    fn start(sender: Sender) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (batches, mut receiver) = unbounded_channel::<Vec<String>>();
        let thread = std::thread::Builder::new()
            .name("audit-webhook-send".to_string())
            .spawn(move || {
                runtime.block_on(async move {
                    let mut tasks = JoinSet::new();
                    while let Some(batch) = receiver.recv().await {
                        tasks.spawn(sender.clone().send(batch));
                        while tasks.try_join_next().is_some() {}
                    }
                    while tasks.join_next().await.is_some() {}
                });
            })?;
        Ok(Self {
            batches: Some(batches),
            thread: Some(thread),
        })
    }
}

impl Deliver for Delivery {
    fn deliver(&mut self, batch: Vec<String>) {
        if let Some(batches) = &self.batches {
            let _ = batches.send(batch);
        }
    }

    fn finish(&mut self) {
        self.batches = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests;
