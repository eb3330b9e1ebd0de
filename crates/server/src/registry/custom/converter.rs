//! Converts custom objects through their definition's conversion webhook
//! (`conversion::Webhook`): the objects not yet in the desired version go in one review, the
//! webhook's URL is the definition's `url` or its Service resolved as kube-apiserver's
//! ClusterIP resolver does (the Service read from the store: its cluster IP and port, with the
//! TLS name `<name>.<namespace>.svc`), and a failure is kube-apiserver's answer: a 500 whose
//! message is the converter's error (`conversion webhook for stable.example.com/v1,
//! Kind=CronTab failed: …`).

use std::net::{IpAddr, SocketAddr, ToSocketAddrs as _};
use std::time::Duration;

use kubeward_core::status::{Status, StatusDetails};
use serde_json::Value;

use super::conversion::{self, ServiceRef, Webhook};
use crate::registry::kinds;
use crate::state::State;
use crate::webhooks::conversion::{self as call, Target};

/// The failure kube-apiserver answers for an error of its converter (no API status: 500 with
/// an empty reason).
pub fn failure(message: String) -> Status {
    Status::failure(500, "", message, None::<StatusDetails>)
}

/// Converts the `items` not in `desired` (an apiVersion) with `webhook`. `input` is the
/// GroupVersionKind of what is converted as Go prints it, `list` whether it is a list.
pub fn convert(
    state: &State,
    webhook: &Webhook,
    items: &mut [Value],
    desired: &str,
    input: &str,
    list: bool,
) -> Result<(), Status> {
    let pending: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.get("apiVersion").and_then(Value::as_str) != Some(desired))
        .map(|(index, _)| index)
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    let sent: Vec<Value> = pending.iter().map(|&i| items[i].clone()).collect();
    let uid = uuid::Uuid::new_v4().to_string();
    let (review, version) =
        conversion::review(&webhook.review_versions, &sent, desired, &uid).map_err(failure)?;
    let failed = |error: String| failure(format!("conversion webhook for {input} failed: {error}"));
    let url = webhook.request_url();
    let connect_to = match &webhook.service {
        Some(service) if webhook.url.is_none() => Some(
            resolve(state, service)
                .map_err(|e| failed(format!("Post {}: {e}", kubeward_core::go::quote(&url))))?,
        ),
        _ => None,
    };
    let target = Target {
        url,
        ca_pem: webhook.ca_bundle.clone(),
        connect_to,
    };
    let body = serde_json::to_vec(&review).map_err(|e| failure(e.to_string()))?;
    let timeout = Duration::from_secs(conversion::TIMEOUT_SECONDS);
    let answer = call::post(&target, body, timeout).map_err(failed)?;
    let answer: Value = serde_json::from_slice(&answer)
        .map_err(|e| failed(format!("couldn't get version/kind; json parse error: {e}")))?;
    let objects = conversion::converted(version, &uid, &answer).map_err(failed)?;
    let converted = conversion::accept(input, list, &sent, objects, desired).map_err(failure)?;
    for (index, object) in pending.into_iter().zip(converted) {
        items[index] = object;
    }
    Ok(())
}

/// The address of a Service's port, as kube-apiserver's ClusterIP service resolver finds it.
fn resolve(state: &State, service: &ServiceRef) -> Result<SocketAddr, String> {
    let services = kinds::core::services();
    let not_found = || {
        format!(
            "service {} not found",
            kubeward_core::go::quote(&service.name)
        )
    };
    let found = state
        .store
        .get(&services.key(&service.namespace, &service.name))
        .map_err(|e| e.to_string())?
        .ok_or_else(not_found)?;
    let text = |pointer: &str| found.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    let kind = match text("/spec/type") {
        "" => "ClusterIP",
        other => other,
    };
    let cluster_ip = text("/spec/clusterIP");
    match kind {
        "ClusterIP" if cluster_ip == "None" => {
            Err("cannot route to service with ClusterIP \"None\"".to_string())
        }
        "ClusterIP" | "LoadBalancer" | "NodePort" => {
            let declared = found
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|p| p.get("port").and_then(Value::as_i64) == Some(service.port));
            if !declared {
                return Err(format!(
                    "no service port {} found for service {}",
                    service.port,
                    kubeward_core::go::quote(&service.name)
                ));
            }
            let ip: IpAddr = cluster_ip.parse().map_err(|_| {
                format!(
                    "invalid cluster IP {}",
                    kubeward_core::go::quote(cluster_ip)
                )
            })?;
            Ok(SocketAddr::new(
                ip,
                u16::try_from(service.port).unwrap_or(443),
            ))
        }
        "ExternalName" => {
            let name = text("/spec/externalName");
            let port = u16::try_from(service.port).unwrap_or(443);
            (name, port)
                .to_socket_addrs()
                .ok()
                .and_then(|mut addresses| addresses.next())
                .ok_or_else(|| format!("dial tcp: lookup {name}: no such host"))
        }
        other => Err(format!(
            "unsupported service type {}",
            kubeward_core::go::quote(other)
        )),
    }
}
