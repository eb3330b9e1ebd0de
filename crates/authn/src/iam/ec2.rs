//! EC2's `DescribeInstances` for `{{EC2PrivateDNSName}}`, as aws-iam-authenticator's
//! `ec2provider` asks it: where and with which credentials (the server's own), the query for up
//! to [`MAX_BATCH`] instance ids, the answer read into private DNS names, and the authenticator's
//! messages when an instance has none. The server makes the call (`kubeward-server`'s
//! `iam_ec2`), batched, rate-limited ([`DEFAULT_QPS`], [`DEFAULT_BURST`]) and cached.

use serde::Deserialize;

use super::hosts;

/// The most instance ids one `DescribeInstances` call names (the authenticator's batch size).
pub const MAX_BATCH: usize = 100;
/// aws-iam-authenticator's `--ec2-describeInstances-qps` default.
pub const DEFAULT_QPS: u32 = 15;
/// aws-iam-authenticator's `--ec2-describeInstances-burst` default.
pub const DEFAULT_BURST: u32 = 5;
/// The EC2 query API version.
pub const API_VERSION: &str = "2016-11-15";

/// Where the server asks EC2, and as whom.
#[derive(Clone, PartialEq, Eq)]
pub struct Ec2Settings {
    /// `https://ec2.REGION.amazonaws.com`, or `--aws-iam-ec2-endpoint` (the local AWS of `up`).
    pub endpoint: String,
    /// The region the requests are signed for.
    pub region: String,
    /// The server's access key id.
    pub access_key_id: String,
    /// Its secret.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Ec2Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ec2Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// The regional EC2 endpoint of a partition (`https://ec2.ap-northeast-2.amazonaws.com`).
pub fn default_endpoint(partition: &str, region: &str) -> Option<String> {
    let domain = hosts::partition_domain(partition)?;
    (!region.is_empty() && hosts::valid_region(region))
        .then(|| format!("https://ec2.{region}.{domain}"))
}

/// The form body of a `DescribeInstances` call for `ids`.
pub fn describe_instances_body(ids: &[String]) -> String {
    let mut pairs = vec![
        ("Action".to_string(), "DescribeInstances".to_string()),
        ("Version".to_string(), API_VERSION.to_string()),
    ];
    for (i, id) in ids.iter().enumerate() {
        pairs.push((format!("InstanceId.{}", i + 1), id.clone()));
    }
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

/// EC2's error answer (`<Response><Errors><Error><Code>…`), or a reply that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Ec2Failure {
    /// `InvalidInstanceID.NotFound`, `UnauthorizedOperation`, `RequestLimitExceeded`, … (or
    /// `SerializationError` for a reply that does not parse).
    pub code: String,
    /// EC2's message.
    pub message: String,
}

impl Ec2Failure {
    /// Whether EC2 refused the call for an instance id it does not know or cannot read (one
    /// unknown id fails a whole batch: the server then asks for each id alone).
    pub fn is_unknown_instance(&self) -> bool {
        self.code.starts_with("InvalidInstanceID.")
    }
}

#[derive(Deserialize)]
struct Items<T> {
    #[serde(rename = "item", default = "Vec::new")]
    item: Vec<T>,
}

impl<T> Default for Items<T> {
    fn default() -> Self {
        Self { item: Vec::new() }
    }
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "reservationSet", default = "Items::default")]
    reservations: Items<Reservation>,
}

#[derive(Deserialize)]
struct Reservation {
    #[serde(rename = "instancesSet", default = "Items::default")]
    instances: Items<Instance>,
}

#[derive(Deserialize)]
struct Instance {
    #[serde(rename = "instanceId", default)]
    instance_id: String,
    #[serde(rename = "privateDnsName", default)]
    private_dns_name: String,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    #[serde(rename = "Errors")]
    errors: ErrorList,
}

#[derive(Deserialize)]
struct ErrorList {
    #[serde(rename = "Error", default)]
    error: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

/// Reads EC2's answer: each instance's id and private DNS name (empty for a terminated one).
pub fn parse_describe_instances(
    status: u16,
    body: &[u8],
) -> Result<Vec<(String, String)>, Ec2Failure> {
    let text = String::from_utf8_lossy(body);
    if status != 200 {
        return Err(match quick_xml::de::from_str::<ErrorAnswer>(&text) {
            Ok(answer) => answer
                .errors
                .error
                .into_iter()
                .next()
                .map(|e| Ec2Failure {
                    code: e.code,
                    message: e.message,
                })
                .unwrap_or_else(|| unreadable(status)),
            Err(_) => unreadable(status),
        });
    }
    let answer: Answer = quick_xml::de::from_str(&text).map_err(|e| Ec2Failure {
        code: "SerializationError".into(),
        message: e.to_string(),
    })?;
    Ok(answer
        .reservations
        .item
        .into_iter()
        .flat_map(|r| r.instances.item)
        .map(|i| (i.instance_id, i.private_dns_name))
        .collect())
}

fn unreadable(status: u16) -> Ec2Failure {
    Ec2Failure {
        code: "UnknownError".into(),
        message: format!("EC2 answered {status} without an error document"),
    }
}

/// aws-iam-authenticator's message when EC2 answered without the instance (or without a
/// private DNS name for it), trailing space included.
pub fn not_found(id: &str) -> String {
    format!("failed to find node {id} ")
}

/// aws-iam-authenticator's message when the `DescribeInstances` call failed.
pub fn query_failed(id: &str, why: &str) -> String {
    format!("failed querying private DNS from EC2 API for node {id}: {why} ")
}

#[cfg(test)]
mod tests;
