//! EKS's read side for the clusters the local AWS fronts: `DescribeCluster` (`GET
//! /clusters/NAME`) and `ListClusters` (`GET /clusters`), EKS's REST JSON API, so that the real
//! AWS CLI's `aws eks update-kubeconfig --name NAME` (through `AWS_ENDPOINT_URL_EKS`) writes
//! the cluster's endpoint, CA and `aws eks get-token` exec block as it does against EKS. Who may
//! call: the root, and IAM users with `AdministratorAccess`. Pure.

use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::actions::Caller;
use crate::error::AwsError;

/// A cluster the local AWS describes: the API server of `kubeward up`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The name (`--aws-iam-cluster-id`, `aws eks get-token --cluster-name`).
    pub name: String,
    /// The API server's URL.
    pub endpoint: String,
    /// The cluster CA (PEM), answered base64-encoded as EKS's `certificateAuthority.data`.
    pub ca_pem: String,
    /// The Kubernetes minor version (`1.33`).
    pub version: String,
    /// When it started.
    pub created_at: SystemTime,
}

/// The clusters, shared with the HTTP side (the API server's URL is known only once it
/// listens, after the local AWS).
#[derive(Debug, Clone, Default)]
pub struct Clusters(Arc<RwLock<Vec<Cluster>>>);

impl Clusters {
    /// Adds or replaces (by name) a cluster.
    pub fn put(&self, cluster: Cluster) {
        let mut clusters = self.0.write().unwrap_or_else(|e| e.into_inner());
        clusters.retain(|c| c.name != cluster.name);
        clusters.push(cluster);
    }

    fn find(&self, name: &str) -> Option<Cluster> {
        let clusters = self.0.read().unwrap_or_else(|e| e.into_inner());
        clusters.iter().find(|c| c.name == name).cloned()
    }

    fn names(&self) -> Vec<String> {
        let clusters = self.0.read().unwrap_or_else(|e| e.into_inner());
        let mut names: Vec<String> = clusters.iter().map(|c| c.name.clone()).collect();
        names.sort();
        names
    }
}

/// The operation a request names (for the log), from its method and path.
pub fn operation(method: &str, path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("GET", ["", "clusters"]) => "ListClusters",
        ("GET", ["", "clusters", name]) if !name.is_empty() => "DescribeCluster",
        _ => "",
    }
}

/// Runs an EKS request of `caller`, signed for `region`; the JSON answer.
pub fn run(
    clusters: &Clusters,
    method: &str,
    path: &str,
    caller: &Caller,
    account: &str,
    region: &str,
) -> Result<Value, AwsError> {
    let operation = operation(method, path);
    if operation.is_empty() {
        return Err(AwsError::sender(
            404,
            "UnknownOperationException",
            "The action or operation requested is invalid. Verify that the action is typed correctly.",
        ));
    }
    let arn = |name: &str| format!("arn:aws:eks:{region}:{account}:cluster/{name}");
    if !caller.allowed("eks") {
        let resource = match operation {
            "DescribeCluster" => arn(last_segment(path)),
            _ => format!("arn:aws:eks:{region}:{account}:cluster/*"),
        };
        return Err(AwsError::sender(
            403,
            "AccessDeniedException",
            format!(
                "User: {} is not authorized to perform: eks:{operation} on resource: {resource}",
                caller.arn(account)
            ),
        ));
    }
    if operation == "ListClusters" {
        return Ok(json!({"clusters": clusters.names()}));
    }
    let name = last_segment(path);
    let cluster = clusters.find(name).ok_or_else(|| {
        AwsError::sender(
            404,
            "ResourceNotFoundException",
            format!("No cluster found for name: {name}."),
        )
    })?;
    let created = cluster
        .created_at
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| (d.as_millis() as f64) / 1000.0);
    Ok(json!({
        "cluster": {
            "name": cluster.name,
            "arn": arn(&cluster.name),
            "createdAt": created,
            "version": cluster.version,
            "endpoint": cluster.endpoint,
            "status": "ACTIVE",
            "certificateAuthority": {
                "data": base64::engine::general_purpose::STANDARD.encode(cluster.ca_pem.as_bytes()),
            },
            "tags": {},
        }
    }))
}

/// The cluster name of `/clusters/NAME`.
fn last_segment(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
}

/// EKS's error body (the code travels in `x-amzn-ErrorType`).
pub fn error_body(error: &AwsError) -> String {
    json!({"message": error.message}).to_string()
}

#[cfg(test)]
mod tests;
