//! The lab node's scheduler: a client with kube-scheduler's identity (`system:kube-scheduler`)
//! that binds every pending pod without a node to this node through the `pods/binding`
//! subresource, as kube-scheduler does (there is only one node to choose).

use std::time::Duration;

use futures_util::StreamExt as _;
use k8s_openapi::api::core::v1::{Binding, ObjectReference, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Api;
use kube::api::{ListParams, PostParams, WatchEvent, WatchParams};

use crate::pods::record_event;

/// Whether the default scheduler should place this pod.
pub fn wants_scheduling(pod: &Pod) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return false;
    };
    let unbound = spec.node_name.as_deref().unwrap_or("").is_empty();
    let ours = matches!(
        spec.scheduler_name.as_deref(),
        None | Some("") | Some("default-scheduler")
    );
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    unbound
        && ours
        && pod.metadata.deletion_timestamp.is_none()
        && !matches!(phase, Some("Succeeded" | "Failed"))
}

/// The Binding kube-scheduler posts for `pod` onto `node`.
pub fn binding(pod: &Pod, node: &str) -> Binding {
    Binding {
        metadata: ObjectMeta {
            name: pod.metadata.name.clone(),
            namespace: pod.metadata.namespace.clone(),
            uid: pod.metadata.uid.clone(),
            ..ObjectMeta::default()
        },
        target: ObjectReference {
            kind: Some("Node".to_string()),
            name: Some(node.to_string()),
            ..ObjectReference::default()
        },
    }
}

async fn bind(client: &kube::Client, pod: &Pod, node: &str) {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let pods: Api<Pod> = Api::namespaced(client.clone(), &namespace);
    let result: Result<serde_json::Value, kube::Error> = pods
        .create_subresource(
            "binding",
            &name,
            &PostParams::default(),
            &binding(pod, node),
        )
        .await;
    match result {
        Ok(_) => {
            record_event(
                client,
                pod,
                "default-scheduler",
                None,
                "Normal",
                "Scheduled",
                &format!("Successfully assigned {namespace}/{name} to {node}"),
            )
            .await;
        }
        Err(kube::Error::Api(status))
            if status.code == 404
                && status
                    .message
                    .contains("could not find the requested resource") =>
        {
            tracing::warn!(
                pod = %name,
                "the API server does not serve pods/binding; the pod stays pending"
            );
        }
        Err(error) => tracing::warn!(pod = %name, %error, "binding failed"),
    }
}

/// Binds pending pods to `node` as they appear, forever.
pub async fn run(client: kube::Client, node: String) {
    let pods: Api<Pod> = Api::all(client.clone());
    loop {
        let listed = match pods.list(&ListParams::default()).await {
            Ok(list) => list,
            Err(error) => {
                tracing::warn!(%error, "scheduler: listing pods failed");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        for pod in listed.items.iter().filter(|p| wants_scheduling(p)) {
            bind(&client, pod, &node).await;
        }
        let version = listed.metadata.resource_version.unwrap_or_default();
        let stream = match pods
            .watch(&WatchParams::default().timeout(290), &version)
            .await
        {
            Ok(stream) => stream,
            Err(error) => {
                tracing::warn!(%error, "scheduler: watching pods failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut stream = std::pin::pin!(stream);
        while let Some(event) = stream.next().await {
            match event {
                Ok(WatchEvent::Added(pod) | WatchEvent::Modified(pod)) => {
                    if wants_scheduling(&pod) {
                        bind(&client, &pod, &node).await;
                    }
                }
                Ok(WatchEvent::Deleted(_) | WatchEvent::Bookmark(_)) => {}
                Ok(WatchEvent::Error(_)) | Err(_) => break,
            }
        }
    }
}

#[cfg(test)]
mod tests;
