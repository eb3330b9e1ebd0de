//! A pod's life on the node: seen through a watch of the pods bound here, its token projected,
//! its containers started, its status written through `pods/status` whenever a container
//! changes, and on deletion its containers stopped within the grace period before the pod is
//! removed with a zero-grace delete, as the kubelet does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{
    DeleteParams, ListParams, Patch, PatchParams, Preconditions, WatchEvent, WatchParams,
};
use serde_json::json;
use tokio::sync::{Notify, watch};

use super::context::NodeContext;
use super::status::{self, ContainerRecord, StatusInput};
use super::stop::stopped;
use super::{ContainerSlot, PodRuntime, container, token};
use crate::clock;

/// The kubelet's minimum grace period (`minimumGracePeriodInSeconds`).
const MINIMUM_GRACE_SECONDS: i64 = 2;

fn grace_of(pod: &Pod) -> i64 {
    pod.metadata
        .deletion_grace_period_seconds
        .or_else(|| pod.spec.as_ref()?.termination_grace_period_seconds)
        .unwrap_or(30)
        .max(MINIMUM_GRACE_SECONDS)
}

/// Takes a pod object seen from the API server: starts it, updates it, or stops it when it is
/// being deleted.
pub fn sync_pod(ctx: &Arc<NodeContext>, pod: Pod) {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let deleting = pod.metadata.deletion_timestamp.is_some();
    if let Some(existing) = ctx.registry.get(&namespace, &name) {
        if existing.uid == uid {
            *existing.pod.lock().unwrap_or_else(|e| e.into_inner()) = pod.clone();
            if deleting && existing.stop.borrow().is_none() {
                let _ = existing.stop.send(Some(grace_of(&pod)));
            }
            return;
        }
        // Same name, new uid: the old pod is gone.
        let _ = existing.stop.send(Some(MINIMUM_GRACE_SECONDS));
        ctx.registry.remove(&namespace, &name, &existing.uid);
    }
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if deleting || matches!(phase, Some("Succeeded" | "Failed")) {
        return;
    }
    let containers = pod
        .spec
        .as_ref()
        .map(|s| {
            s.containers
                .iter()
                .map(|c| ContainerSlot {
                    record: ContainerRecord::creating(&c.name, c.image.as_deref().unwrap_or("")),
                    instance: None,
                    previous: None,
                    spec: None,
                })
                .collect()
        })
        .unwrap_or_default();
    let (stop, _) = watch::channel(None);
    let runtime = Arc::new(PodRuntime {
        dir: ctx.work_dir.join("pods").join(&uid),
        uid,
        namespace,
        name,
        pod: Mutex::new(pod),
        containers: Mutex::new(containers),
        changed: Notify::new(),
        stop,
    });
    ctx.registry.insert(runtime.clone());
    tokio::spawn(run(ctx.clone(), runtime));
}

/// A pod was removed from the API server without a graceful deletion: stop it.
fn pod_deleted(ctx: &NodeContext, pod: &Pod) {
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("");
    let name = pod.metadata.name.as_deref().unwrap_or("");
    if let Some(existing) = ctx.registry.get(namespace, name)
        && Some(existing.uid.as_str()) == pod.metadata.uid.as_deref()
        && existing.stop.borrow().is_none()
    {
        let _ = existing.stop.send(Some(grace_of(pod)));
    }
}

