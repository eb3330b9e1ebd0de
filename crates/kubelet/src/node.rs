//! The Node object and its Lease: registration at start, the lease renewed every 10 seconds,
//! the status (heartbeat) refreshed every minute, as the kubelet does.

pub mod object;

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::json;

use crate::clock;
use object::HostFacts;

/// The message of an API error (the `Status` message, or the error's text).
pub fn api_message(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => status.message.clone(),
        other => other.to_string(),
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// What this host is, from `/proc` and `/etc`.
pub fn host_facts() -> HostFacts {
    let memory_kib = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let os_image = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "Linux".to_string());
    HostFacts {
        cpus: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        memory_kib,
        kernel_version: read("/proc/sys/kernel/osrelease"),
        os_image,
        machine_id: read("/etc/machine-id"),
        boot_id: read("/proc/sys/kernel/random/boot_id"),
        architecture: object::go_arch(std::env::consts::ARCH).to_string(),
    }
}

/// Registers the Node (or takes over an existing one of the same name) and writes its status;
/// returns its uid.
pub async fn register(client: &kube::Client, name: &str, port: u16) -> Result<String, kube::Error> {
    let nodes: Api<Node> = Api::all(client.clone());
    let facts = host_facts();
    let desired = object::node(name, &facts, port, clock::now());
    let node = match nodes.create(&PostParams::default(), &desired).await {
        Ok(node) => node,
        Err(kube::Error::Api(status)) if status.code == 409 => {
            let patch = json!({"metadata": {
                "labels": desired.metadata.labels,
                "annotations": desired.metadata.annotations,
            }});
            nodes
                .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await?
        }
        Err(error) => return Err(error),
    };
    write_status(client, name, &facts, port).await?;
    Ok(node.metadata.uid.unwrap_or_default())
}

async fn write_status(
    client: &kube::Client,
    name: &str,
    facts: &HostFacts,
    port: u16,
) -> Result<(), kube::Error> {
    let nodes: Api<Node> = Api::all(client.clone());
    let status = object::node_status(name, facts, port, clock::now());
    nodes
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(&json!({ "status": status })),
        )
        .await
        .map(|_| ())
}

async fn renew_lease(client: &kube::Client, name: &str, node_uid: &str) -> Result<(), kube::Error> {
    let leases: Api<Lease> = Api::namespaced(client.clone(), object::LEASE_NAMESPACE);
    match leases.get_opt(name).await? {
        Some(mut lease) => {
            let spec = lease.spec.get_or_insert_with(Default::default);
            spec.holder_identity = Some(name.to_string());
            spec.lease_duration_seconds = Some(object::LEASE_DURATION_SECONDS);
            spec.renew_time = Some(MicroTime(clock::now()));
            leases.replace(name, &PostParams::default(), &lease).await?;
        }
        None => {
            leases
                .create(
                    &PostParams::default(),
                    &object::lease(name, node_uid, clock::now()),
                )
                .await?;
        }
    }
    Ok(())
}

/// Renews the lease every 10 s and refreshes the status every minute, forever.
pub async fn heartbeat(client: kube::Client, name: String, node_uid: String, port: u16) {
    let facts = host_facts();
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    let mut beats = 0u64;
    loop {
        tick.tick().await;
        if let Err(error) = renew_lease(&client, &name, &node_uid).await {
            tracing::warn!(%error, "lease not renewed");
        }
        beats += 1;
        if beats.is_multiple_of(6)
            && let Err(error) = write_status(&client, &name, &facts, port).await
        {
            tracing::warn!(%error, "node status not written");
        }
    }
}
