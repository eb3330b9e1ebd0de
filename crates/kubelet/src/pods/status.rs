//! A pod's status as the kubelet computes it (`generateAPIPodStatus`, `getPhase`, the status
//! manager's conditions), from what the node knows of each container. Pure: `now` comes in.

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    ContainerStatus, HostIP, PodCondition, PodIP, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;

/// How a container instance ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminated {
    /// The exit code (128 + signal when killed).
    pub exit_code: i32,
    /// The signal that killed it, if any.
    pub signal: Option<i32>,
    /// `Completed`, `Error`, `StartError`.
    pub reason: String,
    /// What went wrong, for a start failure.
    pub message: Option<String>,
    /// When it started (absent for a start failure).
    pub started_at: Option<Timestamp>,
    /// When it ended.
    pub finished_at: Timestamp,
    /// Its container id.
    pub container_id: String,
}

/// A container's current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Not running: `ContainerCreating`, `CrashLoopBackOff`, …
    Waiting {
        /// The reason.
        reason: String,
        /// The message.
        message: Option<String>,
    },
    /// Running since `started_at`.
    Running {
        /// When it started.
        started_at: Timestamp,
    },
    /// Ended.
    Terminated(Terminated),
}

/// What the node knows of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRecord {
    /// The container's name.
    pub name: String,
    /// The image named in the spec (never pulled).
    pub image: String,
    /// The current state.
    pub state: State,
    /// The previous instance's end.
    pub last_state: Option<Terminated>,
    /// How many times it was restarted.
    pub restart_count: i32,
    /// The current instance's id.
    pub container_id: Option<String>,
}

impl ContainerRecord {
    /// A container not started yet (`ContainerCreating`).
    pub fn creating(name: &str, image: &str) -> Self {
        Self {
            name: name.to_string(),
            image: image.to_string(),
            state: State::Waiting {
                reason: "ContainerCreating".to_string(),
                message: None,
            },
            last_state: None,
            restart_count: 0,
            container_id: None,
        }
    }

    /// Running (no probes on the lab node: running is ready and started).
    pub fn ready(&self) -> bool {
        matches!(self.state, State::Running { .. })
    }
}

/// Everything the status depends on.
#[derive(Debug, Clone)]
pub struct StatusInput<'a> {
    /// The pod's restart policy (`Always`, `OnFailure`, `Never`).
    pub restart_policy: &'a str,
    /// The containers, in spec order.
    pub containers: &'a [ContainerRecord],
    /// The conditions the pod has now (kept: PodScheduled; transition times of unchanged ones).
    pub previous: &'a [PodCondition],
    /// When the node first saw the pod.
    pub start_time: Timestamp,
    /// The node's address (pods share it: there is no pod network).
    pub host_ip: &'a str,
    /// Whether the pod is terminal (deleted and its containers stopped).
    pub terminal: bool,
    /// The current time.
    pub now: Timestamp,
}

/// `getPhase`, for pods without init containers.
pub fn phase(restart_policy: &str, containers: &[ContainerRecord], terminal: bool) -> &'static str {
    let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for container in containers {
        match &container.state {
            State::Running { .. } => running += 1,
            State::Terminated(t) => {
                stopped += 1;
                if t.exit_code == 0 {
                    succeeded += 1;
                }
            }
            State::Waiting { .. } => {
                if container.last_state.is_some() {
                    stopped += 1;
                } else {
                    waiting += 1;
                }
            }
        }
    }
    if waiting > 0 {
        return "Pending";
    }
    if running > 0 {
        return "Running";
    }
    if stopped == 0 {
        return "Pending";
    }
    if terminal {
        return if stopped == succeeded {
            "Succeeded"
        } else {
            "Failed"
        };
    }
    if restart_policy == "Always" {
        return "Running";
    }
    if stopped == succeeded {
        return "Succeeded";
    }
    if restart_policy == "Never" {
        return "Failed";
    }
    "Running"
}

fn condition(
    previous: &[PodCondition],
    type_: &str,
    status: bool,
    reason: Option<&str>,
    message: Option<String>,
    now: &Timestamp,
) -> PodCondition {
    let status = if status { "True" } else { "False" }.to_string();
    let kept = previous
        .iter()
        .find(|c| c.type_ == type_ && c.status == status)
        .and_then(|c| c.last_transition_time.clone());
    PodCondition {
        type_: type_.to_string(),
        status,
        reason: reason.map(str::to_string),
        message,
        last_probe_time: None,
        last_transition_time: Some(kept.unwrap_or(Time(*now))),
        ..PodCondition::default()
    }
}