/// Watches the pods bound to this node (`spec.nodeName=<node>`) and keeps their workers in
/// step, relisting whenever the watch ends.
pub async fn watch_pods(ctx: Arc<NodeContext>) {
    let pods: Api<Pod> = Api::all(ctx.client.clone());
    let selector = format!("spec.nodeName={}", ctx.node_name);
    let mut server_filters = true;
    loop {
        let list_params = if server_filters {
            ListParams::default().fields(&selector)
        } else {
            ListParams::default()
        };
        let listed = match pods.list(&list_params).await {
            Ok(list) => list,
            Err(kube::Error::Api(status)) if status.code == 400 && server_filters => {
                tracing::warn!(
                    message = %status.message,
                    "the API server does not select pods by spec.nodeName; filtering on the node"
                );
                server_filters = false;
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "listing pods failed");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        let mine = |pod: &Pod| {
            pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(ctx.node_name.as_str())
        };
        let mut seen = std::collections::HashSet::new();
        for pod in listed.items.into_iter().filter(|p| mine(p)) {
            seen.insert(pod.metadata.uid.clone().unwrap_or_default());
            sync_pod(&ctx, pod);
        }
        for runtime in ctx.registry.all() {
            if !seen.contains(&runtime.uid) && runtime.stop.borrow().is_none() {
                let _ = runtime.stop.send(Some(grace_of(&runtime.pod())));
            }
        }
        let version = listed.metadata.resource_version.unwrap_or_default();
        let watch_params = if server_filters {
            WatchParams::default().fields(&selector).timeout(290)
        } else {
            WatchParams::default().timeout(290)
        };
        let stream = match pods.watch(&watch_params, &version).await {
            Ok(stream) => stream,
            Err(error) => {
                tracing::warn!(%error, "watching pods failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut stream = std::pin::pin!(stream);
        while let Some(event) = stream.next().await {
            match event {
                Ok(WatchEvent::Added(pod) | WatchEvent::Modified(pod)) => {
                    if mine(&pod) {
                        sync_pod(&ctx, pod);
                    }
                }
                Ok(WatchEvent::Deleted(pod)) => pod_deleted(&ctx, &pod),
                Ok(WatchEvent::Bookmark(_)) => {}
                Ok(WatchEvent::Error(_)) | Err(_) => break,
            }
        }
    }
}

/// Writes the pod's status if it changed since the last write.
async fn publish(
    ctx: &NodeContext,
    pod: &PodRuntime,
    start_time: k8s_openapi::jiff::Timestamp,
    terminal: bool,
    last: &mut Option<serde_json::Value>,
) -> Result<(), kube::Error> {
    let object = pod.pod();
    let previous = object
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    let records = pod.records();
    let restart_policy = object
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.clone())
        .unwrap_or_else(|| "Always".to_string());
    let status = status::pod_status(&StatusInput {
        restart_policy: &restart_policy,
        containers: &records,
        previous: &previous,
        start_time,
        host_ip: &ctx.host_ip,
        terminal,
        now: clock::now(),
    });
    let mut body = json!({ "status": status });
    // The kubelet writes `lastProbeTime: null` on every condition.
    if let Some(conditions) = body
        .pointer_mut("/status/conditions")
        .and_then(serde_json::Value::as_array_mut)
    {
        for condition in conditions {
            if condition.get("lastProbeTime").is_none() {
                condition["lastProbeTime"] = serde_json::Value::Null;
            }
        }
    }
    if last.as_ref() == Some(&body) {
        return Ok(());
    }
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), &pod.namespace);
    let updated = pods
        .patch_status(&pod.name, &PatchParams::default(), &Patch::Merge(&body))
        .await?;
    if updated.metadata.uid.as_deref() == Some(pod.uid.as_str()) {
        *pod.pod.lock().unwrap_or_else(|e| e.into_inner()) = updated;
    }
    *last = Some(body);
    Ok(())
}

async fn run(ctx: Arc<NodeContext>, pod: Arc<PodRuntime>) {
    let start_time = clock::now();
    let mut last = None;
    let mut stop = pod.stop.subscribe();
    let _ = publish(&ctx, &pod, start_time, false, &mut last).await;
    let object = pod.pod();
    if let Some(source) = token::source_of(&object) {
        let mut delay = Duration::from_secs(1);
        loop {
            match token::project(&ctx, &pod.pod(), &pod.dir, &source).await {
                Ok(next) => {
                    tokio::spawn(token::refresh(
                        ctx.clone(),
                        pod.clone(),
                        source.clone(),
                        next,
                    ));
                    break;
                }
                Err(message) => {
                    ctx.event(&pod.pod(), "Warning", "FailedMount", &message)
                        .await;
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = stopped(&mut stop) => break,
                    }
                    delay = (delay * 2).min(Duration::from_secs(60));
                }
            }
        }
    }
    let count = object
        .spec
        .as_ref()
        .map(|s| s.containers.len())
        .unwrap_or(0);
    let mut containers = Vec::new();
    if stop.borrow().is_none() {
        for index in 0..count {
            containers.push(tokio::spawn(container::run(
                ctx.clone(),
                pod.clone(),
                index,
            )));
        }
    }
    let mut finished = futures_util::future::join_all(containers);
    let mut done = false;
    loop {
        tokio::select! {
            _ = pod.changed.notified() => {
                // Let a burst of changes settle into one write.
                tokio::time::sleep(Duration::from_millis(20)).await;
                if let Err(error) = publish(&ctx, &pod, start_time, false, &mut last).await {
                    tracing::debug!(pod = %pod.name, %error, "status not written");
                }
            }
            _ = &mut finished, if !done => { done = true; }
            _ = stopped(&mut stop) => break,
        }
    }
    if !done {
        finished.await;
    }
    let object = pod.pod();
    if object.metadata.deletion_timestamp.is_some() {
        let _ = publish(&ctx, &pod, start_time, true, &mut last).await;
        let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), &pod.namespace);
        let params = DeleteParams {
            grace_period_seconds: Some(0),
            preconditions: Some(Preconditions {
                uid: Some(pod.uid.clone()),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        if let Err(error) = pods.delete(&pod.name, &params).await {
            tracing::debug!(pod = %pod.name, %error, "final delete");
        }
    }
    ctx.registry.remove(&pod.namespace, &pod.name, &pod.uid);
    if let Err(error) = std::fs::remove_dir_all(&pod.dir) {
        tracing::debug!(%error, dir = %pod.dir.display(), "pod directory not removed");
    }
}
