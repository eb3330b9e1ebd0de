//! `{{EC2PrivateDNSName}}`: the private DNS name of the EC2 instance a node's session is named
//! after, asked of EC2's `DescribeInstances` as aws-iam-authenticator's `ec2provider` does —
//! with the server's own credentials (signed with AWS's SigV4 signer), batched (the ids
//! waiting while a call is out go together in the next, up to 100), one call at a time,
//! rate-limited (15 calls a second, bursts of 5: the authenticator's defaults), and cached for
//! the server's lifetime by the IAM authenticator (`Iam::add_ec2_private_dns_name`). Each
//! lookup is made by a task of its own, so a client that goes away abandons nobody else's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use kubeward_authn::iam::ec2::{self, Ec2Failure, Ec2Settings};
use tokio::sync::oneshot;

/// The largest reply read.
pub const MAX_REPLY: usize = 1024 * 1024;

/// What a lookup answers: the name, or the authenticator's message.
type Answer = Result<String, String>;

/// A token bucket: `qps` calls a second, `burst` at once. Pure: the caller hands in the time.
#[derive(Debug, Clone)]
pub struct Bucket {
    qps: f64,
    burst: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl Bucket {
    /// A full bucket.
    pub fn new(qps: u32, burst: u32) -> Self {
        Self {
            qps: f64::from(qps.max(1)),
            burst: f64::from(burst.max(1)),
            tokens: f64::from(burst.max(1)),
            last: None,
        }
    }

    /// Takes a token at `now`: how long to wait before the call may be made.
    pub fn take(&mut self, now: Instant) -> Duration {
        if let Some(last) = self.last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.qps;
            self.tokens = (self.tokens + refill).min(self.burst);
        }
        self.last = Some(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.qps)
        }
    }
}

struct Inner {
    settings: Ec2Settings,
    client: reqwest::Client,
    /// Instance ids not asked yet, with whoever waits for them.
    waiting: Mutex<HashMap<String, Vec<oneshot::Sender<Answer>>>>,
    /// Held while a call is out (and its answers handed out).
    calling: Arc<tokio::sync::Mutex<Bucket>>,
}

/// Asks EC2 for instances' private DNS names.
#[derive(Clone)]
pub struct Ec2Resolver {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Ec2Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ec2Resolver")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl Ec2Resolver {
    /// A resolver for `settings` that sends its calls with `client` (the STS client: the
    /// system roots and the extra CA bundle, no redirects, 10 seconds at most).
    pub fn new(settings: Ec2Settings, client: reqwest::Client) -> Self {
        Self {
            inner: Arc::new(Inner {
                settings,
                client,
                waiting: Mutex::new(HashMap::new()),
                calling: Arc::new(tokio::sync::Mutex::new(Bucket::new(
                    ec2::DEFAULT_QPS,
                    ec2::DEFAULT_BURST,
                ))),
            }),
        }
    }

