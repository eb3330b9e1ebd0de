//! What every pod worker of the node shares (its client, its facts, the pods running here), and
//! the Events the node records about pods.

use std::path::PathBuf;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Event, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::Api;
use kube::api::PostParams;

use super::PodRegistry;
use crate::clock;

/// What every pod worker shares: the node's client and facts.
pub struct NodeContext {
    /// The node's name.
    pub node_name: String,
    /// The API server client with the node's identity.
    pub client: kube::Client,
    /// The API server's URL.
    pub api_server: String,
    /// Its host, for `KUBERNETES_SERVICE_HOST`.
    pub api_host: String,
    /// Its port.
    pub api_port: u16,
    /// The cluster CA (PEM), when the namespace has no `kube-root-ca.crt` yet.
    pub ca_pem: String,
    /// The node's work directory.
    pub work_dir: PathBuf,
    /// The node's address, shared by its pods.
    pub host_ip: String,
    /// The node's `PATH`, given to containers so that their commands are found.
    pub path: String,
    /// The pods running here.
    pub registry: Arc<PodRegistry>,
}

impl NodeContext {
    /// Records an Event about `pod` from the kubelet (best effort, as the kubelet's recorder).
    pub async fn event(&self, pod: &Pod, type_: &str, reason: &str, message: &str) {
        record_event(
            &self.client,
            pod,
            "kubelet",
            Some(&self.node_name),
            type_,
            reason,
            message,
        )
        .await;
    }
}

/// Writes a core/v1 Event about `pod` from `component`.
pub async fn record_event(
    client: &kube::Client,
    pod: &Pod,
    component: &str,
    host: Option<&str>,
    type_: &str,
    reason: &str,
    message: &str,
) {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let now = Time(clock::now());
    let event = Event {
        metadata: ObjectMeta {
            name: Some(format!(
                "{name}.{:x}",
                uuid::Uuid::new_v4().as_u128() as u64
            )),
            namespace: Some(namespace.clone()),
            ..ObjectMeta::default()
        },
        involved_object: k8s_openapi::api::core::v1::ObjectReference {
            api_version: Some("v1".to_string()),
            kind: Some("Pod".to_string()),
            name: Some(name),
            namespace: Some(namespace.clone()),
            uid: pod.metadata.uid.clone(),
            ..Default::default()
        },
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        type_: Some(type_.to_string()),
        count: Some(1),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        source: Some(k8s_openapi::api::core::v1::EventSource {
            component: Some(component.to_string()),
            host: host.map(str::to_string),
        }),
        reporting_component: Some(component.to_string()),
        reporting_instance: Some(host.unwrap_or(component).to_string()),
        ..Event::default()
    };
    let events: Api<Event> = Api::namespaced(client.clone(), &namespace);
    if let Err(error) = events.create(&PostParams::default(), &event).await {
        tracing::debug!(%error, reason, "event not recorded");
    }
}
