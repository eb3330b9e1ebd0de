//! The pods bound to this node: what runs for each (`worker`, `container`, sharing the node's
//! `context` and waiting on a pod's `stop`), how a container's processes start (`spec`), its
//! files (`token`), its status (`status`, pure), environment (`env`, pure) and logs
//! (`logfile`, pure), and the registry that the kubelet API looks pods up in.

pub mod env;
pub mod logfile;
pub mod status;

mod container;
mod context;
pub mod process;
mod spec;
mod stop;
mod token;
mod worker;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::Pod;
use tokio::sync::{Notify, broadcast, mpsc, watch};

pub use container::Instance;
pub use context::{NodeContext, record_event};
pub use process::ProcessSpec;

use status::ContainerRecord;

/// A container's live state as the node tracks it.
pub struct ContainerSlot {
    /// The status record.
    pub record: ContainerRecord,
    /// The current instance (running or last run), `None` before the first start.
    pub instance: Option<Arc<Instance>>,
    /// The previous instance.
    pub previous: Option<Arc<Instance>>,
    /// How the current instance was started (env, command, working directory), for exec.
    pub spec: Option<ProcessSpec>,
}

/// One pod on this node.
pub struct PodRuntime {
    /// The pod's uid.
    pub uid: String,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its directory under the node's work directory.
    pub dir: PathBuf,
    /// The latest object seen from the API server.
    pub pod: Mutex<Pod>,
    /// The containers, in spec order.
    pub containers: Mutex<Vec<ContainerSlot>>,
    /// Signalled whenever a container's state changes.
    pub changed: Notify,
    /// `Some(grace seconds)` once the pod must stop.
    pub stop: watch::Sender<Option<i64>>,
}

impl PodRuntime {
    /// Runs `f` on the slot of `container`.
    pub fn with_slot<T>(
        &self,
        container: &str,
        f: impl FnOnce(&mut ContainerSlot) -> T,
    ) -> Option<T> {
        let mut slots = self.containers.lock().unwrap_or_else(|e| e.into_inner());
        slots.iter_mut().find(|s| s.record.name == container).map(f)
    }

    /// The records of all containers.
    pub fn records(&self) -> Vec<ContainerRecord> {
        let slots = self.containers.lock().unwrap_or_else(|e| e.into_inner());
        slots.iter().map(|s| s.record.clone()).collect()
    }

    /// The latest pod object.
    pub fn pod(&self) -> Pod {
        self.pod.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether the spec has a container of this name.
    pub fn has_container(&self, container: &str) -> bool {
        self.with_slot(container, |_| ()).is_some()
    }
}

/// Output of a running container, for attach.
#[derive(Debug, Clone)]
pub struct Output {
    /// 1 for stdout, 2 for stderr.
    pub stream: u8,
    /// The bytes.
    pub data: Vec<u8>,
}

/// The live I/O of a container instance.
pub struct InstanceIo {
    /// The container's output as it is produced.
    pub output: broadcast::Sender<Output>,
    /// Standard input, when the spec asks for it (`stdin: true`); an empty message closes it
    /// (`stdinOnce`: after the first attach session's input ends).
    pub stdin: Option<mpsc::Sender<Vec<u8>>>,
    /// Whether the spec says `stdinOnce`.
    pub stdin_once: bool,
    /// Resize requests for a TTY container.
    pub resize: Option<mpsc::Sender<(u16, u16)>>,
}

/// The pods of this node, by namespace and name.
#[derive(Default)]
pub struct PodRegistry {
    pods: Mutex<HashMap<(String, String), Arc<PodRuntime>>>,
}

impl PodRegistry {
    /// The pod `namespace/name`, if it runs here.
    pub fn get(&self, namespace: &str, name: &str) -> Option<Arc<PodRuntime>> {
        let pods = self.pods.lock().unwrap_or_else(|e| e.into_inner());
        pods.get(&(namespace.to_string(), name.to_string()))
            .cloned()
    }

    fn insert(&self, runtime: Arc<PodRuntime>) {
        let mut pods = self.pods.lock().unwrap_or_else(|e| e.into_inner());
        pods.insert((runtime.namespace.clone(), runtime.name.clone()), runtime);
    }

    fn remove(&self, namespace: &str, name: &str, uid: &str) {
        let mut pods = self.pods.lock().unwrap_or_else(|e| e.into_inner());
        let key = (namespace.to_string(), name.to_string());
        if pods.get(&key).is_some_and(|p| p.uid == uid) {
            pods.remove(&key);
        }
    }

    /// Every pod.
    pub fn all(&self) -> Vec<Arc<PodRuntime>> {
        let pods = self.pods.lock().unwrap_or_else(|e| e.into_inner());
        pods.values().cloned().collect()
    }
}

pub use worker::{sync_pod, watch_pods};