    /// The private DNS name of `instance_id`, or aws-iam-authenticator's message.
    pub async fn private_dns_name(&self, instance_id: &str) -> Answer {
        let (sender, mut receiver) = oneshot::channel();
        self.inner
            .waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(instance_id.to_string())
            .or_default()
            .push(sender);
        loop {
            let calling = self.inner.calling.clone().lock_owned().await;
            // A call made while this one waited for its turn may have answered it already.
            match receiver.try_recv() {
                Ok(answer) => return answer,
                Err(oneshot::error::TryRecvError::Closed) => {
                    return Err(ec2::not_found(instance_id));
                }
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let batch = self.take_batch();
            let inner = self.inner.clone();
            let call = tokio::spawn(async move {
                let mut bucket = calling;
                inner.answer(&mut bucket, batch).await;
            });
            if call.await.is_err() {
                return Err(ec2::not_found(instance_id));
            }
        }
    }

    /// Up to [`ec2::MAX_BATCH`] waiting ids, taken out of the waiting list.
    fn take_batch(&self) -> Vec<(String, Vec<oneshot::Sender<Answer>>)> {
        let mut waiting = self.inner.waiting.lock().unwrap_or_else(|e| e.into_inner());
        let ids: Vec<String> = waiting.keys().take(ec2::MAX_BATCH).cloned().collect();
        ids.into_iter()
            .filter_map(|id| waiting.remove(&id).map(|senders| (id, senders)))
            .collect()
    }
}

impl Inner {
    /// One call for the batch; when an unknown id fails it as a whole, one call per id.
    async fn answer(
        &self,
        bucket: &mut Bucket,
        batch: Vec<(String, Vec<oneshot::Sender<Answer>>)>,
    ) {
        let ids: Vec<String> = batch.iter().map(|(id, _)| id.clone()).collect();
        let mut answers: HashMap<String, Answer> = HashMap::new();
        match self.describe(bucket, &ids).await {
            Err(failure) if ids.len() > 1 && failure.is_unknown_instance() => {
                for id in &ids {
                    let one = self.describe(bucket, std::slice::from_ref(id)).await;
                    answers.insert(id.clone(), pick(id, one));
                }
            }
            result => {
                for id in &ids {
                    answers.insert(id.clone(), pick(id, result.clone()));
                }
            }
        }
        for (id, senders) in batch {
            let answer = answers
                .remove(&id)
                .unwrap_or_else(|| Err(ec2::not_found(&id)));
            for sender in senders {
                let _ = sender.send(answer.clone());
            }
        }
    }

    /// `DescribeInstances` for `ids`, after the rate limit allows it.
    async fn describe(
        &self,
        bucket: &mut Bucket,
        ids: &[String],
    ) -> Result<Vec<(String, String)>, Ec2Failure> {
        let wait = bucket.take(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        tracing::info!(
            instances = ids.len(),
            endpoint = %self.settings.endpoint,
            "calling ec2:DescribeInstances"
        );
        let body = ec2::describe_instances_body(ids);
        let transport = |why: String| Ec2Failure {
            code: "RequestError".into(),
            message: why,
        };
        let headers =
            signed_headers(&self.settings, &body, crate::clock::system_now()).map_err(transport)?;
        let mut request = self.client.post(&self.settings.endpoint).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| transport(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let mut reply = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport(e.without_url().to_string()))?
        {
            if reply.len() + chunk.len() > MAX_REPLY {
                return Err(transport("the reply is larger than 1 MiB".into()));
            }
            reply.extend_from_slice(&chunk);
        }
        ec2::parse_describe_instances(status, &reply)
    }
}

/// The answer for `id` from a call's result.
fn pick(id: &str, result: Result<Vec<(String, String)>, Ec2Failure>) -> Answer {
    match result {
        Ok(found) => found
            .into_iter()
            .find(|(i, name)| i == id && !name.is_empty())
            .map(|(_, name)| name)
            .ok_or_else(|| ec2::not_found(id)),
        Err(failure) => Err(ec2::query_failed(id, &failure.to_string())),
    }
}

/// The headers of a SigV4-signed form POST of `body` to the EC2 endpoint (`content-type`,
/// `x-amz-date`, `authorization`, and `x-amz-security-token` with temporary credentials).
pub fn signed_headers(
    settings: &Ec2Settings,
    body: &str,
    now: std::time::SystemTime,
) -> Result<Vec<(String, String)>, String> {
    const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
    let url = reqwest::Url::parse(&settings.endpoint).map_err(|e| e.to_string())?;
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => return Err(format!("{}: no host", settings.endpoint)),
    };
    let identity = aws_credential_types::Credentials::new(
        settings.access_key_id.clone(),
        settings.secret_access_key.clone(),
        settings.session_token.clone(),
        None,
        "kubeward",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&settings.region)
        .name("ec2")
        .time(now)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?;
    let signable = SignableRequest::new(
        "POST",
        url.as_str(),
        [("host", host.as_str()), ("content-type", CONTENT_TYPE)].into_iter(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _) = sign(signable, &params.into())
        .map_err(|e| e.to_string())?
        .into_parts();
    let mut headers = vec![("content-type".to_string(), CONTENT_TYPE.to_string())];
    headers.extend(
        instructions
            .headers()
            .map(|(name, value)| (name.to_string(), value.to_string())),
    );
    Ok(headers)
}

#[cfg(test)]
mod tests;