fn terminated_state(t: &Terminated) -> ContainerStateTerminated {
    ContainerStateTerminated {
        exit_code: t.exit_code,
        signal: t.signal,
        reason: Some(t.reason.clone()),
        message: t.message.clone(),
        started_at: t.started_at.map(Time),
        finished_at: Some(Time(t.finished_at)),
        container_id: (!t.container_id.is_empty()).then(|| t.container_id.clone()),
    }
}

fn container_status(record: &ContainerRecord) -> ContainerStatus {
    let state = match &record.state {
        State::Waiting { reason, message } => ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some(reason.clone()),
                message: message.clone(),
            }),
            ..ContainerState::default()
        },
        State::Running { started_at } => ContainerState {
            running: Some(ContainerStateRunning {
                started_at: Some(Time(*started_at)),
            }),
            ..ContainerState::default()
        },
        State::Terminated(t) => ContainerState {
            terminated: Some(terminated_state(t)),
            ..ContainerState::default()
        },
    };
    ContainerStatus {
        name: record.name.clone(),
        image: record.image.clone(),
        image_id: String::new(),
        container_id: record.container_id.clone(),
        ready: record.ready(),
        started: Some(record.ready()),
        restart_count: record.restart_count,
        state: Some(state),
        last_state: Some(match &record.last_state {
            Some(t) => ContainerState {
                terminated: Some(terminated_state(t)),
                ..ContainerState::default()
            },
            None => ContainerState::default(),
        }),
        ..ContainerStatus::default()
    }
}

/// The pod status the node writes through `pods/status`.
pub fn pod_status(input: &StatusInput<'_>) -> PodStatus {
    let now = &input.now;
    let phase = phase(input.restart_policy, input.containers, input.terminal);
    let unready: Vec<&str> = input
        .containers
        .iter()
        .filter(|c| !c.ready())
        .map(|c| c.name.as_str())
        .collect();
    let (ready, reason, message) = if phase == "Succeeded" {
        (false, Some("PodCompleted"), None)
    } else if unready.is_empty() {
        (true, None, None)
    } else {
        (
            false,
            Some("ContainersNotReady"),
            Some(format!(
                "containers with unready status: [{}]",
                unready.join(" ")
            )),
        )
    };
    let sandbox = !input.terminal;
    let mut conditions = vec![
        condition(
            input.previous,
            "PodReadyToStartContainers",
            sandbox,
            None,
            None,
            now,
        ),
        condition(input.previous, "Initialized", true, None, None, now),
        condition(input.previous, "Ready", ready, reason, message.clone(), now),
        condition(
            input.previous,
            "ContainersReady",
            ready,
            reason,
            message,
            now,
        ),
    ];
    let scheduled = input
        .previous
        .iter()
        .find(|c| c.type_ == "PodScheduled")
        .cloned()
        .unwrap_or_else(|| condition(&[], "PodScheduled", true, None, None, now));
    conditions.push(scheduled);
    PodStatus {
        phase: Some(phase.to_string()),
        conditions: Some(conditions),
        host_ip: Some(input.host_ip.to_string()),
        host_ips: Some(vec![HostIP {
            ip: input.host_ip.to_string(),
        }]),
        pod_ip: Some(input.host_ip.to_string()),
        pod_ips: Some(vec![PodIP {
            ip: input.host_ip.to_string(),
        }]),
        start_time: Some(Time(input.start_time)),
        container_statuses: Some(input.containers.iter().map(container_status).collect()),
        qos_class: Some("BestEffort".to_string()),
        ..PodStatus::default()
    }
}

/// The kubelet's back-off before restarting a container: 10 s doubling to 5 minutes.
pub fn back_off_seconds(restarts: i32) -> u64 {
    let exponent = restarts.clamp(0, 5) as u32;
    (10u64 << exponent).min(300)
}

/// The CrashLoopBackOff message (`kuberuntime_manager.go`): `back-off 20s restarting failed
/// container=app pod=web_default(uid)`.
pub fn back_off_message(
    seconds: u64,
    container: &str,
    pod: &str,
    namespace: &str,
    uid: &str,
) -> String {
    let duration = if seconds >= 60 && seconds.is_multiple_of(60) {
        format!("{}m0s", seconds / 60)
    } else if seconds >= 60 {
        format!("{}m{}s", seconds / 60, seconds % 60)
    } else {
        format!("{seconds}s")
    };
    format!(
        "back-off {duration} restarting failed container={container} pod={pod}_{namespace}({uid})"
    )
}

/// Whether a container that ended with `exit_code` is restarted under `restart_policy`.
pub fn restarts(restart_policy: &str, exit_code: i32) -> bool {
    match restart_policy {
        "Never" => false,
        "OnFailure" => exit_code != 0,
        _ => true,
    }
}

#[cfg(test)]
mod tests;
